/* AVX-512 micro-kernels of the stride-1 CPU conv fast path (conv_direct.h):
 * direct "valid correlation" of a zero-padded image with register-blocked
 * accumulators, no im2col. Compiled for avx512f via function attributes; the
 * AVX2+FMA twins are in conv_direct_avx2.c. The entry points at the end pick
 * one by the active CPU path (cpu_isa.h); on the portable path conv.c uses
 * im2col + OpenBLAS instead (alcn_conv_direct_ok() == 0). */
#include "conv_direct.h"

#include <stdlib.h>
#include <string.h>

#include "cpu_isa.h"

#if ALCN_X86_SIMD
#include <immintrin.h>
#define ALCN_HAVE_DIRECT 1
#define TGT ALCN_TARGET_AVX512
#else
#define ALCN_HAVE_DIRECT 0
#endif

int alcn_conv_direct_ok(void) {
  if (alcn_cpu_isa_active() == ALCN_ISA_PORTABLE) return 0;
  const char *e = getenv("ALCN_CONV_GENERIC");
  return !(e && *e && strcmp(e, "0") != 0);
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

/* One output channel (M == 1 remainder): 8 vectors (128 outputs) per chunk,
 * so that 8 independent accumulators hide the FMA latency. */
TGT static void f_block_1(float *wide, int ldw, const float *At, int M, const float *img, const int *off, int T,
                          int L) {
  (void)ldw;
  for (int n = 0; n < L; n += 128) {
    __m512 acc[8];
    _Pragma("GCC unroll 8") for (int v = 0; v < 8; ++v) acc[v] = _mm512_setzero_ps();
    const float *ib = img + n, *a = At;
    for (int t = 0; t < T; ++t, a += M) {
      const float *b = ib + off[t];
      const __m512 ai = _mm512_set1_ps(a[0]);
      _Pragma("GCC unroll 8") for (int v = 0; v < 8; ++v) acc[v] =
          _mm512_fmadd_ps(ai, _mm512_loadu_ps(b + 16 * v), acc[v]);
    }
    _Pragma("GCC unroll 8") for (int v = 0; v < 8; ++v) _mm512_storeu_ps(wide + n + 16 * v, acc[v]);
  }
}

void alcn_conv_direct_f_avx512(float *out, const float *bias, const float *At, int M, const float *img,
                        const int *off, int T, int Wp, int Ho, int Wo, float *wide) {
  const int L = (Ho - 1) * Wp + Wo;
  const int ldw = (L + 47) / 48 * 48; /* <= Ho*Wp + 48 */
  int m = 0;
  for (; m + 8 <= M; m += 8) f_block_8(wide + (size_t)m * ldw, ldw, At + m, M, img, off, T, L);
  for (; m + 4 <= M; m += 4) f_block_4(wide + (size_t)m * ldw, ldw, At + m, M, img, off, T, L);
  for (; m + 2 <= M; m += 2) f_block_2(wide + (size_t)m * ldw, ldw, At + m, M, img, off, T, L);
  /* at most one channel left, the last row: its 128-float chunks may run up
   * to 127 floats past L, into the slack at the end of wide */
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


/* ----------------------------------------------------------- zero runs */
/* 1 if x[0, n) are all +-0. The kernels below skip a kernel row whose image
 * values are all zero (ReLU outputs, and the gradients through a ReLU, are
 * often zero for whole row stretches): each of its terms is +-0 * w, and
 * adding +-0 to an accumulator that starts at +0 never changes it (it cannot
 * become -0 in round-to-nearest), so the bits are those of the full chain.
 * NaN is not zero: a NaN image value is never skipped. (A NaN or inf weight
 * met only by zeros is skipped with them, where the whole chain would have
 * made 0 * inf = NaN; it still reaches every output where it meets a nonzero
 * value.) */
TGT static inline int fc_zero_run(const float *x, int n) {
  __m512 v;
  if (n >= 16) { /* whole vectors, the last one overlapping where 16 does not divide n */
    v = _mm512_loadu_ps(x + n - 16);
    for (int k = 0; k < n - 16; k += 16) v = _mm512_castsi512_ps(_mm512_or_si512(
        _mm512_castps_si512(v), _mm512_castps_si512(_mm512_loadu_ps(x + k))));
  } else {
    v = _mm512_maskz_loadu_ps((__mmask16)((1u << n) - 1u), x);
  }
  /* OR keeps a nonzero lane nonzero; +-0 == 0, NaN != 0 (unordered) */
  return _mm512_cmp_ps_mask(v, _mm512_setzero_ps(), _CMP_NEQ_UQ) == 0;
}

/* ------------------------------------------------------------------ F1 */
/* F for one output channel (M == 1), row-wise: RB output rows times two
 * 16-pixel groups (Wo <= 32) in 2*RB accumulators. Each image row is loaded
 * once per channel (three vectors) and its SS shifts are made in registers
 * (valignd) instead of SS unaligned loads per tap; every output row that
 * the image row reaches takes its SS taps from them. Image rows outside
 * [y0, y1) are padding and are skipped. For each output the taps still run
 * in the order (ci, r, s): the bits are those of f_block_1. Reads up to 48
 * floats from the start of a row (slack after the last). */
#define F1_ROWS(SS)                                                                                 \
  TGT static void f1_rows_##SS(float *out, float bias, const float *A, const float *img, int Ci,     \
                               size_t HpWp, int Wp, int R, int Wo, int p0, int nr, int y0, int y1) { \
    enum { RB = ALCN_F1_RB_AVX512 };                                                                       \
    __m512 acc[RB][2];                                                                              \
    _Pragma("GCC unroll 8") for (int j = 0; j < RB; ++j) {                                          \
      acc[j][0] = _mm512_setzero_ps();                                                              \
      acc[j][1] = _mm512_setzero_ps();                                                              \
    }                                                                                               \
    int ya = p0 > y0 ? p0 : y0, yb = p0 + nr - 1 + R < y1 ? p0 + nr - 1 + R : y1;                   \
    for (int ci = 0; ci < Ci; ++ci) {                                                               \
      const float *a = A + (size_t)ci * R * SS;                                                     \
      for (int y = ya; y < yb; ++y) {                                                               \
        const float *x = img + ci * HpWp + (size_t)y * Wp;                                          \
        if (fc_zero_run(x, Wo + SS - 1)) continue; /* +-0 terms: fc_zero_run's note */              \
        const __m512i v0 = _mm512_castps_si512(_mm512_loadu_ps(x));                                 \
        const __m512i v1 = _mm512_castps_si512(_mm512_loadu_ps(x + 16));                            \
        const __m512i v2 = _mm512_castps_si512(_mm512_loadu_ps(x + 32));                            \
        __m512 sh[2][SS];                                                                           \
        sh[0][0] = _mm512_castsi512_ps(v0);                                                         \
        sh[1][0] = _mm512_castsi512_ps(v1);                                                         \
        _Pragma("GCC unroll 8") for (int s = 1; s < SS; ++s) {                                      \
          sh[0][s] = _mm512_castsi512_ps(_mm512_alignr_epi32(v1, v0, s));                           \
          sh[1][s] = _mm512_castsi512_ps(_mm512_alignr_epi32(v2, v1, s));                           \
        }                                                                                           \
        _Pragma("GCC unroll 8") for (int j = 0; j < RB; ++j) {                                      \
          const int r = y - (p0 + j);                                                               \
          if (j < nr && r >= 0 && r < R) {                                                          \
            const float *ar = a + (size_t)r * SS;                                                   \
            _Pragma("GCC unroll 8") for (int s = 0; s < SS; ++s) {                                  \
              const __m512 wv = _mm512_set1_ps(ar[s]);                                              \
              acc[j][0] = _mm512_fmadd_ps(sh[0][s], wv, acc[j][0]);                                 \
              acc[j][1] = _mm512_fmadd_ps(sh[1][s], wv, acc[j][1]);                                 \
            }                                                                                       \
          }                                                                                         \
        }                                                                                           \
      }                                                                                             \
    }                                                                                               \
    const __m512 bv = _mm512_set1_ps(bias);                                                         \
    const __mmask16 m0 = Wo >= 16 ? (__mmask16)0xffff : (__mmask16)((1u << Wo) - 1u);              \
    const __mmask16 m1 = Wo <= 16 ? (__mmask16)0 : (__mmask16)((1u << (Wo - 16)) - 1u);            \
    _Pragma("GCC unroll 8") for (int j = 0; j < RB; ++j) {                                          \
      if (j >= nr) break;                                                                           \
      float *o = out + (size_t)(p0 + j) * Wo;                                                       \
      _mm512_mask_storeu_ps(o, m0, _mm512_add_ps(acc[j][0], bv));                                   \
      if (m1) _mm512_mask_storeu_ps(o + 16, m1, _mm512_add_ps(acc[j][1], bv));                      \
    }                                                                                               \
  }
F1_ROWS(3)
F1_ROWS(5)

void alcn_conv_direct_f1_rows_avx512(float *out, float bias, const float *A, const float *img, int Ci, size_t HpWp,
                                     int Wp, int R, int S, int Wo, int p0, int nr, int y0, int y1) {
  if (S == 5)
    f1_rows_5(out, bias, A, img, Ci, HpWp, Wp, R, Wo, p0, nr, y0, y1);
  else
    f1_rows_3(out, bias, A, img, Ci, HpWp, Wp, R, Wo, p0, nr, y0, y1);
}


/* ------------------------------------------------------------------ FC */
/* Channel-vectorised F for M a multiple of 16: NR output pixels of one row
 * (consecutive, so img reads are constant displacements from one pointer)
 * times 16*MV channels in NR*MV accumulators; only kernel rows r in
 * [rlo, rhi) (those that hit non-padding image rows) are visited.
 * o: outT + pixel*M + m0; At: At + m0; x: img + p*Wp + q0.
 * Kernel rows whose image values are all zero are skipped (fc_zero_run). */
#define FC_BLOCK(NR, MV)                                                                           \
  TGT static void fc_##NR##_##MV(float *o, int M, const float *At, const float *x0, int Ci,         \
                                 size_t HpWp, int Wp, int R, int S, int rlo, int rhi) {            \
    __m512 acc[NR][MV];                                                                            \
    _Pragma("GCC unroll 32") for (int j = 0; j < NR; ++j) for (int v = 0; v < MV; ++v)             \
        acc[j][v] = _mm512_setzero_ps();                                                           \
    for (int ci = 0; ci < Ci; ++ci)                                                                \
      for (int r = rlo; r < rhi; ++r) {                                                            \
        const float *x = x0 + ci * HpWp + (size_t)r * Wp;                                          \
        const float *a = At + (size_t)((ci * R + r) * S) * M;                                      \
        if (fc_zero_run(x, NR + S - 1)) continue;                                                  \
        for (int s = 0; s < S; ++s, a += M, ++x) {                                                 \
          /* MV == 1: hide that x[j] of tap s+1 is x[j+1] of tap s: reusing \
           * those broadcasts needs more than 32 registers (spills); reloading \
           * them as FMA memory operands is faster (same arithmetic) */      \
          if (MV == 1) __asm__("" : "+r"(x));                                                      \
          __m512 wv[MV];                                                                           \
          _Pragma("GCC unroll 4") for (int v = 0; v < MV; ++v) wv[v] = _mm512_loadu_ps(a + 16 * v); \
          _Pragma("GCC unroll 32") for (int j = 0; j < NR; ++j) {                                  \
            const __m512 xv = _mm512_set1_ps(x[j]);                                                \
            _Pragma("GCC unroll 4") for (int v = 0; v < MV; ++v) acc[j][v] =                        \
                _mm512_fmadd_ps(xv, wv[v], acc[j][v]);                                             \
          }                                                                                        \
        }                                                                                          \
      }                                                                                            \
    _Pragma("GCC unroll 32") for (int j = 0; j < NR; ++j) for (int v = 0; v < MV; ++v)             \
        _mm512_storeu_ps(o + (size_t)j * M + 16 * v, acc[j][v]);                                   \
  }
