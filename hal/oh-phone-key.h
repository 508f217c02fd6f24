/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The keys of a desk phone, whatever input device they come from. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/**
 * OhPhoneKey:
 *
 * A key as the phone UI sees it.  The nick of each value (`0`…`9`, `star`,
 * `pound`, `softkey-1`, `line-1`, `volume-up`, …) is what a keymap file names.
 * @OH_PHONE_KEY_PICKUP is "send/answer" (a green key, KEY_PICKUP_PHONE),
 * @OH_PHONE_KEY_HANGUP "end" (a red key, KEY_HANGUP_PHONE);
 * @OH_PHONE_KEY_OK and @OH_PHONE_KEY_BACK select and go back in menus
 * (back also deletes the last digit while dialling).
 */
typedef enum {
  OH_PHONE_KEY_NONE,
  OH_PHONE_KEY_0,
  OH_PHONE_KEY_1,
  OH_PHONE_KEY_2,
  OH_PHONE_KEY_3,
  OH_PHONE_KEY_4,
  OH_PHONE_KEY_5,
  OH_PHONE_KEY_6,
  OH_PHONE_KEY_7,
  OH_PHONE_KEY_8,
  OH_PHONE_KEY_9,
  OH_PHONE_KEY_STAR,
  OH_PHONE_KEY_POUND,
  OH_PHONE_KEY_SOFTKEY_1,
  OH_PHONE_KEY_SOFTKEY_2,
  OH_PHONE_KEY_SOFTKEY_3,
  OH_PHONE_KEY_SOFTKEY_4,
  OH_PHONE_KEY_LINE_1,
  OH_PHONE_KEY_LINE_2,
  OH_PHONE_KEY_LINE_3,
  OH_PHONE_KEY_LINE_4,
  OH_PHONE_KEY_LINE_5,
  OH_PHONE_KEY_LINE_6,
  OH_PHONE_KEY_UP,
  OH_PHONE_KEY_DOWN,
  OH_PHONE_KEY_LEFT,
  OH_PHONE_KEY_RIGHT,
  OH_PHONE_KEY_OK,
  OH_PHONE_KEY_BACK,
  OH_PHONE_KEY_VOLUME_UP,
  OH_PHONE_KEY_VOLUME_DOWN,
  OH_PHONE_KEY_MUTE,
  OH_PHONE_KEY_SPEAKER,
  OH_PHONE_KEY_HEADSET,
  OH_PHONE_KEY_HOLD,
  OH_PHONE_KEY_TRANSFER,
  OH_PHONE_KEY_CONFERENCE,
  OH_PHONE_KEY_REDIAL,
  OH_PHONE_KEY_MESSAGES,
  OH_PHONE_KEY_PICKUP,
  OH_PHONE_KEY_HANGUP,
} OhPhoneKey;

#define OH_PHONE_KEY_COUNT (OH_PHONE_KEY_HANGUP + 1)

const char *oh_phone_key_to_string   (OhPhoneKey  key);
gboolean    oh_phone_key_from_string (const char *nick,
                                      OhPhoneKey *key);
gchar       oh_phone_key_to_dial_char (OhPhoneKey key);

G_END_DECLS
