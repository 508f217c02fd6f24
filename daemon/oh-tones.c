/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Call progress tones (dial, ringback, busy…) of a country, and key clicks.
 * The frequencies and cadences follow the national entries of ITU-T E.180
 * (Supplement 2); the special information tone is ITU-T Q.35's. */
#define G_LOG_DOMAIN "offhook-tones"

#include "oh-tones.h"

#include <math.h>
#include <string.h>

#include "oh-error.h"
#include "oh-media-loader.h"

#define LEVEL 0.2         /* each frequency at about -14 dBFS */
#define RAMP_MS 4         /* fade in and out of each burst: no click */
#define KEY_CLICK_MS 100
#define MAX_SEGMENTS 8

/* ms of f1 (+ f2), or of silence when f1 is 0 */
typedef struct {
  guint ms;
  guint f1, f2;
} Segment;

typedef struct {
  const char *country;   /* NULL: every country */
  const char *tone;
  Segment segments[MAX_SEGMENTS];
  gboolean modulated;    /* f1 amplitude-modulated at f2 instead of f1 + f2 */
  gboolean once;         /* played once, not repeated */
} ToneDef;

#define ON(ms, f1, f2) { ms, f1, f2 }
#define OFF(ms) { ms, 0, 0 }

static const ToneDef tone_defs[] = {
  { "us", "dial", { ON (1000, 350, 440) } },
  { "us", "secondary-dial", { ON (100, 350, 440), OFF (100) } },
  { "us", "ringback", { ON (2000, 440, 480), OFF (4000) } },
  { "us", "busy", { ON (500, 480, 620), OFF (500) } },
  { "us", "congestion", { ON (250, 480, 620), OFF (250) } },
  { "us", "call-waiting", { ON (300, 440, 0), OFF (9700) } },

  { "uk", "dial", { ON (1000, 350, 440) } },
  { "uk", "secondary-dial", { ON (750, 350, 440), OFF (750) } },
  { "uk", "ringback", { ON (400, 400, 450), OFF (200), ON (400, 400, 450), OFF (2000) } },
  { "uk", "busy", { ON (375, 400, 0), OFF (375) } },
  { "uk", "congestion", { ON (400, 400, 0), OFF (350), ON (225, 400, 0), OFF (525) } },
  { "uk", "call-waiting", { ON (100, 400, 0), OFF (3000) } },

  { "de", "dial", { ON (1000, 425, 0) } },
  { "de", "secondary-dial", { ON (1000, 400, 425) } },
  { "de", "ringback", { ON (1000, 425, 0), OFF (4000) } },
  { "de", "busy", { ON (480, 425, 0), OFF (480) } },
  { "de", "congestion", { ON (240, 425, 0), OFF (240) } },
  { "de", "call-waiting", { ON (200, 425, 0), OFF (200), ON (200, 425, 0), OFF (5000) } },

  { "fr", "dial", { ON (1000, 440, 0) } },
  { "fr", "secondary-dial", { ON (1000, 330, 440) } },
  { "fr", "ringback", { ON (1500, 440, 0), OFF (3500) } },
  { "fr", "busy", { ON (500, 440, 0), OFF (500) } },
  { "fr", "congestion", { ON (250, 440, 0), OFF (250) } },
  { "fr", "call-waiting", { ON (300, 440, 0), OFF (10000) } },

  { "it", "dial", { ON (200, 425, 0), OFF (200), ON (600, 425, 0), OFF (1000) } },
  { "it", "secondary-dial", { ON (1000, 425, 0) } },
  { "it", "ringback", { ON (1000, 425, 0), OFF (4000) } },
  { "it", "busy", { ON (500, 425, 0), OFF (500) } },
  { "it", "congestion", { ON (200, 425, 0), OFF (200) } },
  { "it", "call-waiting", { ON (400, 425, 0), OFF (100), ON (250, 425, 0), OFF (100),
                            ON (150, 425, 0), OFF (14000) } },

  { "nl", "dial", { ON (1000, 425, 0) } },
  { "nl", "secondary-dial", { ON (500, 425, 0), OFF (50) } },
  { "nl", "ringback", { ON (1000, 425, 0), OFF (4000) } },
  { "nl", "busy", { ON (500, 425, 0), OFF (500) } },
  { "nl", "congestion", { ON (250, 425, 0), OFF (250) } },
  { "nl", "call-waiting", { ON (500, 425, 0), OFF (9500) } },

  { "se", "dial", { ON (1000, 425, 0) } },
  { "se", "secondary-dial", { ON (320, 425, 0), OFF (20) } },
  { "se", "ringback", { ON (1000, 425, 0), OFF (5000) } },
  { "se", "busy", { ON (250, 425, 0), OFF (250) } },
  { "se", "congestion", { ON (250, 425, 0), OFF (750) } },
  { "se", "call-waiting", { ON (200, 425, 0), OFF (500), ON (200, 425, 0), OFF (5000) } },

  { "jp", "dial", { ON (1000, 400, 0) } },
  { "jp", "secondary-dial", { ON (125, 400, 0), OFF (125) } },
  { "jp", "ringback", { ON (1000, 400, 16), OFF (2000) }, TRUE },
  { "jp", "busy", { ON (500, 400, 0), OFF (500) } },
  { "jp", "congestion", { ON (500, 400, 0), OFF (500) } },
  { "jp", "call-waiting", { ON (100, 400, 16), OFF (100), ON (100, 400, 16), OFF (3000) }, TRUE },

  { "au", "dial", { ON (1000, 425, 25) }, TRUE },
  { "au", "secondary-dial", { ON (1000, 425, 0) } },
  { "au", "ringback", { ON (400, 400, 450), OFF (200), ON (400, 400, 450), OFF (2000) } },
  { "au", "busy", { ON (375, 425, 0), OFF (375) } },
  { "au", "congestion", { ON (375, 425, 0), OFF (375), ON (375, 425, 0), OFF (375) } },
  { "au", "call-waiting", { ON (200, 425, 0), OFF (200), ON (200, 425, 0), OFF (4400) } },

  /* the same everywhere: three short beeps, and the special information tone */
  { NULL, "confirm", { ON (100, 1400, 0), OFF (100), ON (100, 1400, 0), OFF (100),
                       ON (100, 1400, 0), OFF (100) }, FALSE, TRUE },
  { NULL, "error", { ON (330, 950, 0), ON (330, 1400, 0), ON (330, 1800, 0), OFF (1000) },
    FALSE, TRUE },
};

