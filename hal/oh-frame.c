/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* What a phone display shows: a grid of character cells, and its picture.
 *
 * Every display backend draws from a frame: the terminal writes its cells as
 * text, the framebuffer paints oh_frame_render()'s pixels, and any frame can
 * be saved as a PNG for the documentation and for tests. */
#define G_LOG_DOMAIN "offhook-hal"

#include "oh-frame.h"

#include <png.h>
#include <stdio.h>
#include <unistd.h>

#include "oh-font.h"
#include "oh-hal-error.h"
#include "oh-hal-error-private.h"

typedef struct {
  gunichar c;
  OhTextAttr attr;
} Cell;

struct _OhFrame {
  GObject parent_instance;

  guint cols;
  guint rows;
  Cell *cells;
};

G_DEFINE_TYPE (OhFrame, oh_frame, G_TYPE_OBJECT)

static void
oh_frame_finalize (GObject *object)
{
  OhFrame *self = OH_FRAME (object);

  g_free (self->cells);
  G_OBJECT_CLASS (oh_frame_parent_class)->finalize (object);
}

static void
oh_frame_class_init (OhFrameClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = oh_frame_finalize;
}

static void
oh_frame_init (OhFrame *self)
{
}

/* An empty frame of @cols × @rows cells (each at least 1). */
OhFrame *
oh_frame_new (guint cols, guint rows)
{
  OhFrame *self = g_object_new (OH_TYPE_FRAME, NULL);

  self->cols = MAX (cols, 1);
  self->rows = MAX (rows, 1);
  self->cells = g_new0 (Cell, (gsize) self->cols * self->rows);
  oh_frame_clear (self);
  return self;
}

guint
oh_frame_get_cols (OhFrame *self)
{
  g_return_val_if_fail (OH_IS_FRAME (self), 0);
  return self->cols;
}

guint
oh_frame_get_rows (OhFrame *self)
{
  g_return_val_if_fail (OH_IS_FRAME (self), 0);
  return self->rows;
}

void
oh_frame_clear (OhFrame *self)
{
  g_return_if_fail (OH_IS_FRAME (self));

  for (gsize i = 0; i < (gsize) self->cols * self->rows; i++)
    self->cells[i] = (Cell) { ' ', OH_TEXT_NORMAL };
}

/**
 * oh_frame_text:
 * @text: UTF-8; what does not fit on the row is cut off, control
 *   characters and invalid UTF-8 show as '?'
 *
 * Writes @text from (@row, @col) to the right.  Rows and columns count from 0.
 */
void
oh_frame_text (OhFrame *self, guint row, guint col, const char *text, OhTextAttr attr)
{
  const char *p = text;

  g_return_if_fail (OH_IS_FRAME (self));
  g_return_if_fail (text != NULL);

  if (row >= self->rows)
    return;
  for (; *p && col < self->cols; col++) {
    gunichar c = g_utf8_get_char_validated (p, -1);
    gboolean valid = c != (gunichar) -1 && c != (gunichar) -2;

    self->cells[row * self->cols + col] =
      (Cell) { !valid || g_unichar_iscntrl (c) ? '?' : c, attr };
    p = valid ? g_utf8_next_char (p) : p + 1;
  }
}

/**
 * oh_frame_softkeys:
 * @labels: (array zero-terminated=1): the labels of the softkeys from
 *   left to right; "" or NULL for a key without a function
 *
 * Fills the bottom row with one inverse field per softkey, labels centred.
 */
void
oh_frame_softkeys (OhFrame *self, const char * const *labels)
{
  guint n;
  guint bottom;

  g_return_if_fail (OH_IS_FRAME (self));

  bottom = self->rows - 1;
  for (guint col = 0; col < self->cols; col++)
    self->cells[bottom * self->cols + col] = (Cell) { ' ', OH_TEXT_NORMAL };
  n = labels ? g_strv_length ((char **) labels) : 0;
  for (guint i = 0; i < n; i++) {
    guint start = self->cols * i / n;
    guint width = self->cols * (i + 1) / n - start;
    glong len;
    g_autofree char *label = NULL;
    g_autofree char *field = NULL;

    if (!*labels[i] || width < 2 || !g_utf8_validate (labels[i], -1, NULL))
      continue;
    /* a gap of one cell between fields */
    width -= 1;
    len = MIN (g_utf8_strlen (labels[i], -1), (glong) width);
    label = g_utf8_substring (labels[i], 0, len);
    field = g_strdup_printf ("%*s%s%*s", (int) ((width - len) / 2), "", label,
                             (int) (width - len - (width - len) / 2), "");
    oh_frame_text (self, bottom, start, field, OH_TEXT_INVERSE);
  }
}

gunichar
oh_frame_get_char (OhFrame *self, guint row, guint col)
{
  g_return_val_if_fail (OH_IS_FRAME (self), 0);
  g_return_val_if_fail (row < self->rows && col < self->cols, 0);
  return self->cells[row * self->cols + col].c;
}

