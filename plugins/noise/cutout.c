/* Noise plugin "cutout": random rectangles filled with one value (Cutout,
 * DeVries and Taylor 2017, with `count` rectangles of random sides).
 *
 * For training step s and image n, rectangle k has its centre uniform over
 * the image and its sides uniform in [size/2, size] times the image's height
 * and width (at least one pixel); like Cutout, a rectangle may be clipped by
 * the border. Covered pixels of every channel become `fill` (in the data's
 * normalisation: 0 is black for --norm unit):
 *   x_tilde[n,c,h,w] = mask[n,h,w] ? fill : x[n,c,h,w]       (N,C,H,W)
 *   noise_out = x_tilde - x                                    (N,C,H,W)
 * The corners come from the Philox stream at (seed, step), so the result is a
 * function of (seed, step) only, identical on every backend. The mask is
 * drawn on the host (count*4 numbers per image) and uploaded once per batch
 * (N*C*H*W floats; no download, no wait); the replacement runs on the backend
 * (select). */
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "alcn/backend.h"
#include "alcn/options.h"
#include "alcn/plugin.h"
#include "alcn/rng.h"

#define CUTOUT_MAX_COUNT 64

typedef struct cutout_params {
  int count;
  float size, fill;
} cutout_params;

static const alcn_option cutout_options[] = {
    {"count", ALCN_OPT_INT, "1", 1, CUTOUT_MAX_COUNT, 0, NULL, "rectangles per image",
     offsetof(cutout_params, count)},
    {"size", ALCN_OPT_FLOAT, "0.5", 0.0, 1.0, ALCN_OPT_MIN_OPEN, NULL,
     "largest side as a fraction of the image side (sides uniform in [size/2, size])",
     offsetof(cutout_params, size)},
    {"fill", ALCN_OPT_FLOAT, "0", -100.0, 100.0, 0, NULL,
     "value of the covered pixels, in the data's normalisation (0: black for --norm unit)",
     offsetof(cutout_params, fill)},
    {NULL, 0, NULL, 0, 0, 0, NULL, NULL, 0},
};

typedef struct cutout_state {
  alcn_backend *be;
  int C, H, W, max_batch;
  size_t D;            /* C*H*W */
  cutout_params p;
  uint64_t seed;
  float *u;            /* host (max_batch * count * 4): the step's uniforms */
  float *mask_host;    /* host (max_batch, C, H, W) 0/1 */
  float *mask, *fillv; /* backend (max_batch, C, H, W): the mask, the fill value everywhere */
} cutout_state;

static void cutout_destroy(void *state) {
  cutout_state *s = state;
  if (!s) return;
  alcn_backend_free(s->be, s->mask);
  alcn_backend_free(s->be, s->fillv);
  free(s->u);
  free(s->mask_host);
  free(s);
}

static alcn_status cutout_create(const alcn_noise_config *cfg, alcn_ctx *ctx, void **out) {
  cutout_params p;
  ALCN_CHECK(alcn_options_parse(cutout_options, &cfg->opts, "noise cutout", &p));
  cutout_state *s = calloc(1, sizeof *s);
  ALCN_CHECK_ALLOC(s, sizeof *s);
  s->be = ctx->be;
  s->C = cfg->C, s->H = cfg->H, s->W = cfg->W;
  s->max_batch = cfg->max_batch;
  s->D = (size_t)cfg->C * cfg->H * cfg->W;
  s->p = p;
  s->seed = alcn_rng_derive(ctx->seed, 1);
  const size_t all = (size_t)s->max_batch * s->D;
  s->u = malloc((size_t)s->max_batch * CUTOUT_MAX_COUNT * 4 * sizeof(float));
  s->mask_host = malloc(all * sizeof(float));
  s->mask = alcn_backend_alloc(s->be, all * sizeof(float));
  s->fillv = alcn_backend_alloc(s->be, all * sizeof(float));
  alcn_status st = ALCN_OK;
  if (!s->u || !s->mask_host || !s->mask || !s->fillv)
    st = alcn_error_at(__FILE__, __LINE__, ALCN_ERR_NOMEM, "noise cutout: out of memory for batch %d (hint: lower "
                       "--batch)", s->max_batch);
  /* U[fill, fill] is exactly fill */
  if (st == ALCN_OK) st = alcn_fill_uniform(s->be, s->fillv, all, 0, 0, p.fill, p.fill);
  if (st != ALCN_OK) {
    cutout_destroy(s);
    return st;
  }
  *out = s;
  return ALCN_OK;
}