/* The ringer: a 1200 Hz warble, in the cadences of the distinctive ringing
 * that Alert-Info asks for (Bellcore GR-506 dr1…dr5; dr1 is the usual ring). */
static const ToneDef ring_defs[] = {
  { NULL, "Bellcore-dr1", { ON (2000, 1200, 20), OFF (4000) }, TRUE },
  { NULL, "Bellcore-dr2", { ON (800, 1200, 20), OFF (400), ON (800, 1200, 20), OFF (4000) }, TRUE },
  { NULL, "Bellcore-dr3", { ON (400, 1200, 20), OFF (200), ON (400, 1200, 20), OFF (200),
                            ON (800, 1200, 20), OFF (4000) }, TRUE },
  { NULL, "Bellcore-dr4", { ON (300, 1200, 20), OFF (200), ON (1000, 1200, 20), OFF (200),
                            ON (300, 1200, 20), OFF (4000) }, TRUE },
  { NULL, "Bellcore-dr5", { ON (500, 1200, 20), OFF (5500) }, TRUE },
};

static const char * const countries[] = { "us", "uk", "de", "fr", "it", "nl", "se", "jp", "au", NULL };

/* key clicks: the DTMF pair of each key (ITU-T Q.23) */
static const struct { const char *tone; guint low, high; } key_clicks[] = {
  { "dtmf-1", 697, 1209 }, { "dtmf-2", 697, 1336 }, { "dtmf-3", 697, 1477 },
  { "dtmf-4", 770, 1209 }, { "dtmf-5", 770, 1336 }, { "dtmf-6", 770, 1477 },
  { "dtmf-7", 852, 1209 }, { "dtmf-8", 852, 1336 }, { "dtmf-9", 852, 1477 },
  { "dtmf-star", 941, 1209 }, { "dtmf-0", 941, 1336 }, { "dtmf-pound", 941, 1477 },
};

