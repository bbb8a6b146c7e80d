/* Suite "cuda_ops": every op of the backend vtable on the CUDA backend
 * against the CPU backend, forward and backward, on random inputs; also the
 * = / += gradient conventions (outputs pre-filled with NaN must be written,
 * parameter gradients pre-filled with random values must accumulate), NULL
 * gradients skipped, and the memory ops. Skips (exit 77, with the reason)
 * when there is no usable GPU.
 *
 * Error measure: e = max|gpu - cpu| / max(max|cpu|, floor), floor 1e-6,
 * i.e. relative to the reference's scale (elementwise relative errors are
 * meaningless where sums cancel). Tolerances, FP32 on both sides
 * (ALCN_CUDA_TF32 forced off):
 *
 *   op                                  forward   backward  why this size
 *   conv2d / conv_transpose2d (cuDNN)   5e-5      1e-4      other summation order, FFT/Winograd algos
 *   linear (cuBLAS SGEMM)               2e-5      5e-5      other summation order (K up to 256)
 *   activations relu/lrelu              0 (exact) 0 (exact) one comparison, one multiply
 *   activations sigmoid/tanh            2e-6      2e-6      device expf/tanhf within 2 ulp
 *   batchnorm train/eval                2e-5      5e-5      double sums on both, 1/sqrt rounding
 *   batchnorm running stats             1e-5      -
 *   mse / l1 / bce loss value           1e-5      1e-6      double sums on both; grads element-wise
 *   ffl loss value and gradient         1e-4      1e-4      cuFFT C2C vs FFTW r2c, float spectra
 *   sq_err_per_image                    1e-5      -
 *   adam (3 steps; p, m, v)             1e-5      -         sqrtf/division rounding
 *   blend / blend_backward_y / axpby    1e-6      1e-6      FMA contraction on the GPU
 *   salt_pepper (out, noise)            0 (exact) 0 (exact) min/max and selects only; one subtraction
 *   mul / select / clamp(_backward)     0 (exact) 0 (exact) one multiply, or comparisons and selects
 *                                                           (NaN matches NaN; the sign of zero must match)
 *   copy_2d (concat / split)            0 (exact) 0 (exact) a copy
 *   maxpool / upsample (fwd, bwd)       0 (exact) 0 (exact) comparisons, copies; sums in the same order
 *   vae sample z, KL, dml               2e-6      2e-6      device expf within 2 ulp; KL sums in double
 *   batchnorm without affine            2e-5      5e-5      as batchnorm
 *   rng uniform                         exact bits           the same Philox stream
 *   rng normal                          2e-6 (scale ~4)      device logf/sinf/cosf ulps */
#include <check.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "alcn/backend.h"
#include "alcn/rng.h"
#include "cuda_pair.h"
#include "test_util.h"

/* ------------------------------------------------------------ tolerances */
#define TOL_CONV_FWD 5e-5
#define TOL_CONV_BWD 1e-4
#define TOL_LINEAR_FWD 2e-5
#define TOL_LINEAR_BWD 5e-5
#define TOL_ACT_SMOOTH 2e-6
#define TOL_BN_FWD 2e-5
#define TOL_BN_BWD 5e-5
#define TOL_BN_RUNNING 1e-5
#define TOL_LOSS_VALUE 1e-5
#define TOL_LOSS_GRAD 1e-6
#define TOL_FFL 1e-4
#define TOL_SQERR 1e-5
#define TOL_ADAM 1e-5
#define TOL_EW 1e-6
#define TOL_RNG_NORMAL 2e-6
#define FLOOR 1e-6

static cp_pair P;

/* Compare the device copy of b with its host copy; returns the error. */
static double err_of(cp_buf *b) {
  cp_buf_fetch(&P, b);
  return cp_norm_err(b->back, b->h, b->n, FLOOR);
}

#define EXPECT_CLOSE(buf, tol, what)                                                               \
  do {                                                                                             \
    double e_ = err_of(&(buf));                                                                    \
    ck_assert_msg(e_ <= (tol), "%s: normalised max error %.3g > %.3g", (what), e_, (double)(tol)); \
  } while (0)

/* Device scalar (1 float) next to its host value. */
static double scalar_err(const float *dptr, float ref) {
  float v = NAN;
  CP_OK(alcn_download(P.gpu, &v, dptr, sizeof v));
  double den = fabs((double)ref) > FLOOR ? fabs((double)ref) : FLOOR;
  return isnan(v) ? INFINITY : fabs((double)v - (double)ref) / den;
}

/* ------------------------------------------------------------------ conv */
/* N, C, H, W, K, R, S, stride, pad, out_pad, transposed */
static const int conv_cases[][11] = {
    {3, 2, 12, 11, 4, 3, 3, 1, 1, 0, 0},  /* odd sizes, padding */
    {2, 3, 16, 16, 5, 5, 5, 2, 2, 0, 0},  /* strided */
    {4, 1, 28, 28, 16, 5, 5, 1, 0, 0, 0}, /* the paper's conv1 */
    {2, 16, 24, 24, 32, 5, 5, 1, 0, 0, 0},/* the paper's conv2 */
    {3, 4, 7, 6, 3, 5, 5, 1, 0, 0, 1},    /* transposed, odd sizes */
    {2, 4, 8, 8, 3, 5, 5, 2, 2, 1, 1},    /* transposed, strided with out_pad */
    {2, 32, 20, 20, 16, 5, 5, 1, 0, 0, 1},/* the paper's deconv1 */
    {2, 16, 24, 24, 1, 5, 5, 1, 0, 0, 1}, /* the paper's deconv2 */
};

