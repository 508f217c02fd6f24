/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* One call's media: the GStreamer pipeline that carries its audio. Built as a
 * module that offhookd loads at the first call that needs media, so that an
 * idle phone never maps GStreamer. */
#define G_LOG_DOMAIN "offhook-media"

#include "oh-media-session.h"

#include <gst/gst.h>
#include <stdio.h>
#include <string.h>

#define JITTER_BUFFER_MS 60
#define DEFAULT_PTIME_MS 20
#define DTMF_VOLUME 10  /* -10 dBm0, RFC 4733's usual level */

/* What carries each codec. G.722 comes from libav, loaded only when a call
 * negotiates it; Opus sends and decodes its in-band FEC. */
typedef struct {
  const char *name;       /* the SDP's encoding name */
  const char *caps_name;  /* RTP caps' encoding-name */
  guint audio_rate;       /* the rate of the raw audio around the codec */
  const char *encoder;
  const char *pay;
  const char *depay;
  const char *decoder;
} Codec;

static const Codec codecs[] = {
  { "PCMU", "PCMU", 8000, "mulawenc", "rtppcmupay", "rtppcmudepay", "mulawdec" },
  { "PCMA", "PCMA", 8000, "alawenc", "rtppcmapay", "rtppcmadepay", "alawdec" },
  { "G722", "G722", 16000, "avenc_g722", "rtpg722pay", "rtpg722depay", "avdec_g722" },
  { "opus", "OPUS", 48000, "opusenc inband-fec=true packet-loss-percentage=10",
    "rtpopuspay", "rtpopusdepay", "opusdec use-inband-fec=true plc=true" },
};

struct _OhMediaSession {
  GObject parent_instance;

  char *source_device;
  char *sink_device;
  GSocket *rtp_socket;   /* owned by the core's OhRtpPorts, which outlives us */
  GSocket *rtcp_socket;

  GstElement *pipeline;
  GstElement *jitterbuffer;
  GstElement *dtmf_source;  /* rtpdtmfsrc, or dtmfsrc for in-band */
  guint bus_watch;
  const Codec *codec;
  guint clock_rate;
  guint recv_payload;
  guint dtmf_recv_payload;
  guint dtmf_clock_rate;
  gint packets_sent;
  gint packets_received;
};

enum {
  SIGNAL_DTMF_RECEIVED,
  N_SIGNALS
};
static guint signals[N_SIGNALS];

G_DEFINE_TYPE (OhMediaSession, oh_media_session, G_TYPE_OBJECT)

static GstPadProbeReturn
on_packet (GstPad *pad, GstPadProbeInfo *info, gpointer counter)
{
  /* streaming threads count, the main loop reads */
  if (info->type & GST_PAD_PROBE_TYPE_BUFFER_LIST)
    g_atomic_int_add ((gint *) counter, (gint) gst_buffer_list_length (GST_PAD_PROBE_INFO_BUFFER_LIST (info)));
  else
    g_atomic_int_inc ((gint *) counter);
  return GST_PAD_PROBE_OK;
}

static void
count_packets (GstElement *element, const char *pad_name, gint *counter)
{
  g_autoptr(GstPad) pad = gst_element_get_static_pad (element, pad_name);

  gst_pad_add_probe (pad, GST_PAD_PROBE_TYPE_BUFFER | GST_PAD_PROBE_TYPE_BUFFER_LIST,
                     on_packet, counter, NULL);
}

static void
on_new_jitterbuffer (GstElement *rtpbin, GstElement *jitterbuffer, guint session, guint ssrc,
                     OhMediaSession *self)
{
  g_clear_object (&self->jitterbuffer);
  self->jitterbuffer = g_object_ref (jitterbuffer);
}

static GstCaps *
on_request_pt_map (GstElement *rtpbin, guint session, guint pt, OhMediaSession *self)
{
  if (pt == self->recv_payload)
    return gst_caps_new_simple ("application/x-rtp",
                                "media", G_TYPE_STRING, "audio",
                                "clock-rate", G_TYPE_INT, (gint) self->clock_rate,
                                "encoding-name", G_TYPE_STRING, self->codec->caps_name,
                                "payload", G_TYPE_INT, (gint) pt, NULL);
  if (self->dtmf_recv_payload && pt == self->dtmf_recv_payload)
    return gst_caps_new_simple ("application/x-rtp",
                                "media", G_TYPE_STRING, "audio",
                                "clock-rate", G_TYPE_INT, (gint) self->dtmf_clock_rate,
                                "encoding-name", G_TYPE_STRING, "TELEPHONE-EVENT",
                                "payload", G_TYPE_INT, (gint) pt, NULL);
  return NULL;
}

