/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* offhookctl monitor: every signal and property change of offhookd, one line each. */
#include "oh-ctl-monitor.h"

#include <glib-unix.h>
#include <signal.h>
#include <string.h>

#include "oh-ctl-commands.h"
#include "oh-ctl-error.h"
#include "oh-ctl-output.h"

struct _OhCtlMonitor {
  GObject parent_instance;

  OhCtlClient *client;
  gboolean json;
  GMainLoop *loop;
  GError *error;
  guint watch;
};

G_DEFINE_TYPE (OhCtlMonitor, oh_ctl_monitor, G_TYPE_OBJECT)

/* "manager", "call/3", "account/work": short, and still says what it is. */
static char *
object_label (const char *path)
{
  if (g_str_equal (path, OH_CTL_ROOT_PATH))
    return g_strdup ("manager");
  if (g_str_has_prefix (path, OH_CTL_ROOT_PATH "/")) {
    g_autofree char *label = g_ascii_strdown (path + strlen (OH_CTL_ROOT_PATH "/"), -1);
    return g_steal_pointer (&label);
  }
  return g_strdup (path);
}

/* One event: @what is added, removed, property, invalidated, signal,
 * daemon-up or daemon-down; @name the property or signal; @value its value,
 * the signal's arguments or the added object's properties. */
static void
emit (OhCtlMonitor *self, const char *what, const char *path, const char *interface,
      const char *name, GVariant *value)
{
  gint64 now = g_get_real_time ();
  g_autofree char *time = oh_ctl_format_time (now);
  g_autofree char *label = path ? object_label (path) : g_strdup ("daemon");
  g_autoptr(GVariant) owned = value ? g_variant_ref_sink (value) : NULL;

  if (self->json) {
    GVariantBuilder out;   /* a builder keeps the keys in this order */

    g_variant_builder_init (&out, G_VARIANT_TYPE_VARDICT);
    g_variant_builder_add (&out, "{sv}", "time", g_variant_new_string (time));
    g_variant_builder_add (&out, "{sv}", "timestamp", g_variant_new_int64 (now));
    g_variant_builder_add (&out, "{sv}", "event", g_variant_new_string (what));
    g_variant_builder_add (&out, "{sv}", "object", g_variant_new_string (label));
    if (path)
      g_variant_builder_add (&out, "{sv}", "path", g_variant_new_object_path (path));
    if (interface)
      g_variant_builder_add (&out, "{sv}", "interface", g_variant_new_string (interface));
    if (name)
      g_variant_builder_add (&out, "{sv}", "name", g_variant_new_string (name));
    if (owned)
      g_variant_builder_add (&out, "{sv}", g_str_equal (what, "signal") ? "args"
                             : g_str_equal (what, "added") ? "properties" : "value", owned);
    oh_ctl_print_json (g_variant_builder_end (&out));
    return;
  }

  {
    GString *line = g_string_new (NULL);

    g_string_append_printf (line, "%s %s", time, label);
    if (g_str_equal (what, "property")) {
      g_autofree char *text = oh_ctl_format_value (owned);
      g_string_append_printf (line, " %s = %s", name, text);
    } else if (g_str_equal (what, "invalidated")) {
      g_string_append_printf (line, " %s invalidated", name);
    } else if (g_str_equal (what, "signal")) {
      g_string_append_printf (line, " %s", name);
      for (gsize i = 0; i < g_variant_n_children (owned); i++) {
        g_autoptr(GVariant) arg = g_variant_get_child_value (owned, i);
        g_autofree char *text = oh_ctl_format_value (arg);
        g_string_append_printf (line, " %s", text);
      }
    } else {
      g_string_append_printf (line, " %s", g_str_has_prefix (what, "daemon-") ? what + 7 : what);
      if (name)
        g_string_append_printf (line, " %s", name);
      if (owned) {
        GVariantDict props;
        g_autoptr(GVariant) shown = NULL;
        g_autofree char *text = NULL;

        /* the object is named at the start of the line already */
        g_variant_dict_init (&props, owned);
        g_variant_dict_remove (&props, "path");
        shown = g_variant_ref_sink (g_variant_dict_end (&props));
        text = oh_ctl_format_value (shown);
        g_string_append_printf (line, " %s", text);
      }
    }
    g_print ("%s\n", line->str);
    g_string_free (line, TRUE);
  }
}

