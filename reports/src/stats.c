/* Statistics of the report: special functions (incomplete beta and gamma),
 * the normal, Student t, chi-square, F and studentized-range distributions,
 * the t confidence interval of a mean, average ranks, the paired Wilcoxon
 * signed-rank test (exact or normal), the Friedman test with the
 * Iman-Davenport F form, and the Nemenyi critical difference with its groups
 * (Demsar 2006). Formulas as in scipy.stats where both define them. */
#define _POSIX_C_SOURCE 200809L
#include "stats.h"

#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

/* ---- special functions ------------------------------------------------------------ */

double rp_normal_cdf(double z) {
  return 0.5 * erfc(-z / sqrt(2.0));
}

/* Continued fraction of the incomplete beta (modified Lentz), x < (a+1)/(a+b+2). */
static double betacf(double a, double b, double x) {
  const double tiny = 1e-300, eps = 1e-16;
  double qab = a + b, qap = a + 1.0, qam = a - 1.0;
  double c = 1.0, d = 1.0 - qab * x / qap;
  if (fabs(d) < tiny) d = tiny;
  d = 1.0 / d;
  double h = d;
  for (int m = 1; m <= 10000; ++m) {
    int m2 = 2 * m;
    double aa = m * (b - m) * x / ((qam + m2) * (a + m2));
    d = 1.0 + aa * d;
    if (fabs(d) < tiny) d = tiny;
    c = 1.0 + aa / c;
    if (fabs(c) < tiny) c = tiny;
    d = 1.0 / d;
    h *= d * c;
    aa = -(a + m) * (qab + m) * x / ((a + m2) * (qap + m2));
    d = 1.0 + aa * d;
    if (fabs(d) < tiny) d = tiny;
    c = 1.0 + aa / c;
    if (fabs(c) < tiny) c = tiny;
    d = 1.0 / d;
    double del = d * c;
    h *= del;
    if (fabs(del - 1.0) < eps) break;
  }
  return h;
}

double rp_betainc(double a, double b, double x) {
  if (!(a > 0) || !(b > 0) || !(x >= 0) || !(x <= 1)) return NAN;
  if (x == 0 || x == 1) return x;
  double lbt = lgamma(a + b) - lgamma(a) - lgamma(b) + a * log(x) + b * log1p(-x);
  if (x < (a + 1.0) / (a + b + 2.0)) return exp(lbt) * betacf(a, b, x) / a;
  return 1.0 - exp(lbt) * betacf(b, a, 1.0 - x) / b;
}

double rp_gammaincc(double a, double x) {
  if (!(a > 0) || !(x >= 0)) return NAN;
  if (x == 0) return 1.0;
  if (isinf(x)) return 0.0;
  double lpre = -x + a * log(x) - lgamma(a);
  if (x < a + 1.0) { /* series for P(a, x) */
    double ap = a, sum = 1.0 / a, del = sum;
    for (int n = 0; n < 100000; ++n) {
      ap += 1.0;
      del *= x / ap;
      sum += del;
      if (fabs(del) < fabs(sum) * 1e-16) break;
    }
    return 1.0 - sum * exp(lpre);
  }
  /* continued fraction for Q(a, x) (modified Lentz) */
  const double tiny = 1e-300;
  double b = x + 1.0 - a, c = 1.0 / tiny, d = 1.0 / b, h = d;
  for (int i = 1; i < 100000; ++i) {
    double an = -i * (i - a);
    b += 2.0;
    d = an * d + b;
    if (fabs(d) < tiny) d = tiny;
    c = b + an / c;
    if (fabs(c) < tiny) c = tiny;
    d = 1.0 / d;
    double del = d * c;
    h *= del;
    if (fabs(del - 1.0) < 1e-16) break;
  }
  return exp(lpre) * h;
}

/* ---- distributions ------------------------------------------------------------------ */

/* P(T > |t|), one tail. */
static double t_tail(double t, double df) {
  return 0.5 * rp_betainc(0.5 * df, 0.5, df / (df + t * t));
}

double rp_t_cdf(double t, double df) {
  if (!(df > 0) || isnan(t)) return NAN;
  if (isinf(t)) return t > 0 ? 1.0 : 0.0;
  double tail = t_tail(t, df);
  return t > 0 ? 1.0 - tail : tail;
}

double rp_t_quantile(double p, double df) {
  if (!(df > 0) || !(p > 0) || !(p < 1)) return NAN;
  if (p == 0.5) return 0.0;
  double target = p < 0.5 ? p : 1.0 - p; /* solve P(T > t) = target for t > 0 */
  double lo = 0.0, hi = 1.0;
  while (t_tail(hi, df) > target && hi < 1e300) {
    lo = hi;
    hi *= 2.0;
  }
  for (int it = 0; it < 2000 && hi - lo > 1e-14 * hi; ++it) {
    double mid = 0.5 * (lo + hi);
    if (t_tail(mid, df) > target) lo = mid;
    else hi = mid;
  }
  double t = 0.5 * (lo + hi);
  return p < 0.5 ? -t : t;
}

