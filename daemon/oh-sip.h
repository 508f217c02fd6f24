/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The Sofia-SIP stack on the GLib main loop; the only user of nua_*. */
#pragma once

#include <glib-object.h>

#include "oh-config.h"

G_BEGIN_DECLS

/* One SIP usage: a registration, a call or an OPTIONS probe. Owned by whoever
 * created or claimed it; freed with oh_sip_handle_free(). */
typedef struct _OhSipHandle OhSipHandle;

typedef enum {
  OH_SIP_EVENT_REGISTER,    /* final answer to REGISTER; expires > 0 when bound */
  OH_SIP_EVENT_UNREGISTER,  /* final answer to the un-REGISTER */
  OH_SIP_EVENT_SENT,        /* our INVITE went out */
  OH_SIP_EVENT_PROGRESS,    /* answer to our INVITE: 1xx, 2xx or a final failure */
  OH_SIP_EVENT_MEDIA,       /* offer/answer done: the media fields are valid */
  OH_SIP_EVENT_ESTABLISHED, /* the dialog is confirmed (ACK sent or received) */
  OH_SIP_EVENT_ENDED,       /* the dialog is over (BYE, CANCEL, failure) */
  OH_SIP_EVENT_OPTIONS,     /* answer to an OPTIONS probe */
  OH_SIP_EVENT_DTMF,        /* a digit came in a SIP INFO */
  OH_SIP_EVENT_HOLD_FAILED, /* our re-INVITE (hold or resume) was refused */
  OH_SIP_EVENT_TRANSFER,    /* how our REFER goes: its refusal, or a NOTIFY's sipfrag status */
  OH_SIP_EVENT_REFERRED,    /* the far end asks us to call refer_to (its REFER took 202) */
} OhSipEventType;

typedef struct {
  OhSipEventType type;
  guint status;             /* SIP status; 0 when none */
  const char *phrase;
  gboolean local;           /* made by our own stack: timeout or transport error */
  gboolean auth_failed;     /* the credentials were refused or are missing */
  gboolean by_remote;       /* ENDED: the other side sent BYE or CANCEL */
  gboolean cancelled;       /* ENDED: the caller cancelled before an answer */
  gboolean expired;         /* ENDED: the session timer ran out (RFC 4028): our
                             * refresh failed (status: its answer, 408 when none
                             * came) or the far end's did not come (408) */
  const char * const *contacts; /* ENDED by a 3xx: where to try instead, highest q first;
                                 * PROGRESS with a 3xx status: the stack re-sent our first
                                 * INVITE to contacts[0] by itself (302); else NULL */
  guint expires;            /* REGISTER: seconds the binding lasts */
  const char *remote_name;  /* PROGRESS 18x/2xx of the first INVITE: P-Asserted-Identity,
                             * Remote-Party-ID or To; "Anonymous" when it hides;
                             * "" when none (NULL for re-INVITEs) */
  const char *remote_uri;   /* their URI, likewise */
  /* MEDIA: the negotiated stream */
  const char *media_address;
  guint media_port;
  const char *encoding;     /* as the SDP names it: "PCMU", "G722", "opus" */
  guint clock_rate;         /* RTP clock rate */
  guint send_payload;       /* the far end's payload type for it */
  guint recv_payload;       /* ours */
  guint ptime;              /* the far end's a=ptime in ms, 0 when it gave none */
  guint dtmf_send_payload;  /* telephone-event both ways; 0 when not negotiated */
  guint dtmf_recv_payload;
  guint dtmf_clock_rate;
  gboolean sending;         /* neither side holds the call: our audio goes out */
  gboolean remote_hold;     /* the far end takes no audio: sendonly, inactive or c=0.0.0.0 */
  gboolean local_hold;      /* we hold it (oh_sip_hold) */
  /* DTMF */
  char digit;               /* 0-9 * # A-D */
  /* TRANSFER: status and phrase of the REFER's answer or of the referred call */
  gboolean final;           /* no more news of this transfer will come */
  /* REFERRED */
  const char *refer_to;     /* the URI to call, without its ?headers */
  const char *referred_by;  /* the Referred-By (or From) of the REFER */
  const char *replaces;     /* Replaces header value the Refer-To carried, or NULL */
} OhSipEvent;

