/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* One call's media: the GStreamer pipeline that carries its audio. Built as a
 * module that offhookd loads at the first call that needs media, so that an
 * idle phone never maps GStreamer. */
#define G_LOG_DOMAIN "offhook-media"

#include "oh-media-session.h"
#include "oh-emodel.h"
#include "oh-media-mixer.h"

#include <gst/gst.h>
#include <stdio.h>
#include <string.h>

/* The jitter buffer's playout delay: it starts short and grows with the
 * far end's stream (see on_adapt), within these bounds. */
#define JITTER_MIN_MS 20
#define JITTER_MAX_MS 200
#define JITTER_MARGIN_MS 10  /* beyond the latest packet seen, then up to the next 10 ms */
#define JITTER_STEP_MS 10
#define LATENESS_WINDOW_MS 5000
#define JITTER_SHRINK_MS 2000  /* at most a step this often */
/* A stream's first second says nothing of the path: a far end that starts
 * sends what its microphone had buffered in a burst, and those packets
 * would make every later one look late. */
#define WARMUP_US G_USEC_PER_SEC
#define DEFAULT_PTIME_MS 20
#define DTMF_VOLUME 10  /* -10 dBm0, RFC 4733's usual level */
#define RECEIVING_MS 1000  /* no RTP for this long: the far end is not sending */
#define REBUILD_SECONDS 1  /* retry the audio devices this often when they fail */
/* The sound server's buffers: a call wants them short (GStreamer's defaults
 * are 200 ms each way, which adds up to a long mouth-to-ear delay). The
 * speaker of a call without echo cancelling (PLAYOUT) plays what the jitter
 * buffer gives it as it comes, and when it cannot keep up (a burst after a
 * hiccup), the oldest sound goes rather than the delay growing for the rest
 * of the call. (Periods of a whole
 * packet, 20 ms, measured worse in tests/bench/media_bench.py: more CPU
 * and a less even send interval.) */
#define DEVICE_BUFFER_US 60000
#define DEVICE_PERIOD_US 10000
/* ...except for that speaker: PulseAudio keeps its buffer nearly full,
 * so each ms of it is a ms of delay; 30 ms took 12 ms off mouth to ear
 * (64 to 52 ms) in media_bench.py with the sound still whole. The jitter
 * buffer in front of it takes the network's jitter. */
#define PLAYOUT_BUFFER_US 30000
/* Echo cancellation (a speakerphone): WebRTC's canceller on the 16 kHz path,
 * fed with what goes to the speaker by its probe, which then sits in the
 * pipeline for good: the far end's stream (one, or a new one after a
 * re-INVITE) joins it through a funnel. The canceller pairs each 10 ms of
 * the microphone with what the speaker played then: the probe reckons that
 * a buffer plays at its running time plus the pipeline's latency, so here
 * the speaker keeps to the clock (sync) and the pipeline hands out its
 * latency again whenever the far end's branch changes it (see
 * on_bus_message). A speaker that plays whatever comes as it comes (as
 * PLAYOUT does) has its sound reach the microphone at a lag that differs
 * from call to call and moves within one: the canceller may then never
 * find its echo. */
#define EC_CAPS "audio/x-raw,format=S16LE,rate=16000,channels=1"
#define ECHO_CANCEL EC_CAPS " ! webrtcdsp name=dsp probe=probe gain-control=false " \
                    "extended-filter=true ! audioconvert ! audioresample ! "
#define ECHO_PLAYOUT "funnel name=play ! " EC_CAPS " ! webrtcechoprobe name=probe ! audioconvert ! " \
                     "queue max-size-buffers=0 max-size-bytes=0 max-size-time=60000000 ! " \
                     "pulsesink name=speaker async=false sync=true"
#define PLAYOUT "queue leaky=downstream max-size-buffers=0 max-size-bytes=0 max-size-time=60000000 ! " \
                "pulsesink name=speaker async=false sync=false"

/* What carries each codec. G.722 comes from libav, loaded only when a call
 * negotiates it; Opus sends and decodes its in-band FEC. The jitter buffer
 * marks each lost packet as a gap: opusdec conceals it, for G.711 and G.722
 * a probe after the decoder does (on_decoded; see oh-emodel.c for why not
 * spanplc). */
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

/* Filled by a pad probe on a streaming thread, read by the main loop. */
typedef struct {
  gint packets;
  gint last_ms;      /* when the last one passed, in ms after start_us; 0: none yet */
  gint64 start_us;
} PacketCount;

/* How late the far end's packets come: each one's transit (arrival minus
 * its RTP time) against the shortest transit of the last two windows of
 * LATENESS_WINDOW_MS (a window, so that clocks drifting apart do not pile
 * up as lateness). Kept by a pad probe on the receiving thread; the main
 * loop reads peak_ms, the latest of those two windows, atomically. */
typedef struct {
  guint payload;          /* the codec's: telephone-event's times are not sound's */
  guint clock_rate;
  gboolean started;
  guint32 ssrc;
  guint32 last_ts;
  gint64 media_us;        /* the RTP time, unwrapped, in µs */
  gint64 min_transit_us[2];  /* this window's shortest transit, and the last one's */
  gint64 window_end_us;
  gint64 first_us;
  gint peak_ms[2];        /* the latest packet of this window, and of the last one */
} Lateness;

struct _OhMediaSession {
  GObject parent_instance;

  char *source_device;
  char *sink_device;
  GSocket *rtp_socket;   /* owned by the core's OhRtpPorts, which outlives us */
  GSocket *rtcp_socket;

