/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Keypad, keymap and hook switch on fake evdev devices (umockdev): keys in
 * order, autorepeat, custom keymaps, debounce, unplug and replug. */
#include <linux/input.h>
#include <offhook-hal.h>
#include <umockdev.h>
#include <unistd.h>

#include "hal-test-util.h"

typedef struct {
  UMockdevTestbed *testbed;
  GString *keys;             /* "+1 -1 >volume-up …" as signals came */
  GPtrArray *hook;           /* off-hook values as "hook-changed" said */
  GPtrArray *warnings;       /* keymap warnings caught by the log writer */
  gint64 hook_changed_at;
} Fixture;

static GPtrArray *caught_warnings;

static GLogWriterOutput
catch_warnings (GLogLevelFlags level, const GLogField *fields, gsize n_fields, gpointer data)
{
  if (caught_warnings && (level & G_LOG_LEVEL_WARNING)) {
    for (gsize i = 0; i < n_fields; i++)
      if (g_str_equal (fields[i].key, "MESSAGE"))
        g_ptr_array_add (caught_warnings, g_strdup (fields[i].value));
    return G_LOG_WRITER_HANDLED;
  }
  return g_log_writer_default (level, fields, n_fields, data);
}

static void
fixture_set_up (Fixture *f, gconstpointer data)
{
  f->testbed = umockdev_testbed_new ();
  f->keys = g_string_new (NULL);
  f->hook = g_ptr_array_new ();
  f->warnings = g_ptr_array_new_with_free_func (g_free);
  caught_warnings = f->warnings;
}

static void
fixture_tear_down (Fixture *f, gconstpointer data)
{
  caught_warnings = NULL;
  g_ptr_array_unref (f->warnings);
  g_ptr_array_unref (f->hook);
  g_string_free (f->keys, TRUE);
  g_object_unref (f->testbed);
}

/* Puts a device of tests/hal/data into the testbed as /dev/input/event@n
 * (a device plugged in again gets a new number, as with a real kernel);
 * returns its event node's sysfs path. */
static char *
add_device (Fixture *f, const char *name, guint n)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *description = g_strdup_printf ("%s.umockdev", name);
  g_autofree char *ioctl_name = g_strdup_printf ("%s.ioctl", name);
  g_autofree char *ioctl_path = hal_test_data_path (ioctl_name);
  g_autofree char *text = hal_test_read_data (description);
  g_autofree char *node = g_strdup_printf ("/dev/input/event%u", n);
  g_autoptr(GString) renumbered = g_string_new (text);
  const char *recorded = strstr (text, "N: input/event") + strlen ("N: input/event");
  g_autofree char *number = g_strndup (recorded, strspn (recorded, "0123456789"));
  g_autofree char *event_from = g_strconcat ("event", number, NULL);
  g_autofree char *input_from = g_strconcat ("input", number, NULL);
  g_autofree char *event_to = g_strdup_printf ("event%u", n);
  g_autofree char *input_to = g_strdup_printf ("input%u", n);

  g_string_replace (renumbered, event_from, event_to, 0);
  g_string_replace (renumbered, input_from, input_to, 0);
  umockdev_testbed_add_from_string (f->testbed, renumbered->str, &error);
  g_assert_no_error (error);
  umockdev_testbed_load_ioctl (f->testbed, node, ioctl_path, &error);
  g_assert_no_error (error);
  /* the first P: line is the event node */
  return g_strdup_printf ("/sys%.*s", (int) strcspn (renumbered->str + 3, "\n"),
                          renumbered->str + 3);
}

/* A USB device pulled out: udev says "remove" for the event node, and the
 * whole device (its platform/USB parent) leaves sysfs. */
static void
unplug (Fixture *f, const char *syspath)
{
  g_autofree char *parent = g_strndup (syspath, strstr (syspath, "/input/") - syspath);

  umockdev_testbed_uevent (f->testbed, syspath, "remove");
  umockdev_testbed_remove_device (f->testbed, syspath);
  umockdev_testbed_remove_device (f->testbed, parent);
}

static void
write_event (Fixture *f, const char *node, guint type, guint code, gint value)
{
  int fd = umockdev_testbed_get_dev_fd (f->testbed, node);
  struct input_event ev[2] = {
    { .type = type, .code = code, .value = value },
    { .type = EV_SYN, .code = SYN_REPORT, .value = 0 },
  };

  g_assert_cmpint (fd, >=, 0);
  g_assert_cmpint (write (fd, ev, sizeof ev), ==, sizeof ev);
}

static void
on_key_pressed (OhKeypad *keypad, OhPhoneKey key, gboolean repeat, Fixture *f)
{
  g_string_append_printf (f->keys, "%s%s ", repeat ? ">" : "+", oh_phone_key_to_string (key));
}

