/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* offhookctl's view of offhookd: the bus, the object tree, look-ups by number and id. */
#pragma once

#include <gio/gio.h>

#include "oh-dbus-generated.h"

G_BEGIN_DECLS

#define OH_CTL_BUS_NAME "org.offhook.Phone1"
#define OH_CTL_ROOT_PATH "/org/offhook/Phone1"

typedef enum {
  OH_CTL_BUS_SYSTEM,
  OH_CTL_BUS_SESSION,
  OH_CTL_BUS_ADDRESS,
} OhCtlBus;

#define OH_CTL_TYPE_CLIENT (oh_ctl_client_get_type ())
G_DECLARE_FINAL_TYPE (OhCtlClient, oh_ctl_client, OH_CTL, CLIENT, GObject)

OhCtlClient        *oh_ctl_client_new              (OhCtlBus     bus,
                                                    const char  *address);
/* Connect to the bus and read the object tree. With @require_daemon, fail
 * with OH_CTL_EXIT_NO_DAEMON when offhookd is not on the bus. */
gboolean            oh_ctl_client_connect          (OhCtlClient *self,
                                                    gboolean     require_daemon,
                                                    GError     **error);
GDBusConnection    *oh_ctl_client_get_connection   (OhCtlClient *self);
GDBusObjectManager *oh_ctl_client_get_objects      (OhCtlClient *self);
OhDbusManager      *oh_ctl_client_get_manager      (OhCtlClient *self);
/* The bus the client is on, in words ("the system bus"). */
const char         *oh_ctl_client_describe_bus     (OhCtlClient *self);

/* Calls, oldest first, and accounts in the daemon's order (new references). */
GList              *oh_ctl_client_list_calls       (OhCtlClient *self);
GList              *oh_ctl_client_list_accounts    (OhCtlClient *self);

/* A call by number ("3") or object path. NULL @ref: the only call whose state
 * is one of @states (NULL: any state but disconnected). */
OhDbusCall         *oh_ctl_client_find_call        (OhCtlClient        *self,
                                                    const char         *ref,
                                                    const char * const *states,
                                                    GError            **error);
/* An account by id or object path; NULL @ref: the default account. */
OhDbusAccount      *oh_ctl_client_find_account     (OhCtlClient *self,
                                                    const char  *ref,
                                                    GError     **error);

/* Write a property with org.freedesktop.DBus.Properties.Set and wait for the
 * answer (the generated setters do not report errors). */
gboolean            oh_ctl_set_property            (gpointer     proxy,
                                                    const char  *name,
                                                    GVariant    *value,
                                                    GError     **error);

/* "3" for /org/offhook/Phone1/Call/3, the id for an account: the short name
 * offhookctl prints and accepts. */
const char         *oh_ctl_short_name              (const char *path);

G_END_DECLS
