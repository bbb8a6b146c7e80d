/* Adam kernel (adam.cuh). The bias corrections 1-beta^t are computed once on
 * the host in double precision and passed in as floats. */
#include <math.h>

#include "adam.cuh"

__global__ void alcn_adam_kernel(float *p, const float *g, float *m, float *v, size_t n, float lr, float b1,
                                 float b2, float eps, float wd, float bc1, float bc2) {
  for (size_t i = blockIdx.x * (size_t)blockDim.x + threadIdx.x; i < n; i += (size_t)gridDim.x * blockDim.x) {
    float gi = g[i];
    const float pi = p[i];
    if (wd != 0.0f) gi += wd * pi;
    const float mi = b1 * m[i] + (1.0f - b1) * gi;
    const float vi = b2 * v[i] + (1.0f - b2) * gi * gi;
    m[i] = mi;
    v[i] = vi;
    p[i] = pi - lr * (mi / bc1) / (sqrtf(vi / bc2) + eps);
  }
}

alcn_status alcn_cuda_adam_step(cudaStream_t s, float *p, const float *g, float *m, float *v, size_t n,
                                const alcn_adam_hparams *h, int t) {
  if (t < 1) ALCN_FAIL(ALCN_ERR_ARG, "Adam step t=%d: t counts from 1", t);
  if (n == 0) return ALCN_OK;
  const float bc1 = (float)(1.0 - pow((double)h->beta1, (double)t));
  const float bc2 = (float)(1.0 - pow((double)h->beta2, (double)t));
  alcn_adam_kernel<<<alcn_cuda_blocks(n, ALCN_CUDA_THREADS), ALCN_CUDA_THREADS, 0, s>>>(
      p, g, m, v, n, h->lr, h->beta1, h->beta2, h->eps, h->weight_decay, bc1, bc2);
  ALCN_CUDA_LAUNCH_CHECK("alcn_adam_kernel");
  return ALCN_OK;
}