static void
on_key_released (OhKeypad *keypad, OhPhoneKey key, Fixture *f)
{
  g_string_append_printf (f->keys, "-%s ", oh_phone_key_to_string (key));
}

static OhKeypad *
watch_keypad (Fixture *f, OhKeypad *keypad)
{
  g_signal_connect (keypad, "key-pressed", G_CALLBACK (on_key_pressed), f);
  g_signal_connect (keypad, "key-released", G_CALLBACK (on_key_released), f);
  return keypad;
}

static gboolean
keys_end_with_pound (gpointer data)
{
  Fixture *f = data;

  return g_str_has_suffix (f->keys->str, "-pound ");
}

static void
test_keymap_default (void)
{
  static const struct {
    guint code;
    const char *key;
  } cases[] = {
    { KEY_5, "5" }, { KEY_NUMERIC_0, "0" }, { KEY_KP9, "9" },
    { KEY_NUMERIC_STAR, "star" }, { KEY_KPASTERISK, "star" },
    { KEY_NUMERIC_POUND, "pound" }, { KEY_KPENTER, "pickup" },
    { KEY_PICKUP_PHONE, "pickup" }, { KEY_HANGUP_PHONE, "hangup" },
    { KEY_PHONE, "headset" }, { KEY_MUTE, "mute" },
    { KEY_VOLUMEUP, "volume-up" }, { KEY_VOLUMEDOWN, "volume-down" },
    { KEY_F1, "softkey-1" }, { KEY_F5, "line-1" },
  };
  g_autoptr(OhKeymap) keymap = oh_keymap_new ();

  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    g_assert_cmpstr (oh_phone_key_to_string (oh_keymap_lookup (keymap, cases[i].code)), ==,
                     cases[i].key);
  g_assert_cmpint (oh_keymap_lookup (keymap, KEY_PROG1), ==, OH_PHONE_KEY_NONE);
  g_assert_cmpint (oh_phone_key_to_dial_char (OH_PHONE_KEY_POUND), ==, '#');
  g_assert_cmpint (oh_phone_key_to_dial_char (OH_PHONE_KEY_MUTE), ==, 0);
}

/* A recorded keypad, read through libevdev: the keys in the order pressed,
 * autorepeat only where holding means more. */
static void
test_keypad_recorded (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *events = hal_test_data_path ("keypad.evemu");
  g_autofree char *syspath = add_device (f, "keypad", 0);
  g_autoptr(OhKeypad) keypad = NULL;

  umockdev_testbed_load_evemu_events (f->testbed, "/dev/input/event0", events, &error);
  g_assert_no_error (error);

  keypad = watch_keypad (f, oh_keypad_new ("/dev/input/event0", NULL));
  g_assert_true (oh_keypad_get_connected (keypad));
  g_assert_cmpstr (oh_keypad_get_device_path (keypad), ==, "/dev/input/event0");

  hal_test_wait (keys_end_with_pound, f, "the recorded keys");
  g_assert_cmpstr (f->keys->str, ==,
                   "+1 -1 +2 -2 +star -star +softkey-1 -softkey-1 "
                   "+volume-up >volume-up >volume-up -volume-up +5 -5 +pound -pound ");
}

/* A phone's own keymap file: its lines win over the default, bad lines are
 * reported with file:line and the good ones still count. */
