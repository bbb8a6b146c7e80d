/* Noise plugin "mask": OLED-style learned adversarial masks (Jewell et al.
 * 2022). A small mask generator M sees the clean image and proposes where to
 * hide it; masked pixels are replaced by `fill`:
 *
 *   p       = M(x) = sigmoid(Conv(w,C,5,p2)(ReLU(Conv(w,w,5,p2)(ReLU(Conv(C,w,5,p2)(x))))))
 *                                                                       (N,C,H,W) in (0,1)
 *   m       = p > u, u ~ U(0,1) per pixel from the Philox stream at (seed, step)
 *             (sampling=bernoulli), or p > 0.5 (sampling=threshold)     (N,C,H,W) 0/1
 *   x_tilde = m ? fill : x;  noise_out = x_tilde - x                    (N,C,H,W)
 *
 * learn (the denoiser frozen; the same u as corrupt of that step): M takes
 * an Adam step that ASCENDS L(x, DAE(x_tilde)) under the area budget, the
 * discrete mask passing its gradient straight through to p (straight-through
 * estimator, dm/dp := 1):
 *   g[n,i]  = d(-L)/dm = d(-L)/dx_tilde * (fill - x), scaled per image to rms
 *             1/(N*D), so that the budget's weight does not depend on the
 *             loss's scale (MSE, FFL) or on how well the denoiser already does;
 *   + the gradient of penalty/(2 area) * mean_n (area_n - area)^2, with
 *     area_n = mean_i m[n,i]: penalty (area_n - area) / (area N D) on every
 *     pixel of image n (below=free: only where area_n > area).
 * Why these choices (Fashion-MNIST, p2, class 0, 1000 images, batch 128):
 * a plain hinge above the budget let the mask collapse to nothing once the
 * DAE inpainted well; a fixed 0.5 threshold made the near-uniform early p
 * switch the whole mask on and off (Bernoulli sampling makes the expected
 * area mean(p), a smooth control); Adam's beta1 = 0.9 made the area swing
 * 0.12..0.40 around a 0.25 budget for 50 steps, beta1 = 0.5 (the default
 * here) keeps it mostly within 0.25 +- 0.06 after 10 steps.
 * Per step the N per-image rms and areas are downloaded (the step already
 * waits for the loss); everything else stays on the backend.
 * OLED's mask module is a larger encoder-decoder; this one is a small
 * same-size conv net (width option). Deterministic in (seed, step, weights). */
#include <math.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "alcn/net.h"
#include "alcn/options.h"
#include "alcn/plugin.h"
#include "alcn/rng.h"

typedef struct mask_params {
  float area, penalty, lr, beta1, fill;
  int width, below, sampling;
} mask_params;

static const alcn_option mask_options[] = {
    {"area", ALCN_OPT_FLOAT, "0.25", 0.0, 1.0, ALCN_OPT_MIN_OPEN, NULL,
     "mask-area budget: the fraction of each image's pixels to mask", offsetof(mask_params, area)},
    {"penalty", ALCN_OPT_FLOAT, "4", 0.0, 1e6, 0, NULL,
     "weight of the quadratic area penalty against the (unit-scaled) loss ascent", offsetof(mask_params, penalty)},
    {"lr", ALCN_OPT_FLOAT, "1e-2", 0.0, 10.0, ALCN_OPT_MIN_OPEN, NULL, "Adam learning rate of the mask generator",
     offsetof(mask_params, lr)},
    {"beta1", ALCN_OPT_FLOAT, "0.5", 0.0, 1.0, ALCN_OPT_MAX_OPEN, NULL,
     "Adam beta1 of the mask generator (0.9 makes the mask area swing around the budget)",
     offsetof(mask_params, beta1)},
    {"fill", ALCN_OPT_FLOAT, "0", -100.0, 100.0, 0, NULL,
     "value of the masked pixels, in the data's normalisation (0: black for --norm unit)",
     offsetof(mask_params, fill)},
    {"below", ALCN_OPT_ENUM, "target", 0, 0, 0, "free|target",
     "below the budget: free (only the ascent acts) or target (the penalty pulls the area up to it too)",
     offsetof(mask_params, below)},
    {"sampling", ALCN_OPT_ENUM, "bernoulli", 0, 0, 0, "bernoulli|threshold",
     "0/1 mask from p: bernoulli (m = p > u, u ~ U(0,1) per pixel and step) or threshold (p > 0.5)",
     offsetof(mask_params, sampling)},
    {"width", ALCN_OPT_INT, "16", 1, 256, 0, NULL, "channels of the generator's two hidden conv layers",
     offsetof(mask_params, width)},
    {NULL, 0, NULL, 0, 0, 0, NULL, NULL, 0},
};

