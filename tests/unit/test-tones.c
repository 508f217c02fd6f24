/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Progress tones as rendered: frequencies, cadence, length, every country. */
#include <math.h>

#include "oh-error.h"
#include "oh-tones.h"

/* Share of @n samples' power at @freq (Goertzel): ~0.5 for one of two equal
 * tones, ~1 for a pure one. */
static double
power_share (const gint16 *s, gsize n, double freq)
{
  double coeff = 2 * cos (2 * G_PI * freq / OH_TONES_RATE);
  double s1 = 0, s2 = 0, energy = 0;

  for (gsize i = 0; i < n; i++) {
    double s0 = s[i] + coeff * s1 - s2;
    s2 = s1;
    s1 = s0;
    energy += (double) s[i] * s[i];
  }
  return energy > 0 ? 2 * (s1 * s1 + s2 * s2 - coeff * s1 * s2) / (n * energy) : 0;
}

/* ms of sound, then of silence, … in 10 ms blocks */
static GArray *
cadence (const gint16 *s, gsize n)
{
  GArray *runs = g_array_new (FALSE, TRUE, sizeof (guint));
  gsize block = OH_TONES_RATE / 100;
  gboolean last = FALSE;

  for (gsize at = 0; at + block <= n; at += block) {
    gboolean sound = FALSE;
    for (gsize i = at; i < at + block && !sound; i++)
      sound = s[i] != 0;
    if (runs->len == 0 || sound != last)
      g_array_append_val (runs, (guint) { 0 });
    g_array_index (runs, guint, runs->len - 1) += 10;
    last = sound;
  }
  return runs;
}

static void
test_us_busy (void)
{
  g_autoptr(GError) error = NULL;
  gboolean repeats = FALSE;
  g_autoptr(GBytes) cycle = oh_tones_render ("us", "busy", &repeats, &error);
  gsize size;
  const gint16 *s;
  g_autoptr(GArray) runs = NULL;

  g_assert_no_error (error);
  g_assert_true (repeats);
  s = g_bytes_get_data (cycle, &size);
  g_assert_cmpuint (size / 2, ==, OH_TONES_RATE);          /* 500 on + 500 off */
  g_assert_cmpfloat (power_share (s, OH_TONES_RATE / 2, 480), >, 0.4);
  g_assert_cmpfloat (power_share (s, OH_TONES_RATE / 2, 620), >, 0.4);
  g_assert_cmpfloat (power_share (s, OH_TONES_RATE / 2, 425), <, 0.05);
  runs = cadence (s, size / 2);
  g_assert_cmpuint (runs->len, ==, 2);
  g_assert_cmpuint (g_array_index (runs, guint, 0), ==, 500);
  g_assert_cmpuint (g_array_index (runs, guint, 1), ==, 500);
}

static void
test_uk_ringback (void)
{
  gboolean repeats = FALSE;
  g_autoptr(GBytes) cycle = oh_tones_render ("uk", "ringback", &repeats, NULL);
  static const guint expected[] = { 400, 200, 400, 2000 };
  gsize size;
  const gint16 *s = g_bytes_get_data (cycle, &size);
  g_autoptr(GArray) runs = cadence (s, size / 2);

  g_assert_cmpuint (runs->len, ==, G_N_ELEMENTS (expected));
  for (guint i = 0; i < runs->len; i++)
    g_assert_cmpuint (g_array_index (runs, guint, i), ==, expected[i]);
  g_assert_cmpfloat (power_share (s, OH_TONES_RATE * 4 / 10, 400), >, 0.4);
  g_assert_cmpfloat (power_share (s, OH_TONES_RATE * 4 / 10, 450), >, 0.4);
}

/* A steady tone's cycle loops without a seam: the sample after the last is
 * the first one again. */
static void
test_de_dial_loops (void)
{
  gboolean repeats = FALSE;
  g_autoptr(GBytes) cycle = oh_tones_render ("de", "dial", &repeats, NULL);
  gsize size;
  const gint16 *s = g_bytes_get_data (cycle, &size);
  gsize n = size / 2;
  double step = 2 * G_PI * 425.0 / OH_TONES_RATE;

  g_assert_true (repeats);
  g_assert_cmpfloat (power_share (s, n, 425), >, 0.9);
  g_assert_cmpint (s[0], ==, 0);
  /* the value the next sample would have, were the sine to go on */
  g_assert_cmpint (abs ((int) lrint (0.2 * G_MAXINT16 * sin (step * n)) - s[0]), <=, 1);
}

static void
test_key_click (void)
{
  gboolean repeats = TRUE;
  g_autoptr(GBytes) click = oh_tones_render ("fr", "dtmf-pound", &repeats, NULL);
  gsize size;
  const gint16 *s = g_bytes_get_data (click, &size);

  g_assert_false (repeats);
  g_assert_cmpuint (size / 2, ==, OH_TONES_RATE / 10);
  g_assert_cmpfloat (power_share (s, size / 2, 941), >, 0.4);
  g_assert_cmpfloat (power_share (s, size / 2, 1477), >, 0.4);
}

static void
test_every_country (void)
{
  static const char * const countries[] = { "us", "uk", "de", "fr", "it", "nl", "se", "jp", "au" };
  static const char * const tones[] = { "dial", "secondary-dial", "ringback", "busy", "congestion",
                                         "call-waiting", "confirm", "error" };

  for (guint c = 0; c < G_N_ELEMENTS (countries); c++) {
    g_assert_true (oh_tones_is_country (countries[c]));
    for (guint t = 0; t < G_N_ELEMENTS (tones); t++) {
      g_autoptr(GError) error = NULL;
      gboolean repeats;
      g_autoptr(GBytes) cycle = oh_tones_render (countries[c], tones[t], &repeats, &error);

      g_assert_no_error (error);
      g_assert_cmpuint (g_bytes_get_size (cycle), >, 0);
    }
  }
  g_assert_false (oh_tones_is_country ("xx"));
  g_assert_false (oh_tones_is_country (NULL));
}

static void
test_unknown (void)
{
  g_autoptr(GError) error = NULL;
  gboolean repeats;

  g_assert_null (oh_tones_render ("us", "fanfare", &repeats, &error));
  g_assert_error (error, OH_ERROR, OH_ERROR_INVALID_ARGUMENTS);
  g_assert_nonnull (strstr (error->message, "fanfare"));
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/tones/us-busy", test_us_busy);
  g_test_add_func ("/tones/uk-ringback", test_uk_ringback);
  g_test_add_func ("/tones/de-dial-loops", test_de_dial_loops);
  g_test_add_func ("/tones/key-click", test_key_click);
  g_test_add_func ("/tones/every-country", test_every_country);
  g_test_add_func ("/tones/unknown", test_unknown);
  return g_test_run ();
}
