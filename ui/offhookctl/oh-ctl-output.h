/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* How offhookctl prints: values in the daemon's words, JSON one object a line. */
#pragma once

#include <gio/gio.h>

#include "oh-dbus-generated.h"

G_BEGIN_DECLS

/* Print @value (usually a{sv}, floating refs are sunk) as one line of JSON. */
void      oh_ctl_print_json        (GVariant   *value);

/* Every cached property of @proxy as a{sv}, plus "path" (o). */
GVariant *oh_ctl_proxy_properties  (gpointer    proxy);

/* A property value as a person reads it: strings bare, lists comma-separated,
 * booleans true/false, dictionaries key=value. */
char     *oh_ctl_format_value      (GVariant   *value);

/* @us (µs since the epoch) as local ISO 8601 with milliseconds; "-" for 0. */
char     *oh_ctl_format_time       (gint64      us);

/* Seconds as H:MM:SS or M:SS. */
char     *oh_ctl_format_duration   (guint64     seconds);

/* Print every cached property of @proxy, one "  Name: value" line each. */
void      oh_ctl_print_properties  (gpointer    proxy);

/* One line for a call in a list: number, state, direction, remote party, … */
void      oh_ctl_print_call_line    (OhDbusCall    *call);
/* One line for an account in a list: id, registration state, AOR, proxy, … */
void      oh_ctl_print_account_line (OhDbusAccount *account);

/* oh_ctl_proxy_properties() of each proxy in @proxies, as aa{sv}. */
GVariant *oh_ctl_proxies_properties (GList         *proxies);

G_END_DECLS
