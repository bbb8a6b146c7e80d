/* The CUDA backend: device detection (alcn_cuda_available), creation of a
 * backend on one GPU (stream, cuBLAS and cuDNN handles, options from the
 * environment) and the vtable that routes every op to its op family
 * (conv.cu, linear.cu, act.cu, batchnorm.cu, loss.cu, ffl.cu, adam.cu,
 * elementwise.cu, rng.cu). Memory: alloc() is cudaMalloc with accounting
 * (peak_memory); scratch and caches grow once and are then reused, so a
 * training loop makes no cudaMalloc. upload() stages large host buffers
 * through two pinned buffers, so the copy overlaps the GPU's work and the
 * caller's buffer may be reused as soon as upload() returns.
 *
 * Environment: ALCN_CUDA_TF32=1 (TF32 tensor cores in cuBLAS and cuDNN),
 * ALCN_CUDA_DETERMINISTIC=1 (deterministic cuDNN algorithms only),
 * ALCN_CUDNN_HEURISTIC=1 (no cudnnFind benchmarking), ALCN_CUDNN_WS_MB. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "act.cuh"
#include "adam.cuh"
#include "batchnorm.cuh"
#include "common.cuh"
#include "conv.cuh"
#include "copy_2d.cuh"
#include "elementwise.cuh"
#include "ffl.cuh"
#include "linear.cuh"
#include "masking.cuh"
#include "loss.cuh"
#include "rng.cuh"
#include "pooling.cuh"
#include "vae.cuh"

#define ALCN_STAGE_SLOTS 2
#define ALCN_STAGE_MIN_BYTES ((size_t)1 << 16) /* smaller uploads go straight from the caller's memory */

typedef struct cuda_impl {
  alcn_cuda_ctx ctx;
  void *stage[ALCN_STAGE_SLOTS]; /* pinned host staging for upload() */
  size_t stage_bytes[ALCN_STAGE_SLOTS];
  cudaEvent_t stage_done[ALCN_STAGE_SLOTS];
  int stage_next;
  cudaEvent_t timer[ALCN_TIMER_SLOTS]; /* timer_mark / timer_elapsed_ms */
  unsigned timer_marked;               /* bit i: slot i recorded */
} cuda_impl;

static int env_flag(const char *name) {
  const char *s = getenv(name);
  return s && *s && strcmp(s, "0") != 0;
}

__global__ void alcn_probe_kernel(int *flag) {
  if (flag) *flag = 1;
}

int alcn_cuda_available(char *reason, size_t cap) {
  char dummy[8];
  if (!reason || cap == 0) {
    reason = dummy;
    cap = sizeof dummy;
  }
  reason[0] = '\0';
  int n = 0;
  cudaError_t e = cudaGetDeviceCount(&n);
  if (e != cudaSuccess) {
    snprintf(reason, cap, "no CUDA driver/GPU found (cudaGetDeviceCount: %s)", cudaGetErrorString(e));
    cudaGetLastError();
    return 0;
  }
  if (n <= 0) {
    snprintf(reason, cap, "no CUDA GPU found (cudaGetDeviceCount: 0 devices)");
    return 0;
  }
  /* A kernel of this build must run on device 0 (architecture check). */
  e = cudaSetDevice(0);
  if (e == cudaSuccess) {
    alcn_probe_kernel<<<1, 1>>>(NULL);
    e = cudaGetLastError();
    if (e == cudaSuccess) e = cudaDeviceSynchronize();
  }
  if (e != cudaSuccess) {
    cudaDeviceProp p;
    const int have = cudaGetDeviceProperties(&p, 0) == cudaSuccess;
    snprintf(reason, cap, "CUDA GPU 0 (%s, cc %d.%d) is not usable by this build: %s", have ? p.name : "?",
             have ? p.major : 0, have ? p.minor : 0, cudaGetErrorString(e));
    cudaGetLastError();
    return 0;
  }
  return 1;
}

