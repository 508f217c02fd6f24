/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* offhookctl commands about accounts: list, show, add, set, remove, credentials, register. */
#include <stdio.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include "oh-ctl-client.h"
#include "oh-ctl-commands.h"
#include "oh-ctl-error.h"
#include "oh-ctl-output.h"

/* The value types of Account.Update's keys; a key not listed is sent as a
 * string and the daemon names it if it does not know it. */
static const struct {
  const char *key;
  const char *type;
} setting_types[] = {
  { "display-name", "s" }, { "aor", "s" }, { "proxies", "as" }, { "transport", "s" },
  { "register", "b" }, { "expires", "u" }, { "enabled", "b" }, { "codecs", "as" },
  { "dtmf", "s" }, { "srtp", "s" }, { "forward-always", "s" }, { "forward-busy", "s" },
  { "forward-noanswer", "s" }, { "forward-noanswer-timeout", "u" }, { "call-waiting", "b" },
  { "accept-direct-calls", "b" }, { "voicemail", "s" }, { "auto-answer", "s" },
};

static GVariant *
parse_setting_value (const char *key, const char *text, GError **error)
{
  const char *type = "s";
  g_autoptr(GError) local = NULL;

  for (guint i = 0; i < G_N_ELEMENTS (setting_types); i++)
    if (g_str_equal (setting_types[i].key, key))
      type = setting_types[i].type;

  if (g_str_equal (type, "b")) {
    gboolean on;
    return oh_ctl_parse_switch (text, key, &on, error) ? g_variant_new_boolean (on) : NULL;
  }
  if (g_str_equal (type, "u")) {
    guint64 n;
    if (!g_ascii_string_to_unsigned (text, 10, 0, G_MAXUINT32, &n, &local)) {
      g_set_error (error, OH_CTL_ERROR, OH_CTL_EXIT_USAGE, "%s: %s", key, local->message);
      return NULL;
    }
    return g_variant_new_uint32 ((guint32) n);
  }
  if (g_str_equal (type, "as")) {
    g_auto(GStrv) items = *text ? g_strsplit (text, ",", -1) : g_new0 (char *, 1);
    return g_variant_new_strv ((const char * const *) items, -1);
  }
  return g_variant_new_string (text);
}

/* KEY=VALUE arguments into the a{sv} of AddAccount/Update. */
static gboolean
parse_settings (GVariantDict *dict, char **args, guint n, GError **error)
{
  for (guint i = 0; i < n; i++) {
    const char *eq = strchr (args[i], '=');
    g_autofree char *key = NULL;
    GVariant *value;

    if (!eq || eq == args[i]) {
      g_set_error (error, OH_CTL_ERROR, OH_CTL_EXIT_USAGE, "'%s' is not KEY=VALUE", args[i]);
      return FALSE;
    }
    key = g_strndup (args[i], eq - args[i]);
    value = parse_setting_value (key, eq + 1, error);
    if (!value)
      return FALSE;
    g_variant_dict_insert_value (dict, key, value);
  }
  return TRUE;
}

static gboolean
run_accounts (const OhCtlRequest *request, GError **error)
{
  g_autolist(OhDbusAccount) accounts = oh_ctl_client_list_accounts (request->client);

  if (request->json)
    oh_ctl_print_json (oh_ctl_proxies_properties (accounts));
  else
    for (GList *l = accounts; l; l = l->next)
      oh_ctl_print_account_line (l->data);
  return TRUE;
}

static gboolean
run_account_show (const OhCtlRequest *request, GError **error)
{
  g_autoptr(OhDbusAccount) account = oh_ctl_client_find_account (request->client,
                                                                 request->n_args ? request->args[0] : NULL, error);

  if (!account)
    return FALSE;
  if (request->json) {
    oh_ctl_print_json (oh_ctl_proxy_properties (account));
  } else {
    g_print ("%s\n", oh_dbus_account_get_id (account));
    oh_ctl_print_properties (account);
  }
  return TRUE;
}

