/* Method plugin "ganomaly": GANomaly (Akcay et al. 2018, ACCV), written once
 * against the backend vtable and the network helper.
 *
 * Generator G = encoder1 -> decoder -> encoder2:  z = E1(x), x_hat = Dec(z),
 * z_hat = E2(x_hat). Discriminator D = the encoder's feature trunk D_f plus a
 * final conv to one logit (ganomaly_nets.h). One training step on batch x, as
 * the official lib/model.py optimize_params():
 *   L_G = w_adv * mean (D_f(x) - D_f(x_hat))^2      (feature matching, D frozen)
 *       + w_con * mean |x - x_hat|                   (nn.L1Loss)
 *       + w_enc * mean (z_hat - z)^2                  (l2_loss, gradient into z and z_hat)
 *   L_D = 0.5 * (BCE(D(x), 1) + BCE(D(x_hat.detach()), 0))   (BCE with logits)
 * both networks take one Adam step (lr 2e-4, beta1 0.5, beta2 0.999); D is
 * re-initialised when L_D < 1e-5 (stats->events counts it). The gradient at
 * x_hat is the sum (axpby) of the L1 term, the feature-matching term through
 * D_f's backward and E2's input gradient; the gradient at z is the decoder's
 * input gradient minus dL/dz_hat. Only the loss values leave the backend.
 * D's forwards are shared between the G and the D losses (D's weights do not
 * change in between), so D's BatchNorm running statistics move twice per step,
 * not four times as in the official code; D is never used in eval mode.
 *
 * Score: mean over the latent of (z - z_hat)^2 per image, BatchNorm with its
 * running statistics (bn_score=running, default). The official test() never
 * calls netg.eval(), so it normalises each test batch with that batch's own
 * statistics: bn_score=batch does that (scores then depend on the batch's
 * make-up and size; running statistics are not touched). Reconstruction
 * (Figure 4): the decoder's output x_hat. The decoder's output is linear, not
 * Tanh, because the data are standardised. */
#include <math.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "alcn/options.h"
#include "alcn/backend.h"
#include "alcn/plugin.h"
#include "alcn/rng.h"
#include "ganomaly_impl.h"

#define GAN_OWNER "method ganomaly"

typedef struct gan_params {
  float lr, beta1, beta2, w_adv, w_con, w_enc, d_reinit;
  int nz, ngf, ndf, bn_batch;
} gan_params;

#define GP(f) offsetof(gan_params, f)
static const alcn_option gan_options[] = {
    {"lr", ALCN_OPT_FLOAT, "2e-4", 0.0, 10.0, ALCN_OPT_MIN_OPEN, NULL, "Adam learning rate of G and D", GP(lr)},
    {"beta1", ALCN_OPT_FLOAT, "0.5", 0.0, 1.0, ALCN_OPT_MAX_OPEN, NULL, "Adam beta1", GP(beta1)},
    {"beta2", ALCN_OPT_FLOAT, "0.999", 0.0, 1.0, ALCN_OPT_MAX_OPEN, NULL, "Adam beta2", GP(beta2)},
    {"nz", ALCN_OPT_INT, "100", 1, 100000, 0, NULL, "latent size", GP(nz)},
    {"ngf", ALCN_OPT_INT, "64", 1, 4096, 0, NULL, "first-layer width of G", GP(ngf)},
    {"ndf", ALCN_OPT_INT, "64", 1, 4096, 0, NULL, "first-layer width of D", GP(ndf)},
    {"w_adv", ALCN_OPT_FLOAT, "1", 0.0, 1e6, 0, NULL, "weight of the feature-matching loss", GP(w_adv)},
    {"w_con", ALCN_OPT_FLOAT, "50", 0.0, 1e6, 0, NULL, "weight of the L1 reconstruction loss", GP(w_con)},
    {"w_enc", ALCN_OPT_FLOAT, "1", 0.0, 1e6, 0, NULL, "weight of the latent L2 loss", GP(w_enc)},
    {"d_reinit", ALCN_OPT_FLOAT, "1e-5", 0.0, 1e30, 0, NULL, "re-initialise D when its loss falls below (0: never)",
     GP(d_reinit)},
    {"bn_score", ALCN_OPT_ENUM, "running", 0, 0, 0, "running|batch",
     "BatchNorm at scoring: running statistics, or the test batch's own (as the official code)", GP(bn_batch)},
    {NULL, 0, NULL, 0, 0, 0, NULL, NULL, 0},
};
#undef GP

