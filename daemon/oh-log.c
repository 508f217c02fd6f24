/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Log lines about one account or one call, with journal fields to find them by. */
#include "oh-log.h"

#include <string.h>

/* syslog priorities, as GLib's own structured logging maps the levels */
static const char *
priority (GLogLevelFlags level)
{
  if (level & G_LOG_LEVEL_ERROR)
    return "3";
  if (level & (G_LOG_LEVEL_CRITICAL | G_LOG_LEVEL_WARNING))
    return "4";
  if (level & G_LOG_LEVEL_MESSAGE)
    return "5";
  if (level & G_LOG_LEVEL_INFO)
    return "6";
  return "7";
}

static const char *
last_segment (const char *path)
{
  const char *slash = strrchr (path, '/');

  return slash ? slash + 1 : path;
}

void
oh_log_fields (const char *domain, GLogLevelFlags level, const char *account,
               const char *call_path, const char *call_id, const char *code_file,
               const char *code_line, const char *code_func, const char *format, ...)
{
  g_autofree char *text = NULL;
  g_autofree char *message = NULL;
  const char *account_id = account ? last_segment (account) : "";
  GLogField fields[9];
  gsize n = 0;
  va_list ap;

  va_start (ap, format);
  text = g_strdup_vprintf (format, ap);
  va_end (ap);
  if (call_path && *call_path)
    message = g_strdup_printf ("call %s: %s", call_path, text);
  else if (*account_id)
    message = g_strdup_printf ("account %s: %s", account_id, text);
  else
    message = g_steal_pointer (&text);

  fields[n++] = (GLogField) { "MESSAGE", message, -1 };
  fields[n++] = (GLogField) { "PRIORITY", priority (level), -1 };
  fields[n++] = (GLogField) { "GLIB_DOMAIN", domain, -1 };
  fields[n++] = (GLogField) { "CODE_FILE", code_file, -1 };
  fields[n++] = (GLogField) { "CODE_LINE", code_line, -1 };
  fields[n++] = (GLogField) { "CODE_FUNC", code_func, -1 };
  if (*account_id)
    fields[n++] = (GLogField) { "OFFHOOK_ACCOUNT", account_id, -1 };
  if (call_path && *call_path)
    fields[n++] = (GLogField) { "OFFHOOK_CALL", last_segment (call_path), -1 };
  if (call_id && *call_id)
    fields[n++] = (GLogField) { "SIP_CALL_ID", call_id, -1 };
  g_log_structured_array (level, fields, n);
}
