/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* offhook-ui: the reference phone UI; options, the devices, the main loop. */
#define G_LOG_DOMAIN "offhook-ui"

#include <glib-unix.h>
#include <errno.h>
#include <locale.h>
#include <unistd.h>
#include <offhook-hal.h>

#include "oh-ui-client.h"
#include "oh-ui-lamps.h"
#include "oh-ui-phone.h"
#include "oh-ui-terminal-keys.h"
#include "oh-ui-view.h"

#define HOOK_DEBOUNCE_MS 30

static gboolean opt_session, opt_system, opt_hook_inverted, opt_terminal_keys, opt_version;
static char *opt_address, *opt_display, *opt_keypad, *opt_hook, *opt_hook_code, *opt_keymap, *opt_png_dir;
static char **opt_lamps;

static const GOptionEntry entries[] = {
  { "session", 0, 0, G_OPTION_ARG_NONE, &opt_session, "offhookd is on the session bus (development)", NULL },
  { "system", 0, 0, G_OPTION_ARG_NONE, &opt_system, "offhookd is on the system bus (the default)", NULL },
  { "address", 0, 0, G_OPTION_ARG_STRING, &opt_address, "offhookd is on the bus at this address", "ADDRESS" },
  { "display", 0, 0, G_OPTION_ARG_STRING, &opt_display,
    "terminal[:COLSxROWS] or fbdev[:PATH] (default terminal)", "DISPLAY" },
  { "keypad", 0, 0, G_OPTION_ARG_FILENAME, &opt_keypad,
    "the keypad: a device path, a name glob, or none (default: the first with digit keys)", "DEVICE" },
  { "hook", 0, 0, G_OPTION_ARG_FILENAME, &opt_hook,
    "the hook switch's device: a path or a name glob (default: the first with --hook-code)", "DEVICE" },
  { "hook-code", 0, 0, G_OPTION_ARG_STRING, &opt_hook_code,
    "the hook switch's SW_* or KEY_* code; without it and --hook there is no hook switch", "CODE" },
  { "hook-inverted", 0, 0, G_OPTION_ARG_NONE, &opt_hook_inverted,
    "the switch is active while the handset rests in its cradle (e.g. SW_DOCK)", NULL },
  { "keymap", 0, 0, G_OPTION_ARG_FILENAME, &opt_keymap, "a keymap file over the built-in keymap", "FILE" },
  { "lamp", 0, 0, G_OPTION_ARG_STRING_ARRAY, &opt_lamps,
    "give a lamp role to an LED of /sys/class/leds (repeatable)", "ROLE=LED" },
  { "terminal-keys", 0, 0, G_OPTION_ARG_NONE, &opt_terminal_keys,
    "the keyboard of the terminal on standard input is a keypad too (space: the hook)", NULL },
  { "png-dir", 0, 0, G_OPTION_ARG_FILENAME, &opt_png_dir, "write every new frame as a PNG picture here", "DIR" },
  { "version", 0, 0, G_OPTION_ARG_NONE, &opt_version, "print the version and exit", NULL },
  { NULL }
};

static gboolean
on_quit_signal (gpointer loop)
{
  g_main_loop_quit (loop);
  return G_SOURCE_CONTINUE;
}

static void
on_key (gpointer keypad, OhPhoneKey key, gboolean repeat, OhUiPhone *phone)
{
  oh_ui_phone_key (phone, key);
}

static void
on_hook (gpointer hook, gboolean off_hook, OhUiPhone *phone)
{
  oh_ui_phone_hook (phone, off_hook);
}

static gboolean
usage (GError **error, const char *message)
{
  g_set_error_literal (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE, message);
  return FALSE;
}

static gboolean
parse_options (int *argc, char ***argv, GError **error)
{
  g_autoptr(GOptionContext) context = g_option_context_new ("- the Offhook desk phone's keypad, display and lamps");

  g_option_context_add_main_entries (context, entries, NULL);
  g_option_context_set_description (context, "See offhook-ui(1).");
  if (!g_option_context_parse (context, argc, argv, error))
    return FALSE;
  if (*argc > 1)
    return usage (error, "offhook-ui takes no arguments besides options");
  if ((opt_session + opt_system + (opt_address != NULL)) > 1)
    return usage (error, "give one of --session, --system and --address");
  if (opt_png_dir && g_mkdir_with_parents (opt_png_dir, 0755) != 0) {
    g_set_error (error, G_FILE_ERROR, g_file_error_from_errno (errno), "--png-dir %s: %s", opt_png_dir,
                 g_strerror (errno));
    return FALSE;
  }
  return TRUE;
}

