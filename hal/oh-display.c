/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* A phone display, whatever draws it: the interface the UI writes to.
 *
 * The UI draws into the display's #OhFrame (clear, text with attributes,
 * the softkey row) and calls oh_display_flush() once the screen is
 * complete; the backend then shows the whole frame at once, so a person
 * never sees half a screen. */
#define G_LOG_DOMAIN "offhook-hal"

#include "oh-display.h"

#include <unistd.h>

#include "oh-fbdev-display.h"
#include "oh-hal-error.h"
#include "oh-terminal-display.h"

G_DEFINE_INTERFACE (OhDisplay, oh_display, G_TYPE_OBJECT)

#define TERMINAL_COLS 32
#define TERMINAL_ROWS 8

static void
oh_display_default_init (OhDisplayInterface *iface)
{
}

static OhDisplay *
new_terminal (const char *size, GError **error)
{
  guint64 cols = TERMINAL_COLS, rows = TERMINAL_ROWS;

  if (size) {
    g_auto(GStrv) parts = g_strsplit (size, "x", 2);

    if (!parts[1]
        || !g_ascii_string_to_unsigned (parts[0], 10, 8, 500, &cols, NULL)
        || !g_ascii_string_to_unsigned (parts[1], 10, 2, 200, &rows, NULL)) {
      g_set_error (error, OH_HAL_ERROR, OH_HAL_ERROR_INVALID,
                   "terminal display size \"%s\" is not COLSxROWS (8x2 to 500x200)", size);
      return NULL;
    }
  }
  return OH_DISPLAY (oh_terminal_display_new (STDOUT_FILENO, (guint) cols, (guint) rows));
}

/**
 * oh_display_new:
 * @spec: which display: `terminal` (ANSI on standard output, 32×8),
 *   `terminal:COLSxROWS`, `fbdev` (/dev/fb0) or `fbdev:PATH`
 * @error: set when @spec is wrong or the framebuffer cannot be used
 */
OhDisplay *
oh_display_new (const char *spec, GError **error)
{
  g_auto(GStrv) parts = NULL;

  g_return_val_if_fail (spec != NULL, NULL);

  parts = g_strsplit (spec, ":", 2);
  if (g_str_equal (parts[0], "terminal"))
    return new_terminal (parts[1], error);
  if (g_str_equal (parts[0], "fbdev"))
    return OH_DISPLAY (oh_fbdev_display_new (parts[1] ? parts[1] : "/dev/fb0", 1, error));
  g_set_error (error, OH_HAL_ERROR, OH_HAL_ERROR_INVALID,
               "display \"%s\" is not terminal[:COLSxROWS] or fbdev[:PATH]", spec);
  return NULL;
}

OhFrame *
oh_display_get_frame (OhDisplay *self)
{
  g_return_val_if_fail (OH_IS_DISPLAY (self), NULL);
  return OH_DISPLAY_GET_IFACE (self)->get_frame (self);
}

guint
oh_display_get_cols (OhDisplay *self)
{
  return oh_frame_get_cols (oh_display_get_frame (self));
}

guint
oh_display_get_rows (OhDisplay *self)
{
  return oh_frame_get_rows (oh_display_get_frame (self));
}

void
oh_display_clear (OhDisplay *self)
{
  oh_frame_clear (oh_display_get_frame (self));
}

/* See oh_frame_text(). */
void
oh_display_text (OhDisplay *self, guint row, guint col, const char *text, OhTextAttr attr)
{
  oh_frame_text (oh_display_get_frame (self), row, col, text, attr);
}

/* See oh_frame_softkeys(). */
void
oh_display_softkeys (OhDisplay *self, const char * const *labels)
{
  oh_frame_softkeys (oh_display_get_frame (self), labels);
}

gboolean
oh_display_flush (OhDisplay *self, GError **error)
{
  g_return_val_if_fail (OH_IS_DISPLAY (self), FALSE);
  return OH_DISPLAY_GET_IFACE (self)->flush (self, error);
}

/* The frame as a PNG, drawn with the built-in font (see oh_frame_write_png()). */
gboolean
oh_display_write_png (OhDisplay *self, const char *path, GError **error)
{
  return oh_frame_write_png (oh_display_get_frame (self), path, error);
}