/* ---------------------------------------------------------------- memory */
static void *cu_alloc(alcn_backend *be, size_t bytes) {
  alcn_cuda_ctx *c = alcn_cuda_ctx_of(be);
  if (bytes == 0) bytes = 1;
  if (c->n_allocs == c->cap_allocs) {
    size_t cap = c->cap_allocs ? 2 * c->cap_allocs : 64;
    alcn_cuda_alloc_rec *r = (alcn_cuda_alloc_rec *)realloc(c->allocs, cap * sizeof *r);
    if (!r) {
      alcn_error_at(__FILE__, __LINE__, ALCN_ERR_NOMEM, "out of host memory for the allocation table");
      return NULL;
    }
    c->allocs = r;
    c->cap_allocs = cap;
  }
  void *p = NULL;
  cudaError_t e = cudaMalloc(&p, bytes);
  if (e != cudaSuccess) {
    cudaGetLastError();
    alcn_error_at(__FILE__, __LINE__, ALCN_ERR_NOMEM,
                  "cudaMalloc of %zu bytes failed: %s (hint: lower --batch; %zu bytes already held by this backend)",
                  bytes, cudaGetErrorString(e), c->cur_bytes);
    return NULL;
  }
  c->allocs[c->n_allocs].p = p;
  c->allocs[c->n_allocs].bytes = bytes;
  c->n_allocs++;
  alcn_cuda_account(c, bytes, 1);
  return p;
}

static void cu_free(alcn_backend *be, void *p) {
  if (!p) return;
  alcn_cuda_ctx *c = alcn_cuda_ctx_of(be);
  for (size_t i = c->n_allocs; i-- > 0;)
    if (c->allocs[i].p == p) {
      alcn_cuda_account(c, c->allocs[i].bytes, 0);
      c->allocs[i] = c->allocs[--c->n_allocs];
      break;
    }
  cudaFree(p); /* synchronises the device: memory in flight is safe */
}

static alcn_status cu_upload(alcn_backend *be, void *dst, const void *src, size_t bytes) {
  cuda_impl *im = (cuda_impl *)be->impl;
  alcn_cuda_ctx *c = &im->ctx;
  if (bytes == 0) return ALCN_OK;
  if (bytes < ALCN_STAGE_MIN_BYTES) {
    /* pageable source: copied out of the caller's buffer before the call returns */
    ALCN_CUDA_CHECK(cudaMemcpyAsync(dst, src, bytes, cudaMemcpyHostToDevice, c->stream));
    return ALCN_OK;
  }
  const int s = im->stage_next;
  im->stage_next = (s + 1) % ALCN_STAGE_SLOTS;
  ALCN_CUDA_CHECK(cudaEventSynchronize(im->stage_done[s])); /* the slot's previous copy has finished */
  if (im->stage_bytes[s] < bytes) {
    if (im->stage[s]) ALCN_CUDA_CHECK(cudaFreeHost(im->stage[s]));
    im->stage[s] = NULL;
    im->stage_bytes[s] = 0;
    ALCN_CUDA_CHECK(cudaHostAlloc(&im->stage[s], bytes, cudaHostAllocDefault));
    im->stage_bytes[s] = bytes;
  }
  memcpy(im->stage[s], src, bytes);
  ALCN_CUDA_CHECK(cudaMemcpyAsync(dst, im->stage[s], bytes, cudaMemcpyHostToDevice, c->stream));
  ALCN_CUDA_CHECK(cudaEventRecord(im->stage_done[s], c->stream));
  return ALCN_OK;
}

static alcn_status cu_download(alcn_backend *be, void *dst, const void *src, size_t bytes) {
  alcn_cuda_ctx *c = alcn_cuda_ctx_of(be);
  if (bytes == 0) return ALCN_OK;
  ALCN_CUDA_CHECK(cudaMemcpyAsync(dst, src, bytes, cudaMemcpyDeviceToHost, c->stream));
  ALCN_CUDA_CHECK(cudaStreamSynchronize(c->stream));
  return ALCN_OK;
}

