/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The Sofia-SIP stack on the GLib main loop; the only user of nua_*. */
#define G_LOG_DOMAIN "offhook-sip"

#include <stdio.h>
#include <string.h>

#include <glib.h>

typedef struct _OhSip OhSipMagic;
typedef struct _OhSipHandle OhSipHandleMagic;
#define NUA_MAGIC_T OhSipMagic
#define NUA_HMAGIC_T OhSipHandleMagic
#define SU_ROOT_MAGIC_T void

#include <sofia-sip/msg_header.h>
#include <sofia-sip/nta_tag.h>
#include <sofia-sip/nua.h>
#include <sofia-sip/nua_tag.h>
#include <sofia-sip/sdp.h>
#include <sofia-sip/sip_extra.h>
#include <sofia-sip/sip_header.h>
#include <sofia-sip/sip_status.h>
#include <sofia-sip/sip_util.h>
#include <sofia-sip/soa_tag.h>
#include <sofia-sip/su_glib.h>
#include <sofia-sip/su_log.h>
#include <sofia-sip/su_tag_io.h>
#include <sofia-sip/tport_tag.h>
#include <sofia-sip/url.h>

#include "oh-error.h"
#include "oh-sip.h"

#define MAX_TARGET_LENGTH 1024

extern su_log_t nua_log[];
extern su_log_t nta_log[];
extern su_log_t tport_log[];

typedef enum { KIND_REGISTER, KIND_CALL, KIND_OPTIONS } HandleKind;

struct _OhSipHandle {
  OhSip *sip;
  nua_handle_t *nh;
  HandleKind kind;
  gpointer owner;
  char *call_id;
  char *username;
  char *password;
  guint auth_tries;
  gboolean outgoing;
  gboolean answered;    /* a 2xx was sent or received */
  gboolean reinviting;  /* our re-INVITE (hold, resume) is pending */
  gboolean hold;        /* what it asks for */
  guint glare_retry;    /* a 491 is retried after this timer */
  gboolean ended;
  gboolean bye_asked;   /* our owner hung up: any other BYE is the stack's own */
  gboolean stack_error; /* the stack gave up on a transaction (no ACK, no PRACK) */
  gboolean expired;     /* the session timer ended the call */
  gboolean doomed;      /* freed by its owner while its event was being handled */
  guint final_status;
  char *final_phrase;
  gboolean final_local;
  GStrv redirect;       /* the Contacts of a 3xx to our INVITE, highest q first */
  /* the last SDP each side sent, in the nua handle's home */
  sdp_session_t *local_sdp;
  sdp_session_t *remote_sdp;
  sip_event_t *refer_event; /* of the REFER we took, for the NOTIFYs; nh's home */
  gboolean referring;       /* our REFER has no final news yet */
};

struct _OhSip {
  GObject parent_instance;

  su_root_t *root;
  nua_t *nua;
  GHashTable *handles;  /* set of OhSipHandle* */
  OhSipHandle *dispatching; /* the handle whose event is being handled */
  gboolean shutting_down;
  char *contact_features; /* +sip.instance on our registrations' Contact */
};

enum {
  SIGNAL_EVENT,
  SIGNAL_INCOMING_CALL,
  SIGNAL_SHUTDOWN_DONE,
  N_SIGNALS
};
static guint signals[N_SIGNALS];

G_DEFINE_TYPE (OhSip, oh_sip, G_TYPE_OBJECT)

static void
wipe_free (char *secret)
{
  if (secret) {
    explicit_bzero (secret, strlen (secret));
    g_free (secret);
  }
}

/* @text with the value of every response=, nextnonce= and cnonce=
 * parameter (any case, spaces around '=', quoted or a token) replaced. */
static char *
redact_digest (const char *text)
{
  static const char * const secret[] = { "response", "nextnonce", "cnonce" };
  g_autoptr(GString) out = g_string_sized_new (strlen (text));
  const char *p = text;

  while (*p) {
    gsize name_len = 0;
    const char *value;

    /* a parameter name starts where no other name character comes before it */
    if (p == text || !(g_ascii_isalnum (p[-1]) || p[-1] == '-' || p[-1] == '_'))
      for (guint i = 0; i < G_N_ELEMENTS (secret) && !name_len; i++)
        if (g_ascii_strncasecmp (p, secret[i], strlen (secret[i])) == 0)
          name_len = strlen (secret[i]);
    value = p + name_len;
    while (name_len && g_ascii_isspace (*value))
      value++;
    if (!name_len || *value != '=') {
      g_string_append_c (out, *p++);
      continue;
    }
    for (value++; g_ascii_isspace (*value); value++)
      ;
    if (*value == '"') {
      const char *end = strchr (value + 1, '"');
      value = end ? end + 1 : value + strlen (value);
    } else {
      while (*value && *value != ',' && !g_ascii_isspace (*value))
        value++;
    }
    g_string_append_len (out, p, (gssize) name_len);
    g_string_append (out, "=\"<redacted>\"");
    p = value;
  }
  return g_string_free (g_steal_pointer (&out), FALSE);
}

/* Sofia's log lines (the SIP trace among them), with digest responses
 * blanked, into GLib's structured log; not even formatted when debug
 * messages are off. */
static void
on_sofia_log (void *stream, char const *fmt, va_list ap)
{
  g_autofree char *text = NULL;
  g_autofree char *clean = NULL;

  if (g_log_writer_default_would_drop (G_LOG_LEVEL_DEBUG, G_LOG_DOMAIN))
    return;
  text = g_strdup_vprintf (fmt, ap);
  g_strchomp (text);
  if (!*text)
    return;
  clean = redact_digest (text);
  g_debug ("%s", clean);
}

static void handle_destroy (OhSipHandle *h);

static OhSipHandle *
handle_new (OhSip *self, HandleKind kind, gpointer owner)
{
  OhSipHandle *h = g_new0 (OhSipHandle, 1);

  h->sip = self;
  h->kind = kind;
  h->owner = owner;
  g_hash_table_add (self->handles, h);
  return h;
}

static void
handle_keep_sdp (OhSipHandle *h, sdp_session_t **slot, const sdp_session_t *sdp)
{
  su_home_t *home = nua_handle_home (h->nh);

  if (*slot)
    su_free (home, *slot);
  *slot = sdp_session_dup (home, sdp);
}

static const sdp_media_t *
audio_media (const sdp_session_t *sdp)
{
  for (const sdp_media_t *m = sdp ? sdp->sdp_media : NULL; m; m = m->m_next)
    if (m->m_type == sdp_media_audio && m->m_port != 0 && !m->m_rejected)
      return m;
  return NULL;
}

static gboolean
is_telephone_event (const sdp_rtpmap_t *rm)
{
  return rm->rm_encoding && g_ascii_strcasecmp (rm->rm_encoding, "telephone-event") == 0;
}

/* Payload types are matched by name and clock rate, never by number. */
static const sdp_rtpmap_t *
find_rtpmap (const sdp_media_t *m, const char *encoding, unsigned long rate)
{
  for (const sdp_rtpmap_t *rm = m->m_rtpmaps; rm; rm = rm->rm_next)
    if (rm->rm_encoding && g_ascii_strcasecmp (rm->rm_encoding, encoding) == 0 && rm->rm_rate == rate)
      return rm;
  return NULL;
}

/* From the answer (ours or theirs): the first codec both sides listed, sent
 * with the far end's payload type and received with ours; telephone-event at
 * the codec's clock rate if both have it, else at any rate both have. */
