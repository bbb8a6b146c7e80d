/* Suite "conv_threads": the stride-1 direct (AVX-512) CPU conv gives bitwise
 * the same forward, input, weight and bias gradients with 1, 2 and 3 OpenMP
 * threads, on passes large enough (> 250 MFLOP) to be split across threads
 * (smaller ones run on one thread). Skipped (77) on CPUs without AVX-512,
 * where the im2col path is only reproducible per thread count. */
#define _GNU_SOURCE /* RTLD_DEFAULT */
#include <check.h>
#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cpu_ops.h"
#include "test_util.h"

/* omp_set_num_threads from the libgomp that libalcn loaded (the test is not
 * built with OpenMP); NULL if not found. */
typedef void (*set_threads_fn)(int);
static set_threads_fn find_set_threads(void) {
  void *f = dlsym(RTLD_DEFAULT, "omp_set_num_threads");
  set_threads_fn fn;
  memcpy(&fn, &f, sizeof fn);
  return fn;
}

/* _i = 0: Conv2d(16,32,5) 12x12 -> 8x8; _i = 1: ConvT(32,16,5) 8x8 -> 12x12;
 * N = 192: 315 MFLOP per pass. */
START_TEST(test_thread_independent) {
  const int tr = _i, N = 192;
  alcn_conv_dims d;
  ck_assert_int_eq(tr ? alcn_conv_dims_init(&d, N, 32, 8, 8, 16, 5, 5, 1, 0, 0, 1)
                      : alcn_conv_dims_init(&d, N, 16, 12, 12, 32, 5, 5, 1, 0, 0, 0),
                   ALCN_OK);
  set_threads_fn set_threads = find_set_threads();
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
  for (int run = 0; run < 3; ++run) {
    set_threads(run + 1);
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
  for (int run = 1; run < 3; ++run) {
    ck_assert_msg(memcmp(o[0], o[run], nout * sizeof(float)) == 0, "forward differs with %d threads", run + 1);
    ck_assert_msg(memcmp(gi[0], gi[run], nin * sizeof(float)) == 0, "din differs with %d threads", run + 1);
    ck_assert_msg(memcmp(gw[0], gw[run], nw * sizeof(float)) == 0, "dw differs with %d threads", run + 1);
    ck_assert_msg(memcmp(gb[0], gb[run], (size_t)d.K * sizeof(float)) == 0, "db differs with %d threads", run + 1);
  }
  for (int run = 0; run < 3; ++run) { free(o[run]); free(gi[run]); free(gw[run]); free(gb[run]); }
  free(in); free(w); free(b); free(gy); free(ws);
}
END_TEST

int main(void) {
#if defined(__x86_64__) && defined(__GNUC__)
  if (!__builtin_cpu_supports("avx512f")) {
    printf("conv_threads: no AVX-512 on this CPU, the direct path does not run: skipped\n");
    return 77;
  }
#else
  printf("conv_threads: not an x86-64 GCC/Clang build, the direct path does not run: skipped\n");
  return 77;
#endif
  const char *e = getenv("ALCN_CONV_GENERIC");
  if (e && *e && strcmp(e, "0") != 0) {
    printf("conv_threads: ALCN_CONV_GENERIC set, the direct path does not run: skipped\n");
    return 77;
  }
  Suite *s = suite_create("conv_threads");
  TCase *tc = tcase_create("core");
  tcase_set_timeout(tc, 60);
  tcase_add_loop_test(tc, test_thread_independent, 0, 2);
  suite_add_tcase(s, tc);
  SRunner *sr = srunner_create(s);
  srunner_run_all(sr, CK_NORMAL);
  const int failed = srunner_ntests_failed(sr);
  srunner_free(sr);
  return failed ? 1 : 0;
}
