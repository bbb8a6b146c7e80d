/* Suite "gallery": the noise gallery of the report (reports/src/gallery.c)
 * from hand-made records and Figure-4 files: one PNG per (data set,
 * protocol) whose rows are the clean input and each DAE noise (not "none")
 * of the (class, seed) with the most noises, two columns per image (pattern,
 * corrupted input), drawn in grey where the pattern is zero; no gallery for a
 * single noise; a truncated Figure-4 file skips the gallery with a warning. */
#include <check.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <png.h>

#include "alcn/report.h"
#include "report_internal.h"
#include "test_util.h"

enum { N = 4, HH = 8, WW = 8, P = HH * WW };

/* A v2 Figure-4 file: n images of 1 x 8 x 8; input i = i/64, x_tilde = input
 * plus `delta` on the first `covered` pixels. */
static void write_f4(const char *path, int covered, float delta, size_t cut) {
  unsigned char buf[28 + N * (8 + 4 * P * 4)], *p = buf;
  memcpy(p, "ALCNF4v2", 8);
  p += 8;
  int32_t hdr[5] = {N, 1, HH, WW, 1};
  memcpy(p, hdr, sizeof hdr);
  p += sizeof hdr;
  for (int i = 0; i < N; ++i) {
    int32_t label = i % 2;
    float score = 0.5f, plane[4][P];
    memcpy(p, &label, 4), memcpy(p + 4, &score, 4);
    p += 8;
    for (int k = 0; k < P; ++k) {
      plane[0][k] = (float)k / P + 0.01f * (float)i;
      plane[1][k] = k < covered ? delta : 0.0f;
      plane[2][k] = plane[0][k] + plane[1][k];
      plane[3][k] = plane[0][k];
    }
    memcpy(p, plane, sizeof plane);
    p += sizeof plane;
  }
  FILE *f = fopen(path, "wb");
  ck_assert_ptr_nonnull(f);
  fwrite(buf, 1, sizeof buf - cut, f);
  fclose(f);
}

static void put_record(const char *res, const char *noise, int cls, int seed, const char *protocol) {
  char path[4400], cell[128];
  snprintf(cell, sizeof cell, "fashion-mnist_%s_c%d_dae_%s_mse_s%d", protocol, cls, noise, seed);
  snprintf(path, sizeof path, "%s/records/%s.json", res, cell);
  FILE *f = fopen(path, "w");
  ck_assert_ptr_nonnull(f);
  fprintf(f,
          "{\"schema\":\"alcnbench.record/1\",\"cell\":\"%s\",\"status\":\"done\",\"dataset\":\"fashion-mnist\","
          "\"protocol\":\"%s\",\"class\":%d,\"class_name\":\"c%d\",\"method\":\"dae\",\"noise\":\"%s\","
          "\"loss\":\"mse\",\"seed\":%d,\"auroc\":0.9,\"aupr\":0.8,\"f1max\":0.7,\"figure4\":\"figure4/%s.f4\"}\n",
          cell, protocol, cls, cls, noise, seed, cell);
  fclose(f);
  snprintf(path, sizeof path, "%s/figure4/%s.f4", res, cell);
  write_f4(path, strcmp(noise, "none") ? 10 : 0, strcmp(noise, "cutout") ? 0.25f : -0.5f, 0);
}

/* Width, height and one gray value (RGB pixel (x, y), red channel) of a PNG. */
static void png_probe(const char *path, int *w, int *h, int x, int y, int *v) {
  FILE *f = fopen(path, "rb");
  ck_assert_ptr_nonnull(f);
  png_structp png = png_create_read_struct(PNG_LIBPNG_VER_STRING, NULL, NULL, NULL);
  png_infop info = png_create_info_struct(png);
  png_init_io(png, f);
  png_read_png(png, info, PNG_TRANSFORM_IDENTITY, NULL);
  *w = (int)png_get_image_width(png, info);
  *h = (int)png_get_image_height(png, info);
  png_bytepp rows = png_get_rows(png, info);
  *v = rows[y][3 * x];
  png_destroy_read_struct(&png, &info, NULL);
  fclose(f);
}

