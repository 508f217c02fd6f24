/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* One SIP identity: settings, credentials, registration and proxy failover. */
#define G_LOG_DOMAIN "offhook-account"

#include "oh-account.h"

#include <string.h>

#include "oh-error.h"
#include "oh-log.h"

#define ACCOUNT_PATH "/org/offhook/Phone1/Account/"
#define BACKOFF_MIN_S 5
#define BACKOFF_MAX_S 300
#define FORWARD_NOANSWER_DEFAULT_S 20

typedef gboolean (*Check) (const char *key, GVariant *value, GError **error);

static gboolean check_uri (const char *key, GVariant *value, GError **error);
static gboolean check_uri_or_empty (const char *key, GVariant *value, GError **error);
static gboolean check_proxies (const char *key, GVariant *value, GError **error);
static gboolean check_transport (const char *key, GVariant *value, GError **error);
static gboolean check_expires (const char *key, GVariant *value, GError **error);
static gboolean check_codecs (const char *key, GVariant *value, GError **error);
static gboolean check_dtmf (const char *key, GVariant *value, GError **error);
static gboolean check_srtp (const char *key, GVariant *value, GError **error);
static gboolean check_auto_answer (const char *key, GVariant *value, GError **error);
static gboolean check_forward_timeout (const char *key, GVariant *value, GError **error);

static const struct {
  const char *key;
  const char *type;
  Check check;
  gboolean reregister;  /* a change needs a new registration */
} setting_defs[] = {
  { "display-name", "s", NULL, TRUE },
  { "aor", "s", check_uri, TRUE },
  { "proxies", "as", check_proxies, TRUE },
  { "transport", "s", check_transport, TRUE },
  { "register", "b", NULL, TRUE },
  { "expires", "u", check_expires, TRUE },
  { "enabled", "b", NULL, TRUE },
  { "codecs", "as", check_codecs, FALSE },
  { "dtmf", "s", check_dtmf, FALSE },
  { "srtp", "s", check_srtp, FALSE },
  { "forward-always", "s", check_uri_or_empty, FALSE },
  { "forward-busy", "s", check_uri_or_empty, FALSE },
  { "forward-noanswer", "s", check_uri_or_empty, FALSE },
  { "forward-noanswer-timeout", "u", check_forward_timeout, FALSE },
  { "call-waiting", "b", NULL, FALSE },
  { "accept-direct-calls", "b", NULL, FALSE },
  { "voicemail", "s", check_uri_or_empty, FALSE },
  { "auto-answer", "s", check_auto_answer, FALSE },
  /* set by SetCredentials, never by Update */
  { "username", "s", NULL, TRUE },
};

static const char * const supported_codecs[] = { "pcmu", "pcma", "g722", "opus", NULL };
static const char *default_codecs[] = { "pcmu", "pcma", NULL };

struct _OhAccount {
  OhDbusAccountSkeleton parent_instance;

  OhConfig *config;
  OhSip *sip;
  char *path;
  GHashTable *settings;     /* key → GVariant, what is persisted */
  char *domain;
  char *user;
  GStrv codecs;
  GStrv proxies;
  GHashTable *trusted;      /* addresses of the proxies, where calls may come from */
  GCancellable *resolving;

  guint active;             /* index into the proxies */
  OhSipHandle *registration;
  OhSipHandle *probe;
  gboolean registering;     /* a REGISTER (not an un-REGISTER) is pending or bound */
  gboolean manual;          /* Register() was called although register=false */
  guint tried;              /* proxies tried in this round without an answer */
  guint backoff;
  guint retry_id;
  guint probe_id;
};

G_DEFINE_TYPE (OhAccount, oh_account, OH_DBUS_TYPE_ACCOUNT_SKELETON)

static gboolean
check_uri (const char *key, GVariant *value, GError **error)
{
  const char *uri = g_variant_get_string (value, NULL);

  if (oh_sip_uri_parts (uri, NULL, NULL, NULL, error))
    return TRUE;
  g_prefix_error (error, "%s: ", key);
  return FALSE;
}

static gboolean
check_uri_or_empty (const char *key, GVariant *value, GError **error)
{
  return !*g_variant_get_string (value, NULL) || check_uri (key, value, error);
}

static gboolean
check_proxies (const char *key, GVariant *value, GError **error)
{
  g_autofree const char **proxies = g_variant_get_strv (value, NULL);

  for (guint i = 0; proxies[i]; i++)
    if (!oh_sip_uri_parts (proxies[i], NULL, NULL, NULL, error)) {
      g_prefix_error (error, "%s: ", key);
      return FALSE;
    }
  return TRUE;
}

