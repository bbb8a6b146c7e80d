/* float32 tensors: NCHW, up to 4-D, owned or borrowed memory, a device tag.
 * A tensor is a small value type; the memory it points to is either owned
 * (freed by alcn_tensor_free through the allocator that made it) or borrowed. */
#ifndef ALCN_TENSOR_H
#define ALCN_TENSOR_H

#include "alcn/export.h"

#include <stddef.h>
#include <stdint.h>

#include "alcn/status.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum alcn_device { ALCN_DEVICE_CPU = 0, ALCN_DEVICE_CUDA = 1 } alcn_device;

typedef struct alcn_tensor {
  float *data;
  int ndim;          /* 1..4 */
  int shape[4];      /* shape[0] = N; unused dims are 1 */
  alcn_device device;
  int owned;         /* 1: alcn_tensor_free releases data (host tensors only) */
} alcn_tensor;

/* Borrow host or device memory as an N,C,H,W tensor (no copy, not owned). */
ALCN_API alcn_tensor alcn_tensor_view(float *data, alcn_device dev, int n, int c, int h, int w);
/* Allocate an owned, zeroed host tensor; *t is valid only on ALCN_OK. */
ALCN_API alcn_status alcn_tensor_alloc(alcn_tensor *t, int n, int c, int h, int w);
ALCN_API void alcn_tensor_free(alcn_tensor *t);
/* Number of elements and of elements per sample (C*H*W). */
ALCN_API size_t alcn_tensor_numel(const alcn_tensor *t);
ALCN_API size_t alcn_tensor_sample_numel(const alcn_tensor *t);
/* "4x1x28x28" into buf; returns buf. */
ALCN_API const char *alcn_tensor_shape_str(const alcn_tensor *t, char *buf, size_t cap);

#ifdef __cplusplus
}
#endif
#endif
