/* Method plugin "vae": a convolutional variational autoencoder (Kingma and
 * Welling 2014) at the DAE's scale (vae_nets.h: encoder, decoder, the
 * strided variant for 64-256 px).
 *
 * One training step on batch x (n images of D = C*H*W values):
 *   (mu, logvar) = Enc(x)                               (N, 2L)
 *   eps ~ N(0,1) (N,L), the backend's normal fill from a stream of the cell's
 *     seed at offset step * span(max_batch*L): deterministic in (seed, step)
 *   z = mu + eps * exp(logvar/2);  x_hat = Dec(z)
 *   J = L_rec(x_hat, x) + beta * sum_n KL_n / (n * D)
 * with KL_n = 0.5 sum_l (mu^2 + sigma^2 - 1 - log sigma^2), i.e. the
 * negative ELBO per image divided by D. With recon_loss=mse, L_rec is the mean
 * squared error, so n*D*J = sum_n (||x_n - x_hat_n||^2 + beta KL_n): a
 * Gaussian decoder of variance 1/2 (constants dropped); beta = 1 is the ELBO,
 * beta != 1 the beta-VAE weighting. recon_loss=run uses the run's --loss
 * (FFL or MSE) as the DAE does. Both networks take one Adam step.
 * stats: loss = J, aux_loss = the mean KL per image.
 *
 * Scores (eval, z = mu, no sampling: deterministic):
 *   score=recon (default): mean over D of (Dec(mu) - x)^2, the reconstruction error;
 *   score=elbo: that plus beta * KL_n / D, the negative ELBO per pixel at the
 *     posterior mean (a one-point estimate of its reconstruction term).
 * Reconstruction (Figure 4): Dec(mu). Per-pixel maps: (Dec(mu) - x)^2
 * averaged over channels. */
#include <math.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "alcn/backend.h"
#include "alcn/models.h"
#include "alcn/options.h"
#include "alcn/plugin.h"
#include "alcn/rng.h"
#include "vae_nets.h"

#define VAE_OWNER "method vae"

enum { VAE_SCORE_RECON = 0, VAE_SCORE_ELBO = 1 };
enum { VAE_REC_MSE = 0, VAE_REC_RUN = 1 };
/* Seed streams of ctx->seed. */
enum { VAE_SEED_ENC = 1, VAE_SEED_DEC = 2, VAE_SEED_EPS = 3 };

typedef struct vae_params {
  float lr, beta1, beta2, weight_decay, beta;
  int zdim, arch, score, recon;
} vae_params;

#define VP(f) offsetof(vae_params, f)
static const alcn_option vae_options[] = {
    {"lr", ALCN_OPT_FLOAT, "1e-3", 0.0, 10.0, ALCN_OPT_MIN_OPEN, NULL, "Adam learning rate", VP(lr)},
    {"beta1", ALCN_OPT_FLOAT, "0.9", 0.0, 1.0, ALCN_OPT_MAX_OPEN, NULL, "Adam beta1", VP(beta1)},
    {"beta2", ALCN_OPT_FLOAT, "0.999", 0.0, 1.0, ALCN_OPT_MAX_OPEN, NULL, "Adam beta2", VP(beta2)},
    {"weight_decay", ALCN_OPT_FLOAT, "0", 0.0, 10.0, 0, NULL, "Adam L2 weight decay (PyTorch's)", VP(weight_decay)},
    {"zdim", ALCN_OPT_INT, "32", 1, 4096, 0, NULL, "latent size L", VP(zdim)},
    {"beta", ALCN_OPT_FLOAT, "1", 0.0, 1e4, 0, NULL, "weight of the KL term (1: the ELBO; else beta-VAE)", VP(beta)},
    {"score", ALCN_OPT_ENUM, "recon", 0, 0, 0, "recon|elbo",
     "anomaly score: reconstruction error of Dec(mu), or the negative ELBO per pixel", VP(score)},
    {"recon_loss", ALCN_OPT_ENUM, "mse", 0, 0, 0, "mse|run",
     "reconstruction term of the training loss: squared error (Gaussian ELBO) or the run's --loss", VP(recon)},
    {"arch", ALCN_OPT_ENUM, "auto", 0, 0, 0, ALCN_MODEL_ARCH_CHOICES,
     "network: the DAE-scale one (<= 32 px) or the strided variant (64-256 px); auto picks by size", VP(arch)},
    {NULL, 0, NULL, 0, 0, 0, NULL, NULL, 0},
};
#undef VP

