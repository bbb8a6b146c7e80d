/* BatchNorm kernels (batchnorm.cuh). */
#include "batchnorm.cuh"

#define ALCN_BN_THREADS 512

/* Element (n, c, j) of an (N,C,HW) tensor, i = n*HW + j running over the channel. */
__device__ __forceinline__ size_t bn_index(size_t i, int c, int C, int HW) {
  const size_t n = i / (size_t)HW, j = i % (size_t)HW;
  return (n * (size_t)C + (size_t)c) * (size_t)HW + j;
}

/* One block per channel: mean, biased variance, save_*, running update. */
__global__ void alcn_bn_stats_kernel(const float *in, float *mean_out, float *invstd_out, float *running_mean,
                                     float *running_var, int N, int C, int HW, float eps, float momentum) {
  const int c = blockIdx.x;
  const size_t M = (size_t)N * (size_t)HW;
  double s = 0.0;
  for (size_t i = threadIdx.x; i < M; i += blockDim.x) s += (double)in[bn_index(i, c, C, HW)];
  const double mean = alcn_block_sum(s) / (double)M;
  double q = 0.0;
  for (size_t i = threadIdx.x; i < M; i += blockDim.x) {
    const double d = (double)in[bn_index(i, c, C, HW)] - mean;
    q += d * d;
  }
  const double var = alcn_block_sum(q) / (double)M;
  if (threadIdx.x == 0) {
    mean_out[c] = (float)mean;
    invstd_out[c] = (float)(1.0 / sqrt(var + (double)eps));
    if (running_mean) running_mean[c] = (1.0f - momentum) * running_mean[c] + momentum * (float)mean;
    if (running_var) {
      const double unbiased = M > 1 ? var * (double)M / (double)(M - 1) : var;
      running_var[c] = (1.0f - momentum) * running_var[c] + momentum * (float)unbiased;
    }
  }
}

/* out = gamma*(x-mean)*invstd + beta; eval (invstd == NULL) uses 1/sqrt(var+eps). */
__global__ void alcn_bn_apply_kernel(float *out, const float *in, const float *gamma, const float *beta,
                                     const float *mean, const float *invstd, const float *var, float eps,
                                     size_t total, int C, int HW) {
  for (size_t i = blockIdx.x * (size_t)blockDim.x + threadIdx.x; i < total; i += (size_t)gridDim.x * blockDim.x) {
    const int c = (int)((i / (size_t)HW) % (size_t)C);
    const float is = invstd ? invstd[c] : 1.0f / sqrtf(var[c] + eps);
    const float g = gamma ? gamma[c] : 1.0f, b = beta ? beta[c] : 0.0f;
    out[i] = g * ((in[i] - mean[c]) * is) + b;
  }
}

/* One block per channel: sum(dy), sum(dy*xhat); params +=; sums kept for din. */
__global__ void alcn_bn_bwd_reduce_kernel(float *sums, float *dgamma, float *dbeta, const float *dout,
                                          const float *in, const float *mean, const float *invstd, int N, int C,
                                          int HW) {
  const int c = blockIdx.x;
  const size_t M = (size_t)N * (size_t)HW;
  const float mu = mean[c], is = invstd[c];
  double sdy = 0.0, sdyx = 0.0;
  for (size_t i = threadIdx.x; i < M; i += blockDim.x) {
    const size_t k = bn_index(i, c, C, HW);
    const float dy = dout[k];
    sdy += (double)dy;
    sdyx += (double)(dy * ((in[k] - mu) * is));
  }
  sdy = alcn_block_sum(sdy);
  sdyx = alcn_block_sum(sdyx);
  if (threadIdx.x == 0) {
    sums[2 * c] = (float)sdy;
    sums[2 * c + 1] = (float)sdyx;
    if (dbeta) dbeta[c] += (float)sdy;
    if (dgamma) dgamma[c] += (float)sdyx;
  }
}

/* din = gamma*invstd/M * (M*dy - sum(dy) - xhat*sum(dy*xhat)). */
__global__ void alcn_bn_bwd_din_kernel(float *din, const float *dout, const float *in, const float *gamma,
                                       const float *mean, const float *invstd, const float *sums, size_t total,
                                       int C, int HW, float inv_m) {
  for (size_t i = blockIdx.x * (size_t)blockDim.x + threadIdx.x; i < total; i += (size_t)gridDim.x * blockDim.x) {
    const int c = (int)((i / (size_t)HW) % (size_t)C);
    const float is = invstd[c], g = gamma ? gamma[c] : 1.0f;
    const float xhat = (in[i] - mean[c]) * is;
    din[i] = g * is * (dout[i] - inv_m * sums[2 * c] - xhat * inv_m * sums[2 * c + 1]);
  }
}

