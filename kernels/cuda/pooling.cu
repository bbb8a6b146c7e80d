/* Resampling layers on the GPU: one thread per output element (forward) or
 * per input element (backward, a gather over the windows that cover it, in
 * ascending output order: no atomics, the same sums as the CPU's scatter). */
#include "pooling.cuh"

#define GRID_STRIDE(i, n) \
  for (size_t i = blockIdx.x * (size_t)blockDim.x + threadIdx.x; i < (n); i += (size_t)gridDim.x * blockDim.x)

/* Index (h*W + w) of the window maximum of output (p,q) in plane x; ties to
 * the first maximum, NaN propagates (as the CPU). */
__device__ static int window_argmax(const float *x, int W, int k, int stride, int p, int q) {
  const int h0 = p * stride, w0 = q * stride;
  int best = h0 * W + w0;
  float m = x[best];
  for (int i = 0; i < k; ++i)
    for (int j = 0; j < k; ++j) {
      const int idx = (h0 + i) * W + (w0 + j);
      const float v = x[idx];
      if (v > m || (v != v && m == m)) {
        m = v;
        best = idx;
      }
    }
  return best;
}

__global__ void alcn_maxpool_fwd_kernel(float *out, const float *in, size_t total, int H, int W, int P, int Q, int k,
                                        int stride) {
  GRID_STRIDE(i, total) {
    const size_t pl = i / ((size_t)P * Q);
    const int r = (int)(i % ((size_t)P * Q)), p = r / Q, q = r % Q;
    const float *x = in + pl * H * W;
    out[i] = x[window_argmax(x, W, k, stride, p, q)];
  }
}

__global__ void alcn_maxpool_bwd_kernel(float *din, const float *dout, const float *in, size_t total, int H, int W,
                                        int P, int Q, int k, int stride) {
  GRID_STRIDE(i, total) {
    const size_t pl = i / ((size_t)H * W);
    const int idx = (int)(i % ((size_t)H * W)), h = idx / W, w = idx % W;
    const float *x = in + pl * H * W;
    const float *g = dout + pl * P * Q;
    /* windows p with p*stride <= h < p*stride + k */
    int p0 = h - k + 1 < 0 ? 0 : (h - k + 1 + stride - 1) / stride, p1 = h / stride;
    int q0 = w - k + 1 < 0 ? 0 : (w - k + 1 + stride - 1) / stride, q1 = w / stride;
    if (p1 > P - 1) p1 = P - 1;
    if (q1 > Q - 1) q1 = Q - 1;
    float s = 0.0f;
    for (int p = p0; p <= p1; ++p)
      for (int q = q0; q <= q1; ++q)
        if (window_argmax(x, W, k, stride, p, q) == idx) s += g[p * Q + q];
    din[i] = s;
  }
}

__global__ void alcn_upsample_fwd_kernel(float *out, const float *in, size_t total, int H, int W, int f) {
  const int Ho = H * f, Wo = W * f;
  GRID_STRIDE(i, total) {
    const size_t pl = i / ((size_t)Ho * Wo);
    const int r = (int)(i % ((size_t)Ho * Wo)), y = r / Wo, x = r % Wo;
    out[i] = in[pl * H * W + (size_t)(y / f) * W + x / f];
  }
}

__global__ void alcn_upsample_bwd_kernel(float *din, const float *dout, size_t total, int H, int W, int f) {
  const int Wo = W * f;
  GRID_STRIDE(i, total) {
    const size_t pl = i / ((size_t)H * W);
    const int r = (int)(i % ((size_t)H * W)), h = r / W, w = r % W;
    const float *g = dout + pl * (size_t)H * f * Wo;
    float s = 0.0f;
    for (int a = 0; a < f; ++a)
      for (int b = 0; b < f; ++b) s += g[(size_t)(h * f + a) * Wo + (w * f + b)];
    din[i] = s;
  }
}

#define LAUNCH(kernel, n, ...)                                                                  \
  do {                                                                                          \
    if ((n) == 0) return ALCN_OK;                                                               \
    kernel<<<alcn_cuda_blocks((n), ALCN_CUDA_THREADS), ALCN_CUDA_THREADS, 0, s>>>(__VA_ARGS__); \
    ALCN_CUDA_LAUNCH_CHECK(#kernel);                                                            \
    return ALCN_OK;                                                                             \
  } while (0)

alcn_status alcn_cuda_maxpool_forward(cudaStream_t s, float *out, const float *in, int N, int C, int H, int W, int k,
                                      int stride) {
  const int P = (H - k) / stride + 1, Q = (W - k) / stride + 1;
  const size_t total = (size_t)N * C * P * Q;
  LAUNCH(alcn_maxpool_fwd_kernel, total, out, in, total, H, W, P, Q, k, stride);
}

alcn_status alcn_cuda_maxpool_backward(cudaStream_t s, float *din, const float *dout, const float *in, int N, int C,
                                       int H, int W, int k, int stride) {
  const int P = (H - k) / stride + 1, Q = (W - k) / stride + 1;
  const size_t total = (size_t)N * C * H * W;
  LAUNCH(alcn_maxpool_bwd_kernel, total, din, dout, in, total, H, W, P, Q, k, stride);
}

alcn_status alcn_cuda_upsample_forward(cudaStream_t s, float *out, const float *in, int N, int C, int H, int W,
                                       int f) {
  const size_t total = (size_t)N * C * H * f * W * f;
  LAUNCH(alcn_upsample_fwd_kernel, total, out, in, total, H, W, f);
}

alcn_status alcn_cuda_upsample_backward(cudaStream_t s, float *din, const float *dout, int N, int C, int H, int W,
                                        int f) {
  const size_t total = (size_t)N * C * H * W;
  LAUNCH(alcn_upsample_bwd_kernel, total, din, dout, total, H, W, f);
}
