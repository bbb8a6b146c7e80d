/* Noise plugin "adversarial": ARAE-style perturbations (Salehi et al. 2021),
 * FGSM (steps=1) or PGD (steps>1) inside the L-infinity ball of radius eps,
 * ascending the denoiser's loss through its input gradient:
 *
 *   learn(x, step):  delta_0 = random_start ? U(-eps, eps) (Philox at seed, step) : 0
 *                    for k < steps:
 *                      g = dL(x, DAE(x + delta_k)) / dx_tilde    (the denoiser frozen)
 *                      delta_{k+1} = clamp(delta_k + step_size * sign(g), -eps, eps)
 *   corrupt(x, step): x_tilde = x + delta (the delta learn found for this step),
 *                     noise_out = delta                                  (N,C,H,W)
 *
 * ARAE's own attack ascends the distance between the latent codes of x and
 * x + delta; through the SDK a noise sees the denoiser only as
 * loss_and_input_grad, so this one ascends the reconstruction loss (the
 * run's loss, MSE or FFL), the attack the DAE then learns to undo. No pixel
 * range clipping: the data's normalisation is not known here.
 * sign(g) is computed on the backend as clamp(clamp(g * 1e30, -1, 1) * 1e30, -1, 1)
 * (exactly +-1 for every nonzero float, 0 for 0). *loss_host is the loss at
 * the last point the gradient was taken (the clean or randomly started input
 * for FGSM). corrupt for a step learn did not see (Figure 4, the noise
 * gallery, Table 5's with-noise timing) attacks those images with the
 * denoiser of the last learn call, which the plugin keeps: the DAE hands its
 * own, which lives as long as its noise (a host whose denoiser dies earlier
 * must not call corrupt after that); before any learn call the pattern is a
 * random corner of the ball, eps * sign(U(-1, 1)). Deterministic in (seed,
 * step, the denoiser's weights). */
#include <stddef.h>
#include <stdlib.h>

#include "alcn/backend.h"
#include "alcn/options.h"
#include "alcn/plugin.h"
#include "alcn/rng.h"

typedef struct adv_params {
  float eps, step_size;
  int steps, random_start;
} adv_params;

static const alcn_option adv_options[] = {
    {"eps", ALCN_OPT_FLOAT, "0.1", 0.0, 10.0, ALCN_OPT_MIN_OPEN, NULL,
     "L-infinity radius of the perturbation, in the data's normalisation", offsetof(adv_params, eps)},
    {"steps", ALCN_OPT_INT, "1", 1, 100, 0, NULL, "gradient-sign steps: 1 is FGSM, more is PGD",
     offsetof(adv_params, steps)},
    {"step_size", ALCN_OPT_FLOAT, "0", 0.0, 10.0, 0, NULL,
     "size of each step; 0: eps for FGSM, 2.5*eps/steps for PGD (Madry et al.)", offsetof(adv_params, step_size)},
    {"random_start", ALCN_OPT_ENUM, "no", 0, 0, 0, "no|yes", "start from U(-eps, eps) instead of x (PGD's start)",
     offsetof(adv_params, random_start)},
    {NULL, 0, NULL, 0, 0, 0, NULL, NULL, 0},
};

typedef struct adv_state {
  alcn_backend *be;
  size_t D;
  int max_batch;
  adv_params p;
  uint64_t seed;
  float *delta, *g, *xt; /* backend (max_batch, D) */
  uint64_t have_step;    /* the step delta belongs to */
  int have_n;            /* its batch size; 0: none */
  alcn_denoiser dae;     /* the last learn call's denoiser (have_dae) */
  int have_dae;
} adv_state;

static void adv_destroy(void *state) {
  adv_state *s = state;
  if (!s) return;
  alcn_backend_free(s->be, s->delta);
  alcn_backend_free(s->be, s->g);
  alcn_backend_free(s->be, s->xt);
  free(s);
}

static alcn_status adv_create(const alcn_noise_config *cfg, alcn_ctx *ctx, void **out) {
  adv_params p;
  ALCN_CHECK(alcn_options_parse(adv_options, &cfg->opts, "noise adversarial", &p));
  if (p.step_size == 0.0f) p.step_size = p.steps == 1 ? p.eps : 2.5f * p.eps / (float)p.steps;
  adv_state *s = calloc(1, sizeof *s);
  ALCN_CHECK_ALLOC(s, sizeof *s);
  s->be = ctx->be;
  s->D = (size_t)cfg->C * cfg->H * cfg->W;
  s->max_batch = cfg->max_batch;
  s->p = p;
  s->seed = alcn_rng_derive(ctx->seed, 1);
  const size_t bytes = (size_t)s->max_batch * s->D * sizeof(float);
  s->delta = alcn_backend_alloc(s->be, bytes);
  s->g = alcn_backend_alloc(s->be, bytes);
  s->xt = alcn_backend_alloc(s->be, bytes);
  if (!s->delta || !s->g || !s->xt) {
    adv_destroy(s);
    ALCN_FAIL(ALCN_ERR_NOMEM, "noise adversarial: out of %s memory for batch %d (hint: lower --batch)",
              alcn_backend_name(ctx->be), cfg->max_batch);
  }
  *out = s;
  return ALCN_OK;
}

