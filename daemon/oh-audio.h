/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The audio routes, volumes, microphone mute and tone playback (PulseAudio
 * through the pulse module, loaded on first use). */
#pragma once

#include <glib-object.h>

#include "oh-config.h"
#include "pulse/oh-pulse.h"

G_BEGIN_DECLS

typedef enum {
  OH_AUDIO_ROUTE_HANDSET,
  OH_AUDIO_ROUTE_HEADSET,
  OH_AUDIO_ROUTE_SPEAKER,
  OH_AUDIO_N_ROUTES
} OhAudioRoute;

/* What oh_audio_play() plays: a progress tone on the route, or the ringer on
 * the ringer's sink at RingerVolume. One sound per slot at a time. */
typedef enum {
  OH_AUDIO_SLOT_TONE = OH_PULSE_SLOT_TONE,
  OH_AUDIO_SLOT_RINGER = OH_PULSE_SLOT_RINGER,
} OhAudioSlot;

#define OH_TYPE_AUDIO (oh_audio_get_type ())
G_DECLARE_FINAL_TYPE (OhAudio, oh_audio, OH, AUDIO, GObject)

OhAudio      *oh_audio_new               (OhConfig     *config);

gboolean      oh_audio_route_from_string (const char   *name,
                                          OhAudioRoute *route);
const char   *oh_audio_route_to_string   (OhAudioRoute  route);
void          oh_audio_set_route         (OhAudio      *self,
                                          OhAudioRoute  route);
const char   *oh_audio_get_sink          (OhAudio      *self);
const char   *oh_audio_get_source        (OhAudio      *self);
const char   *oh_audio_get_ringer_sink   (OhAudio      *self);
gboolean      oh_audio_get_echo_cancel   (OhAudio      *self);
void          oh_audio_set_volume        (OhAudio      *self,
                                          guint         percent);
void          oh_audio_set_ringer_volume (OhAudio      *self,
                                          guint         percent);
void          oh_audio_set_muted         (OhAudio      *self,
                                          gboolean      muted);

void          oh_audio_use               (OhAudio      *self);
void          oh_audio_play              (OhAudio      *self,
                                          OhAudioSlot   slot,
                                          gpointer      owner,
                                          GBytes       *samples,
                                          guint         rate,
                                          gboolean      repeats,
                                          guint         duration_ms);
void          oh_audio_stop              (OhAudio      *self,
                                          OhAudioSlot   slot,
                                          gpointer      owner);

G_END_DECLS
