/* Suite "stats": the report's statistics (reports/src/stats.c, compare.c,
 * cdplot.c) against published worked examples and reference numbers.
 *
 * Published: Demsar (2006), "Statistical Comparisons of Classifiers over
 * Multiple Data Sets", JMLR 7:1-30: Table 5(a) (Nemenyi q_alpha), Table 6 and
 * Section 3.2.2 (average ranks 3.143/2.000/2.893/1.964, chi2_F = 9.28,
 * F_F = 3.69, CD = 1.25 at alpha 0.05 and 1.12 at 0.10, and the two groups at
 * 0.10); scipy's own test_friedmanchisquare for the tie-corrected statistic
 * of Table 6 (10.2283464566929, p 0.0167215803284414, "verified with matlab
 * and R"); Darwin's Zea mays differences (Fisher, The Design of Experiments;
 * the example in scipy.stats.wilcoxon's documentation: T = 24,
 * p = 0.041259765625).
 *
 * Every other reference number was computed ONCE with SciPy 1.17.1 by
 * tests/reports/stats_reference.py (its output is pasted here; the test needs
 * neither Python nor SciPy): t/chi2/F/normal distributions, q_alpha to 1e-6,
 * CIs, Wilcoxon (scipy.stats.wilcoxon, zero_method="wilcox",
 * correction=True), Friedman (scipy.stats.friedmanchisquare), and the
 * expected statistics of the synthetic records written by write_records(). */
#define _POSIX_C_SOURCE 200809L
#include <check.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "alcn/report.h"
#include "report_internal.h"
#include "stats.h"
#include "test_util.h"

/* ---- distributions ------------------------------------------------------------------- */

START_TEST(test_distributions) {
  static const struct {
    double p, df, q;
  } tq[] = {{0.975, 1, 12.7062047361747},   {0.975, 2, 4.30265272974946},   {0.975, 3, 3.18244630528371},
            {0.975, 4, 2.77644510519779},   {0.975, 5, 2.57058183563631},   {0.975, 9, 2.2621571627982},
            {0.975, 10, 2.22813885198627},  {0.975, 29, 2.0452296421327},   {0.975, 30, 2.04227245630124},
            {0.975, 100, 1.98397151852355}, {0.975, 1000, 1.96233908082641}, {0.975, 1e6, 1.95996635681411},
            {0.995, 3, 5.84090930973336},   {0.9995, 1, 636.61924876879},   {0.025, 5, -2.57058183563632},
            {0.975, 2.5, 3.57465484200368}, {0.9, 7, 1.41492392765051}};
  for (size_t i = 0; i < sizeof tq / sizeof *tq; ++i) {
    double q = rp_t_quantile(tq[i].p, tq[i].df);
    ck_assert_msg(fabs(q - tq[i].q) <= 1e-9 * fabs(tq[i].q), "t quantile p=%g df=%g: %.15g, expected %.15g",
                  tq[i].p, tq[i].df, q, tq[i].q);
  }
  /* closed forms: df 1 (Cauchy) and df 2 */
  ck_assert_double_eq_tol(rp_t_quantile(0.9, 1), tan(3.14159265358979323846 * 0.4), 1e-10);
  ck_assert_double_eq_tol(rp_t_quantile(0.8, 2), 0.6 / sqrt(2 * 0.8 * 0.2), 1e-11);
  ck_assert(isnan(rp_t_quantile(1.0, 3)) && isnan(rp_t_quantile(0.5, 0)));
  ck_assert_double_eq_tol(rp_t_quantile(0.5, 7), 0.0, 1e-15);

  ck_assert_double_eq_tol(rp_t_cdf(2.0, 5), 0.949030260585071, 1e-12);
  ck_assert_double_eq_tol(rp_t_cdf(-1.3, 12), 0.109008585541757, 1e-12);
  ck_assert_double_eq_tol(rp_t_cdf(0.7, 1.5), 0.711780879558657, 1e-12);
  ck_assert_double_eq_tol(rp_chi2_sf(9.28, 3), 0.0257907241987568, 1e-12);
  ck_assert_double_eq_tol(rp_chi2_sf(0.5, 1), 0.479500122186953, 1e-12);
  ck_assert_double_eq_tol(rp_chi2_sf(30.0, 10), 0.000856641210775301, 1e-14);
  ck_assert_double_eq_tol(rp_chi2_sf(100.0, 80), 0.064570368921133, 1e-12);
  ck_assert_double_eq_tol(rp_chi2_sf(1e-3, 2), 0.999500124979169, 1e-12);
  ck_assert_double_eq_tol(rp_f_sf(3.69, 3, 39), 0.0197440996894889, 1e-12);
  ck_assert_double_eq_tol(rp_f_sf(1.0, 2, 16), 0.389744343128946, 1e-12);
  ck_assert_double_eq_tol(rp_f_sf(10.0, 1, 1), 0.194982229042137, 1e-12);
  ck_assert_double_eq_tol(rp_f_sf(0.2, 5, 3), 0.942331114377563, 1e-12);
  ck_assert_double_eq_tol(rp_normal_cdf(1.96), 0.97500210485178, 1e-13);
  ck_assert_double_eq_tol(rp_normal_cdf(-3.0), 0.00134989803163009, 1e-15);
  ck_assert_double_eq_tol(rp_betainc(2.5, 1.5, 0.3), 0.0889437231706656, 1e-13);
  ck_assert_double_eq_tol(rp_gammaincc(3.5, 2.0), 0.779777408475716, 1e-13);
  ck_assert_double_eq_tol(rp_gammaincc(0.5, 7.0), 0.000182810632981835, 1e-15);
  ck_assert_double_eq_tol(rp_range_cdf(3.0, 5), 0.789123495036, 1e-9);
}
END_TEST

