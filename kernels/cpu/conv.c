/* Fast CPU Conv2d / ConvTranspose2d (ops.h), OpenMP across the batch.
 *
 * Two paths, chosen per call:
 *  - stride 1 on an AVX-512 or AVX2+FMA CPU: direct correlation kernels
 *    (conv_direct.c, conv_direct_avx2.c) on zero-padded per-image copies
 *    (the image itself where it has no padding; the kernels skip the taps
 *    that fall on padding rows, and on the padding columns of "full"
 *    correlations); every pass is a "valid" correlation:
 *      Conv2d fwd      = corr(pad(in, pad),        w)
 *      ConvT fwd       = corr(pad(in, R-1-pad),    flip(w)^T)   ("full" conv)
 *      Conv2d din      = corr(pad(dout, R-1-pad),  flip(w)^T)
 *      ConvT din       = corr(pad(dout, pad),      w)
 *      Conv2d dw       = G(pad(in, pad),  dout),   ConvT dw = G(pad(dout, pad), in)
 *    (OpenBLAS 0.3.21 as shipped by Debian detects this VM's Sapphire Rapids
 *    CPU as "Prescott" and runs SSE3 kernels at ~13 GFLOP/s per core, so the
 *    hot path does not depend on it);
 *  - otherwise: im2col / col2im + OpenBLAS sgemm, one image at a time.
 *
 * Threading (T = min(omp_get_max_threads(), N) threads):
 *  - direct path: images are handed out dynamically; the backward pass cuts
 *    the batch into min(N, 32) fixed chunks, each with its own dw/db partial
 *    in the workspace, summed in chunk order afterwards: dw/db are bitwise
 *    reproducible and even independent of the thread count;
 *  - im2col path: T contiguous equal chunks, single-threaded sgemm inside the
 *    parallel region (OpenBLAS is switched to one thread and restored
 *    afterwards), per-thread partials reduced in thread order: reproducible
 *    for a given thread count.
 * Set ALCN_CONV_GENERIC=1 in the environment to force the im2col path.
 *
 * Workspace (alcn_cpu_conv_workspace, floats): the larger of the paths' needs,
 *   im2col path: T * (col + dw + db), col = C*R*S*P*Q (Conv2d) or
 *                K*R*S*H*W (ConvTranspose2d), dw = C*K*R*S, db = K;
 *   direct path: shared (packed weights C*K*R*S + offset tables)
 *                + T * (padded image + output tile + transposed gradient:
 *                  a few single-image planes)
 *                + min(N, 32) * (dw + db partials, channels rounded to 16).
 * It grows linearly with T = omp_get_max_threads() at the time of the query
 * (query again after raising the OpenMP thread count) and with the batch N
 * only up to N = 32. DAE Conv(16,32,5) on 24x24, T=2, N>=32: 0.95 M floats
 * (3.8 MB), mostly the 32 dw partials. */
#include <string.h>

#include "cpu_ops.h"
#include "conv_direct.h"

/* After ops.h: OpenBLAS's cblas.h pulls in <complex.h>, whose macro I would
 * clash with parameter names in ops.h. */
#include <cblas.h>
#include <omp.h>

/* ------------------------------------------------------------ im2col etc. */
/* Geometry of one "gather" convolution: image (Ci,Hi,Wi), kernel R x S,
 * stride, pad -> output grid Ho x Wo; col rows (ci,r,s), columns (ho,wo). */
typedef struct geom {
  int Ci, Hi, Wi, R, S, st, pad, Ho, Wo;
} geom;

/* Valid output range [lo,hi) of o such that i = o*st - pad + k is in [0,n). */
static inline void valid_range(int k, int st, int pad, int n, int nout, int *lo, int *hi) {
  int a = pad - k; /* o*st >= a */
  int l = a <= 0 ? 0 : (a + st - 1) / st;
  int b = n - 1 + pad - k; /* o*st <= b */
  int h = b < 0 ? 0 : b / st + 1;
  if (h > nout) h = nout;
  if (l > h) l = h;
  *lo = l;
  *hi = h;
}

/* col (Ci*R*S, Ho*Wo) = patches of x (Ci,Hi,Wi). */
static void im2col(float *col, const float *x, const geom *g) {
  const int HWo = g->Ho * g->Wo;
  for (int c = 0; c < g->Ci; ++c) {
    const float *xc = x + (size_t)c * g->Hi * g->Wi;
    for (int r = 0; r < g->R; ++r) {
      int p0, p1;
      valid_range(r, g->st, g->pad, g->Hi, g->Ho, &p0, &p1);
      for (int s = 0; s < g->S; ++s) {
        float *row = col + ((size_t)(c * g->R + r) * g->S + s) * HWo;
        int q0, q1;
        valid_range(s, g->st, g->pad, g->Wi, g->Wo, &q0, &q1);
        if (p0 > 0) memset(row, 0, sizeof(float) * (size_t)p0 * g->Wo);
        for (int p = p0; p < p1; ++p) {
          float *o = row + (size_t)p * g->Wo;
          const float *xr = xc + (size_t)(p * g->st - g->pad + r) * g->Wi - g->pad + s;
          for (int q = 0; q < q0; ++q) o[q] = 0.f;
          if (g->st == 1) {
            memcpy(o + q0, xr + q0, sizeof(float) * (size_t)(q1 - q0));
          } else {
            for (int q = q0; q < q1; ++q) o[q] = xr[q * g->st];
          }
          for (int q = q1; q < g->Wo; ++q) o[q] = 0.f;
        }
        if (p1 < g->Ho) memset(row + (size_t)p1 * g->Wo, 0, sizeof(float) * (size_t)(g->Ho - p1) * g->Wo);
      }
    }
  }
}

