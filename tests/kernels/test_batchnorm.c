/* Suite "batchnorm": BatchNorm2d train forward on a hand-computed case,
 * running statistics after 3 train steps against a hand computation, eval
 * mode using them, finite-difference checks of the train-mode backward
 * (through the batch statistics) and += / NULL parameter gradients. */
#include <check.h>
#include <math.h>
#include <stdlib.h>

#include "cpu_ops.h"
#include "test_util.h"

static float *fz(size_t n) { return calloc(n ? n : 1, sizeof(float)); }

START_TEST(test_hand_case) {
  /* N=2, C=1, HW=2: x = {1,2 | 3,4}: mean 2.5, biased var 1.25, unbiased 5/3 */
  alcn_bn_dims d = {2, 1, 2, 1e-5f, 0.1f};
  const float x[4] = {1, 2, 3, 4}, g = 2.0f, b = 0.5f;
  float y[4], rm = 0.0f, rv = 1.0f, sm, si;
  alcn_cpu_bn_forward_train(y, x, &g, &b, &rm, &rv, &sm, &si, &d);
  const double inv = 1.0 / sqrt(1.25 + 1e-5);
  for (int i = 0; i < 4; ++i) ck_assert_float_eq_tol(y[i], (float)((x[i] - 2.5) * inv * 2 + 0.5), 1e-6f);
  ck_assert_float_eq_tol(sm, 2.5f, 1e-7f);
  ck_assert_float_eq_tol(si, (float)inv, 1e-6f);
  ck_assert_float_eq_tol(rm, 0.25f, 1e-7f);                      /* 0.9*0 + 0.1*2.5 */
  ck_assert_float_eq_tol(rv, (float)(0.9 + 0.1 * 5.0 / 3.0), 1e-7f); /* unbiased variance */
}
END_TEST

START_TEST(test_running_stats_three_steps_and_eval) {
  enum { N = 3, C = 2, HW = 4, L = N * C * HW };
  alcn_bn_dims d = {N, C, HW, 1e-5f, 0.1f};
  float x[L], y[L], gamma[C] = {1.5f, -0.5f}, beta[C] = {0.1f, 0.2f};
  float rm[C] = {0, 0}, rv[C] = {1, 1}, sm[C], si[C];
  double erm[C] = {0, 0}, erv[C] = {1, 1};
  for (int step = 0; step < 3; ++step) {
    tu_fill_uniform(x, L, 300 + step, -1.0f + step, 2.0f + 2 * step);
    alcn_cpu_bn_forward_train(y, x, gamma, beta, rm, rv, sm, si, &d);
    for (int c = 0; c < C; ++c) {
      double s = 0, s2 = 0;
      for (int n = 0; n < N; ++n)
        for (int i = 0; i < HW; ++i) s += x[(n * C + c) * HW + i];
      const double mean = s / (N * HW);
      for (int n = 0; n < N; ++n)
        for (int i = 0; i < HW; ++i) s2 += pow(x[(n * C + c) * HW + i] - mean, 2);
      erm[c] = 0.9 * erm[c] + 0.1 * mean;
      erv[c] = 0.9 * erv[c] + 0.1 * s2 / (N * HW - 1);
    }
  }
  for (int c = 0; c < C; ++c) {
    ck_assert_double_eq_tol(rm[c], erm[c], 1e-6);
    ck_assert_double_eq_tol(rv[c], erv[c], 1e-6);
  }
  /* eval: (x - running_mean) / sqrt(running_var + eps) * gamma + beta */
  alcn_cpu_bn_forward_eval(y, x, gamma, beta, rm, rv, &d);
  for (int n = 0; n < N; ++n)
    for (int c = 0; c < C; ++c)
      for (int i = 0; i < HW; ++i) {
        const int j = (n * C + c) * HW + i;
        const double e = (x[j] - erm[c]) / sqrt(erv[c] + 1e-5) * gamma[c] + beta[c];
        ck_assert_double_eq_tol(y[j], e, 1e-5);
      }
}
END_TEST

typedef struct bn_ctx {
  float *in, *gamma, *beta, *out, *r;
  alcn_bn_dims d;
} bn_ctx;

