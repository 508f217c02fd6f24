/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The handset's hook switch: an evdev switch or key, debounced. */
#pragma once

#include <glib-object.h>

G_BEGIN_DECLS

#define OH_TYPE_HOOK_SWITCH (oh_hook_switch_get_type ())
G_DECLARE_FINAL_TYPE (OhHookSwitch, oh_hook_switch, OH, HOOK_SWITCH, GObject)

OhHookSwitch *oh_hook_switch_new           (const char    *device,
                                            const char    *code,
                                            gboolean       inverted,
                                            guint          debounce_ms,
                                            GError       **error);
gboolean      oh_hook_switch_get_off_hook  (OhHookSwitch  *self);
gboolean      oh_hook_switch_get_connected (OhHookSwitch  *self);

G_END_DECLS
