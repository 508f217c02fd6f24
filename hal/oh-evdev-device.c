/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* One evdev input device found through udev, followed across unplug and replug.
 *
 * The device is named by a path (`/dev/input/by-path/…`), by a glob on its
 * evdev name ("*Keypad*"), or not at all (the first event node the owner's
 * match function accepts).  A udev "remove" for the open node, or a read
 * error from it (the kernel answers ENODEV once a USB device is gone), closes
 * it and clears "connected"; a udev "add" of a node that fits opens it again. */
#define G_LOG_DOMAIN "offhook-hal"

#include "oh-evdev-device.h"

#include <errno.h>
#include <fcntl.h>
#include <glib-unix.h>
#include <gudev/gudev.h>
#include <unistd.h>

enum {
  PROP_0,
  PROP_CONNECTED,
  N_PROPS
};

enum {
  EVENT,
  N_SIGNALS
};

static GParamSpec *props[N_PROPS];
static guint signals[N_SIGNALS];

struct _OhEvdevDevice {
  GObject parent_instance;

  char *wanted_path;         /* the configured path, or NULL */
  char *wanted_name;         /* a glob on the evdev name, or NULL */
  OhEvdevMatchFunc match;
  gpointer match_data;

  GUdevClient *udev;
  struct libevdev *evdev;
  int fd;
  guint watch;
  char *path;                /* the node that is open */
  char *real_path;           /* …with symlinks resolved, as udev names it */
};

G_DEFINE_TYPE (OhEvdevDevice, oh_evdev_device, G_TYPE_OBJECT)

static gboolean
is_event_node (const char *file)
{
  return file && g_str_has_prefix (file, "/dev/input/event");
}

static void
close_device (OhEvdevDevice *self)
{
  g_clear_handle_id (&self->watch, g_source_remove);
  g_clear_pointer (&self->evdev, libevdev_free);
  if (self->fd >= 0)
    close (self->fd);
  self->fd = -1;
  g_clear_pointer (&self->path, g_free);
  g_clear_pointer (&self->real_path, g_free);
}

static void
disconnect (OhEvdevDevice *self, const char *why)
{
  g_info ("input device %s (%s) gone: %s", self->path, libevdev_get_name (self->evdev), why);
  close_device (self);
  g_object_notify_by_pspec (G_OBJECT (self), props[PROP_CONNECTED]);
}

static void
emit_event (OhEvdevDevice *self, const struct input_event *ev)
{
  g_signal_emit (self, signals[EVENT], 0, (guint) ev->type, (guint) ev->code, (gint) ev->value);
}

static gboolean
on_readable (int fd, GIOCondition condition, gpointer user_data)
{
  g_autoptr(OhEvdevDevice) self = g_object_ref (OH_EVDEV_DEVICE (user_data));
  unsigned int flags = LIBEVDEV_READ_FLAG_NORMAL;

  while (self->evdev) {
    struct input_event ev;
    int rc = libevdev_next_event (self->evdev, flags, &ev);

    if (rc == LIBEVDEV_READ_STATUS_SUCCESS) {
      emit_event (self, &ev);
    } else if (rc == LIBEVDEV_READ_STATUS_SYNC) {
      /* The kernel dropped events: libevdev hands over the difference. */
      flags = LIBEVDEV_READ_FLAG_SYNC;
      emit_event (self, &ev);
    } else if (rc == -EAGAIN && flags == LIBEVDEV_READ_FLAG_SYNC) {
      flags = LIBEVDEV_READ_FLAG_NORMAL;
    } else if (rc == -EAGAIN) {
      if (condition & G_IO_IN)
        return G_SOURCE_CONTINUE;
      /* hung up with nothing left to read */
      self->watch = 0;
      disconnect (self, "hung up");
      return G_SOURCE_REMOVE;
    } else {
      self->watch = 0;
      disconnect (self, g_strerror (-rc));
      return G_SOURCE_REMOVE;
    }
  }
  return G_SOURCE_REMOVE;   /* an "event" handler stopped the device */
}

/* The node a /dev/input/by-path/… or by-id/… link points to, as udev names
 * it in its events. */
static char *
resolve_link (const char *path)
{
  g_autofree char *target = g_file_read_link (path, NULL);
  g_autofree char *dir = NULL;

  if (!target)
    return g_strdup (path);
  dir = g_path_get_dirname (path);
  return g_canonicalize_filename (target, dir);
}

