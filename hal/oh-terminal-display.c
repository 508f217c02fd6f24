/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The display drawn with ANSI escapes in a terminal: development and tmux tests.
 *
 * The display takes the top-left COLS×ROWS cells of the terminal.  Each
 * flush rewrites every row in one write(), cursor hidden, so a terminal
 * multiplexer's capture shows exactly the frame. */
#define G_LOG_DOMAIN "offhook-hal"

#include "oh-terminal-display.h"

#include <errno.h>
#include <unistd.h>

#include "oh-hal-error-private.h"

struct _OhTerminalDisplay {
  GObject parent_instance;

  int fd;
  OhFrame *frame;
  gboolean started;
};

static void oh_terminal_display_iface_init (OhDisplayInterface *iface);

G_DEFINE_TYPE_WITH_CODE (OhTerminalDisplay, oh_terminal_display, G_TYPE_OBJECT,
                         G_IMPLEMENT_INTERFACE (OH_TYPE_DISPLAY, oh_terminal_display_iface_init))

static gboolean
write_all (int fd, const char *data, gsize len, GError **error)
{
  while (len > 0) {
    gssize n = write (fd, data, len);

    if (n < 0 && errno == EINTR)
      continue;
    if (n < 0)
      return oh_hal_fail_errno (error, "cannot draw on the terminal");
    data += n;
    len -= (gsize) n;
  }
  return TRUE;
}

static void
append_attr (GString *out, OhTextAttr attr)
{
  g_string_append (out, "\033[0");
  if (attr & OH_TEXT_BOLD)
    g_string_append (out, ";1");
  if (attr & OH_TEXT_INVERSE)
    g_string_append (out, ";7");
  g_string_append_c (out, 'm');
}

static OhFrame *
oh_terminal_display_get_frame (OhDisplay *display)
{
  return OH_TERMINAL_DISPLAY (display)->frame;
}

static gboolean
oh_terminal_display_flush (OhDisplay *display, GError **error)
{
  OhTerminalDisplay *self = OH_TERMINAL_DISPLAY (display);
  g_autoptr(GString) out = g_string_new (NULL);
  guint cols = oh_frame_get_cols (self->frame);
  guint rows = oh_frame_get_rows (self->frame);

  if (!self->started) {
    /* clear the screen, hide the cursor */
    g_string_append (out, "\033[2J\033[?25l");
    self->started = TRUE;
  }
  for (guint row = 0; row < rows; row++) {
    OhTextAttr current = OH_TEXT_NORMAL;

    g_string_append_printf (out, "\033[%u;1H\033[0m", row + 1);
    for (guint col = 0; col < cols; col++) {
      OhTextAttr attr = oh_frame_get_attr (self->frame, row, col);

      if (attr != current)
        append_attr (out, attr);
      current = attr;
      g_string_append_unichar (out, oh_frame_get_char (self->frame, row, col));
    }
    g_string_append (out, "\033[0m");
  }
  return write_all (self->fd, out->str, out->len, error);
}

static void
oh_terminal_display_iface_init (OhDisplayInterface *iface)
{
  iface->get_frame = oh_terminal_display_get_frame;
  iface->flush = oh_terminal_display_flush;
}

static void
oh_terminal_display_dispose (GObject *object)
{
  OhTerminalDisplay *self = OH_TERMINAL_DISPLAY (object);
  static const char restore[] = "\033[0m\033[?25h";

  /* give the terminal its cursor back */
  if (self->started) {
    write_all (self->fd, restore, sizeof restore - 1, NULL);
    self->started = FALSE;
  }
  g_clear_object (&self->frame);
  G_OBJECT_CLASS (oh_terminal_display_parent_class)->dispose (object);
}

static void
oh_terminal_display_class_init (OhTerminalDisplayClass *klass)
{
  G_OBJECT_CLASS (klass)->dispose = oh_terminal_display_dispose;
}

static void
oh_terminal_display_init (OhTerminalDisplay *self)
{
}

/* A display of @cols × @rows cells drawn on the terminal at @fd (not closed
 * by the display). */
OhTerminalDisplay *
oh_terminal_display_new (int fd, guint cols, guint rows)
{
  OhTerminalDisplay *self = g_object_new (OH_TYPE_TERMINAL_DISPLAY, NULL);

  self->fd = fd;
  self->frame = oh_frame_new (cols, rows);
  return self;
}
