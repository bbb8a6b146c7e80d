/* Method plugin "dae": the paper's denoising autoencoder G_denoise, hosting a
 * noise plugin (none, random, gaussian, alcn, or a user's). One training step
 * (Algorithm 1 when the noise learns):
 *   noise->learn(x)                 (ALCN: ascent on the noise generator, DAE frozen)
 *   x_tilde = noise->corrupt(x)     (same z and alpha as learn)
 *   DAE descends on L(x, DAE(x_tilde)).
 * Score: per-image mean squared reconstruction error of the clean input. */
#include <math.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "alcn/models.h"
#include "alcn/options.h"
#include "alcn/plugin.h"
#include "alcn/rng.h"

typedef struct dae_params {
  alcn_adam_hparams adam;
  int arch; /* index in ALCN_MODEL_ARCH_CHOICES */
} dae_params;

static const alcn_option dae_options[] = {
    {"lr", ALCN_OPT_FLOAT, "1e-5", 0.0, 10.0, ALCN_OPT_MIN_OPEN, NULL, "Adam learning rate (paper: 1e-5)",
     offsetof(dae_params, adam.lr)},
    {"beta1", ALCN_OPT_FLOAT, "0.9", 0.0, 1.0, ALCN_OPT_MAX_OPEN, NULL, "Adam beta1", offsetof(dae_params, adam.beta1)},
    {"beta2", ALCN_OPT_FLOAT, "0.999", 0.0, 1.0, ALCN_OPT_MAX_OPEN, NULL, "Adam beta2",
     offsetof(dae_params, adam.beta2)},
    {"eps", ALCN_OPT_FLOAT, "1e-8", 0.0, 1.0, ALCN_OPT_MIN_OPEN, NULL, "Adam epsilon", offsetof(dae_params, adam.eps)},
    {"weight_decay", ALCN_OPT_FLOAT, "0", 0.0, 10.0, 0, NULL, "Adam L2 weight decay (PyTorch's)",
     offsetof(dae_params, adam.weight_decay)},
    {"arch", ALCN_OPT_ENUM, "auto", 0, 0, 0, ALCN_MODEL_ARCH_CHOICES,
     "network: the paper's (<= 32 px) or the strided variant (64-256 px); auto picks by size",
     offsetof(dae_params, arch)},
    {NULL, 0, NULL, 0, 0, 0, NULL, NULL, 0},
};

typedef struct dae_state {
  alcn_ctx ctx;
  alcn_backend *be;
  alcn_net *net;
  int C, H, W, max_batch;
  size_t D; /* C*H*W */
  alcn_loss_cfg loss;
  alcn_adam_hparams adam;
  const alcn_noise_desc *noise;
  void *noise_state;
  float *x_tilde, *dpred, *loss_dev, *scratch;
  uint64_t step;
} dae_state;

static alcn_status dae_loss_and_input_grad(void *self, const float *x_in, const float *target, int n,
                                           float grad_scale, float *loss_host, float *dx_in) {
  dae_state *s = self;
  const float *y;
  int was_frozen = alcn_net_frozen(s->net);
  alcn_net_freeze(s->net, 1);
  alcn_status st = alcn_net_forward(s->net, x_in, n, 1, &y);
  if (st == ALCN_OK)
    st = alcn_loss(s->be, &s->loss, s->loss_dev, dx_in ? s->dpred : NULL, y, target, n, s->C, s->H, s->W, grad_scale);
  if (st == ALCN_OK && dx_in) st = alcn_net_backward(s->net, s->dpred, dx_in);
  if (st == ALCN_OK) st = alcn_download(s->be, loss_host, s->loss_dev, sizeof(float));
  alcn_net_freeze(s->net, was_frozen);
  ALCN_CHECK(st);
  return ALCN_OK;
}

static void dae_destroy(void *state) {
  dae_state *s = state;
  if (!s) return;
  if (s->noise && s->noise_state) s->noise->destroy(s->noise_state);
  alcn_backend_free(s->be, s->x_tilde);
  alcn_backend_free(s->be, s->dpred);
  alcn_backend_free(s->be, s->loss_dev);
  alcn_backend_free(s->be, s->scratch);
  alcn_net_destroy(s->net);
  free(s);
}

