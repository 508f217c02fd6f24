/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* A phone display, whatever draws it: the interface the UI writes to. */
#pragma once

#include <glib-object.h>

#include "oh-frame.h"

G_BEGIN_DECLS

#define OH_TYPE_DISPLAY (oh_display_get_type ())
G_DECLARE_INTERFACE (OhDisplay, oh_display, OH, DISPLAY, GObject)

/**
 * OhDisplayInterface:
 * @get_frame: the frame the display shows on the next flush
 * @flush: shows the frame
 */
struct _OhDisplayInterface {
  GTypeInterface parent_iface;

  OhFrame  *(*get_frame) (OhDisplay  *self);
  gboolean  (*flush)     (OhDisplay  *self,
                          GError    **error);
};

OhDisplay *oh_display_new       (const char         *spec,
                                 GError            **error);
OhFrame   *oh_display_get_frame (OhDisplay          *self);
guint      oh_display_get_cols  (OhDisplay          *self);
guint      oh_display_get_rows  (OhDisplay          *self);
void       oh_display_clear     (OhDisplay          *self);
void       oh_display_text      (OhDisplay          *self,
                                 guint               row,
                                 guint               col,
                                 const char         *text,
                                 OhTextAttr          attr);
void       oh_display_softkeys  (OhDisplay          *self,
                                 const char * const *labels);
gboolean   oh_display_flush     (OhDisplay          *self,
                                 GError            **error);
gboolean   oh_display_write_png (OhDisplay          *self,
                                 const char         *path,
                                 GError            **error);

G_END_DECLS