FC_BLOCK(24, 1)
FC_BLOCK(20, 1)
FC_BLOCK(16, 1)
FC_BLOCK(8, 1)
FC_BLOCK(4, 1)
FC_BLOCK(1, 1)
FC_BLOCK(12, 2)
FC_BLOCK(10, 2)
FC_BLOCK(8, 2)
FC_BLOCK(4, 2)
FC_BLOCK(1, 2)

/* The two edges of a row of a "full" correlation (image columns [x0, x1)
 * = [E, Wo) with E = SS-1: SS-1 zero columns of padding on each side), 16
 * channels: left pixels q = j < E read padding at taps s < E-j, right pixels
 * q = qr+j (qr = Wo-E) at taps s >= E-j; those taps are skipped, the others
 * run in the same (ci, r, s) order as in fc_NR_1. Skipping a zero term keeps
 * the bits: the accumulator starts at +0 and adding +-0 never changes it.
 * The SS*E FMAs per (ci, r) go to 2E accumulators, at most E in a row to
 * one: enough to hide the FMA latency. o: outT + p*Wo*M + m0. */
#define FC_EDGE(SS)                                                                                \
  TGT static void fce_##SS(float *o, int M, const float *At, const float *x0, int Ci, size_t HpWp,  \
                           int Wp, int R, int rlo, int rhi, int qr) {                              \
    enum { E = SS - 1 };                                                                           \
    __m512 lft[E], rgt[E];                                                                         \
    _Pragma("GCC unroll 8") for (int j = 0; j < E; ++j) {                                          \
      lft[j] = _mm512_setzero_ps();                                                                \
      rgt[j] = _mm512_setzero_ps();                                                                \
    }                                                                                              \
    for (int ci = 0; ci < Ci; ++ci)                                                                \
      for (int r = rlo; r < rhi; ++r) {                                                            \
        const float *x = x0 + ci * HpWp + (size_t)r * Wp, *xr = x + qr;                            \
        const float *a = At + (size_t)((ci * R + r) * SS) * M;                                     \
        /* the left pixels read x[E, 2E), the right ones xr[0, E) */                               \
        if (fc_zero_run(x + E, E) && fc_zero_run(xr, E)) continue;                                 \
        _Pragma("GCC unroll 8") for (int s = 0; s < SS; ++s) {                                     \
          const __m512 w = _mm512_loadu_ps(a + (size_t)s * M);                                     \
          _Pragma("GCC unroll 8") for (int j = 0; j < E; ++j) {                                    \
            if (s >= E - j) lft[j] = _mm512_fmadd_ps(_mm512_set1_ps(x[j + s]), w, lft[j]);          \
            else rgt[j] = _mm512_fmadd_ps(_mm512_set1_ps(xr[j + s]), w, rgt[j]);                   \
          }                                                                                        \
        }                                                                                          \
      }                                                                                            \
    _Pragma("GCC unroll 8") for (int j = 0; j < E; ++j) {                                          \
      _mm512_storeu_ps(o + (size_t)j * M, lft[j]);                                                 \
      _mm512_storeu_ps(o + (size_t)(qr + j) * M, rgt[j]);                                          \
    }                                                                                              \
  }
