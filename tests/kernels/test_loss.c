/* Suite "loss": MSE, L1 and BCE-with-logits values and gradients on
 * hand-computed cases, BCE at logits +-100, finite-difference checks, the
 * dpred scale, a large input through the blocked reduction, and the per-image
 * squared error score. */
#include <check.h>
#include <math.h>
#include <stdlib.h>

#include "cpu_ops.h"
#include "test_util.h"

START_TEST(test_mse_l1_hand) {
  const float p[4] = {1, 2, 3, 4}, t[4] = {0, 2, 5, 4};
  float g[4];
  /* errors 1, 0, -2, 0: MSE = 5/4; dMSE = 2e/4, times scale 2 -> e */
  ck_assert_float_eq_tol(alcn_cpu_mse_loss(g, p, t, 4, 2.0f), 1.25f, 1e-7f);
  const float gm[4] = {1, 0, -2, 0};
  for (int i = 0; i < 4; ++i) ck_assert_float_eq_tol(g[i], gm[i], 1e-7f);
  /* L1 = 3/4; dL1 = sign(e)/4 with sign(0) = 0 */
  ck_assert_float_eq_tol(alcn_cpu_l1_loss(g, p, t, 4, 1.0f), 0.75f, 1e-7f);
  const float gl[4] = {0.25f, 0, -0.25f, 0};
  for (int i = 0; i < 4; ++i) ck_assert_float_eq_tol(g[i], gl[i], 1e-7f);
  /* dpred NULL: value only */
  ck_assert_float_eq_tol(alcn_cpu_mse_loss(NULL, p, t, 4, 1.0f), 1.25f, 1e-7f);
}
END_TEST

START_TEST(test_bce_hand_and_extremes) {
  /* l = max(x,0) - x t + log(1 + e^-|x|); values from a double computation */
  const float x[4] = {0, 2, -1, 0.5f}, t[4] = {0.5f, 1, 0, 0.25f};
  float g[4];
  ck_assert_float_eq_tol(alcn_cpu_bce_logits_loss(g, x, t, 4, 1.0f), 0.4956034658f, 1e-6f);
  const float ge[4] = {0.0f, -0.02980073051f, 0.06723535534f, 0.09311483280f};
  for (int i = 0; i < 4; ++i) ck_assert_float_eq_tol(g[i], ge[i], 1e-7f);
  /* logits +-100: losses 0, 0, 100, 100 -> mean 50; finite gradients */
  const float xb[4] = {100, -100, 100, -100}, tb[4] = {1, 0, 0, 1};
  float l = alcn_cpu_bce_logits_loss(g, xb, tb, 4, 1.0f);
  ck_assert(isfinite(l));
  ck_assert_float_eq_tol(l, 50.0f, 1e-5f);
  const float gb[4] = {0, 0, 0.25f, -0.25f};
  for (int i = 0; i < 4; ++i) {
    ck_assert(isfinite(g[i]));
    ck_assert_float_eq_tol(g[i], gb[i], 1e-7f);
  }
}
END_TEST

typedef struct loss_ctx {
  float *p, *t;
  size_t n;
  int kind;
} loss_ctx;

static double loss_objective(void *c_) {
  loss_ctx *c = c_;
  switch (c->kind) {
    case 0: return alcn_cpu_mse_loss(NULL, c->p, c->t, c->n, 1.0f);
    case 1: return alcn_cpu_l1_loss(NULL, c->p, c->t, c->n, 1.0f);
    default: return alcn_cpu_bce_logits_loss(NULL, c->p, c->t, c->n, 1.0f);
  }
}

/* _i: 0 MSE, 1 L1, 2 BCE; gradient with scale 3 checked against FD / 3 */
START_TEST(test_fd_and_scale) {
  enum { N = 37 };
  float p[N], t[N], g[N], g1[N];
  loss_ctx c = {p, t, N, _i};
  tu_fill_uniform(p, N, 400 + _i, -3, 3);
  tu_fill_uniform(t, N, 500 + _i, 0, 1);
  /* L1: keep |p - t| >= 0.05 away from the kink */
  for (int i = 0; i < N; ++i)
    if (fabsf(p[i] - t[i]) < 0.05f) p[i] = t[i] + 0.05f;
  float (*fn[3])(float *, const float *, const float *, size_t, float) = {
      alcn_cpu_mse_loss, alcn_cpu_l1_loss, alcn_cpu_bce_logits_loss};
  float v1 = fn[_i](g1, p, t, N, 1.0f), v3 = fn[_i](g, p, t, N, 3.0f);
  ck_assert_float_eq(v1, v3); /* scale affects the gradient only */
  for (int i = 0; i < N; ++i) ck_assert_float_eq_tol(g[i], 3.0f * g1[i], 1e-6f);
  /* loss values ~1 in float: step 1e-2 keeps the FD rounding near 1e-5 */
  ck_assert_double_le(tu_fd_check(p, N, g1, loss_objective, &c, 1e-2f, N, 1e-3), 1e-2);
}
END_TEST

START_TEST(test_large_blocked_reduction) {
  /* n over several reduction blocks: equals a serial double sum, same bits twice */
  enum { N = 300001 };
  float *p = malloc(N * sizeof(float)), *t = malloc(N * sizeof(float)), *g = malloc(N * sizeof(float));
  tu_fill_uniform(p, N, 1, -1, 1);
  tu_fill_uniform(t, N, 2, -1, 1);
  double s = 0.0;
  for (int i = 0; i < N; ++i) s += ((double)p[i] - t[i]) * ((double)p[i] - t[i]);
  float v = alcn_cpu_mse_loss(g, p, t, N, 1.0f);
  ck_assert_double_eq_tol(v, s / N, 1e-6 * (s / N));
  ck_assert_float_eq(alcn_cpu_mse_loss(NULL, p, t, N, 1.0f), v);
  ck_assert_float_eq_tol(g[N - 1], 2.0f * (p[N - 1] - t[N - 1]) / N, 1e-12f);
  free(p); free(t); free(g);
}
END_TEST

START_TEST(test_sq_err_per_image) {
  /* N=3, D=4 */
  const float a[12] = {1, 2, 3, 4, 0, 0, 0, 0, 1, -1, 1, -1};
  const float b[12] = {1, 2, 3, 4, 1, 1, 1, 1, -1, 1, -1, 1};
  float s[3];
  alcn_cpu_sq_err_per_image(s, a, b, 3, 4);
  ck_assert_float_eq(s[0], 0.0f);
  ck_assert_float_eq_tol(s[1], 1.0f, 1e-7f);
  ck_assert_float_eq_tol(s[2], 4.0f, 1e-7f);
}
END_TEST

int main(void) {
  Suite *s = suite_create("loss");
  TCase *tc = tcase_create("loss");
  tcase_add_test(tc, test_mse_l1_hand);
  tcase_add_test(tc, test_bce_hand_and_extremes);
  tcase_add_loop_test(tc, test_fd_and_scale, 0, 3);
  tcase_add_test(tc, test_large_blocked_reduction);
  tcase_add_test(tc, test_sq_err_per_image);
  suite_add_tcase(s, tc);
  return tu_run_suite(s);
}
