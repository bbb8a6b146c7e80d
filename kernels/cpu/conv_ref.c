/* Reference Conv2d / ConvTranspose2d (ops.h): plain direct loops in gather
 * form with double accumulators, one output element at a time. Slow on
 * purpose and written independently of the fast path (conv.c), so that the
 * tests can compare the two. Semantics are PyTorch's (see ops.h). */
#include "cpu_ops.h"

/* Conv2d forward. in (N,C,H,W), w (K,C,R,S), b (K) or NULL -> out (N,K,P,Q). */
void alcn_ref_conv2d_forward(float *out, const float *in, const float *w, const float *b,
                             const alcn_conv_dims *d) {
  const int N = d->N, C = d->C, H = d->H, W = d->W, K = d->K, R = d->R, S = d->S;
  const int P = d->P, Q = d->Q, st = d->stride, pad = d->pad;
  for (int n = 0; n < N; ++n)
    for (int k = 0; k < K; ++k)
      for (int p = 0; p < P; ++p)
        for (int q = 0; q < Q; ++q) {
          double acc = b ? (double)b[k] : 0.0;
          for (int c = 0; c < C; ++c)
            for (int r = 0; r < R; ++r) {
              const int h = p * st - pad + r;
              if (h < 0 || h >= H) continue;
              for (int s = 0; s < S; ++s) {
                const int x = q * st - pad + s;
                if (x < 0 || x >= W) continue;
                acc += (double)in[(((size_t)n * C + c) * H + h) * W + x] *
                       (double)w[(((size_t)k * C + c) * R + r) * S + s];
              }
            }
          out[(((size_t)n * K + k) * P + p) * Q + q] = (float)acc;
        }
}

/* Conv2d backward. dout (N,K,P,Q) -> din (N,C,H,W) (=), dw (K,C,R,S) (+=), db (K) (+=). */
void alcn_ref_conv2d_backward(float *din, float *dw, float *db, const float *dout, const float *in,
                              const float *w, const alcn_conv_dims *d) {
  const int N = d->N, C = d->C, H = d->H, W = d->W, K = d->K, R = d->R, S = d->S;
  const int P = d->P, Q = d->Q, st = d->stride, pad = d->pad;
  if (db)
    for (int k = 0; k < K; ++k) {
      double acc = 0.0;
      for (int n = 0; n < N; ++n)
        for (int i = 0; i < P * Q; ++i) acc += dout[((size_t)n * K + k) * P * Q + i];
      db[k] += (float)acc;
    }
  if (dw)
    for (int k = 0; k < K; ++k)
      for (int c = 0; c < C; ++c)
        for (int r = 0; r < R; ++r)
          for (int s = 0; s < S; ++s) {
            double acc = 0.0;
            for (int n = 0; n < N; ++n)
              for (int p = 0; p < P; ++p) {
                const int h = p * st - pad + r;
                if (h < 0 || h >= H) continue;
                for (int q = 0; q < Q; ++q) {
                  const int x = q * st - pad + s;
                  if (x < 0 || x >= W) continue;
                  acc += (double)dout[(((size_t)n * K + k) * P + p) * Q + q] *
                         (double)in[(((size_t)n * C + c) * H + h) * W + x];
                }
              }
            dw[(((size_t)k * C + c) * R + r) * S + s] += (float)acc;
          }
  if (din)
    for (int n = 0; n < N; ++n)
      for (int c = 0; c < C; ++c)
        for (int h = 0; h < H; ++h)
          for (int x = 0; x < W; ++x) {
            double acc = 0.0;
            for (int r = 0; r < R; ++r) {
              const int tp = h + pad - r; /* = p*st */
              if (tp < 0 || tp % st) continue;
              const int p = tp / st;
              if (p >= P) continue;
              for (int s = 0; s < S; ++s) {
                const int tq = x + pad - s;
                if (tq < 0 || tq % st) continue;
                const int q = tq / st;
                if (q >= Q) continue;
                for (int k = 0; k < K; ++k)
                  acc += (double)dout[(((size_t)n * K + k) * P + p) * Q + q] *
                         (double)w[(((size_t)k * C + c) * R + r) * S + s];
              }
            }
            din[(((size_t)n * C + c) * H + h) * W + x] = (float)acc;
          }
}

