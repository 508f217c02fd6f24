/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* One call's RTP and RTCP sockets, bound from the configured port range. */
#pragma once

#include <gio/gio.h>

#include "oh-config.h"

G_BEGIN_DECLS

#define OH_TYPE_RTP_PORTS (oh_rtp_ports_get_type ())
G_DECLARE_FINAL_TYPE (OhRtpPorts, oh_rtp_ports, OH, RTP_PORTS, GObject)

OhRtpPorts *oh_rtp_ports_new              (const OhSettings *settings,
                                           GError          **error);
guint       oh_rtp_ports_get_port         (OhRtpPorts       *self);
GSocket    *oh_rtp_ports_get_rtp_socket   (OhRtpPorts       *self);
GSocket    *oh_rtp_ports_get_rtcp_socket  (OhRtpPorts       *self);

G_END_DECLS
