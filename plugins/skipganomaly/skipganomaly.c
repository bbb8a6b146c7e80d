/* Method plugin "skipganomaly": Skip-GANomaly (Akcay, Atapour-Abarghouei and
 * Breckon 2019, IJCNN), following the official code
 * (github.com/samet-akcay/skip-ganomaly, lib/models/skipganomaly.py and
 * lib/models/networks.py), written once against the backend and the network
 * helper.
 *
 * Generator G: the official U-Net (UnetGenerator, norm=batch, no dropout)
 * with skip connections by channel concatenation (skip_unet.h: layers, the
 * in-place LeakyReLU quirk the skips carry, odd sizes). Discriminator D: the
 * official BasicDiscriminator = GANomaly's DCGAN encoder trunk with a final
 * conv to nz features D_f(x) (nz,1,1) (ganomaly_nets.h, ndf), then
 * Conv(nz, 1, 3, 1, 1) to one logit (Sigmoid folded into BCE with logits).
 *
 * One training step on batch x, as the official optimize_params():
 *   x_hat = G(x [+ noise])
 *   L_G = w_adv BCE(D(x_hat), 1)                        adversarial (1)
 *       + w_con mean |x - x_hat|                         contextual L1 (40)
 *       + w_lat mean (D_f(x) - D_f(x_hat))^2             latent = feature matching (1)
 *   L_D = BCE(D(x), 1) + BCE(D(x_hat.detach()), 0) + w_lat mean (D_f(x) - D_f(x_hat))^2
 * G and D each take one Adam step (lr 2e-4, beta1 0.5, beta2 0.999), both
 * from the gradients at the step's starting weights (the official D step
 * sees only the old x_hat, so this equals its G-then-D order); D is
 * re-initialised when L_D < 1e-5 (stats->events counts it). Note the
 * issue's wording "adversarial (feature matching)": in the official code
 * the feature matching on D's features is the *latent* loss, and the
 * adversarial loss is the non-saturating BCE(D(x_hat), 1); we follow the code.
 *
 * Score (official test()): 0.9 * mean (x - x_hat)^2 + 0.1 * mean (D_f(x) - D_f(x_hat))^2
 * per image (`lambda` = 0.9), BatchNorm with its running statistics
 * (bn_score=running) or, as the official code (never in eval mode), each
 * test batch's own statistics (bn_score=batch). The running variances start
 * at 1 and keep 0.9^k of it after k steps, far above the ~1e-3 variances of
 * DCGAN-initialised convolutions: after short runs (tens of steps) eval-mode
 * reconstructions are noise and bn_score=batch scores better.
 * Reconstruction (Figure 4): x_hat. score_maps: the squared reconstruction
 * error averaged over channels.
 *
 * Differences from the official code (also in README.md):
 *  - output: linear by default (output=linear): the data are standardised,
 *    the official Tanh (output=tanh) would clip the targets;
 *  - w_con 40 (the paper, the issue); the official options.py default is 50;
 *  - input noise: the official forward_g adds self.noise, a torch.empty
 *    buffer that set_input(noise=False) never fills (uninitialised memory,
 *    and 3 channels, so 1-channel data fail there); we add none by default,
 *    noise_std > 0 adds N(0, noise_std^2) per step (its evident intent);
 *  - image sizes: the official needs a power of two >= 32 (log2(isize)
 *    U-Net levels, isize % 16 == 0 in D); 28 px runs natively here
 *    (U-Net 28-14-7-3-1 with output padding, D 28-14-7 with a 7x7 final
 *    conv); --image-size 32 gives the official geometry and parameter count;
 *  - D's BatchNorm running statistics move three times per step as in the
 *    official (it runs D on x, x_hat, x_hat again), in the order x_hat, x,
 *    x_hat (the feature-matching gradients need both feature sets);
 *  - the official scales scores to [0,1] over the test set (min-max, no
 *    effect on AUROC) and keeps the epoch with the best *test* AUC; we
 *    report raw scores and the last epoch (no model selection on the test set);
 *  - BCE on logits instead of Sigmoid + BCELoss (same value, stable).
 * The learning-rate schedule of the official code is never applied
 * (update_learning_rate is nested inside test() after its return): constant
 * lr, as here. The paper writes the score with ||x - x_hat||_1 and
 * ||f(x) - f(x_hat)||_2; the code (followed here) uses mean squared errors.
 *
 * Sizes: square images, any size >= 4 that GANomaly's D pyramid builds
 * (f*2^k, f in 2..8: 28, 32, 64, 96, 128, 224, 256). 64..256 px use the same
 * strided family (pix2pix unet_64..unet_256: log2 levels, widths capped at
 * 8 ngf); `levels` stops the U-Net earlier and ngf/ndf narrow it. */
