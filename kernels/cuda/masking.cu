/* Element-wise ops for mask-type noises on the GPU: grid-stride loops, the
 * same arithmetic as the CPU (exact parity). */
#include "masking.cuh"

#define GRID_STRIDE(i, n) \
  for (size_t i = blockIdx.x * (size_t)blockDim.x + threadIdx.x; i < (n); i += (size_t)gridDim.x * blockDim.x)

__global__ void alcn_mul_kernel(float *out, const float *a, const float *b, size_t n) {
  GRID_STRIDE(i, n) out[i] = a[i] * b[i];
}

__global__ void alcn_select_kernel(float *out, const float *mask, const float *a, const float *b, size_t n) {
  GRID_STRIDE(i, n) out[i] = mask[i] > 0.5f ? a[i] : b[i];
}

__global__ void alcn_clamp_kernel(float *out, const float *in, size_t n, float lo, float hi) {
  GRID_STRIDE(i, n) {
    const float v = in[i] < lo ? lo : in[i];
    out[i] = v > hi ? hi : v;
  }
}

__global__ void alcn_clamp_bwd_kernel(float *din, const float *dout, const float *in, size_t n, float lo, float hi) {
  GRID_STRIDE(i, n) din[i] = in[i] > lo && in[i] < hi ? dout[i] : 0.0f;
}

#define LAUNCH(kernel, n, ...)                                                                            \
  do {                                                                                                    \
    if ((n) == 0) return ALCN_OK;                                                                         \
    kernel<<<alcn_cuda_blocks((n), ALCN_CUDA_THREADS), ALCN_CUDA_THREADS, 0, s>>>(__VA_ARGS__);           \
    ALCN_CUDA_LAUNCH_CHECK(#kernel);                                                                      \
    return ALCN_OK;                                                                                       \
  } while (0)

alcn_status alcn_cuda_mul(cudaStream_t s, float *out, const float *a, const float *b, size_t n) {
  LAUNCH(alcn_mul_kernel, n, out, a, b, n);
}

alcn_status alcn_cuda_select(cudaStream_t s, float *out, const float *mask, const float *a, const float *b,
                             size_t n) {
  LAUNCH(alcn_select_kernel, n, out, mask, a, b, n);
}

alcn_status alcn_cuda_clamp(cudaStream_t s, float *out, const float *in, size_t n, float lo, float hi) {
  LAUNCH(alcn_clamp_kernel, n, out, in, n, lo, hi);
}

alcn_status alcn_cuda_clamp_backward(cudaStream_t s, float *din, const float *dout, const float *in, size_t n,
                                     float lo, float hi) {
  LAUNCH(alcn_clamp_bwd_kernel, n, din, dout, in, n, lo, hi);
}
