/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* OhConfig: tolerant parsing, per-line errors, accounts and the secrets file. */
#include <glib/gstdio.h>
#include <sys/stat.h>

#include "oh-account.h"
#include "oh-audio.h"
#include "oh-config.h"

static GPtrArray *logged;

static GLogWriterOutput
capture_log (GLogLevelFlags level, const GLogField *fields, gsize n_fields, gpointer user_data)
{
  for (gsize i = 0; i < n_fields; i++)
    if (g_str_equal (fields[i].key, "MESSAGE"))
      g_ptr_array_add (logged, g_strdup (fields[i].value));
  return G_LOG_WRITER_HANDLED;
}

static gboolean
logged_contains (const char *text)
{
  for (guint i = 0; i < logged->len; i++)
    if (strstr (logged->pdata[i], text))
      return TRUE;
  return FALSE;
}

typedef struct {
  char *dir;
  char *conf;
  char *state;
} Fixture;

static void
fixture_setup (Fixture *f, gconstpointer data)
{
  f->dir = g_dir_make_tmp ("oh-config-XXXXXX", NULL);
  f->conf = g_build_filename (f->dir, "offhookd.conf", NULL);
  f->state = g_build_filename (f->dir, "state", NULL);
  g_ptr_array_set_size (logged, 0);
  if (data)
    g_assert_true (g_file_set_contents (f->conf, data, -1, NULL));
}

static void
fixture_teardown (Fixture *f, gconstpointer data)
{
  g_autofree char *accounts = g_build_filename (f->state, "accounts.conf", NULL);
  g_autofree char *secrets = g_build_filename (f->state, "secrets", NULL);

  g_unlink (accounts);
  g_unlink (secrets);
  g_rmdir (f->state);
  g_unlink (f->conf);
  g_rmdir (f->dir);
  g_free (f->dir);
  g_free (f->conf);
  g_free (f->state);
}

static void
test_defaults (Fixture *f, gconstpointer data)
{
  g_autoptr(OhConfig) config = oh_config_new (f->conf, f->state);
  const OhSettings *s;

  oh_config_load (config);
  s = oh_config_get_settings (config);
  g_assert_cmpuint (s->sip_port, ==, 5060);
  g_assert_cmpuint (s->t1_ms, ==, 500);
  g_assert_cmpuint (s->ring_timeout, ==, 180);
  g_assert_cmpuint (s->rtp_port_min, ==, 16384);
  g_assert_cmpstr (s->audio_sink, ==, "");
  /* echo cancellation: the speakerphone only */
  g_assert_false (s->route_echo_cancel[OH_AUDIO_ROUTE_HANDSET]);
  g_assert_false (s->route_echo_cancel[OH_AUDIO_ROUTE_HEADSET]);
  g_assert_true (s->route_echo_cancel[OH_AUDIO_ROUTE_SPEAKER]);
  g_assert_cmpuint (logged->len, ==, 0);
}

static const char bad_lines[] =
  "# comment\n"
  "[sip]\n"
  "port=5070\n"
  "ring-timeout=soon\n"
  "this line has no equals sign\n"
  "colour=blue\n"
  "t1-ms=200\n"
  "[rtp\n"
  "port-min=20000\n"
  "[audio]\n"
  "sink=spk_a\n"
  "headset-echo-cancel=true\n"
  "speaker-echo-cancel=maybe\n";

static void
test_bad_lines (Fixture *f, gconstpointer data)
{
  g_autoptr(OhConfig) config = oh_config_new (f->conf, f->state);
  const OhSettings *s;

  oh_config_load (config);
  s = oh_config_get_settings (config);
  /* the valid rest is used */
  g_assert_cmpuint (s->sip_port, ==, 5070);
  g_assert_cmpuint (s->t1_ms, ==, 200);
  g_assert_cmpstr (s->audio_sink, ==, "spk_a");
  g_assert_true (s->route_echo_cancel[OH_AUDIO_ROUTE_HEADSET]);
  /* the bad ones keep their defaults */
  g_assert_cmpuint (s->ring_timeout, ==, 180);
  g_assert_cmpuint (s->rtp_port_min, ==, 16384);
  g_assert_true (s->route_echo_cancel[OH_AUDIO_ROUTE_SPEAKER]);
  /* and each is named by file, line and key */
  g_assert_true (logged_contains ("offhookd.conf:4: key 'ring-timeout' in [sip]: 'soon' is not a number"));
  g_assert_true (logged_contains ("offhookd.conf:5: 'this line has no equals sign' is not a 'key=value' line"));
  g_assert_true (logged_contains ("offhookd.conf:6: unknown key 'colour' in [sip]"));
  g_assert_true (logged_contains ("offhookd.conf:8: '[rtp' is not a [group] line"));
  g_assert_true (logged_contains ("offhookd.conf:13: key 'speaker-echo-cancel' in [audio]: 'maybe' is not true or false"));
}

