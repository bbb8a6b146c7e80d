/* Method plugin "dsvdd": Deep SVDD (Ruff et al. 2018, ICML), the one-class
 * objective, after the official code (github.com/lukasruff/Deep-SVDD-PyTorch:
 * src/optim/deepSVDD_trainer.py, ae_trainer.py). Networks: dsvdd_nets.h.
 *
 * The host owns the epochs; the plugin splits them into phases:
 *   epochs 0 .. P-1 (P = pretrain_epochs, optional): autoencoder pre-training,
 *     phi followed by the decoder, loss mean_n sum_pixels (x_hat - x)^2 (as
 *     ae_trainer.py); phi IS the encoder, so no weight copy is needed;
 *   epoch P: the centre pass (init_center_c): phi in eval mode, weights
 *     untouched, c = mean of phi(x) over the epoch's images, then every
 *     coordinate with |c_j| < c_eps is pushed to +-c_eps by its sign (an exact
 *     zero stays zero, as the official code); steps report the one-class loss
 *     against the running mean (centre_batch) and count one event each;
 *   epochs P+1 ..: the one-class objective mean_n ||phi(x_n) - c||^2, a fresh
 *     Adam (lr, weight_decay 1e-6 as the official defaults).
 * So --epochs E trains E-P-1 epochs of the objective. A host without epoch
 * hooks (table5's timing) gets c from the first batch it trains on. The
 * official soft-boundary objective (nu, R) and lr milestones are not here.
 * Score (eval mode): ||phi(x) - c||^2, the squared distance to the centre. */
#include <math.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "alcn/backend.h"
#include "alcn/options.h"
#include "alcn/plugin.h"
#include "alcn/rng.h"
#include "dsvdd_nets.h"

#define DS_OWNER "method dsvdd"

enum { DS_SEED_PHI = 1, DS_SEED_DEC = 2 };

typedef struct ds_params {
  float lr, ae_lr, beta1, beta2, weight_decay, c_eps;
  int pretrain_epochs, arch;
} ds_params;

#define DP(f) offsetof(ds_params, f)
static const alcn_option ds_options[] = {
    {"lr", ALCN_OPT_FLOAT, "1e-4", 0.0, 10.0, ALCN_OPT_MIN_OPEN, NULL, "Adam learning rate of the one-class objective",
     DP(lr)},
    {"ae_lr", ALCN_OPT_FLOAT, "1e-4", 0.0, 10.0, ALCN_OPT_MIN_OPEN, NULL, "Adam learning rate of the pre-training",
     DP(ae_lr)},
    {"beta1", ALCN_OPT_FLOAT, "0.9", 0.0, 1.0, ALCN_OPT_MAX_OPEN, NULL, "Adam beta1", DP(beta1)},
    {"beta2", ALCN_OPT_FLOAT, "0.999", 0.0, 1.0, ALCN_OPT_MAX_OPEN, NULL, "Adam beta2", DP(beta2)},
    {"weight_decay", ALCN_OPT_FLOAT, "1e-6", 0.0, 10.0, 0, NULL, "Adam L2 weight decay (official 1e-6)",
     DP(weight_decay)},
    {"pretrain_epochs", ALCN_OPT_INT, "0", 0, 100000, 0, NULL,
     "first epochs of autoencoder pre-training (counted in --epochs; 0: none)", DP(pretrain_epochs)},
    {"c_eps", ALCN_OPT_FLOAT, "0.1", 0.0, 1e3, 0, NULL, "centre coordinates closer to 0 are pushed to +-c_eps",
     DP(c_eps)},
    {"arch", ALCN_OPT_ENUM, "auto", 0, 0, 0, DSVDD_ARCH_CHOICES,
     "LeNet net: mnist (28 px), cifar (32 px; 64-256 px: more conv-pool blocks); auto picks by size", DP(arch)},
    {NULL, 0, NULL, 0, 0, 0, NULL, NULL, 0},
};
#undef DP

typedef struct ds_state {
  alcn_ctx ctx;
  alcn_backend *be;
  alcn_net *phi, *dec; /* dec: only with pre-training */
  int C, H, W, R, max_batch, pretrain, epoch; /* epoch: -1 before any epoch hook */
  size_t D;
  float c_eps;
  alcn_adam_hparams adam, ae_adam;
  int c_ready, optim_reset;
  double *c_sum; /* (R) host sums of the centre pass */
  long c_count;
  float *c_host;  /* (R) */
  float *rep_host; /* (max_batch, R) */
  float *c_rep;   /* (max_batch, R) backend: c in every row */
  float *grad, *drep, *dpred, *loss_dev; /* (max_batch,R), (max_batch,R), (max_batch,D), 1 */
} ds_state;

