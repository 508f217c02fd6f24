/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The error domain of liboffhook-hal. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/**
 * OhHalError:
 * @OH_HAL_ERROR_FAILED: a device could not be opened, read or written
 * @OH_HAL_ERROR_INVALID: a name, code or value given to the library is wrong
 * @OH_HAL_ERROR_NOT_SUPPORTED: the device cannot do what was asked
 *   (a framebuffer depth without a pixel format the library knows)
 */
typedef enum {
  OH_HAL_ERROR_FAILED,
  OH_HAL_ERROR_INVALID,
  OH_HAL_ERROR_NOT_SUPPORTED,
} OhHalError;

#define OH_HAL_ERROR (oh_hal_error_quark ())
GQuark oh_hal_error_quark (void);

G_END_DECLS
