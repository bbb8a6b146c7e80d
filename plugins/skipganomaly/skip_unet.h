/* Skip-GANomaly's generator: the U-Net of the official code
 * (lib/models/networks.py UnetGenerator / UnetSkipConnectionBlock, the
 * pix2pix U-Net, norm=batch, no dropout), built from one sequential network
 * per level (alcn/net.h) joined by channel concatenations (alcn_copy_2d).
 *
 * Levels for a square H x H image: s_0 = H, s_i = floor(s_{i-1} / 2) (a
 * k4 s2 p1 conv), i = 1..L, down to s_L = 1 (levels=0) or L = `levels`
 * halvings. Widths c_0 = C, c_i = ngf * min(2^(i-1), 8) (the official
 * ngf, 2ngf, 4ngf, then 8ngf for every deeper level). With a = the encoder
 * activations (a_0 = x):
 *   down_1:            a_1 = LReLU_0.2(Conv(C, c_1, 4, 2, 1)(x))
 *   down_i, 1<i<L:     a_i = LReLU_0.2(BN(Conv(c_{i-1}, c_i, 4, 2, 1)(a_{i-1})))
 *   down_L:            a_L = Conv(c_{L-1}, c_L, 4, 2, 1)(a_{L-1})          (bottleneck, s_L x s_L)
 *   up_L:              u_{L-1} = BN(ConvT(c_L, c_{L-1}, 4, 2, 1, op)(ReLU(a_L)))
 *   up_i, 1<i<L:       u_{i-1} = BN(ConvT(2c_i, c_{i-1}, 4, 2, 1, op)(ReLU(cat(a_i, u_i))))
 *   up_1:              x_hat = out(ConvT(2c_1, C, 4, 2, 1, op, bias)(ReLU(cat(a_1, u_1))))
 * cat(a, u) stacks channels, the skip first, as torch.cat([x, model(x)], 1).
 * The skip carries the LeakyReLU'd activation a_i: the official block's
 * in-place nn.LeakyReLU(0.2, True) rewrites its input before torch.cat
 * reads it. op (output padding) = s_{i-1} mod 2 restores odd sizes, so
 * 28 px runs natively: 28 -> 14 -> 7 -> 3 -> 1 (L 4; 32 px: L 5, the
 * official net; 64..256 px: L 6..8, the pix2pix unet_64..unet_256).
 * Only up_1's ConvT has a bias (the official use_bias is False under
 * BatchNorm); out = identity (default: the data are standardised) or Tanh
 * (the official). BatchNorm eps 1e-5, momentum 0.1. */
#ifndef ALCN_SKIP_UNET_H
#define ALCN_SKIP_UNET_H

#include "alcn/net.h"

#define SKIP_MAX_LEVELS 16

typedef struct skip_unet {
  alcn_backend *be;
  int C, H, L, ngf, max_batch, tanh_out;
  int last_batch; /* N of the last forward (0: none yet) */
  int ch[SKIP_MAX_LEVELS + 1]; /* c_0..c_L */
  int sz[SKIP_MAX_LEVELS + 1]; /* s_0..s_L */
  alcn_net *down[SKIP_MAX_LEVELS]; /* down[i-1]: a_{i-1} -> a_i */
  alcn_net *up[SKIP_MAX_LEVELS];   /* up[i-1]: level i -> level i-1 */
  const float *a[SKIP_MAX_LEVELS + 1]; /* a_i of the last forward (owned by the nets) */
  float *cat[SKIP_MAX_LEVELS];  /* cat[i] (N, 2c_i, s_i, s_i), i = 1..L-1 */
  float *dcat[SKIP_MAX_LEVELS]; /* gradient at cat[i] */
  float *da[SKIP_MAX_LEVELS + 1]; /* gradient at a_i, i = 1..L */
  float *du[SKIP_MAX_LEVELS];   /* gradient at u_i, i = 1..L-1 */
  float *tmp;                   /* the down path's gradient at a_{i-1} */
} skip_unet;

/* The level sizes for an H x H image: *L = levels (0: down to 1x1), sz[0..L].
 * ALCN_ERR_ARG naming the size when H < 2 or levels is out of 1..the most. */
alcn_status skip_unet_plan(int H, int levels, int *L, int sz[SKIP_MAX_LEVELS + 1]);
/* Build, finalise (DCGAN init from seed: conv N(0,0.02), BN gamma N(1,0.02),
 * beta 0, bias 0) and allocate the skip buffers for batches up to max_batch. */
alcn_status skip_unet_create(skip_unet **out, alcn_backend *be, int C, int H, int W, int ngf, int levels,
                             int tanh_out, int max_batch, uint64_t seed);
void skip_unet_destroy(skip_unet *u);
/* x (N,C,H,W) -> *x_hat (N,C,H,W), owned by the U-Net until its next forward.
 * mode: ALCN_NET_EVAL / _TRAIN / _BATCH_STATS. x is kept until backward. */
alcn_status skip_unet_forward(skip_unet *u, const float *x, int N, int mode, const float **x_hat);
/* dx_hat: gradient at the last forward's output; parameter gradients +=;
 * din (may be NULL): gradient at x (=). */
alcn_status skip_unet_backward(skip_unet *u, const float *dx_hat, float *din);
alcn_status skip_unet_zero_grad(skip_unet *u);
alcn_status skip_unet_adam_step(skip_unet *u, const alcn_adam_hparams *h);
size_t skip_unet_param_count(const skip_unet *u);
/* Every network in a fixed order (down_1..down_L, up_1..up_L), for save,
 * load and tests; returns the count (2L). */
int skip_unet_nets(skip_unet *u, alcn_net **nets, int cap);

#endif
