/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* One lamp of the phone: a sysfs LED, off, on or blinking.
 *
 * The LED is /sys/class/leds/NAME ($SYSFS_PATH replaces /sys, as for
 * libudev).  Blinking is the kernel's `timer` trigger when the LED offers it:
 * it keeps blinking while the UI is busy or restarting.  An LED without it
 * blinks from a GLib timer instead. */
#define G_LOG_DOMAIN "offhook-hal"

#include "oh-lamp.h"

#include <fcntl.h>
#include <unistd.h>

#include "oh-hal-enums.h"
#include "oh-hal-error.h"
#include "oh-hal-error-private.h"

#define FAST_MS 250
#define SLOW_MS 1000

enum {
  PROP_0,
  PROP_STATE,
  PROP_LIT,
  N_PROPS
};

static GParamSpec *props[N_PROPS];

struct _OhLamp {
  GObject parent_instance;

  char *name;
  char *dir;
  guint max_brightness;
  gboolean has_timer_trigger;
  gboolean triggered;        /* the timer trigger is set */
  OhLampState state;
  gboolean lit;              /* lit now (follows the GLib timer's blinking) */
  guint blink;               /* the GLib timer, for an LED without "timer" */
};

G_DEFINE_TYPE (OhLamp, oh_lamp, G_TYPE_OBJECT)

/* sysfs attributes are written whole, never created */
static gboolean
write_attribute (OhLamp *self, const char *attribute, const char *value, GError **error)
{
  g_autofree char *path = g_build_filename (self->dir, attribute, NULL);
  int fd = open (path, O_WRONLY | O_TRUNC | O_CLOEXEC);
  gssize len = (gssize) strlen (value);
  gboolean ok;

  if (fd < 0)
    return oh_hal_fail_errno (error, "cannot open %s", path);
  ok = write (fd, value, (size_t) len) == len;
  if (!ok)
    oh_hal_fail_errno (error, "cannot write \"%s\" to %s", value, path);
  close (fd);
  return ok;
}

static char *
read_attribute (const char *dir, const char *attribute, GError **error)
{
  g_autofree char *path = g_build_filename (dir, attribute, NULL);
  char *contents = NULL;

  if (!g_file_get_contents (path, &contents, NULL, error))
    return NULL;
  return g_strstrip (contents);
}

static void
set_lit (OhLamp *self, gboolean lit)
{
  if (self->lit == lit)
    return;
  self->lit = lit;
  g_object_notify_by_pspec (G_OBJECT (self), props[PROP_LIT]);
}

static gboolean
write_brightness (OhLamp *self, gboolean lit, GError **error)
{
  char value[16];

  g_snprintf (value, sizeof value, "%u", lit ? self->max_brightness : 0);
  if (!write_attribute (self, "brightness", value, error))
    return FALSE;
  set_lit (self, lit);
  return TRUE;
}

static gboolean
on_blink (gpointer user_data)
{
  OhLamp *self = OH_LAMP (user_data);
  g_autoptr(GError) error = NULL;

  if (!write_brightness (self, !self->lit, &error))
    g_warning ("lamp %s: %s", self->name, error->message);
  return G_SOURCE_CONTINUE;
}

static gboolean
start_timer_trigger (OhLamp *self, guint ms)
{
  g_autofree char *delay = g_strdup_printf ("%u", ms);
  g_autoptr(GError) error = NULL;

  self->triggered = TRUE;
  if (write_attribute (self, "trigger", "timer", &error)
      && write_attribute (self, "delay_on", delay, &error)
      && write_attribute (self, "delay_off", delay, &error))
    return TRUE;
  g_info ("lamp %s blinks from a timer: %s", self->name, error->message);
  return FALSE;
}

static void
oh_lamp_get_property (GObject *object, guint prop_id, GValue *value, GParamSpec *pspec)
{
  OhLamp *self = OH_LAMP (object);

  switch (prop_id) {
  case PROP_STATE:
    g_value_set_enum (value, self->state);
    break;
  case PROP_LIT:
    g_value_set_boolean (value, self->lit);
    break;
  default:
    G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
  }
}

static void
oh_lamp_dispose (GObject *object)
{
  OhLamp *self = OH_LAMP (object);

  g_clear_handle_id (&self->blink, g_source_remove);
  G_OBJECT_CLASS (oh_lamp_parent_class)->dispose (object);
}

static void
oh_lamp_finalize (GObject *object)
{
  OhLamp *self = OH_LAMP (object);

  g_free (self->name);
  g_free (self->dir);
  G_OBJECT_CLASS (oh_lamp_parent_class)->finalize (object);
}

