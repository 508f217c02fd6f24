/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The phone on the bus: the object tree, accounts, calls and phone-wide settings. */
#define G_LOG_DOMAIN "offhook-manager"

#include "oh-manager.h"

#include "oh-account.h"
#include "oh-audio.h"
#include "oh-call.h"
#include "oh-dialplan.h"
#include "oh-error.h"
#include "oh-log.h"
#include "oh-media-loader.h"
#include "oh-tones.h"

#define CALL_LINGER_S 3
#define AUDIO_STATE "audio.conf"
#define DEFAULT_VOLUME 60


struct _OhManager {
  OhDbusManagerSkeleton parent_instance;

  OhConfig *config;
  OhSip *sip;
  GDBusObjectManagerServer *objects;
  GPtrArray *accounts;      /* OhAccount*, in the order they were added */
  GPtrArray *calls;         /* OhCall*, oldest first */
  guint next_call;
  char *default_account;    /* last valid DefaultAccount */
  OhAudio *audio;
  OhTones *tones;
  OhDialPlan *dial_plan;
  OhAudioRoute route;       /* last valid AudioRoute */
  guint route_volume[OH_AUDIO_N_ROUTES]; /* Volume of each route */
  gboolean ringing;         /* the ringer rings */
  gboolean beeping;         /* the call-waiting tone plays (its owner: this field) */
  gboolean alerting;        /* update_alerting() runs */
  OhMediaMixer *mixer;      /* the local conference, while there is one */
};

G_DEFINE_TYPE (OhManager, oh_manager, OH_DBUS_TYPE_MANAGER_SKELETON)

static OhAccount *
find_account (OhManager *self, const char *path)
{
  for (guint i = 0; i < self->accounts->len; i++)
    if (g_str_equal (oh_account_get_path (self->accounts->pdata[i]), path))
      return self->accounts->pdata[i];
  return NULL;
}

static void
sync_lists (OhManager *self)
{
  g_autoptr(GPtrArray) paths = g_ptr_array_new ();

  for (guint i = 0; i < self->accounts->len; i++)
    g_ptr_array_add (paths, (gpointer) oh_account_get_path (self->accounts->pdata[i]));
  g_ptr_array_add (paths, NULL);
  oh_dbus_manager_set_accounts (OH_DBUS_MANAGER (self), (const char * const *) paths->pdata);

  g_ptr_array_set_size (paths, 0);
  for (guint i = 0; i < self->calls->len; i++)
    g_ptr_array_add (paths, (gpointer) oh_call_get_path (self->calls->pdata[i]));
  g_ptr_array_add (paths, NULL);
  oh_dbus_manager_set_calls (OH_DBUS_MANAGER (self), (const char * const *) paths->pdata);
}

static void
set_default_account (OhManager *self, const char *path)
{
  g_free (self->default_account);
  self->default_account = g_strdup (path);
  oh_dbus_manager_set_default_account (OH_DBUS_MANAGER (self), path);
}

static void
export_object (OhManager *self, const char *path, gpointer interface, gboolean is_call)
{
  g_autoptr(OhDbusObjectSkeleton) object = oh_dbus_object_skeleton_new (path);

  if (is_call)
    oh_dbus_object_skeleton_set_call (object, interface);
  else
    oh_dbus_object_skeleton_set_account (object, interface);
  g_dbus_object_manager_server_export (self->objects, G_DBUS_OBJECT_SKELETON (object));
}

static void
add_account (OhManager *self, OhAccount *account)
{
  g_ptr_array_add (self->accounts, account);
  export_object (self, oh_account_get_path (account), account, FALSE);
  if (!find_account (self, self->default_account))
    set_default_account (self, oh_account_get_path (account));
  sync_lists (self);
  oh_account_start (account);
}

static gboolean
is_ringing (OhCall *call)
{
  const char *state = oh_dbus_call_get_state (OH_DBUS_CALL (call));

  return g_str_equal (state, "incoming") || g_str_equal (state, "waiting");
}

/* Another call than @except is up: dialled, talking or held. */
static gboolean
line_in_use (OhManager *self, OhCall *except)
{
  for (guint i = 0; i < self->calls->len; i++) {
    OhCall *call = self->calls->pdata[i];
    if (call != except && !oh_call_is_over (call) && !is_ringing (call))
      return TRUE;
  }
  return FALSE;
}

/* A ringing call is `waiting` while another call is up, `incoming` when not.
 * The ringer rings for an incoming call; a waiting one beeps call-waiting in
 * the earpiece instead. */
static void
update_alerting (OhManager *self)
{
  OhCall *ringing = NULL;
  gboolean busy = line_in_use (self, NULL);

  if (self->alerting)
    return;   /* a state change made here */
  self->alerting = TRUE;
  for (guint i = 0; i < self->calls->len; i++) {
    OhCall *call = self->calls->pdata[i];
    if (!oh_call_is_over (call) && is_ringing (call) && !oh_call_is_auto_answering (call)) {
      oh_call_ring (call, busy);
      ringing = ringing ? ringing : call;
    }
  }
  self->alerting = FALSE;
  if (ringing && !busy && !self->ringing)
    oh_tones_ring (self->tones, oh_call_get_alert_info (ringing));
  else if ((!ringing || busy) && self->ringing)
    oh_tones_stop_ring (self->tones);
  self->ringing = ringing && !busy;

  if (ringing && busy && !self->beeping)
    oh_tones_play (self->tones, &self->beeping, "call-waiting", 0, NULL);
  else if (!(ringing && busy) && self->beeping)
    oh_tones_stop (self->tones, &self->beeping);
  self->beeping = ringing && busy;
}

