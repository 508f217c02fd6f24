/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* offhookctl's command table: names, arguments, options, help and what runs. */
#pragma once

#include <gio/gio.h>

#include "oh-ctl-client.h"

G_BEGIN_DECLS

typedef struct _OhCtlCommand OhCtlCommand;

typedef struct {
  OhCtlClient *client;
  char **args;          /* the positional arguments after the command name */
  guint n_args;
  gboolean json;
} OhCtlRequest;

struct _OhCtlCommand {
  const char *name;            /* "dial", "account add" */
  const char *args;            /* the positional arguments, for the usage line */
  const char *summary;         /* one line, for the command list */
  const char *description;     /* more, for --help; NULL: none */
  const GOptionEntry *entries; /* the command's own options; NULL: none */
  int min_args, max_args;      /* max_args -1: no limit */
  gboolean json;               /* has data to print as JSON */
  gboolean no_daemon;          /* runs without offhookd on the bus (monitor waits for it) */
  gboolean (*run) (const OhCtlRequest *request, GError **error);
};

/* Each group ends with an entry whose name is NULL. */
extern const OhCtlCommand oh_ctl_phone_commands[];
extern const OhCtlCommand oh_ctl_account_commands[];
extern const OhCtlCommand oh_ctl_call_commands[];
extern const OhCtlCommand oh_ctl_monitor_commands[];

/* The command named by argv[0] (and argv[1] for two-word commands such as
 * "account add"); *n_words says how many words the name took. */
const OhCtlCommand *oh_ctl_command_find      (int            argc,
                                              char         **argv,
                                              int           *n_words);
/* A parser for @command's options plus @global_entries. */
GOptionContext     *oh_ctl_command_context   (const OhCtlCommand *command,
                                              const GOptionEntry *global_entries);
/* "add, set, …" when @word starts two-word commands ("account"), else NULL. */
char               *oh_ctl_command_subcommands (const char *word);
/* The list of commands, for offhookctl --help. */
char               *oh_ctl_command_list      (void);

/* Parse "on"/"off" (and true/false, yes/no, 1/0) or fail with a usage error naming @what. */
gboolean            oh_ctl_parse_switch      (const char  *text,
                                              const char  *what,
                                              gboolean    *value,
                                              GError     **error);

G_END_DECLS
