/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* One call: its state machine, its SIP dialog and its media session. */
#define G_LOG_DOMAIN "offhook-call"

#include "oh-call.h"

#include "oh-error.h"
#include "oh-log.h"
#include "oh-media-loader.h"
#include "oh-rtp-ports.h"

#include <string.h>

#define CALL_PATH "/org/offhook/Phone1/Call/"
#define DTMF_TONE_MS 100   /* each digit sounds this long… */
#define DTMF_GAP_MS 100    /* …and is followed by this much silence */
#define DTMF_PAUSE_MS 500  /* a ',' in SendDtmf */
#define MAX_DTMF_DIGITS 256
#define FAILURE_TONE_MS 3000 /* busy or congestion after a call that failed */
#define MAX_REDIRECTS 5      /* 3xx answers an outgoing call follows */
#define AUTO_ANSWER_TONE_MS 600 /* the "confirm" beeps before answering by ourselves */

enum {
  SIGNAL_INVITE_SENT,
  SIGNAL_TAKING_LINE,
  SIGNAL_REFERRED,
  SIGNAL_FINISHED,
  N_SIGNALS
};
static guint signals[N_SIGNALS];

struct _OhCall {
  OhDbusCallSkeleton parent_instance;

  OhSip *sip;
  OhConfig *config;
  OhTones *tones;
  OhAccount *account;       /* NULL for a direct-IP call */
  char *path;
  OhSipHandle *handle;
  OhRtpPorts *ports;
  const OhMediaApi *media_api;
  OhMediaSession *media;    /* from the first answer or early media on */
  OhMediaMixer *mixer;      /* in a local conference (Multiparty) */
  char *proxy;              /* the proxy the INVITE went through */
  OhSipInvite invite;       /* kept for a retry through a backup proxy */
  OhSipMedia local;
  char *from_uri;
  char *from_name;
  char *to_uri;
  char *alert_info;         /* of an incoming call: how to ring */
  const char *local_reason; /* why we ended it, when we did */
  guint local_status;
  guint ring_timer;
  guint stats_timer;
  gboolean invite_sent;
  gboolean early_media;     /* the far end's audio plays before the answer */
  gboolean media_flowing;   /* the media session can send DTMF */
  gboolean rung;            /* 180 Ringing went out */
  gboolean hold_pending;    /* our hold or resume re-INVITE is out */
  /* Transfer() or TransferToCall(): the REFER goes once the call is held */
  GDBusMethodInvocation *transfer_request;
  char *transfer_target;
  OhCall *transfer_replaces; /* the consultation call of an attended transfer */
  gboolean transfer_sent;
  /* we were transferred: this call replaces that one once it is up */
  OhCall *referred_from;
  char *referred_by;
  char *replaces;
  GDBusMethodInvocation *hold_request; /* Hold() or Resume() waiting for the answer */
  GString *dtmf_queue;      /* digits SendDtmf has still to send */
  guint dtmf_timer;
  char dtmf_sounding;       /* the digit whose tone or events are on */
  GPtrArray *tried;         /* targets this outgoing call was sent to: no redirect loops */
  gboolean auto_answer;     /* answers by itself when ring_timer fires */
};

G_DEFINE_TYPE (OhCall, oh_call, OH_DBUS_TYPE_CALL_SKELETON)

static const char *
state (OhCall *self)
{
  return oh_dbus_call_get_state (OH_DBUS_CALL (self));
}

static gboolean
is_over (OhCall *self)
{
  return g_str_equal (state (self), "disconnected");
}

static void
set_state (OhCall *self, const char *new_state)
{
  if (g_str_equal (state (self), new_state))
    return;
  oh_log_call (G_LOG_LEVEL_INFO, self, self->path, "%s → %s", state (self), new_state);
  oh_dbus_call_set_state (OH_DBUS_CALL (self), new_state);
}

static gboolean
on_stats_timer (gpointer data)
{
  OhCall *self = data;
  g_autoptr(GVariant) stats = g_variant_ref_sink (self->media_api->get_statistics (self->media));

  if (!g_variant_equal (stats, oh_dbus_call_get_statistics (OH_DBUS_CALL (self))))
    oh_dbus_call_set_statistics (OH_DBUS_CALL (self), stats);
  return G_SOURCE_CONTINUE;
}

/* An outgoing call that failed by itself: the caller hears why for a while. */
static void
failure_tone (OhCall *self, const char *reason)
{
  const char *tone = NULL;

  if (self->local_reason || oh_dbus_call_get_connect_time (OH_DBUS_CALL (self)) ||
      !g_str_equal (oh_dbus_call_get_direction (OH_DBUS_CALL (self)), "outgoing"))
    return;
  if (g_str_equal (reason, "busy") || g_str_equal (reason, "rejected"))
    tone = "busy";
  else if (g_str_equal (reason, "failed") || g_str_equal (reason, "no-answer"))
    tone = "congestion";
  if (tone)
    oh_tones_play (self->tones, self, tone, FAILURE_TONE_MS, NULL);
}

/* A call made for a REFER tells the transferor how it goes (NOTIFY). */
static void
report_to_referrer (OhCall *self, guint status, const char *phrase)
{
  if (self->referred_from && self->referred_from->handle)
    oh_sip_refer_notify (self->referred_from->handle, status, phrase);
}

