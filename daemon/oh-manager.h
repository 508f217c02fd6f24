/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The phone on the bus: the object tree, accounts, calls and phone-wide settings. */
#pragma once

#include <gio/gio.h>

#include "oh-config.h"
#include "oh-dbus-generated.h"
#include "oh-sip.h"

G_BEGIN_DECLS

#define OH_MANAGER_PATH "/org/offhook/Phone1"

#define OH_TYPE_MANAGER (oh_manager_get_type ())
G_DECLARE_FINAL_TYPE (OhManager, oh_manager, OH, MANAGER, OhDbusManagerSkeleton)

OhManager *oh_manager_new      (OhConfig        *config,
                                OhSip           *sip);
gboolean   oh_manager_export   (OhManager       *self,
                                GDBusConnection *connection,
                                GError         **error);
void       oh_manager_shutdown (OhManager       *self);
GDBusObjectManager *oh_manager_get_objects (OhManager *self);

G_END_DECLS
