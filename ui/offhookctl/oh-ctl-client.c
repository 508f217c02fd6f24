/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* offhookctl's view of offhookd: the bus, the object tree, look-ups by number and id. */
#include "oh-ctl-client.h"

#include "oh-ctl-error.h"
#include "oh-error.h"

#define CALL_PREFIX OH_CTL_ROOT_PATH "/Call/"
#define ACCOUNT_PREFIX OH_CTL_ROOT_PATH "/Account/"

struct _OhCtlClient {
  GObject parent_instance;

  OhCtlBus bus;
  char *address;
  GDBusConnection *connection;
  GDBusObjectManager *objects;
  OhDbusManager *manager;
};

G_DEFINE_TYPE (OhCtlClient, oh_ctl_client, G_TYPE_OBJECT)

static gint
compare_calls (gconstpointer a, gconstpointer b)
{
  guint64 na = g_ascii_strtoull (oh_ctl_short_name (g_dbus_proxy_get_object_path ((GDBusProxy *) a)), NULL, 10);
  guint64 nb = g_ascii_strtoull (oh_ctl_short_name (g_dbus_proxy_get_object_path ((GDBusProxy *) b)), NULL, 10);

  return (na > nb) - (na < nb);
}

static void
oh_ctl_client_dispose (GObject *object)
{
  OhCtlClient *self = OH_CTL_CLIENT (object);

  g_clear_object (&self->manager);
  g_clear_object (&self->objects);
  g_clear_object (&self->connection);
  G_OBJECT_CLASS (oh_ctl_client_parent_class)->dispose (object);
}

static void
oh_ctl_client_finalize (GObject *object)
{
  g_free (OH_CTL_CLIENT (object)->address);
  G_OBJECT_CLASS (oh_ctl_client_parent_class)->finalize (object);
}

static void
oh_ctl_client_class_init (OhCtlClientClass *klass)
{
  G_OBJECT_CLASS (klass)->dispose = oh_ctl_client_dispose;
  G_OBJECT_CLASS (klass)->finalize = oh_ctl_client_finalize;
}

static void
oh_ctl_client_init (OhCtlClient *self)
{
}

OhCtlClient *
oh_ctl_client_new (OhCtlBus bus, const char *address)
{
  OhCtlClient *self = g_object_new (OH_CTL_TYPE_CLIENT, NULL);

  self->bus = bus;
  self->address = g_strdup (address);
  return self;
}

const char *
oh_ctl_client_describe_bus (OhCtlClient *self)
{
  switch (self->bus) {
  case OH_CTL_BUS_SYSTEM:
    return "the system bus";
  case OH_CTL_BUS_SESSION:
    return "the session bus";
  default:
    return self->address;
  }
}

static GDBusConnection *
open_bus (OhCtlClient *self, GError **error)
{
  g_autoptr(GError) local = NULL;
  GDBusConnection *connection;

  if (self->bus == OH_CTL_BUS_ADDRESS)
    connection = g_dbus_connection_new_for_address_sync (self->address,
                                                         G_DBUS_CONNECTION_FLAGS_AUTHENTICATION_CLIENT |
                                                         G_DBUS_CONNECTION_FLAGS_MESSAGE_BUS_CONNECTION,
                                                         NULL, NULL, &local);
  else
    connection = g_bus_get_sync (self->bus == OH_CTL_BUS_SYSTEM ? G_BUS_TYPE_SYSTEM : G_BUS_TYPE_SESSION,
                                 NULL, &local);
  if (!connection) {
    /* a malformed --address is the caller's mistake, not a missing daemon */
    g_set_error (error, OH_CTL_ERROR,
                 g_error_matches (local, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT) ? OH_CTL_EXIT_USAGE
                                                                               : OH_CTL_EXIT_NO_DAEMON,
                 "cannot connect to %s: %s", oh_ctl_client_describe_bus (self), local->message);
    return NULL;
  }
  /* a bus that goes away is reported, not a SIGTERM to ourselves */
  g_dbus_connection_set_exit_on_close (connection, FALSE);
  return connection;
}

