/* Suite "metrics": AUROC, average precision, F1-max and the ROC curve on
 * hand-computed cases (ties, perfect and inverted rankings), against O(n^2)
 * and brute-force references on random data with many ties, and the errors. */
#include <check.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "alcn/metrics.h"
#include "test_util.h"

/* --- references ---------------------------------------------------------------- */

/* Pairwise: fraction of (pos, neg) pairs ranked right, ties 1/2. */
static double ref_auroc(const float *s, const int *y, size_t n) {
  double num = 0, pairs = 0;
  for (size_t i = 0; i < n; ++i) {
    if (!y[i]) continue;
    for (size_t j = 0; j < n; ++j) {
      if (y[j]) continue;
      pairs += 1;
      num += s[i] > s[j] ? 1.0 : (s[i] == s[j] ? 0.5 : 0.0);
    }
  }
  return num / pairs;
}

/* Brute force over every distinct threshold t (predict 1 if s >= t), in
 * descending order: AP = sum (R_k - R_{k-1}) P_k, F1 = max 2PR/(P+R). */
static void ref_ap_f1(const float *s, const int *y, size_t n, double *ap, double *f1) {
  float *t = malloc(n * sizeof *t);
  memcpy(t, s, n * sizeof *t);
  /* Selection of distinct values, descending (n is small). */
  size_t npos = 0;
  for (size_t i = 0; i < n; ++i) npos += (size_t)y[i];
  double prev_r = 0, a = 0, best = 0;
  float last = INFINITY;
  for (;;) {
    float cur = -INFINITY;
    int found = 0;
    for (size_t i = 0; i < n; ++i)
      if (t[i] < last && (!found || t[i] > cur)) {
        cur = t[i];
        found = 1;
      }
    if (!found) break;
    size_t tp = 0, fp = 0;
    for (size_t i = 0; i < n; ++i)
      if (s[i] >= cur) {
        if (y[i]) ++tp;
        else ++fp;
      }
    double p = (double)tp / (double)(tp + fp), r = (double)tp / (double)npos;
    a += (r - prev_r) * p;
    prev_r = r;
    if (p + r > 0 && 2 * p * r / (p + r) > best) best = 2 * p * r / (p + r);
    last = cur;
  }
  free(t);
  *ap = a;
  *f1 = best;
}

/* --- hand-computed cases --------------------------------------------------------- */

START_TEST(test_perfect_ranking) {
  const float s[] = {0.1f, 0.2f, 0.8f, 0.9f};
  const int y[] = {0, 0, 1, 1};
  alcn_metrics m;
  ck_assert_int_eq(alcn_metrics_compute(s, y, 4, &m), ALCN_OK);
  ck_assert_double_eq_tol(m.auroc, 1.0, 1e-12);
  ck_assert_double_eq_tol(m.aupr, 1.0, 1e-12);
  ck_assert_double_eq_tol(m.f1max, 1.0, 1e-12);
  ck_assert_float_eq(m.f1_threshold, 0.8f);
  ck_assert_uint_eq(m.n_pos, 2);
  ck_assert_uint_eq(m.n_neg, 2);
}
END_TEST

START_TEST(test_inverted_ranking) {
  /* Sorted: 0.9(0) 0.8(0) 0.2(1) 0.1(1). AP = 1/2*1/3 + 1/2*2/4 = 5/12.
   * F1 at t=0.2: 2/(1+2+2) = 0.4; at t=0.1: 4/(2+2+2) = 2/3. */
  const float s[] = {0.1f, 0.2f, 0.8f, 0.9f};
  const int y[] = {1, 1, 0, 0};
  double auc, ap, f1;
  float thr;
  ck_assert_int_eq(alcn_auroc(s, y, 4, &auc), ALCN_OK);
  ck_assert_int_eq(alcn_average_precision(s, y, 4, &ap), ALCN_OK);
  ck_assert_int_eq(alcn_f1_max(s, y, 4, &f1, &thr), ALCN_OK);
  ck_assert_double_eq_tol(auc, 0.0, 1e-12);
  ck_assert_double_eq_tol(ap, 5.0 / 12.0, 1e-12);
  ck_assert_double_eq_tol(f1, 2.0 / 3.0, 1e-12);
  ck_assert_float_eq(thr, 0.1f);
}
END_TEST

