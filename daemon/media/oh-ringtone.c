/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* A ringtone file turned into samples (S16 native-endian mono at @rate) in
 * the background; the ringer then loops them like its own ring. */
#define G_LOG_DOMAIN "offhook-media"

#include "oh-ringtone.h"

#include <gst/gst.h>

#define MAX_SECONDS 30   /* a ringtone longer than this is cut */

typedef struct {
  GstElement *pipeline;
  GByteArray *samples;
  GMutex lock;            /* samples: filled by the streaming thread */
  gsize max_bytes;
  OhRingtoneReady ready;
  gpointer user_data;
} Decoding;

static void
on_handoff (GstElement *sink, GstBuffer *buffer, GstPad *pad, Decoding *d)
{
  GstMapInfo map;

  if (!gst_buffer_map (buffer, &map, GST_MAP_READ))
    return;
  g_mutex_lock (&d->lock);
  g_byte_array_append (d->samples, map.data, MIN (map.size, d->max_bytes - MIN (d->max_bytes, d->samples->len)));
  g_mutex_unlock (&d->lock);
  gst_buffer_unmap (buffer, &map);
}

static void
finish (Decoding *d, const GError *error)
{
  g_autoptr(GBytes) samples = NULL;

  gst_element_set_state (d->pipeline, GST_STATE_NULL);
  g_mutex_lock (&d->lock);
  if (!error && d->samples->len >= sizeof (gint16))
    samples = g_byte_array_free_to_bytes (g_steal_pointer (&d->samples));
  g_mutex_unlock (&d->lock);
  if (samples || error) {
    d->ready (samples, error, d->user_data);
  } else {
    g_autoptr(GError) empty = g_error_new_literal (G_IO_ERROR, G_IO_ERROR_INVALID_DATA, "it holds no sound");
    d->ready (NULL, empty, d->user_data);
  }
  if (d->samples)
    g_byte_array_unref (d->samples);
  gst_object_unref (d->pipeline);
  g_mutex_clear (&d->lock);
  g_free (d);
}

static gboolean
on_bus_message (GstBus *bus, GstMessage *message, gpointer data)
{
  Decoding *d = data;
  g_autoptr(GError) error = NULL;

  if (GST_MESSAGE_TYPE (message) == GST_MESSAGE_EOS) {
    finish (d, NULL);
    return G_SOURCE_REMOVE;
  }
  if (GST_MESSAGE_TYPE (message) == GST_MESSAGE_ERROR) {
    gst_message_parse_error (message, &error, NULL);
    finish (d, error);
    return G_SOURCE_REMOVE;
  }
  return G_SOURCE_CONTINUE;
}

/* Decode @path on GStreamer's threads; @ready is called on the main loop
 * with the samples, or the reason there are none. */
void
oh_ringtone_decode (const char *path, guint rate, OhRingtoneReady ready, gpointer user_data)
{
  g_autofree char *description = g_strdup_printf (
    "filesrc name=file ! decodebin ! audioconvert ! audioresample ! "
    "audio/x-raw,format=%s,rate=%u,channels=1 ! fakesink name=sink signal-handoffs=true sync=false",
    G_BYTE_ORDER == G_LITTLE_ENDIAN ? "S16LE" : "S16BE", rate);
  g_autoptr(GError) error = NULL;
  g_autoptr(GstElement) element = NULL;
  g_autoptr(GstBus) bus = NULL;
  Decoding *d;

  if (!gst_is_initialized ())
    gst_init (NULL, NULL);

  d = g_new0 (Decoding, 1);
  d->pipeline = gst_parse_launch (description, &error);
  if (!d->pipeline) {
    ready (NULL, error, user_data);
    g_free (d);
    return;
  }
  gst_object_ref_sink (d->pipeline);
  d->samples = g_byte_array_new ();
  d->max_bytes = (gsize) MAX_SECONDS * rate * sizeof (gint16);
  d->ready = ready;
  d->user_data = user_data;
  g_mutex_init (&d->lock);

  element = gst_bin_get_by_name (GST_BIN (d->pipeline), "file");
  g_object_set (element, "location", path, NULL);
  g_clear_object (&element);
  element = gst_bin_get_by_name (GST_BIN (d->pipeline), "sink");
  g_signal_connect (element, "handoff", G_CALLBACK (on_handoff), d);

  bus = gst_element_get_bus (d->pipeline);
  gst_bus_add_watch (bus, on_bus_message, d);
  gst_element_set_state (d->pipeline, GST_STATE_PLAYING);
}