static void
test_keymap_file (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *events = hal_test_data_path ("keypad.evemu");
  g_autofree char *map_path = hal_test_data_path ("custom.keymap");
  g_autofree char *syspath = add_device (f, "keypad", 0);
  g_autoptr(OhKeymap) keymap = oh_keymap_new ();
  g_autoptr(OhKeypad) keypad = NULL;

  g_assert_true (oh_keymap_load_file (keymap, map_path, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (f->warnings->len, ==, 4);
  for (guint i = 0; i < f->warnings->len; i++)
    g_assert_true (g_str_has_prefix (f->warnings->pdata[i], map_path));
  g_assert_nonnull (strstr (f->warnings->pdata[0], "custom.keymap:8: expected CODE = KEY"));
  g_assert_nonnull (strstr (f->warnings->pdata[1], "custom.keymap:9: not an evdev key code"));
  g_assert_nonnull (strstr (f->warnings->pdata[2], "custom.keymap:10: not a phone key"));
  g_assert_nonnull (strstr (f->warnings->pdata[3], "custom.keymap:12: unknown group"));

  umockdev_testbed_load_evemu_events (f->testbed, "/dev/input/event0", events, &error);
  g_assert_no_error (error);
  keypad = watch_keypad (f, oh_keypad_new ("Offhook Test *", keymap));
  hal_test_wait (keys_end_with_pound, f, "the recorded keys");
  /* star unmapped, F1 is "hold", PROG1 is "messages", 5 is now "redial" */
  g_assert_cmpstr (f->keys->str, ==,
                   "+1 -1 +2 -2 +hold -hold "
                   "+volume-up >volume-up >volume-up -volume-up +redial -redial "
                   "+messages -messages +pound -pound ");

  g_assert_false (oh_keymap_load_file (keymap, "/nonexistent/keymap", &error));
  g_assert_error (error, G_FILE_ERROR, G_FILE_ERROR_NOENT);
}

static gboolean
keypad_connected (gpointer data)
{
  return oh_keypad_get_connected (data);
}

static gboolean
keypad_gone (gpointer data)
{
  return !oh_keypad_get_connected (data);
}

static gboolean
keys_not_empty (gpointer data)
{
  Fixture *f = data;

  return f->keys->len > 0;
}

/* A USB keypad unplugged with a key held and plugged in again: the key is
 * released, the keypad reports it gone, then finds it again (found by its
 * digit keys, under the new node the kernel gave it) and reads it. */
static void
test_keypad_replug (Fixture *f, gconstpointer data)
{
  g_autofree char *syspath = add_device (f, "keypad", 0);
  g_autofree char *again = NULL;
  g_autoptr(OhKeypad) keypad = watch_keypad (f, oh_keypad_new (NULL, NULL));

  g_assert_true (oh_keypad_get_connected (keypad));
  write_event (f, "/dev/input/event0", EV_KEY, KEY_NUMERIC_7, 1);
  hal_test_wait (keys_not_empty, f, "the 7 pressed");
  g_assert_cmpstr (f->keys->str, ==, "+7 ");

  unplug (f, syspath);
  hal_test_wait (keypad_gone, keypad, "the keypad unplugged");
  g_assert_cmpstr (f->keys->str, ==, "+7 -7 ");
  g_assert_null (oh_keypad_get_device_path (keypad));

  again = add_device (f, "keypad", 2);
  hal_test_wait (keypad_connected, keypad, "the keypad plugged in again");
  g_assert_cmpstr (oh_keypad_get_device_path (keypad), ==, "/dev/input/event2");
  g_string_truncate (f->keys, 0);
  write_event (f, "/dev/input/event2", EV_KEY, KEY_NUMERIC_POUND, 1);
  write_event (f, "/dev/input/event2", EV_KEY, KEY_NUMERIC_POUND, 0);
  hal_test_wait (keys_end_with_pound, f, "# on the replugged keypad");
  g_assert_cmpstr (f->keys->str, ==, "+pound -pound ");
}

/* A keypad configured by path that is plugged in after the UI started. */
static void
test_keypad_late (Fixture *f, gconstpointer data)
{
  g_autofree char *syspath = NULL;
  g_autoptr(OhKeypad) keypad = watch_keypad (f, oh_keypad_new ("/dev/input/event5", NULL));

  g_assert_false (oh_keypad_get_connected (keypad));
  g_assert_null (oh_keypad_get_device_path (keypad));

  syspath = add_device (f, "keypad", 5);
  hal_test_wait (keypad_connected, keypad, "the keypad plugged in");
  write_event (f, "/dev/input/event5", EV_KEY, KEY_NUMERIC_POUND, 1);
  write_event (f, "/dev/input/event5", EV_KEY, KEY_NUMERIC_POUND, 0);
  hal_test_wait (keys_end_with_pound, f, "# on the keypad");
  g_assert_cmpstr (f->keys->str, ==, "+pound -pound ");
}

static void
on_hook_changed (OhHookSwitch *hook, gboolean off_hook, Fixture *f)
{
  g_ptr_array_add (f->hook, GINT_TO_POINTER (off_hook));
  f->hook_changed_at = g_get_monotonic_time ();
}

static gboolean
hook_changed_twice (gpointer data)
{
  Fixture *f = data;

  return f->hook->len >= 2;
}

static gboolean
hook_changed_once (gpointer data)
{
  Fixture *f = data;

  return f->hook->len >= 1;
}

#define DEBOUNCE_MS 150

/* A cradle switch (SW_DOCK on while the handset rests in it) with a debounce:
 * a bounce shorter than the debounce time is never reported; a lift is,
 * once it has held for the debounce time. */
static void
test_hook_debounce (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *syspath = add_device (f, "handset", 1);
  g_autoptr(OhHookSwitch) hook = oh_hook_switch_new ("Offhook Test Handset", "SW_DOCK", TRUE,
                                                     DEBOUNCE_MS, &error);
  gint64 lifted_at;

  g_assert_no_error (error);
  g_signal_connect (hook, "hook-changed", G_CALLBACK (on_hook_changed), f);
  g_assert_true (oh_hook_switch_get_connected (hook));
  g_assert_false (oh_hook_switch_get_off_hook (hook));

  /* the handset jumps in its cradle: open and closed again within a few ms */
  write_event (f, "/dev/input/event1", EV_SW, SW_DOCK, 0);
  write_event (f, "/dev/input/event1", EV_SW, SW_DOCK, 1);
  hal_test_run_for (2 * DEBOUNCE_MS);
  g_assert_cmpuint (f->hook->len, ==, 0);
  g_assert_false (oh_hook_switch_get_off_hook (hook));

  /* lifted for good */
  lifted_at = g_get_monotonic_time ();
  write_event (f, "/dev/input/event1", EV_SW, SW_DOCK, 0);
  hal_test_wait (hook_changed_once, f, "the handset lifted");
  g_assert_cmpint (f->hook_changed_at - lifted_at, >=, DEBOUNCE_MS * 1000);
  g_assert_true (oh_hook_switch_get_off_hook (hook));

  /* put down, with a bounce on the way */
  write_event (f, "/dev/input/event1", EV_SW, SW_DOCK, 1);
  write_event (f, "/dev/input/event1", EV_SW, SW_DOCK, 0);
  write_event (f, "/dev/input/event1", EV_SW, SW_DOCK, 1);
  hal_test_wait (hook_changed_twice, f, "the handset put down");
  g_assert_cmpuint (f->hook->len, ==, 2);
  g_assert_true (GPOINTER_TO_INT (f->hook->pdata[0]));
  g_assert_false (GPOINTER_TO_INT (f->hook->pdata[1]));
  g_assert_false (oh_hook_switch_get_off_hook (hook));
}

static gboolean
hook_gone (gpointer data)
{
  return !oh_hook_switch_get_connected (data);
}

static gboolean
hook_connected (gpointer data)
{
  return oh_hook_switch_get_connected (data);
}

/* A USB handset unplugged and plugged back: gone, then found again, and its
 * switch read again. */
static void
test_hook_replug (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *syspath = add_device (f, "handset", 1);
  g_autoptr(OhHookSwitch) hook = oh_hook_switch_new (NULL, "SW_DOCK", TRUE, 0, &error);

  g_assert_no_error (error);
  g_signal_connect (hook, "hook-changed", G_CALLBACK (on_hook_changed), f);
  g_assert_true (oh_hook_switch_get_connected (hook));

  unplug (f, syspath);
  hal_test_wait (hook_gone, hook, "the handset unplugged");

  g_free (add_device (f, "handset", 3));
  hal_test_wait (hook_connected, hook, "the handset plugged in again");
  write_event (f, "/dev/input/event3", EV_SW, SW_DOCK, 0);
  hal_test_wait (hook_changed_once, f, "the handset lifted");
  g_assert_true (oh_hook_switch_get_off_hook (hook));
}

static void
test_hook_bad_code (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(OhHookSwitch) hook = oh_hook_switch_new (NULL, "SW_NOPE", FALSE, 10, &error);

  g_assert_null (hook);
  g_assert_error (error, OH_HAL_ERROR, OH_HAL_ERROR_INVALID);
  g_assert_nonnull (strstr (error->message, "SW_NOPE"));
}

int
main (int argc, char **argv)
{
  hal_test_init (&argc, &argv);
  g_log_set_writer_func (catch_warnings, NULL, NULL);

  g_test_add_func ("/hal/keymap/default", test_keymap_default);
  g_test_add ("/hal/keymap/file", Fixture, NULL, fixture_set_up, test_keymap_file,
              fixture_tear_down);
  g_test_add ("/hal/keypad/recorded", Fixture, NULL, fixture_set_up, test_keypad_recorded,
              fixture_tear_down);
  g_test_add ("/hal/keypad/replug", Fixture, NULL, fixture_set_up, test_keypad_replug,
              fixture_tear_down);
  g_test_add ("/hal/keypad/late", Fixture, NULL, fixture_set_up, test_keypad_late,
              fixture_tear_down);
  g_test_add ("/hal/hook/debounce", Fixture, NULL, fixture_set_up, test_hook_debounce,
              fixture_tear_down);
  g_test_add ("/hal/hook/replug", Fixture, NULL, fixture_set_up, test_hook_replug,
              fixture_tear_down);
  g_test_add_func ("/hal/hook/bad-code", test_hook_bad_code);
  return g_test_run ();
}
