/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The desk phone's behaviour: hook, speaker and headset, keys, screens, calls. */
#pragma once

#include <offhook-hal.h>

#include "oh-ui-client.h"
#include "oh-ui-dialer.h"

G_BEGIN_DECLS

typedef enum {
  OH_UI_SCREEN_IDLE,
  OH_UI_SCREEN_DIALING,
  OH_UI_SCREEN_CALLS,      /* outgoing, incoming, active, several, conference */
  OH_UI_SCREEN_TRANSFER,
  OH_UI_SCREEN_REDIAL,
  OH_UI_SCREEN_HISTORY,
  OH_UI_SCREEN_SETTINGS,
} OhUiScreen;

typedef enum {
  OH_UI_SETTING_ROUTE,
  OH_UI_SETTING_RINGER,
  OH_UI_SETTING_DND,
  OH_UI_N_SETTINGS,
} OhUiSetting;

#define OH_UI_N_SOFTKEYS 4

#define OH_UI_TYPE_PHONE (oh_ui_phone_get_type ())
G_DECLARE_FINAL_TYPE (OhUiPhone, oh_ui_phone, OH_UI, PHONE, GObject)

OhUiPhone   *oh_ui_phone_new               (OhUiClient   *client);

/* What the hardware does to the phone. */
void         oh_ui_phone_key               (OhUiPhone    *self,
                                            OhPhoneKey    key);
void         oh_ui_phone_hook              (OhUiPhone    *self,
                                            gboolean      off_hook);

/* What the screens and lamps show. */
OhUiClient  *oh_ui_phone_get_client        (OhUiPhone    *self);
OhUiDialer  *oh_ui_phone_get_dialer        (OhUiPhone    *self);
OhUiScreen   oh_ui_phone_get_screen        (OhUiPhone    *self);
/* The calls the call screens show: the live ones, or the ended ones while
 * nothing else goes on (new list, borrowed proxies). */
GList       *oh_ui_phone_get_shown_calls   (OhUiPhone    *self);
guint        oh_ui_phone_get_selected      (OhUiPhone    *self);
gboolean     oh_ui_phone_get_speaker       (OhUiPhone    *self);
gboolean     oh_ui_phone_get_headset       (OhUiPhone    *self);
gboolean     oh_ui_phone_get_off_hook      (OhUiPhone    *self);
guint        oh_ui_phone_get_missed        (OhUiPhone    *self);
/* A brief message (a refused request), or NULL. */
const char  *oh_ui_phone_get_flash         (OhUiPhone    *self);
const char  *oh_ui_phone_get_transfer_digits (OhUiPhone  *self);
/* Numbers dialled here, newest first. */
const char * const *oh_ui_phone_get_redial (OhUiPhone    *self);
/* GetEntries' entries (aa{sv}), or NULL until they came. */
GVariant    *oh_ui_phone_get_history       (OhUiPhone    *self);
/* The labels of the four softkeys ("" for an unused one). */
void         oh_ui_phone_get_softkeys      (OhUiPhone    *self,
                                            const char   *labels[OH_UI_N_SOFTKEYS + 1]);

G_END_DECLS
