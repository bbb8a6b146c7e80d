/* Suite "ds_image": PNG (8/16-bit, gray, gray+alpha, RGB, RGBA, palette,
 * interlaced) and JPEG (baseline, progressive, gray) decoding, the area and
 * nearest resizers, and clear errors on truncated or corrupt files. */
#define _POSIX_C_SOURCE 200809L
#include <check.h>
#include <png.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "alcn/image_io.h"
#include "ds_fixtures.h"
#include "test_util.h"

static char g_dir[512];
static void setup(void) {
  ck_assert_int_eq(tu_make_tempdir(g_dir, sizeof g_dir, "ds_img"), 0);
  alcn_clear_error();
}
static void teardown(void) { tu_remove_tree(g_dir); }

static char *path_of(const char *name) {
  static char p[700];
  snprintf(p, sizeof p, "%s/%s", g_dir, name);
  return p;
}

START_TEST(test_png_8bit_gray_rgb_rgba) {
  enum { W = 7, H = 5 };
  uint8_t px[W * H * 4];
  for (int i = 0; i < W * H * 4; ++i) px[i] = (uint8_t)(i * 11 + 3);
  for (int c = 1; c <= 4; ++c) {
    char name[32];
    snprintf(name, sizeof name, "c%d.png", c);
    ck_assert_int_eq(alcn_png_write(path_of(name), px, W, H, c, 8), ALCN_OK);
    alcn_image im;
    ck_assert_msg(alcn_image_read(&im, path_of(name)) == ALCN_OK, "%s", alcn_last_error());
    int want_c = c <= 2 ? 1 : 3;
    ck_assert_int_eq(im.c, want_c);
    ck_assert_int_eq(im.w, W);
    ck_assert_int_eq(im.h, H);
    for (int i = 0; i < W * H; ++i)
      for (int k = 0; k < want_c; ++k) ck_assert_uint_eq(im.px[i * want_c + k], px[i * c + k]); /* alpha dropped */
    alcn_image_free(&im);
  }
}
END_TEST

START_TEST(test_png_16bit) {
  enum { W = 6, H = 4 };
  uint16_t g[W * H], rgba[W * H * 4];
  for (int i = 0; i < W * H; ++i) g[i] = (uint16_t)(257 * ((i * 37) % 256)); /* exact multiples of 257 */
  for (int i = 0; i < W * H * 4; ++i) rgba[i] = (uint16_t)(i * 2731 % 65536);
  ck_assert_int_eq(alcn_png_write(path_of("g16.png"), g, W, H, 1, 16), ALCN_OK);
  ck_assert_int_eq(alcn_png_write(path_of("rgba16.png"), rgba, W, H, 4, 16), ALCN_OK);
  alcn_image im;
  ck_assert_int_eq(alcn_image_read(&im, path_of("g16.png")), ALCN_OK);
  ck_assert_int_eq(im.c, 1);
  for (int i = 0; i < W * H; ++i) ck_assert_uint_eq(im.px[i], (i * 37) % 256);
  alcn_image_free(&im);
  ck_assert_int_eq(alcn_image_read(&im, path_of("rgba16.png")), ALCN_OK);
  ck_assert_int_eq(im.c, 3);
  for (int i = 0; i < W * H; ++i)
    for (int k = 0; k < 3; ++k) {
      int want = (int)((rgba[i * 4 + k] + 128) / 257), got = im.px[i * 3 + k];
      ck_assert_int_le(abs(got - want), 1);
    }
  alcn_image_free(&im);
}
END_TEST

