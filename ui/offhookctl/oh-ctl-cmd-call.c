/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* offhookctl commands about calls: calls, dial, answer, hangup, hold, resume, dtmf, transfer, conference. */
#include <string.h>

#include "oh-ctl-client.h"
#include "oh-ctl-commands.h"
#include "oh-ctl-error.h"
#include "oh-ctl-output.h"

static const char * const ringing_states[] = { "incoming", "waiting", NULL };

static gboolean
run_calls (const OhCtlRequest *request, GError **error)
{
  g_autolist(OhDbusCall) calls = oh_ctl_client_list_calls (request->client);

  if (request->json)
    oh_ctl_print_json (oh_ctl_proxies_properties (calls));
  else
    for (GList *l = calls; l; l = l->next)
      oh_ctl_print_call_line (l->data);
  return TRUE;
}

/* dial --wait: follow the new call until it is answered or over. */
typedef struct {
  GMainLoop *loop;
  const char *path;
  OhDbusCall *call;   /* the last proxy seen for path */
  GError *error;
  gboolean done;
} DialWait;

static void
finish (DialWait *w)
{
  w->done = TRUE;
  g_main_loop_quit (w->loop);
}

static void
check_call (DialWait *w)
{
  const char *state = w->call ? oh_dbus_call_get_state (w->call) : NULL;

  if (state && (g_str_equal (state, "active") || g_str_equal (state, "disconnected")))
    finish (w);
}

static void
on_object_added (GDBusObjectManager *objects, GDBusObject *object, DialWait *w)
{
  if (!g_str_equal (g_dbus_object_get_object_path (object), w->path))
    return;
  g_clear_object (&w->call);
  w->call = oh_dbus_object_get_call (OH_DBUS_OBJECT (object));
  check_call (w);
}

static void
on_properties_changed (GDBusObjectManagerClient *objects, GDBusObjectProxy *object, GDBusProxy *proxy,
                       GVariant *changed, const char * const *invalidated, DialWait *w)
{
  if (w->call && proxy == G_DBUS_PROXY (w->call))
    check_call (w);
}

static void
on_object_removed (GDBusObjectManager *objects, GDBusObject *object, DialWait *w)
{
  if (!g_str_equal (g_dbus_object_get_object_path (object), w->path))
    return;
  /* removed before we saw it end (cannot happen with a live daemon, which
   * keeps ended calls a few seconds): the daemon went away */
  if (!g_dbus_object_manager_client_get_name_owner (G_DBUS_OBJECT_MANAGER_CLIENT (objects)) && !w->error)
    g_set_error (&w->error, OH_CTL_ERROR, OH_CTL_EXIT_NO_DAEMON, "offhookd went away during the call");
  finish (w);
}

static void
on_name_owner (GDBusObjectManagerClient *objects, GParamSpec *pspec, DialWait *w)
{
  g_autofree char *owner = g_dbus_object_manager_client_get_name_owner (objects);

  if (!owner && !w->error) {
    g_set_error (&w->error, OH_CTL_ERROR, OH_CTL_EXIT_NO_DAEMON, "offhookd went away during the call");
    finish (w);
  }
}

static void
on_closed (GDBusConnection *connection, gboolean remote_peer_vanished, GError *error, DialWait *w)
{
  if (!w->error)
    g_set_error (&w->error, OH_CTL_ERROR, OH_CTL_EXIT_NO_DAEMON, "the bus went away during the call");
  finish (w);
}

