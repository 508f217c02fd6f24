/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The keys of a desk phone, whatever input device they come from. */
#include "oh-phone-key.h"

#include "oh-hal-enums.h"

/* The nick of @key ("5", "star", "volume-up"), or NULL for a value that is
 * not a key. */
const char *
oh_phone_key_to_string (OhPhoneKey key)
{
  g_autoptr(GEnumClass) klass = g_type_class_ref (OH_TYPE_PHONE_KEY);
  GEnumValue *value = g_enum_get_value (klass, (gint) key);

  return value ? value->value_nick : NULL;
}

/* "none" is a valid nick: a keymap line that unmaps a code. */
gboolean
oh_phone_key_from_string (const char *nick, OhPhoneKey *key)
{
  g_autoptr(GEnumClass) klass = g_type_class_ref (OH_TYPE_PHONE_KEY);
  GEnumValue *value = g_enum_get_value_by_nick (klass, nick);

  if (!value)
    return FALSE;
  *key = (OhPhoneKey) value->value;
  return TRUE;
}

/* The character a dialled digit key stands for ('0'…'9', '*', '#'), or 0
 * for any other key. */
gchar
oh_phone_key_to_dial_char (OhPhoneKey key)
{
  if (key >= OH_PHONE_KEY_0 && key <= OH_PHONE_KEY_9)
    return (gchar) ('0' + (key - OH_PHONE_KEY_0));
  if (key == OH_PHONE_KEY_STAR)
    return '*';
  if (key == OH_PHONE_KEY_POUND)
    return '#';
  return 0;
}
