/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The phone's screens drawn onto a display: idle, dialling, calls, menus.
 *
 * Row 0 is the status bar (account and registration), the last row the
 * softkeys, the row above it a brief message or the phone's indicators
 * (speaker, headset, mute, DND); the screen's own lines go in between.
 * Drawing only reads the phone and the daemon's cached properties. */
#include "oh-ui-screens.h"

typedef struct {
  OhDisplay *display;
  OhUiPhone *phone;
  OhUiClient *client;
  OhDbusManager *manager;
  GDateTime *now;
  guint cols;
  guint rows;
} Screen;

static void
line (Screen *s, guint row, guint col, OhTextAttr attr, const char *format, ...) G_GNUC_PRINTF (5, 6);

static void
line (Screen *s, guint row, guint col, OhTextAttr attr, const char *format, ...)
{
  g_autofree char *text = NULL;
  va_list args;

  if (row == 0 || row + 2 >= s->rows)
    return;   /* status bar, message and softkey rows are not the screen's */
  va_start (args, format);
  text = g_strdup_vprintf (format, args);
  va_end (args);
  oh_display_text (s->display, row, col, text, attr);
}

/* A whole row, padded: selected menu lines and the status bar. */
static void
bar (Screen *s, guint row, OhTextAttr attr, const char *left, const char *right)
{
  g_autoptr(GString) text = g_string_new (left);
  glong used = g_utf8_strlen (left, -1) + g_utf8_strlen (right, -1);

  for (glong i = used; i < (glong) s->cols; i++)
    g_string_append_c (text, ' ');
  g_string_append (text, right);
  oh_display_text (s->display, row, 0, text->str, attr);
}

/* "1002" of sip:1002@pbx;user=phone, the person's name when there is one. */
static char *
call_name (OhDbusCall *call)
{
  const char *name = oh_dbus_call_get_remote_name (call);
  const char *uri = oh_dbus_call_get_remote_uri (call);
  const char *user;

  if (name && *name)
    return g_strdup (name);
  if (!uri)
    return g_strdup ("");
  user = strchr (uri, ':') ? strchr (uri, ':') + 1 : uri;
  return g_strndup (user, strcspn (user, "@;>"));
}

/* "1002@pbx.example.com" of <sip:1002@pbx.example.com;user=phone>. */
static char *
call_address (OhDbusCall *call)
{
  const char *uri = oh_dbus_call_get_remote_uri (call);

  if (!uri)
    return g_strdup ("");
  uri += strspn (uri, "<");
  if (g_str_has_prefix (uri, "sip:"))
    uri += 4;
  return g_strndup (uri, strcspn (uri, ";>"));
}

static char *
duration (Screen *s, OhDbusCall *call)
{
  guint64 connected = oh_dbus_call_get_connect_time (call);
  gint64 now = g_date_time_to_unix (s->now) * G_USEC_PER_SEC + g_date_time_get_microsecond (s->now);
  gint64 seconds;

  if (!connected)
    return g_strdup ("");
  /* to the microsecond: a call just answered shows 00:00 */
  seconds = MAX (now - (gint64) connected, 0) / G_USEC_PER_SEC;
  if (seconds >= 3600)
    return g_strdup_printf ("%" G_GINT64_FORMAT ":%02d:%02d", seconds / 3600, (int) (seconds / 60 % 60),
                            (int) (seconds % 60));
  return g_strdup_printf ("%02d:%02d", (int) (seconds / 60), (int) (seconds % 60));
}

static const char *
ended_reason (OhDbusCall *call)
{
  static const struct { const char *reason, *words; } reasons[] = {
    { "busy", "Busy" }, { "rejected", "Rejected" }, { "no-answer", "No answer" },
    { "cancelled", "Missed" }, { "transferred", "Transferred" }, { "failed", "Failed" },
    { "session-expired", "Connection lost" },
  };
  const char *reason = oh_dbus_call_get_disconnect_reason (call);

  for (guint i = 0; i < G_N_ELEMENTS (reasons); i++)
    if (g_strcmp0 (reason, reasons[i].reason) == 0)
      return reasons[i].words;
  return "Call ended";
}