/* x (Ci,Hi,Wi) += scatter of col (Ci*R*S, Ho*Wo): the adjoint of im2col. */
static void col2im_add(float *x, const float *col, const geom *g) {
  const int HWo = g->Ho * g->Wo;
  for (int c = 0; c < g->Ci; ++c) {
    float *xc = x + (size_t)c * g->Hi * g->Wi;
    for (int r = 0; r < g->R; ++r) {
      int p0, p1;
      valid_range(r, g->st, g->pad, g->Hi, g->Ho, &p0, &p1);
      for (int s = 0; s < g->S; ++s) {
        const float *row = col + ((size_t)(c * g->R + r) * g->S + s) * HWo;
        int q0, q1;
        valid_range(s, g->st, g->pad, g->Wi, g->Wo, &q0, &q1);
        for (int p = p0; p < p1; ++p) {
          const float *o = row + (size_t)p * g->Wo;
          float *xr = xc + (size_t)(p * g->st - g->pad + r) * g->Wi - g->pad + s;
          if (g->st == 1) {
            for (int q = q0; q < q1; ++q) xr[q] += o[q];
          } else {
            for (int q = q0; q < q1; ++q) xr[q * g->st] += o[q];
          }
        }
      }
    }
  }
}

/* ------------------------------------------------------------- threading */
static int conv_threads(int N) {
  int t = omp_get_max_threads();
  if (t > N) t = N;
  return t < 1 ? 1 : t;
}

/* Direct-path passes smaller than this many FLOPs (a fraction of a ms on one
 * core) run on one thread: there, waking the second thread costs more than
 * the split saves. It was 2.5e8 (a scheduler tick on a loaded machine), which
 * left the paper's first and last layers (0.1-0.2 GFLOP per pass at batch
 * 256) on one core while the other spun: 2e7 made the DAE+ALCN step at batch
 * 256 11% faster (AVX-512, 2 threads, idle machine). The result does not
 * depend on it (see the threading notes above). */
#define ALCN_CONV_SERIAL_FLOPS 2e7

/* FLOPs of one pass (forward, data or filter gradient) over the batch. */
static double pass_flops(const alcn_conv_dims *d) {
  const double pix = d->transposed ? (double)d->H * d->W : (double)d->P * d->Q;
  return 2.0 * d->N * d->C * d->K * d->R * d->S * pix;
}

static int direct_threads(const alcn_conv_dims *d, int passes) {
  return pass_flops(d) * passes < ALCN_CONV_SERIAL_FLOPS ? 1 : conv_threads(d->N);
}

static size_t col_floats(const alcn_conv_dims *d) {
  return d->transposed ? (size_t)d->K * d->R * d->S * d->H * d->W
                       : (size_t)d->C * d->R * d->S * d->P * d->Q;
}

/* Per-thread slice: col, then dw partial, then db partial. */
static size_t slice_floats(const alcn_conv_dims *d) {
  return col_floats(d) + (size_t)d->C * d->K * d->R * d->S + (size_t)d->K;
}

/* ------------------------------------------------ direct path: sizes */
typedef struct dsz {
  size_t shared;                 /* At (C*K*R*S floats) + two offset tables */
  size_t img, wide, gT;          /* per-thread scratch */
  size_t slice;                  /* per-thread total */
  size_t Gt, db, part;           /* per-chunk dw / db partials and their total */
  int nchunk;                    /* batch chunks of the backward pass */
} dsz;

static size_t maxz(size_t a, size_t b) { return a > b ? a : b; }
static int round16(int m) { return (m + 15) / 16 * 16; }

/* The backward pass splits the batch into min(N, ALCN_CONV_CHUNKS) fixed
 * chunks, each with its own dw/db partial, summed in chunk order: the result
 * does not depend on the thread count or on which thread ran which chunk,
 * and threads take chunks dynamically (robust to a busy core). */
#define ALCN_CONV_CHUNKS 32

static dsz direct_sizes(const alcn_conv_dims *d) {
  const size_t C = (size_t)d->C, K = (size_t)d->K, R = (size_t)d->R, S = (size_t)d->S;
  const size_t H = (size_t)d->H, W = (size_t)d->W, P = (size_t)d->P, Q = (size_t)d->Q;
  const size_t tmax = (C > K ? C : K) * R * S;
  dsz z;
  z.shared = C * K * R * S + 2 * tmax + 16;
  /* images: the padded input-side plane stack and the padded dout stack */
  const size_t img_in = C * (P + R - 1) * (Q + S - 1);
  const size_t img_go = K * (H + R - 1) * (W + S - 1);
  z.img = maxz(img_in, img_go) + ALCN_CONV_DIRECT_SLACK;
  z.wide = maxz(ALCN_CONV_DIRECT_WIDE(K, P, Q + S - 1), ALCN_CONV_DIRECT_WIDE(C, H, W + S - 1));
  const size_t Mp = (size_t)round16(d->transposed ? d->C : d->K);
  z.gT = (d->transposed ? H * W : P * Q) * Mp;
  z.slice = z.img + z.wide + z.gT + 16;
  z.Gt = tmax * Mp;
  z.db = K;
  z.part = z.Gt + z.db + 16;
  z.nchunk = d->N < ALCN_CONV_CHUNKS ? d->N : ALCN_CONV_CHUNKS;
  return z;
}

