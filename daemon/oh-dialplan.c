/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The phone's dial plan, in the style of Cisco's dial templates: rules
 * ([dialplan NAME] groups, tried in file order) whose pattern has digits,
 * '.' for any one digit, '*' for one or more digits ('#', '+' and '\*' stand
 * for themselves) and ',' where the secondary dial tone plays; a timeout (0:
 * dial the moment the pattern is complete) and a rewrite (strip leading keys,
 * add a prefix). */
#define G_LOG_DOMAIN "offhook-dialplan"

#include "oh-dialplan.h"

#include <string.h>

#include "oh-error.h"

#define MAX_DIGITS 64

typedef struct {
  char *match;
  guint timeout_ms;
  guint strip;
  char *prefix;
} Rule;

struct _OhDialPlan {
  GPtrArray *rules;
};

typedef enum { NO_MATCH, PARTIAL, COMPLETE } Fit;

static void
rule_free (Rule *rule)
{
  g_free (rule->match);
  g_free (rule->prefix);
  g_free (rule);
}

OhDialPlan *
oh_dial_plan_new (void)
{
  OhDialPlan *self = g_new0 (OhDialPlan, 1);

  self->rules = g_ptr_array_new_with_free_func ((GDestroyNotify) rule_free);
  return self;
}

void
oh_dial_plan_free (OhDialPlan *self)
{
  if (!self)
    return;
  g_ptr_array_unref (self->rules);
  g_free (self);
}

static gboolean
is_key (char c)
{
  return g_ascii_isdigit (c) || c == '*' || c == '#' || c == '+';
}

gboolean
oh_dial_plan_add_rule (OhDialPlan *self, const char *match, guint timeout_ms, guint strip,
                       const char *prefix, GError **error)
{
  Rule *rule;

  if (!match || !*match) {
    g_set_error_literal (error, OH_ERROR, OH_ERROR_INVALID_ARGUMENTS, "the pattern is empty");
    return FALSE;
  }
  for (const char *p = match; *p; p++) {
    if (*p == '\\' && p[1] && is_key (p[1])) {
      p++;
      continue;
    }
    if (!is_key (*p) && *p != '.' && *p != ',') {
      g_set_error (error, OH_ERROR, OH_ERROR_INVALID_ARGUMENTS,
                   "'%c' in pattern '%s' is none of 0-9 # + . * , \\*", *p, match);
      return FALSE;
    }
  }
  for (const char *p = prefix; p && *p; p++)
    if (!is_key (*p)) {
      g_set_error (error, OH_ERROR, OH_ERROR_INVALID_ARGUMENTS, "prefix '%s' is not keys (0-9 * # +)", prefix);
      return FALSE;
    }
  rule = g_new0 (Rule, 1);
  rule->match = g_strdup (match);
  rule->timeout_ms = timeout_ms;
  rule->strip = strip;
  rule->prefix = g_strdup (prefix ? prefix : "");
  g_ptr_array_add (self->rules, rule);
  return TRUE;
}

static guint
config_uint (OhConfig *config, const char *group, const char *key, guint fallback)
{
  guint line = 0;
  g_autofree char *raw = oh_config_get_value (config, group, key, &line);
  guint64 n;

  if (!raw)
    return fallback;
  if (g_ascii_string_to_unsigned (raw, 10, 0, 600000, &n, NULL))
    return (guint) n;
  g_warning ("%s:%u: %s in [%s]: '%s' is not a number; using %u", oh_config_get_path (config), line, key,
             group, raw, fallback);
  return fallback;
}

OhDialPlan *
oh_dial_plan_new_from_config (OhConfig *config)
{
  OhDialPlan *self = oh_dial_plan_new ();
  g_auto(GStrv) groups = oh_config_list_groups (config, OH_CONFIG_DIALPLAN_PREFIX);

  for (guint i = 0; groups[i]; i++) {
    g_autoptr(GError) error = NULL;
    guint line = 0;
    g_autofree char *match = oh_config_get_value (config, groups[i], "match", &line);
    g_autofree char *prefix = oh_config_get_value (config, groups[i], "prefix", NULL);

    if (!oh_dial_plan_add_rule (self, match, config_uint (config, groups[i], "timeout", 0),
                                config_uint (config, groups[i], "strip", 0), prefix, &error))
      g_warning ("%s:%u: [%s] ignored: %s", oh_config_get_path (config), line, groups[i], error->message);
  }
  return self;
}

