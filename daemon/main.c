/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* offhookd: parse options, own the bus name, run the main loop. */
#define G_LOG_DOMAIN "offhookd"

#include <locale.h>
#include <stdlib.h>

#include <gio/gio.h>
#include <glib-unix.h>

#include "oh-config.h"
#include "oh-manager.h"
#include "oh-service.h"
#include "oh-sip.h"

#define BUS_NAME "org.offhook.Phone1"
#define SHUTDOWN_TIMEOUT_S 5

typedef struct {
  GMainLoop *loop;
  OhManager *manager;
  OhSip *sip;
  OhService *service;
  int status;
  gboolean stopping;
} Daemon;

static gboolean on_shutdown_timeout (gpointer data);

/* Hang up, un-register, then quit; a second request quits at once. */
static void
stop (Daemon *d)
{
  if (d->stopping) {
    g_main_loop_quit (d->loop);
    return;
  }
  d->stopping = TRUE;
  g_info ("stopping: hanging up and unregistering");
  oh_service_stopping (d->service);
  oh_manager_shutdown (d->manager);
  g_timeout_add_seconds (SHUTDOWN_TIMEOUT_S, on_shutdown_timeout, d);
}

static void
on_bus_acquired (GDBusConnection *connection, const char *name, gpointer data)
{
  Daemon *d = data;
  g_autoptr(GError) error = NULL;

  if (!oh_manager_export (d->manager, connection, &error)) {
    g_critical ("cannot export the manager: %s", error->message);
    d->status = EXIT_FAILURE;
    g_main_loop_quit (d->loop);
  }
}

static void
on_name_acquired (GDBusConnection *connection, const char *name, gpointer data)
{
  g_info ("ready as %s", name);
  oh_service_ready (((Daemon *) data)->service);
}

static void
on_name_lost (GDBusConnection *connection, const char *name, gpointer data)
{
  Daemon *d = data;

  if (!connection)
    g_printerr ("offhookd: cannot connect to the D-Bus bus\n");
  else
    g_printerr ("offhookd: cannot own %s (is another offhookd running, or does the bus policy forbid it?)\n", name);
  d->status = EXIT_FAILURE;
  /* the SIP stack must shut down before it is destroyed, as on SIGTERM */
  stop (d);
}

static void
on_shutdown_done (OhSip *sip, gpointer data)
{
  g_main_loop_quit (((Daemon *) data)->loop);
}

static gboolean
on_shutdown_timeout (gpointer data)
{
  g_message ("SIP shutdown did not finish in %d s; exiting anyway", SHUTDOWN_TIMEOUT_S);
  g_main_loop_quit (((Daemon *) data)->loop);
  return G_SOURCE_REMOVE;
}

static gboolean
on_signal (gpointer data)
{
  stop (data);
  return G_SOURCE_CONTINUE;
}

int
main (int argc, char **argv)
{
  gboolean session = FALSE, verbose = FALSE, sip_trace = FALSE, version = FALSE;
  g_autofree char *config_path = NULL;
  g_autofree char *state_dir = NULL;
  GOptionEntry entries[] = {
    { "session", 0, 0, G_OPTION_ARG_NONE, &session, "Use the session bus (development, tests)", NULL },
    { "config", 'c', 0, G_OPTION_ARG_FILENAME, &config_path, "Configuration file (default " SYSCONFDIR "/offhook/offhookd.conf)", "FILE" },
    { "state-dir", 's', 0, G_OPTION_ARG_FILENAME, &state_dir, "State directory (default " LOCALSTATEDIR "/lib/offhook)", "DIR" },
    { "verbose", 'v', 0, G_OPTION_ARG_NONE, &verbose, "Log debug messages", NULL },
    { "sip-trace", 0, 0, G_OPTION_ARG_NONE, &sip_trace, "Log every SIP message (digest responses redacted)", NULL },
    { "version", 0, 0, G_OPTION_ARG_NONE, &version, "Print the version and exit", NULL },
    { NULL }
  };
  g_autoptr(GOptionContext) context = g_option_context_new ("- the Offhook SIP phone daemon");
  g_autoptr(GError) error = NULL;
  g_autoptr(OhConfig) config = NULL;
  Daemon d = { .status = EXIT_SUCCESS };
  guint owner_id;

  setlocale (LC_ALL, "");
  g_option_context_add_main_entries (context, entries, NULL);
  if (!g_option_context_parse (context, &argc, &argv, &error)) {
    g_printerr ("offhookd: %s\n", error->message);
    return EXIT_FAILURE;
  }
  if (version) {
    g_print ("offhookd %s\n", PACKAGE_VERSION);
    return EXIT_SUCCESS;
  }
  if (verbose || sip_trace)
    g_log_set_debug_enabled (TRUE);

  if (!config_path)
    config_path = g_strdup (g_getenv ("OFFHOOK_CONFIG") ? g_getenv ("OFFHOOK_CONFIG")
                                                        : SYSCONFDIR "/offhook/offhookd.conf");
  if (!state_dir)
    state_dir = g_strdup (g_getenv ("OFFHOOK_STATE_DIR") ? g_getenv ("OFFHOOK_STATE_DIR")
                                                         : LOCALSTATEDIR "/lib/offhook");

  config = oh_config_new (config_path, state_dir);
  oh_config_load (config);

  d.sip = oh_sip_new (oh_config_get_settings (config), sip_trace, &error);
  if (!d.sip) {
    g_printerr ("offhookd: %s\n", error->message);
    return EXIT_FAILURE;
  }
  d.loop = g_main_loop_new (NULL, FALSE);
  d.manager = oh_manager_new (config, d.sip);
  d.service = oh_service_new (d.manager);
  g_signal_connect (d.sip, "shutdown-done", G_CALLBACK (on_shutdown_done), &d);
  g_unix_signal_add (SIGTERM, on_signal, &d);
  g_unix_signal_add (SIGINT, on_signal, &d);

  owner_id = g_bus_own_name (session ? G_BUS_TYPE_SESSION : G_BUS_TYPE_SYSTEM, BUS_NAME,
                             G_BUS_NAME_OWNER_FLAGS_DO_NOT_QUEUE,
                             on_bus_acquired, on_name_acquired, on_name_lost, &d, NULL);
  g_main_loop_run (d.loop);

  g_bus_unown_name (owner_id);
  g_clear_object (&d.service);
  g_clear_object (&d.manager);
  g_clear_object (&d.sip);
  g_main_loop_unref (d.loop);
  return d.status;
}
