/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The phone's dial plan: when collected digits are a number to dial. */
#pragma once

#include <glib.h>

#include "oh-config.h"

G_BEGIN_DECLS

#define OH_DIAL_PLAN_MORE_MS 15000  /* a UI gives up collecting after this */
#define OH_DIAL_PLAN_OPEN_MS 4000   /* no plan: dial after this long without a digit */

typedef struct _OhDialPlan OhDialPlan;

OhDialPlan  *oh_dial_plan_new          (void);
OhDialPlan  *oh_dial_plan_new_from_config (OhConfig    *config);
void         oh_dial_plan_free         (OhDialPlan  *self);
gboolean     oh_dial_plan_add_rule     (OhDialPlan  *self,
                                        const char  *match,
                                        guint        timeout_ms,
                                        guint        strip,
                                        const char  *prefix,
                                        GError     **error);
const char  *oh_dial_plan_match        (OhDialPlan  *self,
                                        const char  *digits,
                                        guint       *timeout_ms,
                                        char       **target,
                                        GError     **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (OhDialPlan, oh_dial_plan_free)

G_END_DECLS