#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>

#include "alcn/backend.h"
#include "alcn/options.h"
#include "alcn/plugin.h"
#include "alcn/rng.h"
#include "skipganomaly_impl.h"

#define SKIP_OWNER "method skipganomaly"

typedef struct skip_params {
  float lr, beta1, beta2, w_adv, w_con, w_lat, lambda, noise_std, d_reinit;
  int nz, ngf, ndf, levels, bn_batch, tanh_out;
} skip_params;

#define SP(f) offsetof(skip_params, f)
static const alcn_option skip_options[] = {
    {"lr", ALCN_OPT_FLOAT, "2e-4", 0.0, 10.0, ALCN_OPT_MIN_OPEN, NULL, "Adam learning rate of G and D", SP(lr)},
    {"beta1", ALCN_OPT_FLOAT, "0.5", 0.0, 1.0, ALCN_OPT_MAX_OPEN, NULL, "Adam beta1", SP(beta1)},
    {"beta2", ALCN_OPT_FLOAT, "0.999", 0.0, 1.0, ALCN_OPT_MAX_OPEN, NULL, "Adam beta2", SP(beta2)},
    {"nz", ALCN_OPT_INT, "100", 1, 100000, 0, NULL, "D's feature size (the latent of the latent loss)", SP(nz)},
    {"ngf", ALCN_OPT_INT, "64", 1, 4096, 0, NULL, "first-level width of the U-Net (deeper: 2x, 4x, then 8x)",
     SP(ngf)},
    {"ndf", ALCN_OPT_INT, "64", 1, 4096, 0, NULL, "first-layer width of D", SP(ndf)},
    {"levels", ALCN_OPT_INT, "0", 0, SKIP_MAX_LEVELS, 0, NULL,
     "U-Net levels (stride-2 halvings); 0 = down to 1x1 (official: log2 of the size)", SP(levels)},
    {"w_adv", ALCN_OPT_FLOAT, "1", 0.0, 1e6, 0, NULL, "weight of the adversarial loss BCE(D(x_hat), 1)", SP(w_adv)},
    {"w_con", ALCN_OPT_FLOAT, "40", 0.0, 1e6, 0, NULL, "weight of the contextual L1 loss (official code: 50)",
     SP(w_con)},
    {"w_lat", ALCN_OPT_FLOAT, "1", 0.0, 1e6, 0, NULL, "weight of the latent loss (D feature matching), in L_G and L_D",
     SP(w_lat)},
    {"lambda", ALCN_OPT_FLOAT, "0.9", 0.0, 1.0, 0, NULL,
     "score = lambda * reconstruction + (1 - lambda) * latent (both mean squared errors)", SP(lambda)},
    {"noise_std", ALCN_OPT_FLOAT, "0", 0.0, 100.0, 0, NULL,
     "std of Gaussian noise added to G's training input (0: none)", SP(noise_std)},
    {"d_reinit", ALCN_OPT_FLOAT, "1e-5", 0.0, 1e30, 0, NULL, "re-initialise D when its loss falls below (0: never)",
     SP(d_reinit)},
    {"bn_score", ALCN_OPT_ENUM, "running", 0, 0, 0, "running|batch",
     "BatchNorm at scoring: running statistics, or the test batch's own (as the official code)", SP(bn_batch)},
    {"output", ALCN_OPT_ENUM, "linear", 0, 0, 0, "linear|tanh",
     "G's output activation: linear (standardised data) or Tanh (official, data in [-1,1])", SP(tanh_out)},
    {NULL, 0, NULL, 0, 0, 0, NULL, NULL, 0},
};
#undef SP

/* Seed streams of ctx->seed. */
enum { SKIP_SEED_G = 1, SKIP_SEED_DFEAT, SKIP_SEED_DCLS, SKIP_SEED_NOISE, SKIP_SEED_REINIT = 1000 };

