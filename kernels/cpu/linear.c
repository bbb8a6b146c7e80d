/* Linear (fully connected) layer on the CPU through OpenBLAS sgemm.
 * PyTorch layout: in (N,I), w (O,I), b (O), out (N,O); out = in w^T + b.
 *
 * Threading: the output is cut into fixed blocks (independent of the thread
 * count) handed out dynamically to OpenMP threads, each running a
 * single-threaded sgemm. OpenBLAS's own (pthread) workers are not used: after
 * a call they keep spinning for a while and compete with our OpenMP threads
 * for the cores. Every output element is computed by the same sgemm call
 * geometry whatever the thread count: reproducible and thread-independent. */
#include "cpu_ops.h"

#include <cblas.h>
#include <omp.h>
#include <stddef.h>
/* OpenBLAS's headers pull in <complex.h>, whose macro I clashes with the
 * parameter name I (input features) of ops.h. */
#undef I

/* Columns (or rows) of the output per block; at least this much work per
 * sgemm call amortises its packing. */
#define ALCN_LIN_BLOCK 512

/* OpenBLAS single-threaded for the duration of a call; returns the old count. */
static int blas_single_begin(void) {
  const int old = openblas_get_num_threads();
  if (old != 1) openblas_set_num_threads(1);
  return old;
}
static void blas_single_end(int old) {
  if (old != 1) openblas_set_num_threads(old);
}

static int nblocks(int n) { return (n + ALCN_LIN_BLOCK - 1) / ALCN_LIN_BLOCK; }

static int threads_for(int nb) {
  int t = omp_get_max_threads();
  if (t > nb) t = nb;
  return t < 1 ? 1 : t;
}

void alcn_cpu_linear_forward(float *out, const float *in, const float *w, const float *b, int N, int I, int O) {
  alcn_cpu_linear_forward_epi(out, in, w, b, N, I, O, NULL);
}

void alcn_cpu_linear_forward_epi(float *out, const float *in, const float *w, const float *b, int N, int I, int O,
                                 const alcn_cpu_epi *epi) {
  /* out (N,O) = in (N,I) * w^T (I,O) [+ b broadcast over N]; blocks of columns o */
  const int nb = nblocks(O), nt = threads_for(nb), old = blas_single_begin();
#pragma omp parallel for schedule(dynamic, 1) num_threads(nt) if (nt > 1)
  for (int k = 0; k < nb; ++k) {
    const int o0 = k * ALCN_LIN_BLOCK, no = O - o0 < ALCN_LIN_BLOCK ? O - o0 : ALCN_LIN_BLOCK;
    float beta = 0.0f;
    if (b) {
      for (int n = 0; n < N; ++n)
        for (int o = 0; o < no; ++o) out[(size_t)n * O + o0 + o] = b[o0 + o];
      beta = 1.0f;
    }
    if (N == 1) /* batch 1 (latency): a matrix-vector product, bound by reading w */
      cblas_sgemv(CblasRowMajor, CblasNoTrans, no, I, 1.0f, w + (size_t)o0 * I, I, in, 1, beta, out + o0, 1);
    else
      cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, N, no, I, 1.0f, in, I, w + (size_t)o0 * I, I, beta,
                  out + o0, O);
    if (epi) /* the block's columns, while they are in cache */
      for (int n = 0; n < N; ++n) alcn_cpu_epi_forward(out + (size_t)n * O + o0, (size_t)no, epi);
  }
  blas_single_end(old);
}

/* db[o0..o0+no) += sum over n of dout[n][o], n ascending, in double */
static void db_block(float *db, const float *dout, int N, int O, int o0, int no) {
  double acc[ALCN_LIN_BLOCK];
  for (int o = 0; o < no; ++o) acc[o] = 0.0;
  for (int n = 0; n < N; ++n) {
    const float *g = dout + (size_t)n * O + o0;
    for (int o = 0; o < no; ++o) acc[o] += g[o];
  }
  for (int o = 0; o < no; ++o) db[o0 + o] += (float)acc[o];
}

void alcn_cpu_linear_backward(float *din, float *dw, float *db, const float *dout, const float *in,
                              const float *w, int N, int I, int O) {
  const int old = blas_single_begin();
  const int nbo = nblocks(O), nbi = din ? nblocks(I) : 0, nb = nbo + nbi, nt = threads_for(nb);
  /* blocks [0, nbo): rows o of dw and entries of db; [nbo, nb): columns i of din */
#pragma omp parallel for schedule(dynamic, 1) num_threads(nt) if (nt > 1)
  for (int k = 0; k < nb; ++k) {
    if (k < nbo) {
      const int o0 = k * ALCN_LIN_BLOCK, no = O - o0 < ALCN_LIN_BLOCK ? O - o0 : ALCN_LIN_BLOCK;
      /* dw (O,I) += dout^T (O,N) * in (N,I), rows o0.. */
      if (dw)
        cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, no, I, N, 1.0f, dout + o0, O, in, I, 1.0f,
                    dw + (size_t)o0 * I, I);
      /* db (O) += sum over n of dout[n,:]; serial in n for reproducible sums */
      if (db) db_block(db, dout, N, O, o0, no);
    } else {
      const int i0 = (k - nbo) * ALCN_LIN_BLOCK, ni = I - i0 < ALCN_LIN_BLOCK ? I - i0 : ALCN_LIN_BLOCK;
      /* din (N,I) = dout (N,O) * w (O,I), columns i0.. */
      cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, N, ni, O, 1.0f, dout, O, w + i0, I, 0.0f, din + i0,
                  I);
    }
  }
  blas_single_end(old);
}
