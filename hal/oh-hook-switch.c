/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The handset's hook switch: an evdev switch or key, debounced.
 *
 * A mechanical cradle switch bounces: contacts open and close a few times
 * within milliseconds when the handset is lifted or put down.  A change is
 * reported only once the switch has kept its new position for the debounce
 * time; a bounce shorter than that is never seen by the UI. */
#define G_LOG_DOMAIN "offhook-hal"

#include "oh-hook-switch.h"

#include "oh-evdev-device.h"
#include "oh-hal-error.h"

enum {
  PROP_0,
  PROP_OFF_HOOK,
  PROP_CONNECTED,
  N_PROPS
};

enum {
  HOOK_CHANGED,
  N_SIGNALS
};

static GParamSpec *props[N_PROPS];
static guint signals[N_SIGNALS];

struct _OhHookSwitch {
  GObject parent_instance;

  OhEvdevDevice *device;
  guint type;              /* EV_SW or EV_KEY */
  guint code;
  guint debounce_ms;
  gboolean inverted;

  gboolean active;         /* the switch as last read, undebounced */
  gboolean off_hook;       /* what was reported */
  guint settle;            /* debounce timer */
};

G_DEFINE_TYPE (OhHookSwitch, oh_hook_switch, G_TYPE_OBJECT)

static gboolean
match_hook (struct libevdev *evdev, gpointer user_data)
{
  OhHookSwitch *self = OH_HOOK_SWITCH (user_data);

  return libevdev_has_event_code (evdev, self->type, self->code);
}

static void
report (OhHookSwitch *self)
{
  gboolean off_hook = self->active != self->inverted;

  if (off_hook == self->off_hook)
    return;
  self->off_hook = off_hook;
  g_info ("hook switch: %s", off_hook ? "off hook" : "on hook");
  g_object_notify_by_pspec (G_OBJECT (self), props[PROP_OFF_HOOK]);
  g_signal_emit (self, signals[HOOK_CHANGED], 0, off_hook);
}

static gboolean
on_settled (gpointer user_data)
{
  OhHookSwitch *self = OH_HOOK_SWITCH (user_data);

  self->settle = 0;
  report (self);
  return G_SOURCE_REMOVE;
}

static void
on_event (OhEvdevDevice *device, guint type, guint code, gint value, gpointer user_data)
{
  OhHookSwitch *self = OH_HOOK_SWITCH (user_data);

  if (type != self->type || code != self->code || value == 2)
    return;
  self->active = value != 0;
  g_clear_handle_id (&self->settle, g_source_remove);
  if (self->debounce_ms == 0)
    report (self);
  else if ((self->active != self->inverted) != self->off_hook)
    self->settle = g_timeout_add (self->debounce_ms, on_settled, self);
}

static void
on_connected (OhEvdevDevice *device, GParamSpec *pspec, gpointer user_data)
{
  OhHookSwitch *self = OH_HOOK_SWITCH (user_data);
  struct libevdev *evdev = oh_evdev_device_get_evdev (device);

  g_clear_handle_id (&self->settle, g_source_remove);
  g_object_notify_by_pspec (G_OBJECT (self), props[PROP_CONNECTED]);
  /* The position when the device (re)appears has long settled. */
  if (evdev) {
    self->active = libevdev_get_event_value (evdev, self->type, self->code) != 0;
    report (self);
  }
}

static void
oh_hook_switch_get_property (GObject *object, guint prop_id, GValue *value, GParamSpec *pspec)
{
  OhHookSwitch *self = OH_HOOK_SWITCH (object);

  switch (prop_id) {
  case PROP_OFF_HOOK:
    g_value_set_boolean (value, self->off_hook);
    break;
  case PROP_CONNECTED:
    g_value_set_boolean (value, oh_hook_switch_get_connected (self));
    break;
  default:
    G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
  }
}

