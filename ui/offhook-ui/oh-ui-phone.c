/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The desk phone's behaviour: hook, speaker and headset, keys, screens, calls.
 *
 * The phone is "engaged" while the handset is off hook, the speakerphone is
 * on or the headset is selected; the audio route follows the one in use
 * (handset first).  Lifting the handset answers a ringing call or gives dial
 * tone; putting it down ends the call unless the speaker (or headset) took
 * over.  The speaker and headset keys switch those on and off the same way.
 * Every request to the daemon is asynchronous; a refusal shows briefly. */
#define G_LOG_DOMAIN "offhook-ui"

#include "oh-ui-phone.h"

#define FLASH_MS 3000
#define VOLUME_STEP 10
#define REDIAL_MAX 5
#define HISTORY_MAX 20

enum {
  SIGNAL_CHANGED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

typedef enum {
  ACTION_NONE,
  ACTION_ANSWER,
  ACTION_REJECT,
  ACTION_END,
  ACTION_HOLD,
  ACTION_TRANSFER,
  ACTION_CONFERENCE,
  ACTION_DIAL,
  ACTION_DELETE,
  ACTION_CANCEL,
  ACTION_REDIAL,
  ACTION_HISTORY,
  ACTION_SETTINGS,
  ACTION_DND,
  ACTION_CHANGE,
  ACTION_BACK,
} Action;

typedef struct {
  const char *label;
  Action action;
} Softkey;

struct _OhUiPhone {
  GObject parent_instance;