static void
tag_stream (GstElement *element)
{
  g_autoptr(GstStructure) props = gst_structure_new ("props",
                                                     OH_MEDIA_ROLE_KEY, G_TYPE_STRING, OH_MEDIA_ROLE_CALL,
                                                     "media.role", G_TYPE_STRING, "phone", NULL);

  g_object_set (element, "client-name", "offhookd", "stream-properties", props, NULL);
}

static gboolean
add_branch (OhMediaSession *self, GstPad *pad, const char *description)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GstPad) sinkpad = NULL;
  GstElement *bin = gst_parse_bin_from_description (description, TRUE, &error);
  GstElement *sink;

  if (!bin) {
    g_warning ("cannot build a receiving branch: %s", error->message);
    return FALSE;
  }
  sink = gst_bin_get_by_name (GST_BIN (bin), "speaker");
  if (sink) {
    if (*self->sink_device)
      g_object_set (sink, "device", self->sink_device, NULL);
    tag_stream (sink);
    gst_object_unref (sink);
  }
  gst_bin_add (GST_BIN (self->pipeline), bin);
  sinkpad = gst_element_get_static_pad (bin, "sink");
  if (gst_pad_link (pad, sinkpad) != GST_PAD_LINK_OK) {
    g_warning ("cannot link %s to its receiving branch", GST_PAD_NAME (pad));
    return FALSE;
  }
  gst_element_sync_state_with_parent (bin);
  return TRUE;
}

/* rtpbin makes one source pad per remote SSRC and payload type
 * (recv_rtp_src_SESSION_SSRC_PT): the codec's goes to the speaker,
 * telephone-event's to the DTMF decoder. The jitter buffer already paces the
 * packets; the sink plays what it gets rather than waiting on a clock that a
 * busy machine can push far off. Without telephone-event the decoded audio
 * is also listened to for in-band digits. */
static void
on_pad_added (GstElement *rtpbin, GstPad *pad, OhMediaSession *self)
{
  g_autofree char *name = gst_pad_get_name (pad);
  g_autofree char *description = NULL;
  guint session, ssrc, pt;

  if (sscanf (name, "recv_rtp_src_%u_%u_%u", &session, &ssrc, &pt) != 3)
    return;

  if (self->dtmf_recv_payload && pt == self->dtmf_recv_payload)
    description = g_strdup ("rtpdtmfdepay ! fakesink async=false sync=false");
  else if (self->dtmf_recv_payload)
    description = g_strdup_printf ("%s ! %s ! audioconvert ! audioresample ! "
                                   "pulsesink name=speaker async=false sync=false",
                                   self->codec->depay, self->codec->decoder);
  else
    description = g_strdup_printf ("%s ! %s ! tee name=split "
                                   "split. ! queue ! audioconvert ! audioresample ! "
                                   "pulsesink name=speaker async=false sync=false "
                                   "split. ! queue leaky=downstream ! audioconvert ! audioresample ! "
                                   "audio/x-raw,format=S16LE,rate=8000,channels=1 ! dtmfdetect ! "
                                   "fakesink async=false sync=false",
                                   self->codec->depay, self->codec->decoder);
  add_branch (self, pad, description);
}

/* rtpdtmfdepay and dtmfdetect both post one "dtmf-event" when a digit starts. */
static void
on_element_message (OhMediaSession *self, GstMessage *message)
{
  static const char digits[] = "0123456789*#ABCD";
  const GstStructure *s = gst_message_get_structure (message);
  gint number;

  if (!gst_structure_has_name (s, "dtmf-event") ||
      !gst_structure_get_int (s, "number", &number) || number < 0 || number >= 16)
    return;
  g_signal_emit (self, signals[SIGNAL_DTMF_RECEIVED], 0, digits[number]);
}

