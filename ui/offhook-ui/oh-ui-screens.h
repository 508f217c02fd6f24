/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The phone's screens drawn onto a display: idle, dialling, calls, menus. */
#pragma once

#include <offhook-hal.h>

#include "oh-ui-phone.h"

G_BEGIN_DECLS

/* Draws what @phone shows at @now into @display's frame (no flush). */
void oh_ui_screens_draw (OhDisplay *display,
                         OhUiPhone *phone,
                         GDateTime *now);

G_END_DECLS
