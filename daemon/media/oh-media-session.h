/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* One call's media: the GStreamer pipeline that carries its audio. The module's
 * whole interface: offhookd looks these four functions up by name. */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

#define OH_TYPE_MEDIA_SESSION (oh_media_session_get_type ())
G_DECLARE_FINAL_TYPE (OhMediaSession, oh_media_session, OH, MEDIA_SESSION, GObject)

OhMediaSession *oh_media_session_new            (GSocket          *rtp,
                                                 GSocket          *rtcp,
                                                 const char       *source,
                                                 const char       *sink);
gboolean        oh_media_session_start          (OhMediaSession   *self,
                                                 const char       *remote_address,
                                                 guint             remote_port,
                                                 guint             payload,
                                                 const char       *encoding,
                                                 guint             clock_rate,
                                                 GError          **error);
void            oh_media_session_stop           (OhMediaSession   *self);
GVariant       *oh_media_session_get_statistics (OhMediaSession   *self);

G_END_DECLS
