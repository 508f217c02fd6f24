/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The audio routes, volumes, microphone mute and tone playback. What the
 * route and volumes are lives here; PulseAudio is reached through OhPulse in
 * the pulse module, loaded the first time a sound plays or a call gets audio
 * (oh_audio_use), so that an idle phone never maps libpulse. */
#define G_LOG_DOMAIN "offhook-audio"

#include "oh-audio.h"

#include "oh-media-loader.h"

struct _OhAudio {
  GObject parent_instance;

  OhConfig *config;
  const OhPulseApi *api;
  OhPulse *pulse;           /* once a sound needed PulseAudio */
  gboolean no_pulse;        /* the module could not be loaded: said once */

  OhAudioRoute route;
  guint volume;
  guint ringer_volume;
  gboolean muted;
};

enum {
  SIGNAL_ROUTE_CHANGED,
  N_SIGNALS
};
static guint signals[N_SIGNALS];

G_DEFINE_TYPE (OhAudio, oh_audio, G_TYPE_OBJECT)

static const char * const route_names[OH_AUDIO_N_ROUTES] = { "handset", "headset", "speaker" };

gboolean
oh_audio_route_from_string (const char *name, OhAudioRoute *route)
{
  for (guint i = 0; i < OH_AUDIO_N_ROUTES; i++)
    if (g_strcmp0 (name, route_names[i]) == 0) {
      *route = (OhAudioRoute) i;
      return TRUE;
    }
  return FALSE;
}

const char *
oh_audio_route_to_string (OhAudioRoute route)
{
  g_return_val_if_fail (route < OH_AUDIO_N_ROUTES, NULL);
  return route_names[route];
}

static const char *
route_sink (OhAudio *self, OhAudioRoute route)
{
  const OhSettings *s = oh_config_get_settings (self->config);
  return *s->route_sink[route] ? s->route_sink[route] : s->audio_sink;
}

static const char *
route_source (OhAudio *self, OhAudioRoute route)
{
  const OhSettings *s = oh_config_get_settings (self->config);
  return *s->route_source[route] ? s->route_source[route] : s->audio_source;
}

/* The current route's sink, "" for the server's default. */
const char *
oh_audio_get_sink (OhAudio *self)
{
  g_return_val_if_fail (OH_IS_AUDIO (self), NULL);
  return route_sink (self, self->route);
}

const char *
oh_audio_get_source (OhAudio *self)
{
  g_return_val_if_fail (OH_IS_AUDIO (self), NULL);
  return route_source (self, self->route);
}

/* Whether the current route wants echo cancellation (a speakerphone does). */
gboolean
oh_audio_get_echo_cancel (OhAudio *self)
{
  g_return_val_if_fail (OH_IS_AUDIO (self), FALSE);
  return oh_config_get_settings (self->config)->route_echo_cancel[self->route];
}

const char *
oh_audio_get_ringer_sink (OhAudio *self)
{
  const OhSettings *s;

  g_return_val_if_fail (OH_IS_AUDIO (self), NULL);
  s = oh_config_get_settings (self->config);
  return *s->ringer_sink ? s->ringer_sink : route_sink (self, OH_AUDIO_ROUTE_SPEAKER);
}

/* What OhPulse is to do, from the route, volumes and mute. */
static OhPulseRoute
pulse_route (OhAudio *self)
{
  const OhSettings *s = oh_config_get_settings (self->config);

  return (OhPulseRoute) {
    .sink = oh_audio_get_sink (self),
    .source = oh_audio_get_source (self),
    .sink_port = s->route_sink_port[self->route],
    .source_port = s->route_source_port[self->route],
    .ringer_sink = oh_audio_get_ringer_sink (self),
    .volume = self->volume,
    .ringer_volume = self->ringer_volume,
    .muted = self->muted,
  };
}

static void
apply_all (OhAudio *self)
{
  OhPulseRoute route = pulse_route (self);

  if (self->pulse)
    self->api->apply (self->pulse, &route);
}

/* Sounds are about to play, or a call's streams to appear: connect to
 * PulseAudio (in the background) if that was not done yet. */
void
oh_audio_use (OhAudio *self)
{
  g_autoptr(GError) error = NULL;
  OhPulseRoute route;

  g_return_if_fail (OH_IS_AUDIO (self));

  if (self->pulse || self->no_pulse)
    return;
  self->api = oh_media_loader_get_pulse (&error);
  if (!self->api) {
    g_warning ("no sound: %s", error->message);
    self->no_pulse = TRUE;
    return;
  }
  route = pulse_route (self);
  self->pulse = self->api->pulse_new (&route);
}

/* Play @samples (S16 mono at @rate) in @slot, in place of what played there,
 * once or repeated, for @duration_ms (0: until stopped or, when not
 * repeated, to its end). */
void
oh_audio_play (OhAudio *self, OhAudioSlot slot, gpointer owner, GBytes *samples, guint rate,
               gboolean repeats, guint duration_ms)
{
  g_return_if_fail (OH_IS_AUDIO (self));

  oh_audio_use (self);
  if (self->pulse)
    self->api->play (self->pulse, slot, owner, samples, rate, repeats, duration_ms);
}

/* Stop what plays in @slot if @owner started it (NULL: whoever did). */
void
oh_audio_stop (OhAudio *self, OhAudioSlot slot, gpointer owner)
{
  g_return_if_fail (OH_IS_AUDIO (self));

  if (self->pulse)
    self->api->stop (self->pulse, slot, owner);
}

void
oh_audio_set_route (OhAudio *self, OhAudioRoute route)
{
  g_return_if_fail (OH_IS_AUDIO (self));

  if (self->route == route)
    return;
  self->route = route;
  apply_all (self);
  g_signal_emit (self, signals[SIGNAL_ROUTE_CHANGED], 0);
}

void
oh_audio_set_volume (OhAudio *self, guint percent)
{
  g_return_if_fail (OH_IS_AUDIO (self));
  self->volume = MIN (percent, 100);
  apply_all (self);
}

void
oh_audio_set_ringer_volume (OhAudio *self, guint percent)
{
  g_return_if_fail (OH_IS_AUDIO (self));
  self->ringer_volume = MIN (percent, 100);
  apply_all (self);
}

void
oh_audio_set_muted (OhAudio *self, gboolean muted)
{
  g_return_if_fail (OH_IS_AUDIO (self));
  self->muted = muted;
  apply_all (self);
}

static void
oh_audio_dispose (GObject *object)
{
  OhAudio *self = OH_AUDIO (object);

  g_clear_object (&self->pulse);
  g_clear_object (&self->config);
  G_OBJECT_CLASS (oh_audio_parent_class)->dispose (object);
}

static void
oh_audio_class_init (OhAudioClass *klass)
{
  G_OBJECT_CLASS (klass)->dispose = oh_audio_dispose;

  /* route-changed: the streams moved to another route's devices */
  signals[SIGNAL_ROUTE_CHANGED] =
    g_signal_new ("route-changed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                  G_TYPE_NONE, 0);
}

static void
oh_audio_init (OhAudio *self)
{
  self->volume = 60;
  self->ringer_volume = 60;
}

/* PulseAudio is only reached once a sound needs it (oh_audio_use). */
OhAudio *
oh_audio_new (OhConfig *config)
{
  OhAudio *self = g_object_new (OH_TYPE_AUDIO, NULL);

  self->config = g_object_ref (config);
  return self;
}
