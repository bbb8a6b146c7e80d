/* Pixel-level anomaly detection metrics for data sets with ground-truth masks
 * (MVTec AD layout): Gaussian smoothing of per-pixel anomaly maps, pixel
 * AUROC over every pixel of every test image, and AUPRO (Bergmann et al.,
 * "The MVTec Anomaly Detection Dataset", IJCV 2021): the per-region overlap
 * (PRO) against the false positive rate on normal pixels, integrated from
 * FPR 0 to a limit (0.3 by convention) and divided by that limit.
 *
 * Conventions:
 *   maps[n*h*w]   float, higher = more anomalous; NaN is refused (ALCN_ERR_NUMERIC).
 *   masks[n*h*w]  uint8, nonzero = anomalous pixel (images without a defect are all 0).
 *   Regions are the 8-connected components of each image's mask (as
 *   scipy.ndimage.label with a 3x3 structure, the MVTec evaluation code).
 *   Thresholds are the distinct map values ("anomalous if value >= t"); equal
 *   values are never split. One sort of all pixels: O(P log P) time, 16 bytes
 *   of scratch per pixel, freed before returning. */
#ifndef ALCN_PIXEL_METRICS_H
#define ALCN_PIXEL_METRICS_H

#include <stddef.h>
#include <stdint.h>

#include "alcn/status.h"

#ifdef __cplusplus
extern "C" {
#endif

/* The usual AUPRO integration limit and map smoothing. */
#define ALCN_AUPRO_FPR_LIMIT 0.3
#define ALCN_PIXEL_SIGMA_DEFAULT 4.0

typedef struct alcn_pixel_metrics {
  double pixel_auroc; /* P(value_anomalous_pixel > value_normal_pixel) + 0.5 P(equal) */
  double aupro;       /* integral of PRO over FPR in [0, limit], divided by limit; in [0, 1] */
  size_t n_pixels, n_anomalous;
  size_t n_regions;   /* connected ground-truth regions over all images */
} alcn_pixel_metrics;

/* Both metrics from one sort. fpr_limit in (0, 1]. Needs at least one
 * anomalous and one normal pixel (else ALCN_ERR_ARG naming the missing kind). */
alcn_status alcn_pixel_metrics_compute(const float *maps, const uint8_t *masks, int n, int h, int w,
                                       double fpr_limit, alcn_pixel_metrics *out);

/* Smooth each of the n h x w maps in place with a separable Gaussian of
 * standard deviation sigma (kernel truncated at 4 sigma, normalised to sum 1;
 * borders reflected, as scipy.ndimage.gaussian_filter's default). sigma <= 0:
 * no change. */
alcn_status alcn_gaussian_blur_maps(float *maps, int n, int h, int w, double sigma);

#ifdef __cplusplus
}
#endif
#endif