typedef struct vae_state {
  alcn_ctx ctx;
  alcn_backend *be;
  alcn_net *enc, *dec;
  int C, H, W, L, max_batch, score_mode;
  size_t D;
  float beta;
  alcn_loss_cfg rec;
  alcn_adam_hparams adam;
  uint64_t eps_seed;
  /* backend scratch for max_batch: eps, z, dz (N,L); dml (N,2L); zeros (N,L);
   * kl (N); dpred, err (N,D); loss (1) */
  float *eps, *z, *dz, *dml, *zeros, *kl, *dpred, *err, *loss_dev;
  float *kl_host; /* (max_batch) */
} vae_state;

static void vae_destroy(void *state) {
  vae_state *s = state;
  if (!s) return;
  float *bufs[] = {s->eps, s->z, s->dz, s->dml, s->zeros, s->kl, s->dpred, s->err, s->loss_dev};
  for (size_t i = 0; i < sizeof bufs / sizeof bufs[0]; ++i) alcn_backend_free(s->be, bufs[i]);
  free(s->kl_host);
  alcn_net_destroy(s->enc);
  alcn_net_destroy(s->dec);
  free(s);
}

static alcn_status alloc_buffers(vae_state *s) {
  const size_t B = (size_t)s->max_batch, L = (size_t)s->L, f = sizeof(float);
  s->eps = alcn_backend_alloc(s->be, B * L * f);
  s->z = alcn_backend_alloc(s->be, B * L * f);
  s->dz = alcn_backend_alloc(s->be, B * L * f);
  s->zeros = alcn_backend_alloc(s->be, B * L * f);
  s->dml = alcn_backend_alloc(s->be, 2 * B * L * f);
  s->kl = alcn_backend_alloc(s->be, B * f);
  s->dpred = alcn_backend_alloc(s->be, B * s->D * f);
  s->err = alcn_backend_alloc(s->be, B * s->D * f);
  s->loss_dev = alcn_backend_alloc(s->be, f);
  s->kl_host = malloc(B * f);
  if (!s->eps || !s->z || !s->dz || !s->zeros || !s->dml || !s->kl || !s->dpred || !s->err || !s->loss_dev ||
      !s->kl_host)
    ALCN_FAIL(ALCN_ERR_NOMEM, VAE_OWNER ": out of %s memory for the buffers of batch %d (hint: lower --batch)",
              alcn_backend_name(s->be), s->max_batch);
  return alcn_zero(s->be, s->zeros, B * L * f);
}