size_t alcn_cpu_conv_workspace(const alcn_conv_dims *d) {
  int t = omp_get_max_threads();
  if (t < 1) t = 1;
  const size_t gen = (size_t)t * slice_floats(d);
  if (d->stride != 1) return gen;
  const dsz z = direct_sizes(d);
  return maxz(gen, z.shared + (size_t)t * z.slice + (size_t)z.nchunk * z.part);
}

/* OpenBLAS runs single-threaded inside our parallel regions. */
static int blas_single_begin(int nt) {
  int old = openblas_get_num_threads();
  if (nt > 1 && old != 1) openblas_set_num_threads(1);
  return old;
}
static void blas_single_end(int nt, int old) {
  if (nt > 1 && old != 1) openblas_set_num_threads(old);
}

/* Sum the T per-thread partials (stride `slice`, offset `off`, length n) into
 * dst in thread order. */
static void reduce_partials(float *dst, const float *ws, size_t slice, size_t off, size_t n, int T) {
  for (int t = 0; t < T; ++t) {
    const float *p = ws + (size_t)t * slice + off;
    for (size_t i = 0; i < n; ++i) dst[i] += p[i];
  }
}

/* db partial += per-channel sums of one image's dout (K, PQ): each sum is
 * one chain in pixel order, starting from 0. Eight channels' chains are
 * interleaved (independent adds instead of one latency-bound chain); every
 * chain keeps its order, so the bits are those of the plain loop. */
static void db_accum(float *db, const float *dout, int K, int PQ) {
  enum { KB = 8 };
  int k = 0;
  for (; k + KB <= K; k += KB) {
    float s[KB] = {0.f};
    const float *g = dout + (size_t)k * PQ;
    for (int i = 0; i < PQ; ++i)
      for (int j = 0; j < KB; ++j) s[j] += g[(size_t)j * PQ + i];
    for (int j = 0; j < KB; ++j) db[k + j] += s[j];
  }
  for (; k < K; ++k) {
    const float *g = dout + (size_t)k * PQ;
    float s = 0.f;
    for (int i = 0; i < PQ; ++i) s += g[i];
    db[k] += s;
  }
}

/* db_accum from the transposed dout gT (PQ, Mp) that the weight gradient of
 * a Conv2d reads anyway: a pixel's channels are contiguous there, so the K
 * chains run side by side in vector lanes (db_accum's scalar chains cost 1%
 * of the DAE+ALCN step). Each channel's sum is the same chain, from 0 in
 * pixel order, then added to db[k]: the bits of db_accum. */
static void db_accum_T(float *db, const float *gT, int K, int Mp, int PQ) {
  enum { KB = 64 };
  for (int k0 = 0; k0 < K; k0 += KB) {
    const int kb = K - k0 < KB ? K - k0 : KB;
    float s[KB] = {0.f};
    for (int i = 0; i < PQ; ++i) {
      const float *g = gT + (size_t)i * Mp + k0;
      for (int j = 0; j < kb; ++j) s[j] += g[j];
    }
    for (int j = 0; j < kb; ++j) db[k0 + j] += s[j];
  }
}

/* ------------------------------------------------ direct path: helpers */
/* What a thread's padded-image buffer holds: the geometry of its last
 * pad_copy (valid = 0: unknown, e.g. at the start of a parallel region, as
 * other calls share the workspace). */
typedef struct padgeo {
  int valid, Ci, Hs, Ws, Hp, Wp, ph, pw;
} padgeo;

/* dst (Ci, Hp, Wp) = src (Ci, Hs, Ws) shifted by (ph, pw) (negative: cropped),
 * zeros elsewhere, then ALCN_CONV_DIRECT_SLACK zeros. When *g says dst
 * already holds a copy of the same geometry, its zeros are still in place
 * (the kernels only read it): only the source rows are copied. The small
 * memsets of the padding cost more than the copy itself on narrow images
 * (one call per row and side). */
static void pad_copy(float *dst, const float *src, int Ci, int Hs, int Ws, int Hp, int Wp, int ph, int pw,
                     padgeo *g) {
  const padgeo want = {1, Ci, Hs, Ws, Hp, Wp, ph, pw};
  const int zeros = memcmp(g, &want, sizeof want) != 0;
  *g = want;
  int x0 = pw < 0 ? -pw : 0, x1 = Ws; /* source columns copied */
  if (x1 + pw > Wp) x1 = Wp - pw;
  for (int c = 0; c < Ci; ++c)
    for (int y = 0; y < Hp; ++y) {
      float *o = dst + ((size_t)c * Hp + y) * Wp;
      const int ys = y - ph;
      if (ys < 0 || ys >= Hs || x1 <= x0) {
        if (zeros) memset(o, 0, sizeof(float) * (size_t)Wp);
        continue;
      }
      const float *i = src + ((size_t)c * Hs + ys) * Ws;
      if (zeros && x0 + pw > 0) memset(o, 0, sizeof(float) * (size_t)(x0 + pw));
      memcpy(o + x0 + pw, i + x0, sizeof(float) * (size_t)(x1 - x0));
      if (zeros && x1 + pw < Wp) memset(o + x1 + pw, 0, sizeof(float) * (size_t)(Wp - x1 - pw));
    }
  if (zeros) memset(dst + (size_t)Ci * Hp * Wp, 0, sizeof(float) * ALCN_CONV_DIRECT_SLACK);
}

/* The padded image (Ci, Hp, Wp) of src for a kernel: src itself when there
 * is no padding and the kernel reads no slack (FC and G read only inside
 * the image), else pad_copy into buf (g: what buf holds). Saves a copy of
 * every image in the passes without padding (valid correlations: a pad-0
 * Conv2d forward and weight gradient, a pad-0 ConvT input and weight
 * gradient). */
