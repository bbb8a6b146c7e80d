/* Element-wise helpers: the per-sample blend of ALCN, its gradient w.r.t. y,
 * axpby, and salt-and-pepper (ops.h).
 *
 * Memory-bound passes: below ALCN_EW_PAR_MIN elements one thread does it (the
 * OpenMP fork, up to a scheduler tick on a loaded machine, costs more than
 * it saves); above, fixed blocks are handed out dynamically (robust to a
 * busy core). Every element is computed on its own: the split does not
 * change results.
 *
 * Each body is compiled for every CPU path (portable, AVX2, AVX-512;
 * cpu_isa.h) and the active path's copy runs; the operations are exact per
 * element (no FMA contraction), so every path gives bitwise the same numbers. */
#include <stddef.h>

#include "cpu_isa.h"
#include "cpu_ops.h"

#define ALCN_EW_PAR_MIN ((size_t)1 << 18)
#define ALCN_EW_BLOCK ((ptrdiff_t)1 << 16)

/* rows [n0, n1) of the blend */
static inline ALCN_ISA_BODY void blend_rows_body(float *out, const float *x, const float *y, const float *a, int n0,
                                                 int n1, int D) {
  for (int n = n0; n < n1; ++n) {
    const float an = a[n], bn = 1.0f - a[n];
    const size_t o = (size_t)n * D;
    for (int i = 0; i < D; ++i) out[o + i] = an * x[o + i] + bn * y[o + i];
  }
}

static inline ALCN_ISA_BODY void blend_bwd_rows_body(float *dy, const float *dout, const float *a, int n0, int n1,
                                                     int D) {
  for (int n = n0; n < n1; ++n) {
    const float bn = 1.0f - a[n];
    const size_t o = (size_t)n * D;
    for (int i = 0; i < D; ++i) dy[o + i] = bn * dout[o + i];
  }
}

ALCN_ISA_VARIANTS(blend_rows, (float *out, const float *x, const float *y, const float *a, int n0, int n1, int D),
                  (out, x, y, a, n0, n1, D))
ALCN_ISA_VARIANTS(blend_bwd_rows, (float *dy, const float *dout, const float *a, int n0, int n1, int D),
                  (dy, dout, a, n0, n1, D))
static void blend_rows(float *out, const float *x, const float *y, const float *a, int n0, int n1, int D) {
  ALCN_ISA_CALL(blend_rows, (out, x, y, a, n0, n1, D));
}
static void blend_bwd_rows(float *dy, const float *dout, const float *a, int n0, int n1, int D) {
  ALCN_ISA_CALL(blend_bwd_rows, (dy, dout, a, n0, n1, D));
}

/* rows per parallel block: about ALCN_EW_BLOCK elements, at least one row */
static int rows_per_block(int D) {
  const ptrdiff_t r = D > 0 ? ALCN_EW_BLOCK / D : 1;
  return r < 1 ? 1 : (int)r;
}

/* out, x, y (N,D); a (N). out may alias x or y. */
void alcn_cpu_blend(float *out, const float *x, const float *y, const float *a, int N, int D) {
  if ((size_t)N * (size_t)D < ALCN_EW_PAR_MIN) {
    blend_rows(out, x, y, a, 0, N, D);
    return;
  }
  const int rb = rows_per_block(D), nb = (N + rb - 1) / rb;
#pragma omp parallel for schedule(dynamic, 1)
  for (int b = 0; b < nb; ++b) blend_rows(out, x, y, a, b * rb, b * rb + rb < N ? b * rb + rb : N, D);
}

/* dy, dout (N,D); a (N). dy may alias dout. */
void alcn_cpu_blend_backward_y(float *dy, const float *dout, const float *a, int N, int D) {
  if ((size_t)N * (size_t)D < ALCN_EW_PAR_MIN) {
    blend_bwd_rows(dy, dout, a, 0, N, D);
    return;
  }
  const int rb = rows_per_block(D), nb = (N + rb - 1) / rb;
#pragma omp parallel for schedule(dynamic, 1)
  for (int b = 0; b < nb; ++b) blend_bwd_rows(dy, dout, a, b * rb, b * rb + rb < N ? b * rb + rb : N, D);
}

/* y[i0, i1) = alpha*x + beta*y; beta == 0: y not read */
static inline ALCN_ISA_BODY void axpby_range_body(float *y, const float *x, ptrdiff_t i0, ptrdiff_t i1, float alpha,
                                                  float beta) {
  if (beta == 0.0f)
    for (ptrdiff_t i = i0; i < i1; ++i) y[i] = alpha * x[i];
  else
    for (ptrdiff_t i = i0; i < i1; ++i) y[i] = alpha * x[i] + beta * y[i];
}

ALCN_ISA_VARIANTS(axpby_range, (float *y, const float *x, ptrdiff_t i0, ptrdiff_t i1, float alpha, float beta),
                  (y, x, i0, i1, alpha, beta))
static void axpby_range(float *y, const float *x, ptrdiff_t i0, ptrdiff_t i1, float alpha, float beta) {
  ALCN_ISA_CALL(axpby_range, (y, x, i0, i1, alpha, beta));
}

/* y = alpha*x + beta*y; with beta == 0, y is not read (BLAS convention). */
void alcn_cpu_axpby(float *y, const float *x, size_t n, float alpha, float beta) {
  const ptrdiff_t len = (ptrdiff_t)n;
  if (n < ALCN_EW_PAR_MIN) {
    axpby_range(y, x, 0, len, alpha, beta);
    return;
  }
  const ptrdiff_t nb = (len + ALCN_EW_BLOCK - 1) / ALCN_EW_BLOCK;
#pragma omp parallel for schedule(dynamic, 1)
  for (ptrdiff_t b = 0; b < nb; ++b) {
    const ptrdiff_t i0 = b * ALCN_EW_BLOCK, i1 = i0 + ALCN_EW_BLOCK < len ? i0 + ALCN_EW_BLOCK : len;
    axpby_range(y, x, i0, i1, alpha, beta);
  }
}

/* One image of the salt-and-pepper op. */
static inline ALCN_ISA_BODY void salt_pepper_row_body(float *out, float *noise, const float *x, const float *u, int D,
                                                      float rate) {
  float lo = x[0], hi = x[0];
  for (int j = 1; j < D; ++j) {
    lo = x[j] < lo ? x[j] : lo;
    hi = x[j] > hi ? x[j] : hi;
  }
  const float half = 0.5f * rate;
  for (int j = 0; j < D; ++j) {
    const float v = u[j] < half ? lo : (u[j] < rate ? hi : x[j]);
    out[j] = v;
    if (noise) noise[j] = v - x[j];
  }
}

ALCN_ISA_VARIANTS(salt_pepper_row, (float *out, float *noise, const float *x, const float *u, int D, float rate),
                  (out, noise, x, u, D, rate))

void alcn_cpu_salt_pepper(float *out, float *noise, const float *x, const float *u, int N, int D, float rate) {
  const size_t total = (size_t)N * D;
#pragma omp parallel for schedule(dynamic, 16) if (total >= ALCN_EW_PAR_MIN)
  for (int n = 0; n < N; ++n) {
    const size_t o = (size_t)n * D;
    ALCN_ISA_CALL(salt_pepper_row, (out + o, noise ? noise + o : NULL, x + o, u + o, D, rate));
  }
}
