/* Suite "cuda_step": one whole DAE+ALCN training step (the paper's DAE and
 * noise generator, Algorithm 1 as in /work/shared/peers/torch_alcn.py) run
 * on the CPU and on the CUDA backend from the same seed, written directly
 * against the vtable and the network helper (net.h, models.h):
 *   z ~ N(0,1)^256, alpha ~ U[0.2,0.9] per image (Philox, same stream on both);
 *   1) DAE frozen: x~ = a x + (1-a) G(z); L = loss(DAE(x~), x); G's Adam (lr 8e-3)
 *      ascends L (gradient scale -1);
 *   2) x~ again with the updated G; the DAE's Adam (lr 1e-5) descends L.
 * Batch 8, 1x28x28, for MSE and for the focal frequency loss; and batch 4096
 * with MSE (cuDNN's algorithm choice and workspace at full size, reductions
 * over many blocks; 256 in the CPU-vs-CPU self-test, to keep CI short).
 *
 * Tolerances (FP32 on both sides; errors as in test_cuda_ops.c: max|diff|
 * relative to the CPU tensor's max |value|):
 *   quantity                           tolerance   why
 *   loss of phase 1 and of phase 2     1e-4 rel    7 layers of different summation orders
 *   G's gradients, DAE's gradients,    2e-3        ReLU kinks hit by rounding change a few terms
 *     each tensor at its own scale                 (cp_tensor_err: floored at 1e-3 of the net's max)
 *   weights after Adam, where the CPU  1e-2*lr     Adam's first step is lr*g/(|g|+eps): the
 *     gradient is >= 1e-2 of its max   + 1e-6|p|   update is +-lr, stable when |g| is not tiny
 *   weights after Adam, everywhere     2*lr(1+1e-3) tiny gradients may flip sign: at most the
 *                                                  two-sided step; such weights must stay < 1% */
#include <check.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "alcn/backend.h"
#include "alcn/models.h"
#include "alcn/net.h"
#include "cuda_pair.h"
#include "test_util.h"

#define BATCH 8
#define BATCH_LARGE 4096
#define BATCH_LARGE_SELFTEST 256
#define IMG 28
#define LR_NOISE 8e-3f
#define LR_DAE 1e-5f
#define TOL_LOSS 1e-4
#define TOL_GRAD 2e-3
#define TOL_STEP_REL 1e-2 /* of lr, where the gradient is clearly non-zero */
#define STABLE_GRAD 1e-2  /* "clearly non-zero": |g| >= this * max|g| */
#define MAX_FLIP_FRACTION 0.01

static cp_pair P;

typedef struct step_out {
  float loss_g, loss_d;
  float *gen_p, *gen_g, *dae_p, *dae_g; /* host copies after the step */
  size_t ngen, ndae;
  alcn_param_tensor gen_t[16], dae_t[16]; /* where each parameter tensor lies */
  int ngen_t, ndae_t;
} step_out;

static float *fetch(alcn_backend *be, const float *src, size_t n) {
  float *h = malloc(n * sizeof(float));
  ck_assert_ptr_nonnull(h);
  CP_OK(alcn_download(be, h, src, n * sizeof(float)));
  return h;
}

static void *balloc(alcn_backend *be, size_t bytes) {
  void *p = alcn_backend_alloc(be, bytes);
  ck_assert_msg(p != NULL, "%s alloc of %zu bytes: %s", alcn_backend_name(be), bytes, alcn_last_error());
  return p;
}

