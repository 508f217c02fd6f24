/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Puts the phone's screens on the display when they change, and as PNG pictures.
 *
 * Changes are drawn once per main-loop turn, and the clock (idle screen,
 * call durations) is looked at every second; a frame that looks the same as
 * the one shown is neither flushed nor written again. */
#define G_LOG_DOMAIN "offhook-ui"

#include "oh-ui-view.h"

#include "oh-ui-screens.h"

struct _OhUiView {
  GObject parent_instance;

  OhUiPhone *phone;
  OhDisplay *display;
  char *png_dir;
  guint frames;
  GString *shown;       /* the cells and attributes on the display */
  guint idle;
  guint tick;
};

G_DEFINE_TYPE (OhUiView, oh_ui_view, G_TYPE_OBJECT)

static GString *
describe (OhFrame *frame)
{
  GString *text = g_string_new (NULL);
  guint rows = oh_frame_get_rows (frame), cols = oh_frame_get_cols (frame);

  for (guint r = 0; r < rows; r++) {
    g_autofree char *row = oh_frame_get_row_text (frame, r);
    g_string_append (text, row);
    g_string_append_c (text, '\n');
    for (guint c = 0; c < cols; c++)
      g_string_append_c (text, '0' + oh_frame_get_attr (frame, r, c));
    g_string_append_c (text, '\n');
  }
  return text;
}

static void
draw (OhUiView *self)
{
  g_autoptr(GDateTime) now = g_date_time_new_now_local ();
  g_autoptr(GError) error = NULL;
  GString *frame;

  oh_ui_screens_draw (self->display, self->phone, now);
  frame = describe (oh_display_get_frame (self->display));
  if (self->shown && g_string_equal (frame, self->shown)) {
    g_string_free (frame, TRUE);
    return;
  }
  if (self->shown)
    g_string_free (self->shown, TRUE);
  self->shown = frame;
  if (!oh_display_flush (self->display, &error))
    g_warning ("display: %s", error->message);
  if (self->png_dir) {
    g_autofree char *name = g_strdup_printf ("frame-%05u.png", ++self->frames);
    g_autofree char *path = g_build_filename (self->png_dir, name, NULL);
    if (!oh_display_write_png (self->display, path, &error))
      g_warning ("%s", error->message);
  }
}

static gboolean
on_idle (gpointer data)
{
  OhUiView *self = data;

  self->idle = 0;
  draw (self);
  return G_SOURCE_REMOVE;
}

static gboolean
on_tick (gpointer data)
{
  draw (data);
  return G_SOURCE_CONTINUE;
}

static void
on_changed (OhUiPhone *phone, OhUiView *self)
{
  if (!self->idle)
    self->idle = g_idle_add (on_idle, self);
}

static void
oh_ui_view_dispose (GObject *object)
{
  OhUiView *self = OH_UI_VIEW (object);

  g_clear_handle_id (&self->idle, g_source_remove);
  g_clear_handle_id (&self->tick, g_source_remove);
  if (self->phone)
    g_signal_handlers_disconnect_by_data (self->phone, self);
  g_clear_object (&self->phone);
  g_clear_object (&self->display);
  G_OBJECT_CLASS (oh_ui_view_parent_class)->dispose (object);
}

static void
oh_ui_view_finalize (GObject *object)
{
  OhUiView *self = OH_UI_VIEW (object);

  if (self->shown)
    g_string_free (self->shown, TRUE);
  g_free (self->png_dir);
  G_OBJECT_CLASS (oh_ui_view_parent_class)->finalize (object);
}

static void
oh_ui_view_class_init (OhUiViewClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = oh_ui_view_dispose;
  object_class->finalize = oh_ui_view_finalize;
}

static void
oh_ui_view_init (OhUiView *self)
{
}

OhUiView *
oh_ui_view_new (OhUiPhone *phone, OhDisplay *display, const char *png_dir)
{
  OhUiView *self = g_object_new (OH_UI_TYPE_VIEW, NULL);

  self->phone = g_object_ref (phone);
  self->display = g_object_ref (display);
  self->png_dir = g_strdup (png_dir);
  g_signal_connect (phone, "changed", G_CALLBACK (on_changed), self);
  self->tick = g_timeout_add_seconds (1, on_tick, self);
  draw (self);
  return self;
}
