/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Call progress tones (dial, ringback, busy…) of a country, key clicks and
 * the ringer. */
#pragma once

#include <glib-object.h>

#include "oh-audio.h"

G_BEGIN_DECLS

#define OH_TONES_RATE 16000

#define OH_TYPE_TONES (oh_tones_get_type ())
G_DECLARE_FINAL_TYPE (OhTones, oh_tones, OH, TONES, GObject)

OhTones     *oh_tones_new             (OhAudio      *audio,
                                       const char   *country,
                                       const char   *ringtone);
const char  *oh_tones_get_country     (OhTones      *self);
OhAudio     *oh_tones_get_audio       (OhTones      *self);
gboolean     oh_tones_play            (OhTones      *self,
                                       gpointer      owner,
                                       const char   *tone,
                                       guint         duration_ms,
                                       GError      **error);
void         oh_tones_stop            (OhTones      *self,
                                       gpointer      owner);
void         oh_tones_ring            (OhTones      *self,
                                       const char   *alert_info);
void         oh_tones_stop_ring       (OhTones      *self);

/* Pure helpers, for the tests: the samples of one cycle of @tone
 * (S16 native-endian mono at OH_TONES_RATE) and whether it repeats. */
gboolean     oh_tones_is_country      (const char   *country);
GBytes      *oh_tones_render          (const char   *country,
                                       const char   *tone,
                                       gboolean     *repeats,
                                       GError      **error);
GBytes      *oh_tones_render_ring     (const char   *alert_info);

G_END_DECLS
