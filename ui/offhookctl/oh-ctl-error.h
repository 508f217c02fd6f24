/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* offhookctl's exit codes and the error domain that carries them. */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

/* The exit codes scripts rely on (documented in offhookctl(1)). */
typedef enum {
  OH_CTL_EXIT_OK = 0,
  OH_CTL_EXIT_FAILED = 1,         /* the daemon refused: org.offhook.Phone1.Error.* on stderr */
  OH_CTL_EXIT_USAGE = 2,          /* bad command line */
  OH_CTL_EXIT_NO_DAEMON = 3,      /* no bus, or offhookd not on it (or it went away) */
  OH_CTL_EXIT_NOT_FOUND = 4,      /* no such call or account */
  OH_CTL_EXIT_NOT_SUPPORTED = 5,  /* the daemon does not implement that yet */
  OH_CTL_EXIT_NO_HISTORY = 6,     /* no call history on the bus (plugin not loaded) */
  OH_CTL_EXIT_CALL_ENDED = 7,     /* dial --wait: the call ended without being answered */
} OhCtlExit;

#define OH_CTL_ERROR (oh_ctl_error_quark ())

/* Errors raised by offhookctl itself; the code is the OhCtlExit to leave with. */
GQuark oh_ctl_error_quark (void);

/* Print @error on stderr (the D-Bus error name first when the daemon sent one)
 * and return the exit code for it. */
int    oh_ctl_error_report (const GError *error);

G_END_DECLS
