/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* offhookctl commands about the whole phone: status, route, volume, mute, dnd, history. */
#include "oh-ctl-client.h"
#include "oh-ctl-commands.h"
#include "oh-ctl-error.h"
#include "oh-ctl-output.h"

#define HISTORY_PATH OH_CTL_ROOT_PATH "/History"
#define HISTORY_IFACE "org.offhook.Phone1.History"

static gboolean
run_status (const OhCtlRequest *request, GError **error)
{
  OhDbusManager *manager = oh_ctl_client_get_manager (request->client);
  g_autolist(OhDbusAccount) accounts = oh_ctl_client_list_accounts (request->client);
  g_autolist(OhDbusCall) calls = oh_ctl_client_list_calls (request->client);
  const char *def = oh_dbus_manager_get_default_account (manager);

  if (request->json) {
    GVariantBuilder all;

    g_variant_builder_init (&all, G_VARIANT_TYPE_VARDICT);
    g_variant_builder_add (&all, "{sv}", "manager", oh_ctl_proxy_properties (manager));
    g_variant_builder_add (&all, "{sv}", "accounts", oh_ctl_proxies_properties (accounts));
    g_variant_builder_add (&all, "{sv}", "calls", oh_ctl_proxies_properties (calls));
    oh_ctl_print_json (g_variant_builder_end (&all));
    return TRUE;
  }

  g_print ("offhookd %s on %s\n", oh_dbus_manager_get_version (manager),
           oh_ctl_client_describe_bus (request->client));
  g_print ("Default account: %s\n", def && !g_str_equal (def, "/") ? oh_ctl_short_name (def) : "none");
  g_print ("Do not disturb:  %s\n", oh_dbus_manager_get_do_not_disturb (manager) ? "on" : "off");
  g_print ("Audio route:     %s\n", oh_dbus_manager_get_audio_route (manager));
  g_print ("Microphone:      %s\n", oh_dbus_manager_get_microphone_muted (manager) ? "muted" : "on");
  g_print ("Volume:          %u (ringer %u)\n", oh_dbus_manager_get_volume (manager),
           oh_dbus_manager_get_ringer_volume (manager));
  g_print ("Accounts:%s\n", accounts ? "" : " none");
  for (GList *l = accounts; l; l = l->next) {
    g_print ("  ");
    oh_ctl_print_account_line (l->data);
  }
  g_print ("Calls:%s\n", calls ? "" : " none");
  for (GList *l = calls; l; l = l->next) {
    g_print ("  ");
    oh_ctl_print_call_line (l->data);
  }
  return TRUE;
}

/* Print a property of the manager, or write it when @value is given. */
static gboolean
show_or_set (const OhCtlRequest *request, const char *property, GVariant *value, GError **error)
{
  OhDbusManager *manager = oh_ctl_client_get_manager (request->client);
  g_autoptr(GVariant) current = NULL;
  g_autofree char *text = NULL;

  if (value)
    return oh_ctl_set_property (manager, property, value, error);
  current = g_dbus_proxy_get_cached_property (G_DBUS_PROXY (manager), property);
  if (!current) {
    g_set_error (error, OH_CTL_ERROR, OH_CTL_EXIT_FAILED, "offhookd did not report %s", property);
    return FALSE;
  }
  if (request->json) {
    GVariantDict dict;

    g_variant_dict_init (&dict, NULL);
    g_variant_dict_insert_value (&dict, property, current);
    oh_ctl_print_json (g_variant_dict_end (&dict));
  } else if (g_variant_is_of_type (current, G_VARIANT_TYPE_BOOLEAN)) {
    g_print ("%s\n", g_variant_get_boolean (current) ? "on" : "off");
  } else {
    text = oh_ctl_format_value (current);
    g_print ("%s\n", text);
  }
  return TRUE;
}

static gboolean
run_route (const OhCtlRequest *request, GError **error)
{
  static const char * const routes[] = { "handset", "headset", "speaker", NULL };
  const char *route = request->n_args ? request->args[0] : NULL;

  if (route && !g_strv_contains (routes, route)) {
    g_set_error (error, OH_CTL_ERROR, OH_CTL_EXIT_USAGE,
                 "route: '%s' is not handset, headset or speaker", route);
    return FALSE;
  }
  return show_or_set (request, "AudioRoute", route ? g_variant_new_string (route) : NULL, error);
}

static gboolean opt_ringer;

static const GOptionEntry volume_entries[] = {
  { "ringer", 'r', 0, G_OPTION_ARG_NONE, &opt_ringer, "The ringer's volume, not the call's", NULL },
  G_OPTION_ENTRY_NULL
};

static gboolean
run_volume (const OhCtlRequest *request, GError **error)
{
  const char *property = opt_ringer ? "RingerVolume" : "Volume";
  guint64 level = 0;
  g_autoptr(GError) local = NULL;

  if (request->n_args == 0)
    return show_or_set (request, property, NULL, error);
  if (!g_ascii_string_to_unsigned (request->args[0], 10, 0, 100, &level, &local)) {
    g_set_error (error, OH_CTL_ERROR, OH_CTL_EXIT_USAGE, "volume: %s", local->message);
    return FALSE;
  }
  return show_or_set (request, property, g_variant_new_uint32 ((guint32) level), error);
}