typedef struct {
  const char *call_id;
  const char *remote_uri;
  const char *remote_name;
  const char *request_user; /* user part of the Request-URI: which account is called */
  const char *source;       /* "address:port": where the INVITE came from and its sender's Via port */
  const char *alert_info;   /* the Alert-Info header, NULL when none */
  gpointer replaces;        /* owner of the call this INVITE replaces (RFC 3891) */
  int answer_after;         /* the caller asks us to answer by ourselves after this many
                             * seconds (Answer-Mode: Auto, Call-Info answer-after,
                             * Alert-Info alert-autoanswer); -1 when it does not */
} OhSipIncoming;

typedef struct {
  const char *address;      /* our media address, NULL or "" = let the stack pick */
  guint port;
  const char * const *codecs; /* preference order of "pcmu", "pcma", "g722", "opus" */
  gboolean dtmf_events;     /* offer RFC 4733 telephone-event */
} OhSipMedia;

typedef struct {
  const char *from_uri;
  const char *from_name;
  const char *to_uri;
  const char *proxy;        /* outbound proxy URI, NULL = route by the target */
  const char *username;     /* for 401/407 challenges; NULL = none */
  const char *password;
  gboolean anonymous;
  gboolean auto_answer;
  const OhSipMedia *media;
  /* a call made because of a REFER */
  const char *referred_by;
  const char *replaces;     /* Replaces header value (attended transfer) */
} OhSipInvite;

#define OH_TYPE_SIP (oh_sip_get_type ())
G_DECLARE_FINAL_TYPE (OhSip, oh_sip, OH, SIP, GObject)

OhSip        *oh_sip_new                 (const OhSettings *settings,
                                          gboolean          trace,
                                          GError          **error);
void          oh_sip_shutdown            (OhSip            *self);

OhSipHandle  *oh_sip_register            (OhSip            *self,
                                          gpointer          owner,
                                          const char       *aor,
                                          const char       *display_name,
                                          const char       *proxy,
                                          guint             expires,
                                          const char       *username,
                                          const char       *password);
void          oh_sip_unregister          (OhSipHandle      *handle);

OhSipHandle  *oh_sip_invite              (OhSip            *self,
                                          gpointer          owner,
                                          const OhSipInvite *invite);
void          oh_sip_answer              (OhSipHandle      *handle,
                                          const OhSipMedia *media);
void          oh_sip_respond             (OhSipHandle      *handle,
                                          guint             status,
                                          const char       *phrase,
                                          const char       *contact);
void          oh_sip_hangup              (OhSipHandle      *handle);
void          oh_sip_hold                (OhSipHandle      *handle,
                                          gboolean          hold);
void          oh_sip_refer               (OhSipHandle      *handle,
                                          const char       *target,
                                          const char       *referred_by,
                                          OhSipHandle      *replaces);
void          oh_sip_refer_notify        (OhSipHandle      *handle,
                                          guint             status,
                                          const char       *phrase);
void          oh_sip_send_dtmf_info      (OhSipHandle      *handle,
                                          char              digit,
                                          guint             duration_ms);

OhSipHandle  *oh_sip_options             (OhSip            *self,
                                          gpointer          owner,
                                          const char       *uri);

void          oh_sip_handle_set_owner    (OhSipHandle      *handle,
                                          gpointer          owner);
const char   *oh_sip_handle_get_call_id  (OhSipHandle      *handle);
void          oh_sip_handle_free         (OhSipHandle      *handle);

const char   *oh_sip_status_phrase       (guint             status);

/* Pure helpers on SIP URIs (Sofia's URL parser), for D-Bus argument checks. */
char         *oh_sip_normalize_target    (const char       *target,
                                          const char       *domain,
                                          GError          **error);
gboolean      oh_sip_uri_parts           (const char       *uri,
                                          char            **user,
                                          char            **host,
                                          char            **port,
                                          GError          **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (OhSipHandle, oh_sip_handle_free)

G_END_DECLS
