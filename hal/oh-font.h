/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The built-in bitmap font, generated at build time from a console font. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

guint    oh_font_get_width  (void);
guint    oh_font_get_height (void);
gboolean oh_font_has_glyph  (gunichar c);
gboolean oh_font_pixel      (gunichar c,
                             guint    x,
                             guint    y);

G_END_DECLS
