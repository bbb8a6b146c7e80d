/* AVX2+FMA twins of the AVX-512 direct-correlation kernels (conv_direct.h),
 * for x86-64 CPUs without AVX-512 (or ALCN_CPU_ISA=avx2). Same primitives,
 * same per-output arithmetic: each output (F, FC) or weight-gradient entry
 * (G) is one chain of FMAs over the same terms in the same order as in
 * conv_direct.c, so both paths give bitwise the same numbers; only the
 * register blocking is re-sized for 16 ymm registers of 8 floats (at most 12
 * accumulators plus the operands of one step). */
#include "conv_direct.h"

#include <string.h>

#include "cpu_isa.h"

#if ALCN_X86_SIMD
#include <immintrin.h>
#define TGT ALCN_TARGET_AVX2

/* ------------------------------------------------------------------- F */
/* wide[i][n] (i < MR, row stride ldw) = sum_t At[t][i] * img[off[t] + n],
 * n in [0, L) in chunks of 16 (2 vectors): MR*2 accumulators. */
#define F_BLOCK(MR)                                                                            \
  TGT static void f_block_##MR(float *wide, int ldw, const float *At, int M, const float *img, \
                               const int *off, int T, int L) {                                 \
    for (int n = 0; n < L; n += 16) {                                                          \
      __m256 acc[MR][2];                                                                       \
      _Pragma("GCC unroll 8") for (int i = 0; i < MR; ++i) {                                   \
        acc[i][0] = _mm256_setzero_ps();                                                       \
        acc[i][1] = _mm256_setzero_ps();                                                       \
      }                                                                                        \
      const float *ib = img + n, *a = At;                                                      \
      for (int t = 0; t < T; ++t, a += M) {                                                    \
        const float *b = ib + off[t];                                                          \
        const __m256 b0 = _mm256_loadu_ps(b), b1 = _mm256_loadu_ps(b + 8);                     \
        _Pragma("GCC unroll 8") for (int i = 0; i < MR; ++i) {                                 \
          const __m256 ai = _mm256_broadcast_ss(a + i);                                        \
          acc[i][0] = _mm256_fmadd_ps(ai, b0, acc[i][0]);                                      \
          acc[i][1] = _mm256_fmadd_ps(ai, b1, acc[i][1]);                                      \
        }                                                                                      \
      }                                                                                        \
      _Pragma("GCC unroll 8") for (int i = 0; i < MR; ++i) {                                   \
        float *o = wide + (size_t)i * ldw + n;                                                 \
        _mm256_storeu_ps(o, acc[i][0]);                                                        \
        _mm256_storeu_ps(o + 8, acc[i][1]);                                                    \
      }                                                                                        \
    }                                                                                          \
  }
F_BLOCK(6)
F_BLOCK(4)
F_BLOCK(2)

/* One output channel (the M remainder): 12 vectors (96 outputs) per chunk,
 * 12 independent accumulators to hide the FMA latency. */
TGT static void f_block_1(float *wide, const float *At, int M, const float *img, const int *off, int T, int L) {
  for (int n = 0; n < L; n += 96) {
    __m256 acc[12];
    _Pragma("GCC unroll 12") for (int v = 0; v < 12; ++v) acc[v] = _mm256_setzero_ps();
    const float *ib = img + n, *a = At;
    for (int t = 0; t < T; ++t, a += M) {
      const float *b = ib + off[t];
      const __m256 ai = _mm256_broadcast_ss(a);
      _Pragma("GCC unroll 12") for (int v = 0; v < 12; ++v) acc[v] =
          _mm256_fmadd_ps(ai, _mm256_loadu_ps(b + 8 * v), acc[v]);
    }
    _Pragma("GCC unroll 12") for (int v = 0; v < 12; ++v) _mm256_storeu_ps(wide + n + 8 * v, acc[v]);
  }
}

