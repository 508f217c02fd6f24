/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Log lines about one account or one call, with journal fields to find them by. */
#pragma once

#include "oh-dbus-generated.h"

G_BEGIN_DECLS

/* OFFHOOK_ACCOUNT=<id>, OFFHOOK_CALL=<n> (as in /org/offhook/Phone1/Call/<n>) and
 * SIP_CALL_ID=<Call-ID> on the message, so that `journalctl OFFHOOK_CALL=3`
 * tells one call's story. @account is an account id or an account object path
 * ("/" = none); NULL or empty arguments add no field. The message starts with
 * "call <path>: " or, without a call, "account <id>: ". */
void oh_log_fields (const char     *domain,
                    GLogLevelFlags  level,
                    const char     *account,
                    const char     *call_path,
                    const char     *call_id,
                    const char     *code_file,
                    const char     *code_line,
                    const char     *code_func,
                    const char     *format,
                    ...) G_GNUC_PRINTF (9, 10);

#define oh_log(level, account, call_path, call_id, ...) \
  oh_log_fields (G_LOG_DOMAIN, (level), (account), (call_path), (call_id), \
                 __FILE__, G_STRINGIFY (__LINE__), G_STRFUNC, __VA_ARGS__)

/* about an account, by its id */
#define oh_log_account(level, id, ...) oh_log ((level), (id), NULL, NULL, __VA_ARGS__)

/* about a call: its account and Call-ID come from its D-Bus properties */
#define oh_log_call(level, call, call_path, ...) \
  oh_log ((level), oh_dbus_call_get_account (OH_DBUS_CALL (call)), (call_path), \
          oh_dbus_call_get_sip_call_id (OH_DBUS_CALL (call)), __VA_ARGS__)

G_END_DECLS
