/* Adam kernel (adam.cuh), the same formulation as kernels/cpu/adam.c (PyTorch's
 * non-fused Adam): m lerps towards g, v = b2 v + (1-b2) g^2, and
 * p -= (lr/bc1) * m / (sqrt(v)/sqrt(bc2) + eps), the scalars computed once on
 * the host in double precision. */
#include <math.h>

#include "adam.cuh"

__global__ void alcn_adam_kernel(float *p, const float *g, float *m, float *v, size_t n, float step, float bc2s,
                                 float b1c, float b2, float b2c, float eps, float wd) {
  for (size_t i = blockIdx.x * (size_t)blockDim.x + threadIdx.x; i < n; i += (size_t)gridDim.x * blockDim.x) {
    const float pi = p[i];
    const float gi = wd != 0.0f ? g[i] + wd * pi : g[i];
    const float mi = m[i] + b1c * (gi - m[i]);
    const float vi = v[i] * b2 + b2c * gi * gi;
    m[i] = mi;
    v[i] = vi;
    p[i] = pi - step * (mi / (sqrtf(vi) / bc2s + eps));
  }
}

alcn_status alcn_cuda_adam_step(cudaStream_t s, float *p, const float *g, float *m, float *v, size_t n,
                                const alcn_adam_hparams *h, int t) {
  if (t < 1) ALCN_FAIL(ALCN_ERR_ARG, "Adam step t=%d: t counts from 1", t);
  if (n == 0) return ALCN_OK;
  const double bc1 = 1.0 - pow((double)h->beta1, t), bc2 = 1.0 - pow((double)h->beta2, t);
  const float step = (float)((double)h->lr / bc1), bc2s = (float)sqrt(bc2);
  alcn_adam_kernel<<<alcn_cuda_blocks(n, ALCN_CUDA_THREADS), ALCN_CUDA_THREADS, 0, s>>>(
      p, g, m, v, n, step, bc2s, 1.0f - h->beta1, h->beta2, 1.0f - h->beta2, h->eps, h->weight_decay);
  ALCN_CUDA_LAUNCH_CHECK("alcn_adam_kernel");
  return ALCN_OK;
}