void alcn_conv_direct_f_avx2(float *out, const float *bias, const float *At, int M, const float *img,
                             const int *off, int T, int Wp, int Ho, int Wo, float *wide) {
  const int L = (Ho - 1) * Wp + Wo;
  const int ldw = (L + 15) / 16 * 16; /* <= Ho*Wp + 48 */
  int m = 0;
  for (; m + 6 <= M; m += 6) f_block_6(wide + (size_t)m * ldw, ldw, At + m, M, img, off, T, L);
  for (; m + 4 <= M; m += 4) f_block_4(wide + (size_t)m * ldw, ldw, At + m, M, img, off, T, L);
  for (; m + 2 <= M; m += 2) f_block_2(wide + (size_t)m * ldw, ldw, At + m, M, img, off, T, L);
  /* at most one channel left, the last row: its 96-float chunks may run up
   * to 95 floats past L, into the slack at the end of wide; img reads stay
   * within ALCN_CONV_DIRECT_SLACK of its end */
  for (; m < M; ++m) f_block_1(wide + (size_t)m * ldw, At + m, M, img, off, T, L);
  for (m = 0; m < M; ++m) {
    const float bm = bias ? bias[m] : 0.f;
    for (int p = 0; p < Ho; ++p) {
      const float *src = wide + (size_t)m * ldw + (size_t)p * Wp;
      float *dst = out + ((size_t)m * Ho + p) * Wo;
      for (int q = 0; q < Wo; ++q) dst[q] = src[q] + bm;
    }
  }
}

/* ------------------------------------------------------------------ F1 */
/* F for one output channel (M == 1), row-wise, as f1_rows_SS of
 * conv_direct.c: RB output rows times four 8-pixel groups (Wo <= 32) in
 * 4*RB accumulators. Each image row is visited once per channel: for each
 * tap s its four shifted vectors are loaded once (unaligned) and every
 * output row that the image row reaches takes them with its weight.
 * Image rows outside [y0, y1) are padding and are skipped. For each output
 * the taps run in the order (ci, r, s): the bits of f_block_1 (and of the
 * AVX-512 f1_rows). Reads up to 36 floats from the start of a row. */
