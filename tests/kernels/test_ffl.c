/* Suite "ffl": Focal Frequency Loss. The FFTW path against the plain-DFT
 * reference (value and gradient) on random shapes incl. odd sizes, a
 * hand-computed 2x2 case, golden values from the PyTorch peer (ffl_loss in
 * shared/peers/torch_alcn.py, float64), identical inputs (0 loss, 0 grad: the
 * NaN -> 0 rule), Parseval (alpha 0 is MSE), and finite differences of the
 * FFTW gradient with the spectrum weight held fixed (no gradient flows
 * through w by definition). */
#include <check.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "cpu_ops.h"
#include "test_util.h"

static float *fz(size_t n) { return calloc(n ? n : 1, sizeof(float)); }

static float max_abs(const float *x, size_t n) {
  float m = 0;
  for (size_t i = 0; i < n; ++i) m = fmaxf(m, fabsf(x[i]));
  return m;
}

START_TEST(test_hand_2x2) {
  /* x = [[1,2],[3,4]], target 0. Orthonormal 2x2 DFT: D = [[5,-1],[-2,0]];
   * |D| = 5,1,2,0. alpha 1: w = 1, .2, .4, 0 -> loss (25 + .2 + 1.6)/4 = 6.7;
   * w.*D = [[5,-.2],[-.8,0]], F^H of it = [[2,2.2],[2.8,3]], times 2/M = .5:
   * grad = [[1,1.1],[1.4,1.5]]. alpha 2: w = 1, 1/25, 4/25, 0 -> 6.42. */
  const float x[4] = {1, 2, 3, 4}, t[4] = {0, 0, 0, 0};
  const float g1[4] = {1.0f, 1.1f, 1.4f, 1.5f};
  float g[4];
  alcn_ffl *f = NULL;
  ck_assert_int_eq(alcn_cpu_ffl_create(&f, 1, 1, 2, 2, 1.0f), ALCN_OK);
  ck_assert_float_eq_tol(alcn_cpu_ffl_loss(f, g, x, t, 1, 1.0f), 6.7f, 1e-5f);
  for (int i = 0; i < 4; ++i) ck_assert_float_eq_tol(g[i], g1[i], 1e-6f);
  alcn_cpu_ffl_destroy(f);
  ck_assert_float_eq_tol(alcn_ref_ffl_loss(g, x, t, 1, 1, 2, 2, 1.0f, 1.0f), 6.7f, 1e-5f);
  for (int i = 0; i < 4; ++i) ck_assert_float_eq_tol(g[i], g1[i], 1e-6f);
  /* alpha 2: G = [[5,-.04],[-.32,0]] -> F^H G = [[2.32,2.36],[2.64,2.68]], times .5 */
  const float g2[4] = {1.16f, 1.18f, 1.32f, 1.34f};
  ck_assert_int_eq(alcn_cpu_ffl_create(&f, 1, 1, 2, 2, 2.0f), ALCN_OK);
  ck_assert_float_eq_tol(alcn_cpu_ffl_loss(f, g, x, t, 1, 1.0f), 6.42f, 1e-5f);
  for (int i = 0; i < 4; ++i) ck_assert_float_eq_tol(g[i], g2[i], 1e-6f);
  alcn_cpu_ffl_destroy(f);
  ck_assert_float_eq_tol(alcn_ref_ffl_loss(g, x, t, 1, 1, 2, 2, 2.0f, 1.0f), 6.42f, 1e-5f);
  for (int i = 0; i < 4; ++i) ck_assert_float_eq_tol(g[i], g2[i], 1e-6f);
}
END_TEST

/* _i: 0 alpha 1, 1 alpha 2. pred[i] = sin(0.7 i + 0.3), target[i] = 0.5 cos(1.3 i),
 * shape 2x1x3x4; expected values from torch_alcn.ffl_loss in float64 + autograd. */