static alcn_status vae_create(const alcn_method_config *cfg, alcn_ctx *ctx, void **out) {
  *out = NULL;
  if (cfg->noise)
    ALCN_FAIL(ALCN_ERR_ARG, VAE_OWNER ": takes no noise plugin, got '%s' (hint: --noise none)",
              cfg->noise->id ? cfg->noise->id : "?");
  if (cfg->max_batch <= 0) ALCN_FAIL(ALCN_ERR_ARG, VAE_OWNER ": max_batch %d", cfg->max_batch);
  vae_params p;
  ALCN_CHECK(alcn_options_parse(vae_options, &cfg->opts, VAE_OWNER, &p));
  vae_state *s = calloc(1, sizeof *s);
  ALCN_CHECK_ALLOC(s, sizeof *s);
  s->ctx = *ctx;
  s->be = ctx->be;
  s->C = cfg->C; s->H = cfg->H; s->W = cfg->W;
  s->D = (size_t)cfg->C * cfg->H * cfg->W;
  s->L = p.zdim;
  s->max_batch = cfg->max_batch;
  s->beta = p.beta;
  s->score_mode = p.score;
  s->rec = p.recon == VAE_REC_RUN ? cfg->loss : (alcn_loss_cfg){ALCN_LOSS_MSE, 1.0f};
  s->adam = (alcn_adam_hparams){p.lr, p.beta1, p.beta2, 1e-8f, p.weight_decay};
  s->eps_seed = alcn_rng_derive(ctx->seed, VAE_SEED_EPS);
  const char *arch = alcn_model_arch_name(p.arch);
  alcn_status st;
  ALCN_CHECK_GOTO(st, vae_build_encoder(&s->enc, s->be, s->C, s->H, s->W, s->L, arch), fail);
  ALCN_CHECK_GOTO(st, vae_build_decoder(&s->dec, s->be, s->C, s->H, s->W, s->L, arch), fail);
  ALCN_CHECK_GOTO(st, alcn_net_finalize(s->enc, s->max_batch, alcn_rng_derive(ctx->seed, VAE_SEED_ENC),
                                        ALCN_INIT_TORCH), fail);
  ALCN_CHECK_GOTO(st, alcn_net_finalize(s->dec, s->max_batch, alcn_rng_derive(ctx->seed, VAE_SEED_DEC),
                                        ALCN_INIT_TORCH), fail);
  ALCN_CHECK_GOTO(st, alloc_buffers(s), fail);
  *out = s;
  return ALCN_OK;
fail:
  vae_destroy(s);
  return st;
}

static alcn_status vae_train_step(void *state, const float *x, int n, uint64_t step, alcn_step_stats *stats) {
  vae_state *s = state;
  const float *ml, *y;
  const size_t nL = (size_t)n * s->L;
  ALCN_CHECK(alcn_net_forward(s->enc, x, n, ALCN_NET_TRAIN, &ml));
  ALCN_CHECK(alcn_fill_normal(s->be, s->eps, nL, s->eps_seed,
                              step * alcn_rng_span((size_t)s->max_batch * (size_t)s->L), 0.0f, 1.0f));
  ALCN_CHECK(alcn_vae_sample(s->be, s->z, s->kl, ml, s->eps, n, s->L));
  ALCN_CHECK(alcn_net_forward(s->dec, s->z, n, ALCN_NET_TRAIN, &y));
  ALCN_CHECK(alcn_loss(s->be, &s->rec, s->loss_dev, s->dpred, y, x, n, s->C, s->H, s->W, 1.0f));
  ALCN_CHECK(alcn_net_zero_grad(s->enc));
  ALCN_CHECK(alcn_net_zero_grad(s->dec));
  ALCN_CHECK(alcn_net_backward(s->dec, s->dpred, s->dz));
  const float kl_scale = s->beta / ((float)n * (float)s->D);
  ALCN_CHECK(alcn_vae_sample_backward(s->be, s->dml, s->dz, ml, s->eps, n, s->L, kl_scale));
  ALCN_CHECK(alcn_net_backward(s->enc, s->dml, NULL));
  ALCN_CHECK(alcn_net_adam_step(s->enc, &s->adam));
  ALCN_CHECK(alcn_net_adam_step(s->dec, &s->adam));
  float rec;
  ALCN_CHECK(alcn_download(s->be, &rec, s->loss_dev, sizeof rec));
  ALCN_CHECK(alcn_download(s->be, s->kl_host, s->kl, (size_t)n * sizeof(float)));
  double kl = 0.0;
  for (int i = 0; i < n; ++i) kl += s->kl_host[i];
  stats->loss = (double)rec + (double)s->beta * kl / ((double)n * (double)s->D);
  stats->aux_loss = kl / n;
  stats->has_aux = 1;
  stats->events = 0;
  return ALCN_OK;
}

/* Eval forward at the posterior mean: *ml (encoder-owned), s->z = mu, *y = Dec(mu). */
static alcn_status forward_mean(vae_state *s, const float *x, int n, const float **ml, const float **y) {
  ALCN_CHECK(alcn_net_forward(s->enc, x, n, ALCN_NET_EVAL, ml));
  ALCN_CHECK(alcn_vae_sample(s->be, s->z, NULL, *ml, s->zeros, n, s->L)); /* z = mu + 0 * sigma */
  return alcn_net_forward(s->dec, s->z, n, ALCN_NET_EVAL, y);
}