static void
disconnect (OhCall *self, const char *reason, guint status)
{
  OhDbusCall *dbus = OH_DBUS_CALL (self);

  if (is_over (self))
    return;
  g_clear_handle_id (&self->ring_timer, g_source_remove);
  g_clear_handle_id (&self->dtmf_timer, g_source_remove);
  g_string_truncate (self->dtmf_queue, 0);
  if (self->hold_request)
    g_dbus_method_invocation_return_error_literal (g_steal_pointer (&self->hold_request), OH_ERROR,
                                                   OH_ERROR_INVALID_STATE, "the call ended");
  if (self->transfer_request)
    g_dbus_method_invocation_return_error_literal (g_steal_pointer (&self->transfer_request), OH_ERROR,
                                                   OH_ERROR_FAILED, "the call ended before the transfer completed");
  g_clear_object (&self->transfer_replaces);
  if (!oh_dbus_call_get_connect_time (dbus))
    report_to_referrer (self, status ? status : 503, status ? oh_sip_status_phrase (status) : "Service Unavailable");
  g_clear_object (&self->referred_from);
  if (self->stats_timer) {
    GVariant *stats;
    guint64 sent = 0, received = 0, lost = 0;

    on_stats_timer (self);
    g_clear_handle_id (&self->stats_timer, g_source_remove);
    stats = oh_dbus_call_get_statistics (dbus);
    g_variant_lookup (stats, "packets-sent", "t", &sent);
    g_variant_lookup (stats, "packets-received", "t", &received);
    g_variant_lookup (stats, "packets-lost", "t", &lost);
    oh_log_call (G_LOG_LEVEL_INFO, self, self->path, "RTP %" G_GUINT64_FORMAT " sent, %"
                 G_GUINT64_FORMAT " received, %" G_GUINT64_FORMAT " lost", sent, received, lost);
  }
  if (self->media)
    self->media_api->stop (self->media);
  g_clear_object (&self->mixer);
  g_clear_pointer (&self->handle, oh_sip_handle_free);
  oh_tones_stop (self->tones, self);
  failure_tone (self, reason);

  g_object_freeze_notify (G_OBJECT (self));
  oh_dbus_call_set_disconnect_reason (dbus, reason);
  oh_dbus_call_set_sip_status (dbus, status);
  set_state (self, "disconnected");
  g_object_thaw_notify (G_OBJECT (self));
  if (status)
    oh_log_call (G_LOG_LEVEL_INFO, self, self->path, "ended: %s, SIP %u", reason, status);
  else
    oh_log_call (G_LOG_LEVEL_INFO, self, self->path, "ended: %s", reason);
  g_signal_emit (self, signals[SIGNAL_FINISHED], 0);
}

static const char *
reason_for_status (guint status)
{
  switch (status) {
  case 486:
  case 600:
    return "busy";
  case 403:
  case 603:
    return "rejected";
  case 408:
  case 480:
    return "no-answer";
  default:
    return "failed";
  }
}

static void
send_invite (OhCall *self)
{
  self->invite.proxy = self->proxy;
  self->invite.username = self->account ? oh_dbus_account_get_username (OH_DBUS_ACCOUNT (self->account)) : NULL;
  self->invite.password = self->account ? oh_account_get_password (self->account) : NULL;
  if (self->invite.username && !*self->invite.username)
    self->invite.username = NULL;
  self->handle = oh_sip_invite (self->sip, self, &self->invite);
  oh_dbus_call_set_sip_call_id (OH_DBUS_CALL (self), oh_sip_handle_get_call_id (self->handle));
}

/* The same call goes on with a new INVITE through @proxy. */
static void
resend_through (OhCall *self, const char *proxy)
{
  g_clear_pointer (&self->handle, oh_sip_handle_free);
  g_free (self->proxy);
  self->proxy = g_strdup (proxy);
  send_invite (self);
}

/* The proxy did not answer the INVITE at all: the same call goes on through the
 * next one (seed Figure B-20). */
static gboolean
fail_over (OhCall *self)
{
  const char *next;

  if (!self->account || !self->proxy || self->local_reason)
    return FALSE;
  next = oh_account_next_proxy (self->account, self->proxy);
  if (!next)
    return FALSE;
  oh_log_call (G_LOG_LEVEL_INFO, self, self->path, "proxy %s did not answer; trying %s", self->proxy, next);
  resend_through (self, next);
  return TRUE;
}

/* A proxy answered 5xx: RFC 3263 4.3 lets the same request go to the next
 * server. The account stays with its proxy (it still answers). */
static gboolean
retry_after_server_error (OhCall *self, guint status)
{
  const char *next;

  if (!self->account || !self->proxy || self->local_reason)
    return FALSE;
  next = oh_account_proxy_after (self->account, self->proxy);
  if (!next)
    return FALSE;
  oh_log_call (G_LOG_LEVEL_INFO, self, self->path, "proxy %s answered %u; trying %s", self->proxy, status, next);
  resend_through (self, next);
  return TRUE;
}

/* The call now goes to @target: it shows that party. */
static void
show_redirect (OhCall *self, guint status, const char *target)
{
  OhDbusCall *dbus = OH_DBUS_CALL (self);

  oh_log_call (G_LOG_LEVEL_INFO, self, self->path, "redirected (%u) from %s to %s", status, self->to_uri, target);
  g_ptr_array_add (self->tried, g_strdup (target));
  g_free (self->to_uri);
  self->to_uri = g_strdup (target);
  self->invite.to_uri = self->to_uri;
  g_object_freeze_notify (G_OBJECT (self));
  oh_dbus_call_set_remote_uri (dbus, target);
  oh_dbus_call_set_remote_name (dbus, "");
  g_object_thaw_notify (G_OBJECT (self));
}

/* A 3xx: the same call goes on to the first Contact not tried yet (RFC 3261
 * 8.1.3.4), at most MAX_REDIRECTS times; the call then shows that party. */
static gboolean
follow_redirect (OhCall *self, const OhSipEvent *event)
{
  const char *next = NULL;

  if (event->status < 300 || event->status >= 400 || !event->contacts || self->local_reason)
    return FALSE;
  for (guint i = 0; event->contacts[i] && !next; i++)
    if (!g_ptr_array_find_with_equal_func (self->tried, event->contacts[i], g_str_equal, NULL))
      next = event->contacts[i];
  if (!next || self->tried->len > MAX_REDIRECTS) {
    oh_log_call (G_LOG_LEVEL_INFO, self, self->path, "not following the %u redirect: %s", event->status,
                 next ? "too many redirects" : "no target that was not tried already");
    return FALSE;
  }
  show_redirect (self, event->status, next);
  /* the new callee's 180 brings the ringback back */
  oh_tones_stop (self->tones, self);
  self->early_media = FALSE;
  g_clear_pointer (&self->handle, oh_sip_handle_free);
  send_invite (self);
  return TRUE;
}