static void ds_destroy(void *state) {
  ds_state *s = state;
  if (!s) return;
  float *bufs[] = {s->c_rep, s->grad, s->drep, s->dpred, s->loss_dev};
  for (size_t i = 0; i < sizeof bufs / sizeof bufs[0]; ++i) alcn_backend_free(s->be, bufs[i]);
  free(s->c_sum);
  free(s->c_host);
  free(s->rep_host);
  alcn_net_destroy(s->phi);
  alcn_net_destroy(s->dec);
  free(s);
}

static alcn_status ds_create(const alcn_method_config *cfg, alcn_ctx *ctx, void **out) {
  *out = NULL;
  if (cfg->noise)
    ALCN_FAIL(ALCN_ERR_ARG, DS_OWNER ": takes no noise plugin, got '%s' (hint: --noise none)",
              cfg->noise->id ? cfg->noise->id : "?");
  if (cfg->max_batch <= 0) ALCN_FAIL(ALCN_ERR_ARG, DS_OWNER ": max_batch %d", cfg->max_batch);
  ds_params p;
  ALCN_CHECK(alcn_options_parse(ds_options, &cfg->opts, DS_OWNER, &p));
  int arch, blocks;
  ALCN_CHECK(dsvdd_resolve_arch(p.arch, cfg->C, cfg->H, cfg->W, &arch, &blocks));
  ds_state *s = calloc(1, sizeof *s);
  ALCN_CHECK_ALLOC(s, sizeof *s);
  s->ctx = *ctx;
  s->be = ctx->be;
  s->C = cfg->C; s->H = cfg->H; s->W = cfg->W;
  s->D = (size_t)cfg->C * cfg->H * cfg->W;
  s->max_batch = cfg->max_batch;
  s->pretrain = p.pretrain_epochs;
  s->epoch = -1;
  s->c_eps = p.c_eps;
  s->adam = (alcn_adam_hparams){p.lr, p.beta1, p.beta2, 1e-8f, p.weight_decay};
  s->ae_adam = (alcn_adam_hparams){p.ae_lr, p.beta1, p.beta2, 1e-8f, p.weight_decay};
  alcn_status st;
  ALCN_CHECK_GOTO(st, dsvdd_build_phi(&s->phi, s->be, arch, blocks, s->C, s->H, s->W), fail);
  ALCN_CHECK_GOTO(st, alcn_net_finalize(s->phi, s->max_batch, alcn_rng_derive(ctx->seed, DS_SEED_PHI),
                                        ALCN_INIT_TORCH), fail);
  if (s->pretrain > 0) {
    ALCN_CHECK_GOTO(st, dsvdd_build_decoder(&s->dec, s->be, arch, blocks, s->C, s->H, s->W), fail);
    ALCN_CHECK_GOTO(st, alcn_net_finalize(s->dec, s->max_batch, alcn_rng_derive(ctx->seed, DS_SEED_DEC),
                                          ALCN_INIT_TORCH), fail);
  }
  s->R = (int)alcn_net_out_numel(s->phi);
  const size_t B = (size_t)s->max_batch, R = (size_t)s->R, f = sizeof(float);
  s->c_sum = calloc(R, sizeof(double));
  s->c_host = calloc(R, f);
  s->rep_host = malloc(B * R * f);
  s->c_rep = alcn_backend_alloc(s->be, B * R * f);
  s->grad = alcn_backend_alloc(s->be, B * R * f);
  s->drep = alcn_backend_alloc(s->be, B * R * f);
  s->dpred = s->dec ? alcn_backend_alloc(s->be, B * s->D * f) : NULL;
  s->loss_dev = alcn_backend_alloc(s->be, f);
  if (!s->c_sum || !s->c_host || !s->rep_host || !s->c_rep || !s->grad || !s->drep || (s->dec && !s->dpred) ||
      !s->loss_dev) {
    st = alcn_error_at(__FILE__, __LINE__, ALCN_ERR_NOMEM, DS_OWNER ": out of %s memory for batch %d (hint: lower "
                       "--batch)", alcn_backend_name(s->be), s->max_batch);
    goto fail;
  }
  *out = s;
  return ALCN_OK;
fail:
  ds_destroy(s);
  return st;
}

/* c_rep = c_host in every row (through rep_host); c is ready. */
static alcn_status upload_centre(ds_state *s) {
  for (int i = 0; i < s->max_batch; ++i)
    memcpy(s->rep_host + (size_t)i * s->R, s->c_host, (size_t)s->R * sizeof(float));
  ALCN_CHECK(alcn_upload(s->be, s->c_rep, s->rep_host, (size_t)s->max_batch * s->R * sizeof(float)));
  s->c_ready = 1;
  return ALCN_OK;
}

