/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Configuration file, persisted accounts and the secrets store. */
#define G_LOG_DOMAIN "offhook-config"

#include "oh-config.h"

#include <errno.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "oh-error.h"

#define ACCOUNT_PREFIX "account "

typedef enum { KIND_UINT, KIND_STRING, KIND_BOOL } Kind;

typedef struct {
  const char *group;
  const char *key;
  Kind kind;
  guint min, max;
  gsize offset;
} SettingDef;

#define U(g, k, lo, hi, field) { g, k, KIND_UINT, lo, hi, G_STRUCT_OFFSET (OhSettings, field) }
#define S(g, k, field) { g, k, KIND_STRING, 0, 0, G_STRUCT_OFFSET (OhSettings, field) }
#define B(g, k, field) { g, k, KIND_BOOL, 0, 0, G_STRUCT_OFFSET (OhSettings, field) }

static const SettingDef setting_defs[] = {
  U ("sip", "port", 1, 65535, sip_port),
  S ("sip", "address", sip_address),
  U ("sip", "t1-ms", 50, 10000, t1_ms),
  U ("sip", "invite-retransmissions", 0, 6, invite_retransmissions),
  U ("sip", "probe-interval", 1, 86400, probe_interval),
  U ("sip", "ring-timeout", 1, 3600, ring_timeout),
  U ("sip", "max-calls", 1, 32, max_calls),
  U ("sip", "session-expires", 90, 86400, session_expires),
  U ("sip", "min-se", 90, 86400, min_se),
  S ("sip", "local-user", local_user),
  S ("sip", "user-agent", user_agent),
  U ("rtp", "port-min", 1024, 65534, rtp_port_min),
  U ("rtp", "port-max", 1025, 65535, rtp_port_max),
  S ("audio", "source", audio_source),
  S ("audio", "sink", audio_sink),
  S ("audio", "handset-sink", route_sink[0]),
  S ("audio", "headset-sink", route_sink[1]),
  S ("audio", "speaker-sink", route_sink[2]),
  S ("audio", "handset-source", route_source[0]),
  S ("audio", "headset-source", route_source[1]),
  S ("audio", "speaker-source", route_source[2]),
  S ("audio", "handset-sink-port", route_sink_port[0]),
  S ("audio", "headset-sink-port", route_sink_port[1]),
  S ("audio", "speaker-sink-port", route_sink_port[2]),
  S ("audio", "handset-source-port", route_source_port[0]),
  S ("audio", "headset-source-port", route_source_port[1]),
  S ("audio", "speaker-source-port", route_source_port[2]),
  S ("audio", "ringer-sink", ringer_sink),
  B ("audio", "handset-echo-cancel", route_echo_cancel[0]),
  B ("audio", "headset-echo-cancel", route_echo_cancel[1]),
  B ("audio", "speaker-echo-cancel", route_echo_cancel[2]),
  S ("audio", "tone-country", tone_country),
  S ("audio", "ringtone", ringtone),
};

/* A secret lives in its own page, left out of core dumps and wiped on free. */
typedef struct {
  gsize size;
  char text[];
} Secret;

struct _OhConfig {
  GObject parent_instance;

  char *config_path;
  char *state_dir;
  OhSettings settings;

  GKeyFile *file;        /* the configuration file as parsed */
  GHashTable *lines;     /* "group\nkey" → line number in config_path */
  GKeyFile *state;       /* accounts.conf in the state directory */
  GHashTable *state_lines;
  GHashTable *secrets;   /* account id → Secret* */
};

G_DEFINE_TYPE (OhConfig, oh_config, G_TYPE_OBJECT)