typedef struct mask_state {
  alcn_backend *be;
  alcn_net *gen;
  size_t D;               /* C*H*W */
  int max_batch;
  mask_params p;
  alcn_adam_hparams adam;
  uint64_t seed;          /* Bernoulli draws */
  /* backend (max_batch, D) */
  float *ones, *zeros, *fillv, *m, *xt, *dxt, *tmp;
  float *coef;            /* backend (max_batch): 1 - penalty gradient per image, for alcn_blend */
  float *area_dev;        /* backend (max_batch) */
  float *area_host, *coef_host; /* host (max_batch) */
} mask_state;

static void mask_destroy(void *state) {
  mask_state *s = state;
  if (!s) return;
  float *bufs[] = {s->ones, s->zeros, s->fillv, s->m, s->xt, s->dxt, s->tmp, s->coef, s->area_dev};
  for (size_t i = 0; i < sizeof bufs / sizeof *bufs; ++i) alcn_backend_free(s->be, bufs[i]);
  free(s->area_host);
  free(s->coef_host);
  alcn_net_destroy(s->gen);
  free(s);
}

static alcn_status build_gen(mask_state *s, int C, int H, int W, int width) {
  ALCN_CHECK(alcn_net_create(&s->gen, s->be, "mask generator", C, H, W));
  ALCN_CHECK(alcn_net_conv(s->gen, width, 5, 1, 2, 1));
  ALCN_CHECK(alcn_net_act(s->gen, ALCN_ACT_RELU, 0.0f));
  ALCN_CHECK(alcn_net_conv(s->gen, width, 5, 1, 2, 1));
  ALCN_CHECK(alcn_net_act(s->gen, ALCN_ACT_RELU, 0.0f));
  ALCN_CHECK(alcn_net_conv(s->gen, C, 5, 1, 2, 1));
  return alcn_net_act(s->gen, ALCN_ACT_SIGMOID, 0.0f);
}