static gboolean
check_one_of (const char *key, GVariant *value, const char * const *allowed, GError **error)
{
  const char *text = g_variant_get_string (value, NULL);
  g_autofree char *list = NULL;

  if (g_strv_contains (allowed, text))
    return TRUE;
  list = g_strjoinv (", ", (GStrv) allowed);
  g_set_error (error, OH_ERROR, OH_ERROR_INVALID_ARGUMENTS, "%s: '%s' is not one of %s", key, text, list);
  return FALSE;
}

static gboolean
check_transport (const char *key, GVariant *value, GError **error)
{
  static const char * const allowed[] = { "udp", "tcp", "tls", NULL };
  return check_one_of (key, value, allowed, error);
}

static gboolean
check_dtmf (const char *key, GVariant *value, GError **error)
{
  static const char * const allowed[] = { "rfc4733", "info", "inband", NULL };
  return check_one_of (key, value, allowed, error);
}

static gboolean
check_srtp (const char *key, GVariant *value, GError **error)
{
  static const char * const allowed[] = { "off", "optional", "required", NULL };
  return check_one_of (key, value, allowed, error);
}

static gboolean
check_auto_answer (const char *key, GVariant *value, GError **error)
{
  static const char * const allowed[] = { "never", "proxy", "always", NULL };
  return check_one_of (key, value, allowed, error);
}

static gboolean
check_forward_timeout (const char *key, GVariant *value, GError **error)
{
  guint32 seconds = g_variant_get_uint32 (value);

  if (seconds >= 1 && seconds <= 3600)
    return TRUE;
  g_set_error (error, OH_ERROR, OH_ERROR_INVALID_ARGUMENTS, "%s: %u is not from 1 to 3600 seconds", key, seconds);
  return FALSE;
}

static gboolean
check_expires (const char *key, GVariant *value, GError **error)
{
  guint32 expires = g_variant_get_uint32 (value);

  if (expires >= 60 && expires <= 86400)
    return TRUE;
  g_set_error (error, OH_ERROR, OH_ERROR_INVALID_ARGUMENTS, "%s: %u is not from 60 to 86400 seconds", key, expires);
  return FALSE;
}

static gboolean
check_codecs (const char *key, GVariant *value, GError **error)
{
  g_autofree const char **codecs = g_variant_get_strv (value, NULL);

  if (!codecs[0]) {
    g_set_error (error, OH_ERROR, OH_ERROR_INVALID_ARGUMENTS, "%s: the list is empty", key);
    return FALSE;
  }
  for (guint i = 0; codecs[i]; i++)
    if (!g_strv_contains (supported_codecs, codecs[i])) {
      g_set_error (error, OH_ERROR, OH_ERROR_INVALID_ARGUMENTS,
                   "%s: '%s' is not a supported codec (supported: pcmu, pcma, g722, opus)", key, codecs[i]);
      return FALSE;
    }
  return TRUE;
}

GHashTable *
oh_account_setting_types (void)
{
  GHashTable *types = g_hash_table_new (g_str_hash, g_str_equal);

  for (guint i = 0; i < G_N_ELEMENTS (setting_defs); i++)
    g_hash_table_insert (types, (gpointer) setting_defs[i].key, (gpointer) setting_defs[i].type);
  return types;
}

gboolean
oh_validate_object_id (const char *id, GError **error)
{
  gsize len = strlen (id);

  if (len == 0 || len > 64) {
    g_set_error (error, OH_ERROR, OH_ERROR_INVALID_ARGUMENTS, "account id must have 1 to 64 characters");
    return FALSE;
  }
  for (gsize i = 0; i < len; i++)
    if (!g_ascii_isalnum (id[i]) && id[i] != '_') {
      g_set_error (error, OH_ERROR, OH_ERROR_INVALID_ARGUMENTS,
                   "account id '%.64s' may only hold letters, digits and '_'", id);
      return FALSE;
    }
  return TRUE;
}

static int
find_setting (const char *key)
{
  for (guint i = 0; i < G_N_ELEMENTS (setting_defs); i++)
    if (g_str_equal (setting_defs[i].key, key))
      return (int) i;
  return -1;
}

/* Checks every key of @settings; nothing is applied unless all are good. */
static gboolean
validate (GVariant *settings, gboolean from_bus, GError **error)
{
  GVariantIter iter;
  const char *key;
  GVariant *value;

  g_variant_iter_init (&iter, settings);
  while (g_variant_iter_loop (&iter, "{&sv}", &key, &value)) {
    int i = find_setting (key);

    if (i < 0 || (from_bus && g_str_equal (key, "username"))) {
      g_set_error (error, OH_ERROR, OH_ERROR_INVALID_ARGUMENTS, "unknown setting '%.64s'", key);
      g_variant_unref (value);
      return FALSE;
    }
    if (!g_variant_is_of_type (value, G_VARIANT_TYPE (setting_defs[i].type))) {
      g_set_error (error, OH_ERROR, OH_ERROR_INVALID_ARGUMENTS, "setting '%s' must be of type '%s', not '%s'",
                   key, setting_defs[i].type, g_variant_get_type_string (value));
      g_variant_unref (value);
      return FALSE;
    }
    if (setting_defs[i].check && !setting_defs[i].check (key, value, error)) {
      g_variant_unref (value);
      return FALSE;
    }
  }
  return TRUE;
}