START_TEST(test_nemenyi_q) {
  /* Demsar 2006, Table 5(a), k = 2..10 (3 decimals as printed). */
  static const double q05[] = {1.960, 2.343, 2.569, 2.728, 2.850, 2.949, 3.031, 3.102, 3.164};
  static const double q10[] = {1.645, 2.052, 2.291, 2.459, 2.589, 2.693, 2.780, 2.855, 2.920};
  for (int k = 2; k <= 10; ++k) {
    ck_assert_double_eq_tol(rp_nemenyi_q(k, 0.05), q05[k - 2], 1e-3);
    ck_assert_double_eq_tol(rp_nemenyi_q(k, 0.10), q10[k - 2], 1e-3);
  }
  /* scipy.stats.studentized_range.ppf(1 - alpha, k, inf) / sqrt(2), k = 2..12 */
  static const double s05[] = {1.9599639845, 2.3437005864, 2.5690317725, 2.7277743709, 2.8497054196, 2.9483200175,
                               3.0308784496, 3.1017303413, 3.1636835771, 3.2186536073, 3.2680039245};
  static const double s10[] = {1.6448536270, 2.0522927305, 2.2913414969, 2.4595157643, 2.5885206019, 2.6927321010,
                               2.7798836082, 2.8546064312, 2.9198888401, 2.9777682513, 3.0296941832};
  for (int k = 2; k <= 12; ++k) {
    ck_assert_double_eq_tol(rp_nemenyi_q(k, 0.05), s05[k - 2], 1e-6);
    ck_assert_double_eq_tol(rp_nemenyi_q(k, 0.10), s10[k - 2], 1e-6);
  }
  ck_assert(isnan(rp_nemenyi_q(1, 0.05)) && isnan(rp_nemenyi_q(4, 0.0)));
  /* Demsar 3.2.2: k = 4, N = 14 */
  ck_assert_double_eq_tol(rp_nemenyi_cd(4, 14, 0.05), 1.25, 5e-3);
  ck_assert_double_eq_tol(rp_nemenyi_cd(4, 14, 0.10), 1.12, 5e-3);
  ck_assert_double_eq_tol(rp_nemenyi_cd(4, 14, 0.05), 1.25355914711761, 1e-6);
}
END_TEST

START_TEST(test_mean_ci) {
  double v[] = {0.812, 0.845, 0.797, 0.861, 0.830}, half;
  ck_assert_double_eq_tol(rp_mean_ci(v, 5, 0.95, &half), 0.829, 1e-12);
  ck_assert_double_eq_tol(half, 0.0316197971318022, 1e-10);
  double w[] = {0.70, 0.74};
  ck_assert_double_eq_tol(rp_mean_ci(w, 2, 0.95, &half), 0.72, 1e-12);
  ck_assert_double_eq_tol(half, 0.254124094723494, 1e-10);
  ck_assert_double_eq_tol(rp_mean_ci(w, 1, 0.95, &half), 0.70, 1e-15);
  ck_assert(isnan(half));
  ck_assert(isnan(rp_mean_ci(w, 0, 0.95, &half)));
}
END_TEST

START_TEST(test_ranks) {
  double v[] = {0.5, 0.9, 0.5, 0.1, 0.9, 0.9}, r[6];
  int tmp[6];
  double ties = rp_rank(v, 6, 1, r, tmp); /* 1 = largest */
  double want[] = {4.5, 2, 4.5, 6, 2, 2};
  for (int i = 0; i < 6; ++i) ck_assert_double_eq_tol(r[i], want[i], 1e-15);
  ck_assert_double_eq_tol(ties, (8 - 2) + (27 - 3), 1e-15);
  ck_assert_double_eq_tol(rp_rank(v, 6, 0, r, tmp), 30, 1e-15);
  ck_assert_double_eq_tol(r[3], 1, 1e-15);
  ck_assert_double_eq_tol(r[1], 5, 1e-15);
}
END_TEST

/* ---- Wilcoxon ------------------------------------------------------------------------------ */

static const double zea[] = {6, 8, 14, 16, 23, 24, 28, 29, 41, -48, 49, 56, 60, -67, 75};
static const double d30[] = {-15.0, -7.9, -0.8, 6.3,  13.4, -10.5, -3.4, 3.7, 10.8, -13.1, -6.0, 1.1,
                             8.2,   15.3, -8.6, -1.5, 5.6,  12.7,  -11.2, -4.1, 3.0, 10.1, 17.2,
                             -6.699999999999999, 0.40000000000000036, 7.5, 14.6, -9.3, -2.1999999999999997, 4.9};