START_TEST(test_conv) {
  const int *c = conv_cases[_i];
  alcn_conv_dims d;
  CP_OK(alcn_conv_dims_init(&d, c[0], c[1], c[2], c[3], c[4], c[5], c[6], c[7], c[8], c[9], c[10]));
  const size_t nin = (size_t)d.N * d.C * d.H * d.W, nout = (size_t)d.N * d.K * d.P * d.Q;
  const size_t nw = (size_t)d.K * d.C * d.R * d.S;
  char what[128];
  snprintf(what, sizeof what, "%s N%d C%d %dx%d K%d k%dx%d s%d p%d op%d", d.transposed ? "convT" : "conv", d.N, d.C,
           d.H, d.W, d.K, d.R, d.S, d.stride, d.pad, d.out_pad);
  cp_buf in = cp_buf_make(&P, nin, 100 + _i, -1, 1), w = cp_buf_make(&P, nw, 200 + _i, -0.3f, 0.3f);
  cp_buf b = cp_buf_make(&P, d.K, 300 + _i, -1, 1), out = cp_buf_make(&P, nout, 0, NAN, NAN);
  CP_OK(alcn_conv_forward(P.cpu, out.h, in.h, w.h, b.h, &d));
  CP_OK(alcn_conv_forward(P.gpu, out.d, in.d, w.d, b.d, &d));
  EXPECT_CLOSE(out, TOL_CONV_FWD, what);

  cp_buf dout = cp_buf_make(&P, nout, 400 + _i, -1, 1), din = cp_buf_make(&P, nin, 0, NAN, NAN);
  cp_buf dw = cp_buf_make(&P, nw, 500 + _i, -1, 1), db = cp_buf_make(&P, d.K, 600 + _i, -1, 1); /* += onto these */
  CP_OK(alcn_conv_backward(P.cpu, din.h, dw.h, db.h, dout.h, in.h, w.h, &d));
  CP_OK(alcn_conv_backward(P.gpu, din.d, dw.d, db.d, dout.d, in.d, w.d, &d));
  EXPECT_CLOSE(din, TOL_CONV_BWD, "conv din");
  EXPECT_CLOSE(dw, TOL_CONV_BWD, "conv dw (+=)");
  EXPECT_CLOSE(db, TOL_CONV_BWD, "conv db (+=)");
  /* NULL grads skipped; dw accumulates a second time */
  CP_OK(alcn_conv_backward(P.cpu, NULL, dw.h, NULL, dout.h, in.h, w.h, &d));
  CP_OK(alcn_conv_backward(P.gpu, NULL, dw.d, NULL, dout.d, in.d, w.d, &d));
  EXPECT_CLOSE(dw, TOL_CONV_BWD, "conv dw, second accumulation");
  EXPECT_CLOSE(db, TOL_CONV_BWD, "conv db untouched with NULL");
  /* the same shape again: cached algorithm and workspace */
  CP_OK(alcn_conv_forward(P.gpu, out.d, in.d, w.d, b.d, &d));
  EXPECT_CLOSE(out, TOL_CONV_FWD, "conv forward, cached plan");
  cp_buf *all[] = {&in, &w, &b, &out, &dout, &din, &dw, &db};
  for (size_t i = 0; i < sizeof all / sizeof *all; ++i) cp_buf_free(&P, all[i]);
}
END_TEST

/* ---------------------------------------------------------------- linear */
START_TEST(test_linear) {
  static const int cases[][3] = {{5, 37, 19}, {64, 256, 300}, {1, 3, 1}};
  const int N = cases[_i][0], I = cases[_i][1], O = cases[_i][2];
  cp_buf in = cp_buf_make(&P, (size_t)N * I, 10 + _i, -1, 1), w = cp_buf_make(&P, (size_t)O * I, 20 + _i, -0.2f, 0.2f);
  cp_buf b = cp_buf_make(&P, O, 30 + _i, -1, 1), out = cp_buf_make(&P, (size_t)N * O, 0, NAN, NAN);
  CP_OK(alcn_linear_forward(P.cpu, out.h, in.h, w.h, b.h, N, I, O));
  CP_OK(alcn_linear_forward(P.gpu, out.d, in.d, w.d, b.d, N, I, O));
  EXPECT_CLOSE(out, TOL_LINEAR_FWD, "linear out");
  cp_buf dout = cp_buf_make(&P, (size_t)N * O, 40 + _i, -1, 1), din = cp_buf_make(&P, (size_t)N * I, 0, NAN, NAN);
  cp_buf dw = cp_buf_make(&P, (size_t)O * I, 50 + _i, -1, 1), db = cp_buf_make(&P, O, 60 + _i, -1, 1);
  CP_OK(alcn_linear_backward(P.cpu, din.h, dw.h, db.h, dout.h, in.h, w.h, N, I, O));
  CP_OK(alcn_linear_backward(P.gpu, din.d, dw.d, db.d, dout.d, in.d, w.d, N, I, O));
  EXPECT_CLOSE(din, TOL_LINEAR_BWD, "linear din");
  EXPECT_CLOSE(dw, TOL_LINEAR_BWD, "linear dw (+=)");
  EXPECT_CLOSE(db, TOL_LINEAR_BWD, "linear db (+=)");
  CP_OK(alcn_linear_backward(P.cpu, NULL, NULL, db.h, dout.h, in.h, w.h, N, I, O));
  CP_OK(alcn_linear_backward(P.gpu, NULL, NULL, db.d, dout.d, in.d, w.d, N, I, O));
  EXPECT_CLOSE(db, TOL_LINEAR_BWD, "linear db, second accumulation");
  EXPECT_CLOSE(dw, TOL_LINEAR_BWD, "linear dw untouched with NULL");
  cp_buf *all[] = {&in, &w, &b, &out, &dout, &din, &dw, &db};
  for (size_t i = 0; i < sizeof all / sizeof *all; ++i) cp_buf_free(&P, all[i]);
}
END_TEST