static alcn_status dae_create(const alcn_method_config *cfg, alcn_ctx *ctx, void **out) {
  *out = NULL;
  dae_params p;
  ALCN_CHECK(alcn_options_parse(dae_options, &cfg->opts, "method dae", &p));
  dae_state *s = calloc(1, sizeof *s);
  ALCN_CHECK_ALLOC(s, sizeof *s);
  s->ctx = *ctx;
  s->be = ctx->be;
  s->C = cfg->C; s->H = cfg->H; s->W = cfg->W;
  s->max_batch = cfg->max_batch;
  s->D = (size_t)cfg->C * cfg->H * cfg->W;
  s->loss = cfg->loss;
  s->noise = cfg->noise;
  alcn_status st;
  s->adam = p.adam;
  ALCN_CHECK_GOTO(st, alcn_model_dae(&s->net, s->be, s->C, s->H, s->W, alcn_model_arch_name(p.arch)), fail);
  ALCN_CHECK_GOTO(st, alcn_net_finalize(s->net, s->max_batch, alcn_rng_derive(ctx->seed, 100), ALCN_INIT_TORCH), fail);
  size_t bytes = (size_t)s->max_batch * s->D * sizeof(float);
  s->x_tilde = alcn_backend_alloc(s->be, bytes);
  s->dpred = alcn_backend_alloc(s->be, bytes);
  s->scratch = alcn_backend_alloc(s->be, bytes);
  s->loss_dev = alcn_backend_alloc(s->be, sizeof(float));
  if (!s->x_tilde || !s->dpred || !s->scratch || !s->loss_dev) {
    st = alcn_error_at(__FILE__, __LINE__, ALCN_ERR_NOMEM, "method dae: out of %s memory for batch %d (hint: lower "
                       "--batch)", alcn_backend_name(s->be), s->max_batch);
    goto fail;
  }
  if (s->noise) {
    alcn_noise_config nc = {sizeof nc, s->C, s->H, s->W, s->max_batch, s->loss, cfg->noise_opts};
    alcn_ctx nctx = *ctx;
    nctx.seed = alcn_rng_derive(ctx->seed, 200);
    ALCN_CHECK_GOTO(st, s->noise->create(&nc, &nctx, &s->noise_state), fail);
  }
  *out = s;
  return ALCN_OK;
fail:
  dae_destroy(s);
  return st;
}

/* One step of Algorithm 1 on batch x (n images); step counts over the run. */
static alcn_status dae_train_step(void *state, const float *x, int n, uint64_t step, alcn_step_stats *stats) {
  dae_state *s = state;
  const float *input = x;
  float aux = NAN;
  stats->has_aux = 0;
  if (s->noise) {
    if (s->noise->learn) {
      alcn_denoiser dn = {s, dae_loss_and_input_grad};
      ALCN_CHECK(s->noise->learn(s->noise_state, x, n, step, &dn, &aux));
      stats->has_aux = 1;
    }
    ALCN_CHECK(s->noise->corrupt(s->noise_state, x, n, step, s->x_tilde, NULL));
    input = s->x_tilde;
  }
  const float *y;
  float loss;
  ALCN_CHECK(alcn_net_forward(s->net, input, n, 1, &y));
  ALCN_CHECK(alcn_loss(s->be, &s->loss, s->loss_dev, s->dpred, y, x, n, s->C, s->H, s->W, 1.0f));
  ALCN_CHECK(alcn_net_zero_grad(s->net));
  ALCN_CHECK(alcn_net_backward(s->net, s->dpred, NULL));
  ALCN_CHECK(alcn_net_adam_step(s->net, &s->adam));
  ALCN_CHECK(alcn_download(s->be, &loss, s->loss_dev, sizeof(float)));
  stats->loss = loss;
  stats->aux_loss = aux;
  s->step = step + 1; /* the noise of score_with_noise / corrupt_example: the next step's */
  return ALCN_OK;
}

static alcn_status dae_score(void *state, const float *x, int n, float *scores) {
  dae_state *s = state;
  const float *y;
  ALCN_CHECK(alcn_net_forward(s->net, x, n, 0, &y));
  return alcn_sq_err_per_image(s->be, scores, y, x, n, (int)s->D);
}