static void
on_ended (OhCall *self, const OhSipEvent *event)
{
  gboolean outgoing = g_str_equal (oh_dbus_call_get_direction (OH_DBUS_CALL (self)), "outgoing");
  gboolean answered = oh_dbus_call_get_connect_time (OH_DBUS_CALL (self)) != 0;

  if (outgoing && !answered && event->local && (event->status == 408 || event->status == 503) &&
      fail_over (self))
    return;
  if (outgoing && !answered && !event->local && event->status >= 500 && event->status < 600 &&
      retry_after_server_error (self, event->status))
    return;
  if (outgoing && !answered && follow_redirect (self, event))
    return;

  if (self->local_reason)
    disconnect (self, self->local_reason, self->local_status);
  else if (event->expired)
    disconnect (self, "session-expired", event->status);
  else if (event->cancelled)
    disconnect (self, "cancelled", 487);
  else if (event->by_remote || (answered && event->status < 300))
    disconnect (self, "remote-hangup", 0);
  else if (event->status >= 300)
    disconnect (self, reason_for_status (event->status), event->status);
  else
    disconnect (self, "failed", 0);
}

static void
on_dtmf_received (OhCall *self, char digit)
{
  char text[2] = { digit, '\0' };

  oh_log_call (G_LOG_LEVEL_INFO, self, self->path, "DTMF %s received", text);
  oh_dbus_call_emit_dtmf_received (OH_DBUS_CALL (self), text);
}

static void
on_media_dtmf (OhMediaSession *media, char digit, OhCall *self)
{
  on_dtmf_received (self, digit);
}

static gboolean on_dtmf_step (gpointer data);

static void
on_media_flowing (OhMediaSession *media, OhCall *self)
{
  self->media_flowing = TRUE;
  if (self->dtmf_queue->len && !self->dtmf_timer)
    on_dtmf_step (self);
}

static const char *
dtmf_method (OhCall *self)
{
  return self->account ? oh_account_get_dtmf (self->account) : "rfc4733";
}

/* A speakerphone cancels its echo; a handset need not. */
static void
on_route_changed (OhAudio *audio, OhCall *self)
{
  if (self->media && !is_over (self))
    self->media_api->set_echo_cancel (self->media, oh_audio_get_echo_cancel (audio));
}

static void
send_refer (OhCall *self)
{
  const char *by = self->account ? oh_dbus_account_get_aor (OH_DBUS_ACCOUNT (self->account)) : self->from_uri;

  self->transfer_sent = TRUE;
  oh_log_call (G_LOG_LEVEL_INFO, self, self->path, "transferring to %s%s", self->transfer_target,
               self->transfer_replaces ? " (attended)" : "");
  /* the target ends the consultation call (BYE) once the transferee's
   * INVITE replaced it, maybe before the final NOTIFY reaches us */
  if (self->transfer_replaces)
    self->transfer_replaces->local_reason = "transferred";
  oh_sip_refer (self->handle, self->transfer_target, by,
                self->transfer_replaces ? self->transfer_replaces->handle : NULL);
}

static void
transfer_failed (OhCall *self, const char *why)
{
  oh_log_call (G_LOG_LEVEL_INFO, self, self->path, "transfer to %s failed: %s", self->transfer_target, why);
  self->transfer_sent = FALSE;
  if (self->transfer_replaces && !is_over (self->transfer_replaces))
    self->transfer_replaces->local_reason = NULL;
  g_clear_object (&self->transfer_replaces);
  if (self->transfer_request)
    g_dbus_method_invocation_return_error (g_steal_pointer (&self->transfer_request), OH_ERROR, OH_ERROR_FAILED,
                                           "the transfer to %s failed: %s", self->transfer_target, why);
}

/* News of our REFER: the far end refused it, or the call it made to the
 * target progressed (NOTIFY). 2xx: the far end talks to the target now, so
 * our calls with both end. */
static void
on_transfer_news (OhCall *self, const OhSipEvent *event)
{
  g_autofree char *why = NULL;

  if (!self->transfer_sent)
    return;
  if (event->status >= 200 && event->status < 300) {
    oh_log_call (G_LOG_LEVEL_INFO, self, self->path, "transferred to %s", self->transfer_target);
    if (self->transfer_replaces && !is_over (self->transfer_replaces))
      oh_sip_hangup (self->transfer_replaces->handle);
    if (self->transfer_request)
      g_dbus_method_invocation_return_value (g_steal_pointer (&self->transfer_request), NULL);
    self->local_reason = "transferred";
    oh_sip_hangup (self->handle);
    return;
  }
  if (!event->final) {
    oh_log_call (G_LOG_LEVEL_INFO, self, self->path, "transfer: %u %s", event->status,
                 event->phrase ? event->phrase : "");
    return;
  }
  if (event->status)
    why = g_strdup_printf ("%u %s", event->status, event->phrase ? event->phrase : "");
  transfer_failed (self, why ? why : "the far end gave no final answer");
}

/* The far end transferred us (REFER): the manager places the new call. */
static void
on_referred (OhCall *self, const OhSipEvent *event)
{
  oh_log_call (G_LOG_LEVEL_INFO, self, self->path, "referred to %s by %s%s", event->refer_to,
               event->referred_by ? event->referred_by : "the far end",
               event->replaces ? " (attended)" : "");
  g_signal_emit (self, signals[SIGNAL_REFERRED], 0, event->refer_to, event->referred_by, event->replaces);
}

