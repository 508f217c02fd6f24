/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Loads offhookd's modules when first needed: media (GStreamer) when a call
 * needs audio, pulse (libpulse) when a sound plays or a call starts. An idle
 * phone maps neither. */
#define G_LOG_DOMAIN "offhook-media"

#include "oh-media-loader.h"

#include <gmodule.h>

#include "oh-error.h"

typedef struct {
  const char *name;
  gpointer *address;
} Symbol;

/* $ENV, else next to the executable (a build tree), else the installed one. */
static char *
module_path (const char *file, const char *env)
{
  g_autofree char *exe = g_file_read_link ("/proc/self/exe", NULL);
  g_autofree char *dir = exe ? g_path_get_dirname (exe) : NULL;
  g_autofree char *beside = dir ? g_build_filename (dir, file, NULL) : NULL;

  if (g_getenv (env))
    return g_strdup (g_getenv (env));
  if (beside && g_file_test (beside, G_FILE_TEST_EXISTS))
    return g_steal_pointer (&beside);
  return g_build_filename (MEDIA_MODULE_DIR, file, NULL);
}

/* Open the module @file (its path overridden by $@env) and look up each of
 * @symbols; it stays loaded for good (its GObject types stay registered). */
static gboolean
load (const char *what, const char *file, const char *env, const Symbol *symbols, guint n, GError **error)
{
  g_autofree char *path = module_path (file, env);
  GModule *module = g_module_open (path, G_MODULE_BIND_LAZY | G_MODULE_BIND_LOCAL);

  if (!module) {
    g_set_error (error, OH_ERROR, OH_ERROR_FAILED, "cannot load the %s module: %s", what, g_module_error ());
    return FALSE;
  }
  for (guint i = 0; i < n; i++)
    if (!g_module_symbol (module, symbols[i].name, symbols[i].address)) {
      g_set_error (error, OH_ERROR, OH_ERROR_FAILED, "%s is not an offhook %s module: %s", path, what,
                   g_module_error ());
      g_module_close (module);
      return FALSE;
    }
  g_module_make_resident (module);
  g_debug ("%s module %s loaded", what, path);
  return TRUE;
}

const OhMediaApi *
oh_media_loader_get (GError **error)
{
  static OhMediaApi api;
  static gboolean loaded;
  const Symbol symbols[] = {
    { "oh_media_session_new", (gpointer *) &api.session_new },
    { "oh_media_session_start", (gpointer *) &api.start },
    { "oh_media_session_stop", (gpointer *) &api.stop },
    { "oh_media_session_send_dtmf", (gpointer *) &api.send_dtmf },
    { "oh_media_session_set_sending", (gpointer *) &api.set_sending },
    { "oh_media_session_set_echo_cancel", (gpointer *) &api.set_echo_cancel },
    { "oh_media_session_get_statistics", (gpointer *) &api.get_statistics },
    { "oh_ringtone_decode", (gpointer *) &api.decode_ringtone },
    { "oh_media_mixer_new", (gpointer *) &api.mixer_new },
    { "oh_media_session_set_mixer", (gpointer *) &api.set_mixer },
  };

  if (!loaded)
    loaded = load ("media", "liboffhook-media.so", "OFFHOOK_MEDIA_MODULE", symbols, G_N_ELEMENTS (symbols), error);
  return loaded ? &api : NULL;
}

const OhPulseApi *
oh_media_loader_get_pulse (GError **error)
{
  static OhPulseApi api;
  static gboolean loaded;
  const Symbol symbols[] = {
    { "oh_pulse_new", (gpointer *) &api.pulse_new },
    { "oh_pulse_apply", (gpointer *) &api.apply },
    { "oh_pulse_play", (gpointer *) &api.play },
    { "oh_pulse_stop", (gpointer *) &api.stop },
  };

  if (!loaded)
    loaded = load ("pulse", "liboffhook-pulse.so", "OFFHOOK_PULSE_MODULE", symbols, G_N_ELEMENTS (symbols), error);
  return loaded ? &api : NULL;
}