  OhMediaParams params;     /* as started; its strings are these two */
  char *remote_address;
  char *encoding;
  gboolean devices_lost;    /* PulseAudio went away: rebuilding until it is back */
  gint held;                /* on hold either way: no RTP goes out (atomic) */
  gboolean echo_cancel;     /* the pipeline cancels the speaker's echo */
  gboolean flowing;         /* the microphone delivers: the pipeline's clock runs */
  guint rebuild_id;
  guint adapt_id;
  guint jitter_ms;          /* the jitter buffer's playout delay now */
  gint64 jitter_set_us;     /* when it last changed */
  gint trim_ms;             /* sound the decoded stream still leaves out (atomic) */
  Lateness lateness;

  GstElement *pipeline;
  GstElement *rtpbin;
  GstElement *dtmf_source;  /* rtpdtmfsrc, or dtmfsrc for in-band */
  guint bus_watch;
  const Codec *codec;
  guint clock_rate;
  guint recv_payload;
  guint dtmf_recv_payload;
  guint dtmf_clock_rate;
  guint ptime;
  OhEmodelCodec quality;   /* the codec's factors in the E-model */
  OhMediaMixer *mixer;      /* in a local conference: the pipeline mixes */
  PacketCount sent;
  PacketCount received;
};

enum {
  SIGNAL_DTMF_RECEIVED,
  SIGNAL_FLOWING,
  N_SIGNALS
};
static guint signals[N_SIGNALS];

G_DEFINE_TYPE (OhMediaSession, oh_media_session, G_TYPE_OBJECT)

static GstPadProbeReturn
on_packet (GstPad *pad, GstPadProbeInfo *info, gpointer data)
{
  PacketCount *count = data;

  if (info->type & GST_PAD_PROBE_TYPE_BUFFER_LIST)
    g_atomic_int_add (&count->packets, (gint) gst_buffer_list_length (GST_PAD_PROBE_INFO_BUFFER_LIST (info)));
  else
    g_atomic_int_inc (&count->packets);
  g_atomic_int_set (&count->last_ms, (gint) ((g_get_monotonic_time () - count->start_us) / 1000) + 1);
  return GST_PAD_PROBE_OK;
}

/* While held, the RTP packets stop at the socket: nothing goes out. */
static GstPadProbeReturn
on_outgoing (GstPad *pad, GstPadProbeInfo *info, gpointer data)
{
  OhMediaSession *self = data;

  return g_atomic_int_get (&self->held) ? GST_PAD_PROBE_DROP : GST_PAD_PROBE_OK;
}

static void
count_packets (GstElement *element, const char *pad_name, PacketCount *count)
{
  g_autoptr(GstPad) pad = gst_element_get_static_pad (element, pad_name);

  gst_pad_add_probe (pad, GST_PAD_PROBE_TYPE_BUFFER | GST_PAD_PROBE_TYPE_BUFFER_LIST,
                     on_packet, count, NULL);
}

static void
note_packet (Lateness *l, const guint8 *head, gint64 now_us)
{
  guint32 ts = GST_READ_UINT32_BE (head + 4);
  guint32 ssrc = GST_READ_UINT32_BE (head + 8);
  gint64 transit;
  gint late_ms;

  if ((head[0] >> 6) != 2 || (head[1] & 0x7f) != l->payload || !l->clock_rate)
    return;
  if (!l->started || ssrc != l->ssrc) {
    /* a new stream: lateness starts again */
    l->started = TRUE;
    l->ssrc = ssrc;
    l->media_us = 0;
    l->min_transit_us[0] = l->min_transit_us[1] = G_MAXINT64;
    l->window_end_us = 0;
    l->first_us = now_us;
    g_atomic_int_set (&l->peak_ms[0], 0);
    g_atomic_int_set (&l->peak_ms[1], 0);
  } else {
    l->media_us += (gint64) (gint32) (ts - l->last_ts) * G_USEC_PER_SEC / l->clock_rate;
  }
  l->last_ts = ts;
  if (now_us - l->first_us < WARMUP_US)
    return;
  if (now_us >= l->window_end_us) {
    l->min_transit_us[1] = l->min_transit_us[0];
    l->min_transit_us[0] = G_MAXINT64;
    g_atomic_int_set (&l->peak_ms[1], g_atomic_int_get (&l->peak_ms[0]));
    g_atomic_int_set (&l->peak_ms[0], 0);
    l->window_end_us = now_us + LATENESS_WINDOW_MS * 1000;
  }
  transit = now_us - l->media_us;
  l->min_transit_us[0] = MIN (l->min_transit_us[0], transit);
  late_ms = (gint) ((transit - MIN (l->min_transit_us[0], l->min_transit_us[1])) / 1000);
  if (late_ms > g_atomic_int_get (&l->peak_ms[0]))
    g_atomic_int_set (&l->peak_ms[0], late_ms);
}