/* ----------------------------------------------------------- activations */
START_TEST(test_act) {
  const alcn_act act = (alcn_act)_i; /* RELU, LRELU, SIGMOID, TANH */
  const double tol = (act == ALCN_ACT_RELU || act == ALCN_ACT_LRELU) ? 0.0 : TOL_ACT_SMOOTH;
  const size_t n = 10007;
  cp_buf in = cp_buf_make(&P, n, 70 + _i, -4, 4), out = cp_buf_make(&P, n, 0, NAN, NAN);
  CP_OK(alcn_act_forward(P.cpu, out.h, in.h, n, act, 0.2f));
  CP_OK(alcn_act_forward(P.gpu, out.d, in.d, n, act, 0.2f));
  EXPECT_CLOSE(out, tol, "activation forward");
  /* backward from the CPU's forward output on both sides */
  CP_OK(alcn_upload(P.gpu, out.d, out.h, n * sizeof(float)));
  cp_buf dout = cp_buf_make(&P, n, 80 + _i, -1, 1), din = cp_buf_make(&P, n, 0, NAN, NAN);
  CP_OK(alcn_act_backward(P.cpu, din.h, dout.h, out.h, n, act, 0.2f));
  CP_OK(alcn_act_backward(P.gpu, din.d, dout.d, out.d, n, act, 0.2f));
  EXPECT_CLOSE(din, tol, "activation backward");
  /* in place (out aliases in) */
  CP_OK(alcn_act_forward(P.cpu, in.h, in.h, n, act, 0.2f));
  CP_OK(alcn_act_forward(P.gpu, in.d, in.d, n, act, 0.2f));
  EXPECT_CLOSE(in, tol, "activation in place");
  cp_buf *all[] = {&in, &out, &dout, &din};
  for (size_t i = 0; i < sizeof all / sizeof *all; ++i) cp_buf_free(&P, all[i]);
}
END_TEST

/* ------------------------------------------------------------- batchnorm */
START_TEST(test_batchnorm) {
  static const int cases[][3] = {{4, 3, 50}, {16, 8, 49}, {2, 1, 1}};
  alcn_bn_dims d = {cases[_i][0], cases[_i][1], cases[_i][2], 1e-5f, 0.1f};
  const size_t n = (size_t)d.N * d.C * d.HW;
  cp_buf in = cp_buf_make(&P, n, 90 + _i, -2, 3), out = cp_buf_make(&P, n, 0, NAN, NAN);
  cp_buf g = cp_buf_make(&P, d.C, 91 + _i, 0.5f, 1.5f), be = cp_buf_make(&P, d.C, 92 + _i, -0.5f, 0.5f);
  cp_buf rm = cp_buf_make(&P, d.C, 93 + _i, -0.1f, 0.1f), rv = cp_buf_make(&P, d.C, 94 + _i, 0.9f, 1.1f);
  cp_buf sm = cp_buf_make(&P, d.C, 0, NAN, NAN), si = cp_buf_make(&P, d.C, 0, NAN, NAN);
  CP_OK(alcn_bn_forward(P.cpu, 1, out.h, in.h, g.h, be.h, rm.h, rv.h, sm.h, si.h, &d));
  CP_OK(alcn_bn_forward(P.gpu, 1, out.d, in.d, g.d, be.d, rm.d, rv.d, sm.d, si.d, &d));
  EXPECT_CLOSE(out, TOL_BN_FWD, "bn train out");
  EXPECT_CLOSE(sm, TOL_BN_FWD, "bn save_mean");
  EXPECT_CLOSE(si, TOL_BN_FWD, "bn save_invstd");
  EXPECT_CLOSE(rm, TOL_BN_RUNNING, "bn running_mean");
  EXPECT_CLOSE(rv, TOL_BN_RUNNING, "bn running_var");
  cp_buf dout = cp_buf_make(&P, n, 95 + _i, -1, 1), din = cp_buf_make(&P, n, 0, NAN, NAN);
  cp_buf dg = cp_buf_make(&P, d.C, 96 + _i, -1, 1), dbe = cp_buf_make(&P, d.C, 97 + _i, -1, 1);
  /* both sides from the CPU's saved statistics */
  CP_OK(alcn_upload(P.gpu, sm.d, sm.h, d.C * sizeof(float)));
  CP_OK(alcn_upload(P.gpu, si.d, si.h, d.C * sizeof(float)));
  CP_OK(alcn_bn_backward(P.cpu, din.h, dg.h, dbe.h, dout.h, in.h, g.h, sm.h, si.h, &d));
  CP_OK(alcn_bn_backward(P.gpu, din.d, dg.d, dbe.d, dout.d, in.d, g.d, sm.d, si.d, &d));
  if (d.N * d.HW > 1) EXPECT_CLOSE(din, TOL_BN_BWD, "bn din");
  EXPECT_CLOSE(dg, TOL_BN_BWD, "bn dgamma (+=)");
  EXPECT_CLOSE(dbe, TOL_BN_BWD, "bn dbeta (+=)");
  /* eval mode from the running statistics */
  cp_buf_fill(&P, &out, NAN);
  CP_OK(alcn_upload(P.gpu, rm.d, rm.h, d.C * sizeof(float)));
  CP_OK(alcn_upload(P.gpu, rv.d, rv.h, d.C * sizeof(float)));
  CP_OK(alcn_bn_forward(P.cpu, 0, out.h, in.h, g.h, be.h, rm.h, rv.h, NULL, NULL, &d));
  CP_OK(alcn_bn_forward(P.gpu, 0, out.d, in.d, g.d, be.d, rm.d, rv.d, NULL, NULL, &d));
  EXPECT_CLOSE(out, TOL_BN_FWD, "bn eval out");
  cp_buf *all[] = {&in, &out, &g, &be, &rm, &rv, &sm, &si, &dout, &din, &dg, &dbe};
  for (size_t i = 0; i < sizeof all / sizeof *all; ++i) cp_buf_free(&P, all[i]);
}
END_TEST

