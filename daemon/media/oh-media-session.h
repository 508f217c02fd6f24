/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* One call's media: the GStreamer pipeline that carries its audio. The module's
 * whole interface: offhookd looks these functions up by name, and connects to
 * the signals "dtmf-received" (gchar digit: 0-9 * # A-D) and "flowing" (the
 * microphone's sound arrived; DTMF sent before that is dropped) by name. */
#pragma once

#include <gio/gio.h>

#include "oh-media-mixer.h"

G_BEGIN_DECLS

/* The PulseAudio stream property that tells offhookd's audio routing which
 * streams are its own, and what for. */
#define OH_MEDIA_ROLE_KEY "offhook.role"
#define OH_MEDIA_ROLE_CALL "call"
#define OH_MEDIA_ROLE_RINGER "ringer"

/* The negotiated stream, as the SDP offer/answer left it. */
typedef struct {
  const char *remote_address;
  guint remote_port;
  const char *encoding;      /* "PCMU", "PCMA", "G722", "opus" (any case) */
  guint clock_rate;          /* RTP clock rate */
  guint send_payload;        /* payload type the far end expects */
  guint recv_payload;        /* payload type we asked for */
  guint ptime;               /* ms per packet; 0 = 20 */
  guint dtmf_send_payload;   /* RFC 4733 telephone-event; 0 = DTMF in-band */
  guint dtmf_recv_payload;
  guint dtmf_clock_rate;
} OhMediaParams;

#define OH_TYPE_MEDIA_SESSION (oh_media_session_get_type ())
G_DECLARE_FINAL_TYPE (OhMediaSession, oh_media_session, OH, MEDIA_SESSION, GObject)

OhMediaSession *oh_media_session_new            (GSocket          *rtp,
                                                 GSocket          *rtcp,
                                                 const char       *source,
                                                 const char       *sink);
gboolean        oh_media_session_start          (OhMediaSession   *self,
                                                 const OhMediaParams *params,
                                                 GError          **error);
void            oh_media_session_set_sending    (OhMediaSession   *self,
                                                 gboolean          sending);
void            oh_media_session_set_echo_cancel (OhMediaSession  *self,
                                                 gboolean          echo_cancel);
void            oh_media_session_send_dtmf      (OhMediaSession   *self,
                                                 char              digit,
                                                 gboolean          start);
void            oh_media_session_stop           (OhMediaSession   *self);
void            oh_media_session_set_mixer      (OhMediaSession   *self,
                                                 OhMediaMixer     *mixer);
GVariant       *oh_media_session_get_statistics (OhMediaSession   *self);

G_END_DECLS
