/* Noise plugin "gaussian": additive N(0, sigma) noise, sigma = 0.5 by default
 * (the paper's Table 1 "DAE+Gaussian"). Values are in the data's normalisation. */
#include <stdlib.h>

#include "alcn/options.h"
#include "alcn/backend.h"
#include "alcn/plugin.h"
#include "alcn/rng.h"

typedef struct gauss_state {
  alcn_backend *be;
  size_t D;
  int max_batch;
  float sigma;
  uint64_t seed;
  float *noise;
} gauss_state;

static void gauss_destroy(void *state) {
  gauss_state *s = state;
  if (!s) return;
  alcn_backend_free(s->be, s->noise);
  free(s);
}

static const alcn_option gauss_options[] = {
    {"sigma", ALCN_OPT_FLOAT, "0.5", 0.0, 100.0, 0, NULL,
     "standard deviation, in the data's normalisation (paper, Table 1: 0.5)", 0},
    {NULL, 0, NULL, 0, 0, 0, NULL, NULL, 0},
};

static alcn_status gauss_create(const alcn_noise_config *cfg, alcn_ctx *ctx, void **out) {
  float sigma;
  ALCN_CHECK(alcn_options_parse(gauss_options, &cfg->opts, "noise gaussian", &sigma));
  gauss_state *s = calloc(1, sizeof *s);
  ALCN_CHECK_ALLOC(s, sizeof *s);
  s->be = ctx->be;
  s->D = (size_t)cfg->C * cfg->H * cfg->W;
  s->max_batch = cfg->max_batch;
  s->sigma = sigma;
  s->seed = ctx->seed;
  s->noise = alcn_backend_alloc(s->be, (size_t)cfg->max_batch * s->D * sizeof(float));
  if (!s->noise) {
    gauss_destroy(s);
    ALCN_FAIL(ALCN_ERR_NOMEM, "noise gaussian: out of %s memory (hint: lower --batch)", alcn_backend_name(ctx->be));
  }
  *out = s;
  return ALCN_OK;
}

static alcn_status gauss_corrupt(void *state, const float *x, int n, uint64_t step, float *x_tilde, float *noise_out) {
  gauss_state *s = state;
  size_t count = (size_t)n * s->D;
  float *noise = noise_out ? noise_out : s->noise;
  uint64_t offset = step * alcn_rng_span((size_t)s->max_batch * s->D);
  ALCN_CHECK(alcn_fill_normal(s->be, noise, count, s->seed, offset, 0.0f, s->sigma));
  ALCN_CHECK(alcn_copy(s->be, x_tilde, x, count * sizeof(float)));
  return alcn_axpby(s->be, x_tilde, noise, count, 1.0f, 1.0f);
}

static const alcn_noise_desc gauss_desc = {
    .abi_major = ALCN_ABI_MAJOR, .abi_minor = ALCN_ABI_MINOR, .size = sizeof(alcn_noise_desc),
    .id = "gaussian", .label = "Gaussian", .options = gauss_options,
    .summary = "additive Gaussian noise N(0, sigma)",
    .create = gauss_create, .corrupt = gauss_corrupt, .destroy = gauss_destroy,
};

ALCN_EXPORT const alcn_noise_desc *alcn_noise_descriptor(uint32_t index) { return index == 0 ? &gauss_desc : NULL; }
