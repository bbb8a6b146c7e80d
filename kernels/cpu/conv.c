/* Fast CPU Conv2d / ConvTranspose2d (ops.h): im2col / col2im + OpenBLAS
 * sgemm, one image at a time, OpenMP across the batch.
 *
 * Threading: the batch is split into T contiguous, equal chunks (T = threads
 * used, <= omp_get_max_threads()); each thread runs single-threaded sgemm on
 * its own slice of the workspace (OpenBLAS is switched to one thread for the
 * parallel region and restored afterwards). Weight/bias gradients are summed
 * per thread into a private partial in the workspace and then reduced in
 * thread order 0..T-1, so the result is bitwise reproducible for a given
 * thread count.
 *
 * Workspace (alcn_cpu_conv_workspace): T * (col + dw + db) floats where
 *   col = C*R*S*P*Q (Conv2d) or K*R*S*H*W (ConvTranspose2d): one image's
 *         column matrix;  dw = C*K*R*S;  db = K.
 * It does NOT grow with the batch N; it grows linearly with the thread count
 * T = omp_get_max_threads() at the time of the query: query again after
 * raising the OpenMP thread count. */
#include <string.h>

#include "alcn/ops.h"

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

static size_t col_floats(const alcn_conv_dims *d) {
  return d->transposed ? (size_t)d->K * d->R * d->S * d->H * d->W
                       : (size_t)d->C * d->R * d->S * d->P * d->Q;
}

/* Per-thread slice: col, then dw partial, then db partial. */
static size_t slice_floats(const alcn_conv_dims *d) {
  return col_floats(d) + (size_t)d->C * d->K * d->R * d->S + (size_t)d->K;
}

size_t alcn_cpu_conv_workspace(const alcn_conv_dims *d) {
  int t = omp_get_max_threads();
  if (t < 1) t = 1;
  return (size_t)t * slice_floats(d);
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

/* db partial += per-channel sums of one image's dout (K, PQ). */
static void db_accum(float *db, const float *dout, int K, int PQ) {
  for (int k = 0; k < K; ++k) {
    const float *g = dout + (size_t)k * PQ;
    float s = 0.f;
    for (int i = 0; i < PQ; ++i) s += g[i];
    db[k] += s;
  }
}

/* ---------------------------------------------------------------- Conv2d */
void alcn_cpu_conv2d_forward(float *out, const float *in, const float *w, const float *b,
                             const alcn_conv_dims *d, float *ws) {
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
    }
  }
  blas_single_end(T, old);
}

void alcn_cpu_conv2d_backward(float *din, float *dw, float *db, const float *dout, const float *in,
                              const float *w, const alcn_conv_dims *d, float *ws) {
  if (!din && !dw && !db) return;
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
void alcn_cpu_convt2d_forward(float *out, const float *in, const float *w, const float *b,
                              const alcn_conv_dims *d, float *ws) {
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
    }
  }
  blas_single_end(T, old);
}

void alcn_cpu_convt2d_backward(float *din, float *dw, float *db, const float *dout, const float *in,
                               const float *w, const alcn_conv_dims *d, float *ws) {
  if (!din && !dw && !db) return;
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
      }
    }
  }
  blas_single_end(T, old);
  if (dw) reduce_partials(dw, ws, slice, ncol, nw, T);
  if (db) reduce_partials(db, ws, slice, ncol + nw, (size_t)K, T);
}
