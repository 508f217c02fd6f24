/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The display: frames, the terminal backend (bytes written, and the screen
 * a real tmux shows), PNG pictures against the committed expected one. */
#include <glib/gstdio.h>
#include <offhook-hal.h>
#include <png.h>
#include <unistd.h>

#include "hal-test-util.h"

#define ESC "\033"

static void
test_frame (void)
{
  static const char * const softkeys[] = { "Hold", "Transfer", "Conference", "", NULL };
  g_autoptr(OhFrame) frame = oh_frame_new (20, 4);
  g_autofree char *row0 = NULL;
  g_autofree char *row1 = NULL;
  g_autofree char *row3 = NULL;

  oh_frame_text (frame, 0, 0, "Hello", OH_TEXT_NORMAL);
  oh_frame_text (frame, 0, 18, "abc", OH_TEXT_NORMAL);          /* cut at the edge */
  oh_frame_text (frame, 1, 2, "B\xff\t" OH_GLYPH_ARROW_UP, OH_TEXT_BOLD);
  oh_frame_text (frame, 9, 0, "off the screen", OH_TEXT_NORMAL);
  oh_frame_softkeys (frame, softkeys);

  row0 = oh_frame_get_row_text (frame, 0);
  row1 = oh_frame_get_row_text (frame, 1);
  row3 = oh_frame_get_row_text (frame, 3);
  g_assert_cmpstr (row0, ==, "Hello             ab");
  g_assert_cmpstr (row1, ==, "  B??" OH_GLYPH_ARROW_UP "              ");
  g_assert_cmpint (oh_frame_get_attr (frame, 1, 2), ==, OH_TEXT_BOLD);
  g_assert_cmpint (oh_frame_get_attr (frame, 1, 6), ==, OH_TEXT_NORMAL);
  /* four fields of five cells: four for the label, one gap */
  g_assert_cmpstr (row3, ==, "Hold Tran Conf      ");
  g_assert_cmpint (oh_frame_get_attr (frame, 3, 0), ==, OH_TEXT_INVERSE);
  g_assert_cmpint (oh_frame_get_attr (frame, 3, 4), ==, OH_TEXT_NORMAL);
  g_assert_cmpint (oh_frame_get_attr (frame, 3, 15), ==, OH_TEXT_NORMAL);

  oh_frame_clear (frame);
  g_free (row0);
  row0 = oh_frame_get_row_text (frame, 0);
  g_assert_cmpstr (row0, ==, "                    ");
}

static void
test_spec (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(OhDisplay) display = oh_display_new ("terminal:40x10", &error);

  g_assert_no_error (error);
  g_assert_true (OH_IS_TERMINAL_DISPLAY (display));
  g_assert_cmpuint (oh_display_get_cols (display), ==, 40);
  g_assert_cmpuint (oh_display_get_rows (display), ==, 10);

  g_assert_null (oh_display_new ("terminal:4x1", &error));
  g_assert_error (error, OH_HAL_ERROR, OH_HAL_ERROR_INVALID);
  g_clear_error (&error);
  g_assert_null (oh_display_new ("lcd", &error));
  g_assert_error (error, OH_HAL_ERROR, OH_HAL_ERROR_INVALID);
  g_clear_error (&error);
  g_assert_null (oh_display_new ("fbdev:/nonexistent/fb9", &error));
  g_assert_error (error, OH_HAL_ERROR, OH_HAL_ERROR_FAILED);
  g_assert_nonnull (strstr (error->message, "/nonexistent/fb9"));
}

static char *
read_available (int fd)
{
  char buf[4096];
  gssize n = read (fd, buf, sizeof buf);

  g_assert_cmpint (n, >, 0);
  return g_strndup (buf, (gsize) n);
}

