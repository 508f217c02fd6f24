/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* A local conference: each member call sends our microphone plus what the
 * other members receive, so that everyone hears everyone. The members'
 * pipelines run on their own streaming threads: what one receives waits
 * here, per other member, until that member's microphone path takes it. */
#define G_LOG_DOMAIN "offhook-media"

#include "oh-media-mixer.h"

#include <string.h>

/* Never more than this waits for a member: a stalled sender loses the
 * oldest sound rather than adding delay. */
#define MAX_WAITING (OH_MEDIA_MIXER_RATE * 120 / 1000)

struct _OhMediaMixer {
  GObject parent_instance;

  GMutex lock;
  /* member → (other member → GArray of the gint16 it received that the
   * member has still to send) */
  GHashTable *waiting;
};

G_DEFINE_TYPE (OhMediaMixer, oh_media_mixer, G_TYPE_OBJECT)

static void
oh_media_mixer_finalize (GObject *object)
{
  OhMediaMixer *self = OH_MEDIA_MIXER (object);

  g_hash_table_unref (self->waiting);
  g_mutex_clear (&self->lock);
  G_OBJECT_CLASS (oh_media_mixer_parent_class)->finalize (object);
}

static void
oh_media_mixer_class_init (OhMediaMixerClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = oh_media_mixer_finalize;
}

static void
oh_media_mixer_init (OhMediaMixer *self)
{
  g_mutex_init (&self->lock);
  self->waiting = g_hash_table_new_full (NULL, NULL, NULL, (GDestroyNotify) g_hash_table_unref);
}

OhMediaMixer *
oh_media_mixer_new (void)
{
  return g_object_new (OH_TYPE_MEDIA_MIXER, NULL);
}

void
oh_media_mixer_add (OhMediaMixer *self, gconstpointer member)
{
  g_return_if_fail (OH_IS_MEDIA_MIXER (self));

  g_mutex_lock (&self->lock);
  if (!g_hash_table_contains (self->waiting, member))
    g_hash_table_insert (self->waiting, (gpointer) member,
                         g_hash_table_new_full (NULL, NULL, NULL, (GDestroyNotify) g_array_unref));
  g_mutex_unlock (&self->lock);
}

void
oh_media_mixer_remove (OhMediaMixer *self, gconstpointer member)
{
  g_return_if_fail (OH_IS_MEDIA_MIXER (self));

  GHashTableIter iter;
  GHashTable *from;

  g_mutex_lock (&self->lock);
  g_hash_table_remove (self->waiting, member);
  g_hash_table_iter_init (&iter, self->waiting);
  while (g_hash_table_iter_next (&iter, NULL, (gpointer *) &from))
    g_hash_table_remove (from, member);
  g_mutex_unlock (&self->lock);
}

/* @from received @n samples: every other member is to send them. */
void
oh_media_mixer_push (OhMediaMixer *self, gconstpointer from, const gint16 *samples, gsize n)
{
  GHashTableIter iter;
  gpointer member;
  GHashTable *queues;
  GArray *queue;

  g_mutex_lock (&self->lock);
  if (!g_hash_table_contains (self->waiting, from)) {
    g_mutex_unlock (&self->lock);
    return;
  }
  g_hash_table_iter_init (&iter, self->waiting);
  while (g_hash_table_iter_next (&iter, &member, (gpointer *) &queues)) {
    if (member == from)
      continue;
    queue = g_hash_table_lookup (queues, from);
    if (!queue) {
      queue = g_array_new (FALSE, FALSE, sizeof (gint16));
      g_hash_table_insert (queues, (gpointer) from, queue);
    }
    g_array_append_vals (queue, samples, (guint) n);
    if (queue->len > MAX_WAITING)
      g_array_remove_range (queue, 0, queue->len - MAX_WAITING);
  }
  g_mutex_unlock (&self->lock);
}

/* Add to @into's outgoing @samples what the others received for it. */
void
oh_media_mixer_mix (OhMediaMixer *self, gconstpointer into, gint16 *samples, gsize n)
{
  GHashTable *queues;
  GHashTableIter iter;
  GArray *queue;

  g_mutex_lock (&self->lock);
  queues = g_hash_table_lookup (self->waiting, into);
  if (queues) {
    g_hash_table_iter_init (&iter, queues);
    while (g_hash_table_iter_next (&iter, NULL, (gpointer *) &queue)) {
      guint take = MIN (queue->len, (guint) n);

      for (guint i = 0; i < take; i++) {
        gint sum = samples[i] + g_array_index (queue, gint16, i);
        samples[i] = (gint16) CLAMP (sum, G_MININT16, G_MAXINT16);
      }
      if (take)
        g_array_remove_range (queue, 0, take);
    }
  }
  g_mutex_unlock (&self->lock);
}
