/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The phone's keys (digits, softkeys, line and function keys) from one evdev device. */
#pragma once

#include <glib-object.h>

#include "oh-keymap.h"

G_BEGIN_DECLS

#define OH_TYPE_KEYPAD (oh_keypad_get_type ())
G_DECLARE_FINAL_TYPE (OhKeypad, oh_keypad, OH, KEYPAD, GObject)

OhKeypad   *oh_keypad_new             (const char *device,
                                       OhKeymap   *keymap);
gboolean    oh_keypad_get_connected   (OhKeypad   *self);
const char *oh_keypad_get_device_path (OhKeypad   *self);
OhKeymap   *oh_keypad_get_keymap      (OhKeypad   *self);

G_END_DECLS
