/* Suite "conv_threads": on each direct (SIMD) path this CPU has, AVX-512 and
 * AVX2+FMA, the stride-1 CPU conv gives bitwise the same forward, input,
 * weight and bias gradients with 1, 2 and 3 OpenMP threads, on passes large
 * enough (> 20 MFLOP) to be split across threads (smaller ones run on one
 * thread); on the portable path (im2col + sgemm, reproducible only per
 * thread count) two runs with the same thread count are bitwise equal. With
 * fewer images than threads (batch 1, 2) the direct forward splits each
 * image's rows over the threads: bitwise the same as on one thread.
 * Skipped (77) only where no SIMD path exists (not x86-64, or no AVX2+FMA)
 * or ALCN_CONV_GENERIC forces the im2col path. */
#define _GNU_SOURCE /* RTLD_DEFAULT */
#include "isa_paths.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cpu_ops.h"
#include "test_util.h"

/* _i = isa * 2 + tr. tr = 0: Conv2d(16,32,5) 12x12 -> 8x8; tr = 1:
 * ConvT(32,16,5) 8x8 -> 12x12; N = 192: 315 MFLOP per pass. */
START_TEST(test_thread_independent) {
  const int isa = _i / 2, tr = _i % 2, N = 192;
  if (!isa_use(isa, "conv_threads")) return;
  alcn_conv_dims d;
  ck_assert_int_eq(tr ? alcn_conv_dims_init(&d, N, 32, 8, 8, 16, 5, 5, 1, 0, 0, 1)
                      : alcn_conv_dims_init(&d, N, 16, 12, 12, 32, 5, 5, 1, 0, 0, 0),
                   ALCN_OK);
  isa_set_threads_fn set_threads = isa_find_set_threads();
  ck_assert_msg(set_threads != NULL, "omp_set_num_threads not found");
  const size_t nin = (size_t)N * d.C * d.H * d.W, nout = (size_t)N * d.K * d.P * d.Q;
  const size_t nw = (size_t)d.C * d.K * d.R * d.S;
  float *in = malloc(nin * sizeof(float)), *w = malloc(nw * sizeof(float)), *b = malloc(d.K * sizeof(float));
  float *gy = malloc(nout * sizeof(float));
  tu_fill_uniform(in, nin, 11, -1, 1);
  tu_fill_uniform(w, nw, 12, -0.1f, 0.1f);
  tu_fill_uniform(b, (size_t)d.K, 13, -0.5f, 0.5f);
  tu_fill_uniform(gy, nout, 14, -1, 1);
  set_threads(3);
  float *ws = malloc((alcn_cpu_conv_workspace(&d) + 1) * sizeof(float));
  float *o[3], *gi[3], *gw[3], *gb[3];
  /* direct paths: 1, 2, 3 threads; portable: 2 threads twice */
  const int direct = isa != ALCN_ISA_PORTABLE, runs = direct ? 3 : 2;
  for (int run = 0; run < runs; ++run) {
    set_threads(direct ? run + 1 : 2);
    o[run] = malloc(nout * sizeof(float));
    gi[run] = malloc(nin * sizeof(float));
    gw[run] = calloc(nw, sizeof(float));
    gb[run] = calloc((size_t)d.K, sizeof(float));
    if (tr) {
      alcn_cpu_convt2d_forward(o[run], in, w, b, &d, ws);
      alcn_cpu_convt2d_backward(gi[run], gw[run], gb[run], gy, in, w, &d, ws);
    } else {
      alcn_cpu_conv2d_forward(o[run], in, w, b, &d, ws);
      alcn_cpu_conv2d_backward(gi[run], gw[run], gb[run], gy, in, w, &d, ws);
    }
  }
  set_threads(2);
  /* sanity: the results are not trivially zero */
  ck_assert_double_gt(tu_max_abs_diff(o[0], gy, nout), 0.0);
  const char *path = alcn_cpu_isa_name((alcn_cpu_isa)isa);
  for (int run = 1; run < runs; ++run) {
    const int th = direct ? run + 1 : 2;
    ck_assert_msg(memcmp(o[0], o[run], nout * sizeof(float)) == 0, "%s: forward differs with %d threads", path, th);
    ck_assert_msg(memcmp(gi[0], gi[run], nin * sizeof(float)) == 0, "%s: din differs with %d threads", path, th);
    ck_assert_msg(memcmp(gw[0], gw[run], nw * sizeof(float)) == 0, "%s: dw differs with %d threads", path, th);
    ck_assert_msg(memcmp(gb[0], gb[run], (size_t)d.K * sizeof(float)) == 0, "%s: db differs with %d threads", path,
                  th);
  }
  for (int run = 0; run < runs; ++run) { free(o[run]); free(gi[run]); free(gw[run]); free(gb[run]); }
  free(in); free(w); free(b); free(gy); free(ws);
  isa_restore();
}
END_TEST

