/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* offhook-ui's view of offhookd: follows the daemon on the bus, never blocks.
 *
 * Everything is asynchronous: the bus connection, the object tree, method
 * calls and property writes.  When the daemon's name vanishes the tree is
 * dropped; when it reappears (a restart) the tree is read again and
 * "changed" makes the UI redraw. */
#define G_LOG_DOMAIN "offhook-ui"

#include "oh-ui-client.h"

#include "oh-error.h"

#define HISTORY_PATH OH_UI_ROOT_PATH "/History"
#define HISTORY_IFACE "org.offhook.Phone1.History"

enum {
  SIGNAL_CHANGED,
  SIGNAL_CALL_CHANGED,
  SIGNAL_ERROR,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

struct _OhUiClient {
  GObject parent_instance;

  GBusType bus;
  char *address;
  GCancellable *cancellable;     /* the connection's life */
  GCancellable *generation;      /* one appearance of the daemon */
  GDBusConnection *connection;
  guint watch_id;
  GDBusObjectManager *objects;
  OhDbusManager *manager;
};

G_DEFINE_TYPE (OhUiClient, oh_ui_client, G_TYPE_OBJECT)

typedef struct {
  OhUiClient *client;
  char *what;
} CallData;

static void
emit_changed (OhUiClient *self)
{
  g_signal_emit (self, signals[SIGNAL_CHANGED], 0);
}

static void
on_properties_changed (GDBusProxy *proxy, GVariant *changed, GStrv invalidated, OhUiClient *self)
{
  if (OH_DBUS_IS_CALL (proxy))
    g_signal_emit (self, signals[SIGNAL_CALL_CHANGED], 0, proxy);
  emit_changed (self);
}

static void
on_interface_added (GDBusObjectManager *objects, GDBusObject *object, GDBusInterface *iface,
                    OhUiClient *self)
{
  g_signal_connect_object (iface, "g-properties-changed", G_CALLBACK (on_properties_changed), self, 0);
  if (OH_DBUS_IS_CALL (iface))
    g_signal_emit (self, signals[SIGNAL_CALL_CHANGED], 0, iface);
  emit_changed (self);
}

static void
on_object_added (GDBusObjectManager *objects, GDBusObject *object, OhUiClient *self)
{
  g_autolist(GDBusInterface) ifaces = g_dbus_object_get_interfaces (object);

  for (GList *l = ifaces; l; l = l->next)
    on_interface_added (objects, object, l->data, self);
}

static void
on_object_removed (GDBusObjectManager *objects, GDBusObject *object, OhUiClient *self)
{
  emit_changed (self);
}

static void
drop_daemon (OhUiClient *self)
{
  g_cancellable_cancel (self->generation);
  g_clear_object (&self->generation);
  if (self->objects)
    g_signal_handlers_disconnect_by_data (self->objects, self);
  g_clear_object (&self->objects);
  g_clear_object (&self->manager);
}

static void
got_manager (GObject *source, GAsyncResult *result, gpointer data)
{
  g_autoptr(GError) error = NULL;
  OhDbusManager *manager = oh_dbus_manager_proxy_new_finish (result, &error);
  OhUiClient *self;

  if (!manager) {
    if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
      g_warning ("cannot reach the daemon's manager: %s", error->message);
    return;
  }
  self = data;
  self->manager = manager;
  g_signal_connect_object (manager, "g-properties-changed", G_CALLBACK (on_properties_changed), self, 0);
  g_message ("offhookd %s is on the bus", oh_dbus_manager_get_version (manager));
  emit_changed (self);
}

static void
got_objects (GObject *source, GAsyncResult *result, gpointer data)
{
  g_autoptr(GError) error = NULL;
  GDBusObjectManager *objects = oh_dbus_object_manager_client_new_finish (result, &error);
  g_autolist(GDBusObject) list = NULL;
  OhUiClient *self;

  if (!objects) {
    if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
      g_warning ("cannot read the daemon's objects: %s", error->message);
    return;
  }
  self = data;
  self->objects = objects;
  g_signal_connect (objects, "object-added", G_CALLBACK (on_object_added), self);
  g_signal_connect (objects, "object-removed", G_CALLBACK (on_object_removed), self);
  g_signal_connect (objects, "interface-added", G_CALLBACK (on_interface_added), self);
  list = g_dbus_object_manager_get_objects (objects);
  for (GList *l = list; l; l = l->next)
    on_object_added (objects, l->data, self);
  emit_changed (self);
}

static void
on_name_appeared (GDBusConnection *connection, const char *name, const char *owner, gpointer data)
{
  OhUiClient *self = data;

  drop_daemon (self);
  self->generation = g_cancellable_new ();
  /* the results are dropped with the generation when the daemon goes away first */
  oh_dbus_object_manager_client_new (connection, G_DBUS_OBJECT_MANAGER_CLIENT_FLAGS_DO_NOT_AUTO_START,
                                     OH_UI_BUS_NAME, OH_UI_ROOT_PATH, self->generation, got_objects, self);
  oh_dbus_manager_proxy_new (connection, G_DBUS_PROXY_FLAGS_DO_NOT_AUTO_START, OH_UI_BUS_NAME,
                             OH_UI_ROOT_PATH, self->generation, got_manager, self);
}

static void
on_name_vanished (GDBusConnection *connection, const char *name, gpointer data)
{
  OhUiClient *self = data;

  if (connection)
    g_message ("offhookd is not on the bus: waiting for it");
  drop_daemon (self);
  emit_changed (self);
}

static void
on_connection_closed (GDBusConnection *connection, gboolean remote_peer_vanished, GError *error,
                      gpointer data)
{
  /* without a bus there is nothing to wait for; a supervisor restarts the UI */
  g_printerr ("offhook-ui: the bus connection closed%s%s\n", error ? ": " : "", error ? error->message : "");
  exit (EXIT_FAILURE);
}

static void
got_connection (GObject *source, GAsyncResult *result, gpointer data)
{
  g_autoptr(GError) error = NULL;
  GDBusConnection *connection;
  OhUiClient *self;

  connection = OH_UI_CLIENT (data)->bus == G_BUS_TYPE_NONE
               ? g_dbus_connection_new_for_address_finish (result, &error)
               : g_bus_get_finish (result, &error);
  if (!connection) {
    if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
      return;
    g_printerr ("offhook-ui: cannot connect to the bus: %s\n", error->message);
    exit (EXIT_FAILURE);
  }
  self = data;
  self->connection = connection;
  g_dbus_connection_set_exit_on_close (connection, FALSE);
  g_signal_connect (connection, "closed", G_CALLBACK (on_connection_closed), self);
  self->watch_id = g_bus_watch_name_on_connection (connection, OH_UI_BUS_NAME, G_BUS_NAME_WATCHER_FLAGS_NONE,
                                                   on_name_appeared, on_name_vanished, self, NULL);
}

static void
oh_ui_client_dispose (GObject *object)
{
  OhUiClient *self = OH_UI_CLIENT (object);

  g_cancellable_cancel (self->cancellable);
  if (self->watch_id)
    g_bus_unwatch_name (self->watch_id);
  self->watch_id = 0;
  drop_daemon (self);
  if (self->connection)
    g_signal_handlers_disconnect_by_data (self->connection, self);
  g_clear_object (&self->connection);
  g_clear_object (&self->cancellable);
  G_OBJECT_CLASS (oh_ui_client_parent_class)->dispose (object);
}

static void
oh_ui_client_finalize (GObject *object)
{
  g_free (OH_UI_CLIENT (object)->address);
  G_OBJECT_CLASS (oh_ui_client_parent_class)->finalize (object);
}

static void
oh_ui_client_class_init (OhUiClientClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = oh_ui_client_dispose;
  object_class->finalize = oh_ui_client_finalize;

  /* anything shown on screen may have changed: the daemon came or went, an
   * object or a property changed */
  signals[SIGNAL_CHANGED] = g_signal_new ("changed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                                          0, NULL, NULL, NULL, G_TYPE_NONE, 0);
  /* a call appeared or one of its properties changed */
  signals[SIGNAL_CALL_CHANGED] = g_signal_new ("call-changed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                                               0, NULL, NULL, NULL, G_TYPE_NONE, 1, OH_DBUS_TYPE_CALL);
  /* a method call failed: what a person should read, briefly */
  signals[SIGNAL_ERROR] = g_signal_new ("error", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                                        0, NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_STRING);
}

static void
oh_ui_client_init (OhUiClient *self)
{
  self->cancellable = g_cancellable_new ();
}

OhUiClient *
oh_ui_client_new (GBusType bus, const char *address)
{
  OhUiClient *self = g_object_new (OH_UI_TYPE_CLIENT, NULL);

  self->bus = bus;
  self->address = g_strdup (address);
  return self;
}

void
oh_ui_client_start (OhUiClient *self)
{
  oh_error_quark ();   /* org.offhook.Phone1.Error.* become OH_ERROR */
  if (self->bus == G_BUS_TYPE_NONE)
    g_dbus_connection_new_for_address (self->address,
                                       G_DBUS_CONNECTION_FLAGS_AUTHENTICATION_CLIENT |
                                       G_DBUS_CONNECTION_FLAGS_MESSAGE_BUS_CONNECTION,
                                       NULL, self->cancellable, got_connection, self);
  else
    g_bus_get (self->bus, self->cancellable, got_connection, self);
}

gboolean
oh_ui_client_is_ready (OhUiClient *self)
{
  return self->objects && self->manager;
}

OhDbusManager *
oh_ui_client_get_manager (OhUiClient *self)
{
  return self->manager;
}

static guint64
call_number (OhDbusCall *call)
{
  const char *path = g_dbus_proxy_get_object_path (G_DBUS_PROXY (call));

  return g_ascii_strtoull (strrchr (path, '/') + 1, NULL, 10);
}

static gint
older_first (gconstpointer a, gconstpointer b)
{
  guint64 x = call_number ((OhDbusCall *) a), y = call_number ((OhDbusCall *) b);

  return x < y ? -1 : x > y;
}

GList *
oh_ui_client_get_calls (OhUiClient *self)
{
  g_autolist(GDBusObject) list = NULL;
  GList *calls = NULL;

  if (!self->objects)
    return NULL;
  list = g_dbus_object_manager_get_objects (self->objects);
  for (GList *l = list; l; l = l->next) {
    /* the object manager keeps the interface alive while the object exists */
    g_autoptr(OhDbusCall) call = oh_dbus_object_get_call (OH_DBUS_OBJECT (l->data));
    if (call && oh_dbus_call_get_state (call))
      calls = g_list_prepend (calls, call);
  }
  return g_list_sort (calls, older_first);
}

static OhDbusAccount *
account_at (OhUiClient *self, const char *path)
{
  g_autoptr(GDBusInterface) iface = NULL;

  if (!path || g_str_equal (path, "/") || !g_variant_is_object_path (path))
    return NULL;
  iface = g_dbus_object_manager_get_interface (self->objects, path, "org.offhook.Phone1.Account");
  /* borrowed: the object manager holds it */
  return OH_DBUS_ACCOUNT (iface);
}

OhDbusAccount *
oh_ui_client_get_account (OhUiClient *self)
{
  const char * const *paths;
  OhDbusAccount *account;

  if (!oh_ui_client_is_ready (self))
    return NULL;
  account = account_at (self, oh_dbus_manager_get_default_account (self->manager));
  if (account)
    return account;
  paths = oh_dbus_manager_get_accounts (self->manager);
  return paths && paths[0] ? account_at (self, paths[0]) : NULL;
}

gboolean
oh_ui_client_get_voicemail (OhUiClient *self, guint *new_messages)
{
  const char * const *paths;
  gboolean waiting = FALSE;

  *new_messages = 0;
  if (!oh_ui_client_is_ready (self))
    return FALSE;
  paths = oh_dbus_manager_get_accounts (self->manager);
  for (guint i = 0; paths && paths[i]; i++) {
    OhDbusAccount *account = account_at (self, paths[i]);
    if (!account)
      continue;
    waiting |= oh_dbus_account_get_voicemail_waiting (account);
    *new_messages += oh_dbus_account_get_voicemail_new (account);
  }
  return waiting || *new_messages > 0;
}

static GDBusProxy *
history (OhUiClient *self)
{
  g_autoptr(GDBusInterface) iface = NULL;

  if (!self->objects)
    return NULL;
  iface = g_dbus_object_manager_get_interface (self->objects, HISTORY_PATH, HISTORY_IFACE);
  return iface ? G_DBUS_PROXY (iface) : NULL;
}

gboolean
oh_ui_client_has_history (OhUiClient *self)
{
  return history (self) != NULL;
}

gint
oh_ui_client_get_history_missed (OhUiClient *self)
{
  GDBusProxy *proxy = history (self);
  g_autoptr(GVariant) missed = proxy ? g_dbus_proxy_get_cached_property (proxy, "MissedCount") : NULL;

  if (!missed || !g_variant_is_of_type (missed, G_VARIANT_TYPE_UINT32))
    return -1;
  return (gint) MIN (g_variant_get_uint32 (missed), G_MAXINT);
}

static void
call_done (GObject *source, GAsyncResult *result, gpointer data)
{
  CallData *call = data;
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) reply = g_dbus_proxy_call_finish (G_DBUS_PROXY (source), result, &error);

  if (!reply && !g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED)) {
    g_autofree char *text = NULL;

    g_dbus_error_strip_remote_error (error);
    text = g_strdup_printf ("%s: %s", call->what, error->message);
    g_message ("%s", text);
    g_signal_emit (call->client, signals[SIGNAL_ERROR], 0, text);
  }
  g_object_unref (call->client);
  g_free (call->what);
  g_free (call);
}

void
oh_ui_client_call_full (OhUiClient *self, gpointer proxy, const char *method, GVariant *parameters,
                        GAsyncReadyCallback callback, gpointer user_data)
{
  /* a transfer answers when its target does, after the target's whole
   * ringing time: no timeout of ours (the daemon going away cancels it) */
  int timeout = g_str_has_prefix (method, "Transfer") ? G_MAXINT : -1;

  g_dbus_proxy_call (G_DBUS_PROXY (proxy), method, parameters, G_DBUS_CALL_FLAGS_NO_AUTO_START, timeout,
                     self->cancellable, callback, user_data);
}

void
oh_ui_client_call (OhUiClient *self, gpointer proxy, const char *method, GVariant *parameters,
                   const char *what)
{
  CallData *call;

  if (!proxy) {   /* the daemon went away meanwhile */
    if (parameters)
      g_variant_unref (g_variant_ref_sink (parameters));
    return;
  }
  call = g_new0 (CallData, 1);
  call->client = g_object_ref (self);
  call->what = g_strdup (what);
  oh_ui_client_call_full (self, proxy, method, parameters, call_done, call);
}

void
oh_ui_client_set_manager_property (OhUiClient *self, const char *name, GVariant *value)
{
  if (!self->manager) {
    g_variant_unref (g_variant_ref_sink (value));
    return;
  }
  oh_ui_client_call (self, self->manager, "org.freedesktop.DBus.Properties.Set",
                     g_variant_new ("(ssv)", "org.offhook.Phone1.Manager", name, value), name);
}

void
oh_ui_client_get_history (OhUiClient *self, guint limit, GAsyncReadyCallback callback, gpointer user_data)
{
  GDBusProxy *proxy = history (self);

  if (proxy)
    oh_ui_client_call_full (self, proxy, "GetEntries", g_variant_new ("(uu)", 0, limit), callback, user_data);
}