/* "▶ Connected 01:23": what the call is doing, with an icon. */
static char *
call_state (Screen *s, OhDbusCall *call)
{
  const char *state = oh_dbus_call_get_state (call);
  g_autofree char *time = duration (s, call);

  if (g_str_equal (state, "dialing"))
    return g_strdup (OH_GLYPH_ARROW_RIGHT " Calling");
  if (g_str_equal (state, "alerting"))
    return g_strdup (OH_GLYPH_ARROW_RIGHT " Ringing");
  if (g_str_equal (state, "incoming"))
    return g_strdup (OH_GLYPH_ARROW_LEFT " Incoming call");
  if (g_str_equal (state, "waiting"))
    return g_strdup (OH_GLYPH_ARROW_LEFT " Call waiting");
  if (g_str_equal (state, "active"))
    return g_strdup_printf (OH_GLYPH_PLAY " Connected %s", time);
  if (g_str_equal (state, "held"))
    return g_strdup_printf (OH_GLYPH_SQUARE " On hold   %s", time);
  if (oh_dbus_call_get_sip_status (call) >= 400 && g_str_equal (ended_reason (call), "Failed"))
    return g_strdup_printf (OH_GLYPH_CROSS " Failed (%u)", oh_dbus_call_get_sip_status (call));
  return g_strdup_printf (OH_GLYPH_CROSS " %s", ended_reason (call));
}

/* "PCMU/8000 ███▒ 4.3": codec and listening quality (MOS, 1 to 4.41). */
static char *
call_quality (OhDbusCall *call)
{
  g_autoptr(GVariant) stats = oh_dbus_call_dup_statistics (call);
  g_autoptr(GString) text = g_string_new (oh_dbus_call_get_codec (call));   /* NULL: empty */
  double mos;

  if (!stats || !g_variant_lookup (stats, "mos", "d", &mos))
    return g_string_free (g_steal_pointer (&text), FALSE);
  g_string_append_c (text, ' ');
  for (guint i = 1; i <= 4; i++)
    g_string_append (text, mos >= 1.0 + i * 0.8 ? OH_GLYPH_BLOCK : OH_GLYPH_SHADE);
  g_string_append_printf (text, " %.1f", mos);
  return g_string_free (g_steal_pointer (&text), FALSE);
}

static void
draw_status_bar (Screen *s)
{
  OhDbusAccount *account = oh_ui_client_get_account (s->client);
  g_autofree char *left = NULL;
  g_autofree char *right = NULL;

  if (!oh_ui_client_is_ready (s->client)) {
    bar (s, 0, OH_TEXT_INVERSE, " offhookd not running", "");
    return;
  }
  if (account) {
    const char *aor = oh_dbus_account_get_aor (account);
    const char *user = aor && strchr (aor, ':') ? strchr (aor, ':') + 1 : "";
    const char *id = oh_dbus_account_get_id (account);
    left = g_strdup_printf (" %s %.*s", id ? id : "", (int) strcspn (user, "@"), user);
    const char *state = oh_dbus_account_get_registration_state (account);
    right = g_strdup_printf (OH_GLYPH_DOT " %s ", state ? state : "");
  } else {
    left = g_strdup (" No account");
    right = g_strdup ("direct calls ");
  }
  bar (s, 0, OH_TEXT_INVERSE, left, right);
}

static void
draw_indicators (Screen *s)
{
  const char *message = oh_ui_phone_get_flash (s->phone);
  g_autoptr(GString) text = g_string_new (" ");

  if (message) {
    glong length = g_utf8_strlen (message, -1);
    const char *cut = message;

    /* a long one takes the row above too, broken at a space */
    if (length > (glong) s->cols && s->rows > 4) {
      const char *end = g_utf8_offset_to_pointer (message, s->cols);
      const char *space = g_strrstr_len (message, end - message, " ");
      g_autofree char *first = NULL;

      cut = space ? space + 1 : end;
      first = g_strndup (message, cut - message);
      bar (s, s->rows - 3, OH_TEXT_BOLD, first, "");
    }
    bar (s, s->rows - 2, OH_TEXT_BOLD, cut, "");
    return;
  }
  if (oh_ui_phone_get_speaker (s->phone))
    g_string_append (text, "Speaker ");
  else if (oh_ui_phone_get_headset (s->phone))
    g_string_append (text, "Headset ");
  else if (oh_ui_phone_get_off_hook (s->phone))
    g_string_append (text, "Handset ");
  if (s->manager && oh_dbus_manager_get_microphone_muted (s->manager))
    g_string_append (text, OH_GLYPH_CROSS "Muted ");
  if (s->manager && oh_dbus_manager_get_do_not_disturb (s->manager))
    g_string_append (text, "DND ");
  oh_display_text (s->display, s->rows - 2, 0, text->str, OH_TEXT_NORMAL);
}