static gboolean
run_switch (const OhCtlRequest *request, const char *what, const char *property, GError **error)
{
  gboolean on;

  if (request->n_args == 0 || g_str_equal (request->args[0], "status"))
    return show_or_set (request, property, NULL, error);
  if (!oh_ctl_parse_switch (request->args[0], what, &on, error))
    return FALSE;
  return show_or_set (request, property, g_variant_new_boolean (on), error);
}

static gboolean
run_mute (const OhCtlRequest *request, GError **error)
{
  return run_switch (request, "mute", "MicrophoneMuted", error);
}

static gboolean
run_dnd (const OhCtlRequest *request, GError **error)
{
  return run_switch (request, "dnd", "DoNotDisturb", error);
}

static int opt_limit = 20;
static int opt_offset;

static const GOptionEntry history_entries[] = {
  { "limit", 'n', 0, G_OPTION_ARG_INT, &opt_limit, "At most N entries (default 20)", "N" },
  { "offset", 0, 0, G_OPTION_ARG_INT, &opt_offset, "Skip the N newest entries", "N" },
  G_OPTION_ENTRY_NULL
};

static void
print_history_entry (GVariant *entry)
{
  GVariantDict dict;
  const char *direction = "?", *result = "?", *uri = "", *name = "";
  guint64 start = 0;
  guint32 duration = 0;
  g_autofree char *when = NULL;
  g_autofree char *talked = NULL;

  g_variant_dict_init (&dict, entry);
  g_variant_dict_lookup (&dict, "direction", "&s", &direction);
  g_variant_dict_lookup (&dict, "result", "&s", &result);
  g_variant_dict_lookup (&dict, "remote-uri", "&s", &uri);
  g_variant_dict_lookup (&dict, "remote-name", "&s", &name);
  g_variant_dict_lookup (&dict, "start-time", "t", &start);
  g_variant_dict_lookup (&dict, "duration", "u", &duration);
  when = oh_ctl_format_time ((gint64) start);
  talked = oh_ctl_format_duration (duration);
  g_print ("%s %-9s %-10s %s%s%s%s %s\n", when, direction, result, uri,
           *name ? " \"" : "", name, *name ? "\"" : "", talked);
  g_variant_dict_clear (&dict);
}

static gboolean
run_history (const OhCtlRequest *request, GError **error)
{
  g_autoptr(GVariant) reply = NULL;
  g_autoptr(GVariant) entries = NULL;
  g_autoptr(GError) local = NULL;
  GVariantIter iter;
  GVariant *entry;

  if (opt_limit < 0 || opt_offset < 0) {
    g_set_error (error, OH_CTL_ERROR, OH_CTL_EXIT_USAGE, "history: --limit and --offset cannot be negative");
    return FALSE;
  }
  /* the History interface belongs to a plugin: no generated proxy for it in
   * the core contract, so one plain call */
  reply = g_dbus_connection_call_sync (oh_ctl_client_get_connection (request->client), OH_CTL_BUS_NAME,
                                       HISTORY_PATH, HISTORY_IFACE, "GetEntries",
                                       g_variant_new ("(uu)", (guint32) opt_offset, (guint32) opt_limit),
                                       G_VARIANT_TYPE ("(aa{sv})"), G_DBUS_CALL_FLAGS_NONE, -1, NULL, &local);
  if (!reply) {
    if (g_error_matches (local, G_DBUS_ERROR, G_DBUS_ERROR_UNKNOWN_OBJECT) ||
        g_error_matches (local, G_DBUS_ERROR, G_DBUS_ERROR_UNKNOWN_INTERFACE) ||
        g_error_matches (local, G_DBUS_ERROR, G_DBUS_ERROR_UNKNOWN_METHOD)) {
      g_set_error (error, OH_CTL_ERROR, OH_CTL_EXIT_NO_HISTORY,
                   "this offhookd keeps no call history: %s is not on the bus (is the history plugin loaded?)",
                   HISTORY_IFACE);
      return FALSE;
    }
    g_propagate_error (error, g_steal_pointer (&local));
    return FALSE;
  }
  entries = g_variant_get_child_value (reply, 0);
  if (request->json) {
    oh_ctl_print_json (g_variant_ref (entries));
    return TRUE;
  }
  g_variant_iter_init (&iter, entries);
  while ((entry = g_variant_iter_next_value (&iter))) {
    print_history_entry (entry);
    g_variant_unref (entry);
  }
  return TRUE;
}

const OhCtlCommand oh_ctl_phone_commands[] = {
  { "status", NULL, "Show the daemon, its settings, accounts and calls",
    NULL, NULL, 0, 0, TRUE, FALSE, run_status },
  { "route", "[handset|headset|speaker]", "Show or set where call audio goes (AudioRoute)",
    NULL, NULL, 0, 1, TRUE, FALSE, run_route },
  { "volume", "[0-100]", "Show or set the call volume (or the ringer's with --ringer)",
    NULL, volume_entries, 0, 1, TRUE, FALSE, run_volume },
  { "mute", "[on|off|status]", "Show or set whether the microphone is muted",
    NULL, NULL, 0, 1, TRUE, FALSE, run_mute },
  { "dnd", "[on|off|status]", "Show or set do-not-disturb (incoming calls refused with 486)",
    NULL, NULL, 0, 1, TRUE, FALSE, run_dnd },
  { "history", NULL, "List recent calls, newest first (needs the history plugin)",
    "Exits with status 6 when the daemon has no call history on the bus.",
    history_entries, 0, 0, TRUE, FALSE, run_history },
  { NULL }
};