static gboolean
on_bus_message (GstBus *bus, GstMessage *message, gpointer user_data)
{
  OhMediaSession *self = user_data;
  g_autoptr(GError) error = NULL;
  g_autofree char *debug = NULL;

  switch (GST_MESSAGE_TYPE (message)) {
  case GST_MESSAGE_ERROR:
    gst_message_parse_error (message, &error, &debug);
    g_warning ("media: %s (%s): %s", error->message, GST_OBJECT_NAME (message->src),
               debug ? debug : "");
    break;
  case GST_MESSAGE_WARNING:
    gst_message_parse_warning (message, &error, &debug);
    g_message ("media: %s (%s)", error->message, GST_OBJECT_NAME (message->src));
    break;
  case GST_MESSAGE_ELEMENT:
    on_element_message (self, message);
    break;
  default:
    break;
  }
  return G_SOURCE_CONTINUE;
}

static void
oh_media_session_dispose (GObject *object)
{
  OhMediaSession *self = OH_MEDIA_SESSION (object);

  oh_media_session_stop (self);
  g_clear_object (&self->rtp_socket);
  g_clear_object (&self->rtcp_socket);

  G_OBJECT_CLASS (oh_media_session_parent_class)->dispose (object);
}

static void
oh_media_session_finalize (GObject *object)
{
  OhMediaSession *self = OH_MEDIA_SESSION (object);

  g_free (self->source_device);
  g_free (self->sink_device);
  G_OBJECT_CLASS (oh_media_session_parent_class)->finalize (object);
}

static void
oh_media_session_class_init (OhMediaSessionClass *klass)
{
  G_OBJECT_CLASS (klass)->dispose = oh_media_session_dispose;
  G_OBJECT_CLASS (klass)->finalize = oh_media_session_finalize;

  /* dtmf-received (gchar digit): a digit came from the far end, as RFC 4733
   * events or in-band tones */
  signals[SIGNAL_DTMF_RECEIVED] =
    g_signal_new ("dtmf-received", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                  G_TYPE_NONE, 1, G_TYPE_CHAR);
}

static void
oh_media_session_init (OhMediaSession *self)
{
}

OhMediaSession *
oh_media_session_new (GSocket *rtp, GSocket *rtcp, const char *source, const char *sink)
{
  OhMediaSession *self = g_object_new (OH_TYPE_MEDIA_SESSION, NULL);

  self->rtp_socket = g_object_ref (rtp);
  self->rtcp_socket = g_object_ref (rtcp);
  self->source_device = g_strdup (source);
  self->sink_device = g_strdup (sink);
  return self;
}

static const Codec *
find_codec (const char *encoding)
{
  for (guint c = 0; c < G_N_ELEMENTS (codecs); c++)
    if (g_ascii_strcasecmp (encoding, codecs[c].name) == 0)
      return &codecs[c];
  return NULL;
}

static void
set_by_name (GstElement *pipeline, const char *name, const char *first_property, ...)
{
  g_autoptr(GstElement) e = gst_bin_get_by_name (GST_BIN (pipeline), name);
  va_list args;

  va_start (args, first_property);
  g_object_set_valist (G_OBJECT (e), first_property, args);
  va_end (args);
}

/* The sending side: microphone → codec → payloader, with RFC 4733 events
 * muxed in (rtpdtmfmux holds the voice back while a digit is sent), or
 * in-band tones mixed into the voice when the far end takes no events. */
