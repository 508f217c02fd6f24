/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Which evdev key code is which phone key: a built-in default plus a file.
 *
 * A keymap file changes the default, one code per line:
 *
 *     # Yealink-style keypad
 *     [keys]
 *     KEY_F1 = softkey-1
 *     KEY_PROG1 = messages
 *     KEY_F10 = none
 *
 * The left side is an EV_KEY code name as in linux/input-event-codes.h
 * (KEY_*, BTN_*) or its number; the right side is an #OhPhoneKey nick, or
 * `none` to drop a default mapping.  Lines starting with `#` or `;` are
 * comments.  A line that cannot be understood is reported as a warning that
 * names the file and line, and the rest of the file still applies: a phone
 * with one typo in its keymap must still dial. */
#define G_LOG_DOMAIN "offhook-hal"

#include "oh-keymap.h"

#include <libevdev/libevdev.h>


struct _OhKeymap {
  GObject parent_instance;

  GHashTable *keys;   /* code → OhPhoneKey */
};

G_DEFINE_TYPE (OhKeymap, oh_keymap, G_TYPE_OBJECT)

static const struct {
  guint code;
  OhPhoneKey key;
} default_map[] = {
  { KEY_0, OH_PHONE_KEY_0 }, { KEY_1, OH_PHONE_KEY_1 }, { KEY_2, OH_PHONE_KEY_2 },
  { KEY_3, OH_PHONE_KEY_3 }, { KEY_4, OH_PHONE_KEY_4 }, { KEY_5, OH_PHONE_KEY_5 },
  { KEY_6, OH_PHONE_KEY_6 }, { KEY_7, OH_PHONE_KEY_7 }, { KEY_8, OH_PHONE_KEY_8 },
  { KEY_9, OH_PHONE_KEY_9 },
  { KEY_NUMERIC_0, OH_PHONE_KEY_0 }, { KEY_NUMERIC_1, OH_PHONE_KEY_1 },
  { KEY_NUMERIC_2, OH_PHONE_KEY_2 }, { KEY_NUMERIC_3, OH_PHONE_KEY_3 },
  { KEY_NUMERIC_4, OH_PHONE_KEY_4 }, { KEY_NUMERIC_5, OH_PHONE_KEY_5 },
  { KEY_NUMERIC_6, OH_PHONE_KEY_6 }, { KEY_NUMERIC_7, OH_PHONE_KEY_7 },
  { KEY_NUMERIC_8, OH_PHONE_KEY_8 }, { KEY_NUMERIC_9, OH_PHONE_KEY_9 },
  { KEY_NUMERIC_STAR, OH_PHONE_KEY_STAR }, { KEY_NUMERIC_POUND, OH_PHONE_KEY_POUND },
  { KEY_KP0, OH_PHONE_KEY_0 }, { KEY_KP1, OH_PHONE_KEY_1 }, { KEY_KP2, OH_PHONE_KEY_2 },
  { KEY_KP3, OH_PHONE_KEY_3 }, { KEY_KP4, OH_PHONE_KEY_4 }, { KEY_KP5, OH_PHONE_KEY_5 },
  { KEY_KP6, OH_PHONE_KEY_6 }, { KEY_KP7, OH_PHONE_KEY_7 }, { KEY_KP8, OH_PHONE_KEY_8 },
  { KEY_KP9, OH_PHONE_KEY_9 },
  { KEY_KPASTERISK, OH_PHONE_KEY_STAR },
  /* A PC keypad has no '#': its '/' sits where a phone's '#' would be
   * reached by the same hand. */
  { KEY_KPSLASH, OH_PHONE_KEY_POUND },
  { KEY_KPPLUS, OH_PHONE_KEY_VOLUME_UP }, { KEY_KPMINUS, OH_PHONE_KEY_VOLUME_DOWN },
  { KEY_KPENTER, OH_PHONE_KEY_PICKUP }, { KEY_KPDOT, OH_PHONE_KEY_BACK },
  /* A USB headset's call button: the UI answers, routes or ends with it. */
  { KEY_PHONE, OH_PHONE_KEY_HEADSET },
  { KEY_PICKUP_PHONE, OH_PHONE_KEY_PICKUP }, { KEY_HANGUP_PHONE, OH_PHONE_KEY_HANGUP },
  { KEY_MUTE, OH_PHONE_KEY_MUTE }, { KEY_MICMUTE, OH_PHONE_KEY_MUTE },
  { KEY_VOLUMEUP, OH_PHONE_KEY_VOLUME_UP }, { KEY_VOLUMEDOWN, OH_PHONE_KEY_VOLUME_DOWN },
  { KEY_UP, OH_PHONE_KEY_UP }, { KEY_DOWN, OH_PHONE_KEY_DOWN },
  { KEY_LEFT, OH_PHONE_KEY_LEFT }, { KEY_RIGHT, OH_PHONE_KEY_RIGHT },
  { KEY_OK, OH_PHONE_KEY_OK }, { KEY_SELECT, OH_PHONE_KEY_OK }, { KEY_ENTER, OH_PHONE_KEY_OK },
  { KEY_BACK, OH_PHONE_KEY_BACK }, { KEY_BACKSPACE, OH_PHONE_KEY_BACK },
  { KEY_ESC, OH_PHONE_KEY_BACK },
  /* Softkeys and line keys on F-keys: a PC keyboard is a development phone. */
  { KEY_F1, OH_PHONE_KEY_SOFTKEY_1 }, { KEY_F2, OH_PHONE_KEY_SOFTKEY_2 },
  { KEY_F3, OH_PHONE_KEY_SOFTKEY_3 }, { KEY_F4, OH_PHONE_KEY_SOFTKEY_4 },
  { KEY_F5, OH_PHONE_KEY_LINE_1 }, { KEY_F6, OH_PHONE_KEY_LINE_2 },
  { KEY_F7, OH_PHONE_KEY_LINE_3 }, { KEY_F8, OH_PHONE_KEY_LINE_4 },
  { KEY_F9, OH_PHONE_KEY_LINE_5 }, { KEY_F10, OH_PHONE_KEY_LINE_6 },
  { KEY_MAIL, OH_PHONE_KEY_MESSAGES }, { KEY_AGAIN, OH_PHONE_KEY_REDIAL },
  { KEY_PAUSE, OH_PHONE_KEY_HOLD },
};

