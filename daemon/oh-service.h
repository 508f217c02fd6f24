/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The daemon as a systemd service: readiness, status line and watchdog pings. */
#pragma once

#include "oh-manager.h"

G_BEGIN_DECLS

#define OH_TYPE_SERVICE (oh_service_get_type ())
G_DECLARE_FINAL_TYPE (OhService, oh_service, OH, SERVICE, GObject)

/* Starts the watchdog pings (when the service manager asked for them with
 * WATCHDOG_USEC) and keeps STATUS= up to date with the registrations of
 * @manager's accounts. */
OhService *oh_service_new      (OhManager *manager);
void       oh_service_ready    (OhService *self);
void       oh_service_stopping (OhService *self);

G_END_DECLS