static void skip_destroy(void *state) {
  skip_state *s = state;
  if (!s) return;
  float *bufs[] = {s->x_in, s->feat_real, s->feat_fake, s->gfeat, s->glat, s->dlogit, s->ones,
                   s->zeros, s->dx_a, s->dx_b, s->tmp, s->loss_dev};
  for (size_t i = 0; i < sizeof bufs / sizeof bufs[0]; ++i) alcn_backend_free(s->be, bufs[i]);
  skip_unet_destroy(s->g);
  alcn_net_destroy(s->dfeat);
  alcn_net_destroy(s->dcls);
  free(s);
}

static alcn_status read_options(skip_state *s, const alcn_opts *o) {
  skip_params p;
  ALCN_CHECK(alcn_options_parse(skip_options, o, SKIP_OWNER, &p));
  s->adam.lr = p.lr;
  s->adam.beta1 = p.beta1;
  s->adam.beta2 = p.beta2;
  s->adam.eps = 1e-8f;
  s->adam.weight_decay = 0.0f;
  s->nz = p.nz;
  s->ngf = p.ngf;
  s->ndf = p.ndf;
  s->levels = p.levels;
  s->w_adv = p.w_adv;
  s->w_con = p.w_con;
  s->w_lat = p.w_lat;
  s->lambda = p.lambda;
  s->noise_std = p.noise_std;
  s->d_reinit = p.d_reinit;
  s->score_mode = p.bn_batch ? ALCN_NET_BATCH_STATS : ALCN_NET_EVAL;
  s->tanh_out = p.tanh_out;
  return ALCN_OK;
}

/* D's classifier: Conv(nz, 1, 3, 1, 1) on the (nz,1,1) features (only the
 * centre tap meets data; the official layer, kept for its parameter count). */
static alcn_status build_classifier(alcn_net **out, alcn_backend *be, const char *name, int nz) {
  *out = NULL;
  alcn_net *n;
  ALCN_CHECK(alcn_net_create(&n, be, name, nz, 1, 1));
  alcn_status st = alcn_net_conv(n, 1, 3, 1, 1, 0);
  if (st != ALCN_OK) {
    alcn_net_destroy(n);
    return st;
  }
  *out = n;
  return ALCN_OK;
}

static alcn_status build_discriminator(skip_state *s, alcn_net **feat, alcn_net **cls, const char *tag) {
  char n1[96], n2[96];
  snprintf(n1, sizeof n1, "skipganomaly D features%s", tag);
  snprintf(n2, sizeof n2, "skipganomaly D classifier%s", tag);
  ALCN_CHECK(gan_build_encoder(feat, s->be, n1, &s->dplan, s->ndf, s->nz));
  ALCN_CHECK(build_classifier(cls, s->be, n2, s->nz));
  return ALCN_OK;
}

static alcn_status alloc_buffers(skip_state *s) {
  alcn_backend *be = s->be;
  size_t B = (size_t)s->max_batch;
  float **nf[] = {&s->feat_real, &s->feat_fake, &s->gfeat, &s->glat};
  for (size_t i = 0; i < 4; ++i) *nf[i] = alcn_backend_alloc(be, B * s->F * sizeof(float));
  float **nd[] = {&s->dx_a, &s->dx_b};
  for (size_t i = 0; i < 2; ++i) *nd[i] = alcn_backend_alloc(be, B * s->D * sizeof(float));
  if (s->noise_std > 0.0f) s->x_in = alcn_backend_alloc(be, B * s->D * sizeof(float));
  s->dlogit = alcn_backend_alloc(be, B * sizeof(float));
  s->ones = alcn_backend_alloc(be, B * sizeof(float));
  s->zeros = alcn_backend_alloc(be, B * sizeof(float));
  s->tmp = alcn_backend_alloc(be, B * sizeof(float));
  s->loss_dev = alcn_backend_alloc(be, SKIP_N_LOSSES * sizeof(float));
  if (!s->feat_real || !s->feat_fake || !s->gfeat || !s->glat || !s->dx_a || !s->dx_b ||
      (s->noise_std > 0.0f && !s->x_in) || !s->dlogit || !s->ones || !s->zeros || !s->tmp || !s->loss_dev)
    ALCN_FAIL(ALCN_ERR_NOMEM, SKIP_OWNER ": out of %s memory for the scratch buffers of batch %d (hint: lower "
              "--batch)", alcn_backend_name(be), s->max_batch);
  float *host = malloc(B * sizeof(float));
  ALCN_CHECK_ALLOC(host, B * sizeof(float));
  for (size_t i = 0; i < B; ++i) host[i] = 1.0f;
  alcn_status st = alcn_upload(be, s->ones, host, B * sizeof(float));
  free(host);
  ALCN_CHECK(st);
  ALCN_CHECK(alcn_zero(be, s->zeros, B * sizeof(float)));
  ALCN_CHECK(alcn_zero(be, s->loss_dev, SKIP_N_LOSSES * sizeof(float)));
  return ALCN_OK;
}

