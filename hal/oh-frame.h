/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* What a phone display shows: a grid of character cells, and its picture. */
#pragma once

#include <glib-object.h>

G_BEGIN_DECLS

/**
 * OhTextAttr:
 * @OH_TEXT_NORMAL: dark on light
 * @OH_TEXT_INVERSE: light on dark (a selected line, the softkey row)
 * @OH_TEXT_BOLD: heavier strokes
 */
typedef enum /*< flags >*/ {
  OH_TEXT_NORMAL = 0,
  OH_TEXT_INVERSE = 1 << 0,
  OH_TEXT_BOLD = 1 << 1,
} OhTextAttr;

/* The colours of oh_frame_render(): an LCD's dark ink on its pale glass. */
#define OH_FRAME_INK   0x1c2a1cu
#define OH_FRAME_GLASS 0xc4d4b4u

/* Symbols the built-in font has, for icons. */
#define OH_GLYPH_ARROW_LEFT  "\342\206\220"   /* ← */
#define OH_GLYPH_ARROW_UP    "\342\206\221"   /* ↑ */
#define OH_GLYPH_ARROW_RIGHT "\342\206\222"   /* → */
#define OH_GLYPH_ARROW_DOWN  "\342\206\223"   /* ↓ */
#define OH_GLYPH_DOT         "\342\227\217"   /* ● */
#define OH_GLYPH_SQUARE      "\342\226\240"   /* ■ */
#define OH_GLYPH_BLOCK       "\342\226\210"   /* █ */
#define OH_GLYPH_SHADE       "\342\226\222"   /* ▒ */
#define OH_GLYPH_PLAY        "\342\226\266"   /* ▶ */
#define OH_GLYPH_CROSS       "\303\227"       /* × */

#define OH_TYPE_FRAME (oh_frame_get_type ())
G_DECLARE_FINAL_TYPE (OhFrame, oh_frame, OH, FRAME, GObject)

OhFrame    *oh_frame_new           (guint               cols,
                                    guint               rows);
guint       oh_frame_get_cols      (OhFrame            *self);
guint       oh_frame_get_rows      (OhFrame            *self);
void        oh_frame_clear         (OhFrame            *self);
void        oh_frame_text          (OhFrame            *self,
                                    guint               row,
                                    guint               col,
                                    const char         *text,
                                    OhTextAttr          attr);
void        oh_frame_softkeys      (OhFrame            *self,
                                    const char * const *labels);
gunichar    oh_frame_get_char      (OhFrame            *self,
                                    guint               row,
                                    guint               col);
OhTextAttr  oh_frame_get_attr      (OhFrame            *self,
                                    guint               row,
                                    guint               col);
char       *oh_frame_get_row_text  (OhFrame            *self,
                                    guint               row);
guint32    *oh_frame_render        (OhFrame            *self,
                                    guint               scale,
                                    guint              *width,
                                    guint              *height);
gboolean    oh_frame_write_png     (OhFrame            *self,
                                    const char         *path,
                                    GError            **error);

G_END_DECLS