static void
oh_lamp_class_init (OhLampClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->get_property = oh_lamp_get_property;
  object_class->dispose = oh_lamp_dispose;
  object_class->finalize = oh_lamp_finalize;

  props[PROP_STATE] =
    g_param_spec_enum ("state", NULL, NULL, OH_TYPE_LAMP_STATE, OH_LAMP_STATE_OFF,
                       G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);
  /**
   * OhLamp:lit:
   *
   * Whether the LED is lit now.  It follows each blink done by a GLib
   * timer; under the kernel's timer trigger it is TRUE while blinking.  A
   * development UI can mirror the lamps on its display with it.
   */
  props[PROP_LIT] =
    g_param_spec_boolean ("lit", NULL, NULL, FALSE,
                          G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);
  g_object_class_install_properties (object_class, N_PROPS, props);
}

static void
oh_lamp_init (OhLamp *self)
{
}

/**
 * oh_lamp_new:
 * @name: the LED's name under /sys/class/leds ("phone:green:mail")
 * @error: set when there is no such LED
 *
 * The lamp is left as it is until oh_lamp_set_state().
 */
OhLamp *
oh_lamp_new (const char *name, GError **error)
{
  g_autoptr(OhLamp) self = g_object_new (OH_TYPE_LAMP, NULL);
  const char *sysfs = g_getenv ("SYSFS_PATH");
  g_autofree char *max = NULL;
  g_autofree char *triggers = NULL;
  g_autofree char *brightness = NULL;
  g_autoptr(GError) local_error = NULL;
  guint64 value = 1;

  g_return_val_if_fail (name != NULL, NULL);

  if (!*name || strchr (name, '/') || g_str_equal (name, "..") || g_str_equal (name, ".")) {
    g_set_error (error, OH_HAL_ERROR, OH_HAL_ERROR_INVALID, "\"%s\" is not an LED name", name);
    return NULL;
  }
  self->name = g_strdup (name);
  self->dir = g_build_filename (sysfs && *sysfs ? sysfs : "/sys", "class", "leds", name, NULL);
  brightness = read_attribute (self->dir, "brightness", &local_error);
  if (!brightness) {
    g_set_error (error, OH_HAL_ERROR, OH_HAL_ERROR_FAILED, "no LED \"%s\": %s", name,
                 local_error->message);
    return NULL;
  }
  max = read_attribute (self->dir, "max_brightness", NULL);
  if (max)
    g_ascii_string_to_unsigned (max, 10, 1, G_MAXUINT, &value, NULL);
  self->max_brightness = (guint) value;
  self->lit = g_strcmp0 (brightness, "0") != 0;

  /* "[none] timer heartbeat …": the triggers this LED offers, the one in
   * brackets active (still blinking from before a restart of the UI) */
  triggers = read_attribute (self->dir, "trigger", NULL);
  if (triggers) {
    g_auto(GStrv) words = g_strsplit (triggers, " ", -1);

    for (guint i = 0; words[i]; i++) {
      if (g_str_equal (words[i], "[timer]"))
        self->triggered = TRUE;
      if (self->triggered || g_str_equal (words[i], "timer"))
        self->has_timer_trigger = TRUE;
    }
  }
  return g_steal_pointer (&self);
}

const char *
oh_lamp_get_name (OhLamp *self)
{
  g_return_val_if_fail (OH_IS_LAMP (self), NULL);
  return self->name;
}

OhLampState
oh_lamp_get_state (OhLamp *self)
{
  g_return_val_if_fail (OH_IS_LAMP (self), OH_LAMP_STATE_OFF);
  return self->state;
}

gboolean
oh_lamp_get_lit (OhLamp *self)
{
  g_return_val_if_fail (OH_IS_LAMP (self), FALSE);
  return self->lit;
}

/* Lights, darkens or blinks the lamp; fails when sysfs refuses the write. */
gboolean
oh_lamp_set_state (OhLamp *self, OhLampState state, GError **error)
{
  guint ms = state == OH_LAMP_STATE_BLINK_FAST ? FAST_MS : SLOW_MS;
  gboolean blinking = state == OH_LAMP_STATE_BLINK_FAST || state == OH_LAMP_STATE_BLINK_SLOW;

  g_return_val_if_fail (OH_IS_LAMP (self), FALSE);

  g_clear_handle_id (&self->blink, g_source_remove);
  if (self->triggered) {
    self->triggered = FALSE;
    if (!write_attribute (self, "trigger", "none", error))
      return FALSE;
  }
  if (blinking && self->has_timer_trigger && start_timer_trigger (self, ms)) {
    set_lit (self, TRUE);
  } else {
    if (self->triggered) {
      self->triggered = FALSE;
      if (!write_attribute (self, "trigger", "none", error))
        return FALSE;
    }
    if (!write_brightness (self, state != OH_LAMP_STATE_OFF, error))
      return FALSE;
    if (blinking)
      self->blink = g_timeout_add (ms, on_blink, self);
  }
  if (self->state != state) {
    self->state = state;
    g_object_notify_by_pspec (G_OBJECT (self), props[PROP_STATE]);
  }
  return TRUE;
}
