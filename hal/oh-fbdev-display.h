/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The display on a Linux framebuffer (/dev/fb0), drawn with the built-in font. */
#pragma once

#include "oh-display.h"

G_BEGIN_DECLS

#define OH_TYPE_FBDEV_DISPLAY (oh_fbdev_display_get_type ())
G_DECLARE_FINAL_TYPE (OhFbdevDisplay, oh_fbdev_display, OH, FBDEV_DISPLAY, GObject)

OhFbdevDisplay *oh_fbdev_display_new (const char  *path,
                                      guint        scale,
                                      GError     **error);

G_END_DECLS
