/* Activations on the GPU (ReLU, LeakyReLU, Sigmoid, Tanh): the CPU ops of
 * ops.h with a stream. out may alias in; din may alias dout. */
#ifndef ALCN_CUDA_ACT_CUH
#define ALCN_CUDA_ACT_CUH

#include "common.cuh"

/* out[i] = f(in[i]), n elements. */
alcn_status alcn_cuda_act_forward(cudaStream_t s, float *out, const float *in, size_t n, alcn_act act, float slope);
/* din[i] = dout[i] * f'(.) expressed through the forward's output. */
alcn_status alcn_cuda_act_backward(cudaStream_t s, float *din, const float *dout, const float *out, size_t n,
                                   alcn_act act, float slope);

#endif