double rp_chi2_sf(double x, double df) {
  if (!(df > 0) || isnan(x)) return NAN;
  if (x <= 0) return 1.0;
  return rp_gammaincc(0.5 * df, 0.5 * x);
}

double rp_f_sf(double x, double df1, double df2) {
  if (!(df1 > 0) || !(df2 > 0) || isnan(x)) return NAN;
  if (x <= 0) return 1.0;
  if (isinf(x)) return 0.0;
  return rp_betainc(0.5 * df2, 0.5 * df1, df2 / (df2 + df1 * x));
}

double rp_range_cdf(double q, int k) {
  if (k < 2 || isnan(q)) return NAN;
  if (q <= 0) return 0.0;
  /* phi(z) is below 1e-17 outside [-9, 9]; Simpson with h = 0.005. */
  const double a = -9.0, b = 9.0;
  const int m = 3600;
  const double h = (b - a) / m, inv_sqrt_2pi = 0.39894228040143267794;
  double sum = 0.0;
  for (int i = 0; i <= m; ++i) {
    double z = a + i * h;
    double inner = rp_normal_cdf(z + q) - rp_normal_cdf(z);
    double f = inv_sqrt_2pi * exp(-0.5 * z * z) * pow(inner > 0 ? inner : 0.0, k - 1);
    sum += f * (i == 0 || i == m ? 1.0 : (i % 2 ? 4.0 : 2.0));
  }
  double p = k * sum * h / 3.0;
  return p > 1.0 ? 1.0 : p;
}

double rp_nemenyi_q(int k, double alpha) {
  if (k < 2 || !(alpha > 0) || !(alpha < 1)) return NAN;
  double lo = 0.0, hi = 20.0, target = 1.0 - alpha;
  for (int it = 0; it < 100 && hi - lo > 1e-12; ++it) {
    double mid = 0.5 * (lo + hi);
    if (rp_range_cdf(mid, k) < target) lo = mid;
    else hi = mid;
  }
  return 0.5 * (lo + hi) / sqrt(2.0);
}

double rp_nemenyi_cd(int k, int n, double alpha) {
  if (k < 2 || n < 1) return NAN;
  return rp_nemenyi_q(k, alpha) * sqrt(k * (k + 1.0) / (6.0 * n));
}

/* ---- descriptive ------------------------------------------------------------------------ */

double rp_mean_ci(const double *v, int n, double level, double *half) {
  if (half) *half = NAN;
  if (n < 1) return NAN;
  double m = 0, s = 0;
  for (int i = 0; i < n; ++i) m += v[i];
  m /= n;
  if (n < 2 || !half) return m;
  for (int i = 0; i < n; ++i) s += (v[i] - m) * (v[i] - m);
  double sd = sqrt(s / (n - 1));
  *half = rp_t_quantile(0.5 * (1.0 + level), n - 1.0) * sd / sqrt((double)n);
  return m;
}

double rp_rank(const double *v, int n, int descending, double *rank, int *idx) {
  for (int i = 0; i < n; ++i) idx[i] = i;
  for (int i = 1; i < n; ++i) { /* stable insertion sort of the indices by value */
    int t = idx[i], j = i;
    while (j > 0 && (descending ? v[idx[j - 1]] < v[t] : v[idx[j - 1]] > v[t])) {
      idx[j] = idx[j - 1];
      --j;
    }
    idx[j] = t;
  }
  double ties = 0;
  for (int i = 0; i < n;) {
    int j = i;
    while (j + 1 < n && v[idx[j + 1]] == v[idx[i]]) ++j;
    double r = 0.5 * (i + j) + 1.0, t = j - i + 1.0;
    for (int q = i; q <= j; ++q) rank[idx[q]] = r;
    ties += t * t * t - t;
    i = j + 1;
  }
  return ties;
}

/* ---- Wilcoxon signed-rank test ------------------------------------------------------------ */

