/* Suite "pixel_metrics": pixel AUROC and AUPRO (reports/src/pixel_metrics.c)
 * on generated maps with known masks: a perfect map scores 1, a random one
 * about 0.5 (AUROC) and 0.15 (AUPRO: PRO ~ FPR, integral 0.045 / 0.3), small
 * hand-computed cases (ties, 8-connected regions, averaging over regions and
 * not over pixels), argument errors, and the Gaussian smoothing (constant
 * maps unchanged, mass kept, symmetric, scipy's reflect borders). */
#include <check.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "alcn/pixel_metrics.h"
#include "test_util.h"

enum { N = 8, H = 48, W = 40 };
static float *maps;
static uint8_t *masks;

/* Per test: N images, each with two rectangles of different size as defects,
 * except image 0 which is defect-free. */
static void setup(void) {
  maps = calloc((size_t)N * H * W, sizeof *maps);
  masks = calloc((size_t)N * H * W, sizeof *masks);
  ck_assert_ptr_nonnull(maps);
  ck_assert_ptr_nonnull(masks);
  for (int i = 1; i < N; ++i) {
    uint8_t *m = masks + (size_t)i * H * W;
    for (int y = 2 + i; y < 8 + i; ++y)
      for (int x = 3; x < 9; ++x) m[y * W + x] = 1;
    for (int y = 30; y < 32; ++y)
      for (int x = 20 + i; x < 23 + i; ++x) m[y * W + x] = 255;
  }
}

static void teardown(void) {
  free(maps);
  free(masks);
}

START_TEST(test_perfect_map_scores_one) {
  for (size_t k = 0; k < (size_t)N * H * W; ++k) maps[k] = masks[k] ? 2.0f + (float)(k % 7) : (float)(k % 5) * 0.1f;
  alcn_pixel_metrics pm;
  ck_assert_int_eq(alcn_pixel_metrics_compute(maps, masks, N, H, W, ALCN_AUPRO_FPR_LIMIT, &pm), ALCN_OK);
  ck_assert_double_eq_tol(pm.pixel_auroc, 1.0, 1e-12);
  ck_assert_double_eq_tol(pm.aupro, 1.0, 1e-12);
  ck_assert_uint_eq(pm.n_regions, 2 * (N - 1));
  ck_assert_uint_eq(pm.n_anomalous, (size_t)(N - 1) * (36 + 6));
  ck_assert_uint_eq(pm.n_pixels, (size_t)N * H * W);
}
END_TEST

START_TEST(test_inverted_map_scores_zero) {
  for (size_t k = 0; k < (size_t)N * H * W; ++k) maps[k] = masks[k] ? 0.0f : 1.0f;
  alcn_pixel_metrics pm;
  ck_assert_int_eq(alcn_pixel_metrics_compute(maps, masks, N, H, W, ALCN_AUPRO_FPR_LIMIT, &pm), ALCN_OK);
  ck_assert_double_eq_tol(pm.pixel_auroc, 0.0, 1e-12);
  ck_assert_double_eq_tol(pm.aupro, 0.0, 1e-12);
}
END_TEST

START_TEST(test_random_map_scores_chance) {
  tu_fill_uniform(maps, (size_t)N * H * W, 1234, 0.0f, 1.0f);
  alcn_pixel_metrics pm;
  ck_assert_int_eq(alcn_pixel_metrics_compute(maps, masks, N, H, W, ALCN_AUPRO_FPR_LIMIT, &pm), ALCN_OK);
  ck_assert_double_eq_tol(pm.pixel_auroc, 0.5, 0.05);
  /* PRO(t) ~ FPR(t) for a random map: integral over [0, 0.3] = 0.045, / 0.3 */
  ck_assert_double_eq_tol(pm.aupro, 0.15, 0.04);
}
END_TEST

START_TEST(test_constant_map_ties) {
  for (size_t k = 0; k < (size_t)N * H * W; ++k) maps[k] = 0.25f;
  alcn_pixel_metrics pm;
  ck_assert_int_eq(alcn_pixel_metrics_compute(maps, masks, N, H, W, 0.3, &pm), ALCN_OK);
  ck_assert_double_eq_tol(pm.pixel_auroc, 0.5, 1e-12);
  /* one step from (0,0) to (1,1): PRO = FPR on [0, 0.3] -> 0.045 / 0.3 */
  ck_assert_double_eq_tol(pm.aupro, 0.15, 1e-12);
}
END_TEST

