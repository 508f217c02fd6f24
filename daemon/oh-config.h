/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Configuration file, persisted accounts and the secrets store. */
#pragma once

#include <glib-object.h>

G_BEGIN_DECLS

/* General settings from offhookd.conf; defaults where a key is missing or bad. */
typedef struct {
  guint sip_port;
  char *sip_address;            /* bind address, "" = all */
  guint t1_ms;
  guint invite_retransmissions; /* INVITE copies resent before failing over */
  guint probe_interval;         /* seconds between OPTIONS to a failed primary */
  guint ring_timeout;           /* seconds an unanswered call may ring */
  guint max_calls;
  guint session_expires;        /* RFC 4028 session interval we ask for, seconds */
  guint min_se;                 /* the shortest one we accept (422 below it) */
  char *local_user;             /* user part of direct-IP calls outside any account */
  char *user_agent;
  guint rtp_port_min;
  guint rtp_port_max;
  char *audio_source;           /* PulseAudio source, "" = default */
  char *audio_sink;             /* PulseAudio sink, "" = default */
  /* per route (OhAudioRoute order: handset, headset, speaker); "" = the above */
  char *route_sink[3];
  char *route_source[3];
  char *route_sink_port[3];     /* a port to switch the sink to, "" = leave it */
  char *route_source_port[3];
  gboolean route_echo_cancel[3]; /* default: on for the speaker only */
  char *ringer_sink;            /* "" = the speaker's */
  char *ringtone;               /* a sound file for the usual ring, "" = built in */
  char *tone_country;           /* ITU-T E.180 tones of: us, uk, de, fr, it, nl, se, jp, au */
  char *instance_id;            /* "urn:uuid:…", kept in the state directory */
} OhSettings;

#define OH_TYPE_CONFIG (oh_config_get_type ())
G_DECLARE_FINAL_TYPE (OhConfig, oh_config, OH, CONFIG, GObject)

OhConfig          *oh_config_new               (const char  *config_path,
                                                const char  *state_dir);
void               oh_config_load              (OhConfig    *self);
const OhSettings  *oh_config_get_settings      (OhConfig    *self);
const char        *oh_config_get_state_dir     (OhConfig    *self);

/* Accounts: ids in file order (config file first, then the state directory), and
 * one account's keys as a{sv}, typed by @types (key → GVariantType string).
 * Bad values are reported (file, line, key) and left out. */
GStrv              oh_config_list_accounts     (OhConfig    *self);
GVariant          *oh_config_get_account       (OhConfig    *self,
                                                const char  *id,
                                                GHashTable  *types);
gboolean           oh_config_save_account      (OhConfig    *self,
                                                const char  *id,
                                                GVariant    *settings,
                                                GError     **error);
gboolean           oh_config_remove_account    (OhConfig    *self,
                                                const char  *id,
                                                GError     **error);

#define OH_CONFIG_DIALPLAN_PREFIX "dialplan "

/* Raw access to the configuration file, for sections other objects own
 * (e.g. [dialplan NAME]): group names starting with @prefix in file order,
 * and one value with its line number. */
const char        *oh_config_get_path          (OhConfig    *self);
GStrv              oh_config_list_groups       (OhConfig    *self,
                                                const char  *prefix);
char              *oh_config_get_value         (OhConfig    *self,
                                                const char  *group,
                                                const char  *key,
                                                guint       *line);

/* Small state files in the state directory (e.g. the audio route and
 * volumes): an empty key file when missing or unreadable. */
GKeyFile          *oh_config_read_state        (OhConfig    *self,
                                                const char  *name);
gboolean           oh_config_write_state       (OhConfig    *self,
                                                const char  *name,
                                                GKeyFile    *state,
                                                GError     **error);

/* Secrets: kept in memory excluded from core dumps, on disk in a 0600 file. */
const char        *oh_config_get_secret        (OhConfig    *self,
                                                const char  *id);
gboolean           oh_config_set_secret        (OhConfig    *self,
                                                const char  *id,
                                                const char  *secret,
                                                GError     **error);

G_END_DECLS
