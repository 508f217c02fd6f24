/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* What the hal tests share: a bounded wait on the main loop, the test data folder. */
#include "hal-test-util.h"

#define WAIT_LIMIT_US (5 * G_USEC_PER_SEC)

static gboolean
on_deadline (gpointer data)
{
  *(gboolean *) data = TRUE;
  return G_SOURCE_REMOVE;
}

static void
drop_message (const char *domain, GLogLevelFlags level, const char *message, gpointer data)
{
}

/* g_test_init(), with umockdev's debug messages only when G_MESSAGES_DEBUG
 * asks for them: it narrates every replayed event, in bytes that are not
 * text, and a TAP reader stumbles over them. */
void
hal_test_init (int *argc, char ***argv)
{
  g_test_init (argc, argv, NULL);
  if (!g_getenv ("G_MESSAGES_DEBUG"))
    g_log_set_handler (NULL, G_LOG_LEVEL_DEBUG, drop_message, NULL);
}

/* Runs the main loop until @condition holds; fails the test naming @what
 * when it does not within 5 seconds. */
void
hal_test_wait (HalTestCondition condition, gpointer data, const char *what)
{
  gboolean expired = FALSE;
  guint timer = g_timeout_add (WAIT_LIMIT_US / 1000, on_deadline, &expired);

  while (!condition (data) && !expired)
    g_main_context_iteration (NULL, TRUE);
  g_clear_handle_id (&timer, g_source_remove);
  if (!condition (data)) {
    g_printerr ("timed out after 5 s waiting for %s\n", what);
    g_assert_not_reached ();
  }
}

/* Runs the main loop for @ms: for checking that something does NOT happen
 * within a bound (a bounce shorter than the debounce time). */
void
hal_test_run_for (guint ms)
{
  gboolean expired = FALSE;

  g_timeout_add (ms, on_deadline, &expired);
  while (!expired)
    g_main_context_iteration (NULL, TRUE);
}

/* A file of tests/hal/data (the folder comes from meson as HAL_TEST_DATA). */
char *
hal_test_data_path (const char *name)
{
  const char *dir = g_getenv ("HAL_TEST_DATA");

  g_assert_nonnull (dir);
  return g_build_filename (dir, name, NULL);
}

char *
hal_test_read_data (const char *name)
{
  g_autofree char *path = hal_test_data_path (name);
  g_autoptr(GError) error = NULL;
  char *contents = NULL;

  g_file_get_contents (path, &contents, NULL, &error);
  g_assert_no_error (error);
  return contents;
}

/* A phone's screen during a call, on a frame of any size: the picture the
 * display tests compare and the README shows. */
void
hal_test_draw_call (OhFrame *frame)
{
  static const char * const softkeys[] = { "Hold", "Transfer", "Conf", "End", NULL };
  guint rows = oh_frame_get_rows (frame);

  oh_frame_clear (frame);
  oh_frame_text (frame, 0, 0, " work 1001      " OH_GLYPH_DOT " registered   ", OH_TEXT_INVERSE);
  oh_frame_text (frame, 2, 1, "Alice Example", OH_TEXT_BOLD);
  oh_frame_text (frame, 3, 1, "sip:1002@pbx.example.com", OH_TEXT_NORMAL);
  oh_frame_text (frame, 5, 1, OH_GLYPH_PLAY " Connected    00:01:23", OH_TEXT_NORMAL);
  oh_frame_text (frame, 6, 1, "G.722  " OH_GLYPH_BLOCK OH_GLYPH_BLOCK OH_GLYPH_BLOCK
                 OH_GLYPH_SHADE " good", OH_TEXT_NORMAL);
  if (rows > 10)
    oh_frame_text (frame, rows - 3, 1, OH_GLYPH_DOT " Line 1  " OH_GLYPH_ARROW_UP
                   OH_GLYPH_ARROW_DOWN " calls  Vol", OH_TEXT_NORMAL);
  oh_frame_softkeys (frame, softkeys);
}