/* ---------------------------------------------------------------- losses */
/* loop index: MSE, L1, BCE_LOGITS, FFL alpha 1, FFL alpha 0.5 (two shapes each for FFL) */
START_TEST(test_loss) {
  static const int shapes[][4] = {{2, 3, 7, 5}, {3, 2, 8, 6}, {2, 1, 28, 28}};
  const alcn_loss_kind kinds[] = {ALCN_LOSS_MSE, ALCN_LOSS_L1, ALCN_LOSS_BCE_LOGITS, ALCN_LOSS_FFL, ALCN_LOSS_FFL};
  const alcn_loss_cfg cfg = {kinds[_i], _i == 4 ? 0.5f : 1.0f};
  const int ffl = cfg.kind == ALCN_LOSS_FFL;
  for (int s = 0; s < 3; ++s) {
    const int N = shapes[s][0], C = shapes[s][1], H = shapes[s][2], W = shapes[s][3];
    const size_t n = (size_t)N * C * H * W;
    cp_buf pred = cp_buf_make(&P, n, 110 + s, -2, 2), tgt = cp_buf_make(&P, n, 120 + s, 0, 1);
    cp_buf dpred = cp_buf_make(&P, n, 0, NAN, NAN);
    float loss_cpu = NAN;
    float *loss_gpu = alcn_backend_alloc(P.gpu, sizeof(float));
    ck_assert_ptr_nonnull(loss_gpu);
    CP_OK(alcn_loss(P.cpu, &cfg, &loss_cpu, dpred.h, pred.h, tgt.h, N, C, H, W, -0.5f));
    CP_OK(alcn_loss(P.gpu, &cfg, loss_gpu, dpred.d, pred.d, tgt.d, N, C, H, W, -0.5f));
    double e = scalar_err(loss_gpu, loss_cpu);
    ck_assert_msg(e <= (ffl ? TOL_FFL : TOL_LOSS_VALUE), "loss %d shape %d: value cpu %.8g, relative error %.3g", _i,
                  s, (double)loss_cpu, e);
    EXPECT_CLOSE(dpred, ffl ? TOL_FFL : TOL_LOSS_GRAD, "loss gradient");
    /* without a gradient */
    CP_OK(alcn_loss(P.gpu, &cfg, loss_gpu, NULL, pred.d, tgt.d, N, C, H, W, 1.0f));
    ck_assert_double_le(scalar_err(loss_gpu, loss_cpu), ffl ? TOL_FFL : TOL_LOSS_VALUE);
    alcn_backend_free(P.gpu, loss_gpu);
    cp_buf_free(&P, &pred);
    cp_buf_free(&P, &tgt);
    cp_buf_free(&P, &dpred);
  }
}
END_TEST

START_TEST(test_sq_err_per_image) {
  const int N = 7, D = 784;
  cp_buf a = cp_buf_make(&P, (size_t)N * D, 130, 0, 1), b = cp_buf_make(&P, (size_t)N * D, 131, 0, 1);
  cp_buf s = cp_buf_make(&P, N, 0, NAN, NAN);
  CP_OK(alcn_sq_err_per_image(P.cpu, s.h, a.h, b.h, N, D));
  CP_OK(alcn_sq_err_per_image(P.gpu, s.d, a.d, b.d, N, D));
  EXPECT_CLOSE(s, TOL_SQERR, "sq_err_per_image");
  cp_buf_free(&P, &a);
  cp_buf_free(&P, &b);
  cp_buf_free(&P, &s);
}
END_TEST

/* ------------------------------------------------------------------ adam */
START_TEST(test_adam) {
  const size_t n = 4099;
  const alcn_adam_hparams h = {1e-3f, 0.9f, 0.999f, 1e-8f, 0.01f};
  cp_buf p = cp_buf_make(&P, n, 140, -1, 1), m = cp_buf_make(&P, n, 0, 0, 0), v = cp_buf_make(&P, n, 0, 0, 0);
  for (int t = 1; t <= 3; ++t) {
    cp_buf g = cp_buf_make(&P, n, 150 + t, -1, 1);
    CP_OK(alcn_adam_step(P.cpu, p.h, g.h, m.h, v.h, n, &h, t));
    CP_OK(alcn_adam_step(P.gpu, p.d, g.d, m.d, v.d, n, &h, t));
    cp_buf_free(&P, &g);
  }
  EXPECT_CLOSE(p, TOL_ADAM, "adam p");
  EXPECT_CLOSE(m, TOL_ADAM, "adam m");
  EXPECT_CLOSE(v, TOL_ADAM, "adam v");
  cp_buf_free(&P, &p);
  cp_buf_free(&P, &m);
  cp_buf_free(&P, &v);
}
END_TEST

/* ------------------------------------------------------------ elementwise */
START_TEST(test_elementwise) {
  const int N = 9, D = 785;
  const size_t n = (size_t)N * D;
  cp_buf x = cp_buf_make(&P, n, 160, 0, 1), y = cp_buf_make(&P, n, 161, 0, 1), a = cp_buf_make(&P, N, 162, 0.2f, 0.9f);
  cp_buf out = cp_buf_make(&P, n, 0, NAN, NAN), dy = cp_buf_make(&P, n, 0, NAN, NAN);
  CP_OK(alcn_blend(P.cpu, out.h, x.h, y.h, a.h, N, D));
  CP_OK(alcn_blend(P.gpu, out.d, x.d, y.d, a.d, N, D));
  EXPECT_CLOSE(out, TOL_EW, "blend");
  CP_OK(alcn_blend_backward_y(P.cpu, dy.h, x.h, a.h, N, D));
  CP_OK(alcn_blend_backward_y(P.gpu, dy.d, x.d, a.d, N, D));
  EXPECT_CLOSE(dy, TOL_EW, "blend_backward_y");
  CP_OK(alcn_axpby(P.cpu, y.h, x.h, n, 0.7f, -1.3f));
  CP_OK(alcn_axpby(P.gpu, y.d, x.d, n, 0.7f, -1.3f));
  EXPECT_CLOSE(y, TOL_EW, "axpby");
  cp_buf_fill(&P, &out, NAN); /* beta = 0 must not read y */
  CP_OK(alcn_axpby(P.cpu, out.h, x.h, n, 2.5f, 0.0f));
  CP_OK(alcn_axpby(P.gpu, out.d, x.d, n, 2.5f, 0.0f));
  EXPECT_CLOSE(out, TOL_EW, "axpby beta 0");
  /* salt-and-pepper (rate 0.3) with the same uniforms on both: exact, noise too */
  cp_buf u = cp_buf_make(&P, n, 163, 0, 1);
  CP_OK(alcn_salt_pepper(P.cpu, out.h, dy.h, x.h, u.h, N, D, 0.3f));
  CP_OK(alcn_salt_pepper(P.gpu, out.d, dy.d, x.d, u.d, N, D, 0.3f));
  EXPECT_CLOSE(out, 0.0, "salt_pepper");
  EXPECT_CLOSE(dy, 0.0, "salt_pepper noise");
  cp_buf *all[] = {&x, &y, &a, &out, &dy, &u};
  for (size_t i = 0; i < sizeof all / sizeof *all; ++i) cp_buf_free(&P, all[i]);
}
END_TEST

