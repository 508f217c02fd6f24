/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* A local conference: each member call sends our microphone plus what the
 * other members receive, so that everyone hears everyone. */
#pragma once

#include <glib-object.h>

G_BEGIN_DECLS

/* The members' audio meets in this one format. */
#define OH_MEDIA_MIXER_RATE 16000
#define OH_MEDIA_MIXER_CAPS "audio/x-raw,format=S16LE,layout=interleaved,rate=16000,channels=1"

#define OH_TYPE_MEDIA_MIXER (oh_media_mixer_get_type ())
G_DECLARE_FINAL_TYPE (OhMediaMixer, oh_media_mixer, OH, MEDIA_MIXER, GObject)

OhMediaMixer *oh_media_mixer_new    (void);
void          oh_media_mixer_add    (OhMediaMixer *self,
                                     gconstpointer member);
void          oh_media_mixer_remove (OhMediaMixer *self,
                                     gconstpointer member);
void          oh_media_mixer_push   (OhMediaMixer *self,
                                     gconstpointer from,
                                     const gint16 *samples,
                                     gsize         n);
void          oh_media_mixer_mix    (OhMediaMixer *self,
                                     gconstpointer into,
                                     gint16       *samples,
                                     gsize         n);

G_END_DECLS
