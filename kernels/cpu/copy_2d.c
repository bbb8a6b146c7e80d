/* Strided 2-D copy of floats (alcn_copy_2d, backend.h): the channel
 * concatenation of two NCHW tensors and its backward, the split, e.g. the
 * skip connections of Skip-GANomaly's U-Net. One memcpy per row; rows in
 * parallel when there is enough to copy (each row is written by one thread,
 * so the split does not change results). */
#include <stddef.h>
#include <string.h>

#include "cpu_ops.h"

#define ALCN_COPY2D_PAR_MIN ((size_t)1 << 20) /* floats */

void alcn_cpu_copy_2d(float *dst, size_t dst_ld, const float *src, size_t src_ld, size_t rows, size_t cols) {
  if (rows == 0 || cols == 0) return;
  const ptrdiff_t nr = (ptrdiff_t)rows;
#pragma omp parallel for schedule(static) if (rows > 1 && rows * cols >= ALCN_COPY2D_PAR_MIN)
  for (ptrdiff_t r = 0; r < nr; ++r) memcpy(dst + (size_t)r * dst_ld, src + (size_t)r * src_ld, cols * sizeof(float));
}
