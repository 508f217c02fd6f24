/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* One call: its state machine, its SIP dialog and its media session. */
#pragma once

#include "oh-account.h"
#include "media/oh-media-mixer.h"
#include "oh-config.h"
#include "oh-dbus-generated.h"
#include "oh-sip.h"
#include "oh-tones.h"

G_BEGIN_DECLS

#define OH_TYPE_CALL (oh_call_get_type ())
G_DECLARE_FINAL_TYPE (OhCall, oh_call, OH, CALL, OhDbusCallSkeleton)

typedef struct {
  const char *target;       /* normalised SIP URI */
  gboolean anonymous;
  gboolean auto_answer;
  /* a call made because the far end of @referred_from transferred us */
  OhCall *referred_from;
  const char *referred_by;
  const char *replaces;
} OhCallDial;

OhCall       *oh_call_new_outgoing   (OhSip               *sip,
                                      OhConfig            *config,
                                      OhTones             *tones,
                                      OhAccount           *account,
                                      guint                number,
                                      const OhCallDial    *dial,
                                      GError             **error);
OhCall       *oh_call_new_incoming   (OhSip               *sip,
                                      OhConfig            *config,
                                      OhTones             *tones,
                                      OhAccount           *account,
                                      guint                number,
                                      OhSipHandle         *handle,
                                      const OhSipIncoming *incoming,
                                      GError             **error);
const char   *oh_call_get_path       (OhCall              *self);
const char   *oh_call_get_alert_info (OhCall              *self);
gboolean      oh_call_is_over        (OhCall              *self);
void          oh_call_ring           (OhCall              *self,
                                      gboolean             waiting);
void          oh_call_hold           (OhCall              *self,
                                      gboolean             hold);
void          oh_call_answer         (OhCall              *self);
void          oh_call_transfer       (OhCall              *self,
                                      GDBusMethodInvocation *invocation,
                                      const char          *target,
                                      OhCall              *replaces);
void          oh_call_decline_referral (OhCall            *self,
                                      guint                status,
                                      const char          *phrase);
void          oh_call_replace        (OhCall              *self,
                                      OhCall              *old);
void          oh_call_set_mixer      (OhCall              *self,
                                      OhMediaMixer        *mixer);
void          oh_call_hangup         (OhCall              *self);
void          oh_call_reject         (OhCall              *self,
                                      guint                status,
                                      const char          *phrase);
void          oh_call_forward        (OhCall              *self,
                                      const char          *target);
void          oh_call_auto_answer    (OhCall              *self,
                                      guint                delay_s);
gboolean      oh_call_is_auto_answering (OhCall           *self);

G_END_DECLS