static gboolean
run_account_add (const OhCtlRequest *request, GError **error)
{
  g_autofree char *path = NULL;
  GVariantDict dict;

  g_variant_dict_init (&dict, NULL);
  g_variant_dict_insert (&dict, "id", "s", request->args[0]);
  g_variant_dict_insert (&dict, "aor", "s", request->args[1]);
  if (!parse_settings (&dict, request->args + 2, request->n_args - 2, error)) {
    g_variant_dict_clear (&dict);
    return FALSE;
  }
  if (!oh_dbus_manager_call_add_account_sync (oh_ctl_client_get_manager (request->client),
                                              g_variant_dict_end (&dict), &path, NULL, error))
    return FALSE;
  if (request->json) {
    GVariantBuilder out;

    g_variant_builder_init (&out, G_VARIANT_TYPE_VARDICT);
    g_variant_builder_add (&out, "{sv}", "account", g_variant_new_object_path (path));
    g_variant_builder_add (&out, "{sv}", "id", g_variant_new_string (oh_ctl_short_name (path)));
    oh_ctl_print_json (g_variant_builder_end (&out));
  }
  return TRUE;
}

static gboolean
run_account_set (const OhCtlRequest *request, GError **error)
{
  g_autoptr(OhDbusAccount) account = NULL;
  g_autoptr(GVariant) settings = NULL;
  GVariantDict dict;

  g_variant_dict_init (&dict, NULL);
  if (!parse_settings (&dict, request->args + 1, request->n_args - 1, error)) {
    g_variant_dict_clear (&dict);
    return FALSE;
  }
  settings = g_variant_ref_sink (g_variant_dict_end (&dict));
  account = oh_ctl_client_find_account (request->client, request->args[0], error);
  return account && oh_dbus_account_call_update_sync (account, settings, NULL, error);
}

static gboolean
run_account_remove (const OhCtlRequest *request, GError **error)
{
  g_autoptr(OhDbusAccount) account = oh_ctl_client_find_account (request->client, request->args[0], error);

  if (!account)
    return FALSE;
  return oh_dbus_manager_call_remove_account_sync (oh_ctl_client_get_manager (request->client),
                                                   g_dbus_proxy_get_object_path (G_DBUS_PROXY (account)),
                                                   NULL, error);
}

static gboolean opt_password_stdin;
static gboolean opt_clear;

static const GOptionEntry credentials_entries[] = {
  { "password-stdin", 0, 0, G_OPTION_ARG_NONE, &opt_password_stdin,
    "Read the password from the first line of standard input", NULL },
  { "clear", 0, 0, G_OPTION_ARG_NONE, &opt_clear, "Forget the user name and password", NULL },
  G_OPTION_ENTRY_NULL
};

/* One line from @in without its line ending; NULL at EOF or on error. */
static char *
read_line (FILE *in)
{
  char *line = NULL;
  size_t size = 0;
  ssize_t n = getline (&line, &size, in);

  if (n < 0) {
    free (line);
    return NULL;
  }
  while (n > 0 && (line[n - 1] == '\n' || line[n - 1] == '\r'))
    line[--n] = '\0';
  return line;
}

static char *
read_password (const char *id, GError **error)
{
  struct termios saved, quiet;
  char *password;

  if (opt_password_stdin) {
    password = read_line (stdin);
    if (!password)
      g_set_error (error, OH_CTL_ERROR, OH_CTL_EXIT_USAGE, "credentials: no password on standard input");
    return password;
  }
  if (!isatty (STDIN_FILENO) || tcgetattr (STDIN_FILENO, &saved) != 0) {
    g_set_error (error, OH_CTL_ERROR, OH_CTL_EXIT_USAGE,
                 "credentials: standard input is not a terminal to prompt on; "
                 "give the password on standard input with --password-stdin "
                 "(never on the command line)");
    return NULL;
  }
  quiet = saved;
  quiet.c_lflag &= ~(tcflag_t) ECHO;
  quiet.c_lflag |= ECHONL;
  /* echo off before the prompt: nothing typed after it can show */
  tcsetattr (STDIN_FILENO, TCSAFLUSH, &quiet);
  g_printerr ("Password for %s: ", id);
  password = read_line (stdin);
  tcsetattr (STDIN_FILENO, TCSAFLUSH, &saved);
  if (!password)
    g_set_error (error, OH_CTL_ERROR, OH_CTL_EXIT_USAGE, "credentials: no password typed");
  return password;
}