static GVariant *
setting (OhAccount *self, const char *key)
{
  return g_hash_table_lookup (self->settings, key);
}

static const char *
setting_string (OhAccount *self, const char *key, const char *fallback)
{
  GVariant *v = setting (self, key);
  return v ? g_variant_get_string (v, NULL) : fallback;
}

static gboolean
setting_bool (OhAccount *self, const char *key, gboolean fallback)
{
  GVariant *v = setting (self, key);
  return v ? g_variant_get_boolean (v) : fallback;
}

static const char * const *
proxies (OhAccount *self, gsize *n)
{
  *n = g_strv_length (self->proxies);
  return (const char * const *) self->proxies;
}

static void
set_state (OhAccount *self, const char *state, const char *error)
{
  OhDbusAccount *dbus = OH_DBUS_ACCOUNT (self);

  if (error && !g_str_equal (oh_dbus_account_get_registration_error (dbus), error))
    oh_dbus_account_set_registration_error (dbus, error);
  if (!g_str_equal (oh_dbus_account_get_registration_state (dbus), state)) {
    oh_log_account (G_LOG_LEVEL_INFO, oh_dbus_account_get_id (dbus), "registration %s%s%s", state,
                    error && *error ? ": " : "", error ? error : "");
    oh_dbus_account_set_registration_state (dbus, state);
  }
  if (!g_str_equal (state, "registered"))
    oh_dbus_account_set_registration_expires (dbus, 0);
}

typedef struct {
  OhAccount *account;
  char *port;
} Resolving;

static void
on_proxy_resolved (GObject *source, GAsyncResult *result, gpointer data)
{
  Resolving *r = data;
  g_autoptr(OhAccount) self = r->account;
  g_autofree char *port = r->port;
  g_autoptr(GError) error = NULL;
  GList *addresses = g_resolver_lookup_by_name_finish (G_RESOLVER (source), result, &error);

  g_free (r);
  if (!addresses) {
    if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
      oh_log_account (G_LOG_LEVEL_MESSAGE, oh_dbus_account_get_id (OH_DBUS_ACCOUNT (self)),
                      "cannot resolve a proxy: %s", error->message);
    return;
  }
  for (GList *l = addresses; l; l = l->next) {
    g_autofree char *address = g_inet_address_to_string (l->data);
    g_hash_table_add (self->trusted, g_strdup_printf ("%s:%s", address, port));
  }
  g_resolver_free_addresses (addresses);
}

/* Learn the addresses of the proxies (or of the AOR's domain when there are
 * none), so that accept-direct-calls=false and auto-answer=proxy can tell
 * their INVITEs from others; without either nothing needs looking up. */
static void
update_trusted (OhAccount *self)
{
  g_autoptr(GResolver) resolver = g_resolver_get_default ();
  g_autoptr(GStrvBuilder) builder = g_strv_builder_new ();
  g_auto(GStrv) uris = NULL;

  if (self->resolving)
    g_cancellable_cancel (self->resolving);
  g_clear_object (&self->resolving);
  self->resolving = g_cancellable_new ();
  g_hash_table_remove_all (self->trusted);
  if (setting_bool (self, "accept-direct-calls", TRUE) &&
      !g_str_equal (oh_account_get_auto_answer (self), "proxy"))
    return;

  if (self->proxies[0])
    g_strv_builder_addv (builder, (const char **) self->proxies);
  else
    g_strv_builder_add (builder, setting_string (self, "aor", ""));
  uris = g_strv_builder_end (builder);

  for (guint i = 0; uris[i]; i++) {
    g_autofree char *host = NULL;
    g_autofree char *port = NULL;
    Resolving *r;

    if (!oh_sip_uri_parts (uris[i], NULL, &host, &port, NULL))
      continue;
    if (!port)
      port = g_strdup (g_ascii_strncasecmp (uris[i], "sips:", 5) == 0 ? "5061" : "5060");
    if (host[0] == '[') {
      memmove (host, host + 1, strlen (host));
      host[strcspn (host, "]")] = '\0';
    }
    if (g_hostname_is_ip_address (host)) {
      g_hash_table_add (self->trusted, g_strdup_printf ("%s:%s", host, port));
      continue;
    }
    r = g_new0 (Resolving, 1);
    r->account = g_object_ref (self);
    r->port = g_steal_pointer (&port);
    g_resolver_lookup_by_name_async (resolver, host, self->resolving, on_proxy_resolved, r);
  }
}