static const double zero30[30];

START_TEST(test_wilcoxon_exact) {
  rp_wilcoxon w;
  ck_assert_int_eq(rp_wilcoxon_test(zea, zero30, 15, &w), ALCN_OK);
  ck_assert_int_eq(w.exact, 1);
  ck_assert_int_eq(w.n_used, 15);
  ck_assert_double_eq_tol(w.statistic, 24, 1e-12);
  ck_assert_double_eq_tol(w.w_minus, 24, 1e-12); /* ranks 10 (-48) and 14 (-67) */
  ck_assert_double_eq_tol(w.w_plus, 120 - 24, 1e-12);
  ck_assert_double_eq_tol(w.p, 0.041259765625, 1e-15);
  /* swapping x and y keeps the two-sided p */
  rp_wilcoxon s;
  ck_assert_int_eq(rp_wilcoxon_test(zero30, zea, 15, &s), ALCN_OK);
  ck_assert_double_eq_tol(s.p, w.p, 1e-15);
  ck_assert_double_eq_tol(s.w_plus, w.w_minus, 1e-12);

  double five[] = {1, 2, 3, 4, 5};
  ck_assert_int_eq(rp_wilcoxon_test(five, zero30, 5, &w), ALCN_OK);
  ck_assert(w.exact && w.statistic == 0);
  ck_assert_double_eq_tol(w.p, 0.0625, 1e-15); /* 2 / 2^5 */

  ck_assert_int_eq(rp_wilcoxon_test(d30, zero30, 25, &w), ALCN_OK); /* the largest exact n */
  ck_assert_int_eq(w.exact, 1);
  ck_assert_double_eq_tol(w.statistic, 150, 1e-12);
  ck_assert_double_eq_tol(w.p, 0.750992953777313, 1e-12);
}
END_TEST

START_TEST(test_wilcoxon_normal) {
  rp_wilcoxon w;
  /* Demsar's Table 2 (C4.5+m vs C4.5): two zero differences (dropped) and a tie. */
  static const double c45[] = {0.763, 0.599, 0.954, 0.628, 0.882, 0.936, 0.661,
                               0.583, 0.775, 1.000, 0.940, 0.619, 0.972, 0.957};
  static const double c45m[] = {0.768, 0.591, 0.971, 0.661, 0.888, 0.931, 0.668,
                                0.583, 0.838, 1.000, 0.962, 0.666, 0.981, 0.978};
  ck_assert_int_eq(rp_wilcoxon_test(c45m, c45, 14, &w), ALCN_OK);
  ck_assert_int_eq(w.n_zero, 2); /* lung cancer, mushroom */
  ck_assert_int_eq(w.n_used, 12);
  ck_assert_int_eq(w.ties, 1);   /* |0.005| twice */
  ck_assert_int_eq(w.exact, 0);  /* zeros and ties: normal approximation */
  ck_assert_int_eq(w.n_pos, 10);
  ck_assert_int_eq(w.n_neg, 2);
  ck_assert_double_eq_tol(w.statistic, 6.5, 1e-12);
  ck_assert_double_eq_tol(w.w_plus, 78 - 6.5, 1e-12);
  ck_assert_double_eq_tol(w.p, 0.0120303584702091, 1e-12);
  ck_assert_double_eq_tol(w.z, 2.51125258196144, 1e-11); /* scipy reports -|z| (from min(W+, W-)) */

  ck_assert_int_eq(rp_wilcoxon_test(d30, zero30, 30, &w), ALCN_OK);
  ck_assert_int_eq(w.exact, 0);
  ck_assert_double_eq_tol(w.statistic, 203, 1e-12);
  ck_assert_double_eq_tol(w.p, 0.550853381155302, 1e-12);
  ck_assert_double_eq_tol(fabs(w.z), 0.596481841291929, 1e-11);
  ck_assert_int_eq(rp_wilcoxon_test(d30, zero30, 26, &w), ALCN_OK); /* one past the exact limit */
  ck_assert_int_eq(w.exact, 0);
  ck_assert_double_eq_tol(w.statistic, 156, 1e-12);
  ck_assert_double_eq_tol(w.p, 0.629407072907729, 1e-12);

  /* a zero makes Darwin's 15 differences use the normal approximation (scipy method="approx") */
  double zea0[16];
  memcpy(zea0, zea, sizeof zea);
  zea0[15] = 0;
  ck_assert_int_eq(rp_wilcoxon_test(zea0, zero30, 16, &w), ALCN_OK);
  ck_assert_int_eq(w.exact, 0);
  ck_assert_int_eq(w.n_zero, 1);
  ck_assert_double_eq_tol(w.p, 0.0437723237630412, 1e-12);
  ck_assert_double_eq_tol(w.z, 2.01626451157708, 1e-11);

  /* nothing to test */
  ck_assert_int_eq(rp_wilcoxon_test(zero30, zero30, 3, &w), ALCN_OK);
  ck_assert_int_eq(w.n_used, 0);
  ck_assert(isnan(w.p));
}
END_TEST

