/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The terminal's keyboard as a phone keypad and hook switch, for development.
 *
 * Digits, * and # dial; space lifts and puts down the handset; F1-F4 are
 * the softkeys (or 1-4 with Alt); arrows, Enter and Backspace move, select
 * and go back; s speaker, h headset, m mute, +/- volume, a answer (pickup),
 * x end (hangup), o hold, t transfer, c conference, r redial.  Signals as
 * OhKeypad's "key-pressed" and OhHookSwitch's "hook-changed". */
#define G_LOG_DOMAIN "offhook-ui"

#include "oh-ui-terminal-keys.h"

#include <errno.h>
#include <gio/gio.h>
#include <glib-unix.h>
#include <termios.h>
#include <unistd.h>

enum {
  SIGNAL_KEY_PRESSED,
  SIGNAL_HOOK_CHANGED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

struct _OhUiTerminalKeys {
  GObject parent_instance;

  int fd;
  struct termios saved;
  guint watch;
  gboolean off_hook;
  GString *pending;   /* an escape sequence being read */
};

G_DEFINE_TYPE (OhUiTerminalKeys, oh_ui_terminal_keys, G_TYPE_OBJECT)

static const struct {
  const char *sequence;
  OhPhoneKey key;
} sequences[] = {
  { "\033OP", OH_PHONE_KEY_SOFTKEY_1 }, { "\033OQ", OH_PHONE_KEY_SOFTKEY_2 },
  { "\033OR", OH_PHONE_KEY_SOFTKEY_3 }, { "\033OS", OH_PHONE_KEY_SOFTKEY_4 },
  { "\0331", OH_PHONE_KEY_SOFTKEY_1 }, { "\0332", OH_PHONE_KEY_SOFTKEY_2 },
  { "\0333", OH_PHONE_KEY_SOFTKEY_3 }, { "\0334", OH_PHONE_KEY_SOFTKEY_4 },
  { "\033[A", OH_PHONE_KEY_UP }, { "\033[B", OH_PHONE_KEY_DOWN },
  { "\033[C", OH_PHONE_KEY_RIGHT }, { "\033[D", OH_PHONE_KEY_LEFT },
  { "\033OA", OH_PHONE_KEY_UP }, { "\033OB", OH_PHONE_KEY_DOWN },
  { "\033OC", OH_PHONE_KEY_RIGHT }, { "\033OD", OH_PHONE_KEY_LEFT },
};

static const struct {
  char c;
  OhPhoneKey key;
} letters[] = {
  { '*', OH_PHONE_KEY_STAR }, { '#', OH_PHONE_KEY_POUND },
  { '\r', OH_PHONE_KEY_OK }, { '\n', OH_PHONE_KEY_OK },
  { 0x7f, OH_PHONE_KEY_BACK }, { '\b', OH_PHONE_KEY_BACK },
  { 's', OH_PHONE_KEY_SPEAKER }, { 'h', OH_PHONE_KEY_HEADSET }, { 'm', OH_PHONE_KEY_MUTE },
  { '+', OH_PHONE_KEY_VOLUME_UP }, { '-', OH_PHONE_KEY_VOLUME_DOWN },
  { 'a', OH_PHONE_KEY_PICKUP }, { 'x', OH_PHONE_KEY_HANGUP }, { 'o', OH_PHONE_KEY_HOLD },
  { 't', OH_PHONE_KEY_TRANSFER }, { 'c', OH_PHONE_KEY_CONFERENCE }, { 'r', OH_PHONE_KEY_REDIAL },
};

static void
press (OhUiTerminalKeys *self, OhPhoneKey key)
{
  g_signal_emit (self, signals[SIGNAL_KEY_PRESSED], 0, key, FALSE);
}

static void
take (OhUiTerminalKeys *self, char c)
{
  if (self->pending->len > 0 || c == '\033') {
    g_string_append_c (self->pending, c);
    for (guint i = 0; i < G_N_ELEMENTS (sequences); i++) {
      if (g_str_equal (self->pending->str, sequences[i].sequence)) {
        g_string_truncate (self->pending, 0);
        press (self, sequences[i].key);
        return;
      }
      if (g_str_has_prefix (sequences[i].sequence, self->pending->str))
        return;   /* more of it to come */
    }
    g_string_truncate (self->pending, 0);   /* a key this phone has not */
    return;
  }
  if (c >= '0' && c <= '9') {
    press (self, OH_PHONE_KEY_0 + (c - '0'));
    return;
  }
  if (c == ' ') {
    self->off_hook = !self->off_hook;
    g_signal_emit (self, signals[SIGNAL_HOOK_CHANGED], 0, self->off_hook);
    return;
  }
  for (guint i = 0; i < G_N_ELEMENTS (letters); i++)
    if (letters[i].c == c)
      press (self, letters[i].key);
}

static gboolean
on_input (int fd, GIOCondition condition, gpointer data)
{
  OhUiTerminalKeys *self = data;
  char buffer[64];
  gssize n = read (fd, buffer, sizeof buffer);

  if (n < 0 && (errno == EINTR || errno == EAGAIN))
    return G_SOURCE_CONTINUE;
  if (n <= 0) {
    self->watch = 0;
    return G_SOURCE_REMOVE;   /* the terminal went away */
  }
  for (gssize i = 0; i < n; i++)
    take (self, buffer[i]);
  return G_SOURCE_CONTINUE;
}

static void
oh_ui_terminal_keys_dispose (GObject *object)
{
  OhUiTerminalKeys *self = OH_UI_TERMINAL_KEYS (object);

  if (self->fd >= 0)
    tcsetattr (self->fd, TCSANOW, &self->saved);
  self->fd = -1;
  g_clear_handle_id (&self->watch, g_source_remove);
  G_OBJECT_CLASS (oh_ui_terminal_keys_parent_class)->dispose (object);
}

static void
oh_ui_terminal_keys_finalize (GObject *object)
{
  g_string_free (OH_UI_TERMINAL_KEYS (object)->pending, TRUE);
  G_OBJECT_CLASS (oh_ui_terminal_keys_parent_class)->finalize (object);
}

static void
oh_ui_terminal_keys_class_init (OhUiTerminalKeysClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = oh_ui_terminal_keys_dispose;
  object_class->finalize = oh_ui_terminal_keys_finalize;

  signals[SIGNAL_KEY_PRESSED] = g_signal_new ("key-pressed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                                              0, NULL, NULL, NULL, G_TYPE_NONE, 2, OH_TYPE_PHONE_KEY,
                                              G_TYPE_BOOLEAN);
  signals[SIGNAL_HOOK_CHANGED] = g_signal_new ("hook-changed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                                               0, NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_BOOLEAN);
}

static void
oh_ui_terminal_keys_init (OhUiTerminalKeys *self)
{
  self->fd = -1;
  self->pending = g_string_new (NULL);
}

OhUiTerminalKeys *
oh_ui_terminal_keys_new (int fd, GError **error)
{
  g_autoptr(OhUiTerminalKeys) self = g_object_new (OH_UI_TYPE_TERMINAL_KEYS, NULL);
  struct termios raw;

  if (tcgetattr (fd, &self->saved) != 0) {
    g_set_error (error, G_IO_ERROR, g_io_error_from_errno (errno),
                 "the keyboard keys need a terminal on standard input: %s", g_strerror (errno));
    return NULL;
  }
  raw = self->saved;
  /* key by key, no echo; Ctrl-C still stops the UI */
  raw.c_lflag &= ~(ICANON | ECHO);
  raw.c_iflag &= ~(ICRNL);
  raw.c_cc[VMIN] = 1;
  raw.c_cc[VTIME] = 0;
  tcsetattr (fd, TCSANOW, &raw);
  self->fd = fd;
  self->watch = g_unix_fd_add (fd, G_IO_IN | G_IO_HUP | G_IO_ERR, on_input, self);
  return g_steal_pointer (&self);
}