/* How far @digits fit @pattern; *secondary: they end where a ',' is. */
static Fit
fit (const char *pattern, const char *digits, gboolean *secondary)
{
  Fit best = NO_MATCH;

  if (*pattern == ',') {
    if (!*digits)
      *secondary = TRUE;
    return fit (pattern + 1, digits, secondary);
  }
  if (!*digits)
    return *pattern ? PARTIAL : COMPLETE;
  if (!*pattern)
    return NO_MATCH;
  if (*pattern == '*') {
    /* one or more digits: the reading that fits best */
    for (gsize n = 1; n <= strlen (digits) && g_ascii_isdigit (digits[n - 1]) && best != COMPLETE; n++)
      best = MAX (best, fit (pattern + 1, digits + n, secondary));
    return best;
  }
  if (*pattern == '.')
    return g_ascii_isdigit (*digits) ? fit (pattern + 1, digits + 1, secondary) : NO_MATCH;
  if (*pattern == '\\' && pattern[1])
    pattern++;
  return *pattern == *digits ? fit (pattern + 1, digits + 1, secondary) : NO_MATCH;
}

static char *
rewrite (const Rule *rule, const char *digits)
{
  gsize strip = MIN (rule->strip, strlen (digits));

  return g_strconcat (rule->prefix, digits + strip, NULL);
}

/* The first rule the digits fit, fully or as a beginning; *secondary: some
 * rule they begin has its ',' right after them. */
static const Rule *
first_fit (OhDialPlan *self, const char *digits, Fit *how, gboolean *secondary)
{
  const Rule *first = NULL;

  *secondary = FALSE;
  for (guint i = 0; i < self->rules->len; i++) {
    const Rule *rule = self->rules->pdata[i];
    gboolean at_comma = FALSE;
    Fit f = fit (rule->match, digits, &at_comma);

    if (f != NO_MATCH && !first) {
      first = rule;
      *how = f;
    }
    *secondary |= at_comma && f == PARTIAL;
  }
  return first;
}

/* The verdict on @digits: "dial-now", "wait" (dial *target unless another
 * digit comes within *timeout_ms), "more" (*target: "secondary-dial" when
 * that tone is due, else empty) or "invalid". A trailing '#' that no rule
 * asks for means "dial what I typed now". With no rules every number waits
 * OH_DIAL_PLAN_OPEN_MS. */
const char *
oh_dial_plan_match (OhDialPlan *self, const char *digits, guint *timeout_ms, char **target, GError **error)
{
  g_autofree char *typed = NULL;
  const Rule *rule;
  gboolean secondary = FALSE;
  Fit how = NO_MATCH;
  gsize len = strlen (digits);

  for (gsize i = 0; i < len; i++)
    if (!is_key (digits[i])) {
      g_set_error (error, OH_ERROR, OH_ERROR_INVALID_ARGUMENTS,
                   "'%c' at position %zu is not a key of a phone (0-9 * # +)", digits[i], i + 1);
      return NULL;
    }
  if (len > MAX_DIGITS) {
    g_set_error (error, OH_ERROR, OH_ERROR_INVALID_ARGUMENTS, "%zu digits are more than %d", len, MAX_DIGITS);
    return NULL;
  }

  *timeout_ms = 0;
  if (len == 0) {
    *timeout_ms = OH_DIAL_PLAN_MORE_MS;
    *target = g_strdup ("");
    return "more";
  }

  rule = first_fit (self, digits, &how, &secondary);
  if (!rule && digits[len - 1] == '#' && len > 1) {
    typed = g_strndup (digits, len - 1);
    if (self->rules->len == 0) {
      *target = g_steal_pointer (&typed);
      return "dial-now";
    }
    rule = first_fit (self, typed, &how, &secondary);
    if (rule && how == COMPLETE) {
      *target = rewrite (rule, typed);
      return "dial-now";
    }
    *target = g_strdup ("");
    return "invalid";
  }
  if (self->rules->len == 0) {
    *timeout_ms = OH_DIAL_PLAN_OPEN_MS;
    *target = g_strdup (digits);
    return "wait";
  }
  if (!rule) {
    *target = g_strdup ("");
    return "invalid";
  }
  if (how == PARTIAL) {
    *timeout_ms = OH_DIAL_PLAN_MORE_MS;
    *target = g_strdup (secondary ? "secondary-dial" : "");
    return "more";
  }
  *target = rewrite (rule, digits);
  *timeout_ms = rule->timeout_ms;
  return rule->timeout_ms ? "wait" : "dial-now";
}
