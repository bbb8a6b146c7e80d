/* Element-wise kernels (elementwise.cuh), grid-stride loops; salt-and-pepper
 * reduces each image's min and max in one block first. */
#include "elementwise.cuh"

__global__ void alcn_blend_kernel(float *out, const float *x, const float *y, const float *a, int N, int D) {
  const size_t total = (size_t)N * D;
  for (size_t i = blockIdx.x * (size_t)blockDim.x + threadIdx.x; i < total; i += (size_t)gridDim.x * blockDim.x) {
    const float an = a[i / (size_t)D];
    out[i] = an * x[i] + (1.0f - an) * y[i];
  }
}

__global__ void alcn_blend_bwd_y_kernel(float *dy, const float *dout, const float *a, int N, int D) {
  const size_t total = (size_t)N * D;
  for (size_t i = blockIdx.x * (size_t)blockDim.x + threadIdx.x; i < total; i += (size_t)gridDim.x * blockDim.x)
    dy[i] = (1.0f - a[i / (size_t)D]) * dout[i];
}

__global__ void alcn_axpby_kernel(float *y, const float *x, size_t n, float alpha, float beta) {
  for (size_t i = blockIdx.x * (size_t)blockDim.x + threadIdx.x; i < n; i += (size_t)gridDim.x * blockDim.x)
    y[i] = beta == 0.0f ? alpha * x[i] : alpha * x[i] + beta * y[i];
}

#define ALCN_SP_THREADS 256

/* Block n: min/max of image n (shared-memory tree), then the replacement. */
__global__ void alcn_salt_pepper_kernel(float *out, float *noise, const float *x, const float *u, int D, float rate) {
  __shared__ float smin[ALCN_SP_THREADS], smax[ALCN_SP_THREADS];
  const size_t base = (size_t)blockIdx.x * D;
  float lo = x[base], hi = x[base];
  for (int j = threadIdx.x; j < D; j += blockDim.x) {
    lo = fminf(lo, x[base + j]);
    hi = fmaxf(hi, x[base + j]);
  }
  smin[threadIdx.x] = lo;
  smax[threadIdx.x] = hi;
  __syncthreads();
  for (int w = blockDim.x / 2; w > 0; w >>= 1) {
    if (threadIdx.x < w) {
      smin[threadIdx.x] = fminf(smin[threadIdx.x], smin[threadIdx.x + w]);
      smax[threadIdx.x] = fmaxf(smax[threadIdx.x], smax[threadIdx.x + w]);
    }
    __syncthreads();
  }
  lo = smin[0];
  hi = smax[0];
  const float half = 0.5f * rate;
  for (int j = threadIdx.x; j < D; j += blockDim.x) {
    const float xv = x[base + j], uv = u[base + j];
    const float v = uv < half ? lo : (uv < rate ? hi : xv);
    out[base + j] = v;
    if (noise) noise[base + j] = v - xv;
  }
}

__global__ void alcn_add_bias_kernel(float *out, const float *b, size_t total, int K, size_t inner) {
  for (size_t i = blockIdx.x * (size_t)blockDim.x + threadIdx.x; i < total; i += (size_t)gridDim.x * blockDim.x)
    out[i] += b[(i / inner) % (size_t)K];
}

alcn_status alcn_cuda_blend(cudaStream_t s, float *out, const float *x, const float *y, const float *a, int N,
                            int D) {
  const size_t total = (size_t)N * D;
  if (total == 0) return ALCN_OK;
  alcn_blend_kernel<<<alcn_cuda_blocks(total, ALCN_CUDA_THREADS), ALCN_CUDA_THREADS, 0, s>>>(out, x, y, a, N, D);
  ALCN_CUDA_LAUNCH_CHECK("alcn_blend_kernel");
  return ALCN_OK;
}

alcn_status alcn_cuda_blend_backward_y(cudaStream_t s, float *dy, const float *dout, const float *a, int N,
                                       int D) {
  const size_t total = (size_t)N * D;
  if (total == 0 || dy == NULL) return ALCN_OK;
  alcn_blend_bwd_y_kernel<<<alcn_cuda_blocks(total, ALCN_CUDA_THREADS), ALCN_CUDA_THREADS, 0, s>>>(dy, dout, a, N,
                                                                                                   D);
  ALCN_CUDA_LAUNCH_CHECK("alcn_blend_bwd_y_kernel");
  return ALCN_OK;
}

alcn_status alcn_cuda_axpby(cudaStream_t s, float *y, const float *x, size_t n, float alpha, float beta) {
  if (n == 0) return ALCN_OK;
  alcn_axpby_kernel<<<alcn_cuda_blocks(n, ALCN_CUDA_THREADS), ALCN_CUDA_THREADS, 0, s>>>(y, x, n, alpha, beta);
  ALCN_CUDA_LAUNCH_CHECK("alcn_axpby_kernel");
  return ALCN_OK;
}

alcn_status alcn_cuda_add_bias(cudaStream_t s, float *out, const float *b, int N, int K, size_t inner) {
  const size_t total = (size_t)N * K * inner;
  if (total == 0 || b == NULL) return ALCN_OK;
  alcn_add_bias_kernel<<<alcn_cuda_blocks(total, ALCN_CUDA_THREADS), ALCN_CUDA_THREADS, 0, s>>>(out, b, total, K,
                                                                                               inner);
  ALCN_CUDA_LAUNCH_CHECK("alcn_add_bias_kernel");
  return ALCN_OK;
}

alcn_status alcn_cuda_salt_pepper(cudaStream_t s, float *out, float *noise, const float *x, const float *u, int N,
                                  int D, float rate) {
  if (N <= 0 || D <= 0) return ALCN_OK;
  alcn_salt_pepper_kernel<<<N, ALCN_SP_THREADS, 0, s>>>(out, noise, x, u, D, rate);
  ALCN_CUDA_LAUNCH_CHECK("alcn_salt_pepper_kernel");
  return ALCN_OK;
}