static void
on_media (OhCall *self, const OhSipEvent *event)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *codec = g_strdup_printf ("%s/%u", event->encoding, event->clock_rate);
  OhMediaParams params = {
    .remote_address = event->media_address,
    .remote_port = event->media_port,
    .encoding = event->encoding,
    .clock_rate = event->clock_rate,
    .send_payload = event->send_payload,
    .recv_payload = event->recv_payload,
    .ptime = event->ptime,
    .dtmf_send_payload = event->dtmf_send_payload,
    .dtmf_recv_payload = event->dtmf_recv_payload,
    .dtmf_clock_rate = event->dtmf_clock_rate,
  };

  oh_dbus_call_set_codec (OH_DBUS_CALL (self), codec);
  /* before the answer: announcements or the far end's ringback, not ours */
  if (!oh_dbus_call_get_connect_time (OH_DBUS_CALL (self)))
    self->early_media = TRUE;
  oh_tones_stop (self->tones, self);
  if (!self->media) {
    OhAudio *audio = oh_tones_get_audio (self->tones);

    /* the call's streams get their route, volume and mute */
    oh_audio_use (audio);
    self->media_api = oh_media_loader_get (&error);
    if (!self->media_api) {
      oh_log_call (G_LOG_LEVEL_WARNING, self, self->path, "no audio: %s", error->message);
      return;
    }
    self->media = self->media_api->session_new (oh_rtp_ports_get_rtp_socket (self->ports),
                                                oh_rtp_ports_get_rtcp_socket (self->ports),
                                                oh_audio_get_source (audio), oh_audio_get_sink (audio));
    g_signal_connect (self->media, "dtmf-received", G_CALLBACK (on_media_dtmf), self);
    self->media_api->set_echo_cancel (self->media, oh_audio_get_echo_cancel (audio));
    g_signal_connect_object (audio, "route-changed", G_CALLBACK (on_route_changed), self, 0);
    g_signal_connect (self->media, "flowing", G_CALLBACK (on_media_flowing), self);
    if (self->mixer)
      self->media_api->set_mixer (self->media, self->mixer);
  }
  if (!self->media_api->start (self->media, &params, &error)) {
    oh_log_call (G_LOG_LEVEL_WARNING, self, self->path, "%s", error->message);
    return;
  }
  self->media_api->set_sending (self->media, event->sending);
  oh_dbus_call_set_remote_held (OH_DBUS_CALL (self), event->remote_hold);
  oh_log_call (G_LOG_LEVEL_INFO, self, self->path, "media %s (pt %u/%u, DTMF pt %u/%u) to %s:%u from port %u%s%s",
               codec, params.send_payload, params.recv_payload, params.dtmf_send_payload,
               params.dtmf_recv_payload, event->media_address, event->media_port,
               oh_rtp_ports_get_port (self->ports), event->local_hold ? ", held here" : "",
               event->remote_hold ? ", held by the far end" : "");
  /* our hold or resume took effect, whoever asked for it */
  self->hold_pending = FALSE;
  if (g_str_equal (state (self), event->local_hold ? "active" : "held"))
    set_state (self, event->local_hold ? "held" : "active");
  if (self->hold_request && g_str_equal (state (self), event->local_hold ? "held" : "active"))
    g_dbus_method_invocation_return_value (g_steal_pointer (&self->hold_request), NULL);
  if (self->transfer_request && !self->transfer_sent && g_str_equal (state (self), "held"))
    send_refer (self);
  if (!self->stats_timer)
    self->stats_timer = g_timeout_add_seconds (1, on_stats_timer, self);
}

/* An 18x or 2xx of an outgoing call named the party: P-Asserted-Identity,
 * Remote-Party-ID or To (after forwarding not the one dialled). */
static void
on_remote_identity (OhCall *self, const OhSipEvent *event)
{
  OhDbusCall *dbus = OH_DBUS_CALL (self);

  if (event->remote_name && *event->remote_name &&
      !g_str_equal (event->remote_name, oh_dbus_call_get_remote_name (dbus)))
    oh_dbus_call_set_remote_name (dbus, event->remote_name);
  if (event->remote_uri && *event->remote_uri &&
      !g_str_equal (event->remote_uri, oh_dbus_call_get_remote_uri (dbus)))
    oh_dbus_call_set_remote_uri (dbus, event->remote_uri);
}

static void
on_sip_event (OhSip *sip, gpointer owner, OhSipHandle *handle, const OhSipEvent *event, OhCall *self)
{
  OhDbusCall *dbus = OH_DBUS_CALL (self);

  if (owner != self || handle != self->handle)
    return;

  switch (event->type) {
  case OH_SIP_EVENT_PROGRESS:
    if (event->status >= 180 && event->status < 200)
      report_to_referrer (self, event->status, event->phrase);
    if (event->contacts)
      show_redirect (self, event->status, event->contacts[0]);
    if (event->status >= 180 && event->status < 200 && g_str_equal (state (self), "dialing"))
      set_state (self, "alerting");
    if (event->status >= 180 && event->status < 200 && !self->early_media)
      oh_tones_play (self->tones, self, "ringback", 0, NULL);
    on_remote_identity (self, event);
    break;
  case OH_SIP_EVENT_SENT:
    if (!self->invite_sent) {
      self->invite_sent = TRUE;
      g_signal_emit (self, signals[SIGNAL_INVITE_SENT], 0);
    }
    break;
  case OH_SIP_EVENT_MEDIA:
    on_media (self, event);
    break;
  case OH_SIP_EVENT_ESTABLISHED:
    if (!oh_dbus_call_get_connect_time (dbus)) {
      g_clear_handle_id (&self->ring_timer, g_source_remove);
      oh_dbus_call_set_connect_time (dbus, (guint64) g_get_real_time ());
      oh_tones_stop (self->tones, self);
      set_state (self, "active");
      /* the transfer is done: the call it came from is over */
      report_to_referrer (self, 200, "OK");
      if (self->referred_from)
        oh_call_replace (self, self->referred_from);
      g_clear_object (&self->referred_from);
    }
    break;
  case OH_SIP_EVENT_TRANSFER:
    on_transfer_news (self, event);
    break;
  case OH_SIP_EVENT_REFERRED:
    on_referred (self, event);
    break;
  case OH_SIP_EVENT_ENDED:
    on_ended (self, event);
    break;
  case OH_SIP_EVENT_DTMF:
    on_dtmf_received (self, event->digit);
    break;
  case OH_SIP_EVENT_HOLD_FAILED:
    self->hold_pending = FALSE;
    if (self->transfer_request && !self->transfer_sent)
      transfer_failed (self, "the far end refused to be held");
    if (self->hold_request)
      g_dbus_method_invocation_return_error (g_steal_pointer (&self->hold_request), OH_ERROR, OH_ERROR_FAILED,
                                             "the far end refused: %u %s", event->status,
                                             event->phrase ? event->phrase : "");
    break;
  default:
    break;
  }
}

static void
refuse (OhCall *self, guint status, const char *phrase, const char *reason)
{
  oh_sip_respond (self->handle, status, phrase, NULL);
  self->local_reason = reason;
  disconnect (self, reason, status);
}

/* 302 to @uri: the caller calls there instead (deflection, forwarding). */
static void
redirect_to (OhCall *self, const char *uri)
{
  g_autofree char *contact = g_strdup_printf ("<%s>", uri);

  oh_sip_respond (self->handle, 302, "Moved Temporarily", contact);
  self->local_reason = "transferred";
  disconnect (self, "transferred", 302);
}