OhTextAttr
oh_frame_get_attr (OhFrame *self, guint row, guint col)
{
  g_return_val_if_fail (OH_IS_FRAME (self), OH_TEXT_NORMAL);
  g_return_val_if_fail (row < self->rows && col < self->cols, OH_TEXT_NORMAL);
  return self->cells[row * self->cols + col].attr;
}

/* Row @row as UTF-8, attributes left out, trailing spaces kept. */
char *
oh_frame_get_row_text (OhFrame *self, guint row)
{
  GString *text;

  g_return_val_if_fail (OH_IS_FRAME (self), NULL);
  g_return_val_if_fail (row < self->rows, NULL);

  text = g_string_new (NULL);
  for (guint col = 0; col < self->cols; col++)
    g_string_append_unichar (text, self->cells[row * self->cols + col].c);
  return g_string_free (text, FALSE);
}

static gboolean
ink_at (const Cell *cell, guint x, guint y)
{
  gboolean set = oh_font_pixel (cell->c, x, y);

  /* bold: each stroke one pixel wider to the right */
  if ((cell->attr & OH_TEXT_BOLD) && x > 0)
    set = set || oh_font_pixel (cell->c, x - 1, y);
  return set != !!(cell->attr & OH_TEXT_INVERSE);
}

/**
 * oh_frame_render:
 * @scale: pixels per font pixel (1 or more)
 * @width: (out): the picture's width: columns × font width × @scale
 * @height: (out): rows × font height × @scale
 *
 * Returns: (transfer full): the frame drawn with the built-in font, one
 *   0xRRGGBB value per pixel, row after row; free with g_free()
 */
guint32 *
oh_frame_render (OhFrame *self, guint scale, guint *width, guint *height)
{
  guint fw = oh_font_get_width ();
  guint fh = oh_font_get_height ();
  guint32 *pixels;

  g_return_val_if_fail (OH_IS_FRAME (self), NULL);

  scale = MAX (scale, 1);
  *width = self->cols * fw * scale;
  *height = self->rows * fh * scale;
  pixels = g_new (guint32, (gsize) *width * *height);
  for (guint y = 0; y < *height; y++) {
    for (guint x = 0; x < *width; x++) {
      guint px = x / scale;
      guint py = y / scale;
      const Cell *cell = &self->cells[(py / fh) * self->cols + px / fw];

      pixels[(gsize) y * *width + x] = ink_at (cell, px % fw, py % fh) ? OH_FRAME_INK : OH_FRAME_GLASS;
    }
  }
  return pixels;
}

/* libpng reports errors by longjmp(): nothing here lives across it but
 * libpng's own state. */
static gboolean
encode_png (FILE *file, const guint32 *pixels, guint8 *row, guint width, guint height)
{
  png_structp png = png_create_write_struct (PNG_LIBPNG_VER_STRING, NULL, NULL, NULL);
  png_infop info = png ? png_create_info_struct (png) : NULL;

  if (!info) {
    png_destroy_write_struct (&png, NULL);
    return FALSE;
  }
  if (setjmp (png_jmpbuf (png))) {
    png_destroy_write_struct (&png, &info);
    return FALSE;
  }
  png_init_io (png, file);
  png_set_IHDR (png, info, width, height, 8, PNG_COLOR_TYPE_RGB, PNG_INTERLACE_NONE,
                PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
  png_write_info (png, info);
  for (guint y = 0; y < height; y++) {
    for (guint x = 0; x < width; x++) {
      guint32 p = pixels[(gsize) y * width + x];

      row[x * 3] = (guint8) (p >> 16);
      row[x * 3 + 1] = (guint8) (p >> 8);
      row[x * 3 + 2] = (guint8) p;
    }
    png_write_row (png, row);
  }
  png_write_end (png, info);
  png_destroy_write_struct (&png, &info);
  return TRUE;
}

/* Saves the frame as drawn by oh_frame_render() at scale 1, as an RGB PNG.
 * It is written beside @path and renamed onto it, so that a reader of
 * @path never sees half a picture. */
gboolean
oh_frame_write_png (OhFrame *self, const char *path, GError **error)
{
  g_autofree guint32 *pixels = NULL;
  g_autofree guint8 *row = NULL;
  g_autofree char *part = NULL;
  guint width, height;
  gboolean encoded;
  FILE *file;

  g_return_val_if_fail (OH_IS_FRAME (self), FALSE);

  part = g_strconcat (path, ".part", NULL);
  file = fopen (part, "wb");
  if (!file)
    return oh_hal_fail_errno (error, "cannot write %s", part);
  pixels = oh_frame_render (self, 1, &width, &height);
  row = g_malloc ((gsize) width * 3);
  encoded = encode_png (file, pixels, row, width, height);
  if (fclose (file) != 0) {
    oh_hal_fail_errno (error, "cannot write %s", part);
    unlink (part);
    return FALSE;
  }
  if (!encoded) {
    g_set_error (error, OH_HAL_ERROR, OH_HAL_ERROR_FAILED, "cannot encode %s as PNG", path);
    unlink (part);
    return FALSE;
  }
  if (rename (part, path) != 0) {
    oh_hal_fail_errno (error, "cannot write %s", path);
    unlink (part);
    return FALSE;
  }
  return TRUE;
}