static const float *padded(float *buf, const float *src, int Ci, int Hs, int Ws, int Hp, int Wp, int ph, int pw,
                           int slack, padgeo *g) {
  if (!slack && ph == 0 && pw == 0 && Hs == Hp && Ws == Wp) return src;
  pad_copy(buf, src, Ci, Hs, Ws, Hp, Wp, ph, pw, g);
  return buf;
}

/* off[(ci*R + r)*S + s] = ci*Hp*Wp + r*Wp + s */
static void make_off(int *off, int Ci, int R, int S, int Hp, int Wp) {
  for (int c = 0; c < Ci; ++c)
    for (int r = 0; r < R; ++r)
      for (int s = 0; s < S; ++s) off[(c * R + r) * S + s] = c * Hp * Wp + r * Wp + s;
}

/* Packed weights At (T, M) for F. Conv2d w (K,C,R,S), ConvT w (C,K,R,S):
 *  mode 0: Conv2d fwd    At[(c,r,s)][k] = w[k][c][r][s]
 *  mode 1: ConvT fwd     At[(c,r,s)][k] = w[c][k][R-1-r][S-1-s]
 *  mode 2: Conv2d din    At[(k,r,s)][c] = w[k][c][R-1-r][S-1-s]
 *  mode 3: ConvT din     At[(k,r,s)][c] = w[c][k][r][s] */
static void pack_at(float *At, const float *w, const alcn_conv_dims *d, int mode) {
  const int C = d->C, K = d->K, R = d->R, S = d->S, RS = R * S;
  for (int c = 0; c < C; ++c)
    for (int k = 0; k < K; ++k)
      for (int r = 0; r < R; ++r)
        for (int s = 0; s < S; ++s) {
          const int rs = r * S + s, fl = (R - 1 - r) * S + (S - 1 - s);
          switch (mode) {
            case 0: At[((size_t)c * RS + rs) * K + k] = w[((size_t)k * C + c) * RS + rs]; break;
            case 1: At[((size_t)c * RS + rs) * K + k] = w[((size_t)c * K + k) * RS + fl]; break;
            case 2: At[((size_t)k * RS + rs) * C + c] = w[((size_t)k * C + c) * RS + fl]; break;
            default: At[((size_t)k * RS + rs) * C + c] = w[((size_t)c * K + k) * RS + rs]; break;
          }
        }
}

/* gT (HW, Mp) = g (M, HW)^T, zero columns M..Mp-1 */
static void transpose_pad(float *gT, const float *g, int M, int Mp, int HW) {
  alcn_conv_direct_transpose(gT, (size_t)Mp, g, (size_t)HW, M, HW);
  if (M < Mp)
    for (int i = 0; i < HW; ++i)
      for (int m = M; m < Mp; ++m) gT[(size_t)i * Mp + m] = 0.f;
}

typedef struct dslice { float *img, *wide, *gT; } dslice;

/* Thread t's scratch; the chunk partials follow the nt thread slices. */
static dslice dslice_at(float *ws, const dsz *z, int t) {
  dslice s;
  s.img = ws + z->shared + (size_t)t * z->slice;
  s.wide = s.img + z->img;
  s.gT = s.wide + z->wide;
  return s;
}
static float *dpart_at(float *ws, const dsz *z, int nt, int c) {
  return ws + z->shared + (size_t)nt * z->slice + (size_t)c * z->part;
}

/* FC (channel-vectorised F) pays off when M is a multiple of 16 and the
 * reduction is long; its per-row overhead loses on short ones. */
static int use_fc(int M, int Ci, int R, int S) { return M % 16 == 0 && Ci * R * S >= 128; }

/* Pixels [i0, i1) of out (M, HW) = wide (HW, M)^T + bias (M, or NULL). */
static void fc_store(float *out, const float *bias, const float *wide, int M, int HW, int i0, int i1) {
  if (i1 <= i0) return;
  alcn_conv_direct_transpose(out + i0, (size_t)HW, wide + (size_t)i0 * M, (size_t)M, i1 - i0, M);
  if (bias)
    for (int m = 0; m < M; ++m) {
      float *o = out + (size_t)m * HW;
      const float bm = bias[m];
      for (int i = i0; i < i1; ++i) o[i] += bm;
    }
}

/* The non-padding band [*lo, *hi) of a padded extent np holding ns source
 * lines shifted by sh (pad_copy's ph or pw). */
static void band(int sh, int ns, int np, int *lo, int *hi) {
  *lo = sh > 0 ? sh : 0;
  *hi = sh + ns < np ? sh + ns : np;
}

/* F on one padded image: FC when use_fc(), else the wide-row kernel. Image
 * rows outside [ph, ph+Hs) and columns outside [pw, pw+Ws) are padding. out
 * (M, Ho, Wo) (=) plus bias (M) when not NULL. */
static void run_f(float *out, const float *bias, const float *At, int M, const float *img, const int *off,
                  int Ci, int R, int S, int Hp, int Wp, int Ho, int Wo, int ph, int Hs, int pw, int Ws, float *wide) {
  int y0, y1, x0, x1;
  band(ph, Hs, Hp, &y0, &y1);
  band(pw, Ws, Wp, &x0, &x1);
  if (M == 1 && alcn_conv_direct_f1(out, bias ? bias[0] : 0.f, At, img, Ci, Hp, Wp, R, S, Ho, Wo, y0, y1)) return;
  if (!use_fc(M, Ci, R, S)) {
    alcn_conv_direct_f(out, bias, At, M, img, off, Ci * R * S, Wp, Ho, Wo, wide);
    return;
  }
  alcn_conv_direct_fc(wide, At, M, img, Ci, Hp, Wp, R, S, Ho, Wo, 0, Ho, y0, y1, x0, x1);
  fc_store(out, bias, wide, M, Ho * Wo, 0, Ho * Wo);
}