/* Nobody answered within the ring timeout. */
static gboolean
on_ring_timeout (gpointer data)
{
  OhCall *self = data;

  self->ring_timer = 0;
  if (g_str_equal (oh_dbus_call_get_direction (OH_DBUS_CALL (self)), "incoming")) {
    const char *forward = self->account ? oh_account_get_forward (self->account, "forward-noanswer") : NULL;

    if (forward)
      oh_call_forward (self, forward);
    else
      refuse (self, 480, "Temporarily Unavailable", "no-answer");
  } else {
    self->local_reason = "no-answer";
    oh_sip_hangup (self->handle);
  }
  return G_SOURCE_REMOVE;
}

static OhSipMedia
local_media (OhCall *self)
{
  OhSipMedia media = {
    .address = oh_config_get_settings (self->config)->sip_address,
    .port = oh_rtp_ports_get_port (self->ports),
    .codecs = self->account ? oh_account_get_codecs (self->account) : NULL,
    /* "inband" offers no telephone-event, so both sides fall back to tones */
    .dtmf_events = !g_str_equal (dtmf_method (self), "inband"),
  };
  static const char * const defaults[] = { "pcmu", "pcma", NULL };

  if (!media.codecs)
    media.codecs = defaults;
  return media;
}

static gboolean
on_auto_answer_now (gpointer data)
{
  OhCall *self = data;

  self->ring_timer = 0;
  oh_log_call (G_LOG_LEVEL_INFO, self, self->path, "answering by itself");
  oh_call_answer (self);
  return G_SOURCE_REMOVE;
}

/* The delay the caller asked for is over: warn with a short beep, then answer. */
static gboolean
on_auto_answer_due (gpointer data)
{
  OhCall *self = data;

  oh_tones_play (self->tones, self, "confirm", 0, NULL);
  self->ring_timer = g_timeout_add (AUTO_ANSWER_TONE_MS, on_auto_answer_now, self);
  return G_SOURCE_REMOVE;
}

static gboolean
handle_answer (OhDbusCall *dbus, GDBusMethodInvocation *invocation)
{
  OhCall *self = OH_CALL (dbus);

  if (!g_str_equal (state (self), "incoming") && !g_str_equal (state (self), "waiting")) {
    g_dbus_method_invocation_return_error (invocation, OH_ERROR, OH_ERROR_INVALID_STATE,
                                           "cannot answer a call that is %s (%s)", state (self),
                                           oh_dbus_call_get_direction (dbus));
    return G_DBUS_METHOD_INVOCATION_HANDLED;
  }
  oh_call_answer (self);
  oh_dbus_call_complete_answer (dbus, invocation);
  return G_DBUS_METHOD_INVOCATION_HANDLED;
}

static gboolean
handle_hangup (OhDbusCall *dbus, GDBusMethodInvocation *invocation)
{
  OhCall *self = OH_CALL (dbus);

  if (is_over (self)) {
    g_dbus_method_invocation_return_error_literal (invocation, OH_ERROR, OH_ERROR_INVALID_STATE,
                                                   "the call is already disconnected");
    return G_DBUS_METHOD_INVOCATION_HANDLED;
  }
  oh_call_hangup (self);
  oh_dbus_call_complete_hangup (dbus, invocation);
  return G_DBUS_METHOD_INVOCATION_HANDLED;
}

static gboolean
handle_deflect (OhDbusCall *dbus, GDBusMethodInvocation *invocation, const char *target)
{
  OhCall *self = OH_CALL (dbus);
  g_autoptr(GError) error = NULL;
  g_autofree char *uri = NULL;

  if (!g_str_equal (state (self), "incoming") && !g_str_equal (state (self), "waiting")) {
    g_dbus_method_invocation_return_error (invocation, OH_ERROR, OH_ERROR_INVALID_STATE,
                                           "only a ringing incoming call can be deflected; this one is %s",
                                           state (self));
    return G_DBUS_METHOD_INVOCATION_HANDLED;
  }
  uri = oh_sip_normalize_target (target, self->account ? oh_account_get_domain (self->account) : NULL, &error);
  if (!uri) {
    g_dbus_method_invocation_return_gerror (invocation, error);
    return G_DBUS_METHOD_INVOCATION_HANDLED;
  }
  oh_log_call (G_LOG_LEVEL_INFO, self, self->path, "deflected to %s", uri);
  redirect_to (self, uri);
  oh_dbus_call_complete_deflect (dbus, invocation);
  return G_DBUS_METHOD_INVOCATION_HANDLED;
}

static gboolean
handle_transfer (OhDbusCall *dbus, GDBusMethodInvocation *invocation, const char *target)
{
  OhCall *self = OH_CALL (dbus);
  g_autoptr(GError) error = NULL;
  g_autofree char *uri = oh_sip_normalize_target (target, self->account ? oh_account_get_domain (self->account) : NULL,
                                                  &error);

  if (!uri)
    g_dbus_method_invocation_return_gerror (invocation, error);
  else
    oh_call_transfer (self, invocation, uri, NULL);
  return G_DBUS_METHOD_INVOCATION_HANDLED;
}

/* Hold() and Resume() answer once the far end has taken the re-INVITE. */
static gboolean
request_hold (OhCall *self, GDBusMethodInvocation *invocation, gboolean hold)
{
  const char *from = hold ? "active" : "held";
  const char *article = hold ? "an" : "a";

  if (self->hold_request) {
    g_dbus_method_invocation_return_error_literal (invocation, OH_ERROR, OH_ERROR_INVALID_STATE,
                                                   "a hold or resume of this call is under way");
  } else if (!g_str_equal (state (self), from)) {
    g_dbus_method_invocation_return_error (invocation, OH_ERROR, OH_ERROR_INVALID_STATE,
                                           "only %s %s call can be %s; this one is %s", article, from,
                                           hold ? "held" : "resumed", state (self));
  } else {
    self->hold_request = invocation;
    oh_call_hold (self, hold);
  }
  return G_DBUS_METHOD_INVOCATION_HANDLED;
}

static gboolean
handle_hold (OhDbusCall *dbus, GDBusMethodInvocation *invocation)
{
  return request_hold (OH_CALL (dbus), invocation, TRUE);
}

static gboolean
handle_resume (OhDbusCall *dbus, GDBusMethodInvocation *invocation)
{
  return request_hold (OH_CALL (dbus), invocation, FALSE);
}

