/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* One call's media: the GStreamer pipeline that carries its audio. Built as a
 * module that offhookd loads at the first call that needs media, so that an
 * idle phone never maps GStreamer. */
#define G_LOG_DOMAIN "offhook-media"

#include "oh-media-session.h"

#include <gst/gst.h>

#define JITTER_BUFFER_MS 60
#define PTIME_NS (20 * GST_MSECOND)

struct _OhMediaSession {
  GObject parent_instance;

  char *source_device;
  char *sink_device;
  GSocket *rtp_socket;   /* owned by the core's OhRtpPorts, which outlives us */
  GSocket *rtcp_socket;

  GstElement *pipeline;
  GstElement *jitterbuffer;
  guint bus_watch;
  char *depay;
  char *decoder;
  gint packets_sent;
  gint packets_received;
};

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

/* rtpbin makes one source pad per remote SSRC: decode it to the speaker. The
 * jitter buffer already paces the packets; the sink plays what it gets rather
 * than waiting on a clock that a busy machine can push far off. */
static void
on_pad_added (GstElement *rtpbin, GstPad *pad, OhMediaSession *self)
{
  g_autofree char *name = gst_pad_get_name (pad);
  g_autofree char *description = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GstPad) sinkpad = NULL;
  GstElement *bin;
  GstElement *sink;

  if (!g_str_has_prefix (name, "recv_rtp_src_"))
    return;

  description = g_strdup_printf ("%s ! %s ! audioconvert ! audioresample ! "
                                 "pulsesink name=speaker async=false sync=false", self->depay, self->decoder);
  bin = gst_parse_bin_from_description (description, TRUE, &error);
  if (!bin) {
    g_warning ("cannot build the playback branch: %s", error->message);
    return;
  }
  sink = gst_bin_get_by_name (GST_BIN (bin), "speaker");
  if (*self->sink_device)
    g_object_set (sink, "device", self->sink_device, NULL);
  g_object_set (sink, "client-name", "offhookd", NULL);
  gst_object_unref (sink);

  gst_bin_add (GST_BIN (self->pipeline), bin);
  sinkpad = gst_element_get_static_pad (bin, "sink");
  if (gst_pad_link (pad, sinkpad) != GST_PAD_LINK_OK)
    g_warning ("cannot link %s to the playback branch", name);
  gst_element_sync_state_with_parent (bin);
}

