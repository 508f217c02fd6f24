/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The phone's lamps following its state: line, message waiting, mute, speaker, headset. */
#pragma once

#include <offhook-hal.h>

#include "oh-ui-phone.h"

G_BEGIN_DECLS

#define OH_UI_TYPE_LAMPS (oh_ui_lamps_get_type ())
G_DECLARE_FINAL_TYPE (OhUiLamps, oh_ui_lamps, OH_UI, LAMPS, GObject)

/* Sets @lamps from @phone now and on every change. */
OhUiLamps *oh_ui_lamps_new (OhUiPhone *phone,
                            OhLamps   *lamps);

G_END_DECLS
