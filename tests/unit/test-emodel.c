/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The E-model behind Call.Statistics' mos, against values worked out by
 * hand from G.107's formulas and G.113's codec factors. */
#include "media/oh-emodel.h"

static const struct {
  const char *encoding;
  double loss_percent;
  double delay_ms;
  double r;
  double mos;
} cases[] = {
  /* a perfect G.711 call: only the default impairments */
  { "PCMU", 0, 0, 93.2, 4.409 },
  { "pcma", 0, 0, 93.2, 4.409 },
  /* 5 % random loss, no PLC: Ie,eff = 95 * 5 / (5 + 4.3) */
  { "PCMU", 5, 0, 42.125, 2.169 },
  /* Opus is scored as G.711 with PLC: 95 * 5 / (5 + 25.1) */
  { "opus", 5, 0, 77.419, 3.923 },
  /* 10 % */
  { "PCMA", 10, 0, 26.766, 1.481 },
  /* below the 177.3 ms knee only 0.024 per ms */
  { "PCMU", 0, 150, 89.6, 4.329 },
  /* above it 0.11 per ms more: 7.2 + 13.497 */
  { "PCMU", 0, 300, 72.503, 3.712 },
  /* loss and delay add up */
  { "opus", 10, 90, 63.974, 3.303 },
  { "G722", 10, 90, 24.606, 1.402 },
  { "opus", 0, 0, 93.2, 4.409 },
  /* out-of-range input is clamped, never NaN */
  { "PCMU", -3, -20, 93.2, 4.409 },
  { "PCMU", 100, 0, 2.117, 1.0 },
};

static void
test_known_values (void)
{
  for (guint i = 0; i < G_N_ELEMENTS (cases); i++) {
    OhEmodelCodec codec;
    double r;

    g_assert_true (oh_emodel_codec (cases[i].encoding, &codec));
    r = oh_emodel_r (&codec, cases[i].loss_percent, cases[i].delay_ms);
    g_test_message ("%s, %.0f %% loss, %.0f ms: R %.3f, MOS %.3f", cases[i].encoding,
                    cases[i].loss_percent, cases[i].delay_ms, r, oh_emodel_mos (r));
    g_assert_cmpfloat_with_epsilon (r, cases[i].r, 0.001);
    g_assert_cmpfloat_with_epsilon (oh_emodel_mos (r), cases[i].mos, 0.001);
  }
}

static void
test_mos_range (void)
{
  g_assert_cmpfloat (oh_emodel_mos (-40), ==, 1.0);
  g_assert_cmpfloat (oh_emodel_mos (0), ==, 1.0);
  g_assert_cmpfloat (oh_emodel_mos (3), >=, 1.0);
  g_assert_cmpfloat (oh_emodel_mos (100), ==, 4.5);
  g_assert_cmpfloat (oh_emodel_mos (130), ==, 4.5);
  /* monotonic: more loss or delay never scores better */
  for (double r = 0; r < 100; r += 0.5)
    g_assert_cmpfloat (oh_emodel_mos (r), <=, oh_emodel_mos (r + 0.5));
}

static void
test_unknown_codec (void)
{
  OhEmodelCodec codec = { -1, -1 };

  g_assert_false (oh_emodel_codec ("G729", &codec));
  g_assert_false (oh_emodel_codec ("", &codec));
  g_assert_cmpfloat (codec.ie, ==, -1);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/emodel/known-values", test_known_values);
  g_test_add_func ("/emodel/mos-range", test_mos_range);
  g_test_add_func ("/emodel/unknown-codec", test_unknown_codec);
  return g_test_run ();
}