/* v = sign(v) in place (0 stays 0). */
static alcn_status sign_inplace(alcn_backend *be, float *v, size_t n) {
  for (int pass = 0; pass < 2; ++pass) { /* clamped between passes: no inf, so no 0*inf */
    ALCN_CHECK(alcn_axpby(be, v, v, n, 1e30f, 0.0f));
    ALCN_CHECK(alcn_clamp(be, v, v, n, -1.0f, 1.0f));
  }
  return ALCN_OK;
}

static uint64_t rng_offset(const adv_state *s, uint64_t step) {
  return step * alcn_rng_span((size_t)s->max_batch * s->D);
}

/* delta for x (n images) at `step`: FGSM/PGD against the denoiser dae. */
static alcn_status attack(adv_state *s, const float *x, int n, uint64_t step, const alcn_denoiser *dae,
                          float *loss_host) {
  const size_t cnt = (size_t)n * s->D;
  s->have_n = 0;
  if (s->p.random_start)
    ALCN_CHECK(alcn_fill_uniform(s->be, s->delta, cnt, s->seed, rng_offset(s, step), -s->p.eps, s->p.eps));
  else
    ALCN_CHECK(alcn_zero(s->be, s->delta, cnt * sizeof(float)));
  for (int k = 0; k < s->p.steps; ++k) {
    ALCN_CHECK(alcn_copy(s->be, s->xt, x, cnt * sizeof(float)));
    ALCN_CHECK(alcn_axpby(s->be, s->xt, s->delta, cnt, 1.0f, 1.0f));
    /* g = +dL/dx_tilde: the step ascends L */
    ALCN_CHECK(dae->loss_and_input_grad(dae->self, s->xt, x, n, 1.0f, loss_host, s->g));
    ALCN_CHECK(sign_inplace(s->be, s->g, cnt));
    ALCN_CHECK(alcn_axpby(s->be, s->delta, s->g, cnt, s->p.step_size, 1.0f));
    ALCN_CHECK(alcn_clamp(s->be, s->delta, s->delta, cnt, -s->p.eps, s->p.eps));
  }
  s->have_step = step;
  s->have_n = n;
  return ALCN_OK;
}

static alcn_status adv_learn(void *state, const float *x, int n, uint64_t step, const alcn_denoiser *dae,
                             float *loss_host) {
  adv_state *s = state;
  s->dae = *dae; /* kept for corrupt outside training (see the top comment) */
  s->have_dae = 1;
  return attack(s, x, n, step, dae, loss_host);
}

static alcn_status adv_corrupt(void *state, const float *x, int n, uint64_t step, float *x_tilde, float *noise_out) {
  adv_state *s = state;
  const size_t cnt = (size_t)n * s->D;
  const float *delta = s->delta;
  if (!(s->have_n == n && s->have_step == step)) {
    if (s->have_dae) { /* the last learn's denoiser: the attack on these images */
      float loss;
      ALCN_CHECK(attack(s, x, n, step, &s->dae, &loss));
    } else { /* no denoiser yet: a random corner of the ball */
      ALCN_CHECK(alcn_fill_uniform(s->be, s->g, cnt, s->seed, rng_offset(s, step), -1.0f, 1.0f));
      ALCN_CHECK(sign_inplace(s->be, s->g, cnt));
      ALCN_CHECK(alcn_axpby(s->be, s->g, s->g, cnt, s->p.eps, 0.0f));
      delta = s->g;
    }
  }
  ALCN_CHECK(alcn_copy(s->be, x_tilde, x, cnt * sizeof(float)));
  ALCN_CHECK(alcn_axpby(s->be, x_tilde, delta, cnt, 1.0f, 1.0f));
  if (noise_out) ALCN_CHECK(alcn_copy(s->be, noise_out, delta, cnt * sizeof(float)));
  return ALCN_OK;
}

static const alcn_noise_desc adv_desc = {
    .abi_major = ALCN_ABI_MAJOR, .abi_minor = ALCN_ABI_MINOR, .size = sizeof(alcn_noise_desc),
    .id = "adversarial", .label = "Adversarial", .options = adv_options,
    .summary = "ARAE-style FGSM/PGD perturbation in an L-inf ball of radius eps that ascends the denoiser's loss",
    .create = adv_create, .corrupt = adv_corrupt, .learn = adv_learn, .destroy = adv_destroy,
};

ALCN_EXPORT const alcn_noise_desc *alcn_noise_descriptor(uint32_t index) { return index == 0 ? &adv_desc : NULL; }