typedef struct {
  GBytes *samples;
  gboolean repeats;
} Cycle;

struct _OhTones {
  GObject parent_instance;

  OhAudio *audio;
  char *country;
  GHashTable *cache;    /* tone → Cycle */
  char *ringtone;       /* a file for the usual ring, "" = the built-in one */
  GBytes *ringtone_samples;
  gboolean decoding;
  gboolean ringing;
};

G_DEFINE_TYPE (OhTones, oh_tones, G_TYPE_OBJECT)

gboolean
oh_tones_is_country (const char *country)
{
  return country && g_strv_contains (countries, country);
}

static const ToneDef *
find_tone (const char *country, const char *tone)
{
  for (guint i = 0; i < G_N_ELEMENTS (tone_defs); i++)
    if (g_str_equal (tone_defs[i].tone, tone) &&
        (!tone_defs[i].country || g_str_equal (tone_defs[i].country, country)))
      return &tone_defs[i];
  return NULL;
}

static double
ramp (guint n, guint length)
{
  guint edge = OH_TONES_RATE * RAMP_MS / 1000;
  guint from_end = length - 1 - n;

  if (n < edge)
    return (double) n / edge;
  if (from_end < edge)
    return (double) from_end / edge;
  return 1.0;
}

/* One cycle. Phases run on the cycle's sample clock, so that a continuous
 * tone (one 1 s segment of whole-Hz frequencies) loops without a seam. */
static GBytes *
render (const Segment *segments, guint n_segments, gboolean modulated)
{
  gsize total = 0, at = 0;
  gint16 *samples;
  gboolean continuous = n_segments == 1;

  for (guint s = 0; s < n_segments; s++)
    total += (gsize) segments[s].ms * OH_TONES_RATE / 1000;
  samples = g_new0 (gint16, total);

  for (guint s = 0; s < n_segments; s++) {
    const Segment *seg = &segments[s];
    guint length = seg->ms * OH_TONES_RATE / 1000;

    for (guint n = 0; n < length; n++, at++) {
      double t = (double) at / OH_TONES_RATE;
      double v;

      if (!seg->f1)
        continue;
      if (modulated)
        v = 2 * LEVEL * sin (2 * G_PI * seg->f1 * t) * (0.5 + 0.5 * sin (2 * G_PI * seg->f2 * t));
      else
        v = LEVEL * (sin (2 * G_PI * seg->f1 * t) + (seg->f2 ? sin (2 * G_PI * seg->f2 * t) : 0));
      if (!continuous)
        v *= ramp (n, length);
      samples[at] = (gint16) lrint (v * G_MAXINT16);
    }
  }
  return g_bytes_new_take (samples, total * sizeof (gint16));
}

static guint
segment_count (const ToneDef *def)
{
  guint n = 0;

  while (n < MAX_SEGMENTS && def->segments[n].ms)
    n++;
  return n;
}

/* The distinctive cadence an Alert-Info header asks for (its URI's last part
 * or info= parameter names Bellcore-dr2…dr5), else the usual one. */
