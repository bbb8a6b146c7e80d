/* The paper's networks, built with the network helper (net.h), shared by the
 * DAE method and the ALCN noise plugin so that both see the same shapes.
 *
 * arch "paper" (28/32 px; any size where five valid 5x5 layers fit):
 *   DAE:     Conv(C,16,5) ReLU Conv(16,32,5) ReLU ConvT(32,16,5) ReLU ConvT(16,C,5)
 *   G_noise: z(256) -> Linear(256, 32*(H-8)*(W-8)) -> reshape -> ReLU -> ConvT(32,16,5) ReLU
 *            -> ConvT(16,C,5) -> Sigmoid
 * arch "strided" (64..256 px, H and W divisible by 16): the same family with
 *   stride-2 5x5 convolutions (padding 2), so the bottleneck is 32 x H/16 x W/16:
 *   DAE:     Conv(C,16,5,s2,p2) ReLU Conv(16,32,5,s2,p2) ReLU Conv(32,32,5,s2,p2) ReLU
 *            Conv(32,32,5,s2,p2) ReLU ConvT(32,32,5,s2,p2,op1) ReLU ConvT(32,32,...) ReLU
 *            ConvT(32,16,...) ReLU ConvT(16,C,5,s2,p2,op1)
 *   G_noise: z(256) -> Linear(256, 32*H/16*W/16) -> reshape -> ReLU -> the DAE's decoder -> Sigmoid
 *   At 256x256 the paper's valid convs would need Linear(256, 32*248*248), 503 M weights
 *   (2 GB); the strided noise generator's Linear has 2.1 M.
 * arch "auto": paper when H,W <= 32, else strided. */
#ifndef ALCN_MODELS_H
#define ALCN_MODELS_H

#include "alcn/export.h"

#include "alcn/net.h"

#ifdef __cplusplus
extern "C" {
#endif

#define ALCN_NOISE_ZDIM 256

/* The arch option's choices, in the order of alcn_model_arch_name. */
#define ALCN_MODEL_ARCH_CHOICES "auto|paper|strided"
/* "auto", "paper", "strided" for index 0, 1, 2 (an enum option's value); else "auto". */
ALCN_API const char *alcn_model_arch_name(int index);

/* "paper" or "strided" for arch ("auto", "paper", "strided") and this image size;
 * ALCN_ERR_ARG with the reason when the size does not fit the arch. */
ALCN_API alcn_status alcn_model_resolve_arch(const char *arch, int H, int W, const char **resolved);
/* The DAE (input and output C,H,W), not finalized. */
ALCN_API alcn_status alcn_model_dae(alcn_net **out, alcn_backend *be, int C, int H, int W, const char *arch);
/* The noise generator: input (zdim,1,1), output (C,H,W) in (0,1), not finalized. */
ALCN_API alcn_status alcn_model_noise_gen(alcn_net **out, alcn_backend *be, int C, int H, int W, int zdim, const char *arch);

#ifdef __cplusplus
}
#endif
#endif
