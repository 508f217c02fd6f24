/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* One lamp of the phone: a sysfs LED, off, on or blinking. */
#pragma once

#include <glib-object.h>

G_BEGIN_DECLS

/**
 * OhLampState:
 * @OH_LAMP_STATE_OFF: dark
 * @OH_LAMP_STATE_ON: lit
 * @OH_LAMP_STATE_BLINK_FAST: 250 ms on, 250 ms off: a call rings
 * @OH_LAMP_STATE_BLINK_SLOW: 1 s on, 1 s off: a call is held
 */
typedef enum {
  OH_LAMP_STATE_OFF,
  OH_LAMP_STATE_ON,
  OH_LAMP_STATE_BLINK_FAST,
  OH_LAMP_STATE_BLINK_SLOW,
} OhLampState;

#define OH_TYPE_LAMP (oh_lamp_get_type ())
G_DECLARE_FINAL_TYPE (OhLamp, oh_lamp, OH, LAMP, GObject)

OhLamp      *oh_lamp_new       (const char   *name,
                                GError      **error);
const char  *oh_lamp_get_name  (OhLamp       *self);
OhLampState  oh_lamp_get_state (OhLamp       *self);
gboolean     oh_lamp_get_lit   (OhLamp       *self);
gboolean     oh_lamp_set_state (OhLamp       *self,
                                OhLampState   state,
                                GError      **error);

G_END_DECLS