/* Mirror the settings onto the D-Bus properties. */
static void
sync_properties (OhAccount *self)
{
  OhDbusAccount *dbus = OH_DBUS_ACCOUNT (self);
  GVariant *list = setting (self, "proxies");
  const char *password = oh_config_get_secret (self->config, oh_dbus_account_get_id (dbus));
  GVariant *codecs = setting (self, "codecs");

  g_strfreev (self->proxies);
  self->proxies = list ? g_variant_dup_strv (list, NULL) : g_new0 (char *, 1);

  g_object_freeze_notify (G_OBJECT (self));
  oh_dbus_account_set_enabled (dbus, setting_bool (self, "enabled", TRUE));
  oh_dbus_account_set_display_name (dbus, setting_string (self, "display-name", ""));
  oh_dbus_account_set_aor (dbus, setting_string (self, "aor", ""));
  oh_dbus_account_set_username (dbus, setting_string (self, "username", ""));
  oh_dbus_account_set_has_password (dbus, password != NULL && *password);
  oh_dbus_account_set_proxies (dbus, (const char * const *) self->proxies);
  oh_dbus_account_set_transport (dbus, setting_string (self, "transport", "udp"));
  g_object_thaw_notify (G_OBJECT (self));

  g_clear_pointer (&self->domain, g_free);
  g_clear_pointer (&self->user, g_free);
  oh_sip_uri_parts (setting_string (self, "aor", ""), &self->user, &self->domain, NULL, NULL);

  g_strfreev (self->codecs);
  self->codecs = codecs ? g_variant_dup_strv (codecs, NULL) : g_strdupv ((GStrv) default_codecs);
  update_trusted (self);
}

static void stop_registration (OhAccount *self);
static void start_registration (OhAccount *self);
static void send_register (OhAccount *self);
static void set_active (OhAccount *self, guint index);

static gboolean
on_retry (gpointer data)
{
  OhAccount *self = data;

  self->retry_id = 0;
  set_active (self, 0);
  start_registration (self);
  return G_SOURCE_REMOVE;
}

static void
schedule_retry (OhAccount *self)
{
  self->backoff = self->backoff ? MIN (self->backoff * 2, BACKOFF_MAX_S) : BACKOFF_MIN_S;
  g_clear_handle_id (&self->retry_id, g_source_remove);
  self->retry_id = g_timeout_add_seconds (self->backoff, on_retry, self);
}

static gboolean
on_probe_timer (gpointer data)
{
  OhAccount *self = data;
  gsize n;
  const char * const *list = proxies (self, &n);

  if (self->active == 0 || n == 0) {
    self->probe_id = 0;
    return G_SOURCE_REMOVE;
  }
  if (!self->probe)
    self->probe = oh_sip_options (self->sip, self, list[0]);
  return G_SOURCE_CONTINUE;
}

static void
update_probe (OhAccount *self)
{
  const OhSettings *settings = oh_config_get_settings (self->config);

  if (self->active > 0 && !self->probe_id)
    self->probe_id = g_timeout_add_seconds (settings->probe_interval, on_probe_timer, self);
  else if (self->active == 0)
    g_clear_handle_id (&self->probe_id, g_source_remove);
}

static void
set_active (OhAccount *self, guint index)
{
  gsize n;
  const char * const *list = proxies (self, &n);

  self->active = n ? index % n : 0;
  oh_dbus_account_set_active_proxy (OH_DBUS_ACCOUNT (self), n ? list[self->active] : "");
  update_probe (self);
}

static void
on_registered (OhAccount *self, const OhSipEvent *event)
{
  OhDbusAccount *dbus = OH_DBUS_ACCOUNT (self);
  g_autofree char *reason = NULL;
  gsize n;

  if (event->status < 300) {
    self->backoff = 0;
    self->tried = 0;
    set_state (self, "registered", "");
    oh_dbus_account_set_registration_expires (dbus, (guint64) g_get_real_time () +
                                              (guint64) event->expires * G_USEC_PER_SEC);
    return;
  }

  g_clear_pointer (&self->registration, oh_sip_handle_free);
  self->registering = FALSE;
  proxies (self, &n);

  if (event->auth_failed) {
    set_state (self, "failed", "auth");
    return;
  }
  if (event->local) {
    /* nobody answered: the next proxy takes over, then back-off from the top */
    const char *word = event->status == 408 ? "timeout" : "network";
    self->tried++;
    if (n > 1 && self->tried < n) {
      oh_log_account (G_LOG_LEVEL_INFO, oh_dbus_account_get_id (dbus),
                      "proxy %s did not answer (%u %s); trying the next one",
                      oh_dbus_account_get_active_proxy (dbus), event->status, event->phrase);
      set_active (self, self->active + 1);
      send_register (self);
      return;
    }
    set_state (self, "failed", word);
    schedule_retry (self);
    return;
  }
  reason = g_strdup_printf ("%u %s", event->status, event->phrase ? event->phrase : "");
  set_state (self, "failed", reason);
  if (event->status >= 500 && event->status < 600)
    schedule_retry (self);
}