static OhLamps *
make_lamps (GError **error)
{
  g_autoptr(OhLamps) lamps = oh_lamps_new ();

  for (guint i = 0; opt_lamps && opt_lamps[i]; i++) {
    g_auto(GStrv) parts = g_strsplit (opt_lamps[i], "=", 2);
    if (!parts[0] || !parts[1]) {
      g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE, "--lamp %s: give ROLE=LED", opt_lamps[i]);
      return NULL;
    }
    if (!oh_lamps_assign (lamps, parts[0], parts[1], error))
      return NULL;
  }
  return g_steal_pointer (&lamps);
}

int
main (int argc, char **argv)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GMainLoop) loop = NULL;
  g_autoptr(OhDisplay) display = NULL;
  g_autoptr(OhKeymap) keymap = NULL;
  g_autoptr(OhKeypad) keypad = NULL;
  g_autoptr(OhHookSwitch) hook = NULL;
  g_autoptr(OhUiTerminalKeys) terminal_keys = NULL;
  g_autoptr(OhLamps) lamps = NULL;
  g_autoptr(OhUiClient) client = NULL;
  g_autoptr(OhUiPhone) phone = NULL;
  g_autoptr(OhUiLamps) lamp_control = NULL;
  g_autoptr(OhUiView) view = NULL;

  setlocale (LC_ALL, "");
  /* standard output may be the display: every log line goes to stderr */
  g_log_writer_default_set_use_stderr (TRUE);
  if (!parse_options (&argc, &argv, &error)) {
    g_printerr ("offhook-ui: %s\n", error->message);
    return 2;
  }
  if (opt_version) {
    g_print ("offhook-ui %s\n", PACKAGE_VERSION);
    return 0;
  }

  keymap = oh_keymap_new ();
  if (opt_keymap && !oh_keymap_load_file (keymap, opt_keymap, &error)) {
    g_printerr ("offhook-ui: %s\n", error->message);
    return 1;
  }
  display = oh_display_new (opt_display ? opt_display : "terminal", &error);
  if (display)
    lamps = make_lamps (&error);
  if (lamps && (opt_hook || opt_hook_code))
    hook = oh_hook_switch_new (opt_hook, opt_hook_code ? opt_hook_code : "SW_DOCK", opt_hook_inverted,
                               HOOK_DEBOUNCE_MS, &error);
  if (!display || !lamps || ((opt_hook || opt_hook_code) && !hook)) {
    g_printerr ("offhook-ui: %s\n", error->message);
    return 1;
  }
  if (opt_terminal_keys && !(terminal_keys = oh_ui_terminal_keys_new (STDIN_FILENO, &error))) {
    g_printerr ("offhook-ui: %s\n", error->message);
    return 1;
  }
  if (g_strcmp0 (opt_keypad, "none") != 0)
    keypad = oh_keypad_new (opt_keypad, keymap);

  loop = g_main_loop_new (NULL, FALSE);
  client = oh_ui_client_new (opt_address ? G_BUS_TYPE_NONE : opt_session ? G_BUS_TYPE_SESSION : G_BUS_TYPE_SYSTEM,
                             opt_address);
  phone = oh_ui_phone_new (client);
  view = oh_ui_view_new (phone, display, opt_png_dir);
  lamp_control = oh_ui_lamps_new (phone, lamps);
  if (keypad)
    g_signal_connect (keypad, "key-pressed", G_CALLBACK (on_key), phone);
  if (hook) {
    g_signal_connect (hook, "hook-changed", G_CALLBACK (on_hook), phone);
    oh_ui_phone_hook (phone, oh_hook_switch_get_off_hook (hook));
  }
  if (terminal_keys) {
    g_signal_connect (terminal_keys, "key-pressed", G_CALLBACK (on_key), phone);
    g_signal_connect (terminal_keys, "hook-changed", G_CALLBACK (on_hook), phone);
  }
  oh_ui_client_start (client);

  g_unix_signal_add (SIGINT, on_quit_signal, loop);
  g_unix_signal_add (SIGTERM, on_quit_signal, loop);
  g_main_loop_run (loop);

  if (keypad)
    g_signal_handlers_disconnect_by_data (keypad, phone);
  if (hook)
    g_signal_handlers_disconnect_by_data (hook, phone);
  if (terminal_keys)
    g_signal_handlers_disconnect_by_data (terminal_keys, phone);
  return 0;
}