static GstPadProbeReturn
on_received (GstPad *pad, GstPadProbeInfo *info, gpointer data)
{
  Lateness *l = data;
  gint64 now_us = g_get_monotonic_time ();
  guint8 head[12];

  if (info->type & GST_PAD_PROBE_TYPE_BUFFER_LIST) {
    GstBufferList *list = GST_PAD_PROBE_INFO_BUFFER_LIST (info);
    for (guint i = 0; i < gst_buffer_list_length (list); i++)
      if (gst_buffer_extract (gst_buffer_list_get (list, i), 0, head, sizeof head) == sizeof head)
        note_packet (l, head, now_us);
  } else if (gst_buffer_extract (GST_PAD_PROBE_INFO_BUFFER (info), 0, head, sizeof head) == sizeof head) {
    note_packet (l, head, now_us);
  }
  return GST_PAD_PROBE_OK;
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

/* The microphone or the speaker: on its device (or the default), tagged
 * as the call's for OhAudio, with short buffers (@buffer_us of sound at most). */
static void
setup_device (GstElement *element, const char *device, gint64 buffer_us)
{
  g_autoptr(GstStructure) props = gst_structure_new ("props",
                                                     OH_MEDIA_ROLE_KEY, G_TYPE_STRING, OH_MEDIA_ROLE_CALL,
                                                     "media.role", G_TYPE_STRING, "phone", NULL);

  if (*device)
    g_object_set (element, "device", device, NULL);
  g_object_set (element, "client-name", "offhookd", "stream-properties", props,
                "buffer-time", buffer_us, "latency-time", (gint64) DEVICE_PERIOD_US, NULL);
}

/* Conference: what this call receives goes to the other members... */
static GstPadProbeReturn
on_conference_heard (GstPad *pad, GstPadProbeInfo *info, gpointer data)
{
  OhMediaSession *self = data;
  GstBuffer *buffer = GST_PAD_PROBE_INFO_BUFFER (info);
  GstMapInfo map;

  if (self->mixer && gst_buffer_map (buffer, &map, GST_MAP_READ)) {
    oh_media_mixer_push (self->mixer, self, (const gint16 *) map.data, map.size / sizeof (gint16));
    gst_buffer_unmap (buffer, &map);
  }
  return GST_PAD_PROBE_OK;
}

/* ...and what they receive joins our microphone on its way out. */
static GstPadProbeReturn
on_conference_mic (GstPad *pad, GstPadProbeInfo *info, gpointer data)
{
  OhMediaSession *self = data;
  GstBuffer *buffer = gst_buffer_make_writable (GST_PAD_PROBE_INFO_BUFFER (info));
  GstMapInfo map;

  GST_PAD_PROBE_INFO_DATA (info) = buffer;
  if (self->mixer && gst_buffer_map (buffer, &map, GST_MAP_READWRITE)) {
    oh_media_mixer_mix (self->mixer, self, (gint16 *) map.data, map.size / sizeof (gint16));
    gst_buffer_unmap (buffer, &map);
  }
  return GST_PAD_PROBE_OK;
}

static gboolean
add_branch (OhMediaSession *self, GstPad *pad, const char *description)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GstPad) sinkpad = NULL;
  g_autoptr(GstPad) srcpad = NULL;
  GstElement *bin = gst_parse_bin_from_description (description, TRUE, &error);
  GstElement *sink;

  if (!bin) {
    g_warning ("cannot build a receiving branch: %s", error->message);
    return FALSE;
  }
  sink = gst_bin_get_by_name (GST_BIN (bin), "speaker");
  if (sink) {
    setup_device (sink, self->sink_device, PLAYOUT_BUFFER_US);
    gst_object_unref (sink);
  }
  sink = gst_bin_get_by_name (GST_BIN (bin), "conf_out");
  if (sink) {
    g_autoptr(GstPad) conf = gst_element_get_static_pad (sink, "sink");
    gst_pad_add_probe (conf, GST_PAD_PROBE_TYPE_BUFFER, on_conference_heard, self, NULL);
    gst_object_unref (sink);
  }
  gst_bin_add (GST_BIN (self->pipeline), bin);
  sinkpad = gst_element_get_static_pad (bin, "sink");
  if (gst_pad_link (pad, sinkpad) != GST_PAD_LINK_OK) {
    g_warning ("cannot link %s to its receiving branch", GST_PAD_NAME (pad));
    return FALSE;
  }
  srcpad = gst_element_get_static_pad (bin, "src");
  if (srcpad) {
    /* echo cancelling: the branch joins the speaker's path */
    g_autoptr(GstElement) play = gst_bin_get_by_name (GST_BIN (self->pipeline), "play");
    g_autoptr(GstPad) playpad = gst_element_request_pad_simple (play, "sink_%u");
    if (gst_pad_link (srcpad, playpad) != GST_PAD_LINK_OK)
      g_warning ("cannot link %s to the speaker", GST_PAD_NAME (pad));
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
/* Packet-loss concealment for the codecs without their own (G.711, G.722):
 * the jitter buffer reports each lost packet, which reaches the decoder's
 * output as a GAP; in its place goes the last frame heard, fading (half as
 * loud each time), for at most CONCEAL_FRAMES frames, then silence. */
#define CONCEAL_FRAMES 3

typedef struct {
  gboolean conceal;         /* Opus conceals by itself */
  GstBuffer *last;          /* the last frame decoded */
  guint concealed;          /* frames made up since */
  gboolean pushing;         /* our own frame passes the probe */
  gint *trim_ms;            /* sound still to leave out (the session's, atomic) */
} Concealer;

static void
concealer_free (gpointer data)
{
  Concealer *c = data;

  g_clear_pointer (&c->last, gst_buffer_unref);
  g_free (c);
}

/* The jitter buffer was just made shorter, and the packets it held longer
 * come out at once: where the speaker plays what comes as it comes, the
 * same length of sound leaves out of the decoded stream, or it would only
 * wait in the sound server's buffer instead. TRUE: drop the whole buffer. */
static gboolean
trim (GstPad *pad, GstPadProbeInfo *info, gint *trim_ms)
{
  GstBuffer *buffer = GST_PAD_PROBE_INFO_BUFFER (info);
  g_autoptr(GstCaps) caps = gst_pad_get_current_caps (pad);
  const GstStructure *format = caps && !gst_caps_is_empty (caps) ? gst_caps_get_structure (caps, 0) : NULL;
  gint rate = 0, channels = 1;
  gsize bpf, frames, cut;

  /* every decoder here gives S16 */
  if (!format || !gst_structure_get_int (format, "rate", &rate) || rate <= 0)
    return FALSE;
  gst_structure_get_int (format, "channels", &channels);
  bpf = sizeof (gint16) * (gsize) MAX (channels, 1);
  frames = gst_buffer_get_size (buffer) / bpf;
  cut = (gsize) g_atomic_int_get (trim_ms) * (gsize) rate / 1000;
  if (cut >= frames) {
    g_atomic_int_add (trim_ms, -(gint) (frames * 1000 / (gsize) rate));
    return TRUE;
  }
  buffer = gst_buffer_make_writable (buffer);
  gst_buffer_resize (buffer, (gssize) (cut * bpf), -1);
  if (GST_BUFFER_PTS_IS_VALID (buffer))
    GST_BUFFER_PTS (buffer) += gst_util_uint64_scale (cut, GST_SECOND, (guint64) rate);
  if (GST_BUFFER_DURATION_IS_VALID (buffer))
    GST_BUFFER_DURATION (buffer) = gst_util_uint64_scale (frames - cut, GST_SECOND, (guint64) rate);
  GST_PAD_PROBE_INFO_DATA (info) = buffer;
  g_atomic_int_set (trim_ms, 0);
  return FALSE;
}

static GstPadProbeReturn
on_decoded (GstPad *pad, GstPadProbeInfo *info, gpointer data)
{
  Concealer *c = data;
  GstClockTime ts, duration;
  GstBuffer *frame;
  GstMapInfo map;

  if (info->type & GST_PAD_PROBE_TYPE_BUFFER) {
    if (c->pushing)
      return GST_PAD_PROBE_OK;
    if (g_atomic_int_get (c->trim_ms) > 0 && trim (pad, info, c->trim_ms))
      return GST_PAD_PROBE_DROP;
    if (c->conceal) {
      gst_buffer_replace (&c->last, GST_PAD_PROBE_INFO_BUFFER (info));
      c->concealed = 0;
    }
    return GST_PAD_PROBE_OK;
  }
  if (!c->conceal || GST_EVENT_TYPE (GST_PAD_PROBE_INFO_EVENT (info)) != GST_EVENT_GAP || !c->last ||
      c->concealed >= CONCEAL_FRAMES)
    return GST_PAD_PROBE_OK;

  gst_event_parse_gap (GST_PAD_PROBE_INFO_EVENT (info), &ts, &duration);
  frame = gst_buffer_copy_deep (c->last);
  c->concealed++;
  if (gst_buffer_map (frame, &map, GST_MAP_READWRITE)) {
    gint16 *samples = (gint16 *) map.data;
    for (gsize i = 0; i < map.size / sizeof (gint16); i++)
      samples[i] >>= c->concealed;
    gst_buffer_unmap (frame, &map);
  }
  GST_BUFFER_PTS (frame) = ts;
  GST_BUFFER_DTS (frame) = GST_CLOCK_TIME_NONE;
  if (GST_CLOCK_TIME_IS_VALID (duration))
    GST_BUFFER_DURATION (frame) = duration;
  GST_BUFFER_FLAG_SET (frame, GST_BUFFER_FLAG_DISCONT);
  c->pushing = TRUE;
  gst_pad_push (pad, frame);
  c->pushing = FALSE;
  return GST_PAD_PROBE_DROP;
}

/* The branch just linked to @pad: depayloader, then decoder, whose sound
 * on_decoded conceals (G.711, G.722) and trims. */
static void
watch_decoded (OhMediaSession *self, GstPad *pad)
{
  g_autoptr(GstPad) depay_sink = gst_pad_get_peer (pad);
  g_autoptr(GstElement) bin = depay_sink ? gst_pad_get_parent_element (depay_sink) : NULL;
  g_autoptr(GstElement) decoder = bin ? gst_bin_get_by_name (GST_BIN (bin), "decoder") : NULL;
  g_autoptr(GstPad) src = decoder ? gst_element_get_static_pad (decoder, "src") : NULL;
  Concealer *c;

  if (!src)
    return;
  c = g_new0 (Concealer, 1);
  c->conceal = !g_str_equal (self->codec->name, "opus");
  c->trim_ms = &self->trim_ms;
  gst_pad_add_probe (src, GST_PAD_PROBE_TYPE_BUFFER | GST_PAD_PROBE_TYPE_EVENT_DOWNSTREAM, on_decoded,
                     c, concealer_free);
}

static void
on_pad_added (GstElement *rtpbin, GstPad *pad, OhMediaSession *self)
{
  g_autofree char *name = gst_pad_get_name (pad);
  g_autofree char *description = NULL;
  guint session, ssrc, pt;

  if (sscanf (name, "recv_rtp_src_%u_%u_%u", &session, &ssrc, &pt) != 3)
    return;

  const char *playout = self->echo_cancel ? "capsfilter caps=\"" EC_CAPS "\"" : PLAYOUT;

  if (self->dtmf_recv_payload && pt == self->dtmf_recv_payload)
    description = g_strdup ("rtpdtmfdepay ! fakesink async=false sync=false");
  else if (self->dtmf_recv_payload && !self->mixer)
    description = g_strdup_printf ("%s ! %s name=decoder ! audioconvert ! audioresample ! %s",
                                   self->codec->depay, self->codec->decoder, playout);
  else
    description = g_strdup_printf ("%s ! %s name=decoder ! tee name=split "
                                   "split. ! audioconvert ! audioresample ! %s %s %s",
                                   self->codec->depay, self->codec->decoder, playout,
                                   self->dtmf_recv_payload ? "" :
                                   "split. ! queue leaky=downstream ! audioconvert ! audioresample ! "
                                   "audio/x-raw,format=S16LE,rate=8000,channels=1 ! dtmfdetect ! "
                                   "fakesink async=false sync=false",
                                   /* in a conference, the others send what we hear */
                                   self->mixer ? "split. ! queue leaky=downstream ! audioconvert ! audioresample ! "
                                   OH_MEDIA_MIXER_CAPS " ! fakesink name=conf_out async=false sync=false" : "");
  if (add_branch (self, pad, description) && !(self->dtmf_recv_payload && pt == self->dtmf_recv_payload))
    watch_decoded (self, pad);
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

static gboolean build (OhMediaSession *self, GError **error);

/* The microphone's first sound: tell the main loop, through the bus of the
 * pipeline it came from. */
static GstPadProbeReturn
on_first_sound (GstPad *pad, GstPadProbeInfo *info, gpointer data)
{
  GstElement *element = gst_pad_get_parent_element (pad);

  gst_element_post_message (element, gst_message_new_application (GST_OBJECT (element),
                                                                  gst_structure_new_empty ("mic-flows")));
  gst_object_unref (element);
  return GST_PAD_PROBE_REMOVE;
}

static void stop_pipeline (OhMediaSession *self);

/* The audio devices failed (PulseAudio went away): the call goes on, and
 * the pipeline is built anew until they are back. The RTP sockets stay. */
static gboolean
on_rebuild (gpointer data)
{
  OhMediaSession *self = data;
  g_autoptr(GError) error = NULL;

  self->rebuild_id = 0;
  stop_pipeline (self);
  if (build (self, &error)) {
    g_message ("media: audio devices are back");
    self->devices_lost = FALSE;
  } else {
    g_debug ("media: %s; retrying", error->message);
    self->rebuild_id = g_timeout_add_seconds (REBUILD_SECONDS, on_rebuild, self);
  }
  return G_SOURCE_REMOVE;
}

static gboolean
is_device (GstObject *object)
{
  for (; object; object = GST_OBJECT_PARENT (object))
    if (g_strcmp0 (GST_OBJECT_NAME (object), "mic") == 0 || g_strcmp0 (GST_OBJECT_NAME (object), "speaker") == 0)
      return TRUE;
  return FALSE;
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
    if (is_device (message->src)) {
      if (!self->devices_lost)
        g_warning ("media: audio device lost (%s): %s; the call goes on, audio comes back with it",
                   GST_OBJECT_NAME (message->src), error->message);
      self->devices_lost = TRUE;
      if (!self->rebuild_id)
        self->rebuild_id = g_timeout_add_seconds (REBUILD_SECONDS, on_rebuild, self);
      break;
    }
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
  case GST_MESSAGE_LATENCY:
    /* a branch came or went: the sinks (and the echo probe) learn the
     * pipeline's new latency */
    gst_bin_recalculate_latency (GST_BIN (self->pipeline));
    break;
  case GST_MESSAGE_APPLICATION:
    if (gst_message_has_name (message, "mic-flows") && !self->flowing) {
      self->flowing = TRUE;
      g_signal_emit (self, signals[SIGNAL_FLOWING], 0);
    }
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
  g_free (self->remote_address);
  g_free (self->encoding);
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
  /* flowing: the microphone's sound reached the pipeline; DTMF can go */
  signals[SIGNAL_FLOWING] =
    g_signal_new ("flowing", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                  G_TYPE_NONE, 0);
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
  self->sent.start_us = self->received.start_us = g_get_monotonic_time ();
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
describe_pipeline (OhMediaSession *self)
{
  const Codec *codec = self->codec;
  const OhMediaParams *params = &self->params;
  gboolean echo_cancel = self->echo_cancel;
  g_autofree char *encoder = NULL;
  g_autofree char *dtmf = NULL;
  guint ptime = self->ptime;
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
    "pulsesrc name=mic ! audioconvert ! audioresample ! %s%s"
    "audio/x-raw,rate=%u,channels=1 %s"
    "! %s ! %s name=pay pt=%u ! rtpdtmfmux name=mux ! rtpbin.send_rtp_sink_0 "
    "%s "
    "rtpbin.send_rtp_src_0 ! "
    "udpsink name=rtp_sink sync=false async=false close-socket=false "
    "rtpbin.send_rtcp_src_0 ! udpsink name=rtcp_sink sync=false async=false close-socket=false "
    "udpsrc name=rtp_src close-socket=false ! rtpbin.recv_rtp_sink_0 "
    "udpsrc name=rtcp_src close-socket=false ! rtpbin.recv_rtcp_sink_0 "
    "%s",
    self->jitter_ms, echo_cancel ? ECHO_CANCEL : "",
    self->mixer ? OH_MEDIA_MIXER_CAPS " ! identity name=conf_in ! audioconvert ! audioresample ! " : "",
    codec->audio_rate, dtmf_in, encoder, codec->pay, params->send_payload, dtmf,
    echo_cancel ? ECHO_PLAYOUT : "");
}

static gboolean on_adapt (gpointer data);

/* The pipeline for self->params: nothing plays on failure. */
static gboolean
build (OhMediaSession *self, GError **error)
{
  const OhMediaParams *params = &self->params;
  g_autofree char *description = describe_pipeline (self);
  g_autoptr(GError) local = NULL;
  g_autoptr(GstElement) pipeline = NULL;
  g_autoptr(GstBus) bus = NULL;
  g_autoptr(GstElement) rtpbin = NULL;
  GstElement *e;

  pipeline = gst_parse_launch (description, &local);
  if (!pipeline) {
    g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED, "cannot build the media pipeline for %s: %s",
                 self->codec->name, local ? local->message : "unknown error");
    return FALSE;
  }
  gst_object_ref_sink (pipeline);

  e = gst_bin_get_by_name (GST_BIN (pipeline), "speaker");
  if (e) {
    /* echo cancelling: the speaker is in the pipeline from the start */
    setup_device (e, self->sink_device, DEVICE_BUFFER_US);
    gst_object_unref (e);
  }

  e = gst_bin_get_by_name (GST_BIN (pipeline), "mic");
  setup_device (e, self->source_device, DEVICE_BUFFER_US);
  {
    g_autoptr(GstPad) pad = gst_element_get_static_pad (e, "src");
    gst_pad_add_probe (pad, GST_PAD_PROBE_TYPE_BUFFER | GST_PAD_PROBE_TYPE_BUFFER_LIST, on_first_sound, NULL,
                       NULL);
  }
  gst_object_unref (e);

  e = gst_bin_get_by_name (GST_BIN (pipeline), "conf_in");
  if (e) {
    g_autoptr(GstPad) pad = gst_element_get_static_pad (e, "src");
    gst_pad_add_probe (pad, GST_PAD_PROBE_TYPE_BUFFER, on_conference_mic, self, NULL);
    gst_object_unref (e);
  }

  set_by_name (pipeline, "pay", "min-ptime", (gint64) self->ptime * GST_MSECOND,
               "max-ptime", (gint64) self->ptime * GST_MSECOND, NULL);

  e = gst_bin_get_by_name (GST_BIN (pipeline), "rtp_sink");
  g_object_set (e, "socket", self->rtp_socket, "host", params->remote_address,
                "port", (gint) params->remote_port, NULL);
  {
    g_autoptr(GstPad) pad = gst_element_get_static_pad (e, "sink");
    gst_pad_add_probe (pad, GST_PAD_PROBE_TYPE_BUFFER | GST_PAD_PROBE_TYPE_BUFFER_LIST, on_outgoing, self, NULL);
  }
  count_packets (e, "sink", &self->sent);
  gst_object_unref (e);
  set_by_name (pipeline, "rtcp_sink", "socket", self->rtcp_socket, "host", params->remote_address,
               "port", (gint) params->remote_port + 1, NULL);

  e = gst_bin_get_by_name (GST_BIN (pipeline), "rtp_src");
  g_object_set (e, "socket", self->rtp_socket, NULL);
  count_packets (e, "src", &self->received);
  self->lateness = (Lateness) { .payload = self->recv_payload, .clock_rate = self->clock_rate };
  {
    g_autoptr(GstPad) pad = gst_element_get_static_pad (e, "src");
    gst_pad_add_probe (pad, GST_PAD_PROBE_TYPE_BUFFER | GST_PAD_PROBE_TYPE_BUFFER_LIST, on_received,
                       &self->lateness, NULL);
  }
  gst_object_unref (e);
  set_by_name (pipeline, "rtcp_src", "socket", self->rtcp_socket, NULL);

  self->dtmf_source = gst_bin_get_by_name (GST_BIN (pipeline), "dtmf");

  rtpbin = gst_bin_get_by_name (GST_BIN (pipeline), "rtpbin");
  g_object_set (rtpbin, "do-lost", TRUE, NULL);
  self->rtpbin = g_object_ref (rtpbin);
  g_signal_connect_object (rtpbin, "request-pt-map", G_CALLBACK (on_request_pt_map), self, 0);
  g_signal_connect_object (rtpbin, "pad-added", G_CALLBACK (on_pad_added), self, 0);

  bus = gst_element_get_bus (pipeline);
  self->bus_watch = gst_bus_add_watch (bus, on_bus_message, self);
  self->pipeline = g_steal_pointer (&pipeline);

  if (gst_element_set_state (self->pipeline, GST_STATE_PLAYING) == GST_STATE_CHANGE_FAILURE) {
    g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED, "cannot start audio (is PulseAudio running?)");
    stop_pipeline (self);
    return FALSE;
  }
  self->jitter_set_us = g_get_monotonic_time ();
  g_atomic_int_set (&self->trim_ms, 0);
  self->adapt_id = g_timeout_add_seconds (1, on_adapt, self);
  return TRUE;
}

