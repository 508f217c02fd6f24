/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The display drawn with ANSI escapes in a terminal: development and tmux tests. */
#pragma once

#include "oh-display.h"

G_BEGIN_DECLS

#define OH_TYPE_TERMINAL_DISPLAY (oh_terminal_display_get_type ())
G_DECLARE_FINAL_TYPE (OhTerminalDisplay, oh_terminal_display, OH, TERMINAL_DISPLAY, GObject)

OhTerminalDisplay *oh_terminal_display_new (int   fd,
                                            guint cols,
                                            guint rows);

G_END_DECLS
