/* Activation kernels (act.cuh): one grid-stride kernel per direction with
 * the activation as a template parameter. */
#include "act.cuh"

template <int ACT>
__device__ __forceinline__ float alcn_act_f(float x, float slope) {
  if (ACT == ALCN_ACT_RELU) return x > 0.0f ? x : 0.0f;
  if (ACT == ALCN_ACT_LRELU) return x > 0.0f ? x : slope * x;
  if (ACT == ALCN_ACT_SIGMOID) { /* the CPU's overflow-free form */
    if (x >= 0.0f) return 1.0f / (1.0f + expf(-x));
    const float e = expf(x);
    return e / (1.0f + e);
  }
  return tanhf(x);
}

/* din from dout and the forward's output y, in the CPU's operation order
 * (__fmul_rn keeps nvcc from contracting 1 - y*y into an FMA). */
template <int ACT>
__device__ __forceinline__ float alcn_act_bwd(float dout, float y, float slope) {
  if (ACT == ALCN_ACT_RELU) return y > 0.0f ? dout : 0.0f;
  if (ACT == ALCN_ACT_LRELU) return y > 0.0f ? dout : slope * dout;
  if (ACT == ALCN_ACT_SIGMOID) return dout * y * (1.0f - y);
  return dout * (1.0f - __fmul_rn(y, y));
}

template <int ACT>
__global__ void alcn_act_fwd_kernel(float *out, const float *in, size_t n, float slope) {
  for (size_t i = blockIdx.x * (size_t)blockDim.x + threadIdx.x; i < n; i += (size_t)gridDim.x * blockDim.x)
    out[i] = alcn_act_f<ACT>(in[i], slope);
}

template <int ACT>
__global__ void alcn_act_bwd_kernel(float *din, const float *dout, const float *out, size_t n, float slope) {
  for (size_t i = blockIdx.x * (size_t)blockDim.x + threadIdx.x; i < n; i += (size_t)gridDim.x * blockDim.x)
    din[i] = alcn_act_bwd<ACT>(dout[i], out[i], slope);
}

alcn_status alcn_cuda_act_forward(cudaStream_t s, float *out, const float *in, size_t n, alcn_act act,
                                  float slope) {
  if (n == 0) return ALCN_OK;
  const unsigned g = alcn_cuda_blocks(n, ALCN_CUDA_THREADS);
  switch (act) {
    case ALCN_ACT_RELU: alcn_act_fwd_kernel<ALCN_ACT_RELU><<<g, ALCN_CUDA_THREADS, 0, s>>>(out, in, n, slope); break;
    case ALCN_ACT_LRELU: alcn_act_fwd_kernel<ALCN_ACT_LRELU><<<g, ALCN_CUDA_THREADS, 0, s>>>(out, in, n, slope); break;
    case ALCN_ACT_SIGMOID:
      alcn_act_fwd_kernel<ALCN_ACT_SIGMOID><<<g, ALCN_CUDA_THREADS, 0, s>>>(out, in, n, slope);
      break;
    case ALCN_ACT_TANH: alcn_act_fwd_kernel<ALCN_ACT_TANH><<<g, ALCN_CUDA_THREADS, 0, s>>>(out, in, n, slope); break;
    default: ALCN_FAIL(ALCN_ERR_ARG, "unknown activation %d", (int)act);
  }
  ALCN_CUDA_LAUNCH_CHECK("alcn_act_fwd_kernel");
  return ALCN_OK;
}

alcn_status alcn_cuda_act_backward(cudaStream_t s, float *din, const float *dout, const float *out, size_t n,
                                   alcn_act act, float slope) {
  if (n == 0) return ALCN_OK;
  const unsigned g = alcn_cuda_blocks(n, ALCN_CUDA_THREADS);
  switch (act) {
    case ALCN_ACT_RELU:
      alcn_act_bwd_kernel<ALCN_ACT_RELU><<<g, ALCN_CUDA_THREADS, 0, s>>>(din, dout, out, n, slope);
      break;
    case ALCN_ACT_LRELU:
      alcn_act_bwd_kernel<ALCN_ACT_LRELU><<<g, ALCN_CUDA_THREADS, 0, s>>>(din, dout, out, n, slope);
      break;
    case ALCN_ACT_SIGMOID:
      alcn_act_bwd_kernel<ALCN_ACT_SIGMOID><<<g, ALCN_CUDA_THREADS, 0, s>>>(din, dout, out, n, slope);
      break;
    case ALCN_ACT_TANH:
      alcn_act_bwd_kernel<ALCN_ACT_TANH><<<g, ALCN_CUDA_THREADS, 0, s>>>(din, dout, out, n, slope);
      break;
    default: ALCN_FAIL(ALCN_ERR_ARG, "unknown activation %d", (int)act);
  }
  ALCN_CUDA_LAUNCH_CHECK("alcn_act_bwd_kernel");
  return ALCN_OK;
}