/* GANomaly's D pyramid for (C,H,W), its refusal restated under this plugin's name. */
static alcn_status plan_discriminator(skip_state *s, int C, int H, int W) {
  if (gan_plan_make(&s->dplan, C, H, W) == ALCN_OK) return ALCN_OK;
  char why[1024];
  snprintf(why, sizeof why, "%s", alcn_last_error());
  ALCN_FAIL(ALCN_ERR_ARG, SKIP_OWNER ": the discriminator (GANomaly's DCGAN pyramid) cannot take %dx%d images: %s", H,
            W, why);
}

static alcn_status skip_create(const alcn_method_config *cfg, alcn_ctx *ctx, void **out) {
  *out = NULL;
  if (cfg->noise)
    ALCN_FAIL(ALCN_ERR_ARG, SKIP_OWNER ": takes no noise plugin, got '%s' (hint: --noise none)",
              cfg->noise->id ? cfg->noise->id : "?");
  if (cfg->max_batch <= 0) ALCN_FAIL(ALCN_ERR_ARG, SKIP_OWNER ": max_batch %d", cfg->max_batch);
  skip_state *s = calloc(1, sizeof *s);
  ALCN_CHECK_ALLOC(s, sizeof *s);
  s->ctx = *ctx;
  s->be = ctx->be;
  s->max_batch = cfg->max_batch;
  alcn_status st;
  ALCN_CHECK_GOTO(st, read_options(s, &cfg->opts), fail);
  if (cfg->H != cfg->W) {
    st = alcn_error_at(__FILE__, __LINE__, ALCN_ERR_ARG, SKIP_OWNER ": the U-Net and the DCGAN discriminator need "
                       "square images, got %dx%d (hint: --image-size 32, or resize the data set to a square size)",
                       cfg->H, cfg->W);
    goto fail;
  }
  ALCN_CHECK_GOTO(st, plan_discriminator(s, cfg->C, cfg->H, cfg->W), fail);
  s->D = (size_t)cfg->C * cfg->H * cfg->W;
  s->F = (size_t)s->nz;
  ALCN_CHECK_GOTO(st, skip_unet_create(&s->g, s->be, cfg->C, cfg->H, cfg->W, s->ngf, s->levels, s->tanh_out,
                                       s->max_batch, alcn_rng_derive(ctx->seed, SKIP_SEED_G)), fail);
  ALCN_CHECK_GOTO(st, build_discriminator(s, &s->dfeat, &s->dcls, ""), fail);
  ALCN_CHECK_GOTO(st, alcn_net_finalize(s->dfeat, s->max_batch, alcn_rng_derive(ctx->seed, SKIP_SEED_DFEAT),
                                        ALCN_INIT_DCGAN), fail);
  ALCN_CHECK_GOTO(st, alcn_net_finalize(s->dcls, s->max_batch, alcn_rng_derive(ctx->seed, SKIP_SEED_DCLS),
                                        ALCN_INIT_DCGAN), fail);
  ALCN_CHECK_GOTO(st, alloc_buffers(s), fail);
  *out = s;
  return ALCN_OK;
fail:
  skip_destroy(s);
  return st;
}

static alcn_status zero_all_grads(skip_state *s) {
  ALCN_CHECK(skip_unet_zero_grad(s->g));
  ALCN_CHECK(alcn_net_zero_grad(s->dfeat));
  ALCN_CHECK(alcn_net_zero_grad(s->dcls));
  return ALCN_OK;
}