/* ---- Friedman, Iman-Davenport, Nemenyi groups ------------------------------------------------- */

/* Demsar Table 6 as in scipy's test (voting C4.5+cf = 0.9751, which gives the paper's ranks). */
static const double t6[14][4] = {
    {0.763, 0.768, 0.771, 0.798}, {0.599, 0.591, 0.590, 0.569}, {0.954, 0.971, 0.968, 0.967},
    {0.628, 0.661, 0.654, 0.657}, {0.882, 0.888, 0.886, 0.898}, {0.936, 0.931, 0.916, 0.931},
    {0.661, 0.668, 0.609, 0.685}, {0.583, 0.583, 0.563, 0.625}, {0.775, 0.838, 0.866, 0.875},
    {1.000, 1.000, 1.000, 1.000}, {0.940, 0.962, 0.965, 0.962}, {0.619, 0.666, 0.614, 0.669},
    {0.972, 0.981, 0.9751, 0.975}, {0.957, 0.978, 0.946, 0.970}};

START_TEST(test_friedman_demsar) {
  double r[4];
  rp_friedman f;
  ck_assert_int_eq(rp_friedman_test(&t6[0][0], 14, 4, 1, 0.05, r, &f), ALCN_OK);
  /* published (Demsar Table 6 and 3.2.2) */
  ck_assert_double_eq_tol(r[0], 3.143, 5e-4);
  ck_assert_double_eq_tol(r[1], 2.000, 5e-4);
  ck_assert_double_eq_tol(r[2], 2.893, 5e-4);
  ck_assert_double_eq_tol(r[3], 1.964, 5e-4);
  ck_assert_double_eq_tol(f.chi2_plain, 9.28, 5e-3);
  ck_assert_double_eq_tol(rp_iman_davenport(f.chi2_plain, 14, 4, NULL), 3.69, 5e-3);
  ck_assert_double_eq_tol(f.q, 2.569, 5e-4);
  ck_assert_double_eq_tol(f.cd, 1.25, 5e-3);
  /* scipy's test (tie corrected) and SciPy-computed Iman-Davenport */
  ck_assert_double_eq_tol(f.chi2, 10.2283464566929, 1e-10);
  ck_assert_double_eq_tol(f.p, 0.0167215803284414, 1e-12);
  ck_assert_double_eq_tol(f.chi2_plain, 9.27857142857144, 1e-10);
  ck_assert_double_eq_tol(f.ff, 4.18513011152417, 1e-10);
  ck_assert_double_eq_tol(f.p_ff, 0.011620659515311, 1e-12);
  ck_assert_double_eq_tol(f.cd, 1.25355914711761, 1e-6);

  /* Groups: at 0.05 nothing differs (one group of all four); at 0.10 (CD 1.12) two groups,
   * {C4.5+m+cf, C4.5+m, C4.5+cf} and {C4.5+cf, C4.5}: C4.5 is worse than C4.5+m and C4.5+m+cf. */
  int order[4], group[4][2];
  ck_assert_int_eq(rp_cd_groups(r, 4, f.cd, order, group), 1);
  ck_assert_int_eq(order[0], 3);
  ck_assert_int_eq(order[1], 1);
  ck_assert_int_eq(order[2], 2);
  ck_assert_int_eq(order[3], 0);
  ck_assert(group[0][0] == 0 && group[0][1] == 3);
  ck_assert_int_eq(rp_cd_groups(r, 4, rp_nemenyi_cd(4, 14, 0.10), order, group), 2);
  ck_assert(group[0][0] == 0 && group[0][1] == 2);
  ck_assert(group[1][0] == 2 && group[1][1] == 3);
}
END_TEST

START_TEST(test_friedman_edges) {
  double r[3];
  rp_friedman f;
  /* lower is better: ranks reverse */
  double x[] = {1, 2, 3, 1, 2, 3, 1, 3, 2};
  ck_assert_int_eq(rp_friedman_test(x, 3, 3, 0, 0.05, r, &f), ALCN_OK);
  ck_assert_double_eq_tol(r[0], 1.0, 1e-15);
  ck_assert_double_eq_tol(r[1], 7.0 / 3, 1e-15);
  ck_assert_double_eq_tol(r[2], 8.0 / 3, 1e-15);
  /* every block ranks the methods alike: chi2 = N(k-1), F infinite, p 0 */
  double y[] = {1, 2, 3, 1, 2, 3};
  ck_assert_int_eq(rp_friedman_test(y, 2, 3, 1, 0.05, r, &f), ALCN_OK);
  ck_assert_double_eq_tol(f.chi2, 4.0, 1e-12);
  ck_assert(isinf(f.ff) && f.p_ff == 0);
  /* all tied: no statistic */
  double z[] = {5, 5, 5, 5, 5, 5};
  ck_assert_int_eq(rp_friedman_test(z, 2, 3, 1, 0.05, r, &f), ALCN_OK);
  ck_assert(isnan(f.chi2) && isnan(f.p));
  ck_assert_double_eq_tol(r[1], 2.0, 1e-15);
  /* well-separated ranks: no group */
  double sep[3] = {1.0, 2.0, 3.0};
  int order[3], group[3][2];
  ck_assert_int_eq(rp_cd_groups(sep, 3, 0.5, order, group), 0);
  ck_assert_int_eq(rp_cd_groups(sep, 3, 1.5, order, group), 2); /* {1,2} and {2,3} */
}
END_TEST

