/* Element-wise ops on the GPU: the per-sample alpha-blend and its gradient,
 * axpby, salt-and-pepper, and the bias broadcasts used by the conv and linear
 * layers. */
#ifndef ALCN_CUDA_ELEMENTWISE_CUH
#define ALCN_CUDA_ELEMENTWISE_CUH

#include "common.cuh"

/* out[n,i] = a[n]*x[n,i] + (1-a[n])*y[n,i]; x,y,out (N,D), a (N). */
alcn_status alcn_cuda_blend(cudaStream_t s, float *out, const float *x, const float *y, const float *a, int N,
                            int D);
/* dy[n,i] = (1-a[n]) * dout[n,i]. */
alcn_status alcn_cuda_blend_backward_y(cudaStream_t s, float *dy, const float *dout, const float *a, int N,
                                       int D);
/* y[i] = alpha*x[i] + beta*y[i] (beta == 0: y is not read). */
alcn_status alcn_cuda_axpby(cudaStream_t s, float *y, const float *x, size_t n, float alpha, float beta);
/* Salt-and-pepper, as alcn_cpu_salt_pepper (ops.h): one block per image. */
alcn_status alcn_cuda_salt_pepper(cudaStream_t s, float *out, float *noise, const float *x, const float *u, int N,
                                  int D, float rate);
/* out[n,k,j] += b[k]; out (N,K,inner). inner = 1 gives the row bias of a Linear. */
alcn_status alcn_cuda_add_bias(cudaStream_t s, float *out, const float *b, int N, int K, size_t inner);

#endif
