/* Focal Frequency Loss on the GPU (definition in ops.h): batched 2-D C2C
 * cuFFT plans cached per shape, own kernels for the spectrum weights, the
 * deterministic reduction and the gradient (an inverse FFT). */
#ifndef ALCN_CUDA_FFL_CUH
#define ALCN_CUDA_FFL_CUH

#include "common.cuh"

/* pred, target, dpred (N,C,H,W); *loss (device, 1 float) = mean of w*|dF|^2;
 * dpred (may be NULL) = scale * dLoss/dpred. */
alcn_status alcn_cuda_ffl_loss(alcn_cuda_ctx *c, float *loss, float *dpred, const float *pred, const float *target,
                               int N, int C, int H, int W, float alpha, float scale);
/* Destroy the cached plans (backend destroy). */
void alcn_cuda_ffl_cache_free(alcn_cuda_ctx *c);

#endif
