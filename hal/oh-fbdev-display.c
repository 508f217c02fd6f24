/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The display on a Linux framebuffer (/dev/fb0), drawn with the built-in font.
 *
 * The resolution, depth and pixel layout are what FBIOGET_VSCREENINFO and
 * FBIOGET_FSCREENINFO report; any true-colour layout of 16, 24 or 32 bits
 * per pixel is drawn (RGB565, XRGB8888, BGR…).  The text grid is as many
 * cells of the font (times @scale) as fit, centred on the screen. */
#define G_LOG_DOMAIN "offhook-hal"

#include "oh-fbdev-display.h"

#include <fcntl.h>
#include <linux/fb.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include "oh-font.h"
#include "oh-hal-error.h"
#include "oh-hal-error-private.h"

struct _OhFbdevDisplay {
  GObject parent_instance;

  int fd;
  guint8 *memory;
  gsize size;
  struct fb_var_screeninfo var;
  struct fb_fix_screeninfo fix;
  guint scale;
  OhFrame *frame;
};

static void oh_fbdev_display_iface_init (OhDisplayInterface *iface);

G_DEFINE_TYPE_WITH_CODE (OhFbdevDisplay, oh_fbdev_display, G_TYPE_OBJECT,
                         G_IMPLEMENT_INTERFACE (OH_TYPE_DISPLAY, oh_fbdev_display_iface_init))

static guint32
channel (guint32 rgb, guint shift, const struct fb_bitfield *field)
{
  guint32 value = (rgb >> shift) & 0xff;

  if (field->length == 0)
    return 0;
  if (field->length < 8)
    value >>= 8 - field->length;
  return value << field->offset;
}

/* 0xRRGGBB in the framebuffer's own layout */
static guint32
to_fb_pixel (const struct fb_var_screeninfo *var, guint32 rgb)
{
  return channel (rgb, 16, &var->red) | channel (rgb, 8, &var->green) | channel (rgb, 0, &var->blue);
}

static OhFrame *
oh_fbdev_display_get_frame (OhDisplay *display)
{
  return OH_FBDEV_DISPLAY (display)->frame;
}

static gboolean
oh_fbdev_display_flush (OhDisplay *display, GError **error)
{
  OhFbdevDisplay *self = OH_FBDEV_DISPLAY (display);
  guint bytes = self->var.bits_per_pixel / 8;
  guint width, height, left, top;
  g_autofree guint32 *pixels = oh_frame_render (self->frame, self->scale, &width, &height);
  guint32 background = to_fb_pixel (&self->var, OH_FRAME_GLASS);
  left = (self->var.xres - width) / 2;
  top = (self->var.yres - height) / 2;
  for (guint y = 0; y < self->var.yres; y++) {
    guint8 *line = self->memory + (gsize) (y + self->var.yoffset) * self->fix.line_length
                   + (gsize) self->var.xoffset * bytes;

    for (guint x = 0; x < self->var.xres; x++) {
      gboolean inside = x >= left && x < left + width && y >= top && y < top + height;
      guint32 value = inside ? to_fb_pixel (&self->var, pixels[(gsize) (y - top) * width + x - left])
                             : background;

      for (guint b = 0; b < bytes; b++)
        line[x * bytes + b] = (guint8) (value >> (8 * b));
    }
  }
  return TRUE;
}

static void
oh_fbdev_display_iface_init (OhDisplayInterface *iface)
{
  iface->get_frame = oh_fbdev_display_get_frame;
  iface->flush = oh_fbdev_display_flush;
}

static void
oh_fbdev_display_dispose (GObject *object)
{
  OhFbdevDisplay *self = OH_FBDEV_DISPLAY (object);

  if (self->memory)
    munmap (self->memory, self->size);
  self->memory = NULL;
  if (self->fd >= 0)
    close (self->fd);
  self->fd = -1;
  g_clear_object (&self->frame);
  G_OBJECT_CLASS (oh_fbdev_display_parent_class)->dispose (object);
}

static void
oh_fbdev_display_class_init (OhFbdevDisplayClass *klass)
{
  G_OBJECT_CLASS (klass)->dispose = oh_fbdev_display_dispose;
}