START_TEST(test_torch_golden) {
  static const float loss_e[2] = {0.46366125f, 0.395075519f};
  static const float grad_e[2][24] = {
      {0.0211164378f, 0.0519870055f, 0.0827587121f, 0.0603910536f, -0.0476811213f, -0.0762712198f,
       -0.077875342f, -0.0543117209f, 0.00688340319f, -0.00392542107f, 0.0285130745f, 0.0514244071f,
       0.0788087344f, 0.0194046239f, -0.0809427133f, -0.0661972712f, -0.0435583386f, -0.0101589111f,
       0.0274723322f, 0.0309307863f, 0.0152195403f, 0.0745727789f, 0.025084868f, -0.0626162199f},
      {0.0365299849f, 0.0510060103f, 0.0658996036f, 0.0530589397f, -0.0589202705f, -0.0709887288f,
       -0.0735437671f, -0.0624453081f, 0.0121009653f, 0.00321298808f, 0.0233031623f, 0.0345196776f,
       0.0713887541f, 0.0171065986f, -0.0746082273f, -0.0391322969f, -0.035280869f, -0.0227728466f,
       0.026685507f, 0.0327703465f, -0.00346830879f, 0.0709526102f, 0.0216541138f, -0.0640897678f}};
  float p[24], t[24], g[24];
  for (int i = 0; i < 24; ++i) {
    p[i] = (float)sin(0.7 * i + 0.3);
    t[i] = (float)(0.5 * cos(1.3 * i));
  }
  alcn_ffl *f = NULL;
  ck_assert_int_eq(alcn_cpu_ffl_create(&f, 2, 1, 3, 4, _i ? 2.0f : 1.0f), ALCN_OK);
  ck_assert_float_eq_tol(alcn_cpu_ffl_loss(f, g, p, t, 2, 1.0f), loss_e[_i], 1e-6f);
  ck_assert_double_le(tu_max_abs_diff(g, grad_e[_i], 24), 2e-7);
  alcn_cpu_ffl_destroy(f);
}
END_TEST

/* _i / 2 picks the shape, _i % 2 the alpha (1, 2). */
START_TEST(test_fast_equals_reference) {
  static const int shapes[4][4] = {{1, 1, 8, 8}, {3, 2, 7, 5}, {4, 1, 28, 28}, {2, 1, 6, 7}};
  const int *s = shapes[_i / 2], N = s[0], C = s[1], H = s[2], W = s[3];
  const float alpha = (_i % 2) ? 2.0f : 1.0f, scale = 0.75f;
  const size_t n = (size_t)N * C * H * W;
  float *p = fz(n), *t = fz(n), *gf = fz(n), *gr = fz(n), *g2 = fz(n);
  tu_fill_uniform(p, n, 600 + _i, 0, 1);
  tu_fill_uniform(t, n, 700 + _i, 0, 1);
  alcn_ffl *f = NULL;
  /* the plan is made for a larger batch than this call uses */
  ck_assert_int_eq(alcn_cpu_ffl_create(&f, N + 2, C, H, W, alpha), ALCN_OK);
  float lf = alcn_cpu_ffl_loss(f, gf, p, t, N, scale);
  float lr = alcn_ref_ffl_loss(gr, p, t, N, C, H, W, alpha, scale);
  ck_assert(isfinite(lf) && lf > 0);
  /* measured: loss within 2e-7, gradient within 4e-7 of its largest entry */
  ck_assert_double_le(fabs((double)lf - lr) / lr, 1e-6);
  const double gmax = max_abs(gr, n);
  ck_assert_double_gt(gmax, 0.0);
  ck_assert_double_le(tu_max_abs_diff(gf, gr, n) / gmax, 4e-6);
  /* the plan is reused: a second call gives the same bits; dpred NULL gives the value */
  float lf2 = alcn_cpu_ffl_loss(f, g2, p, t, N, scale);
  ck_assert_float_eq(lf2, lf);
  ck_assert_int_eq(memcmp(g2, gf, n * sizeof(float)), 0);
  ck_assert_float_eq(alcn_cpu_ffl_loss(f, NULL, p, t, N, scale), lf);
  alcn_cpu_ffl_destroy(f);
  free(p); free(t); free(gf); free(gr); free(g2);
}
END_TEST

