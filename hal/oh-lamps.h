/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The phone's lamps by role: message waiting, speaker, mute, headset, line keys. */
#pragma once

#include <glib-object.h>

#include "oh-lamp.h"

G_BEGIN_DECLS

#define OH_TYPE_LAMPS (oh_lamps_get_type ())
G_DECLARE_FINAL_TYPE (OhLamps, oh_lamps, OH, LAMPS, GObject)

OhLamps  *oh_lamps_new    (void);
gboolean  oh_lamps_assign (OhLamps      *self,
                           const char   *role,
                           const char   *led_name,
                           GError      **error);
OhLamp   *oh_lamps_get    (OhLamps      *self,
                           const char   *role);
gboolean  oh_lamps_set    (OhLamps      *self,
                           const char   *role,
                           OhLampState   state,
                           GError      **error);

G_END_DECLS
