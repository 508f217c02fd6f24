/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The framebuffer display on a fake /dev/fb0 (umockdev): the real ioctl
 * path answered by the test, the pixels drawn through mmap read back and
 * compared with the frame's picture and the committed PNG. */
#include <linux/fb.h>
#include <offhook-hal.h>
#include <png.h>
#include <umockdev.h>

#include "hal-test-util.h"

typedef struct {
  UMockdevTestbed *testbed;
  UMockdevIoctlBase *handler;
  struct fb_var_screeninfo var;
  struct fb_fix_screeninfo fix;
} Fixture;

static gboolean
answer (UMockdevIoctlClient *client, const void *info, gsize size)
{
  g_autoptr(GError) error = NULL;
  UMockdevIoctlData *arg = umockdev_ioctl_client_get_arg (client);
  g_autoptr(UMockdevIoctlData) data = umockdev_ioctl_data_resolve (arg, 0, size, &error);

  g_assert_no_error (error);
  memcpy (data->data, info, size);
  umockdev_ioctl_client_complete (client, 0, 0);
  return TRUE;
}

/* What a framebuffer driver answers; runs in umockdev's thread. */
static gboolean
on_ioctl (UMockdevIoctlBase *handler, UMockdevIoctlClient *client, Fixture *f)
{
  switch (umockdev_ioctl_client_get_request (client)) {
  case FBIOGET_VSCREENINFO:
    return answer (client, &f->var, sizeof f->var);
  case FBIOGET_FSCREENINFO:
    return answer (client, &f->fix, sizeof f->fix);
  default:
    umockdev_ioctl_client_complete (client, -1, ENOTTY);
    return TRUE;
  }
}

/* A framebuffer of @width × @height at @bpp, lines padded by @pad bytes. */
static void
add_framebuffer (Fixture *f, guint width, guint height, guint bpp, guint pad)
{
  g_autoptr(GError) error = NULL;
  guint line = width * bpp / 8 + pad;
  g_autofree char *zeros = g_strnfill ((gsize) line * height * 2, '0');
  g_autofree char *description =
    g_strdup_printf ("P: /devices/platform/offhook-fb/graphics/fb0\n"
                     "N: fb0=%s\n"
                     "E: SUBSYSTEM=graphics\nE: DEVNAME=/dev/fb0\nA: dev=29:0\n", zeros);

  f->var = (struct fb_var_screeninfo) { .xres = width, .yres = height, .xres_virtual = width,
                                        .yres_virtual = height, .bits_per_pixel = bpp };
  if (bpp == 16) {
    f->var.red = (struct fb_bitfield) { .offset = 11, .length = 5 };
    f->var.green = (struct fb_bitfield) { .offset = 5, .length = 6 };
    f->var.blue = (struct fb_bitfield) { .offset = 0, .length = 5 };
  } else {
    f->var.red = (struct fb_bitfield) { .offset = 16, .length = 8 };
    f->var.green = (struct fb_bitfield) { .offset = 8, .length = 8 };
    f->var.blue = (struct fb_bitfield) { .offset = 0, .length = 8 };
  }
  f->fix = (struct fb_fix_screeninfo) { .smem_len = line * height, .line_length = line,
                                        .type = FB_TYPE_PACKED_PIXELS,
                                        .visual = FB_VISUAL_TRUECOLOR };
  umockdev_testbed_add_from_string (f->testbed, description, &error);
  g_assert_no_error (error);
  umockdev_testbed_attach_ioctl (f->testbed, "/dev/fb0", f->handler, &error);
  g_assert_no_error (error);
}

static void
fixture_set_up (Fixture *f, gconstpointer data)
{
  f->testbed = umockdev_testbed_new ();
  f->handler = umockdev_ioctl_base_new ();
  g_signal_connect (f->handler, "handle-ioctl", G_CALLBACK (on_ioctl), f);
}

static void
fixture_tear_down (Fixture *f, gconstpointer data)
{
  g_object_unref (f->handler);
  g_object_unref (f->testbed);
}