FC_EDGE(3)
FC_EDGE(5)

/* fc_NR_MV, and fce_SS with (rlo, rhi, qr) for its last three arguments */
typedef void (*fc_fn)(float *, int, const float *, const float *, int, size_t, int, int, int, int, int);

void alcn_conv_direct_fc_avx512(float *outT, const float *At, int M, const float *img, int Ci, int Hp, int Wp, int R,
                         int S, int Ho, int Wo, int p0, int p1, int y0, int y1, int e) {
  static const int nr1[] = {24, 20, 16, 8, 4, 1}, nr2[] = {12, 10, 8, 4, 1};
  static const fc_fn f1[] = {fc_24_1, fc_20_1, fc_16_1, fc_8_1, fc_4_1, fc_1_1};
  static const fc_fn f2[] = {fc_12_2, fc_10_2, fc_8_2, fc_4_2, fc_1_2};
  const size_t HpWp = (size_t)Hp * Wp;
  const fc_fn edge = S == 5 ? fce_5 : fce_3; /* used when e > 0 (then S is 3 or 5) */
  (void)Ho;
  for (int p = p0; p < p1; ++p) {
    int rlo = y0 - p, rhi = y1 - p;
    if (rlo < 0) rlo = 0;
    if (rhi > R) rhi = R;
    float *orow = outT + (size_t)p * Wo * M;
    if (rlo >= rhi) {
      memset(orow, 0, sizeof(float) * (size_t)Wo * M);
      continue;
    }
    for (int m = 0; m < M; m += 16) {
      const int two = m + 32 <= M;
      const int *nr = two ? nr2 : nr1;
      const fc_fn *fn = two ? f2 : f1;
      /* one vector of channels on a full correlation: the edges apart,
       * the middle pixels [e, Wo-e) never touch the padding */
      const int ee = two ? 0 : e;
      if (ee) edge(orow + m, M, At + m, img + (size_t)p * Wp, Ci, HpWp, Wp, R, rlo, rhi, Wo - ee);
      for (int q = ee; q < Wo - ee;) {
        int k = 0;
        while (nr[k] > Wo - ee - q) ++k;
        fn[k](orow + (size_t)q * M + m, M, At + m, img + (size_t)p * Wp + q, Ci, HpWp, Wp, R, S, rlo, rhi);
        q += nr[k];
      }
      if (two) m += 16;
    }
  }
}