/* ---- synthetic records: comparisons and the report ---------------------------------------------- */

static char recdir[4096];

static void write_record(const char *dir, const char *ds, const char *proto, int cls, const char *method,
                         const char *noise, int seed, double auroc, const char *status) {
  char path[8400];
  snprintf(path, sizeof path, "%s/records/%s_%s_c%d_%s_%s_mse_s%d.json", dir, ds, proto, cls, method, noise, seed);
  FILE *f = fopen(path, "w");
  ck_assert_ptr_nonnull(f);
  fprintf(f,
          "{\"schema\": \"alcnbench.record/1\", \"cell\": \"%s_%s_c%d_%s_%s_mse_s%d\", \"status\": \"%s\", "
          "\"dataset\": \"%s\", \"protocol\": \"%s\", \"class\": %d, \"class_name\": \"class %d\", "
          "\"method\": \"%s\", \"noise\": \"%s\", \"loss\": \"mse\", \"seed\": %d, ",
          ds, proto, cls, method, noise, seed, status, ds, proto, cls, cls, method, noise, seed);
  if (!strcmp(status, "done")) fprintf(f, "\"auroc\": %.17g, ", auroc);
  else fprintf(f, "\"reason\": \"NaN in the training loss\", ");
  fprintf(f, "\"epoch_val_scores\": [0.5, 0.6], \"epoch_noise_saturation\": [0.1, 0.2], \"config\": {}}\n");
  fclose(f);
}

/* k / 1024 AUROCs (exact in binary, so ties are real ties; see stats_reference.py). */
static int k_p2(int m, int c, int s) {
  static const int base[] = {717, 870, 614, 942}, eff[] = {0, 0, 10, 20};
  static const int delta[] = {5, -3, 8, 12, 1, -7, 15, 20, -2, 9, 4, 11};
  if (m == 1) return k_p2(3, c, s) + delta[c * 3 + s - 1];
  return base[c] + eff[m] + (7 * c + 5 * s + 3 * m) % 13;
}

static const char *const noises[] = {"none", "random", "gaussian", "alcn"};

static void write_records(const char *dir) {
  char sub[4200];
  snprintf(sub, sizeof sub, "%s/records", dir);
  ck_assert_int_eq(mkdir(sub, 0755), 0);
  /* mnist p2: four DAE variants, classes 0-3, seeds 1-3 */
  for (int m = 0; m < 4; ++m)
    for (int c = 0; c < 4; ++c)
      for (int s = 1; s <= 3; ++s) write_record(dir, "mnist", "p2", c, "dae", noises[m], s, k_p2(m, c, s) / 1024.0, "done");
  write_record(dir, "mnist", "p2", 0, "dae", "none", 4, 0.99, "done");   /* incomplete seed: in no statistic */
  write_record(dir, "mnist", "p2", 3, "dae", "gaussian", 4, 0, "failed"); /* failed: ignored */
  /* mnist p1 (same dataset, other protocol): DAE and DAE+ALCN, classes 0-1, seeds 1-2 */
  for (int m = 0; m < 2; ++m)
    for (int c = 0; c < 2; ++c)
      for (int s = 1; s <= 2; ++s)
        write_record(dir, "mnist", "p1", c, "dae", m ? "alcn" : "none", s, (500 + 100 * m + 10 * c + s) / 1024.0, "done");
  /* fashion-mnist p2 without DAE+ALCN: the reference is the best average (DAE+Gaussian) */
  for (int m = 0; m < 2; ++m)
    for (int c = 0; c < 2; ++c)
      for (int s = 1; s <= 2; ++s)
        write_record(dir, "fashion-mnist", "p2", c, "dae", m ? "gaussian" : "none", s,
                     (600 + 30 * m + 7 * c + 3 * s) / 1024.0, "done");
}

static void setup_records(void) {
  ck_assert_int_eq(tu_make_tempdir(recdir, sizeof recdir, "stats-records"), 0);
  write_records(recdir);
}

static void teardown_records(void) {
  tu_remove_tree(recdir);
}

static const rp_cmp_method *method_of(const rp_comparison *c, const char *label) {
  for (int i = 0; i < c->k; ++i)
    if (!strcmp(c->m[i].label, label)) return &c->m[i];
  ck_abort_msg("no method %s in %s/%s", label, c->ds, c->proto);
  return NULL;
}

