/* AVX-512 micro-kernels of the stride-1 CPU conv fast path (conv_direct.h):
 * direct "valid correlation" of a zero-padded image with register-blocked
 * accumulators, no im2col. Compiled for avx512f via function attributes and
 * used only when the CPU has it (alcn_conv_direct_ok); elsewhere conv.c
 * falls back to im2col + OpenBLAS. */
#include "conv_direct.h"

#include <stdlib.h>
#include <string.h>

#if defined(__x86_64__) && defined(__GNUC__)
#include <immintrin.h>
#define ALCN_HAVE_DIRECT 1
#define TGT __attribute__((target("avx512f")))
#else
#define ALCN_HAVE_DIRECT 0
#endif

int alcn_conv_direct_ok(void) {
#if ALCN_HAVE_DIRECT
  static int cpu = -1; /* benign race: every thread computes the same value */
  if (cpu < 0) {
    __builtin_cpu_init();
    cpu = __builtin_cpu_supports("avx512f") ? 1 : 0;
  }
  const char *e = getenv("ALCN_CONV_GENERIC");
  return cpu && !(e && *e && strcmp(e, "0") != 0);
#else
  return 0;
#endif
}

#if ALCN_HAVE_DIRECT
/* ------------------------------------------------------------------- F */
/* wide[i][n] (i < MR, row stride ldw) = sum_t At[t][i] * img[off[t] + n],
 * n in [0, L) in chunks of 48 (3 vectors): MR*3 accumulators. */
#define F_BLOCK(MR)                                                                            \
  TGT static void f_block_##MR(float *wide, int ldw, const float *At, int M, const float *img, \
                               const int *off, int T, int L) {                                 \
    for (int n = 0; n < L; n += 48) {                                                          \
      __m512 acc[MR][3];                                                                       \
      _Pragma("GCC unroll 16") for (int i = 0; i < MR; ++i) {                                  \
        acc[i][0] = _mm512_setzero_ps();                                                       \
        acc[i][1] = _mm512_setzero_ps();                                                       \
        acc[i][2] = _mm512_setzero_ps();                                                       \
      }                                                                                        \
      const float *ib = img + n, *a = At;                                                      \
      for (int t = 0; t < T; ++t, a += M) {                                                    \
        const float *b = ib + off[t];                                                          \
        const __m512 b0 = _mm512_loadu_ps(b), b1 = _mm512_loadu_ps(b + 16),                    \
                     b2 = _mm512_loadu_ps(b + 32);                                             \
        _Pragma("GCC unroll 16") for (int i = 0; i < MR; ++i) {                                \
          const __m512 ai = _mm512_set1_ps(a[i]);                                              \
          acc[i][0] = _mm512_fmadd_ps(ai, b0, acc[i][0]);                                      \
          acc[i][1] = _mm512_fmadd_ps(ai, b1, acc[i][1]);                                      \
          acc[i][2] = _mm512_fmadd_ps(ai, b2, acc[i][2]);                                      \
        }                                                                                      \
      }                                                                                        \
      _Pragma("GCC unroll 16") for (int i = 0; i < MR; ++i) {                                  \
        float *o = wide + (size_t)i * ldw + n;                                                 \
        _mm512_storeu_ps(o, acc[i][0]);                                                        \
        _mm512_storeu_ps(o + 16, acc[i][1]);                                                   \
        _mm512_storeu_ps(o + 32, acc[i][2]);                                                   \
      }                                                                                        \
    }                                                                                          \
  }
F_BLOCK(8)
F_BLOCK(4)
F_BLOCK(2)
F_BLOCK(1)

void alcn_conv_direct_f(float *out, const float *bias, const float *At, int M, const float *img,
                        const int *off, int T, int Wp, int Ho, int Wo, float *wide) {
  const int L = (Ho - 1) * Wp + Wo;
  const int ldw = (L + 47) / 48 * 48; /* <= Ho*Wp + 48 */
  int m = 0;
  for (; m + 8 <= M; m += 8) f_block_8(wide + (size_t)m * ldw, ldw, At + m, M, img, off, T, L);
  for (; m + 4 <= M; m += 4) f_block_4(wide + (size_t)m * ldw, ldw, At + m, M, img, off, T, L);
  for (; m + 2 <= M; m += 2) f_block_2(wide + (size_t)m * ldw, ldw, At + m, M, img, off, T, L);
  for (; m < M; ++m) f_block_1(wide + (size_t)m * ldw, ldw, At + m, M, img, off, T, L);
  for (m = 0; m < M; ++m) {
    const float bm = bias ? bias[m] : 0.f;
    for (int p = 0; p < Ho; ++p) {
      const float *src = wide + (size_t)m * ldw + (size_t)p * Wp;
      float *dst = out + ((size_t)m * Ho + p) * Wo;
      for (int q = 0; q < Wo; ++q) dst[q] = src[q] + bm;
    }
  }
}