/* Seed streams of ctx->seed. */
enum { GAN_SEED_ENC1 = 1, GAN_SEED_DEC, GAN_SEED_ENC2, GAN_SEED_DFEAT, GAN_SEED_DCLS, GAN_SEED_REINIT = 1000 };

static void gan_destroy(void *state) {
  gan_state *s = state;
  if (!s) return;
  float *bufs[] = {s->feat_real, s->gfeat, s->dlogit, s->ones, s->zeros, s->dx_a, s->dx_b, s->dz_hat, s->dz,
                   s->loss_dev};
  for (size_t i = 0; i < sizeof bufs / sizeof bufs[0]; ++i) alcn_backend_free(s->be, bufs[i]);
  alcn_net_destroy(s->enc1);
  alcn_net_destroy(s->dec);
  alcn_net_destroy(s->enc2);
  alcn_net_destroy(s->dfeat);
  alcn_net_destroy(s->dcls);
  free(s);
}

static alcn_status read_options(gan_state *s, const alcn_opts *o) {
  gan_params p;
  ALCN_CHECK(alcn_options_parse(gan_options, o, GAN_OWNER, &p));
  s->adam.lr = p.lr;
  s->adam.beta1 = p.beta1;
  s->adam.beta2 = p.beta2;
  s->adam.eps = 1e-8f;
  s->adam.weight_decay = 0.0f;
  s->nz = p.nz;
  s->ngf = p.ngf;
  s->ndf = p.ndf;
  s->w_adv = p.w_adv;
  s->w_con = p.w_con;
  s->w_enc = p.w_enc;
  s->d_reinit = p.d_reinit;
  s->score_mode = p.bn_batch ? ALCN_NET_BATCH_STATS : ALCN_NET_EVAL;
  return ALCN_OK;
}

/* Build the five networks (not finalized) for plan p. */
static alcn_status build_nets(gan_state *s) {
  const gan_plan *p = &s->plan;
  ALCN_CHECK(gan_build_encoder(&s->enc1, s->be, "ganomaly encoder1", p, s->ngf, s->nz));
  ALCN_CHECK(gan_build_decoder(&s->dec, s->be, "ganomaly decoder", p, s->nz, s->ngf));
  ALCN_CHECK(gan_build_encoder(&s->enc2, s->be, "ganomaly encoder2", p, s->ngf, s->nz));
  ALCN_CHECK(gan_build_features(&s->dfeat, s->be, "ganomaly D features", p, s->ndf));
  ALCN_CHECK(gan_build_classifier(&s->dcls, s->be, "ganomaly D classifier", p, s->ndf));
  return ALCN_OK;
}

static alcn_status finalize_nets(gan_state *s) {
  uint64_t seed = s->ctx.seed;
  int B = s->max_batch;
  ALCN_CHECK(alcn_net_finalize(s->enc1, B, alcn_rng_derive(seed, GAN_SEED_ENC1), ALCN_INIT_DCGAN));
  ALCN_CHECK(alcn_net_finalize(s->dec, B, alcn_rng_derive(seed, GAN_SEED_DEC), ALCN_INIT_DCGAN));
  ALCN_CHECK(alcn_net_finalize(s->enc2, B, alcn_rng_derive(seed, GAN_SEED_ENC2), ALCN_INIT_DCGAN));
  ALCN_CHECK(alcn_net_finalize(s->dfeat, B, alcn_rng_derive(seed, GAN_SEED_DFEAT), ALCN_INIT_DCGAN));
  ALCN_CHECK(alcn_net_finalize(s->dcls, B, alcn_rng_derive(seed, GAN_SEED_DCLS), ALCN_INIT_DCGAN));
  return ALCN_OK;
}

