/* Noise plugin "random": salt-and-pepper speckle (the paper's "DAE+Random").
 * Each pixel is replaced with probability `rate`: half of those by the
 * image's minimum ("pepper"), half by its maximum ("salt"), so the noise
 * respects whatever normalisation the data set uses. The uniforms come from
 * the Philox stream (identical on every backend) and the replacement runs on
 * the backend (salt_pepper op): the batch never leaves the device. */
#include <stdlib.h>

#include "alcn/options.h"
#include "alcn/backend.h"
#include "alcn/plugin.h"
#include "alcn/rng.h"

typedef struct sp_state {
  alcn_backend *be;
  size_t D;
  int max_batch;
  float rate;
  uint64_t seed;
  float *u; /* backend: the step's uniforms (max_batch, D) */
} sp_state;

static void sp_destroy(void *state) {
  sp_state *s = state;
  if (!s) return;
  alcn_backend_free(s->be, s->u);
  free(s);
}

static const alcn_option sp_options[] = {
    {"rate", ALCN_OPT_FLOAT, "0.1", 0.0, 1.0, 0, NULL,
     "fraction of pixels replaced (half by the image's min, half by its max)", 0},
    {NULL, 0, NULL, 0, 0, 0, NULL, NULL, 0},
};

static alcn_status sp_create(const alcn_noise_config *cfg, alcn_ctx *ctx, void **out) {
  float rate;
  ALCN_CHECK(alcn_options_parse(sp_options, &cfg->opts, "noise random", &rate));
  sp_state *s = calloc(1, sizeof *s);
  ALCN_CHECK_ALLOC(s, sizeof *s);
  s->be = ctx->be;
  s->D = (size_t)cfg->C * cfg->H * cfg->W;
  s->max_batch = cfg->max_batch;
  s->rate = rate;
  s->seed = ctx->seed;
  size_t bytes = (size_t)cfg->max_batch * s->D * sizeof(float);
  s->u = alcn_backend_alloc(s->be, bytes);
  if (!s->u) {
    sp_destroy(s);
    ALCN_FAIL(ALCN_ERR_NOMEM, "noise random: out of %s memory for %zu bytes (hint: lower --batch)", alcn_backend_name(ctx->be),
              bytes);
  }
  *out = s;
  return ALCN_OK;
}

static alcn_status sp_corrupt(void *state, const float *x, int n, uint64_t step, float *x_tilde, float *noise_out) {
  sp_state *s = state;
  const size_t count = (size_t)n * s->D;
  ALCN_CHECK(alcn_fill_uniform(s->be, s->u, count, s->seed, step * alcn_rng_span((size_t)s->max_batch * s->D), 0.0f,
                            1.0f));
  return alcn_salt_pepper(s->be, x_tilde, noise_out, x, s->u, n, (int)s->D, s->rate);
}

static const alcn_noise_desc sp_desc = {
    .abi_major = ALCN_ABI_MAJOR, .abi_minor = ALCN_ABI_MINOR, .size = sizeof(alcn_noise_desc),
    .id = "random", .label = "Random", .options = sp_options,
    .summary = "salt-and-pepper speckle: a fraction `rate` of pixels set to the image min or max",
    .create = sp_create, .corrupt = sp_corrupt, .destroy = sp_destroy,
};

ALCN_EXPORT const alcn_noise_desc *alcn_noise_descriptor(uint32_t index) { return index == 0 ? &sp_desc : NULL; }