static alcn_status bn_check_dims(const alcn_bn_dims *d) {
  if (d->N <= 0 || d->C <= 0 || d->HW <= 0)
    ALCN_FAIL(ALCN_ERR_ARG, "BatchNorm2d of shape N=%d C=%d HW=%d: every size must be positive", d->N, d->C, d->HW);
  return ALCN_OK;
}

alcn_status alcn_cuda_bn_forward(alcn_cuda_ctx *c, int train, float *out, const float *in, const float *gamma,
                                 const float *beta, float *running_mean, float *running_var, float *save_mean,
                                 float *save_invstd, const alcn_bn_dims *d) {
  ALCN_CHECK(bn_check_dims(d));
  const size_t total = (size_t)d->N * d->C * d->HW;
  const unsigned g = alcn_cuda_blocks(total, ALCN_CUDA_THREADS);
  if (!train) {
    if (!running_mean || !running_var)
      ALCN_FAIL(ALCN_ERR_ARG, "BatchNorm2d in eval mode needs the running mean and variance");
    alcn_bn_apply_kernel<<<g, ALCN_CUDA_THREADS, 0, c->stream>>>(out, in, gamma, beta, running_mean, NULL,
                                                                 running_var, d->eps, total, d->C, d->HW);
    ALCN_CUDA_LAUNCH_CHECK("alcn_bn_apply_kernel (eval)");
    return ALCN_OK;
  }
  float *mean = save_mean, *invstd = save_invstd;
  if (!mean || !invstd) {
    void *ws = NULL;
    ALCN_CHECK(alcn_cuda_scratch(c, ALCN_CUDA_WS_STATS, 2 * (size_t)d->C * sizeof(float), &ws));
    if (!mean) mean = (float *)ws;
    if (!invstd) invstd = (float *)ws + d->C;
  }
  alcn_bn_stats_kernel<<<d->C, ALCN_BN_THREADS, 0, c->stream>>>(in, mean, invstd, running_mean, running_var, d->N,
                                                                d->C, d->HW, d->eps, d->momentum);
  ALCN_CUDA_LAUNCH_CHECK("alcn_bn_stats_kernel");
  alcn_bn_apply_kernel<<<g, ALCN_CUDA_THREADS, 0, c->stream>>>(out, in, gamma, beta, mean, invstd, NULL, d->eps,
                                                               total, d->C, d->HW);
  ALCN_CUDA_LAUNCH_CHECK("alcn_bn_apply_kernel (train)");
  return ALCN_OK;
}

alcn_status alcn_cuda_bn_backward(alcn_cuda_ctx *c, float *din, float *dgamma, float *dbeta, const float *dout,
                                  const float *in, const float *gamma, const float *save_mean,
                                  const float *save_invstd, const alcn_bn_dims *d) {
  ALCN_CHECK(bn_check_dims(d));
  if (!save_mean || !save_invstd)
    ALCN_FAIL(ALCN_ERR_ARG, "BatchNorm2d backward needs save_mean and save_invstd from the train-mode forward");
  void *ws = NULL;
  ALCN_CHECK(alcn_cuda_scratch(c, ALCN_CUDA_WS_STATS, 2 * (size_t)d->C * sizeof(float), &ws));
  float *sums = (float *)ws;
  alcn_bn_bwd_reduce_kernel<<<d->C, ALCN_BN_THREADS, 0, c->stream>>>(sums, dgamma, dbeta, dout, in, save_mean,
                                                                     save_invstd, d->N, d->C, d->HW);
  ALCN_CUDA_LAUNCH_CHECK("alcn_bn_bwd_reduce_kernel");
  if (din) {
    const size_t total = (size_t)d->N * d->C * d->HW;
    const float inv_m = (float)(1.0 / ((double)d->N * (double)d->HW));
    alcn_bn_bwd_din_kernel<<<alcn_cuda_blocks(total, ALCN_CUDA_THREADS), ALCN_CUDA_THREADS, 0, c->stream>>>(
        din, dout, in, gamma, save_mean, save_invstd, sums, total, d->C, d->HW, inv_m);
    ALCN_CUDA_LAUNCH_CHECK("alcn_bn_bwd_din_kernel");
  }
  return ALCN_OK;
}
