/* Suite "net_lenet": the network helper's layers added for Deep SVDD's LeNet
 * nets (issue 15), on the CPU backend: whole-net input and parameter
 * gradients against finite differences through a bias-free conv, BatchNorm
 * without affine, leaky ReLU in place, max-pool, a bias-free linear, reshape,
 * nearest upsampling and a bias-free transposed conv (the in-place
 * activations between them included); parameter counts (no BN or bias
 * parameters); shape checks of the new layers; save/load round trip. */
#include <check.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "alcn/net.h"
#include "test_util.h"

static alcn_backend *be;
static void setup(void) { ck_assert_int_eq(alcn_backend_create(&be, "cpu", 1, 1), ALCN_OK); }
static void teardown(void) { alcn_backend_destroy(be); }

typedef struct fd_ctx {
  alcn_net *net;
  const float *x;
  int n;
  const float *probe;
  size_t out_n;
} fd_ctx;

static double objective(void *p) {
  fd_ctx *c = p;
  const float *y;
  ck_assert_int_eq(alcn_net_forward(c->net, c->x, c->n, ALCN_NET_TRAIN, &y), ALCN_OK);
  double s = 0;
  for (size_t i = 0; i < c->out_n; ++i) s += (double)y[i] * c->probe[i];
  return s;
}

/* Central differences (step 1e-3) of the objective against analytic[i],
 * skipping entries where the one-sided differences disagree (a leaky-ReLU
 * kink or a max-pool switch within the step): *kinks counts them. Returns
 * the worst |fd - analytic| / max(|fd|, |analytic|, 5e-2) of the rest (float32
 * forward through BatchNorm: the floor of test_batchnorm). */
static double fd_kink_aware(float *v, size_t n, const float *analytic, fd_ctx *c, int *kinks) {
  const float eps = 1e-3f;
  double worst = 0.0;
  *kinks = 0;
  for (size_t i = 0; i < n; ++i) {
    const float keep = v[i];
    const double f0 = objective(c);
    v[i] = keep + eps;
    const double fp = objective(c);
    v[i] = keep - eps;
    const double fm = objective(c);
    v[i] = keep;
    const double dr = (fp - f0) / eps, dl = (f0 - fm) / eps, fd = (fp - fm) / (2.0 * eps);
    if (fabs(dr - dl) > 0.05 * fmax(fmax(fabs(dr), fabs(dl)), 0.1)) {
      ++*kinks;
      continue;
    }
    const double e = fabs(fd - analytic[i]) / fmax(fmax(fabs(fd), fabs((double)analytic[i])), 5e-2);
    if (e > worst || isnan(e)) worst = isnan(e) ? INFINITY : e;
  }
  return worst;
}

/* conv(2->3, k3 p1, no bias) BN(no affine) LReLU maxpool(2,2) linear(12, no bias)
 * reshape(3,2,2) LReLU upsample(2) convT(3->2, k3 p1, no bias): (2,6,6) -> (2,4,4) */
static alcn_net *lenet_like(void) {
  alcn_net *n;
  ck_assert_int_eq(alcn_net_create(&n, be, "lenet", 2, 6, 6), ALCN_OK);
  ck_assert_int_eq(alcn_net_conv(n, 3, 3, 1, 1, 0), ALCN_OK);
  ck_assert_int_eq(alcn_net_bn_ex(n, 1e-4f, 0.1f, 0), ALCN_OK);
  ck_assert_int_eq(alcn_net_act(n, ALCN_ACT_LRELU, 0.01f), ALCN_OK);
  ck_assert_int_eq(alcn_net_maxpool(n, 2, 2), ALCN_OK); /* 3x3x3 */
  ck_assert_int_eq(alcn_net_linear_ex(n, 12, 0), ALCN_OK);
  ck_assert_int_eq(alcn_net_reshape(n, 3, 2, 2), ALCN_OK);
  ck_assert_int_eq(alcn_net_act(n, ALCN_ACT_LRELU, 0.01f), ALCN_OK);
  ck_assert_int_eq(alcn_net_upsample(n, 2), ALCN_OK); /* 3x4x4 */
  ck_assert_int_eq(alcn_net_convt(n, 2, 3, 1, 1, 0, 0), ALCN_OK);
  return n;
}