static void
emit_changes (OhCtlMonitor *self, GDBusProxy *proxy, GVariant *changed, const char * const *invalidated)
{
  const char *path = g_dbus_proxy_get_object_path (proxy);
  const char *interface = g_dbus_proxy_get_interface_name (proxy);
  GVariantIter iter;
  const char *name;
  GVariant *value;

  g_variant_iter_init (&iter, changed);
  while (g_variant_iter_next (&iter, "{&sv}", &name, &value))
    emit (self, "property", path, interface, name, value);   /* takes value */
  /* a proxy forgets everything when the daemon goes away: that is "daemon down" */
  if (!g_dbus_proxy_get_name_owner (proxy))
    return;
  for (guint i = 0; invalidated && invalidated[i]; i++)
    emit (self, "invalidated", path, interface, invalidated[i], NULL);
}

static void
on_object_added (GDBusObjectManager *objects, GDBusObject *object, OhCtlMonitor *self)
{
  g_autolist(GDBusInterface) interfaces = g_dbus_object_get_interfaces (object);

  for (GList *l = interfaces; l; l = l->next)
    emit (self, "added", g_dbus_object_get_object_path (object),
          g_dbus_proxy_get_interface_name (l->data), NULL, oh_ctl_proxy_properties (l->data));
}

static void
on_object_removed (GDBusObjectManager *objects, GDBusObject *object, OhCtlMonitor *self)
{
  emit (self, "removed", g_dbus_object_get_object_path (object), NULL, NULL, NULL);
}

static void
on_object_properties_changed (GDBusObjectManagerClient *objects, GDBusObjectProxy *object, GDBusProxy *proxy,
                              GVariant *changed, const char * const *invalidated, OhCtlMonitor *self)
{
  emit_changes (self, proxy, changed, invalidated);
}

static void
on_object_signal (GDBusObjectManagerClient *objects, GDBusObjectProxy *object, GDBusProxy *proxy,
                  const char *sender, const char *signal, GVariant *parameters, OhCtlMonitor *self)
{
  emit (self, "signal", g_dbus_proxy_get_object_path (proxy), g_dbus_proxy_get_interface_name (proxy),
        signal, g_variant_ref (parameters));
}

static void
on_manager_properties_changed (GDBusProxy *proxy, GVariant *changed, const char * const *invalidated,
                               OhCtlMonitor *self)
{
  emit_changes (self, proxy, changed, invalidated);
}

static void
on_manager_signal (GDBusProxy *proxy, const char *sender, const char *signal, GVariant *parameters,
                   OhCtlMonitor *self)
{
  emit (self, "signal", g_dbus_proxy_get_object_path (proxy), g_dbus_proxy_get_interface_name (proxy),
        signal, g_variant_ref (parameters));
}

/* A watch of its own (not the object manager's notify::name-owner): it says
 * "up" before the objects are read again, and says it once. */
static void
on_name_appeared (GDBusConnection *connection, const char *name, const char *owner, gpointer data)
{
  emit (data, "daemon-up", NULL, NULL, owner, NULL);
}

static void
on_name_vanished (GDBusConnection *connection, const char *name, gpointer data)
{
  /* connection NULL: the bus itself is gone, on_closed says so */
  if (connection)
    emit (data, "daemon-down", NULL, NULL, NULL, NULL);
}

static void
on_closed (GDBusConnection *connection, gboolean remote_peer_vanished, GError *error, OhCtlMonitor *self)
{
  if (!self->error)
    g_set_error (&self->error, OH_CTL_ERROR, OH_CTL_EXIT_NO_DAEMON, "the bus went away%s%s",
                 error ? ": " : "", error ? error->message : "");
  g_main_loop_quit (self->loop);
}

static gboolean
on_unix_signal (gpointer data)
{
  g_main_loop_quit (((OhCtlMonitor *) data)->loop);
  return G_SOURCE_CONTINUE;
}