static void
on_sip_event (OhSip *sip, gpointer owner, OhSipHandle *handle, const OhSipEvent *event, OhAccount *self)
{
  if (owner != self)
    return;

  switch (event->type) {
  case OH_SIP_EVENT_REGISTER:
    if (handle == self->registration)
      on_registered (self, event);
    break;
  case OH_SIP_EVENT_UNREGISTER:
    if (handle == self->registration) {
      g_clear_pointer (&self->registration, oh_sip_handle_free);
      if (!self->registering)
        set_state (self, oh_dbus_account_get_enabled (OH_DBUS_ACCOUNT (self)) ? "unregistered" : "disabled", "");
    }
    break;
  case OH_SIP_EVENT_OPTIONS:
    if (handle == self->probe) {
      g_clear_pointer (&self->probe, oh_sip_handle_free);
      if (!event->local && self->active > 0) {
        oh_log_account (G_LOG_LEVEL_INFO, oh_dbus_account_get_id (OH_DBUS_ACCOUNT (self)),
                        "primary proxy answers again; returning to it");
        stop_registration (self);
        set_active (self, 0);
        start_registration (self);
      }
    }
    break;
  default:
    break;
  }
}

static void
stop_registration (OhAccount *self)
{
  g_clear_handle_id (&self->retry_id, g_source_remove);
  self->registering = FALSE;
  /* destroying a bound registration's handle un-registers it */
  g_clear_pointer (&self->registration, oh_sip_handle_free);
}

/* REGISTER through the active proxy, as part of the current failover round. */
static void
send_register (OhAccount *self)
{
  OhDbusAccount *dbus = OH_DBUS_ACCOUNT (self);
  const char *id = oh_dbus_account_get_id (dbus);
  GVariant *expires = setting (self, "expires");

  stop_registration (self);
  if (!oh_dbus_account_get_enabled (dbus)) {
    set_state (self, "disabled", "");
    return;
  }
  if (!setting_bool (self, "register", TRUE) && !self->manual) {
    set_state (self, "unregistered", "");
    return;
  }
  self->registering = TRUE;
  set_state (self, "registering", NULL);
  self->registration = oh_sip_register (self->sip, self,
                                        setting_string (self, "aor", ""),
                                        setting_string (self, "display-name", ""),
                                        oh_dbus_account_get_active_proxy (dbus),
                                        expires ? g_variant_get_uint32 (expires) : 3600,
                                        setting (self, "username") ? setting_string (self, "username", NULL) : NULL,
                                        oh_config_get_secret (self->config, id));
}

/* A new round: every proxy gets its chance again. */
static void
start_registration (OhAccount *self)
{
  self->tried = 0;
  send_register (self);
}

static void
apply (OhAccount *self, GVariant *settings)
{
  GVariantIter iter;
  const char *key;
  GVariant *value;

  g_variant_iter_init (&iter, settings);
  while (g_variant_iter_next (&iter, "{&sv}", &key, &value))
    g_hash_table_insert (self->settings, g_strdup (key), value);
  sync_properties (self);
}

static gboolean
needs_reregister (OhAccount *self, GVariant *settings)
{
  GVariantIter iter;
  const char *key;
  GVariant *value;

  g_variant_iter_init (&iter, settings);
  while (g_variant_iter_loop (&iter, "{&sv}", &key, &value)) {
    GVariant *old = setting (self, key);
    int i = find_setting (key);

    if (setting_defs[i].reregister && (!old || !g_variant_equal (old, value))) {
      g_variant_unref (value);
      return TRUE;
    }
  }
  return FALSE;
}

static gboolean
update (OhAccount *self, GVariant *settings, GError **error)
{
  gboolean again;
  g_autoptr(GVariant) proxies_before = NULL;

  if (!validate (settings, TRUE, error))
    return FALSE;
  again = needs_reregister (self, settings);
  if (setting (self, "proxies"))
    proxies_before = g_variant_ref (setting (self, "proxies"));
  apply (self, settings);
  if (!oh_account_save (self, error))
    return FALSE;
  if (again) {
    GVariant *now = setting (self, "proxies");
    if (!proxies_before || !now || !g_variant_equal (proxies_before, now))
      set_active (self, 0);
    start_registration (self);
  }
  return TRUE;
}

static gboolean
handle_update (OhDbusAccount *dbus, GDBusMethodInvocation *invocation, GVariant *settings)
{
  OhAccount *self = OH_ACCOUNT (dbus);
  g_autoptr(GError) error = NULL;

  if (!update (self, settings, &error))
    g_dbus_method_invocation_return_gerror (invocation, error);
  else
    oh_dbus_account_complete_update (dbus, invocation);
  return G_DBUS_METHOD_INVOCATION_HANDLED;
}

