/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* What the hal tests share: a bounded wait on the main loop, the test data folder. */
#pragma once

#include <glib.h>
#include <offhook-hal.h>

G_BEGIN_DECLS

typedef gboolean (*HalTestCondition) (gpointer data);

void   hal_test_init       (int             *argc,
                            char          ***argv);
void   hal_test_wait       (HalTestCondition condition,
                            gpointer         data,
                            const char      *what);
void   hal_test_run_for    (guint            ms);
char  *hal_test_data_path  (const char      *name);
char  *hal_test_read_data  (const char      *name);
void   hal_test_draw_call  (OhFrame         *frame);

G_END_DECLS
