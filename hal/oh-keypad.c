/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The phone's keys (digits, softkeys, line and function keys) from one evdev device.
 *
 * Key codes become #OhPhoneKey through an #OhKeymap.  The kernel's autorepeat
 * reaches the UI only for keys where holding means "more" (volume,
 * navigation, back): a held digit dials one digit, not a row of them.  When
 * the device goes away, every key it held is released, so the UI never waits
 * for a release that cannot come. */
#define G_LOG_DOMAIN "offhook-hal"

#include "oh-keypad.h"

#include "oh-evdev-device.h"
#include "oh-hal-enums.h"

enum {
  PROP_0,
  PROP_CONNECTED,
  N_PROPS
};

enum {
  KEY_PRESSED,
  KEY_RELEASED,
  N_SIGNALS
};

static GParamSpec *props[N_PROPS];
static guint signals[N_SIGNALS];

struct _OhKeypad {
  GObject parent_instance;

  OhKeymap *keymap;
  OhEvdevDevice *device;
  gboolean only_dialpads;      /* no device named: take one with digit keys */
  gboolean held[OH_PHONE_KEY_COUNT];
};

G_DEFINE_TYPE (OhKeypad, oh_keypad, G_TYPE_OBJECT)

static gboolean
repeats (OhPhoneKey key)
{
  switch (key) {
  case OH_PHONE_KEY_VOLUME_UP:
  case OH_PHONE_KEY_VOLUME_DOWN:
  case OH_PHONE_KEY_UP:
  case OH_PHONE_KEY_DOWN:
  case OH_PHONE_KEY_LEFT:
  case OH_PHONE_KEY_RIGHT:
  case OH_PHONE_KEY_BACK:
    return TRUE;
  default:
    return FALSE;
  }
}

static gboolean
match_keypad (struct libevdev *evdev, gpointer user_data)
{
  OhKeypad *self = OH_KEYPAD (user_data);

  for (guint code = 0; code <= KEY_MAX; code++) {
    OhPhoneKey key;

    if (!libevdev_has_event_code (evdev, EV_KEY, code))
      continue;
    key = oh_keymap_lookup (self->keymap, code);
    if (key != OH_PHONE_KEY_NONE && (!self->only_dialpads || oh_phone_key_to_dial_char (key)))
      return TRUE;
  }
  return FALSE;
}

static void
release_held (OhKeypad *self)
{
  for (guint key = 0; key < OH_PHONE_KEY_COUNT; key++) {
    if (self->held[key]) {
      self->held[key] = FALSE;
      g_signal_emit (self, signals[KEY_RELEASED], 0, key);
    }
  }
}

static void
on_event (OhEvdevDevice *device, guint type, guint code, gint value, gpointer user_data)
{
  OhKeypad *self = OH_KEYPAD (user_data);
  OhPhoneKey key;

  if (type != EV_KEY)
    return;
  key = oh_keymap_lookup (self->keymap, code);
  if (key == OH_PHONE_KEY_NONE)
    return;

  if (value == 1 && !self->held[key]) {
    self->held[key] = TRUE;
    g_signal_emit (self, signals[KEY_PRESSED], 0, key, FALSE);
  } else if (value == 2 && self->held[key] && repeats (key)) {
    g_signal_emit (self, signals[KEY_PRESSED], 0, key, TRUE);
  } else if (value == 0 && self->held[key]) {
    self->held[key] = FALSE;
    g_signal_emit (self, signals[KEY_RELEASED], 0, key);
  }
}

static void
on_connected (OhEvdevDevice *device, GParamSpec *pspec, gpointer user_data)
{
  OhKeypad *self = OH_KEYPAD (user_data);

  if (!oh_evdev_device_get_connected (device))
    release_held (self);
  g_object_notify_by_pspec (G_OBJECT (self), props[PROP_CONNECTED]);
}

static void
oh_keypad_get_property (GObject *object, guint prop_id, GValue *value, GParamSpec *pspec)
{
  OhKeypad *self = OH_KEYPAD (object);

  switch (prop_id) {
  case PROP_CONNECTED:
    g_value_set_boolean (value, oh_keypad_get_connected (self));
    break;
  default:
    G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
  }
}

static void
oh_keypad_dispose (GObject *object)
{
  OhKeypad *self = OH_KEYPAD (object);

  if (self->device)
    g_signal_handlers_disconnect_by_data (self->device, self);
  g_clear_object (&self->device);
  g_clear_object (&self->keymap);
  G_OBJECT_CLASS (oh_keypad_parent_class)->dispose (object);
}

static void
oh_keypad_class_init (OhKeypadClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->get_property = oh_keypad_get_property;
  object_class->dispose = oh_keypad_dispose;

  /**
   * OhKeypad:connected:
   *
   * Whether the device is there.  It turns FALSE when the device is
   * unplugged and TRUE again when it is plugged back in.
   */
  props[PROP_CONNECTED] =
    g_param_spec_boolean ("connected", NULL, NULL, FALSE,
                          G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);
  g_object_class_install_properties (object_class, N_PROPS, props);

  /**
   * OhKeypad::key-pressed:
   * @key: the #OhPhoneKey
   * @repeat: TRUE for the autorepeat of a held volume, navigation or back key
   */
  signals[KEY_PRESSED] = g_signal_new ("key-pressed", G_TYPE_FROM_CLASS (klass),
                                       G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                                       G_TYPE_NONE, 2, OH_TYPE_PHONE_KEY, G_TYPE_BOOLEAN);
  /**
   * OhKeypad::key-released:
   * @key: the #OhPhoneKey; also sent for every held key when the device goes away
   */
  signals[KEY_RELEASED] = g_signal_new ("key-released", G_TYPE_FROM_CLASS (klass),
                                        G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                                        G_TYPE_NONE, 1, OH_TYPE_PHONE_KEY);
}

static void
oh_keypad_init (OhKeypad *self)
{
}

/**
 * oh_keypad_new:
 * @device: (nullable): a device path ("/dev/input/by-path/…"), a glob on
 *   the evdev device name ("*Keypad*"), or NULL for the first device with
 *   digit keys
 * @keymap: (nullable): the code → key map; NULL for the built-in default
 *
 * Opens the device if it is there and follows it across unplug and replug.
 */
OhKeypad *
oh_keypad_new (const char *device, OhKeymap *keymap)
{
  OhKeypad *self = g_object_new (OH_TYPE_KEYPAD, NULL);

  self->keymap = keymap ? g_object_ref (keymap) : oh_keymap_new ();
  self->only_dialpads = device == NULL || *device == '\0';
  self->device = oh_evdev_device_new (device, match_keypad, self);
  g_signal_connect (self->device, "event", G_CALLBACK (on_event), self);
  g_signal_connect (self->device, "notify::connected", G_CALLBACK (on_connected), self);
  oh_evdev_device_start (self->device);
  return self;
}

gboolean
oh_keypad_get_connected (OhKeypad *self)
{
  g_return_val_if_fail (OH_IS_KEYPAD (self), FALSE);
  return oh_evdev_device_get_connected (self->device);
}

/* The event node in use, or NULL while the device is away. */
const char *
oh_keypad_get_device_path (OhKeypad *self)
{
  g_return_val_if_fail (OH_IS_KEYPAD (self), NULL);
  return oh_evdev_device_get_path (self->device);
}

OhKeymap *
oh_keypad_get_keymap (OhKeypad *self)
{
  g_return_val_if_fail (OH_IS_KEYPAD (self), NULL);
  return self->keymap;
}
