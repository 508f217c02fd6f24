/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Which evdev key code is which phone key: a built-in default plus a file. */
#pragma once

#include <glib-object.h>

#include "oh-phone-key.h"

G_BEGIN_DECLS

#define OH_TYPE_KEYMAP (oh_keymap_get_type ())
G_DECLARE_FINAL_TYPE (OhKeymap, oh_keymap, OH, KEYMAP, GObject)

OhKeymap   *oh_keymap_new       (void);
gboolean    oh_keymap_load_file (OhKeymap    *self,
                                 const char  *path,
                                 GError     **error);
void        oh_keymap_set       (OhKeymap    *self,
                                 guint        code,
                                 OhPhoneKey   key);
OhPhoneKey  oh_keymap_lookup    (OhKeymap    *self,
                                 guint        code);

G_END_DECLS
