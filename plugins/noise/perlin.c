/* Noise plugin "perlin": smooth structured noise, fractal value noise (the
 * Perlin-style sum of octaves) added to the image:
 *   x_tilde = x + amplitude * F,   noise_out = amplitude * F      (N,C,H,W)
 * F is a sum of `octaves` smooth random fields, octave o with cell size
 * s_o = max(1, round(scale * L / 2^o)) pixels (L = max(H, W)) and weight
 * persistence^o, normalised so that F has standard deviation ~1 (averaged
 * over positions); every channel gets its own field.
 *
 * One octave on the backend, without a host round trip: lattice values
 * g ~ U(-1, 1) on a (N*C, 1, G, G) grid from the Philox stream at
 * (seed, step, octave), then a ConvTranspose2d with stride s_o and a fixed
 * 4s_o x 4s_o kernel, the outer product of the cubic B-spline sampled at
 * ((r + 0.5)/s_o - 2), r < 4s_o (a partition of unity: C2-smooth blotches of
 * about s_o pixels). G = ceil(L/s_o) + 3 (+1 to make the crop even when
 * s_o = 1), padding and output padding centre an L x L window of the full
 * transposed output. Non-square images take the top-left H x W of that
 * window, row by row (slower: N*C*H copies). Deterministic in (seed, step). */
#include <math.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "alcn/backend.h"
#include "alcn/options.h"
#include "alcn/plugin.h"
#include "alcn/rng.h"

#define PERLIN_MAX_OCTAVES 6

typedef struct perlin_params {
  float scale, amplitude, persistence;
  int octaves;
} perlin_params;

static const alcn_option perlin_options[] = {
    {"scale", ALCN_OPT_FLOAT, "0.25", 0.0, 1.0, ALCN_OPT_MIN_OPEN, NULL,
     "cell size of the first octave as a fraction of the image side (blotch size)",
     offsetof(perlin_params, scale)},
    {"amplitude", ALCN_OPT_FLOAT, "0.3", 0.0, 100.0, ALCN_OPT_MIN_OPEN, NULL,
     "standard deviation of the added field, in the data's normalisation", offsetof(perlin_params, amplitude)},
    {"octaves", ALCN_OPT_INT, "2", 1, PERLIN_MAX_OCTAVES, 0, NULL, "octaves, each with half the cell size",
     offsetof(perlin_params, octaves)},
    {"persistence", ALCN_OPT_FLOAT, "0.5", 0.0, 1.0, 0, NULL, "weight of each octave relative to the one before",
     offsetof(perlin_params, persistence)},
    {NULL, 0, NULL, 0, 0, 0, NULL, NULL, 0},
};

typedef struct octave {
  int s, G;            /* cell size, lattice side */
  alcn_conv_dims d;    /* (max_batch*C, 1, G, G) -> (max_batch*C, 1, L, L) */
  float *w;            /* backend (1, 1, 4s, 4s): the scaled B-spline kernel */
} octave;

typedef struct perlin_state {
  alcn_backend *be;
  int C, H, W, L, max_batch;
  size_t D;            /* C*H*W */
  perlin_params p;
  uint64_t seed;
  int n_oct;
  octave oct[PERLIN_MAX_OCTAVES];
  float *grid;         /* backend (max_batch*C, G_0, G_0): the largest lattice */
  float *field, *tmp;  /* backend (max_batch*C, L, L) */
  float *noise;        /* backend (max_batch, C, H, W) amplitude * F */
} perlin_state;

static void perlin_destroy(void *state) {
  perlin_state *s = state;
  if (!s) return;
  for (int o = 0; o < s->n_oct; ++o) alcn_backend_free(s->be, s->oct[o].w);
  alcn_backend_free(s->be, s->grid);
  alcn_backend_free(s->be, s->field);
  alcn_backend_free(s->be, s->tmp);
  alcn_backend_free(s->be, s->noise);
  free(s);
}

/* Cubic B-spline on [-2, 2]. */
static double bspline3(double t) {
  t = fabs(t);
  if (t >= 2.0) return 0.0;
  if (t >= 1.0) return (2.0 - t) * (2.0 - t) * (2.0 - t) / 6.0;
  return (4.0 - 6.0 * t * t + 3.0 * t * t * t) / 6.0;
}