/* ----------------------------------------------------------- transpose */
/* 16 x 16 tile: dst[j][i] = src[i][j] (row strides lds, ldd). */
TGT static void tile16(float *dst, size_t ldd, const float *src, size_t lds) {
  __m512 r[16], t[16];
  for (int i = 0; i < 16; ++i) r[i] = _mm512_loadu_ps(src + i * lds);
  for (int i = 0; i < 8; ++i) {
    t[2 * i] = _mm512_unpacklo_ps(r[2 * i], r[2 * i + 1]);
    t[2 * i + 1] = _mm512_unpackhi_ps(r[2 * i], r[2 * i + 1]);
  }
  for (int i = 0; i < 4; ++i) {
    const __m512d a = _mm512_castps_pd(t[4 * i]), b = _mm512_castps_pd(t[4 * i + 1]);
    const __m512d c = _mm512_castps_pd(t[4 * i + 2]), e = _mm512_castps_pd(t[4 * i + 3]);
    r[4 * i] = _mm512_castpd_ps(_mm512_unpacklo_pd(a, c));
    r[4 * i + 1] = _mm512_castpd_ps(_mm512_unpackhi_pd(a, c));
    r[4 * i + 2] = _mm512_castpd_ps(_mm512_unpacklo_pd(b, e));
    r[4 * i + 3] = _mm512_castpd_ps(_mm512_unpackhi_pd(b, e));
  }
  for (int i = 0; i < 4; ++i) {
    t[i] = _mm512_shuffle_f32x4(r[i], r[i + 4], 0x88);
    t[i + 4] = _mm512_shuffle_f32x4(r[i], r[i + 4], 0xdd);
    t[i + 8] = _mm512_shuffle_f32x4(r[i + 8], r[i + 12], 0x88);
    t[i + 12] = _mm512_shuffle_f32x4(r[i + 8], r[i + 12], 0xdd);
  }
  for (int i = 0; i < 8; ++i) {
    r[i] = _mm512_shuffle_f32x4(t[i], t[i + 8], 0x88);
    r[i + 8] = _mm512_shuffle_f32x4(t[i], t[i + 8], 0xdd);
  }
  for (int i = 0; i < 16; ++i) _mm512_storeu_ps(dst + i * ldd, r[i]);
}