/* Rows [p0, p1) of F by FC straight from the unpadded src (Ci, Hs, Ws),
 * when FC reads no padding there (alcn_conv_direct_fc_inside: a full
 * correlation with 16 output channels on AVX-512, any on AVX2): no padded
 * copy of the image (the copies were 2.5% of the DAE+ALCN step). Same bits.
 * Returns 0, doing nothing, where it does not apply. */
static int fc_in_place(float *out, const float *bias, const float *At, int M, const float *src, int Ci, int Hs,
                       int Ws, int R, int S, int Ho, int Wo, int ph, int pw, int p0, int p1, float *wide) {
  int y0, y1, x0, x1;
  band(ph, Hs, Ho + R - 1, &y0, &y1);
  band(pw, Ws, Wo + S - 1, &x0, &x1);
  if (!use_fc(M, Ci, R, S) || !alcn_conv_direct_fc_inside(M, S, Wo, x0, x1)) return 0;
  /* the padded image's origin, ph rows and pw columns before src's: only
   * the taps inside src are read */
  const float *img = src - ((ptrdiff_t)ph * Ws + pw);
  alcn_conv_direct_fc(wide, At, M, img, Ci, Hs, Ws, R, S, Ho, Wo, p0, p1, y0, y1, x0, x1);
  fc_store(out, bias, wide, M, Ho * Wo, p0 * Wo, p1 * Wo);
  return 1;
}

/* Forward passes of at least this many FLOPs per image split each image's
 * output rows over the threads when there are fewer images than threads
 * (batch 1: an inspection line scoring one image at a time). Every output is
 * the same FMA chain whatever the split: same bits as the unsplit pass. */
#define ALCN_CONV_SPLIT_FLOPS 4e6

static int split_rows(const alcn_conv_dims *d) {
  const int T = omp_get_max_threads();
  return d->N < T && d->P >= T && use_fc(d->K, d->C, d->R, d->S) && pass_flops(d) / d->N >= ALCN_CONV_SPLIT_FLOPS;
}

/* Direct forward of Conv2d (transposed=0) or ConvT (1). */
static void direct_forward(float *out, const float *in, const float *w, const float *b, const alcn_conv_dims *d,
                           float *ws, const alcn_cpu_epi *epi) {
  const int N = d->N, C = d->C, K = d->K, R = d->R, S = d->S, P = d->P, Q = d->Q;
  const int Hp = P + R - 1, Wp = Q + S - 1;
  const int ph = d->transposed ? R - 1 - d->pad : d->pad, pw = d->transposed ? S - 1 - d->pad : d->pad;
  const dsz z = direct_sizes(d);
  float *At = ws;
  int *off = (int *)(ws + (size_t)C * K * R * S);
  pack_at(At, w, d, d->transposed ? 1 : 0);
  make_off(off, C, R, S, Hp, Wp);
  if (split_rows(d)) {
    /* thread t: rows [P*t/T, P*(t+1)/T) of each image, from its own padded
     * copy into its own scratch and its own pixels of out: no thread reads
     * what another wrote (cores apart may not share a cache) */
    int y0, y1, x0, x1;
    band(ph, d->H, Hp, &y0, &y1);
    band(pw, d->W, Wp, &x0, &x1);
#pragma omp parallel num_threads(omp_get_max_threads())
    {
      const int t = omp_get_thread_num(), nt = omp_get_num_threads(), p0 = P * t / nt, p1 = P * (t + 1) / nt;
      const dslice sl = dslice_at(ws, &z, t);
      padgeo g = {0};
      for (int n = 0; n < N; ++n) {
        const float *src = in + (size_t)n * C * d->H * d->W;
        float *o = out + (size_t)n * K * P * Q;
        if (!fc_in_place(o, b, At, K, src, C, d->H, d->W, R, S, P, Q, ph, pw, p0, p1, sl.wide)) {
          const float *img = padded(sl.img, src, C, d->H, d->W, Hp, Wp, ph, pw, 0, &g);
          alcn_conv_direct_fc(sl.wide, At, K, img, C, Hp, Wp, R, S, P, Q, p0, p1, y0, y1, x0, x1);
          fc_store(o, b, sl.wide, K, P * Q, p0 * Q, p1 * Q);
        }
        if (epi && p1 > p0)
          for (int m = 0; m < K; ++m)
            alcn_cpu_epi_forward(o + (size_t)m * P * Q + (size_t)p0 * Q, (size_t)(p1 - p0) * Q, epi);
      }
    }
    return;
  }
  const int nt = direct_threads(d, 1);
#pragma omp parallel num_threads(nt)
  {
    const dslice sl = dslice_at(ws, &z, omp_get_thread_num());
    padgeo g = {0};
#pragma omp for schedule(dynamic, 2)
    for (int n = 0; n < N; ++n) {
      const float *src = in + (size_t)n * C * d->H * d->W;
      float *o = out + (size_t)n * K * P * Q;
      if (!fc_in_place(o, b, At, K, src, C, d->H, d->W, R, S, P, Q, ph, pw, 0, P, sl.wide)) {
        const float *img = padded(sl.img, src, C, d->H, d->W, Hp, Wp, ph, pw, !use_fc(K, C, R, S), &g);
        run_f(o, b, At, K, img, off, C, R, S, Hp, Wp, P, Q, ph, d->H, pw, d->W, sl.wide);
      }
      if (epi) alcn_cpu_epi_forward(o, (size_t)K * P * Q, epi); /* while the image is in cache */
    }
  }
}

