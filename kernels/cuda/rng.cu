/* Philox fill kernels (rng.cuh): one thread per counter, four values each,
 * the same arithmetic as core/src/rng.c (no fast-math, no FMA contraction). */
#include "alcn/rng.h"
#include "rng.cuh"

__global__ void alcn_rng_uniform_kernel(float *out, size_t n, uint64_t seed, uint64_t offset, float lo,
                                        float span) {
  const size_t nq = (n + 3) / 4;
  for (size_t q = blockIdx.x * (size_t)blockDim.x + threadIdx.x; q < nq; q += (size_t)gridDim.x * blockDim.x) {
    const alcn_u32x4 r = alcn_philox4x32(seed, offset + q);
#pragma unroll
    for (int l = 0; l < 4; ++l) {
      const size_t i = q * 4 + (size_t)l;
      if (i < n) out[i] = __fadd_rn(lo, __fmul_rn(span, alcn_u32_to_unit(r.v[l]))); /* no FMA: as the CPU */
    }
  }
}

__global__ void alcn_rng_normal_kernel(float *out, size_t n, uint64_t seed, uint64_t offset, float mean,
                                       float std) {
  const float two_pi = 6.28318530717958647692f;
  const size_t nq = (n + 3) / 4;
  for (size_t q = blockIdx.x * (size_t)blockDim.x + threadIdx.x; q < nq; q += (size_t)gridDim.x * blockDim.x) {
    const alcn_u32x4 r = alcn_philox4x32(seed, offset + q);
#pragma unroll
    for (int pair = 0; pair < 4; pair += 2) {
      const float u1 = alcn_u32_to_unit(r.v[pair]), u2 = alcn_u32_to_unit(r.v[pair + 1]);
      const float rad = sqrtf(-2.0f * logf(u1));
      const float th = two_pi * u2;
      const size_t i = q * 4 + (size_t)pair;
      if (i < n) out[i] = __fadd_rn(mean, __fmul_rn(std, __fmul_rn(rad, cosf(th))));
      if (i + 1 < n) out[i + 1] = __fadd_rn(mean, __fmul_rn(std, __fmul_rn(rad, sinf(th))));
    }
  }
}

alcn_status alcn_cuda_rng_uniform(cudaStream_t s, float *out, size_t n, uint64_t seed, uint64_t offset, float lo,
                                  float hi) {
  if (n == 0) return ALCN_OK;
  alcn_rng_uniform_kernel<<<alcn_cuda_blocks((n + 3) / 4, ALCN_CUDA_THREADS), ALCN_CUDA_THREADS, 0, s>>>(
      out, n, seed, offset, lo, hi - lo);
  ALCN_CUDA_LAUNCH_CHECK("alcn_rng_uniform_kernel");
  return ALCN_OK;
}

alcn_status alcn_cuda_rng_normal(cudaStream_t s, float *out, size_t n, uint64_t seed, uint64_t offset, float mean,
                                 float std) {
  if (n == 0) return ALCN_OK;
  alcn_rng_normal_kernel<<<alcn_cuda_blocks((n + 3) / 4, ALCN_CUDA_THREADS), ALCN_CUDA_THREADS, 0, s>>>(
      out, n, seed, offset, mean, std);
  ALCN_CUDA_LAUNCH_CHECK("alcn_rng_normal_kernel");
  return ALCN_OK;
}