static const ToneDef *
ring_def (const char *alert_info)
{
  const ToneDef *def = &ring_defs[0];

  for (guint i = 1; alert_info && i < G_N_ELEMENTS (ring_defs); i++) {
    g_autofree char *lower = g_ascii_strdown (alert_info, -1);
    g_autofree char *name = g_ascii_strdown (ring_defs[i].tone, -1);
    const char *at = strstr (lower, name);

    /* a whole token: "…/Bellcore-dr2>" or "info=Bellcore-dr2", not "dr22" */
    if (at && at > lower && strchr ("/:=", at[-1]) && !g_ascii_isalnum (at[strlen (name)]))
      def = &ring_defs[i];
  }
  return def;
}

static gboolean
is_distinctive (const char *alert_info)
{
  return ring_def (alert_info) != &ring_defs[0];
}

GBytes *
oh_tones_render_ring (const char *alert_info)
{
  const ToneDef *def = ring_def (alert_info);

  return render (def->segments, segment_count (def), def->modulated);
}

GBytes *
oh_tones_render (const char *country, const char *tone, gboolean *repeats, GError **error)
{
  const ToneDef *def;

  for (guint i = 0; i < G_N_ELEMENTS (key_clicks); i++)
    if (g_str_equal (tone, key_clicks[i].tone)) {
      Segment click = ON (KEY_CLICK_MS, key_clicks[i].low, key_clicks[i].high);
      *repeats = FALSE;
      return render (&click, 1, FALSE);
    }

  def = oh_tones_is_country (country) ? find_tone (country, tone) : NULL;
  if (!def) {
    g_set_error (error, OH_ERROR, OH_ERROR_INVALID_ARGUMENTS,
                 "'%s' is not a tone (dial, secondary-dial, ringback, busy, congestion, "
                 "call-waiting, confirm, error, dtmf-0…dtmf-9, dtmf-star, dtmf-pound)", tone);
    return NULL;
  }
  *repeats = !def->once;
  return render (def->segments, segment_count (def), def->modulated);
}

static void
cycle_free (Cycle *cycle)
{
  g_bytes_unref (cycle->samples);
  g_free (cycle);
}

static void
oh_tones_finalize (GObject *object)
{
  OhTones *self = OH_TONES (object);

  g_clear_object (&self->audio);
  g_free (self->country);
  g_free (self->ringtone);
  g_clear_pointer (&self->ringtone_samples, g_bytes_unref);
  g_hash_table_unref (self->cache);
  G_OBJECT_CLASS (oh_tones_parent_class)->finalize (object);
}

static void
oh_tones_class_init (OhTonesClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = oh_tones_finalize;
}

static void
oh_tones_init (OhTones *self)
{
  self->cache = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, (GDestroyNotify) cycle_free);
}

/* @country: one of us, uk, de, fr, it, nl, se, jp, au (else us, with a
 * warning); @ringtone: a sound file for the usual ring, "" for the built-in
 * warble */
OhTones *
oh_tones_new (OhAudio *audio, const char *country, const char *ringtone)
{
  OhTones *self = g_object_new (OH_TYPE_TONES, NULL);

  self->ringtone = g_strdup (ringtone);
  self->audio = g_object_ref (audio);
  if (!oh_tones_is_country (country)) {
    g_warning ("tone country '%s' is not one of us, uk, de, fr, it, nl, se, jp, au; using us", country);
    country = "us";
  }
  self->country = g_strdup (country);
  return self;
}

const char *
oh_tones_get_country (OhTones *self)
{
  g_return_val_if_fail (OH_IS_TONES (self), NULL);
  return self->country;
}

OhAudio *
oh_tones_get_audio (OhTones *self)
{
  g_return_val_if_fail (OH_IS_TONES (self), NULL);
  return self->audio;
}

/* Play @tone for @owner (a call, or NULL for the UI) in place of whatever
 * tone plays; @duration_ms 0: until stopped or, for a tone that does not
 * repeat, to its end. */