static gboolean
negotiate (OhSipHandle *h, gboolean answer_is_remote, OhSipEvent *event)
{
  const sdp_session_t *answer = answer_is_remote ? h->remote_sdp : h->local_sdp;
  const sdp_media_t *am = audio_media (answer);
  const sdp_media_t *lm = audio_media (h->local_sdp);
  const sdp_media_t *rm = audio_media (h->remote_sdp);
  const sdp_rtpmap_t *codec = NULL, *dtmf = NULL;
  const sdp_connection_t *c;
  const sdp_attribute_t *ptime;

  if (!am || !lm || !rm)
    return FALSE;
  for (const sdp_rtpmap_t *m = am->m_rtpmaps; m && !codec; m = m->rm_next)
    if (!is_telephone_event (m) && find_rtpmap (lm, m->rm_encoding, m->rm_rate) &&
        find_rtpmap (rm, m->rm_encoding, m->rm_rate))
      codec = m;
  if (!codec)
    return FALSE;
  for (guint pass = 0; pass < 2 && !dtmf; pass++)
    for (const sdp_rtpmap_t *m = am->m_rtpmaps; m && !dtmf; m = m->rm_next)
      if (is_telephone_event (m) && (pass == 1 || m->rm_rate == codec->rm_rate) &&
          find_rtpmap (lm, m->rm_encoding, m->rm_rate) && find_rtpmap (rm, m->rm_encoding, m->rm_rate))
        dtmf = m;

  c = rm->m_connections ? rm->m_connections : h->remote_sdp->sdp_connection;
  ptime = sdp_attribute_find (rm->m_attributes, "ptime");
  event->media_address = c ? c->c_address : NULL;
  event->media_port = rm->m_port;
  event->encoding = codec->rm_encoding;
  event->clock_rate = (guint) codec->rm_rate;
  event->send_payload = find_rtpmap (rm, codec->rm_encoding, codec->rm_rate)->rm_pt;
  event->recv_payload = find_rtpmap (lm, codec->rm_encoding, codec->rm_rate)->rm_pt;
  event->ptime = ptime && ptime->a_value ? (guint) strtoul (ptime->a_value, NULL, 10) : 0;
  {
    gboolean zero = c && (g_str_equal (c->c_address, "0.0.0.0") || g_str_equal (c->c_address, "::"));
    event->remote_hold = zero || !(rm->m_mode & sdp_recvonly);
    event->local_hold = h->hold;
    /* on hold either way nothing is sent: no music on hold from a desk phone */
    event->sending = !event->remote_hold && !event->local_hold;
  }
  if (dtmf) {
    event->dtmf_clock_rate = (guint) dtmf->rm_rate;
    event->dtmf_send_payload = find_rtpmap (rm, dtmf->rm_encoding, dtmf->rm_rate)->rm_pt;
    event->dtmf_recv_payload = find_rtpmap (lm, dtmf->rm_encoding, dtmf->rm_rate)->rm_pt;
  }
  return event->media_address != NULL;
}

static void
emit (OhSipHandle *h, OhSipEvent *event)
{
  if (h->owner)
    g_signal_emit (h->sip, signals[SIGNAL_EVENT], 0, h->owner, h, event);
}

static void
emit_ended (OhSipHandle *h, gboolean by_remote, gboolean cancelled)
{
  OhSipEvent event = {
    .type = OH_SIP_EVENT_ENDED,
    .status = h->final_status,
    .phrase = h->final_phrase,
    .local = h->final_local,
    .by_remote = by_remote,
    .cancelled = cancelled,
    .expired = h->expired && !by_remote,
    .contacts = (const char * const *) h->redirect,
  };

  if (h->ended)
    return;
  h->ended = TRUE;
  emit (h, &event);
}

/* Answer a 401/407 once per request with the handle's credentials. */
static gboolean
try_authenticate (OhSipHandle *h, const sip_t *sip)
{
  const msg_auth_t *challenges[2] = { NULL, NULL };

  if (!sip || !h->username || h->auth_tries > 0)
    return FALSE;
  challenges[0] = sip->sip_www_authenticate;
  challenges[1] = sip->sip_proxy_authenticate;

  for (guint i = 0; i < G_N_ELEMENTS (challenges); i++) {
    for (const msg_auth_t *au = challenges[i]; au; au = au->au_next) {
      const char *realm = msg_params_find (au->au_params, "realm=");
      char *credentials;

      if (!realm || g_ascii_strcasecmp (au->au_scheme, "Digest") != 0)
        continue;
      credentials = g_strdup_printf ("%s:%s:%s:%s", au->au_scheme, realm, h->username,
                                     h->password ? h->password : "");
      h->auth_tries++;
      nua_authenticate (h->nh, NUTAG_AUTH (credentials), TAG_END ());
      wipe_free (credentials);
      return TRUE;
    }
  }
  return FALSE;
}

static guint
binding_expires (const sip_t *sip)
{
  if (!sip)
    return 0;
  for (const sip_contact_t *m = sip->sip_contact; m; m = m->m_next)
    if (m->m_expires)
      return (guint) strtoul (m->m_expires, NULL, 10);
  return sip->sip_expires ? (guint) sip->sip_expires->ex_delta : 0;
}

/* Sofia hands us its own 408 (timeout) and 503 (transport error) as complete
 * responses. Every server that answered fills in the received/rport of our Via
 * (RFC 3581); a response made by our own stack still carries the Via we sent. */
static gboolean
is_local_response (const sip_t *sip)
{
  const sip_via_t *via = sip ? sip->sip_via : NULL;

  return !via || (!via->v_received && (!via->v_rport || !*via->v_rport));
}

static void send_reinvite (OhSipHandle *h);

static gboolean
on_glare_retry (gpointer data)
{
  OhSipHandle *h = data;

  h->glare_retry = 0;
  send_reinvite (h);
  return G_SOURCE_REMOVE;
}

/* The answer to our hold or resume. Glare (491): try again after RFC 3261's
 * random wait, longer for the side that owns the Call-ID (14.1). */
static void
on_reinvite_response (OhSipHandle *h, int status, const char *phrase)
{
  OhSipEvent event = { .type = OH_SIP_EVENT_HOLD_FAILED, .status = (guint) status, .phrase = phrase };

  if (status < 200)
    return;
  h->reinviting = FALSE;
  if (status < 300)
    return;   /* the media follow in nua_i_state */
  if (status == 491 && !h->glare_retry) {
    guint ms = h->outgoing ? g_random_int_range (2100, 4001) : g_random_int_range (0, 2001);
    h->reinviting = TRUE;
    h->glare_retry = g_timeout_add (ms, on_glare_retry, h);
    return;
  }
  emit (h, &event);
}

#define ANONYMOUS_NAME "Anonymous"

static gboolean
is_anonymous_url (const url_t *url)
{
  return url && ((url->url_user && g_ascii_strcasecmp (url->url_user, "anonymous") == 0) ||
                 (url->url_host && g_ascii_strcasecmp (url->url_host, "anonymous.invalid") == 0));
}

/* Privacy: id (RFC 3325) or user (RFC 3323): the party hides who it is. */
static gboolean
asks_privacy (const sip_t *sip)
{
  const sip_privacy_t *privacy = sip_privacy (sip);

  for (const msg_param_t *v = privacy ? privacy->priv_values : NULL; v && *v; v++)
    if (g_ascii_strcasecmp (*v, "id") == 0 || g_ascii_strcasecmp (*v, "user") == 0)
      return TRUE;
  return FALSE;
}

/* The Remote-Party-ID of @party: "calling" in a request, "called" in a
 * response; one without a party parameter stands for either. */
static const sip_remote_party_id_t *
find_rpid (const sip_t *sip, const char *party)
{
  for (const sip_remote_party_id_t *r = sip_remote_party_id (sip); r; r = r->rpid_next)
    if (!r->rpid_party || g_ascii_strcasecmp (r->rpid_party, party) == 0)
      return r;
  return NULL;
}

