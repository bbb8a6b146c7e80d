/* Noise plugin "none": the input unchanged (plain DAE, i.e. an autoencoder). */
#include <stdlib.h>

#include "alcn/options.h"
#include "alcn/backend.h"
#include "alcn/plugin.h"

typedef struct none_state { alcn_backend *be; size_t D; } none_state;

static alcn_status none_create(const alcn_noise_config *cfg, alcn_ctx *ctx, void **out) {
  ALCN_CHECK(alcn_options_validate(NULL, &cfg->opts, "noise none")); /* refuses any option */
  none_state *s = calloc(1, sizeof *s);
  ALCN_CHECK_ALLOC(s, sizeof *s);
  s->be = ctx->be;
  s->D = (size_t)cfg->C * cfg->H * cfg->W;
  *out = s;
  return ALCN_OK;
}

static alcn_status none_corrupt(void *state, const float *x, int n, uint64_t step, float *x_tilde, float *noise_out) {
  none_state *s = state;
  size_t bytes = (size_t)n * s->D * sizeof(float);
  if (noise_out) ALCN_CHECK(alcn_zero(s->be, noise_out, bytes));
  return alcn_copy(s->be, x_tilde, x, bytes);
}

static void none_destroy(void *state) { free(state); }

static const alcn_noise_desc none_desc = {
    .abi_major = ALCN_ABI_MAJOR, .abi_minor = ALCN_ABI_MINOR, .size = sizeof(alcn_noise_desc),
    .id = "none", .label = "none", .summary = "no corruption: the DAE trains as a plain autoencoder",
    .create = none_create, .corrupt = none_corrupt, .destroy = none_destroy,
};

ALCN_EXPORT const alcn_noise_desc *alcn_noise_descriptor(uint32_t index) { return index == 0 ? &none_desc : NULL; }
