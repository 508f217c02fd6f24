/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Lamps on sysfs LEDs (a umockdev sysfs tree): roles, on and off, blinking
 * with the kernel's timer trigger and without it. */
#include <glib/gstdio.h>
#include <offhook-hal.h>
#include <umockdev.h>

#include "hal-test-util.h"

typedef struct {
  UMockdevTestbed *testbed;
  GPtrArray *blinks;        /* brightness file contents at each "lit" change */
  gint64 last_blink;
  gint64 shortest_blink;
} Fixture;

static void
add_led (Fixture *f, const char *name, const char *triggers)
{
  g_autofree char *syspath =
    umockdev_testbed_add_device (f->testbed, "leds", name, NULL,
                                 "brightness", "0", "max_brightness", "255",
                                 "trigger", triggers, NULL, NULL);
  g_assert_nonnull (syspath);
}

static void
fixture_set_up (Fixture *f, gconstpointer data)
{
  f->testbed = umockdev_testbed_new ();
  f->blinks = g_ptr_array_new_with_free_func (g_free);
  f->shortest_blink = G_MAXINT64;
  add_led (f, "phone:green:mail", "[none] timer heartbeat");
  add_led (f, "phone:red:micmute", "[none] heartbeat");
  add_led (f, "phone:green:line-1", "[none] timer");
  add_led (f, "phy0:blue:wlan", "[none] timer");
}

static void
fixture_tear_down (Fixture *f, gconstpointer data)
{
  g_ptr_array_unref (f->blinks);
  g_object_unref (f->testbed);
}

static char *
read_led (const char *name, const char *attribute)
{
  g_autofree char *path = g_build_filename ("/sys/class/leds", name, attribute, NULL);
  g_autoptr(GError) error = NULL;
  char *contents = NULL;

  g_file_get_contents (path, &contents, NULL, &error);
  g_assert_no_error (error);
  return g_strstrip (contents);
}

#define assert_led(name, attribute, expected) G_STMT_START { \
    g_autofree char *value_ = read_led (name, attribute); \
    g_assert_cmpstr (value_, ==, expected); \
  } G_STMT_END

static void
test_roles (Fixture *f, gconstpointer data)
{
  g_autoptr(OhLamps) lamps = oh_lamps_new ();
  g_autoptr(GError) error = NULL;

  g_assert_cmpstr (oh_lamp_get_name (oh_lamps_get (lamps, "message-waiting")), ==,
                   "phone:green:mail");
  g_assert_cmpstr (oh_lamp_get_name (oh_lamps_get (lamps, "mute")), ==, "phone:red:micmute");
  g_assert_cmpstr (oh_lamp_get_name (oh_lamps_get (lamps, "line-1")), ==, "phone:green:line-1");
  g_assert_null (oh_lamps_get (lamps, "speaker"));
  g_assert_null (oh_lamps_get (lamps, "wlan"));
  /* a phone without a speaker lamp: nothing to do, no error */
  g_assert_true (oh_lamps_set (lamps, "speaker", OH_LAMP_STATE_ON, &error));
  g_assert_no_error (error);

  g_assert_true (oh_lamps_assign (lamps, "speaker", "phy0:blue:wlan", &error));
  g_assert_no_error (error);
  g_assert_true (oh_lamps_set (lamps, "speaker", OH_LAMP_STATE_ON, &error));
  assert_led ("phy0:blue:wlan", "brightness", "255");

  g_assert_false (oh_lamps_assign (lamps, "fridge", "phy0:blue:wlan", &error));
  g_assert_error (error, OH_HAL_ERROR, OH_HAL_ERROR_INVALID);
  g_clear_error (&error);
  g_assert_false (oh_lamps_assign (lamps, "line-2", "phone:green:nope", &error));
  g_assert_error (error, OH_HAL_ERROR, OH_HAL_ERROR_FAILED);
  g_assert_nonnull (strstr (error->message, "phone:green:nope"));
  g_clear_error (&error);
  g_assert_false (oh_lamps_assign (lamps, "line-2", "../../etc", &error));
  g_assert_error (error, OH_HAL_ERROR, OH_HAL_ERROR_INVALID);
}