static void
oh_hook_switch_dispose (GObject *object)
{
  OhHookSwitch *self = OH_HOOK_SWITCH (object);

  g_clear_handle_id (&self->settle, g_source_remove);
  if (self->device)
    g_signal_handlers_disconnect_by_data (self->device, self);
  g_clear_object (&self->device);
  G_OBJECT_CLASS (oh_hook_switch_parent_class)->dispose (object);
}

static void
oh_hook_switch_class_init (OhHookSwitchClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->get_property = oh_hook_switch_get_property;
  object_class->dispose = oh_hook_switch_dispose;

  /**
   * OhHookSwitch:off-hook:
   *
   * Whether the handset is lifted, debounced.  It keeps its value while the
   * device is away and takes the device's position when it comes back.
   */
  props[PROP_OFF_HOOK] =
    g_param_spec_boolean ("off-hook", NULL, NULL, FALSE,
                          G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);
  /**
   * OhHookSwitch:connected:
   *
   * Whether the device with the switch is there (a USB handset can be
   * unplugged and plugged back).
   */
  props[PROP_CONNECTED] =
    g_param_spec_boolean ("connected", NULL, NULL, FALSE,
                          G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);
  g_object_class_install_properties (object_class, N_PROPS, props);

  /**
   * OhHookSwitch::hook-changed:
   * @off_hook: TRUE when the handset was lifted, FALSE when it was put down
   */
  signals[HOOK_CHANGED] = g_signal_new ("hook-changed", G_TYPE_FROM_CLASS (klass),
                                        G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                                        G_TYPE_NONE, 1, G_TYPE_BOOLEAN);
}

static void
oh_hook_switch_init (OhHookSwitch *self)
{
}

static gboolean
parse_code (const char *name, guint *type, guint *code)
{
  static const guint types[] = { EV_SW, EV_KEY };

  for (gsize i = 0; i < G_N_ELEMENTS (types); i++) {
    int found = libevdev_event_code_from_name (types[i], name);

    if (found >= 0) {
      *type = types[i];
      *code = (guint) found;
      return TRUE;
    }
  }
  return FALSE;
}

/**
 * oh_hook_switch_new:
 * @device: (nullable): a device path, a glob on the evdev device name, or
 *   NULL for the first device that has @code
 * @code: the switch or key: "SW_LID", "SW_HEADPHONE_INSERT", "KEY_PHONE", …
 * @inverted: FALSE when the switch is active (1) off hook, TRUE when it is
 *   active while the handset rests on it
 * @debounce_ms: how long a new position must hold before it counts; 0 for none
 * @error: set when @code is not an evdev switch or key name
 *
 * Opens the device if it is there and follows it across unplug and replug.
 */
OhHookSwitch *
oh_hook_switch_new (const char *device, const char *code, gboolean inverted, guint debounce_ms,
                    GError **error)
{
  g_autoptr(OhHookSwitch) self = g_object_new (OH_TYPE_HOOK_SWITCH, NULL);

  g_return_val_if_fail (code != NULL, NULL);

  if (!parse_code (code, &self->type, &self->code)) {
    g_set_error (error, OH_HAL_ERROR, OH_HAL_ERROR_INVALID,
                 "hook switch code \"%s\" is not an evdev switch (SW_*) or key (KEY_*, BTN_*)",
                 code);
    return NULL;
  }
  self->inverted = !!inverted;
  self->debounce_ms = debounce_ms;
  self->device = oh_evdev_device_new (device, match_hook, self);
  g_signal_connect (self->device, "event", G_CALLBACK (on_event), self);
  g_signal_connect (self->device, "notify::connected", G_CALLBACK (on_connected), self);
  oh_evdev_device_start (self->device);
  return g_steal_pointer (&self);
}

gboolean
oh_hook_switch_get_off_hook (OhHookSwitch *self)
{
  g_return_val_if_fail (OH_IS_HOOK_SWITCH (self), FALSE);
  return self->off_hook;
}

gboolean
oh_hook_switch_get_connected (OhHookSwitch *self)
{
  g_return_val_if_fail (OH_IS_HOOK_SWITCH (self), FALSE);
  return oh_evdev_device_get_connected (self->device);
}