/* Octave o's geometry and kernel, scaled by `weight` / (field std of unit U(-1,1) lattices). */
static alcn_status make_octave(perlin_state *s, octave *oc, int cell, double weight) {
  const int L = s->L, k = 4 * cell;
  oc->s = cell;
  oc->G = (L + cell - 1) / cell + 3;
  int E = (oc->G + 3) * cell - L; /* crop of the full output (G-1)s + 4s */
  if (E % 2 && cell == 1) oc->G++, E++;
  const int pad = (E + 1) / 2, out_pad = E % 2;
  ALCN_CHECK(alcn_conv_dims_init(&oc->d, s->max_batch * s->C, 1, oc->G, oc->G, 1, k, k, cell, pad, out_pad, 1));
  if (oc->d.P != L || oc->d.Q != L)
    ALCN_FAIL(ALCN_ERR_ARG, "noise perlin: octave of cell %d gives %dx%d, not %dx%d", cell, oc->d.P, oc->d.Q, L, L);
  double *b = malloc((size_t)k * sizeof(double));
  float *w = malloc((size_t)k * k * sizeof(float));
  if (!b || !w) {
    free(b), free(w);
    ALCN_FAIL(ALCN_ERR_NOMEM, "noise perlin: out of host memory");
  }
  double sum2 = 0.0;
  for (int r = 0; r < k; ++r) {
    b[r] = bspline3(((double)r + 0.5) / cell - 2.0);
    sum2 += b[r] * b[r];
  }
  /* mean variance over the s*s phases: (1/3) * (sum2 / s)^2 for U(-1,1) lattice values */
  const double norm = weight / (sqrt(1.0 / 3.0) * sum2 / cell);
  for (int r = 0; r < k; ++r)
    for (int q = 0; q < k; ++q) w[(size_t)r * k + q] = (float)(norm * b[r] * b[q]);
  free(b);
  alcn_status st = ALCN_OK;
  oc->w = alcn_backend_alloc(s->be, (size_t)k * k * sizeof(float));
  if (!oc->w) st = alcn_error_at(__FILE__, __LINE__, ALCN_ERR_NOMEM, "noise perlin: out of %s memory",
                                 alcn_backend_name(s->be));
  if (st == ALCN_OK) st = alcn_upload(s->be, oc->w, w, (size_t)k * k * sizeof(float));
  free(w);
  return st;
}

static alcn_status perlin_create(const alcn_noise_config *cfg, alcn_ctx *ctx, void **out) {
  perlin_params p;
  ALCN_CHECK(alcn_options_parse(perlin_options, &cfg->opts, "noise perlin", &p));
  perlin_state *s = calloc(1, sizeof *s);
  ALCN_CHECK_ALLOC(s, sizeof *s);
  s->be = ctx->be;
  s->C = cfg->C, s->H = cfg->H, s->W = cfg->W;
  s->L = cfg->H > cfg->W ? cfg->H : cfg->W;
  s->max_batch = cfg->max_batch;
  s->D = (size_t)cfg->C * cfg->H * cfg->W;
  s->p = p;
  s->seed = alcn_rng_derive(ctx->seed, 1);
  alcn_status st = ALCN_OK;
  double wsum2 = 0.0;
  for (int o = 0; o < p.octaves; ++o) wsum2 += pow((double)p.persistence, 2.0 * o);
  for (int o = 0; o < p.octaves && st == ALCN_OK; ++o) {
    int cell = (int)lround((double)p.scale * s->L / (double)(1 << o));
    if (cell < 1) cell = 1;
    double weight = (double)p.amplitude * pow((double)p.persistence, (double)o) / sqrt(wsum2);
    st = make_octave(s, &s->oct[o], cell, weight);
    s->n_oct = o + 1; /* destroy frees this octave's kernel */
  }
  const size_t nc = (size_t)s->max_batch * s->C, ll = (size_t)s->L * s->L;
  if (st == ALCN_OK) {
    const size_t G = (size_t)s->oct[s->n_oct - 1].G; /* the finest octave has the largest lattice */
    s->grid = alcn_backend_alloc(s->be, nc * G * G * sizeof(float));
    s->field = alcn_backend_alloc(s->be, nc * ll * sizeof(float));
    s->tmp = s->n_oct > 1 ? alcn_backend_alloc(s->be, nc * ll * sizeof(float)) : NULL;
    s->noise = alcn_backend_alloc(s->be, (size_t)s->max_batch * s->D * sizeof(float));
    if (!s->grid || !s->field || (s->n_oct > 1 && !s->tmp) || !s->noise)
      st = alcn_error_at(__FILE__, __LINE__, ALCN_ERR_NOMEM, "noise perlin: out of %s memory for batch %d (hint: "
                         "lower --batch)", alcn_backend_name(s->be), s->max_batch);
  }
  if (st != ALCN_OK) {
    perlin_destroy(s);
    return st;
  }
  *out = s;
  return ALCN_OK;
}