/* The generator's training input: x, or x + N(0, noise_std^2) drawn for this step. */
static alcn_status generator_input(skip_state *s, const float *x, int n, uint64_t step, const float **gin) {
  *gin = x;
  if (s->noise_std <= 0.0f) return ALCN_OK;
  const size_t nD = (size_t)n * s->D, per_step = ((size_t)s->max_batch * s->D + 3) / 4;
  ALCN_CHECK(alcn_fill_normal(s->be, s->x_in, nD, alcn_rng_derive(s->ctx.seed, SKIP_SEED_NOISE), step * per_step, 0.0f,
                              s->noise_std));
  ALCN_CHECK(alcn_axpby(s->be, s->x_in, x, nD, 1.0f, 1.0f));
  *gin = s->x_in;
  return ALCN_OK;
}

alcn_status skip_compute_grads(skip_state *s, const float *x, int n, uint64_t step) {
  alcn_backend *be = s->be;
  const alcn_loss_cfg mse = {ALCN_LOSS_MSE, 1.0f}, l1 = {ALCN_LOSS_L1, 1.0f}, bce = {ALCN_LOSS_BCE_LOGITS, 1.0f};
  const size_t nD = (size_t)n * s->D, nF = (size_t)n * s->F;
  const int F = (int)s->F;
  const gan_plan *p = &s->dplan;
  const float *gin, *x_hat, *feat, *logit;
  ALCN_CHECK(zero_all_grads(s));
  ALCN_CHECK(generator_input(s, x, n, step, &gin));
  ALCN_CHECK(skip_unet_forward(s->g, gin, n, ALCN_NET_TRAIN, &x_hat));
  /* D_f(x_hat), kept as the target of the real branch's latent term */
  ALCN_CHECK(alcn_net_forward(s->dfeat, x_hat, n, ALCN_NET_TRAIN, &feat));
  ALCN_CHECK(alcn_copy(be, s->feat_fake, feat, nF * sizeof(float)));
  /* real branch of L_D: BCE(D(x), 1) + w_lat * latent, gradient w.r.t. D_f(x) */
  ALCN_CHECK(alcn_net_forward(s->dfeat, x, n, ALCN_NET_TRAIN, &feat));
  ALCN_CHECK(alcn_copy(be, s->feat_real, feat, nF * sizeof(float)));
  ALCN_CHECK(alcn_net_forward(s->dcls, feat, n, ALCN_NET_TRAIN, &logit));
  ALCN_CHECK(alcn_loss(be, &bce, s->loss_dev + SKIP_L_D_REAL, s->dlogit, logit, s->ones, n, 1, 1, 1, 1.0f));
  ALCN_CHECK(alcn_net_backward(s->dcls, s->dlogit, s->gfeat));
  ALCN_CHECK(alcn_loss(be, &mse, s->loss_dev + SKIP_L_LAT, s->glat, feat, s->feat_fake, n, F, 1, 1, s->w_lat));
  ALCN_CHECK(alcn_axpby(be, s->gfeat, s->glat, nF, 1.0f, 1.0f));
  ALCN_CHECK(alcn_net_backward(s->dfeat, s->gfeat, NULL));
  /* fake branch of L_D: BCE(D(x_hat), 0) + w_lat * latent, gradient w.r.t. D_f(x_hat) */
  ALCN_CHECK(alcn_net_forward(s->dfeat, x_hat, n, ALCN_NET_TRAIN, &feat));
  ALCN_CHECK(alcn_net_forward(s->dcls, feat, n, ALCN_NET_TRAIN, &logit));
  ALCN_CHECK(alcn_loss(be, &bce, s->loss_dev + SKIP_L_D_FAKE, s->dlogit, logit, s->zeros, n, 1, 1, 1, 1.0f));
  ALCN_CHECK(alcn_net_backward(s->dcls, s->dlogit, s->gfeat));
  ALCN_CHECK(alcn_loss(be, &mse, s->loss_dev + SKIP_L_LAT, s->glat, feat, s->feat_real, n, F, 1, 1, s->w_lat));
  ALCN_CHECK(alcn_axpby(be, s->gfeat, s->glat, nF, 1.0f, 1.0f));
  ALCN_CHECK(alcn_net_backward(s->dfeat, s->gfeat, NULL));
  /* L_G's share at x_hat through the frozen D: w_adv BCE(D(x_hat), 1) + the same latent term */
  ALCN_CHECK(alcn_loss(be, &bce, s->loss_dev + SKIP_L_ADV, s->dlogit, logit, s->ones, n, 1, 1, 1, s->w_adv));
  alcn_net_freeze(s->dcls, 1);
  alcn_status st = alcn_net_backward(s->dcls, s->dlogit, s->gfeat);
  alcn_net_freeze(s->dcls, 0);
  ALCN_CHECK(st);
  ALCN_CHECK(alcn_axpby(be, s->gfeat, s->glat, nF, 1.0f, 1.0f));
  alcn_net_freeze(s->dfeat, 1);
  st = alcn_net_backward(s->dfeat, s->gfeat, s->dx_a);
  alcn_net_freeze(s->dfeat, 0);
  ALCN_CHECK(st);
  /* contextual L1: dx_b = w_con dL_con/dx_hat + dx_a; then through the U-Net */
  ALCN_CHECK(alcn_loss(be, &l1, s->loss_dev + SKIP_L_CON, s->dx_b, x_hat, x, n, p->C, p->H, p->W, s->w_con));
  ALCN_CHECK(alcn_axpby(be, s->dx_b, s->dx_a, nD, 1.0f, 1.0f));
  ALCN_CHECK(skip_unet_backward(s->g, s->dx_b, NULL));
  return ALCN_OK;
}