static char *
describe_pipeline (const Codec *codec, const OhMediaParams *params)
{
  g_autofree char *encoder = NULL;
  g_autofree char *dtmf = NULL;
  guint ptime = params->ptime ? params->ptime : DEFAULT_PTIME_MS;
  const char *dtmf_in = params->dtmf_send_payload ? "" : "! mix. audiomixer name=mix ";

  if (g_str_equal (codec->name, "opus"))
    encoder = g_strdup_printf ("%s frame-size=%u", codec->encoder,
                               ptime == 10 || ptime == 40 || ptime == 60 ? ptime : DEFAULT_PTIME_MS);
  else
    encoder = g_strdup (codec->encoder);
  if (params->dtmf_send_payload)
    dtmf = g_strdup_printf ("rtpdtmfsrc name=dtmf pt=%u clock-rate=%u ! mux.",
                            params->dtmf_send_payload, params->dtmf_clock_rate);
  else
    dtmf = g_strdup_printf ("dtmfsrc name=dtmf ! audioconvert ! audioresample ! "
                            "audio/x-raw,rate=%u,channels=1 ! mix.", codec->audio_rate);

  return g_strdup_printf (
    "rtpbin name=rtpbin latency=%u "
    "pulsesrc name=mic ! audioconvert ! audioresample ! audio/x-raw,rate=%u,channels=1 %s"
    "! %s ! %s name=pay pt=%u ! rtpdtmfmux name=mux ! rtpbin.send_rtp_sink_0 "
    "%s "
    "rtpbin.send_rtp_src_0 ! udpsink name=rtp_sink sync=false async=false close-socket=false "
    "rtpbin.send_rtcp_src_0 ! udpsink name=rtcp_sink sync=false async=false close-socket=false "
    "udpsrc name=rtp_src close-socket=false ! rtpbin.recv_rtp_sink_0 "
    "udpsrc name=rtcp_src close-socket=false ! rtpbin.recv_rtcp_sink_0",
    JITTER_BUFFER_MS, codec->audio_rate, dtmf_in, encoder, codec->pay, params->send_payload, dtmf);
}

gboolean
oh_media_session_start (OhMediaSession *self, const OhMediaParams *params, GError **error)
{
  g_autofree char *description = NULL;
  g_autoptr(GError) local = NULL;
  g_autoptr(GstElement) pipeline = NULL;
  g_autoptr(GstBus) bus = NULL;
  g_autoptr(GstElement) rtpbin = NULL;
  const Codec *codec;
  guint ptime;
  GstElement *e;

  g_return_val_if_fail (OH_IS_MEDIA_SESSION (self), FALSE);

  codec = find_codec (params->encoding);
  if (!codec) {
    g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED, "codec %s/%u is not supported",
                 params->encoding, params->clock_rate);
    return FALSE;
  }

  if (self->pipeline) {
    /* a new answer (re-INVITE): only the far end's address may move */
    set_by_name (self->pipeline, "rtp_sink", "host", params->remote_address,
                 "port", (gint) params->remote_port, NULL);
    set_by_name (self->pipeline, "rtcp_sink", "host", params->remote_address,
                 "port", (gint) params->remote_port + 1, NULL);
    return TRUE;
  }

  if (!gst_is_initialized ())
    gst_init (NULL, NULL);

  self->codec = codec;
  self->clock_rate = params->clock_rate;
  self->recv_payload = params->recv_payload;
  self->dtmf_recv_payload = params->dtmf_recv_payload;
  self->dtmf_clock_rate = params->dtmf_clock_rate;

  description = describe_pipeline (codec, params);
  pipeline = gst_parse_launch (description, &local);
  if (!pipeline) {
    g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED, "cannot build the media pipeline for %s: %s",
                 codec->name, local ? local->message : "unknown error");
    return FALSE;
  }
  gst_object_ref_sink (pipeline);

  e = gst_bin_get_by_name (GST_BIN (pipeline), "mic");
  if (*self->source_device)
    g_object_set (e, "device", self->source_device, NULL);
  tag_stream (e);
  gst_object_unref (e);

  ptime = params->ptime ? params->ptime : DEFAULT_PTIME_MS;
  set_by_name (pipeline, "pay", "min-ptime", (gint64) ptime * GST_MSECOND,
               "max-ptime", (gint64) ptime * GST_MSECOND, NULL);

  e = gst_bin_get_by_name (GST_BIN (pipeline), "rtp_sink");
  g_object_set (e, "socket", self->rtp_socket, "host", params->remote_address,
                "port", (gint) params->remote_port, NULL);
  count_packets (e, "sink", &self->packets_sent);
  gst_object_unref (e);
  set_by_name (pipeline, "rtcp_sink", "socket", self->rtcp_socket, "host", params->remote_address,
               "port", (gint) params->remote_port + 1, NULL);

  e = gst_bin_get_by_name (GST_BIN (pipeline), "rtp_src");
  g_object_set (e, "socket", self->rtp_socket, NULL);
  count_packets (e, "src", &self->packets_received);
  gst_object_unref (e);
  set_by_name (pipeline, "rtcp_src", "socket", self->rtcp_socket, NULL);

  self->dtmf_source = gst_bin_get_by_name (GST_BIN (pipeline), "dtmf");

  rtpbin = gst_bin_get_by_name (GST_BIN (pipeline), "rtpbin");
  g_signal_connect_object (rtpbin, "request-pt-map", G_CALLBACK (on_request_pt_map), self, 0);
  g_signal_connect_object (rtpbin, "pad-added", G_CALLBACK (on_pad_added), self, 0);
  g_signal_connect_object (rtpbin, "new-jitterbuffer", G_CALLBACK (on_new_jitterbuffer), self, 0);

  bus = gst_element_get_bus (pipeline);
  self->bus_watch = gst_bus_add_watch (bus, on_bus_message, self);
  self->pipeline = g_steal_pointer (&pipeline);

  if (gst_element_set_state (self->pipeline, GST_STATE_PLAYING) == GST_STATE_CHANGE_FAILURE) {
    g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED, "cannot start audio (is PulseAudio running?)");
    oh_media_session_stop (self);
    return FALSE;
  }
  return TRUE;
}