static gboolean
wait_for_answer (OhCtlClient *client, const char *path, OhDbusCall **call, GError **error)
{
  GDBusObjectManager *objects = oh_ctl_client_get_objects (client);
  GDBusConnection *connection = oh_ctl_client_get_connection (client);
  g_autoptr(GDBusObject) object = g_dbus_object_manager_get_object (objects, path);
  DialWait w = { g_main_loop_new (NULL, FALSE), path, NULL, NULL, FALSE };

  g_signal_connect (objects, "object-added", G_CALLBACK (on_object_added), &w);
  g_signal_connect (objects, "object-removed", G_CALLBACK (on_object_removed), &w);
  g_signal_connect (objects, "interface-proxy-properties-changed", G_CALLBACK (on_properties_changed), &w);
  g_signal_connect (objects, "notify::name-owner", G_CALLBACK (on_name_owner), &w);
  g_signal_connect (connection, "closed", G_CALLBACK (on_closed), &w);
  if (object)
    on_object_added (objects, object, &w);
  if (!w.done)
    g_main_loop_run (w.loop);
  g_signal_handlers_disconnect_by_data (objects, &w);
  g_signal_handlers_disconnect_by_data (connection, &w);
  g_main_loop_unref (w.loop);
  *call = w.call;
  if (w.error) {
    g_clear_object (call);
    g_propagate_error (error, w.error);
    return FALSE;
  }
  return TRUE;
}

static char *opt_account;
static gboolean opt_anonymous;
static gboolean opt_auto_answer;
static gboolean opt_wait;

static const GOptionEntry dial_entries[] = {
  { "account", 'a', 0, G_OPTION_ARG_STRING, &opt_account,
    "Call from account ID (default: the default account; / for a direct-IP call)", "ID" },
  { "anonymous", 0, 0, G_OPTION_ARG_NONE, &opt_anonymous, "Hide our identity (RFC 3323)", NULL },
  { "auto-answer", 0, 0, G_OPTION_ARG_NONE, &opt_auto_answer, "Ask the callee to answer at once (intercom)", NULL },
  { "wait", 'w', 0, G_OPTION_ARG_NONE, &opt_wait,
    "Wait until the call is answered (exit 0) or ends (exit 7, printing why)", NULL },
  G_OPTION_ENTRY_NULL
};

static gboolean
run_dial (const OhCtlRequest *request, GError **error)
{
  OhDbusManager *manager = oh_ctl_client_get_manager (request->client);
  g_autoptr(OhDbusCall) call = NULL;
  g_autofree char *path = NULL;
  const char *number;
  GVariantDict options;
  GVariantBuilder out;
  const char *reason = "";
  guint status = 0;

  g_variant_dict_init (&options, NULL);
  if (opt_account && g_str_equal (opt_account, "/")) {
    g_variant_dict_insert (&options, "account", "o", "/");
  } else if (opt_account) {
    g_autoptr(OhDbusAccount) account = oh_ctl_client_find_account (request->client, opt_account, error);
    if (!account) {
      g_variant_dict_clear (&options);
      return FALSE;
    }
    g_variant_dict_insert (&options, "account", "o", g_dbus_proxy_get_object_path (G_DBUS_PROXY (account)));
  }
  if (opt_anonymous)
    g_variant_dict_insert (&options, "anonymous", "b", TRUE);
  if (opt_auto_answer)
    g_variant_dict_insert (&options, "auto-answer", "b", TRUE);
  if (!oh_dbus_manager_call_dial_sync (manager, request->args[0], g_variant_dict_end (&options),
                                       &path, NULL, error))
    return FALSE;

  number = oh_ctl_short_name (path);
  if (!request->json)
    g_print ("%s\n", number);
  if (opt_wait) {
    if (!wait_for_answer (request->client, path, &call, error))
      return FALSE;
    reason = oh_dbus_call_get_disconnect_reason (call);
    status = oh_dbus_call_get_sip_status (call);
  }
  if (request->json) {
    g_variant_builder_init (&out, G_VARIANT_TYPE_VARDICT);
    g_variant_builder_add (&out, "{sv}", "call", g_variant_new_object_path (path));
    g_variant_builder_add (&out, "{sv}", "number", g_variant_new_uint64 (g_ascii_strtoull (number, NULL, 10)));
    if (call) {
      g_variant_builder_add (&out, "{sv}", "State", g_variant_new_string (oh_dbus_call_get_state (call)));
      g_variant_builder_add (&out, "{sv}", "DisconnectReason", g_variant_new_string (reason));
      g_variant_builder_add (&out, "{sv}", "SipStatus", g_variant_new_uint32 (status));
    }
    oh_ctl_print_json (g_variant_builder_end (&out));
  } else if (call && g_str_equal (oh_dbus_call_get_state (call), "active")) {
    g_print ("answered\n");
  } else if (call) {
    if (status)
      g_print ("ended: %s (SIP %u)\n", reason, status);
    else
      g_print ("ended: %s\n", reason);
  }
  if (call && !g_str_equal (oh_dbus_call_get_state (call), "active")) {
    g_set_error (error, OH_CTL_ERROR, OH_CTL_EXIT_CALL_ENDED, "call %s ended unanswered: %s", number, reason);
    return FALSE;
  }
  return TRUE;
}