static alcn_status cu_copy(alcn_backend *be, void *dst, const void *src, size_t bytes) {
  alcn_cuda_ctx *c = alcn_cuda_ctx_of(be);
  if (bytes == 0 || dst == src) return ALCN_OK;
  ALCN_CUDA_CHECK(cudaMemcpyAsync(dst, src, bytes, cudaMemcpyDeviceToDevice, c->stream));
  return ALCN_OK;
}

static alcn_status cu_copy_2d(alcn_backend *be, float *dst, size_t dst_ld, const float *src, size_t src_ld,
                              size_t rows, size_t cols) {
  return alcn_cuda_copy_2d(alcn_cuda_ctx_of(be)->stream, dst, dst_ld, src, src_ld, rows, cols);
}

static alcn_status cu_zero(alcn_backend *be, void *p, size_t bytes) {
  alcn_cuda_ctx *c = alcn_cuda_ctx_of(be);
  if (bytes == 0) return ALCN_OK;
  ALCN_CUDA_CHECK(cudaMemsetAsync(p, 0, bytes, c->stream));
  return ALCN_OK;
}

static alcn_status cu_sync(alcn_backend *be) {
  alcn_cuda_ctx *c = alcn_cuda_ctx_of(be);
  ALCN_CUDA_CHECK(cudaStreamSynchronize(c->stream));
  ALCN_CUDA_CHECK(cudaGetLastError());
  return ALCN_OK;
}

/* ---------------------------------------------------------------- timing */
static alcn_status cu_timer_mark(alcn_backend *be, int slot) {
  if (slot < 0 || slot >= ALCN_TIMER_SLOTS)
    ALCN_FAIL(ALCN_ERR_ARG, "timer slot %d out of range 0..%d", slot, ALCN_TIMER_SLOTS - 1);
  cuda_impl *im = (cuda_impl *)be->impl;
  ALCN_CUDA_CHECK(cudaEventRecord(im->timer[slot], im->ctx.stream));
  im->timer_marked |= 1u << slot;
  return ALCN_OK;
}

static alcn_status cu_timer_elapsed(alcn_backend *be, int from, int to, double *ms) {
  if (from < 0 || from >= ALCN_TIMER_SLOTS || to < 0 || to >= ALCN_TIMER_SLOTS)
    ALCN_FAIL(ALCN_ERR_ARG, "timer slots %d, %d out of range 0..%d", from, to, ALCN_TIMER_SLOTS - 1);
  cuda_impl *im = (cuda_impl *)be->impl;
  if (!(im->timer_marked >> from & 1u) || !(im->timer_marked >> to & 1u))
    ALCN_FAIL(ALCN_ERR_ARG, "timer slot %d has not been marked (hint: call timer_mark first)",
              im->timer_marked >> from & 1u ? to : from);
  float f = 0.0f;
  ALCN_CUDA_CHECK(cudaEventSynchronize(im->timer[to]));
  ALCN_CUDA_CHECK(cudaEventElapsedTime(&f, im->timer[from], im->timer[to]));
  *ms = (double)f;
  return ALCN_OK;
}

/* ---------------------------------------------------------------- layers */
static alcn_status cu_conv_forward(alcn_backend *be, float *out, const float *in, const float *w, const float *b,
                                   const alcn_conv_dims *d) {
  return alcn_cuda_conv_forward(alcn_cuda_ctx_of(be), out, in, w, b, d);
}

static alcn_status cu_conv_backward(alcn_backend *be, float *din, float *dw, float *db, const float *dout,
                                    const float *in, const float *w, const alcn_conv_dims *d) {
  return alcn_cuda_conv_backward(alcn_cuda_ctx_of(be), din, dw, db, dout, in, w, d);
}

static alcn_status cu_linear_forward(alcn_backend *be, float *out, const float *in, const float *w, const float *b,
                                     int N, int I, int O) {
  return alcn_cuda_linear_forward(alcn_cuda_ctx_of(be), out, in, w, b, N, I, O);
}