static Secret *
secret_new (const char *text)
{
  gsize len = strlen (text) + 1;
  gsize page = (gsize) sysconf (_SC_PAGESIZE);
  gsize size = ((sizeof (Secret) + len + page - 1) / page) * page;
  Secret *secret = mmap (NULL, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

  g_assert (secret != MAP_FAILED);
  madvise (secret, size, MADV_DONTDUMP);
  secret->size = size;
  memcpy (secret->text, text, len);
  return secret;
}

static void
secret_free (gpointer data)
{
  Secret *secret = data;
  gsize size = secret->size;

  explicit_bzero (secret, size);
  munmap (secret, size);
}

static char *
line_key (const char *group, const char *key)
{
  return g_strconcat (group, "\n", key, NULL);
}

/* A tolerant keyfile reader: one bad line is reported and skipped, the rest is
 * kept (GKeyFile itself gives up on the whole file). A bad line of a secret
 * file is reported by its number only: it may hold a password. */
static GKeyFile *
parse_keyfile (const char *path, GHashTable *lines, gboolean secret)
{
  g_autoptr(GKeyFile) kf = g_key_file_new ();
  g_autoptr(GError) error = NULL;
  g_autofree char *text = NULL;
  g_auto(GStrv) rows = NULL;
  g_autofree char *group = NULL;

  if (!g_file_get_contents (path, &text, NULL, &error)) {
    if (!g_error_matches (error, G_FILE_ERROR, G_FILE_ERROR_NOENT))
      g_warning ("%s: %s; using defaults", path, error->message);
    return g_steal_pointer (&kf);
  }

  rows = g_strsplit (text, "\n", -1);
  for (guint i = 0; rows[i]; i++) {
    g_autofree char *row = g_strstrip (g_strdup (rows[i]));
    const char *shown = secret ? "(not shown)" : row;
    char *eq;

    if (row[0] == '\0' || row[0] == '#' || row[0] == ';')
      continue;
    if (row[0] == '[') {
      gsize len = strlen (row);
      if (len < 3 || row[len - 1] != ']') {
        g_warning ("%s:%u: '%s' is not a [group] line; ignored up to the next group", path, i + 1, shown);
        g_clear_pointer (&group, g_free);
        continue;
      }
      g_free (group);
      group = g_strndup (row + 1, len - 2);
      continue;
    }
    eq = strchr (row, '=');
    if (!eq || eq == row) {
      g_warning ("%s:%u: '%s' is not a 'key=value' line; ignored", path, i + 1, shown);
      continue;
    }
    *eq = '\0';
    g_strstrip (row);
    if (!group) {
      g_warning ("%s:%u: key '%s' outside any [group]; ignored", path, i + 1, row);
      continue;
    }
    g_key_file_set_value (kf, group, row, g_strchug (eq + 1));
    g_hash_table_insert (lines, line_key (group, row), GUINT_TO_POINTER (i + 1));
  }
  if (secret) {
    explicit_bzero (text, strlen (text));
    for (guint i = 0; rows[i]; i++)
      explicit_bzero (rows[i], strlen (rows[i]));
  }
  return g_steal_pointer (&kf);
}

static guint
line_of (GHashTable *lines, const char *group, const char *key)
{
  g_autofree char *k = line_key (group, key);

  return GPOINTER_TO_UINT (g_hash_table_lookup (lines, k));
}

static const SettingDef *
find_setting (const char *group, const char *key)
{
  for (guint i = 0; i < G_N_ELEMENTS (setting_defs); i++)
    if (g_str_equal (setting_defs[i].group, group) && g_str_equal (setting_defs[i].key, key))
      return &setting_defs[i];
  return NULL;
}

static void
settings_set_defaults (OhSettings *s)
{
  s->sip_port = 5060;
  s->sip_address = g_strdup ("");
  s->t1_ms = 500;
  s->invite_retransmissions = 2;
  s->probe_interval = 30;
  s->ring_timeout = 180;
  s->max_calls = 4;
  s->session_expires = 1800;
  s->min_se = 90;
  s->local_user = g_strdup ("offhook");
  s->user_agent = g_strdup ("Offhook/" PACKAGE_VERSION);
  s->rtp_port_min = 16384;
  s->rtp_port_max = 16999;
  s->audio_source = g_strdup ("");
  s->audio_sink = g_strdup ("");
  for (guint r = 0; r < G_N_ELEMENTS (s->route_sink); r++) {
    s->route_sink[r] = g_strdup ("");
    s->route_source[r] = g_strdup ("");
    s->route_sink_port[r] = g_strdup ("");
    s->route_source_port[r] = g_strdup ("");
  }
  s->ringer_sink = g_strdup ("");
  s->route_echo_cancel[2] = TRUE;   /* the speakerphone */
  s->tone_country = g_strdup ("us");
  s->ringtone = g_strdup ("");
}

static void
settings_clear (OhSettings *s)
{
  g_clear_pointer (&s->sip_address, g_free);
  g_clear_pointer (&s->local_user, g_free);
  g_clear_pointer (&s->user_agent, g_free);
  g_clear_pointer (&s->audio_source, g_free);
  g_clear_pointer (&s->audio_sink, g_free);
  for (guint r = 0; r < G_N_ELEMENTS (s->route_sink); r++) {
    g_clear_pointer (&s->route_sink[r], g_free);
    g_clear_pointer (&s->route_source[r], g_free);
    g_clear_pointer (&s->route_sink_port[r], g_free);
    g_clear_pointer (&s->route_source_port[r], g_free);
  }
  g_clear_pointer (&s->ringer_sink, g_free);
  g_clear_pointer (&s->tone_country, g_free);
  g_clear_pointer (&s->ringtone, g_free);
  g_clear_pointer (&s->instance_id, g_free);
}

static void
apply_general (OhConfig *self)
{
  g_auto(GStrv) groups = g_key_file_get_groups (self->file, NULL);

  for (guint g = 0; groups[g]; g++) {
    g_auto(GStrv) keys = NULL;

    if (g_str_has_prefix (groups[g], ACCOUNT_PREFIX) || g_str_has_prefix (groups[g], OH_CONFIG_DIALPLAN_PREFIX))
      continue;
    keys = g_key_file_get_keys (self->file, groups[g], NULL, NULL);
    for (guint k = 0; keys[k]; k++) {
      const SettingDef *def = find_setting (groups[g], keys[k]);
      guint line = line_of (self->lines, groups[g], keys[k]);
      g_autofree char *value = g_key_file_get_string (self->file, groups[g], keys[k], NULL);
      gpointer field;
      guint64 number;

      if (!def) {
        g_warning ("%s:%u: unknown key '%s' in [%s]; ignored", self->config_path, line, keys[k], groups[g]);
        continue;
      }
      field = G_STRUCT_MEMBER_P (&self->settings, def->offset);
      if (def->kind == KIND_STRING) {
        g_free (*(char **) field);
        *(char **) field = g_steal_pointer (&value);
        continue;
      }
      if (def->kind == KIND_BOOL) {
        if (g_strcmp0 (value, "true") == 0 || g_strcmp0 (value, "false") == 0)
          *(gboolean *) field = g_str_equal (value, "true");
        else
          g_warning ("%s:%u: key '%s' in [%s]: '%s' is not true or false; keeping %s",
                     self->config_path, line, keys[k], groups[g], value ? value : "",
                     *(gboolean *) field ? "true" : "false");
        continue;
      }
      if (!value || !g_ascii_string_to_unsigned (value, 10, def->min, def->max, &number, NULL)) {
        g_warning ("%s:%u: key '%s' in [%s]: '%s' is not a number from %u to %u; keeping %u",
                   self->config_path, line, keys[k], groups[g], value ? value : "",
                   def->min, def->max, *(guint *) field);
        continue;
      }
      *(guint *) field = (guint) number;
    }
  }

  if (self->settings.rtp_port_min >= self->settings.rtp_port_max) {
    g_warning ("%s: [rtp] port-min %u is not below port-max %u; using 16384-16999",
               self->config_path, self->settings.rtp_port_min, self->settings.rtp_port_max);
    self->settings.rtp_port_min = 16384;
    self->settings.rtp_port_max = 16999;
  }
}

static char *
state_path (OhConfig *self, const char *name)
{
  return g_build_filename (self->state_dir, name, NULL);
}

static gboolean
write_file (OhConfig *self, const char *data, const char *name, GError **error)
{
  g_autofree char *path = state_path (self, name);

  if (g_mkdir_with_parents (self->state_dir, 0700) < 0) {
    g_set_error (error, OH_ERROR, OH_ERROR_FAILED, "cannot create state directory %s: %s",
                 self->state_dir, g_strerror (errno));
    return FALSE;
  }
  if (!g_file_set_contents_full (path, data, -1, G_FILE_SET_CONTENTS_CONSISTENT, 0600, error)) {
    g_prefix_error (error, "cannot save %s: ", path);
    if (*error)
      (*error)->domain = OH_ERROR, (*error)->code = OH_ERROR_FAILED;
    return FALSE;
  }
  return TRUE;
}

const char *
oh_config_get_path (OhConfig *self)
{
  g_return_val_if_fail (OH_IS_CONFIG (self), NULL);
  return self->config_path;
}

GStrv
oh_config_list_groups (OhConfig *self, const char *prefix)
{
  g_autoptr(GStrvBuilder) names = g_strv_builder_new ();
  g_auto(GStrv) groups = NULL;

  g_return_val_if_fail (OH_IS_CONFIG (self), NULL);
  groups = g_key_file_get_groups (self->file, NULL);
  for (guint i = 0; groups[i]; i++)
    if (g_str_has_prefix (groups[i], prefix))
      g_strv_builder_add (names, groups[i]);
  return g_strv_builder_end (names);
}

char *
oh_config_get_value (OhConfig *self, const char *group, const char *key, guint *line)
{
  g_return_val_if_fail (OH_IS_CONFIG (self), NULL);
  if (line)
    *line = line_of (self->lines, group, key);
  return g_key_file_get_string (self->file, group, key, NULL);
}

GKeyFile *
oh_config_read_state (OhConfig *self, const char *name)
{
  g_autofree char *path = state_path (self, name);
  g_autoptr(GHashTable) lines = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);

  g_return_val_if_fail (OH_IS_CONFIG (self), NULL);
  return parse_keyfile (path, lines, FALSE);
}