gboolean
oh_tones_play (OhTones *self, gpointer owner, const char *tone, guint duration_ms, GError **error)
{
  Cycle *cycle;

  g_return_val_if_fail (OH_IS_TONES (self), FALSE);

  cycle = g_hash_table_lookup (self->cache, tone);
  if (!cycle) {
    cycle = g_new0 (Cycle, 1);
    cycle->samples = oh_tones_render (self->country, tone, &cycle->repeats, error);
    if (!cycle->samples) {
      g_free (cycle);
      return FALSE;
    }
    g_hash_table_insert (self->cache, g_strdup (tone), cycle);
  }
  g_debug ("tone %s (%s) for %p, %u ms", tone, self->country, owner, duration_ms);
  oh_audio_play (self->audio, OH_AUDIO_SLOT_TONE, owner, cycle->samples, OH_TONES_RATE, cycle->repeats,
                 duration_ms);
  return TRUE;
}

/* Stop the tone if @owner started it (NULL: whoever did). */
void
oh_tones_stop (OhTones *self, gpointer owner)
{
  g_return_if_fail (OH_IS_TONES (self));
  oh_audio_stop (self->audio, OH_AUDIO_SLOT_TONE, owner);
}

static void
on_ringtone_decoded (GBytes *samples, const GError *error, gpointer data)
{
  OhTones *self = data;

  self->decoding = FALSE;
  if (!samples) {
    g_warning ("ringtone %s cannot be played (%s); ringing the built-in way", self->ringtone,
               error ? error->message : "no sound");
    g_clear_pointer (&self->ringtone, g_free);
  } else {
    self->ringtone_samples = g_bytes_ref (samples);
    if (self->ringing)
      oh_audio_play (self->audio, OH_AUDIO_SLOT_RINGER, NULL, samples, OH_TONES_RATE, TRUE, 0);
  }
  g_object_unref (self);
}

/* The ringtone file, decoded the first time it is needed (the built-in ring
 * plays meanwhile); NULL when there is none or it cannot be played. */
static GBytes *
ringtone (OhTones *self)
{
  const OhMediaApi *media;
  g_autoptr(GError) error = NULL;

  if (self->ringtone_samples || !self->ringtone || !*self->ringtone || self->decoding)
    return self->ringtone_samples;
  media = oh_media_loader_get (&error);
  if (!media) {
    g_warning ("ringtone %s: %s", self->ringtone, error->message);
    return NULL;
  }
  self->decoding = TRUE;
  media->decode_ringtone (self->ringtone, OH_TONES_RATE, on_ringtone_decoded, g_object_ref (self));
  return NULL;
}

/* The built-in ring's cycle for @alert_info, rendered once (cached by its
 * cadence's name, beside the tones). */
static GBytes *
ring_cycle (OhTones *self, const char *alert_info)
{
  const ToneDef *def = ring_def (alert_info);
  Cycle *cycle = g_hash_table_lookup (self->cache, def->tone);

  if (!cycle) {
    cycle = g_new0 (Cycle, 1);
    cycle->samples = render (def->segments, segment_count (def), def->modulated);
    cycle->repeats = TRUE;
    g_hash_table_insert (self->cache, g_strdup (def->tone), cycle);
  }
  return cycle->samples;
}

/* Ring until oh_tones_stop_ring(): the distinctive cadence Alert-Info asks
 * for, else the ringtone file, else the built-in ring. */
void
oh_tones_ring (OhTones *self, const char *alert_info)
{
  GBytes *ring;

  g_return_if_fail (OH_IS_TONES (self));
  self->ringing = TRUE;
  if (!is_distinctive (alert_info) && ringtone (self))
    ring = self->ringtone_samples;
  else
    ring = ring_cycle (self, alert_info);
  oh_audio_play (self->audio, OH_AUDIO_SLOT_RINGER, NULL, ring, OH_TONES_RATE, TRUE, 0);
}

void
oh_tones_stop_ring (OhTones *self)
{
  g_return_if_fail (OH_IS_TONES (self));
  self->ringing = FALSE;
  oh_audio_stop (self->audio, OH_AUDIO_SLOT_RINGER, NULL);
}