static alcn_status cu_linear_backward(alcn_backend *be, float *din, float *dw, float *db, const float *dout,
                                      const float *in, const float *w, int N, int I, int O) {
  return alcn_cuda_linear_backward(alcn_cuda_ctx_of(be), din, dw, db, dout, in, w, N, I, O);
}

static alcn_status cu_act_forward(alcn_backend *be, float *out, const float *in, size_t n, alcn_act act,
                                  float slope) {
  return alcn_cuda_act_forward(alcn_cuda_ctx_of(be)->stream, out, in, n, act, slope);
}

static alcn_status cu_act_backward(alcn_backend *be, float *din, const float *dout, const float *out, size_t n,
                                   alcn_act act, float slope) {
  if (!din) return ALCN_OK;
  return alcn_cuda_act_backward(alcn_cuda_ctx_of(be)->stream, din, dout, out, n, act, slope);
}

static alcn_status cu_bn_forward(alcn_backend *be, int train, float *out, const float *in, const float *gamma,
                                 const float *beta, float *running_mean, float *running_var, float *save_mean,
                                 float *save_invstd, const alcn_bn_dims *d) {
  return alcn_cuda_bn_forward(alcn_cuda_ctx_of(be), train, out, in, gamma, beta, running_mean, running_var,
                              save_mean, save_invstd, d);
}

static alcn_status cu_bn_backward(alcn_backend *be, float *din, float *dgamma, float *dbeta, const float *dout,
                                  const float *in, const float *gamma, const float *save_mean,
                                  const float *save_invstd, const alcn_bn_dims *d) {
  return alcn_cuda_bn_backward(alcn_cuda_ctx_of(be), din, dgamma, dbeta, dout, in, gamma, save_mean, save_invstd,
                               d);
}

/* ---------------------------------------------------------------- losses */
static alcn_status cu_loss(alcn_backend *be, const alcn_loss_cfg *cfg, float *loss, float *dpred, const float *pred,
                           const float *target, int N, int C, int H, int W, float scale) {
  alcn_cuda_ctx *c = alcn_cuda_ctx_of(be);
  if (N <= 0 || C <= 0 || H <= 0 || W <= 0)
    ALCN_FAIL(ALCN_ERR_ARG, "loss of shape %dx%dx%dx%d: every size must be positive", N, C, H, W);
  const size_t n = (size_t)N * C * H * W;
  switch (cfg->kind) {
    case ALCN_LOSS_MSE:
    case ALCN_LOSS_L1:
    case ALCN_LOSS_BCE_LOGITS: return alcn_cuda_pointwise_loss(c, cfg->kind, loss, dpred, pred, target, n, scale);
    case ALCN_LOSS_FFL: {
      const float alpha = cfg->ffl_alpha;
      if (!(alpha >= 0.0f) || isinf(alpha))
        ALCN_FAIL(ALCN_ERR_ARG, "FFL alpha %g must be finite and >= 0 (hint: the paper uses alpha = 1)",
                  (double)alpha);
      return alcn_cuda_ffl_loss(c, loss, dpred, pred, target, N, C, H, W, alpha, scale);
    }
  }
  ALCN_FAIL(ALCN_ERR_ARG, "unknown loss kind %d", (int)cfg->kind);
}

static alcn_status cu_sq_err_per_image(alcn_backend *be, float *scores, const float *a, const float *b, int N,
                                       int D) {
  return alcn_cuda_sq_err_per_image(alcn_cuda_ctx_of(be)->stream, scores, a, b, N, D);
}

static alcn_status cu_adam_step(alcn_backend *be, float *p, const float *g, float *m, float *v, size_t n,
                                const alcn_adam_hparams *h, int t) {
  return alcn_cuda_adam_step(alcn_cuda_ctx_of(be)->stream, p, g, m, v, n, h, t);
}

static alcn_status cu_blend(alcn_backend *be, float *out, const float *x, const float *y, const float *a, int N,
                            int D) {
  return alcn_cuda_blend(alcn_cuda_ctx_of(be)->stream, out, x, y, a, N, D);
}

