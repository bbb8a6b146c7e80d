/* Random fills on the GPU with the Philox streams of rng.h: bit-identical
 * uniforms and (up to sinf/cosf/logf rounding) identical normals to the CPU. */
#ifndef ALCN_CUDA_RNG_CUH
#define ALCN_CUDA_RNG_CUH

#include "common.cuh"

/* out[i] = lo + (hi-lo) * U_i, element i from counter offset + i/4, lane i%4. */
alcn_status alcn_cuda_rng_uniform(cudaStream_t s, float *out, size_t n, uint64_t seed, uint64_t offset, float lo,
                                  float hi);
/* out[i] = mean + std * N_i (Box-Muller on lane pairs (0,1), (2,3)). */
alcn_status alcn_cuda_rng_normal(cudaStream_t s, float *out, size_t n, uint64_t seed, uint64_t offset, float mean,
                                 float std);

#endif