/* Palette and 1-bit gray and interlaced files, written with libpng directly. */
static void write_png_raw(const char *path, int w, int h, int depth, int ctype, int interlace, png_colorp pal, int npal,
                          const uint8_t *rows_packed, size_t stride) {
  FILE *f = fopen(path, "wb");
  ck_assert_ptr_nonnull(f);
  png_structp png = png_create_write_struct(PNG_LIBPNG_VER_STRING, NULL, NULL, NULL);
  png_infop info = png_create_info_struct(png);
  png_init_io(png, f);
  png_set_IHDR(png, info, (png_uint_32)w, (png_uint_32)h, depth, ctype, interlace, PNG_COMPRESSION_TYPE_DEFAULT,
               PNG_FILTER_TYPE_DEFAULT);
  if (pal) png_set_PLTE(png, info, pal, npal);
  png_write_info(png, info);
  int passes = png_set_interlace_handling(png);
  for (int p = 0; p < passes; ++p)
    for (int y = 0; y < h; ++y) png_write_row(png, rows_packed + (size_t)y * stride);
  png_write_end(png, NULL);
  png_destroy_write_struct(&png, &info);
  fclose(f);
}

START_TEST(test_png_palette_1bit_interlaced) {
  png_color pal[3] = {{10, 20, 30}, {200, 100, 50}, {0, 255, 0}};
  uint8_t idx[4 * 3] = {0, 1, 2, 0, 1, 2, 0, 1, 2, 2, 1, 0};
  write_png_raw(path_of("pal.png"), 4, 3, 8, PNG_COLOR_TYPE_PALETTE, PNG_INTERLACE_NONE, pal, 3, idx, 4);
  alcn_image im;
  ck_assert_msg(alcn_image_read(&im, path_of("pal.png")) == ALCN_OK, "%s", alcn_last_error());
  ck_assert_int_eq(im.c, 3);
  for (int i = 0; i < 12; ++i) {
    ck_assert_uint_eq(im.px[3 * i], pal[idx[i]].red);
    ck_assert_uint_eq(im.px[3 * i + 1], pal[idx[i]].green);
    ck_assert_uint_eq(im.px[3 * i + 2], pal[idx[i]].blue);
  }
  alcn_image_free(&im);
  uint8_t bits[2] = {0xA0, 0x50}; /* 4x2 1-bit: 1010 / 0101 */
  write_png_raw(path_of("bit.png"), 4, 2, 1, PNG_COLOR_TYPE_GRAY, PNG_INTERLACE_NONE, NULL, 0, bits, 1);
  ck_assert_int_eq(alcn_image_read(&im, path_of("bit.png")), ALCN_OK);
  ck_assert_int_eq(im.c, 1);
  const uint8_t want[8] = {255, 0, 255, 0, 0, 255, 0, 255};
  for (int i = 0; i < 8; ++i) ck_assert_uint_eq(im.px[i], want[i]);
  alcn_image_free(&im);
  uint8_t g[9 * 9];
  for (int i = 0; i < 81; ++i) g[i] = (uint8_t)(i * 3);
  write_png_raw(path_of("inter.png"), 9, 9, 8, PNG_COLOR_TYPE_GRAY, PNG_INTERLACE_ADAM7, NULL, 0, g, 9);
  ck_assert_int_eq(alcn_image_read(&im, path_of("inter.png")), ALCN_OK);
  for (int i = 0; i < 81; ++i) ck_assert_uint_eq(im.px[i], g[i]);
  alcn_image_free(&im);
}
END_TEST

static void smooth_rgb(uint8_t *px, int w, int h) {
  for (int y = 0; y < h; ++y)
    for (int x = 0; x < w; ++x) {
      px[(y * w + x) * 3 + 0] = (uint8_t)(x * 255 / (w - 1));
      px[(y * w + x) * 3 + 1] = (uint8_t)(y * 255 / (h - 1));
      px[(y * w + x) * 3 + 2] = 128;
    }
}

