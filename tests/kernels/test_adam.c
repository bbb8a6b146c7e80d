/* Suite "adam": on every CPU path this machine has (portable, avx2,
 * avx512), the first step moves each parameter by lr*sign(g) (hand value),
 * and 3 steps with and without weight decay equal a double-precision
 * computation of PyTorch's Adam; every path gives bitwise the numbers of the
 * portable path with 1 thread, with 1 and 2 threads, on a parameter block
 * large enough for the OpenMP split and with a ragged SIMD tail. */
#include "isa_paths.h"

#include <check.h>
#include <math.h>
#include <stdlib.h>

#include "cpu_ops.h"
#include "test_util.h"

/* _i: the CPU path */
START_TEST(test_first_step_hand) {
  if (!isa_use(_i, "adam first_step_hand")) return;
  /* t = 1: m_hat = g, v_hat = g^2, so p -= lr * g / (|g| + eps) ~ lr * sign(g) */
  alcn_adam_hparams h = {0.01f, 0.9f, 0.999f, 1e-8f, 0.0f};
  float p[3] = {1.0f, -2.0f, 0.5f}, g[3] = {0.3f, -4.0f, 1e-3f}, m[3] = {0}, v[3] = {0};
  alcn_cpu_adam_step(p, g, m, v, 3, &h, 1);
  ck_assert_float_eq_tol(p[0], 0.99f, 1e-6f);
  ck_assert_float_eq_tol(p[1], -1.99f, 1e-6f);
  ck_assert_float_eq_tol(p[2], 0.49f, 1e-6f);
  ck_assert_float_eq_tol(m[1], -0.4f, 1e-6f);  /* (1-b1) g */
  /* (1-b2) g^2 with b2 the float nearest 0.999 (1 - 0.999f = 0.00099998713) */
  ck_assert_float_eq_tol(v[1], 0.0159997940f, 2e-9f);
  isa_restore();
}
END_TEST

/* _i = 2 * path + wd: wd 0 without, 1 with L2 weight decay; N = 37 covers
 * full SIMD blocks of 16 and 8 and a scalar tail */
START_TEST(test_three_steps_vs_double) {
  enum { N = 37 };
  if (!isa_use(_i / 2, "adam three_steps_vs_double")) return;
  alcn_adam_hparams h = {2e-3f, 0.5f, 0.999f, 1e-8f, _i % 2 ? 0.1f : 0.0f};
  float p[N], g[N], m[N] = {0}, v[N] = {0};
  double pd[N], md[N] = {0}, vd[N] = {0};
  tu_fill_uniform(p, N, 7, -1, 1);
  for (int i = 0; i < N; ++i) pd[i] = p[i];
  for (int t = 1; t <= 3; ++t) {
    tu_fill_uniform(g, N, 100 + t, -0.5f, 0.5f);
    alcn_cpu_adam_step(p, g, m, v, N, &h, t);
    const double b1 = h.beta1, b2 = h.beta2;
    for (int i = 0; i < N; ++i) {
      double gi = g[i] + (double)h.weight_decay * pd[i];
      md[i] = b1 * md[i] + (1 - b1) * gi;
      vd[i] = b2 * vd[i] + (1 - b2) * gi * gi;
      double mh = md[i] / (1 - pow(b1, t)), vh = vd[i] / (1 - pow(b2, t));
      pd[i] -= (double)h.lr * mh / (sqrt(vh) + (double)h.eps);
    }
  }
  for (int i = 0; i < N; ++i) {
    ck_assert_double_eq_tol(p[i], pd[i], 2e-7);
    ck_assert_double_eq_tol(m[i], md[i], 1e-7);
    ck_assert_double_eq_tol(v[i], vd[i], 1e-9);
  }
  /* the parameters moved: about 3 * lr each (checked on the first 7, whose
   * three gradients do not cancel; random signs may elsewhere) */
  float p0[N];
  tu_fill_uniform(p0, N, 7, -1, 1);
  for (int i = 0; i < 7; ++i) ck_assert(fabsf(p[i] - p0[i]) > 1e-4f);
  isa_restore();
}
END_TEST

/* Above the OpenMP threshold (2^22 parameters) plus a ragged tail: two steps
 * with weight decay on every path and with 1 and 2 threads equal the
 * portable path with 1 thread, bit for bit. */
START_TEST(test_paths_bitwise) {
  const size_t n = ((size_t)1 << 22) + 37;
  isa_set_threads_fn set_threads = isa_find_set_threads();
  ck_assert_msg(set_threads != NULL, "omp_set_num_threads not found");
  const alcn_adam_hparams h = {1e-3f, 0.9f, 0.999f, 1e-8f, 0.01f};
  float *g = malloc(n * sizeof(float)), *p0 = malloc(n * sizeof(float));
  float *ref[3], *run[3];
  for (int k = 0; k < 3; ++k) {
    ref[k] = malloc(n * sizeof(float));
    run[k] = malloc(n * sizeof(float));
  }
  ck_assert(g && p0 && ref[2] && run[2]);
  tu_fill_uniform(g, n, 31, -1, 1);
  tu_fill_uniform(p0, n, 32, -1, 1);
  int have_ref = 0;
  for (int isa = 0; isa < ALCN_ISA_COUNT; ++isa) {
    if (!isa_use(isa, "adam paths_bitwise")) continue;
    for (int th = 1; th <= 2; ++th) {
      set_threads(th);
      float **o = have_ref ? run : ref; /* p, m, v */
      memcpy(o[0], p0, n * sizeof(float));
      memset(o[1], 0, n * sizeof(float));
      memset(o[2], 0, n * sizeof(float));
      for (int t = 1; t <= 2; ++t) alcn_cpu_adam_step(o[0], g, o[1], o[2], n, &h, t);
      if (!have_ref) {
        have_ref = 1;
        continue;
      }
      for (int k = 0; k < 3; ++k)
        ck_assert_msg(memcmp(ref[k], run[k], n * sizeof(float)) == 0, "%s, %d threads: %s differs from portable",
                      alcn_cpu_isa_name((alcn_cpu_isa)isa), th, k == 0 ? "p" : k == 1 ? "m" : "v");
    }
  }
  set_threads(2);
  for (int k = 0; k < 3; ++k) {
    free(ref[k]);
    free(run[k]);
  }
  free(g);
  free(p0);
  isa_restore();
}
END_TEST

int main(void) {
  Suite *s = suite_create("adam");
  TCase *tc = tcase_create("adam");
  tcase_set_timeout(tc, 60);
  tcase_add_loop_test(tc, test_first_step_hand, 0, ALCN_ISA_COUNT);
  tcase_add_loop_test(tc, test_three_steps_vs_double, 0, 2 * ALCN_ISA_COUNT);
  tcase_add_test(tc, test_paths_bitwise);
  suite_add_tcase(s, tc);
  return tu_run_suite(s);
}