/* [lo, hi) of a side of length len (1..n) centred at u*n, clipped to [0, n). */
static void span_of(float u, int len, int n, int *lo, int *hi) {
  int c = (int)(u * (float)n);
  if (c >= n) c = n - 1;
  int a = c - len / 2, b = a + len;
  *lo = a < 0 ? 0 : a;
  *hi = b > n ? n : b;
}

static int side_of(float u, float size, int n) {
  int len = (int)((0.5f + 0.5f * u) * size * (float)n + 0.5f);
  return len < 1 ? 1 : (len > n ? n : len);
}

/* The step's mask for n images, uploaded to s->mask. */
static alcn_status draw_mask(cutout_state *s, int n, uint64_t step) {
  const int k = s->p.count, H = s->H, W = s->W;
  const size_t hw = (size_t)H * W;
  alcn_rng_uniform(s->u, (size_t)n * k * 4, s->seed, step * alcn_rng_span((size_t)s->max_batch * CUTOUT_MAX_COUNT * 4),
                   0.0f, 1.0f);
  memset(s->mask_host, 0, (size_t)n * s->D * sizeof(float));
  for (int i = 0; i < n; ++i) {
    float *m = s->mask_host + (size_t)i * s->D;
    for (int r = 0; r < k; ++r) {
      const float *u = s->u + ((size_t)i * k + r) * 4; /* centre y, centre x, height, width */
      int y0, y1, x0, x1;
      span_of(u[0], side_of(u[2], s->p.size, H), H, &y0, &y1);
      span_of(u[1], side_of(u[3], s->p.size, W), W, &x0, &x1);
      for (int y = y0; y < y1; ++y)
        for (int x = x0; x < x1; ++x) m[(size_t)y * W + x] = 1.0f;
    }
    for (int c = 1; c < s->C; ++c) memcpy(m + (size_t)c * hw, m, hw * sizeof(float));
  }
  return alcn_upload(s->be, s->mask, s->mask_host, (size_t)n * s->D * sizeof(float));
}

static alcn_status cutout_corrupt(void *state, const float *x, int n, uint64_t step, float *x_tilde,
                                  float *noise_out) {
  cutout_state *s = state;
  const size_t cnt = (size_t)n * s->D;
  ALCN_CHECK(draw_mask(s, n, step));
  ALCN_CHECK(alcn_select(s->be, x_tilde, s->mask, s->fillv, x, cnt));
  if (noise_out) {
    ALCN_CHECK(alcn_copy(s->be, noise_out, x_tilde, cnt * sizeof(float)));
    ALCN_CHECK(alcn_axpby(s->be, noise_out, x, cnt, -1.0f, 1.0f));
  }
  return ALCN_OK;
}

static const alcn_noise_desc cutout_desc = {
    .abi_major = ALCN_ABI_MAJOR, .abi_minor = ALCN_ABI_MINOR, .size = sizeof(alcn_noise_desc),
    .id = "cutout", .label = "Cutout", .options = cutout_options,
    .summary = "random rectangles (count, sides up to size x the image side) filled with one value",
    .create = cutout_create, .corrupt = cutout_corrupt, .destroy = cutout_destroy,
};

ALCN_EXPORT const alcn_noise_desc *alcn_noise_descriptor(uint32_t index) { return index == 0 ? &cutout_desc : NULL; }