static gboolean
handle_set_credentials (OhDbusAccount *dbus, GDBusMethodInvocation *invocation,
                        const char *username, const char *password)
{
  OhAccount *self = OH_ACCOUNT (dbus);
  g_autoptr(GError) error = NULL;

  if (!*username) {
    g_dbus_method_invocation_return_error_literal (invocation, OH_ERROR, OH_ERROR_INVALID_ARGUMENTS,
                                                   "the user name is empty");
    return G_DBUS_METHOD_INVOCATION_HANDLED;
  }
  if (!oh_config_set_secret (self->config, oh_dbus_account_get_id (dbus), password, &error)) {
    g_dbus_method_invocation_return_gerror (invocation, error);
    return G_DBUS_METHOD_INVOCATION_HANDLED;
  }
  g_hash_table_insert (self->settings, g_strdup ("username"), g_variant_ref_sink (g_variant_new_string (username)));
  sync_properties (self);
  if (!oh_account_save (self, &error)) {
    g_dbus_method_invocation_return_gerror (invocation, error);
    return G_DBUS_METHOD_INVOCATION_HANDLED;
  }
  oh_log_account (G_LOG_LEVEL_INFO, oh_dbus_account_get_id (dbus), "credentials set for user %s", username);
  start_registration (self);
  oh_dbus_account_complete_set_credentials (dbus, invocation);
  return G_DBUS_METHOD_INVOCATION_HANDLED;
}

static gboolean
handle_clear_credentials (OhDbusAccount *dbus, GDBusMethodInvocation *invocation)
{
  OhAccount *self = OH_ACCOUNT (dbus);
  g_autoptr(GError) error = NULL;

  g_hash_table_remove (self->settings, "username");
  if (!oh_config_set_secret (self->config, oh_dbus_account_get_id (dbus), NULL, &error) ||
      !oh_account_save (self, &error)) {
    g_dbus_method_invocation_return_gerror (invocation, error);
    return G_DBUS_METHOD_INVOCATION_HANDLED;
  }
  sync_properties (self);
  oh_dbus_account_complete_clear_credentials (dbus, invocation);
  return G_DBUS_METHOD_INVOCATION_HANDLED;
}

static gboolean
handle_register (OhDbusAccount *dbus, GDBusMethodInvocation *invocation)
{
  OhAccount *self = OH_ACCOUNT (dbus);

  if (!oh_dbus_account_get_enabled (dbus)) {
    g_dbus_method_invocation_return_error (invocation, OH_ERROR, OH_ERROR_INVALID_STATE,
                                           "account '%s' is disabled", oh_dbus_account_get_id (dbus));
    return G_DBUS_METHOD_INVOCATION_HANDLED;
  }
  self->manual = TRUE;
  self->backoff = 0;
  start_registration (self);
  oh_dbus_account_complete_register (dbus, invocation);
  return G_DBUS_METHOD_INVOCATION_HANDLED;
}

static gboolean
handle_unregister (OhDbusAccount *dbus, GDBusMethodInvocation *invocation)
{
  OhAccount *self = OH_ACCOUNT (dbus);

  self->manual = FALSE;
  oh_account_stop (self);
  oh_dbus_account_complete_unregister (dbus, invocation);
  return G_DBUS_METHOD_INVOCATION_HANDLED;
}

/* Enabled and DisplayName are writable on the bus: persist what a client wrote. */
static void
on_writable_changed (OhAccount *self, GParamSpec *pspec, gpointer user_data)
{
  OhDbusAccount *dbus = OH_DBUS_ACCOUNT (self);
  g_auto(GVariantDict) dict = G_VARIANT_DICT_INIT (NULL);
  g_autoptr(GVariant) change = NULL;
  g_autoptr(GError) error = NULL;

  if (g_str_equal (pspec->name, "enabled")) {
    if (oh_dbus_account_get_enabled (dbus) == setting_bool (self, "enabled", TRUE))
      return;
    g_variant_dict_insert (&dict, "enabled", "b", oh_dbus_account_get_enabled (dbus));
  } else {
    if (g_str_equal (oh_dbus_account_get_display_name (dbus), setting_string (self, "display-name", "")))
      return;
    g_variant_dict_insert (&dict, "display-name", "s", oh_dbus_account_get_display_name (dbus));
  }
  change = g_variant_ref_sink (g_variant_dict_end (&dict));
  if (!update (self, change, &error))
    oh_log_account (G_LOG_LEVEL_WARNING, oh_dbus_account_get_id (dbus), "%s", error->message);
}

static void
oh_account_dispose (GObject *object)
{
  OhAccount *self = OH_ACCOUNT (object);

  g_clear_handle_id (&self->probe_id, g_source_remove);
  g_clear_pointer (&self->probe, oh_sip_handle_free);
  if (self->resolving)
    g_cancellable_cancel (self->resolving);
  g_clear_object (&self->resolving);
  stop_registration (self);
  if (self->sip)
    g_signal_handlers_disconnect_by_data (self->sip, self);
  g_clear_object (&self->sip);
  g_clear_object (&self->config);

  G_OBJECT_CLASS (oh_account_parent_class)->dispose (object);
}

