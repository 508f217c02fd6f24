/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Loads the media module (GStreamer) the first time a call needs audio. */
#define G_LOG_DOMAIN "offhook-media"

#include "oh-media-loader.h"

#include <gmodule.h>

#include "oh-error.h"

#define MODULE_NAME "liboffhook-media.so"

/* $OFFHOOK_MEDIA_MODULE, else next to the executable (a build tree), else the
 * installed one. */
static char *
module_path (void)
{
  g_autofree char *exe = g_file_read_link ("/proc/self/exe", NULL);
  g_autofree char *dir = exe ? g_path_get_dirname (exe) : NULL;
  g_autofree char *beside = dir ? g_build_filename (dir, MODULE_NAME, NULL) : NULL;

  if (g_getenv ("OFFHOOK_MEDIA_MODULE"))
    return g_strdup (g_getenv ("OFFHOOK_MEDIA_MODULE"));
  if (beside && g_file_test (beside, G_FILE_TEST_EXISTS))
    return g_steal_pointer (&beside);
  return g_build_filename (MEDIA_MODULE_DIR, MODULE_NAME, NULL);
}

const OhMediaApi *
oh_media_loader_get (GError **error)
{
  static OhMediaApi api;
  static gboolean loaded;
  g_autofree char *path = NULL;
  GModule *module;

  if (loaded)
    return &api;

  path = module_path ();
  module = g_module_open (path, G_MODULE_BIND_LAZY | G_MODULE_BIND_LOCAL);
  if (!module) {
    g_set_error (error, OH_ERROR, OH_ERROR_FAILED, "cannot load the media module: %s", g_module_error ());
    return NULL;
  }
  if (!g_module_symbol (module, "oh_media_session_new", (gpointer *) &api.session_new) ||
      !g_module_symbol (module, "oh_media_session_start", (gpointer *) &api.start) ||
      !g_module_symbol (module, "oh_media_session_stop", (gpointer *) &api.stop) ||
      !g_module_symbol (module, "oh_media_session_send_dtmf", (gpointer *) &api.send_dtmf) ||
      !g_module_symbol (module, "oh_media_session_set_sending", (gpointer *) &api.set_sending) ||
      !g_module_symbol (module, "oh_media_session_set_echo_cancel", (gpointer *) &api.set_echo_cancel) ||
      !g_module_symbol (module, "oh_media_session_get_statistics", (gpointer *) &api.get_statistics) ||
      !g_module_symbol (module, "oh_ringtone_decode", (gpointer *) &api.decode_ringtone) ||
      !g_module_symbol (module, "oh_media_mixer_new", (gpointer *) &api.mixer_new) ||
      !g_module_symbol (module, "oh_media_session_set_mixer", (gpointer *) &api.set_mixer)) {
    g_set_error (error, OH_ERROR, OH_ERROR_FAILED, "%s is not an offhook media module: %s", path,
                 g_module_error ());
    g_module_close (module);
    return NULL;
  }
  /* its GObject type stays registered: the module must stay too */
  g_module_make_resident (module);
  loaded = TRUE;
  g_debug ("media module %s loaded", path);
  return &api;
}