static alcn_status cu_blend_backward_y(alcn_backend *be, float *dy, const float *dout, const float *a, int N,
                                       int D) {
  return alcn_cuda_blend_backward_y(alcn_cuda_ctx_of(be)->stream, dy, dout, a, N, D);
}

static alcn_status cu_axpby(alcn_backend *be, float *y, const float *x, size_t n, float alpha, float beta) {
  return alcn_cuda_axpby(alcn_cuda_ctx_of(be)->stream, y, x, n, alpha, beta);
}

static alcn_status cu_mul(alcn_backend *be, float *out, const float *a, const float *b, size_t n) {
  return alcn_cuda_mul(alcn_cuda_ctx_of(be)->stream, out, a, b, n);
}

static alcn_status cu_select(alcn_backend *be, float *out, const float *mask, const float *a, const float *b,
                             size_t n) {
  return alcn_cuda_select(alcn_cuda_ctx_of(be)->stream, out, mask, a, b, n);
}

static alcn_status cu_clamp(alcn_backend *be, float *out, const float *in, size_t n, float lo, float hi) {
  return alcn_cuda_clamp(alcn_cuda_ctx_of(be)->stream, out, in, n, lo, hi);
}

static alcn_status cu_clamp_bwd(alcn_backend *be, float *din, const float *dout, const float *in, size_t n,
                                float lo, float hi) {
  return alcn_cuda_clamp_backward(alcn_cuda_ctx_of(be)->stream, din, dout, in, n, lo, hi);
}

static alcn_status cu_salt_pepper(alcn_backend *be, float *out, float *noise, const float *x, const float *u, int N,
                                  int D, float rate) {
  return alcn_cuda_salt_pepper(alcn_cuda_ctx_of(be)->stream, out, noise, x, u, N, D, rate);
}

static alcn_status cu_rng_uniform(alcn_backend *be, float *out, size_t n, uint64_t seed, uint64_t offset, float lo,
                                  float hi) {
  return alcn_cuda_rng_uniform(alcn_cuda_ctx_of(be)->stream, out, n, seed, offset, lo, hi);
}

static alcn_status cu_rng_normal(alcn_backend *be, float *out, size_t n, uint64_t seed, uint64_t offset, float mean,
                                 float std) {
  return alcn_cuda_rng_normal(alcn_cuda_ctx_of(be)->stream, out, n, seed, offset, mean, std);
}

static alcn_status cu_maxpool_fwd(alcn_backend *be, float *out, const float *in, int N, int C, int H, int W, int k,
                                  int stride) {
  return alcn_cuda_maxpool_forward(alcn_cuda_ctx_of(be)->stream, out, in, N, C, H, W, k, stride);
}

static alcn_status cu_maxpool_bwd(alcn_backend *be, float *din, const float *dout, const float *in, int N, int C,
                                  int H, int W, int k, int stride) {
  return alcn_cuda_maxpool_backward(alcn_cuda_ctx_of(be)->stream, din, dout, in, N, C, H, W, k, stride);
}

static alcn_status cu_upsample_fwd(alcn_backend *be, float *out, const float *in, int N, int C, int H, int W, int f) {
  return alcn_cuda_upsample_forward(alcn_cuda_ctx_of(be)->stream, out, in, N, C, H, W, f);
}

static alcn_status cu_upsample_bwd(alcn_backend *be, float *din, const float *dout, int N, int C, int H, int W,
                                   int f) {
  return alcn_cuda_upsample_backward(alcn_cuda_ctx_of(be)->stream, din, dout, N, C, H, W, f);
}

static alcn_status cu_vae_sample(alcn_backend *be, float *z, float *kl, const float *ml, const float *eps, int N,
                                 int L) {
  return alcn_cuda_vae_sample(alcn_cuda_ctx_of(be)->stream, z, kl, ml, eps, N, L);
}

static alcn_status cu_vae_sample_bwd(alcn_backend *be, float *dml, const float *dz, const float *ml, const float *eps,
                                     int N, int L, float kl_scale) {
  return alcn_cuda_vae_sample_backward(alcn_cuda_ctx_of(be)->stream, dml, dz, ml, eps, N, L, kl_scale);
}

