/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The built-in bitmap font, generated at build time from a console font.
 *
 * oh-font-data.h is made by gen-font.py from a PSF font of Debian's
 * console-setup-linux (Terminus, 8×16, Latin-1 plus arrows, blocks and box
 * drawing): no font is copied into the tree, and a phone with an unusual
 * display can be built with another console font. */
#include "oh-font.h"

#include "oh-font-data.h"

guint
oh_font_get_width (void)
{
  return OH_FONT_WIDTH;
}

guint
oh_font_get_height (void)
{
  return OH_FONT_HEIGHT;
}

static int
compare_codepoint (const void *key, const void *entry)
{
  guint32 c = *(const guint32 *) key;
  guint32 other = *(const guint32 *) entry;

  return c < other ? -1 : c > other;
}

static gint
find_glyph (gunichar c)
{
  guint32 key = c;
  const void *found = bsearch (&key, oh_font_map, G_N_ELEMENTS (oh_font_map),
                               sizeof oh_font_map[0], compare_codepoint);

  return found ? (gint) ((const __typeof__ (oh_font_map[0]) *) found)->glyph : -1;
}

gboolean
oh_font_has_glyph (gunichar c)
{
  return find_glyph (c) >= 0;
}

/* Whether pixel (@x, @y) of @c's glyph is set; a character the font lacks
 * shows as its replacement glyph. */
gboolean
oh_font_pixel (gunichar c, guint x, guint y)
{
  gint glyph = find_glyph (c);
  const guint8 *row;

  if (glyph < 0)
    glyph = OH_FONT_FALLBACK;
  if (x >= OH_FONT_WIDTH || y >= OH_FONT_HEIGHT)
    return FALSE;
  row = oh_font_glyphs[glyph] + y * OH_FONT_ROW_BYTES;
  return (row[x / 8] >> (7 - x % 8)) & 1;
}