  OhUiClient *client;
  OhUiDialer *dialer;
  gboolean off_hook;
  gboolean speaker;
  gboolean headset;
  gboolean dialing;
  OhUiScreen menu;            /* a screen the person opened, or IDLE */
  guint selected;
  GString *transfer;
  GPtrArray *redial;          /* newest first, NULL-terminated */
  GVariant *history;
  GHashTable *counted;        /* calls already seen as missed */
  guint missed;
  guint live;                 /* live calls at the last look */
  char *flash;
  guint flash_timer;
  Softkey softkeys[OH_UI_N_SOFTKEYS];
};

G_DEFINE_TYPE (OhUiPhone, oh_ui_phone, G_TYPE_OBJECT)

static void
changed (OhUiPhone *self)
{
  g_signal_emit (self, signals[SIGNAL_CHANGED], 0);
}

static gboolean
on_flash_over (gpointer data)
{
  OhUiPhone *self = data;

  self->flash_timer = 0;
  g_clear_pointer (&self->flash, g_free);
  changed (self);
  return G_SOURCE_REMOVE;
}

static void
flash (OhUiPhone *self, const char *text)
{
  g_free (self->flash);
  self->flash = g_strdup (text);
  g_clear_handle_id (&self->flash_timer, g_source_remove);
  self->flash_timer = g_timeout_add (FLASH_MS, on_flash_over, self);
  changed (self);
}

static gboolean
is_live (OhDbusCall *call)
{
  return !g_str_equal (oh_dbus_call_get_state (call), "disconnected");
}

static gboolean
in_state (OhDbusCall *call, const char *state)
{
  return g_str_equal (oh_dbus_call_get_state (call), state);
}

/* The first live call in one of @states (borrowed), or NULL. */
static OhDbusCall *
find_call (OhUiPhone *self, const char * const *states)
{
  g_autoptr(GList) calls = oh_ui_client_get_calls (self->client);

  for (GList *l = calls; l; l = l->next)
    if (g_strv_contains (states, oh_dbus_call_get_state (l->data)))
      return l->data;
  return NULL;
}

static OhDbusCall *
ringing_call (OhUiPhone *self)
{
  return find_call (self, (const char *[]) { "incoming", "waiting", NULL });
}

/* The call a person talks in (or is placing). */
static OhDbusCall *
current_call (OhUiPhone *self)
{
  return find_call (self, (const char *[]) { "active", "alerting", "dialing", NULL });
}

static guint
count_live (OhUiPhone *self)
{
  g_autoptr(GList) calls = oh_ui_client_get_calls (self->client);
  guint n = 0;

  for (GList *l = calls; l; l = l->next)
    n += is_live (l->data);
  return n;
}

static void
play (OhUiPhone *self, const char *tone, guint duration_ms)
{
  oh_ui_client_call (self->client, oh_ui_client_get_manager (self->client), "PlayTone",
                     g_variant_new ("(su)", tone, duration_ms), "Tone");
}

static void
stop_tone (OhUiPhone *self)
{
  oh_ui_client_call (self->client, oh_ui_client_get_manager (self->client), "StopTone", NULL, "Tone");
}

static void
set_route (OhUiPhone *self)
{
  OhDbusManager *manager = oh_ui_client_get_manager (self->client);
  /* the speaker or headset switched on last takes over from a lifted handset */
  const char *route = self->speaker ? "speaker" : self->headset ? "headset" : self->off_hook ? "handset" : NULL;

  if (route && manager && g_strcmp0 (oh_dbus_manager_get_audio_route (manager), route) != 0)
    oh_ui_client_set_manager_property (self->client, "AudioRoute", g_variant_new_string (route));
}

static gboolean
engaged (OhUiPhone *self)
{
  return self->off_hook || self->speaker || self->headset;
}

static void
stop_dialing (OhUiPhone *self)
{
  if (self->dialing)
    stop_tone (self);
  self->dialing = FALSE;
  oh_ui_dialer_reset (self->dialer);
}

static void
start_dialing (OhUiPhone *self, gboolean dial_tone)
{
  self->menu = OH_UI_SCREEN_IDLE;
  self->dialing = TRUE;
  oh_ui_dialer_reset (self->dialer);
  if (dial_tone)
    play (self, "dial", 0);
  changed (self);
}

static void
answer (OhUiPhone *self, OhDbusCall *call)
{
  self->menu = OH_UI_SCREEN_IDLE;
  oh_ui_client_call (self->client, call, "Answer", NULL, "Answer");
}

/* The phone put down: end what goes on (held calls stay). */
static void
end_current (OhUiPhone *self)
{
  OhDbusCall *call = current_call (self);

  stop_dialing (self);
  self->menu = OH_UI_SCREEN_IDLE;
  if (call)
    oh_ui_client_call (self->client, call, "Hangup", NULL, "Hang up");
  changed (self);
}

/* Going off hook by handset, speaker or headset: answer, take over, or dial tone. */
static void
engage (OhUiPhone *self, gboolean was_engaged)
{
  OhDbusCall *ringing = ringing_call (self);

  set_route (self);
  if (ringing && !current_call (self))
    answer (self, ringing);
  else if (!was_engaged && count_live (self) == 0 && !self->dialing)
    start_dialing (self, TRUE);
  changed (self);
}

/* The handset, speaker or headset went away: the call goes on with what is left. */
static void
disengage (OhUiPhone *self)
{
  if (engaged (self))
    set_route (self);
  else
    end_current (self);
  changed (self);
}

/* The speaker or headset key: @mine on and @other off, or @mine off. */
static void
toggle (OhUiPhone *self, gboolean *mine, gboolean *other)
{
  gboolean was = engaged (self);

  if (*mine) {
    *mine = FALSE;
    disengage (self);
    return;
  }
  *mine = TRUE;
  *other = FALSE;
  engage (self, was);
}

static void
toggle_speaker (OhUiPhone *self)
{
  toggle (self, &self->speaker, &self->headset);
}

static void
remember_number (OhUiPhone *self, const char *target)
{
  for (guint i = 0; i < self->redial->len; i++)
    if (g_str_equal (g_ptr_array_index (self->redial, i), target)) {
      g_ptr_array_remove_index (self->redial, i);
      break;
    }
  g_ptr_array_insert (self->redial, 0, g_strdup (target));
  if (self->redial->len > REDIAL_MAX)
    g_ptr_array_remove_index (self->redial, self->redial->len - 1);
}

static void
place_call (OhUiPhone *self, const char *target)
{
  OhDbusManager *manager = oh_ui_client_get_manager (self->client);

  g_message ("dialling %s", target);
  self->dialing = FALSE;
  self->menu = OH_UI_SCREEN_IDLE;
  oh_ui_dialer_reset (self->dialer);
  if (!engaged (self)) {
    self->speaker = TRUE;
    set_route (self);
  }
  remember_number (self, target);
  if (!manager) {
    flash (self, "offhookd is not running");
    return;
  }
  oh_ui_client_call (self->client, manager, "Dial", g_variant_new ("(s@a{sv})", target,
                                                                 g_variant_new_array (G_VARIANT_TYPE ("{sv}"), NULL, 0)),
                     "Dial");
  changed (self);
}

static void
on_dial (OhUiDialer *dialer, const char *target, OhUiPhone *self)
{
  place_call (self, target);
}

static void
on_invalid (OhUiDialer *dialer, OhUiPhone *self)
{
  play (self, "error", 0);
}

static void
on_secondary_dial (OhUiDialer *dialer, OhUiPhone *self)
{
  play (self, "secondary-dial", 0);
}

static void
on_dialer_changed (OhUiDialer *dialer, OhUiPhone *self)
{
  changed (self);
}

static void
on_error (OhUiClient *client, const char *message, OhUiPhone *self)
{
  flash (self, message);
}

static void
count_missed (OhUiPhone *self, OhDbusCall *call)
{
  const char *reason = oh_dbus_call_get_disconnect_reason (call);
  const char *path = g_dbus_proxy_get_object_path (G_DBUS_PROXY (call));

  if (!in_state (call, "disconnected") || g_strcmp0 (oh_dbus_call_get_direction (call), "incoming") != 0 ||
      oh_dbus_call_get_connect_time (call) != 0 || g_hash_table_contains (self->counted, path))
    return;
  if (g_strcmp0 (reason, "cancelled") == 0 || g_strcmp0 (reason, "no-answer") == 0) {
    g_hash_table_add (self->counted, g_strdup (path));
    self->missed++;
  }
}

static void
on_call_changed (OhUiClient *client, OhDbusCall *call, OhUiPhone *self)
{
  guint live;

  if (!oh_dbus_call_get_state (call))
    return;
  count_missed (self, call);
  live = count_live (self);
  /* the last call ended while on the speaker or headset: the phone is idle again */
  if (live == 0 && self->live > 0 && !self->dialing && !self->off_hook) {
    self->speaker = FALSE;
    self->headset = FALSE;
  }
  if (live == 0 && self->menu == OH_UI_SCREEN_TRANSFER)
    self->menu = OH_UI_SCREEN_IDLE;
  /* a call came in or started: no more digit collection */
  if (live > self->live && is_live (call) && self->dialing && !in_state (call, "incoming") &&
      !in_state (call, "waiting"))
    stop_dialing (self);
  self->live = live;
  if (self->selected >= MAX (live, 1))
    self->selected = MAX (live, 1) - 1;
}

static void
on_client_changed (OhUiClient *client, OhUiPhone *self)
{
  self->live = count_live (self);
  changed (self);
}

static void
oh_ui_phone_dispose (GObject *object)
{
  OhUiPhone *self = OH_UI_PHONE (object);

  g_clear_handle_id (&self->flash_timer, g_source_remove);
  if (self->client)
    g_signal_handlers_disconnect_by_data (self->client, self);
  if (self->dialer)
    g_signal_handlers_disconnect_by_data (self->dialer, self);
  g_clear_object (&self->dialer);
  g_clear_object (&self->client);
  G_OBJECT_CLASS (oh_ui_phone_parent_class)->dispose (object);
}

static void
oh_ui_phone_finalize (GObject *object)
{
  OhUiPhone *self = OH_UI_PHONE (object);

  g_string_free (self->transfer, TRUE);
  g_ptr_array_unref (self->redial);
  g_clear_pointer (&self->history, g_variant_unref);
  g_hash_table_unref (self->counted);
  g_free (self->flash);
  G_OBJECT_CLASS (oh_ui_phone_parent_class)->finalize (object);
}

static void
oh_ui_phone_class_init (OhUiPhoneClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = oh_ui_phone_dispose;
  object_class->finalize = oh_ui_phone_finalize;

  /* what the screens or lamps show may have changed */
  signals[SIGNAL_CHANGED] = g_signal_new ("changed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                                          0, NULL, NULL, NULL, G_TYPE_NONE, 0);
}

static void
oh_ui_phone_init (OhUiPhone *self)
{
  self->transfer = g_string_new (NULL);
  self->redial = g_ptr_array_new_null_terminated (REDIAL_MAX + 1, g_free, TRUE);
  self->counted = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
}

OhUiPhone *
oh_ui_phone_new (OhUiClient *client)
{
  OhUiPhone *self = g_object_new (OH_UI_TYPE_PHONE, NULL);

  self->client = g_object_ref (client);
  self->dialer = oh_ui_dialer_new (client);
  g_signal_connect (client, "changed", G_CALLBACK (on_client_changed), self);
  g_signal_connect (client, "call-changed", G_CALLBACK (on_call_changed), self);
  g_signal_connect (client, "error", G_CALLBACK (on_error), self);
  g_signal_connect (self->dialer, "dial", G_CALLBACK (on_dial), self);
  g_signal_connect (self->dialer, "invalid", G_CALLBACK (on_invalid), self);
  g_signal_connect (self->dialer, "secondary-dial", G_CALLBACK (on_secondary_dial), self);
  g_signal_connect (self->dialer, "changed", G_CALLBACK (on_dialer_changed), self);
  return self;
}

void
oh_ui_phone_hook (OhUiPhone *self, gboolean off_hook)
{
  gboolean was = engaged (self);

  if (off_hook == self->off_hook)
    return;
  g_message ("handset %s", off_hook ? "lifted" : "put down");
  self->off_hook = off_hook;
  if (off_hook) {
    self->speaker = FALSE;
    self->headset = FALSE;
    engage (self, was);
  } else
    disengage (self);
}

/* ---- screens the person opens ---- */

static void
got_history (GObject *source, GAsyncResult *result, gpointer data)
{
  g_autoptr(OhUiPhone) self = data;
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) reply = g_dbus_proxy_call_finish (G_DBUS_PROXY (source), result, &error);

  if (!reply) {
    if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
      flash (self, error->message);
    return;
  }
  g_clear_pointer (&self->history, g_variant_unref);
  self->history = g_variant_get_child_value (reply, 0);
  changed (self);
}

static void
open_menu (OhUiPhone *self, OhUiScreen menu)
{
  self->menu = menu;
  self->selected = 0;
  if (menu == OH_UI_SCREEN_HISTORY) {
    oh_ui_client_get_history (self->client, HISTORY_MAX, got_history, g_object_ref (self));
    self->missed = 0;
  }
  if (menu == OH_UI_SCREEN_TRANSFER)
    g_string_truncate (self->transfer, 0);
  changed (self);
}

static guint
menu_length (OhUiPhone *self)
{
  switch (oh_ui_phone_get_screen (self)) {
  case OH_UI_SCREEN_REDIAL:
    return self->redial->len;
  case OH_UI_SCREEN_HISTORY:
    return self->history ? g_variant_n_children (self->history) : 0;
  case OH_UI_SCREEN_SETTINGS:
    return OH_UI_N_SETTINGS;
  case OH_UI_SCREEN_CALLS:
    return count_live (self);
  default:
    return 0;
  }
}

static void
change_setting (OhUiPhone *self, gint step)
{
  static const char * const routes[] = { "handset", "headset", "speaker" };
  OhDbusManager *manager = oh_ui_client_get_manager (self->client);

  if (!manager)
    return;
  switch ((OhUiSetting) self->selected) {
  case OH_UI_SETTING_ROUTE: {
    const char *route = oh_dbus_manager_get_audio_route (manager);
    guint i = 0;
    while (i < G_N_ELEMENTS (routes) && g_strcmp0 (route, routes[i]) != 0)
      i++;
    i = (i + G_N_ELEMENTS (routes) + step) % G_N_ELEMENTS (routes);
    oh_ui_client_set_manager_property (self->client, "AudioRoute", g_variant_new_string (routes[i]));
    break;
  }
  case OH_UI_SETTING_RINGER: {
    gint volume = (gint) oh_dbus_manager_get_ringer_volume (manager) + step * VOLUME_STEP;
    oh_ui_client_set_manager_property (self->client, "RingerVolume",
                                       g_variant_new_uint32 (CLAMP (volume, 0, 100)));
    break;
  }
  default:
    oh_ui_client_set_manager_property (self->client, "DoNotDisturb",
                                       g_variant_new_boolean (!oh_dbus_manager_get_do_not_disturb (manager)));
  }
}

static void
change_volume (OhUiPhone *self, gint step)
{
  OhDbusManager *manager = oh_ui_client_get_manager (self->client);
  gboolean ringer = ringing_call (self) || count_live (self) == 0;
  gint volume;

  if (!manager)
    return;
  volume = ringer ? (gint) oh_dbus_manager_get_ringer_volume (manager) : (gint) oh_dbus_manager_get_volume (manager);
  volume = CLAMP (volume + step * VOLUME_STEP, 0, 100);
  oh_ui_client_set_manager_property (self->client, ringer ? "RingerVolume" : "Volume",
                                     g_variant_new_uint32 (volume));
}

static void
hold (OhUiPhone *self)
{
  OhDbusCall *call = find_call (self, (const char *[]) { "active", "held", NULL });

  if (call)
    oh_ui_client_call (self->client, call, in_state (call, "held") ? "Resume" : "Hold", NULL,
                       in_state (call, "held") ? "Resume" : "Hold");
}

static void
conference (OhUiPhone *self)
{
  g_autoptr(GList) calls = oh_ui_client_get_calls (self->client);
  g_autoptr(GVariantBuilder) paths = g_variant_builder_new (G_VARIANT_TYPE ("ao"));

  for (GList *l = calls; l; l = l->next)
    if (is_live (l->data))
      g_variant_builder_add (paths, "o", g_dbus_proxy_get_object_path (l->data));
  oh_ui_client_call (self->client, oh_ui_client_get_manager (self->client), "Conference",
                     g_variant_new ("(ao)", paths), "Conference");
}

static void
transfer (OhUiPhone *self)
{
  OhDbusCall *call = find_call (self, (const char *[]) { "active", "held", NULL });

  if (call && self->transfer->len > 0)
    oh_ui_client_call (self->client, call, "Transfer", g_variant_new ("(s)", self->transfer->str), "Transfer");
  self->menu = OH_UI_SCREEN_IDLE;
  changed (self);
}

/* The call shown selected in the list, or the only one (borrowed). */
static OhDbusCall *
selected_call (OhUiPhone *self)
{
  g_autoptr(GList) calls = oh_ui_phone_get_shown_calls (self);
  GList *l = g_list_nth (calls, self->selected);

  return l ? l->data : NULL;
}

static void
redial (OhUiPhone *self, guint index)
{
  if (index < self->redial->len) {
    g_autofree char *target = g_strdup (g_ptr_array_index (self->redial, index));
    place_call (self, target);
  } else
    flash (self, "No number to redial");
}

static void
do_action (OhUiPhone *self, Action action)
{
  OhDbusCall *ringing = ringing_call (self);

  switch (action) {
  case ACTION_ANSWER:
    if (ringing) {
      if (!engaged (self)) {
        self->speaker = TRUE;
        set_route (self);
      }
      answer (self, ringing);
    }
    break;
  case ACTION_REJECT:
    if (ringing)
      oh_ui_client_call (self->client, ringing, "Hangup", NULL, "Reject");
    break;
  case ACTION_END: {
    OhDbusCall *call = selected_call (self);
    if (call && is_live (call))
      oh_ui_client_call (self->client, call, "Hangup", NULL, "Hang up");
    break;
  }
  case ACTION_HOLD:
    hold (self);
    break;
  case ACTION_TRANSFER:
    if (self->menu == OH_UI_SCREEN_TRANSFER)
      transfer (self);
    else
      open_menu (self, OH_UI_SCREEN_TRANSFER);
    break;
  case ACTION_CONFERENCE:
    conference (self);
    break;
  case ACTION_DIAL:
    oh_ui_dialer_dial_now (self->dialer);
    break;
  case ACTION_DELETE:
    if (self->menu == OH_UI_SCREEN_TRANSFER && self->transfer->len > 0)
      g_string_truncate (self->transfer, self->transfer->len - 1);
    else
      oh_ui_dialer_backspace (self->dialer);
    changed (self);
    break;
  case ACTION_CANCEL:
    if (self->menu != OH_UI_SCREEN_IDLE) {
      self->menu = OH_UI_SCREEN_IDLE;
      changed (self);
    } else {
      self->speaker = self->headset = FALSE;
      end_current (self);
    }
    break;
  case ACTION_REDIAL:
    open_menu (self, OH_UI_SCREEN_REDIAL);
    break;
  case ACTION_HISTORY:
    open_menu (self, OH_UI_SCREEN_HISTORY);
    break;
  case ACTION_SETTINGS:
    open_menu (self, OH_UI_SCREEN_SETTINGS);
    break;
  case ACTION_DND: {
    OhDbusManager *manager = oh_ui_client_get_manager (self->client);
    if (manager)
      oh_ui_client_set_manager_property (self->client, "DoNotDisturb",
                                         g_variant_new_boolean (!oh_dbus_manager_get_do_not_disturb (manager)));
    break;
  }
  case ACTION_CHANGE:
    change_setting (self, 1);
    break;
  case ACTION_BACK:
    self->menu = OH_UI_SCREEN_IDLE;
    changed (self);
    break;
  default:
    break;
  }
}

static void
digit (OhUiPhone *self, char c)
{
  static const char * const clicks[] = { "dtmf-0", "dtmf-1", "dtmf-2", "dtmf-3", "dtmf-4",
                                         "dtmf-5", "dtmf-6", "dtmf-7", "dtmf-8", "dtmf-9" };
  OhDbusCall *active = find_call (self, (const char *[]) { "active", NULL });
  char text[2] = { c, 0 };

  if (self->menu == OH_UI_SCREEN_TRANSFER) {
    if (c == '#')
      transfer (self);
    else
      g_string_append_c (self->transfer, c);
    changed (self);
    return;
  }
  if (active) {
    oh_ui_client_call (self->client, active, "SendDtmf", g_variant_new ("(s)", text), "DTMF");
    return;
  }
  if (ringing_call (self) && !self->dialing)
    return;
  if (!self->dialing) {
    /* dialling on hook: the speakerphone goes on, as on a desk phone */
    if (!engaged (self)) {
      self->speaker = TRUE;
      set_route (self);
    }
    start_dialing (self, FALSE);
  }
  /* the key click replaces the dial tone: dial tone stops at the first digit */
  play (self, c == '*' ? "dtmf-star" : c == '#' ? "dtmf-pound" : clicks[c - '0'], 0);
  oh_ui_dialer_add (self->dialer, c);
  changed (self);
}

static void
move (OhUiPhone *self, gint step)
{
  guint n = menu_length (self);

  if (n == 0)
    return;
  self->selected = (self->selected + n + step) % n;
  changed (self);
}

static void
ok (OhUiPhone *self)
{
  OhUiScreen screen = oh_ui_phone_get_screen (self);
  OhDbusCall *call;

  switch (screen) {
  case OH_UI_SCREEN_DIALING:
    oh_ui_dialer_dial_now (self->dialer);
    break;
  case OH_UI_SCREEN_SETTINGS:
    change_setting (self, 1);
    break;
  case OH_UI_SCREEN_REDIAL:
    redial (self, self->selected);
    break;
  case OH_UI_SCREEN_TRANSFER:
    transfer (self);
    break;
  case OH_UI_SCREEN_CALLS:
    call = selected_call (self);
    if (call && (in_state (call, "incoming") || in_state (call, "waiting")))
      do_action (self, ACTION_ANSWER);
    else if (call && in_state (call, "held"))
      oh_ui_client_call (self->client, call, "Resume", NULL, "Resume");
    break;
  default:
    break;
  }
}

void
oh_ui_phone_key (OhUiPhone *self, OhPhoneKey key)
{
  char c = oh_phone_key_to_dial_char (key);

  if (c) {
    if (self->menu != OH_UI_SCREEN_TRANSFER && self->menu != OH_UI_SCREEN_IDLE)
      self->menu = OH_UI_SCREEN_IDLE;
    digit (self, c);
    return;
  }
  switch (key) {
  case OH_PHONE_KEY_SOFTKEY_1:
  case OH_PHONE_KEY_SOFTKEY_2:
  case OH_PHONE_KEY_SOFTKEY_3:
  case OH_PHONE_KEY_SOFTKEY_4: {
    const char *labels[OH_UI_N_SOFTKEYS + 1];
    oh_ui_phone_get_softkeys (self, labels);
    do_action (self, self->softkeys[key - OH_PHONE_KEY_SOFTKEY_1].action);
    break;
  }
  case OH_PHONE_KEY_UP:
  case OH_PHONE_KEY_LEFT:
    if (self->menu == OH_UI_SCREEN_SETTINGS && key == OH_PHONE_KEY_LEFT)
      change_setting (self, -1);
    else
      move (self, -1);
    break;
  case OH_PHONE_KEY_DOWN:
  case OH_PHONE_KEY_RIGHT:
    if (self->menu == OH_UI_SCREEN_SETTINGS && key == OH_PHONE_KEY_RIGHT)
      change_setting (self, 1);
    else
      move (self, 1);
    break;
  case OH_PHONE_KEY_OK:
    ok (self);
    break;
  case OH_PHONE_KEY_BACK:
    if (self->dialing)
      do_action (self, ACTION_DELETE);
    else if (self->menu == OH_UI_SCREEN_TRANSFER && self->transfer->len > 0)
      do_action (self, ACTION_DELETE);
    else if (self->menu != OH_UI_SCREEN_IDLE)
      do_action (self, ACTION_BACK);
    else {
      self->missed = 0;
      changed (self);
    }
    break;
  case OH_PHONE_KEY_VOLUME_UP:
    change_volume (self, 1);
    break;
  case OH_PHONE_KEY_VOLUME_DOWN:
    change_volume (self, -1);
    break;
  case OH_PHONE_KEY_MUTE: {
    OhDbusManager *manager = oh_ui_client_get_manager (self->client);
    if (manager)
      oh_ui_client_set_manager_property (self->client, "MicrophoneMuted",
                                         g_variant_new_boolean (!oh_dbus_manager_get_microphone_muted (manager)));
    break;
  }
  case OH_PHONE_KEY_SPEAKER:
    toggle_speaker (self);
    break;
  case OH_PHONE_KEY_HEADSET:
    toggle (self, &self->headset, &self->speaker);
    break;
  case OH_PHONE_KEY_HOLD:
    hold (self);
    break;
  case OH_PHONE_KEY_TRANSFER:
    do_action (self, ACTION_TRANSFER);
    break;
  case OH_PHONE_KEY_CONFERENCE:
    conference (self);
    break;
  case OH_PHONE_KEY_REDIAL:
    redial (self, 0);
    break;
  case OH_PHONE_KEY_PICKUP:
    if (ringing_call (self))
      do_action (self, ACTION_ANSWER);
    else if (self->dialing)
      oh_ui_dialer_dial_now (self->dialer);
    else if (!engaged (self))
      toggle_speaker (self);
    break;
  case OH_PHONE_KEY_HANGUP:
    if (ringing_call (self) && !current_call (self))
      do_action (self, ACTION_REJECT);
    else
      do_action (self, ACTION_CANCEL);
    break;
  case OH_PHONE_KEY_LINE_1:
  case OH_PHONE_KEY_LINE_2:
  case OH_PHONE_KEY_LINE_3:
  case OH_PHONE_KEY_LINE_4:
  case OH_PHONE_KEY_LINE_5:
  case OH_PHONE_KEY_LINE_6:
    if ((guint) (key - OH_PHONE_KEY_LINE_1) < count_live (self)) {
      self->selected = key - OH_PHONE_KEY_LINE_1;
      ok (self);
      changed (self);
    }
    break;
  default:
    break;
  }
}

/* ---- what is shown ---- */

OhUiClient *
oh_ui_phone_get_client (OhUiPhone *self)
{
  return self->client;
}

OhUiDialer *
oh_ui_phone_get_dialer (OhUiPhone *self)
{
  return self->dialer;
}

OhUiScreen
oh_ui_phone_get_screen (OhUiPhone *self)
{
  if (self->menu == OH_UI_SCREEN_TRANSFER && count_live (self) > 0)
    return OH_UI_SCREEN_TRANSFER;
  if (self->dialing)
    return OH_UI_SCREEN_DIALING;
  if (ringing_call (self))
    return OH_UI_SCREEN_CALLS;
  if (self->menu == OH_UI_SCREEN_HISTORY && !oh_ui_client_has_history (self->client))
    self->menu = OH_UI_SCREEN_IDLE;
  if (self->menu != OH_UI_SCREEN_IDLE && self->menu != OH_UI_SCREEN_TRANSFER)
    return self->menu;
  {
    g_autoptr(GList) shown = oh_ui_phone_get_shown_calls (self);
    return shown ? OH_UI_SCREEN_CALLS : OH_UI_SCREEN_IDLE;
  }
}

GList *
oh_ui_phone_get_shown_calls (OhUiPhone *self)
{
  GList *calls = oh_ui_client_get_calls (self->client);
  GList *live = NULL;

  for (GList *l = calls; l; l = l->next)
    if (is_live (l->data))
      live = g_list_append (live, l->data);
  if (live) {
    g_list_free (calls);
    return live;
  }
  /* nothing goes on: the calls that just ended, until the daemon drops them */
  return calls;
}

guint
oh_ui_phone_get_selected (OhUiPhone *self)
{
  return self->selected;
}

gboolean
oh_ui_phone_get_speaker (OhUiPhone *self)
{
  return self->speaker;
}

gboolean
oh_ui_phone_get_headset (OhUiPhone *self)
{
  return self->headset;
}

gboolean
oh_ui_phone_get_off_hook (OhUiPhone *self)
{
  return self->off_hook;
}

guint
oh_ui_phone_get_missed (OhUiPhone *self)
{
  gint history = oh_ui_client_get_history_missed (self->client);

  return history >= 0 ? (guint) history : self->missed;
}

const char *
oh_ui_phone_get_flash (OhUiPhone *self)
{
  return self->flash;
}

const char *
oh_ui_phone_get_transfer_digits (OhUiPhone *self)
{
  return self->transfer->str;
}

const char * const *
oh_ui_phone_get_redial (OhUiPhone *self)
{
  return (const char * const *) self->redial->pdata;
}

GVariant *
oh_ui_phone_get_history (OhUiPhone *self)
{
  return self->history;
}

static void
set_softkeys (OhUiPhone *self, const Softkey *keys)
{
  for (guint i = 0; i < OH_UI_N_SOFTKEYS; i++)
    self->softkeys[i] = keys[i];
}

void
oh_ui_phone_get_softkeys (OhUiPhone *self, const char *labels[OH_UI_N_SOFTKEYS + 1])
{
  static const Softkey none = { "", ACTION_NONE };
  OhDbusCall *call;
  OhDbusManager *manager = oh_ui_client_get_manager (self->client);
  gboolean dnd = manager && oh_dbus_manager_get_do_not_disturb (manager);

  switch (oh_ui_phone_get_screen (self)) {
  case OH_UI_SCREEN_DIALING:
    set_softkeys (self, (Softkey[]) { { "Dial", ACTION_DIAL }, { "Del", ACTION_DELETE }, none,
                                      { "Cancel", ACTION_CANCEL } });
    break;
  case OH_UI_SCREEN_CALLS:
    if (ringing_call (self) && !current_call (self))
      set_softkeys (self, (Softkey[]) { { "Answer", ACTION_ANSWER }, none, none, { "Reject", ACTION_REJECT } });
    else if ((call = find_call (self, (const char *[]) { "active", "held", NULL })))
      set_softkeys (self, (Softkey[]) { { in_state (call, "held") ? "Resume" : "Hold", ACTION_HOLD },
                                        { "Transfer", ACTION_TRANSFER }, { "Conf", ACTION_CONFERENCE },
                                        { "End", ACTION_END } });
    else
      set_softkeys (self, (Softkey[]) { none, none, none, { "End", ACTION_END } });
    break;
  case OH_UI_SCREEN_TRANSFER:
    set_softkeys (self, (Softkey[]) { { "Transfer", ACTION_TRANSFER }, { "Del", ACTION_DELETE }, none,
                                      { "Cancel", ACTION_CANCEL } });
    break;
  case OH_UI_SCREEN_REDIAL:
  case OH_UI_SCREEN_HISTORY:
    set_softkeys (self, (Softkey[]) { none, none, none, { "Back", ACTION_BACK } });
    break;
  case OH_UI_SCREEN_SETTINGS:
    set_softkeys (self, (Softkey[]) { { "Change", ACTION_CHANGE }, none, none, { "Back", ACTION_BACK } });
    break;
  default:
    set_softkeys (self, (Softkey[]) { { "Redial", ACTION_REDIAL },
                                      oh_ui_client_has_history (self->client) ? (Softkey) { "History", ACTION_HISTORY }
                                                                              : none,
                                      { dnd ? "DND on" : "DND", ACTION_DND }, { "Settings", ACTION_SETTINGS } });
  }
  for (guint i = 0; i < OH_UI_N_SOFTKEYS; i++)
    labels[i] = self->softkeys[i].label;
  labels[OH_UI_N_SOFTKEYS] = NULL;
}