START_TEST(test_all_tied) {
  /* One group: AUROC 1/2, AP = precision at the only threshold = 1/2, F1 = 2*2/(2+2+2). */
  const float s[] = {0.5f, 0.5f, 0.5f, 0.5f};
  const int y[] = {0, 1, 0, 1};
  alcn_metrics m;
  ck_assert_int_eq(alcn_metrics_compute(s, y, 4, &m), ALCN_OK);
  ck_assert_double_eq_tol(m.auroc, 0.5, 1e-12);
  ck_assert_double_eq_tol(m.aupr, 0.5, 1e-12);
  ck_assert_double_eq_tol(m.f1max, 2.0 / 3.0, 1e-12);
}
END_TEST

START_TEST(test_mixed_ties) {
  /* pos {0.4, 0.8, 0.9}, neg {0.1, 0.4, 0.8}: wins 1.5 + 2.5 + 3 = 7 of 9.
   * Groups 0.9 (1+,0-), 0.8 (1+,1-), 0.4 (1+,1-), 0.1 (0+,1-):
   * AP = 1/3*1 + 1/3*2/3 + 1/3*3/5 = 34/45; F1 = 0.5, 2/3, 3/4, 2/3 -> 3/4 at 0.4. */
  const float s[] = {0.1f, 0.4f, 0.4f, 0.8f, 0.8f, 0.9f};
  const int y[] = {0, 0, 1, 0, 1, 1};
  alcn_metrics m;
  ck_assert_int_eq(alcn_metrics_compute(s, y, 6, &m), ALCN_OK);
  ck_assert_double_eq_tol(m.auroc, 7.0 / 9.0, 1e-12);
  ck_assert_double_eq_tol(m.aupr, 34.0 / 45.0, 1e-12);
  ck_assert_double_eq_tol(m.f1max, 0.75, 1e-12);
  ck_assert_float_eq(m.f1_threshold, 0.4f);

  double fpr[7], tpr[7];
  float thr[7];
  size_t np = 0;
  ck_assert_int_eq(alcn_roc_curve(s, y, 6, fpr, tpr, thr, &np), ALCN_OK);
  const double efpr[] = {0, 0, 1.0 / 3, 2.0 / 3, 1}, etpr[] = {0, 1.0 / 3, 2.0 / 3, 1, 1};
  const float ethr[] = {INFINITY, 0.9f, 0.8f, 0.4f, 0.1f};
  ck_assert_uint_eq(np, 5);
  for (size_t k = 0; k < np; ++k) {
    ck_assert_double_eq_tol(fpr[k], efpr[k], 1e-12);
    ck_assert_double_eq_tol(tpr[k], etpr[k], 1e-12);
    ck_assert_float_eq(thr[k], ethr[k]);
  }
}
END_TEST

START_TEST(test_infinite_scores_are_ordered) {
  const float s[] = {-INFINITY, 0.0f, INFINITY, INFINITY};
  const int y[] = {0, 1, 0, 1};
  double auc;
  /* pos {0, +Inf}, neg {-Inf, +Inf}: 1 + (1 + 0.5) = 2.5 of 4. */
  ck_assert_int_eq(alcn_auroc(s, y, 4, &auc), ALCN_OK);
  ck_assert_double_eq_tol(auc, 0.625, 1e-12);
}
END_TEST

/* --- random data with many ties ---------------------------------------------------- */

