/* Normalisation of uint8 images into float batches: [0,1], or per-channel
 * mean/std computed on the training indices (zero mean, unit variance). */
#ifndef ALCN_NORMALIZE_H
#define ALCN_NORMALIZE_H

#include <stdint.h>

#include "alcn/dataset.h"
#include "alcn/status.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum alcn_norm_kind {
  ALCN_NORM_UNIT = 0,    /* x = v / 255 */
  ALCN_NORM_MEANSTD = 1  /* x = (v / 255 - mean[c]) / std[c] */
} alcn_norm_kind;

#define ALCN_NORM_MAX_C 4

typedef struct alcn_norm {
  alcn_norm_kind kind;
  int c;
  float mean[ALCN_NORM_MAX_C]; /* on the [0,1] scale */
  float std[ALCN_NORM_MAX_C];  /* > 0 (a constant channel gets std 1) */
} alcn_norm;

/* "unit" or "meanstd" (also "zscore") -> kind; ALCN_ERR_NOT_FOUND otherwise. */
alcn_status alcn_norm_parse(alcn_norm_kind *kind, const char *name);

/* Fit on ds images idx[0..n) (the training indices of a manifest). For
 * ALCN_NORM_UNIT the statistics are mean 0, std 1. */
alcn_status alcn_norm_fit(alcn_norm *nm, alcn_norm_kind kind, const alcn_dataset *ds,
                          const int32_t *idx, int n);

/* out (n x c x h x w floats) <- normalised images ds[idx[0..n)]. */
alcn_status alcn_norm_fill(const alcn_norm *nm, const alcn_dataset *ds, const int32_t *idx, int n,
                           float *out);

/* Inverse for display: v = clamp(round(255 (x std + mean)), 0, 255); n*c*h*w values. */
void alcn_norm_to_u8(const alcn_norm *nm, const float *x, int n, int c, int h, int w, uint8_t *out);

#ifdef __cplusplus
}
#endif
#endif
