/* Adam step on the CPU with PyTorch's (non-fused) semantics: L2 weight decay
 * added to the gradient, bias correction, t counting from 1 (ops.h).
 *
 * The per-element update is one fixed sequence of correctly rounded float
 * operations (no FMA contraction): the AVX-512 body, the AVX2 body and the
 * scalar (portable) body, chosen by the active CPU path (cpu_isa.h), give
 * bitwise the same numbers, so results do not depend on the CPU path, the
 * thread count or the block split. Below
 * ALCN_ADAM_PAR_MIN parameters one thread does it (the fork is not worth it);
 * above, fixed blocks are handed out dynamically. */
#include <math.h>
#include <stddef.h>

#include "cpu_isa.h"
#include "cpu_ops.h"

#if ALCN_X86_SIMD
#include <immintrin.h>
#define ALCN_ADAM_AVX512 1
#else
#define ALCN_ADAM_AVX512 0
#endif

#define ALCN_ADAM_PAR_MIN ((size_t)1 << 18)
#define ALCN_ADAM_BLOCK ((ptrdiff_t)1 << 16)

typedef struct adam_k {
  float step, bc2s, b1c, b2, b2c, eps, wd;
} adam_k;

/* p, g, m, v [i0, i1): scalar body */
static void adam_scalar(float *p, const float *g, float *m, float *v, ptrdiff_t i0, ptrdiff_t i1,
                        const adam_k *k) {
  for (ptrdiff_t i = i0; i < i1; ++i) {
    float gi = k->wd != 0.0f ? g[i] + k->wd * p[i] : g[i];
    float mi = m[i] + k->b1c * (gi - m[i]); /* lerp, as torch's exp_avg.lerp_ */
    float vi = v[i] * k->b2 + k->b2c * gi * gi;
    m[i] = mi;
    v[i] = vi;
    p[i] -= k->step * (mi / (sqrtf(vi) / k->bc2s + k->eps));
  }
}

#if ALCN_ADAM_AVX512
/* The same operations, 16 lanes at a time; the tail goes to adam_scalar. */
__attribute__((target("avx512f"))) static void adam_avx512(float *p, const float *g, float *m, float *v,
                                                            ptrdiff_t i0, ptrdiff_t i1, const adam_k *k) {
  const __m512 step = _mm512_set1_ps(k->step), bc2s = _mm512_set1_ps(k->bc2s), b1c = _mm512_set1_ps(k->b1c);
  const __m512 b2 = _mm512_set1_ps(k->b2), b2c = _mm512_set1_ps(k->b2c), eps = _mm512_set1_ps(k->eps);
  const __m512 wd = _mm512_set1_ps(k->wd);
  const int use_wd = k->wd != 0.0f;
  ptrdiff_t i = i0;
  for (; i + 16 <= i1; i += 16) {
    const __m512 pi = _mm512_loadu_ps(p + i), mo = _mm512_loadu_ps(m + i), vo = _mm512_loadu_ps(v + i);
    __m512 gi = _mm512_loadu_ps(g + i);
    if (use_wd) gi = _mm512_add_ps(gi, _mm512_mul_ps(wd, pi));
    const __m512 mi = _mm512_add_ps(mo, _mm512_mul_ps(b1c, _mm512_sub_ps(gi, mo)));
    const __m512 vi = _mm512_add_ps(_mm512_mul_ps(vo, b2), _mm512_mul_ps(_mm512_mul_ps(b2c, gi), gi));
    _mm512_storeu_ps(m + i, mi);
    _mm512_storeu_ps(v + i, vi);
    const __m512 den = _mm512_add_ps(_mm512_div_ps(_mm512_sqrt_ps(vi), bc2s), eps);
    _mm512_storeu_ps(p + i, _mm512_sub_ps(pi, _mm512_mul_ps(step, _mm512_div_ps(mi, den))));
  }
  adam_scalar(p, g, m, v, i, i1, k);
}

