/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The PulseAudio side of OhAudio, in a module of its own (liboffhook-pulse.so)
 * that offhookd loads the first time a sound plays or a call gets audio: an
 * idle phone never maps libpulse. The only user of libpulse. */
#pragma once

#include <glib-object.h>

G_BEGIN_DECLS

/* Where our streams go and how loud, as OhAudio's route says. Strings are
 * copied; "" is the server's default device, or no port to switch. */
typedef struct {
  const char *sink;
  const char *source;
  const char *sink_port;
  const char *source_port;
  const char *ringer_sink;
  guint volume;             /* 0…100 % */
  guint ringer_volume;
  gboolean muted;
} OhPulseRoute;

/* One sound per slot at a time (OhAudioSlot's values). */
#define OH_PULSE_SLOT_TONE 0
#define OH_PULSE_SLOT_RINGER 1

#define OH_TYPE_PULSE (oh_pulse_get_type ())
G_DECLARE_FINAL_TYPE (OhPulse, oh_pulse, OH, PULSE, GObject)

OhPulse      *oh_pulse_new    (const OhPulseRoute *route);
void          oh_pulse_apply  (OhPulse            *self,
                               const OhPulseRoute *route);
void          oh_pulse_play   (OhPulse            *self,
                               guint               slot,
                               gpointer            owner,
                               GBytes             *samples,
                               guint               rate,
                               gboolean            repeats,
                               guint               duration_ms);
void          oh_pulse_stop   (OhPulse            *self,
                               guint               slot,
                               gpointer            owner);

G_END_DECLS