gboolean
oh_config_write_state (OhConfig *self, const char *name, GKeyFile *state, GError **error)
{
  g_autofree char *data = g_key_file_to_data (state, NULL, NULL);

  g_return_val_if_fail (OH_IS_CONFIG (self), FALSE);
  return write_file (self, data, name, error);
}

static gboolean
save_state (OhConfig *self, GError **error)
{
  return oh_config_write_state (self, "accounts.conf", self->state, error);
}

/* The phone's +sip.instance (RFC 5626): the same across restarts, so that a
 * registrar replaces the binding of a daemon that died instead of adding one. */
static void
load_instance_id (OhConfig *self)
{
  g_autofree char *path = state_path (self, "instance-id");
  g_autofree char *text = NULL;
  g_autoptr(GError) error = NULL;

  g_clear_pointer (&self->settings.instance_id, g_free);
  if (g_file_get_contents (path, &text, NULL, NULL)) {
    g_strstrip (text);
    if (g_uuid_string_is_valid (text)) {
      self->settings.instance_id = g_strdup_printf ("urn:uuid:%s", text);
      return;
    }
    g_warning ("%s: '%s' is not a UUID; making a new instance id", path, text);
  }
  g_clear_pointer (&text, g_free);
  text = g_uuid_string_random ();
  self->settings.instance_id = g_strdup_printf ("urn:uuid:%s", text);
  if (!write_file (self, text, "instance-id", &error))
    g_warning ("%s; the instance id changes at the next start", error->message);
}