static alcn_status vae_score(void *state, const float *x, int n, float *scores) {
  vae_state *s = state;
  const float *ml, *y;
  ALCN_CHECK(forward_mean(s, x, n, &ml, &y));
  ALCN_CHECK(alcn_sq_err_per_image(s->be, scores, y, x, n, (int)s->D));
  if (s->score_mode == VAE_SCORE_ELBO) {
    ALCN_CHECK(alcn_vae_sample(s->be, NULL, s->kl, ml, NULL, n, s->L));
    ALCN_CHECK(alcn_axpby(s->be, scores, s->kl, (size_t)n, s->beta / (float)s->D, 1.0f));
  }
  return ALCN_OK;
}

static alcn_status vae_reconstruct(void *state, const float *x, int n, float *out) {
  vae_state *s = state;
  const float *ml, *y;
  ALCN_CHECK(forward_mean(s, x, n, &ml, &y));
  return alcn_copy(s->be, out, y, (size_t)n * s->D * sizeof(float));
}

/* maps[n,h,w] = mean over channels of (Dec(mu) - x)^2. */
static alcn_status vae_score_maps(void *state, const float *x, int n, float *maps) {
  vae_state *s = state;
  const float *ml, *y;
  const size_t hw = (size_t)s->H * s->W, cnt = (size_t)n * s->D;
  ALCN_CHECK(forward_mean(s, x, n, &ml, &y));
  ALCN_CHECK(alcn_copy(s->be, s->err, y, cnt * sizeof(float)));
  ALCN_CHECK(alcn_axpby(s->be, s->err, x, cnt, -1.0f, 1.0f));
  ALCN_CHECK(alcn_mul(s->be, s->err, s->err, s->err, cnt));
  for (int i = 0; i < n; ++i) {
    float *m = maps + (size_t)i * hw;
    const float *e = s->err + (size_t)i * s->D;
    ALCN_CHECK(alcn_copy(s->be, m, e, hw * sizeof(float)));
    for (int c = 1; c < s->C; ++c) ALCN_CHECK(alcn_axpby(s->be, m, e + (size_t)c * hw, hw, 1.0f, 1.0f));
    if (s->C > 1) ALCN_CHECK(alcn_axpby(s->be, m, m, hw, 0.0f, 1.0f / (float)s->C));
  }
  return ALCN_OK;
}

static size_t vae_param_count(void *state, size_t *noise_params) {
  vae_state *s = state;
  if (noise_params) *noise_params = 0;
  return alcn_net_param_count(s->enc) + alcn_net_param_count(s->dec);
}

static alcn_status vae_save(void *state, FILE *f) {
  vae_state *s = state;
  ALCN_CHECK(alcn_net_save(s->enc, f));
  return alcn_net_save(s->dec, f);
}

static alcn_status vae_load(void *state, FILE *f, const char *path) {
  vae_state *s = state;
  ALCN_CHECK(alcn_net_load(s->enc, f, path));
  return alcn_net_load(s->dec, f, path);
}

static const alcn_method_desc vae_desc = {
    .abi_major = ALCN_ABI_MAJOR,
    .abi_minor = ALCN_ABI_MINOR,
    .size = sizeof(alcn_method_desc),
    .id = "vae",
    .label = "VAE",
    .summary = "convolutional VAE (Kingma & Welling 2014) at the DAE's scale, ELBO training; score = reconstruction "
               "error of Dec(mu) (score=elbo: negative ELBO)",
    .options = vae_options,
    .hosts_noise = 0,
    .create = vae_create,
    .train_step = vae_train_step,
    .score = vae_score,
    .param_count = vae_param_count,
    .destroy = vae_destroy,
    .reconstruct = vae_reconstruct,
    .save = vae_save,
    .load = vae_load,
    .score_maps = vae_score_maps,
};

ALCN_EXPORT const alcn_method_desc *alcn_method_descriptor(uint32_t index) { return index == 0 ? &vae_desc : NULL; }
