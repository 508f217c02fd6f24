/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Puts the phone's screens on the display when they change, and as PNG pictures. */
#pragma once

#include <offhook-hal.h>

#include "oh-ui-phone.h"

G_BEGIN_DECLS

#define OH_UI_TYPE_VIEW (oh_ui_view_get_type ())
G_DECLARE_FINAL_TYPE (OhUiView, oh_ui_view, OH_UI, VIEW, GObject)

/* @png_dir: NULL, or a folder that gets every new frame as frame-NNNNN.png. */
OhUiView *oh_ui_view_new (OhUiPhone  *phone,
                          OhDisplay  *display,
                          const char *png_dir);

G_END_DECLS