/* Forward-only losses at the current weights (training mode, no noise):
 * h[SKIP_L_*] downloaded. */
static alcn_status forward_losses(skip_state *s, const float *x, int n, float h[SKIP_N_LOSSES]) {
  alcn_backend *be = s->be;
  const alcn_loss_cfg mse = {ALCN_LOSS_MSE, 1.0f}, l1 = {ALCN_LOSS_L1, 1.0f}, bce = {ALCN_LOSS_BCE_LOGITS, 1.0f};
  const gan_plan *p = &s->dplan;
  const float *x_hat, *feat, *logit;
  ALCN_CHECK(skip_unet_forward(s->g, x, n, ALCN_NET_TRAIN, &x_hat));
  ALCN_CHECK(alcn_net_forward(s->dfeat, x, n, ALCN_NET_TRAIN, &feat));
  ALCN_CHECK(alcn_copy(be, s->feat_real, feat, (size_t)n * s->F * sizeof(float)));
  ALCN_CHECK(alcn_net_forward(s->dcls, feat, n, ALCN_NET_TRAIN, &logit));
  ALCN_CHECK(alcn_loss(be, &bce, s->loss_dev + SKIP_L_D_REAL, NULL, logit, s->ones, n, 1, 1, 1, 1.0f));
  ALCN_CHECK(alcn_net_forward(s->dfeat, x_hat, n, ALCN_NET_TRAIN, &feat));
  ALCN_CHECK(alcn_net_forward(s->dcls, feat, n, ALCN_NET_TRAIN, &logit));
  ALCN_CHECK(alcn_loss(be, &bce, s->loss_dev + SKIP_L_D_FAKE, NULL, logit, s->zeros, n, 1, 1, 1, 1.0f));
  ALCN_CHECK(alcn_loss(be, &bce, s->loss_dev + SKIP_L_ADV, NULL, logit, s->ones, n, 1, 1, 1, 1.0f));
  ALCN_CHECK(alcn_loss(be, &mse, s->loss_dev + SKIP_L_LAT, NULL, feat, s->feat_real, n, (int)s->F, 1, 1, 1.0f));
  ALCN_CHECK(alcn_loss(be, &l1, s->loss_dev + SKIP_L_CON, NULL, x_hat, x, n, p->C, p->H, p->W, 1.0f));
  ALCN_CHECK(alcn_download(be, h, s->loss_dev, SKIP_N_LOSSES * sizeof(float)));
  return ALCN_OK;
}

static double g_loss_of(const skip_state *s, const float *h) {
  return (double)s->w_adv * h[SKIP_L_ADV] + (double)s->w_con * h[SKIP_L_CON] + (double)s->w_lat * h[SKIP_L_LAT];
}
static double d_loss_of(const skip_state *s, const float *h) {
  return (double)h[SKIP_L_D_REAL] + (double)h[SKIP_L_D_FAKE] + (double)s->w_lat * h[SKIP_L_LAT];
}

