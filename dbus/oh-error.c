/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The OhError domain, registered as org.offhook.Phone1.Error.* on D-Bus. */
#include "oh-error.h"

#include <gio/gio.h>

static const GDBusErrorEntry oh_error_entries[] = {
  { OH_ERROR_INVALID_ARGUMENTS, "org.offhook.Phone1.Error.InvalidArguments" },
  { OH_ERROR_NOT_FOUND, "org.offhook.Phone1.Error.NotFound" },
  { OH_ERROR_INVALID_STATE, "org.offhook.Phone1.Error.InvalidState" },
  { OH_ERROR_NOT_REGISTERED, "org.offhook.Phone1.Error.NotRegistered" },
  { OH_ERROR_NOT_SUPPORTED, "org.offhook.Phone1.Error.NotSupported" },
  { OH_ERROR_PERMISSION_DENIED, "org.offhook.Phone1.Error.PermissionDenied" },
  { OH_ERROR_BUSY, "org.offhook.Phone1.Error.Busy" },
  { OH_ERROR_FAILED, "org.offhook.Phone1.Error.Failed" },
};

G_STATIC_ASSERT (G_N_ELEMENTS (oh_error_entries) == OH_ERROR_FAILED + 1);

GQuark
oh_error_quark (void)
{
  static gsize quark = 0;

  g_dbus_error_register_error_domain ("oh-error-quark", &quark,
                                      oh_error_entries, G_N_ELEMENTS (oh_error_entries));
  return (GQuark) quark;
}