/* The centre from the sums: mean, then the eps rule; c_rep = c in every row. */
static alcn_status finalize_centre(ds_state *s) {
  if (s->c_count <= 0)
    ALCN_FAIL(ALCN_ERR_ARG, DS_OWNER ": no centre yet: the centre pass saw no images (hint: --epochs must exceed "
              "pretrain_epochs)");
  for (int j = 0; j < s->R; ++j) {
    float c = (float)(s->c_sum[j] / (double)s->c_count);
    if (fabsf(c) < s->c_eps && c < 0.0f) c = -s->c_eps;
    else if (fabsf(c) < s->c_eps && c > 0.0f) c = s->c_eps;
    s->c_host[j] = c;
  }
  return upload_centre(s);
}

/* Centre pass on batch x: phi in eval mode (as init_center_c), sums into
 * c_sum; *spread = mean over the batch of ||phi(x) - running mean||^2 with phi
 * normalising by the batch's statistics (running ones untouched), i.e. the
 * one-class loss as the training forward would see it, so that the epoch
 * losses stay comparable across the phases. */
static alcn_status centre_batch(ds_state *s, const float *x, int n, double *spread) {
  const float *rep;
  ALCN_CHECK(alcn_net_forward(s->phi, x, n, ALCN_NET_EVAL, &rep));
  ALCN_CHECK(alcn_download(s->be, s->rep_host, rep, (size_t)n * s->R * sizeof(float)));
  for (int i = 0; i < n; ++i)
    for (int j = 0; j < s->R; ++j) s->c_sum[j] += s->rep_host[(size_t)i * s->R + j];
  s->c_count += n;
  ALCN_CHECK(alcn_net_forward(s->phi, x, n, ALCN_NET_BATCH_STATS, &rep));
  ALCN_CHECK(alcn_download(s->be, s->rep_host, rep, (size_t)n * s->R * sizeof(float)));
  double d = 0.0;
  for (int i = 0; i < n; ++i)
    for (int j = 0; j < s->R; ++j) {
      const double e = s->rep_host[(size_t)i * s->R + j] - s->c_sum[j] / (double)s->c_count;
      d += e * e;
    }
  *spread = d / n;
  return ALCN_OK;
}

/* Autoencoder step: loss = mean_n sum_pixels (Dec(phi(x)) - x)^2. */
static alcn_status ae_step(ds_state *s, const float *x, int n, double *loss) {
  const alcn_loss_cfg mse = {ALCN_LOSS_MSE, 1.0f};
  const float *rep, *y;
  ALCN_CHECK(alcn_net_forward(s->phi, x, n, ALCN_NET_TRAIN, &rep));
  ALCN_CHECK(alcn_net_forward(s->dec, rep, n, ALCN_NET_TRAIN, &y));
  ALCN_CHECK(alcn_loss(s->be, &mse, s->loss_dev, s->dpred, y, x, n, s->C, s->H, s->W, (float)s->D));
  ALCN_CHECK(alcn_net_zero_grad(s->phi));
  ALCN_CHECK(alcn_net_zero_grad(s->dec));
  ALCN_CHECK(alcn_net_backward(s->dec, s->dpred, s->drep));
  ALCN_CHECK(alcn_net_backward(s->phi, s->drep, NULL));
  ALCN_CHECK(alcn_net_adam_step(s->phi, &s->ae_adam));
  ALCN_CHECK(alcn_net_adam_step(s->dec, &s->ae_adam));
  float l;
  ALCN_CHECK(alcn_download(s->be, &l, s->loss_dev, sizeof l));
  *loss = (double)l * (double)s->D;
  return ALCN_OK;
}

/* One-class step: loss = mean_n ||phi(x_n) - c||^2. */
static alcn_status oc_step(ds_state *s, const float *x, int n, double *loss) {
  const alcn_loss_cfg mse = {ALCN_LOSS_MSE, 1.0f};
  const float *rep;
  if (!s->optim_reset) { /* the official trainer builds a fresh Adam after pre-training */
    ALCN_CHECK(alcn_net_reset_optimizer(s->phi));
    s->optim_reset = 1;
  }
  ALCN_CHECK(alcn_net_forward(s->phi, x, n, ALCN_NET_TRAIN, &rep));
  ALCN_CHECK(alcn_loss(s->be, &mse, s->loss_dev, s->grad, rep, s->c_rep, n, s->R, 1, 1, (float)s->R));
  ALCN_CHECK(alcn_net_zero_grad(s->phi));
  ALCN_CHECK(alcn_net_backward(s->phi, s->grad, NULL));
  ALCN_CHECK(alcn_net_adam_step(s->phi, &s->adam));
  float l;
  ALCN_CHECK(alcn_download(s->be, &l, s->loss_dev, sizeof l));
  *loss = (double)l * (double)s->R;
  return ALCN_OK;
}