alcn_status skip_generator_loss(skip_state *s, const float *x, int n, double *loss) {
  float h[SKIP_N_LOSSES];
  ALCN_CHECK(forward_losses(s, x, n, h));
  *loss = g_loss_of(s, h);
  return ALCN_OK;
}

alcn_status skip_discriminator_loss(skip_state *s, const float *x, int n, double *loss) {
  float h[SKIP_N_LOSSES];
  ALCN_CHECK(forward_losses(s, x, n, h));
  *loss = d_loss_of(s, h);
  return ALCN_OK;
}

alcn_status skip_reinit_discriminator(skip_state *s) {
  uint64_t seed = alcn_rng_derive(s->ctx.seed, SKIP_SEED_REINIT + (uint64_t)s->reinits);
  alcn_net *nets[2] = {s->dfeat, s->dcls}, *fresh[2] = {NULL, NULL};
  alcn_status st;
  ALCN_CHECK_GOTO(st, build_discriminator(s, &fresh[0], &fresh[1], " (re-init)"), done);
  for (int i = 0; i < 2; ++i) {
    ALCN_CHECK_GOTO(st, alcn_net_finalize(fresh[i], 1, alcn_rng_derive(seed, (uint64_t)i), ALCN_INIT_DCGAN), done);
    ALCN_CHECK_GOTO(st, alcn_net_copy_params(nets[i], fresh[i]), done);
  }
  s->reinits++;
done:
  alcn_net_destroy(fresh[0]);
  alcn_net_destroy(fresh[1]);
  return st;
}

static alcn_status adam_all(skip_state *s) {
  ALCN_CHECK(skip_unet_adam_step(s->g, &s->adam));
  ALCN_CHECK(alcn_net_adam_step(s->dfeat, &s->adam));
  ALCN_CHECK(alcn_net_adam_step(s->dcls, &s->adam));
  return ALCN_OK;
}

static alcn_status skip_train_step(void *state, const float *x, int n, uint64_t step, alcn_step_stats *stats) {
  skip_state *s = state;
  float h[SKIP_N_LOSSES];
  ALCN_CHECK(skip_compute_grads(s, x, n, step));
  ALCN_CHECK(adam_all(s));
  ALCN_CHECK(alcn_download(s->be, h, s->loss_dev, sizeof h));
  s->step++;
  const double g = g_loss_of(s, h), d = d_loss_of(s, h);
  if (!isfinite(g) || !isfinite(d))
    ALCN_FAIL(ALCN_ERR_NUMERIC, SKIP_OWNER ": loss became non-finite at step %llu (adv %g, con %g, lat %g, D %g) "
              "(hint: lower lr or w_con)", (unsigned long long)s->step, (double)h[SKIP_L_ADV], (double)h[SKIP_L_CON],
              (double)h[SKIP_L_LAT], d);
  stats->loss = g;
  stats->aux_loss = d;
  stats->has_aux = 1;
  stats->events = 0;
  if (d < (double)s->d_reinit) {
    ALCN_CHECK(skip_reinit_discriminator(s));
    stats->events = 1;
  }
  return ALCN_OK;
}

static alcn_status forward_eval(skip_state *s, const float *x, int n, const float **x_hat) {
  return skip_unet_forward(s->g, x, n, s->score_mode, x_hat);
}

static alcn_status skip_score(void *state, const float *x, int n, float *scores) {
  skip_state *s = state;
  const float *x_hat, *feat;
  ALCN_CHECK(forward_eval(s, x, n, &x_hat));
  ALCN_CHECK(alcn_net_forward(s->dfeat, x, n, s->score_mode, &feat));
  ALCN_CHECK(alcn_copy(s->be, s->feat_real, feat, (size_t)n * s->F * sizeof(float)));
  ALCN_CHECK(alcn_net_forward(s->dfeat, x_hat, n, s->score_mode, &feat));
  ALCN_CHECK(alcn_sq_err_per_image(s->be, scores, x, x_hat, n, (int)s->D));
  ALCN_CHECK(alcn_sq_err_per_image(s->be, s->tmp, s->feat_real, feat, n, (int)s->F));
  /* scores = lambda * rec + (1 - lambda) * lat */
  return alcn_axpby(s->be, scores, s->tmp, (size_t)n, 1.0f - s->lambda, s->lambda);
}