static void
load_secrets (OhConfig *self)
{
  g_autofree char *path = state_path (self, "secrets");
  g_autoptr(GHashTable) lines = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  g_autoptr(GKeyFile) kf = parse_keyfile (path, lines, TRUE);
  g_auto(GStrv) groups = g_key_file_get_groups (kf, NULL);

  for (guint i = 0; groups[i]; i++) {
    g_autofree char *password = g_key_file_get_string (kf, groups[i], "password", NULL);

    if (password && g_str_has_prefix (groups[i], ACCOUNT_PREFIX))
      g_hash_table_insert (self->secrets, g_strdup (groups[i] + strlen (ACCOUNT_PREFIX)),
                           secret_new (password));
    if (password)
      explicit_bzero (password, strlen (password));
  }
}

static void
oh_config_finalize (GObject *object)
{
  OhConfig *self = OH_CONFIG (object);

  settings_clear (&self->settings);
  g_clear_pointer (&self->config_path, g_free);
  g_clear_pointer (&self->state_dir, g_free);
  g_clear_pointer (&self->file, g_key_file_unref);
  g_clear_pointer (&self->lines, g_hash_table_unref);
  g_clear_pointer (&self->state, g_key_file_unref);
  g_clear_pointer (&self->state_lines, g_hash_table_unref);
  g_clear_pointer (&self->secrets, g_hash_table_unref);

  G_OBJECT_CLASS (oh_config_parent_class)->finalize (object);
}

static void
oh_config_class_init (OhConfigClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = oh_config_finalize;
}

static void
oh_config_init (OhConfig *self)
{
  settings_set_defaults (&self->settings);
  self->lines = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  self->state_lines = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  self->secrets = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, secret_free);
  self->file = g_key_file_new ();
  self->state = g_key_file_new ();
}

OhConfig *
oh_config_new (const char *config_path, const char *state_dir)
{
  OhConfig *self = g_object_new (OH_TYPE_CONFIG, NULL);

  self->config_path = g_strdup (config_path);
  self->state_dir = g_strdup (state_dir);
  return self;
}