START_TEST(test_identical_inputs) {
  /* D = 0 everywhere: w = 0/0 = NaN -> 0; loss 0 and a zero gradient, not NaN */
  enum { N = 2, C = 1, H = 5, W = 4, L = N * C * H * W };
  float p[L], g[L];
  tu_fill_uniform(p, L, 5, 0, 1);
  for (int a = 1; a <= 2; ++a) {
    alcn_ffl *f = NULL;
    ck_assert_int_eq(alcn_cpu_ffl_create(&f, N, C, H, W, (float)a), ALCN_OK);
    for (int i = 0; i < L; ++i) g[i] = 7.0f;
    ck_assert_float_eq(alcn_cpu_ffl_loss(f, g, p, p, N, 1.0f), 0.0f);
    for (int i = 0; i < L; ++i) ck_assert_float_eq(g[i], 0.0f);
    alcn_cpu_ffl_destroy(f);
    for (int i = 0; i < L; ++i) g[i] = 7.0f;
    ck_assert_float_eq(alcn_ref_ffl_loss(g, p, p, N, C, H, W, (float)a, 1.0f), 0.0f);
    for (int i = 0; i < L; ++i) ck_assert_float_eq(g[i], 0.0f);
  }
  /* one plane identical, the other not: the first contributes 0, no NaN leaks */
  float t[L];
  memcpy(t, p, sizeof t);
  t[L - 1] += 0.5f;
  alcn_ffl *f = NULL;
  ck_assert_int_eq(alcn_cpu_ffl_create(&f, N, C, H, W, 1.0f), ALCN_OK);
  float l = alcn_cpu_ffl_loss(f, g, p, t, N, 1.0f);
  /* a single spike of 0.5 has a flat spectrum |D| = 0.5/sqrt(HW): w = 1, loss = 0.25/L */
  ck_assert_float_eq_tol(l, 0.25f / L, 1e-8f);
  for (int i = 0; i < L / 2; ++i) ck_assert_float_eq(g[i], 0.0f);
  ck_assert_float_eq_tol(g[L - 1], -2.0f * 0.5f / L, 1e-7f);
  alcn_cpu_ffl_destroy(f);
}
END_TEST

START_TEST(test_alpha0_is_mse_parseval) {
  /* alpha 0: w = 1 everywhere, so FFL = mean |D|^2 = mean (p-t)^2 (Parseval) */
  enum { N = 3, C = 2, H = 9, W = 6, L = N * C * H * W };
  float *p = fz(L), *t = fz(L), *gf = fz(L), *gm = fz(L);
  tu_fill_uniform(p, L, 31, -1, 1);
  tu_fill_uniform(t, L, 32, -1, 1);
  alcn_ffl *f = NULL;
  ck_assert_int_eq(alcn_cpu_ffl_create(&f, N, C, H, W, 0.0f), ALCN_OK);
  float lf = alcn_cpu_ffl_loss(f, gf, p, t, N, 1.0f), lm = alcn_cpu_mse_loss(gm, p, t, L, 1.0f);
  ck_assert_double_le(fabs((double)lf - lm) / lm, 2e-6);
  ck_assert_double_le(tu_max_abs_diff(gf, gm, L) / max_abs(gm, L), 2e-5);
  alcn_cpu_ffl_destroy(f);
  free(p); free(t); free(gf); free(gm);
}
END_TEST

/* ---- FD with w frozen: L_w0(x) = 1/M sum w0_k |F(x - t)_k|^2 in double */
typedef struct ffl_fd_ctx {
  float *p, *t;
  double *w0; /* (N*C, H*W), from the base point */
  int N, C, H, W;
} ffl_fd_ctx;

/* D (H*W complex) of one plane, orthonormal direct DFT in double */
static void dft_plane(double *re, double *im, const float *p, const float *t, int H, int W) {
  const double pi2 = 6.283185307179586;
  for (int k1 = 0; k1 < H; ++k1)
    for (int k2 = 0; k2 < W; ++k2) {
      double sr = 0, si = 0;
      for (int j1 = 0; j1 < H; ++j1)
        for (int j2 = 0; j2 < W; ++j2) {
          const double a = pi2 * ((double)(k1 * j1 % H) / H + (double)(k2 * j2 % W) / W);
          const double d = (double)p[j1 * W + j2] - t[j1 * W + j2];
          sr += d * cos(a);
          si -= d * sin(a);
        }
      re[k1 * W + k2] = sr / sqrt((double)H * W);
      im[k1 * W + k2] = si / sqrt((double)H * W);
    }
}

