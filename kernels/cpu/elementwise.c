/* Element-wise helpers: the per-sample blend of ALCN, its gradient w.r.t. y,
 * and axpby (ops.h). */
#include <stddef.h>

#include "alcn/ops.h"

#define ALCN_EW_PAR_MIN 65536

/* out, x, y (N,D); a (N). out may alias x or y. */
void alcn_cpu_blend(float *out, const float *x, const float *y, const float *a, int N, int D) {
#pragma omp parallel for schedule(static) if ((size_t)N * D > ALCN_EW_PAR_MIN)
  for (int n = 0; n < N; ++n) {
    const float an = a[n], bn = 1.0f - a[n];
    const size_t o = (size_t)n * D;
    for (int i = 0; i < D; ++i) out[o + i] = an * x[o + i] + bn * y[o + i];
  }
}

/* dy, dout (N,D); a (N). dy may alias dout. */
void alcn_cpu_blend_backward_y(float *dy, const float *dout, const float *a, int N, int D) {
#pragma omp parallel for schedule(static) if ((size_t)N * D > ALCN_EW_PAR_MIN)
  for (int n = 0; n < N; ++n) {
    const float bn = 1.0f - a[n];
    const size_t o = (size_t)n * D;
    for (int i = 0; i < D; ++i) dy[o + i] = bn * dout[o + i];
  }
}

/* y = alpha*x + beta*y; with beta == 0, y is not read (BLAS convention). */
void alcn_cpu_axpby(float *y, const float *x, size_t n, float alpha, float beta) {
  const ptrdiff_t len = (ptrdiff_t)n;
  if (beta == 0.0f) {
#pragma omp parallel for schedule(static) if (n > ALCN_EW_PAR_MIN)
    for (ptrdiff_t i = 0; i < len; ++i) y[i] = alpha * x[i];
  } else {
#pragma omp parallel for schedule(static) if (n > ALCN_EW_PAR_MIN)
    for (ptrdiff_t i = 0; i < len; ++i) y[i] = alpha * x[i] + beta * y[i];
  }
}