START_TEST(test_jpeg_baseline_progressive_gray) {
  enum { W = 48, H = 32 };
  uint8_t px[W * H * 3];
  smooth_rgb(px, W, H);
  for (int prog = 0; prog < 2; ++prog) {
    const char *name = prog ? "p.jpg" : "b.jpg";
    ck_assert_int_eq(alcn_jpeg_write(path_of(name), px, W, H, 3, 95, prog), ALCN_OK);
    alcn_image im;
    ck_assert_msg(alcn_image_read(&im, path_of(name)) == ALCN_OK, "%s", alcn_last_error());
    ck_assert_int_eq(im.c, 3);
    ck_assert_int_eq(im.w, W);
    ck_assert_int_eq(im.h, H);
    int maxd = 0;
    for (int i = 0; i < W * H * 3; ++i) {
      int d = abs((int)im.px[i] - px[i]);
      if (d > maxd) maxd = d;
    }
    ck_assert_int_le(maxd, 8); /* lossy, but close on a smooth ramp at q95 */
    alcn_image_free(&im);
  }
  /* progressive really is progressive: SOF2 marker present */
  FILE *f = fopen(path_of("p.jpg"), "rb");
  uint8_t buf[4096];
  size_t n = fread(buf, 1, sizeof buf, f);
  fclose(f);
  int sof2 = 0;
  for (size_t i = 0; i + 1 < n; ++i) sof2 |= buf[i] == 0xFF && buf[i + 1] == 0xC2;
  ck_assert(sof2);
  uint8_t g[W * H];
  for (int i = 0; i < W * H; ++i) g[i] = (uint8_t)(i % W * 5);
  ck_assert_int_eq(alcn_jpeg_write(path_of("g.jpg"), g, W, H, 1, 90, 0), ALCN_OK);
  alcn_image im;
  ck_assert_int_eq(alcn_image_read(&im, path_of("g.jpg")), ALCN_OK);
  ck_assert_int_eq(im.c, 1);
  alcn_image_free(&im);
}
END_TEST

static void expect_corrupt(const char *name, size_t keep, const char *needle) {
  char *p = path_of(name);
  ck_assert_int_eq(truncate(p, (off_t)keep), 0);
  alcn_image im;
  alcn_clear_error();
  ck_assert_int_eq(alcn_image_read(&im, p), ALCN_ERR_FORMAT);
  ck_assert_ptr_null(im.px);
  ck_assert_msg(strstr(alcn_last_error(), name) != NULL, "error does not name %s: %s", name, alcn_last_error());
  ck_assert_msg(strstr(alcn_last_error(), needle) != NULL, "error lacks '%s': %s", needle, alcn_last_error());
}

START_TEST(test_corrupt_files) {
  enum { W = 64, H = 64 };
  uint8_t px[W * H * 3];
  smooth_rgb(px, W, H);
  for (int i = 0; i < W * H * 3; ++i) px[i] ^= (uint8_t)(i * 97); /* noisy: big compressed payload */
  ck_assert_int_eq(alcn_png_write(path_of("t.png"), px, W, H, 3, 8), ALCN_OK);
  expect_corrupt("t.png", 300, "PNG");
  ck_assert_int_eq(alcn_jpeg_write(path_of("t.jpg"), px, W, H, 3, 90, 0), ALCN_OK);
  expect_corrupt("t.jpg", 700, "JPEG");
  ck_assert_int_eq(alcn_jpeg_write(path_of("tp.jpg"), px, W, H, 3, 90, 1), ALCN_OK);
  expect_corrupt("tp.jpg", 900, "JPEG");
  ck_assert_int_eq(fx_write(path_of("x.png"), "hello world", 11, 0), 0);
  expect_corrupt("x.png", 11, "not a PNG or JPEG");
  ck_assert_int_eq(fx_write(path_of("e.png"), "", 0, 0), 0);
  expect_corrupt("e.png", 0, "empty");
  /* valid signature, garbage after it */
  uint8_t junk[64] = {0x89, 'P', 'N', 'G', 0x0d, 0x0a, 0x1a, 0x0a};
  for (int i = 8; i < 64; ++i) junk[i] = (uint8_t)(i * 31);
  ck_assert_int_eq(fx_write(path_of("j.png"), junk, sizeof junk, 0), 0);
  expect_corrupt("j.png", sizeof junk, "corrupt PNG");
  alcn_image im;
  ck_assert_int_eq(alcn_image_read(&im, path_of("missing.png")), ALCN_ERR_IO);
  ck_assert_ptr_nonnull(strstr(alcn_last_error(), "missing.png"));
}
END_TEST