/* One step of SendDtmf: end the sounding digit, then start the next one (or
 * pause for a ','). SIP INFO carries the digit's duration itself. */
static gboolean
on_dtmf_step (gpointer data)
{
  OhCall *self = data;
  gboolean info = g_str_equal (dtmf_method (self), "info");
  guint wait;
  char digit;

  self->dtmf_timer = 0;
  if (self->dtmf_sounding) {
    if (self->media)
      self->media_api->send_dtmf (self->media, self->dtmf_sounding, FALSE);
    self->dtmf_sounding = 0;
    self->dtmf_timer = g_timeout_add (DTMF_GAP_MS, on_dtmf_step, self);
    return G_SOURCE_REMOVE;
  }
  /* digits in the audio wait for it to flow (SIP INFO does not) */
  if (self->dtmf_queue->len == 0 || (!info && !self->media_flowing))
    return G_SOURCE_REMOVE;

  digit = self->dtmf_queue->str[0];
  g_string_erase (self->dtmf_queue, 0, 1);
  if (digit == ',') {
    wait = DTMF_PAUSE_MS;
  } else if (info) {
    oh_sip_send_dtmf_info (self->handle, digit, DTMF_TONE_MS);
    wait = DTMF_TONE_MS + DTMF_GAP_MS;
  } else {
    if (self->media)
      self->media_api->send_dtmf (self->media, digit, TRUE);
    self->dtmf_sounding = digit;
    wait = DTMF_TONE_MS;
  }
  self->dtmf_timer = g_timeout_add (wait, on_dtmf_step, self);
  return G_SOURCE_REMOVE;
}

static gboolean
handle_send_dtmf (OhDbusCall *dbus, GDBusMethodInvocation *invocation, const char *digits)
{
  OhCall *self = OH_CALL (dbus);
  gsize bad;

  if (!g_str_equal (state (self), "active")) {
    g_dbus_method_invocation_return_error (invocation, OH_ERROR, OH_ERROR_INVALID_STATE,
                                           "DTMF needs an active call; this one is %s", state (self));
    return G_DBUS_METHOD_INVOCATION_HANDLED;
  }
  if (!*digits || strlen (digits) > MAX_DTMF_DIGITS) {
    g_dbus_method_invocation_return_error (invocation, OH_ERROR, OH_ERROR_INVALID_ARGUMENTS,
                                           "give 1 to %d DTMF digits", MAX_DTMF_DIGITS);
    return G_DBUS_METHOD_INVOCATION_HANDLED;
  }
  bad = strspn (digits, "0123456789*#ABCDabcd,");
  if (digits[bad]) {
    g_dbus_method_invocation_return_error (invocation, OH_ERROR, OH_ERROR_INVALID_ARGUMENTS,
                                           "'%.1s' at position %zu is not a DTMF digit "
                                           "(0-9 * # A-D, ',' pauses)", digits + bad, bad + 1);
    return G_DBUS_METHOD_INVOCATION_HANDLED;
  }
  for (const char *p = digits; *p; p++)
    g_string_append_c (self->dtmf_queue, g_ascii_toupper (*p));
  oh_log_call (G_LOG_LEVEL_INFO, self, self->path, "sending DTMF %s by %s", digits, dtmf_method (self));
  if (!self->dtmf_timer)
    on_dtmf_step (self);
  oh_dbus_call_complete_send_dtmf (dbus, invocation);
  return G_DBUS_METHOD_INVOCATION_HANDLED;
}

static void
oh_call_dispose (GObject *object)
{
  OhCall *self = OH_CALL (object);

  g_clear_handle_id (&self->ring_timer, g_source_remove);
  g_clear_handle_id (&self->stats_timer, g_source_remove);
  g_clear_handle_id (&self->dtmf_timer, g_source_remove);
  g_clear_pointer (&self->handle, oh_sip_handle_free);
  /* a busy tone may outlive the call: it has its own end */
  if (self->sip)
    g_signal_handlers_disconnect_by_data (self->sip, self);
  if (self->media)
    g_signal_handlers_disconnect_by_data (self->media, self);
  g_clear_object (&self->media);
  g_clear_object (&self->ports);
  g_clear_object (&self->sip);
  g_clear_object (&self->config);
  g_clear_object (&self->tones);
  g_clear_object (&self->account);
  g_clear_object (&self->transfer_replaces);
  g_clear_object (&self->referred_from);
  g_clear_object (&self->mixer);
  G_OBJECT_CLASS (oh_call_parent_class)->dispose (object);
}

static void
oh_call_finalize (GObject *object)
{
  OhCall *self = OH_CALL (object);

  g_free (self->path);
  g_free (self->proxy);
  g_free (self->from_uri);
  g_free (self->from_name);
  g_free (self->to_uri);
  g_free (self->alert_info);
  g_free (self->transfer_target);
  g_free (self->referred_by);
  g_free (self->replaces);
  g_string_free (self->dtmf_queue, TRUE);
  g_ptr_array_unref (self->tried);
  G_OBJECT_CLASS (oh_call_parent_class)->finalize (object);
}

static void
oh_call_class_init (OhCallClass *klass)
{
  G_OBJECT_CLASS (klass)->dispose = oh_call_dispose;
  G_OBJECT_CLASS (klass)->finalize = oh_call_finalize;

  /* the first INVITE of an outgoing call went out */
  signals[SIGNAL_INVITE_SENT] =
    g_signal_new ("invite-sent", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                  G_TYPE_NONE, 0);
  /* the call is about to become the one we talk to (Answer, Resume): the
   * others go on hold */
  signals[SIGNAL_TAKING_LINE] =
    g_signal_new ("taking-line", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                  G_TYPE_NONE, 0);
  /* referred (target, referred-by or NULL, replaces or NULL): the far end
   * transferred us; call the target with oh_call_new_outgoing() and this
   * call as OhCallDial.referred_from, or oh_call_decline_referral() */
  signals[SIGNAL_REFERRED] =
    g_signal_new ("referred", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                  G_TYPE_NONE, 3, G_TYPE_STRING, G_TYPE_STRING, G_TYPE_STRING);
  /* the call reached "disconnected" */
  signals[SIGNAL_FINISHED] =
    g_signal_new ("finished", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                  G_TYPE_NONE, 0);
}

