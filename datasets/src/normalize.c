/* Normalisation of uint8 data set images into float batches: [0,1] or
 * per-channel mean/std fitted on the training indices. */
#include "alcn/normalize.h"

#include <math.h>
#include <string.h>

alcn_status alcn_norm_parse(alcn_norm_kind *kind, const char *name) {
  if (name && (strcmp(name, "unit") == 0 || strcmp(name, "01") == 0)) {
    *kind = ALCN_NORM_UNIT;
    return ALCN_OK;
  }
  if (name && (strcmp(name, "meanstd") == 0 || strcmp(name, "zscore") == 0)) {
    *kind = ALCN_NORM_MEANSTD;
    return ALCN_OK;
  }
  ALCN_FAIL(ALCN_ERR_NOT_FOUND, "unknown normalisation '%s' (hint: unit or meanstd)", name ? name : "(null)");
}

static alcn_status check_idx(const alcn_dataset *ds, const int32_t *idx, int n) {
  for (int i = 0; i < n; ++i)
    if (idx[i] < 0 || idx[i] >= ds->n)
      ALCN_FAIL(ALCN_ERR_ARG, "image index %d out of range 0..%d (hint: the manifest belongs to another data set)",
                idx[i], ds->n - 1);
  return ALCN_OK;
}

alcn_status alcn_norm_fit(alcn_norm *nm, alcn_norm_kind kind, const alcn_dataset *ds, const int32_t *idx, int n) {
  memset(nm, 0, sizeof *nm);
  nm->kind = kind;
  nm->c = ds->c;
  if (ds->c < 1 || ds->c > ALCN_NORM_MAX_C) ALCN_FAIL(ALCN_ERR_ARG, "normalisation: %d channels (max %d)", ds->c, ALCN_NORM_MAX_C);
  for (int c = 0; c < ALCN_NORM_MAX_C; ++c) nm->std[c] = 1.f;
  if (kind == ALCN_NORM_UNIT) return ALCN_OK;
  if (kind != ALCN_NORM_MEANSTD) ALCN_FAIL(ALCN_ERR_ARG, "normalisation kind %d unknown", (int)kind);
  if (n <= 0) ALCN_FAIL(ALCN_ERR_ARG, "normalisation: no training images to fit mean/std on");
  ALCN_CHECK(check_idx(ds, idx, n));
  size_t hw = (size_t)ds->h * ds->w;
  for (int c = 0; c < ds->c; ++c) {
    /* Histogram per channel: exact sums in integers. */
    uint64_t hist[256] = {0};
    for (int i = 0; i < n; ++i) {
      const uint8_t *p = ds->images + ((size_t)idx[i] * ds->c + c) * hw;
      for (size_t j = 0; j < hw; ++j) hist[p[j]]++;
    }
    double cnt = 0, s = 0, s2 = 0;
    for (int v = 0; v < 256; ++v) {
      double x = v / 255.0;
      cnt += (double)hist[v];
      s += (double)hist[v] * x;
      s2 += (double)hist[v] * x * x;
    }
    double mean = s / cnt, var = s2 / cnt - mean * mean;
    double sd = var > 1e-12 ? sqrt(var) : 1.0;
    nm->mean[c] = (float)mean;
    nm->std[c] = (float)sd;
  }
  return ALCN_OK;
}

alcn_status alcn_norm_fill(const alcn_norm *nm, const alcn_dataset *ds, const int32_t *idx, int n, float *out) {
  if (nm->c != ds->c) ALCN_FAIL(ALCN_ERR_ARG, "normalisation fitted on %d channels, data set has %d", nm->c, ds->c);
  ALCN_CHECK(check_idx(ds, idx, n));
  size_t hw = (size_t)ds->h * ds->w;
  for (int c = 0; c < ds->c; ++c) {
    float lut[256];
    for (int v = 0; v < 256; ++v) lut[v] = ((float)v / 255.f - nm->mean[c]) / nm->std[c];
    for (int i = 0; i < n; ++i) {
      const uint8_t *p = ds->images + ((size_t)idx[i] * ds->c + c) * hw;
      float *o = out + ((size_t)i * ds->c + c) * hw;
      for (size_t j = 0; j < hw; ++j) o[j] = lut[p[j]];
    }
  }
  return ALCN_OK;
}

void alcn_norm_to_u8(const alcn_norm *nm, const float *x, int n, int c, int h, int w, uint8_t *out) {
  size_t hw = (size_t)h * w;
  for (int i = 0; i < n; ++i)
    for (int k = 0; k < c; ++k) {
      float m = k < ALCN_NORM_MAX_C ? nm->mean[k] : 0.f, s = k < ALCN_NORM_MAX_C ? nm->std[k] : 1.f;
      const float *p = x + ((size_t)i * c + k) * hw;
      uint8_t *o = out + ((size_t)i * c + k) * hw;
      for (size_t j = 0; j < hw; ++j) {
        float v = 255.f * (p[j] * s + m);
        o[j] = !(v > 0.f) ? 0 : v >= 255.f ? 255 : (uint8_t)lrintf(v);
      }
    }
}