/* Who the other party is, from @sip: P-Asserted-Identity, then
 * Remote-Party-ID of @party, then @addr (From of a request, To of a
 * response). A party that hides (Privacy: id or user, an anonymous URI, an
 * RPID privacy other than off) is named "Anonymous" and keeps the URI of
 * @addr. The URI of @addr only counts for a request: a response's To is
 * what we dialled. Neither is ever NULL; "" when none. */
static void
remote_identity (const sip_t *sip, const sip_addr_t *addr, const char *party, char **name, char **uri)
{
  su_home_t home[1] = { SU_HOME_INIT (home) };
  const sip_p_asserted_identity_t *paid = sip_p_asserted_identity (sip);
  const sip_remote_party_id_t *rpid = find_rpid (sip, party);
  const url_t *url = addr && sip->sip_request ? addr->a_url : NULL;
  const char *display = addr ? addr->a_display : NULL;
  gboolean hidden = asks_privacy (sip) || (addr && is_anonymous_url (addr->a_url)) ||
                    (!paid && rpid && rpid->rpid_privacy && g_ascii_strcasecmp (rpid->rpid_privacy, "off") != 0);

  if (hidden) {
    display = ANONYMOUS_NAME;
  } else if (paid) {
    url = paid->paid_url;
    display = paid->paid_display;
  } else if (rpid) {
    url = rpid->rpid_url;
    display = rpid->rpid_display;
  }
  if (display && display[0] == '"')
    display = msg_unquote_dup (home, display);
  *name = g_strdup (display ? display : "");
  *uri = g_strdup (url ? url_as_string (home, url) : "");
  su_home_deinit (home);
}

/* An answered call got the final answer to an INVITE that is not our hold
 * or resume: the stack's session refresh (RFC 4028). If the stack ends the
 * call after a failed one, the session expired. */
static void
on_refresh_answered (OhSipHandle *h, int status)
{
  h->expired = status >= 300;
}

/* A BYE the owner did not ask for, in an answered call: the stack ends the
 * session because the far end, as refresher, let it expire (RFC 4028 10),
 * unless it gave up on an ACK or PRACK before. */
static void
on_bye_response (OhSipHandle *h)
{
  if (h->bye_asked || !h->answered || h->stack_error || h->sip->shutting_down || h->expired)
    return;
  h->expired = TRUE;
  h->final_status = 408;
  g_free (h->final_phrase);
  h->final_phrase = g_strdup ("Session Timer Expired");
}

typedef struct {
  unsigned q;               /* 0…1000 */
  char *uri;
} RedirectTarget;

static gint
by_q (gconstpointer a, gconstpointer b)
{
  const RedirectTarget *x = *(RedirectTarget * const *) a;
  const RedirectTarget *y = *(RedirectTarget * const *) b;

  return (gint) y->q - (gint) x->q;
}

/* The SIP URIs of a 3xx's Contacts, highest q first (RFC 3261 8.1.3.4); the
 * sort is stable, so equal q keep the order of the response. */
static void
keep_redirect (OhSipHandle *h, const sip_t *sip)
{
  su_home_t home[1] = { SU_HOME_INIT (home) };
  g_autoptr(GPtrArray) targets = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GStrvBuilder) uris = g_strv_builder_new ();

  for (const sip_contact_t *m = sip ? sip->sip_contact : NULL; m; m = m->m_next) {
    RedirectTarget *t;

    if (m->m_url->url_type != url_sip && m->m_url->url_type != url_sips)
      continue;
    t = g_new0 (RedirectTarget, 1);
    t->q = m->m_q ? sip_q_value (m->m_q) : 1000;
    t->uri = url_as_string (home, m->m_url);
    g_ptr_array_add (targets, t);
  }
  g_ptr_array_sort (targets, by_q);
  for (guint i = 0; i < targets->len; i++)
    g_strv_builder_add (uris, ((RedirectTarget *) targets->pdata[i])->uri);
  g_strfreev (h->redirect);
  h->redirect = g_strv_builder_end (uris);
  su_home_deinit (home);
}

/* Sofia followed a 302 to our first INVITE by itself (see oh_sip_invite):
 * the INVITE went on to the first Contact. */
static void
report_stack_redirect (OhSipHandle *h, const sip_t *sip)
{
  su_home_t home[1] = { SU_HOME_INIT (home) };
  const char *target[2] = { NULL, NULL };
  OhSipEvent event = { .type = OH_SIP_EVENT_PROGRESS, .status = sip->sip_status->st_status,
                       .phrase = sip->sip_status->st_phrase, .contacts = target };

  if (sip->sip_contact) {
    target[0] = url_as_string (home, sip->sip_contact->m_url);
    emit (h, &event);
  }
  su_home_deinit (home);
}

static void
on_response (OhSipHandle *h, nua_event_t ev, int status, const char *phrase, const sip_t *sip)
{
  g_autofree char *remote_name = NULL;
  g_autofree char *remote_uri = NULL;
  OhSipEvent event = {
    .status = (guint) status,
    .phrase = phrase,
    /* our stack only makes up these two */
    .local = (status == 408 || status == 503) && is_local_response (sip),
  };

  if ((status == 401 || status == 407) && try_authenticate (h, sip))
    return;
  if (status >= 200)
    h->auth_tries = 0;
  event.auth_failed = (status == 401 || status == 407 || status == 904);

  switch (ev) {
  case nua_r_register:
    if (status < 200)
      return;
    event.type = OH_SIP_EVENT_REGISTER;
    event.expires = status < 300 ? binding_expires (sip) : 0;
    emit (h, &event);
    break;
  case nua_r_unregister:
    if (status < 200)
      return;
    event.type = OH_SIP_EVENT_UNREGISTER;
    emit (h, &event);
    break;
  case nua_r_options:
    if (status < 200)
      return;
    event.type = OH_SIP_EVENT_OPTIONS;
    emit (h, &event);
    break;
  case nua_r_invite:
    if (sip && sip->sip_call_id && !h->call_id)
      h->call_id = g_strdup (sip->sip_call_id->i_id);
    if (h->reinviting) {
      on_reinvite_response (h, status, phrase);
      return;
    }
    if (status >= 200 && h->answered)
      on_refresh_answered (h, status);
    if (status >= 300) {
      /* Reported once the dialog is over, in ENDED. */
      h->final_status = (guint) status;
      g_free (h->final_phrase);
      h->final_phrase = g_strdup (phrase);
      h->final_local = event.local;
      if (status < 400)
        keep_redirect (h, sip);
      return;
    }
    if (status < 200 && sip && sip->sip_status && sip->sip_status->st_status / 100 == 3) {
      report_stack_redirect (h, sip);
      return;
    }
    if (status < 180 && status >= 100)
      return;
    /* the party that answers may not be the one dialled (forwarding) */
    if (sip && !h->answered)
      remote_identity (sip, sip->sip_to, "called", &remote_name, &remote_uri);
    event.remote_name = remote_name;
    event.remote_uri = remote_uri;
    event.type = OH_SIP_EVENT_PROGRESS;
    emit (h, &event);
    break;
  default:
    break;
  }
}