static double ffl_frozen_objective(void *c_) {
  ffl_fd_ctx *c = c_;
  const int HW = c->H * c->W;
  double re[64], im[64], s = 0;
  for (int pl = 0; pl < c->N * c->C; ++pl) {
    dft_plane(re, im, c->p + pl * HW, c->t + pl * HW, c->H, c->W);
    for (int k = 0; k < HW; ++k) s += c->w0[pl * HW + k] * (re[k] * re[k] + im[k] * im[k]);
  }
  return s / ((double)c->N * c->C * HW);
}

/* _i: (N,C,H,W,alpha) in {(2,1,5,6,1), (1,2,4,3,2), (1,1,7,7,1)} */
START_TEST(test_fd_fftw_gradient) {
  static const int shapes[3][5] = {{2, 1, 5, 6, 1}, {1, 2, 4, 3, 2}, {1, 1, 7, 7, 1}};
  const int *s = shapes[_i], N = s[0], C = s[1], H = s[2], W = s[3], HW = H * W, L = N * C * HW;
  const float alpha = (float)s[4];
  ffl_fd_ctx c = {fz(L), fz(L), calloc((size_t)L, sizeof(double)), N, C, H, W};
  tu_fill_uniform(c.p, L, 800 + _i, 0, 1);
  tu_fill_uniform(c.t, L, 900 + _i, 0, 1);
  double re[64], im[64];
  for (int pl = 0; pl < N * C; ++pl) { /* w0 = |D|^alpha / max, at the base point */
    dft_plane(re, im, c.p + pl * HW, c.t + pl * HW, H, W);
    double mx = 0;
    for (int k = 0; k < HW; ++k) mx = fmax(mx, pow(hypot(re[k], im[k]), alpha));
    for (int k = 0; k < HW; ++k) c.w0[pl * HW + k] = pow(hypot(re[k], im[k]), alpha) / mx;
  }
  float *g = fz(L);
  alcn_ffl *f = NULL;
  ck_assert_int_eq(alcn_cpu_ffl_create(&f, N, C, H, W, alpha), ALCN_OK);
  const float l = alcn_cpu_ffl_loss(f, g, c.p, c.t, N, 1.0f);
  ck_assert_double_le(fabs(l - ffl_frozen_objective(&c)) / l, 2e-6);
  ck_assert_double_le(tu_fd_check(c.p, L, g, ffl_frozen_objective, &c, 1e-2f, L, 1e-4), 1e-4);
  alcn_cpu_ffl_destroy(f);
  free(c.p); free(c.t); free(c.w0); free(g);
}
END_TEST

START_TEST(test_create_rejects_bad_args) {
  alcn_ffl *f = (alcn_ffl *)&f;
  ck_assert_int_eq(alcn_cpu_ffl_create(&f, 0, 1, 8, 8, 1.0f), ALCN_ERR_ARG);
  ck_assert_ptr_null(f);
  ck_assert_int_eq(alcn_cpu_ffl_create(&f, 1, 1, 8, 8, -1.0f), ALCN_ERR_ARG);
  ck_assert_int_eq(alcn_cpu_ffl_create(&f, 1, 1, 8, 8, NAN), ALCN_ERR_ARG);
  ck_assert(strstr(alcn_last_error(), "alpha") != NULL);
  alcn_cpu_ffl_destroy(NULL);
}
END_TEST

int main(void) {
  Suite *s = suite_create("ffl");
  TCase *tc = tcase_create("ffl");
  tcase_add_test(tc, test_hand_2x2);
  tcase_add_loop_test(tc, test_torch_golden, 0, 2);
  tcase_add_loop_test(tc, test_fast_equals_reference, 0, 8);
  tcase_add_test(tc, test_identical_inputs);
  tcase_add_test(tc, test_alpha0_is_mse_parseval);
  tcase_add_loop_test(tc, test_fd_fftw_gradient, 0, 3);
  tcase_add_test(tc, test_create_rejects_bad_args);
  suite_add_tcase(s, tc);
  return tu_run_suite(s);
}