void
oh_config_load (OhConfig *self)
{
  g_autofree char *accounts = state_path (self, "accounts.conf");

  g_return_if_fail (OH_IS_CONFIG (self));

  g_key_file_unref (self->file);
  g_hash_table_remove_all (self->lines);
  self->file = parse_keyfile (self->config_path, self->lines, FALSE);
  apply_general (self);

  g_key_file_unref (self->state);
  g_hash_table_remove_all (self->state_lines);
  self->state = parse_keyfile (accounts, self->state_lines, FALSE);

  g_hash_table_remove_all (self->secrets);
  load_secrets (self);
  load_instance_id (self);
}

const OhSettings *
oh_config_get_settings (OhConfig *self)
{
  g_return_val_if_fail (OH_IS_CONFIG (self), NULL);
  return &self->settings;
}

const char *
oh_config_get_state_dir (OhConfig *self)
{
  g_return_val_if_fail (OH_IS_CONFIG (self), NULL);
  return self->state_dir;
}

static gboolean
account_removed (OhConfig *self, const char *group)
{
  return g_key_file_get_boolean (self->state, group, "removed", NULL);
}

GStrv
oh_config_list_accounts (OhConfig *self)
{
  g_autoptr(GStrvBuilder) ids = g_strv_builder_new ();
  g_autoptr(GHashTable) seen = g_hash_table_new (g_str_hash, g_str_equal);
  g_auto(GStrv) from_file = g_key_file_get_groups (self->file, NULL);
  g_auto(GStrv) from_state = g_key_file_get_groups (self->state, NULL);
  GStrv sources[] = { from_file, from_state };

  for (guint s = 0; s < G_N_ELEMENTS (sources); s++) {
    for (guint i = 0; sources[s][i]; i++) {
      const char *group = sources[s][i];

      if (!g_str_has_prefix (group, ACCOUNT_PREFIX) || account_removed (self, group) ||
          !g_hash_table_add (seen, (gpointer) group + strlen (ACCOUNT_PREFIX)))
        continue;
      g_strv_builder_add (ids, group + strlen (ACCOUNT_PREFIX));
    }
  }
  return g_strv_builder_end (ids);
}

static GVariant *
keyfile_value (GKeyFile *kf, const char *group, const char *key, const char *type,
               const char *path, guint line)
{
  g_autofree char *raw = g_key_file_get_string (kf, group, key, NULL);
  guint64 number;

  if (!raw)
    return NULL;
  if (g_str_equal (type, "s"))
    return g_variant_new_string (raw);
  if (g_str_equal (type, "b")) {
    if (g_str_equal (raw, "true") || g_str_equal (raw, "false"))
      return g_variant_new_boolean (g_str_equal (raw, "true"));
    g_warning ("%s:%u: key '%s' in [%s]: '%s' is not true or false; ignored", path, line, key, group, raw);
    return NULL;
  }
  if (g_str_equal (type, "u")) {
    if (g_ascii_string_to_unsigned (raw, 10, 0, G_MAXUINT32, &number, NULL))
      return g_variant_new_uint32 ((guint32) number);
    g_warning ("%s:%u: key '%s' in [%s]: '%s' is not a number; ignored", path, line, key, group, raw);
    return NULL;
  }
  if (g_str_equal (type, "as")) {
    g_auto(GStrv) items = g_strsplit_set (raw, ";,", -1);
    g_autoptr(GStrvBuilder) list = g_strv_builder_new ();
    g_auto(GStrv) strv = NULL;

    for (guint i = 0; items[i]; i++)
      if (*g_strstrip (items[i]))
        g_strv_builder_add (list, items[i]);
    strv = g_strv_builder_end (list);
    return g_variant_new_strv ((const char * const *) strv, -1);
  }
  g_assert_not_reached ();
}

static void
merge_account (GVariantDict *dict, GKeyFile *kf, GHashTable *lines, const char *path,
               const char *group, GHashTable *types)
{
  g_auto(GStrv) keys = g_key_file_get_keys (kf, group, NULL, NULL);

  for (guint i = 0; keys && keys[i]; i++) {
    const char *type = g_hash_table_lookup (types, keys[i]);
    guint line = line_of (lines, group, keys[i]);
    GVariant *value;

    if (g_str_equal (keys[i], "removed"))
      continue;
    if (!type) {
      g_warning ("%s:%u: unknown key '%s' in [%s]; ignored", path, line, keys[i], group);
      continue;
    }
    value = keyfile_value (kf, group, keys[i], type, path, line);
    if (value)
      g_variant_dict_insert_value (dict, keys[i], value);
  }
}