static void
on_state (OhSipHandle *h, tagi_t tags[])
{
  int callstate = nua_callstate_init;
  int offer_recv = 0, answer_recv = 0, offer_sent = 0, answer_sent = 0;
  const sdp_session_t *local_sdp = NULL, *remote_sdp = NULL;

  tl_gets (tags,
           NUTAG_CALLSTATE_REF (callstate),
           NUTAG_OFFER_RECV_REF (offer_recv),
           NUTAG_ANSWER_RECV_REF (answer_recv),
           NUTAG_OFFER_SENT_REF (offer_sent),
           NUTAG_ANSWER_SENT_REF (answer_sent),
           SOATAG_LOCAL_SDP_REF (local_sdp),
           SOATAG_REMOTE_SDP_REF (remote_sdp),
           TAG_END ());

  if (remote_sdp)
    handle_keep_sdp (h, &h->remote_sdp, remote_sdp);
  if (local_sdp)
    handle_keep_sdp (h, &h->local_sdp, local_sdp);

  if (answer_recv || answer_sent) {
    OhSipEvent event = { .type = OH_SIP_EVENT_MEDIA };
    if (negotiate (h, answer_recv != 0, &event))
      emit (h, &event);
  }

  if (callstate == nua_callstate_completing || callstate == nua_callstate_completed ||
      callstate == nua_callstate_ready)
    h->answered = TRUE;
  if (callstate == nua_callstate_calling) {
    OhSipEvent event = { .type = OH_SIP_EVENT_SENT };
    emit (h, &event);
  } else if (callstate == nua_callstate_ready) {
    OhSipEvent event = { .type = OH_SIP_EVENT_ESTABLISHED };
    emit (h, &event);
  } else if (callstate == nua_callstate_terminated) {
    emit_ended (h, FALSE, FALSE);
  }
}

/* A DTMF digit as RFC 4733 numbers it (0-15) or as a character; 0 if neither. */
static char
dtmf_digit (const char *text)
{
  static const char digits[] = "0123456789*#ABCD";
  char *end;
  guint64 n;

  text += strspn (text, " \t");
  if (g_ascii_isdigit (text[0])) {
    n = g_ascii_strtoull (text, &end, 10);
    return n < 16 && end[strspn (end, " \t\r\n")] == '\0' ? digits[n] : 0;
  }
  if (text[0] && strchr (digits, g_ascii_toupper (text[0])) &&
      text[1 + strspn (text + 1, " \t\r\n")] == '\0')
    return g_ascii_toupper (text[0]);
  return 0;
}

/* DTMF in SIP INFO: application/dtmf-relay ("Signal=5\r\nDuration=160")
 * or application/dtmf ("5"). nua has already answered 200. */
static void
on_info (OhSipHandle *h, const sip_t *sip)
{
  g_autofree char *body = NULL;
  g_auto(GStrv) lines = NULL;
  const char *type;
  OhSipEvent event = { .type = OH_SIP_EVENT_DTMF };

  if (!sip || !sip->sip_content_type || !sip->sip_payload || !sip->sip_content_type->c_type)
    return;
  type = sip->sip_content_type->c_type;
  body = g_strndup (sip->sip_payload->pl_data, sip->sip_payload->pl_len);
  if (g_ascii_strcasecmp (type, "application/dtmf") == 0) {
    event.digit = dtmf_digit (body);
  } else if (g_ascii_strcasecmp (type, "application/dtmf-relay") == 0) {
    lines = g_strsplit_set (body, "\r\n", -1);
    for (guint i = 0; lines[i] && !event.digit; i++) {
      const char *v = lines[i] + strspn (lines[i], " \t");
      if (g_ascii_strncasecmp (v, "signal", 6) == 0 && (v = strchr (v, '=')))
        event.digit = dtmf_digit (v + 1);
    }
  }
  if (event.digit)
    emit (h, &event);
  else
    g_debug ("INFO %s without a DTMF digit we understand", type);
}

/* Seconds after which the caller wants us to answer by ourselves (intercom,
 * paging), -1 when it does not: RFC 5373 Answer-Mode: Auto, or the older
 * Call-Info ;answer-after=N and Alert-Info ;info=alert-autoanswer of Polycom,
 * Cisco and Broadsoft. */
static int
auto_answer_after (const sip_t *sip)
{
  int after = -1;

  for (const msg_unknown_t *u = sip->sip_unknown; u; u = u->un_next)
    if (u->un_name && u->un_value && g_ascii_strcasecmp (u->un_name, "Answer-Mode") == 0 &&
        g_ascii_strncasecmp (u->un_value, "Auto", 4) == 0 && strchr (" \t;", u->un_value[4]))
      after = 0;
  for (const sip_alert_info_t *ai = sip_alert_info (sip); ai; ai = ai->ai_next) {
    const char *info = msg_params_find (ai->ai_params, "info=");
    if (info && g_ascii_strcasecmp (info, "alert-autoanswer") == 0)
      after = 0;
  }
  for (const sip_call_info_t *ci = sip->sip_call_info; ci; ci = ci->ci_next) {
    const char *delay = msg_params_find (ci->ci_params, "answer-after=");
    if (delay && g_ascii_isdigit (*delay))
      after = (int) MIN (strtoul (delay, NULL, 10), 3600);
    else if (delay)
      after = 0;
  }
  return after;
}

static void
emit_transfer (OhSipHandle *h, guint status, const char *phrase, gboolean final)
{
  OhSipEvent event = { .type = OH_SIP_EVENT_TRANSFER, .status = status, .phrase = phrase, .final = final };

  if (!h->referring)
    return;
  h->referring = !final;
  emit (h, &event);
}

/* nua's answer to our REFER: 202 Accepted, then the news come by NOTIFY */
static void
on_refer_response (OhSipHandle *h, int status, const char *phrase)
{
  if (status >= 300)
    emit_transfer (h, (guint) status, phrase, TRUE);
}

/* A NOTIFY of the refer event: a message/sipfrag "SIP/2.0 180 Ringing". */
static void
on_refer_notify (OhSipHandle *h, const sip_t *sip, tagi_t tags[])
{
  int substate = nua_substate_active;
  g_autofree char *body = NULL;
  g_auto(GStrv) words = NULL;
  guint status = 0;

  if (!sip || !sip->sip_event || g_ascii_strcasecmp (sip->sip_event->o_type, "refer") != 0)
    return;
  tl_gets (tags, NUTAG_SUBSTATE_REF (substate), TAG_END ());
  if (sip->sip_payload)
    body = g_strndup (sip->sip_payload->pl_data, sip->sip_payload->pl_len);
  if (body) {
    words = g_strsplit (g_strchomp (g_strdelimit (body, "\r\n", '\0')), " ", 3);
    if (words[0] && g_ascii_strncasecmp (words[0], "SIP/", 4) == 0 && words[1])
      status = (guint) g_ascii_strtoull (words[1], NULL, 10);
  }
  if (status < 100 || status > 699)
    status = 0;
  emit_transfer (h, status, status && words[2] ? words[2] : NULL,
                 status >= 200 || substate == nua_substate_terminated);
}

/* A REFER in one of our calls: nua took it (202); the owner calls the target
 * or says why not with oh_sip_refer_failed(). */
static void
on_refer_request (OhSipHandle *h, const sip_t *sip, tagi_t tags[])
{
  OhSipEvent event = { .type = OH_SIP_EVENT_REFERRED };
  su_home_t home[1] = { SU_HOME_INIT (home) };
  const sip_event_t *refer_event = NULL;
  const sip_referred_by_t *by = NULL;
  url_t *target;
  char *headers = NULL;
  g_autofree char *replaces = NULL;

  tl_gets (tags, NUTAG_REFER_EVENT_REF (refer_event), SIPTAG_REFERRED_BY_REF (by), TAG_END ());
  if (refer_event) {
    if (h->refer_event)
      su_free (nua_handle_home (h->nh), h->refer_event);
    h->refer_event = sip_event_dup (nua_handle_home (h->nh), refer_event);
  }
  target = sip && sip->sip_refer_to ? url_hdup (home, sip->sip_refer_to->r_url) : NULL;
  if (!target || (target->url_type != url_sip && target->url_type != url_sips) || !target->url_host) {
    oh_sip_refer_notify (h, 400, "Bad Refer-To");
    su_home_deinit (home);
    return;
  }
  /* <sip:c@host?Replaces=...>: the header goes into our INVITE, not the URI */
  if (target->url_headers)
    headers = url_query_as_header_string (home, target->url_headers);
  for (char *line = headers; line && *line; ) {
    char *end = strchr (line, '\n');
    if (end)
      *end = '\0';
    if (g_ascii_strncasecmp (line, "Replaces:", 9) == 0)
      replaces = g_strstrip (g_strdup (line + 9));
    line = end ? end + 1 : NULL;
  }
  target->url_headers = NULL;
  event.refer_to = url_as_string (home, target);
  event.referred_by = by ? sip_header_as_string (home, (const sip_header_t *) by) : NULL;
  event.replaces = replaces;
  emit (h, &event);
  su_home_deinit (home);
}