START_TEST(test_comparisons_from_records) {
  rp_results res;
  ck_assert_int_eq(rp_load_results(recdir, &res, 1), ALCN_OK);
  rp_comparison *cmp;
  size_t n;
  ck_assert_int_eq(rp_build_comparisons(&res, RP_AUROC, &cmp, &n), ALCN_OK);
  ck_assert_uint_eq(n, 3); /* fashion-mnist/p2, mnist/p1, mnist/p2: protocols apart */
  ck_assert_str_eq(cmp[0].ds, "fashion-mnist");
  ck_assert_str_eq(cmp[1].proto, "p1");
  ck_assert_str_eq(cmp[2].proto, "p2");

  /* mnist p2 */
  const rp_comparison *c = &cmp[2];
  ck_assert_int_eq(c->k, 4);
  ck_assert_int_eq(c->n_classes, 4);
  ck_assert_int_eq(c->n_seeds, 4); /* seed 4 exists (class 0 of DAE) but covers one class */
  ck_assert_int_eq(c->n_cells, 13);
  ck_assert_str_eq(c->m[c->ref].label, "DAE+ALCN");
  ck_assert_int_eq(c->ref_alcn, 1);
  static const struct {
    const char *label;
    double avg, half;
  } avg[] = {{"DAE", 0.773600260416667, 0.00229609218479432},
             {"DAE+Random", 0.79833984375, 0.00774300468690992},
             {"DAE+Gaussian", 0.783935546875, 0.00363887360119675},
             {"DAE+ALCN", 0.792399088541667, 0.00622441633662218}};
  for (int i = 0; i < 4; ++i) {
    ck_assert_str_eq(c->m[i].label, avg[i].label); /* paper order */
    ck_assert_int_eq(c->m[i].n_seeds, 3);
    ck_assert_double_eq_tol(c->m[i].avg, avg[i].avg, 1e-12);
    ck_assert_double_eq_tol(c->m[i].ci_half, avg[i].half, 1e-10);
  }
  const rp_cmp_method *m = method_of(c, "DAE");
  ck_assert_int_eq(m->w.n, 12);
  ck_assert_int_eq(m->w.exact, 0);
  ck_assert_double_eq_tol(m->w.statistic, 0, 1e-12);
  ck_assert_double_eq_tol(m->w.p, 0.00149616428974555, 1e-12);
  ck_assert_double_eq_tol(m->w.z, -3.17542648054294, 1e-10);
  ck_assert_double_eq_tol(m->delta, -0.018798828125, 1e-12);
  m = method_of(c, "DAE+Random");
  ck_assert_int_eq(m->w.exact, 1);
  ck_assert_double_eq_tol(m->w.statistic, 11, 1e-12);
  ck_assert_double_eq_tol(m->w.p, 0.02685546875, 1e-14);
  ck_assert(m->w.n_pos == 9 && m->w.n_zero == 0 && m->w.n_neg == 3);
  ck_assert_double_eq_tol(m->delta, 0.00594075520833333, 1e-12);
  m = method_of(c, "DAE+Gaussian");
  ck_assert(m->w.n_pos == 0 && m->w.n_zero == 4 && m->w.n_neg == 8);
  ck_assert_int_eq(m->w.exact, 0);
  ck_assert_double_eq_tol(m->w.p, 0.00596207853209371, 1e-12);
  ck_assert_double_eq_tol(m->delta, -0.00846354166666667, 1e-12);
  ck_assert_int_eq(method_of(c, "DAE+ALCN")->w.n, 0);
  /* Friedman over the 12 complete (class, seed) blocks */
  ck_assert_int_eq(c->has_friedman, 1);
  ck_assert_int_eq(c->fr.n, 12);
  static const double ranks[] = {4, 1.25, 2.83333333333333, 1.91666666666667};
  for (int i = 0; i < 4; ++i) ck_assert_double_eq_tol(c->m[i].mean_rank, ranks[i], 1e-12);
  ck_assert_double_eq_tol(c->fr.chi2, 31.7586206896552, 1e-10);
  ck_assert_double_eq_tol(c->fr.p, 5.88375639207392e-07, 1e-16);
  ck_assert_double_eq_tol(c->fr.chi2_plain, 30.7, 1e-10);
  ck_assert_double_eq_tol(c->fr.ff, 82.3658536585369, 1e-9);
  ck_assert_double_eq_tol(c->fr.p_ff, 2.09014384716554e-15, 1e-22);
  ck_assert_double_eq_tol(c->fr.cd, 1.35399863043109, 1e-6);

  /* mnist p1: 2 methods, 4 blocks */
  c = &cmp[1];
  ck_assert_int_eq(c->k, 2);
  ck_assert_int_eq(c->fr.n, 4);
  m = method_of(c, "DAE");
  ck_assert_double_eq_tol(m->w.p, 0.0718606382258516, 1e-12);
  ck_assert_double_eq_tol(m->w.z, -1.8, 1e-12);
  ck_assert_double_eq_tol(m->delta, -100.0 / 1024, 1e-15);
  ck_assert_double_eq_tol(c->fr.chi2, 4, 1e-12);
  ck_assert_double_eq_tol(c->fr.p, 0.0455002638963586, 1e-12);
  ck_assert_double_eq_tol(c->fr.cd, 0.979981992270027, 1e-6);
  ck_assert_double_eq_tol(method_of(c, "DAE+ALCN")->mean_rank, 1, 1e-15);

  /* fashion-mnist p2: no DAE+ALCN, so the best average (DAE+Gaussian) is the reference */
  c = &cmp[0];
  ck_assert_int_eq(c->ref_alcn, 0);
  ck_assert_str_eq(c->m[c->ref].label, "DAE+Gaussian");
  ck_assert_double_eq_tol(method_of(c, "DAE")->w.p, 0.0718606382258516, 1e-12);

  rp_free_comparisons(cmp, n);
  rp_free_results(&res);
}
END_TEST

