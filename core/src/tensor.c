/* Host-side tensor helpers (tensor.h). Device memory is managed by backends. */
#include "alcn/tensor.h"

#include <stdio.h>
#include <stdlib.h>

alcn_tensor alcn_tensor_view(float *data, alcn_device dev, int n, int c, int h, int w) {
  alcn_tensor t = {data, 4, {n, c, h, w}, dev, 0};
  return t;
}

alcn_status alcn_tensor_alloc(alcn_tensor *t, int n, int c, int h, int w) {
  if (n <= 0 || c <= 0 || h <= 0 || w <= 0)
    ALCN_FAIL(ALCN_ERR_ARG, "tensor shape %dx%dx%dx%d has a non-positive dimension", n, c, h, w);
  size_t count = (size_t)n * (size_t)c * (size_t)h * (size_t)w;
  float *p = calloc(count, sizeof(float));
  ALCN_CHECK_ALLOC(p, count * sizeof(float));
  *t = alcn_tensor_view(p, ALCN_DEVICE_CPU, n, c, h, w);
  t->owned = 1;
  return ALCN_OK;
}

void alcn_tensor_free(alcn_tensor *t) {
  if (t->owned && t->device == ALCN_DEVICE_CPU) free(t->data);
  t->data = NULL;
  t->owned = 0;
}

size_t alcn_tensor_numel(const alcn_tensor *t) {
  size_t n = 1;
  for (int i = 0; i < t->ndim; ++i) n *= (size_t)t->shape[i];
  return n;
}

size_t alcn_tensor_sample_numel(const alcn_tensor *t) {
  return t->shape[0] > 0 ? alcn_tensor_numel(t) / (size_t)t->shape[0] : 0;
}

const char *alcn_tensor_shape_str(const alcn_tensor *t, char *buf, size_t cap) {
  size_t used = 0;
  buf[0] = '\0';
  for (int i = 0; i < t->ndim && used < cap; ++i)
    used += (size_t)snprintf(buf + used, cap - used, i ? "x%d" : "%d", t->shape[i]);
  return buf;
}