static double bn_objective(void *p) {
  bn_ctx *c = p;
  alcn_cpu_bn_forward_train(c->out, c->in, c->gamma, c->beta, NULL, NULL, NULL, NULL, &c->d);
  double s = 0.0;
  for (int j = 0; j < c->d.N * c->d.C * c->d.HW; ++j) s += (double)c->r[j] * c->out[j];
  return s;
}

/* _i picks (N, HW); C = 3 */
START_TEST(test_fd_backward) {
  static const int shapes[5][2] = {{2, 1}, {3, 7}, {4, 25}, {5, 4}, {2, 9}};
  const int N = shapes[_i][0], HW = shapes[_i][1], C = 3, L = N * C * HW;
  bn_ctx c = {fz(L), fz(C), fz(C), fz(L), fz(L), {N, C, HW, 1e-5f, 0.1f}};
  tu_fill_uniform(c.in, L, 50 + _i, -1.0f, 1.5f);
  tu_fill_uniform(c.gamma, C, 60 + _i, 0.5f, 1.5f);
  tu_fill_uniform(c.beta, C, 70 + _i, -0.5f, 0.5f);
  tu_fill_uniform(c.r, L, 80 + _i, -1, 1);
  float sm[3], si[3], *din = fz(L), dg[3] = {0, 0, 0}, db[3] = {0, 0, 0};
  alcn_cpu_bn_forward_train(c.out, c.in, c.gamma, c.beta, NULL, NULL, sm, si, &c.d);
  alcn_cpu_bn_backward(din, dg, db, c.r, c.in, c.gamma, sm, si, &c.d);
  /* N=2, HW=1: each channel normalises to +-1 whatever x is, so din ~ 0:
   * the floor keeps that a meaningful absolute check */
  ck_assert_double_le(tu_fd_check(c.in, L, din, bn_objective, &c, 1e-2f, 150, 5e-2), 1e-2);
  ck_assert_double_le(tu_fd_check(c.gamma, C, dg, bn_objective, &c, 1e-2f, C, 5e-2), 1e-2);
  ck_assert_double_le(tu_fd_check(c.beta, C, db, bn_objective, &c, 1e-2f, C, 5e-2), 1e-2);
  free(c.in); free(c.gamma); free(c.beta); free(c.out); free(c.r); free(din);
}
END_TEST

START_TEST(test_accumulate_and_null) {
  enum { N = 3, C = 2, HW = 5, L = N * C * HW };
  alcn_bn_dims d = {N, C, HW, 1e-5f, 0.1f};
  float x[L], y[L], dy[L], din[L], din2[L], g[C] = {1.2f, 0.7f}, b[C] = {0, 0}, sm[C], si[C];
  tu_fill_uniform(x, L, 11, -1, 1);
  tu_fill_uniform(dy, L, 12, -1, 1);
  alcn_cpu_bn_forward_train(y, x, g, b, NULL, NULL, sm, si, &d);
  float dg[C] = {0, 0}, db[C] = {0, 0}, dg2[C] = {1, 2}, db2[C] = {3, 4};
  alcn_cpu_bn_backward(din, dg, db, dy, x, g, sm, si, &d);
  alcn_cpu_bn_backward(NULL, dg2, db2, dy, x, g, sm, si, &d);
  alcn_cpu_bn_backward(din2, NULL, NULL, dy, x, g, sm, si, &d);
  for (int c = 0; c < C; ++c) {
    ck_assert_float_eq_tol(dg2[c], (c + 1) + dg[c], 1e-6f);
    ck_assert_float_eq_tol(db2[c], (c + 3) + db[c], 1e-6f);
  }
  ck_assert_double_eq(tu_max_abs_diff(din2, din, L), 0.0);
  /* dbeta = sum of dout over the channel */
  double s0 = 0;
  for (int n = 0; n < N; ++n)
    for (int i = 0; i < HW; ++i) s0 += dy[(n * C) * HW + i];
  ck_assert_double_eq_tol(db[0], s0, 1e-6);
}
END_TEST

int main(void) {
  Suite *s = suite_create("batchnorm");
  TCase *tc = tcase_create("batchnorm");
  tcase_add_test(tc, test_hand_case);
  tcase_add_test(tc, test_running_stats_three_steps_and_eval);
  tcase_add_loop_test(tc, test_fd_backward, 0, 5);
  tcase_add_test(tc, test_accumulate_and_null);
  suite_add_tcase(s, tc);
  return tu_run_suite(s);
}
