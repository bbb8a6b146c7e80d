/* Element-wise ops for mask-type noises on the GPU (as kernels/cpu/masking.c):
 * product, select by a 0/1 mask, clamp and its gradient. */
#ifndef ALCN_CUDA_MASKING_CUH
#define ALCN_CUDA_MASKING_CUH

#include "common.cuh"

alcn_status alcn_cuda_mul(cudaStream_t s, float *out, const float *a, const float *b, size_t n);
alcn_status alcn_cuda_select(cudaStream_t s, float *out, const float *mask, const float *a, const float *b, size_t n);
alcn_status alcn_cuda_clamp(cudaStream_t s, float *out, const float *in, size_t n, float lo, float hi);
alcn_status alcn_cuda_clamp_backward(cudaStream_t s, float *din, const float *dout, const float *in, size_t n,
                                     float lo, float hi);

#endif