static alcn_status alloc_buffers(gan_state *s) {
  alcn_backend *be = s->be;
  size_t B = (size_t)s->max_batch;
  s->feat_real = alcn_backend_alloc(be, B * s->F * sizeof(float));
  s->gfeat = alcn_backend_alloc(be, B * s->F * sizeof(float));
  s->dlogit = alcn_backend_alloc(be, B * sizeof(float));
  s->ones = alcn_backend_alloc(be, B * sizeof(float));
  s->zeros = alcn_backend_alloc(be, B * sizeof(float));
  s->dx_a = alcn_backend_alloc(be, B * s->D * sizeof(float));
  s->dx_b = alcn_backend_alloc(be, B * s->D * sizeof(float));
  s->dz_hat = alcn_backend_alloc(be, B * (size_t)s->nz * sizeof(float));
  s->dz = alcn_backend_alloc(be, B * (size_t)s->nz * sizeof(float));
  s->loss_dev = alcn_backend_alloc(be, GAN_N_LOSSES * sizeof(float));
  if (!s->feat_real || !s->gfeat || !s->dlogit || !s->ones || !s->zeros || !s->dx_a || !s->dx_b || !s->dz_hat ||
      !s->dz || !s->loss_dev)
    ALCN_FAIL(ALCN_ERR_NOMEM, GAN_OWNER ": out of %s memory for the scratch buffers of batch %d (hint: lower "
              "--batch)", alcn_backend_name(be), s->max_batch);
  float *host = malloc(B * sizeof(float));
  ALCN_CHECK_ALLOC(host, B * sizeof(float));
  for (size_t i = 0; i < B; ++i) host[i] = 1.0f;
  alcn_status st = alcn_upload(be, s->ones, host, B * sizeof(float));
  free(host);
  ALCN_CHECK(st);
  ALCN_CHECK(alcn_zero(be, s->zeros, B * sizeof(float)));
  ALCN_CHECK(alcn_zero(be, s->loss_dev, GAN_N_LOSSES * sizeof(float)));
  return ALCN_OK;
}

static alcn_status gan_create(const alcn_method_config *cfg, alcn_ctx *ctx, void **out) {
  *out = NULL;
  if (cfg->noise)
    ALCN_FAIL(ALCN_ERR_ARG, GAN_OWNER ": takes no noise plugin, got '%s' (hint: --noise none)",
              cfg->noise->id ? cfg->noise->id : "?");
  if (cfg->max_batch <= 0) ALCN_FAIL(ALCN_ERR_ARG, GAN_OWNER ": max_batch %d", cfg->max_batch);
  gan_state *s = calloc(1, sizeof *s);
  ALCN_CHECK_ALLOC(s, sizeof *s);
  s->ctx = *ctx;
  s->be = ctx->be;
  s->max_batch = cfg->max_batch;
  alcn_status st;
  ALCN_CHECK_GOTO(st, read_options(s, &cfg->opts), fail);
  ALCN_CHECK_GOTO(st, gan_plan_make(&s->plan, cfg->C, cfg->H, cfg->W), fail);
  s->D = (size_t)cfg->C * cfg->H * cfg->W;
  ALCN_CHECK_GOTO(st, build_nets(s), fail);
  s->F = alcn_net_out_numel(s->dfeat);
  ALCN_CHECK_GOTO(st, finalize_nets(s), fail);
  ALCN_CHECK_GOTO(st, alloc_buffers(s), fail);
  *out = s;
  return ALCN_OK;
fail:
  gan_destroy(s);
  return st;
}

/* Generator forward in training mode: *z, *x_hat, *z_hat are owned by the nets. */
static alcn_status forward_g(gan_state *s, const float *x, int n, const float **z, const float **x_hat,
                             const float **z_hat) {
  ALCN_CHECK(alcn_net_forward(s->enc1, x, n, 1, z));
  ALCN_CHECK(alcn_net_forward(s->dec, *z, n, 1, x_hat));
  ALCN_CHECK(alcn_net_forward(s->enc2, *x_hat, n, 1, z_hat));
  return ALCN_OK;
}

static alcn_status zero_all_grads(gan_state *s) {
  ALCN_CHECK(alcn_net_zero_grad(s->enc1));
  ALCN_CHECK(alcn_net_zero_grad(s->dec));
  ALCN_CHECK(alcn_net_zero_grad(s->enc2));
  ALCN_CHECK(alcn_net_zero_grad(s->dfeat));
  ALCN_CHECK(alcn_net_zero_grad(s->dcls));
  return ALCN_OK;
}

/* D on `in` (x or x_hat): forward features (*feat, owned by dfeat) and logit,
 * BCE against target (scale 0.5 -> L_D's half) into loss_dev[slot], and D's
 * parameter gradients (accumulated). dfeat's saved activations stay those of `in`. */