/* What the terminal backend writes: position, attributes, text, per row. */
static void
test_terminal_bytes (void)
{
  static const char * const softkeys[] = { "OK", NULL };
  g_autoptr(OhDisplay) display = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *first = NULL;
  g_autofree char *second = NULL;
  g_autofree char *last = NULL;
  int fds[2];

  g_assert_cmpint (pipe (fds), ==, 0);
  display = OH_DISPLAY (oh_terminal_display_new (fds[1], 12, 2));
  oh_display_text (display, 0, 0, "Dial", OH_TEXT_BOLD);
  oh_display_text (display, 0, 5, "1002", OH_TEXT_NORMAL);
  oh_display_softkeys (display, softkeys);
  g_assert_true (oh_display_flush (display, &error));
  g_assert_no_error (error);
  first = read_available (fds[0]);
  g_assert_cmpstr (first, ==,
                   ESC "[2J" ESC "[?25l"
                   ESC "[1;1H" ESC "[0m" ESC "[0;1mDial" ESC "[0m 1002   " ESC "[0m"
                   ESC "[2;1H" ESC "[0m" ESC "[0;7m    OK     " ESC "[0m " ESC "[0m");

  oh_display_clear (display);
  g_assert_true (oh_display_flush (display, &error));
  second = read_available (fds[0]);
  g_assert_cmpstr (second, ==,
                   ESC "[1;1H" ESC "[0m            " ESC "[0m"
                   ESC "[2;1H" ESC "[0m            " ESC "[0m");

  g_clear_object (&display);
  last = read_available (fds[0]);
  g_assert_cmpstr (last, ==, ESC "[0m" ESC "[?25h");
  close (fds[0]);
  close (fds[1]);
}

/* The tmux pane of test_tmux(): draws the call screen and tells tmux. */
static int
draw_for_tmux (const char *channel)
{
  g_autoptr(OhTerminalDisplay) display = oh_terminal_display_new (STDOUT_FILENO, 40, 15);
  g_autoptr(GError) error = NULL;
  const char *signal_argv[] = { "tmux", "wait-for", "-S", channel, NULL };

  hal_test_draw_call (oh_display_get_frame (OH_DISPLAY (display)));
  if (!oh_display_flush (OH_DISPLAY (display), &error)
      || !g_spawn_sync (NULL, (char **) signal_argv, NULL, G_SPAWN_SEARCH_PATH, NULL, NULL, NULL,
                        NULL, NULL, &error))
    return 1;
  /* stay on screen until tmux goes */
  pause ();
  return 0;
}

static char *
tmux (const char *socket, GError **error, ...)
{
  g_autoptr(GPtrArray) argv = g_ptr_array_new ();
  char *out = NULL;
  gint status = 0;
  const char *arg;
  va_list args;

  g_ptr_array_add (argv, (char *) "timeout");
  g_ptr_array_add (argv, (char *) "10");
  g_ptr_array_add (argv, (char *) "tmux");
  g_ptr_array_add (argv, (char *) "-L");
  g_ptr_array_add (argv, (char *) socket);
  va_start (args, error);
  while ((arg = va_arg (args, const char *)))
    g_ptr_array_add (argv, (char *) arg);
  va_end (args);
  g_ptr_array_add (argv, NULL);
  if (!g_spawn_sync (NULL, (char **) argv->pdata, NULL, G_SPAWN_SEARCH_PATH, NULL, NULL, &out,
                     NULL, &status, error)
      || !g_spawn_check_wait_status (status, error)) {
    g_free (out);
    return NULL;
  }
  return out;
}

/* The terminal display in a real tmux: what a developer sees, read back
 * with capture-pane. */
static void
test_tmux (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *socket = g_strdup_printf ("oh-hal-test-%d", (int) getpid ());
  g_autofree char *channel = g_strdup_printf ("drawn-%d", (int) getpid ());
  g_autofree char *self = g_file_read_link ("/proc/self/exe", NULL);
  g_autofree char *command = g_strdup_printf ("%s --draw-for-tmux %s", self, channel);
  g_autofree char *started = NULL;
  g_autofree char *waited = NULL;
  g_autofree char *screen = NULL;
  g_autofree char *escaped = NULL;
  g_autoptr(OhFrame) frame = oh_frame_new (40, 15);
  g_auto(GStrv) lines = NULL;

  hal_test_draw_call (frame);
  g_setenv ("TERM", "xterm", FALSE);
  started = tmux (socket, &error, "-f", "/dev/null", "new-session", "-d", "-x", "60", "-y", "20",
                  command, NULL);
  g_assert_no_error (error);
  waited = tmux (socket, &error, "wait-for", channel, NULL);
  g_assert_no_error (error);
  screen = tmux (socket, &error, "capture-pane", "-p", NULL);
  g_assert_no_error (error);
  escaped = tmux (socket, &error, "capture-pane", "-p", "-e", NULL);
  g_assert_no_error (error);
  g_free (tmux (socket, NULL, "kill-server", NULL));

  lines = g_strsplit (screen, "\n", -1);
  g_assert_cmpuint (g_strv_length (lines), >=, 15);
  for (guint row = 0; row < 15; row++) {
    g_autofree char *expected = oh_frame_get_row_text (frame, row);

    /* capture-pane drops trailing blanks */
    g_assert_cmpstr (g_strchomp (lines[row]), ==, g_strchomp (expected));
  }
  /* the status line is inverse, the caller's name bold */
  g_assert_true (g_str_has_prefix (escaped, ESC "[7m work 1001"));
  g_assert_nonnull (strstr (escaped, ESC "[1mAlice Example"));
}

