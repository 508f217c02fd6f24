/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The terminal's keyboard as a phone keypad and hook switch, for development. */
#pragma once

#include <offhook-hal.h>

G_BEGIN_DECLS

#define OH_UI_TYPE_TERMINAL_KEYS (oh_ui_terminal_keys_get_type ())
G_DECLARE_FINAL_TYPE (OhUiTerminalKeys, oh_ui_terminal_keys, OH_UI, TERMINAL_KEYS, GObject)

/* Reads @fd (a terminal, put in raw mode until the object goes). */
OhUiTerminalKeys *oh_ui_terminal_keys_new (int      fd,
                                           GError **error);

G_END_DECLS
