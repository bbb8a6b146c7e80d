/* Shared state and helpers of the CUDA backend: the per-backend context
 * (stream, library handles, grow-only scratch, memory accounting, caches),
 * the checked-call macros for CUDA / cuBLAS / cuDNN / cuFFT (they record
 * "file:line: api error (hint: ...)" through alcn_error_at and return
 * ALCN_ERR_DEVICE; they never exit), and the launch-size helpers. */
#ifndef ALCN_CUDA_COMMON_CUH
#define ALCN_CUDA_COMMON_CUH

#include <cublas_v2.h>
#include <cuda_runtime.h>
#include <cudnn.h>
#include <cufft.h>
#include <math.h>
#include <stddef.h>
#include <stdint.h>

#include "backend_impl.h"
#include "alcn/status.h"

/* ------------------------------------------------------------ error strings */
const char *alcn_cublas_str(cublasStatus_t s);
const char *alcn_cufft_str(cufftResult s);

/* Record a failed CUDA runtime call; out-of-memory becomes ALCN_ERR_NOMEM. */
alcn_status alcn_cuda_fail(const char *file, int line, cudaError_t e, const char *what);

#define ALCN_CUDA_CHECK(call)                                                 \
  do {                                                                        \
    cudaError_t alcn_ce_ = (call);                                            \
    if (alcn_ce_ != cudaSuccess) return alcn_cuda_fail(__FILE__, __LINE__, alcn_ce_, #call); \
  } while (0)

/* After a kernel launch: launch-configuration errors surface here. */
#define ALCN_CUDA_LAUNCH_CHECK(what)                                                        \
  do {                                                                                      \
    cudaError_t alcn_le_ = cudaGetLastError();                                              \
    if (alcn_le_ != cudaSuccess) return alcn_cuda_fail(__FILE__, __LINE__, alcn_le_, "launch of " what); \
  } while (0)

#define ALCN_CUBLAS_CHECK(call)                                                               \
  do {                                                                                        \
    cublasStatus_t alcn_bs_ = (call);                                                         \
    if (alcn_bs_ != CUBLAS_STATUS_SUCCESS)                                                    \
      return alcn_error_at(__FILE__, __LINE__, ALCN_ERR_DEVICE,                               \
                           "cuBLAS call %s failed: %s (hint: check the shapes; rerun with "   \
                           "CUDA_LAUNCH_BLOCKING=1 to locate an earlier asynchronous error)", \
                           #call, alcn_cublas_str(alcn_bs_));                                 \
  } while (0)

#define ALCN_CUDNN_CHECK(call)                                                                \
  do {                                                                                        \
    cudnnStatus_t alcn_ds_ = (call);                                                          \
    if (alcn_ds_ != CUDNN_STATUS_SUCCESS)                                                     \
      return alcn_error_at(__FILE__, __LINE__,                                                \
                           alcn_ds_ == CUDNN_STATUS_ALLOC_FAILED ? ALCN_ERR_NOMEM : ALCN_ERR_DEVICE, \
                           "cuDNN call %s failed: %s (hint: check that libcudnn 9 matches the "     \
                           "headers this was built with and that the shape is supported)",          \
                           #call, cudnnGetErrorString(alcn_ds_));                                   \
  } while (0)

#define ALCN_CUFFT_CHECK(call)                                                              \
  do {                                                                                      \
    cufftResult alcn_fs_ = (call);                                                          \
    if (alcn_fs_ != CUFFT_SUCCESS)                                                          \
      return alcn_error_at(__FILE__, __LINE__,                                              \
                           alcn_fs_ == CUFFT_ALLOC_FAILED ? ALCN_ERR_NOMEM : ALCN_ERR_DEVICE, \
                           "cuFFT call %s failed: %s (hint: lower --batch if out of memory)", \
                           #call, alcn_cufft_str(alcn_fs_));                                \
  } while (0)

/* ------------------------------------------------------------------ context */
/* Grow-only scratch slots (one per concurrent use inside an op). */
enum {
  ALCN_CUDA_WS_CONV = 0, /* cuDNN workspace */
  ALCN_CUDA_WS_RED,      /* reduction partials (doubles) */
  ALCN_CUDA_WS_FFT,      /* complex buffer of the FFL */
  ALCN_CUDA_WS_ONES,     /* vector of ones for bias gradients (GEMV) */
  ALCN_CUDA_WS_STATS,    /* BatchNorm batch statistics when the caller passes none */
  ALCN_CUDA_WS_COUNT
};

typedef struct alcn_cuda_buf { void *p; size_t bytes; } alcn_cuda_buf;
typedef struct alcn_cuda_alloc_rec { void *p; size_t bytes; } alcn_cuda_alloc_rec;

struct alcn_cuda_conv_cache; /* conv.cu */
struct alcn_cuda_fft_cache;  /* ffl.cu */

typedef struct alcn_cuda_ctx {
  int ordinal;
  int num_sms;
  int tf32;          /* ALCN_CUDA_TF32=1: TF32 tensor cores in cuBLAS and cuDNN */
  int deterministic; /* ALCN_CUDA_DETERMINISTIC=1: only deterministic cuDNN algorithms */
  int heuristic;     /* ALCN_CUDNN_HEURISTIC=1: cudnnGet*_v7 instead of cudnnFind* */
  cudaStream_t stream;
  cublasHandle_t cublas;
  cudnnHandle_t cudnn;
  alcn_cuda_buf ws[ALCN_CUDA_WS_COUNT];
  alcn_cuda_alloc_rec *allocs; /* live allocations made through alloc() */
  size_t n_allocs, cap_allocs;
  size_t cur_bytes, peak_bytes;
  struct alcn_cuda_conv_cache *conv;
  struct alcn_cuda_fft_cache *fft;
} alcn_cuda_ctx;

static inline alcn_cuda_ctx *alcn_cuda_ctx_of(alcn_backend *be) { return (alcn_cuda_ctx *)be->impl; }

/* Account bytes allocated (+) or released (-) by the backend and its caches. */
void alcn_cuda_account(alcn_cuda_ctx *c, size_t bytes, int add);

/* A scratch slot of at least `bytes`; grows (synchronising the stream first)
 * only when a larger size is asked for, so steady state never allocates. */
alcn_status alcn_cuda_scratch(alcn_cuda_ctx *c, int slot, size_t bytes, void **out);

/* Release every scratch slot (destroy). */
void alcn_cuda_scratch_free(alcn_cuda_ctx *c);

/* ------------------------------------------------------------------ launches */
#define ALCN_CUDA_THREADS 256

/* Blocks for a grid-stride loop over n items: enough to fill the device, capped. */
static inline unsigned alcn_cuda_blocks(size_t n, int threads) {
  size_t b = (n + (size_t)threads - 1) / (size_t)threads;
  if (b > 65535u * 8u) b = 65535u * 8u;
  return b == 0 ? 1u : (unsigned)b;
}

/* Fixed number of partial sums of the deterministic two-pass reductions: a
 * constant (not the SM count), so results are identical on every GPU. */
#define ALCN_CUDA_RED_BLOCKS 1024

/* Block-wide sum of a double (blockDim.x a multiple of 32, <= 1024); every
 * thread gets the result. Fixed order: deterministic. */
__device__ __forceinline__ double alcn_block_sum(double v) {
  __shared__ double sh[32];
  for (int o = 16; o > 0; o >>= 1) v += __shfl_down_sync(0xffffffffu, v, o);
  const int lane = threadIdx.x & 31, warp = threadIdx.x >> 5;
  __syncthreads(); /* sh may still be read by a previous call */
  if (lane == 0) sh[warp] = v;
  __syncthreads();
  const int nw = (blockDim.x + 31) >> 5;
  v = (threadIdx.x < (unsigned)nw) ? sh[threadIdx.x] : 0.0;
  if (warp == 0)
    for (int o = 16; o > 0; o >>= 1) v += __shfl_down_sync(0xffffffffu, v, o);
  __syncthreads();
  if (threadIdx.x == 0) sh[0] = v;
  __syncthreads();
  return sh[0];
}

/* Block-wide max of a float; every thread gets the result. NaN inputs are
 * ignored (fmaxf), as the max of a plane with a NaN is only used to scale. */
__device__ __forceinline__ float alcn_block_max(float v) {
  __shared__ float shm[32];
  for (int o = 16; o > 0; o >>= 1) v = fmaxf(v, __shfl_down_sync(0xffffffffu, v, o));
  const int lane = threadIdx.x & 31, warp = threadIdx.x >> 5;
  __syncthreads();
  if (lane == 0) shm[warp] = v;
  __syncthreads();
  const int nw = (blockDim.x + 31) >> 5;
  v = (threadIdx.x < (unsigned)nw) ? shm[threadIdx.x] : -INFINITY;
  if (warp == 0)
    for (int o = 16; o > 0; o >>= 1) v = fmaxf(v, __shfl_down_sync(0xffffffffu, v, o));
  __syncthreads();
  if (threadIdx.x == 0) shm[0] = v;
  __syncthreads();
  return shm[0];
}

/* out[0] = scale * sum(partials[0..n)) in a fixed order (one block). */
alcn_status alcn_cuda_finish_sum(cudaStream_t s, float *out, const double *partials, int n, double scale);

#endif