static alcn_status mask_create(const alcn_noise_config *cfg, alcn_ctx *ctx, void **out) {
  mask_params p;
  ALCN_CHECK(alcn_options_parse(mask_options, &cfg->opts, "noise mask", &p));
  mask_state *s = calloc(1, sizeof *s);
  ALCN_CHECK_ALLOC(s, sizeof *s);
  s->be = ctx->be;
  s->D = (size_t)cfg->C * cfg->H * cfg->W;
  s->max_batch = cfg->max_batch;
  s->p = p;
  s->adam = (alcn_adam_hparams){p.lr, p.beta1, 0.999f, 1e-8f, 0.0f};
  s->seed = alcn_rng_derive(ctx->seed, 2);
  alcn_status st;
  ALCN_CHECK_GOTO(st, build_gen(s, cfg->C, cfg->H, cfg->W, p.width), fail);
  ALCN_CHECK_GOTO(st, alcn_net_finalize(s->gen, s->max_batch, alcn_rng_derive(ctx->seed, 1), ALCN_INIT_TORCH), fail);
  const size_t all = (size_t)s->max_batch * s->D, bytes = all * sizeof(float);
  float **big[] = {&s->ones, &s->zeros, &s->fillv, &s->m, &s->xt, &s->dxt, &s->tmp};
  int ok = 1;
  for (size_t i = 0; i < sizeof big / sizeof *big; ++i) ok &= (*big[i] = alcn_backend_alloc(s->be, bytes)) != NULL;
  ok &= (s->coef = alcn_backend_alloc(s->be, (size_t)s->max_batch * sizeof(float))) != NULL;
  ok &= (s->area_dev = alcn_backend_alloc(s->be, (size_t)s->max_batch * sizeof(float))) != NULL;
  ok &= (s->area_host = malloc((size_t)s->max_batch * sizeof(float))) != NULL;
  ok &= (s->coef_host = malloc((size_t)s->max_batch * sizeof(float))) != NULL;
  if (!ok) {
    st = alcn_error_at(__FILE__, __LINE__, ALCN_ERR_NOMEM, "noise mask: out of %s memory for batch %d (hint: lower "
                       "--batch)", alcn_backend_name(s->be), s->max_batch);
    goto fail;
  }
  /* U[v, v] is exactly v */
  ALCN_CHECK_GOTO(st, alcn_fill_uniform(s->be, s->ones, all, 0, 0, 1.0f, 1.0f), fail);
  ALCN_CHECK_GOTO(st, alcn_zero(s->be, s->zeros, bytes), fail);
  ALCN_CHECK_GOTO(st, alcn_fill_uniform(s->be, s->fillv, all, 0, 0, p.fill, p.fill), fail);
  *out = s;
  return ALCN_OK;
fail:
  mask_destroy(s);
  return st;
}

/* s->m = the step's 0/1 mask from p = M(x) (Bernoulli: p > u, u ~ U(0,1) from
 * the Philox stream at (seed, step); threshold: p > 0.5) and
 * x_tilde = m ? fill : x, for n images. */
static alcn_status masked(mask_state *s, const float *x, int n, uint64_t step, int train, float *x_tilde) {
  const size_t cnt = (size_t)n * s->D;
  const float *prob;
  ALCN_CHECK(alcn_net_forward(s->gen, x, n, train, &prob));
  if (s->p.sampling == 0) { /* select(v, ...) tests v > 0.5: v = p - (u - 0.5) */
    ALCN_CHECK(alcn_fill_uniform(s->be, s->m, cnt, s->seed, step * alcn_rng_span((size_t)s->max_batch * s->D),
                                 -0.5f, 0.5f));
    ALCN_CHECK(alcn_axpby(s->be, s->m, prob, cnt, 1.0f, -1.0f));
    ALCN_CHECK(alcn_select(s->be, s->m, s->m, s->ones, s->zeros, cnt));
  } else {
    ALCN_CHECK(alcn_select(s->be, s->m, prob, s->ones, s->zeros, cnt));
  }
  return alcn_select(s->be, x_tilde, s->m, s->fillv, x, cnt);
}