START_TEST(test_random_against_references) {
  enum { N = 600 };
  float u[N], s[N], lab[N];
  int y[N];
  double fpr[N + 1], tpr[N + 1];
  for (int trial = 0; trial < 8; ++trial) {
    tu_fill_uniform(u, N, 100 + (uint64_t)trial, 0.f, 1.f);
    tu_fill_uniform(lab, N, 200 + (uint64_t)trial, 0.f, 1.f);
    int levels = 4 + 6 * trial; /* 4..46 distinct values: many ties */
    for (int i = 0; i < N; ++i) {
      /* anomalies lean higher, so AUROC is away from 1/2 */
      y[i] = lab[i] < 0.3f;
      float v = u[i] + (y[i] ? 0.3f : 0.f);
      s[i] = floorf(v * (float)levels) / (float)levels;
    }
    alcn_metrics m;
    ck_assert_int_eq(alcn_metrics_compute(s, y, N, &m), ALCN_OK);
    double ap, f1;
    ref_ap_f1(s, y, N, &ap, &f1);
    ck_assert_double_eq_tol(m.auroc, ref_auroc(s, y, N), 1e-12);
    ck_assert_double_eq_tol(m.aupr, ap, 1e-12);
    ck_assert_double_eq_tol(m.f1max, f1, 1e-12);
    ck_assert(m.auroc > 0.6);

    /* ROC: monotone, from (0,0) to (1,1), trapezoid area == AUROC (ties grouped). */
    size_t np;
    ck_assert_int_eq(alcn_roc_curve(s, y, N, fpr, tpr, NULL, &np), ALCN_OK);
    ck_assert_uint_le(np, (size_t)(1.3 * levels) + 2); /* values in [0, 1.3): distinct <= 1.3 L + 1 */
    ck_assert_double_eq(fpr[0], 0.0);
    ck_assert_double_eq(tpr[np - 1], 1.0);
    ck_assert_double_eq(fpr[np - 1], 1.0);
    double area = 0;
    for (size_t k = 1; k < np; ++k) {
      ck_assert(fpr[k] >= fpr[k - 1] && tpr[k] >= tpr[k - 1]);
      area += (fpr[k] - fpr[k - 1]) * 0.5 * (tpr[k] + tpr[k - 1]);
    }
    ck_assert_double_eq_tol(area, m.auroc, 1e-12);
  }
}
END_TEST

/* --- errors -------------------------------------------------------------------------- */

START_TEST(test_errors) {
  const float s[] = {0.1f, 0.2f, 0.3f};
  const int none_pos[] = {0, 0, 0}, none_neg[] = {1, 1, 1}, bad[] = {0, 2, 1}, ok[] = {0, 1, 1};
  double v;
  ck_assert_int_eq(alcn_auroc(s, none_pos, 3, &v), ALCN_ERR_ARG);
  ck_assert_ptr_nonnull(strstr(alcn_last_error(), "no anomalous"));
  ck_assert_int_eq(alcn_average_precision(s, none_neg, 3, &v), ALCN_ERR_ARG);
  ck_assert_ptr_nonnull(strstr(alcn_last_error(), "no normal"));
  ck_assert_int_eq(alcn_f1_max(s, bad, 3, &v, NULL), ALCN_ERR_ARG);
  ck_assert_ptr_nonnull(strstr(alcn_last_error(), "label 1 is 2"));
  const float nan_s[] = {0.1f, NAN, 0.3f};
  ck_assert_int_eq(alcn_auroc(nan_s, ok, 3, &v), ALCN_ERR_NUMERIC);
  ck_assert_ptr_nonnull(strstr(alcn_last_error(), "NaN"));
  ck_assert_int_eq(alcn_auroc(s, ok, 0, &v), ALCN_ERR_ARG);
  ck_assert_int_eq(alcn_auroc(NULL, ok, 3, &v), ALCN_ERR_ARG);
}
END_TEST

int main(void) {
  Suite *s = suite_create("metrics");
  TCase *tc = tcase_create("metrics");
  tcase_add_test(tc, test_perfect_ranking);
  tcase_add_test(tc, test_inverted_ranking);
  tcase_add_test(tc, test_all_tied);
  tcase_add_test(tc, test_mixed_ties);
  tcase_add_test(tc, test_infinite_scores_are_ordered);
  tcase_add_test(tc, test_random_against_references);
  tcase_add_test(tc, test_errors);
  suite_add_tcase(s, tc);
  return tu_run_suite(s);
}