static gboolean
no_daemon (OhCtlClient *self, GError **error)
{
  g_set_error (error, OH_CTL_ERROR, OH_CTL_EXIT_NO_DAEMON,
               "offhookd is not running: nobody owns %s on %s%s", OH_CTL_BUS_NAME,
               oh_ctl_client_describe_bus (self),
               self->bus == OH_CTL_BUS_SYSTEM ? " (a development daemon runs with --session)" : "");
  return FALSE;
}

gboolean
oh_ctl_client_connect (OhCtlClient *self, gboolean require_daemon, GError **error)
{
  g_autoptr(GError) local = NULL;
  g_autofree char *owner = NULL;
  GDBusObjectManagerClientFlags flags = require_daemon ? G_DBUS_OBJECT_MANAGER_CLIENT_FLAGS_NONE
                                                       : G_DBUS_OBJECT_MANAGER_CLIENT_FLAGS_DO_NOT_AUTO_START;

  g_return_val_if_fail (self->connection == NULL, FALSE);
  oh_error_quark ();   /* map org.offhook.Phone1.Error.* to OH_ERROR */

  self->connection = open_bus (self, error);
  if (!self->connection)
    return FALSE;
  /* without DO_NOT_AUTO_START this asks the bus to activate offhookd */
  self->objects = oh_dbus_object_manager_client_new_sync (self->connection, flags, OH_CTL_BUS_NAME,
                                                          OH_CTL_ROOT_PATH, NULL, &local);
  if (!self->objects) {
    if (g_error_matches (local, G_DBUS_ERROR, G_DBUS_ERROR_SERVICE_UNKNOWN) ||
        g_error_matches (local, G_DBUS_ERROR, G_DBUS_ERROR_SPAWN_SERVICE_NOT_FOUND))
      return no_daemon (self, error);
    g_propagate_error (error, g_steal_pointer (&local));
    return FALSE;
  }
  owner = g_dbus_object_manager_client_get_name_owner (G_DBUS_OBJECT_MANAGER_CLIENT (self->objects));
  if (require_daemon && !owner)
    return no_daemon (self, error);
  self->manager = oh_dbus_manager_proxy_new_sync (self->connection, G_DBUS_PROXY_FLAGS_DO_NOT_AUTO_START,
                                                  OH_CTL_BUS_NAME, OH_CTL_ROOT_PATH, NULL, error);
  return self->manager != NULL;
}

GDBusConnection *
oh_ctl_client_get_connection (OhCtlClient *self)
{
  return self->connection;
}

GDBusObjectManager *
oh_ctl_client_get_objects (OhCtlClient *self)
{
  return self->objects;
}

OhDbusManager *
oh_ctl_client_get_manager (OhCtlClient *self)
{
  return self->manager;
}

const char *
oh_ctl_short_name (const char *path)
{
  const char *slash = strrchr (path, '/');

  return slash ? slash + 1 : path;
}

GList *
oh_ctl_client_list_calls (OhCtlClient *self)
{
  g_autolist(GDBusObject) objects = g_dbus_object_manager_get_objects (self->objects);
  GList *calls = NULL;

  for (GList *l = objects; l; l = l->next) {
    OhDbusCall *call = oh_dbus_object_get_call (OH_DBUS_OBJECT (l->data));
    if (call)
      calls = g_list_prepend (calls, call);
  }
  return g_list_sort (calls, compare_calls);
}

GList *
oh_ctl_client_list_accounts (OhCtlClient *self)
{
  const char * const *paths = oh_dbus_manager_get_accounts (self->manager);
  GList *accounts = NULL;

  for (guint i = 0; paths && paths[i]; i++) {
    g_autoptr(GDBusObject) object = g_dbus_object_manager_get_object (self->objects, paths[i]);
    OhDbusAccount *account = object ? oh_dbus_object_get_account (OH_DBUS_OBJECT (object)) : NULL;
    if (account)
      accounts = g_list_prepend (accounts, account);
  }
  return g_list_reverse (accounts);
}

static gboolean
is_number (const char *s)
{
  if (!*s)
    return FALSE;
  for (; *s; s++)
    if (!g_ascii_isdigit (*s))
      return FALSE;
  return TRUE;
}

