/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* offhook-ui's digit collection against a dial plan on a private bus: each
 * verdict of Manager.MatchDialPlan, # on a complete number, and the plain
 * rule (# dials) of a daemon that has no dial plan. */
#include "oh-error.h"
#include "oh-ui-dialer.h"

#define WAIT_MS 300

typedef struct {
  GTestDBus *bus;
  GDBusConnection *connection;
  GDBusObjectManagerServer *objects;
  OhDbusManager *manager;
  guint owner;
  gboolean no_plan;
  guint asked;
  OhUiClient *client;
  OhUiDialer *dialer;
  char *dialled;
  guint invalid;
  guint secondary;
} Fixture;

/* The plan: 9 is an outside line (secondary dial tone), 9 and three more
 * digits complete; 1xx dials at once; 0 is invalid; the rest wants more. */
static gboolean
on_match (OhDbusManager *manager, GDBusMethodInvocation *invocation, const char *digits, Fixture *f)
{
  f->asked++;
  if (f->no_plan) {
    g_dbus_method_invocation_return_error_literal (invocation, OH_ERROR, OH_ERROR_NOT_SUPPORTED,
                                                   "no dial plan in this version");
    return TRUE;
  }
  if (g_str_equal (digits, "0"))
    oh_dbus_manager_complete_match_dial_plan (manager, invocation, "invalid", 0, "");
  else if (g_str_has_prefix (digits, "1") && strlen (digits) == 3)
    oh_dbus_manager_complete_match_dial_plan (manager, invocation, "dial-now", 0, "sip:123@pbx");
  else if (g_str_equal (digits, "9"))
    oh_dbus_manager_complete_match_dial_plan (manager, invocation, "more", 10000, "secondary-dial");
  else if (g_str_has_prefix (digits, "9") && strlen (digits) == 4)
    oh_dbus_manager_complete_match_dial_plan (manager, invocation, "wait", WAIT_MS, digits);
  else
    oh_dbus_manager_complete_match_dial_plan (manager, invocation, "more", 10000, "");
  return TRUE;
}

static void
on_dial (OhUiDialer *dialer, const char *target, Fixture *f)
{
  g_free (f->dialled);
  f->dialled = g_strdup (target);
}

static void
on_invalid (OhUiDialer *dialer, Fixture *f)
{
  f->invalid++;
}

static void
on_secondary (OhUiDialer *dialer, Fixture *f)
{
  f->secondary++;
}

static gboolean
timed_out (gpointer data)
{
  g_assert_not_reached ();
  return G_SOURCE_REMOVE;
}

/* Runs the main loop until *@flag is set, failing after 5 s. */
static void
wait_for (gconstpointer *flag)
{
  guint timeout = g_timeout_add_seconds (5, timed_out, NULL);

  while (!*flag)
    g_main_context_iteration (NULL, TRUE);
  g_source_remove (timeout);
}

static void
wait_for_count (guint *count, guint at_least)
{
  guint timeout = g_timeout_add_seconds (5, timed_out, NULL);

  while (*count < at_least)
    g_main_context_iteration (NULL, TRUE);
  g_source_remove (timeout);
}

static void
fixture_set_up (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;

  oh_error_quark ();
  f->bus = g_test_dbus_new (G_TEST_DBUS_NONE);
  g_test_dbus_up (f->bus);
  f->connection = g_bus_get_sync (G_BUS_TYPE_SESSION, NULL, &error);
  g_assert_no_error (error);
  f->objects = g_dbus_object_manager_server_new (OH_UI_ROOT_PATH);
  g_dbus_object_manager_server_set_connection (f->objects, f->connection);
  f->manager = oh_dbus_manager_skeleton_new ();
  g_signal_connect (f->manager, "handle-match-dial-plan", G_CALLBACK (on_match), f);
  g_dbus_interface_skeleton_export (G_DBUS_INTERFACE_SKELETON (f->manager), f->connection, OH_UI_ROOT_PATH,
                                    &error);
  g_assert_no_error (error);
  f->owner = g_bus_own_name_on_connection (f->connection, OH_UI_BUS_NAME, G_BUS_NAME_OWNER_FLAGS_NONE,
                                           NULL, NULL, NULL, NULL);

  f->client = oh_ui_client_new (G_BUS_TYPE_SESSION, NULL);
  oh_ui_client_start (f->client);
  {
    guint timeout = g_timeout_add_seconds (5, timed_out, NULL);
    while (!oh_ui_client_is_ready (f->client))
      g_main_context_iteration (NULL, TRUE);
    g_source_remove (timeout);
  }
  f->dialer = oh_ui_dialer_new (f->client);
  g_signal_connect (f->dialer, "dial", G_CALLBACK (on_dial), f);
  g_signal_connect (f->dialer, "invalid", G_CALLBACK (on_invalid), f);
  g_signal_connect (f->dialer, "secondary-dial", G_CALLBACK (on_secondary), f);
}

static void
fixture_tear_down (Fixture *f, gconstpointer data)
{
  g_clear_object (&f->dialer);
  g_clear_object (&f->client);
  g_bus_unown_name (f->owner);
  g_dbus_interface_skeleton_unexport (G_DBUS_INTERFACE_SKELETON (f->manager));
  g_clear_object (&f->manager);
  g_clear_object (&f->objects);
  g_clear_object (&f->connection);
  g_test_dbus_down (f->bus);
  g_clear_object (&f->bus);
  g_free (f->dialled);
}

static void
press (Fixture *f, const char *digits)
{
  for (const char *d = digits; *d; d++)
    oh_ui_dialer_add (f->dialer, *d);
}

static void
test_dial_now (Fixture *f, gconstpointer data)
{
  press (f, "12");
  wait_for_count (&f->asked, 2);
  g_assert_null (f->dialled);
  press (f, "3");
  wait_for ((gconstpointer *) &f->dialled);
  /* the plan's rewrite, not the digits */
  g_assert_cmpstr (f->dialled, ==, "sip:123@pbx");
}

static void
test_secondary_then_wait (Fixture *f, gconstpointer data)
{
  gint64 complete_at;

  press (f, "9");
  wait_for_count (&f->secondary, 1);
  press (f, "123");
  wait_for_count (&f->asked, 4);
  complete_at = g_get_monotonic_time ();
  wait_for ((gconstpointer *) &f->dialled);
  g_assert_cmpstr (f->dialled, ==, "9123");
  g_assert_cmpint (g_get_monotonic_time () - complete_at, >=, (WAIT_MS - 50) * 1000);
  g_assert_cmpuint (f->secondary, ==, 1);
  g_assert_cmpuint (f->invalid, ==, 0);
}

static void
test_pound_completes (Fixture *f, gconstpointer data)
{
  /* # right behind the last digit, before the plan answered */
  press (f, "9123#");
  wait_for ((gconstpointer *) &f->dialled);
  g_assert_cmpstr (f->dialled, ==, "9123");
  g_assert_cmpstr (oh_ui_dialer_get_digits (f->dialer), ==, "9123");
}

static void
test_pound_in_incomplete_number (Fixture *f, gconstpointer data)
{
  press (f, "*7");
  wait_for_count (&f->asked, 2);
  press (f, "#");
  wait_for_count (&f->asked, 3);
  g_assert_cmpstr (oh_ui_dialer_get_digits (f->dialer), ==, "*7#");
  g_assert_null (f->dialled);
}

static void
test_invalid (Fixture *f, gconstpointer data)
{
  press (f, "0");
  wait_for_count (&f->invalid, 1);
  g_assert_cmpstr (oh_ui_dialer_get_status (f->dialer), ==, "Invalid number");
  g_assert_null (f->dialled);
}

static void
test_no_plan (Fixture *f, gconstpointer data)
{
  guint timeout;

  f->no_plan = TRUE;
  press (f, "5");
  timeout = g_timeout_add_seconds (5, timed_out, NULL);
  while (!strchr (oh_ui_dialer_get_status (f->dialer), '#'))
    g_main_context_iteration (NULL, TRUE);
  g_source_remove (timeout);
  /* the plain rule: # dials the digits before it */
  press (f, "5#");
  wait_for ((gconstpointer *) &f->dialled);
  g_assert_cmpstr (f->dialled, ==, "55");
  /* the dialer remembers that the daemon has no plan: asked once */
  g_assert_cmpuint (f->asked, ==, 1);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add ("/ui-dialer/dial-now", Fixture, NULL, fixture_set_up, test_dial_now, fixture_tear_down);
  g_test_add ("/ui-dialer/secondary-then-wait", Fixture, NULL, fixture_set_up, test_secondary_then_wait,
              fixture_tear_down);
  g_test_add ("/ui-dialer/pound-completes", Fixture, NULL, fixture_set_up, test_pound_completes,
              fixture_tear_down);
  g_test_add ("/ui-dialer/pound-in-incomplete-number", Fixture, NULL, fixture_set_up,
              test_pound_in_incomplete_number, fixture_tear_down);
  g_test_add ("/ui-dialer/invalid", Fixture, NULL, fixture_set_up, test_invalid, fixture_tear_down);
  g_test_add ("/ui-dialer/no-plan", Fixture, NULL, fixture_set_up, test_no_plan, fixture_tear_down);
  return g_test_run ();
}