static void
oh_account_finalize (GObject *object)
{
  OhAccount *self = OH_ACCOUNT (object);

  g_free (self->path);
  g_free (self->domain);
  g_free (self->user);
  g_strfreev (self->codecs);
  g_strfreev (self->proxies);
  g_hash_table_unref (self->trusted);
  g_hash_table_unref (self->settings);
  G_OBJECT_CLASS (oh_account_parent_class)->finalize (object);
}

static void
oh_account_class_init (OhAccountClass *klass)
{
  G_OBJECT_CLASS (klass)->dispose = oh_account_dispose;
  G_OBJECT_CLASS (klass)->finalize = oh_account_finalize;
}

static void
oh_account_init (OhAccount *self)
{
  self->settings = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, (GDestroyNotify) g_variant_unref);
  self->trusted = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  g_signal_connect (self, "handle-update", G_CALLBACK (handle_update), NULL);
  g_signal_connect (self, "handle-set-credentials", G_CALLBACK (handle_set_credentials), NULL);
  g_signal_connect (self, "handle-clear-credentials", G_CALLBACK (handle_clear_credentials), NULL);
  g_signal_connect (self, "handle-register", G_CALLBACK (handle_register), NULL);
  g_signal_connect (self, "handle-unregister", G_CALLBACK (handle_unregister), NULL);
}

OhAccount *
oh_account_new (OhConfig *config, OhSip *sip, const char *id, GVariant *settings, GError **error)
{
  g_autoptr(OhAccount) self = NULL;
  g_autoptr(GVariant) owned = g_variant_ref_sink (settings);
  g_autoptr(GVariant) aor = NULL;

  if (!oh_validate_object_id (id, error) || !validate (settings, FALSE, error))
    return NULL;
  aor = g_variant_lookup_value (settings, "aor", G_VARIANT_TYPE_STRING);
  if (!aor) {
    g_set_error (error, OH_ERROR, OH_ERROR_INVALID_ARGUMENTS, "account '%s' has no 'aor'", id);
    return NULL;
  }

  self = g_object_new (OH_TYPE_ACCOUNT, "id", id, "registration-state", "unregistered",
                       "registration-error", "", "active-proxy", "", "transport", "udp", NULL);
  self->config = g_object_ref (config);
  self->sip = g_object_ref (sip);
  self->path = g_strconcat (ACCOUNT_PATH, id, NULL);
  apply (self, settings);
  set_active (self, 0);
  g_signal_connect (sip, "event", G_CALLBACK (on_sip_event), self);
  g_signal_connect (self, "notify::enabled", G_CALLBACK (on_writable_changed), NULL);
  g_signal_connect (self, "notify::display-name", G_CALLBACK (on_writable_changed), NULL);
  return g_steal_pointer (&self);
}

const char *
oh_account_get_path (OhAccount *self)
{
  g_return_val_if_fail (OH_IS_ACCOUNT (self), NULL);
  return self->path;
}

gboolean
oh_account_save (OhAccount *self, GError **error)
{
  g_auto(GVariantDict) dict = G_VARIANT_DICT_INIT (NULL);
  g_autoptr(GVariant) all = NULL;
  GHashTableIter iter;
  gpointer key, value;

  g_return_val_if_fail (OH_IS_ACCOUNT (self), FALSE);

  g_hash_table_iter_init (&iter, self->settings);
  while (g_hash_table_iter_next (&iter, &key, &value))
    g_variant_dict_insert_value (&dict, key, value);
  all = g_variant_ref_sink (g_variant_dict_end (&dict));
  return oh_config_save_account (self->config, oh_dbus_account_get_id (OH_DBUS_ACCOUNT (self)), all, error);
}

void
oh_account_start (OhAccount *self)
{
  g_return_if_fail (OH_IS_ACCOUNT (self));
  start_registration (self);
}

/* Un-REGISTER (when bound) and stop refreshing. */
void
oh_account_stop (OhAccount *self)
{
  OhDbusAccount *dbus = OH_DBUS_ACCOUNT (self);

  g_return_if_fail (OH_IS_ACCOUNT (self));

  g_clear_handle_id (&self->retry_id, g_source_remove);
  if (self->registration && self->registering &&
      g_str_equal (oh_dbus_account_get_registration_state (dbus), "registered")) {
    self->registering = FALSE;
    oh_sip_unregister (self->registration);
    return;
  }
  stop_registration (self);
  set_state (self, oh_dbus_account_get_enabled (dbus) ? "unregistered" : "disabled", "");
}

const char *
oh_account_get_domain (OhAccount *self)
{
  g_return_val_if_fail (OH_IS_ACCOUNT (self), NULL);
  return self->domain;
}

