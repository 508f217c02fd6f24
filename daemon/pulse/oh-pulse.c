/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The PulseAudio side of OhAudio: where our streams play, how loud, and the
 * tones.
 *
 * Calls' streams are GStreamer's pulsesink/pulsesrc in the media module; they
 * carry the property offhook.role (call, ringer). Every stream of this
 * process that has one is put, as soon as PulseAudio announces it, on the
 * device of the current route (or the ringer's) at its volume and mute; a
 * route change moves the live streams, so a call never notices. Tones are
 * this object's own stream. Lost connections to the server are retried every
 * second; the tone that was playing comes back with it. */
#define G_LOG_DOMAIN "offhook-audio"

#include "oh-pulse.h"

#include <pulse/glib-mainloop.h>
#include <pulse/pulseaudio.h>
#include <unistd.h>

#include "media/oh-media-session.h"

#define RECONNECT_SECONDS 1
#define TONE_BUFFER_MS 100  /* enough to ride out a busy moment, short enough to stop at once */
#define SILENCE_MS 5       /* this much of zeros is a tone's pause */

typedef struct {
  OhPulse *pulse;
  guint slot;
  gpointer owner;
  GBytes *samples;
  guint rate;
  gboolean repeats;
  gsize offset;
  pa_stream *stream;
  guint timer;
  gsize end;                /* when its time is up: where its next pause starts */
  gboolean finishing;
  gboolean draining;
  pa_operation *drain;      /* the pending drain: cancelled when the tone goes first */
} Tone;

struct _OhPulse {
  GObject parent_instance;

  pa_glib_mainloop *loop;
  pa_context *context;
  gboolean ready;
  gboolean lost;            /* the connection was lost: say so once */
  guint reconnect_id;
  char *pid;
  char *default_sink;       /* the server's defaults, for routes without a device */
  char *default_source;

  OhPulseRoute route;       /* its strings are owned */
  Tone *tones[2];           /* by slot */
};

G_DEFINE_TYPE (OhPulse, oh_pulse, G_TYPE_OBJECT)

static void connect_context (OhPulse *self);
static void start_tone (Tone *tone);

static pa_cvolume *
volume_of (pa_cvolume *cv, guint channels, guint percent)
{
  return pa_cvolume_set (cv, channels ? channels : 1, (pa_volume_t) ((guint64) PA_VOLUME_NORM * percent / 100));
}

/* The offhook.role of a stream of this process, NULL for anybody else's. */
static const char *
our_role (OhPulse *self, pa_proplist *props)
{
  const char *pid = pa_proplist_gets (props, PA_PROP_APPLICATION_PROCESS_ID);

  if (!pid || g_strcmp0 (pid, self->pid) != 0)
    return NULL;
  return pa_proplist_gets (props, OH_MEDIA_ROLE_KEY);
}

static void
forget (pa_operation *op)
{
  if (op)
    pa_operation_unref (op);
}

static void
on_sink_input (pa_context *c, const pa_sink_input_info *info, int eol, void *data)
{
  OhPulse *self = data;
  const char *role;
  const char *sink;
  guint percent;
  pa_cvolume cv;

  if (eol || !info || !(role = our_role (self, info->proplist)))
    return;
  if (g_str_equal (role, OH_MEDIA_ROLE_RINGER)) {
    sink = self->route.ringer_sink;
    percent = self->route.ringer_volume;
  } else {
    sink = self->route.sink;
    percent = self->route.volume;
  }
  if (!*sink)
    sink = self->default_sink;
  if (sink)
    forget (pa_context_move_sink_input_by_name (c, info->index, sink, NULL, NULL));
  forget (pa_context_set_sink_input_volume (c, info->index,
                                            volume_of (&cv, info->volume.channels, percent), NULL, NULL));
}

static void
on_source_output (pa_context *c, const pa_source_output_info *info, int eol, void *data)
{
  OhPulse *self = data;
  const char *source;

  if (eol || !info || !our_role (self, info->proplist))
    return;
  source = self->route.source;
  if (!*source)
    source = self->default_source;
  if (source)
    forget (pa_context_move_source_output_by_name (c, info->index, source, NULL, NULL));
  forget (pa_context_set_source_output_mute (c, info->index, self->route.muted, NULL, NULL));
}

/* Put every stream of ours where the route, volumes and mute say. */
static void
apply_all (OhPulse *self)
{
  if (!self->ready)
    return;
  if (*self->route.sink_port && *self->route.sink)
    forget (pa_context_set_sink_port_by_name (self->context, self->route.sink, self->route.sink_port, NULL, NULL));
  if (*self->route.source_port && *self->route.source)
    forget (pa_context_set_source_port_by_name (self->context, self->route.source, self->route.source_port,
                                                NULL, NULL));
  forget (pa_context_get_sink_input_info_list (self->context, on_sink_input, self));
  forget (pa_context_get_source_output_info_list (self->context, on_source_output, self));
}

static void
on_server_info (pa_context *c, const pa_server_info *info, void *data)
{
  OhPulse *self = data;

  if (!info)
    return;
  g_free (self->default_sink);
  g_free (self->default_source);
  self->default_sink = g_strdup (info->default_sink_name);
  self->default_source = g_strdup (info->default_source_name);
  apply_all (self);
}

static void
on_subscription (pa_context *c, pa_subscription_event_type_t type, uint32_t index, void *data)
{
  OhPulse *self = data;
  pa_subscription_event_type_t facility = type & PA_SUBSCRIPTION_EVENT_FACILITY_MASK;
  pa_subscription_event_type_t kind = type & PA_SUBSCRIPTION_EVENT_TYPE_MASK;

  if (facility == PA_SUBSCRIPTION_EVENT_SERVER && kind == PA_SUBSCRIPTION_EVENT_CHANGE)
    forget (pa_context_get_server_info (c, on_server_info, self));
  else if (kind != PA_SUBSCRIPTION_EVENT_NEW)
    return;
  else if (facility == PA_SUBSCRIPTION_EVENT_SINK_INPUT)
    forget (pa_context_get_sink_input_info (c, index, on_sink_input, self));
  else if (facility == PA_SUBSCRIPTION_EVENT_SOURCE_OUTPUT)
    forget (pa_context_get_source_output_info (c, index, on_source_output, self));
}

static void
drop_context (OhPulse *self)
{
  self->ready = FALSE;
  for (guint i = 0; i < G_N_ELEMENTS (self->tones); i++) {
    Tone *tone = self->tones[i];
    if (tone && tone->stream) {
      pa_stream_set_write_callback (tone->stream, NULL, NULL);
      pa_stream_unref (tone->stream);
      tone->stream = NULL;
    }
  }
  if (self->context) {
    pa_context_set_state_callback (self->context, NULL, NULL);
    pa_context_set_subscribe_callback (self->context, NULL, NULL);
    pa_context_disconnect (self->context);
    pa_context_unref (self->context);
    self->context = NULL;
  }
}

static gboolean
on_reconnect (gpointer data)
{
  OhPulse *self = data;

  self->reconnect_id = 0;
  drop_context (self);
  connect_context (self);
  return G_SOURCE_REMOVE;
}

static void
on_context_state (pa_context *c, void *data)
{
  OhPulse *self = data;

  switch (pa_context_get_state (c)) {
  case PA_CONTEXT_READY:
    if (self->lost)
      g_message ("PulseAudio is back");
    self->lost = FALSE;
    self->ready = TRUE;
    pa_context_set_subscribe_callback (c, on_subscription, self);
    forget (pa_context_subscribe (c, PA_SUBSCRIPTION_MASK_SINK_INPUT | PA_SUBSCRIPTION_MASK_SOURCE_OUTPUT |
                                  PA_SUBSCRIPTION_MASK_SERVER, NULL, NULL));
    forget (pa_context_get_server_info (c, on_server_info, self));
    for (guint i = 0; i < G_N_ELEMENTS (self->tones); i++)
      if (self->tones[i])
        start_tone (self->tones[i]);
    break;
  case PA_CONTEXT_FAILED:
  case PA_CONTEXT_TERMINATED:
    if (!self->lost)
      g_warning ("no connection to PulseAudio (%s); retrying every %u s",
                 pa_strerror (pa_context_errno (c)), RECONNECT_SECONDS);
    self->lost = TRUE;
    self->ready = FALSE;
    /* not from inside the context's own callback */
    if (!self->reconnect_id)
      self->reconnect_id = g_timeout_add_seconds (RECONNECT_SECONDS, on_reconnect, self);
    break;
  default:
    break;
  }
}

static void
connect_context (OhPulse *self)
{
  self->context = pa_context_new (pa_glib_mainloop_get_api (self->loop), "offhookd");
  pa_context_set_state_callback (self->context, on_context_state, self);
  if (pa_context_connect (self->context, NULL, PA_CONTEXT_NOAUTOSPAWN, NULL) < 0)
    on_context_state (self->context, self);
}

static void
tone_free (Tone *tone)
{
  g_clear_handle_id (&tone->timer, g_source_remove);
  /* its callback would find the tone freed */
  if (tone->drain) {
    pa_operation_cancel (tone->drain);
    pa_operation_unref (tone->drain);
  }
  if (tone->stream) {
    pa_stream_set_write_callback (tone->stream, NULL, NULL);
    pa_stream_disconnect (tone->stream);
    pa_stream_unref (tone->stream);
  }
  g_bytes_unref (tone->samples);
  g_free (tone);
}

static void
on_tone_drained (pa_stream *stream, int success, void *data)
{
  Tone *tone = data;
  OhPulse *self = tone->pulse;

  g_clear_pointer (&tone->drain, pa_operation_unref);
  /* a tone stopped before its end took its stream along: nothing to do */
  if (success && self->tones[tone->slot] == tone)
    g_clear_pointer (&self->tones[tone->slot], tone_free);
}

static void
drain_tone (Tone *tone, pa_stream *stream)
{
  tone->draining = TRUE;
  tone->drain = pa_stream_drain (stream, on_tone_drained, tone);
}

static void
on_tone_write (pa_stream *stream, size_t nbytes, void *data)
{
  Tone *tone = data;
  const guint8 *bytes;
  gsize size;

  if (tone->stream != stream)
    return;
  bytes = g_bytes_get_data (tone->samples, &size);
  while (nbytes > 0 && !tone->draining) {
    gsize stop = tone->finishing ? tone->end : size;
    gsize chunk = MIN (nbytes, stop - tone->offset);

    pa_stream_write (stream, bytes + tone->offset, chunk, NULL, 0, PA_SEEK_RELATIVE);
    tone->offset += chunk;
    nbytes -= chunk;
    if (tone->finishing && tone->offset == tone->end)
      drain_tone (tone, stream);
    else if (tone->offset < size)
      continue;
    else if (tone->repeats)
      tone->offset = 0;
    else
      drain_tone (tone, stream);
  }
}

/* Where the next pause (SILENCE_MS of zeros) of the cycle starts, from the
 * write position on; G_MAXSIZE when there is none (a steady tone: cadences
 * all end in a pause). */
static gsize
next_pause (Tone *tone)
{
  gsize size;
  const gint16 *samples = g_bytes_get_data (tone->samples, &size);
  gsize n = size / sizeof (gint16);
  gsize needed = tone->rate * SILENCE_MS / 1000;
  gsize from = tone->offset / sizeof (gint16);

  for (gsize i = from; i < n; i++) {
    gsize run = 0;
    while (i + run < n && samples[i + run] == 0 && run < needed)
      run++;
    if (run == needed)
      return i * sizeof (gint16);
    i += run;
  }
  return G_MAXSIZE;
}

static void
start_tone (Tone *tone)
{
  OhPulse *self = tone->pulse;
  gboolean ringer = tone->slot == OH_PULSE_SLOT_RINGER;
  pa_sample_spec spec = { .format = PA_SAMPLE_S16NE, .rate = tone->rate, .channels = 1 };
  pa_buffer_attr attr = {
    .maxlength = (uint32_t) -1,
    .tlength = (uint32_t) pa_usec_to_bytes (TONE_BUFFER_MS * PA_USEC_PER_MSEC, &spec),
    .prebuf = (uint32_t) -1,
    .minreq = (uint32_t) -1,
    .fragsize = (uint32_t) -1,
  };
  const char *sink = ringer ? self->route.ringer_sink : self->route.sink;
  pa_proplist *props = pa_proplist_new ();
  pa_cvolume cv;

  if (!self->ready || tone->stream)
    return;
  pa_proplist_sets (props, OH_MEDIA_ROLE_KEY, ringer ? OH_MEDIA_ROLE_RINGER : OH_MEDIA_ROLE_CALL);
  pa_proplist_sets (props, PA_PROP_MEDIA_ROLE, "phone");
  tone->stream = pa_stream_new_with_proplist (self->context, ringer ? "ringer" : "tone", &spec, NULL, props);
  pa_proplist_free (props);
  if (!tone->stream) {
    g_warning ("cannot play a tone: %s", pa_strerror (pa_context_errno (self->context)));
    return;
  }
  pa_stream_set_write_callback (tone->stream, on_tone_write, tone);
  if (pa_stream_connect_playback (tone->stream, *sink ? sink : NULL, &attr, PA_STREAM_ADJUST_LATENCY,
                                  volume_of (&cv, 1, ringer ? self->route.ringer_volume : self->route.volume), NULL) < 0)
    g_warning ("cannot play a tone on %s: %s", *sink ? sink : "the default sink",
               pa_strerror (pa_context_errno (self->context)));
}

/* Time is up: a tone with pauses ends at its next pause (never in the
 * middle of a burst); a steady one at once. */
static gboolean
on_tone_timer (gpointer data)
{
  Tone *tone = data;
  OhPulse *self = tone->pulse;

  tone->timer = 0;
  tone->end = next_pause (tone);
  if (tone->end == G_MAXSIZE || !tone->stream)
    g_clear_pointer (&self->tones[tone->slot], tone_free);
  else
    tone->finishing = TRUE;
  return G_SOURCE_REMOVE;
}

/* Play @samples (S16 mono at @rate) in @slot, in place of what played there,
 * once or repeated, for @duration_ms (0: until stopped or, when not
 * repeated, to its end). */
void
oh_pulse_play (OhPulse *self, guint slot, gpointer owner, GBytes *samples, guint rate,
               gboolean repeats, guint duration_ms)
{
  Tone *tone;

  g_return_if_fail (OH_IS_PULSE (self));

  g_clear_pointer (&self->tones[slot], tone_free);
  tone = g_new0 (Tone, 1);
  tone->pulse = self;
  tone->slot = slot;
  tone->owner = owner;
  tone->samples = g_bytes_ref (samples);
  tone->rate = rate;
  tone->repeats = repeats;
  if (duration_ms)
    tone->timer = g_timeout_add (duration_ms, on_tone_timer, tone);
  self->tones[slot] = tone;
  start_tone (tone);
}

/* Stop what plays in @slot if @owner started it (NULL: whoever did). */
void
oh_pulse_stop (OhPulse *self, guint slot, gpointer owner)
{
  g_return_if_fail (OH_IS_PULSE (self));

  if (self->tones[slot] && (!owner || self->tones[slot]->owner == owner))
    g_clear_pointer (&self->tones[slot], tone_free);
}

static void
clear_route (OhPulseRoute *route)
{
  g_free ((char *) route->sink);
  g_free ((char *) route->source);
  g_free ((char *) route->sink_port);
  g_free ((char *) route->source_port);
  g_free ((char *) route->ringer_sink);
}

/* Take the route, volumes and mute on, and move our streams by them. */
void
oh_pulse_apply (OhPulse *self, const OhPulseRoute *route)
{
  g_return_if_fail (OH_IS_PULSE (self));

  clear_route (&self->route);
  self->route = (OhPulseRoute) {
    .sink = g_strdup (route->sink),
    .source = g_strdup (route->source),
    .sink_port = g_strdup (route->sink_port),
    .source_port = g_strdup (route->source_port),
    .ringer_sink = g_strdup (route->ringer_sink),
    .volume = MIN (route->volume, 100),
    .ringer_volume = MIN (route->ringer_volume, 100),
    .muted = route->muted,
  };
  apply_all (self);
}

static void
oh_pulse_dispose (GObject *object)
{
  OhPulse *self = OH_PULSE (object);

  g_clear_handle_id (&self->reconnect_id, g_source_remove);
  for (guint i = 0; i < G_N_ELEMENTS (self->tones); i++)
    g_clear_pointer (&self->tones[i], tone_free);
  drop_context (self);
  g_clear_pointer (&self->loop, pa_glib_mainloop_free);
  G_OBJECT_CLASS (oh_pulse_parent_class)->dispose (object);
}

static void
oh_pulse_finalize (GObject *object)
{
  OhPulse *self = OH_PULSE (object);

  g_free (self->pid);
  g_free (self->default_sink);
  g_free (self->default_source);
  clear_route (&self->route);
  G_OBJECT_CLASS (oh_pulse_parent_class)->finalize (object);
}

static void
oh_pulse_class_init (OhPulseClass *klass)
{
  G_OBJECT_CLASS (klass)->dispose = oh_pulse_dispose;
  G_OBJECT_CLASS (klass)->finalize = oh_pulse_finalize;
}

static void
oh_pulse_init (OhPulse *self)
{
}

/* Connects to PulseAudio in the background; nothing waits for it. */
OhPulse *
oh_pulse_new (const OhPulseRoute *route)
{
  OhPulse *self = g_object_new (OH_TYPE_PULSE, NULL);

  self->pid = g_strdup_printf ("%d", (int) getpid ());
  self->loop = pa_glib_mainloop_new (NULL);
  oh_pulse_apply (self, route);
  connect_context (self);
  return self;
}
