/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The daemon as a systemd service: readiness, status line and watchdog pings. */
#define G_LOG_DOMAIN "offhookd"

#include "oh-service.h"

#include <string.h>
#include <sys/un.h>
#include <unistd.h>

struct _OhService {
  GObject parent_instance;

  OhManager *manager;
  GPtrArray *accounts;  /* OhDbusAccount* whose registration we count */
  char *status;         /* last STATUS= sent */
  GSocket *notify_socket;          /* NULL: no service manager listens */
  GSocketAddress *notify_address;  /* NOTIFY_SOCKET */
  guint watchdog;
  gboolean ready;
};

G_DEFINE_TYPE (OhService, oh_service, G_TYPE_OBJECT)

/* NOTIFY_SOCKET as sd_notify(3) documents it: an absolute path, or an
 * abstract name after '@' (whose address counts only the bytes it uses). */
static GSocketAddress *
notify_address_from_env (void)
{
  const char *name = g_getenv ("NOTIFY_SOCKET");
  gsize len = name ? strlen (name) : 0;

  if (len == 0)
    return NULL;
  if (name[0] == '@' && len > 1 && len <= sizeof (((struct sockaddr_un *) NULL)->sun_path))
    return g_unix_socket_address_new_with_type (name + 1, len - 1, G_UNIX_SOCKET_ADDRESS_ABSTRACT);
  if (name[0] == '/' && len < sizeof (((struct sockaddr_un *) NULL)->sun_path))
    return g_unix_socket_address_new (name);
  if (g_str_has_prefix (name, "vsock:"))
    g_debug ("NOTIFY_SOCKET=%s: vsock is not supported, not notifying", name);
  else
    g_debug ("NOTIFY_SOCKET=%s: not an absolute path or @name that fits a socket address, not notifying", name);
  return NULL;
}

/* WATCHDOG_USEC as sd_watchdog_enabled(3) documents it: ours only when
 * WATCHDOG_PID, if set, is our pid (a child we started would inherit
 * it).  0: no watchdog. */
static guint64
watchdog_usec_from_env (void)
{
  const char *usec = g_getenv ("WATCHDOG_USEC");
  const char *pid = g_getenv ("WATCHDOG_PID");
  guint64 value = 0, owner = 0;

  if (!usec)
    return 0;
  if (!g_ascii_string_to_unsigned (usec, 10, 1, G_MAXUINT64, &value, NULL)) {
    g_debug ("WATCHDOG_USEC=%s: not a positive number of microseconds, no watchdog", usec);
    return 0;
  }
  if (pid && !(g_ascii_string_to_unsigned (pid, 10, 1, G_MAXINT, &owner, NULL)
               && owner == (guint64) getpid ())) {
    g_debug ("WATCHDOG_PID=%s: not this process (%d), no watchdog", pid, (int) getpid ());
    return 0;
  }
  return value;
}

/* One datagram per state; a service manager that does not take it costs
 * us nothing but a debug line. */
static void
notify (OhService *self, const char *state)
{
  g_autoptr(GError) error = NULL;

  if (!self->notify_socket)
    return;
  if (g_socket_send_to (self->notify_socket, self->notify_address, state, strlen (state), NULL, &error) < 0)
    g_debug ("notify %s: %s", state, error->message);
}

/* From a main-loop source, on purpose: a wedged loop stops pinging and the
 * service manager restarts the daemon. */
static gboolean
on_watchdog (gpointer data)
{
  notify (data, "WATCHDOG=1");
  return G_SOURCE_CONTINUE;
}

static void
update_status (OhService *self)
{
  guint registered = 0;
  g_autofree char *status = NULL;

  for (guint i = 0; i < self->accounts->len; i++)
    if (g_str_equal (oh_dbus_account_get_registration_state (self->accounts->pdata[i]), "registered"))
      registered++;
  status = g_strdup_printf ("STATUS=Registered %u/%u accounts", registered, self->accounts->len);
  if (g_strcmp0 (status, self->status) == 0)
    return;
  notify (self, status);
  g_free (self->status);
  self->status = g_steal_pointer (&status);
}

static void
on_registration_changed (GObject *account, GParamSpec *pspec, gpointer data)
{
  update_status (data);
}