/* One Algorithm-1 step on backend be from the host batch x (N,1,28,28). */
static void run_step(alcn_backend *be, alcn_loss_kind kind, int N, const float *x_host, step_out *r) {
  const int C = 1, H = IMG, W = IMG, D = C * H * W;
  const alcn_loss_cfg cfg = {kind, 1.0f};
  const alcn_adam_hparams hg = {LR_NOISE, 0.9f, 0.999f, 1e-8f, 0.0f}, hd = {LR_DAE, 0.9f, 0.999f, 1e-8f, 0.0f};
  alcn_net *dae = NULL, *gen = NULL;
  CP_OK(alcn_model_dae(&dae, be, C, H, W, "paper"));
  CP_OK(alcn_model_noise_gen(&gen, be, C, H, W, ALCN_NOISE_ZDIM, "paper"));
  CP_OK(alcn_net_finalize(dae, N, 11, ALCN_INIT_TORCH));
  CP_OK(alcn_net_finalize(gen, N, 12, ALCN_INIT_TORCH));
  const size_t img = (size_t)N * D * sizeof(float);
  float *x = balloc(be, img), *xt = balloc(be, img), *dxt = balloc(be, img), *dnoise = balloc(be, img);
  float *dpred = balloc(be, img), *z = balloc(be, (size_t)N * ALCN_NOISE_ZDIM * sizeof(float));
  float *a = balloc(be, N * sizeof(float)), *loss = balloc(be, sizeof(float));
  CP_OK(alcn_upload(be, x, x_host, img));
  CP_OK(alcn_fill_normal(be, z, (size_t)N * ALCN_NOISE_ZDIM, 21, 0, 0.0f, 1.0f));
  CP_OK(alcn_fill_uniform(be, a, (size_t)N, 22, 0, 0.2f, 0.9f));
  const float *g, *y;

  /* 1) noise generator ascends L with the DAE frozen */
  CP_OK(alcn_net_forward(gen, z, N, 1, &g));
  CP_OK(alcn_blend(be, xt, x, g, a, N, D));
  alcn_net_freeze(dae, 1);
  CP_OK(alcn_net_forward(dae, xt, N, 1, &y));
  CP_OK(alcn_loss(be, &cfg, loss, dpred, y, x, N, C, H, W, -1.0f));
  CP_OK(alcn_net_backward(dae, dpred, dxt));
  CP_OK(alcn_blend_backward_y(be, dnoise, dxt, a, N, D));
  CP_OK(alcn_net_zero_grad(gen));
  CP_OK(alcn_net_backward(gen, dnoise, NULL));
  CP_OK(alcn_net_adam_step(gen, &hg));
  CP_OK(alcn_download(be, &r->loss_g, loss, sizeof(float)));
  alcn_net_freeze(dae, 0);

  /* 2) the DAE descends L on the blend with the updated generator */
  CP_OK(alcn_net_forward(gen, z, N, 1, &g));
  CP_OK(alcn_blend(be, xt, x, g, a, N, D));
  CP_OK(alcn_net_zero_grad(dae));
  CP_OK(alcn_net_forward(dae, xt, N, 1, &y));
  CP_OK(alcn_loss(be, &cfg, loss, dpred, y, x, N, C, H, W, 1.0f));
  CP_OK(alcn_net_backward(dae, dpred, NULL));
  CP_OK(alcn_net_adam_step(dae, &hd));
  CP_OK(alcn_download(be, &r->loss_d, loss, sizeof(float)));

  const float *gp = alcn_net_params(gen, &r->ngen), *gg = alcn_net_grads(gen, &r->ngen);
  const float *dp = alcn_net_params(dae, &r->ndae), *dg = alcn_net_grads(dae, &r->ndae);
  r->gen_p = fetch(be, gp, r->ngen);
  r->gen_g = fetch(be, gg, r->ngen);
  r->dae_p = fetch(be, dp, r->ndae);
  r->dae_g = fetch(be, dg, r->ndae);
  r->ngen_t = alcn_net_param_tensors(gen, r->gen_t, 16);
  r->ndae_t = alcn_net_param_tensors(dae, r->dae_t, 16);
  ck_assert_int_le(r->ngen_t, 16);
  ck_assert_int_le(r->ndae_t, 16);
  float *bufs[] = {x, xt, dxt, dnoise, dpred, z, a, loss};
  for (size_t i = 0; i < sizeof bufs / sizeof *bufs; ++i) alcn_backend_free(be, bufs[i]);
  alcn_net_destroy(dae);
  alcn_net_destroy(gen);
}

static void free_out(step_out *r) {
  free(r->gen_p);
  free(r->gen_g);
  free(r->dae_p);
  free(r->dae_g);
}

/* Weights after Adam: initial weights are equal on both backends, so compare
 * the two updated copies against the step sizes stated in the table. */
static void check_weights(const char *net, const float *pg, const float *pc, const float *gc, size_t n, float lr) {
  double gmax = 0.0;
  for (size_t i = 0; i < n; ++i) gmax = fmax(gmax, fabs((double)gc[i]));
  size_t unstable = 0, flips = 0;
  double worst_stable = 0.0, worst = 0.0;
  for (size_t i = 0; i < n; ++i) {
    const double d = fabs((double)pg[i] - (double)pc[i]);
    ck_assert_msg(isfinite(pg[i]), "%s weight %zu is not finite on the GPU", net, i);
    worst = fmax(worst, d);
    if (fabs((double)gc[i]) >= STABLE_GRAD * gmax) {
      worst_stable = fmax(worst_stable, d - 1e-6 * fabs((double)pc[i]));
    } else {
      unstable++;
      if (d > TOL_STEP_REL * lr) flips++;
    }
  }
  printf("  %s: %zu weights, max |dw| %.3g (lr %.3g), %.3g where the gradient is stable, %zu of %zu small-gradient "
         "weights differ by > %.0e*lr\n",
         net, n, worst, (double)lr, worst_stable, flips, unstable, TOL_STEP_REL);
  ck_assert_msg(worst_stable <= TOL_STEP_REL * lr, "%s: updated weights differ by %.3g where the gradient is stable",
                net, worst_stable);
  ck_assert_msg(worst <= 2.0 * lr * (1 + 1e-3) + 1e-6, "%s: updated weights differ by %.3g > 2 lr", net, worst);
  ck_assert_msg((double)flips <= MAX_FLIP_FRACTION * (double)n, "%s: %zu weights took a different step", net, flips);
}

