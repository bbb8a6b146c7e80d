/* Resampling layers on the CPU (reference and fast path in one: plain loops,
 * parallel over (n,c) planes): MaxPool2d (no padding, floor mode, ties to the
 * first maximum as PyTorch) and nearest-neighbour upsampling by an integer
 * factor (F.interpolate(scale_factor=f), mode "nearest"). Deep SVDD's LeNet
 * networks use both. Backward sums the contributions of one input element in
 * ascending output order, as the CUDA kernels do (bitwise parity). */
#include <stddef.h>

#include "cpu_ops.h"

/* Index (h*W + w) of the window maximum of output (p,q) in plane x (H,W). */
static inline int window_argmax(const float *x, int W, int k, int stride, int p, int q) {
  const int h0 = p * stride, w0 = q * stride;
  int best = h0 * W + w0;
  float m = x[best];
  for (int i = 0; i < k; ++i)
    for (int j = 0; j < k; ++j) {
      const int idx = (h0 + i) * W + (w0 + j);
      const float v = x[idx];
      if (v > m || (v != v && m == m)) { /* NaN propagates, as PyTorch */
        m = v;
        best = idx;
      }
    }
  return best;
}

void alcn_cpu_maxpool_forward(float *out, const float *in, int N, int C, int H, int W, int k, int stride) {
  const int P = (H - k) / stride + 1, Q = (W - k) / stride + 1;
  const ptrdiff_t planes = (ptrdiff_t)N * C;
#pragma omp parallel for schedule(static) if (planes * H * W >= (1 << 20))
  for (ptrdiff_t pl = 0; pl < planes; ++pl) {
    const float *x = in + (size_t)pl * H * W;
    float *y = out + (size_t)pl * P * Q;
    for (int p = 0; p < P; ++p)
      for (int q = 0; q < Q; ++q) y[p * Q + q] = x[window_argmax(x, W, k, stride, p, q)];
  }
}

void alcn_cpu_maxpool_backward(float *din, const float *dout, const float *in, int N, int C, int H, int W, int k,
                               int stride) {
  const int P = (H - k) / stride + 1, Q = (W - k) / stride + 1;
  const ptrdiff_t planes = (ptrdiff_t)N * C;
#pragma omp parallel for schedule(static) if (planes * H * W >= (1 << 20))
  for (ptrdiff_t pl = 0; pl < planes; ++pl) {
    const float *x = in + (size_t)pl * H * W;
    const float *g = dout + (size_t)pl * P * Q;
    float *d = din + (size_t)pl * H * W;
    for (int i = 0; i < H * W; ++i) d[i] = 0.0f;
    for (int p = 0; p < P; ++p)
      for (int q = 0; q < Q; ++q) d[window_argmax(x, W, k, stride, p, q)] += g[p * Q + q];
  }
}

void alcn_cpu_upsample_forward(float *out, const float *in, int N, int C, int H, int W, int f) {
  const int Ho = H * f, Wo = W * f;
  const ptrdiff_t planes = (ptrdiff_t)N * C;
#pragma omp parallel for schedule(static) if (planes * Ho * Wo >= (1 << 20))
  for (ptrdiff_t pl = 0; pl < planes; ++pl) {
    const float *x = in + (size_t)pl * H * W;
    float *y = out + (size_t)pl * Ho * Wo;
    for (int i = 0; i < Ho; ++i)
      for (int j = 0; j < Wo; ++j) y[i * Wo + j] = x[(i / f) * W + j / f];
  }
}

void alcn_cpu_upsample_backward(float *din, const float *dout, int N, int C, int H, int W, int f) {
  const int Ho = H * f, Wo = W * f;
  const ptrdiff_t planes = (ptrdiff_t)N * C;
#pragma omp parallel for schedule(static) if (planes * Ho * Wo >= (1 << 20))
  for (ptrdiff_t pl = 0; pl < planes; ++pl) {
    const float *g = dout + (size_t)pl * Ho * Wo;
    float *d = din + (size_t)pl * H * W;
    for (int h = 0; h < H; ++h)
      for (int w = 0; w < W; ++w) {
        float s = 0.0f;
        for (int a = 0; a < f; ++a)
          for (int b = 0; b < f; ++b) s += g[(h * f + a) * Wo + (w * f + b)];
        d[h * W + w] = s;
      }
  }
}
