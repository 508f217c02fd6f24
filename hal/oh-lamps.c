/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The phone's lamps by role: message waiting, speaker, mute, headset, line keys.
 *
 * Roles are words: `message-waiting`, `speaker`, `mute`, `headset`,
 * `line-1`, `line-2`, …  An LED named after the kernel's convention
 * DEVICE:COLOUR:FUNCTION takes the role of its function (`mail` is
 * message-waiting, `micmute` is mute); oh_lamps_assign() names any other. */
#define G_LOG_DOMAIN "offhook-hal"

#include "oh-lamps.h"

#include "oh-hal-error.h"

struct _OhLamps {
  GObject parent_instance;

  GHashTable *lamps;   /* role → OhLamp */
};

G_DEFINE_TYPE (OhLamps, oh_lamps, G_TYPE_OBJECT)

static const struct {
  const char *function;
  const char *role;
} aliases[] = {
  { "mail", "message-waiting" },
  { "micmute", "mute" },
};

static gboolean
is_role (const char *role)
{
  guint64 line;

  if (g_str_has_prefix (role, "line-"))
    return g_ascii_string_to_unsigned (role + strlen ("line-"), 10, 1, 99, &line, NULL);
  return g_str_equal (role, "message-waiting") || g_str_equal (role, "speaker")
         || g_str_equal (role, "mute") || g_str_equal (role, "headset");
}

static const char *
role_of_led (const char *name)
{
  const char *function = strrchr (name, ':');

  function = function ? function + 1 : name;
  for (gsize i = 0; i < G_N_ELEMENTS (aliases); i++)
    if (g_str_equal (function, aliases[i].function))
      return aliases[i].role;
  return is_role (function) ? function : NULL;
}

static void
oh_lamps_finalize (GObject *object)
{
  OhLamps *self = OH_LAMPS (object);

  g_hash_table_unref (self->lamps);
  G_OBJECT_CLASS (oh_lamps_parent_class)->finalize (object);
}

static void
oh_lamps_class_init (OhLampsClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = oh_lamps_finalize;
}

static void
oh_lamps_init (OhLamps *self)
{
  self->lamps = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_object_unref);
}

/* The LEDs of /sys/class/leds whose function names a role (see above). */
OhLamps *
oh_lamps_new (void)
{
  OhLamps *self = g_object_new (OH_TYPE_LAMPS, NULL);
  const char *sysfs = g_getenv ("SYSFS_PATH");
  g_autofree char *path = g_build_filename (sysfs && *sysfs ? sysfs : "/sys", "class", "leds", NULL);
  g_autoptr(GDir) dir = g_dir_open (path, 0, NULL);
  const char *name;

  while (dir && (name = g_dir_read_name (dir))) {
    const char *role = role_of_led (name);

    if (role && !g_hash_table_contains (self->lamps, role)) {
      g_autoptr(GError) error = NULL;
      OhLamp *lamp = oh_lamp_new (name, &error);

      if (lamp)
        g_hash_table_insert (self->lamps, g_strdup (role), lamp);
      else
        g_warning ("%s", error->message);
    }
  }
  return self;
}

/* Gives @role to the LED @led_name, whatever its name says. */
gboolean
oh_lamps_assign (OhLamps *self, const char *role, const char *led_name, GError **error)
{
  OhLamp *lamp;

  g_return_val_if_fail (OH_IS_LAMPS (self), FALSE);

  if (!is_role (role)) {
    g_set_error (error, OH_HAL_ERROR, OH_HAL_ERROR_INVALID,
                 "\"%s\" is not a lamp role (message-waiting, speaker, mute, headset, line-N)",
                 role);
    return FALSE;
  }
  lamp = oh_lamp_new (led_name, error);
  if (!lamp)
    return FALSE;
  g_hash_table_replace (self->lamps, g_strdup (role), lamp);
  return TRUE;
}

/* The lamp with @role, or NULL when the phone has none. */
OhLamp *
oh_lamps_get (OhLamps *self, const char *role)
{
  g_return_val_if_fail (OH_IS_LAMPS (self), NULL);
  return g_hash_table_lookup (self->lamps, role);
}

/* Sets the lamp with @role; a phone without that lamp is not an error. */
gboolean
oh_lamps_set (OhLamps *self, const char *role, OhLampState state, GError **error)
{
  OhLamp *lamp = oh_lamps_get (self, role);

  return lamp ? oh_lamp_set_state (lamp, state, error) : TRUE;
}
