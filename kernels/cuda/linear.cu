/* cuBLAS calls of the Linear layer (linear.cuh).
 * Row-major A (r x k) is column-major A^T (k x r, ld k), hence:
 *   out^T (O x N)  = w^T-as-stored (I x O)^T . in^T (I x N)      -> gemm(T, N, O, N, I)
 *   din^T (I x N)  = w-as-stored (I x O) . dout^T (O x N)         -> gemm(N, N, I, N, O)
 *   dw^T  (I x O) += in^T (I x N) . (dout^T (O x N))^T           -> gemm(N, T, I, O, N), beta 1
 *   db    (O)    += dout^T (O x N) . ones (N)                    -> gemv(N), beta 1 */
#include "elementwise.cuh"
#include "linear.cuh"

static alcn_status check_dims(int N, int I, int O) {
  if (N <= 0 || I <= 0 || O <= 0) ALCN_FAIL(ALCN_ERR_ARG, "Linear N=%d I=%d O=%d: sizes must be positive", N, I, O);
  return ALCN_OK;
}

__global__ void alcn_fill_kernel(float *p, size_t n, float v) {
  for (size_t i = blockIdx.x * (size_t)blockDim.x + threadIdx.x; i < n; i += (size_t)gridDim.x * blockDim.x) p[i] = v;
}

alcn_status alcn_cuda_linear_forward(alcn_cuda_ctx *c, float *out, const float *in, const float *w, const float *b,
                                     int N, int I, int O) {
  ALCN_CHECK(check_dims(N, I, O));
  const float one = 1.0f, zero = 0.0f;
  ALCN_CUBLAS_CHECK(cublasSgemm(c->cublas, CUBLAS_OP_T, CUBLAS_OP_N, O, N, I, &one, w, I, in, I, &zero, out, O));
  if (b) ALCN_CHECK(alcn_cuda_add_bias(c->stream, out, b, N, O, 1));
  return ALCN_OK;
}

alcn_status alcn_cuda_linear_backward(alcn_cuda_ctx *c, float *din, float *dw, float *db, const float *dout,
                                      const float *in, const float *w, int N, int I, int O) {
  ALCN_CHECK(check_dims(N, I, O));
  const float one = 1.0f, zero = 0.0f;
  if (din) ALCN_CUBLAS_CHECK(cublasSgemm(c->cublas, CUBLAS_OP_N, CUBLAS_OP_N, I, N, O, &one, w, I, dout, O, &zero,
                                         din, I));
  if (dw) ALCN_CUBLAS_CHECK(cublasSgemm(c->cublas, CUBLAS_OP_N, CUBLAS_OP_T, I, O, N, &one, in, I, dout, O, &one,
                                        dw, I));
  if (db) {
    const size_t bytes = (size_t)N * sizeof(float);
    const int fresh = c->ws[ALCN_CUDA_WS_ONES].bytes < bytes;
    void *ones = NULL;
    ALCN_CHECK(alcn_cuda_scratch(c, ALCN_CUDA_WS_ONES, bytes, &ones));
    if (fresh) { /* (re)allocated: fill all of it once */
      const size_t n = c->ws[ALCN_CUDA_WS_ONES].bytes / sizeof(float);
      alcn_fill_kernel<<<alcn_cuda_blocks(n, ALCN_CUDA_THREADS), ALCN_CUDA_THREADS, 0, c->stream>>>((float *)ones,
                                                                                                    n, 1.0f);
      ALCN_CUDA_LAUNCH_CHECK("alcn_fill_kernel");
    }
    ALCN_CUBLAS_CHECK(cublasSgemv(c->cublas, CUBLAS_OP_N, O, N, &one, dout, O, (const float *)ones, 1, &one, db, 1));
  }
  return ALCN_OK;
}
