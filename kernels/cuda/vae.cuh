/* The VAE's Gaussian posterior on the GPU (as kernels/cpu/vae.c): the
 * reparameterised sample, the KL divergence to N(0,I) and their gradient. */
#ifndef ALCN_CUDA_VAE_CUH
#define ALCN_CUDA_VAE_CUH

#include "common.cuh"

alcn_status alcn_cuda_vae_sample(cudaStream_t s, float *z, float *kl, const float *ml, const float *eps, int N, int L);
alcn_status alcn_cuda_vae_sample_backward(cudaStream_t s, float *dml, const float *dz, const float *ml,
                                          const float *eps, int N, int L, float kl_scale);

#endif
