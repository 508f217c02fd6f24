/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Dial targets: what a UI may pass to Dial() and what it becomes. */
#include "oh-error.h"
#include "oh-sip.h"

static const struct {
  const char *target;
  const char *domain;
  const char *expected;   /* NULL: InvalidArguments */
} cases[] = {
  { "sip:1002@pbx.example.com", "x", "sip:1002@pbx.example.com" },
  { "  sip:alice@192.0.2.7:5062  ", NULL, "sip:alice@192.0.2.7:5062" },
  { "sips:bob@example.com", NULL, "sips:bob@example.com" },
  { "1002", "pbx.example.com", "sip:1002@pbx.example.com;user=phone" },
  { "+49 (30) 123-45.67", "pbx.example.com", "sip:+49301234567@pbx.example.com;user=phone" },
  { "*72#", "pbx.example.com", "sip:*72%23@pbx.example.com;user=phone" },
  { "tel:+15551234", "pbx.example.com", "sip:+15551234@pbx.example.com;user=phone" },
  { "1002", NULL, NULL },
  { "", "pbx.example.com", NULL },
  { "   ", "pbx.example.com", NULL },
  { "sip:", "pbx.example.com", NULL },
  { "sip:@", "pbx.example.com", NULL },
  { "garbage!", "pbx.example.com", NULL },
  { "12a4", "pbx.example.com", NULL },
  { "+", "pbx.example.com", NULL },
  { "1+2", "pbx.example.com", NULL },
  { "http://example.com", "pbx.example.com", NULL },
};

static void
test_targets (void)
{
  for (guint i = 0; i < G_N_ELEMENTS (cases); i++) {
    g_autoptr(GError) error = NULL;
    g_autofree char *uri = oh_sip_normalize_target (cases[i].target, cases[i].domain, &error);

    g_test_message ("'%s' → %s", cases[i].target, uri ? uri : error->message);
    g_assert_cmpstr (uri, ==, cases[i].expected);
    if (!cases[i].expected) {
      g_assert_error (error, OH_ERROR, OH_ERROR_INVALID_ARGUMENTS);
      g_assert_cmpuint (strlen (error->message), >, 10);
    }
  }
}

static void
test_too_long (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *huge = g_strnfill (100 * 1024, '5');
  g_autofree char *uri = oh_sip_normalize_target (huge, "pbx.example.com", &error);

  g_assert_null (uri);
  g_assert_error (error, OH_ERROR, OH_ERROR_INVALID_ARGUMENTS);
  g_assert_nonnull (strstr (error->message, "too long"));
}

static void
test_uri_parts (void)
{
  g_autofree char *user = NULL;
  g_autofree char *host = NULL;
  g_autofree char *port = NULL;
  g_autoptr(GError) error = NULL;

  g_assert_true (oh_sip_uri_parts ("sip:1001@pbx.example.com:5070;transport=tcp", &user, &host, &port, NULL));
  g_assert_cmpstr (user, ==, "1001");
  g_assert_cmpstr (host, ==, "pbx.example.com");
  g_assert_cmpstr (port, ==, "5070");
  g_assert_false (oh_sip_uri_parts ("mailto:x@y", NULL, NULL, NULL, &error));
  g_assert_error (error, OH_ERROR, OH_ERROR_INVALID_ARGUMENTS);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/sip/targets", test_targets);
  g_test_add_func ("/sip/too-long", test_too_long);
  g_test_add_func ("/sip/uri-parts", test_uri_parts);
  return g_test_run ();
}
