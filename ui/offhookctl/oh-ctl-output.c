/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* How offhookctl prints: values in the daemon's words, JSON one object a line. */
#include "oh-ctl-output.h"

#include <stdlib.h>
#include <string.h>

#include <json-glib/json-glib.h>

#include "oh-ctl-client.h"

void
oh_ctl_print_json (GVariant *value)
{
  g_autoptr(GVariant) owned = g_variant_ref_sink (value);
  g_autoptr(JsonNode) node = json_gvariant_serialize (owned);
  g_autofree char *text = json_to_string (node, FALSE);

  g_print ("%s\n", text);
}

GVariant *
oh_ctl_proxy_properties (gpointer proxy)
{
  g_auto(GStrv) names = g_dbus_proxy_get_cached_property_names (G_DBUS_PROXY (proxy));
  GVariantBuilder builder;

  g_variant_builder_init (&builder, G_VARIANT_TYPE_VARDICT);
  g_variant_builder_add (&builder, "{sv}", "path",
                         g_variant_new_object_path (g_dbus_proxy_get_object_path (proxy)));
  for (guint i = 0; names && names[i]; i++) {
    g_autoptr(GVariant) value = g_dbus_proxy_get_cached_property (G_DBUS_PROXY (proxy), names[i]);
    if (value)
      g_variant_builder_add (&builder, "{sv}", names[i], value);
  }
  return g_variant_builder_end (&builder);
}

static int
compare_names (const void *a, const void *b)
{
  return strcmp (*(char * const *) a, *(char * const *) b);
}

char *
oh_ctl_format_value (GVariant *value)
{
  if (g_variant_is_of_type (value, G_VARIANT_TYPE_STRING) ||
      g_variant_is_of_type (value, G_VARIANT_TYPE_OBJECT_PATH))
    return g_variant_dup_string (value, NULL);
  if (g_variant_is_of_type (value, G_VARIANT_TYPE_STRING_ARRAY) ||
      g_variant_is_of_type (value, G_VARIANT_TYPE_OBJECT_PATH_ARRAY)) {
    g_autofree const char **items = g_variant_is_of_type (value, G_VARIANT_TYPE_STRING_ARRAY)
                                      ? g_variant_get_strv (value, NULL)
                                      : g_variant_get_objv (value, NULL);
    return g_strjoinv (",", (char **) items);
  }
  if (g_variant_is_of_type (value, G_VARIANT_TYPE_VARDICT)) {
    g_autoptr(GPtrArray) keys = g_ptr_array_new ();
    GString *out = g_string_new (NULL);
    GVariantIter iter;
    const char *key;

    /* sorted: the same object prints the same way every time */
    g_variant_iter_init (&iter, value);
    while (g_variant_iter_next (&iter, "{&sv}", &key, NULL))
      g_ptr_array_add (keys, (gpointer) key);
    g_ptr_array_sort (keys, compare_names);
    for (guint i = 0; i < keys->len; i++) {
      g_autoptr(GVariant) item = g_variant_lookup_value (value, keys->pdata[i], NULL);
      g_autofree char *text = oh_ctl_format_value (item);
      g_string_append_printf (out, "%s%s=%s", out->len ? " " : "", (const char *) keys->pdata[i], text);
    }
    return g_string_free (out, FALSE);
  }
  if (g_variant_is_of_type (value, G_VARIANT_TYPE_VARIANT)) {
    g_autoptr(GVariant) inner = g_variant_get_variant (value);
    return oh_ctl_format_value (inner);
  }
  /* numbers and booleans: GVariant text without type annotations */
  return g_variant_print (value, FALSE);
}

char *
oh_ctl_format_time (gint64 us)
{
  g_autoptr(GDateTime) utc = NULL;
  g_autoptr(GDateTime) local = NULL;
  g_autofree char *day = NULL;
  g_autofree char *zone = NULL;

  if (us <= 0)
    return g_strdup ("-");
  utc = g_date_time_new_from_unix_utc (us / G_USEC_PER_SEC);
  if (!utc)
    return g_strdup ("-");
  local = g_date_time_to_local (utc);
  day = g_date_time_format (local, "%Y-%m-%dT%H:%M:%S");
  zone = g_date_time_format (local, "%:z");
  return g_strdup_printf ("%s.%03d%s", day, (int) (us % G_USEC_PER_SEC / 1000), zone);
}