/* --------------------------------------------------------------- masking */
/* Exact parity: the device copy of b equals its host copy value for value
 * (the same sign of zero; any NaN matches any NaN: the GPU's NaN payloads
 * are canonical). */
static void expect_exact(cp_buf *b, const char *what) {
  cp_buf_fetch(&P, b);
  for (size_t i = 0; i < b->n; ++i) {
    const float g = b->back[i], c = b->h[i];
    const int ok = isnan(c) ? isnan(g) : (g == c && signbit(g) == signbit(c));
    ck_assert_msg(ok, "%s: [%zu] device %.9g, cpu %.9g", what, i, (double)g, (double)c);
  }
}

/* Copy the host copy of src into both copies of dst (same size). */
static void copy_buf(cp_buf *dst, const cp_buf *src) {
  memcpy(dst->h, src->h, src->n * sizeof(float));
  CP_OK(alcn_upload(P.gpu, dst->d, dst->h, src->n * sizeof(float)));
}

/* mul, select, clamp, clamp_backward: one comparison or one multiply per
 * element on both sides, so exact (tolerance 0), including the edges: a mask
 * of exactly 0.5 (picks b), inputs exactly at lo / hi, +-Inf and NaN through
 * clamp, and the aliasing the header allows. */
START_TEST(test_masking) {
  const int N = 9, D = 785; /* not a multiple of the block size */
  const size_t n = (size_t)N * D;
  const float lo = -1.0f, hi = 1.5f;
  cp_buf a = cp_buf_make(&P, n, 180, -2, 2), b = cp_buf_make(&P, n, 181, -2, 2), m = cp_buf_make(&P, n, 182, 0, 1);
  cp_buf x = cp_buf_make(&P, n, 183, -3, 3), dout = cp_buf_make(&P, n, 184, -1, 1);
  cp_buf out = cp_buf_make(&P, n, 0, NAN, NAN), t = cp_buf_make(&P, n, 0, NAN, NAN);
  /* a 0/1 mask with exact 0.5s and the floats either side of 0.5 */
  const float half_up = nextafterf(0.5f, 1.0f), half_down = nextafterf(0.5f, 0.0f);
  for (size_t i = 0; i < n; ++i) {
    m.h[i] = i % 11 == 0 ? 0.5f : i % 13 == 0 ? half_up : i % 17 == 0 ? half_down : (m.h[i] < 0.5f ? 0.0f : 1.0f);
    /* clamp inputs exactly at the bounds, beyond them, infinite and NaN */
    x.h[i] = i % 7 == 0 ? lo : i % 7 == 1 ? hi : x.h[i];
  }
  x.h[2] = INFINITY;
  x.h[3] = -INFINITY;
  x.h[4] = NAN;
  a.h[5] = -0.0f, b.h[5] = 3.0f; /* signed zeros: -0 * 3 = -0, 0 * -2 = -0 */
  a.h[6] = 0.0f, b.h[6] = -2.0f;
  CP_OK(alcn_upload(P.gpu, m.d, m.h, n * sizeof(float)));
  CP_OK(alcn_upload(P.gpu, x.d, x.h, n * sizeof(float)));
  CP_OK(alcn_upload(P.gpu, a.d, a.h, n * sizeof(float)));
  CP_OK(alcn_upload(P.gpu, b.d, b.h, n * sizeof(float)));

  CP_OK(alcn_mul(P.cpu, out.h, a.h, b.h, n));
  CP_OK(alcn_mul(P.gpu, out.d, a.d, b.d, n));
  expect_exact(&out, "mul");
  ck_assert_msg(out.h[5] == 0.0f && signbit(out.h[5]) && signbit(out.h[6]), "mul: -0 on the CPU");
  copy_buf(&t, &a); /* out aliases a */
  CP_OK(alcn_mul(P.cpu, t.h, t.h, b.h, n));
  CP_OK(alcn_mul(P.gpu, t.d, t.d, b.d, n));
  expect_exact(&t, "mul out == a");

  cp_buf_fill(&P, &out, NAN);
  CP_OK(alcn_select(P.cpu, out.h, m.h, a.h, b.h, n));
  CP_OK(alcn_select(P.gpu, out.d, m.d, a.d, b.d, n));
  expect_exact(&out, "select");
  copy_buf(&t, &b); /* out aliases b */
  CP_OK(alcn_select(P.cpu, t.h, m.h, a.h, t.h, n));
  CP_OK(alcn_select(P.gpu, t.d, m.d, a.d, t.d, n));
  expect_exact(&t, "select out == b");

  cp_buf_fill(&P, &out, NAN);
  CP_OK(alcn_clamp(P.cpu, out.h, x.h, n, lo, hi));
  CP_OK(alcn_clamp(P.gpu, out.d, x.d, n, lo, hi));
  expect_exact(&out, "clamp");
  ck_assert_msg(isnan(out.h[4]) && out.h[2] == hi && out.h[3] == lo, "clamp edges on the CPU");
  copy_buf(&t, &x); /* in place */
  CP_OK(alcn_clamp(P.cpu, t.h, t.h, n, lo, hi));
  CP_OK(alcn_clamp(P.gpu, t.d, t.d, n, lo, hi));
  expect_exact(&t, "clamp in place");
  CP_OK(alcn_clamp(P.cpu, out.h, x.h, n, 0.25f, 0.25f)); /* lo == hi */
  CP_OK(alcn_clamp(P.gpu, out.d, x.d, n, 0.25f, 0.25f));
  expect_exact(&out, "clamp lo == hi");

  cp_buf_fill(&P, &out, NAN);
  CP_OK(alcn_clamp_backward(P.cpu, out.h, dout.h, x.h, n, lo, hi));
  CP_OK(alcn_clamp_backward(P.gpu, out.d, dout.d, x.d, n, lo, hi));
  expect_exact(&out, "clamp_backward");
  ck_assert_msg(out.h[0] == 0.0f && out.h[1] == 0.0f && out.h[4] == 0.0f, "clamp_backward: 0 at lo, hi and NaN");
  copy_buf(&t, &dout); /* din aliases dout */
  CP_OK(alcn_clamp_backward(P.cpu, t.h, t.h, x.h, n, lo, hi));
  CP_OK(alcn_clamp_backward(P.gpu, t.d, t.d, x.d, n, lo, hi));
  expect_exact(&t, "clamp_backward din == dout");

  /* n == 0: no launch, nothing written */
  CP_OK(alcn_mul(P.gpu, out.d, a.d, b.d, 0));
  CP_OK(alcn_select(P.gpu, out.d, m.d, a.d, b.d, 0));
  CP_OK(alcn_clamp(P.gpu, out.d, x.d, 0, lo, hi));
  CP_OK(alcn_clamp_backward(P.gpu, out.d, dout.d, x.d, 0, lo, hi));
  expect_exact(&out, "untouched by n == 0");
  cp_buf *all[] = {&a, &b, &m, &x, &dout, &out, &t};
  for (size_t i = 0; i < sizeof all / sizeof *all; ++i) cp_buf_free(&P, all[i]);
}
END_TEST