static OhCall *
find_call (OhManager *self, const char *path)
{
  for (guint i = 0; i < self->calls->len; i++)
    if (g_str_equal (oh_call_get_path (self->calls->pdata[i]), path))
      return self->calls->pdata[i];
  return NULL;
}

static gboolean
in_conference (OhCall *call)
{
  return call && !oh_call_is_over (call) && oh_dbus_call_get_multiparty (OH_DBUS_CALL (call));
}

/* Only one call is talked to, or one conference: the others go on hold. */
static void
on_taking_line (OhCall *call, OhManager *self)
{
  for (guint i = 0; i < self->calls->len; i++) {
    OhCall *other = self->calls->pdata[i];
    if (other != call && !(in_conference (call) && in_conference (other)))
      oh_call_hold (other, TRUE);
  }
}

/* A conference of one is an ordinary call again. */
static void
update_conference (OhManager *self)
{
  guint members = 0;

  for (guint i = 0; i < self->calls->len; i++)
    members += in_conference (self->calls->pdata[i]);
  if (members >= 2 || !self->mixer)
    return;
  for (guint i = 0; i < self->calls->len; i++)
    oh_call_set_mixer (self->calls->pdata[i], NULL);
  g_clear_object (&self->mixer);
}

static gboolean
handle_conference (OhDbusManager *dbus, GDBusMethodInvocation *invocation, const char * const *paths)
{
  OhManager *self = OH_MANAGER (dbus);
  g_autoptr(GPtrArray) calls = g_ptr_array_new ();
  g_autoptr(GError) error = NULL;
  const OhMediaApi *media;

  for (guint i = 0; paths[i]; i++) {
    OhCall *call = find_call (self, paths[i]);
    const char *state;

    if (!call) {
      g_dbus_method_invocation_return_error (invocation, OH_ERROR, OH_ERROR_NOT_FOUND, "there is no call %s",
                                             paths[i]);
      return G_DBUS_METHOD_INVOCATION_HANDLED;
    }
    state = oh_dbus_call_get_state (OH_DBUS_CALL (call));
    if (!g_str_equal (state, "active") && !g_str_equal (state, "held")) {
      g_dbus_method_invocation_return_error (invocation, OH_ERROR, OH_ERROR_INVALID_STATE,
                                             "only answered calls can be joined; %s is %s", paths[i], state);
      return G_DBUS_METHOD_INVOCATION_HANDLED;
    }
    if (!g_ptr_array_find (calls, call, NULL))
      g_ptr_array_add (calls, call);
  }
  if (calls->len < 2) {
    g_dbus_method_invocation_return_error_literal (invocation, OH_ERROR, OH_ERROR_INVALID_ARGUMENTS,
                                                   "a conference needs at least two different calls");
    return G_DBUS_METHOD_INVOCATION_HANDLED;
  }
  media = oh_media_loader_get (&error);
  if (!media) {
    g_dbus_method_invocation_return_gerror (invocation, error);
    return G_DBUS_METHOD_INVOCATION_HANDLED;
  }
  if (!self->mixer)
    self->mixer = media->mixer_new ();
  /* members first, so that resuming one does not hold another */
  for (guint i = 0; i < calls->len; i++)
    oh_call_set_mixer (calls->pdata[i], self->mixer);
  for (guint i = 0; i < calls->len; i++)
    oh_call_hold (calls->pdata[i], FALSE);
  oh_dbus_manager_complete_conference (dbus, invocation);
  return G_DBUS_METHOD_INVOCATION_HANDLED;
}

static gboolean
remove_call (gpointer data)
{
  OhCall *call = data;
  OhManager *self = g_object_get_data (G_OBJECT (call), "oh-manager");
  g_autofree char *path = g_strdup (oh_call_get_path (call));

  g_dbus_object_manager_server_unexport (self->objects, path);
  g_ptr_array_remove (self->calls, call);
  sync_lists (self);
  update_alerting (self);
  oh_dbus_manager_emit_call_removed (OH_DBUS_MANAGER (self), path);
  return G_SOURCE_REMOVE;
}

static void
on_call_finished (OhCall *call, OhManager *self)
{
  if (g_object_get_data (G_OBJECT (call), "oh-manager"))
    return;   /* already on its way out */
  update_conference (self);
  g_object_set_data (G_OBJECT (call), "oh-manager", self);
  g_timeout_add_seconds_full (G_PRIORITY_DEFAULT, CALL_LINGER_S, remove_call,
                              g_object_ref (call), g_object_unref);
}


static void on_referred (OhCall *call, const char *target, const char *referred_by, const char *replaces,
                         OhManager *self);