static void
on_incoming_invite (OhSip *self, nua_handle_t *nh, const sip_t *sip)
{
  OhSipHandle *h = handle_new (self, KIND_CALL, NULL);
  g_autofree char *remote_uri = NULL;
  g_autofree char *source = NULL;
  g_autofree char *remote_name = NULL;
  su_home_t home[1] = { SU_HOME_INIT (home) };
  OhSipIncoming incoming = { 0 };

  h->nh = nh;
  nua_handle_bind (nh, h);
  if (!sip || !sip->sip_from || !sip->sip_request || !sip->sip_call_id) {
    nua_respond (nh, SIP_400_BAD_REQUEST, TAG_END ());
    handle_destroy (h);
    return;
  }
  h->call_id = g_strdup (sip->sip_call_id->i_id);

  remote_identity (sip, sip->sip_from, "calling", &remote_name, &remote_uri);
  if (sip->sip_via)
    source = g_strdup_printf ("%s:%s",
                              sip->sip_via->v_received ? sip->sip_via->v_received : sip->sip_via->v_host,
                              sip->sip_via->v_port ? sip->sip_via->v_port : "5060");

  incoming.call_id = h->call_id;
  incoming.remote_uri = remote_uri;
  incoming.remote_name = remote_name;
  /* a binding without a user part (other phones' registrations) leaves only To */
  if (sip->sip_request->rq_url->url_user)
    incoming.request_user = sip->sip_request->rq_url->url_user;
  else if (sip->sip_to && sip->sip_to->a_url->url_user)
    incoming.request_user = sip->sip_to->a_url->url_user;
  else
    incoming.request_user = "";
  incoming.source = source;
  if (sip_alert_info (sip))
    incoming.alert_info = sip_header_as_string (home, (const sip_header_t *) sip_alert_info (sip));
  if (sip->sip_replaces) {
    /* attended transfer: this call takes the place of one of ours */
    nua_handle_t *replaced = nua_handle_by_replaces (self->nua, sip->sip_replaces);
    OhSipHandle *old = replaced ? nua_handle_magic (replaced) : NULL;

    incoming.replaces = old && old->kind == KIND_CALL && !old->ended ? old->owner : NULL;
    if (replaced)
      nua_handle_unref (replaced);
    if (!incoming.replaces) {
      nua_respond (nh, SIP_481_NO_TRANSACTION, TAG_END ());
      handle_destroy (h);
      su_home_deinit (home);
      return;
    }
  }
  incoming.answer_after = auto_answer_after (sip);
  self->dispatching = h;
  g_signal_emit (self, signals[SIGNAL_INCOMING_CALL], 0, h, &incoming);
  self->dispatching = NULL;
  su_home_deinit (home);

  if (h->doomed) {
    handle_destroy (h);
  } else if (!h->owner) {
    /* nobody claimed it */
    nua_respond (nh, SIP_480_TEMPORARILY_UNAVAILABLE, TAG_END ());
    handle_destroy (h);
  }
}

static void
dispatch (OhSip *self, nua_event_t ev, int status, char const *phrase, nua_handle_t *nh,
          OhSipHandle *h, sip_t const *sip, tagi_t tags[])
{
  switch (ev) {
  case nua_i_invite:
    if (!h)
      on_incoming_invite (self, nh, sip);
    else if (status < 200)
      nua_respond (nh, SIP_200_OK, TAG_END ());   /* re-INVITE: soa answers its SDP */
    return;
  case nua_r_shutdown:
    if (status >= 200)
      g_signal_emit (self, signals[SIGNAL_SHUTDOWN_DONE], 0);
    return;
  default:
    break;
  }

  if (!h) {
    /* Out-of-dialog requests we do not serve (MESSAGE, SUBSCRIBE...) */
    if (nh && (ev == nua_i_message || ev == nua_i_subscribe || ev == nua_i_refer ||
               ev == nua_i_notify || ev == nua_i_publish))
      nua_handle_destroy (nh);
    return;
  }

  switch (ev) {
  case nua_r_register:
  case nua_r_unregister:
  case nua_r_invite:
  case nua_r_options:
    on_response (h, ev, status, phrase, sip);
    break;
  case nua_i_state:
    on_state (h, tags);
    break;
  case nua_i_info:
    on_info (h, sip);
    break;
  case nua_r_refer:
    on_refer_response (h, status, phrase);
    break;
  case nua_i_notify:
    on_refer_notify (h, sip, tags);
    break;
  case nua_i_refer:
    on_refer_request (h, sip, tags);
    break;
  case nua_i_bye:
    emit_ended (h, TRUE, FALSE);
    break;
  case nua_r_bye:
    on_bye_response (h);
    break;
  case nua_i_error:
  case nua_i_media_error:
    h->stack_error = TRUE;
    break;
  case nua_i_cancel:
    h->final_status = 487;
    emit_ended (h, TRUE, TRUE);
    break;
  default:
    break;
  }
}

static void
on_nua_event (nua_event_t ev, int status, char const *phrase, nua_t *nua, OhSip *self,
              nua_handle_t *nh, OhSipHandle *h, sip_t const *sip, tagi_t tags[])
{
  g_debug ("%s %03d %s", nua_event_name (ev), status, phrase ? phrase : "");

  /* an owner may free the handle from its signal handler: keep it until the
   * event is done with */
  self->dispatching = h;
  dispatch (self, ev, status, phrase, nh, h, sip, tags);
  self->dispatching = NULL;
  if (h && h->doomed)
    handle_destroy (h);
}

static void
oh_sip_dispose (GObject *object)
{
  OhSip *self = OH_SIP (object);

  if (self->handles) {
    GList *handles = g_hash_table_get_keys (self->handles);
    g_list_free_full (handles, (GDestroyNotify) handle_destroy);
    g_clear_pointer (&self->handles, g_hash_table_unref);
  }
  if (self->nua) {
    nua_destroy (self->nua);
    self->nua = NULL;
  }
  if (self->root) {
    su_root_destroy (self->root);
    self->root = NULL;
    su_deinit ();
  }
  g_clear_pointer (&self->contact_features, g_free);
  G_OBJECT_CLASS (oh_sip_parent_class)->dispose (object);
}

static void
oh_sip_class_init (OhSipClass *klass)
{
  G_OBJECT_CLASS (klass)->dispose = oh_sip_dispose;

  /* event (owner, handle, OhSipEvent*) for handles with an owner */
  signals[SIGNAL_EVENT] =
    g_signal_new ("event", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                  G_TYPE_NONE, 3, G_TYPE_POINTER, G_TYPE_POINTER, G_TYPE_POINTER);
  /* incoming-call (handle, OhSipIncoming*): claim it with oh_sip_handle_set_owner() */
  signals[SIGNAL_INCOMING_CALL] =
    g_signal_new ("incoming-call", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                  G_TYPE_NONE, 2, G_TYPE_POINTER, G_TYPE_POINTER);
  signals[SIGNAL_SHUTDOWN_DONE] =
    g_signal_new ("shutdown-done", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                  G_TYPE_NONE, 0);
}