static gboolean
on_bus_message (GstBus *bus, GstMessage *message, gpointer user_data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *debug = NULL;

  if (GST_MESSAGE_TYPE (message) == GST_MESSAGE_ERROR) {
    gst_message_parse_error (message, &error, &debug);
    g_warning ("media: %s (%s): %s", error->message, GST_OBJECT_NAME (message->src),
               debug ? debug : "");
  } else if (GST_MESSAGE_TYPE (message) == GST_MESSAGE_WARNING) {
    gst_message_parse_warning (message, &error, &debug);
    g_message ("media: %s (%s)", error->message, GST_OBJECT_NAME (message->src));
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
  g_free (self->depay);
  g_free (self->decoder);
  G_OBJECT_CLASS (oh_media_session_parent_class)->finalize (object);
}

static void
oh_media_session_class_init (OhMediaSessionClass *klass)
{
  G_OBJECT_CLASS (klass)->dispose = oh_media_session_dispose;
  G_OBJECT_CLASS (klass)->finalize = oh_media_session_finalize;
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

gboolean
oh_media_session_start (OhMediaSession *self, const char *remote_address, guint remote_port,
                        guint payload, const char *encoding, guint clock_rate, GError **error)
{
  static const struct { const char *name, *encoder, *pay, *depay, *decoder; } codecs[] = {
    { "PCMU", "mulawenc", "rtppcmupay", "rtppcmudepay", "mulawdec" },
    { "PCMA", "alawenc", "rtppcmapay", "rtppcmadepay", "alawdec" },
  };
  g_autofree char *description = NULL;
  g_autoptr(GError) local = NULL;
  g_autoptr(GstElement) pipeline = NULL;
  g_autoptr(GstCaps) caps = NULL;
  g_autoptr(GstBus) bus = NULL;
  GstElement *e;
  guint c;

  g_return_val_if_fail (OH_IS_MEDIA_SESSION (self), FALSE);

  for (c = 0; c < G_N_ELEMENTS (codecs); c++)
    if (g_ascii_strcasecmp (encoding, codecs[c].name) == 0)
      break;
  if (c == G_N_ELEMENTS (codecs)) {
    g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED, "codec %s/%u is not supported", encoding, clock_rate);
    return FALSE;
  }

  if (self->pipeline) {
    /* a new answer (re-INVITE): only the far end's address may move */
    e = gst_bin_get_by_name (GST_BIN (self->pipeline), "rtp_sink");
    g_object_set (e, "host", remote_address, "port", (gint) remote_port, NULL);
    gst_object_unref (e);
    e = gst_bin_get_by_name (GST_BIN (self->pipeline), "rtcp_sink");
    g_object_set (e, "host", remote_address, "port", (gint) remote_port + 1, NULL);
    gst_object_unref (e);
    return TRUE;
  }

  if (!gst_is_initialized ())
    gst_init (NULL, NULL);

  g_free (self->depay);
  g_free (self->decoder);
  self->depay = g_strdup (codecs[c].depay);
  self->decoder = g_strdup (codecs[c].decoder);

  description = g_strdup_printf (
    "rtpbin name=rtpbin latency=%u "
    "pulsesrc name=mic ! audioconvert ! audioresample ! audio/x-raw,rate=8000,channels=1 ! "
    "%s ! %s name=pay pt=%u ! rtpbin.send_rtp_sink_0 "
    "rtpbin.send_rtp_src_0 ! udpsink name=rtp_sink sync=false async=false close-socket=false "
    "rtpbin.send_rtcp_src_0 ! udpsink name=rtcp_sink sync=false async=false close-socket=false "
    "udpsrc name=rtp_src close-socket=false ! rtpbin.recv_rtp_sink_0 "
    "udpsrc name=rtcp_src close-socket=false ! rtpbin.recv_rtcp_sink_0",
    JITTER_BUFFER_MS, codecs[c].encoder, codecs[c].pay, payload);
  pipeline = gst_parse_launch (description, &local);
  if (!pipeline) {
    g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED, "cannot build the media pipeline: %s",
                 local ? local->message : "unknown error");
    return FALSE;
  }
  gst_object_ref_sink (pipeline);

  e = gst_bin_get_by_name (GST_BIN (pipeline), "mic");
  if (*self->source_device)
    g_object_set (e, "device", self->source_device, NULL);
  g_object_set (e, "client-name", "offhookd", NULL);
  gst_object_unref (e);

  e = gst_bin_get_by_name (GST_BIN (pipeline), "pay");
  g_object_set (e, "min-ptime", (gint64) PTIME_NS, "max-ptime", (gint64) PTIME_NS, NULL);
  gst_object_unref (e);

  e = gst_bin_get_by_name (GST_BIN (pipeline), "rtp_sink");
  g_object_set (e, "socket", self->rtp_socket, "host", remote_address, "port", (gint) remote_port, NULL);
  count_packets (e, "sink", &self->packets_sent);
  gst_object_unref (e);

  e = gst_bin_get_by_name (GST_BIN (pipeline), "rtcp_sink");
  g_object_set (e, "socket", self->rtcp_socket, "host", remote_address, "port", (gint) remote_port + 1, NULL);
  gst_object_unref (e);

  caps = gst_caps_new_simple ("application/x-rtp",
                              "media", G_TYPE_STRING, "audio",
                              "clock-rate", G_TYPE_INT, (gint) clock_rate,
                              "encoding-name", G_TYPE_STRING, codecs[c].name,
                              "payload", G_TYPE_INT, (gint) payload, NULL);
  e = gst_bin_get_by_name (GST_BIN (pipeline), "rtp_src");
  g_object_set (e, "socket", self->rtp_socket, "caps", caps, NULL);
  count_packets (e, "src", &self->packets_received);
  gst_object_unref (e);

  e = gst_bin_get_by_name (GST_BIN (pipeline), "rtcp_src");
  g_object_set (e, "socket", self->rtcp_socket, NULL);
  gst_object_unref (e);

  e = gst_bin_get_by_name (GST_BIN (pipeline), "rtpbin");
  g_signal_connect_object (e, "pad-added", G_CALLBACK (on_pad_added), self, 0);
  g_signal_connect_object (e, "new-jitterbuffer", G_CALLBACK (on_new_jitterbuffer), self, 0);
  gst_object_unref (e);

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

void
oh_media_session_stop (OhMediaSession *self)
{
  g_return_if_fail (OH_IS_MEDIA_SESSION (self));

  g_clear_handle_id (&self->bus_watch, g_source_remove);
  g_clear_object (&self->jitterbuffer);
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
