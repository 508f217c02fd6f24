/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Setting OH_HAL_ERROR from a failed system call, inside the library. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

gboolean oh_hal_fail_errno (GError     **error,
                            const char  *format,
                            ...) G_GNUC_PRINTF (2, 3);

G_END_DECLS
