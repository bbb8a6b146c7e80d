/* Image-level anomaly detection metrics from scores and binary labels:
 * exact AUROC (ties count 1/2), average precision (scikit-learn's step-wise
 * definition), the best F1 over all thresholds, and the ROC curve for plots.
 *
 * Conventions for every function here:
 *   scores[n]  float, higher = more anomalous; NaN is rejected (ALCN_ERR_NUMERIC),
 *              +-Inf are ordered normally.
 *   labels[n]  int, 1 = anomalous (positive), 0 = normal; other values -> ALCN_ERR_ARG.
 *   Both classes must be present (else ALCN_ERR_ARG naming the missing one).
 * Thresholds are the distinct score values: "anomalous if score >= t". Equal
 * scores form one group and are never split (ties grouped). All run in
 * O(n log n) (one sort) and allocate O(n) scratch, freed before returning. */
#ifndef ALCN_METRICS_H
#define ALCN_METRICS_H

#include <stddef.h>

#include "alcn/status.h"

#ifdef __cplusplus
extern "C" {
#endif

/* All three scalar metrics from one sort. */
typedef struct alcn_metrics {
  double auroc;         /* P(score_pos > score_neg) + 0.5 P(equal) */
  double aupr;          /* average precision: sum_k (R_k - R_{k-1}) P_k */
  double f1max;         /* max_k 2 P_k R_k / (P_k + R_k) */
  float f1_threshold;   /* the threshold t attaining f1max (first, i.e. highest, on ties) */
  size_t n_pos, n_neg;
} alcn_metrics;

alcn_status alcn_metrics_compute(const float *scores, const int *labels, size_t n, alcn_metrics *out);

/* Single metrics (each does its own sort; use alcn_metrics_compute for several). */
alcn_status alcn_auroc(const float *scores, const int *labels, size_t n, double *auroc);
alcn_status alcn_average_precision(const float *scores, const int *labels, size_t n, double *ap);
alcn_status alcn_f1_max(const float *scores, const int *labels, size_t n, double *f1max,
                        float *threshold /* optional, may be NULL */);

/* ROC curve with ties grouped: points (fpr[k], tpr[k]), k < *npoints, starting
 * at (0,0) and ending at (1,1), one point per distinct score (thresholds
 * descending). threshold[k] is the score at which point k is reached
 * (threshold[0] = +Inf). Caller-owned arrays of capacity >= n + 1;
 * threshold may be NULL. */
alcn_status alcn_roc_curve(const float *scores, const int *labels, size_t n, double *fpr, double *tpr,
                           float *threshold, size_t *npoints);

#ifdef __cplusplus
}
#endif
#endif
