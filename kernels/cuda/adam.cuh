/* Adam on the GPU: the PyTorch update of ops.h (alcn_cpu_adam_step) with a stream. */
#ifndef ALCN_CUDA_ADAM_CUH
#define ALCN_CUDA_ADAM_CUH

#include "common.cuh"

/* p, g, m, v: n floats; t counts from 1. */
alcn_status alcn_cuda_adam_step(cudaStream_t s, float *p, const float *g, float *m, float *v, size_t n,
                                const alcn_adam_hparams *h, int t);

#endif
