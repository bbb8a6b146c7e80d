/* Example LEARNING noise plugin, a template for noises with weights of their
 * own (ALCN is the full-size one: plugins/noise/alcn.c). A learned cut-out:
 *
 *   pattern  p = sigmoid(w), one learnable image (C*H*W weights);
 *   mask     m[n,i] = 1 with probability `rate`, drawn per image and pixel
 *            from the Philox stream at the step (a fresh mask every step);
 *   corrupt  x_tilde = select(m, p, x): masked pixels show the pattern.
 *   learn    p ascends the denoiser's loss L(x, DAE(x_tilde)) (the denoiser
 *            frozen): dL/dp = sum over the batch of select(m, dL/dx_tilde, 0),
 *            through the sigmoid, one Adam step on -L (so the pattern becomes
 *            the hardest fill for the denoiser to see through).
 *
 * Everything runs on the backend through the SDK's functions (alcn/backend.h:
 * fills, select, clamp, axpby, the activation and Adam), so the batch never
 * leaves the GPU. Build it out of tree like noise_uniform.c:
 *   cc -shared -fPIC -O2 noise_learned.c $(pkg-config --cflags --libs alcnbench) -o noise_learned.so
 *   alcnbench run --plugin-path . --method dae --noise learned --noise-opt rate=0.3 ... */
#include <stddef.h>
#include <stdlib.h>

#include <alcn/backend.h>
#include <alcn/options.h>
#include <alcn/plugin.h>
#include <alcn/rng.h>

typedef struct learned_params {
  float rate, lr;
} learned_params;

static const alcn_option learned_options[] = {
    {"rate", ALCN_OPT_FLOAT, "0.3", 0.0, 1.0, 0, NULL, "fraction of pixels cut out and filled with the pattern",
     offsetof(learned_params, rate)},
    {"lr", ALCN_OPT_FLOAT, "1e-2", 0.0, 10.0, ALCN_OPT_MIN_OPEN, NULL, "Adam learning rate of the pattern",
     offsetof(learned_params, lr)},
    {NULL, 0, NULL, 0, 0, 0, NULL, NULL, 0},
};

typedef struct learned_state {
  alcn_backend *be;
  size_t D;               /* C*H*W */
  int max_batch;
  learned_params p;
  uint64_t seed;
  alcn_adam_hparams adam;
  int t;                  /* Adam steps taken */
  /* backend memory */
  float *w, *gw, *m, *v;  /* (D) weights, gradient, Adam moments */
  float *pattern;         /* (D) sigmoid(w) */
  float *tiled;           /* (max_batch, D) the pattern for every image */
  float *mask;            /* (max_batch, D) 0/1 */
  float *xt, *dxt, *zero; /* (max_batch, D) */
} learned_state;

static void learned_destroy(void *state) {
  learned_state *s = state;
  if (!s) return;
  float *bufs[] = {s->w, s->gw, s->m, s->v, s->pattern, s->tiled, s->mask, s->xt, s->dxt, s->zero};
  for (size_t i = 0; i < sizeof bufs / sizeof *bufs; ++i) alcn_backend_free(s->be, bufs[i]);
  free(s);
}

static alcn_status learned_create(const alcn_noise_config *cfg, alcn_ctx *ctx, void **out) {
  learned_params p;
  ALCN_CHECK(alcn_options_parse(learned_options, &cfg->opts, "noise learned", &p));
  learned_state *s = calloc(1, sizeof *s);
  ALCN_CHECK_ALLOC(s, sizeof *s);
  s->be = ctx->be;
  s->D = (size_t)cfg->C * cfg->H * cfg->W;
  s->max_batch = cfg->max_batch;
  s->p = p;
  s->seed = alcn_rng_derive(ctx->seed, 1);
  s->adam = (alcn_adam_hparams){p.lr, 0.9f, 0.999f, 1e-8f, 0.0f};
  const size_t one = s->D * sizeof(float), all = (size_t)s->max_batch * one;
  float **small[] = {&s->w, &s->gw, &s->m, &s->v, &s->pattern};
  float **big[] = {&s->tiled, &s->mask, &s->xt, &s->dxt, &s->zero};
  int ok = 1;
  for (size_t i = 0; i < 5; ++i) ok &= (*small[i] = alcn_backend_alloc(s->be, one)) != NULL;
  for (size_t i = 0; i < 5; ++i) ok &= (*big[i] = alcn_backend_alloc(s->be, all)) != NULL;
  alcn_status st = ok ? ALCN_OK : ALCN_ERR_NOMEM;
  if (!ok) alcn_error_at(__FILE__, __LINE__, st, "noise learned: out of %s memory (hint: lower --batch)",
                         alcn_backend_name(s->be));
  /* w ~ N(0, 1): a grey, slightly random pattern to start from */
  if (st == ALCN_OK) st = alcn_fill_normal(s->be, s->w, s->D, alcn_rng_derive(ctx->seed, 2), 0, 0.0f, 1.0f);
  if (st == ALCN_OK) st = alcn_zero(s->be, s->m, one);
  if (st == ALCN_OK) st = alcn_zero(s->be, s->v, one);
  if (st == ALCN_OK) st = alcn_zero(s->be, s->zero, all);
  if (st != ALCN_OK) {
    learned_destroy(s);
    return st;
  }
  *out = s;
  return ALCN_OK;
}