static void
oh_fbdev_display_init (OhFbdevDisplay *self)
{
  self->fd = -1;
}

static gboolean
check_layout (OhFbdevDisplay *self, const char *path, GError **error)
{
  guint bpp = self->var.bits_per_pixel;
  gsize needed;

  if (self->fix.type != FB_TYPE_PACKED_PIXELS
      || (self->fix.visual != FB_VISUAL_TRUECOLOR && self->fix.visual != FB_VISUAL_DIRECTCOLOR)
      || (bpp != 16 && bpp != 24 && bpp != 32)
      || self->var.red.length == 0 || self->var.red.length > 8
      || self->var.green.length == 0 || self->var.green.length > 8
      || self->var.blue.length == 0 || self->var.blue.length > 8) {
    g_set_error (error, OH_HAL_ERROR, OH_HAL_ERROR_NOT_SUPPORTED,
                 "%s: %u bits per pixel (type %u, visual %u) is not a true-colour layout of "
                 "16, 24 or 32 bits", path, bpp, self->fix.type, self->fix.visual);
    return FALSE;
  }
  needed = (gsize) (self->var.yoffset + self->var.yres) * self->fix.line_length;
  if (self->var.xres == 0 || self->var.yres == 0
      || self->fix.line_length < (self->var.xoffset + self->var.xres) * bpp / 8
      || (self->fix.smem_len && needed > self->fix.smem_len)) {
    g_set_error (error, OH_HAL_ERROR, OH_HAL_ERROR_NOT_SUPPORTED,
                 "%s: inconsistent geometry %ux%u, %u bytes a line, %u bytes", path,
                 self->var.xres, self->var.yres, self->fix.line_length, self->fix.smem_len);
    return FALSE;
  }
  self->size = self->fix.smem_len ? self->fix.smem_len : needed;
  return TRUE;
}

/**
 * oh_fbdev_display_new:
 * @path: the framebuffer device, "/dev/fb0"
 * @scale: pixels per font pixel, 1 or more (2 on a large screen)
 * @error: set when @path is not a framebuffer this display can draw on
 */
OhFbdevDisplay *
oh_fbdev_display_new (const char *path, guint scale, GError **error)
{
  g_autoptr(OhFbdevDisplay) self = g_object_new (OH_TYPE_FBDEV_DISPLAY, NULL);
  guint cols, rows;
  void *memory;

  g_return_val_if_fail (path != NULL, NULL);

  self->scale = MAX (scale, 1);
  self->fd = open (path, O_RDWR | O_CLOEXEC);
  if (self->fd < 0) {
    oh_hal_fail_errno (error, "cannot open %s", path);
    return NULL;
  }
  if (ioctl (self->fd, FBIOGET_FSCREENINFO, &self->fix) < 0
      || ioctl (self->fd, FBIOGET_VSCREENINFO, &self->var) < 0) {
    oh_hal_fail_errno (error, "%s is not a framebuffer", path);
    return NULL;
  }
  if (!check_layout (self, path, error))
    return NULL;
  cols = self->var.xres / (oh_font_get_width () * self->scale);
  rows = self->var.yres / (oh_font_get_height () * self->scale);
  if (cols == 0 || rows == 0) {
    g_set_error (error, OH_HAL_ERROR, OH_HAL_ERROR_NOT_SUPPORTED,
                 "%s: %ux%u pixels hold no character of %ux%u", path, self->var.xres,
                 self->var.yres, oh_font_get_width () * self->scale,
                 oh_font_get_height () * self->scale);
    return NULL;
  }
  memory = mmap (NULL, self->size, PROT_READ | PROT_WRITE, MAP_SHARED, self->fd, 0);
  if (memory == MAP_FAILED) {
    oh_hal_fail_errno (error, "cannot map %s", path);
    return NULL;
  }
  self->memory = memory;
  self->frame = oh_frame_new (cols, rows);
  g_info ("framebuffer %s: %ux%u, %u bpp, %ux%u characters", path, self->var.xres,
          self->var.yres, self->var.bits_per_pixel, cols, rows);
  return g_steal_pointer (&self);
}