static alcn_status d_half(gan_state *s, const float *in, int n, const float *target, int slot, const float **feat) {
  const alcn_loss_cfg bce = {ALCN_LOSS_BCE_LOGITS, 1.0f};
  const float *logit;
  ALCN_CHECK(alcn_net_forward(s->dfeat, in, n, 1, feat));
  ALCN_CHECK(alcn_net_forward(s->dcls, *feat, n, 1, &logit));
  ALCN_CHECK(alcn_loss(s->be, &bce, s->loss_dev + slot, s->dlogit, logit, target, n, 1, 1, 1, 0.5f));
  ALCN_CHECK(alcn_net_backward(s->dcls, s->dlogit, s->gfeat));
  ALCN_CHECK(alcn_net_backward(s->dfeat, s->gfeat, NULL));
  return ALCN_OK;
}

alcn_status gan_compute_grads(gan_state *s, const float *x, int n) {
  alcn_backend *be = s->be;
  const alcn_loss_cfg mse = {ALCN_LOSS_MSE, 1.0f}, l1 = {ALCN_LOSS_L1, 1.0f};
  const size_t nD = (size_t)n * s->D, nF = (size_t)n * s->F, nZ = (size_t)n * (size_t)s->nz;
  const gan_plan *p = &s->plan;
  const float *z, *x_hat, *z_hat, *feat;
  ALCN_CHECK(zero_all_grads(s));
  ALCN_CHECK(forward_g(s, x, n, &z, &x_hat, &z_hat));
  /* D on real x; keep D_f(x) (N,F) as the feature-matching target */
  ALCN_CHECK(d_half(s, x, n, s->ones, GAN_L_D_REAL, &feat));
  ALCN_CHECK(alcn_copy(be, s->feat_real, feat, nF * sizeof(float)));
  /* D on x_hat (detached: no gradient to G from L_D) */
  ALCN_CHECK(d_half(s, x_hat, n, s->zeros, GAN_L_D_FAKE, &feat));
  /* feature matching: dx_a = w_adv * dL_adv/dx_hat through D_f (frozen) */
  ALCN_CHECK(alcn_loss(be, &mse, s->loss_dev + GAN_L_ADV, s->gfeat, feat, s->feat_real, n, (int)s->F, 1, 1, s->w_adv));
  alcn_net_freeze(s->dfeat, 1);
  alcn_status st = alcn_net_backward(s->dfeat, s->gfeat, s->dx_a);
  alcn_net_freeze(s->dfeat, 0);
  ALCN_CHECK(st);
  /* contextual L1: dx_b = w_con * dL_con/dx_hat, then dx_b += dx_a */
  ALCN_CHECK(alcn_loss(be, &l1, s->loss_dev + GAN_L_CON, s->dx_b, x_hat, x, n, p->C, p->H, p->W, s->w_con));
  ALCN_CHECK(alcn_axpby(be, s->dx_b, s->dx_a, nD, 1.0f, 1.0f));
  /* latent L2: dz_hat = w_enc * dL_enc/dz_hat; E2 backward adds its input gradient */
  ALCN_CHECK(alcn_loss(be, &mse, s->loss_dev + GAN_L_ENC, s->dz_hat, z_hat, z, n, s->nz, 1, 1, s->w_enc));
  ALCN_CHECK(alcn_net_backward(s->enc2, s->dz_hat, s->dx_a));
  ALCN_CHECK(alcn_axpby(be, s->dx_b, s->dx_a, nD, 1.0f, 1.0f));
  /* decoder, then the gradient at z: Dec's input gradient - dz_hat */
  ALCN_CHECK(alcn_net_backward(s->dec, s->dx_b, s->dz));
  ALCN_CHECK(alcn_axpby(be, s->dz, s->dz_hat, nZ, -1.0f, 1.0f));
  ALCN_CHECK(alcn_net_backward(s->enc1, s->dz, NULL));
  return ALCN_OK;
}