static void
draw_idle (Screen *s)
{
  g_autofree char *date = g_date_time_format (s->now, "%a %d %b");
  g_autofree char *time = g_date_time_format (s->now, "%H:%M");
  guint missed = oh_ui_phone_get_missed (s->phone);
  guint row = 3, voicemail;

  line (s, 2, 1, OH_TEXT_BOLD, "%s  %s", time, date);
  if (missed > 0)
    line (s, row++, 1, OH_TEXT_NORMAL, OH_GLYPH_ARROW_LEFT " %u missed call%s", missed, missed == 1 ? "" : "s");
  if (oh_ui_client_get_voicemail (s->client, &voicemail))
    line (s, row++, 1, OH_TEXT_NORMAL, OH_GLYPH_SQUARE " Voicemail: %u new", voicemail);
}

static void
draw_dialing (Screen *s)
{
  OhUiDialer *dialer = oh_ui_phone_get_dialer (s->phone);

  line (s, 2, 1, OH_TEXT_BOLD, "Dial: %s_", oh_ui_dialer_get_digits (dialer));
  line (s, 3, 1, OH_TEXT_NORMAL, "%s", oh_ui_dialer_get_status (dialer));
}

static void
draw_one_call (Screen *s, OhDbusCall *call)
{
  g_autofree char *name = call_name (call);
  g_autofree char *address = call_address (call);
  g_autofree char *state = call_state (s, call);
  g_autoptr(GString) marks = g_string_new (NULL);
  const char *what = oh_dbus_call_get_state (call);

  line (s, 2, 1, OH_TEXT_BOLD, "%s", name);
  line (s, 3, 1, OH_TEXT_NORMAL, "%s", address);
  line (s, 4, 1, OH_TEXT_NORMAL, "%s", state);
  if (g_str_equal (what, "active") || g_str_equal (what, "held")) {
    g_autofree char *quality = call_quality (call);
    line (s, 5, 1, OH_TEXT_NORMAL, "%s", quality);
  }
  if (oh_dbus_call_get_remote_held (call))
    g_string_append (marks, "Held by far end ");
  if (oh_dbus_call_get_multiparty (call))
    g_string_append (marks, "Conference ");
  if (marks->len)
    line (s, 6, 1, OH_TEXT_NORMAL, "%s", marks->str);
}

static void
draw_call_list (Screen *s, GList *calls)
{
  guint n = g_list_length (calls), multiparty = 0, row = 1;
  guint selected = oh_ui_phone_get_selected (s->phone);
  GList *chosen;

  for (GList *l = calls; l; l = l->next)
    multiparty += oh_dbus_call_get_multiparty (l->data);
  if (multiparty > 1)
    line (s, row++, 1, OH_TEXT_BOLD, "Conference (%u)", multiparty);
  for (guint i = 0; i < n && row + 3 < s->rows; i++, row++) {
    OhDbusCall *call = g_list_nth_data (calls, i);
    g_autofree char *name = call_name (call);
    g_autofree char *state = call_state (s, call);
    g_autofree char *left = g_strdup_printf ("%s%u %-10.10s", i == selected ? OH_GLYPH_PLAY : " ", i + 1, name);

    bar (s, row, i == selected ? OH_TEXT_INVERSE : OH_TEXT_NORMAL, left, state + strlen (OH_GLYPH_PLAY));
  }
  chosen = g_list_nth (calls, selected);
  if (chosen && row + 2 < s->rows) {
    g_autofree char *quality = call_quality (chosen->data);
    line (s, row, 1, OH_TEXT_NORMAL, "%s", quality);
  }
}

static void
draw_calls (Screen *s)
{
  g_autoptr(GList) calls = oh_ui_phone_get_shown_calls (s->phone);

  if (g_list_length (calls) == 1)
    draw_one_call (s, calls->data);
  else
    draw_call_list (s, calls);
}

static void
draw_transfer (Screen *s)
{
  g_autoptr(GList) calls = oh_ui_phone_get_shown_calls (s->phone);
  g_autofree char *name = calls ? call_name (calls->data) : g_strdup ("");

  line (s, 2, 1, OH_TEXT_NORMAL, "Transfer %s to:", name);
  line (s, 3, 1, OH_TEXT_BOLD, "%s_", oh_ui_phone_get_transfer_digits (s->phone));
}