/* The same operations, 8 lanes at a time (AVX2; no FMA: the sequence above). */
ALCN_TARGET_AVX2 static void adam_avx2(float *p, const float *g, float *m, float *v, ptrdiff_t i0, ptrdiff_t i1,
                                       const adam_k *k) {
  const __m256 step = _mm256_set1_ps(k->step), bc2s = _mm256_set1_ps(k->bc2s), b1c = _mm256_set1_ps(k->b1c);
  const __m256 b2 = _mm256_set1_ps(k->b2), b2c = _mm256_set1_ps(k->b2c), eps = _mm256_set1_ps(k->eps);
  const __m256 wd = _mm256_set1_ps(k->wd);
  const int use_wd = k->wd != 0.0f;
  ptrdiff_t i = i0;
  for (; i + 8 <= i1; i += 8) {
    const __m256 pi = _mm256_loadu_ps(p + i), mo = _mm256_loadu_ps(m + i), vo = _mm256_loadu_ps(v + i);
    __m256 gi = _mm256_loadu_ps(g + i);
    if (use_wd) gi = _mm256_add_ps(gi, _mm256_mul_ps(wd, pi));
    const __m256 mi = _mm256_add_ps(mo, _mm256_mul_ps(b1c, _mm256_sub_ps(gi, mo)));
    const __m256 vi = _mm256_add_ps(_mm256_mul_ps(vo, b2), _mm256_mul_ps(_mm256_mul_ps(b2c, gi), gi));
    _mm256_storeu_ps(m + i, mi);
    _mm256_storeu_ps(v + i, vi);
    const __m256 den = _mm256_add_ps(_mm256_div_ps(_mm256_sqrt_ps(vi), bc2s), eps);
    _mm256_storeu_ps(p + i, _mm256_sub_ps(pi, _mm256_mul_ps(step, _mm256_div_ps(mi, den))));
  }
  adam_scalar(p, g, m, v, i, i1, k);
}
#endif

/* isa: the active CPU path */
static void adam_range(float *p, const float *g, float *m, float *v, ptrdiff_t i0, ptrdiff_t i1, const adam_k *k,
                       alcn_cpu_isa isa) {
#if ALCN_ADAM_AVX512
  if (isa == ALCN_ISA_AVX512) {
    adam_avx512(p, g, m, v, i0, i1, k);
    return;
  }
  if (isa == ALCN_ISA_AVX2) {
    adam_avx2(p, g, m, v, i0, i1, k);
    return;
  }
#endif
  (void)isa;
  adam_scalar(p, g, m, v, i0, i1, k);
}

void alcn_cpu_adam_step(float *p, const float *g, float *m, float *v, size_t n, const alcn_adam_hparams *h,
                        int t) {
  /* scalars in double, as PyTorch computes them in Python floats */
  const double bc1 = 1.0 - pow((double)h->beta1, t), bc2 = 1.0 - pow((double)h->beta2, t);
  const adam_k k = {(float)((double)h->lr / bc1), (float)sqrt(bc2), 1.0f - h->beta1, h->beta2,
                    1.0f - h->beta2, h->eps, h->weight_decay};
  const alcn_cpu_isa simd = alcn_cpu_isa_active();
  const ptrdiff_t len = (ptrdiff_t)n;
  if (n < ALCN_ADAM_PAR_MIN) {
    adam_range(p, g, m, v, 0, len, &k, simd);
    return;
  }
  const ptrdiff_t nb = (len + ALCN_ADAM_BLOCK - 1) / ALCN_ADAM_BLOCK;
#pragma omp parallel for schedule(dynamic, 1)
  for (ptrdiff_t b = 0; b < nb; ++b) {
    const ptrdiff_t i0 = b * ALCN_ADAM_BLOCK, i1 = i0 + ALCN_ADAM_BLOCK < len ? i0 + ALCN_ADAM_BLOCK : len;
    adam_range(p, g, m, v, i0, i1, &k, simd);
  }
}