/* The pattern for n images and the step's mask: m = 1 where v > 0 for
 * v ~ U(rate - 1, rate) (probability `rate`), made exact 0/1 by scaling and
 * clamping. */
static alcn_status prepare(learned_state *s, int n, uint64_t step) {
  const size_t cnt = (size_t)n * s->D;
  ALCN_CHECK(alcn_act_forward(s->be, s->pattern, s->w, s->D, ALCN_ACT_SIGMOID, 0.0f));
  for (int i = 0; i < n; ++i)
    ALCN_CHECK(alcn_copy(s->be, s->tiled + (size_t)i * s->D, s->pattern, s->D * sizeof(float)));
  const uint64_t offset = step * alcn_rng_span((size_t)s->max_batch * s->D);
  ALCN_CHECK(alcn_fill_uniform(s->be, s->mask, cnt, s->seed, offset, s->p.rate - 1.0f, s->p.rate));
  ALCN_CHECK(alcn_axpby(s->be, s->mask, s->mask, cnt, 1e30f, 0.0f));
  return alcn_clamp(s->be, s->mask, s->mask, cnt, 0.0f, 1.0f);
}

static alcn_status learned_corrupt(void *state, const float *x, int n, uint64_t step, float *x_tilde,
                                   float *noise_out) {
  learned_state *s = state;
  const size_t cnt = (size_t)n * s->D;
  ALCN_CHECK(prepare(s, n, step));
  ALCN_CHECK(alcn_select(s->be, x_tilde, s->mask, s->tiled, x, cnt));
  if (noise_out) ALCN_CHECK(alcn_select(s->be, noise_out, s->mask, s->tiled, s->zero, cnt)); /* Figure 4 */
  return ALCN_OK;
}

static alcn_status learned_learn(void *state, const float *x, int n, uint64_t step, const alcn_denoiser *dae,
                                 float *loss_host) {
  learned_state *s = state;
  const size_t cnt = (size_t)n * s->D;
  ALCN_CHECK(prepare(s, n, step));
  ALCN_CHECK(alcn_select(s->be, s->xt, s->mask, s->tiled, x, cnt));
  /* gradient of -L w.r.t. x_tilde: Adam then ascends L */
  ALCN_CHECK(dae->loss_and_input_grad(dae->self, s->xt, x, n, -1.0f, loss_host, s->dxt));
  ALCN_CHECK(alcn_select(s->be, s->dxt, s->mask, s->dxt, s->zero, cnt)); /* only masked pixels see p */
  ALCN_CHECK(alcn_zero(s->be, s->gw, s->D * sizeof(float)));
  for (int i = 0; i < n; ++i) ALCN_CHECK(alcn_axpby(s->be, s->gw, s->dxt + (size_t)i * s->D, s->D, 1.0f, 1.0f));
  ALCN_CHECK(alcn_act_backward(s->be, s->gw, s->gw, s->pattern, s->D, ALCN_ACT_SIGMOID, 0.0f));
  return alcn_adam_step(s->be, s->w, s->gw, s->m, s->v, s->D, &s->adam, ++s->t);
}

static size_t learned_param_count(void *state) { return ((learned_state *)state)->D; }

static const alcn_noise_desc learned_desc = {
    .abi_major = ALCN_ABI_MAJOR,
    .abi_minor = ALCN_ABI_MINOR,
    .size = sizeof(alcn_noise_desc),
    .id = "learned",
    .label = "Learned cut-out",
    .summary = "example: random cut-out pixels filled with one learned pattern that ascends the denoiser's loss",
    .options = learned_options,
    .create = learned_create,
    .corrupt = learned_corrupt,
    .destroy = learned_destroy,
    .learn = learned_learn,
    .param_count = learned_param_count,
};

ALCN_EXPORT const alcn_noise_desc *alcn_noise_descriptor(uint32_t index) {
  return index == 0 ? &learned_desc : NULL;
}
