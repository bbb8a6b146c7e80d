/* Private to kernels/cpu/conv*.c: the SIMD direct-correlation micro-kernels
 * behind the stride-1 fast path of the CPU conv (conv.c). Every stride-1
 * conv / transposed-conv pass (forward, backward-data, backward-filter) is
 * reduced to one of two "valid correlation" primitives on a zero-padded image
 * img (Ci, Hp, Wp) with Hp = Ho + R - 1, Wp = Wo + S - 1:
 *
 *   F:  out[m][p][q] = bias[m] + sum_{t=(ci,r,s)} At[t][m] * img[ci][p+r][q+s]
 *   G:  Gt[t][m]    += sum_{p,q} img[ci][p+r][q+s] * gT[p*Wo+q][m],  t=(ci,r,s)
 *
 * off[t] = ci*Hp*Wp + r*Wp + s. F computes on a "wide" output grid of row
 * stride Wp (so that img rows are contiguous) and drops the S-1 extra
 * columns when it stores. */
#ifndef ALCN_CONV_DIRECT_H
#define ALCN_CONV_DIRECT_H

#include <stddef.h>

/* 1 when the active CPU path (cpu_isa.h) is AVX-512 or AVX2+FMA and the
 * environment variable ALCN_CONV_GENERIC is unset or "0" (set it to force
 * the im2col + sgemm path, e.g. to test or time it). The entry points below
 * run the active path's kernels: AVX-512 (conv_direct.c) or AVX2+FMA
 * (conv_direct_avx2.c). Both give bitwise the same results: every output is
 * one chain of FMAs over the same terms in the same order; only the register
 * blocking (which outputs are computed together) differs. */
int alcn_conv_direct_ok(void);

/* Floats of slack F may read past img's Ci*Hp*Wp (keep them allocated). */
#define ALCN_CONV_DIRECT_SLACK 160
/* Floats of the scratch `wide` that F needs. */
#define ALCN_CONV_DIRECT_WIDE(M, Ho, Wp) ((size_t)(M) * ((size_t)(Ho) * (Wp) + 48) + ALCN_CONV_DIRECT_SLACK)

/* F. out (M, Ho, Wo) (=); bias (M) or NULL; At (T, M); img as above plus
 * slack; wide: ALCN_CONV_DIRECT_WIDE(M, Ho, Wp) floats of scratch. */
void alcn_conv_direct_f(float *out, const float *bias, const float *At, int M, const float *img,
                        const int *off, int T, int Wp, int Ho, int Wo, float *wide);

/* F for one output channel: out (Ho, Wo) (=) plus bias; A (Ci*R*S) the
 * weights in tap order; img (Ci, Hp, Wp) plus slack, rows outside [y0, y1)
 * zero padding (skipped). Same bits as F with M = 1. Returns 0, writing
 * nothing, where it does not apply (the portable path, Wo > 32, S not 3 or
 * 5): use F then. Reads up to 48 floats from the start of an image row. */
int alcn_conv_direct_f1(float *out, float bias, const float *A, const float *img, int Ci, int Hp, int Wp, int R,
                        int S, int Ho, int Wo, int y0, int y1);

/* F with the output channel-vectorised, for M a multiple of 16: rows [p0, p1)
 * of outT (Ho*Wo, M) (=), no bias (any row split gives the same bits); image
 * rows outside [y0, y1) and columns outside [x0, x1) are known to be zero
 * padding. Padding rows are skipped; so are padding columns where the
 * correlation is "full" (x0 = S-1, x1 = Wo; S = 3 or 5). Skipping a zero
 * term gives the same bits. Reads no slack. */
void alcn_conv_direct_fc(float *outT, const float *At, int M, const float *img, int Ci, int Hp, int Wp, int R,
                         int S, int Ho, int Wo, int p0, int p1, int y0, int y1, int x0, int x1);

/* 1 when fc with these M, S, Wo, x0, x1 reads no padding at all: a full
 * correlation whose every group of channels runs the edge kernels (AVX2:
 * any M; AVX-512: M = 16, as its two-vector groups read the padding
 * columns). fc may then read the unpadded image (Ci, Hs, Ws) in place,
 * addressed as if padded: img = src - ph*Ws - pw (never dereferenced
 * outside the source) and Hp, Wp = Hs, Ws, its strides. */
int alcn_conv_direct_fc_inside(int M, int S, int Wo, int x0, int x1);

/* G. Gt (T, Mp) (+=), Mp = M rounded up to 16; gT (Ho*Wo, Mp). */
void alcn_conv_direct_g(float *Gt, const float *gT, int Mp, const float *img, const int *off, int T, int Wp,
                        int Ho, int Wo);

/* dst[j][i] = src[i][j] for i < rows, j < cols (row strides ldd, lds). */
void alcn_conv_direct_transpose(float *dst, size_t ldd, const float *src, size_t lds, int rows, int cols);

/* The per-ISA kernels behind the entry points (x86-64 builds only). fc's
 * e > 0 (S-1, for S = 3 or 5) marks a full correlation whose first and last
 * e pixels of a row run on the edge kernels. */
void alcn_conv_direct_f_avx512(float *out, const float *bias, const float *At, int M, const float *img,
                               const int *off, int T, int Wp, int Ho, int Wo, float *wide);
/* F1's row kernels: output rows [p0, p0+nr) (nr <= ALCN_F1_RB_*), S = 3 or 5,
 * Wo <= 32 (alcn_conv_direct_f1 checks and loops). */
#define ALCN_F1_RB_AVX512 4
#define ALCN_F1_RB_AVX2 2
void alcn_conv_direct_f1_rows_avx512(float *out, float bias, const float *A, const float *img, int Ci, size_t HpWp,
                                     int Wp, int R, int S, int Wo, int p0, int nr, int y0, int y1);
void alcn_conv_direct_fc_avx512(float *outT, const float *At, int M, const float *img, int Ci, int Hp, int Wp,
                                int R, int S, int Ho, int Wo, int p0, int p1, int y0, int y1, int e);
void alcn_conv_direct_g_avx512(float *Gt, const float *gT, int Mp, const float *img, const int *off, int T, int Wp,
                               int Ho, int Wo);
void alcn_conv_direct_transpose_avx512(float *dst, size_t ldd, const float *src, size_t lds, int rows, int cols);
void alcn_conv_direct_f_avx2(float *out, const float *bias, const float *At, int M, const float *img,
                             const int *off, int T, int Wp, int Ho, int Wo, float *wide);
void alcn_conv_direct_f1_rows_avx2(float *out, float bias, const float *A, const float *img, int Ci, size_t HpWp,
                                   int Wp, int R, int S, int Wo, int p0, int nr, int y0, int y1);
void alcn_conv_direct_fc_avx2(float *outT, const float *At, int M, const float *img, int Ci, int Hp, int Wp,
                              int R, int S, int Ho, int Wo, int p0, int p1, int y0, int y1, int e);
void alcn_conv_direct_g_avx2(float *Gt, const float *gT, int Mp, const float *img, const int *off, int T, int Wp,
                             int Ho, int Wo);
void alcn_conv_direct_transpose_avx2(float *dst, size_t ldd, const float *src, size_t lds, int rows, int cols);

#endif
