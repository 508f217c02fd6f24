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