/* Direct backward of Conv2d (transposed=0) or ConvT (1). */
static void direct_backward(float *din, float *dw, float *db, const float *dout, const float *in,
                            const float *w, const alcn_conv_dims *d, float *ws, const alcn_cpu_epi *epi) {
  const int N = d->N, C = d->C, K = d->K, R = d->R, S = d->S, P = d->P, Q = d->Q, H = d->H, W = d->W;
  const int tr = d->transposed, pad = d->pad;
  const dsz z = direct_sizes(d);
  const int tmax = (C > K ? C : K) * R * S;
  float *At = ws;
  int *off_d = (int *)(ws + (size_t)C * K * R * S); /* din: over (k,r,s) on padded dout */
  int *off_w = off_d + tmax;                        /* dw: over the G image's (ci,r,s) */
  /* din: F with M = C over T = K*R*S on dout padded to (K, H+R-1, W+S-1) */
  const int Hd = H + R - 1, Wd = W + S - 1;
  const int dph = tr ? pad : R - 1 - pad, dpw = tr ? pad : S - 1 - pad;
  /* dw: G. Conv2d: image = in padded by pad (C, P+R-1, Q+S-1), g = dout (K, P, Q);
   *        ConvT:  image = dout padded by pad (K, H+R-1, W+S-1), g = in (C, H, W). */
  const int gM = tr ? C : K, gMp = round16(gM), gCi = tr ? K : C;
  const int gHo = tr ? H : P, gWo = tr ? W : Q;
  const int gHp = gHo + R - 1, gWp = gWo + S - 1, gT = gCi * R * S;
  if (din) {
    pack_at(At, w, d, tr ? 3 : 2);
    make_off(off_d, K, R, S, Hd, Wd);
  }
  if (dw) make_off(off_w, gCi, R, S, gHp, gWp);
  const int nt = direct_threads(d, (din ? 1 : 0) + (dw ? 1 : 0)), NC = z.nchunk;
  float *G0 = dpart_at(ws, &z, nt, 0);
  const size_t nG = (size_t)gT * gMp, nGb = (nG + 1023) / 1024;
  /* One parallel region per call: chunks, then (after the implicit barrier
   * of the chunk loop) the chunk-order reduction of the dw partials. */
#pragma omp parallel num_threads(nt)
  {
    const dslice sl = dslice_at(ws, &z, omp_get_thread_num());
    padgeo g = {0};
#pragma omp for schedule(dynamic, 1)
    for (int c = 0; c < NC; ++c) {
      float *pGt = dpart_at(ws, &z, nt, c), *pdb = pGt + z.Gt;
      if (dw) memset(pGt, 0, sizeof(float) * (size_t)gT * gMp);
      if (db) memset(pdb, 0, sizeof(float) * (size_t)K);
      const int n0 = (int)((long)N * c / NC), n1 = (int)((long)N * (c + 1) / NC);
      for (int n = n0; n < n1; ++n) {
        const float *gy = dout + (size_t)n * K * P * Q, *x = in + (size_t)n * C * H * W;
        if (db && (tr || !dw)) db_accum(pdb, gy, K, P * Q); /* Conv2d with dw: from gT below */
        const float *gimg = NULL; /* the G image of dw (ConvT: dout padded by pad) */
        if (dw) {
          if (tr) {
            /* with the slack that din's wide kernel reads, if it runs */
            gimg = padded(sl.img, gy, K, P, Q, gHp, gWp, pad, pad, din && !use_fc(C, K, R, S), &g);
            transpose_pad(sl.gT, x, C, gMp, H * W);
          } else {
            gimg = padded(sl.img, x, C, H, W, gHp, gWp, pad, pad, 0, &g);
            transpose_pad(sl.gT, gy, K, gMp, P * Q);
            if (db) db_accum_T(pdb, sl.gT, K, gMp, P * Q);
          }
          alcn_conv_direct_g(pGt, sl.gT, gMp, gimg, off_w, gT, gWp, gHo, gWo);
        }
        if (din) {
          const size_t CHW = (size_t)C * H * W;
          if (!fc_in_place(din + n * CHW, NULL, At, C, gy, K, P, Q, R, S, H, W, dph, dpw, 0, H, sl.wide)) {
            /* ConvT reuses the padded dout of the dw pass (same padding) */
            const float *dimg =
                tr && dw ? gimg : padded(sl.img, gy, K, P, Q, Hd, Wd, dph, dpw, !use_fc(C, K, R, S), &g);
            run_f(din + n * CHW, NULL, At, C, dimg, off_d, K, R, S, Hd, Wd, H, W, dph, P, dpw, Q, sl.wide);
          }
          if (epi) alcn_cpu_epi_backward(din + n * CHW, epi->mask + n * CHW, CHW, epi);
        }
      }
    }
    /* dw: G0[i] = sum over chunks in chunk order, parallel over elements
     * (the order per element is fixed: deterministic, thread-independent) */
    if (dw && NC > 1) {
#pragma omp for schedule(static)
      for (size_t b = 0; b < nGb; ++b) {
        const size_t i0 = b * 1024, i1 = i0 + 1024 < nG ? i0 + 1024 : nG;
        for (int c = 1; c < NC; ++c) {
          const float *G = dpart_at(ws, &z, nt, c);
          for (size_t i = i0; i < i1; ++i) G0[i] += G[i];
        }
      }
    }
  }
  if (dw) /* dw[m][i] += Gt[i][m] */
    for (int m = 0; m < gM; ++m)
      for (int i = 0; i < gT; ++i) dw[(size_t)m * gT + i] += G0[(size_t)i * gMp + m];
  if (db)
    for (int c = 0; c < NC; ++c) {
      const float *B = dpart_at(ws, &z, nt, c) + z.Gt;
      for (int k = 0; k < K; ++k) db[k] += B[k];
    }
}