/* --------------------------------------------------------------- copy_2d */
/* The strided copy behind channel concatenation (Skip-GANomaly's U-Net):
 * concat of a (N,Ca,HW) and b (N,Cb,HW) into (N,Ca+Cb,HW), its split, a
 * partial-row copy into a NaN-filled buffer (only the copied columns are
 * written) and the contiguous case (one memcpy on the GPU): exact. */
START_TEST(test_copy_2d) {
  const int N = 7, Ca = 3, Cb = 5, HW = 97; /* rows not a multiple of the block size */
  const size_t la = (size_t)Ca * HW, lb = (size_t)Cb * HW, lo = la + lb;
  cp_buf a = cp_buf_make(&P, N * la, 190, -2, 2), b = cp_buf_make(&P, N * lb, 191, -2, 2);
  cp_buf out = cp_buf_make(&P, N * lo, 0, NAN, NAN), sa = cp_buf_make(&P, N * la, 0, NAN, NAN);
  cp_buf sb = cp_buf_make(&P, N * lb, 0, NAN, NAN);
  alcn_backend *be[2] = {P.cpu, P.gpu};
  for (int k = 0; k < 2; ++k) {
    const int g = k == 1;
    CP_OK(alcn_copy_2d(be[k], g ? out.d : out.h, lo, g ? a.d : a.h, la, (size_t)N, la));
    CP_OK(alcn_copy_2d(be[k], (g ? out.d : out.h) + la, lo, g ? b.d : b.h, lb, (size_t)N, lb));
  }
  expect_exact(&out, "copy_2d concat");
  for (int k = 0; k < 2; ++k) {
    const int g = k == 1;
    CP_OK(alcn_copy_2d(be[k], g ? sa.d : sa.h, la, g ? out.d : out.h, lo, (size_t)N, la));
    CP_OK(alcn_copy_2d(be[k], g ? sb.d : sb.h, lb, (g ? out.d : out.h) + la, lo, (size_t)N, lb));
  }
  expect_exact(&sa, "copy_2d split a");
  expect_exact(&sb, "copy_2d split b");
  ck_assert_int_eq(memcmp(sa.h, a.h, N * la * sizeof(float)), 0);
  /* partial rows: columns past cols stay NaN */
  cp_buf_fill(&P, &out, NAN);
  CP_OK(alcn_copy_2d(P.cpu, out.h, lo, b.h, lb, (size_t)N, lb - 3));
  CP_OK(alcn_copy_2d(P.gpu, out.d, lo, b.d, lb, (size_t)N, lb - 3));
  expect_exact(&out, "copy_2d partial rows");
  /* contiguous */
  CP_OK(alcn_copy_2d(P.cpu, sb.h, lb, b.h, lb, (size_t)N, lb));
  CP_OK(alcn_copy_2d(P.gpu, sb.d, lb, b.d, lb, (size_t)N, lb));
  expect_exact(&sb, "copy_2d contiguous");
  cp_buf *all[] = {&a, &b, &out, &sa, &sb};
  for (size_t i = 0; i < sizeof all / sizeof *all; ++i) cp_buf_free(&P, all[i]);
}
END_TEST

/* ------------------------------------------- resampling, VAE posterior (issue 15) */
/* max-pool and nearest upsampling: comparisons and copies forward, sums in the
 * same ascending order backward: exact. Cases: k2 s2 (LeNet), odd sizes
 * (floor mode), overlapping k3 s2; with ties (a quantised input). */