gboolean
oh_media_session_start (OhMediaSession *self, const OhMediaParams *params, GError **error)
{
  const Codec *codec;

  g_return_val_if_fail (OH_IS_MEDIA_SESSION (self), FALSE);

  codec = find_codec (params->encoding);
  if (!codec) {
    g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED, "codec %s/%u is not supported",
                 params->encoding, params->clock_rate);
    return FALSE;
  }

  g_free (self->remote_address);
  self->remote_address = g_strdup (params->remote_address);
  self->params.remote_address = self->remote_address;
  self->params.remote_port = params->remote_port;
  if (self->pipeline || self->rebuild_id) {
    /* a new answer (re-INVITE): only the far end's address may move */
    if (self->pipeline) {
      set_by_name (self->pipeline, "rtp_sink", "host", params->remote_address,
                   "port", (gint) params->remote_port, NULL);
      set_by_name (self->pipeline, "rtcp_sink", "host", params->remote_address,
                   "port", (gint) params->remote_port + 1, NULL);
    }
    return TRUE;
  }

  if (!gst_is_initialized ())
    gst_init (NULL, NULL);

  g_free (self->encoding);
  self->encoding = g_strdup (params->encoding);
  self->params = *params;
  self->params.remote_address = self->remote_address;
  self->params.encoding = self->encoding;
  self->codec = codec;
  self->clock_rate = params->clock_rate;
  self->recv_payload = params->recv_payload;
  self->dtmf_recv_payload = params->dtmf_recv_payload;
  self->dtmf_clock_rate = params->dtmf_clock_rate;
  self->ptime = params->ptime ? params->ptime : DEFAULT_PTIME_MS;
  self->jitter_ms = JITTER_MIN_MS;
  oh_emodel_codec (codec->name, &self->quality);
  return build (self, error);
}