/* One net's gradients, tensor by tensor (cuda_pair.h): each within TOL_GRAD. */
static void check_grads(const char *net, const step_out *g, const step_out *c, int is_gen) {
  const alcn_param_tensor *t = is_gen ? c->gen_t : c->dae_t;
  const int nt = is_gen ? c->ngen_t : c->ndae_t;
  const size_t n = is_gen ? c->ngen : c->ndae;
  int k = -1;
  const double e = cp_tensor_err(t, nt, n, net, is_gen ? g->gen_g : g->dae_g, is_gen ? c->gen_g : c->dae_g, 1e-3, &k);
  printf("  %s gradients: worst tensor %d (layer %d %s %s), error %.3g\n", net, k, k >= 0 ? t[k].layer : -1,
         k >= 0 ? t[k].kind : "-", k >= 0 && t[k].bias ? "bias" : "weight", e);
  ck_assert_msg(e <= TOL_GRAD, "%s: layer %d %s %s gradient differs by %.3g of its scale (tolerance %.0e)", net,
                t[k].layer, t[k].kind, t[k].bias ? "bias" : "weight", e, TOL_GRAD);
}

/* loop index: 0 MSE, 1 FFL (batch 8); 2 MSE at batch 4096 (self-test: 256) */
START_TEST(test_alcn_step) {
  const alcn_loss_kind kind = _i == 1 ? ALCN_LOSS_FFL : ALCN_LOSS_MSE;
  const int N = _i < 2 ? BATCH : P.selftest ? BATCH_LARGE_SELFTEST : BATCH_LARGE;
  const size_t n = (size_t)N * IMG * IMG;
  float *x = malloc(n * sizeof(float));
  ck_assert_ptr_nonnull(x);
  tu_fill_uniform(x, n, 5, 0.0f, 1.0f);
  step_out c, g;
  memset(&c, 0, sizeof c);
  memset(&g, 0, sizeof g);
  run_step(P.cpu, kind, N, x, &c);
  run_step(P.gpu, kind, N, x, &g);
  ck_assert_uint_eq(c.ngen, g.ngen);
  ck_assert_uint_eq(c.ndae, g.ndae);
  printf("%s, batch %d: loss phase 1 cpu %.8g gpu %.8g, phase 2 cpu %.8g gpu %.8g\n", kind == ALCN_LOSS_FFL ? "ffl" : "mse",
         N, (double)c.loss_g, (double)g.loss_g, (double)c.loss_d, (double)g.loss_d);
  ck_assert_msg(isfinite(c.loss_g) && isfinite(c.loss_d) && c.loss_g > 0.0f, "CPU losses not usable");
  ck_assert_double_le(fabs((double)g.loss_g - c.loss_g) / fabs((double)c.loss_g), TOL_LOSS);
  ck_assert_double_le(fabs((double)g.loss_d - c.loss_d) / fabs((double)c.loss_d), TOL_LOSS);
  check_grads("G_noise", &g, &c, 1);
  check_grads("DAE", &g, &c, 0);
  check_weights("G_noise", g.gen_p, c.gen_p, c.gen_g, c.ngen, LR_NOISE);
  check_weights("DAE", g.dae_p, c.dae_p, c.dae_g, c.ndae, LR_DAE);
  free_out(&c);
  free_out(&g);
  free(x);
}
END_TEST

static Suite *cuda_step_suite(void) {
  Suite *s = suite_create("cuda_step");
  TCase *tc = tcase_create("dae_alcn");
  tcase_set_timeout(tc, 240);
  tcase_add_loop_test(tc, test_alcn_step, 0, 3);
  suite_add_tcase(s, tc);
  return s;
}

int main(void) {
  cp_open_or_skip(&P, "cuda_step");
  SRunner *sr = srunner_create(cuda_step_suite());
  srunner_set_fork_status(sr, CK_NOFORK); /* a CUDA context does not survive fork() */
  srunner_run_all(sr, CK_NORMAL);
  const int failed = srunner_ntests_failed(sr);
  srunner_free(sr);
  cp_close(&P);
  return failed == 0 ? 0 : 1;
}