static OhDbusCall *
only_call (OhCtlClient *self, const char * const *states, GError **error)
{
  g_autolist(OhDbusCall) calls = oh_ctl_client_list_calls (self);
  OhDbusCall *found = NULL;
  guint n = 0;

  for (GList *l = calls; l; l = l->next) {
    const char *state = oh_dbus_call_get_state (l->data);
    if (!state)
      continue;
    if (states ? g_strv_contains (states, state) : !g_str_equal (state, "disconnected")) {
      found = l->data;
      n++;
    }
  }
  if (n == 1)
    return g_object_ref (found);
  if (n == 0) {
    g_autofree char *which = states ? g_strjoinv ("/", (char **) states) : NULL;
    g_set_error (error, OH_CTL_ERROR, OH_CTL_EXIT_NOT_FOUND, "there is no %s%scall",
                 which ? which : "", which ? " " : "");
  } else
    g_set_error (error, OH_CTL_ERROR, OH_CTL_EXIT_USAGE,
                 "there are %u calls: say which one (offhookctl calls lists them)", n);
  return NULL;
}

OhDbusCall *
oh_ctl_client_find_call (OhCtlClient *self, const char *ref, const char * const *states, GError **error)
{
  g_autofree char *path = NULL;
  g_autoptr(GDBusObject) object = NULL;
  OhDbusCall *call;

  if (!ref)
    return only_call (self, states, error);
  if (is_number (ref))
    path = g_strconcat (CALL_PREFIX, ref, NULL);
  else if (g_str_has_prefix (ref, CALL_PREFIX) && is_number (ref + strlen (CALL_PREFIX)))
    path = g_strdup (ref);
  else {
    g_set_error (error, OH_CTL_ERROR, OH_CTL_EXIT_USAGE,
                 "'%s' is not a call: give its number (1) or its path (" CALL_PREFIX "1)", ref);
    return NULL;
  }
  object = g_dbus_object_manager_get_object (self->objects, path);
  call = object ? oh_dbus_object_get_call (OH_DBUS_OBJECT (object)) : NULL;
  if (!call)
    g_set_error (error, OH_CTL_ERROR, OH_CTL_EXIT_NOT_FOUND, "there is no call %s", oh_ctl_short_name (path));
  return call;
}

static gboolean
is_account_id (const char *s)
{
  if (!*s)
    return FALSE;
  for (; *s; s++)
    if (!g_ascii_isalnum (*s) && *s != '_')
      return FALSE;
  return TRUE;
}

OhDbusAccount *
oh_ctl_client_find_account (OhCtlClient *self, const char *ref, GError **error)
{
  g_autofree char *path = NULL;
  g_autoptr(GDBusObject) object = NULL;
  OhDbusAccount *account;

  if (!ref) {
    const char *def = oh_dbus_manager_get_default_account (self->manager);
    if (!def || g_str_equal (def, "/")) {
      g_set_error (error, OH_CTL_ERROR, OH_CTL_EXIT_NOT_FOUND, "there is no default account: name one");
      return NULL;
    }
    path = g_strdup (def);
  } else if (is_account_id (ref)) {
    path = g_strconcat (ACCOUNT_PREFIX, ref, NULL);
  } else if (g_str_has_prefix (ref, ACCOUNT_PREFIX) && is_account_id (ref + strlen (ACCOUNT_PREFIX))) {
    path = g_strdup (ref);
  } else {
    g_set_error (error, OH_CTL_ERROR, OH_CTL_EXIT_USAGE,
                 "'%s' is not an account id (letters, digits and _)", ref);
    return NULL;
  }
  object = g_dbus_object_manager_get_object (self->objects, path);
  account = object ? oh_dbus_object_get_account (OH_DBUS_OBJECT (object)) : NULL;
  if (!account)
    g_set_error (error, OH_CTL_ERROR, OH_CTL_EXIT_NOT_FOUND, "there is no account %s", oh_ctl_short_name (path));
  return account;
}

gboolean
oh_ctl_set_property (gpointer proxy, const char *name, GVariant *value, GError **error)
{
  g_autoptr(GVariant) reply = NULL;

  reply = g_dbus_proxy_call_sync (G_DBUS_PROXY (proxy), "org.freedesktop.DBus.Properties.Set",
                                  g_variant_new ("(ssv)", g_dbus_proxy_get_interface_name (proxy), name, value),
                                  G_DBUS_CALL_FLAGS_NONE, -1, NULL, error);
  return reply != NULL;
}
