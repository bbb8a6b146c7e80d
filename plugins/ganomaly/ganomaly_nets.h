/* GANomaly's DCGAN networks (Akcay et al. 2018, the official code's Encoder,
 * Decoder and NetD), built for the actual image size with the network helper.
 *
 * The pyramid for a square H x H image: the first stride-2 conv (k4 s2 p1)
 * halves H (H must be even), further k4 s2 p1 convs halve it while the map is
 * larger than 4 and even; the final map size f must lie in 2..8 and a conv
 * with kernel f (s1 p0) maps it to 1x1. Examples:
 *   28 -> 14 -> 7 (f 7);  32 -> 16 -> 8 -> 4 (f 4, the official isize-32 nets);
 *   64..256 (powers of two) -> 4;  224 -> 7;  96 -> 3.
 * Sizes that do not reach such an f (odd sizes, 100 -> 50 -> 25) or
 * non-square images fail with ALCN_ERR_ARG and a hint.
 *
 * encoder (C,H,H) -> (out,1,1), n = number of halvings:
 *   Conv(C,nf,4,2,1) LReLU(0.2)
 *   (n-1) x [Conv(c,2c,4,2,1) BN LReLU(0.2)]          (c doubles each time)
 *   Conv(nf*2^(n-1), out, f, 1, 0)                     (only with final conv)
 * features trunk (discriminator): the encoder without the final conv,
 *   output (nf*2^(n-1), f, f); classifier: Conv(nf*2^(n-1), 1, f, 1, 0) -> 1 logit.
 * decoder (nz,1,1) -> (C,H,H):
 *   ConvT(nz, ngf*2^(n-1), f, 1, 0) BN ReLU
 *   (n-1) x [ConvT(c, c/2, 4, 2, 1) BN ReLU]
 *   ConvT(ngf, C, 4, 2, 1)      linear output: the data are standardised (zero
 *                               mean, unit variance), so the official Tanh
 *                               (range [-1,1]) would clip the targets.
 * All convs without bias; BatchNorm eps 1e-5, momentum 0.1 (PyTorch defaults).
 * The nets are returned not finalized. */
#ifndef ALCN_GANOMALY_NETS_H
#define ALCN_GANOMALY_NETS_H

#include "alcn/net.h"

typedef struct gan_plan {
  int C, H, W;
  int halvings; /* stride-2 layers in the encoder (and stride-2 ConvT in the decoder) */
  int fsize;    /* map size before the final conv (its kernel size) */
} gan_plan;

/* Plan the pyramid for (C,H,W); ALCN_ERR_ARG naming the size and the reason. */
alcn_status gan_plan_make(gan_plan *p, int C, int H, int W);
/* Encoder with nf first-layer channels to `out` latent channels (final conv). */
alcn_status gan_build_encoder(alcn_net **out, alcn_backend *be, const char *name, const gan_plan *p, int nf,
                              int out_ch);
/* Discriminator trunk (encoder without its final conv) and its 1-logit classifier. */
alcn_status gan_build_features(alcn_net **out, alcn_backend *be, const char *name, const gan_plan *p, int nf);
alcn_status gan_build_classifier(alcn_net **out, alcn_backend *be, const char *name, const gan_plan *p, int nf);
/* Decoder from nz latent channels; ngf channels before the last ConvT. */
alcn_status gan_build_decoder(alcn_net **out, alcn_backend *be, const char *name, const gan_plan *p, int nz,
                              int ngf);
/* Channels of the trunk's output: nf * 2^(halvings-1). */
int gan_top_channels(const gan_plan *p, int nf);

#endif