START_TEST(test_gradients) {
  alcn_net *n = lenet_like();
  ck_assert_int_eq(alcn_net_finalize(n, 3, 7, ALCN_INIT_TORCH), ALCN_OK);
  int C, H, W;
  alcn_net_out_shape(n, &C, &H, &W);
  ck_assert_int_eq(C, 2);
  ck_assert_int_eq(H, 4);
  ck_assert_int_eq(W, 4);
  /* no bias, no BN parameters: 2*3*9 + 27*12 + 3*2*9 */
  ck_assert_uint_eq(alcn_net_param_count(n), 54 + 324 + 54);
  enum { N = 3, DI = 72, DO = 32 };
  float x[N * DI], probe[N * DO], dx[N * DI];
  /* distinct inputs on a grid: no max-pool ties within the FD step */
  for (int i = 0; i < N * DI; ++i) x[i] = (float)((i * 37) % (N * DI)) / (N * DI) * 2.0f - 1.0f;
  tu_fill_uniform(probe, N * DO, 12, -1.f, 1.f);
  const float *y;
  ck_assert_int_eq(alcn_net_forward(n, x, N, ALCN_NET_TRAIN, &y), ALCN_OK);
  ck_assert_int_eq(alcn_net_zero_grad(n), ALCN_OK);
  ck_assert_int_eq(alcn_net_backward(n, probe, dx), ALCN_OK);
  size_t np;
  float *p = alcn_net_params(n, &np), *g = alcn_net_grads(n, &np);
  float *gcopy = malloc(np * sizeof *gcopy);
  memcpy(gcopy, g, np * sizeof *gcopy);
  fd_ctx c = {n, x, N, probe, N * DO};
  int kx = 0, kp = 0;
  double ex = fd_kink_aware(x, N * DI, dx, &c, &kx), ep = fd_kink_aware(p, np, gcopy, &c, &kp);
  ck_assert_msg(ex < 1e-2, "input gradient FD error %g", ex);
  ck_assert_msg(ep < 1e-2, "parameter gradient FD error %g", ep);
  ck_assert_msg(kx <= N * DI / 10 && kp <= (int)np / 10, "too many kinks skipped: %d inputs, %d parameters", kx, kp);
  free(gcopy);
  alcn_net_destroy(n);
}
END_TEST

START_TEST(test_shapes_and_save) {
  alcn_net *n;
  ck_assert_int_eq(alcn_net_create(&n, be, "bad", 1, 5, 7), ALCN_OK);
  ck_assert_int_eq(alcn_net_maxpool(n, 6, 1), ALCN_ERR_ARG); /* window > map */
  ck_assert_int_eq(alcn_net_maxpool(n, 2, 0), ALCN_ERR_ARG);
  ck_assert_int_eq(alcn_net_upsample(n, 0), ALCN_ERR_ARG);
  ck_assert_int_eq(alcn_net_num_layers(n), 0);
  ck_assert_int_eq(alcn_net_maxpool(n, 2, 2), ALCN_OK); /* floor: 2x3 */
  int C, H, W;
  alcn_net_out_shape(n, &C, &H, &W);
  ck_assert_int_eq(H, 2);
  ck_assert_int_eq(W, 3);
  alcn_net_destroy(n);
  /* save / load round trip, then the same outputs in eval mode */
  alcn_net *a = lenet_like(), *b = lenet_like();
  ck_assert_int_eq(alcn_net_finalize(a, 2, 1, ALCN_INIT_TORCH), ALCN_OK);
  ck_assert_int_eq(alcn_net_finalize(b, 2, 2, ALCN_INIT_TORCH), ALCN_OK);
  float x[2 * 72];
  tu_fill_uniform(x, 2 * 72, 5, -1, 1);
  const float *ya, *yb;
  ck_assert_int_eq(alcn_net_forward(a, x, 2, ALCN_NET_TRAIN, &ya), ALCN_OK); /* moves running stats */
  FILE *f = tmpfile();
  ck_assert_ptr_nonnull(f);
  ck_assert_int_eq(alcn_net_save(a, f), ALCN_OK);
  rewind(f);
  ck_assert_int_eq(alcn_net_load(b, f, "tmp"), ALCN_OK);
  fclose(f);
  float keep[64];
  ck_assert_int_eq(alcn_net_forward(a, x, 2, ALCN_NET_EVAL, &ya), ALCN_OK);
  memcpy(keep, ya, sizeof keep);
  ck_assert_int_eq(alcn_net_forward(b, x, 2, ALCN_NET_EVAL, &yb), ALCN_OK);
  ck_assert_int_eq(memcmp(keep, yb, sizeof keep), 0);
  alcn_net_destroy(a);
  alcn_net_destroy(b);
}
END_TEST

static Suite *suite(void) {
  Suite *s = suite_create("net_lenet");
  TCase *tc = tcase_create("net");
  tcase_add_checked_fixture(tc, setup, teardown);
  tcase_add_test(tc, test_gradients);
  tcase_add_test(tc, test_shapes_and_save);
  suite_add_tcase(s, tc);
  return s;
}

int main(void) { return tu_run_suite(suite()); }
