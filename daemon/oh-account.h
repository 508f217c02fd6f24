/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* One SIP identity: settings, credentials, registration and proxy failover. */
#pragma once

#include "oh-config.h"
#include "oh-dbus-generated.h"
#include "oh-sip.h"

G_BEGIN_DECLS

#define OH_TYPE_ACCOUNT (oh_account_get_type ())
G_DECLARE_FINAL_TYPE (OhAccount, oh_account, OH, ACCOUNT, OhDbusAccountSkeleton)

/* key → GVariant type string of every persisted account setting */
GHashTable   *oh_account_setting_types   (void);

OhAccount    *oh_account_new             (OhConfig    *config,
                                          OhSip       *sip,
                                          const char  *id,
                                          GVariant    *settings,
                                          GError     **error);
const char   *oh_account_get_path        (OhAccount   *self);
gboolean      oh_account_save            (OhAccount   *self,
                                          GError     **error);
void          oh_account_start           (OhAccount   *self);
void          oh_account_stop            (OhAccount   *self);

const char   *oh_account_get_domain      (OhAccount   *self);
gboolean      oh_account_is_called       (OhAccount   *self,
                                          const char  *request_user);
gboolean      oh_account_accepts_call_from (OhAccount *self,
                                          const char  *source);
const char   *oh_account_get_password    (OhAccount   *self);
const char * const *oh_account_get_codecs (OhAccount  *self);
const char   *oh_account_get_dtmf        (OhAccount   *self);
gboolean      oh_account_get_call_waiting (OhAccount  *self);
const char   *oh_account_next_proxy      (OhAccount   *self,
                                          const char  *failed);
const char   *oh_account_proxy_after     (OhAccount   *self,
                                          const char  *proxy);
const char   *oh_account_get_forward     (OhAccount   *self,
                                          const char  *key);
guint         oh_account_get_forward_noanswer_timeout (OhAccount *self);
const char   *oh_account_get_auto_answer (OhAccount   *self);
gboolean      oh_account_is_from_proxy   (OhAccount   *self,
                                          const char  *source);

gboolean      oh_validate_object_id      (const char  *id,
                                          GError     **error);

G_END_DECLS