static const char accounts_conf[] =
  "[account work]\n"
  "aor=sip:1001@pbx.example.com\n"
  "proxies=sip:pbx1.example.com;sip:gw.example.com\n"
  "expires=often\n"
  "register=false\n"
  "[account home]\n"
  "aor=sip:7@home.example.com\n";

static void
test_accounts (Fixture *f, gconstpointer data)
{
  g_autoptr(OhConfig) config = oh_config_new (f->conf, f->state);
  g_autoptr(GHashTable) types = oh_account_setting_types ();
  g_autoptr(GVariant) work = NULL;
  g_autoptr(GVariant) again = NULL;
  g_autoptr(GVariant) proxies = NULL;
  g_autoptr(GError) error = NULL;
  g_auto(GStrv) ids = NULL;
  g_autofree char *secrets = g_build_filename (f->state, "secrets", NULL);
  g_autofree char *accounts = g_build_filename (f->state, "accounts.conf", NULL);
  g_autofree char *text = NULL;
  GStatBuf st;
  gboolean reg = TRUE;

  oh_config_load (config);
  ids = oh_config_list_accounts (config);
  g_assert_cmpuint (g_strv_length (ids), ==, 2);
  g_assert_cmpstr (ids[0], ==, "work");

  work = g_variant_ref_sink (oh_config_get_account (config, "work", types));
  proxies = g_variant_lookup_value (work, "proxies", G_VARIANT_TYPE_STRING_ARRAY);
  g_assert_nonnull (proxies);
  g_assert_cmpuint (g_variant_n_children (proxies), ==, 2);
  g_assert_false (g_variant_lookup (work, "expires", "u", NULL));
  g_assert_true (g_variant_lookup (work, "register", "b", &reg));
  g_assert_false (reg);
  g_assert_true (logged_contains ("offhookd.conf:4: key 'expires' in [account work]: 'often' is not a number"));

  /* state overrides the file, removal survives a reload */
  g_assert_true (oh_config_save_account (config, "work", g_variant_new_parsed ("{'aor': <'sip:2002@pbx.example.com'>}"), &error));
  g_assert_no_error (error);
  g_assert_true (oh_config_set_secret (config, "work", "s3cret", &error));
  g_assert_no_error (error);
  g_assert_cmpint (g_stat (secrets, &st), ==, 0);
  g_assert_cmpuint (st.st_mode & 0777, ==, 0600);
  g_assert_true (g_file_get_contents (accounts, &text, NULL, NULL));
  g_assert_null (strstr (text, "s3cret"));

  g_assert_true (oh_config_remove_account (config, "home", &error));
  g_assert_no_error (error);
  oh_config_load (config);
  g_strfreev (ids);
  ids = oh_config_list_accounts (config);
  g_assert_cmpuint (g_strv_length (ids), ==, 1);
  g_assert_cmpstr (oh_config_get_secret (config, "work"), ==, "s3cret");
  again = g_variant_ref_sink (oh_config_get_account (config, "work", types));
  g_assert_true (g_variant_lookup (again, "aor", "&s", NULL));
  {
    const char *aor = NULL;
    g_variant_lookup (again, "aor", "&s", &aor);
    g_assert_cmpstr (aor, ==, "sip:2002@pbx.example.com");
  }
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  logged = g_ptr_array_new_with_free_func (g_free);
  g_log_set_writer_func (capture_log, NULL, NULL);

  g_test_add ("/config/defaults", Fixture, NULL, fixture_setup, test_defaults, fixture_teardown);
  g_test_add ("/config/bad-lines", Fixture, bad_lines, fixture_setup, test_bad_lines, fixture_teardown);
  g_test_add ("/config/accounts", Fixture, accounts_conf, fixture_setup, test_accounts, fixture_teardown);
  return g_test_run ();
}
