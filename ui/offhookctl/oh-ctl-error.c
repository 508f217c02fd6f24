/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* offhookctl's exit codes and the error domain that carries them. */
#include "oh-ctl-error.h"

#include "oh-error.h"

G_DEFINE_QUARK (oh-ctl-error-quark, oh_ctl_error)

static int
exit_code_for (const GError *error)
{
  if (error->domain == OH_CTL_ERROR)
    return error->code;
  if (error->domain == OH_ERROR) {
    if (error->code == OH_ERROR_NOT_FOUND)
      return OH_CTL_EXIT_NOT_FOUND;
    if (error->code == OH_ERROR_NOT_SUPPORTED)
      return OH_CTL_EXIT_NOT_SUPPORTED;
    return OH_CTL_EXIT_FAILED;
  }
  /* the daemon went away between our look-up and the call */
  if (g_error_matches (error, G_DBUS_ERROR, G_DBUS_ERROR_SERVICE_UNKNOWN) ||
      g_error_matches (error, G_DBUS_ERROR, G_DBUS_ERROR_NAME_HAS_NO_OWNER) ||
      g_error_matches (error, G_DBUS_ERROR, G_DBUS_ERROR_NO_REPLY) ||
      g_error_matches (error, G_DBUS_ERROR, G_DBUS_ERROR_DISCONNECTED) ||
      g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CLOSED))
    return OH_CTL_EXIT_NO_DAEMON;
  /* a call removed while we were talking to it */
  if (g_error_matches (error, G_DBUS_ERROR, G_DBUS_ERROR_UNKNOWN_OBJECT))
    return OH_CTL_EXIT_NOT_FOUND;
  return OH_CTL_EXIT_FAILED;
}

int
oh_ctl_error_report (const GError *error)
{
  int code = exit_code_for (error);

  if (g_dbus_error_is_remote_error (error)) {
    g_autofree char *name = g_dbus_error_get_remote_error (error);
    g_autoptr(GError) copy = g_error_copy (error);

    g_dbus_error_strip_remote_error (copy);
    g_printerr ("offhookctl: %s: %s\n", name, copy->message);
  } else {
    g_printerr ("offhookctl: %s\n", error->message);
  }
  return code;
}