/* Start or end one digit: RFC 4733 events, or the tone in the voice. */
void
oh_media_session_send_dtmf (OhMediaSession *self, char digit, gboolean start)
{
  static const char digits[] = "0123456789*#ABCD";
  const char *p = strchr (digits, g_ascii_toupper (digit));
  g_autoptr(GstPad) pad = NULL;
  GstStructure *s;

  g_return_if_fail (OH_IS_MEDIA_SESSION (self));

  if (!self->dtmf_source || !p || !digit)
    return;
  s = gst_structure_new ("dtmf-event",
                         "type", G_TYPE_INT, 1,
                         "number", G_TYPE_INT, (gint) (p - digits),
                         "volume", G_TYPE_INT, DTMF_VOLUME,
                         "start", G_TYPE_BOOLEAN, start, NULL);
  /* the sources take their orders as an upstream event on their pad */
  pad = gst_element_get_static_pad (self->dtmf_source, "src");
  if (!gst_pad_send_event (pad, gst_event_new_custom (GST_EVENT_CUSTOM_UPSTREAM, s)))
    g_warning ("media: DTMF %c was not taken", digit);
}

void
oh_media_session_stop (OhMediaSession *self)
{
  g_return_if_fail (OH_IS_MEDIA_SESSION (self));

  g_clear_handle_id (&self->bus_watch, g_source_remove);
  g_clear_object (&self->jitterbuffer);
  g_clear_object (&self->dtmf_source);
  if (self->pipeline) {
    gst_element_set_state (self->pipeline, GST_STATE_NULL);
    g_clear_object (&self->pipeline);
  }
}

GVariant *
oh_media_session_get_statistics (OhMediaSession *self)
{
  g_auto(GVariantDict) dict = G_VARIANT_DICT_INIT (NULL);
  guint64 lost = 0, jitter_ns = 0;

  g_return_val_if_fail (OH_IS_MEDIA_SESSION (self), NULL);

  if (self->jitterbuffer) {
    g_autoptr(GstStructure) stats = NULL;
    g_object_get (self->jitterbuffer, "stats", &stats, NULL);
    if (stats) {
      gst_structure_get_uint64 (stats, "num-lost", &lost);
      gst_structure_get_uint64 (stats, "avg-jitter", &jitter_ns);
    }
  }
  g_variant_dict_insert (&dict, "packets-sent", "t", (guint64) (guint) g_atomic_int_get (&self->packets_sent));
  g_variant_dict_insert (&dict, "packets-received", "t", (guint64) (guint) g_atomic_int_get (&self->packets_received));
  g_variant_dict_insert (&dict, "packets-lost", "t", lost);
  g_variant_dict_insert (&dict, "jitter-ms", "d", (double) jitter_ns / 1e6);
  g_variant_dict_insert (&dict, "rtt-ms", "d", 0.0);
  return g_variant_dict_end (&dict);
}
