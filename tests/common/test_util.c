/* Implementation of the shared test helpers (test_util.h). */
#define _GNU_SOURCE
#include "test_util.h"

#include <check.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "alcn/rng.h"

void tu_fill_uniform(float *x, size_t n, uint64_t seed, float lo, float hi) {
  alcn_rng_uniform(x, n, seed, 0, lo, hi);
}

double tu_max_rel_err(const float *a, const float *b, size_t n, double floor) {
  double worst = 0.0;
  for (size_t i = 0; i < n; ++i) {
    double den = fabs((double)b[i]);
    if (den < floor) den = floor;
    double e = fabs((double)a[i] - (double)b[i]) / den;
    if (e > worst || isnan(e)) worst = isnan(e) ? INFINITY : e;
  }
  return worst;
}

double tu_max_abs_diff(const float *a, const float *b, size_t n) {
  double worst = 0.0;
  for (size_t i = 0; i < n; ++i) {
    double e = fabs((double)a[i] - (double)b[i]);
    if (e > worst || isnan(e)) worst = isnan(e) ? INFINITY : e;
  }
  return worst;
}

double tu_fd_check(float *x, size_t n, const float *analytic, tu_objective f, void *ctx, float eps,
                   size_t max_checks, double floor) {
  size_t step = n > max_checks ? n / max_checks : 1;
  double worst = 0.0;
  for (size_t i = 0; i < n; i += step) {
    float keep = x[i];
    x[i] = keep + eps;
    double fp = f(ctx);
    x[i] = keep - eps;
    double fm = f(ctx);
    x[i] = keep;
    double fd = (fp - fm) / (2.0 * (double)eps);
    double an = (double)analytic[i];
    double den = fmax(fmax(fabs(fd), fabs(an)), floor);
    double e = fabs(fd - an) / den;
    if (e > worst || isnan(e)) worst = isnan(e) ? INFINITY : e;
  }
  return worst;
}

int tu_make_tempdir(char *buf, size_t cap, const char *tag) {
  const char *base = getenv("TMPDIR");
  if (!base || !*base) base = "/tmp";
  snprintf(buf, cap, "%s/alcn-%s-XXXXXX", base, tag);
  return mkdtemp(buf) ? 0 : -1;
}

void tu_remove_tree(const char *path) {
  const char *base = getenv("TMPDIR");
  if (!base || !*base) base = "/tmp";
  if (strncmp(path, base, strlen(base)) != 0 && strncmp(path, "/tmp/", 5) != 0) return;
  char cmd[4200];
  snprintf(cmd, sizeof cmd, "rm -rf '%s'", path);
  if (system(cmd) != 0) fprintf(stderr, "warning: could not remove %s\n", path);
}

int tu_run_suite(Suite *s) {
  SRunner *sr = srunner_create(s);
  srunner_run_all(sr, CK_NORMAL);
  int failed = srunner_ntests_failed(sr);
  srunner_free(sr);
  return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
