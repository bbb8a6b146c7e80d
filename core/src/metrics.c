/* AUROC, average precision, F1-max and the ROC curve (metrics.h): one sort
 * by descending score, then a sweep over groups of equal scores. */
#include "alcn/metrics.h"

#include <math.h>
#include <stdlib.h>

typedef struct scored {
  float s;
  int y;
} scored;

/* Descending score; equal scores compare equal (order inside a group is irrelevant). */
static int cmp_desc(const void *a, const void *b) {
  float x = ((const scored *)a)->s, y = ((const scored *)b)->s;
  return (x < y) - (x > y);
}

/* Validate the inputs and return them sorted by descending score in *out
 * (malloc'ed, caller frees) with the class counts. */
static alcn_status sort_inputs(const float *scores, const int *labels, size_t n, scored **out,
                               size_t *n_pos, size_t *n_neg) {
  *out = NULL;
  if (!scores || !labels || !n_pos || !n_neg)
    ALCN_FAIL(ALCN_ERR_ARG, "metrics: scores and labels must not be NULL");
  size_t pos = 0, neg = 0;
  for (size_t i = 0; i < n; ++i) {
    if (isnan(scores[i]))
      ALCN_FAIL(ALCN_ERR_NUMERIC, "metrics: score %zu of %zu is NaN "
                "(hint: the model diverged; check the training losses of this cell)", i, n);
    if (labels[i] == 1) ++pos;
    else if (labels[i] == 0) ++neg;
    else
      ALCN_FAIL(ALCN_ERR_ARG, "metrics: label %zu is %d; labels must be 1 (anomalous) or 0 (normal)",
                i, labels[i]);
  }
  if (pos == 0 || neg == 0)
    ALCN_FAIL(ALCN_ERR_ARG, "metrics: the test set of %zu images has no %s images; AUROC/AUPR/F1 "
              "need both classes (hint: check the protocol split)", n, pos == 0 ? "anomalous (label 1)"
              : "normal (label 0)");
  scored *v = malloc(n * sizeof *v);
  ALCN_CHECK_ALLOC(v, n * sizeof *v);
  for (size_t i = 0; i < n; ++i) {
    v[i].s = scores[i];
    v[i].y = labels[i];
  }
  qsort(v, n, sizeof *v, cmp_desc);
  *out = v;
  *n_pos = pos;
  *n_neg = neg;
  return ALCN_OK;
}

/* Visit the groups of equal scores in descending order: callback gets the
 * group's positives/negatives, the cumulative counts after it and its score. */
typedef void (*group_fn)(void *ctx, size_t gpos, size_t gneg, size_t tp, size_t fp, float score);

static void sweep(const scored *v, size_t n, group_fn fn, void *ctx) {
  size_t tp = 0, fp = 0;
  for (size_t i = 0; i < n;) {
    size_t gp = 0, gn = 0, j = i;
    for (; j < n && v[j].s == v[i].s; ++j) {
      if (v[j].y) ++gp;
      else ++gn;
    }
    tp += gp;
    fp += gn;
    fn(ctx, gp, gn, tp, fp, v[i].s);
    i = j;
  }
}

typedef struct acc {
  size_t P, N;
  double auc_area;  /* sum over groups of gneg * (tp_before + gpos/2) */
  double ap;
  double f1;
  float f1_t;
  int have_f1;
} acc;

static void accumulate(void *ctx, size_t gp, size_t gn, size_t tp, size_t fp, float score) {
  acc *a = ctx;
  size_t tp_before = tp - gp;
  a->auc_area += (double)gn * ((double)tp_before + 0.5 * (double)gp);
  if (gp > 0) a->ap += ((double)gp / (double)a->P) * ((double)tp / (double)(tp + fp));
  double f1 = 2.0 * (double)tp / ((double)tp + (double)fp + (double)a->P);
  if (!a->have_f1 || f1 > a->f1) {
    a->f1 = f1;
    a->f1_t = score;
    a->have_f1 = 1;
  }
}

alcn_status alcn_metrics_compute(const float *scores, const int *labels, size_t n, alcn_metrics *out) {
  if (!out) ALCN_FAIL(ALCN_ERR_ARG, "metrics: out must not be NULL");
  scored *v;
  acc a = {0};
  ALCN_CHECK(sort_inputs(scores, labels, n, &v, &a.P, &a.N));
  sweep(v, n, accumulate, &a);
  free(v);
  out->auroc = a.auc_area / ((double)a.P * (double)a.N);
  out->aupr = a.ap;
  out->f1max = a.f1;
  out->f1_threshold = a.f1_t;
  out->n_pos = a.P;
  out->n_neg = a.N;
  return ALCN_OK;
}

alcn_status alcn_auroc(const float *scores, const int *labels, size_t n, double *auroc) {
  alcn_metrics m;
  if (!auroc) ALCN_FAIL(ALCN_ERR_ARG, "metrics: auroc must not be NULL");
  ALCN_CHECK(alcn_metrics_compute(scores, labels, n, &m));
  *auroc = m.auroc;
  return ALCN_OK;
}

alcn_status alcn_average_precision(const float *scores, const int *labels, size_t n, double *ap) {
  alcn_metrics m;
  if (!ap) ALCN_FAIL(ALCN_ERR_ARG, "metrics: ap must not be NULL");
  ALCN_CHECK(alcn_metrics_compute(scores, labels, n, &m));
  *ap = m.aupr;
  return ALCN_OK;
}

alcn_status alcn_f1_max(const float *scores, const int *labels, size_t n, double *f1max, float *threshold) {
  alcn_metrics m;
  if (!f1max) ALCN_FAIL(ALCN_ERR_ARG, "metrics: f1max must not be NULL");
  ALCN_CHECK(alcn_metrics_compute(scores, labels, n, &m));
  *f1max = m.f1max;
  if (threshold) *threshold = m.f1_threshold;
  return ALCN_OK;
}

typedef struct roc_ctx {
  size_t P, N, k;
  double *fpr, *tpr;
  float *thr;
} roc_ctx;

static void roc_point(void *ctx, size_t gp, size_t gn, size_t tp, size_t fp, float score) {
  roc_ctx *r = ctx;
  r->fpr[r->k] = (double)fp / (double)r->N;
  r->tpr[r->k] = (double)tp / (double)r->P;
  if (r->thr) r->thr[r->k] = score;
  r->k++;
}

alcn_status alcn_roc_curve(const float *scores, const int *labels, size_t n, double *fpr, double *tpr,
                           float *threshold, size_t *npoints) {
  if (!fpr || !tpr || !npoints) ALCN_FAIL(ALCN_ERR_ARG, "roc curve: fpr, tpr and npoints must not be NULL");
  scored *v;
  roc_ctx r = {.fpr = fpr, .tpr = tpr, .thr = threshold, .k = 1};
  ALCN_CHECK(sort_inputs(scores, labels, n, &v, &r.P, &r.N));
  fpr[0] = 0.0;
  tpr[0] = 0.0;
  if (threshold) threshold[0] = INFINITY;
  sweep(v, n, roc_point, &r);
  free(v);
  *npoints = r.k;
  return ALCN_OK;
}
