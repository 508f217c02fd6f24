/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* One call's RTP and RTCP sockets, bound from the configured port range. */
#define G_LOG_DOMAIN "offhook-media"

#include "oh-rtp-ports.h"

#include "oh-error.h"

#define PORT_TRIES 64

struct _OhRtpPorts {
  GObject parent_instance;

  GSocket *rtp;
  GSocket *rtcp;
  guint port;
};

G_DEFINE_TYPE (OhRtpPorts, oh_rtp_ports, G_TYPE_OBJECT)

static GSocket *
bind_udp (GInetAddress *address, guint port)
{
  g_autoptr(GSocket) socket = NULL;
  g_autoptr(GSocketAddress) sa = g_inet_socket_address_new (address, (guint16) port);

  socket = g_socket_new (g_inet_address_get_family (address), G_SOCKET_TYPE_DATAGRAM,
                         G_SOCKET_PROTOCOL_UDP, NULL);
  if (!socket || !g_socket_bind (socket, sa, FALSE, NULL))
    return NULL;
  return g_steal_pointer (&socket);
}

static void
oh_rtp_ports_dispose (GObject *object)
{
  OhRtpPorts *self = OH_RTP_PORTS (object);

  if (self->rtp)
    g_socket_close (self->rtp, NULL);
  if (self->rtcp)
    g_socket_close (self->rtcp, NULL);
  g_clear_object (&self->rtp);
  g_clear_object (&self->rtcp);
  G_OBJECT_CLASS (oh_rtp_ports_parent_class)->dispose (object);
}

static void
oh_rtp_ports_class_init (OhRtpPortsClass *klass)
{
  G_OBJECT_CLASS (klass)->dispose = oh_rtp_ports_dispose;
}

static void
oh_rtp_ports_init (OhRtpPorts *self)
{
}

/* An even RTP port and the RTCP port above it, on the SIP address. */
OhRtpPorts *
oh_rtp_ports_new (const OhSettings *settings, GError **error)
{
  g_autoptr(OhRtpPorts) self = g_object_new (OH_TYPE_RTP_PORTS, NULL);
  g_autoptr(GInetAddress) address = NULL;
  guint first = (settings->rtp_port_min + 1) & ~1u;
  guint pairs = (settings->rtp_port_max - first + 1) / 2;

  if (*settings->sip_address)
    address = g_inet_address_new_from_string (settings->sip_address);
  if (!address)
    address = g_inet_address_new_any (G_SOCKET_FAMILY_IPV4);

  for (guint i = 0; pairs > 0 && i < PORT_TRIES; i++) {
    guint port = first + 2 * g_random_int_range (0, (gint32) pairs);

    self->rtp = bind_udp (address, port);
    if (!self->rtp)
      continue;
    self->rtcp = bind_udp (address, port + 1);
    if (self->rtcp) {
      self->port = port;
      return g_steal_pointer (&self);
    }
    g_clear_object (&self->rtp);
  }
  g_set_error (error, OH_ERROR, OH_ERROR_BUSY, "no free RTP port pair in %u-%u",
               settings->rtp_port_min, settings->rtp_port_max);
  return NULL;
}

guint
oh_rtp_ports_get_port (OhRtpPorts *self)
{
  g_return_val_if_fail (OH_IS_RTP_PORTS (self), 0);
  return self->port;
}

GSocket *
oh_rtp_ports_get_rtp_socket (OhRtpPorts *self)
{
  g_return_val_if_fail (OH_IS_RTP_PORTS (self), NULL);
  return self->rtp;
}

GSocket *
oh_rtp_ports_get_rtcp_socket (OhRtpPorts *self)
{
  g_return_val_if_fail (OH_IS_RTP_PORTS (self), NULL);
  return self->rtcp;
}
