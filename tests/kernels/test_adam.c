/* Suite "adam": the first step moves each parameter by lr*sign(g) (hand
 * value), and 3 steps with and without weight decay equal a double-precision
 * computation of PyTorch's Adam. */
#include <check.h>
#include <math.h>
#include <stdlib.h>

#include "cpu_ops.h"
#include "test_util.h"

START_TEST(test_first_step_hand) {
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
}
END_TEST

/* _i: 0 without, 1 with L2 weight decay */
START_TEST(test_three_steps_vs_double) {
  enum { N = 7 };
  alcn_adam_hparams h = {2e-3f, 0.5f, 0.999f, 1e-8f, _i ? 0.1f : 0.0f};
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
  /* the parameters moved: about 3 * lr each */
  float p0[N];
  tu_fill_uniform(p0, N, 7, -1, 1);
  for (int i = 0; i < N; ++i) ck_assert(fabsf(p[i] - p0[i]) > 1e-4f);
}
END_TEST

int main(void) {
  Suite *s = suite_create("adam");
  TCase *tc = tcase_create("adam");
  tcase_add_test(tc, test_first_step_hand);
  tcase_add_loop_test(tc, test_three_steps_vs_double, 0, 2);
  suite_add_tcase(s, tc);
  return tu_run_suite(s);
}