START_TEST(test_resize_area) {
  /* 4x4 -> 2x2: exact 2x2 box means (with rounding) */
  uint8_t src[16] = {0, 10, 20, 30, 40, 50, 60, 70, 80, 90, 100, 110, 120, 130, 140, 150}, dst[4];
  ck_assert_int_eq(alcn_resize_area(src, 4, 4, 1, dst, 2, 2), ALCN_OK);
  ck_assert_uint_eq(dst[0], 25);  /* (0+10+40+50)/4 */
  ck_assert_uint_eq(dst[1], 45);
  ck_assert_uint_eq(dst[2], 105);
  ck_assert_uint_eq(dst[3], 125);
  /* 3 -> 2 (fractional): out0 = (v0 + 0.5 v1)/1.5 */
  uint8_t s3[3] = {0, 90, 180}, d2[2];
  ck_assert_int_eq(alcn_resize_area(s3, 3, 1, 1, d2, 2, 1), ALCN_OK);
  ck_assert_uint_eq(d2[0], 30);
  ck_assert_uint_eq(d2[1], 150);
  /* constant image stays constant at any factor; mean is preserved for integer factors */
  enum { S = 1024, D = 256 };
  uint8_t *big = malloc((size_t)S * S * 3), *small = malloc((size_t)D * D * 3);
  memset(big, 77, (size_t)S * S * 3);
  ck_assert_int_eq(alcn_resize_area(big, S, S, 3, small, D, D), ALCN_OK);
  for (int i = 0; i < D * D * 3; ++i) ck_assert_uint_eq(small[i], 77);
  for (int i = 0; i < S * S * 3; ++i) big[i] = (uint8_t)((i / 3) % 256);
  ck_assert_int_eq(alcn_resize_area(big, S, S, 3, small, D, D), ALCN_OK);
  double mb = 0, ms = 0;
  for (int i = 0; i < S * S * 3; ++i) mb += big[i];
  for (int i = 0; i < D * D * 3; ++i) ms += small[i];
  ck_assert_double_eq_tol(mb / (S * S * 3.0), ms / (D * D * 3.0), 0.501); /* rounding only */
  /* upscaling 2 -> 4 replicates */
  uint8_t s2[2] = {10, 200}, d4[4];
  ck_assert_int_eq(alcn_resize_area(s2, 2, 1, 1, d4, 4, 1), ALCN_OK);
  ck_assert_uint_eq(d4[0], 10);
  ck_assert_uint_eq(d4[1], 10);
  ck_assert_uint_eq(d4[2], 200);
  ck_assert_uint_eq(d4[3], 200);
  free(big);
  free(small);
}
END_TEST

START_TEST(test_resize_nearest_and_chw) {
  uint8_t src[16], dst[4];
  for (int i = 0; i < 16; ++i) src[i] = (uint8_t)i;
  alcn_resize_nearest(src, 4, 4, 1, dst, 2, 2); /* picks (1,1), (3,1), (1,3), (3,3) */
  ck_assert_uint_eq(dst[0], 5);
  ck_assert_uint_eq(dst[1], 7);
  ck_assert_uint_eq(dst[2], 13);
  ck_assert_uint_eq(dst[3], 15);
  uint8_t hwc[6] = {1, 2, 3, 4, 5, 6}, chw[6];
  alcn_hwc_to_chw(hwc, 2, 1, 3, chw);
  const uint8_t want[6] = {1, 4, 2, 5, 3, 6};
  for (int i = 0; i < 6; ++i) ck_assert_uint_eq(chw[i], want[i]);
}
END_TEST

int main(void) {
  Suite *s = suite_create("ds_image");
  TCase *tc = tcase_create("image");
  tcase_add_checked_fixture(tc, setup, teardown);
  tcase_add_test(tc, test_png_8bit_gray_rgb_rgba);
  tcase_add_test(tc, test_png_16bit);
  tcase_add_test(tc, test_png_palette_1bit_interlaced);
  tcase_add_test(tc, test_jpeg_baseline_progressive_gray);
  tcase_add_test(tc, test_corrupt_files);
  tcase_add_test(tc, test_resize_area);
  tcase_add_test(tc, test_resize_nearest_and_chw);
  suite_add_tcase(s, tc);
  return tu_run_suite(s);
}