static void
oh_call_init (OhCall *self)
{
  self->dtmf_queue = g_string_new (NULL);
  self->tried = g_ptr_array_new_with_free_func (g_free);
  g_signal_connect (self, "handle-answer", G_CALLBACK (handle_answer), NULL);
  g_signal_connect (self, "handle-hangup", G_CALLBACK (handle_hangup), NULL);
  g_signal_connect (self, "handle-deflect", G_CALLBACK (handle_deflect), NULL);
  g_signal_connect (self, "handle-hold", G_CALLBACK (handle_hold), NULL);
  g_signal_connect (self, "handle-resume", G_CALLBACK (handle_resume), NULL);
  g_signal_connect (self, "handle-send-dtmf", G_CALLBACK (handle_send_dtmf), NULL);
  g_signal_connect (self, "handle-transfer", G_CALLBACK (handle_transfer), NULL);
  /* TransferToCall names another call: the manager, which knows them, handles it */
}

static OhCall *
call_new (OhSip *sip, OhConfig *config, OhTones *tones, OhAccount *account, guint number,
          const char *direction, GError **error)
{
  g_autoptr(OhCall) self = NULL;
  g_auto(GVariantDict) empty = G_VARIANT_DICT_INIT (NULL);
  OhRtpPorts *ports = oh_rtp_ports_new (oh_config_get_settings (config), error);

  if (!ports)
    return NULL;
  self = g_object_new (OH_TYPE_CALL,
                       "direction", direction,
                       "state", g_str_equal (direction, "outgoing") ? "dialing" : "incoming",
                       "account", account ? oh_account_get_path (account) : "/",
                       "start-time", (guint64) g_get_real_time (),
                       "remote-name", "",
                       "codec", "",
                       "disconnect-reason", "",
                       "sip-call-id", "",
                       "statistics", g_variant_dict_end (&empty),
                       NULL);
  self->ports = ports;
  self->sip = g_object_ref (sip);
  self->config = g_object_ref (config);
  self->tones = g_object_ref (tones);
  self->account = account ? g_object_ref (account) : NULL;
  self->path = g_strdup_printf (CALL_PATH "%u", number);
  /* to the millisecond: g_timeout_add_seconds () groups timers and fires them
   * a fraction of a second off */
  self->ring_timer = g_timeout_add (oh_config_get_settings (config)->ring_timeout * 1000,
                                    on_ring_timeout, self);
  g_signal_connect (sip, "event", G_CALLBACK (on_sip_event), self);
  return g_steal_pointer (&self);
}

OhCall *
oh_call_new_outgoing (OhSip *sip, OhConfig *config, OhTones *tones, OhAccount *account, guint number,
                      const OhCallDial *dial, GError **error)
{
  const OhSettings *settings = oh_config_get_settings (config);
  OhCall *self = call_new (sip, config, tones, account, number, "outgoing", error);

  if (!self)
    return NULL;

  if (account) {
    OhDbusAccount *a = OH_DBUS_ACCOUNT (account);
    self->from_uri = g_strdup (oh_dbus_account_get_aor (a));
    self->from_name = g_strdup (oh_dbus_account_get_display_name (a));
    if (*oh_dbus_account_get_active_proxy (a))
      self->proxy = g_strdup (oh_dbus_account_get_active_proxy (a));
  } else {
    const char *host = *settings->sip_address ? settings->sip_address : g_get_host_name ();
    self->from_uri = g_strdup_printf ("sip:%s@%s", settings->local_user, host);
  }
  self->to_uri = g_strdup (dial->target);
  g_ptr_array_add (self->tried, g_strdup (dial->target));
  oh_dbus_call_set_remote_uri (OH_DBUS_CALL (self), dial->target);

  self->local = local_media (self);
  if (dial->referred_from) {
    self->referred_from = g_object_ref (dial->referred_from);
    self->referred_by = g_strdup (dial->referred_by);
    self->replaces = g_strdup (dial->replaces);
  }
  self->invite = (OhSipInvite) {
    .from_uri = self->from_uri,
    .from_name = self->from_name,
    .to_uri = self->to_uri,
    .anonymous = dial->anonymous,
    .auto_answer = dial->auto_answer,
    .media = &self->local,
    .referred_by = self->referred_by,
    .replaces = self->replaces,
  };
  send_invite (self);
  report_to_referrer (self, 100, "Trying");
  return self;
}

OhCall *
oh_call_new_incoming (OhSip *sip, OhConfig *config, OhTones *tones, OhAccount *account, guint number,
                      OhSipHandle *handle, const OhSipIncoming *incoming, GError **error)
{
  OhCall *self = call_new (sip, config, tones, account, number, "incoming", error);

  if (!self)
    return NULL;
  self->handle = handle;
  self->alert_info = g_strdup (incoming->alert_info);
  oh_sip_handle_set_owner (handle, self);
  g_object_set (self,
                "remote-uri", incoming->remote_uri,
                "remote-name", incoming->remote_name,
                "sip-call-id", incoming->call_id,
                NULL);
  return self;
}

const char *
oh_call_get_path (OhCall *self)
{
  g_return_val_if_fail (OH_IS_CALL (self), NULL);
  return self->path;
}

/* The Alert-Info of an incoming call, NULL when it had none. */
const char *
oh_call_get_alert_info (OhCall *self)
{
  g_return_val_if_fail (OH_IS_CALL (self), NULL);
  return self->alert_info;
}

gboolean
oh_call_is_over (OhCall *self)
{
  g_return_val_if_fail (OH_IS_CALL (self), TRUE);
  return is_over (self);
}

/* CANCEL, BYE or 486, whichever the state needs. */
void
oh_call_hangup (OhCall *self)
{
  g_return_if_fail (OH_IS_CALL (self));

  if (is_over (self))
    return;
  if (g_str_equal (state (self), "incoming") || g_str_equal (state (self), "waiting")) {
    oh_call_reject (self, 486, "Busy Here");
    return;
  }
  self->local_reason = "local-hangup";
  oh_sip_hangup (self->handle);
}

/* With forward-noanswer on, the ring timeout is the account's
 * forward-noanswer-timeout, and it ends in a 302 instead of a 480. */
static void
arm_forward_noanswer (OhCall *self)
{
  if (!self->account || !oh_account_get_forward (self->account, "forward-noanswer"))
    return;
  g_clear_handle_id (&self->ring_timer, g_source_remove);
  self->ring_timer = g_timeout_add (oh_account_get_forward_noanswer_timeout (self->account) * 1000,
                                    on_ring_timeout, self);
}