START_TEST(test_resample) {
  static const int cases[][6] = {{3, 4, 28, 28, 2, 2}, {2, 3, 7, 9, 2, 2}, {2, 2, 9, 11, 3, 2}};
  const int N = cases[_i][0], C = cases[_i][1], H = cases[_i][2], W = cases[_i][3], k = cases[_i][4],
            st = cases[_i][5];
  const int Po = (H - k) / st + 1, Qo = (W - k) / st + 1;
  const size_t ni = (size_t)N * C * H * W, no = (size_t)N * C * Po * Qo;
  cp_buf x = cp_buf_make(&P, ni, 200 + _i, -2, 2), y = cp_buf_make(&P, no, 0, NAN, NAN);
  cp_buf g = cp_buf_make(&P, no, 210 + _i, -1, 1), dx = cp_buf_make(&P, ni, 0, NAN, NAN);
  for (size_t i = 0; i < ni; ++i) x.h[i] = roundf(x.h[i] * 2.0f) * 0.5f; /* ties */
  CP_OK(alcn_upload(P.gpu, x.d, x.h, ni * sizeof(float)));
  CP_OK(alcn_maxpool_forward(P.cpu, y.h, x.h, N, C, H, W, k, st));
  CP_OK(alcn_maxpool_forward(P.gpu, y.d, x.d, N, C, H, W, k, st));
  expect_exact(&y, "maxpool forward");
  CP_OK(alcn_maxpool_backward(P.cpu, dx.h, g.h, x.h, N, C, H, W, k, st));
  CP_OK(alcn_maxpool_backward(P.gpu, dx.d, g.d, x.d, N, C, H, W, k, st));
  expect_exact(&dx, "maxpool backward");
  /* upsample by k on the same input */
  const size_t nu = ni * (size_t)k * k;
  cp_buf u = cp_buf_make(&P, nu, 0, NAN, NAN), gu = cp_buf_make(&P, nu, 220 + _i, -1, 1);
  CP_OK(alcn_upsample_forward(P.cpu, u.h, x.h, N, C, H, W, k));
  CP_OK(alcn_upsample_forward(P.gpu, u.d, x.d, N, C, H, W, k));
  expect_exact(&u, "upsample forward");
  cp_buf_fill(&P, &dx, NAN);
  CP_OK(alcn_upsample_backward(P.cpu, dx.h, gu.h, N, C, H, W, k));
  CP_OK(alcn_upsample_backward(P.gpu, dx.d, gu.d, N, C, H, W, k));
  expect_exact(&dx, "upsample backward");
  cp_buf *all[] = {&x, &y, &g, &dx, &u, &gu};
  for (size_t i = 0; i < sizeof all / sizeof *all; ++i) cp_buf_free(&P, all[i]);
}
END_TEST

/* VAE posterior: device expf within 2 ulp; KL in double on both. BatchNorm
 * without affine (gamma = beta = NULL), train and eval, and its backward. */
START_TEST(test_vae_bn_noaffine) {
  const int N = 37, L = 33; /* rows not a multiple of the block size */
  cp_buf ml = cp_buf_make(&P, (size_t)N * 2 * L, 230, -2, 2), eps = cp_buf_make(&P, (size_t)N * L, 231, -3, 3);
  cp_buf z = cp_buf_make(&P, (size_t)N * L, 0, NAN, NAN), kl = cp_buf_make(&P, (size_t)N, 0, NAN, NAN);
  cp_buf dz = cp_buf_make(&P, (size_t)N * L, 232, -1, 1), dml = cp_buf_make(&P, (size_t)N * 2 * L, 0, NAN, NAN);
  CP_OK(alcn_vae_sample(P.cpu, z.h, kl.h, ml.h, eps.h, N, L));
  CP_OK(alcn_vae_sample(P.gpu, z.d, kl.d, ml.d, eps.d, N, L));
  EXPECT_CLOSE(z, TOL_EW * 2, "vae z");
  EXPECT_CLOSE(kl, TOL_EW * 2, "vae kl");
  CP_OK(alcn_vae_sample_backward(P.cpu, dml.h, dz.h, ml.h, eps.h, N, L, 0.25f));
  CP_OK(alcn_vae_sample_backward(P.gpu, dml.d, dz.d, ml.d, eps.d, N, L, 0.25f));
  EXPECT_CLOSE(dml, TOL_EW * 2, "vae dml");
  cp_buf_fill(&P, &dml, NAN);
  CP_OK(alcn_vae_sample_backward(P.cpu, dml.h, NULL, ml.h, eps.h, N, L, 0.25f));
  CP_OK(alcn_vae_sample_backward(P.gpu, dml.d, NULL, ml.d, eps.d, N, L, 0.25f));
  EXPECT_CLOSE(dml, TOL_EW * 2, "vae dml (KL only)");
  alcn_bn_dims d = {6, 5, 49, 1e-4f, 0.1f};
  const size_t n = (size_t)d.N * d.C * d.HW;
  cp_buf in = cp_buf_make(&P, n, 240, -2, 3), out = cp_buf_make(&P, n, 0, NAN, NAN);
  cp_buf rm = cp_buf_make(&P, d.C, 241, -0.1f, 0.1f), rv = cp_buf_make(&P, d.C, 242, 0.9f, 1.1f);
  cp_buf sm = cp_buf_make(&P, d.C, 0, NAN, NAN), si = cp_buf_make(&P, d.C, 0, NAN, NAN);
  cp_buf dout = cp_buf_make(&P, n, 243, -1, 1), din = cp_buf_make(&P, n, 0, NAN, NAN);
  CP_OK(alcn_bn_forward(P.cpu, 1, out.h, in.h, NULL, NULL, rm.h, rv.h, sm.h, si.h, &d));
  CP_OK(alcn_bn_forward(P.gpu, 1, out.d, in.d, NULL, NULL, rm.d, rv.d, sm.d, si.d, &d));
  EXPECT_CLOSE(out, TOL_BN_FWD, "bn no-affine train out");
  EXPECT_CLOSE(rm, TOL_BN_RUNNING, "bn no-affine running_mean");
  CP_OK(alcn_upload(P.gpu, sm.d, sm.h, d.C * sizeof(float)));
  CP_OK(alcn_upload(P.gpu, si.d, si.h, d.C * sizeof(float)));
  CP_OK(alcn_bn_backward(P.cpu, din.h, NULL, NULL, dout.h, in.h, NULL, sm.h, si.h, &d));
  CP_OK(alcn_bn_backward(P.gpu, din.d, NULL, NULL, dout.d, in.d, NULL, sm.d, si.d, &d));
  EXPECT_CLOSE(din, TOL_BN_BWD, "bn no-affine din");
  cp_buf_fill(&P, &out, NAN);
  CP_OK(alcn_upload(P.gpu, rm.d, rm.h, d.C * sizeof(float)));
  CP_OK(alcn_upload(P.gpu, rv.d, rv.h, d.C * sizeof(float)));
  CP_OK(alcn_bn_forward(P.cpu, 0, out.h, in.h, NULL, NULL, rm.h, rv.h, NULL, NULL, &d));
  CP_OK(alcn_bn_forward(P.gpu, 0, out.d, in.d, NULL, NULL, rm.d, rv.d, NULL, NULL, &d));
  EXPECT_CLOSE(out, TOL_BN_FWD, "bn no-affine eval out");
  cp_buf *all[] = {&ml, &eps, &z, &kl, &dz, &dml, &in, &out, &rm, &rv, &sm, &si, &dout, &din};
  for (size_t i = 0; i < sizeof all / sizeof *all; ++i) cp_buf_free(&P, all[i]);
}
END_TEST