static alcn_status ds_epoch_begin(void *state, int epoch) {
  ds_state *s = state;
  s->epoch = epoch;
  /* the centre epoch ended without an epoch_end: finish it now */
  if (!s->c_ready && epoch > s->pretrain && s->c_count > 0) ALCN_CHECK(finalize_centre(s));
  return ALCN_OK;
}

static alcn_status ds_epoch_end(void *state, int epoch) {
  ds_state *s = state;
  if (!s->c_ready && epoch >= s->pretrain && s->c_count > 0) ALCN_CHECK(finalize_centre(s));
  return ALCN_OK;
}

static alcn_status ds_train_step(void *state, const float *x, int n, uint64_t step, alcn_step_stats *stats) {
  ds_state *s = state;
  (void)step; /* Deep SVDD draws no random numbers per step */
  double loss = 0.0;
  stats->has_aux = 0;
  stats->events = 0;
  if (s->epoch < 0 && !s->c_ready) { /* no epoch hooks: c from this batch */
    ALCN_CHECK(centre_batch(s, x, n, &loss));
    ALCN_CHECK(finalize_centre(s));
  }
  if (s->epoch >= 0 && s->epoch < s->pretrain) {
    ALCN_CHECK(ae_step(s, x, n, &loss));
  } else if (!s->c_ready) {
    ALCN_CHECK(centre_batch(s, x, n, &loss));
    stats->events = 1;
  } else {
    ALCN_CHECK(oc_step(s, x, n, &loss));
  }
  stats->loss = loss;
  return ALCN_OK;
}

static alcn_status ds_score(void *state, const float *x, int n, float *scores) {
  ds_state *s = state;
  if (!s->c_ready) ALCN_CHECK(finalize_centre(s));
  const float *rep;
  ALCN_CHECK(alcn_net_forward(s->phi, x, n, ALCN_NET_EVAL, &rep));
  ALCN_CHECK(alcn_sq_err_per_image(s->be, scores, rep, s->c_rep, n, s->R)); /* mean over R */
  return alcn_axpby(s->be, scores, scores, (size_t)n, 0.0f, (float)s->R);   /* sum over R */
}

static size_t ds_param_count(void *state, size_t *noise_params) {
  ds_state *s = state;
  if (noise_params) *noise_params = 0;
  return alcn_net_param_count(s->phi) + (s->dec ? alcn_net_param_count(s->dec) : 0);
}

static alcn_status ds_save(void *state, FILE *f) {
  ds_state *s = state;
  ALCN_CHECK(alcn_net_save(s->phi, f));
  if (s->dec) ALCN_CHECK(alcn_net_save(s->dec, f));
  int32_t ready = s->c_ready;
  if (fwrite(&ready, sizeof ready, 1, f) != 1 || fwrite(s->c_host, sizeof(float), (size_t)s->R, f) != (size_t)s->R)
    ALCN_FAIL(ALCN_ERR_IO, DS_OWNER ": writing the centre failed (hint: disk full?)");
  return ALCN_OK;
}

static alcn_status ds_load(void *state, FILE *f, const char *path) {
  ds_state *s = state;
  ALCN_CHECK(alcn_net_load(s->phi, f, path));
  if (s->dec) ALCN_CHECK(alcn_net_load(s->dec, f, path));
  int32_t ready = 0;
  if (fread(&ready, sizeof ready, 1, f) != 1 || fread(s->c_host, sizeof(float), (size_t)s->R, f) != (size_t)s->R)
    ALCN_FAIL(ALCN_ERR_FORMAT, "%s: truncated Deep SVDD centre", path);
  return ready ? upload_centre(s) : ALCN_OK;
}

static const alcn_method_desc ds_desc = {
    .abi_major = ALCN_ABI_MAJOR,
    .abi_minor = ALCN_ABI_MINOR,
    .size = sizeof(alcn_method_desc),
    .id = "dsvdd",
    .label = "Deep SVDD",
    .summary = "Deep SVDD (Ruff et al. 2018): bias-free LeNet, one-class objective ||phi(x) - c||^2 with c from a "
               "centre pass; optional autoencoder pre-training; score = squared distance to c",
    .options = ds_options,
    .hosts_noise = 0,
    .create = ds_create,
    .train_step = ds_train_step,
    .score = ds_score,
    .param_count = ds_param_count,
    .destroy = ds_destroy,
    .event_name = "centre-pass batches (no update)",
    .epoch_begin = ds_epoch_begin,
    .epoch_end = ds_epoch_end,
    .save = ds_save,
    .load = ds_load,
};

ALCN_EXPORT const alcn_method_desc *alcn_method_descriptor(uint32_t index) { return index == 0 ? &ds_desc : NULL; }
