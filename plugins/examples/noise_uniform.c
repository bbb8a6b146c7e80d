/* Example noise plugin, complete in one file: additive uniform noise
 * U(-amplitude, +amplitude). Copy it, rename the id, change corrupt().
 *
 * Build it out of tree against an installed ALCN-Bench:
 *   cc -shared -fPIC -O2 noise_uniform.c $(pkg-config --cflags --libs alcnbench) -o noise_uniform.so
 * and use it:
 *   alcnbench run --plugin-path . --method dae --noise uniform --noise-opt amplitude=0.3 ...
 *
 * Rules of the SDK (alcn/plugin.h, ABI 2): tensors are backend memory (CPU or
 * GPU): work on them with the functions of alcn/backend.h (alcn_copy,
 * alcn_axpby, alcn_mul, alcn_select, alcn_clamp, ...); declare options in a
 * table (the host parses and range-checks them, and `alcnbench list` shows
 * them); draw randomness from the Philox stream with an offset that depends on
 * `step`, so runs reproduce; return status codes (ALCN_FAIL records file:line
 * and a hint), never exit(). */
#include <stddef.h>
#include <stdlib.h>

#include <alcn/backend.h>
#include <alcn/options.h>
#include <alcn/plugin.h>
#include <alcn/rng.h>

typedef struct uniform_state {
  alcn_backend *be;
  size_t D;        /* values per image: C*H*W */
  int max_batch;
  float amplitude;
  uint64_t seed;
  float *noise;    /* backend memory, max_batch*D */
} uniform_state;

static void uniform_destroy(void *state) {
  uniform_state *s = state;
  if (!s) return;
  alcn_backend_free(s->be, s->noise);
  free(s);
}

/* name, type, default, min, max, flags, choices, doc, where to store it */
static const alcn_option uniform_options[] = {
    {"amplitude", ALCN_OPT_FLOAT, "0.5", 0.0, 100.0, 0, NULL, "half-width a of U(-a, a)", 0},
    {NULL, 0, NULL, 0, 0, 0, NULL, NULL, 0},
};

static alcn_status uniform_create(const alcn_noise_config *cfg, alcn_ctx *ctx, void **out) {
  float amplitude;
  ALCN_CHECK(alcn_options_parse(uniform_options, &cfg->opts, "noise uniform", &amplitude));
  uniform_state *s = calloc(1, sizeof *s);
  ALCN_CHECK_ALLOC(s, sizeof *s);
  s->be = ctx->be;
  s->D = (size_t)cfg->C * cfg->H * cfg->W;
  s->max_batch = cfg->max_batch;
  s->amplitude = amplitude;
  s->seed = ctx->seed;
  s->noise = alcn_backend_alloc(s->be, (size_t)cfg->max_batch * s->D * sizeof(float));
  if (!s->noise) {
    uniform_destroy(s);
    ALCN_FAIL(ALCN_ERR_NOMEM, "noise uniform: out of %s memory (hint: lower --batch)", alcn_backend_name(ctx->be));
  }
  *out = s;
  return ALCN_OK;
}

/* x_tilde = x + U(-a, a); noise_out (optional) receives the noise. */
static alcn_status uniform_corrupt(void *state, const float *x, int n, uint64_t step, float *x_tilde,
                                   float *noise_out) {
  uniform_state *s = state;
  size_t count = (size_t)n * s->D;
  float *noise = noise_out ? noise_out : s->noise;
  uint64_t offset = step * alcn_rng_span((size_t)s->max_batch * s->D); /* a fresh draw per step */
  ALCN_CHECK(alcn_fill_uniform(s->be, noise, count, s->seed, offset, -s->amplitude, s->amplitude));
  ALCN_CHECK(alcn_copy(s->be, x_tilde, x, count * sizeof(float)));
  return alcn_axpby(s->be, x_tilde, noise, count, 1.0f, 1.0f);
}

static const alcn_noise_desc uniform_desc = {
    .abi_major = ALCN_ABI_MAJOR,
    .abi_minor = ALCN_ABI_MINOR,
    .size = sizeof(alcn_noise_desc),
    .id = "uniform",
    .label = "Uniform",
    .summary = "example: additive uniform noise U(-amplitude, amplitude)",
    .options = uniform_options,
    .create = uniform_create,
    .corrupt = uniform_corrupt,
    .destroy = uniform_destroy,
    /* a learning noise adds .learn (see noise_learned.c) */
};

ALCN_EXPORT const alcn_noise_desc *alcn_noise_descriptor(uint32_t index) {
  return index == 0 ? &uniform_desc : NULL;
}