static void
forget_accounts (OhService *self)
{
  for (guint i = 0; i < self->accounts->len; i++)
    g_signal_handlers_disconnect_by_data (self->accounts->pdata[i], self);
  g_ptr_array_set_size (self->accounts, 0);
}

static void
on_accounts_changed (GObject *manager, GParamSpec *pspec, gpointer data)
{
  OhService *self = data;
  const char * const *paths = oh_dbus_manager_get_accounts (OH_DBUS_MANAGER (manager));
  GDBusObjectManager *objects = oh_manager_get_objects (OH_MANAGER (manager));

  forget_accounts (self);
  for (guint i = 0; paths && paths[i]; i++) {
    GDBusInterface *account = g_dbus_object_manager_get_interface (objects, paths[i],
                                                                   "org.offhook.Phone1.Account");

    if (!account)
      continue;
    g_signal_connect_object (account, "notify::registration-state",
                             G_CALLBACK (on_registration_changed), self, 0);
    g_ptr_array_add (self->accounts, account);
  }
  update_status (self);
}

static void
oh_service_dispose (GObject *object)
{
  OhService *self = OH_SERVICE (object);

  g_clear_handle_id (&self->watchdog, g_source_remove);
  g_clear_object (&self->notify_socket);
  g_clear_object (&self->notify_address);
  if (self->manager)
    g_signal_handlers_disconnect_by_data (self->manager, self);
  if (self->accounts)
    forget_accounts (self);
  g_clear_pointer (&self->accounts, g_ptr_array_unref);
  g_clear_object (&self->manager);
  G_OBJECT_CLASS (oh_service_parent_class)->dispose (object);
}

static void
oh_service_finalize (GObject *object)
{
  g_free (OH_SERVICE (object)->status);
  G_OBJECT_CLASS (oh_service_parent_class)->finalize (object);
}

static void
oh_service_class_init (OhServiceClass *klass)
{
  G_OBJECT_CLASS (klass)->dispose = oh_service_dispose;
  G_OBJECT_CLASS (klass)->finalize = oh_service_finalize;
}

static void
oh_service_init (OhService *self)
{
  self->accounts = g_ptr_array_new_with_free_func (g_object_unref);
}

OhService *
oh_service_new (OhManager *manager)
{
  OhService *self = g_object_new (OH_TYPE_SERVICE, NULL);
  g_autoptr(GError) error = NULL;
  guint64 usec;

  /* the variables stay set, as sd_notify (0, ...) leaves them: no process
   * offhookd may start (GStreamer's plugin scanner) speaks the protocol, and
   * the unit takes notifications from the main pid alone (NotifyAccess=main) */
  self->notify_address = notify_address_from_env ();
  if (self->notify_address) {
    self->notify_socket = g_socket_new (G_SOCKET_FAMILY_UNIX, G_SOCKET_TYPE_DATAGRAM,
                                        G_SOCKET_PROTOCOL_DEFAULT, &error);
    if (!self->notify_socket)
      g_debug ("NOTIFY_SOCKET: %s", error->message);
  }
  /* half the interval, as sd_watchdog_enabled(3) advises */
  usec = watchdog_usec_from_env ();
  if (self->notify_socket && usec >= 2000) {
    self->watchdog = g_timeout_add (MIN (usec / 2000, G_MAXUINT), on_watchdog, self);
    g_debug ("watchdog: pinging every %" G_GUINT64_FORMAT " ms", MIN (usec / 2000, G_MAXUINT));
  }
  self->manager = g_object_ref (manager);
  g_signal_connect (manager, "notify::accounts", G_CALLBACK (on_accounts_changed), self);
  on_accounts_changed (G_OBJECT (manager), NULL, self);
  return self;
}

/* Called once the bus name is ours; the SIP stack listens from its creation on. */
void
oh_service_ready (OhService *self)
{
  g_return_if_fail (OH_IS_SERVICE (self));

  if (self->ready)
    return;
  self->ready = TRUE;
  notify (self, "READY=1");
}

void
oh_service_stopping (OhService *self)
{
  g_return_if_fail (OH_IS_SERVICE (self));
  notify (self, "STOPPING=1");
}
