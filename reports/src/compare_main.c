/* `alcnbench compare A B [--metric M]`: two results folders side by side.
 * Cells are paired by cell id (same data set, protocol, class, method,
 * noise, loss and seed); for each pair the metric in A, in B and B - A, then
 * the averages over the pairs and a paired two-sided Wilcoxon signed-rank
 * test of B against A (stats.c). Cells in one folder only are counted. */
#define _POSIX_C_SOURCE 200809L
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "alcn/args.h"
#include "alcn/report.h"
#include "report_internal.h"

static void usage(FILE *f, const char *argv0) {
  fprintf(f,
          "usage: %s A B [--metric auroc|aupr|f1max|pixel_auroc|aupro] [--quiet]\n"
          "Pairs the done cells of results folders A and B by cell id and prints, per cell, the metric in A,\n"
          "in B and B - A; then the averages over the pairs and a paired two-sided Wilcoxon signed-rank test.\n"
          "  --metric  which metric (default auroc)\n"
          "  --quiet   no per-cell lines, only the summary\n"
          "  --verbose error messages with internal call frames\n"
          "Exit codes: 0 ok, 1 error (unreadable folder, no cell in both), 2 usage.\n",
          argv0);
}

static const rp_record *find_cell(const rp_results *r, const char *cell) {
  for (size_t i = 0; i < r->n; ++i)
    if (!strcmp(r->rec[i].cell, cell)) return &r->rec[i];
  return NULL;
}

int alcn_report_compare_main(int argc, char **argv) {
  const char *argv0 = argc > 0 ? argv[0] : "compare";
  const char *dir[2] = {NULL, NULL}, *metric_arg = "auroc";
  int quiet = 0, nd = 0;
  enum { C_METRIC, C_QUIET };
  static const alcn_argspec flags[] = {
      {"metric", "M", NULL, C_METRIC, 0}, {"quiet", NULL, NULL, C_QUIET, 'q'}, {NULL, NULL, NULL, 0, 0}};
  alcn_args ap;
  alcn_args_init(&ap, "alcnbench compare", flags, argc, argv, 1);
  for (int id; (id = alcn_args_next(&ap)) != ALCN_ARGS_END;) {
    switch (id) {
      case ALCN_ARGS_HELP: usage(stdout, argv0); return ALCN_EXIT_OK;
      case ALCN_ARGS_ERROR: return alcn_args_fail("alcnbench compare");
      case C_METRIC: metric_arg = ap.value; break;
      case C_QUIET: quiet = 1; break;
      case ALCN_ARGS_POSITIONAL:
        if (nd >= 2) {
          fprintf(stderr, "%s: unexpected argument '%s' (two results folders: A B)\n", argv0, ap.value);
          return ALCN_EXIT_USAGE;
        }
        dir[nd++] = ap.value;
        break;
    }
  }
  if (nd != 2) {
    fprintf(stderr, "%s: two results folders are required\n", argv0);
    usage(stderr, argv0);
    return 2;
  }
  int metric = -1;
  for (int m = 0; m < RP_N_METRICS; ++m)
    if (!strcmp(metric_arg, rp_metric_id[m])) metric = m;
  if (metric < 0) {
    fprintf(stderr, "%s: unknown metric '%s' (choose from auroc, aupr, f1max, pixel_auroc, aupro)\n", argv0,
            metric_arg);
    return 2;
  }
  rp_results res[2];
  memset(res, 0, sizeof res);
  for (int k = 0; k < 2; ++k)
    if (rp_load_results(dir[k], &res[k], 1) != ALCN_OK) {
      int rc = alcn_args_fail("alcnbench compare");
      if (k) rp_free_results(&res[0]);
      return rc;
    }
  size_t cap = res[0].n ? res[0].n : 1;
  double *x = malloc(cap * sizeof *x), *y = malloc(cap * sizeof *y);
  int rc = 1;
  if (!x || !y) {
    fprintf(stderr, "%s: error: out of memory\n", argv0);
    goto out;
  }
  int np = 0, only_a = 0, only_b = 0;
  size_t wcell = 4;
  for (size_t i = 0; i < res[0].n; ++i) wcell = strlen(res[0].rec[i].cell) > wcell ? strlen(res[0].rec[i].cell) : wcell;
  if (!quiet)
    printf("%-*s  %8s  %8s  %8s\n", (int)wcell, "cell", "A", "B", "B-A");
  for (size_t i = 0; i < res[0].n; ++i) {
    const rp_record *a = &res[0].rec[i];
    if (!a->done || !isfinite(a->metric[metric])) continue;
    const rp_record *b = find_cell(&res[1], a->cell);
    if (!b || !b->done || !isfinite(b->metric[metric])) {
      ++only_a;
      continue;
    }
    x[np] = a->metric[metric];
    y[np] = b->metric[metric];
    if (!quiet)
      printf("%-*s  %8.4f  %8.4f  %+8.4f\n", (int)wcell, a->cell, x[np], y[np], y[np] - x[np]);
    ++np;
  }
  for (size_t i = 0; i < res[1].n; ++i) {
    const rp_record *b = &res[1].rec[i];
    if (!b->done || !isfinite(b->metric[metric])) continue;
    const rp_record *a = find_cell(&res[0], b->cell);
    if (!a || !a->done || !isfinite(a->metric[metric])) ++only_b;
  }
  if (np == 0) {
    fprintf(stderr, "%s: error: no done cell with %s is in both %s and %s (%d in A only, %d in B only; cells pair by "
            "id: data set, protocol, class, method, noise, loss, seed)\n", argv0, rp_metric_name[metric], dir[0],
            dir[1], only_a, only_b);
    goto out;
  }
  double ma = 0, mb = 0;
  for (int i = 0; i < np; ++i) ma += x[i], mb += y[i];
  ma /= np;
  mb /= np;
  printf("%-*s  %8.4f  %8.4f  %+8.4f\n", (int)wcell, "average", ma, mb, mb - ma);
  printf("%s: A = %s, B = %s: %d paired cells (%d in A only, %d in B only)\n", rp_metric_name[metric], dir[0], dir[1],
         np, only_a, only_b);
  rp_wilcoxon wt;
  if (rp_wilcoxon_test(y, x, np, &wt) == ALCN_OK && wt.n_used > 0) {
    char p[32];
    rp_format_p(p, sizeof p, wt.p);
    printf("Wilcoxon signed-rank, B vs A, two-sided: n = %d (%d zero differences dropped), B higher in %d, lower in "
           "%d, W = %g, p = %s (%s)\n", wt.n_used, wt.n_zero, wt.n_pos, wt.n_neg, wt.statistic, p,
           wt.exact ? "exact" : "normal approximation");
  } else {
    printf("Wilcoxon signed-rank: not computed (every difference is zero)\n");
  }
  rc = 0;
out:
  free(x);
  free(y);
  rp_free_results(&res[0]);
  rp_free_results(&res[1]);
  return rc;
}
