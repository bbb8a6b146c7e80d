/* Strided 2-D copy of floats on the GPU (as kernels/cpu/copy_2d.c): the
 * channel concatenation of NCHW tensors and its split (alcn_copy_2d). */
#ifndef ALCN_CUDA_COPY_2D_CUH
#define ALCN_CUDA_COPY_2D_CUH

#include "common.cuh"

/* dst[r*dst_ld + j] = src[r*src_ld + j], r < rows, j < cols; enqueued on s. */
alcn_status alcn_cuda_copy_2d(cudaStream_t s, float *dst, size_t dst_ld, const float *src, size_t src_ld, size_t rows,
                              size_t cols);

#endif
