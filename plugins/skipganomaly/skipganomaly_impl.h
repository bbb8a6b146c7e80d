/* Internals of the Skip-GANomaly method plugin, shared by skipganomaly.c and
 * the white-box checks in tests/plugins/test_skipganomaly.c (gradients
 * against finite differences); not part of the plugin ABI. */
#ifndef ALCN_SKIPGANOMALY_IMPL_H
#define ALCN_SKIPGANOMALY_IMPL_H

#include <stdint.h>

#include "alcn/plugin.h"
#include "ganomaly_nets.h"
#include "skip_unet.h"

/* Indices into skip_state.loss_dev / the host copy of the losses:
 * ADV = BCE(D(x_hat), 1), CON = mean |x - x_hat|, LAT = mean (D_f(x) - D_f(x_hat))^2,
 * D_REAL = BCE(D(x), 1), D_FAKE = BCE(D(x_hat), 0) (unweighted). */
enum { SKIP_L_ADV = 0, SKIP_L_CON, SKIP_L_LAT, SKIP_L_D_REAL, SKIP_L_D_FAKE, SKIP_N_LOSSES };

typedef struct skip_state {
  alcn_ctx ctx;
  alcn_backend *be;
  gan_plan dplan;    /* the discriminator's DCGAN pyramid */
  int max_batch, nz, ngf, ndf, levels, tanh_out;
  size_t D;          /* C*H*W */
  size_t F;          /* discriminator feature numel per image (nz) */
  skip_unet *g;      /* generator (C,H,W) -> (C,H,W) */
  /* discriminator: dfeat (C,H,W) -> (nz,1,1) features, dcls (nz,1,1) -> 1 logit */
  alcn_net *dfeat, *dcls;
  alcn_adam_hparams adam;
  float w_adv, w_con, w_lat, d_reinit, lambda, noise_std;
  int score_mode;    /* ALCN_NET_EVAL (bn_score=running) or ALCN_NET_BATCH_STATS (bn_score=batch) */
  /* backend scratch, sized for max_batch */
  float *x_in;       /* (N,C,H,W) x + N(0, noise_std^2): the generator's training input */
  float *feat_real, *feat_fake; /* (N,F) */
  float *gfeat, *glat;          /* (N,F) gradients at D's features */
  float *dlogit;     /* (N) */
  float *ones, *zeros; /* (max_batch) BCE targets */
  float *dx_a, *dx_b;  /* (N,C,H,W) gradient pieces at x_hat */
  float *tmp;          /* (max_batch) score part */
  float *loss_dev;     /* SKIP_N_LOSSES */
  uint64_t step;
  long reinits;        /* discriminator re-initialisations so far */
} skip_state;

/* Zero every gradient, run the step's forwards (generator input: x plus the
 * step's noise when noise_std > 0) and write every network's parameter
 * gradients for batch x (n images), as the official optimize_params():
 *   generator:     L_G = w_adv BCE(D(x_hat), 1) + w_con mean|x - x_hat| + w_lat mean (D_f(x) - D_f(x_hat))^2
 *   discriminator: L_D = BCE(D(x), 1) + BCE(D(x_hat), 0) + w_lat mean (D_f(x) - D_f(x_hat))^2
 * The loss values stay in s->loss_dev (not downloaded). */
alcn_status skip_compute_grads(skip_state *s, const float *x, int n, uint64_t step);
/* L_G and L_D for batch x in training mode (forward only, no noise; *loss in
 * double from the downloaded terms); for gradient checks. */
alcn_status skip_generator_loss(skip_state *s, const float *x, int n, double *loss);
alcn_status skip_discriminator_loss(skip_state *s, const float *x, int n, double *loss);
/* Re-initialise the discriminator's weights (DCGAN init, a fresh seed per
 * call), keeping its Adam moments and BatchNorm running statistics, as the
 * official reinit_d() (netd.apply(weights_init)) does. */
alcn_status skip_reinit_discriminator(skip_state *s);

#endif