static gboolean
run_answer (const OhCtlRequest *request, GError **error)
{
  g_autoptr(OhDbusCall) call = oh_ctl_client_find_call (request->client, request->n_args ? request->args[0] : NULL,
                                                        ringing_states, error);

  return call && oh_dbus_call_call_answer_sync (call, NULL, error);
}

static gboolean opt_all;

static const GOptionEntry hangup_entries[] = {
  { "all", 0, 0, G_OPTION_ARG_NONE, &opt_all, "Hang up every call", NULL },
  G_OPTION_ENTRY_NULL
};

static gboolean
run_hangup (const OhCtlRequest *request, GError **error)
{
  g_autoptr(OhDbusCall) call = NULL;

  if (opt_all) {
    if (request->n_args) {
      g_set_error (error, OH_CTL_ERROR, OH_CTL_EXIT_USAGE, "hangup: --all takes no CALL");
      return FALSE;
    }
    return oh_dbus_manager_call_hangup_all_sync (oh_ctl_client_get_manager (request->client), NULL, error);
  }
  call = oh_ctl_client_find_call (request->client, request->n_args ? request->args[0] : NULL, NULL, error);
  return call && oh_dbus_call_call_hangup_sync (call, NULL, error);
}

static gboolean
run_hold (const OhCtlRequest *request, GError **error)
{
  g_autoptr(OhDbusCall) call = oh_ctl_client_find_call (request->client, request->n_args ? request->args[0] : NULL,
                                                        NULL, error);

  return call && oh_dbus_call_call_hold_sync (call, NULL, error);
}

static gboolean
run_resume (const OhCtlRequest *request, GError **error)
{
  g_autoptr(OhDbusCall) call = oh_ctl_client_find_call (request->client, request->n_args ? request->args[0] : NULL,
                                                        NULL, error);

  return call && oh_dbus_call_call_resume_sync (call, NULL, error);
}

static gboolean
run_dtmf (const OhCtlRequest *request, GError **error)
{
  const char *digits = request->args[1];
  g_autoptr(OhDbusCall) call = NULL;
  gsize bad = strspn (digits, "0123456789*#ABCD,");

  if (!*digits || digits[bad]) {
    g_set_error (error, OH_CTL_ERROR, OH_CTL_EXIT_USAGE,
                 "dtmf: '%s' is not DTMF digits (0-9 * # A-D, and , for a pause)", digits);
    return FALSE;
  }
  call = oh_ctl_client_find_call (request->client, request->args[0], NULL, error);
  return call && oh_dbus_call_call_send_dtmf_sync (call, digits, NULL, error);
}

static char *opt_to_call;

static const GOptionEntry transfer_entries[] = {
  { "to-call", 0, 0, G_OPTION_ARG_STRING, &opt_to_call,
    "Attended transfer: connect the call to OTHER, another call of this phone", "OTHER" },
  G_OPTION_ENTRY_NULL
};

