/* Loss kernels (loss.cuh): fused loss value + gradient, one pass over the data. */
#include "loss.cuh"

template <int KIND>
__global__ void alcn_pointwise_loss_kernel(double *partials, float *dpred, const float *pred, const float *target,
                                           size_t n, float gscale) {
  double acc = 0.0;
  for (size_t i = blockIdx.x * (size_t)blockDim.x + threadIdx.x; i < n; i += (size_t)gridDim.x * blockDim.x) {
    const float p = pred[i], t = target[i];
    double l; /* the element loss in double, as kernels/cpu/loss.c sums it */
    float g;
    if (KIND == ALCN_LOSS_MSE) {
      const float d = p - t;
      l = (double)d * d;
      g = 2.0f * d;
    } else if (KIND == ALCN_LOSS_L1) {
      const float d = p - t;
      l = fabsf(d);
      g = d > 0.0f ? 1.0f : (d < 0.0f ? -1.0f : 0.0f); /* sign(0) = 0, as PyTorch */
    } else { /* BCE with logits, the stable form: max(x,0) - x t + log(1 + exp(-|x|)) */
      const float e = expf(-fabsf(p));
      l = (double)(fmaxf(p, 0.0f) - p * t) + (double)log1pf(e);
      g = (p >= 0.0f ? 1.0f / (1.0f + e) : e / (1.0f + e)) - t;
    }
    acc += l;
    if (dpred) dpred[i] = gscale * g;
  }
  acc = alcn_block_sum(acc);
  if (threadIdx.x == 0) partials[blockIdx.x] = acc;
}

alcn_status alcn_cuda_pointwise_loss(alcn_cuda_ctx *c, alcn_loss_kind kind, float *loss, float *dpred,
                                     const float *pred, const float *target, size_t n, float scale) {
  if (n == 0) ALCN_FAIL(ALCN_ERR_ARG, "loss over an empty tensor");
  unsigned g = alcn_cuda_blocks(n, ALCN_CUDA_THREADS);
  if (g > ALCN_CUDA_RED_BLOCKS) g = ALCN_CUDA_RED_BLOCKS;
  void *ws = NULL;
  ALCN_CHECK(alcn_cuda_scratch(c, ALCN_CUDA_WS_RED, ALCN_CUDA_RED_BLOCKS * sizeof(double), &ws));
  double *partials = (double *)ws;
  const float gscale = (float)((double)scale / (double)n);
  switch (kind) {
    case ALCN_LOSS_MSE:
      alcn_pointwise_loss_kernel<ALCN_LOSS_MSE><<<g, ALCN_CUDA_THREADS, 0, c->stream>>>(partials, dpred, pred,
                                                                                       target, n, gscale);
      break;
    case ALCN_LOSS_L1:
      alcn_pointwise_loss_kernel<ALCN_LOSS_L1><<<g, ALCN_CUDA_THREADS, 0, c->stream>>>(partials, dpred, pred,
                                                                                      target, n, gscale);
      break;
    case ALCN_LOSS_BCE_LOGITS:
      alcn_pointwise_loss_kernel<ALCN_LOSS_BCE_LOGITS><<<g, ALCN_CUDA_THREADS, 0, c->stream>>>(
          partials, dpred, pred, target, n, gscale);
      break;
    default: ALCN_FAIL(ALCN_ERR_ARG, "loss kind %d is not a point-wise loss", (int)kind);
  }
  ALCN_CUDA_LAUNCH_CHECK("alcn_pointwise_loss_kernel");
  ALCN_CHECK(alcn_cuda_finish_sum(c->stream, loss, partials, (int)g, 1.0 / (double)n));
  return ALCN_OK;
}

/* One block per image. */
__global__ void alcn_sq_err_kernel(float *scores, const float *a, const float *b, int D) {
  const size_t base = (size_t)blockIdx.x * (size_t)D;
  double acc = 0.0;
  for (int i = threadIdx.x; i < D; i += blockDim.x) {
    const double d = (double)a[base + i] - (double)b[base + i];
    acc += d * d;
  }
  acc = alcn_block_sum(acc);
  if (threadIdx.x == 0) scores[blockIdx.x] = (float)(acc / (double)D);
}

alcn_status alcn_cuda_sq_err_per_image(cudaStream_t s, float *scores, const float *a, const float *b, int N,
                                       int D) {
  if (N <= 0 || D <= 0) ALCN_FAIL(ALCN_ERR_ARG, "per-image error of N=%d images of D=%d values", N, D);
  alcn_sq_err_kernel<<<N, ALCN_CUDA_THREADS, 0, s>>>(scores, a, b, D);
  ALCN_CUDA_LAUNCH_CHECK("alcn_sq_err_kernel");
  return ALCN_OK;
}