START_TEST(test_gallery_grid) {
  char res[4096], p[4600];
  ck_assert_int_eq(tu_make_tempdir(res, sizeof res, "gallery"), 0);
  snprintf(p, sizeof p, "%s/records", res);
  ck_assert_int_eq(mkdir(p, 0755), 0);
  snprintf(p, sizeof p, "%s/figure4", res);
  ck_assert_int_eq(mkdir(p, 0755), 0);
  /* p2: class 3 seed 1 has three noises (+ none), class 0 only one: class 3 is drawn */
  put_record(res, "none", 3, 1, "p2");
  put_record(res, "cutout", 3, 1, "p2");
  put_record(res, "perlin", 3, 1, "p2");
  put_record(res, "mask", 3, 1, "p2");
  put_record(res, "cutout", 0, 1, "p2");
  /* p1: one noise only: no gallery */
  put_record(res, "cutout", 0, 1, "p1");
  put_record(res, "none", 0, 1, "p1");
  rp_results r;
  memset(&r, 0, sizeof r);
  ck_assert_int_eq(rp_load_results(res, &r, 1), ALCN_OK);
  rp_figures figs;
  memset(&figs, 0, sizeof figs);
  figs.quiet = 1;
  char out[4400];
  snprintf(out, sizeof out, "%s/report/figure4", res);
  ck_assert_msg(rp_make_gallery(&r, out, &figs) == ALCN_OK, "%s", alcn_last_error());
  ck_assert_uint_eq(figs.n, 1);
  ck_assert_str_eq(figs.f[0].name, "gallery_fashion-mnist_p2");
  ck_assert_str_eq(figs.f[0].section, "Noise gallery");
  ck_assert_int_eq(figs.f[0].figure4, 1);
  ck_assert_ptr_nonnull(strstr(figs.f[0].title, "class c3, seed 1"));
  snprintf(p, sizeof p, "%s/gallery_fashion-mnist_p2.png", out);
  /* 1 + 3 rows, 3 images x 2 columns of 8 x 8 panels scaled by ceil(168/8) = 21 */
  const int s = (ALCN_REPORT_F4_MIN_PANEL + HH - 1) / HH, gap = ALCN_REPORT_F4_GAP;
  int w, h, v;
  rp_grid g = {.s = s, .pw = WW * s, .ph = HH * s};
  int x0, y0;
  rp_grid_panel_xy(&g, 1, 0, &x0, &y0); /* row 1 (the first noise), pattern of image 1 */
  png_probe(p, &w, &h, x0 + g.pw - 2, y0 + g.ph - 2, &v);
  ck_assert_int_eq(w, ALCN_REPORT_F4_LABEL_W + 6 * WW * s + 7 * gap);
  ck_assert_int_eq(h, ALCN_REPORT_F4_HEAD_H + 4 * HH * s + 5 * gap);
  ck_assert_msg(v >= 126 && v <= 129, "a zero pattern pixel is %d, not mid grey", v); /* bottom right: untouched */
  snprintf(p, sizeof p, "%s/gallery_fashion-mnist_p1.png", out);
  struct stat st;
  ck_assert_int_ne(stat(p, &st), 0);
  free(figs.f);
  rp_free_results(&r);
  /* a truncated Figure-4 file: the gallery is skipped, the report goes on */
  snprintf(p, sizeof p, "%s/figure4/fashion-mnist_p2_c3_dae_perlin_mse_s1.f4", res);
  write_f4(p, 10, 0.25f, 100);
  memset(&r, 0, sizeof r);
  ck_assert_int_eq(rp_load_results(res, &r, 1), ALCN_OK);
  memset(&figs, 0, sizeof figs);
  figs.quiet = 1;
  ck_assert_int_eq(rp_make_gallery(&r, out, &figs), ALCN_OK);
  ck_assert_uint_eq(figs.n, 0);
  free(figs.f);
  rp_free_results(&r);
  tu_remove_tree(res);
}
END_TEST

int main(void) {
  Suite *s = suite_create("gallery");
  TCase *tc = tcase_create("gallery");
  tcase_add_test(tc, test_gallery_grid);
  tcase_set_timeout(tc, 60);
  suite_add_tcase(s, tc);
  return tu_run_suite(s);
}