/* An LED with the timer trigger blinks in the kernel at the pattern's rate. */
static void
test_blink_trigger (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(OhLamp) lamp = oh_lamp_new ("phone:green:mail", &error);

  g_assert_no_error (error);
  g_assert_true (oh_lamp_set_state (lamp, OH_LAMP_STATE_ON, &error));
  assert_led ("phone:green:mail", "brightness", "255");
  g_assert_true (oh_lamp_get_lit (lamp));

  /* The kernel makes delay_on/delay_off when "timer" is written; the fake
   * sysfs needs them there beforehand. */
  umockdev_testbed_set_attribute (f->testbed, "/sys/devices/phone:green:mail", "delay_on", "500");
  umockdev_testbed_set_attribute (f->testbed, "/sys/devices/phone:green:mail", "delay_off", "500");
  g_assert_true (oh_lamp_set_state (lamp, OH_LAMP_STATE_BLINK_FAST, &error));
  g_assert_no_error (error);
  assert_led ("phone:green:mail", "trigger", "timer");
  assert_led ("phone:green:mail", "delay_on", "250");
  assert_led ("phone:green:mail", "delay_off", "250");
  g_assert_cmpint (oh_lamp_get_state (lamp), ==, OH_LAMP_STATE_BLINK_FAST);

  g_assert_true (oh_lamp_set_state (lamp, OH_LAMP_STATE_BLINK_SLOW, &error));
  assert_led ("phone:green:mail", "delay_on", "1000");
  assert_led ("phone:green:mail", "delay_off", "1000");

  g_assert_true (oh_lamp_set_state (lamp, OH_LAMP_STATE_OFF, &error));
  assert_led ("phone:green:mail", "trigger", "none");
  assert_led ("phone:green:mail", "brightness", "0");
  g_assert_false (oh_lamp_get_lit (lamp));
}

static void
on_lit (OhLamp *lamp, GParamSpec *pspec, Fixture *f)
{
  gint64 now = g_get_monotonic_time ();

  if (f->blinks->len > 0)
    f->shortest_blink = MIN (f->shortest_blink, now - f->last_blink);
  f->last_blink = now;
  g_ptr_array_add (f->blinks, read_led ("phone:red:micmute", "brightness"));
}

static gboolean
blinked_four_times (gpointer data)
{
  Fixture *f = data;

  return f->blinks->len >= 5;
}

/* An LED without the timer trigger blinks from a GLib timer. */
static void
test_blink_timer (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(OhLamp) lamp = oh_lamp_new ("phone:red:micmute", &error);

  g_assert_no_error (error);
  g_signal_connect (lamp, "notify::lit", G_CALLBACK (on_lit), f);
  g_assert_true (oh_lamp_set_state (lamp, OH_LAMP_STATE_BLINK_FAST, &error));
  g_assert_no_error (error);
  hal_test_wait (blinked_four_times, f, "the mute lamp blinking");
  for (guint i = 0; i < f->blinks->len; i++)
    g_assert_cmpstr (f->blinks->pdata[i], ==, i % 2 ? "0" : "255");
  /* 250 ms a phase, less the main loop's jitter */
  g_assert_cmpint (f->shortest_blink, >=, 200 * 1000);
  assert_led ("phone:red:micmute", "trigger", "[none] heartbeat");

  g_assert_true (oh_lamp_set_state (lamp, OH_LAMP_STATE_OFF, &error));
  g_ptr_array_set_size (f->blinks, 0);
  hal_test_run_for (600);
  assert_led ("phone:red:micmute", "brightness", "0");
  g_assert_cmpuint (f->blinks->len, ==, 0);
}

/* $SYSFS_PATH moves sysfs, as for libudev. */
static void
test_sysfs_path (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *root = g_dir_make_tmp ("oh-sysfs-XXXXXX", &error);
  g_autofree char *led = g_build_filename (root, "class", "leds", "desk::speaker", NULL);
  g_autofree char *brightness = g_build_filename (led, "brightness", NULL);
  g_autofree char *max = g_build_filename (led, "max_brightness", NULL);
  g_autofree char *leds = g_path_get_dirname (led);
  g_autofree char *class = g_path_get_dirname (leds);
  g_autofree char *written = NULL;
  g_autoptr(OhLamps) lamps = NULL;

  g_assert_no_error (error);
  g_assert_cmpint (g_mkdir_with_parents (led, 0755), ==, 0);
  g_assert_true (g_file_set_contents (brightness, "0\n", -1, NULL));
  g_assert_true (g_file_set_contents (max, "1\n", -1, NULL));
  g_setenv ("SYSFS_PATH", root, TRUE);
  lamps = oh_lamps_new ();
  g_unsetenv ("SYSFS_PATH");

  g_assert_true (oh_lamps_set (lamps, "speaker", OH_LAMP_STATE_ON, &error));
  g_assert_no_error (error);
  g_assert_true (g_file_get_contents (brightness, &written, NULL, NULL));
  g_assert_cmpstr (written, ==, "1");

  g_remove (brightness);
  g_remove (max);
  g_rmdir (led);
  g_rmdir (leds);
  g_rmdir (class);
  g_rmdir (root);
}

int
main (int argc, char **argv)
{
  hal_test_init (&argc, &argv);

  g_test_add ("/hal/lamps/roles", Fixture, NULL, fixture_set_up, test_roles, fixture_tear_down);
  g_test_add ("/hal/lamps/blink-trigger", Fixture, NULL, fixture_set_up, test_blink_trigger,
              fixture_tear_down);
  g_test_add ("/hal/lamps/blink-timer", Fixture, NULL, fixture_set_up, test_blink_timer,
              fixture_tear_down);
  g_test_add_func ("/hal/lamps/sysfs-path", test_sysfs_path);
  return g_test_run ();
}
