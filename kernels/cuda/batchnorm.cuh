/* BatchNorm2d on the GPU with own kernels (ops.h semantics: biased batch
 * variance for normalising, unbiased for the running variance, momentum as
 * PyTorch; gamma/beta grads +=, din =). Per-channel sums in double, one block
 * per channel in a fixed order: deterministic. */
#ifndef ALCN_CUDA_BATCHNORM_CUH
#define ALCN_CUDA_BATCHNORM_CUH

#include "common.cuh"

/* in/out (N,C,HW); gamma, beta, running_*, save_* (C). train: batch
 * statistics (save_* may be NULL, running_* may be NULL); eval: running ones. */
alcn_status alcn_cuda_bn_forward(alcn_cuda_ctx *c, int train, float *out, const float *in, const float *gamma,
                                 const float *beta, float *running_mean, float *running_var, float *save_mean,
                                 float *save_invstd, const alcn_bn_dims *d);
/* Train-mode backward; din, dgamma, dbeta may each be NULL. */
alcn_status alcn_cuda_bn_backward(alcn_cuda_ctx *c, float *din, float *dgamma, float *dbeta, const float *dout,
                                  const float *in, const float *gamma, const float *save_mean,
                                  const float *save_invstd, const alcn_bn_dims *d);

#endif