/* ConvTranspose2d forward. in (N,C,H,W), w (C,K,R,S), b (K) or NULL -> out (N,K,P,Q):
 * out[n,k,o,u] = b[k] + sum in[n,c,h,x] w[c,k,r,s] over o = h*st - pad + r, u = x*st - pad + s. */
void alcn_ref_convt2d_forward(float *out, const float *in, const float *w, const float *b,
                              const alcn_conv_dims *d) {
  const int N = d->N, C = d->C, H = d->H, W = d->W, K = d->K, R = d->R, S = d->S;
  const int P = d->P, Q = d->Q, st = d->stride, pad = d->pad;
  for (int n = 0; n < N; ++n)
    for (int k = 0; k < K; ++k)
      for (int o = 0; o < P; ++o)
        for (int u = 0; u < Q; ++u) {
          double acc = b ? (double)b[k] : 0.0;
          for (int r = 0; r < R; ++r) {
            const int th = o + pad - r;
            if (th < 0 || th % st) continue;
            const int h = th / st;
            if (h >= H) continue;
            for (int s = 0; s < S; ++s) {
              const int tx = u + pad - s;
              if (tx < 0 || tx % st) continue;
              const int x = tx / st;
              if (x >= W) continue;
              for (int c = 0; c < C; ++c)
                acc += (double)in[(((size_t)n * C + c) * H + h) * W + x] *
                       (double)w[(((size_t)c * K + k) * R + r) * S + s];
            }
          }
          out[(((size_t)n * K + k) * P + o) * Q + u] = (float)acc;
        }
}

/* ConvTranspose2d backward. dout (N,K,P,Q) -> din (N,C,H,W) (=), dw (C,K,R,S) (+=), db (K) (+=). */
void alcn_ref_convt2d_backward(float *din, float *dw, float *db, const float *dout, const float *in,
                               const float *w, const alcn_conv_dims *d) {
  const int N = d->N, C = d->C, H = d->H, W = d->W, K = d->K, R = d->R, S = d->S;
  const int P = d->P, Q = d->Q, st = d->stride, pad = d->pad;
  if (db)
    for (int k = 0; k < K; ++k) {
      double acc = 0.0;
      for (int n = 0; n < N; ++n)
        for (int i = 0; i < P * Q; ++i) acc += dout[((size_t)n * K + k) * P * Q + i];
      db[k] += (float)acc;
    }
  if (dw)
    for (int c = 0; c < C; ++c)
      for (int k = 0; k < K; ++k)
        for (int r = 0; r < R; ++r)
          for (int s = 0; s < S; ++s) {
            double acc = 0.0;
            for (int n = 0; n < N; ++n)
              for (int h = 0; h < H; ++h) {
                const int o = h * st - pad + r;
                if (o < 0 || o >= P) continue;
                for (int x = 0; x < W; ++x) {
                  const int u = x * st - pad + s;
                  if (u < 0 || u >= Q) continue;
                  acc += (double)in[(((size_t)n * C + c) * H + h) * W + x] *
                         (double)dout[(((size_t)n * K + k) * P + o) * Q + u];
                }
              }
            dw[(((size_t)c * K + k) * R + r) * S + s] += (float)acc;
          }
  if (din)
    for (int n = 0; n < N; ++n)
      for (int c = 0; c < C; ++c)
        for (int h = 0; h < H; ++h)
          for (int x = 0; x < W; ++x) {
            double acc = 0.0;
            for (int k = 0; k < K; ++k)
              for (int r = 0; r < R; ++r) {
                const int o = h * st - pad + r;
                if (o < 0 || o >= P) continue;
                for (int s = 0; s < S; ++s) {
                  const int u = x * st - pad + s;
                  if (u < 0 || u >= Q) continue;
                  acc += (double)dout[(((size_t)n * K + k) * P + o) * Q + u] *
                         (double)w[(((size_t)c * K + k) * R + r) * S + s];
                }
              }
            din[(((size_t)n * C + c) * H + h) * W + x] = (float)acc;
          }
}