static alcn_status mask_learn(void *state, const float *x, int n, uint64_t step, const alcn_denoiser *dae,
                              float *loss_host) {
  mask_state *s = state;
  const size_t cnt = (size_t)n * s->D;
  ALCN_CHECK(masked(s, x, n, step, 1, s->xt));
  /* dxt = d(-L)/dx_tilde: Adam then ascends L */
  ALCN_CHECK(dae->loss_and_input_grad(dae->self, s->xt, x, n, -1.0f, loss_host, s->dxt));
  /* d(-L)/dm = dxt * (fill - x), straight through to p */
  ALCN_CHECK(alcn_copy(s->be, s->tmp, s->fillv, cnt * sizeof(float)));
  ALCN_CHECK(alcn_axpby(s->be, s->tmp, x, cnt, -1.0f, 1.0f));
  ALCN_CHECK(alcn_mul(s->be, s->dxt, s->dxt, s->tmp, cnt));
  /* per image n: rms_n^2 of that gradient and area_n = mean m^2 = mean m (two downloads of N floats) */
  ALCN_CHECK(alcn_sq_err_per_image(s->be, s->area_dev, s->dxt, s->zeros, n, (int)s->D));
  ALCN_CHECK(alcn_download(s->be, s->coef_host, s->area_dev, (size_t)n * sizeof(float)));
  ALCN_CHECK(alcn_sq_err_per_image(s->be, s->area_dev, s->m, s->zeros, n, (int)s->D));
  ALCN_CHECK(alcn_download(s->be, s->area_host, s->area_dev, (size_t)n * sizeof(float)));
  /* scale each image's ascent gradient to rms 1/(N*D) (whatever the loss's
     scale): dxt = a_n * dxt + (1 - a_n) * 0 with a_n = 1/(rms_n N D) (blend) */
  const double nd = (double)n * (double)s->D;
  int over = 0;
  for (int i = 0; i < n; ++i) {
    const double rms = sqrt((double)s->coef_host[i]);
    s->coef_host[i] = rms > 0.0 ? (float)(1.0 / (rms * nd)) : 0.0f;
    over += s->p.penalty > 0.0f && (s->area_host[i] > s->p.area || (s->p.below && s->area_host[i] < s->p.area));
  }
  ALCN_CHECK(alcn_upload(s->be, s->coef, s->coef_host, (size_t)n * sizeof(float)));
  ALCN_CHECK(alcn_blend(s->be, s->dxt, s->dxt, s->zeros, s->coef, n, (int)s->D));
  if (over) {
    /* the penalty's c_n = penalty (area_n - area) / (area N D) per image:
       tmp = a_n * 0 + (1 - a_n) * 1 with a_n = 1 - c_n */
    for (int i = 0; i < n; ++i) {
      const double a = s->area_host[i], c = (double)s->p.penalty * (a - s->p.area) / s->p.area / nd;
      s->coef_host[i] = (float)(a > s->p.area || s->p.below ? 1.0 - c : 1.0);
    }
    ALCN_CHECK(alcn_upload(s->be, s->coef, s->coef_host, (size_t)n * sizeof(float)));
    ALCN_CHECK(alcn_blend(s->be, s->tmp, s->zeros, s->ones, s->coef, n, (int)s->D));
    ALCN_CHECK(alcn_axpby(s->be, s->dxt, s->tmp, cnt, 1.0f, 1.0f));
  }
  ALCN_CHECK(alcn_net_zero_grad(s->gen));
  ALCN_CHECK(alcn_net_backward(s->gen, s->dxt, NULL));
  return alcn_net_adam_step(s->gen, &s->adam);
}

static alcn_status mask_corrupt(void *state, const float *x, int n, uint64_t step, float *x_tilde, float *noise_out) {
  mask_state *s = state;
  const size_t cnt = (size_t)n * s->D;
  ALCN_CHECK(masked(s, x, n, step, 0, x_tilde));
  if (noise_out) {
    ALCN_CHECK(alcn_copy(s->be, noise_out, x_tilde, cnt * sizeof(float)));
    ALCN_CHECK(alcn_axpby(s->be, noise_out, x, cnt, -1.0f, 1.0f));
  }
  return ALCN_OK;
}

static size_t mask_param_count(void *state) { return alcn_net_param_count(((mask_state *)state)->gen); }
static alcn_status mask_save(void *state, FILE *f) { return alcn_net_save(((mask_state *)state)->gen, f); }
static alcn_status mask_load(void *state, FILE *f, const char *path) {
  return alcn_net_load(((mask_state *)state)->gen, f, path);
}

static const alcn_noise_desc mask_desc = {
    .abi_major = ALCN_ABI_MAJOR, .abi_minor = ALCN_ABI_MINOR, .size = sizeof(alcn_noise_desc),
    .id = "mask", .label = "Mask", .options = mask_options,
    .summary = "OLED-style learned adversarial 0/1 masks (straight-through), area budget, filled with one value",
    .create = mask_create, .corrupt = mask_corrupt, .learn = mask_learn, .param_count = mask_param_count,
    .save = mask_save, .load = mask_load, .destroy = mask_destroy,
};

ALCN_EXPORT const alcn_noise_desc *alcn_noise_descriptor(uint32_t index) { return index == 0 ? &mask_desc : NULL; }
