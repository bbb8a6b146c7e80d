/* Conv2d and ConvTranspose2d on the GPU through cuDNN (legacy convolution
 * API of cuDNN 9): forward, backward-data and backward-filter, the
 * algorithm chosen once per shape and direction (cudnnFind*, or the
 * cudnnGet*_v7 heuristic with ALCN_CUDNN_HEURISTIC=1) and cached, one
 * grow-only workspace per backend. ConvTranspose2d forward is cuDNN's
 * backward-data of the matching Conv2d, its input gradient is cuDNN's forward.
 * FP32 (CUDNN_FMA_MATH) unless ALCN_CUDA_TF32=1. */
#ifndef ALCN_CUDA_CONV_CUH
#define ALCN_CUDA_CONV_CUH

#include "common.cuh"

/* ops.h shapes; d->transposed picks the layer. out = ; dw, db += ; din =. */
alcn_status alcn_cuda_conv_forward(alcn_cuda_ctx *c, float *out, const float *in, const float *w, const float *b,
                                   const alcn_conv_dims *d);
alcn_status alcn_cuda_conv_backward(alcn_cuda_ctx *c, float *din, float *dw, float *db, const float *dout,
                                    const float *in, const float *w, const alcn_conv_dims *d);
/* Destroy the cached descriptors (backend destroy). */
void alcn_cuda_conv_cache_free(alcn_cuda_ctx *c);

#endif