static gboolean
run_transfer (const OhCtlRequest *request, GError **error)
{
  g_autoptr(OhDbusCall) call = NULL;
  g_autoptr(OhDbusCall) other = NULL;

  if ((opt_to_call != NULL) == (request->n_args == 2)) {
    g_set_error (error, OH_CTL_ERROR, OH_CTL_EXIT_USAGE, "transfer: give either TARGET or --to-call OTHER");
    return FALSE;
  }
  call = oh_ctl_client_find_call (request->client, request->args[0], NULL, error);
  if (!call)
    return FALSE;
  /* the daemon answers when the target does, after all its ringing */
  g_dbus_proxy_set_default_timeout (G_DBUS_PROXY (call), G_MAXINT);
  if (!opt_to_call)
    return oh_dbus_call_call_transfer_sync (call, request->args[1], NULL, error);
  other = oh_ctl_client_find_call (request->client, opt_to_call, NULL, error);
  return other && oh_dbus_call_call_transfer_to_call_sync (call, g_dbus_proxy_get_object_path (G_DBUS_PROXY (other)),
                                                           NULL, error);
}

static gboolean
run_conference (const OhCtlRequest *request, GError **error)
{
  g_autoptr(GPtrArray) paths = g_ptr_array_new_with_free_func (g_free);

  for (guint i = 0; i < request->n_args; i++) {
    g_autoptr(OhDbusCall) call = oh_ctl_client_find_call (request->client, request->args[i], NULL, error);
    if (!call)
      return FALSE;
    g_ptr_array_add (paths, g_strdup (g_dbus_proxy_get_object_path (G_DBUS_PROXY (call))));
  }
  g_ptr_array_add (paths, NULL);
  return oh_dbus_manager_call_conference_sync (oh_ctl_client_get_manager (request->client),
                                               (const char * const *) paths->pdata, NULL, error);
}

#define CALL_HELP "CALL is a call's number (offhookctl calls) or object path; it may be left out\n" \
  "when the phone has only one call."

const OhCtlCommand oh_ctl_call_commands[] = {
  { "calls", NULL, "List the calls: number, state, direction, remote party, codec",
    NULL, NULL, 0, 0, TRUE, FALSE, run_calls },
  { "dial", "TARGET", "Place a call; prints its number",
    "TARGET is a SIP URI (sip:1002@pbx.example.com), a tel: URI or a dial string\n"
    "(1002, +49 30 1234) that becomes a SIP URI in the account's domain.\n"
    "With --wait: prints 'answered' (exit 0) or 'ended: REASON' (exit 7), the\n"
    "reason in the daemon's words (busy, rejected, no-answer, failed, ...).",
    dial_entries, 1, 1, TRUE, FALSE, run_dial },
  { "answer", "[CALL]", "Answer a ringing call",
    "CALL may be left out when exactly one call is ringing.", NULL, 0, 1, FALSE, FALSE, run_answer },
  { "hangup", "[CALL]", "End a call (or every call with --all)",
    CALL_HELP, hangup_entries, 0, 1, FALSE, FALSE, run_hangup },
  { "hold", "[CALL]", "Put a call on hold",
    CALL_HELP, NULL, 0, 1, FALSE, FALSE, run_hold },
  { "resume", "[CALL]", "Take a call off hold",
    CALL_HELP, NULL, 0, 1, FALSE, FALSE, run_resume },
  { "dtmf", "CALL DIGITS", "Send DTMF digits (0-9 * # A-D; , pauses 500 ms)",
    NULL, NULL, 2, 2, FALSE, FALSE, run_dtmf },
  { "transfer", "CALL [TARGET]", "Transfer a call to TARGET (blind), or to another call with --to-call",
    NULL, transfer_entries, 1, 2, FALSE, FALSE, run_transfer },
  { "conference", "CALL CALL...", "Join two or more calls into a local conference",
    NULL, NULL, 2, -1, FALSE, FALSE, run_conference },
  { NULL }
};