static alcn_status skip_score_maps(void *state, const float *x, int n, float *maps) {
  skip_state *s = state;
  const float *x_hat;
  const size_t cnt = (size_t)n * s->D, hw = (size_t)s->dplan.H * s->dplan.W;
  const int C = s->dplan.C;
  ALCN_CHECK(forward_eval(s, x, n, &x_hat));
  ALCN_CHECK(alcn_copy(s->be, s->dx_a, x_hat, cnt * sizeof(float)));
  ALCN_CHECK(alcn_axpby(s->be, s->dx_a, x, cnt, -1.0f, 1.0f));
  ALCN_CHECK(alcn_mul(s->be, s->dx_a, s->dx_a, s->dx_a, cnt));
  for (int i = 0; i < n; ++i) {
    float *m = maps + (size_t)i * hw;
    const float *e = s->dx_a + (size_t)i * s->D;
    ALCN_CHECK(alcn_copy(s->be, m, e, hw * sizeof(float)));
    for (int c = 1; c < C; ++c) ALCN_CHECK(alcn_axpby(s->be, m, e + (size_t)c * hw, hw, 1.0f, 1.0f));
    if (C > 1) ALCN_CHECK(alcn_axpby(s->be, m, m, hw, 0.0f, 1.0f / (float)C));
  }
  return ALCN_OK;
}

static alcn_status skip_reconstruct(void *state, const float *x, int n, float *out) {
  skip_state *s = state;
  const float *x_hat;
  ALCN_CHECK(forward_eval(s, x, n, &x_hat));
  return alcn_copy(s->be, out, x_hat, (size_t)n * s->D * sizeof(float));
}

static size_t skip_param_count(void *state, size_t *noise_params) {
  skip_state *s = state;
  if (noise_params) *noise_params = 0;
  return skip_unet_param_count(s->g) + alcn_net_param_count(s->dfeat) + alcn_net_param_count(s->dcls);
}

/* Every network in save order: the U-Net's (down, up), then D's two. */
static int all_nets(skip_state *s, alcn_net **nets, int cap) {
  int k = skip_unet_nets(s->g, nets, cap - 2);
  nets[k++] = s->dfeat;
  nets[k++] = s->dcls;
  return k;
}

static alcn_status skip_save(void *state, FILE *f) {
  alcn_net *nets[2 * SKIP_MAX_LEVELS + 2];
  int k = all_nets(state, nets, 2 * SKIP_MAX_LEVELS + 2);
  for (int i = 0; i < k; ++i) ALCN_CHECK(alcn_net_save(nets[i], f));
  return ALCN_OK;
}

static alcn_status skip_load(void *state, FILE *f, const char *path) {
  alcn_net *nets[2 * SKIP_MAX_LEVELS + 2];
  int k = all_nets(state, nets, 2 * SKIP_MAX_LEVELS + 2);
  for (int i = 0; i < k; ++i) ALCN_CHECK(alcn_net_load(nets[i], f, path));
  return ALCN_OK;
}

static const alcn_method_desc skip_desc = {
    .abi_major = ALCN_ABI_MAJOR,
    .abi_minor = ALCN_ABI_MINOR,
    .size = sizeof(alcn_method_desc),
    .id = "skipganomaly",
    .label = "Skip-GANomaly",
    .summary = "Skip-GANomaly (Akcay et al. 2019): U-Net generator with skip connections + DCGAN discriminator; "
               "L_G = BCE adv + 40 L1 + latent feature matching; score = 0.9 rec + 0.1 latent (mean squared); "
               "square images (28, 32, 64..256 px); linear output",
    .options = skip_options,
    .hosts_noise = 0,
    .create = skip_create,
    .train_step = skip_train_step,
    .score = skip_score,
    .param_count = skip_param_count,
    .destroy = skip_destroy,
    .event_name = "discriminator re-initialised",
    .reconstruct = skip_reconstruct,
    .save = skip_save,
    .load = skip_load,
    .score_maps = skip_score_maps,
};

ALCN_EXPORT const alcn_method_desc *alcn_method_descriptor(uint32_t index) { return index == 0 ? &skip_desc : NULL; }