static void
draw_menu_line (Screen *s, guint row, guint index, const char *left, const char *right)
{
  g_autofree char *text = g_strdup_printf (" %s", left);
  g_autofree char *value = g_strdup_printf ("%s ", right);

  if (row + 2 < s->rows)
    bar (s, row, index == oh_ui_phone_get_selected (s->phone) ? OH_TEXT_INVERSE : OH_TEXT_NORMAL, text, value);
}

static void
draw_redial (Screen *s)
{
  const char * const *numbers = oh_ui_phone_get_redial (s->phone);

  line (s, 1, 1, OH_TEXT_BOLD, "Redial");
  if (!numbers[0])
    line (s, 2, 1, OH_TEXT_NORMAL, "Nothing dialled yet");
  for (guint i = 0; numbers[i]; i++)
    draw_menu_line (s, 2 + i, i, numbers[i], "");
}

static void
draw_history (Screen *s)
{
  GVariant *entries = oh_ui_phone_get_history (s->phone);
  guint n = entries ? g_variant_n_children (entries) : 0;

  line (s, 1, 1, OH_TEXT_BOLD, "History");
  if (!entries)
    line (s, 2, 1, OH_TEXT_NORMAL, "Loading");
  else if (n == 0)
    line (s, 2, 1, OH_TEXT_NORMAL, "No calls yet");
  for (guint i = 0; i < n; i++) {
    g_autoptr(GVariant) entry = g_variant_get_child_value (entries, i);
    const char *direction = "", *name = "", *uri = "", *result = "";
    g_autofree char *left = NULL;

    g_variant_lookup (entry, "direction", "&s", &direction);
    g_variant_lookup (entry, "remote-name", "&s", &name);
    g_variant_lookup (entry, "remote-uri", "&s", &uri);
    g_variant_lookup (entry, "result", "&s", &result);
    left = g_strdup_printf ("%s %s", g_str_equal (direction, "incoming") ? OH_GLYPH_ARROW_LEFT : OH_GLYPH_ARROW_RIGHT,
                            *name ? name : g_str_has_prefix (uri, "sip:") ? uri + 4 : uri);
    draw_menu_line (s, 2 + i, i, left, result);
  }
}

static void
draw_settings (Screen *s)
{
  g_autofree char *ringer = NULL;
  const char *route;

  line (s, 1, 1, OH_TEXT_BOLD, "Settings");
  if (!s->manager)
    return;
  ringer = g_strdup_printf ("%u %%", oh_dbus_manager_get_ringer_volume (s->manager));
  route = oh_dbus_manager_get_audio_route (s->manager);
  draw_menu_line (s, 2 + OH_UI_SETTING_ROUTE, OH_UI_SETTING_ROUTE, "Audio route", route ? route : "");
  draw_menu_line (s, 2 + OH_UI_SETTING_RINGER, OH_UI_SETTING_RINGER, "Ringer volume", ringer);
  draw_menu_line (s, 2 + OH_UI_SETTING_DND, OH_UI_SETTING_DND, "Do not disturb",
                  oh_dbus_manager_get_do_not_disturb (s->manager) ? "on" : "off");
}

void
oh_ui_screens_draw (OhDisplay *display, OhUiPhone *phone, GDateTime *now)
{
  Screen s = {
    .display = display,
    .phone = phone,
    .client = oh_ui_phone_get_client (phone),
    .manager = oh_ui_client_get_manager (oh_ui_phone_get_client (phone)),
    .now = now,
    .cols = oh_display_get_cols (display),
    .rows = oh_display_get_rows (display),
  };
  const char *softkeys[OH_UI_N_SOFTKEYS + 1];

  oh_display_clear (display);
  draw_status_bar (&s);
  if (oh_ui_client_is_ready (s.client)) {
    switch (oh_ui_phone_get_screen (phone)) {
    case OH_UI_SCREEN_DIALING:
      draw_dialing (&s);
      break;
    case OH_UI_SCREEN_CALLS:
      draw_calls (&s);
      break;
    case OH_UI_SCREEN_TRANSFER:
      draw_transfer (&s);
      break;
    case OH_UI_SCREEN_REDIAL:
      draw_redial (&s);
      break;
    case OH_UI_SCREEN_HISTORY:
      draw_history (&s);
      break;
    case OH_UI_SCREEN_SETTINGS:
      draw_settings (&s);
      break;
    default:
      draw_idle (&s);
    }
  } else
    line (&s, 2, 1, OH_TEXT_NORMAL, "Waiting for offhookd");
  draw_indicators (&s);
  oh_ui_phone_get_softkeys (phone, softkeys);
  oh_display_softkeys (display, softkeys);
}
