/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The OhError domain, registered as org.offhook.Phone1.Error.* on D-Bus. */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

#define OH_ERROR (oh_error_quark ())

typedef enum {
  OH_ERROR_INVALID_ARGUMENTS,
  OH_ERROR_NOT_FOUND,
  OH_ERROR_INVALID_STATE,
  OH_ERROR_NOT_REGISTERED,
  OH_ERROR_NOT_SUPPORTED,
  OH_ERROR_PERMISSION_DENIED,
  OH_ERROR_BUSY,
  OH_ERROR_FAILED,
} OhError;

GQuark   oh_error_quark                (void);

G_END_DECLS