alcn_status rp_wilcoxon_test(const double *x, const double *y, int n, rp_wilcoxon *out) {
  memset(out, 0, sizeof *out);
  out->n = n;
  out->z = NAN;
  out->p = NAN;
  if (n < 1) return ALCN_OK;
  double *d = malloc((size_t)n * sizeof *d), *a = malloc((size_t)n * sizeof *a);
  double *r = malloc((size_t)n * sizeof *r);
  int *idx = malloc((size_t)n * sizeof *idx);
  if (!d || !a || !r || !idx) {
    free(d);
    free(a);
    free(r);
    free(idx);
    ALCN_FAIL(ALCN_ERR_NOMEM, "out of memory for a Wilcoxon test of %d pairs", n);
  }
  int m = 0;
  for (int i = 0; i < n; ++i) {
    double di = x[i] - y[i];
    if (di == 0) {
      out->n_zero++;
      continue;
    }
    d[m] = di;
    a[m++] = fabs(di);
  }
  out->n_used = m;
  double ties = rp_rank(a, m, 0, r, idx);
  out->ties = ties > 0;
  for (int i = 0; i < m; ++i) {
    if (d[i] > 0) {
      out->w_plus += r[i];
      out->n_pos++;
    } else {
      out->w_minus += r[i];
      out->n_neg++;
    }
  }
  out->statistic = fmin(out->w_plus, out->w_minus);
  if (m > 0 && m <= RP_WILCOXON_EXACT_MAX && !out->ties && !out->n_zero) {
    /* Exact: c[s] = number of subsets of {1..m} with rank sum s (each equally likely). */
    int top = m * (m + 1) / 2;
    double c[RP_WILCOXON_EXACT_MAX * (RP_WILCOXON_EXACT_MAX + 1) / 2 + 1] = {0};
    c[0] = 1;
    for (int j = 1; j <= m; ++j)
      for (int s = top; s >= j; --s) c[s] += c[s - j];
    double below = 0;
    for (int s = 0; s <= (int)out->statistic; ++s) below += c[s];
    out->p = fmin(1.0, 2.0 * below / ldexp(1.0, m));
    out->exact = 1;
  } else if (m > 0) {
    double mn = m * (m + 1.0) / 4.0;
    double var = m * (m + 1.0) * (2.0 * m + 1.0) / 24.0 - ties / 48.0;
    double dev = out->w_plus - mn;
    double cc = dev > 0 ? 0.5 : (dev < 0 ? -0.5 : 0.0);
    out->z = var > 0 ? (dev - cc) / sqrt(var) : 0.0;
    out->p = fmin(1.0, erfc(fabs(out->z) / sqrt(2.0)));
  }
  free(d);
  free(a);
  free(r);
  free(idx);
  return ALCN_OK;
}

/* ---- Friedman, Iman-Davenport, Nemenyi ------------------------------------------------------ */

double rp_iman_davenport(double chi2, int n, int k, double *p) {
  if (p) *p = NAN;
  if (n < 2 || k < 2 || isnan(chi2)) return NAN;
  double den = n * (k - 1.0) - chi2;
  if (den <= 0) {
    if (p) *p = 0.0;
    return INFINITY;
  }
  double f = (n - 1.0) * chi2 / den;
  if (p) *p = rp_f_sf(f, k - 1.0, (k - 1.0) * (n - 1.0));
  return f;
}

alcn_status rp_friedman_test(const double *x, int n, int k, int higher_better, double alpha, double *avg_rank,
                             rp_friedman *out) {
  memset(out, 0, sizeof *out);
  out->n = n;
  out->k = k;
  out->alpha = alpha;
  out->chi2 = out->chi2_plain = out->p = out->ff = out->p_ff = out->q = out->cd = NAN;
  for (int j = 0; j < k; ++j) avg_rank[j] = NAN;
  if (n < 1 || k < 2) return ALCN_OK;
  double *r = malloc((size_t)k * sizeof *r);
  int *idx = malloc((size_t)k * sizeof *idx);
  if (!r || !idx) {
    free(r);
    free(idx);
    ALCN_FAIL(ALCN_ERR_NOMEM, "out of memory for a Friedman test");
  }
  double ties = 0;
  for (int j = 0; j < k; ++j) avg_rank[j] = 0;
  for (int i = 0; i < n; ++i) {
    ties += rp_rank(x + (size_t)i * k, k, higher_better, r, idx);
    for (int j = 0; j < k; ++j) avg_rank[j] += r[j];
  }
  free(r);
  free(idx);
  double ssr = 0, ssa = 0; /* sum of squared rank sums / mean ranks */
  for (int j = 0; j < k; ++j) {
    ssr += avg_rank[j] * avg_rank[j];
    avg_rank[j] /= n;
    ssa += avg_rank[j] * avg_rank[j];
  }
  out->chi2_plain = 12.0 * n / (k * (k + 1.0)) * (ssa - k * (k + 1.0) * (k + 1.0) / 4.0);
  double corr = 1.0 - ties / ((double)n * k * (k * (double)k - 1.0));
  if (corr > 1e-12) {
    out->chi2 = (12.0 / ((double)n * k * (k + 1.0)) * ssr - 3.0 * n * (k + 1.0)) / corr;
    if (out->chi2 < 0) out->chi2 = 0; /* rounding */
    out->p = rp_chi2_sf(out->chi2, k - 1.0);
    out->ff = rp_iman_davenport(out->chi2, n, k, &out->p_ff);
  }
  out->q = rp_nemenyi_q(k, alpha);
  out->cd = rp_nemenyi_cd(k, n, alpha);
  return ALCN_OK;
}

int rp_cd_groups(const double *avg_rank, int k, double cd, int *order, int (*group)[2]) {
  for (int i = 0; i < k; ++i) order[i] = i;
  for (int i = 1; i < k; ++i) {
    int t = order[i], j = i;
    while (j > 0 && avg_rank[order[j - 1]] > avg_rank[t]) {
      order[j] = order[j - 1];
      --j;
    }
    order[j] = t;
  }
  int ng = 0, last = 0;
  for (int i = 0; i < k; ++i) {
    int j = i;
    while (j + 1 < k && avg_rank[order[j + 1]] - avg_rank[order[i]] < cd) ++j;
    if (j > i && j > last) {
      group[ng][0] = i;
      group[ng][1] = j;
      ++ng;
    }
    if (j > last) last = j;
  }
  return ng;
}
