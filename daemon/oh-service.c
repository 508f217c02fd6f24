/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The daemon as a systemd service: readiness, status line and watchdog pings. */
#define G_LOG_DOMAIN "offhookd"

#include "oh-service.h"

#ifdef HAVE_LIBSYSTEMD
#include <systemd/sd-daemon.h>
#endif


struct _OhService {
  GObject parent_instance;

  OhManager *manager;
  GPtrArray *accounts;  /* OhDbusAccount* whose registration we count */
  char *status;         /* last STATUS= sent */
  guint watchdog;
  gboolean ready;
};

G_DEFINE_TYPE (OhService, oh_service, G_TYPE_OBJECT)

static void
notify (const char *state)
{
#ifdef HAVE_LIBSYSTEMD
  int r = sd_notify (0, state);

  if (r < 0)
    g_debug ("sd_notify(%s): %s", state, g_strerror (-r));
#endif
}

#ifdef HAVE_LIBSYSTEMD
/* From a main-loop source, on purpose: a wedged loop stops pinging and the
 * service manager restarts the daemon. */
static gboolean
on_watchdog (gpointer data)
{
  notify ("WATCHDOG=1");
  return G_SOURCE_CONTINUE;
}
#endif

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
  notify (status);
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
#ifdef HAVE_LIBSYSTEMD
  guint64 usec = 0;

  /* half the interval, as sd_watchdog_enabled(3) advises */
  if (sd_watchdog_enabled (0, &usec) > 0 && usec >= 2000) {
    self->watchdog = g_timeout_add (usec / 2000, on_watchdog, self);
    g_debug ("watchdog: pinging every %" G_GUINT64_FORMAT " ms", usec / 2000);
  }
#endif
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
  notify ("READY=1");
}

void
oh_service_stopping (OhService *self)
{
  g_return_if_fail (OH_IS_SERVICE (self));
  notify ("STOPPING=1");
}
