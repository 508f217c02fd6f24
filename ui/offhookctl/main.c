/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* offhookctl: drive offhookd from a shell; parse the command line, run one command. */
#include <locale.h>
#include <stdio.h>

#include <gio/gio.h>

#include "oh-ctl-client.h"
#include "oh-ctl-commands.h"
#include "oh-ctl-error.h"

static gboolean opt_system;
static gboolean opt_session;
static char *opt_address;
static gboolean opt_json;
static gboolean opt_version;

static const GOptionEntry global_entries[] = {
  { "system", 0, 0, G_OPTION_ARG_NONE, &opt_system, "offhookd on the system bus (the default, as on a phone)", NULL },
  { "session", 0, 0, G_OPTION_ARG_NONE, &opt_session, "offhookd on the session bus (offhookd --session)", NULL },
  { "address", 0, 0, G_OPTION_ARG_STRING, &opt_address, "offhookd on the bus at ADDR (unix:path=…)", "ADDR" },
  { "json", 0, 0, G_OPTION_ARG_NONE, &opt_json, "Print data as JSON", NULL },
  G_OPTION_ENTRY_NULL
};

static const GOptionEntry top_entries[] = {
  { "version", 0, 0, G_OPTION_ARG_NONE, &opt_version, "Print offhookctl's version", NULL },
  G_OPTION_ENTRY_NULL
};

static const char top_description[] =
  "Calls are named by number (offhookctl calls) or object path, accounts by id.\n"
  "Exit status: 0 done; 1 the daemon refused (its org.offhook.Phone1.Error.* on stderr);\n"
  "2 usage error; 3 offhookd not running; 4 no such call or account; 5 not supported\n"
  "by this offhookd; 6 no call history; 7 dial --wait: the call ended unanswered.\n"
  "See offhookctl(1).";

static GOptionContext *
top_context (void)
{
  GOptionContext *context = g_option_context_new ("COMMAND [ARGUMENT…]");
  g_autofree char *commands = oh_ctl_command_list ();
  g_autofree char *description = g_strconcat (commands, "\n", top_description, NULL);

  g_option_context_set_summary (context, "Drive offhookd, the Offhook phone daemon, over D-Bus.");
  g_option_context_set_description (context, description);
  g_option_context_add_main_entries (context, global_entries, NULL);
  g_option_context_add_main_entries (context, top_entries, NULL);
  /* stop at the command: its options are parsed with its own table */
  g_option_context_set_strict_posix (context, TRUE);
  return context;
}

static int
usage_error (const char *hint, const char *format, ...) G_GNUC_PRINTF (2, 3);

static int
usage_error (const char *hint, const char *format, ...)
{
  g_autofree char *message = NULL;
  va_list args;

  va_start (args, format);
  message = g_strdup_vprintf (format, args);
  va_end (args);
  g_printerr ("offhookctl: %s\nTry 'offhookctl %s--help'.\n", message, hint ? hint : "");
  return OH_CTL_EXIT_USAGE;
}

static int
unknown_command (const char *word)
{
  g_autofree char *subcommands = oh_ctl_command_subcommands (word);

  if (subcommands)
    return usage_error (NULL, "%s: say which one: %s", word, subcommands);
  return usage_error (NULL, "there is no command '%s'", word);
}

static int
show_help (int argc, char **argv)
{
  g_autoptr(GOptionContext) context = NULL;
  g_autofree char *help = NULL;
  const OhCtlCommand *command;
  int n_words = 0;

  if (argc == 0) {
    context = top_context ();
  } else {
    command = oh_ctl_command_find (argc, argv, &n_words);
    if (!command || n_words != argc)
      return unknown_command (argv[0]);
    context = oh_ctl_command_context (command, global_entries);
  }
  help = g_option_context_get_help (context, TRUE, NULL);
  g_print ("%s", help);
  return OH_CTL_EXIT_OK;
}

static int
run (const OhCtlCommand *command, int n_words, int argc, char **argv)
{
  g_autoptr(GOptionContext) context = oh_ctl_command_context (command, global_entries);
  g_autoptr(OhCtlClient) client = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *hint = g_strdup_printf ("%s ", command->name);
  OhCtlRequest request = { 0 };
  OhCtlBus bus = OH_CTL_BUS_SYSTEM;
  int n_args;

  if (!g_option_context_parse (context, &argc, &argv, &error))
    return usage_error (hint, "%s", error->message);
  /* argv[0] is the program, then the command's words, then its arguments */
  n_args = argc - 1 - n_words;
  if (n_args < command->min_args || (command->max_args >= 0 && n_args > command->max_args))
    return usage_error (hint, "usage: offhookctl %s%s%s", command->name,
                        command->args ? " " : "", command->args ? command->args : "");
  if (opt_system + opt_session + (opt_address != NULL) > 1)
    return usage_error (hint, "--system, --session and --address exclude each other");
  if (opt_session)
    bus = OH_CTL_BUS_SESSION;
  else if (opt_address)
    bus = OH_CTL_BUS_ADDRESS;

  client = oh_ctl_client_new (bus, opt_address);
  request.client = client;
  request.args = argv + 1 + n_words;
  request.n_args = n_args;
  request.json = opt_json;
  if (!oh_ctl_client_connect (client, !command->no_daemon, &error) || !command->run (&request, &error)) {
    int code = oh_ctl_error_report (error);
    if (code == OH_CTL_EXIT_USAGE)
      g_printerr ("Try 'offhookctl %s--help'.\n", hint);
    return code;
  }
  return OH_CTL_EXIT_OK;
}

int
main (int argc, char **argv)
{
  g_autoptr(GOptionContext) context = NULL;
  g_autoptr(GError) error = NULL;
  const OhCtlCommand *command;
  int n_words = 0;

  setlocale (LC_ALL, "");
  /* monitor's lines must reach a pipe as they happen */
  setvbuf (stdout, NULL, _IOLBF, 0);
  g_set_prgname ("offhookctl");

  context = top_context ();
  if (!g_option_context_parse (context, &argc, &argv, &error))
    return usage_error (NULL, "%s", error->message);
  if (opt_version) {
    g_print ("offhookctl %s\n", PACKAGE_VERSION);
    return OH_CTL_EXIT_OK;
  }
  if (argc < 2)
    return usage_error (NULL, "no command given");
  if (g_str_equal (argv[1], "help"))
    return show_help (argc - 2, argv + 2);

  command = oh_ctl_command_find (argc - 1, argv + 1, &n_words);
  if (!command)
    return unknown_command (argv[1]);
  return run (command, n_words, argc, argv);
}
