/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Loads offhookd's modules when first needed: media (GStreamer) when a call
 * needs audio, pulse (libpulse) when a sound plays or a call starts. */
#pragma once

#include "media/oh-media-session.h"
#include "media/oh-ringtone.h"
#include "pulse/oh-pulse.h"

G_BEGIN_DECLS

typedef struct {
  __typeof__ (oh_media_session_new) *session_new;
  __typeof__ (oh_media_session_start) *start;
  __typeof__ (oh_media_session_stop) *stop;
  __typeof__ (oh_media_session_send_dtmf) *send_dtmf;
  __typeof__ (oh_media_session_set_sending) *set_sending;
  __typeof__ (oh_media_session_set_echo_cancel) *set_echo_cancel;
  __typeof__ (oh_media_session_get_statistics) *get_statistics;
  __typeof__ (oh_ringtone_decode) *decode_ringtone;
  __typeof__ (oh_media_mixer_new) *mixer_new;
  __typeof__ (oh_media_session_set_mixer) *set_mixer;
} OhMediaApi;

typedef struct {
  __typeof__ (oh_pulse_new) *pulse_new;
  __typeof__ (oh_pulse_apply) *apply;
  __typeof__ (oh_pulse_play) *play;
  __typeof__ (oh_pulse_stop) *stop;
} OhPulseApi;

const OhMediaApi *oh_media_loader_get       (GError **error);
const OhPulseApi *oh_media_loader_get_pulse (GError **error);

G_END_DECLS
