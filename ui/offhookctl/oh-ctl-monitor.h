/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* offhookctl monitor: every signal and property change of offhookd, one line each. */
#pragma once

#include <gio/gio.h>

#include "oh-ctl-client.h"

G_BEGIN_DECLS

#define OH_CTL_TYPE_MONITOR (oh_ctl_monitor_get_type ())
G_DECLARE_FINAL_TYPE (OhCtlMonitor, oh_ctl_monitor, OH_CTL, MONITOR, GObject)

OhCtlMonitor *oh_ctl_monitor_new (OhCtlClient *client,
                                  gboolean     json);
/* Print events until SIGINT/SIGTERM (TRUE) or until the bus goes away (FALSE,
 * OH_CTL_EXIT_NO_DAEMON). The daemon may come and go meanwhile. */
gboolean      oh_ctl_monitor_run (OhCtlMonitor *self,
                                  GError      **error);

G_END_DECLS