#define F1_ROWS(SS)                                                                                    \
  TGT static void f1_rows_##SS(float *out, float bias, const float *A, const float *img, int Ci,        \
                               size_t HpWp, int Wp, int R, int Wo, int p0, int nr, int y0, int y1) {    \
    enum { RB = ALCN_F1_RB_AVX2, NV = 4 };                                                             \
    __m256 acc[RB][NV];                                                                                \
    _Pragma("GCC unroll 8") for (int j = 0; j < RB; ++j)                                               \
        _Pragma("GCC unroll 4") for (int v = 0; v < NV; ++v) acc[j][v] = _mm256_setzero_ps();          \
    const int ya = p0 > y0 ? p0 : y0, yb = p0 + nr - 1 + R < y1 ? p0 + nr - 1 + R : y1;                \
    for (int ci = 0; ci < Ci; ++ci) {                                                                  \
      const float *a = A + (size_t)ci * R * SS;                                                        \
      for (int y = ya; y < yb; ++y) {                                                                  \
        const float *x = img + ci * HpWp + (size_t)y * Wp;                                             \
        if (fc_zero_run(x, Wo + SS - 1)) continue;                                                     \
        const float *ar[RB];                                                                           \
        int on[RB];                                                                                    \
        _Pragma("GCC unroll 8") for (int j = 0; j < RB; ++j) {                                         \
          const int r = y - (p0 + j);                                                                  \
          on[j] = j < nr && r >= 0 && r < R;                                                           \
          ar[j] = a + (size_t)(on[j] ? r : 0) * SS;                                                    \
        }                                                                                              \
        if (on[0] && on[1]) {                                                                          \
          _Pragma("GCC unroll 8") for (int s = 0; s < SS; ++s) {                                       \
            const __m256 w0 = _mm256_broadcast_ss(ar[0] + s), w1 = _mm256_broadcast_ss(ar[1] + s);     \
            _Pragma("GCC unroll 4") for (int v = 0; v < NV; ++v) {                                     \
              const __m256 xv = _mm256_loadu_ps(x + s + 8 * v);                                        \
              acc[0][v] = _mm256_fmadd_ps(xv, w0, acc[0][v]);                                          \
              acc[1][v] = _mm256_fmadd_ps(xv, w1, acc[1][v]);                                          \
            }                                                                                          \
          }                                                                                            \
        } else {                                                                                       \
          const int j = on[0] ? 0 : 1;                                                                 \
          _Pragma("GCC unroll 8") for (int s = 0; s < SS; ++s) {                                       \
            const __m256 w = _mm256_broadcast_ss(ar[j] + s);                                           \
            _Pragma("GCC unroll 4") for (int v = 0; v < NV; ++v) {                                     \
              const __m256 xv = _mm256_loadu_ps(x + s + 8 * v);                                        \
              if (j == 0) acc[0][v] = _mm256_fmadd_ps(xv, w, acc[0][v]);                               \
              else acc[1][v] = _mm256_fmadd_ps(xv, w, acc[1][v]);                                      \
            }                                                                                          \
          }                                                                                            \
        }                                                                                              \
      }                                                                                                \
    }                                                                                                  \
    const __m256 bv = _mm256_set1_ps(bias);                                                            \
    _Pragma("GCC unroll 8") for (int j = 0; j < RB; ++j) {                                             \
      if (j >= nr) break;                                                                              \
      float *o = out + (size_t)(p0 + j) * Wo;                                                          \
      _Pragma("GCC unroll 4") for (int v = 0; v < NV; ++v) {                                           \
        const int left = Wo - 8 * v;                                                                   \
        if (left >= 8) _mm256_storeu_ps(o + 8 * v, _mm256_add_ps(acc[j][v], bv));                      \
        else if (left > 0) _mm256_maskstore_ps(o + 8 * v, tail_mask(left), _mm256_add_ps(acc[j][v], bv)); \
      }                                                                                                \
    }                                                                                                  \
  }

/* lanes [0, n) on, n in [1, 8) */
TGT static inline __m256i tail_mask(int n) {
  return _mm256_cmpgt_epi32(_mm256_set1_epi32(n), _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7));
}

/* 1 if x[0, n) are all +-0 (NaN is not): a kernel row with only such image
 * values adds nothing to any output, bit for bit, and is skipped (the
 * AVX-512 fc_zero_run in conv_direct.c says why). */
TGT static inline int fc_zero_run(const float *x, int n) {
  __m256 v;
  if (n >= 8) { /* whole vectors, the last one overlapping where 8 does not divide n */
    v = _mm256_loadu_ps(x + n - 8);
    for (int k = 0; k < n - 8; k += 8) v = _mm256_or_ps(v, _mm256_loadu_ps(x + k));
  } else {
    v = _mm256_maskload_ps(x, tail_mask(n));
  }
  /* OR keeps a nonzero lane nonzero; +-0 == 0, NaN != 0 (unordered) */
  return _mm256_movemask_ps(_mm256_cmp_ps(v, _mm256_setzero_ps(), _CMP_NEQ_UQ)) == 0;
}
F1_ROWS(3)
F1_ROWS(5)

void alcn_conv_direct_f1_rows_avx2(float *out, float bias, const float *A, const float *img, int Ci, size_t HpWp,
                                   int Wp, int R, int S, int Wo, int p0, int nr, int y0, int y1) {
  if (S == 5)
    f1_rows_5(out, bias, A, img, Ci, HpWp, Wp, R, Wo, p0, nr, y0, y1);
  else
    f1_rows_3(out, bias, A, img, Ci, HpWp, Wp, R, Wo, p0, nr, y0, y1);
}

