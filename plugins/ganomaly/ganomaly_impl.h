/* Internals of the GANomaly method plugin, shared by ganomaly.c and the
 * white-box checks in tests/plugins/test_ganomaly.c (gradients against finite
 * differences); not part of the plugin ABI. */
#ifndef ALCN_GANOMALY_IMPL_H
#define ALCN_GANOMALY_IMPL_H

#include <stdint.h>

#include "alcn/plugin.h"
#include "ganomaly_nets.h"

/* Indices into gan_state.loss_dev / the host copy of the losses. */
enum { GAN_L_ADV = 0, GAN_L_CON, GAN_L_ENC, GAN_L_D_REAL, GAN_L_D_FAKE, GAN_N_LOSSES };

typedef struct gan_state {
  alcn_ctx ctx;
  alcn_backend *be;
  gan_plan plan;
  int max_batch, nz, ngf, ndf;
  size_t D;  /* C*H*W */
  size_t F;  /* discriminator feature numel per image */
  /* generator: enc1 (C,H,W)->(nz,1,1), dec (nz,1,1)->(C,H,W), enc2 (C,H,W)->(nz,1,1);
   * discriminator: dfeat (C,H,W)->(F) and dcls (F)->(1) logit */
  alcn_net *enc1, *dec, *enc2, *dfeat, *dcls;
  alcn_adam_hparams adam;
  float w_adv, w_con, w_enc, d_reinit;
  int score_mode;    /* ALCN_NET_EVAL (bn_score=running) or ALCN_NET_BATCH_STATS (bn_score=batch) */
  /* backend scratch, sized for max_batch */
  float *feat_real;  /* (N,F) D features of x, the feature-matching target */
  float *gfeat;      /* (N,F) gradient at D's features */
  float *dlogit;     /* (N) */
  float *ones, *zeros; /* (max_batch) BCE targets */
  float *dx_a, *dx_b;  /* (N,C,H,W) gradient pieces at x_hat */
  float *dz_hat, *dz;  /* (N,nz) */
  float *loss_dev;     /* GAN_N_LOSSES */
  uint64_t step;
  long reinits;        /* discriminator re-initialisations so far */
} gan_state;

/* Zero every gradient, run the step's forwards and write every network's
 * parameter gradients for batch x (n images): the generator's from
 *   w_adv * mean (D_f(x) - D_f(x_hat))^2 + w_con * mean |x - x_hat| + w_enc * mean (z - z_hat)^2
 * (D frozen) and the discriminator's from 0.5 * (BCE(D(x), 1) + BCE(D(x_hat), 0)).
 * The loss values stay in s->loss_dev (not downloaded). */
alcn_status gan_compute_grads(gan_state *s, const float *x, int n);
/* The weighted generator loss for batch x in training mode (forward only,
 * *loss in double from the three downloaded terms); for gradient checks. */
alcn_status gan_generator_loss(gan_state *s, const float *x, int n, double *loss);
/* L_D for batch x in training mode (forward only); for gradient checks. */
alcn_status gan_discriminator_loss(gan_state *s, const float *x, int n, double *loss);
/* Re-initialise the discriminator's weights (DCGAN init, a fresh seed per
 * call), keeping its Adam moments and BatchNorm running statistics as the
 * official code's netd.apply(weights_init) does. */
alcn_status gan_reinit_discriminator(gan_state *s);

#endif
