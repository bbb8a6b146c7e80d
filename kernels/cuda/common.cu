/* Helpers shared by the CUDA backend's op families: error strings of the
 * CUDA libraries, the error recorder behind the check macros, memory
 * accounting, grow-only scratch and the last pass of the reductions. */
#include "common.cuh"

const char *alcn_cublas_str(cublasStatus_t s) {
  switch (s) {
    case CUBLAS_STATUS_SUCCESS: return "CUBLAS_STATUS_SUCCESS";
    case CUBLAS_STATUS_NOT_INITIALIZED: return "CUBLAS_STATUS_NOT_INITIALIZED";
    case CUBLAS_STATUS_ALLOC_FAILED: return "CUBLAS_STATUS_ALLOC_FAILED";
    case CUBLAS_STATUS_INVALID_VALUE: return "CUBLAS_STATUS_INVALID_VALUE";
    case CUBLAS_STATUS_ARCH_MISMATCH: return "CUBLAS_STATUS_ARCH_MISMATCH";
    case CUBLAS_STATUS_MAPPING_ERROR: return "CUBLAS_STATUS_MAPPING_ERROR";
    case CUBLAS_STATUS_EXECUTION_FAILED: return "CUBLAS_STATUS_EXECUTION_FAILED";
    case CUBLAS_STATUS_INTERNAL_ERROR: return "CUBLAS_STATUS_INTERNAL_ERROR";
    case CUBLAS_STATUS_NOT_SUPPORTED: return "CUBLAS_STATUS_NOT_SUPPORTED";
    case CUBLAS_STATUS_LICENSE_ERROR: return "CUBLAS_STATUS_LICENSE_ERROR";
  }
  return "unknown cuBLAS status";
}

const char *alcn_cufft_str(cufftResult s) {
  switch (s) {
    case CUFFT_SUCCESS: return "CUFFT_SUCCESS";
    case CUFFT_INVALID_PLAN: return "CUFFT_INVALID_PLAN";
    case CUFFT_ALLOC_FAILED: return "CUFFT_ALLOC_FAILED";
    case CUFFT_INVALID_TYPE: return "CUFFT_INVALID_TYPE";
    case CUFFT_INVALID_VALUE: return "CUFFT_INVALID_VALUE";
    case CUFFT_INTERNAL_ERROR: return "CUFFT_INTERNAL_ERROR";
    case CUFFT_EXEC_FAILED: return "CUFFT_EXEC_FAILED";
    case CUFFT_SETUP_FAILED: return "CUFFT_SETUP_FAILED";
    case CUFFT_INVALID_SIZE: return "CUFFT_INVALID_SIZE";
    default: break;
  }
  return "cuFFT error";
}

alcn_status alcn_cuda_fail(const char *file, int line, cudaError_t e, const char *what) {
  const char *hint = "rerun with CUDA_LAUNCH_BLOCKING=1 to locate an earlier asynchronous error";
  alcn_status code = ALCN_ERR_DEVICE;
  if (e == cudaErrorMemoryAllocation) {
    hint = "out of GPU memory: lower --batch or free other processes on this GPU (nvidia-smi)";
    code = ALCN_ERR_NOMEM;
  } else if (e == cudaErrorNoDevice || e == cudaErrorInsufficientDriver) {
    hint = "no usable NVIDIA driver/GPU: use --device cpu";
  } else if (e == cudaErrorNoKernelImageForDevice) {
    hint = "this build has no kernels for this GPU: reconfigure with -DALCN_CUDA_ARCHITECTURES=<cc>";
  }
  return alcn_error_at(file, line, code, "CUDA call %s failed: %s (%s) (hint: %s)", what, cudaGetErrorName(e),
                       cudaGetErrorString(e), hint);
}

void alcn_cuda_account(alcn_cuda_ctx *c, size_t bytes, int add) {
  if (add) {
    c->cur_bytes += bytes;
    if (c->cur_bytes > c->peak_bytes) c->peak_bytes = c->cur_bytes;
  } else {
    c->cur_bytes = c->cur_bytes >= bytes ? c->cur_bytes - bytes : 0;
  }
}

alcn_status alcn_cuda_scratch(alcn_cuda_ctx *c, int slot, size_t bytes, void **out) {
  alcn_cuda_buf *b = &c->ws[slot];
  if (bytes == 0) bytes = 256;
  if (b->bytes < bytes) {
    /* Grow by at least 1/4 so that a slowly growing size reallocates rarely. */
    size_t want = bytes + bytes / 4;
    if (b->p) {
      ALCN_CUDA_CHECK(cudaStreamSynchronize(c->stream)); /* earlier ops may still read it */
      ALCN_CUDA_CHECK(cudaFree(b->p));
      alcn_cuda_account(c, b->bytes, 0);
      b->p = NULL;
      b->bytes = 0;
    }
    cudaError_t e = cudaMalloc(&b->p, want);
    if (e != cudaSuccess) {
      b->p = NULL;
      return alcn_cuda_fail(__FILE__, __LINE__, e, "cudaMalloc of backend scratch");
    }
    b->bytes = want;
    alcn_cuda_account(c, want, 1);
  }
  *out = b->p;
  return ALCN_OK;
}

void alcn_cuda_scratch_free(alcn_cuda_ctx *c) {
  for (int i = 0; i < ALCN_CUDA_WS_COUNT; ++i) {
    if (c->ws[i].p) cudaFree(c->ws[i].p);
    alcn_cuda_account(c, c->ws[i].bytes, 0);
    c->ws[i].p = NULL;
    c->ws[i].bytes = 0;
  }
}

/* One block of 1024 threads: strided partial sums, then a fixed-order tree. */
__global__ void alcn_finish_sum_kernel(float *out, const double *partials, int n, double scale) {
  double v = 0.0;
  for (int i = threadIdx.x; i < n; i += blockDim.x) v += partials[i];
  v = alcn_block_sum(v);
  if (threadIdx.x == 0) out[0] = (float)(v * scale);
}

alcn_status alcn_cuda_finish_sum(cudaStream_t s, float *out, const double *partials, int n, double scale) {
  alcn_finish_sum_kernel<<<1, 1024, 0, s>>>(out, partials, n, scale);
  ALCN_CUDA_LAUNCH_CHECK("alcn_finish_sum_kernel");
  return ALCN_OK;
}