gboolean
oh_account_is_called (OhAccount *self, const char *request_user)
{
  const char *username = setting_string (self, "username", NULL);

  g_return_val_if_fail (OH_IS_ACCOUNT (self), FALSE);
  return (self->user && g_str_equal (self->user, request_user)) ||
         (username && g_str_equal (username, request_user));
}

/* Whether an INVITE from network address @source may ring on this account. */
gboolean
oh_account_accepts_call_from (OhAccount *self, const char *source)
{
  g_return_val_if_fail (OH_IS_ACCOUNT (self), FALSE);

  if (setting_bool (self, "accept-direct-calls", TRUE))
    return TRUE;
  return source && g_hash_table_contains (self->trusted, source);
}

const char *
oh_account_get_password (OhAccount *self)
{
  g_return_val_if_fail (OH_IS_ACCOUNT (self), NULL);
  return oh_config_get_secret (self->config, oh_dbus_account_get_id (OH_DBUS_ACCOUNT (self)));
}

const char * const *
oh_account_get_codecs (OhAccount *self)
{
  g_return_val_if_fail (OH_IS_ACCOUNT (self), NULL);
  return (const char * const *) self->codecs;
}

/* How this account sends DTMF: "rfc4733", "info" or "inband". */
const char *
oh_account_get_dtmf (OhAccount *self)
{
  g_return_val_if_fail (OH_IS_ACCOUNT (self), NULL);
  return setting_string (self, "dtmf", "rfc4733");
}

/* Whether a second call may ring (as `waiting`) during a call, or gets 486. */
gboolean
oh_account_get_call_waiting (OhAccount *self)
{
  g_return_val_if_fail (OH_IS_ACCOUNT (self), TRUE);
  return setting_bool (self, "call-waiting", TRUE);
}

/* A call found @failed unreachable: move on to the next proxy (registration
 * follows) and return it, or NULL when every proxy was tried. */
const char *
oh_account_next_proxy (OhAccount *self, const char *failed)
{
  OhDbusAccount *dbus = OH_DBUS_ACCOUNT (self);
  gsize n;
  const char * const *list = proxies (self, &n);
  guint index = 0;

  g_return_val_if_fail (OH_IS_ACCOUNT (self), NULL);

  while (index < n && g_strcmp0 (list[index], failed) != 0)
    index++;
  if (index + 1 >= n)
    return NULL;
  if (g_str_equal (oh_dbus_account_get_active_proxy (dbus), failed)) {
    oh_log_account (G_LOG_LEVEL_INFO, oh_dbus_account_get_id (dbus),
                    "proxy %s did not answer a call; moving to %s", failed, list[index + 1]);
    set_active (self, index + 1);
    start_registration (self);
  }
  return list[index + 1];
}

/* The forwarding target of @key (forward-always, forward-busy or
 * forward-noanswer); NULL when that forwarding is off. */
const char *
oh_account_get_forward (OhAccount *self, const char *key)
{
  const char *target;

  g_return_val_if_fail (OH_IS_ACCOUNT (self), NULL);
  target = setting_string (self, key, "");
  return *target ? target : NULL;
}

/* Seconds an incoming call rings before forward-noanswer takes it. */
guint
oh_account_get_forward_noanswer_timeout (OhAccount *self)
{
  GVariant *v;

  g_return_val_if_fail (OH_IS_ACCOUNT (self), FORWARD_NOANSWER_DEFAULT_S);
  v = setting (self, "forward-noanswer-timeout");
  return v ? g_variant_get_uint32 (v) : FORWARD_NOANSWER_DEFAULT_S;
}

/* Whether calls that ask for it are answered by themselves: "never",
 * "proxy" (only those sent by the account's proxies) or "always". */
const char *
oh_account_get_auto_answer (OhAccount *self)
{
  g_return_val_if_fail (OH_IS_ACCOUNT (self), "never");
  return setting_string (self, "auto-answer", "proxy");
}

/* Whether an INVITE from network address @source came through one of the
 * account's proxies (or the AOR's domain when it has none). */
gboolean
oh_account_is_from_proxy (OhAccount *self, const char *source)
{
  g_return_val_if_fail (OH_IS_ACCOUNT (self), FALSE);
  return source && g_hash_table_contains (self->trusted, source);
}

/* The proxy after @proxy in the list, NULL when it is the last or unknown;
 * unlike oh_account_next_proxy() the account stays where it is. */
const char *
oh_account_proxy_after (OhAccount *self, const char *proxy)
{
  gsize n;
  const char * const *list;

  g_return_val_if_fail (OH_IS_ACCOUNT (self), NULL);
  list = proxies (self, &n);
  for (gsize i = 0; i + 1 < n; i++)
    if (g_strcmp0 (list[i], proxy) == 0)
      return list[i + 1];
  return NULL;
}
