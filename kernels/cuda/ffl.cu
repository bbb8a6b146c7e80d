/* FFL kernels and the cuFFT plan cache (ffl.cuh).
 *
 * With D = F(pred - target) (F the orthonormal 2-D DFT, linear), d = |D|^2,
 * w = |D|^alpha / max_plane |D|^alpha (NaN -> 0, clamped to [0,1], constant),
 * loss = sum(w*d) / M with M = N*C*H*W, and
 * dLoss/dpred = (2/M) * Re(F^H (w .* D)), F^H the orthonormal inverse DFT.
 * cuFFT transforms are unnormalised: raw = sqrt(HW) * D. */
#include <cufft.h>
#include <stdlib.h>
#include <string.h>

#include "ffl.cuh"

#define ALCN_FFL_MAX_PLANS 8

typedef struct alcn_fft_plan {
  int batch, H, W;
  cufftHandle plan;
  size_t work_bytes;
  unsigned long long last_use;
} alcn_fft_plan;

struct alcn_cuda_fft_cache {
  alcn_fft_plan p[ALCN_FFL_MAX_PLANS];
  int n;
  unsigned long long clock;
};

static alcn_status ffl_get_plan(alcn_cuda_ctx *c, int batch, int H, int W, cufftHandle *out) {
  if (!c->fft) {
    c->fft = (struct alcn_cuda_fft_cache *)calloc(1, sizeof *c->fft);
    ALCN_CHECK_ALLOC(c->fft, sizeof *c->fft);
  }
  struct alcn_cuda_fft_cache *fc = c->fft;
  fc->clock++;
  for (int i = 0; i < fc->n; ++i)
    if (fc->p[i].batch == batch && fc->p[i].H == H && fc->p[i].W == W) {
      fc->p[i].last_use = fc->clock;
      *out = fc->p[i].plan;
      return ALCN_OK;
    }
  int slot = fc->n;
  if (fc->n == ALCN_FFL_MAX_PLANS) { /* evict the least recently used plan */
    slot = 0;
    for (int i = 1; i < fc->n; ++i)
      if (fc->p[i].last_use < fc->p[slot].last_use) slot = i;
    ALCN_CUDA_CHECK(cudaStreamSynchronize(c->stream));
    cufftDestroy(fc->p[slot].plan);
    alcn_cuda_account(c, fc->p[slot].work_bytes, 0);
  } else {
    fc->n++;
  }
  alcn_fft_plan *p = &fc->p[slot];
  memset(p, 0, sizeof *p);
  int dims[2] = {H, W};
  cufftResult r = cufftPlanMany(&p->plan, 2, dims, NULL, 1, H * W, NULL, 1, H * W, CUFFT_C2C, batch);
  if (r != CUFFT_SUCCESS) {
    /* drop the slot so that the cache stays consistent */
    *p = fc->p[fc->n - 1];
    fc->n--;
    return alcn_error_at(__FILE__, __LINE__, r == CUFFT_ALLOC_FAILED ? ALCN_ERR_NOMEM : ALCN_ERR_DEVICE,
                         "cufftPlanMany(2-D C2C %dx%d, batch %d) failed: %s (hint: lower --batch)", H, W, batch,
                         alcn_cufft_str(r));
  }
  p->batch = batch;
  p->H = H;
  p->W = W;
  p->last_use = fc->clock;
  ALCN_CUFFT_CHECK(cufftSetStream(p->plan, c->stream));
  if (cufftGetSize(p->plan, &p->work_bytes) != CUFFT_SUCCESS) p->work_bytes = 0;
  alcn_cuda_account(c, p->work_bytes, 1);
  *out = p->plan;
  return ALCN_OK;
}

void alcn_cuda_ffl_cache_free(alcn_cuda_ctx *c) {
  if (!c->fft) return;
  for (int i = 0; i < c->fft->n; ++i) {
    cufftDestroy(c->fft->p[i].plan);
    alcn_cuda_account(c, c->fft->p[i].work_bytes, 0);
  }
  free(c->fft);
  c->fft = NULL;
}

__global__ void alcn_ffl_diff_kernel(cufftComplex *z, const float *pred, const float *target, size_t n) {
  for (size_t i = blockIdx.x * (size_t)blockDim.x + threadIdx.x; i < n; i += (size_t)gridDim.x * blockDim.x)
    z[i] = make_cuComplex(pred[i] - target[i], 0.0f);
}

/* One block per (n,c) plane of hw frequencies: weights, the plane's sum of
 * w*d, and (grad) z <- w .* D (orthonormal scaling folded in). */