/* _i = isa * 2 + tr; Conv2d(16,32,5) 24x24 -> 20x20 or ConvT(32,16,5)
 * 20x20 -> 24x24: 10-15 MFLOP per image, enough to split its rows. */
START_TEST(test_small_batch_rows) {
  const int isa = _i / 2, tr = _i % 2;
  if (!isa_use(isa, "conv_threads") || isa == ALCN_ISA_PORTABLE) return;
  isa_set_threads_fn set_threads = isa_find_set_threads();
  ck_assert_msg(set_threads != NULL, "omp_set_num_threads not found");
  const char *path = alcn_cpu_isa_name((alcn_cpu_isa)isa);
  for (int N = 1; N <= 2; ++N) {
    alcn_conv_dims d;
    ck_assert_int_eq(tr ? alcn_conv_dims_init(&d, N, 32, 20, 20, 16, 5, 5, 1, 0, 0, 1)
                        : alcn_conv_dims_init(&d, N, 16, 24, 24, 32, 5, 5, 1, 0, 0, 0),
                     ALCN_OK);
    const size_t nin = (size_t)N * d.C * d.H * d.W, nout = (size_t)N * d.K * d.P * d.Q;
    const size_t nw = (size_t)d.C * d.K * d.R * d.S;
    float *in = malloc(nin * sizeof(float)), *w = malloc(nw * sizeof(float)), *b = malloc(d.K * sizeof(float));
    tu_fill_uniform(in, nin, 21, -1, 1);
    tu_fill_uniform(w, nw, 22, -0.1f, 0.1f);
    tu_fill_uniform(b, (size_t)d.K, 23, -0.5f, 0.5f);
    set_threads(3);
    const size_t nws = alcn_cpu_conv_workspace(&d) + 1;
    float *ws = malloc(nws * sizeof(float));
    float *o[3];
    for (int t = 0; t < 3; ++t) {
      set_threads(t + 1);
      memset(ws, 0xff, nws * sizeof(float)); /* NaN: no result of a previous run survives in it */
      o[t] = malloc(nout * sizeof(float));
      if (tr) alcn_cpu_convt2d_forward(o[t], in, w, b, &d, ws);
      else alcn_cpu_conv2d_forward(o[t], in, w, b, &d, ws);
    }
    ck_assert_double_gt(tu_max_abs_diff(o[0], in, nout < nin ? nout : nin), 0.0);
    for (int t = 1; t < 3; ++t)
      ck_assert_msg(memcmp(o[0], o[t], nout * sizeof(float)) == 0, "%s: batch %d forward differs with %d threads",
                    path, N, t + 1);
    for (int t = 0; t < 3; ++t) free(o[t]);
    free(in); free(w); free(b); free(ws);
  }
  set_threads(2);
  isa_restore();
}
END_TEST

int main(void) {
  if (!alcn_cpu_isa_supported(ALCN_ISA_AVX2) && !alcn_cpu_isa_supported(ALCN_ISA_AVX512)) {
    printf("conv_threads: no AVX2+FMA or AVX-512 on this CPU (or not an x86-64 GCC/Clang build), the direct "
           "path does not run: skipped\n");
    return 77;
  }
  const char *e = getenv("ALCN_CONV_GENERIC");
  if (e && *e && strcmp(e, "0") != 0) {
    printf("conv_threads: ALCN_CONV_GENERIC set, the direct path does not run: skipped\n");
    return 77;
  }
  for (int i = 0; i < ALCN_ISA_COUNT; ++i)
    printf("conv_threads: %s path %s\n", alcn_cpu_isa_name((alcn_cpu_isa)i),
           alcn_cpu_isa_supported((alcn_cpu_isa)i) ? "tested" : "not on this CPU: skipped");
  Suite *s = suite_create("conv_threads");
  TCase *tc = tcase_create("core");
  tcase_set_timeout(tc, 120);
  tcase_add_loop_test(tc, test_thread_independent, 0, 2 * ALCN_ISA_COUNT);
  tcase_add_loop_test(tc, test_small_batch_rows, 0, 2 * ALCN_ISA_COUNT);
  suite_add_tcase(s, tc);
  SRunner *sr = srunner_create(s);
  srunner_run_all(sr, CK_NORMAL);
  const int failed = srunner_ntests_failed(sr);
  srunner_free(sr);
  return failed ? 1 : 0;
}
