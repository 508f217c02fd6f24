/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* A ringtone file (WAV, Ogg, FLAC… whatever GStreamer decodes) turned into
 * the samples the ringer plays. Part of the media module. */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

typedef void (*OhRingtoneReady) (GBytes       *samples,
                                 const GError *error,
                                 gpointer      user_data);

void oh_ringtone_decode (const char      *path,
                         guint            rate,
                         OhRingtoneReady  ready,
                         gpointer         user_data);

G_END_DECLS
