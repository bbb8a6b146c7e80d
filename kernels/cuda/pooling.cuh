/* Resampling layers on the GPU (as kernels/cpu/pooling.c): MaxPool2d and
 * nearest-neighbour upsampling, forward and backward. */
#ifndef ALCN_CUDA_POOLING_CUH
#define ALCN_CUDA_POOLING_CUH

#include "common.cuh"

alcn_status alcn_cuda_maxpool_forward(cudaStream_t s, float *out, const float *in, int N, int C, int H, int W, int k,
                                      int stride);
alcn_status alcn_cuda_maxpool_backward(cudaStream_t s, float *din, const float *dout, const float *in, int N, int C,
                                       int H, int W, int k, int stride);
alcn_status alcn_cuda_upsample_forward(cudaStream_t s, float *out, const float *in, int N, int C, int H, int W,
                                       int f);
alcn_status alcn_cuda_upsample_backward(cudaStream_t s, float *din, const float *dout, int N, int C, int H, int W,
                                        int f);

#endif
