/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The ITU-T G.107 E-model as monitoring tools commonly simplify it:
 *
 *   R = 93.2 - Id - Ie,eff
 *
 * 93.2 is Ro - Is with every G.107 default (no noise, no loudness or
 * sidetone faults); the advantage factor A is 0 (a desk phone).
 *
 * Id, the delay impairment, is the usual fit to G.107's Idd and Idte with
 * default echo loss (Cole & Rosenbluth): 0.024 d + 0.11 (d - 177.3) for
 * d > 177.3 ms, where d is the one-way mouth-to-ear delay.
 *
 * Ie,eff = Ie + (95 - Ie) * Ppl / (Ppl + Bpl), G.107's formula for random
 * loss (BurstR = 1), with Ie and Bpl per codec from G.113 Appendix I:
 *
 * - PCMU, PCMA: Ie 0, Bpl 4.3: G.711 without packet-loss concealment. The
 *   media session fills a lost frame with the last one, fading, which is
 *   far from the pitch-based concealment of G.711 Appendix I that Bpl 25.1
 *   stands for: the score stays conservative. spandsp's PLC (GStreamer's
 *   spanplc) would earn 25.1, but its plc_fillin copies overlapping memory
 *   with memcpy, which AddressSanitizer stops.
 * - G.722: G.107 has no wideband scale (G.107.1 does, up to R 129). The MOS
 *   here stays on the narrowband scale, so G.722 is scored as G.711
 *   without PLC (its libav decoder has none either): wideband is never
 *   rated worse than G.711, nor above the narrowband ceiling of 4.41.
 * - Opus: G.113 lists no values. Ie 0 and Bpl 25.1, G.711 with PLC:
 *   conservative, because the call's in-band FEC and Opus's own
 *   concealment stand loss better than G.711's PLC, which these values do
 *   not credit.
 *
 * MOS from R is G.107 Annex B: 1 below R 0, 4.5 above R 100, else
 * 1 + 0.035 R + R (R - 60) (100 - R) 7e-6. */
#include "oh-emodel.h"

#define R_DEFAULT 93.2

static const struct {
  const char *encoding;
  OhEmodelCodec codec;
} codecs[] = {
  { "PCMU", { 0.0, 4.3 } },
  { "PCMA", { 0.0, 4.3 } },
  { "G722", { 0.0, 4.3 } },
  { "opus", { 0.0, 25.1 } },
};

gboolean
oh_emodel_codec (const char *encoding, OhEmodelCodec *codec)
{
  for (guint i = 0; i < G_N_ELEMENTS (codecs); i++)
    if (g_ascii_strcasecmp (encoding, codecs[i].encoding) == 0) {
      *codec = codecs[i].codec;
      return TRUE;
    }
  return FALSE;
}

double
oh_emodel_r (const OhEmodelCodec *codec, double loss_percent, double delay_ms)
{
  double ppl = CLAMP (loss_percent, 0.0, 100.0);
  double d = MAX (delay_ms, 0.0);
  double id = 0.024 * d + (d > 177.3 ? 0.11 * (d - 177.3) : 0.0);
  double ie_eff = codec->ie + (95.0 - codec->ie) * ppl / (ppl + codec->bpl);

  return R_DEFAULT - id - ie_eff;
}

double
oh_emodel_mos (double r)
{
  if (r <= 0.0)
    return 1.0;
  if (r >= 100.0)
    return 4.5;
  /* the cubic dips a hair below 1 for small R */
  return MAX (1.0, 1.0 + 0.035 * r + r * (r - 60.0) * (100.0 - r) * 7e-6);
}