alcn_status gan_generator_loss(gan_state *s, const float *x, int n, double *loss) {
  alcn_backend *be = s->be;
  const alcn_loss_cfg mse = {ALCN_LOSS_MSE, 1.0f}, l1 = {ALCN_LOSS_L1, 1.0f};
  const gan_plan *p = &s->plan;
  const float *z, *x_hat, *z_hat, *feat;
  ALCN_CHECK(forward_g(s, x, n, &z, &x_hat, &z_hat));
  ALCN_CHECK(alcn_net_forward(s->dfeat, x, n, 1, &feat));
  ALCN_CHECK(alcn_copy(be, s->feat_real, feat, (size_t)n * s->F * sizeof(float)));
  ALCN_CHECK(alcn_net_forward(s->dfeat, x_hat, n, 1, &feat));
  ALCN_CHECK(alcn_loss(be, &mse, s->loss_dev + GAN_L_ADV, NULL, feat, s->feat_real, n, (int)s->F, 1, 1, 1.0f));
  ALCN_CHECK(alcn_loss(be, &l1, s->loss_dev + GAN_L_CON, NULL, x_hat, x, n, p->C, p->H, p->W, 1.0f));
  ALCN_CHECK(alcn_loss(be, &mse, s->loss_dev + GAN_L_ENC, NULL, z_hat, z, n, s->nz, 1, 1, 1.0f));
  float h[3];
  ALCN_CHECK(alcn_download(be, h, s->loss_dev, sizeof h));
  *loss = (double)s->w_adv * h[GAN_L_ADV] + (double)s->w_con * h[GAN_L_CON] + (double)s->w_enc * h[GAN_L_ENC];
  return ALCN_OK;
}

alcn_status gan_discriminator_loss(gan_state *s, const float *x, int n, double *loss) {
  const alcn_loss_cfg bce = {ALCN_LOSS_BCE_LOGITS, 1.0f};
  const float *z, *x_hat, *z_hat, *feat, *logit;
  ALCN_CHECK(forward_g(s, x, n, &z, &x_hat, &z_hat));
  const float *in[2] = {x, x_hat}, *target[2] = {s->ones, s->zeros};
  for (int i = 0; i < 2; ++i) {
    ALCN_CHECK(alcn_net_forward(s->dfeat, in[i], n, 1, &feat));
    ALCN_CHECK(alcn_net_forward(s->dcls, feat, n, 1, &logit));
    ALCN_CHECK(alcn_loss(s->be, &bce, s->loss_dev + GAN_L_D_REAL + i, NULL, logit, target[i], n, 1, 1, 1, 1.0f));
  }
  float h[2];
  ALCN_CHECK(alcn_download(s->be, h, s->loss_dev + GAN_L_D_REAL, sizeof h));
  *loss = 0.5 * ((double)h[0] + (double)h[1]);
  return ALCN_OK;
}