GVariant *
oh_config_get_account (OhConfig *self, const char *id, GHashTable *types)
{
  g_autofree char *group = g_strconcat (ACCOUNT_PREFIX, id, NULL);
  g_autofree char *accounts = state_path (self, "accounts.conf");
  g_auto(GVariantDict) dict = G_VARIANT_DICT_INIT (NULL);

  g_return_val_if_fail (OH_IS_CONFIG (self), NULL);

  merge_account (&dict, self->file, self->lines, self->config_path, group, types);
  merge_account (&dict, self->state, self->state_lines, accounts, group, types);
  return g_variant_dict_end (&dict);
}

gboolean
oh_config_save_account (OhConfig *self, const char *id, GVariant *settings, GError **error)
{
  g_autofree char *group = g_strconcat (ACCOUNT_PREFIX, id, NULL);
  GVariantIter iter;
  const char *key;
  GVariant *value;

  g_return_val_if_fail (OH_IS_CONFIG (self), FALSE);

  g_key_file_remove_group (self->state, group, NULL);
  g_variant_iter_init (&iter, settings);
  while (g_variant_iter_loop (&iter, "{&sv}", &key, &value)) {
    if (g_variant_is_of_type (value, G_VARIANT_TYPE_STRING))
      g_key_file_set_string (self->state, group, key, g_variant_get_string (value, NULL));
    else if (g_variant_is_of_type (value, G_VARIANT_TYPE_BOOLEAN))
      g_key_file_set_boolean (self->state, group, key, g_variant_get_boolean (value));
    else if (g_variant_is_of_type (value, G_VARIANT_TYPE_UINT32))
      g_key_file_set_uint64 (self->state, group, key, g_variant_get_uint32 (value));
    else if (g_variant_is_of_type (value, G_VARIANT_TYPE_STRING_ARRAY)) {
      g_autofree const char **strv = g_variant_get_strv (value, NULL);
      g_key_file_set_string_list (self->state, group, key, strv, g_strv_length ((GStrv) strv));
    }
  }
  return save_state (self, error);
}

gboolean
oh_config_remove_account (OhConfig *self, const char *id, GError **error)
{
  g_autofree char *group = g_strconcat (ACCOUNT_PREFIX, id, NULL);

  g_return_val_if_fail (OH_IS_CONFIG (self), FALSE);

  g_key_file_remove_group (self->state, group, NULL);
  /* An account of the configuration file stays gone across restarts. */
  if (g_key_file_has_group (self->file, group))
    g_key_file_set_boolean (self->state, group, "removed", TRUE);
  if (!save_state (self, error))
    return FALSE;
  return oh_config_set_secret (self, id, NULL, error);
}

const char *
oh_config_get_secret (OhConfig *self, const char *id)
{
  Secret *secret;

  g_return_val_if_fail (OH_IS_CONFIG (self), NULL);

  secret = g_hash_table_lookup (self->secrets, id);
  return secret ? secret->text : NULL;
}

gboolean
oh_config_set_secret (OhConfig *self, const char *id, const char *secret, GError **error)
{
  g_autoptr(GKeyFile) kf = g_key_file_new ();
  g_autofree char *data = NULL;
  GHashTableIter iter;
  gpointer key, value;
  gboolean ok;

  g_return_val_if_fail (OH_IS_CONFIG (self), FALSE);

  if (secret)
    g_hash_table_insert (self->secrets, g_strdup (id), secret_new (secret));
  else
    g_hash_table_remove (self->secrets, id);

  g_hash_table_iter_init (&iter, self->secrets);
  while (g_hash_table_iter_next (&iter, &key, &value)) {
    g_autofree char *group = g_strconcat (ACCOUNT_PREFIX, key, NULL);
    g_key_file_set_string (kf, group, "password", ((Secret *) value)->text);
  }
  data = g_key_file_to_data (kf, NULL, NULL);
  ok = write_file (self, data, "secrets", error);
  /* The serialised copy holds every password: wipe it before it is freed. */
  explicit_bzero (data, strlen (data));
  return ok;
}
