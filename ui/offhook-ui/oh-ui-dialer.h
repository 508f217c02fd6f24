/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Digit collection against the phone's dial plan (Manager.MatchDialPlan). */
#pragma once

#include "oh-ui-client.h"

G_BEGIN_DECLS

/* Without a dial plan on the bus: dial on # or after this long without a digit. */
#define OH_UI_DIALER_FALLBACK_MS 4000

#define OH_UI_TYPE_DIALER (oh_ui_dialer_get_type ())
G_DECLARE_FINAL_TYPE (OhUiDialer, oh_ui_dialer, OH_UI, DIALER, GObject)

OhUiDialer *oh_ui_dialer_new        (OhUiClient *client);
/* Forget the digits and any pending decision. */
void        oh_ui_dialer_reset      (OhUiDialer *self);
/* A key of the dial pad: 0-9, *, #. */
void        oh_ui_dialer_add        (OhUiDialer *self,
                                     char        digit);
/* Removes the last digit. */
void        oh_ui_dialer_backspace  (OhUiDialer *self);
/* Dial what was collected, now (the Dial softkey). */
void        oh_ui_dialer_dial_now   (OhUiDialer *self);
const char *oh_ui_dialer_get_digits (OhUiDialer *self);
/* The dial plan's decision in words, for the display. */
const char *oh_ui_dialer_get_status (OhUiDialer *self);

G_END_DECLS
