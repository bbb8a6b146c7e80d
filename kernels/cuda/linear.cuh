/* Linear layer on the GPU through cuBLAS SGEMM (FP32; TF32 tensor cores
 * only with ALCN_CUDA_TF32=1). in (N,I), w (O,I) (PyTorch layout), b (O),
 * out (N,O), all row-major; cuBLAS sees them as their column-major transposes. */
#ifndef ALCN_CUDA_LINEAR_CUH
#define ALCN_CUDA_LINEAR_CUH

#include "common.cuh"

/* out = in w^T + b (b may be NULL). */
alcn_status alcn_cuda_linear_forward(alcn_cuda_ctx *c, float *out, const float *in, const float *w, const float *b,
                                     int N, int I, int O);
/* din = dout w; dw += dout^T in; db += column sums of dout. Any may be NULL. */
alcn_status alcn_cuda_linear_backward(alcn_cuda_ctx *c, float *din, float *dw, float *db, const float *dout,
                                      const float *in, const float *w, int N, int I, int O);

#endif
