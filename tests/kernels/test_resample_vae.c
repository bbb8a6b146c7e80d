/* Suite "resample_vae": the layers added for the vae and dsvdd methods
 * (issue 15), on a CPU backend through the SDK's checked functions:
 *  - MaxPool2d: a hand case (ties to the first maximum), finite-difference
 *    checks of the backward for non-overlapping (k2 s2) and overlapping
 *    (k3 s2) windows, odd sizes (floor mode);
 *  - nearest upsampling: a hand case and the FD check of its backward;
 *  - the VAE posterior: z and KL against double-precision formulas, FD checks
 *    of dml through <w, z> + kl_scale * sum KL, and of the KL-only gradient;
 *  - BatchNorm without affine (gamma = beta = NULL) equals gamma 1 / beta 0,
 *    FD check of its backward; half an affine pair is refused;
 *  - argument checks name the function. */
#include <check.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "alcn/backend.h"
#include "test_util.h"

static alcn_backend *BE;
static void be_open(void) { ck_assert_msg(alcn_backend_cpu_create(&BE, 0) == ALCN_OK, "%s", alcn_last_error()); }
static void be_close(void) {
  alcn_backend_destroy(BE);
  BE = NULL;
}

#define BE_OK(call)                                                                    \
  do {                                                                                 \
    alcn_status st_ = (call);                                                          \
    ck_assert_msg(st_ == ALCN_OK, "%s -> %d: %s", #call, (int)st_, alcn_last_error()); \
  } while (0)

static float *fz(size_t n) { return calloc(n ? n : 1, sizeof(float)); }

static double dot(const float *a, const float *b, size_t n) {
  double s = 0;
  for (size_t i = 0; i < n; ++i) s += (double)a[i] * b[i];
  return s;
}

/* ---------------------------------------------------------------- max-pool */
START_TEST(test_maxpool_hand) {
  /* 1x1x3x4, k2 s2 -> 1x2 (floor: the last row is dropped); ties to the first */
  const float x[12] = {1, 5, 2, 2, 3, 4, 2, 0, 9, 9, 9, 9};
  float y[2], din[12], dout[2] = {10, 20};
  BE_OK(alcn_maxpool_forward(BE, y, x, 1, 1, 3, 4, 2, 2));
  ck_assert_float_eq(y[0], 5.0f);
  ck_assert_float_eq(y[1], 2.0f);
  BE_OK(alcn_maxpool_backward(BE, din, dout, x, 1, 1, 3, 4, 2, 2));
  const float want[12] = {0, 10, 20, 0, 0, 0, 0, 0, 0, 0, 0, 0};
  for (int i = 0; i < 12; ++i) ck_assert_float_eq(din[i], want[i]);
}
END_TEST

typedef struct pool_ctx {
  float *x, *y, *w;
  int N, C, H, W, k, s, P, Q;
} pool_ctx;

static double pool_obj(void *vc) {
  pool_ctx *c = vc;
  if (alcn_maxpool_forward(BE, c->y, c->x, c->N, c->C, c->H, c->W, c->k, c->s) != ALCN_OK) return NAN;
  return dot(c->y, c->w, (size_t)c->N * c->C * c->P * c->Q);
}

static void pool_fd(int H, int W, int k, int s, uint64_t seed) {
  pool_ctx c = {0};
  c.N = 2; c.C = 3; c.H = H; c.W = W; c.k = k; c.s = s;
  c.P = (H - k) / s + 1; c.Q = (W - k) / s + 1;
  const size_t ni = (size_t)c.N * c.C * H * W, no = (size_t)c.N * c.C * c.P * c.Q;
  c.x = fz(ni); c.y = fz(no); c.w = fz(no);
  float *din = fz(ni);
  /* distinct values, gaps >> the FD step: a permutation of a grid */
  for (size_t i = 0; i < ni; ++i) c.x[i] = (float)((i * 7919u) % ni) * 0.01f - 0.3f;
  tu_fill_uniform(c.w, no, seed, -1.0f, 1.0f);
  BE_OK(alcn_maxpool_backward(BE, din, c.w, c.x, c.N, c.C, H, W, k, s));
  double e = tu_fd_check(c.x, ni, din, pool_obj, &c, 1e-3f, ni, 1e-3);
  ck_assert_msg(e < 1e-3, "maxpool %dx%d k%d s%d: FD rel err %g", H, W, k, s, e);
  free(c.x); free(c.y); free(c.w); free(din);
}

START_TEST(test_maxpool_fd) {
  pool_fd(8, 8, 2, 2, 11);
  pool_fd(7, 9, 2, 2, 12);  /* floor mode */
  pool_fd(9, 7, 3, 2, 13);  /* overlapping windows */
}
END_TEST

/* ---------------------------------------------------------------- upsample */
START_TEST(test_upsample_hand) {
  const float x[2] = {1, 2};
  float y[8], din[2];
  BE_OK(alcn_upsample_forward(BE, y, x, 1, 1, 1, 2, 2));
  const float want[8] = {1, 1, 2, 2, 1, 1, 2, 2};
  for (int i = 0; i < 8; ++i) ck_assert_float_eq(y[i], want[i]);
  const float g[8] = {1, 2, 3, 4, 5, 6, 7, 8};
  BE_OK(alcn_upsample_backward(BE, din, g, 1, 1, 1, 2, 2));
  ck_assert_float_eq(din[0], 1 + 2 + 5 + 6);
  ck_assert_float_eq(din[1], 3 + 4 + 7 + 8);
}
END_TEST

typedef struct up_ctx {
  float *x, *y, *w;
  int N, C, H, W, f;
} up_ctx;

static double up_obj(void *vc) {
  up_ctx *c = vc;
  if (alcn_upsample_forward(BE, c->y, c->x, c->N, c->C, c->H, c->W, c->f) != ALCN_OK) return NAN;
  return dot(c->y, c->w, (size_t)c->N * c->C * c->H * c->f * c->W * c->f);
}

START_TEST(test_upsample_fd) {
  up_ctx c = {0};
  c.N = 2; c.C = 2; c.H = 3; c.W = 5; c.f = 3;
  const size_t ni = (size_t)c.N * c.C * c.H * c.W, no = ni * 9;
  c.x = fz(ni); c.y = fz(no); c.w = fz(no);
  float *din = fz(ni);
  tu_fill_uniform(c.x, ni, 21, -1, 1);
  tu_fill_uniform(c.w, no, 22, -1, 1);
  BE_OK(alcn_upsample_backward(BE, din, c.w, c.N, c.C, c.H, c.W, c.f));
  double e = tu_fd_check(c.x, ni, din, up_obj, &c, 1e-2f, ni, 1e-3);
  ck_assert_msg(e < 1e-3, "upsample FD rel err %g", e);
  free(c.x); free(c.y); free(c.w); free(din);
}
END_TEST

/* ---------------------------------------------------------------- VAE posterior */
enum { VN = 3, VL = 5 };

START_TEST(test_vae_values) {
  float ml[VN * 2 * VL], eps[VN * VL], z[VN * VL], kl[VN];
  tu_fill_uniform(ml, VN * 2 * VL, 31, -1.5f, 1.5f);
  tu_fill_uniform(eps, VN * VL, 32, -2, 2);
  BE_OK(alcn_vae_sample(BE, z, kl, ml, eps, VN, VL));
  for (int n = 0; n < VN; ++n) {
    double s = 0;
    for (int l = 0; l < VL; ++l) {
      const double mu = ml[n * 2 * VL + l], lv = ml[n * 2 * VL + VL + l];
      ck_assert_double_eq_tol(z[n * VL + l], mu + eps[n * VL + l] * exp(0.5 * lv), 1e-5);
      s += mu * mu + exp(lv) - 1 - lv;
    }
    ck_assert_double_eq_tol(kl[n], 0.5 * s, 1e-5);
  }
  /* the KL of the prior itself is 0 */
  float zero[2 * VL] = {0}, k0;
  BE_OK(alcn_vae_sample(BE, NULL, &k0, zero, NULL, 1, VL));
  ck_assert_float_eq(k0, 0.0f);
}
END_TEST

typedef struct vae_ctx {
  float *ml, *eps, *z, *kl, *w;
  float kl_scale;
  int use_z;
} vae_ctx;

static double vae_obj(void *vc) {
  vae_ctx *c = vc;
  if (alcn_vae_sample(BE, c->z, c->kl, c->ml, c->eps, VN, VL) != ALCN_OK) return NAN;
  double j = c->use_z ? dot(c->z, c->w, VN * VL) : 0.0;
  for (int n = 0; n < VN; ++n) j += (double)c->kl_scale * c->kl[n];
  return j;
}

START_TEST(test_vae_fd) {
  float ml[VN * 2 * VL], eps[VN * VL], z[VN * VL], kl[VN], w[VN * VL], dml[VN * 2 * VL];
  tu_fill_uniform(ml, VN * 2 * VL, 41, -1, 1);
  tu_fill_uniform(eps, VN * VL, 42, -2, 2);
  tu_fill_uniform(w, VN * VL, 43, -1, 1);
  for (int use_z = 0; use_z < 2; ++use_z) {
    vae_ctx c = {ml, eps, z, kl, w, 0.7f, use_z};
    BE_OK(alcn_vae_sample_backward(BE, dml, use_z ? w : NULL, ml, eps, VN, VL, c.kl_scale));
    double e = tu_fd_check(ml, VN * 2 * VL, dml, vae_obj, &c, 1e-3f, VN * 2 * VL, 1e-3);
    ck_assert_msg(e < 2e-3, "vae sample (use_z %d) FD rel err %g", use_z, e);
  }
}
END_TEST

/* ---------------------------------------------------------------- BN without affine */
typedef struct bn_ctx {
  float *x, *y, *w, *sm, *si;
  alcn_bn_dims d;
} bn_ctx;

static double bn_obj(void *vc) {
  bn_ctx *c = vc;
  if (alcn_bn_forward(BE, 1, c->y, c->x, NULL, NULL, NULL, NULL, c->sm, c->si, &c->d) != ALCN_OK) return NAN;
  return dot(c->y, c->w, (size_t)c->d.N * c->d.C * c->d.HW);
}

START_TEST(test_bn_noaffine) {
  enum { N = 4, C = 3, HW = 5, L = N * C * HW };
  bn_ctx c = {0};
  c.d = (alcn_bn_dims){N, C, HW, 1e-4f, 0.1f};
  float x[L], y[L], y1[L], w[L], din[L], sm[C], si[C], g1[C], b0[C], rm[C] = {0}, rv[C] = {1, 1, 1};
  for (int i = 0; i < C; ++i) g1[i] = 1.0f, b0[i] = 0.0f;
  tu_fill_uniform(x, L, 51, -2, 3);
  tu_fill_uniform(w, L, 52, -1, 1);
  c.x = x; c.y = y; c.w = w; c.sm = sm; c.si = si;
  BE_OK(alcn_bn_forward(BE, 1, y, x, NULL, NULL, rm, rv, sm, si, &c.d));
  BE_OK(alcn_bn_forward(BE, 1, y1, x, g1, b0, NULL, NULL, sm, si, &c.d));
  for (int i = 0; i < L; ++i) ck_assert_float_eq(y[i], y1[i]);
  ck_assert_float_ne(rm[0], 0.0f); /* running statistics move without affine too */
  BE_OK(alcn_bn_forward(BE, 0, y, x, NULL, NULL, rm, rv, NULL, NULL, &c.d)); /* eval */
  BE_OK(alcn_bn_forward(BE, 1, y, x, NULL, NULL, NULL, NULL, sm, si, &c.d));
  BE_OK(alcn_bn_backward(BE, din, NULL, NULL, w, x, NULL, sm, si, &c.d));
  /* float32 sums over the batch: the same step and floor as the affine suite (test_batchnorm) */
  double e = tu_fd_check(x, L, din, bn_obj, &c, 1e-2f, L, 5e-2);
  ck_assert_msg(e < 1e-2, "bn no-affine FD rel err %g", e);
  /* half an affine pair, or parameter gradients without gamma, are refused */
  ck_assert_int_eq(alcn_bn_forward(BE, 1, y, x, g1, NULL, NULL, NULL, sm, si, &c.d), ALCN_ERR_ARG);
  ck_assert_int_eq(alcn_bn_backward(BE, din, g1, NULL, w, x, NULL, sm, si, &c.d), ALCN_ERR_ARG);
}
END_TEST

START_TEST(test_arg_checks) {
  float a[16] = {0}, b[16] = {0};
  ck_assert_int_eq(alcn_maxpool_forward(BE, a, b, 1, 1, 2, 2, 3, 1), ALCN_ERR_ARG); /* k > H */
  ck_assert_ptr_nonnull(strstr(alcn_last_error(), "alcn_maxpool_forward"));
  ck_assert_int_eq(alcn_maxpool_backward(BE, NULL, a, b, 1, 1, 2, 2, 2, 2), ALCN_ERR_ARG);
  ck_assert_int_eq(alcn_upsample_forward(BE, a, b, 1, 1, 2, 2, 0), ALCN_ERR_ARG);
  ck_assert_ptr_nonnull(strstr(alcn_last_error(), "alcn_upsample_forward"));
  ck_assert_int_eq(alcn_vae_sample(BE, a, NULL, b, NULL, 1, 2), ALCN_ERR_ARG); /* z without eps */
  ck_assert_int_eq(alcn_vae_sample_backward(BE, a, NULL, b, NULL, 0, 2, 1.0f), ALCN_ERR_ARG);
  ck_assert_int_eq(alcn_vae_sample(NULL, a, a, b, b, 1, 2), ALCN_ERR_ARG);
}
END_TEST

static Suite *suite(void) {
  Suite *s = suite_create("resample_vae");
  TCase *tc = tcase_create("ops");
  tcase_add_checked_fixture(tc, be_open, be_close);
  tcase_add_test(tc, test_maxpool_hand);
  tcase_add_test(tc, test_maxpool_fd);
  tcase_add_test(tc, test_upsample_hand);
  tcase_add_test(tc, test_upsample_fd);
  tcase_add_test(tc, test_vae_values);
  tcase_add_test(tc, test_vae_fd);
  tcase_add_test(tc, test_bn_noaffine);
  tcase_add_test(tc, test_arg_checks);
  suite_add_tcase(s, tc);
  return s;
}

int main(void) { return tu_run_suite(suite()); }