/* ------------------------------------------------------------------ FC */
/* Channel-vectorised F, 16 channels (2 vectors) times NR consecutive output
 * pixels of one row in 2*NR accumulators; kernel rows r in [rlo, rhi) only,
 * taps in the order (ci, r, s) as in conv_direct.c; kernel rows whose image
 * values are all zero are skipped (fc_zero_run).
 * o: outT + pixel*M + m0; At: At + m0; x0: img + p*Wp + q0. */
#define FC_BLOCK(NR)                                                                                  \
  TGT static void fc_##NR(float *o, int M, const float *At, const float *x0, int Ci, size_t HpWp, int Wp, \
                          int R, int S, int rlo, int rhi) {                                           \
    __m256 acc[NR][2];                                                                                \
    _Pragma("GCC unroll 8") for (int j = 0; j < NR; ++j) {                                            \
      acc[j][0] = _mm256_setzero_ps();                                                                \
      acc[j][1] = _mm256_setzero_ps();                                                                \
    }                                                                                                 \
    for (int ci = 0; ci < Ci; ++ci)                                                                   \
      for (int r = rlo; r < rhi; ++r) {                                                               \
        const float *x = x0 + ci * HpWp + (size_t)r * Wp;                                             \
        const float *a = At + (size_t)((ci * R + r) * S) * M;                                         \
        if (fc_zero_run(x, NR + S - 1)) continue;                                                     \
        for (int s = 0; s < S; ++s, a += M, ++x) {                                                    \
          /* keep the broadcasts as fresh loads (x[j] of tap s+1 is x[j+1] of \
           * tap s; reusing them would need more than 16 registers) */        \
          __asm__("" : "+r"(x));                                                                      \
          const __m256 w0 = _mm256_loadu_ps(a), w1 = _mm256_loadu_ps(a + 8);                          \
          _Pragma("GCC unroll 8") for (int j = 0; j < NR; ++j) {                                      \
            const __m256 xv = _mm256_broadcast_ss(x + j);                                             \
            acc[j][0] = _mm256_fmadd_ps(xv, w0, acc[j][0]);                                           \
            acc[j][1] = _mm256_fmadd_ps(xv, w1, acc[j][1]);                                           \
          }                                                                                           \
        }                                                                                             \
      }                                                                                               \
    _Pragma("GCC unroll 8") for (int j = 0; j < NR; ++j) {                                            \
      _mm256_storeu_ps(o + (size_t)j * M, acc[j][0]);                                                 \
      _mm256_storeu_ps(o + (size_t)j * M + 8, acc[j][1]);                                             \
    }                                                                                                 \
  }
FC_BLOCK(6)
FC_BLOCK(5)
FC_BLOCK(4)
FC_BLOCK(2)
FC_BLOCK(1)

/* n = 6a + 5b for some a, b >= 0 (every n >= 20 is) */
static int sum_of_6_and_5(int n) {
  for (; n >= 0; n -= 6)
    if (n % 5 == 0) return 1;
  return 0;
}

/* The next block width for the `left` pixels still to do in a row: 6 or 5
 * pixels where the rest can be cut into 6s and 5s too, so that no row ends in
 * a 2- or 1-pixel block, whose 4 or 2 accumulators leave the FMA units idle
 * for their latency (a 20-pixel row: 5+5+5+5, not 6+6+6+2). Only the grouping
 * of the pixels changes: each output is the same chain of FMAs. */
static int fc_width(int left) {
  if (left >= 6 && sum_of_6_and_5(left - 6)) return 6;
  if (left >= 5 && sum_of_6_and_5(left - 5)) return 5;
  return left >= 6 ? 6 : left >= 4 ? 4 : left >= 2 ? 2 : 1;
}