/* 2x3 image, one region {0,1}; values
 *   0.9 0.3 0.5
 *   0.1 0.4 0.2
 * AUROC: 0.9 beats 4 normals, 0.3 beats 0.1 and 0.2: 6/8. PRO curve
 * (0,0) (0,.5) (.25,.5) (.5,.5) (.5,1) (.75,1) (1,1): area to 1 = 0.75;
 * to 0.3: 0.25*0.5 + 0.05*0.5 = 0.15, / 0.3 = 0.5. */
START_TEST(test_hand_computed_small) {
  const float m[6] = {0.9f, 0.3f, 0.5f, 0.1f, 0.4f, 0.2f};
  const uint8_t g[6] = {1, 1, 0, 0, 0, 0};
  alcn_pixel_metrics pm;
  ck_assert_int_eq(alcn_pixel_metrics_compute(m, g, 1, 2, 3, 1.0, &pm), ALCN_OK);
  ck_assert_double_eq_tol(pm.pixel_auroc, 0.75, 1e-12);
  ck_assert_double_eq_tol(pm.aupro, 0.75, 1e-12);
  ck_assert_uint_eq(pm.n_regions, 1);
  ck_assert_int_eq(alcn_pixel_metrics_compute(m, g, 1, 2, 3, 0.3, &pm), ALCN_OK);
  ck_assert_double_eq_tol(pm.aupro, 0.5, 1e-12);
}
END_TEST

/* PRO averages over regions, not pixels: regions of 3 and 1 pixels, the big
 * one found first. 1x5: mask 1 1 1 0 1, map .9 .9 .9 .5 .1. After .9: PRO
 * 0.5 (a pixel average would say 0.75) at FPR 0; .5: FPR 1; AUPRO(1) = 0.5.
 * AUROC: three of four anomalous pixels beat the one normal: 0.75. */
START_TEST(test_regions_weigh_equally) {
  const float m[5] = {0.9f, 0.9f, 0.9f, 0.5f, 0.1f};
  const uint8_t g[5] = {1, 1, 1, 0, 1};
  alcn_pixel_metrics pm;
  ck_assert_int_eq(alcn_pixel_metrics_compute(m, g, 1, 1, 5, 1.0, &pm), ALCN_OK);
  ck_assert_uint_eq(pm.n_regions, 2);
  ck_assert_double_eq_tol(pm.aupro, 0.5, 1e-12);
  ck_assert_double_eq_tol(pm.pixel_auroc, 0.75, 1e-12);
}
END_TEST

/* Diagonal neighbours join one region (8-connectivity); a gap splits. */
START_TEST(test_eight_connectivity) {
  const uint8_t g[9] = {1, 0, 0, 0, 1, 0, 0, 0, 1};
  const uint8_t g2[9] = {1, 0, 1, 0, 0, 0, 1, 0, 1};
  float m[9] = {0};
  alcn_pixel_metrics pm;
  ck_assert_int_eq(alcn_pixel_metrics_compute(m, g, 1, 3, 3, 0.3, &pm), ALCN_OK);
  ck_assert_uint_eq(pm.n_regions, 1);
  ck_assert_int_eq(alcn_pixel_metrics_compute(m, g2, 1, 3, 3, 0.3, &pm), ALCN_OK);
  ck_assert_uint_eq(pm.n_regions, 4);
}
END_TEST

START_TEST(test_errors) {
  alcn_pixel_metrics pm;
  memset(masks, 0, (size_t)N * H * W);
  ck_assert_int_eq(alcn_pixel_metrics_compute(maps, masks, N, H, W, 0.3, &pm), ALCN_ERR_ARG); /* no anomaly */
  memset(masks, 1, (size_t)N * H * W);
  ck_assert_int_eq(alcn_pixel_metrics_compute(maps, masks, N, H, W, 0.3, &pm), ALCN_ERR_ARG); /* no normal */
  masks[0] = 0;
  ck_assert_int_eq(alcn_pixel_metrics_compute(maps, masks, N, H, W, 0.0, &pm), ALCN_ERR_ARG);
  ck_assert_int_eq(alcn_pixel_metrics_compute(maps, masks, 0, H, W, 0.3, &pm), ALCN_ERR_ARG);
  maps[5] = NAN;
  ck_assert_int_eq(alcn_pixel_metrics_compute(maps, masks, N, H, W, 0.3, &pm), ALCN_ERR_NUMERIC);
}
END_TEST