static char *slurp(const char *path) {
  FILE *f = fopen(path, "rb");
  if (!f) return NULL;
  fseek(f, 0, SEEK_END);
  long n = ftell(f);
  fseek(f, 0, SEEK_SET);
  char *s = malloc((size_t)n + 1);
  size_t r = fread(s, 1, (size_t)n, f);
  s[r] = 0;
  fclose(f);
  return s;
}

static int have_gnuplot(void) {
  char gp[1024];
  rp_find_gnuplot(gp, sizeof gp);
  return gp[0] != 0;
}

/* The Markdown row of `label`: its cells (after the label) split at '|'. */
static int md_row(const char *md, const char *label, char cells[16][64]) {
  char key[160];
  snprintf(key, sizeof key, "\n| %s |", label);
  const char *p = strstr(md, key);
  if (!p) return 0;
  p += strlen(key);
  int n = 0;
  while (*p && *p != '\n' && n < 16) {
    const char *e = strchr(p, '|');
    if (!e) break;
    size_t k = (size_t)(e - p);
    while (k && p[k - 1] == ' ') --k;
    while (k && *p == ' ') ++p, --k;
    snprintf(cells[n++], 64, "%.*s", (int)k, p);
    p = e + 1;
  }
  return n;
}

START_TEST(test_report_tables_and_cd_figure) {
  char out[4096], path[8400];
  ck_assert_int_eq(tu_make_tempdir(out, sizeof out, "stats-report"), 0);
  char *argv[] = {"report", recdir, "-o", out, "--quiet", NULL};
  ck_assert_int_eq(alcn_report_main(5, argv), 0);

  snprintf(path, sizeof path, "%s/tables/stats_auroc_mnist_p2.md", out);
  char *md = slurp(path);
  ck_assert_ptr_nonnull(md);
  ck_assert_ptr_nonnull(strstr(md, "| Method | Avg | 95% CI | Seeds | Mean rank | Δ vs DAE+ALCN | W/T/L | p (Wilcoxon) | Test |"));
  char cells[16][64];
  ck_assert_int_eq(md_row(md, "DAE+Random", cells), 8);
  ck_assert_str_eq(cells[0], "**0.798**");         /* best Avg */
  ck_assert_str_eq(cells[1], "[0.791, 0.806]");    /* 0.79834 -+ 0.00774 */
  ck_assert_str_eq(cells[2], "3");
  ck_assert_str_eq(cells[3], "**1.25**");
  ck_assert_str_eq(cells[4], "0.006");
  ck_assert_str_eq(cells[5], "9/0/3");
  ck_assert_str_eq(cells[6], "**0.0269**");
  ck_assert_str_eq(cells[7], "exact");
  ck_assert_int_eq(md_row(md, "DAE", cells), 8);
  ck_assert_str_eq(cells[6], "**0.0015**");
  ck_assert_str_eq(cells[7], "normal");
  ck_assert_int_eq(md_row(md, "DAE+ALCN", cells), 8);
  ck_assert_str_eq(cells[4], "reference");
  ck_assert_ptr_nonnull(strstr(md, "Friedman test over N = 12 blocks"));
  ck_assert_ptr_nonnull(strstr(md, "χ² = 31.759 (df 3, tie-corrected), p = 5.9e-07"));
  ck_assert_ptr_nonnull(strstr(md, "Iman-Davenport F = 82.366 (df 3, 33)"));
  ck_assert_ptr_nonnull(strstr(md, "CD = 1.354"));
  free(md);
  snprintf(path, sizeof path, "%s/tables/stats_auroc_fashion-mnist_p2.md", out);
  md = slurp(path);
  ck_assert_ptr_nonnull(md);
  ck_assert_ptr_nonnull(strstr(md, "no DAE+ALCN here"));
  ck_assert_ptr_nonnull(strstr(md, "Δ vs DAE+Gaussian"));
  free(md);
  snprintf(path, sizeof path, "%s/tables/stats_auroc_mnist_p2.tex", out);
  char *tex = slurp(path);
  ck_assert_ptr_nonnull(tex);
  ck_assert_ptr_nonnull(strstr(tex, "$\\chi^2$"));
  ck_assert_ptr_nonnull(strstr(tex, "$\\Delta$ vs DAE+ALCN"));
  free(tex);

  /* The report lists the statistics table after its metric table. */
  snprintf(path, sizeof path, "%s/report.md", out);
  md = slurp(path);
  const char *a = strstr(md, "tables/auroc_mnist_p2.tex"), *b = strstr(md, "tables/stats_auroc_mnist_p2.tex");
  ck_assert(a && b && a < b);
  free(md);

  /* Figures: the CD diagram per (dataset, protocol); bars with error bars over seeds. */
  static const char *const cds[] = {"cd_auroc_mnist_p2", "cd_auroc_mnist_p1", "cd_auroc_fashion-mnist_p2"};
  for (int i = 0; i < 3; ++i) {
    snprintf(path, sizeof path, "%s/figures/%s.gp", out, cds[i]);
    ck_assert_msg(access(path, R_OK) == 0, "missing %s", path);
    if (have_gnuplot()) {
      snprintf(path, sizeof path, "%s/figures/%s.png", out, cds[i]);
      ck_assert_msg(access(path, R_OK) == 0, "missing %s", path);
    }
  }
  snprintf(path, sizeof path, "%s/figures/cd_auroc_mnist_p2.dat", out);
  char *dat = slurp(path);
  ck_assert_ptr_nonnull(strstr(dat, "\"DAE+Random (1.25)\""));
  ck_assert_ptr_nonnull(strstr(dat, "\"DAE (4.00)\""));
  /* ranks 1.25 (Random), 1.92 (ALCN), 2.83 (Gaussian), 4.00 (DAE), CD 1.354: three groups of two */
  const char *grp = strstr(dat, "# groups not significantly different");
  ck_assert_ptr_nonnull(grp);
  int lines = 0;
  for (const char *q = strchr(grp, '\n'); q && q[1]; q = strchr(q + 1, '\n')) ++lines;
  ck_assert_int_eq(lines, 3);
  free(dat);
  if (have_gnuplot()) { /* PNG size from the IHDR chunk */
    snprintf(path, sizeof path, "%s/figures/cd_auroc_mnist_p2.png", out);
    FILE *f = fopen(path, "rb");
    unsigned char hdr[24];
    ck_assert_ptr_nonnull(f);
    ck_assert_uint_eq(fread(hdr, 1, 24, f), 24);
    fclose(f);
    unsigned pw = (unsigned)hdr[16] << 24 | (unsigned)hdr[17] << 16 | (unsigned)hdr[18] << 8 | hdr[19];
    unsigned ph = (unsigned)hdr[20] << 24 | (unsigned)hdr[21] << 16 | (unsigned)hdr[22] << 8 | hdr[23];
    ck_assert_uint_eq(pw, ALCN_REPORT_CD_W);
    ck_assert_uint_eq(ph, ALCN_REPORT_CD_H(4, 3));
  }
  snprintf(path, sizeof path, "%s/figures/bars_auroc_mnist_p2.gp", out);
  char *gp = slurp(path);
  ck_assert_ptr_nonnull(strstr(gp, "errorbars"));
  free(gp);
  snprintf(path, sizeof path, "%s/figures/bars_auroc_mnist_p2.dat", out);
  dat = slurp(path); /* class 0 of DAE: mean and sample std over seeds 1-4 (the error bar) */
  const char *row = strstr(dat, "\n\"class 0\"\t");
  ck_assert_ptr_nonnull(row);
  double mean, std, v[4] = {722 / 1024.0, 727 / 1024.0, 719 / 1024.0, 0.99}, vm = 0, vs = 0;
  ck_assert_int_eq(sscanf(row + strlen("\n\"class 0\"\t"), "%lf\t%lf", &mean, &std), 2);
  for (int i = 0; i < 4; ++i) vm += v[i] / 4;
  for (int i = 0; i < 4; ++i) vs += (v[i] - vm) * (v[i] - vm) / 3;
  ck_assert_double_eq_tol(mean, vm, 1e-6);
  ck_assert_double_eq_tol(std, sqrt(vs), 1e-6);
  free(dat);
  tu_remove_tree(out);

  /* PDF like the other figures */
  if (have_gnuplot()) {
    ck_assert_int_eq(tu_make_tempdir(out, sizeof out, "stats-report-pdf"), 0);
    char *argp[] = {"report", recdir, "-o", out, "--quiet", "--format", "pdf", NULL};
    ck_assert_int_eq(alcn_report_main(7, argp), 0);
    snprintf(path, sizeof path, "%s/figures/cd_auroc_mnist_p2.pdf", out);
    char *pdf = slurp(path);
    ck_assert_ptr_nonnull(pdf);
    ck_assert(!strncmp(pdf, "%PDF", 4));
    free(pdf);
    tu_remove_tree(out);
  }
}
END_TEST

int main(void) {
  Suite *s = suite_create("stats");
  TCase *tc = tcase_create("numerics");
  tcase_add_test(tc, test_distributions);
  tcase_add_test(tc, test_nemenyi_q);
  tcase_add_test(tc, test_mean_ci);
  tcase_add_test(tc, test_ranks);
  tcase_add_test(tc, test_wilcoxon_exact);
  tcase_add_test(tc, test_wilcoxon_normal);
  tcase_add_test(tc, test_friedman_demsar);
  tcase_add_test(tc, test_friedman_edges);
  suite_add_tcase(s, tc);
  TCase *tr = tcase_create("records");
  tcase_add_unchecked_fixture(tr, setup_records, teardown_records);
  tcase_set_timeout(tr, 120);
  tcase_add_test(tr, test_comparisons_from_records);
  tcase_add_test(tr, test_report_tables_and_cd_figure);
  suite_add_tcase(s, tr);
  return tu_run_suite(s);
}
