/* Suite "act": ReLU, LeakyReLU, Sigmoid, Tanh forward values, saturation,
 * in-place use, and finite-difference checks of the backward (computed from
 * the forward's output). */
#include <check.h>
#include <math.h>
#include <stdlib.h>

#include "cpu_ops.h"
#include "test_util.h"

enum { NA = 64 };
static const float SLOPE = 0.2f;

typedef struct act_ctx {
  float *in, *out, *r;
  alcn_act act;
} act_ctx;

static double act_objective(void *p) {
  act_ctx *c = p;
  alcn_cpu_act_forward(c->out, c->in, NA, c->act, SLOPE);
  double s = 0.0;
  for (int i = 0; i < NA; ++i) s += (double)c->r[i] * c->out[i];
  return s;
}

START_TEST(test_values) {
  const float x[6] = {-3.0f, -0.5f, 0.0f, 0.5f, 2.0f, -100.0f};
  float y[6];
  alcn_cpu_act_forward(y, x, 6, ALCN_ACT_RELU, 0);
  const float relu[6] = {0, 0, 0, 0.5f, 2.0f, 0};
  for (int i = 0; i < 6; ++i) ck_assert_float_eq(y[i], relu[i]);
  alcn_cpu_act_forward(y, x, 6, ALCN_ACT_LRELU, 0.1f);
  const float lrelu[6] = {-0.3f, -0.05f, 0, 0.5f, 2.0f, -10.0f};
  for (int i = 0; i < 6; ++i) ck_assert_float_eq_tol(y[i], lrelu[i], 1e-6f);
  alcn_cpu_act_forward(y, x, 6, ALCN_ACT_SIGMOID, 0);
  const float sig[6] = {0.04742587317f, 0.3775406688f, 0.5f, 0.6224593312f, 0.8807970780f, 3.720076e-44f};
  for (int i = 0; i < 5; ++i) ck_assert_float_eq_tol(y[i], sig[i], 1e-6f);
  ck_assert(isfinite(y[5]) && y[5] >= 0.0f && y[5] < 1e-30f);
  alcn_cpu_act_forward(y, x, 6, ALCN_ACT_TANH, 0);
  const float th[6] = {-0.9950547537f, -0.4621171573f, 0.0f, 0.4621171573f, 0.9640275801f, -1.0f};
  for (int i = 0; i < 6; ++i) ck_assert_float_eq_tol(y[i], th[i], 1e-6f);
  /* sigmoid saturates to exactly 1 without overflow for large logits */
  float big = 100.0f, sb;
  alcn_cpu_act_forward(&sb, &big, 1, ALCN_ACT_SIGMOID, 0);
  ck_assert_float_eq(sb, 1.0f);
}
END_TEST

/* _i: the activation */
START_TEST(test_fd_backward) {
  act_ctx c = {malloc(NA * sizeof(float)), malloc(NA * sizeof(float)), malloc(NA * sizeof(float)), (alcn_act)_i};
  tu_fill_uniform(c.in, NA, 100 + _i, -2.5f, 2.5f);
  /* keep clear of the kink at 0 for (leaky) ReLU: |x| >= 0.05 */
  for (int i = 0; i < NA; ++i)
    if (fabsf(c.in[i]) < 0.05f) c.in[i] = c.in[i] < 0 ? -0.05f : 0.05f;
  tu_fill_uniform(c.r, NA, 200 + _i, -1, 1);
  float *din = malloc(NA * sizeof(float));
  alcn_cpu_act_forward(c.out, c.in, NA, c.act, SLOPE);
  alcn_cpu_act_backward(din, c.r, c.out, NA, c.act, SLOPE);
  /* in-place backward (din aliases dout) gives the same */
  float *g = malloc(NA * sizeof(float));
  for (int i = 0; i < NA; ++i) g[i] = c.r[i];
  alcn_cpu_act_backward(g, g, c.out, NA, c.act, SLOPE);
  ck_assert_double_eq(tu_max_abs_diff(g, din, NA), 0.0);
  /* in-place forward */
  for (int i = 0; i < NA; ++i) g[i] = c.in[i];
  alcn_cpu_act_forward(g, g, NA, c.act, SLOPE);
  ck_assert_double_eq(tu_max_abs_diff(g, c.out, NA), 0.0);
  /* after the in-place checks: the FD run leaves c.out at a perturbed point */
  ck_assert_double_le(tu_fd_check(c.in, NA, din, act_objective, &c, 1e-3f, NA, 1e-2), 5e-3);
  free(c.in); free(c.out); free(c.r); free(din); free(g);
}
END_TEST

START_TEST(test_large_parallel_matches_serial_definition) {
  /* above the OpenMP threshold the result is still element-wise exact */
  enum { NL = 100000 };
  float *x = malloc(NL * sizeof(float)), *y = malloc(NL * sizeof(float));
  tu_fill_uniform(x, NL, 9, -4, 4);
  alcn_cpu_act_forward(y, x, NL, ALCN_ACT_TANH, 0);
  for (int i = 0; i < NL; i += 997) ck_assert_float_eq(y[i], tanhf(x[i]));
  alcn_cpu_act_forward(y, x, NL, ALCN_ACT_LRELU, 0.01f);
  for (int i = 0; i < NL; i += 997) ck_assert_float_eq(y[i], x[i] > 0 ? x[i] : 0.01f * x[i]);
  free(x); free(y);
}
END_TEST

int main(void) {
  Suite *s = suite_create("act");
  TCase *tc = tcase_create("act");
  tcase_add_test(tc, test_values);
  tcase_add_loop_test(tc, test_fd_backward, ALCN_ACT_RELU, ALCN_ACT_TANH + 1);
  tcase_add_test(tc, test_large_parallel_matches_serial_definition);
  suite_add_tcase(s, tc);
  return tu_run_suite(s);
}
