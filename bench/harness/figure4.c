/* The Figure-4 file of a cell (<out>/figure4/<cell>.f4): a few normal and
 * anomalous test images with the noise, the corrupted input and the
 * reconstruction, their labels and scores, for the report's image grids.
 * Layout (little-endian): char magic[8] = "ALCNF4v2"; int32 n, c, h, w;
 * int32 flags (bit 0: the noise panels are present); then per image int32
 * label (1 anomalous, 0 normal, -1 unknown), float32 score (NaN unknown) and
 * four float32 planes of c*h*w: input, noise, input+noise, reconstruction. */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "bench.h"

static void put_u32(uint8_t *p, uint32_t v) {
  p[0] = (uint8_t)v;
  p[1] = (uint8_t)(v >> 8);
  p[2] = (uint8_t)(v >> 16);
  p[3] = (uint8_t)(v >> 24);
}

static uint8_t *put_plane(uint8_t *p, const float *x, size_t n) {
  for (size_t i = 0; i < n; ++i) {
    uint32_t u;
    float v = x ? x[i] : 0.0f;
    memcpy(&u, &v, 4);
    put_u32(p, u);
    p += 4;
  }
  return p;
}

alcn_status ab_figure4_write(const char *out, const char *cell_id, int n, int c, int h, int w, const float *input,
                             const float *noise, const float *x_tilde, const float *recon, const int *labels,
                             const float *scores) {
  size_t d = (size_t)c * (size_t)h * (size_t)w;
  size_t len = 8 + 20 + (size_t)n * (8 + 4 * d * 4);
  uint8_t *buf = malloc(len), *p = buf;
  ALCN_CHECK_ALLOC(buf, len);
  memcpy(p, "ALCNF4v2", 8);
  p += 8;
  int32_t dims[5] = {n, c, h, w, noise && x_tilde ? 1 : 0};
  for (int i = 0; i < 5; ++i, p += 4) put_u32(p, (uint32_t)dims[i]);
  for (int i = 0; i < n; ++i) {
    size_t o = (size_t)i * d;
    float sc = scores ? scores[i] : NAN;
    put_u32(p, (uint32_t)(labels ? labels[i] : -1));
    p += 4;
    p = put_plane(p, &sc, 1);
    p = put_plane(p, input + o, d);
    p = put_plane(p, noise ? noise + o : NULL, d);
    p = put_plane(p, x_tilde ? x_tilde + o : NULL, d);
    p = put_plane(p, recon + o, d);
  }
  char rel[400];
  snprintf(rel, sizeof rel, "figure4/%s.f4", cell_id);
  alcn_status s = ab_write_atomic(out, rel, buf, len);
  free(buf);
  return s;
}