static guint32 *
read_png (const char *path, guint *width, guint *height)
{
  png_image image = { .version = PNG_IMAGE_VERSION };
  g_autofree guint8 *rgb = NULL;
  guint32 *pixels;

  g_assert_true (png_image_begin_read_from_file (&image, path));
  image.format = PNG_FORMAT_RGB;
  rgb = g_malloc (PNG_IMAGE_SIZE (image));
  g_assert_true (png_image_finish_read (&image, NULL, rgb, 0, NULL));
  *width = image.width;
  *height = image.height;
  pixels = g_new (guint32, (gsize) image.width * image.height);
  for (gsize i = 0; i < (gsize) image.width * image.height; i++)
    pixels[i] = (guint32) rgb[i * 3] << 16 | (guint32) rgb[i * 3 + 1] << 8 | rgb[i * 3 + 2];
  return pixels;
}

/* A frame saved as PNG is the picture the framebuffer shows, and the call
 * screen is still the one committed as tests/hal/data/call-screen.png
 * (looked at by a person when it was made). */
static void
test_png (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(OhFrame) frame = oh_frame_new (40, 15);
  g_autofree char *dir = g_dir_make_tmp ("oh-hal-png-XXXXXX", &error);
  g_autofree char *written = g_build_filename (dir, "call-screen.png", NULL);
  g_autofree char *expected = hal_test_data_path ("call-screen.png");
  g_autofree guint32 *rendered = NULL;
  g_autofree guint32 *decoded = NULL;
  g_autofree guint32 *committed = NULL;
  guint width, height, w2, h2, w3, h3;

  g_assert_no_error (error);
  hal_test_draw_call (frame);
  g_assert_true (oh_frame_write_png (frame, written, &error));
  g_assert_no_error (error);

  rendered = oh_frame_render (frame, 1, &width, &height);
  g_assert_cmpuint (width, ==, 320);
  g_assert_cmpuint (height, ==, 240);
  decoded = read_png (written, &w2, &h2);
  g_assert_cmpuint (w2, ==, width);
  g_assert_cmpuint (h2, ==, height);
  g_assert_cmpmem (decoded, width * height * 4, rendered, width * height * 4);

  committed = read_png (expected, &w3, &h3);
  g_assert_cmpuint (w3, ==, width);
  g_assert_cmpuint (h3, ==, height);
  if (memcmp (committed, rendered, (gsize) width * height * 4) != 0) {
    g_printerr ("%s differs from %s, kept for a look\n", written, expected);
    g_assert_not_reached ();
  }
  g_assert_cmpint (g_remove (written), ==, 0);
  g_assert_cmpint (g_rmdir (dir), ==, 0);

  g_assert_false (oh_frame_write_png (frame, "/nonexistent/dir/x.png", &error));
  g_assert_error (error, OH_HAL_ERROR, OH_HAL_ERROR_FAILED);
}

int
main (int argc, char **argv)
{
  if (argc == 3 && g_str_equal (argv[1], "--draw-for-tmux"))
    return draw_for_tmux (argv[2]);

  hal_test_init (&argc, &argv);
  g_test_add_func ("/hal/display/frame", test_frame);
  g_test_add_func ("/hal/display/spec", test_spec);
  g_test_add_func ("/hal/display/terminal-bytes", test_terminal_bytes);
  g_test_add_func ("/hal/display/tmux", test_tmux);
  g_test_add_func ("/hal/display/png", test_png);
  return g_test_run ();
}