/* The edges of a row of a "full" correlation (image columns [E, Wo), E =
 * SS-1), as fce_SS in conv_direct.c but one side per call, in blocks of NB
 * pixels: the left block q = j < NB skips the taps s < E-j, the right block
 * q = qr+j (qr = Wo-NB) the taps s >= NB-j (those that read padding); the
 * other taps run in the (ci, r, s) order of fc_NR: the same bits. NB = E
 * (the edge pixels alone, 2E accumulators) where a row is short; NB = 6
 * where Wo >= 12 (the blocks apart): there the edge pixels go with their
 * inner neighbours. With NB = E the pixel next to the interior makes one
 * chain of E FMAs per (ci, r) while the block does SS*E/2 FMAs in all: at 4
 * cycles an FMA the chain, not the two FMA pipes, sets the pace (about 60%
 * of the peak for SS = 5); with NB = 6 the work per (ci, r) grows to match
 * the longest chain (SS = 5: 20 taps of work against a chain of 5).
 * o: outT + p*Wo*M + m0; x0: img + p*Wp. */
#define FC_EDGE(SS, SIDE, NB)                                                                             \
  TGT static void fce_##SS##_##SIDE##_##NB(float *o, int M, const float *At, const float *x0, int Ci,     \
                                           size_t HpWp, int Wp, int R, int rlo, int rhi, int qr) {       \
    enum { E = SS - 1, LEFT = SIDE == 0 };                                                                \
    __m256 acc[NB][2];                                                                                    \
    _Pragma("GCC unroll 8") for (int j = 0; j < NB; ++j) {                                                \
      acc[j][0] = _mm256_setzero_ps();                                                                    \
      acc[j][1] = _mm256_setzero_ps();                                                                    \
    }                                                                                                     \
    const int q0 = LEFT ? 0 : qr;                                                                         \
    for (int ci = 0; ci < Ci; ++ci)                                                                       \
      for (int r = rlo; r < rhi; ++r) {                                                                   \
        const float *x = x0 + ci * HpWp + (size_t)r * Wp + q0;                                            \
        const float *a = At + (size_t)((ci * R + r) * SS) * M;                                            \
        /* the taps read x[E, E+NB) on the left, x[0, NB) on the right */                                 \
        if (fc_zero_run(x + (LEFT ? E : 0), NB)) continue;                                                \
        _Pragma("GCC unroll 8") for (int s = 0; s < SS; ++s) {                                            \
          const __m256 w0 = _mm256_loadu_ps(a + (size_t)s * M), w1 = _mm256_loadu_ps(a + (size_t)s * M + 8); \
          /* fresh broadcasts per tap, as in fc_NR (else the shared ones spill) */                        \
          const float *xs = x + s;                                                                        \
          __asm__("" : "+r"(xs));                                                                         \
          _Pragma("GCC unroll 8") for (int j = 0; j < NB; ++j) {                                          \
            if (LEFT ? s >= E - j : s < NB - j) {                                                         \
              const __m256 xv = _mm256_broadcast_ss(xs + j);                                              \
              acc[j][0] = _mm256_fmadd_ps(xv, w0, acc[j][0]);                                             \
              acc[j][1] = _mm256_fmadd_ps(xv, w1, acc[j][1]);                                             \
            }                                                                                             \
          }                                                                                               \
        }                                                                                                 \
      }                                                                                                   \
    _Pragma("GCC unroll 8") for (int j = 0; j < NB; ++j) {                                                \
      _mm256_storeu_ps(o + (size_t)(q0 + j) * M, acc[j][0]);                                              \
      _mm256_storeu_ps(o + (size_t)(q0 + j) * M + 8, acc[j][1]);                                          \
    }                                                                                                     \
  }
FC_EDGE(3, 0, 2)
FC_EDGE(3, 1, 2)
FC_EDGE(5, 0, 4)
FC_EDGE(5, 1, 4)
FC_EDGE(3, 0, 6)
FC_EDGE(3, 1, 6)
FC_EDGE(5, 0, 6)
FC_EDGE(5, 1, 6)