START_TEST(test_blur_constant_and_mass) {
  for (size_t k = 0; k < (size_t)H * W; ++k) maps[k] = 3.5f;
  ck_assert_int_eq(alcn_gaussian_blur_maps(maps, 1, H, W, 4.0), ALCN_OK);
  for (size_t k = 0; k < (size_t)H * W; ++k) ck_assert_float_eq_tol(maps[k], 3.5f, 1e-5f);
  /* an impulse in the middle: mass kept (the kernel fits inside), symmetric, peak 1/sum(k)^2 */
  memset(maps, 0, (size_t)H * W * sizeof *maps);
  maps[24 * W + 20] = 1.0f;
  ck_assert_int_eq(alcn_gaussian_blur_maps(maps, 1, H, W, 2.0), ALCN_OK);
  double sum = 0.0, ksum = 0.0;
  for (size_t k = 0; k < (size_t)H * W; ++k) sum += maps[k];
  ck_assert_double_eq_tol(sum, 1.0, 1e-5);
  for (int d = -8; d <= 8; ++d) ksum += exp(-0.5 * d * d / 4.0);
  ck_assert_double_eq_tol(maps[24 * W + 20], 1.0 / (ksum * ksum), 1e-6);
  ck_assert_float_eq_tol(maps[24 * W + 17], maps[24 * W + 23], 1e-7f);
  ck_assert_float_eq_tol(maps[21 * W + 20], maps[27 * W + 20], 1e-7f);
  ck_assert_float_eq_tol(maps[24 * W + 17], maps[21 * W + 20], 1e-7f);
  /* sigma 0: unchanged */
  float before = maps[24 * W + 21];
  ck_assert_int_eq(alcn_gaussian_blur_maps(maps, 1, H, W, 0.0), ALCN_OK);
  ck_assert_float_eq(maps[24 * W + 21], before);
}
END_TEST

/* [1, 0, 0] with sigma 1 (radius 4), reflect borders (... 0 0 1 | 1 0 0 | 0 0 1 ...),
 * by hand: s = 1 + 2(e^-1/2 + e^-2 + e^-9/2 + e^-8) = 2.5066208; out[0] picks the 1 at
 * offsets 0 and -1: (1 + e^-1/2)/s = 0.6409149; out[1] at offsets -1, -2 and +4:
 * (e^-1/2 + e^-2 + e^-8)/s = 0.2960964; out[2] = 1 - the others = 0.0629887. */
START_TEST(test_blur_reflect_border) {
  float m[3] = {1.0f, 0.0f, 0.0f};
  ck_assert_int_eq(alcn_gaussian_blur_maps(m, 1, 1, 3, 1.0), ALCN_OK);
  ck_assert_float_eq_tol(m[0], 0.6409149f, 1e-6f);
  ck_assert_float_eq_tol(m[1], 0.2960964f, 1e-6f);
  ck_assert_float_eq_tol(m[2], 0.0629887f, 1e-6f);
}
END_TEST

/* Smoothing a map whose defect values are high keeps it near perfect. */
START_TEST(test_blurred_perfect_map_still_high) {
  for (size_t k = 0; k < (size_t)N * H * W; ++k) maps[k] = masks[k] ? 1.0f : 0.0f;
  ck_assert_int_eq(alcn_gaussian_blur_maps(maps, N, H, W, ALCN_PIXEL_SIGMA_DEFAULT), ALCN_OK);
  alcn_pixel_metrics pm;
  ck_assert_int_eq(alcn_pixel_metrics_compute(maps, masks, N, H, W, 0.3, &pm), ALCN_OK);
  ck_assert(pm.pixel_auroc > 0.9);
  ck_assert(pm.aupro > 0.8);
}
END_TEST

int main(void) {
  Suite *s = suite_create("pixel_metrics");
  TCase *tc = tcase_create("core");
  tcase_add_checked_fixture(tc, setup, teardown);
  tcase_add_test(tc, test_perfect_map_scores_one);
  tcase_add_test(tc, test_inverted_map_scores_zero);
  tcase_add_test(tc, test_random_map_scores_chance);
  tcase_add_test(tc, test_constant_map_ties);
  tcase_add_test(tc, test_hand_computed_small);
  tcase_add_test(tc, test_regions_weigh_equally);
  tcase_add_test(tc, test_eight_connectivity);
  tcase_add_test(tc, test_errors);
  tcase_add_test(tc, test_blur_constant_and_mass);
  tcase_add_test(tc, test_blur_reflect_border);
  tcase_add_test(tc, test_blurred_perfect_map_still_high);
  suite_add_tcase(s, tc);
  return tu_run_suite(s);
}
