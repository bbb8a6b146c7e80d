/* Statistics of the report (private to reports/): the distributions the tests
 * need (normal, Student t, chi-square, F, studentized range with infinite
 * degrees of freedom), the mean with a t-based confidence interval, the paired
 * Wilcoxon signed-rank test, the Friedman test with the Iman-Davenport F form,
 * and Demsar's (2006) Nemenyi critical difference and its groups. Plain
 * numerics on arrays of doubles: no records, no I/O. */
#ifndef ALCN_REPORT_STATS_H
#define ALCN_REPORT_STATS_H

#include "alcn/status.h"

/* ---- distributions ------------------------------------------------------------- */
/* P(Z <= z) for Z ~ N(0, 1). */
double rp_normal_cdf(double z);
/* Regularised incomplete beta I_x(a, b), a, b > 0, 0 <= x <= 1 (NAN outside). */
double rp_betainc(double a, double b, double x);
/* Regularised upper incomplete gamma Q(a, x) = 1 - P(a, x), a > 0, x >= 0. */
double rp_gammaincc(double a, double x);
/* Student t with df > 0 degrees of freedom (any real df): P(T <= t). */
double rp_t_cdf(double t, double df);
/* The p-quantile of Student t (0 < p < 1, df > 0), by bisection on rp_t_cdf
 * (relative precision ~1e-13); NAN for arguments outside the domain. */
double rp_t_quantile(double p, double df);
/* P(X > x) for X ~ chi-square(df). */
double rp_chi2_sf(double x, double df);
/* P(X > x) for X ~ F(df1, df2). */
double rp_f_sf(double x, double df1, double df2);
/* P(R <= q) for R the range of k iid N(0, 1) (studentized range, df = inf):
 * k * integral phi(z) (Phi(z + q) - Phi(z))^(k-1) dz, by Simpson's rule. */
double rp_range_cdf(double q, int k);
/* Demsar's q_alpha for the Nemenyi test: the (1 - alpha)-quantile of the
 * studentized range of k means (df = inf) divided by sqrt(2)
 * (k = 4, alpha = 0.05: 2.569). NAN when k < 2 or alpha outside (0, 1). */
double rp_nemenyi_q(int k, double alpha);
/* Nemenyi critical difference q_alpha * sqrt(k (k + 1) / (6 n)) for k methods
 * ranked on n blocks. */
double rp_nemenyi_cd(int k, int n, double alpha);

/* ---- descriptive ------------------------------------------------------------------ */
/* Mean of v[n] and the half width of its two-sided `level` (0.95) confidence
 * interval, t_{(1+level)/2, n-1} * s / sqrt(n) with s the sample std; the half
 * width is NAN when n < 2. Returns the mean (NAN when n < 1). */
double rp_mean_ci(const double *v, int n, double level, double *half);

/* Average ranks of v[n] (1 = smallest; with `descending`, 1 = largest); tied
 * values share the mean of their ranks. Returns sum over tie groups of
 * t^3 - t (0 without ties). tmp: n ints of scratch. */
double rp_rank(const double *v, int n, int descending, double *rank, int *tmp);

/* ---- Wilcoxon signed-rank test ------------------------------------------------------ */
/* Exact null distribution up to this many nonzero differences (without ties). */
#define RP_WILCOXON_EXACT_MAX 25

typedef struct rp_wilcoxon {
  int n;            /* pairs given */
  int n_zero;       /* pairs with x == y: dropped (Wilcoxon's zero method) */
  int n_used;       /* n - n_zero */
  int n_pos, n_neg; /* pairs with x > y, x < y */
  int ties;         /* some |x - y| tie among the pairs used */
  int exact;        /* 1: exact null distribution; 0: normal approximation */
  double w_plus, w_minus; /* rank sums of the positive / negative differences */
  double statistic; /* min(w_plus, w_minus), as scipy.stats.wilcoxon reports */
  double z;         /* normal approximation: (T - mean - 0.5 sign) / sd; NAN when exact */
  double p;         /* two-sided p-value; NAN when n_used == 0 */
} rp_wilcoxon;

/* Paired two-sided test of d = x - y. Zero differences are dropped; the exact
 * null distribution of W+ is used when n_used <= RP_WILCOXON_EXACT_MAX and no
 * zeros or ties occurred, else the normal approximation with the tie correction
 * of the variance and a continuity correction (scipy.stats.wilcoxon with
 * zero_method="wilcox", correction=True). */
alcn_status rp_wilcoxon_test(const double *x, const double *y, int n, rp_wilcoxon *out);

/* ---- Friedman test, Iman-Davenport, Nemenyi --------------------------------------------- */
typedef struct rp_friedman {
  int n, k;          /* blocks, methods */
  double chi2;       /* tie-corrected Friedman statistic (scipy/R); = chi2_plain without ties */
  double chi2_plain; /* 12n/(k(k+1)) (sum R_j^2 - k(k+1)^2/4) from the average ranks (Demsar) */
  double p;          /* P(chi-square(k-1) > chi2) */
  double ff, p_ff;   /* Iman-Davenport F from chi2, df k-1 and (k-1)(n-1) */
  double q, cd;      /* Nemenyi q_alpha and critical difference at alpha */
  double alpha;
} rp_friedman;

/* x: n blocks x k methods, row-major; larger is better when higher_better (rank 1
 * = best). avg_rank[k] receives the mean rank of each method over the blocks. */
alcn_status rp_friedman_test(const double *x, int n, int k, int higher_better, double alpha, double *avg_rank,
                             rp_friedman *out);
/* Iman-Davenport F_F = (n-1) chi2 / (n(k-1) - chi2) and its p-value (*p may be NULL);
 * +inf with p = 0 when every block ranks the methods alike. */
double rp_iman_davenport(double chi2, int n, int k, double *p);

/* Groups of methods not significantly different (mean ranks differ by less than
 * cd): order[k] receives the methods sorted by mean rank (best first) and
 * group[g][0..1] the first and last position in `order` of each maximal group
 * of two or more; returns the number of groups (at most k - 1). */
int rp_cd_groups(const double *avg_rank, int k, double cd, int *order, int (*group)[2]);

#endif