static void
oh_ctl_monitor_dispose (GObject *object)
{
  OhCtlMonitor *self = OH_CTL_MONITOR (object);

  g_clear_object (&self->client);
  g_clear_pointer (&self->loop, g_main_loop_unref);
  g_clear_error (&self->error);
  G_OBJECT_CLASS (oh_ctl_monitor_parent_class)->dispose (object);
}

static void
oh_ctl_monitor_class_init (OhCtlMonitorClass *klass)
{
  G_OBJECT_CLASS (klass)->dispose = oh_ctl_monitor_dispose;
}

static void
oh_ctl_monitor_init (OhCtlMonitor *self)
{
  self->loop = g_main_loop_new (NULL, FALSE);
}

OhCtlMonitor *
oh_ctl_monitor_new (OhCtlClient *client, gboolean json)
{
  OhCtlMonitor *self = g_object_new (OH_CTL_TYPE_MONITOR, NULL);

  self->client = g_object_ref (client);
  self->json = json;
  return self;
}

gboolean
oh_ctl_monitor_run (OhCtlMonitor *self, GError **error)
{
  GDBusObjectManager *objects = oh_ctl_client_get_objects (self->client);
  OhDbusManager *manager = oh_ctl_client_get_manager (self->client);
  GDBusConnection *connection = oh_ctl_client_get_connection (self->client);
  guint sigint = g_unix_signal_add (SIGINT, on_unix_signal, self);
  guint sigterm = g_unix_signal_add (SIGTERM, on_unix_signal, self);

  g_signal_connect (objects, "object-added", G_CALLBACK (on_object_added), self);
  g_signal_connect (objects, "object-removed", G_CALLBACK (on_object_removed), self);
  g_signal_connect (objects, "interface-proxy-properties-changed", G_CALLBACK (on_object_properties_changed), self);
  g_signal_connect (objects, "interface-proxy-signal", G_CALLBACK (on_object_signal), self);
  g_signal_connect (manager, "g-properties-changed", G_CALLBACK (on_manager_properties_changed), self);
  g_signal_connect (manager, "g-signal", G_CALLBACK (on_manager_signal), self);
  g_signal_connect (connection, "closed", G_CALLBACK (on_closed), self);

  /* first line: whether the daemon is there, then every change */
  self->watch = g_bus_watch_name_on_connection (connection, OH_CTL_BUS_NAME, G_BUS_NAME_WATCHER_FLAGS_NONE,
                                                on_name_appeared, on_name_vanished, self, NULL);
  g_main_loop_run (self->loop);
  g_bus_unwatch_name (self->watch);

  g_source_remove (sigint);
  g_source_remove (sigterm);
  g_signal_handlers_disconnect_by_data (objects, self);
  g_signal_handlers_disconnect_by_data (manager, self);
  g_signal_handlers_disconnect_by_data (connection, self);
  if (self->error) {
    g_propagate_error (error, g_steal_pointer (&self->error));
    return FALSE;
  }
  return TRUE;
}

static gboolean
run_monitor (const OhCtlRequest *request, GError **error)
{
  g_autoptr(OhCtlMonitor) monitor = oh_ctl_monitor_new (request->client, request->json);

  return oh_ctl_monitor_run (monitor, error);
}

const OhCtlCommand oh_ctl_monitor_commands[] = {
  { "monitor", NULL, "Print every signal and property change as it happens, one line each",
    "Each line starts with a timestamp (local ISO 8601, milliseconds) and the object\n"
    "(manager, account/ID, call/N). Waits for offhookd when it is not running, and\n"
    "keeps going when it stops and starts again ('daemon down', 'daemon up').\n"
    "With --json every line is one JSON object with the keys time, timestamp (µs\n"
    "since the epoch), event (daemon-up, daemon-down, added, removed, property,\n"
    "invalidated, signal), object, path, interface, name, and value (property),\n"
    "args (signal) or properties (added). Stops on SIGINT or SIGTERM (exit 0).",
    NULL, 0, 0, TRUE, TRUE, run_monitor },
  { NULL }
};