static void
oh_sip_init (OhSip *self)
{
  self->handles = g_hash_table_new (NULL, NULL);
}

OhSip *
oh_sip_new (const OhSettings *settings, gboolean trace, GError **error)
{
  g_autoptr(OhSip) self = g_object_new (OH_TYPE_SIP, NULL);
  g_autofree char *url = NULL;
  const char *address = settings->sip_address && *settings->sip_address ? settings->sip_address : "*";
  guint n = settings->invite_retransmissions;

  su_init ();
  su_log_redirect (su_log_default, on_sofia_log, NULL);
  su_log_redirect (nua_log, on_sofia_log, NULL);
  su_log_redirect (nta_log, on_sofia_log, NULL);
  su_log_redirect (tport_log, on_sofia_log, NULL);

  /* parse P-Asserted-Identity and the other extension headers too */
  sip_update_default_mclass (sip_extend_mclass (NULL));
  self->root = su_glib_root_create (NULL);
  /* the stack runs on our main loop, not in a thread of its own: no hop
   * between threads for every request and event */
  su_root_threading (self->root, 0);
  g_source_attach (su_glib_root_gsource (self->root), NULL);

  if (strchr (address, ':'))
    url = g_strdup_printf ("sip:[%s]:%u", address, settings->sip_port);
  else
    url = g_strdup_printf ("sip:%s:%u", address, settings->sip_port);

  if (settings->instance_id)
    self->contact_features = g_strdup_printf ("+sip.instance=\"<%s>\"", settings->instance_id);
  self->nua = nua_create (self->root, on_nua_event, self,
                          NUTAG_URL (url),
                          SIPTAG_USER_AGENT_STR (settings->user_agent),
                          NUTAG_AUTOANSWER (0),
                          NUTAG_AUTOALERT (0),
                          NUTAG_AUTOACK (1),
                          /* every 1xx reliable (RFC 3262) to a caller that
                           * supports 100rel, not only 183; our INVITEs say
                           * Supported: 100rel and PRACK by themselves */
                          NUTAG_EARLY_MEDIA (1),
                          NUTAG_ENABLEINVITE (1),
                          /* RFC 4028: asked for in our INVITEs, negotiated in
                           * our answers; the refresher re-INVITEs halfway */
                          NUTAG_SESSION_TIMER (settings->session_expires),
                          NUTAG_MIN_SE (settings->min_se),
                          NUTAG_ALLOW ("INFO"),
                          NUTAG_OUTBOUND ("no-validate no-options-keepalive no-natify"),
                          NUTAG_KEEPALIVE (0),
                          SOATAG_AF (SOA_AF_IP4_IP6),
                          TAG_IF (*settings->sip_address, SOATAG_ADDRESS (settings->sip_address)),
                          SOATAG_RTP_SELECT (SOA_RTP_SELECT_COMMON),
                          SOATAG_RTP_SORT (SOA_RTP_SORT_REMOTE),
                          NTATAG_CLIENT_RPORT (1),
                          NTATAG_SIP_T1 (settings->t1_ms),
                          /* An INVITE or REGISTER that got no answer after n resends
                           * times out: T1 + 2·T1 + … + 2^n·T1. */
                          NTATAG_SIP_T1X64 (settings->t1_ms * ((2u << n) - 1)),
                          TPTAG_LOG (trace),
                          TAG_END ());
  if (!self->nua) {
    g_set_error (error, OH_ERROR, OH_ERROR_FAILED, "cannot listen for SIP on %s", url);
    return NULL;
  }
  return g_steal_pointer (&self);
}

void
oh_sip_shutdown (OhSip *self)
{
  g_return_if_fail (OH_IS_SIP (self));

  if (self->shutting_down)
    return;
  self->shutting_down = TRUE;
  nua_shutdown (self->nua);
}

static char *
format_address (const char *name, const char *uri)
{
  g_autoptr(GString) s = g_string_new (NULL);

  if (!name || !*name)
    return g_strdup_printf ("<%s>", uri);
  g_string_append_c (s, '"');
  for (const char *p = name; *p; p++) {
    if (*p == '"' || *p == '\\')
      g_string_append_c (s, '\\');
    if (*p != '\r' && *p != '\n')
      g_string_append_c (s, *p);
  }
  g_string_append_printf (s, "\" <%s>", uri);
  return g_string_free (g_steal_pointer (&s), FALSE);
}

/* The outbound proxy as a pre-loaded loose route (RFC 3261 8.1.2). */
static char *
proxy_route (const char *proxy)
{
  if (!proxy || !*proxy)
    return NULL;
  return g_strdup_printf ("<%s;lr>", proxy);
}

OhSipHandle *
oh_sip_register (OhSip *self, gpointer owner, const char *aor, const char *display_name,
                 const char *proxy, guint expires, const char *username, const char *password)
{
  OhSipHandle *h;
  g_autofree char *from = format_address (display_name, aor);
  g_autofree char *expires_str = g_strdup_printf ("%u", expires);
  g_autofree char *registrar = NULL;
  g_autofree char *user = NULL;
  g_autofree char *host = NULL;
  g_autofree char *route = proxy_route (proxy);
  g_autofree char *to = g_strdup_printf ("<%s>", aor);

  g_return_val_if_fail (OH_IS_SIP (self), NULL);

  if (oh_sip_uri_parts (aor, &user, &host, NULL, NULL))
    registrar = g_strdup_printf ("sip:%s", host);

  h = handle_new (self, KIND_REGISTER, owner);
  h->username = g_strdup (username);
  h->password = g_strdup (password);
  h->nh = nua_handle (self->nua, h,
                      SIPTAG_TO_STR (to),
                      SIPTAG_FROM_STR (from),
                      TAG_END ());
  /* a Contact with our user part, so that requests routed to the binding say
   * which account they are for */
  nua_register (h->nh,
                TAG_IF (user, NUTAG_M_USERNAME (user)),
                TAG_IF (self->contact_features, NUTAG_M_FEATURES (self->contact_features)),
                TAG_IF (route, SIPTAG_ROUTE_STR (route)),
                TAG_IF (registrar, NUTAG_REGISTRAR (registrar)),
                SIPTAG_EXPIRES_STR (expires_str),
                TAG_END ());
  return h;
}

void
oh_sip_unregister (OhSipHandle *h)
{
  g_return_if_fail (h && h->kind == KIND_REGISTER);
  nua_unregister (h->nh, TAG_END ());
}

/* Every codec the media module can carry, with the payload type we offer it
 * on. telephone-event (RFC 4733) rides along at 8 kHz, and at 48 kHz when
 * Opus is offered, so that DTMF shares the codec's clock. */
static const struct {
  const char *name;
  guint pt;
  const char *rtpmap;
  const char *fmtp;
  gboolean clock_48k;
} sdp_codecs[] = {
  { "pcmu", 0, "PCMU/8000", NULL, FALSE },
  { "pcma", 8, "PCMA/8000", NULL, FALSE },
  { "g722", 9, "G722/8000", NULL, FALSE },
  { "opus", 111, "opus/48000/2", "useinbandfec=1", TRUE },
};
#define DTMF_PT_8K 101
#define DTMF_PT_48K 102

static void
add_rtpmap (GString *pts, GString *maps, guint pt, const char *rtpmap, const char *fmtp)
{
  g_string_append_printf (pts, " %u", pt);
  g_string_append_printf (maps, "a=rtpmap:%u %s\r\n", pt, rtpmap);
  if (fmtp)
    g_string_append_printf (maps, "a=fmtp:%u %s\r\n", pt, fmtp);
}

