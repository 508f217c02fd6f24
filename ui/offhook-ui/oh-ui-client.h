/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* offhook-ui's view of offhookd: follows the daemon on the bus, never blocks. */
#pragma once

#include <gio/gio.h>

#include "oh-dbus-generated.h"

G_BEGIN_DECLS

#define OH_UI_BUS_NAME "org.offhook.Phone1"
#define OH_UI_ROOT_PATH "/org/offhook/Phone1"

#define OH_UI_TYPE_CLIENT (oh_ui_client_get_type ())
G_DECLARE_FINAL_TYPE (OhUiClient, oh_ui_client, OH_UI, CLIENT, GObject)

/* @bus: G_BUS_TYPE_SESSION or G_BUS_TYPE_SYSTEM, or G_BUS_TYPE_NONE with @address. */
OhUiClient    *oh_ui_client_new              (GBusType     bus,
                                              const char  *address);
/* Connects in the background; "changed" tells when anything moved. */
void           oh_ui_client_start            (OhUiClient  *self);
/* The daemon is on the bus and its objects are known. */
gboolean       oh_ui_client_is_ready         (OhUiClient  *self);
OhDbusManager *oh_ui_client_get_manager      (OhUiClient  *self);
/* Every call the daemon has, disconnected ones too, oldest first (new list of borrowed proxies). */
GList         *oh_ui_client_get_calls        (OhUiClient  *self);
/* The default account, else the first one; NULL when there is none. */
OhDbusAccount *oh_ui_client_get_account      (OhUiClient  *self);
/* Whether any account has voice messages waiting, and how many are new. */
gboolean       oh_ui_client_get_voicemail    (OhUiClient  *self,
                                              guint       *new_messages);
/* The history plugin's interface is on the bus. */
gboolean       oh_ui_client_has_history      (OhUiClient  *self);
/* Its MissedCount, or -1 without history. */
gint           oh_ui_client_get_history_missed (OhUiClient *self);

/* Asynchronous method call on @proxy; a D-Bus error is reported with the
 * "error" signal, prefixed by @what ("Hold"). */
void           oh_ui_client_call             (OhUiClient  *self,
                                              gpointer     proxy,
                                              const char  *method,
                                              GVariant    *parameters,
                                              const char  *what);
/* The same, with the reply (or error) handed to @callback. */
void           oh_ui_client_call_full        (OhUiClient         *self,
                                              gpointer            proxy,
                                              const char         *method,
                                              GVariant           *parameters,
                                              GAsyncReadyCallback callback,
                                              gpointer            user_data);
/* Writes a Manager property asynchronously; errors as for oh_ui_client_call(). */
void           oh_ui_client_set_manager_property (OhUiClient *self,
                                                  const char *name,
                                                  GVariant   *value);
/* History entries, newest first: GetEntries (0, @limit), reply to @callback. */
void           oh_ui_client_get_history      (OhUiClient         *self,
                                              guint               limit,
                                              GAsyncReadyCallback callback,
                                              gpointer            user_data);

G_END_DECLS