/* amplitude * F for n images of step `step` into s->noise (N,C,H,W). */
static alcn_status make_field(perlin_state *s, int n, uint64_t step) {
  const size_t nc = (size_t)n * s->C, ll = (size_t)s->L * s->L;
  /* the finest octave has the largest lattice: one stream span per octave of that size */
  const uint64_t span = alcn_rng_span((size_t)s->max_batch * s->C * (size_t)s->oct[s->n_oct - 1].G *
                                      (size_t)s->oct[s->n_oct - 1].G);
  for (int o = 0; o < s->n_oct; ++o) {
    octave *oc = &s->oct[o];
    alcn_conv_dims d = oc->d;
    d.N = (int)nc;
    ALCN_CHECK(alcn_fill_uniform(s->be, s->grid, nc * (size_t)oc->G * oc->G, s->seed,
                                 (step * PERLIN_MAX_OCTAVES + (uint64_t)o) * span, -1.0f, 1.0f));
    ALCN_CHECK(alcn_conv_forward(s->be, o == 0 ? s->field : s->tmp, s->grid, oc->w, NULL, &d));
    if (o > 0) ALCN_CHECK(alcn_axpby(s->be, s->field, s->tmp, nc * ll, 1.0f, 1.0f));
  }
  if (s->H == s->W) return alcn_copy(s->be, s->noise, s->field, nc * ll * sizeof(float));
  for (size_t i = 0; i < nc; ++i) /* non-square: the top-left H x W of each L x L field */
    for (int y = 0; y < s->H; ++y)
      ALCN_CHECK(alcn_copy(s->be, s->noise + (i * s->H + (size_t)y) * s->W, s->field + i * ll + (size_t)y * s->L,
                           (size_t)s->W * sizeof(float)));
  return ALCN_OK;
}

static alcn_status perlin_corrupt(void *state, const float *x, int n, uint64_t step, float *x_tilde,
                                  float *noise_out) {
  perlin_state *s = state;
  const size_t cnt = (size_t)n * s->D;
  ALCN_CHECK(make_field(s, n, step));
  ALCN_CHECK(alcn_copy(s->be, x_tilde, x, cnt * sizeof(float)));
  ALCN_CHECK(alcn_axpby(s->be, x_tilde, s->noise, cnt, 1.0f, 1.0f));
  if (noise_out) ALCN_CHECK(alcn_copy(s->be, noise_out, s->noise, cnt * sizeof(float)));
  return ALCN_OK;
}

static const alcn_noise_desc perlin_desc = {
    .abi_major = ALCN_ABI_MAJOR, .abi_minor = ALCN_ABI_MINOR, .size = sizeof(alcn_noise_desc),
    .id = "perlin", .label = "Perlin", .options = perlin_options,
    .summary = "smooth structured noise: fractal value-noise blotches (scale, amplitude, octaves) added to the image",
    .create = perlin_create, .corrupt = perlin_corrupt, .destroy = perlin_destroy,
};

ALCN_EXPORT const alcn_noise_desc *alcn_noise_descriptor(uint32_t index) { return index == 0 ? &perlin_desc : NULL; }