static gboolean
try_open (OhEvdevDevice *self, const char *path)
{
  struct libevdev *evdev = NULL;
  int fd = open (path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
  int rc;

  if (fd < 0) {
    g_debug ("cannot open %s: %s", path, g_strerror (errno));
    return FALSE;
  }
  rc = libevdev_new_from_fd (fd, &evdev);
  if (rc < 0) {
    g_debug ("%s is not an evdev device: %s", path, g_strerror (-rc));
    close (fd);
    return FALSE;
  }
  if ((self->wanted_name && !g_pattern_match_simple (self->wanted_name, libevdev_get_name (evdev)))
      || (self->match && !self->match (evdev, self->match_data))) {
    libevdev_free (evdev);
    close (fd);
    return FALSE;
  }

  self->evdev = evdev;
  self->fd = fd;
  self->path = g_strdup (path);
  self->real_path = resolve_link (path);
  self->watch = g_unix_fd_add (fd, G_IO_IN | G_IO_HUP | G_IO_ERR, on_readable, self);
  g_info ("input device %s: %s", path, libevdev_get_name (evdev));
  g_object_notify_by_pspec (G_OBJECT (self), props[PROP_CONNECTED]);
  return TRUE;
}

static int
compare_strings (gconstpointer a, gconstpointer b)
{
  return g_strcmp0 (*(const char **) a, *(const char **) b);
}

static void
scan (OhEvdevDevice *self)
{
  g_autoptr(GPtrArray) nodes = g_ptr_array_new_with_free_func (g_free);
  GList *devices;

  if (self->wanted_path) {
    try_open (self, self->wanted_path);
    return;
  }
  devices = g_udev_client_query_by_subsystem (self->udev, "input");
  for (GList *l = devices; l; l = l->next) {
    const char *file = g_udev_device_get_device_file (l->data);

    if (is_event_node (file))
      g_ptr_array_add (nodes, g_strdup (file));
  }
  g_list_free_full (devices, g_object_unref);
  /* event0 before event1: the same device wins on every start */
  g_ptr_array_sort (nodes, compare_strings);
  for (guint i = 0; i < nodes->len && !self->evdev; i++)
    try_open (self, nodes->pdata[i]);
}

static void
on_uevent (GUdevClient *client, const char *action, GUdevDevice *device, gpointer user_data)
{
  OhEvdevDevice *self = OH_EVDEV_DEVICE (user_data);
  const char *file = g_udev_device_get_device_file (device);

  if (!is_event_node (file))
    return;
  if (g_str_equal (action, "remove") && self->evdev
      && (g_str_equal (file, self->path) || g_strcmp0 (file, self->real_path) == 0))
    disconnect (self, "removed");
  else if (g_str_equal (action, "add") && !self->evdev)
    try_open (self, self->wanted_path ? self->wanted_path : file);
}

static void
oh_evdev_device_get_property (GObject *object, guint prop_id, GValue *value, GParamSpec *pspec)
{
  OhEvdevDevice *self = OH_EVDEV_DEVICE (object);

  switch (prop_id) {
  case PROP_CONNECTED:
    g_value_set_boolean (value, self->evdev != NULL);
    break;
  default:
    G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
  }
}

static void
oh_evdev_device_dispose (GObject *object)
{
  OhEvdevDevice *self = OH_EVDEV_DEVICE (object);

  close_device (self);
  if (self->udev)
    g_signal_handlers_disconnect_by_data (self->udev, self);
  g_clear_object (&self->udev);
  G_OBJECT_CLASS (oh_evdev_device_parent_class)->dispose (object);
}

static void
oh_evdev_device_finalize (GObject *object)
{
  OhEvdevDevice *self = OH_EVDEV_DEVICE (object);

  g_free (self->wanted_path);
  g_free (self->wanted_name);
  G_OBJECT_CLASS (oh_evdev_device_parent_class)->finalize (object);
}

static void
oh_evdev_device_class_init (OhEvdevDeviceClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->get_property = oh_evdev_device_get_property;
  object_class->dispose = oh_evdev_device_dispose;
  object_class->finalize = oh_evdev_device_finalize;

  props[PROP_CONNECTED] =
    g_param_spec_boolean ("connected", NULL, NULL, FALSE,
                          G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);
  g_object_class_install_properties (object_class, N_PROPS, props);

  /* One evdev event (type, code, value), EV_SYN included. */
  signals[EVENT] = g_signal_new ("event", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                                 0, NULL, NULL, NULL,
                                 G_TYPE_NONE, 3, G_TYPE_UINT, G_TYPE_UINT, G_TYPE_INT);
}

static void
oh_evdev_device_init (OhEvdevDevice *self)
{
  self->fd = -1;
}

/* @device: a path (starts with '/'), a glob on the evdev name, or NULL for
 * any device that @match accepts.  Nothing is opened before
 * oh_evdev_device_start(). */
OhEvdevDevice *
oh_evdev_device_new (const char *device, OhEvdevMatchFunc match, gpointer user_data)
{
  OhEvdevDevice *self = g_object_new (OH_TYPE_EVDEV_DEVICE, NULL);

  if (device && *device == '/')
    self->wanted_path = g_strdup (device);
  else if (device && *device)
    self->wanted_name = g_strdup (device);
  self->match = match;
  self->match_data = user_data;
  return self;
}

/* Opens the device if it is there, and watches udev for it coming and going. */
void
oh_evdev_device_start (OhEvdevDevice *self)
{
  const char *subsystems[] = { "input", NULL };

  g_return_if_fail (OH_IS_EVDEV_DEVICE (self));
  g_return_if_fail (self->udev == NULL);

  self->udev = g_udev_client_new (subsystems);
  g_signal_connect (self->udev, "uevent", G_CALLBACK (on_uevent), self);
  scan (self);
}

gboolean
oh_evdev_device_get_connected (OhEvdevDevice *self)
{
  g_return_val_if_fail (OH_IS_EVDEV_DEVICE (self), FALSE);
  return self->evdev != NULL;
}

/* The node that is open, or NULL. */
const char *
oh_evdev_device_get_path (OhEvdevDevice *self)
{
  g_return_val_if_fail (OH_IS_EVDEV_DEVICE (self), NULL);
  return self->path;
}

/* The open device (its name, codes and current state), or NULL. */
struct libevdev *
oh_evdev_device_get_evdev (OhEvdevDevice *self)
{
  g_return_val_if_fail (OH_IS_EVDEV_DEVICE (self), NULL);
  return self->evdev;
}
