/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The error domain of liboffhook-hal. */
#include "oh-hal-error.h"

#include <errno.h>

#include "oh-hal-error-private.h"

G_DEFINE_QUARK (oh-hal-error-quark, oh_hal_error)

/* Sets OH_HAL_ERROR_FAILED to "@format: what errno says"; call it right
 * after the failed call, before anything else touches errno.  Returns FALSE
 * for `return oh_hal_fail_errno (...)`. */
gboolean
oh_hal_fail_errno (GError **error, const char *format, ...)
{
  int saved = errno;
  g_autofree char *what = NULL;
  va_list args;

  va_start (args, format);
  what = g_strdup_vprintf (format, args);
  va_end (args);
  g_set_error (error, OH_HAL_ERROR, OH_HAL_ERROR_FAILED, "%s: %s", what, g_strerror (saved));
  return FALSE;
}