/* Cancel the speaker's echo from the microphone, or stop doing so; a call
 * in progress rebuilds its pipeline for it (a moment of silence). */
void
oh_media_session_set_echo_cancel (OhMediaSession *self, gboolean echo_cancel)
{
  g_return_if_fail (OH_IS_MEDIA_SESSION (self));

  if (self->echo_cancel == echo_cancel)
    return;
  self->echo_cancel = echo_cancel;
  if (self->pipeline && !self->rebuild_id)
    on_rebuild (self);
}

/* On hold (either side): no RTP goes out; RTCP goes on. */
void
oh_media_session_set_sending (OhMediaSession *self, gboolean sending)
{
  g_return_if_fail (OH_IS_MEDIA_SESSION (self));

  g_atomic_int_set (&self->held, !sending);
}

/* Start or end one digit: RFC 4733 events, or the tone in the voice. The
 * DTMF sources time their packets by the pipeline's clock, which is
 * pulsesrc's and runs only once sound flows: an order before "flowing" is
 * dropped (rtpdtmfsrc would wedge until the call ends). */
void
oh_media_session_send_dtmf (OhMediaSession *self, char digit, gboolean start)
{
  static const char digits[] = "0123456789*#ABCD";
  const char *p = strchr (digits, g_ascii_toupper (digit));
  g_autoptr(GstPad) pad = NULL;
  GstStructure *s;

  g_return_if_fail (OH_IS_MEDIA_SESSION (self));

  if (!self->dtmf_source || !self->flowing || !p || !digit)
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

static void
stop_pipeline (OhMediaSession *self)
{
  self->flowing = FALSE;
  g_clear_handle_id (&self->adapt_id, g_source_remove);
  g_clear_handle_id (&self->bus_watch, g_source_remove);
  g_clear_object (&self->rtpbin);
  g_clear_object (&self->dtmf_source);
  if (self->pipeline) {
    gst_element_set_state (self->pipeline, GST_STATE_NULL);
    g_clear_object (&self->pipeline);
  }
}

void
oh_media_session_stop (OhMediaSession *self)
{
  g_return_if_fail (OH_IS_MEDIA_SESSION (self));

  g_clear_handle_id (&self->rebuild_id, g_source_remove);
  stop_pipeline (self);
  if (self->mixer)
    oh_media_mixer_remove (self->mixer, self);
  g_clear_object (&self->mixer);
}

/* Join a local conference (@mixer), or leave it (NULL): the pipeline is
 * built anew with or without the mixing stages. */
void
oh_media_session_set_mixer (OhMediaSession *self, OhMediaMixer *mixer)
{
  g_autoptr(GError) error = NULL;

  g_return_if_fail (OH_IS_MEDIA_SESSION (self));

  if (self->mixer == mixer)
    return;
  stop_pipeline (self);
  if (self->mixer)
    oh_media_mixer_remove (self->mixer, self);
  g_set_object (&self->mixer, mixer);
  if (mixer)
    oh_media_mixer_add (mixer, self);
  if (self->codec && !self->rebuild_id && !build (self, &error)) {
    g_warning ("media: %s; retrying", error->message);
    self->rebuild_id = g_timeout_add_seconds (REBUILD_SECONDS, on_rebuild, self);
  }
}

/* What RTCP knows: the far end's stream as we receive it (RFC 3550's
 * cumulative loss and interarrival jitter), and from the far end's receiver
 * reports on our stream, the round trip and how much of ours it lost. */
typedef struct {
  guint64 received;
  guint64 lost;
  double jitter_ms;
  double rtt_ms;
  guint64 remote_lost;
} RtcpStats;

/* One far-end SSRC: how its stream reaches us, and (have-rb) the report
 * block its RTCP gave about our stream. Several far-end SSRCs (one replaced
 * another): the busiest counts. */
static void
read_source_stats (OhMediaSession *self, const GstStructure *source, RtcpStats *out)
{
  gboolean internal = FALSE, have_rb = FALSE;
  guint64 received = 0;
  guint jitter = 0, round_trip = 0;
  gint lost = 0;

  gst_structure_get_boolean (source, "internal", &internal);
  gst_structure_get_uint64 (source, "packets-received", &received);
  if (internal || received < out->received)
    return;
  gst_structure_get_int (source, "packets-lost", &lost);
  gst_structure_get_uint (source, "jitter", &jitter);
  out->received = received;
  out->lost = MAX (lost, 0);
  out->jitter_ms = self->clock_rate ? jitter * 1000.0 / self->clock_rate : 0.0;
  if (gst_structure_get_boolean (source, "have-rb", &have_rb) && have_rb) {
    gst_structure_get_uint (source, "rb-round-trip", &round_trip);
    gst_structure_get_int (source, "rb-packetslost", &lost);
    out->rtt_ms = round_trip * 1000.0 / 65536.0;
    out->remote_lost = MAX (lost, 0);
  }
}

static void
read_rtcp_stats (OhMediaSession *self, RtcpStats *out)
{
  g_autoptr(GObject) session = NULL;
  g_autoptr(GstStructure) stats = NULL;
  const GValue *sources;

  if (!self->rtpbin)
    return;
  g_signal_emit_by_name (self->rtpbin, "get-internal-session", 0, &session);
  if (!session)
    return;
  g_object_get (session, "stats", &stats, NULL);
  sources = stats ? gst_structure_get_value (stats, "source-stats") : NULL;
  if (!sources)
    return;
  G_GNUC_BEGIN_IGNORE_DEPRECATIONS
  {
    GValueArray *array = g_value_get_boxed (sources);
    for (guint i = 0; array && i < array->n_values; i++)
      read_source_stats (self, gst_value_get_structure (g_value_array_get_nth (array, i)), out);
  }
  G_GNUC_END_IGNORE_DEPRECATIONS
}

/* Once a second: the jitter buffer holds each packet long enough for the
 * latest one of the far end's stream in the last two windows, and a margin,
 * within JITTER_MIN_MS and JITTER_MAX_MS. It grows at once, and shrinks a
 * step at a time once no packet of those windows needs the length. Where
 * the speaker plays what it gets as it comes (PLAYOUT) a shorter wait would
 * only move the delay into the sound server's buffer: the decoded stream
 * leaves out as much (trim); a synced speaker (ECHO_PLAYOUT) simply plays
 * earlier. */
static gboolean
on_adapt (gpointer data)
{
  OhMediaSession *self = data;
  guint late_ms = (guint) MAX (g_atomic_int_get (&self->lateness.peak_ms[0]),
                               g_atomic_int_get (&self->lateness.peak_ms[1]));
  /* in steps of 10 ms: each change is a short gap in the sound */
  guint cover = (late_ms + JITTER_MARGIN_MS + JITTER_STEP_MS - 1) / JITTER_STEP_MS * JITTER_STEP_MS;
  gint64 now_us = g_get_monotonic_time ();
  guint want = self->jitter_ms;

  if (cover > self->jitter_ms)
    want = MIN (cover, JITTER_MAX_MS);
  else if (cover < self->jitter_ms && self->jitter_ms > JITTER_MIN_MS &&
           now_us - self->jitter_set_us >= JITTER_SHRINK_MS * 1000)
    want = self->jitter_ms - JITTER_STEP_MS;
  if (want == self->jitter_ms)
    return G_SOURCE_CONTINUE;

  g_debug ("media: jitter buffer %u ms → %u ms (the latest packet lately came %u ms late)",
           self->jitter_ms, want, late_ms);
  if (want < self->jitter_ms && !self->echo_cancel)
    g_atomic_int_add (&self->trim_ms, (gint) (self->jitter_ms - want));
  self->jitter_ms = want;
  self->jitter_set_us = now_us;
  g_object_set (self->rtpbin, "latency", want, NULL);
  return G_SOURCE_CONTINUE;
}

/* ms since the last packet, or since counting began when none came yet */
static guint64
packet_age_ms (const PacketCount *count)
{
  gint64 now_ms = (g_get_monotonic_time () - count->start_us) / 1000;
  gint last = g_atomic_int_get (&count->last_ms);

  return (guint64) MAX (now_ms - MAX (last - 1, 0), 0);
}

GVariant *
oh_media_session_get_statistics (OhMediaSession *self)
{
  g_auto(GVariantDict) dict = G_VARIANT_DICT_INIT (NULL);
  RtcpStats rtcp = { 0, };
  guint64 age_ms = 0;
  gboolean receiving = FALSE;
  double mos = 1.0;

  g_return_val_if_fail (OH_IS_MEDIA_SESSION (self), NULL);

  if (self->pipeline) {
    read_rtcp_stats (self, &rtcp);
    age_ms = packet_age_ms (&self->received);
    receiving = g_atomic_int_get (&self->received.last_ms) > 0 && age_ms < RECEIVING_MS;
  }
  /* silence from the far end is the worst call of all: MOS 1 until RTP
   * flows. Otherwise G.107 from the loss so far and the mouth-to-ear delay
   * the call adds: a packet's worth of audio, the jitter buffer, and half
   * the round trip. */
  if (receiving) {
    double loss = rtcp.received + rtcp.lost ? 100.0 * rtcp.lost / (rtcp.received + rtcp.lost) : 0.0;
    double delay = self->ptime + self->jitter_ms + rtcp.rtt_ms / 2;
    mos = oh_emodel_mos (oh_emodel_r (&self->quality, loss, delay));
  }
  g_variant_dict_insert (&dict, "packets-sent", "t", (guint64) (guint) g_atomic_int_get (&self->sent.packets));
  g_variant_dict_insert (&dict, "packets-received", "t", (guint64) (guint) g_atomic_int_get (&self->received.packets));
  g_variant_dict_insert (&dict, "packets-lost", "t", rtcp.lost);
  g_variant_dict_insert (&dict, "jitter-ms", "d", rtcp.jitter_ms);
  g_variant_dict_insert (&dict, "jitter-buffer-ms", "t", (guint64) self->jitter_ms);
  g_variant_dict_insert (&dict, "rtt-ms", "d", rtcp.rtt_ms);
  g_variant_dict_insert (&dict, "mos", "d", mos);
  g_variant_dict_insert (&dict, "receiving", "b", receiving);
  g_variant_dict_insert (&dict, "last-packet-age-ms", "t", age_ms);
  g_variant_dict_insert (&dict, "remote-packets-lost", "t", rtcp.remote_lost);
  return g_variant_dict_end (&dict);
}
