/* Element-wise ops for mask-type noises (SDK 2): product, select by a 0/1
 * mask, clamp and its gradient. Memory-bound; one thread below
 * ALCN_MASK_PAR_MIN elements, fixed blocks above (each element is computed on
 * its own, so the split does not change results). */
#include <stddef.h>

#include "cpu_ops.h"

#define ALCN_MASK_PAR_MIN ((size_t)1 << 22)

void alcn_cpu_mul(float *out, const float *a, const float *b, size_t n) {
  const ptrdiff_t len = (ptrdiff_t)n;
#pragma omp parallel for schedule(static) if (n >= ALCN_MASK_PAR_MIN)
  for (ptrdiff_t i = 0; i < len; ++i) out[i] = a[i] * b[i];
}

void alcn_cpu_select(float *out, const float *mask, const float *a, const float *b, size_t n) {
  const ptrdiff_t len = (ptrdiff_t)n;
#pragma omp parallel for schedule(static) if (n >= ALCN_MASK_PAR_MIN)
  for (ptrdiff_t i = 0; i < len; ++i) out[i] = mask[i] > 0.5f ? a[i] : b[i];
}

void alcn_cpu_clamp(float *out, const float *in, size_t n, float lo, float hi) {
  const ptrdiff_t len = (ptrdiff_t)n;
#pragma omp parallel for schedule(static) if (n >= ALCN_MASK_PAR_MIN)
  for (ptrdiff_t i = 0; i < len; ++i) {
    const float v = in[i] < lo ? lo : in[i];
    out[i] = v > hi ? hi : v;
  }
}

void alcn_cpu_clamp_backward(float *din, const float *dout, const float *in, size_t n, float lo, float hi) {
  const ptrdiff_t len = (ptrdiff_t)n;
#pragma omp parallel for schedule(static) if (n >= ALCN_MASK_PAR_MIN)
  for (ptrdiff_t i = 0; i < len; ++i) din[i] = in[i] > lo && in[i] < hi ? dout[i] : 0.0f;
}