char *
oh_ctl_format_duration (guint64 seconds)
{
  if (seconds >= 3600)
    return g_strdup_printf ("%" G_GUINT64_FORMAT ":%02u:%02u", seconds / 3600,
                            (guint) (seconds / 60 % 60), (guint) (seconds % 60));
  return g_strdup_printf ("%u:%02u", (guint) (seconds / 60), (guint) (seconds % 60));
}

void
oh_ctl_print_properties (gpointer proxy)
{
  g_auto(GStrv) names = g_dbus_proxy_get_cached_property_names (G_DBUS_PROXY (proxy));

  if (!names)
    return;
  qsort (names, g_strv_length (names), sizeof (char *), compare_names);
  for (guint i = 0; names[i]; i++) {
    g_autoptr(GVariant) value = g_dbus_proxy_get_cached_property (G_DBUS_PROXY (proxy), names[i]);
    g_autofree char *text = NULL;

    if (!value)
      continue;
    /* StartTime, ConnectTime, RegistrationExpires: µs since the epoch */
    if (g_variant_is_of_type (value, G_VARIANT_TYPE_UINT64) &&
        (g_str_has_suffix (names[i], "Time") || g_str_has_suffix (names[i], "Expires")))
      text = oh_ctl_format_time ((gint64) g_variant_get_uint64 (value));
    else
      text = oh_ctl_format_value (value);
    g_print ("  %s: %s\n", names[i], text);
  }
}

void
oh_ctl_print_call_line (OhDbusCall *call)
{
  const char *state = oh_dbus_call_get_state (call);
  const char *name = oh_dbus_call_get_remote_name (call);
  const char *codec = oh_dbus_call_get_codec (call);
  const char *reason = oh_dbus_call_get_disconnect_reason (call);
  guint64 connected = oh_dbus_call_get_connect_time (call);
  GString *line = g_string_new (NULL);

  g_string_append_printf (line, "%-4s %-13s %-9s %s", oh_ctl_short_name (g_dbus_proxy_get_object_path (G_DBUS_PROXY (call))),
                          state ? state : "?", oh_dbus_call_get_direction (call),
                          oh_dbus_call_get_remote_uri (call));
  if (name && *name)
    g_string_append_printf (line, " \"%s\"", name);
  if (codec && *codec)
    g_string_append_printf (line, " %s", codec);
  if (reason && *reason) {
    g_string_append_printf (line, " %s", reason);
    if (oh_dbus_call_get_sip_status (call))
      g_string_append_printf (line, " (SIP %u)", oh_dbus_call_get_sip_status (call));
  } else if (connected) {
    g_autofree char *talked = oh_ctl_format_duration ((g_get_real_time () - (gint64) connected) / G_USEC_PER_SEC);
    g_string_append_printf (line, " %s", talked);
  }
  if (oh_dbus_call_get_remote_held (call))
    g_string_append (line, " remote-held");
  if (oh_dbus_call_get_multiparty (call))
    g_string_append (line, " multiparty");
  g_print ("%s\n", line->str);
  g_string_free (line, TRUE);
}

void
oh_ctl_print_account_line (OhDbusAccount *account)
{
  const char *proxy = oh_dbus_account_get_active_proxy (account);
  const char *error = oh_dbus_account_get_registration_error (account);

  g_print ("%-12s %-13s %s%s%s%s%s%s\n", oh_dbus_account_get_id (account),
           oh_dbus_account_get_registration_state (account), oh_dbus_account_get_aor (account),
           proxy && *proxy ? " via " : "", proxy ? proxy : "",
           error && *error ? " (" : "", error ? error : "", error && *error ? ")" : "");
}

GVariant *
oh_ctl_proxies_properties (GList *proxies)
{
  GVariantBuilder builder;

  g_variant_builder_init (&builder, G_VARIANT_TYPE ("aa{sv}"));
  for (GList *l = proxies; l; l = l->next)
    g_variant_builder_add_value (&builder, oh_ctl_proxy_properties (l->data));
  return g_variant_builder_end (&builder);
}
