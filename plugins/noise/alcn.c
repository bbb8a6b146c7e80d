/* Noise plugin "alcn": adversarially learned continuous noise (the paper's
 * G_noise and Algorithm 1). For training step s, with z ~ N(0,1)^256 and
 * alpha ~ U[alpha_lo, alpha_hi] drawn from the Philox stream at s, once per
 * mini-batch (alpha=batch, the default: Algorithm 1 draws one alpha per step)
 * or once per image (alpha=image):
 *   learn:   x_tilde = alpha*x + (1-alpha)*G(z); with the DAE frozen, G takes
 *            an Adam step that ASCENDS L(x, DAE(x_tilde)) (gradient of -L);
 *   corrupt: x_tilde recomputed with the updated G (same z, alpha), which the
 *            DAE then descends on.
 * The paper's second line of Algorithm 1 drops alpha; we read that as a typo
 * and keep the blend (DESIGN.md §6), as the PyTorch peer does. */
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "alcn/models.h"
#include "alcn/options.h"
#include "alcn/plugin.h"
#include "alcn/rng.h"

typedef struct alcn_params {
  alcn_adam_hparams adam;
  float alpha_lo, alpha_hi;
  int alpha_per_image; /* index in "batch|image" */
  int arch;            /* index in ALCN_MODEL_ARCH_CHOICES */
} alcn_params;

static const alcn_option alcn_options[] = {
    {"lr", ALCN_OPT_FLOAT, "8e-3", 0.0, 10.0, ALCN_OPT_MIN_OPEN, NULL, "G_noise's Adam learning rate (paper: 8e-3)",
     offsetof(alcn_params, adam.lr)},
    {"beta1", ALCN_OPT_FLOAT, "0.9", 0.0, 1.0, ALCN_OPT_MAX_OPEN, NULL, "Adam beta1",
     offsetof(alcn_params, adam.beta1)},
    {"beta2", ALCN_OPT_FLOAT, "0.999", 0.0, 1.0, ALCN_OPT_MAX_OPEN, NULL, "Adam beta2",
     offsetof(alcn_params, adam.beta2)},
    {"eps", ALCN_OPT_FLOAT, "1e-8", 0.0, 1.0, ALCN_OPT_MIN_OPEN, NULL, "Adam epsilon",
     offsetof(alcn_params, adam.eps)},
    {"alpha_lo", ALCN_OPT_FLOAT, "0.2", 0.0, 1.0, 0, NULL, "lower bound of the blend weight alpha of the image",
     offsetof(alcn_params, alpha_lo)},
    {"alpha_hi", ALCN_OPT_FLOAT, "0.9", 0.0, 1.0, 0, NULL, "upper bound of alpha (alpha_lo <= alpha_hi)",
     offsetof(alcn_params, alpha_hi)},
    {"alpha", ALCN_OPT_ENUM, "batch", 0, 0, 0, "batch|image",
     "one alpha per mini-batch (Algorithm 1: 'sampled on each step') or one per image",
     offsetof(alcn_params, alpha_per_image)},
    {"arch", ALCN_OPT_ENUM, "auto", 0, 0, 0, ALCN_MODEL_ARCH_CHOICES, "G_noise's network (as the DAE's arch)",
     offsetof(alcn_params, arch)},
    {NULL, 0, NULL, 0, 0, 0, NULL, NULL, 0},
};

typedef struct alcn_state {
  alcn_backend *be;
  alcn_net *gen;
  size_t D;
  int max_batch;
  float alpha_lo, alpha_hi;
  int alpha_per_image;   /* 0: one alpha per mini-batch (Algorithm 1); 1: one per image */
  float *alpha_host;     /* max_batch: the broadcast per-batch alpha */
  alcn_adam_hparams adam;
  uint64_t seed_z, seed_a;
  float *z, *alpha, *x_tilde, *dx_tilde, *dnoise;
} alcn_state;

static void alcn_destroy(void *state) {
  alcn_state *s = state;
  if (!s) return;
  alcn_backend_free(s->be, s->z);
  alcn_backend_free(s->be, s->alpha);
  alcn_backend_free(s->be, s->x_tilde);
  alcn_backend_free(s->be, s->dx_tilde);
  alcn_backend_free(s->be, s->dnoise);
  free(s->alpha_host);
  alcn_net_destroy(s->gen);
  free(s);
}

