/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The ITU-T G.107 E-model, simplified: a call's estimated listening quality
 * (MOS) from its codec, packet loss and mouth-to-ear delay. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* What G.113 Appendix I says about a codec: its equipment impairment and
 * how well it stands packet loss. */
typedef struct {
  double ie;   /* equipment impairment factor Ie */
  double bpl;  /* packet-loss robustness factor Bpl */
} OhEmodelCodec;

gboolean oh_emodel_codec         (const char          *encoding,
                                  OhEmodelCodec       *codec);
double   oh_emodel_r             (const OhEmodelCodec *codec,
                                  double               loss_percent,
                                  double               delay_ms);
double   oh_emodel_mos           (double               r);

G_END_DECLS
