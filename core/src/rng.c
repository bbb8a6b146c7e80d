/* CPU fills for the Philox streams defined in rng.h. */
#include "alcn/rng.h"

#include <math.h>

void alcn_rng_uniform(float *out, size_t n, uint64_t seed, uint64_t offset, float lo, float hi) {
  const float span = hi - lo;
#pragma omp parallel for schedule(static) if (n > (1u << 20))
  for (size_t q = 0; q < (n + 3) / 4; ++q) {
    alcn_u32x4 r = alcn_philox4x32(seed, offset + q);
    for (int l = 0; l < 4; ++l) {
      size_t i = q * 4 + (size_t)l;
      if (i < n) out[i] = lo + span * alcn_u32_to_unit(r.v[l]);
    }
  }
}

void alcn_rng_normal(float *out, size_t n, uint64_t seed, uint64_t offset, float mean, float std) {
  const float two_pi = 6.28318530717958647692f;
#pragma omp parallel for schedule(static) if (n > (1u << 20))
  for (size_t q = 0; q < (n + 3) / 4; ++q) {
    alcn_u32x4 r = alcn_philox4x32(seed, offset + q);
    for (int l = 0; l < 4; ++l) {
      size_t i = q * 4 + (size_t)l;
      if (i >= n) break;
      int pair = l & ~1;
      float u1 = alcn_u32_to_unit(r.v[pair]), u2 = alcn_u32_to_unit(r.v[pair + 1]);
      float rad = sqrtf(-2.0f * logf(u1));
      float th = two_pi * u2;
      out[i] = mean + std * ((l & 1) ? rad * sinf(th) : rad * cosf(th));
    }
  }
}

uint64_t alcn_rng_derive(uint64_t seed, uint64_t stream) {
  uint64_t z = seed + 0x9E3779B97F4A7C15ull * (stream + 1);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}