__global__ void alcn_ffl_weight_kernel(double *partials, cufftComplex *z, int hw, float alpha, int grad) {
  cufftComplex *zp = z + (size_t)blockIdx.x * (size_t)hw;
  const float inv_hw = 1.0f / (float)hw;
  const float inv_sqrt_hw = 1.0f / sqrtf((float)hw);
  const bool alpha1 = alpha == 1.0f;
  float m = 0.0f;
  for (int k = threadIdx.x; k < hw; k += blockDim.x) {
    const cufftComplex v = zp[k];
    const float d = (v.x * v.x + v.y * v.y) * inv_hw;
    const float a = alpha1 ? sqrtf(d) : powf(sqrtf(d), alpha);
    m = fmaxf(m, a);
  }
  m = alcn_block_max(m);
  double acc = 0.0;
  for (int k = threadIdx.x; k < hw; k += blockDim.x) {
    const cufftComplex v = zp[k];
    const float d = (v.x * v.x + v.y * v.y) * inv_hw;
    const float a = alpha1 ? sqrtf(d) : powf(sqrtf(d), alpha);
    float w = a / m;
    if (isnan(w)) w = 0.0f;
    w = fminf(fmaxf(w, 0.0f), 1.0f);
    acc += (double)(w * d);
    if (grad) {
      const float f = w * inv_sqrt_hw;
      zp[k] = make_cuComplex(v.x * f, v.y * f);
    }
  }
  acc = alcn_block_sum(acc);
  if (threadIdx.x == 0) partials[blockIdx.x] = acc;
}

__global__ void alcn_ffl_grad_kernel(float *dpred, const cufftComplex *z, size_t n, float gs) {
  for (size_t i = blockIdx.x * (size_t)blockDim.x + threadIdx.x; i < n; i += (size_t)gridDim.x * blockDim.x)
    dpred[i] = gs * z[i].x;
}

alcn_status alcn_cuda_ffl_loss(alcn_cuda_ctx *c, float *loss, float *dpred, const float *pred, const float *target,
                               int N, int C, int H, int W, float alpha, float scale) {
  if (N <= 0 || C <= 0 || H <= 0 || W <= 0)
    ALCN_FAIL(ALCN_ERR_ARG, "FFL of shape %dx%dx%dx%d: every size must be positive", N, C, H, W);
  const int planes = N * C, hw = H * W;
  const size_t n = (size_t)planes * (size_t)hw;
  cufftHandle plan = 0;
  ALCN_CHECK(ffl_get_plan(c, planes, H, W, &plan));
  void *zbuf = NULL, *pbuf = NULL;
  ALCN_CHECK(alcn_cuda_scratch(c, ALCN_CUDA_WS_FFT, n * sizeof(cufftComplex), &zbuf));
  const size_t np = planes > ALCN_CUDA_RED_BLOCKS ? (size_t)planes : (size_t)ALCN_CUDA_RED_BLOCKS;
  ALCN_CHECK(alcn_cuda_scratch(c, ALCN_CUDA_WS_RED, np * sizeof(double), &pbuf));
  cufftComplex *z = (cufftComplex *)zbuf;
  double *partials = (double *)pbuf;

  alcn_ffl_diff_kernel<<<alcn_cuda_blocks(n, ALCN_CUDA_THREADS), ALCN_CUDA_THREADS, 0, c->stream>>>(z, pred,
                                                                                                    target, n);
  ALCN_CUDA_LAUNCH_CHECK("alcn_ffl_diff_kernel");
  ALCN_CUFFT_CHECK(cufftExecC2C(plan, z, z, CUFFT_FORWARD));
  alcn_ffl_weight_kernel<<<planes, ALCN_CUDA_THREADS, 0, c->stream>>>(partials, z, hw, alpha, dpred != NULL);
  ALCN_CUDA_LAUNCH_CHECK("alcn_ffl_weight_kernel");
  const double M = (double)n;
  ALCN_CHECK(alcn_cuda_finish_sum(c->stream, loss, partials, planes, 1.0 / M));
  if (dpred) {
    ALCN_CUFFT_CHECK(cufftExecC2C(plan, z, z, CUFFT_INVERSE));
    const float gs = (float)((double)scale * 2.0 / M / sqrt((double)hw));
    alcn_ffl_grad_kernel<<<alcn_cuda_blocks(n, ALCN_CUDA_THREADS), ALCN_CUDA_THREADS, 0, c->stream>>>(dpred, z, n,
                                                                                                     gs);
    ALCN_CUDA_LAUNCH_CHECK("alcn_ffl_grad_kernel");
  }
  return ALCN_OK;
}