static size_t cu_peak_memory(alcn_backend *be) { return alcn_cuda_ctx_of(be)->peak_bytes; }

/* ---------------------------------------------------------------- lifetime */
static void cu_destroy(alcn_backend *be) {
  if (!be) return;
  cuda_impl *im = (cuda_impl *)be->impl;
  if (im) {
    alcn_cuda_ctx *c = &im->ctx;
    cudaSetDevice(c->ordinal);
    if (c->stream) cudaStreamSynchronize(c->stream);
    alcn_cuda_conv_cache_free(c);
    alcn_cuda_ffl_cache_free(c);
    alcn_cuda_scratch_free(c);
    for (size_t i = 0; i < c->n_allocs; ++i) cudaFree(c->allocs[i].p); /* whatever the caller left */
    free(c->allocs);
    for (int s = 0; s < ALCN_STAGE_SLOTS; ++s) {
      if (im->stage_done[s]) cudaEventDestroy(im->stage_done[s]);
      if (im->stage[s]) cudaFreeHost(im->stage[s]);
    }
    for (int s = 0; s < ALCN_TIMER_SLOTS; ++s)
      if (im->timer[s]) cudaEventDestroy(im->timer[s]);
    if (c->cudnn) cudnnDestroy(c->cudnn);
    if (c->cublas) cublasDestroy(c->cublas);
    if (c->stream) cudaStreamDestroy(c->stream);
    free(im);
  }
  free(be);
}

/* Positional, in the order of backend_impl.h (C++17 has no designated initialisers). */
static const alcn_backend_ops cuda_ops = {
    /* .alloc = */ cu_alloc,
    /* .free = */ cu_free,
    /* .upload = */ cu_upload,
    /* .download = */ cu_download,
    /* .copy = */ cu_copy,
    /* .copy_2d = */ cu_copy_2d,
    /* .zero = */ cu_zero,
    /* .sync = */ cu_sync,
    /* .conv_forward = */ cu_conv_forward,
    /* .conv_backward = */ cu_conv_backward,
    /* .linear_forward = */ cu_linear_forward,
    /* .linear_backward = */ cu_linear_backward,
    /* .act_forward = */ cu_act_forward,
    /* .act_backward = */ cu_act_backward,
    /* .bn_forward = */ cu_bn_forward,
    /* .bn_backward = */ cu_bn_backward,
    /* .loss = */ cu_loss,
    /* .sq_err_per_image = */ cu_sq_err_per_image,
    /* .adam_step = */ cu_adam_step,
    /* .blend = */ cu_blend,
    /* .blend_backward_y = */ cu_blend_backward_y,
    /* .axpby = */ cu_axpby,
    /* .mul = */ cu_mul,
    /* .select = */ cu_select,
    /* .clamp = */ cu_clamp,
    /* .clamp_backward = */ cu_clamp_bwd,
    /* .salt_pepper = */ cu_salt_pepper,
    /* .rng_uniform = */ cu_rng_uniform,
    /* .rng_normal = */ cu_rng_normal,
    /* .timer_mark = */ cu_timer_mark,
    /* .timer_elapsed_ms = */ cu_timer_elapsed,
    /* .maxpool_forward = */ cu_maxpool_fwd,
    /* .maxpool_backward = */ cu_maxpool_bwd,
    /* .upsample_forward = */ cu_upsample_fwd,
    /* .upsample_backward = */ cu_upsample_bwd,
    /* .vae_sample = */ cu_vae_sample,
    /* .vae_sample_backward = */ cu_vae_sample_bwd,
    /* .peak_memory = */ cu_peak_memory,
    /* .destroy = */ cu_destroy,
    /* .conv_forward_act = */ NULL, /* backend.c: the layer, then the activation */
    /* .conv_backward_act = */ NULL,
    /* .linear_forward_act = */ NULL,
};