/* Let a new incoming call ring (180 Ringing), as `incoming` or, while
 * another call is up, as `waiting`; again to move it between the two. */
void
oh_call_ring (OhCall *self, gboolean waiting)
{
  g_return_if_fail (OH_IS_CALL (self));

  if (!g_str_equal (state (self), "incoming") && !g_str_equal (state (self), "waiting"))
    return;
  if (!self->rung) {
    oh_sip_respond (self->handle, 180, "Ringing", NULL);
    arm_forward_noanswer (self);
  }
  self->rung = TRUE;
  set_state (self, waiting ? "waiting" : "incoming");
}

/* Put an active call on hold, or take a held one back (re-INVITE); State
 * follows once the far end has accepted. Resuming first puts the call we
 * talk to on hold. */
void
oh_call_hold (OhCall *self, gboolean hold)
{
  g_return_if_fail (OH_IS_CALL (self));

  if (self->hold_pending || self->local_reason || !g_str_equal (state (self), hold ? "active" : "held"))
    return;
  self->hold_pending = TRUE;
  if (!hold)
    g_signal_emit (self, signals[SIGNAL_TAKING_LINE], 0);
  oh_log_call (G_LOG_LEVEL_INFO, self, self->path, "%s", hold ? "holding" : "resuming");
  oh_sip_hold (self->handle, hold);
}

/* Refuse a ringing incoming call with @status. */
void
oh_call_reject (OhCall *self, guint status, const char *phrase)
{
  g_return_if_fail (OH_IS_CALL (self));

  if (is_over (self))
    return;
  refuse (self, status, phrase, "rejected");
}

/* Answer a ringing call (200 with our SDP); the call we talk to goes on hold. */
void
oh_call_answer (OhCall *self)
{
  OhSipMedia media;

  g_return_if_fail (OH_IS_CALL (self));

  if (!g_str_equal (state (self), "incoming") && !g_str_equal (state (self), "waiting"))
    return;
  media = local_media (self);
  g_clear_handle_id (&self->ring_timer, g_source_remove);
  g_signal_emit (self, signals[SIGNAL_TAKING_LINE], 0);
  oh_sip_answer (self->handle, &media);
}

/* Transfer() (@replaces NULL) and TransferToCall(): hold the call, REFER its
 * far end to @target, and answer @invocation when the transfer succeeded
 * (the call then ends `transferred`) or failed (it stays held). */
void
oh_call_transfer (OhCall *self, GDBusMethodInvocation *invocation, const char *target, OhCall *replaces)
{
  g_return_if_fail (OH_IS_CALL (self));

  if (self->transfer_request || self->hold_request) {
    g_dbus_method_invocation_return_error_literal (invocation, OH_ERROR, OH_ERROR_INVALID_STATE,
                                                   "a transfer, hold or resume of this call is under way");
    return;
  }
  if (!g_str_equal (state (self), "active") && !g_str_equal (state (self), "held")) {
    g_dbus_method_invocation_return_error (invocation, OH_ERROR, OH_ERROR_INVALID_STATE,
                                           "only an active or held call can be transferred; this one is %s",
                                           state (self));
    return;
  }
  self->transfer_request = invocation;
  g_free (self->transfer_target);
  self->transfer_target = g_strdup (target);
  g_set_object (&self->transfer_replaces, replaces);
  self->transfer_sent = FALSE;
  if (g_str_equal (state (self), "held") && !self->hold_pending)
    send_refer (self);
  else
    oh_call_hold (self, TRUE);
}

/* We cannot follow the far end's REFER: tell it why (final NOTIFY). */
void
oh_call_decline_referral (OhCall *self, guint status, const char *phrase)
{
  g_return_if_fail (OH_IS_CALL (self));
  if (self->handle)
    oh_sip_refer_notify (self->handle, status, phrase);
}

/* @self, a call that is up, takes the place of @old (an INVITE with Replaces,
 * or the call a transfer made): @old ends `transferred`. */
void
oh_call_replace (OhCall *self, OhCall *old)
{
  g_return_if_fail (OH_IS_CALL (self) && OH_IS_CALL (old));

  if (is_over (old))
    return;
  oh_log_call (G_LOG_LEVEL_INFO, self, self->path, "replaces %s", old->path);
  old->local_reason = "transferred";
  oh_sip_hangup (old->handle);
}

/* Join the local conference @mixer (made by the media module), or leave it
 * (NULL): Multiparty follows. */
void
oh_call_set_mixer (OhCall *self, OhMediaMixer *mixer)
{
  g_return_if_fail (OH_IS_CALL (self));

  if (is_over (self) || self->mixer == mixer)
    return;
  g_set_object (&self->mixer, mixer);
  oh_dbus_call_set_multiparty (OH_DBUS_CALL (self), mixer != NULL);
  oh_log_call (G_LOG_LEVEL_INFO, self, self->path, "%s the conference", mixer ? "joins" : "leaves");
  if (self->media)
    self->media_api->set_mixer (self->media, mixer);
}

/* Redirect a ringing incoming call to @target (a SIP URI) with 302; it ends
 * as transferred. */
void
oh_call_forward (OhCall *self, const char *target)
{
  g_return_if_fail (OH_IS_CALL (self));

  if (is_over (self))
    return;
  oh_log_call (G_LOG_LEVEL_INFO, self, self->path, "forwarded to %s", target);
  redirect_to (self, target);
}

/* Answer a ringing incoming call by itself after @delay_s seconds, with the
 * confirm beeps first; it does not ring meanwhile. */
void
oh_call_auto_answer (OhCall *self, guint delay_s)
{
  g_return_if_fail (OH_IS_CALL (self));

  self->auto_answer = TRUE;
  g_clear_handle_id (&self->ring_timer, g_source_remove);
  oh_log_call (G_LOG_LEVEL_INFO, self, self->path, "answers by itself in %u s", delay_s);
  self->ring_timer = g_timeout_add (delay_s * 1000, on_auto_answer_due, self);
}

gboolean
oh_call_is_auto_answering (OhCall *self)
{
  g_return_val_if_fail (OH_IS_CALL (self), FALSE);
  return self->auto_answer;
}