static alcn_status alcn_create(const alcn_noise_config *cfg, alcn_ctx *ctx, void **out) {
  const char *who = "noise alcn";
  alcn_params p;
  memset(&p, 0, sizeof p); /* adam.weight_decay: 0, not an option of G_noise */
  ALCN_CHECK(alcn_options_parse(alcn_options, &cfg->opts, who, &p));
  alcn_state *s = calloc(1, sizeof *s);
  ALCN_CHECK_ALLOC(s, sizeof *s);
  s->be = ctx->be;
  s->D = (size_t)cfg->C * cfg->H * cfg->W;
  s->max_batch = cfg->max_batch;
  s->seed_z = alcn_rng_derive(ctx->seed, 1);
  s->seed_a = alcn_rng_derive(ctx->seed, 2);
  s->adam = p.adam;
  s->alpha_lo = p.alpha_lo;
  s->alpha_hi = p.alpha_hi;
  s->alpha_per_image = p.alpha_per_image;
  alcn_status st;
  if (!(s->alpha_lo <= s->alpha_hi)) {
    st = alcn_error_at(__FILE__, __LINE__, ALCN_ERR_ARG, "%s: need alpha_lo <= alpha_hi, got %g, %g", who,
                       (double)s->alpha_lo, (double)s->alpha_hi);
    goto fail;
  }
  ALCN_CHECK_GOTO(st, alcn_model_noise_gen(&s->gen, s->be, cfg->C, cfg->H, cfg->W, ALCN_NOISE_ZDIM,
                                           alcn_model_arch_name(p.arch)), fail);
  ALCN_CHECK_GOTO(st, alcn_net_finalize(s->gen, s->max_batch, alcn_rng_derive(ctx->seed, 3), ALCN_INIT_TORCH), fail);
  size_t img = (size_t)s->max_batch * s->D * sizeof(float);
  s->z = alcn_backend_alloc(s->be, (size_t)s->max_batch * ALCN_NOISE_ZDIM * sizeof(float));
  s->alpha = alcn_backend_alloc(s->be, (size_t)s->max_batch * sizeof(float));
  s->x_tilde = alcn_backend_alloc(s->be, img);
  s->dx_tilde = alcn_backend_alloc(s->be, img);
  s->dnoise = alcn_backend_alloc(s->be, img);
  s->alpha_host = malloc((size_t)s->max_batch * sizeof(float));
  if (!s->z || !s->alpha || !s->x_tilde || !s->dx_tilde || !s->dnoise || !s->alpha_host) {
    st = alcn_error_at(__FILE__, __LINE__, ALCN_ERR_NOMEM, "%s: out of %s memory (hint: lower --batch)", who,
                       alcn_backend_name(s->be));
    goto fail;
  }
  *out = s;
  return ALCN_OK;
fail:
  alcn_destroy(s);
  return st;
}

/* z and alpha of step `step` (the same in learn and corrupt). */
static alcn_status draw(alcn_state *s, int n, uint64_t step) {
  uint64_t zspan = alcn_rng_span((size_t)s->max_batch * ALCN_NOISE_ZDIM), aspan = alcn_rng_span((size_t)s->max_batch);
  ALCN_CHECK(alcn_fill_normal(s->be, s->z, (size_t)n * ALCN_NOISE_ZDIM, s->seed_z, step * zspan, 0.0f, 1.0f));
  if (s->alpha_per_image)
    return alcn_fill_uniform(s->be, s->alpha, (size_t)n, s->seed_a, step * aspan, s->alpha_lo, s->alpha_hi);
  /* one alpha for the batch: the first value of the same stream, broadcast */
  alcn_rng_uniform(s->alpha_host, 1, s->seed_a, step * aspan, s->alpha_lo, s->alpha_hi);
  for (int i = 1; i < n; ++i) s->alpha_host[i] = s->alpha_host[0];
  return alcn_upload(s->be, s->alpha, s->alpha_host, (size_t)n * sizeof(float));
}

static alcn_status alcn_learn(void *state, const float *x, int n, uint64_t step, const alcn_denoiser *dae,
                              float *loss_host) {
  alcn_state *s = state;
  const float *g;
  ALCN_CHECK(draw(s, n, step));
  ALCN_CHECK(alcn_net_forward(s->gen, s->z, n, 1, &g));
  ALCN_CHECK(alcn_blend(s->be, s->x_tilde, x, g, s->alpha, n, (int)s->D));
  /* gradient of -L w.r.t. x_tilde: Adam then ascends L */
  ALCN_CHECK(dae->loss_and_input_grad(dae->self, s->x_tilde, x, n, -1.0f, loss_host, s->dx_tilde));
  ALCN_CHECK(alcn_blend_backward_y(s->be, s->dnoise, s->dx_tilde, s->alpha, n, (int)s->D));
  ALCN_CHECK(alcn_net_zero_grad(s->gen));
  ALCN_CHECK(alcn_net_backward(s->gen, s->dnoise, NULL));
  return alcn_net_adam_step(s->gen, &s->adam);
}

static alcn_status alcn_corrupt(void *state, const float *x, int n, uint64_t step, float *x_tilde, float *noise_out) {
  alcn_state *s = state;
  const float *g;
  ALCN_CHECK(draw(s, n, step));
  ALCN_CHECK(alcn_net_forward(s->gen, s->z, n, 1, &g));
  ALCN_CHECK(alcn_blend(s->be, x_tilde, x, g, s->alpha, n, (int)s->D));
  if (noise_out) ALCN_CHECK(alcn_copy(s->be, noise_out, g, (size_t)n * s->D * sizeof(float)));
  return ALCN_OK;
}

static size_t alcn_param_count(void *state) { return alcn_net_param_count(((alcn_state *)state)->gen); }
static alcn_status alcn_save(void *state, FILE *f) { return alcn_net_save(((alcn_state *)state)->gen, f); }
static alcn_status alcn_load(void *state, FILE *f, const char *path) {
  return alcn_net_load(((alcn_state *)state)->gen, f, path);
}

static const alcn_noise_desc alcn_desc = {
    .abi_major = ALCN_ABI_MAJOR, .abi_minor = ALCN_ABI_MINOR, .size = sizeof(alcn_noise_desc),
    .id = "alcn",
    .label = "ALCN",
    .options = alcn_options,
    .summary = "adversarially learned continuous noise: G_noise(z) blended with alpha~U[0.2,0.9] (per batch), trained by ascent",
    .create = alcn_create, .corrupt = alcn_corrupt, .learn = alcn_learn, .param_count = alcn_param_count,
    .save = alcn_save, .load = alcn_load, .destroy = alcn_destroy,
};

ALCN_EXPORT const alcn_noise_desc *alcn_noise_descriptor(uint32_t index) { return index == 0 ? &alcn_desc : NULL; }
