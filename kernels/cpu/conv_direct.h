/* Private to kernels/cpu/conv*.c: the AVX-512 direct-correlation micro-kernels
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

/* 1 when this CPU runs the AVX-512 kernels (checked once) and the
 * environment variable ALCN_CONV_GENERIC is unset or "0" (set it to force
 * the im2col + sgemm path, e.g. to test or time it). */
int alcn_conv_direct_ok(void);

/* Floats of slack F may read past img's Ci*Hp*Wp (keep them allocated). */
#define ALCN_CONV_DIRECT_SLACK 160
/* Floats of the scratch `wide` that F needs. */
#define ALCN_CONV_DIRECT_WIDE(M, Ho, Wp) ((size_t)(M) * ((size_t)(Ho) * (Wp) + 48) + ALCN_CONV_DIRECT_SLACK)

/* F. out (M, Ho, Wo) (=); bias (M) or NULL; At (T, M); img as above plus
 * slack; wide: ALCN_CONV_DIRECT_WIDE(M, Ho, Wp) floats of scratch. */
void alcn_conv_direct_f(float *out, const float *bias, const float *At, int M, const float *img,
                        const int *off, int T, int Wp, int Ho, int Wo, float *wide);

/* F with the output channel-vectorised, for M a multiple of 16: outT (Ho*Wo, M)
 * (=), no bias; image rows outside [y0, y1) are known to be zero padding and
 * are skipped (exact savings for "full" correlations). Reads no slack. */
void alcn_conv_direct_fc(float *outT, const float *At, int M, const float *img, int Ci, int Hp, int Wp, int R,
                         int S, int Ho, int Wo, int y0, int y1);

/* G. Gt (T, Mp) (+=), Mp = M rounded up to 16; gT (Ho*Wo, Mp). */
void alcn_conv_direct_g(float *Gt, const float *gT, int Mp, const float *img, const int *off, int T, int Wp,
                        int Ho, int Wo);

/* dst[j][i] = src[i][j] for i < rows, j < cols (row strides ldd, lds). */
void alcn_conv_direct_transpose(float *dst, size_t ldd, const float *src, size_t lds, int rows, int cols);

#endif
