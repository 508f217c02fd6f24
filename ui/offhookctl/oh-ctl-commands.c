/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* offhookctl's command table: names, arguments, options, help and what runs. */
#include "oh-ctl-commands.h"

#include "oh-ctl-error.h"

#include <string.h>

static const OhCtlCommand * const groups[] = {
  oh_ctl_phone_commands,
  oh_ctl_account_commands,
  oh_ctl_call_commands,
  oh_ctl_monitor_commands,
};

const OhCtlCommand *
oh_ctl_command_find (int argc, char **argv, int *n_words)
{
  g_autofree char *two = argc >= 2 ? g_strconcat (argv[0], " ", argv[1], NULL) : NULL;

  if (argc < 1)
    return NULL;
  /* "account add" before a one-word "account" */
  for (guint g = 0; g < G_N_ELEMENTS (groups); g++)
    for (const OhCtlCommand *c = groups[g]; c->name; c++)
      if (two && g_str_equal (c->name, two)) {
        *n_words = 2;
        return c;
      }
  for (guint g = 0; g < G_N_ELEMENTS (groups); g++)
    for (const OhCtlCommand *c = groups[g]; c->name; c++)
      if (g_str_equal (c->name, argv[0])) {
        *n_words = 1;
        return c;
      }
  return NULL;
}

static char *
usage_of (const OhCtlCommand *command)
{
  return g_strdup_printf ("%s%s%s", command->name, command->args ? " " : "", command->args ? command->args : "");
}

GOptionContext *
oh_ctl_command_context (const OhCtlCommand *command, const GOptionEntry *global_entries)
{
  g_autofree char *usage = usage_of (command);
  GOptionContext *context = g_option_context_new (usage);
  g_autoptr(GArray) common = g_array_new (TRUE, TRUE, sizeof (GOptionEntry));

  g_option_context_set_summary (context, command->summary);
  if (command->description)
    g_option_context_set_description (context, command->description);
  if (command->entries)
    g_option_context_add_main_entries (context, command->entries, NULL);
  /* the bus options everywhere; --json only where there is data to print */
  for (const GOptionEntry *e = global_entries; e->long_name; e++)
    if (command->json || !g_str_equal (e->long_name, "json"))
      g_array_append_val (common, *e);
  g_option_context_add_main_entries (context, (const GOptionEntry *) common->data, NULL);
  return context;
}

char *
oh_ctl_command_subcommands (const char *word)
{
  g_autofree char *prefix = g_strconcat (word, " ", NULL);
  GString *out = g_string_new (NULL);

  for (guint g = 0; g < G_N_ELEMENTS (groups); g++)
    for (const OhCtlCommand *c = groups[g]; c->name; c++)
      if (g_str_has_prefix (c->name, prefix))
        g_string_append_printf (out, "%s%s", out->len ? ", " : "", c->name + strlen (prefix));
  return g_string_free (out, out->len == 0);
}

char *
oh_ctl_command_list (void)
{
  GString *out = g_string_new ("Commands:\n");

  g_string_append_printf (out, "  %-36s %s\n", "help [COMMAND]", "Show how to use offhookctl or one command");

  for (guint g = 0; g < G_N_ELEMENTS (groups); g++)
    for (const OhCtlCommand *c = groups[g]; c->name; c++) {
      g_autofree char *usage = usage_of (c);
      g_string_append_printf (out, "  %-36s %s\n", usage, c->summary);
    }
  return g_string_free (out, FALSE);
}

gboolean
oh_ctl_parse_switch (const char *text, const char *what, gboolean *value, GError **error)
{
  static const char * const on[] = { "on", "true", "yes", "1", NULL };
  static const char * const off[] = { "off", "false", "no", "0", NULL };

  if (g_strv_contains (on, text))
    *value = TRUE;
  else if (g_strv_contains (off, text))
    *value = FALSE;
  else {
    g_set_error (error, OH_CTL_ERROR, OH_CTL_EXIT_USAGE, "%s: '%s' is neither on nor off", what, text);
    return FALSE;
  }
  return TRUE;
}