static char *
build_sdp (const OhSipMedia *media)
{
  g_autoptr(GString) sdp = g_string_new ("v=0\r\n");
  g_autoptr(GString) pts = g_string_new (NULL);
  g_autoptr(GString) maps = g_string_new (NULL);
  const char *address = media->address && *media->address ? media->address : NULL;
  const char *family = address && strchr (address, ':') ? "IP6" : "IP4";
  gboolean wideband_events = FALSE;

  for (guint i = 0; media->codecs && media->codecs[i]; i++)
    for (guint c = 0; c < G_N_ELEMENTS (sdp_codecs); c++)
      if (g_ascii_strcasecmp (media->codecs[i], sdp_codecs[c].name) == 0) {
        add_rtpmap (pts, maps, sdp_codecs[c].pt, sdp_codecs[c].rtpmap, sdp_codecs[c].fmtp);
        wideband_events |= sdp_codecs[c].clock_48k;
      }
  if (media->dtmf_events && wideband_events)
    add_rtpmap (pts, maps, DTMF_PT_48K, "telephone-event/48000", "0-16");
  if (media->dtmf_events)
    add_rtpmap (pts, maps, DTMF_PT_8K, "telephone-event/8000", "0-16");

  g_string_append_printf (sdp, "o=- %u 1 IN %s %s\r\n", g_random_int (), family,
                          address ? address : "0.0.0.0");
  g_string_append (sdp, "s=Offhook\r\n");
  if (address)
    g_string_append_printf (sdp, "c=IN %s %s\r\n", family, address);
  g_string_append (sdp, "t=0 0\r\n");
  g_string_append_printf (sdp, "m=audio %u RTP/AVP%s\r\n", media->port, pts->str);
  g_string_append (sdp, maps->str);
  g_string_append (sdp, "a=ptime:20\r\na=sendrecv\r\n");
  return g_string_free (g_steal_pointer (&sdp), FALSE);
}

OhSipHandle *
oh_sip_invite (OhSip *self, gpointer owner, const OhSipInvite *invite)
{
  OhSipHandle *h;
  g_autofree char *from = NULL;
  g_autofree char *sdp = build_sdp (invite->media);
  g_autofree char *call_info = NULL;
  g_autofree char *call_id = g_uuid_string_random ();
  g_autofree char *route = proxy_route (invite->proxy);
  /* in <>, so that URI parameters such as user=phone stay in the Request-URI */
  g_autofree char *to = g_strdup_printf ("<%s>", invite->to_uri);

  g_return_val_if_fail (OH_IS_SIP (self), NULL);

  if (invite->anonymous)
    from = g_strdup ("\"Anonymous\" <sip:anonymous@anonymous.invalid>");
  else
    from = format_address (invite->from_name, invite->from_uri);
  if (invite->auto_answer)
    call_info = g_strdup_printf ("<%s>;answer-after=0", invite->to_uri);

  h = handle_new (self, KIND_CALL, owner);
  h->username = g_strdup (invite->username);
  h->password = g_strdup (invite->password);
  h->call_id = g_steal_pointer (&call_id);
  h->outgoing = TRUE;
  h->nh = nua_handle (self->nua, h,
                      SIPTAG_TO_STR (to),
                      SIPTAG_FROM_STR (from),
                      SIPTAG_CALL_ID_STR (h->call_id),
                      TAG_END ());
  nua_invite (h->nh,
              TAG_IF (route, SIPTAG_ROUTE_STR (route)),
              SOATAG_USER_SDP_STR (sdp),
              TAG_IF (invite->anonymous, SIPTAG_PRIVACY_STR ("id")),
              TAG_IF (call_info, SIPTAG_CALL_INFO_STR (call_info)),
              TAG_IF (invite->auto_answer, SIPTAG_HEADER_STR ("Answer-Mode: Auto")),
              TAG_IF (invite->referred_by, SIPTAG_REFERRED_BY_STR (invite->referred_by)),
              TAG_IF (invite->replaces, SIPTAG_REPLACES_STR (invite->replaces)),
              /* One restart by the stack (a digest challenge answered, a 422's
               * Min-SE taken): a 3xx after it is the call's to follow. A 302 to
               * the first INVITE the stack follows itself, to its first Contact
               * (reported as a PROGRESS with contacts) */
              NUTAG_RETRY_COUNT (1),
              TAG_END ());
  return h;
}

void
oh_sip_answer (OhSipHandle *h, const OhSipMedia *media)
{
  g_autofree char *sdp = build_sdp (media);

  g_return_if_fail (h && h->kind == KIND_CALL);
  nua_respond (h->nh, SIP_200_OK,
               SOATAG_USER_SDP_STR (sdp),
               SOATAG_RTP_SELECT (SOA_RTP_SELECT_COMMON),
               SOATAG_RTP_SORT (SOA_RTP_SORT_REMOTE),
               SOATAG_AUDIO_AUX ("telephone-event"),
               TAG_END ());
}

void
oh_sip_respond (OhSipHandle *h, guint status, const char *phrase, const char *contact)
{
  g_return_if_fail (h && h->kind == KIND_CALL);

  if (status >= 300) {
    h->final_status = status;
    g_free (h->final_phrase);
    h->final_phrase = g_strdup (phrase);
  }
  nua_respond (h->nh, (int) status, phrase,
               TAG_IF (contact, SIPTAG_CONTACT_STR (contact)),
               TAG_END ());
}

static void
send_reinvite (OhSipHandle *h)
{
  h->reinviting = TRUE;
  /* soa turns a=sendrecv into sendonly, or inactive when the far end holds
   * us too; "" takes the hold back */
  nua_invite (h->nh,
              SOATAG_HOLD (h->hold ? "audio" : ""),
              /* the offer keeps telephone-event next to the codec */
              SOATAG_RTP_SELECT (SOA_RTP_SELECT_COMMON),
              SOATAG_AUDIO_AUX ("telephone-event"),
              TAG_END ());
}

/* Hold (re-INVITE with a=sendonly) or resume (a=sendrecv) an answered call;
 * the result comes as a MEDIA event, or HOLD_FAILED. */
void
oh_sip_hold (OhSipHandle *h, gboolean hold)
{
  g_return_if_fail (h && h->kind == KIND_CALL && h->answered);

  h->hold = hold;
  g_clear_handle_id (&h->glare_retry, g_source_remove);
  send_reinvite (h);
}

/* Transfer the call's far end to @target (REFER, RFC 3515); with @replaces,
 * to take the place of that call's dialog (attended transfer, RFC 3891).
 * The news come as TRANSFER events. */
void
oh_sip_refer (OhSipHandle *h, const char *target, const char *referred_by, OhSipHandle *replaces)
{
  su_home_t home[1] = { SU_HOME_INIT (home) };
  g_autofree char *refer_to = NULL;
  g_autofree char *by = g_strdup_printf ("<%s>", referred_by);

  g_return_if_fail (h && h->kind == KIND_CALL && h->answered);

  if (replaces) {
    sip_replaces_t *rp = nua_handle_make_replaces (replaces->nh, home, 0);
    char *value = rp ? sip_header_as_string (home, (const sip_header_t *) rp) : NULL;
    g_autofree char *escaped = value ? g_uri_escape_string (value, NULL, FALSE) : NULL;

    refer_to = escaped ? g_strdup_printf ("<%s?Replaces=%s>", target, escaped) : NULL;
  }
  if (!refer_to)
    refer_to = g_strdup_printf ("<%s>", target);
  h->referring = TRUE;
  nua_refer (h->nh,
             SIPTAG_REFER_TO_STR (refer_to),
             TAG_IF (referred_by, SIPTAG_REFERRED_BY_STR (by)),
             TAG_END ());
  su_home_deinit (home);
}