static int use_direct(const alcn_conv_dims *d) { return d->stride == 1 && alcn_conv_direct_ok(); }

/* ---------------------------------------------------------------- Conv2d */
static void conv2d_forward(float *out, const float *in, const float *w, const float *b, const alcn_conv_dims *d,
                           float *ws, const alcn_cpu_epi *epi) {
  if (use_direct(d)) {
    direct_forward(out, in, w, b, d, ws, epi);
    return;
  }
  const int N = d->N, C = d->C, K = d->K, PQ = d->P * d->Q, CRS = d->C * d->R * d->S;
  const geom g = {C, d->H, d->W, d->R, d->S, d->stride, d->pad, d->P, d->Q};
  const int T = conv_threads(N);
  const size_t slice = slice_floats(d);
  const int old = blas_single_begin(T);
#pragma omp parallel num_threads(T)
  {
    const int t = omp_get_thread_num();
    float *col = ws + (size_t)t * slice;
    const int n0 = (int)((long)N * t / T), n1 = (int)((long)N * (t + 1) / T);
    for (int n = n0; n < n1; ++n) {
      const float *x = in + (size_t)n * C * d->H * d->W;
      float *y = out + (size_t)n * K * PQ;
      im2col(col, x, &g);
      /* y (K,PQ) = w (K,CRS) . col (CRS,PQ) */
      cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, K, PQ, CRS, 1.f, w, CRS, col, PQ, 0.f, y, PQ);
      if (b)
        for (int k = 0; k < K; ++k)
          for (int i = 0; i < PQ; ++i) y[(size_t)k * PQ + i] += b[k];
      if (epi) alcn_cpu_epi_forward(y, (size_t)K * PQ, epi);
    }
  }
  blas_single_end(T, old);
}

static void conv2d_backward(float *din, float *dw, float *db, const float *dout, const float *in, const float *w,
                            const alcn_conv_dims *d, float *ws, const alcn_cpu_epi *epi) {
  if (!din && !dw && !db) return;
  if (use_direct(d)) {
    direct_backward(din, dw, db, dout, in, w, d, ws, epi);
    return;
  }
  const int N = d->N, C = d->C, K = d->K, PQ = d->P * d->Q, CRS = d->C * d->R * d->S;
  const int HW = d->H * d->W;
  const geom g = {C, d->H, d->W, d->R, d->S, d->stride, d->pad, d->P, d->Q};
  const int T = conv_threads(N);
  const size_t slice = slice_floats(d), ncol = col_floats(d), nw = (size_t)K * CRS;
  const int old = blas_single_begin(T);
#pragma omp parallel num_threads(T)
  {
    const int t = omp_get_thread_num();
    float *col = ws + (size_t)t * slice, *pdw = col + ncol, *pdb = pdw + nw;
    if (dw) memset(pdw, 0, sizeof(float) * nw);
    if (db) memset(pdb, 0, sizeof(float) * (size_t)K);
    const int n0 = (int)((long)N * t / T), n1 = (int)((long)N * (t + 1) / T);
    for (int n = n0; n < n1; ++n) {
      const float *x = in + (size_t)n * C * HW;
      const float *gy = dout + (size_t)n * K * PQ;
      if (db) db_accum(pdb, gy, K, PQ);
      if (dw) {
        im2col(col, x, &g);
        /* pdw (K,CRS) += gy (K,PQ) . col^T (PQ,CRS) */
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, K, CRS, PQ, 1.f, gy, PQ, col, PQ, 1.f, pdw, CRS);
      }
      if (din) {
        /* col (CRS,PQ) = w^T (CRS,K) . gy (K,PQ); din = col2im(col) */
        cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, CRS, PQ, K, 1.f, w, CRS, gy, PQ, 0.f, col, PQ);
        float *gx = din + (size_t)n * C * HW;
        memset(gx, 0, sizeof(float) * (size_t)C * HW);
        col2im_add(gx, col, &g);
        if (epi) alcn_cpu_epi_backward(gx, epi->mask + (size_t)n * C * HW, (size_t)C * HW, epi);
      }
    }
  }
  blas_single_end(T, old);
  if (dw) reduce_partials(dw, ws, slice, ncol, nw, T);
  if (db) reduce_partials(db, ws, slice, ncol + nw, (size_t)K, T);
}

/* ------------------------------------------------------- ConvTranspose2d */
/* The transposed conv is the adjoint of a Conv2d from (K,P,Q) to (C,H,W):
 * geometry g maps out-grid patches (K*R*S rows) onto the H x W input grid. */