/* maps[n,h,w] = mean over channels of (DAE(x) - x)^2: the per-image score's pixels. */
static alcn_status dae_score_maps(void *state, const float *x, int n, float *maps) {
  dae_state *s = state;
  const float *y;
  const size_t hw = (size_t)s->H * s->W, cnt = (size_t)n * s->D;
  ALCN_CHECK(alcn_net_forward(s->net, x, n, 0, &y));
  /* scratch = (y - x)^2, then the channel mean into maps */
  ALCN_CHECK(alcn_copy(s->be, s->scratch, y, cnt * sizeof(float)));
  ALCN_CHECK(alcn_axpby(s->be, s->scratch, x, cnt, -1.0f, 1.0f));
  ALCN_CHECK(alcn_mul(s->be, s->scratch, s->scratch, s->scratch, cnt));
  for (int i = 0; i < n; ++i) {
    float *m = maps + (size_t)i * hw;
    const float *e = s->scratch + (size_t)i * s->D;
    ALCN_CHECK(alcn_copy(s->be, m, e, hw * sizeof(float)));
    for (int c = 1; c < s->C; ++c) ALCN_CHECK(alcn_axpby(s->be, m, e + (size_t)c * hw, hw, 1.0f, 1.0f));
    if (s->C > 1) ALCN_CHECK(alcn_axpby(s->be, m, m, hw, 0.0f, 1.0f / (float)s->C));
  }
  return ALCN_OK;
}

static alcn_status dae_score_with_noise(void *state, const float *x, int n, float *scores) {
  dae_state *s = state;
  if (s->noise) ALCN_CHECK(s->noise->corrupt(s->noise_state, x, n, s->step, s->x_tilde, NULL));
  return dae_score(state, x, n, scores);
}

static alcn_status dae_reconstruct(void *state, const float *x, int n, float *out) {
  dae_state *s = state;
  const float *y;
  ALCN_CHECK(alcn_net_forward(s->net, x, n, 0, &y));
  return alcn_copy(s->be, out, y, (size_t)n * s->D * sizeof(float));
}

static alcn_status dae_corrupt_example(void *state, const float *x, int n, float *noise, float *x_tilde) {
  dae_state *s = state;
  if (!s->noise) {
    ALCN_CHECK(alcn_zero(s->be, noise, (size_t)n * s->D * sizeof(float)));
    return alcn_copy(s->be, x_tilde, x, (size_t)n * s->D * sizeof(float));
  }
  return s->noise->corrupt(s->noise_state, x, n, s->step, x_tilde, noise);
}

static size_t dae_param_count(void *state, size_t *noise_params) {
  dae_state *s = state;
  if (noise_params)
    *noise_params = (s->noise && s->noise->param_count) ? s->noise->param_count(s->noise_state) : 0;
  return alcn_net_param_count(s->net);
}

static alcn_status dae_save(void *state, FILE *f) {
  dae_state *s = state;
  ALCN_CHECK(alcn_net_save(s->net, f));
  if (s->noise && s->noise->save) ALCN_CHECK(s->noise->save(s->noise_state, f));
  return ALCN_OK;
}

static alcn_status dae_load(void *state, FILE *f, const char *path) {
  dae_state *s = state;
  ALCN_CHECK(alcn_net_load(s->net, f, path));
  if (s->noise && s->noise->load) ALCN_CHECK(s->noise->load(s->noise_state, f, path));
  return ALCN_OK;
}

static const alcn_method_desc dae_desc = {
    .abi_major = ALCN_ABI_MAJOR,
    .abi_minor = ALCN_ABI_MINOR,
    .size = sizeof(alcn_method_desc),
    .id = "dae",
    .label = "DAE",
    .summary = "the paper's denoising autoencoder (4 conv layers), hosting a noise plugin",
    .options = dae_options,
    .hosts_noise = 1,
    .create = dae_create,
    .train_step = dae_train_step,
    .score = dae_score,
    .reconstruct = dae_reconstruct,
    .corrupt_example = dae_corrupt_example,
    .param_count = dae_param_count,
    .score_with_noise = dae_score_with_noise,
    .save = dae_save,
    .load = dae_load,
    .destroy = dae_destroy,
    .score_maps = dae_score_maps,
};

ALCN_EXPORT const alcn_method_desc *alcn_method_descriptor(uint32_t index) { return index == 0 ? &dae_desc : NULL; }
