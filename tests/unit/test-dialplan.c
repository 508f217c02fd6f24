/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The dial plan's verdicts on collected digits, rule by rule. */
#include "oh-dialplan.h"
#include "oh-error.h"

static OhDialPlan *
office_plan (void)
{
  OhDialPlan *plan = oh_dial_plan_new ();

  g_assert_true (oh_dial_plan_add_rule (plan, "911", 0, 0, NULL, NULL));
  g_assert_true (oh_dial_plan_add_rule (plan, "9,1..........", 0, 1, "+", NULL));
  g_assert_true (oh_dial_plan_add_rule (plan, "9,*", 5000, 1, NULL, NULL));
  g_assert_true (oh_dial_plan_add_rule (plan, "1...", 2000, 0, NULL, NULL));
  g_assert_true (oh_dial_plan_add_rule (plan, "\\*7.", 0, 0, NULL, NULL));
  return plan;
}

static void
expect (OhDialPlan *plan, const char *digits, const char *verdict, guint timeout_ms, const char *target)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *got_target = NULL;
  guint got_timeout = 1234;
  const char *got = oh_dial_plan_match (plan, digits, &got_timeout, &got_target, &error);

  g_assert_no_error (error);
  g_assert_cmpstr (got, ==, verdict);
  g_assert_cmpuint (got_timeout, ==, timeout_ms);
  g_assert_cmpstr (got_target, ==, target);
}

static void
test_rules (void)
{
  g_autoptr(OhDialPlan) plan = office_plan ();

  expect (plan, "", "more", OH_DIAL_PLAN_MORE_MS, "");
  expect (plan, "9", "more", OH_DIAL_PLAN_MORE_MS, "secondary-dial");   /* the ',' */
  expect (plan, "91", "more", OH_DIAL_PLAN_MORE_MS, "");
  expect (plan, "911", "dial-now", 0, "911");                            /* first rule wins */
  expect (plan, "915551234567", "dial-now", 0, "+15551234567");          /* strip 1, prefix + */
  expect (plan, "9155512345678", "wait", 5000, "155512345678");          /* too long: the '*' rule */
  expect (plan, "942", "wait", 5000, "42");
  expect (plan, "1", "more", OH_DIAL_PLAN_MORE_MS, "");
  expect (plan, "1002", "wait", 2000, "1002");
  expect (plan, "10021", "invalid", 0, "");
  expect (plan, "*72", "dial-now", 0, "*72");
  expect (plan, "*8", "invalid", 0, "");
  expect (plan, "55", "invalid", 0, "");
  expect (plan, "100#", "invalid", 0, "");                               /* # sends only a whole number */
  expect (plan, "1002#", "dial-now", 0, "1002");
}

static void
test_open_plan (void)
{
  g_autoptr(OhDialPlan) plan = oh_dial_plan_new ();

  expect (plan, "1002", "wait", OH_DIAL_PLAN_OPEN_MS, "1002");
  expect (plan, "+4930123", "wait", OH_DIAL_PLAN_OPEN_MS, "+4930123");
  expect (plan, "1002#", "dial-now", 0, "1002");
  expect (plan, "#", "wait", OH_DIAL_PLAN_OPEN_MS, "#");
}

static void
test_bad_input (void)
{
  g_autoptr(OhDialPlan) plan = office_plan ();
  g_autoptr(GError) error = NULL;
  g_autofree char *target = NULL;
  guint timeout;

  g_assert_null (oh_dial_plan_match (plan, "12a", &timeout, &target, &error));
  g_assert_error (error, OH_ERROR, OH_ERROR_INVALID_ARGUMENTS);
  g_assert_nonnull (strstr (error->message, "'a' at position 3"));
  g_clear_error (&error);
  g_assert_false (oh_dial_plan_add_rule (plan, "9x", 0, 0, NULL, &error));
  g_assert_error (error, OH_ERROR, OH_ERROR_INVALID_ARGUMENTS);
  g_clear_error (&error);
  g_assert_false (oh_dial_plan_add_rule (plan, "", 0, 0, NULL, &error));
  g_assert_error (error, OH_ERROR, OH_ERROR_INVALID_ARGUMENTS);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/dialplan/rules", test_rules);
  g_test_add_func ("/dialplan/open", test_open_plan);
  g_test_add_func ("/dialplan/bad-input", test_bad_input);
  return g_test_run ();
}