/* fc_NR, and fce_SS_SIDE_NB with (rlo, rhi, qr) for its last three arguments */
typedef void (*fc_fn)(float *, int, const float *, const float *, int, size_t, int, int, int, int, int);

void alcn_conv_direct_fc_avx2(float *outT, const float *At, int M, const float *img, int Ci, int Hp, int Wp, int R,
                              int S, int Ho, int Wo, int p0, int p1, int y0, int y1, int e) {
  static const fc_fn fn[7] = {NULL, fc_1, fc_2, NULL, fc_4, fc_5, fc_6}; /* by width */
  const size_t HpWp = (size_t)Hp * Wp;
  /* when e > 0: 6-pixel edge blocks where the row has room for both */
  const int six = e && Wo >= 12, eb = six ? 6 : e; /* pixels each edge call does */
  const fc_fn left = six ? (S == 5 ? fce_5_0_6 : fce_3_0_6) : (S == 5 ? fce_5_0_4 : fce_3_0_2);
  const fc_fn right = six ? (S == 5 ? fce_5_1_6 : fce_3_1_6) : (S == 5 ? fce_5_1_4 : fce_3_1_2);
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
      if (e) {
        left(orow + m, M, At + m, img + (size_t)p * Wp, Ci, HpWp, Wp, R, rlo, rhi, Wo - eb);
        right(orow + m, M, At + m, img + (size_t)p * Wp, Ci, HpWp, Wp, R, rlo, rhi, Wo - eb);
      }
      for (int q = eb; q < Wo - eb;) {
        const int k = fc_width(Wo - eb - q);
        fn[k](orow + (size_t)q * M + m, M, At + m, img + (size_t)p * Wp + q, Ci, HpWp, Wp, R, S, rlo, rhi);
        q += k;
      }
    }
  }
}

/* ----------------------------------------------------------- transpose */
/* 8 x 8 tile: dst[j][i] = src[i][j] (row strides lds, ldd). */
TGT static void tile8(float *dst, size_t ldd, const float *src, size_t lds) {
  __m256 r[8], t[8];
  for (int i = 0; i < 8; ++i) r[i] = _mm256_loadu_ps(src + i * lds);
  for (int i = 0; i < 4; ++i) {
    t[2 * i] = _mm256_unpacklo_ps(r[2 * i], r[2 * i + 1]);
    t[2 * i + 1] = _mm256_unpackhi_ps(r[2 * i], r[2 * i + 1]);
  }
  for (int i = 0; i < 2; ++i) {
    r[4 * i] = _mm256_shuffle_ps(t[4 * i], t[4 * i + 2], 0x44);
    r[4 * i + 1] = _mm256_shuffle_ps(t[4 * i], t[4 * i + 2], 0xEE);
    r[4 * i + 2] = _mm256_shuffle_ps(t[4 * i + 1], t[4 * i + 3], 0x44);
    r[4 * i + 3] = _mm256_shuffle_ps(t[4 * i + 1], t[4 * i + 3], 0xEE);
  }
  for (int i = 0; i < 4; ++i) {
    t[i] = _mm256_permute2f128_ps(r[i], r[i + 4], 0x20);
    t[i + 4] = _mm256_permute2f128_ps(r[i], r[i + 4], 0x31);
  }
  for (int i = 0; i < 8; ++i) _mm256_storeu_ps(dst + i * ldd, t[i]);
}

void alcn_conv_direct_transpose_avx2(float *dst, size_t ldd, const float *src, size_t lds, int rows, int cols) {
  const int r8 = rows / 8 * 8, c8 = cols / 8 * 8;
  for (int i = 0; i < r8; i += 8)
    for (int j = 0; j < c8; j += 8) tile8(dst + (size_t)j * ldd + i, ldd, src + (size_t)i * lds + j, lds);
  for (int i = 0; i < rows; ++i) /* ragged edges */
    for (int j = (i < r8 ? c8 : 0); j < cols; ++j) dst[(size_t)j * ldd + i] = src[(size_t)i * lds + j];
}