/* Fill the context of a fresh backend; on failure the caller destroys it. */
static alcn_status cuda_init(alcn_backend *be, cuda_impl *im, int ordinal) {
  alcn_cuda_ctx *c = &im->ctx;
  c->ordinal = ordinal;
  c->tf32 = env_flag("ALCN_CUDA_TF32");
  c->deterministic = env_flag("ALCN_CUDA_DETERMINISTIC");
  c->heuristic = env_flag("ALCN_CUDNN_HEURISTIC");
  ALCN_CUDA_CHECK(cudaSetDevice(ordinal));
  cudaDeviceProp p;
  ALCN_CUDA_CHECK(cudaGetDeviceProperties(&p, ordinal));
  c->num_sms = p.multiProcessorCount;
  ALCN_CUDA_CHECK(cudaStreamCreateWithFlags(&c->stream, cudaStreamNonBlocking));
  for (int s = 0; s < ALCN_STAGE_SLOTS; ++s)
    ALCN_CUDA_CHECK(cudaEventCreateWithFlags(&im->stage_done[s], cudaEventDisableTiming));
  for (int s = 0; s < ALCN_TIMER_SLOTS; ++s) ALCN_CUDA_CHECK(cudaEventCreate(&im->timer[s]));
  ALCN_CUBLAS_CHECK(cublasCreate(&c->cublas));
  ALCN_CUBLAS_CHECK(cublasSetStream(c->cublas, c->stream));
  ALCN_CUBLAS_CHECK(cublasSetMathMode(c->cublas, c->tf32 ? CUBLAS_TF32_TENSOR_OP_MATH : CUBLAS_DEFAULT_MATH));
  ALCN_CUDNN_CHECK(cudnnCreate(&c->cudnn));
  ALCN_CUDNN_CHECK(cudnnSetStream(c->cudnn, c->stream));
  const size_t cv = cudnnGetVersion();
  char desc[512];
  snprintf(desc, sizeof desc, "cuda: %s, cc %d.%d, %d SMs, cuDNN %zu.%zu%s%s", p.name, p.major, p.minor,
           p.multiProcessorCount, cv / 10000, (cv / 100) % 100, c->tf32 ? ", TF32" : "",
           c->deterministic ? ", deterministic" : "");
  size_t len = strlen(desc);
  if (len >= sizeof be->description) len = sizeof be->description - 1;
  memcpy(be->description, desc, len);
  be->description[len] = '\0';
  return ALCN_OK;
}

alcn_status alcn_backend_cuda_create(alcn_backend **out, int ordinal) {
  if (!out) ALCN_FAIL(ALCN_ERR_ARG, "alcn_backend_cuda_create: out is NULL (hint: a plugin bug)");
  *out = NULL;
  char why[256];
  if (!alcn_cuda_available(why, sizeof why))
    ALCN_FAIL(ALCN_ERR_DEVICE, "CUDA backend unavailable: %s (hint: use --device cpu)", why);
  int n = 0;
  ALCN_CUDA_CHECK(cudaGetDeviceCount(&n));
  if (ordinal < 0 || ordinal >= n)
    ALCN_FAIL(ALCN_ERR_ARG, "CUDA device %d does not exist: this machine has %d GPU(s) (valid: 0..%d)", ordinal, n,
              n - 1);
  alcn_backend *be = (alcn_backend *)calloc(1, sizeof *be);
  ALCN_CHECK_ALLOC(be, sizeof *be);
  cuda_impl *im = (cuda_impl *)calloc(1, sizeof *im);
  if (!im) {
    free(be);
    ALCN_FAIL(ALCN_ERR_NOMEM, "out of host memory for the CUDA backend state");
  }
  be->ops = &cuda_ops;
  be->device = ALCN_DEVICE_CUDA;
  be->name = "cuda";
  be->impl = im;
  alcn_status st = cuda_init(be, im, ordinal);
  if (st != ALCN_OK) {
    alcn_error_trace(__FILE__, __LINE__, "cuda_init");
    cu_destroy(be);
    return st;
  }
  *out = be;
  return ALCN_OK;
}