static guint8 *
read_framebuffer (Fixture *f)
{
  g_autoptr(GError) error = NULL;
  char *contents = NULL;
  gsize len = 0;

  g_file_get_contents ("/dev/fb0", &contents, &len, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (len, ==, f->fix.smem_len);
  return (guint8 *) contents;
}

static guint32
fb_pixel (Fixture *f, const guint8 *fb, guint x, guint y)
{
  const guint8 *p = fb + (gsize) y * f->fix.line_length + x * f->var.bits_per_pixel / 8;

  return f->var.bits_per_pixel == 16 ? (guint32) (p[0] | p[1] << 8)
                                     : (guint32) (p[0] | p[1] << 8 | p[2] << 16);
}

static guint32
rgb565 (guint32 rgb)
{
  return ((rgb >> 19) & 0x1f) << 11 | ((rgb >> 10) & 0x3f) << 5 | ((rgb >> 3) & 0x1f);
}

/* A QVGA XRGB8888 screen: the call screen fills it exactly, pixel for pixel
 * the committed PNG. */
static void
test_xrgb8888 (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(OhFbdevDisplay) display = NULL;
  g_autofree char *expected_path = hal_test_data_path ("call-screen.png");
  png_image image = { .version = PNG_IMAGE_VERSION };
  g_autofree guint8 *expected = NULL;
  g_autofree guint8 *fb = NULL;

  add_framebuffer (f, 320, 240, 32, 0);
  display = oh_fbdev_display_new ("/dev/fb0", 1, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (oh_display_get_cols (OH_DISPLAY (display)), ==, 40);
  g_assert_cmpuint (oh_display_get_rows (OH_DISPLAY (display)), ==, 15);
  hal_test_draw_call (oh_display_get_frame (OH_DISPLAY (display)));
  g_assert_true (oh_display_flush (OH_DISPLAY (display), &error));
  g_assert_no_error (error);

  g_assert_true (png_image_begin_read_from_file (&image, expected_path));
  image.format = PNG_FORMAT_RGB;
  expected = g_malloc (PNG_IMAGE_SIZE (image));
  g_assert_true (png_image_finish_read (&image, NULL, expected, 0, NULL));
  g_assert_cmpuint (image.width, ==, 320);
  g_assert_cmpuint (image.height, ==, 240);

  fb = read_framebuffer (f);
  for (guint y = 0; y < 240; y++) {
    for (guint x = 0; x < 320; x++) {
      const guint8 *want = expected + ((gsize) y * 320 + x) * 3;

      g_assert_cmphex (fb_pixel (f, fb, x, y), ==,
                       (guint32) want[0] << 16 | (guint32) want[1] << 8 | want[2]);
    }
  }
}

/* An odd-sized RGB565 screen with padded lines: the grid is centred, the
 * margin is glass, every pixel is the frame's picture in 5-6-5. */
static void
test_rgb565 (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(OhFbdevDisplay) display = NULL;
  g_autofree guint32 *picture = NULL;
  g_autofree guint8 *fb = NULL;
  guint width, height;

  add_framebuffer (f, 180, 134, 16, 8);
  display = oh_fbdev_display_new ("/dev/fb0", 1, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (oh_display_get_cols (OH_DISPLAY (display)), ==, 22);
  g_assert_cmpuint (oh_display_get_rows (OH_DISPLAY (display)), ==, 8);
  hal_test_draw_call (oh_display_get_frame (OH_DISPLAY (display)));
  g_assert_true (oh_display_flush (OH_DISPLAY (display), &error));
  g_assert_no_error (error);

  picture = oh_frame_render (oh_display_get_frame (OH_DISPLAY (display)), 1, &width, &height);
  g_assert_cmpuint (width, ==, 176);
  g_assert_cmpuint (height, ==, 128);
  fb = read_framebuffer (f);
  for (guint y = 0; y < 134; y++) {
    for (guint x = 0; x < 180; x++) {
      gboolean inside = x >= 2 && x < 178 && y >= 3 && y < 131;
      guint32 want = inside ? picture[(y - 3) * width + (x - 2)] : OH_FRAME_GLASS;

      g_assert_cmphex (fb_pixel (f, fb, x, y), ==, rgb565 (want));
    }
  }
  /* the padding at the end of each line is left alone */
  g_assert_cmphex (fb[f->fix.line_length - 1], ==, 0);
}

static void
test_refused (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;

  add_framebuffer (f, 320, 240, 8, 0);
  g_assert_null (oh_fbdev_display_new ("/dev/fb0", 1, &error));
  g_assert_error (error, OH_HAL_ERROR, OH_HAL_ERROR_NOT_SUPPORTED);
  g_assert_nonnull (strstr (error->message, "8 bits per pixel"));
  g_clear_error (&error);

  /* a file that answers no framebuffer ioctl */
  g_assert_null (oh_fbdev_display_new ("/proc/self/status", 1, &error));
  g_assert_error (error, OH_HAL_ERROR, OH_HAL_ERROR_FAILED);
  g_assert_nonnull (strstr (error->message, "not a framebuffer"));
}

int
main (int argc, char **argv)
{
  hal_test_init (&argc, &argv);

  g_test_add ("/hal/fbdev/xrgb8888", Fixture, NULL, fixture_set_up, test_xrgb8888,
              fixture_tear_down);
  g_test_add ("/hal/fbdev/rgb565", Fixture, NULL, fixture_set_up, test_rgb565, fixture_tear_down);
  g_test_add ("/hal/fbdev/refused", Fixture, NULL, fixture_set_up, test_refused,
              fixture_tear_down);
  return g_test_run ();
}