static gboolean handle_transfer_to_call (OhDbusCall *dbus, GDBusMethodInvocation *invocation,
                                         const char *other_path, OhManager *self);

/* Put a call of the list on the bus. */
static void
publish_call (OhManager *self, OhCall *call)
{
  g_autoptr(GVariant) properties = NULL;

  export_object (self, oh_call_get_path (call), call, TRUE);
  g_signal_connect_object (call, "finished", G_CALLBACK (on_call_finished), self, 0);
  g_signal_connect_object (call, "notify::state", G_CALLBACK (update_alerting), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (call, "taking-line", G_CALLBACK (on_taking_line), self, 0);
  g_signal_connect_object (call, "referred", G_CALLBACK (on_referred), self, 0);
  g_signal_connect_object (call, "handle-transfer-to-call", G_CALLBACK (handle_transfer_to_call), self, 0);
  update_alerting (self);
  sync_lists (self);
  properties = g_dbus_interface_skeleton_get_properties (G_DBUS_INTERFACE_SKELETON (call));
  oh_dbus_manager_emit_call_added (OH_DBUS_MANAGER (self), oh_call_get_path (call), properties);
  if (oh_call_is_over (call))
    on_call_finished (call, self);
}

static void
add_call (OhManager *self, OhCall *call)
{
  g_ptr_array_add (self->calls, call);
  publish_call (self, call);
}

#define PUBLISH_BOUND_MS 100

/* A dialled call goes on the bus, and Dial() returns, once its INVITE has
 * left: that work does not delay the INVITE. */
typedef struct {
  OhManager *self;
  OhCall *call;
  GDBusMethodInvocation *invocation;
  guint bound;
} Dialed;

static void
publish_dialed (Dialed *d)
{
  g_signal_handlers_disconnect_by_data (d->call, d);
  g_clear_handle_id (&d->bound, g_source_remove);
  publish_call (d->self, d->call);
  if (d->invocation)
    oh_dbus_manager_complete_dial (OH_DBUS_MANAGER (d->self), d->invocation, oh_call_get_path (d->call));
  g_object_unref (d->self);
  g_object_unref (d->call);
  g_clear_object (&d->invocation);
  g_free (d);
}

static gboolean
on_publish_bound (gpointer data)
{
  Dialed *d = data;

  /* the stack said nothing yet: do not keep the caller waiting */
  d->bound = 0;
  publish_dialed (d);
  return G_SOURCE_REMOVE;
}

/* Place an outgoing call and put it on the bus once its INVITE is out;
 * then complete @invocation (Dial) if there is one. */
static OhCall *
place_call (OhManager *self, OhAccount *account, const OhCallDial *dial, GDBusMethodInvocation *invocation,
            GError **error)
{
  OhCall *call = oh_call_new_outgoing (self->sip, self->config, self->tones, account, ++self->next_call, dial, error);
  Dialed *d;

  if (!call)
    return NULL;
  oh_log_call (G_LOG_LEVEL_INFO, call, oh_call_get_path (call), "dialing %s from %s", dial->target,
               account ? oh_account_get_path (account) : "/");
  g_ptr_array_add (self->calls, call);
  d = g_new0 (Dialed, 1);
  d->self = g_object_ref (self);
  d->call = g_object_ref (call);
  d->invocation = invocation ? g_object_ref (invocation) : NULL;
  g_signal_connect_swapped (call, "invite-sent", G_CALLBACK (publish_dialed), d);
  g_signal_connect_swapped (call, "finished", G_CALLBACK (publish_dialed), d);
  d->bound = g_timeout_add (PUBLISH_BOUND_MS, on_publish_bound, d);
  return call;
}

static guint
live_calls (OhManager *self)
{
  guint n = 0;

  for (guint i = 0; i < self->calls->len; i++)
    n += !oh_call_is_over (self->calls->pdata[i]);
  return n;
}

static gboolean
handle_dial (OhDbusManager *dbus, GDBusMethodInvocation *invocation, const char *target, GVariant *options)
{
  OhManager *self = OH_MANAGER (dbus);
  const char *account_path = self->default_account;
  OhCallDial dial = { 0 };
  OhAccount *account = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *uri = NULL;
  GVariantIter iter;
  const char *key;
  GVariant *value;

  static const struct { const char *key, *type; } known[] = {
    { "account", "o" }, { "anonymous", "b" }, { "auto-answer", "b" },
  };

  g_variant_iter_init (&iter, options);
  while (g_variant_iter_loop (&iter, "{&sv}", &key, &value)) {
    guint k = 0;

    while (k < G_N_ELEMENTS (known) && !g_str_equal (known[k].key, key))
      k++;
    if (k == G_N_ELEMENTS (known) || !g_variant_is_of_type (value, G_VARIANT_TYPE (known[k].type))) {
      if (k == G_N_ELEMENTS (known))
        g_dbus_method_invocation_return_error (invocation, OH_ERROR, OH_ERROR_INVALID_ARGUMENTS,
                                               "unknown option '%.64s' (known: account o, anonymous b, "
                                               "auto-answer b)", key);
      else
        g_dbus_method_invocation_return_error (invocation, OH_ERROR, OH_ERROR_INVALID_ARGUMENTS,
                                               "option '%s' must be of type '%s', not '%s'", key,
                                               known[k].type, g_variant_get_type_string (value));
      g_variant_unref (value);
      return G_DBUS_METHOD_INVOCATION_HANDLED;
    }
    if (k == 0)
      account_path = g_variant_get_string (value, NULL);
    else if (k == 1)
      dial.anonymous = g_variant_get_boolean (value);
    else
      dial.auto_answer = g_variant_get_boolean (value);
  }

  if (!g_str_equal (account_path, "/")) {
    account = find_account (self, account_path);
    if (!account) {
      g_dbus_method_invocation_return_error (invocation, OH_ERROR, OH_ERROR_NOT_FOUND,
                                             "there is no account %s", account_path);
      return G_DBUS_METHOD_INVOCATION_HANDLED;
    }
    if (!oh_dbus_account_get_enabled (OH_DBUS_ACCOUNT (account))) {
      g_dbus_method_invocation_return_error (invocation, OH_ERROR, OH_ERROR_INVALID_STATE,
                                             "account '%s' is disabled",
                                             oh_dbus_account_get_id (OH_DBUS_ACCOUNT (account)));
      return G_DBUS_METHOD_INVOCATION_HANDLED;
    }
  }

  uri = oh_sip_normalize_target (target, account ? oh_account_get_domain (account) : NULL, &error);
  if (!uri) {
    g_dbus_method_invocation_return_gerror (invocation, error);
    return G_DBUS_METHOD_INVOCATION_HANDLED;
  }
  if (live_calls (self) >= oh_config_get_settings (self->config)->max_calls) {
    g_dbus_method_invocation_return_error (invocation, OH_ERROR, OH_ERROR_BUSY,
                                           "all %u lines are in use",
                                           oh_config_get_settings (self->config)->max_calls);
    return G_DBUS_METHOD_INVOCATION_HANDLED;
  }

  dial.target = uri;
  on_taking_line (NULL, self);
  if (!place_call (self, account, &dial, invocation, &error))
    g_dbus_method_invocation_return_gerror (invocation, error);
  return G_DBUS_METHOD_INVOCATION_HANDLED;
}

/* The far end of @call transferred us: call the target from the same
 * account; the new call ends @call once it is up. */
static void
on_referred (OhCall *call, const char *target, const char *referred_by, const char *replaces, OhManager *self)
{
  OhAccount *account = find_account (self, oh_dbus_call_get_account (OH_DBUS_CALL (call)));
  OhCallDial dial = { .target = target, .referred_from = call, .referred_by = referred_by, .replaces = replaces };
  g_autoptr(GError) error = NULL;

  if (live_calls (self) >= oh_config_get_settings (self->config)->max_calls) {
    oh_call_decline_referral (call, 486, "Busy Here");
    return;
  }
  if (!place_call (self, account, &dial, NULL, &error)) {
    oh_log_call (G_LOG_LEVEL_WARNING, call, oh_call_get_path (call), "cannot follow the transfer: %s",
                 error->message);
    oh_call_decline_referral (call, 500, "Server Internal Error");
  }
}

static gboolean
handle_transfer_to_call (OhDbusCall *dbus, GDBusMethodInvocation *invocation, const char *other_path,
                         OhManager *self)
{
  OhCall *call = OH_CALL (dbus);
  OhCall *other = find_call (self, other_path);

  if (!other || other == call || oh_call_is_over (other)) {
    g_dbus_method_invocation_return_error (invocation, OH_ERROR, other ? OH_ERROR_INVALID_ARGUMENTS : OH_ERROR_NOT_FOUND,
                                           "%s is not another call in progress", other_path);
  } else if (!g_str_equal (oh_dbus_call_get_state (OH_DBUS_CALL (other)), "active") &&
             !g_str_equal (oh_dbus_call_get_state (OH_DBUS_CALL (other)), "held")) {
    g_dbus_method_invocation_return_error (invocation, OH_ERROR, OH_ERROR_INVALID_STATE,
                                           "the call to transfer to must be answered; %s is %s", other_path,
                                           oh_dbus_call_get_state (OH_DBUS_CALL (other)));
  } else {
    oh_call_transfer (call, invocation, oh_dbus_call_get_remote_uri (OH_DBUS_CALL (other)), other);
  }
  return G_DBUS_METHOD_INVOCATION_HANDLED;
}

static gboolean
handle_add_account (OhDbusManager *dbus, GDBusMethodInvocation *invocation, GVariant *settings)
{
  OhManager *self = OH_MANAGER (dbus);
  g_autoptr(GVariant) id = g_variant_lookup_value (settings, "id", NULL);
  g_autoptr(GVariant) username = g_variant_lookup_value (settings, "username", NULL);
  g_auto(GVariantDict) rest = G_VARIANT_DICT_INIT (settings);
  g_autoptr(GError) error = NULL;
  g_autofree char *path = NULL;
  OhAccount *account;

  if (!id || !g_variant_is_of_type (id, G_VARIANT_TYPE_STRING)) {
    g_dbus_method_invocation_return_error_literal (invocation, OH_ERROR, OH_ERROR_INVALID_ARGUMENTS,
                                                   "the setting 'id' (s) is required");
    return G_DBUS_METHOD_INVOCATION_HANDLED;
  }
  if (!oh_validate_object_id (g_variant_get_string (id, NULL), &error)) {
    g_dbus_method_invocation_return_gerror (invocation, error);
    return G_DBUS_METHOD_INVOCATION_HANDLED;
  }
  path = g_strconcat (OH_MANAGER_PATH "/Account/", g_variant_get_string (id, NULL), NULL);
  if (find_account (self, path)) {
    g_dbus_method_invocation_return_error (invocation, OH_ERROR, OH_ERROR_INVALID_STATE,
                                           "an account '%s' exists already", g_variant_get_string (id, NULL));
    return G_DBUS_METHOD_INVOCATION_HANDLED;
  }
  if (username) {
    g_dbus_method_invocation_return_error_literal (invocation, OH_ERROR, OH_ERROR_INVALID_ARGUMENTS,
                                                   "unknown setting 'username' (use SetCredentials)");
    return G_DBUS_METHOD_INVOCATION_HANDLED;
  }
  g_variant_dict_remove (&rest, "id");
  account = oh_account_new (self->config, self->sip, g_variant_get_string (id, NULL),
                            g_variant_dict_end (&rest), &error);
  if (!account || !oh_account_save (account, &error)) {
    g_clear_object (&account);
    g_dbus_method_invocation_return_gerror (invocation, error);
    return G_DBUS_METHOD_INVOCATION_HANDLED;
  }
  oh_log_account (G_LOG_LEVEL_INFO, g_variant_get_string (id, NULL), "added");
  add_account (self, account);
  oh_dbus_manager_complete_add_account (dbus, invocation, path);
  return G_DBUS_METHOD_INVOCATION_HANDLED;
}

static gboolean
handle_remove_account (OhDbusManager *dbus, GDBusMethodInvocation *invocation, const char *path)
{
  OhManager *self = OH_MANAGER (dbus);
  OhAccount *account = find_account (self, path);
  g_autoptr(GError) error = NULL;
  g_autofree char *id = NULL;

  if (!account) {
    g_dbus_method_invocation_return_error (invocation, OH_ERROR, OH_ERROR_NOT_FOUND, "there is no account %s", path);
    return G_DBUS_METHOD_INVOCATION_HANDLED;
  }
  id = g_strdup (oh_dbus_account_get_id (OH_DBUS_ACCOUNT (account)));
  if (!oh_config_remove_account (self->config, id, &error)) {
    g_dbus_method_invocation_return_gerror (invocation, error);
    return G_DBUS_METHOD_INVOCATION_HANDLED;
  }
  for (guint i = 0; i < self->calls->len; i++) {
    const char *call_account = oh_dbus_call_get_account (self->calls->pdata[i]);
    if (g_str_equal (call_account, path))
      oh_call_hangup (self->calls->pdata[i]);
  }
  /* freeing the registration's handle sends the un-REGISTER */
  g_dbus_object_manager_server_unexport (self->objects, path);
  g_ptr_array_remove (self->accounts, account);
  if (g_str_equal (self->default_account, path))
    set_default_account (self, self->accounts->len ? oh_account_get_path (self->accounts->pdata[0]) : "/");
  sync_lists (self);
  oh_log_account (G_LOG_LEVEL_INFO, id, "removed");
  oh_dbus_manager_complete_remove_account (dbus, invocation);
  return G_DBUS_METHOD_INVOCATION_HANDLED;
}

static gboolean
handle_hangup_all (OhDbusManager *dbus, GDBusMethodInvocation *invocation)
{
  OhManager *self = OH_MANAGER (dbus);

  for (guint i = 0; i < self->calls->len; i++)
    oh_call_hangup (self->calls->pdata[i]);
  oh_dbus_manager_complete_hangup_all (dbus, invocation);
  return G_DBUS_METHOD_INVOCATION_HANDLED;
}

/* Whether a call that asks to be answered by itself may be: the account
 * allows it from there, and no other call is up. */
static gboolean
may_auto_answer (OhManager *self, OhAccount *account, const OhSipIncoming *incoming)
{
  const char *policy = account ? oh_account_get_auto_answer (account) : "never";

  if (incoming->answer_after < 0)
    return FALSE;
  if (live_calls (self) > 0 || g_str_equal (policy, "never") ||
      (g_str_equal (policy, "proxy") && !oh_account_is_from_proxy (account, incoming->source))) {
    oh_log_account (G_LOG_LEVEL_INFO, account ? oh_dbus_account_get_id (OH_DBUS_ACCOUNT (account)) : "-",
                    "%s asks to be answered by itself; it rings instead (%s)", incoming->remote_uri,
                    live_calls (self) > 0 ? "another call is up" : "auto-answer is not allowed from there");
    return FALSE;
  }
  return TRUE;
}

/* The speaker, for a call answered by itself; the route the user chose is
 * what audio.conf keeps. */
static void
use_speaker (OhManager *self)
{
  self->route = OH_AUDIO_ROUTE_SPEAKER;
  oh_audio_set_route (self->audio, self->route);
  oh_audio_set_volume (self->audio, self->route_volume[self->route]);
  g_object_freeze_notify (G_OBJECT (self));
  oh_dbus_manager_set_audio_route (OH_DBUS_MANAGER (self), oh_audio_route_to_string (self->route));
  oh_dbus_manager_set_volume (OH_DBUS_MANAGER (self), self->route_volume[self->route]);
  g_object_thaw_notify (G_OBJECT (self));
}

/* What a new incoming call does, decided before it joins the list: forwarded
 * (forward-always; forward-busy when every line is taken, DoNotDisturb is on
 * or another call is up on an account without call waiting), refused with
 * 486, answered by itself, or rung. */
static void
route_incoming (OhManager *self, OhCall *call, OhAccount *account, const OhSipIncoming *incoming)
{
  gboolean busy = oh_dbus_manager_get_do_not_disturb (OH_DBUS_MANAGER (self)) ||
                  live_calls (self) >= oh_config_get_settings (self->config)->max_calls ||
                  (account && !oh_account_get_call_waiting (account) && line_in_use (self, NULL));
  const char *always = account ? oh_account_get_forward (account, "forward-always") : NULL;
  const char *on_busy = account ? oh_account_get_forward (account, "forward-busy") : NULL;

  if (always) {
    oh_call_forward (call, always);
  } else if (busy && on_busy) {
    oh_call_forward (call, on_busy);
  } else if (busy) {
    oh_call_reject (call, 486, "Busy Here");
  } else if (may_auto_answer (self, account, incoming)) {
    oh_call_ring (call, FALSE);
    use_speaker (self);
    oh_call_auto_answer (call, (guint) incoming->answer_after);
  } else {
    oh_call_ring (call, line_in_use (self, NULL));
  }
}

static void
on_incoming_call (OhSip *sip, OhSipHandle *handle, const OhSipIncoming *incoming, OhManager *self)
{
  OhAccount *account = NULL;
  g_autoptr(GError) error = NULL;
  OhCall *call;

  for (guint i = 0; i < self->accounts->len && !account; i++)
    if (oh_dbus_account_get_enabled (self->accounts->pdata[i]) &&
        oh_account_is_called (self->accounts->pdata[i], incoming->request_user))
      account = self->accounts->pdata[i];

  if (account && !oh_account_accepts_call_from (account, incoming->source)) {
    /* not through the account's proxies: a scanner's "ghost call" never rings */
    oh_log_account (G_LOG_LEVEL_MESSAGE, oh_dbus_account_get_id (OH_DBUS_ACCOUNT (account)),
                    "takes calls only through its proxies; refused %s from %s", incoming->remote_uri,
                    incoming->source ? incoming->source : "an unknown address");
    return;
  }
  call = oh_call_new_incoming (self->sip, self->config, self->tones, account, ++self->next_call, handle, incoming, &error);
  if (!call) {
    g_warning ("incoming call from %s refused: %s", incoming->remote_uri, error->message);
    return;
  }
  oh_log_call (G_LOG_LEVEL_INFO, call, oh_call_get_path (call), "incoming from %s to '%s'",
               incoming->remote_uri, incoming->request_user);
  if (incoming->replaces) {
    /* attended transfer: the new call takes the old one's place at once */
    OhCall *old = incoming->replaces;

    oh_call_replace (call, old);
    oh_call_answer (call);
    add_call (self, call);
    return;
  }
  route_incoming (self, call, account, incoming);
  add_call (self, call);
}

/* The route and the volumes survive a restart (the state directory's audio.conf). */
static void
save_audio_state (OhManager *self)
{
  g_autoptr(GKeyFile) state = g_key_file_new ();
  g_autoptr(GError) error = NULL;

  g_key_file_set_string (state, "audio", "route", oh_audio_route_to_string (self->route));
  for (guint r = 0; r < OH_AUDIO_N_ROUTES; r++) {
    g_autofree char *key = g_strdup_printf ("%s-volume", oh_audio_route_to_string (r));
    g_key_file_set_uint64 (state, "audio", key, self->route_volume[r]);
  }
  g_key_file_set_uint64 (state, "audio", "ringer-volume",
                         oh_dbus_manager_get_ringer_volume (OH_DBUS_MANAGER (self)));
  if (!oh_config_write_state (self->config, AUDIO_STATE, state, &error))
    g_warning ("%s", error->message);
}

static guint
state_volume (GKeyFile *state, const char *key)
{
  g_autoptr(GError) error = NULL;
  guint64 v = g_key_file_get_uint64 (state, "audio", key, &error);

  return error || v > 100 ? DEFAULT_VOLUME : (guint) v;
}

static void
load_audio_state (OhManager *self)
{
  g_autoptr(GKeyFile) state = oh_config_read_state (self->config, AUDIO_STATE);
  g_autofree char *route = g_key_file_get_string (state, "audio", "route", NULL);
  OhDbusManager *dbus = OH_DBUS_MANAGER (self);

  for (guint r = 0; r < OH_AUDIO_N_ROUTES; r++) {
    g_autofree char *key = g_strdup_printf ("%s-volume", oh_audio_route_to_string (r));
    self->route_volume[r] = state_volume (state, key);
  }
  if (!oh_audio_route_from_string (route, &self->route))
    self->route = OH_AUDIO_ROUTE_HANDSET;
  oh_dbus_manager_set_audio_route (dbus, oh_audio_route_to_string (self->route));
  oh_dbus_manager_set_volume (dbus, self->route_volume[self->route]);
  oh_dbus_manager_set_ringer_volume (dbus, state_volume (state, "ringer-volume"));
  oh_audio_set_route (self->audio, self->route);
  oh_audio_set_volume (self->audio, self->route_volume[self->route]);
  oh_audio_set_ringer_volume (self->audio, oh_dbus_manager_get_ringer_volume (dbus));
}

/* Writable properties: keep the last valid value when a client writes a bad one. */
static void
on_property_written (OhManager *self, GParamSpec *pspec, gpointer user_data)
{
  OhDbusManager *dbus = OH_DBUS_MANAGER (self);

  if (g_str_equal (pspec->name, "default-account")) {
    const char *path = oh_dbus_manager_get_default_account (dbus);
    if (g_str_equal (path, self->default_account))
      return;
    if (g_str_equal (path, "/") || find_account (self, path))
      set_default_account (self, path);
    else {
      g_warning ("DefaultAccount: there is no account %s; keeping %s", path, self->default_account);
      oh_dbus_manager_set_default_account (dbus, self->default_account);
    }
  } else if (g_str_equal (pspec->name, "audio-route")) {
    const char *name = oh_dbus_manager_get_audio_route (dbus);
    OhAudioRoute route;
    if (g_str_equal (name, oh_audio_route_to_string (self->route)))
      return;
    if (!oh_audio_route_from_string (name, &route)) {
      g_warning ("AudioRoute: '%s' is not handset, headset or speaker; keeping %s", name,
                 oh_audio_route_to_string (self->route));
      oh_dbus_manager_set_audio_route (dbus, oh_audio_route_to_string (self->route));
      return;
    }
    self->route = route;
    g_info ("audio route: %s", name);
    oh_audio_set_route (self->audio, route);
    /* each route keeps its own volume */
    oh_dbus_manager_set_volume (dbus, self->route_volume[route]);
    oh_audio_set_volume (self->audio, self->route_volume[route]);
    save_audio_state (self);
  } else if (g_str_equal (pspec->name, "volume")) {
    if (oh_dbus_manager_get_volume (dbus) > 100)
      oh_dbus_manager_set_volume (dbus, 100);
    if (self->route_volume[self->route] == oh_dbus_manager_get_volume (dbus))
      return;
    self->route_volume[self->route] = oh_dbus_manager_get_volume (dbus);
    oh_audio_set_volume (self->audio, self->route_volume[self->route]);
    save_audio_state (self);
  } else if (g_str_equal (pspec->name, "ringer-volume")) {
    if (oh_dbus_manager_get_ringer_volume (dbus) > 100)
      oh_dbus_manager_set_ringer_volume (dbus, 100);
    oh_audio_set_ringer_volume (self->audio, oh_dbus_manager_get_ringer_volume (dbus));
    save_audio_state (self);
  } else if (g_str_equal (pspec->name, "microphone-muted")) {
    oh_audio_set_muted (self->audio, oh_dbus_manager_get_microphone_muted (dbus));
  }
}

static gboolean
handle_play_tone (OhDbusManager *dbus, GDBusMethodInvocation *invocation, const char *tone, guint duration_ms)
{
  OhManager *self = OH_MANAGER (dbus);
  g_autoptr(GError) error = NULL;

  if (!oh_tones_play (self->tones, self, tone, duration_ms, &error)) {
    g_dbus_method_invocation_return_gerror (invocation, error);
    return G_DBUS_METHOD_INVOCATION_HANDLED;
  }
  oh_dbus_manager_complete_play_tone (dbus, invocation);
  return G_DBUS_METHOD_INVOCATION_HANDLED;
}

static gboolean
handle_match_dial_plan (OhDbusManager *dbus, GDBusMethodInvocation *invocation, const char *digits)
{
  OhManager *self = OH_MANAGER (dbus);
  g_autoptr(GError) error = NULL;
  g_autofree char *target = NULL;
  guint timeout_ms = 0;
  const char *verdict = oh_dial_plan_match (self->dial_plan, digits, &timeout_ms, &target, &error);

  if (!verdict) {
    g_dbus_method_invocation_return_gerror (invocation, error);
    return G_DBUS_METHOD_INVOCATION_HANDLED;
  }
  oh_dbus_manager_complete_match_dial_plan (dbus, invocation, verdict, timeout_ms, target);
  return G_DBUS_METHOD_INVOCATION_HANDLED;
}

static gboolean
handle_stop_tone (OhDbusManager *dbus, GDBusMethodInvocation *invocation)
{
  OhManager *self = OH_MANAGER (dbus);

  oh_tones_stop (self->tones, self);
  oh_dbus_manager_complete_stop_tone (dbus, invocation);
  return G_DBUS_METHOD_INVOCATION_HANDLED;
}

static void
oh_manager_dispose (GObject *object)
{
  OhManager *self = OH_MANAGER (object);

  if (self->sip)
    g_signal_handlers_disconnect_by_data (self->sip, self);
  g_clear_pointer (&self->calls, g_ptr_array_unref);
  g_clear_pointer (&self->accounts, g_ptr_array_unref);
  g_clear_object (&self->objects);
  g_clear_object (&self->sip);
  g_clear_object (&self->tones);
  g_clear_object (&self->mixer);
  g_clear_object (&self->audio);
  g_clear_object (&self->config);
  G_OBJECT_CLASS (oh_manager_parent_class)->dispose (object);
}

static void
oh_manager_finalize (GObject *object)
{
  OhManager *self = OH_MANAGER (object);

  g_free (self->default_account);
  oh_dial_plan_free (self->dial_plan);
  G_OBJECT_CLASS (oh_manager_parent_class)->finalize (object);
}

static void
oh_manager_class_init (OhManagerClass *klass)
{
  G_OBJECT_CLASS (klass)->dispose = oh_manager_dispose;
  G_OBJECT_CLASS (klass)->finalize = oh_manager_finalize;
}

static void
oh_manager_init (OhManager *self)
{
  self->accounts = g_ptr_array_new_with_free_func (g_object_unref);
  self->calls = g_ptr_array_new_with_free_func (g_object_unref);
  self->default_account = g_strdup ("/");
  self->objects = g_dbus_object_manager_server_new (OH_MANAGER_PATH);

  g_signal_connect (self, "handle-dial", G_CALLBACK (handle_dial), NULL);
  g_signal_connect (self, "handle-add-account", G_CALLBACK (handle_add_account), NULL);
  g_signal_connect (self, "handle-remove-account", G_CALLBACK (handle_remove_account), NULL);
  g_signal_connect (self, "handle-hangup-all", G_CALLBACK (handle_hangup_all), NULL);
  g_signal_connect (self, "handle-conference", G_CALLBACK (handle_conference), NULL);
  g_signal_connect (self, "handle-play-tone", G_CALLBACK (handle_play_tone), NULL);
  g_signal_connect (self, "handle-stop-tone", G_CALLBACK (handle_stop_tone), NULL);
  g_signal_connect (self, "handle-match-dial-plan", G_CALLBACK (handle_match_dial_plan), NULL);
}

OhManager *
oh_manager_new (OhConfig *config, OhSip *sip)
{
  OhManager *self = g_object_new (OH_TYPE_MANAGER,
                                  "version", PACKAGE_VERSION,
                                  "default-account", "/",
                                  "audio-route", "handset",
                                  "volume", DEFAULT_VOLUME,
                                  "ringer-volume", DEFAULT_VOLUME,
                                  NULL);
  g_autoptr(GHashTable) types = oh_account_setting_types ();
  g_auto(GStrv) ids = oh_config_list_accounts (config);

  self->config = g_object_ref (config);
  self->sip = g_object_ref (sip);
  self->audio = oh_audio_new (config);
  self->tones = oh_tones_new (self->audio, oh_config_get_settings (config)->tone_country,
                              oh_config_get_settings (config)->ringtone);
  self->dial_plan = oh_dial_plan_new_from_config (config);
  load_audio_state (self);
  g_signal_connect (sip, "incoming-call", G_CALLBACK (on_incoming_call), self);
  g_signal_connect (self, "notify", G_CALLBACK (on_property_written), NULL);

  for (guint i = 0; ids[i]; i++) {
    g_autoptr(GError) error = NULL;
    OhAccount *account = oh_account_new (config, sip, ids[i], oh_config_get_account (config, ids[i], types), &error);

    if (!account)
      g_warning ("account '%s' ignored: %s", ids[i], error->message);
    else
      add_account (self, account);
  }
  sync_lists (self);
  return self;
}

gboolean
oh_manager_export (OhManager *self, GDBusConnection *connection, GError **error)
{
  g_return_val_if_fail (OH_IS_MANAGER (self), FALSE);

  g_dbus_object_manager_server_set_connection (self->objects, connection);
  return g_dbus_interface_skeleton_export (G_DBUS_INTERFACE_SKELETON (self), connection, OH_MANAGER_PATH, error);
}

/* Hang up and unregister; the SIP stack then says "shutdown-done". */
void
oh_manager_shutdown (OhManager *self)
{
  g_return_if_fail (OH_IS_MANAGER (self));

  for (guint i = 0; i < self->calls->len; i++)
    oh_call_hangup (self->calls->pdata[i]);
  oh_sip_shutdown (self->sip);
}

/* the accounts and calls on the bus, for watchers inside the daemon */
GDBusObjectManager *
oh_manager_get_objects (OhManager *self)
{
  g_return_val_if_fail (OH_IS_MANAGER (self), NULL);
  return G_DBUS_OBJECT_MANAGER (self->objects);
}