alcn_status gan_reinit_discriminator(gan_state *s) {
  uint64_t seed = alcn_rng_derive(s->ctx.seed, GAN_SEED_REINIT + (uint64_t)s->reinits);
  alcn_net *nets[2] = {s->dfeat, s->dcls}, *fresh[2] = {NULL, NULL};
  alcn_status st;
  ALCN_CHECK_GOTO(st, gan_build_features(&fresh[0], s->be, "ganomaly D features (re-init)", &s->plan, s->ndf), done);
  ALCN_CHECK_GOTO(st, gan_build_classifier(&fresh[1], s->be, "ganomaly D classifier (re-init)", &s->plan, s->ndf),
                  done);
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

static alcn_status adam_all(gan_state *s) {
  ALCN_CHECK(alcn_net_adam_step(s->enc1, &s->adam));
  ALCN_CHECK(alcn_net_adam_step(s->dec, &s->adam));
  ALCN_CHECK(alcn_net_adam_step(s->enc2, &s->adam));
  ALCN_CHECK(alcn_net_adam_step(s->dfeat, &s->adam));
  ALCN_CHECK(alcn_net_adam_step(s->dcls, &s->adam));
  return ALCN_OK;
}

/* One step; *g_loss, *d_loss: the weighted generator loss and L_D; *reinit = 1
 * when D was re-initialised after this step. */
static alcn_status gan_step(gan_state *s, const float *x, int n, double *g_loss, double *d_loss, int *reinit) {
  float h[GAN_N_LOSSES];
  *reinit = 0;
  ALCN_CHECK(gan_compute_grads(s, x, n));
  ALCN_CHECK(adam_all(s));
  ALCN_CHECK(alcn_download(s->be, h, s->loss_dev, sizeof h));
  s->step++;
  *g_loss = (double)s->w_adv * h[GAN_L_ADV] + (double)s->w_con * h[GAN_L_CON] + (double)s->w_enc * h[GAN_L_ENC];
  *d_loss = 0.5 * ((double)h[GAN_L_D_REAL] + (double)h[GAN_L_D_FAKE]);
  if (!isfinite(*g_loss) || !isfinite(*d_loss))
    ALCN_FAIL(ALCN_ERR_NUMERIC, GAN_OWNER ": loss became non-finite at step %llu (adv %g, con %g, enc %g, D %g) "
              "(hint: lower lr or w_con)", (unsigned long long)s->step, (double)h[GAN_L_ADV], (double)h[GAN_L_CON],
              (double)h[GAN_L_ENC], *d_loss);
  if (*d_loss < (double)s->d_reinit) {
    ALCN_CHECK(gan_reinit_discriminator(s));
    *reinit = 1;
  }
  return ALCN_OK;
}

static alcn_status gan_train_step(void *state, const float *x, int n, uint64_t step, alcn_step_stats *stats) {
  gan_state *s = state;
  (void)step; /* GANomaly draws no random numbers per step */
  double g, d;
  int re;
  ALCN_CHECK(gan_step(s, x, n, &g, &d, &re));
  stats->loss = g;
  stats->aux_loss = d;
  stats->has_aux = 1;
  stats->events = re;
  return ALCN_OK;
}

static alcn_status forward_eval(gan_state *s, const float *x, int n, const float **z, const float **x_hat,
                                const float **z_hat) {
  ALCN_CHECK(alcn_net_forward(s->enc1, x, n, s->score_mode, z));
  ALCN_CHECK(alcn_net_forward(s->dec, *z, n, s->score_mode, x_hat));
  if (z_hat) ALCN_CHECK(alcn_net_forward(s->enc2, *x_hat, n, s->score_mode, z_hat));
  return ALCN_OK;
}

static alcn_status gan_score(void *state, const float *x, int n, float *scores) {
  gan_state *s = state;
  const float *z, *x_hat, *z_hat;
  ALCN_CHECK(forward_eval(s, x, n, &z, &x_hat, &z_hat));
  ALCN_CHECK(alcn_sq_err_per_image(s->be, scores, z, z_hat, n, s->nz));
  return ALCN_OK;
}

static alcn_status gan_reconstruct(void *state, const float *x, int n, float *out) {
  gan_state *s = state;
  const float *z, *x_hat;
  ALCN_CHECK(forward_eval(s, x, n, &z, &x_hat, NULL));
  return alcn_copy(s->be, out, x_hat, (size_t)n * s->D * sizeof(float));
}

static size_t gan_param_count(void *state, size_t *noise_params) {
  gan_state *s = state;
  if (noise_params) *noise_params = 0;
  return alcn_net_param_count(s->enc1) + alcn_net_param_count(s->dec) + alcn_net_param_count(s->enc2) +
         alcn_net_param_count(s->dfeat) + alcn_net_param_count(s->dcls);
}

static alcn_status gan_save(void *state, FILE *f) {
  gan_state *s = state;
  alcn_net *nets[] = {s->enc1, s->dec, s->enc2, s->dfeat, s->dcls};
  for (int i = 0; i < 5; ++i) ALCN_CHECK(alcn_net_save(nets[i], f));
  return ALCN_OK;
}

static alcn_status gan_load(void *state, FILE *f, const char *path) {
  gan_state *s = state;
  alcn_net *nets[] = {s->enc1, s->dec, s->enc2, s->dfeat, s->dcls};
  for (int i = 0; i < 5; ++i) ALCN_CHECK(alcn_net_load(nets[i], f, path));
  return ALCN_OK;
}

static const alcn_method_desc gan_desc = {
    .abi_major = ALCN_ABI_MAJOR,
    .abi_minor = ALCN_ABI_MINOR,
    .size = sizeof(alcn_method_desc),
    .id = "ganomaly",
    .label = "GANomaly",
    .summary = "GANomaly (Akcay et al. 2018): DCGAN encoder-decoder-encoder generator + discriminator, "
               "score = mean (z - z_hat)^2; square images f*2^k px, f in 2..8; linear decoder output",
    .options = gan_options,
    .hosts_noise = 0,
    .create = gan_create,
    .train_step = gan_train_step,
    .score = gan_score,
    .event_name = "discriminator re-initialised",
    .reconstruct = gan_reconstruct,
    .corrupt_example = NULL,
    .param_count = gan_param_count,
    .score_with_noise = NULL,
    .save = gan_save,
    .load = gan_load,
    .destroy = gan_destroy,
};

ALCN_EXPORT const alcn_method_desc *alcn_method_descriptor(uint32_t index) { return index == 0 ? &gan_desc : NULL; }