static void convt2d_forward(float *out, const float *in, const float *w, const float *b, const alcn_conv_dims *d,
                            float *ws, const alcn_cpu_epi *epi) {
  if (use_direct(d)) {
    direct_forward(out, in, w, b, d, ws, epi);
    return;
  }
  const int N = d->N, C = d->C, K = d->K, PQ = d->P * d->Q, HW = d->H * d->W, KRS = d->K * d->R * d->S;
  const geom g = {K, d->P, d->Q, d->R, d->S, d->stride, d->pad, d->H, d->W};
  const int T = conv_threads(N);
  const size_t slice = slice_floats(d);
  const int old = blas_single_begin(T);
#pragma omp parallel num_threads(T)
  {
    const int t = omp_get_thread_num();
    float *col = ws + (size_t)t * slice;
    const int n0 = (int)((long)N * t / T), n1 = (int)((long)N * (t + 1) / T);
    for (int n = n0; n < n1; ++n) {
      const float *x = in + (size_t)n * C * HW;
      float *y = out + (size_t)n * K * PQ;
      /* col (KRS,HW) = w^T (KRS,C) . x (C,HW) */
      cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, KRS, HW, C, 1.f, w, KRS, x, HW, 0.f, col, HW);
      for (int k = 0; k < K; ++k) {
        const float bk = b ? b[k] : 0.f;
        for (int i = 0; i < PQ; ++i) y[(size_t)k * PQ + i] = bk;
      }
      col2im_add(y, col, &g);
      if (epi) alcn_cpu_epi_forward(y, (size_t)K * PQ, epi);
    }
  }
  blas_single_end(T, old);
}

static void convt2d_backward(float *din, float *dw, float *db, const float *dout, const float *in, const float *w,
                             const alcn_conv_dims *d, float *ws, const alcn_cpu_epi *epi) {
  if (!din && !dw && !db) return;
  if (use_direct(d)) {
    direct_backward(din, dw, db, dout, in, w, d, ws, epi);
    return;
  }
  const int N = d->N, C = d->C, K = d->K, PQ = d->P * d->Q, HW = d->H * d->W, KRS = d->K * d->R * d->S;
  const geom g = {K, d->P, d->Q, d->R, d->S, d->stride, d->pad, d->H, d->W};
  const int T = conv_threads(N);
  const size_t slice = slice_floats(d), ncol = col_floats(d), nw = (size_t)C * KRS;
  const int old = blas_single_begin(T);
#pragma omp parallel num_threads(T)
  {
    const int t = omp_get_thread_num();
    float *col = ws + (size_t)t * slice, *pdw = col + ncol, *pdb = pdw + nw;
    if (dw) memset(pdw, 0, sizeof(float) * nw);
    if (db) memset(pdb, 0, sizeof(float) * (size_t)K);
    const int n0 = (int)((long)N * t / T), n1 = (int)((long)N * (t + 1) / T);
    for (int n = n0; n < n1; ++n) {
      const float *gy = dout + (size_t)n * K * PQ;
      if (db) db_accum(pdb, gy, K, PQ);
      if (!dw && !din) continue;
      im2col(col, gy, &g); /* col (KRS, HW) */
      if (dw) {
        /* pdw (C,KRS) += x (C,HW) . col^T (HW,KRS) */
        const float *x = in + (size_t)n * C * HW;
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, C, KRS, HW, 1.f, x, HW, col, HW, 1.f, pdw, KRS);
      }
      if (din) {
        /* din (C,HW) = w (C,KRS) . col (KRS,HW) */
        float *gx = din + (size_t)n * C * HW;
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, C, HW, KRS, 1.f, w, KRS, col, HW, 0.f, gx, HW);
        if (epi) alcn_cpu_epi_backward(gx, epi->mask + (size_t)n * C * HW, (size_t)C * HW, epi);
      }
    }
  }
  blas_single_end(T, old);
  if (dw) reduce_partials(dw, ws, slice, ncol, nw, T);
  if (db) reduce_partials(db, ws, slice, ncol + nw, (size_t)K, T);
}

/* ------------------------------------------------------------ entry points */
void alcn_cpu_conv2d_forward(float *out, const float *in, const float *w, const float *b, const alcn_conv_dims *d,
                             float *ws) {
  conv2d_forward(out, in, w, b, d, ws, NULL);
}
void alcn_cpu_conv2d_backward(float *din, float *dw, float *db, const float *dout, const float *in, const float *w,
                              const alcn_conv_dims *d, float *ws) {
  conv2d_backward(din, dw, db, dout, in, w, d, ws, NULL);
}
void alcn_cpu_convt2d_forward(float *out, const float *in, const float *w, const float *b, const alcn_conv_dims *d,
                              float *ws) {
  convt2d_forward(out, in, w, b, d, ws, NULL);
}
void alcn_cpu_convt2d_backward(float *din, float *dw, float *db, const float *dout, const float *in, const float *w,
                               const alcn_conv_dims *d, float *ws) {
  convt2d_backward(din, dw, db, dout, in, w, d, ws, NULL);
}
void alcn_cpu_conv_forward_epi(float *out, const float *in, const float *w, const float *b, const alcn_conv_dims *d,
                               float *ws, const alcn_cpu_epi *epi) {
  if (d->transposed)
    convt2d_forward(out, in, w, b, d, ws, epi);
  else
    conv2d_forward(out, in, w, b, d, ws, epi);
}
void alcn_cpu_conv_backward_epi(float *din, float *dw, float *db, const float *dout, const float *in, const float *w,
                                const alcn_conv_dims *d, float *ws, const alcn_cpu_epi *epi) {
  if (!din) epi = NULL; /* nothing to mask */
  if (d->transposed)
    convt2d_backward(din, dw, db, dout, in, w, d, ws, epi);
  else
    conv2d_backward(din, dw, db, dout, in, w, d, ws, epi);
}
