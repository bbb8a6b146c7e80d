/* The convolutional VAE's encoder and decoder (method plugin "vae"), at the
 * DAE's scale so that the two compare at equal capacity (models.h):
 *
 * arch "paper" (28/32 px; any size where two valid 5x5 convs fit), L = zdim:
 *   encoder: Conv(C,16,5) ReLU Conv(16,32,5) ReLU -> Linear(32*(H-8)*(W-8), 2L)
 *   decoder: z (L) -> Linear(L, 32*(H-8)*(W-8)) -> reshape -> ReLU
 *            -> ConvT(32,16,5) ReLU ConvT(16,C,5)            (linear output)
 * arch "strided" (64..256 px, H and W divisible by 16): the DAE's strided
 *   family (5x5, stride 2, padding 2), bottleneck 32 x H/16 x W/16:
 *   encoder: [Conv(.,c,5,s2,p2) ReLU] x4, c = 16,32,32,32 -> Linear(32*H/16*W/16, 2L)
 *   decoder: Linear(L, 32*H/16*W/16) -> reshape -> ReLU -> [ConvT(.,c,5,s2,p2,op1) ReLU] x3,
 *            c = 32,32,16 -> ConvT(16,C,5,s2,p2,op1)
 *   (at 256 px the bottleneck Linear is 8192 x 2L: 0.5 M weights for L = 32).
 * arch "auto": paper up to 32 px, else strided (alcn_model_resolve_arch).
 * The encoder's output row is (mu (L), log sigma^2 (L)); the output of the
 * decoder is linear because the data are standardised. */
#ifndef ALCN_VAE_NETS_H
#define ALCN_VAE_NETS_H

#include "alcn/net.h"

/* Not finalized. arch: "auto", "paper" or "strided". */
alcn_status vae_build_encoder(alcn_net **out, alcn_backend *be, int C, int H, int W, int zdim, const char *arch);
alcn_status vae_build_decoder(alcn_net **out, alcn_backend *be, int C, int H, int W, int zdim, const char *arch);

#endif