/* ------------------------------------------------------------------- G */
/* Gt[i][0..16*MV) += sum_{p,q} img[off[i] + p*Wp + q] * gT[p*Wo+q][0..16*MV),
 * i < TR: TR*MV accumulators. Gt and gT have row stride Mp. */
#define G_BLOCK(TR, MV)                                                                              \
  TGT static void g_block_##TR##_##MV(float *Gt, const float *gT, int Mp, const float *img,          \
                                      const int *off, int Wp, int Ho, int Wo) {                      \
    __m512 acc[TR][MV];                                                                              \
    const float *bp[TR];                                                                             \
    _Pragma("GCC unroll 16") for (int i = 0; i < TR; ++i) {                                          \
      bp[i] = img + off[i];                                                                          \
      for (int v = 0; v < MV; ++v) acc[i][v] = _mm512_setzero_ps();                                  \
    }                                                                                                \
    for (int p = 0; p < Ho; ++p) {                                                                   \
      const float *g = gT + (size_t)p * Wo * Mp;                                                     \
      for (int q = 0; q < Wo; ++q, g += Mp) {                                                        \
        const int o = p * Wp + q;                                                                    \
        __m512 gv[MV];                                                                               \
        _Pragma("GCC unroll 4") for (int v = 0; v < MV; ++v) gv[v] = _mm512_loadu_ps(g + 16 * v);    \
        _Pragma("GCC unroll 16") for (int i = 0; i < TR; ++i) {                                      \
          const __m512 x = _mm512_set1_ps(bp[i][o]);                                                 \
          _Pragma("GCC unroll 4") for (int v = 0; v < MV; ++v) acc[i][v] =                           \
              _mm512_fmadd_ps(x, gv[v], acc[i][v]);                                                  \
        }                                                                                            \
      }                                                                                              \
    }                                                                                                \
    _Pragma("GCC unroll 16") for (int i = 0; i < TR; ++i) for (int v = 0; v < MV; ++v) {             \
      float *o = Gt + (size_t)i * Mp + 16 * v;                                                       \
      _mm512_storeu_ps(o, _mm512_add_ps(_mm512_loadu_ps(o), acc[i][v]));                             \
    }                                                                                                \
  }
G_BLOCK(8, 2)
G_BLOCK(1, 2)
G_BLOCK(12, 1)
G_BLOCK(1, 1)

void alcn_conv_direct_g(float *Gt, const float *gT, int Mp, const float *img, const int *off, int T, int Wp,
                        int Ho, int Wo) {
  int m = 0;
  for (; m + 32 <= Mp; m += 32) {
    int t = 0;
    for (; t + 8 <= T; t += 8) g_block_8_2(Gt + (size_t)t * Mp + m, gT + m, Mp, img, off + t, Wp, Ho, Wo);
    for (; t < T; ++t) g_block_1_2(Gt + (size_t)t * Mp + m, gT + m, Mp, img, off + t, Wp, Ho, Wo);
  }
  for (; m < Mp; m += 16) {
    int t = 0;
    for (; t + 12 <= T; t += 12) g_block_12_1(Gt + (size_t)t * Mp + m, gT + m, Mp, img, off + t, Wp, Ho, Wo);
    for (; t < T; ++t) g_block_1_1(Gt + (size_t)t * Mp + m, gT + m, Mp, img, off + t, Wp, Ho, Wo);
  }
}

#else /* no AVX-512 build: never called (alcn_conv_direct_ok() == 0) */
void alcn_conv_direct_f(float *out, const float *bias, const float *At, int M, const float *img,
                        const int *off, int T, int Wp, int Ho, int Wo, float *wide) {
  (void)out; (void)bias; (void)At; (void)M; (void)img; (void)off; (void)T; (void)Wp; (void)Ho; (void)Wo;
  (void)wide;
}
void alcn_conv_direct_g(float *Gt, const float *gT, int Mp, const float *img, const int *off, int T, int Wp,
                        int Ho, int Wo) {
  (void)Gt; (void)gT; (void)Mp; (void)img; (void)off; (void)T; (void)Wp; (void)Ho; (void)Wo;
}
#endif
