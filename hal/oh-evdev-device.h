/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* One evdev input device found through udev, followed across unplug and replug. */
#pragma once

#include <glib-object.h>
#include <libevdev/libevdev.h>

G_BEGIN_DECLS

/* Whether an opened device is the one wanted (it has the keys, the switch…). */
typedef gboolean (*OhEvdevMatchFunc) (struct libevdev *evdev,
                                      gpointer         user_data);

#define OH_TYPE_EVDEV_DEVICE (oh_evdev_device_get_type ())
G_DECLARE_FINAL_TYPE (OhEvdevDevice, oh_evdev_device, OH, EVDEV_DEVICE, GObject)

OhEvdevDevice   *oh_evdev_device_new           (const char       *device,
                                                OhEvdevMatchFunc  match,
                                                gpointer          user_data);
void             oh_evdev_device_start         (OhEvdevDevice    *self);
gboolean         oh_evdev_device_get_connected (OhEvdevDevice    *self);
const char      *oh_evdev_device_get_path      (OhEvdevDevice    *self);
struct libevdev *oh_evdev_device_get_evdev     (OhEvdevDevice    *self);

G_END_DECLS