void alcn_conv_direct_transpose_avx512(float *dst, size_t ldd, const float *src, size_t lds, int rows, int cols) {
  const int r16 = rows / 16 * 16, c16 = cols / 16 * 16;
  for (int i = 0; i < r16; i += 16)
    for (int j = 0; j < c16; j += 16) tile16(dst + (size_t)j * ldd + i, ldd, src + (size_t)i * lds + j, lds);
  for (int i = 0; i < rows; ++i) /* ragged edges */
    for (int j = (i < r16 ? c16 : 0); j < cols; ++j) dst[(size_t)j * ldd + i] = src[(size_t)i * lds + j];
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

void alcn_conv_direct_g_avx512(float *Gt, const float *gT, int Mp, const float *img, const int *off, int T, int Wp,
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

#endif

/* ------------------------------------------------------- entry points */
void alcn_conv_direct_f(float *out, const float *bias, const float *At, int M, const float *img,
                        const int *off, int T, int Wp, int Ho, int Wo, float *wide) {
#if ALCN_HAVE_DIRECT
  if (alcn_cpu_isa_active() == ALCN_ISA_AVX2)
    alcn_conv_direct_f_avx2(out, bias, At, M, img, off, T, Wp, Ho, Wo, wide);
  else
    alcn_conv_direct_f_avx512(out, bias, At, M, img, off, T, Wp, Ho, Wo, wide);
#else /* never called: alcn_conv_direct_ok() == 0 */
  (void)out; (void)bias; (void)At; (void)M; (void)img; (void)off; (void)T; (void)Wp; (void)Ho; (void)Wo;
  (void)wide;
#endif
}

int alcn_conv_direct_f1(float *out, float bias, const float *A, const float *img, int Ci, int Hp, int Wp, int R,
                        int S, int Ho, int Wo, int y0, int y1) {
#if ALCN_HAVE_DIRECT
  /* the active path's row kernel and how many output rows it does at once */
  void (*rows)(float *, float, const float *, const float *, int, size_t, int, int, int, int, int, int, int, int);
  int rb;
  switch (alcn_cpu_isa_active()) {
    case ALCN_ISA_AVX512: rows = alcn_conv_direct_f1_rows_avx512, rb = ALCN_F1_RB_AVX512; break;
    case ALCN_ISA_AVX2: rows = alcn_conv_direct_f1_rows_avx2, rb = ALCN_F1_RB_AVX2; break;
    default: return 0;
  }
  if (Wo > 32 || Wo > Wp || (S != 3 && S != 5)) return 0;
  const size_t HpWp = (size_t)Hp * Wp;
  for (int p0 = 0; p0 < Ho; p0 += rb)
    rows(out, bias, A, img, Ci, HpWp, Wp, R, S, Wo, p0, Ho - p0 < rb ? Ho - p0 : rb, y0, y1);
  return 1;
#else
  (void)out; (void)bias; (void)A; (void)img; (void)Ci; (void)Hp; (void)Wp; (void)R; (void)S; (void)Ho; (void)Wo;
  (void)y0; (void)y1;
  return 0;
#endif
}

/* A "full" correlation of 3x3 or 5x5 taps (S-1 zero columns on each side):
 * the first and last e = S-1 pixels of its rows go to the edge kernels. */
static int fc_edge(int S, int Wo, int x0, int x1) {
  return x0 == S - 1 && x1 == Wo && Wo >= 2 * (S - 1) && (S == 3 || S == 5) ? S - 1 : 0;
}

int alcn_conv_direct_fc_inside(int M, int S, int Wo, int x0, int x1) {
  if (!fc_edge(S, Wo, x0, x1)) return 0;
  return alcn_cpu_isa_active() == ALCN_ISA_AVX2 || (alcn_cpu_isa_active() == ALCN_ISA_AVX512 && M < 32);
}

void alcn_conv_direct_fc(float *outT, const float *At, int M, const float *img, int Ci, int Hp, int Wp, int R,
                         int S, int Ho, int Wo, int p0, int p1, int y0, int y1, int x0, int x1) {
#if ALCN_HAVE_DIRECT
  const int e = fc_edge(S, Wo, x0, x1);
  if (alcn_cpu_isa_active() == ALCN_ISA_AVX2)
    alcn_conv_direct_fc_avx2(outT, At, M, img, Ci, Hp, Wp, R, S, Ho, Wo, p0, p1, y0, y1, e);
  else
    alcn_conv_direct_fc_avx512(outT, At, M, img, Ci, Hp, Wp, R, S, Ho, Wo, p0, p1, y0, y1, e);
#else
  (void)outT; (void)At; (void)M; (void)img; (void)Ci; (void)Hp; (void)Wp; (void)R; (void)S; (void)Ho; (void)Wo;
  (void)p0; (void)p1; (void)y0; (void)y1; (void)x0; (void)x1;
#endif
}

void alcn_conv_direct_g(float *Gt, const float *gT, int Mp, const float *img, const int *off, int T, int Wp,
                        int Ho, int Wo) {
#if ALCN_HAVE_DIRECT
  if (alcn_cpu_isa_active() == ALCN_ISA_AVX2)
    alcn_conv_direct_g_avx2(Gt, gT, Mp, img, off, T, Wp, Ho, Wo);
  else
    alcn_conv_direct_g_avx512(Gt, gT, Mp, img, off, T, Wp, Ho, Wo);
#else
  (void)Gt; (void)gT; (void)Mp; (void)img; (void)off; (void)T; (void)Wp; (void)Ho; (void)Wo;
#endif
}

void alcn_conv_direct_transpose(float *dst, size_t ldd, const float *src, size_t lds, int rows, int cols) {
#if ALCN_HAVE_DIRECT
  switch (alcn_cpu_isa_active()) {
    case ALCN_ISA_AVX512: alcn_conv_direct_transpose_avx512(dst, ldd, src, lds, rows, cols); return;
    case ALCN_ISA_AVX2: alcn_conv_direct_transpose_avx2(dst, ldd, src, lds, rows, cols); return;
    default: break;
  }
#endif
  for (int i = 0; i < rows; ++i)
    for (int j = 0; j < cols; ++j) dst[(size_t)j * ldd + i] = src[(size_t)i * lds + j];
}