static void
oh_keymap_finalize (GObject *object)
{
  OhKeymap *self = OH_KEYMAP (object);

  g_hash_table_unref (self->keys);
  G_OBJECT_CLASS (oh_keymap_parent_class)->finalize (object);
}

static void
oh_keymap_class_init (OhKeymapClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = oh_keymap_finalize;
}

static void
oh_keymap_init (OhKeymap *self)
{
  self->keys = g_hash_table_new (NULL, NULL);
  for (gsize i = 0; i < G_N_ELEMENTS (default_map); i++)
    oh_keymap_set (self, default_map[i].code, default_map[i].key);
}

/* The default map; oh_keymap_load_file() changes it. */
OhKeymap *
oh_keymap_new (void)
{
  return g_object_new (OH_TYPE_KEYMAP, NULL);
}

static gboolean
parse_code (const char *text, guint *code)
{
  guint64 number;
  int named = libevdev_event_code_from_name (EV_KEY, text);

  if (named >= 0) {
    *code = (guint) named;
    return TRUE;
  }
  if (g_ascii_string_to_unsigned (text, 10, 0, KEY_MAX, &number, NULL)) {
    *code = (guint) number;
    return TRUE;
  }
  return FALSE;
}

/* Applies one line; FALSE with @why set when it cannot be understood. */
static gboolean
apply_line (OhKeymap *self, const char *line, gboolean *in_keys, const char **why)
{
  g_auto(GStrv) parts = NULL;
  guint code;
  OhPhoneKey key;

  if (*line == '\0' || *line == '#' || *line == ';')
    return TRUE;
  if (*line == '[') {
    *in_keys = g_str_equal (line, "[keys]");
    if (!*in_keys)
      *why = "unknown group (only [keys] is read)";
    return *in_keys;
  }
  if (!*in_keys)
    return TRUE;   /* the body of an unknown group, already reported */

  parts = g_strsplit (line, "=", 2);
  if (!parts[1]) {
    *why = "expected CODE = KEY";
    return FALSE;
  }
  g_strstrip (parts[0]);
  g_strstrip (parts[1]);
  if (!parse_code (parts[0], &code)) {
    *why = "not an evdev key code";
    return FALSE;
  }
  if (!oh_phone_key_from_string (parts[1], &key)) {
    *why = "not a phone key";
    return FALSE;
  }
  oh_keymap_set (self, code, key);
  return TRUE;
}

/* Applies the file at @path over the current map.  Fails only when the file
 * cannot be read; bad lines are warnings (see the top of this file). */
gboolean
oh_keymap_load_file (OhKeymap *self, const char *path, GError **error)
{
  g_autofree char *contents = NULL;
  g_auto(GStrv) lines = NULL;
  gboolean in_keys = TRUE;

  g_return_val_if_fail (OH_IS_KEYMAP (self), FALSE);

  if (!g_file_get_contents (path, &contents, NULL, error))
    return FALSE;
  lines = g_strsplit (contents, "\n", -1);
  for (guint i = 0; lines[i]; i++) {
    const char *why = NULL;

    g_strstrip (lines[i]);
    if (!apply_line (self, lines[i], &in_keys, &why))
      g_warning ("%s:%u: %s: %s", path, i + 1, why, lines[i]);
  }
  return TRUE;
}

/* Maps @code to @key; OH_PHONE_KEY_NONE removes the mapping. */
void
oh_keymap_set (OhKeymap *self, guint code, OhPhoneKey key)
{
  g_return_if_fail (OH_IS_KEYMAP (self));

  if (key == OH_PHONE_KEY_NONE)
    g_hash_table_remove (self->keys, GUINT_TO_POINTER (code));
  else
    g_hash_table_insert (self->keys, GUINT_TO_POINTER (code), GINT_TO_POINTER (key));
}

/* The phone key of EV_KEY @code, or OH_PHONE_KEY_NONE. */
OhPhoneKey
oh_keymap_lookup (OhKeymap *self, guint code)
{
  g_return_val_if_fail (OH_IS_KEYMAP (self), OH_PHONE_KEY_NONE);

  return (OhPhoneKey) GPOINTER_TO_INT (g_hash_table_lookup (self->keys, GUINT_TO_POINTER (code)));
}
