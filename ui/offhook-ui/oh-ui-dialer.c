/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Digit collection against the phone's dial plan (Manager.MatchDialPlan).
 *
 * Every digit asks the daemon's dial plan for a verdict: dial-now, wait
 * (complete: dial after its timeout, or at once on #), more (keep
 * collecting; give up after its timeout) or invalid.  A daemon without a
 * dial plan (NotSupported) gets a desk phone's plain rule: dial on # or
 * after OH_UI_DIALER_FALLBACK_MS without a digit.  A `more` verdict whose
 * target is `secondary-dial` (the digits reached a rule's ',') asks for
 * secondary dial tone. */
#define G_LOG_DOMAIN "offhook-ui"

#include "oh-ui-dialer.h"

#include "oh-error.h"

enum {
  SIGNAL_CHANGED,
  SIGNAL_DIAL,
  SIGNAL_INVALID,
  SIGNAL_SECONDARY_DIAL,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

typedef enum {
  VERDICT_UNKNOWN,     /* asked, no answer yet */
  VERDICT_DIAL_NOW,
  VERDICT_WAIT,
  VERDICT_MORE,
  VERDICT_INVALID,
} Verdict;

struct _OhUiDialer {
  GObject parent_instance;

  OhUiClient *client;
  GString *digits;
  char *target;           /* what the plan says to dial */
  Verdict verdict;
  gboolean no_plan;       /* the daemon has no dial plan */
  gboolean pound_waiting; /* # pressed before the verdict came */
  guint64 asked;          /* drops answers to digits since changed */
  guint timer;
  char *status;
};

G_DEFINE_TYPE (OhUiDialer, oh_ui_dialer, G_TYPE_OBJECT)

typedef struct {
  OhUiDialer *dialer;
  guint64 asked;
} Question;

static void ask (OhUiDialer *self);

static void
set_status (OhUiDialer *self, const char *status)
{
  g_free (self->status);
  self->status = g_strdup (status);
  g_signal_emit (self, signals[SIGNAL_CHANGED], 0);
}

static void
clear_timer (OhUiDialer *self)
{
  g_clear_handle_id (&self->timer, g_source_remove);
}

static void
dial (OhUiDialer *self)
{
  g_autofree char *target = g_strdup (self->target && *self->target ? self->target : self->digits->str);

  clear_timer (self);
  self->asked++;
  if (!*target)
    return;
  set_status (self, "Dialling");
  g_signal_emit (self, signals[SIGNAL_DIAL], 0, target);
}

static gboolean
on_timeout (gpointer data)
{
  OhUiDialer *self = data;

  self->timer = 0;
  if (self->verdict == VERDICT_WAIT)
    dial (self);
  else {
    self->verdict = VERDICT_INVALID;
    set_status (self, "No number dialled");
    g_signal_emit (self, signals[SIGNAL_INVALID], 0);
  }
  return G_SOURCE_REMOVE;
}

static void
apply (OhUiDialer *self, Verdict verdict, guint timeout_ms, const char *target)
{
  g_autofree char *status = NULL;

  self->verdict = verdict;
  g_free (self->target);
  /* for "more" the target names a tone, not a number */
  self->target = verdict == VERDICT_MORE ? NULL : g_strdup (target);
  clear_timer (self);
  if (self->pound_waiting) {
    self->pound_waiting = FALSE;
    if (verdict == VERDICT_WAIT || verdict == VERDICT_DIAL_NOW) {
      dial (self);
      return;
    }
    /* an incomplete number: the # is one of its digits */
    g_string_append_c (self->digits, '#');
    ask (self);
    return;
  }
  switch (verdict) {
  case VERDICT_DIAL_NOW:
    dial (self);
    return;
  case VERDICT_WAIT:
    status = self->no_plan ? g_strdup_printf ("# dials, or wait %u s", timeout_ms / 1000)
                           : g_strdup_printf ("Complete: # or %u s", (timeout_ms + 999) / 1000);
    break;
  case VERDICT_MORE:
    status = g_strdup ("More digits");
    if (g_str_equal (target, "secondary-dial"))
      g_signal_emit (self, signals[SIGNAL_SECONDARY_DIAL], 0);
    break;
  default:
    set_status (self, "Invalid number");
    g_signal_emit (self, signals[SIGNAL_INVALID], 0);
    return;
  }
  if (timeout_ms > 0)
    self->timer = g_timeout_add (timeout_ms, on_timeout, self);
  set_status (self, status);
}

static Verdict
parse_verdict (const char *word)
{
  static const char * const words[] = { "", "dial-now", "wait", "more", "invalid" };

  for (guint i = 1; i < G_N_ELEMENTS (words); i++)
    if (g_str_equal (word, words[i]))
      return (Verdict) i;
  return VERDICT_INVALID;
}

static void
on_verdict (GObject *source, GAsyncResult *result, gpointer data)
{
  Question *question = data;
  g_autoptr(OhUiDialer) self = question->dialer;
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) reply = g_dbus_proxy_call_finish (G_DBUS_PROXY (source), result, &error);
  const char *verdict, *target;
  guint32 timeout_ms;

  if (question->asked != self->asked) {
    g_free (question);
    return;
  }
  g_free (question);
  if (!reply) {
    if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
      return;
    if (!g_error_matches (error, OH_ERROR, OH_ERROR_NOT_SUPPORTED) &&
        !g_error_matches (error, G_DBUS_ERROR, G_DBUS_ERROR_UNKNOWN_METHOD))
      g_message ("dial plan: %s; dialling on # or after %u s", error->message,
                 OH_UI_DIALER_FALLBACK_MS / 1000);
    self->no_plan = TRUE;
    apply (self, VERDICT_WAIT, OH_UI_DIALER_FALLBACK_MS, self->digits->str);
    return;
  }
  g_variant_get (reply, "(&su&s)", &verdict, &timeout_ms, &target);
  apply (self, parse_verdict (verdict), timeout_ms, target);
}

static void
ask (OhUiDialer *self)
{
  OhDbusManager *manager = oh_ui_client_get_manager (self->client);
  Question *question;

  clear_timer (self);
  self->asked++;
  self->verdict = VERDICT_UNKNOWN;
  g_clear_pointer (&self->target, g_free);
  if (self->digits->len == 0) {
    set_status (self, "");
    return;
  }
  if (self->no_plan || !manager) {
    apply (self, VERDICT_WAIT, OH_UI_DIALER_FALLBACK_MS, self->digits->str);
    return;
  }
  set_status (self, "");
  question = g_new0 (Question, 1);
  question->dialer = g_object_ref (self);
  question->asked = self->asked;
  oh_ui_client_call_full (self->client, manager, "MatchDialPlan", g_variant_new ("(s)", self->digits->str),
                          on_verdict, question);
}

static void
oh_ui_dialer_dispose (GObject *object)
{
  OhUiDialer *self = OH_UI_DIALER (object);

  clear_timer (self);
  g_clear_object (&self->client);
  G_OBJECT_CLASS (oh_ui_dialer_parent_class)->dispose (object);
}

static void
oh_ui_dialer_finalize (GObject *object)
{
  OhUiDialer *self = OH_UI_DIALER (object);

  g_string_free (self->digits, TRUE);
  g_free (self->target);
  g_free (self->status);
  G_OBJECT_CLASS (oh_ui_dialer_parent_class)->finalize (object);
}

static void
oh_ui_dialer_class_init (OhUiDialerClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = oh_ui_dialer_dispose;
  object_class->finalize = oh_ui_dialer_finalize;

  signals[SIGNAL_CHANGED] = g_signal_new ("changed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                                          0, NULL, NULL, NULL, G_TYPE_NONE, 0);
  /* the number is complete: call @target */
  signals[SIGNAL_DIAL] = g_signal_new ("dial", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                                       0, NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_STRING);
  /* the digits can never make a number, or no number came in time */
  signals[SIGNAL_INVALID] = g_signal_new ("invalid", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                                          0, NULL, NULL, NULL, G_TYPE_NONE, 0);
  /* the plan wants secondary dial tone now (an outside-line prefix) */
  signals[SIGNAL_SECONDARY_DIAL] = g_signal_new ("secondary-dial", G_TYPE_FROM_CLASS (klass),
                                                 G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL, G_TYPE_NONE, 0);
}

static void
oh_ui_dialer_init (OhUiDialer *self)
{
  self->digits = g_string_new (NULL);
  self->status = g_strdup ("");
}

OhUiDialer *
oh_ui_dialer_new (OhUiClient *client)
{
  OhUiDialer *self = g_object_new (OH_UI_TYPE_DIALER, NULL);

  self->client = g_object_ref (client);
  return self;
}

void
oh_ui_dialer_reset (OhUiDialer *self)
{
  clear_timer (self);
  self->asked++;
  g_string_truncate (self->digits, 0);
  g_clear_pointer (&self->target, g_free);
  self->verdict = VERDICT_UNKNOWN;
  self->pound_waiting = FALSE;
  /* a daemon restarted meanwhile may have a plan now */
  self->no_plan = FALSE;
  set_status (self, "");
}

void
oh_ui_dialer_add (OhUiDialer *self, char digit)
{
  if (digit == '#' && self->digits->len > 0) {
    /* # ends a complete number; in an incomplete one it is a digit */
    if (self->verdict == VERDICT_WAIT || self->verdict == VERDICT_DIAL_NOW) {
      dial (self);
      return;
    }
    if (self->verdict == VERDICT_UNKNOWN) {
      self->pound_waiting = TRUE;
      return;
    }
  }
  g_string_append_c (self->digits, digit);
  ask (self);
}

void
oh_ui_dialer_backspace (OhUiDialer *self)
{
  if (self->digits->len == 0)
    return;
  g_string_truncate (self->digits, self->digits->len - 1);
  self->pound_waiting = FALSE;
  ask (self);
}

void
oh_ui_dialer_dial_now (OhUiDialer *self)
{
  if (self->digits->len > 0)
    dial (self);
}

const char *
oh_ui_dialer_get_digits (OhUiDialer *self)
{
  return self->digits->str;
}

const char *
oh_ui_dialer_get_status (OhUiDialer *self)
{
  return self->status;
}