/* ------------------------------------------------------------------- rng */
START_TEST(test_rng) {
  const size_t n = 100003; /* not a multiple of 4 */
  const uint64_t seed = 0x1234abcdULL, offset = 77;
  cp_buf u = cp_buf_make(&P, n, 0, NAN, NAN), z = cp_buf_make(&P, n, 0, NAN, NAN);
  CP_OK(alcn_fill_uniform(P.cpu, u.h, n, seed, offset, -2.0f, 3.0f));
  CP_OK(alcn_fill_uniform(P.gpu, u.d, n, seed, offset, -2.0f, 3.0f));
  cp_buf_fetch(&P, &u);
  ck_assert_msg(memcmp(u.h, u.back, n * sizeof(float)) == 0, "uniform streams differ in their bits");
  CP_OK(alcn_fill_normal(P.cpu, z.h, n, seed, offset, 0.5f, 2.0f));
  CP_OK(alcn_fill_normal(P.gpu, z.d, n, seed, offset, 0.5f, 2.0f));
  EXPECT_CLOSE(z, TOL_RNG_NORMAL, "normal stream");
  cp_buf_free(&P, &u);
  cp_buf_free(&P, &z);
}
END_TEST

/* ---------------------------------------------------------------- memory */
START_TEST(test_memory) {
  const size_t n = 300000; /* > 64 KiB: the pinned staging path */
  float *h = malloc(n * sizeof(float)), *back = malloc(n * sizeof(float));
  ck_assert_ptr_nonnull(h);
  ck_assert_ptr_nonnull(back);
  float *d1 = alcn_backend_alloc(P.gpu, n * sizeof(float)), *d2 = alcn_backend_alloc(P.gpu, n * sizeof(float));
  ck_assert_ptr_nonnull(d1);
  ck_assert_ptr_nonnull(d2);
  tu_fill_uniform(h, n, 170, -1, 1);
  CP_OK(alcn_upload(P.gpu, d1, h, n * sizeof(float)));
  const float keep0 = h[0];
  h[0] = 1234.0f; /* the caller may reuse its buffer as soon as upload returns */
  CP_OK(alcn_copy(P.gpu, d2, d1, n * sizeof(float)));
  CP_OK(alcn_zero(P.gpu, d1, 16 * sizeof(float)));
  CP_OK(alcn_download(P.gpu, back, d2, n * sizeof(float)));
  ck_assert_float_eq(back[0], keep0);
  ck_assert_int_eq(memcmp(back + 1, h + 1, (n - 1) * sizeof(float)), 0);
  CP_OK(alcn_download(P.gpu, back, d1, 32 * sizeof(float)));
  for (int i = 0; i < 16; ++i) ck_assert_float_eq(back[i], 0.0f);
  ck_assert_float_eq(back[16], h[16]);
  CP_OK(alcn_sync(P.gpu));
  if (alcn_backend_device(P.gpu) == ALCN_DEVICE_CUDA) { /* not in the CPU self-test */
    ck_assert_uint_ge(alcn_backend_peak_memory(P.gpu), 2 * n * sizeof(float));
  }
  alcn_backend_free(P.gpu, d1);
  alcn_backend_free(P.gpu, d2);
  free(h);
  free(back);
}
END_TEST

static Suite *cuda_ops_suite(void) {
  Suite *s = suite_create("cuda_ops");
  TCase *tc = tcase_create("parity");
  tcase_set_timeout(tc, 120);
  tcase_add_loop_test(tc, test_conv, 0, (int)(sizeof conv_cases / sizeof conv_cases[0]));
  tcase_add_loop_test(tc, test_linear, 0, 3);
  tcase_add_loop_test(tc, test_act, 0, 4);
  tcase_add_loop_test(tc, test_batchnorm, 0, 3);
  tcase_add_loop_test(tc, test_loss, 0, 5);
  tcase_add_test(tc, test_sq_err_per_image);
  tcase_add_test(tc, test_adam);
  tcase_add_test(tc, test_elementwise);
  tcase_add_test(tc, test_masking);
  tcase_add_test(tc, test_copy_2d);
  tcase_add_loop_test(tc, test_resample, 0, 3);
  tcase_add_test(tc, test_vae_bn_noaffine);
  tcase_add_test(tc, test_rng);
  tcase_add_test(tc, test_memory);
  suite_add_tcase(s, tc);
  return s;
}

int main(void) {
  cp_open_or_skip(&P, "cuda_ops");
  SRunner *sr = srunner_create(cuda_ops_suite());
  srunner_set_fork_status(sr, CK_NOFORK); /* a CUDA context does not survive fork() */
  srunner_run_all(sr, CK_NORMAL);
  const int failed = srunner_ntests_failed(sr);
  srunner_free(sr);
  cp_close(&P);
  return failed == 0 ? 0 : 1;
}
