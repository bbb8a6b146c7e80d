/* The four timed cases of step_cases.h. */
#define _POSIX_C_SOURCE 199309L /* clock_gettime */
#include "step_cases.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "alcn/models.h"
#include "alcn/rng.h"
#include "timing.h"

double sb_now_s(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static alcn_status draw(step_bench *b) {
  const size_t nz = (size_t)b->B * ALCN_NOISE_ZDIM;
  ALCN_CHECK(alcn_fill_normal(b->be, b->z, nz, 21, b->step * alcn_rng_span(nz), 0.0f, 1.0f));
  return alcn_fill_uniform(b->be, b->a, (size_t)b->B, 22, b->step * alcn_rng_span((size_t)b->B), 0.2f, 0.9f);
}

static alcn_status dae_train(step_bench *b) {
  const float *y;
  ALCN_CHECK(alcn_net_zero_grad(b->dae));
  ALCN_CHECK(alcn_net_forward(b->dae, b->x, b->B, 1, &y));
  ALCN_CHECK(alcn_loss(b->be, &b->loss, b->lossv, b->dpred, y, b->x, b->B, b->C, b->H, b->W, 1.0f));
  ALCN_CHECK(alcn_net_backward(b->dae, b->dpred, NULL));
  return alcn_net_adam_step(b->dae, &b->adam_dae);
}

static alcn_status alcn_train(step_bench *b) {
  const float *g, *y;
  ALCN_CHECK(draw(b));
  b->step++;
  /* 1) G_noise ascends L(x, DAE(a x + (1-a) G(z))), the DAE frozen */
  ALCN_CHECK(alcn_net_forward(b->gen, b->z, b->B, 1, &g));
  ALCN_CHECK(alcn_blend(b->be, b->xt, b->x, g, b->a, b->B, b->D));
  alcn_net_freeze(b->dae, 1);
  ALCN_CHECK(alcn_net_forward(b->dae, b->xt, b->B, 1, &y));
  ALCN_CHECK(alcn_loss(b->be, &b->loss, b->lossv, b->dpred, y, b->x, b->B, b->C, b->H, b->W, -1.0f));
  ALCN_CHECK(alcn_net_backward(b->dae, b->dpred, b->dxt));
  alcn_net_freeze(b->dae, 0);
  ALCN_CHECK(alcn_blend_backward_y(b->be, b->dnoise, b->dxt, b->a, b->B, b->D));
  ALCN_CHECK(alcn_net_zero_grad(b->gen));
  ALCN_CHECK(alcn_net_backward(b->gen, b->dnoise, NULL));
  ALCN_CHECK(alcn_net_adam_step(b->gen, &b->adam_gen));
  /* 2) the DAE descends on the blend with the updated G_noise (same z, a) */
  ALCN_CHECK(alcn_net_forward(b->gen, b->z, b->B, 0, &g));
  ALCN_CHECK(alcn_blend(b->be, b->xt, b->x, g, b->a, b->B, b->D));
  ALCN_CHECK(alcn_net_zero_grad(b->dae));
  ALCN_CHECK(alcn_net_forward(b->dae, b->xt, b->B, 1, &y));
  ALCN_CHECK(alcn_loss(b->be, &b->loss, b->lossv, b->dpred, y, b->x, b->B, b->C, b->H, b->W, 1.0f));
  ALCN_CHECK(alcn_net_backward(b->dae, b->dpred, NULL));
  return alcn_net_adam_step(b->dae, &b->adam_dae);
}

static alcn_status infer_dae(step_bench *b) {
  const float *y;
  ALCN_CHECK(alcn_net_forward(b->dae, b->x, b->B, 0, &y));
  return alcn_sq_err_per_image(b->be, b->scores, y, b->x, b->B, b->D);
}

static alcn_status infer_alcn(step_bench *b) {
  const float *g, *y;
  ALCN_CHECK(draw(b));
  ALCN_CHECK(alcn_net_forward(b->gen, b->z, b->B, 0, &g));
  ALCN_CHECK(alcn_net_forward(b->dae, b->x, b->B, 0, &y));
  return alcn_sq_err_per_image(b->be, b->scores, y, b->x, b->B, b->D);
}

const char *const SB_CASES[SB_NCASES] = {"dae_train", "alcn_train", "infer_dae", "infer_alcn"};
const step_case_fn SB_CASE_FN[SB_NCASES] = {dae_train, alcn_train, infer_dae, infer_alcn};

alcn_status sb_setup(step_bench *b, alcn_backend *be, int B, int S) {
  memset(b, 0, sizeof *b);
  b->be = be;
  b->B = B;
  b->C = 1;
  b->H = b->W = S;
  b->D = b->C * b->H * b->W;
  b->adam_dae = (alcn_adam_hparams){1e-5f, 0.9f, 0.999f, 1e-8f, 0.0f};
  b->adam_gen = (alcn_adam_hparams){8e-3f, 0.9f, 0.999f, 1e-8f, 0.0f};
  b->loss = (alcn_loss_cfg){ALCN_LOSS_MSE, 1.0f};
  ALCN_CHECK(alcn_model_dae(&b->dae, be, b->C, b->H, b->W, "paper"));
  ALCN_CHECK(alcn_model_noise_gen(&b->gen, be, b->C, b->H, b->W, ALCN_NOISE_ZDIM, "paper"));
  ALCN_CHECK(alcn_net_finalize(b->dae, B, 1, ALCN_INIT_TORCH));
  ALCN_CHECK(alcn_net_finalize(b->gen, B, 2, ALCN_INIT_TORCH));
  const size_t img = (size_t)B * b->D * sizeof(float);
  float **bufs[] = {&b->x, &b->xt, &b->dxt, &b->dnoise, &b->dpred};
  for (size_t i = 0; i < sizeof bufs / sizeof *bufs; ++i)
    if (!(*bufs[i] = alcn_backend_alloc(b->be, img))) ALCN_FAIL(ALCN_ERR_NOMEM, "out of %s memory for batch %d", alcn_backend_name(be), B);
  b->z = alcn_backend_alloc(b->be, (size_t)B * ALCN_NOISE_ZDIM * sizeof(float));
  b->a = alcn_backend_alloc(b->be, (size_t)B * sizeof(float));
  b->scores = alcn_backend_alloc(b->be, (size_t)B * sizeof(float));
  b->lossv = alcn_backend_alloc(b->be, sizeof(float));
  if (!b->z || !b->a || !b->scores || !b->lossv) ALCN_FAIL(ALCN_ERR_NOMEM, "out of %s memory", alcn_backend_name(be));
  float *h = malloc(img);
  ALCN_CHECK_ALLOC(h, img);
  alcn_rng_uniform(h, (size_t)B * b->D, 7, 0, 0.0f, 1.0f); /* uniform pixels, as the peer's make_batch */
  alcn_status st = alcn_upload(be, b->x, h, img);
  free(h);
  return st;
}

void sb_teardown(step_bench *b) {
  if (!b->be) return;
  float *bufs[] = {b->x, b->xt, b->dxt, b->dnoise, b->dpred, b->z, b->a, b->scores, b->lossv};
  for (size_t i = 0; i < sizeof bufs / sizeof *bufs; ++i) alcn_backend_free(b->be, bufs[i]);
  alcn_net_destroy(b->dae);
  alcn_net_destroy(b->gen);
  b->be = NULL;
}

typedef struct sb_once {
  step_bench *b;
  step_case_fn fn;
} sb_once;

static alcn_status run_once(void *ctx) {
  const sb_once *q = ctx;
  return q->fn(q->b);
}

/* median / min / max seconds of fn over iters runs after warmup runs. */
alcn_status sb_time_case(step_bench *b, step_case_fn fn, int iters, int warmup, double *med, double *mn, double *mx) {
  sb_once q = {b, fn};
  bt_stats t;
  ALCN_CHECK(bt_time_case(b->be, run_once, &q, iters, warmup, &t));
  *med = t.med_ms * 1e-3;
  *mn = t.min_ms * 1e-3;
  *mx = t.max_ms * 1e-3;
  return ALCN_OK;
}