/* ------------------------------------------------------------------- G */
/* Gt[i][0..16) += sum_{p,q} img[off[i] + p*Wp + q] * gT[p*Wo+q][0..16),
 * i < TR: TR*2 accumulators, pixels in the order of conv_direct.c. Gt and gT
 * have row stride Mp. */
#define G_BLOCK(TR)                                                                                   \
  TGT static void g_block_##TR(float *Gt, const float *gT, int Mp, const float *img, const int *off,  \
                               int Wp, int Ho, int Wo) {                                              \
    __m256 acc[TR][2];                                                                                \
    const float *bp[TR];                                                                              \
    _Pragma("GCC unroll 8") for (int i = 0; i < TR; ++i) {                                            \
      bp[i] = img + off[i];                                                                           \
      acc[i][0] = _mm256_setzero_ps();                                                                \
      acc[i][1] = _mm256_setzero_ps();                                                                \
    }                                                                                                 \
    for (int p = 0; p < Ho; ++p) {                                                                    \
      const float *g = gT + (size_t)p * Wo * Mp;                                                      \
      for (int q = 0; q < Wo; ++q, g += Mp) {                                                         \
        const int o = p * Wp + q;                                                                     \
        const __m256 g0 = _mm256_loadu_ps(g), g1 = _mm256_loadu_ps(g + 8);                            \
        _Pragma("GCC unroll 8") for (int i = 0; i < TR; ++i) {                                        \
          const __m256 x = _mm256_broadcast_ss(bp[i] + o);                                            \
          acc[i][0] = _mm256_fmadd_ps(x, g0, acc[i][0]);                                              \
          acc[i][1] = _mm256_fmadd_ps(x, g1, acc[i][1]);                                              \
        }                                                                                             \
      }                                                                                               \
    }                                                                                                 \
    _Pragma("GCC unroll 8") for (int i = 0; i < TR; ++i) {                                            \
      float *o = Gt + (size_t)i * Mp;                                                                 \
      _mm256_storeu_ps(o, _mm256_add_ps(_mm256_loadu_ps(o), acc[i][0]));                              \
      _mm256_storeu_ps(o + 8, _mm256_add_ps(_mm256_loadu_ps(o + 8), acc[i][1]));                      \
    }                                                                                                 \
  }
G_BLOCK(6)
G_BLOCK(5)
G_BLOCK(1)

/* Taps in blocks of 6 and 5 (fc_width's cut), so that no taps are left for
 * g_block_1, whose 2 accumulators wait on the FMA latency: the paper's
 * T = 400 is 65*6 + 2*5 (was 66*6 + 4*1), T = 25 is 5*5 (was 4*6 + 1).
 * Each Gt entry is the same chain of FMAs whatever its block. */
void alcn_conv_direct_g_avx2(float *Gt, const float *gT, int Mp, const float *img, const int *off, int T, int Wp,
                             int Ho, int Wo) {
  for (int m = 0; m < Mp; m += 16)
    for (int t = 0; t < T;) {
      int k = fc_width(T - t); /* 6 or 5; 4, 2 or 1 where fewer than 5 are left */
      float *g = Gt + (size_t)t * Mp + m;
      if (k == 6) g_block_6(g, gT + m, Mp, img, off + t, Wp, Ho, Wo);
      else if (k == 5) g_block_5(g, gT + m, Mp, img, off + t, Wp, Ho, Wo);
      else {
        g_block_1(g, gT + m, Mp, img, off + t, Wp, Ho, Wo);
        k = 1;
      }
      t += k;
    }
}

#else
/* Not an x86-64 GCC/Clang build: nothing here (the entry points never call it). */
typedef int alcn_conv_direct_avx2_empty;
#endif
