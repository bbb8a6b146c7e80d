/* Counter-based RNG (Philox4x32-10, Salmon et al. 2011). Stateless: value i
 * of a stream is a pure function of (seed, offset + i), so the CPU and the
 * CUDA backend draw identical numbers in any order or thread layout.
 *
 * Stream layout (both backends): element i of a fill call uses counter
 * (offset + i/4) and lane i%4. Uniforms are (u32 >> 8) * 2^-24 + 2^-25, in (0,1).
 * Normals use Box-Muller on lanes (0,1) and (2,3): lane 2k gives r*cos, 2k+1 r*sin.
 * A caller that needs several independent draws advances `offset` by
 * alcn_rng_span(n) after each fill. */
#ifndef ALCN_RNG_H
#define ALCN_RNG_H

#include "alcn/export.h"

#include <stddef.h>
#include <stdint.h>

#ifdef __CUDACC__
#define ALCN_HD __host__ __device__ __forceinline__
#else
#define ALCN_HD static inline
#endif

#ifdef __cplusplus
extern "C" {
#endif

typedef struct alcn_u32x4 { uint32_t v[4]; } alcn_u32x4;

/* The Philox4x32-10 block function on a full 4-word counter and 2-word key,
 * exactly as Random123's philox4x32(ctr, key) with 10 rounds (checked against
 * its kat_vectors in tests/core/test_rng.c). */
ALCN_HD alcn_u32x4 alcn_philox4x32_10(alcn_u32x4 ctr, uint32_t k0, uint32_t k1) {
  uint32_t c0 = ctr.v[0], c1 = ctr.v[1], c2 = ctr.v[2], c3 = ctr.v[3];
  for (int r = 0; r < 10; ++r) {
    uint64_t p0 = (uint64_t)0xD2511F53u * c0;
    uint64_t p1 = (uint64_t)0xCD9E8D57u * c2;
    uint32_t hi0 = (uint32_t)(p0 >> 32), lo0 = (uint32_t)p0;
    uint32_t hi1 = (uint32_t)(p1 >> 32), lo1 = (uint32_t)p1;
    uint32_t n0 = hi1 ^ c1 ^ k0, n1 = lo1, n2 = hi0 ^ c3 ^ k1, n3 = lo0;
    c0 = n0; c1 = n1; c2 = n2; c3 = n3;
    k0 += 0x9E3779B9u;
    k1 += 0xBB67AE85u;
  }
  alcn_u32x4 out = {{c0, c1, c2, c3}};
  return out;
}

/* The streams' block: counter words (counter low, counter high, 0x2545F491,
 * 0x9E3779B9), key words (seed low, seed high). */
ALCN_HD alcn_u32x4 alcn_philox4x32(uint64_t seed, uint64_t counter) {
  alcn_u32x4 ctr = {{(uint32_t)counter, (uint32_t)(counter >> 32), 0x2545F491u, 0x9E3779B9u}};
  return alcn_philox4x32_10(ctr, (uint32_t)seed, (uint32_t)(seed >> 32));
}

/* u32 -> float in the open interval (0,1). */
ALCN_HD float alcn_u32_to_unit(uint32_t u) {
  return (float)(u >> 8) * (1.0f / 16777216.0f) + (1.0f / 33554432.0f);
}

/* Number of counters a fill of n values consumes. */
static inline uint64_t alcn_rng_span(size_t n) { return ((uint64_t)n + 3u) / 4u; }

/* out[i] = lo + (hi-lo) * U_i */
ALCN_API void alcn_rng_uniform(float *out, size_t n, uint64_t seed, uint64_t offset, float lo, float hi);
/* out[i] = mean + std * N_i */
ALCN_API void alcn_rng_normal(float *out, size_t n, uint64_t seed, uint64_t offset, float mean, float std);
/* A 64-bit seed for sub-stream `stream` of `seed` (splitmix64 of both). */
ALCN_API uint64_t alcn_rng_derive(uint64_t seed, uint64_t stream);

#ifdef __cplusplus
}
#endif
#endif
