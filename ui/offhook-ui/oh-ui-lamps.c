/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The phone's lamps following its state: line, message waiting, mute, speaker, headset.
 *
 * line-1 blinks fast while a call rings, slowly while one is held, and is
 * lit during any other call; message-waiting shows voicemail on any
 * account; mute, speaker and headset show those being on.  A phone without
 * some lamp simply does not show it. */
#define G_LOG_DOMAIN "offhook-ui"

#include "oh-ui-lamps.h"

struct _OhUiLamps {
  GObject parent_instance;

  OhUiPhone *phone;
  OhLamps *lamps;
};

G_DEFINE_TYPE (OhUiLamps, oh_ui_lamps, G_TYPE_OBJECT)

static void
set (OhUiLamps *self, const char *role, OhLampState state)
{
  g_autoptr(GError) error = NULL;
  OhLamp *lamp = oh_lamps_get (self->lamps, role);

  if (lamp && oh_lamp_get_state (lamp) != state && !oh_lamp_set_state (lamp, state, &error))
    g_warning ("lamp %s: %s", role, error->message);
}

static OhLampState
line_state (OhUiPhone *self)
{
  g_autoptr(GList) calls = oh_ui_client_get_calls (oh_ui_phone_get_client (self));
  OhLampState state = OH_LAMP_STATE_OFF;

  for (GList *l = calls; l; l = l->next) {
    const char *s = oh_dbus_call_get_state (l->data);
    if (g_str_equal (s, "incoming") || g_str_equal (s, "waiting"))
      return OH_LAMP_STATE_BLINK_FAST;
    if (g_str_equal (s, "held") && state == OH_LAMP_STATE_OFF)
      state = OH_LAMP_STATE_BLINK_SLOW;
    else if (!g_str_equal (s, "disconnected") && !g_str_equal (s, "held"))
      state = OH_LAMP_STATE_ON;
  }
  return state;
}

static void
on_changed (OhUiPhone *phone, OhUiLamps *self)
{
  OhUiClient *client = oh_ui_phone_get_client (phone);
  OhDbusManager *manager = oh_ui_client_get_manager (client);
  guint voicemail;

  set (self, "line-1", line_state (phone));
  set (self, "message-waiting", oh_ui_client_get_voicemail (client, &voicemail) ? OH_LAMP_STATE_ON
                                                                               : OH_LAMP_STATE_OFF);
  set (self, "mute", manager && oh_dbus_manager_get_microphone_muted (manager) ? OH_LAMP_STATE_ON
                                                                              : OH_LAMP_STATE_OFF);
  set (self, "speaker", oh_ui_phone_get_speaker (phone) ? OH_LAMP_STATE_ON : OH_LAMP_STATE_OFF);
  set (self, "headset", oh_ui_phone_get_headset (phone) ? OH_LAMP_STATE_ON : OH_LAMP_STATE_OFF);
}

static void
oh_ui_lamps_dispose (GObject *object)
{
  OhUiLamps *self = OH_UI_LAMPS (object);

  if (self->phone)
    g_signal_handlers_disconnect_by_data (self->phone, self);
  g_clear_object (&self->phone);
  g_clear_object (&self->lamps);
  G_OBJECT_CLASS (oh_ui_lamps_parent_class)->dispose (object);
}

static void
oh_ui_lamps_class_init (OhUiLampsClass *klass)
{
  G_OBJECT_CLASS (klass)->dispose = oh_ui_lamps_dispose;
}

static void
oh_ui_lamps_init (OhUiLamps *self)
{
}

OhUiLamps *
oh_ui_lamps_new (OhUiPhone *phone, OhLamps *lamps)
{
  OhUiLamps *self = g_object_new (OH_UI_TYPE_LAMPS, NULL);

  self->phone = g_object_ref (phone);
  self->lamps = g_object_ref (lamps);
  g_signal_connect (phone, "changed", G_CALLBACK (on_changed), self);
  on_changed (phone, self);
  return self;
}