static gboolean
run_account_credentials (const OhCtlRequest *request, GError **error)
{
  g_autoptr(OhDbusAccount) account = NULL;
  gboolean done;
  char *password;

  if (opt_clear != (request->n_args == 1)) {
    g_set_error (error, OH_CTL_ERROR, OH_CTL_EXIT_USAGE,
                 "credentials: give either USERNAME or --clear");
    return FALSE;
  }
  account = oh_ctl_client_find_account (request->client, request->args[0], error);
  if (!account)
    return FALSE;
  if (opt_clear)
    return oh_dbus_account_call_clear_credentials_sync (account, NULL, error);

  password = read_password (request->args[0], error);
  if (!password)
    return FALSE;
  done = oh_dbus_account_call_set_credentials_sync (account, request->args[1], password, NULL, error);
  explicit_bzero (password, strlen (password));
  free (password);
  return done;
}

static gboolean
run_register (const OhCtlRequest *request, GError **error)
{
  g_autoptr(OhDbusAccount) account = oh_ctl_client_find_account (request->client,
                                                                 request->n_args ? request->args[0] : NULL, error);

  return account && oh_dbus_account_call_register_sync (account, NULL, error);
}

static gboolean
run_unregister (const OhCtlRequest *request, GError **error)
{
  g_autoptr(OhDbusAccount) account = oh_ctl_client_find_account (request->client,
                                                                 request->n_args ? request->args[0] : NULL, error);

  return account && oh_dbus_account_call_unregister_sync (account, NULL, error);
}

#define SETTINGS_HELP \
  "Settings are KEY=VALUE, with the keys of Account.Update: display-name, aor,\n" \
  "proxies (comma-separated, primary first), transport (udp|tcp|tls), register,\n" \
  "expires, enabled, codecs (comma-separated), dtmf, srtp, forward-always,\n" \
  "forward-busy, forward-noanswer, forward-noanswer-timeout, call-waiting,\n" \
  "accept-direct-calls, voicemail, auto-answer (never|proxy|always). Booleans are\n" \
  "on/off (true/false, yes/no, 1/0)."

const OhCtlCommand oh_ctl_account_commands[] = {
  { "accounts", NULL, "List the accounts and their registration",
    NULL, NULL, 0, 0, TRUE, FALSE, run_accounts },
  { "account show", "[ID]", "Show every property of an account (default: the default account)",
    NULL, NULL, 0, 1, TRUE, FALSE, run_account_show },
  { "account add", "ID AOR [KEY=VALUE...]", "Add an account and register it",
    "Example: offhookctl account add work sip:1001@pbx.example.com "
    "proxies=sip:pbx1.example.com,sip:backup.example.com\n"
    "Then set its password with 'offhookctl account credentials work 1001'.\n\n" SETTINGS_HELP,
    NULL, 2, -1, TRUE, FALSE, run_account_add },
  { "account set", "ID KEY=VALUE...", "Change an account's settings",
    SETTINGS_HELP, NULL, 2, -1, FALSE, FALSE, run_account_set },
  { "account remove", "ID", "Unregister and forget an account and its password",
    NULL, NULL, 1, 1, FALSE, FALSE, run_account_remove },
  { "account credentials", "ID [USERNAME]", "Set (or --clear) an account's user name and password",
    "The password is never taken from the command line (other users could read it\n"
    "there): it is asked for on the terminal without echo, or read from the first\n"
    "line of standard input with --password-stdin:\n"
    "  printf '%s\\n' \"$PASSWORD\" | offhookctl account credentials work 1001 --password-stdin",
    credentials_entries, 1, 2, FALSE, FALSE, run_account_credentials },
  { "register", "[ID]", "Register an account now (default: the default account)",
    NULL, NULL, 0, 1, FALSE, FALSE, run_register },
  { "unregister", "[ID]", "Remove an account's registration and stop refreshing it",
    NULL, NULL, 0, 1, FALSE, FALSE, run_unregister },
  { NULL }
};
