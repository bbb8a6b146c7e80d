/* Linear (fully connected) layer on the CPU through OpenBLAS sgemm.
 * PyTorch layout: in (N,I), w (O,I), b (O), out (N,O); out = in w^T + b. */
#include "alcn/ops.h"

#include <cblas.h>
#include <stddef.h>
/* OpenBLAS's headers pull in <complex.h>, whose macro I clashes with the
 * parameter name I (input features) of ops.h. */
#undef I

void alcn_cpu_linear_forward(float *out, const float *in, const float *w, const float *b, int N, int I, int O) {
  /* out (N,O) = in (N,I) * w^T (I,O) [+ b broadcast over N] */
  float beta = 0.0f;
  if (b) {
    for (int n = 0; n < N; ++n)
      for (int o = 0; o < O; ++o) out[(size_t)n * O + o] = b[o];
    beta = 1.0f;
  }
  cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, N, O, I, 1.0f, in, I, w, I, beta, out, O);
}

void alcn_cpu_linear_backward(float *din, float *dw, float *db, const float *dout, const float *in,
                              const float *w, int N, int I, int O) {
  /* din (N,I) = dout (N,O) * w (O,I) */
  if (din) cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, N, I, O, 1.0f, dout, O, w, I, 0.0f, din, I);
  /* dw (O,I) += dout^T (O,N) * in (N,I) */
  if (dw) cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, O, I, N, 1.0f, dout, O, in, I, 1.0f, dw, I);
  /* db (O) += sum over n of dout[n,:]; serial in n for reproducible sums */
  if (db) {
    for (int o = 0; o < O; ++o) {
      double s = 0.0;
      for (int n = 0; n < N; ++n) s += dout[(size_t)n * O + o];
      db[o] += (float)s;
    }
  }
}