/* How the call a REFER we took made goes (RFC 3515 NOTIFY, message/sipfrag):
 * a final @status (>= 200) ends the subscription. We send these ourselves:
 * nua's own (NUTAG_NOTIFY_REFER) reports a 407 challenge as the end. */
void
oh_sip_refer_notify (OhSipHandle *h, guint status, const char *phrase)
{
  g_autofree char *frag = g_strdup_printf ("SIP/2.0 %u %s\r\n", status, phrase ? phrase : "");

  g_return_if_fail (h && h->kind == KIND_CALL);
  if (!h->refer_event || h->ended)
    return;
  nua_notify (h->nh,
              NUTAG_SUBSTATE (status >= 200 ? nua_substate_terminated : nua_substate_active),
              SIPTAG_EVENT (h->refer_event),
              SIPTAG_CONTENT_TYPE_STR ("message/sipfrag;version=2.0"),
              SIPTAG_PAYLOAD_STR (frag),
              TAG_END ());
}

void
oh_sip_send_dtmf_info (OhSipHandle *h, char digit, guint duration_ms)
{
  g_autofree char *body = g_strdup_printf ("Signal=%c\r\nDuration=%u\r\n", digit, duration_ms);

  g_return_if_fail (h && h->kind == KIND_CALL);
  nua_info (h->nh,
            SIPTAG_CONTENT_TYPE_STR ("application/dtmf-relay"),
            SIPTAG_PAYLOAD_STR (body),
            TAG_END ());
}

void
oh_sip_hangup (OhSipHandle *h)
{
  g_return_if_fail (h && h->kind == KIND_CALL);

  if (h->ended)
    return;
  if (h->outgoing && !h->answered)
    nua_cancel (h->nh, TAG_END ());
  else if (h->answered) {
    h->bye_asked = TRUE;
    nua_bye (h->nh, TAG_END ());
  }
  else
    oh_sip_respond (h, SIP_486_BUSY_HERE, NULL);
}

OhSipHandle *
oh_sip_options (OhSip *self, gpointer owner, const char *uri)
{
  OhSipHandle *h;

  g_return_val_if_fail (OH_IS_SIP (self), NULL);

  h = handle_new (self, KIND_OPTIONS, owner);
  h->nh = nua_handle (self->nua, h, SIPTAG_TO_STR (uri), NUTAG_URL (uri), TAG_END ());
  nua_options (h->nh, TAG_END ());
  return h;
}

void
oh_sip_handle_set_owner (OhSipHandle *h, gpointer owner)
{
  g_return_if_fail (h != NULL);
  h->owner = owner;
}

const char *
oh_sip_handle_get_call_id (OhSipHandle *h)
{
  g_return_val_if_fail (h != NULL, NULL);
  return h->call_id;
}

static void
handle_destroy (OhSipHandle *h)
{
  g_clear_handle_id (&h->glare_retry, g_source_remove);
  if (h->sip->handles)
    g_hash_table_remove (h->sip->handles, h);
  if (h->nh) {
    nua_handle_bind (h->nh, NULL);
    nua_handle_destroy (h->nh);
  }
  g_free (h->call_id);
  g_free (h->username);
  wipe_free (h->password);
  g_free (h->final_phrase);
  g_strfreev (h->redirect);
  g_free (h);
}

void
oh_sip_handle_free (OhSipHandle *h)
{
  if (!h)
    return;
  h->owner = NULL;
  if (h->sip->dispatching == h)
    h->doomed = TRUE;
  else
    handle_destroy (h);
}

/* The standard reason phrase of a SIP status ("Busy Here"), or "". */
const char *
oh_sip_status_phrase (guint status)
{
  const char *phrase = sip_status_phrase ((int) status);
  return phrase ? phrase : "";
}

gboolean
oh_sip_uri_parts (const char *uri, char **user, char **host, char **port, GError **error)
{
  su_home_t home[1] = { SU_HOME_INIT (home) };
  url_t *url;
  gboolean ok = FALSE;

  url = url_make (home, uri);
  if (!url || (url->url_type != url_sip && url->url_type != url_sips))
    g_set_error (error, OH_ERROR, OH_ERROR_INVALID_ARGUMENTS, "'%s' is not a valid SIP URI", uri);
  else if (!url->url_host || !*url->url_host)
    g_set_error (error, OH_ERROR, OH_ERROR_INVALID_ARGUMENTS, "'%s' is not a valid SIP URI: it has no host", uri);
  else {
    if (user)
      *user = g_strdup (url->url_user);
    if (host)
      *host = g_strdup (url->url_host);
    if (port)
      *port = g_strdup (url->url_port);
    ok = TRUE;
  }
  su_home_deinit (home);
  return ok;
}

static char *
shorten (const char *text)
{
  if (g_utf8_strlen (text, 60) < 60 && g_utf8_validate (text, -1, NULL))
    return g_strdup (text);
  return g_strdup_printf ("%.40s…", g_utf8_validate (text, -1, NULL) ? text : "(not UTF-8)");
}

char *
oh_sip_normalize_target (const char *target, const char *domain, GError **error)
{
  g_autoptr(GString) digits = g_string_new (NULL);
  g_autofree char *shown = NULL;
  g_autofree char *trimmed = NULL;
  const char *p;

  if (!target || !*target || !*(trimmed = g_strstrip (g_strdup (target)))) {
    g_set_error_literal (error, OH_ERROR, OH_ERROR_INVALID_ARGUMENTS, "the target is empty");
    return NULL;
  }
  if (strlen (trimmed) > MAX_TARGET_LENGTH) {
    g_set_error (error, OH_ERROR, OH_ERROR_INVALID_ARGUMENTS,
                 "the target is too long (%zu bytes, at most %d)", strlen (trimmed), MAX_TARGET_LENGTH);
    return NULL;
  }
  shown = shorten (trimmed);

  if (g_ascii_strncasecmp (trimmed, "sip:", 4) == 0 || g_ascii_strncasecmp (trimmed, "sips:", 5) == 0) {
    g_autoptr(GError) local = NULL;
    if (!oh_sip_uri_parts (trimmed, NULL, NULL, NULL, &local)) {
      g_set_error (error, OH_ERROR, OH_ERROR_INVALID_ARGUMENTS, "target '%s' is not a valid SIP URI%s",
                   shown, strstr (local->message, "no host") ? ": it has no host" : "");
      return NULL;
    }
    return g_steal_pointer (&trimmed);
  }

  p = trimmed;
  if (g_ascii_strncasecmp (p, "tel:", 4) == 0)
    p += 4;
  for (; *p; p++) {
    if (g_ascii_isdigit (*p) || *p == '*' || *p == '#' || (*p == '+' && digits->len == 0))
      g_string_append_c (digits, *p);
    else if (!strchr (" -.()", *p))
      break;
  }
  if (*p || digits->len == 0 || g_str_equal (digits->str, "+")) {
    g_set_error (error, OH_ERROR, OH_ERROR_INVALID_ARGUMENTS,
                 "target '%s' is not a SIP URI, a tel: URI or a dial string of digits, +, * and #", shown);
    return NULL;
  }
  if (!domain || !*domain) {
    g_set_error (error, OH_ERROR, OH_ERROR_INVALID_ARGUMENTS,
                 "target '%s' is a number, which needs an account to give it a domain; "
                 "dial a full SIP URI for a direct call", shown);
    return NULL;
  }
  {
    g_autofree char *escaped = g_uri_escape_string (digits->str, "+*", FALSE);
    return g_strdup_printf ("sip:%s@%s;user=phone", escaped, domain);
  }
}
