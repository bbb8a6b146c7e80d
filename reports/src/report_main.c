/* `report RESULTS_DIR -o OUT_DIR [...]`: command-line entry of the report
 * generator (alcn_report_main, report.h). Loads the records, writes the
 * tables, figures, Figure-4 grids and the index, and returns an exit code. */
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
          "usage: %s RESULTS_DIR... -o OUT_DIR [--format png|svg|pdf] [--metrics auroc,aupr,f1max]\n"
          "       [--reference DIR] [--quiet]\n"
          "Turns RESULTS_DIR/records/*.json and RESULTS_DIR/table5/*.json into tables (Markdown, LaTeX),\n"
          "gnuplot figures (.gp + .dat kept beside each), Figure-4 grids, report.md, report.html and the tidy\n"
          "results.csv (one row per cell and metric) in OUT_DIR. Several RESULTS_DIRs are merged; a cell found in\n"
          "more than one is named in one line (a done record wins over a failed one, then the later folder).\n"
          "Pixel AUROC and AUPRO tables and anomaly-map overlays appear when the records have them.\n"
          "Per dataset and protocol, a statistics table gives each method's average over classes with a 95%%\n"
          "t confidence interval over seeds, Wilcoxon signed-rank p-values against DAE+ALCN over (class, seed)\n"
          "cells, and a Friedman test over (class, seed) blocks with a Nemenyi critical-difference diagram.\n"
          "  --format     figure format (default png)\n"
          "  --metrics    tables and bars for these metrics (default auroc)\n"
          "  --reference  folder of published-table CSVs (default: the copies built into this program)\n"
          "  --quiet      print warnings and errors only\n"
          "  --verbose    error messages with internal call frames\n"
          "Without gnuplot on PATH the tables, scripts and data are still written, one warning names the\n"
          "figures not rendered, and the exit code is 0. Exit codes: 0 ok, 1 error, 2 usage.\n",
          argv0);
}

static alcn_status write_table(const char *dir, const rp_table *t, int quiet) {
  rp_buf md = {0}, tex = {0};
  char path[4200];
  rp_table_md(t, &md);
  rp_table_tex(t, &tex);
  alcn_status st = md.oom || tex.oom ? ALCN_ERR_NOMEM : ALCN_OK;
  if (st == ALCN_OK) {
    snprintf(path, sizeof path, "%s/%s.md", dir, t->id);
    st = rp_write_file(path, md.s, md.len);
  }
  if (st == ALCN_OK) {
    snprintf(path, sizeof path, "%s/%s.tex", dir, t->id);
    st = rp_write_file(path, tex.s, tex.len);
  }
  if (st == ALCN_OK && !quiet) printf("report: table %s/%s.{md,tex}\n", dir, t->id);
  rp_buf_free(&md);
  rp_buf_free(&tex);
  return st;
}

int alcn_report_main(int argc, char **argv) {
  const char *argv0 = argc > 0 ? argv[0] : "report";
  const char *in_dir = NULL, *in_dirs[64], *out_dir = NULL, *format = "png", *metrics_arg = "auroc", *ref_dir = NULL;
  int quiet = 0, n_in = 0;
  enum { R_OUT, R_FORMAT, R_METRICS, R_REFERENCE, R_QUIET };
  static const alcn_argspec flags[] = {{"out", "OUT_DIR", NULL, R_OUT, 'o'},
                                       {"format", "F", NULL, R_FORMAT, 0},
                                       {"metrics", "LIST", NULL, R_METRICS, 0},
                                       {"reference", "DIR", NULL, R_REFERENCE, 0},
                                       {"quiet", NULL, NULL, R_QUIET, 'q'},
                                       {NULL, NULL, NULL, 0, 0}};
  char prog[64];
  snprintf(prog, sizeof prog, "alcnbench %s", argv0);
  alcn_args ap;
  alcn_args_init(&ap, prog, flags, argc, argv, 1);
  for (int id; (id = alcn_args_next(&ap)) != ALCN_ARGS_END;) {
    switch (id) {
      case ALCN_ARGS_HELP: usage(stdout, argv0); return ALCN_EXIT_OK;
      case ALCN_ARGS_ERROR: return alcn_args_fail(prog);
      case R_OUT: out_dir = ap.value; break;
      case R_FORMAT: format = ap.value; break;
      case R_METRICS: metrics_arg = ap.value; break;
      case R_REFERENCE: ref_dir = ap.value; break;
      case R_QUIET: quiet = 1; break;
      case ALCN_ARGS_POSITIONAL:
        if (n_in >= 64) {
          fprintf(stderr, "%s: unexpected argument '%s' (at most 64 RESULTS_DIRs)\n", argv0, ap.value);
          return ALCN_EXIT_USAGE;
        }
        in_dirs[n_in++] = ap.value;
        if (!in_dir) in_dir = ap.value;
        break;
    }
  }
  if (!in_dir || !out_dir) {
    fprintf(stderr, "%s: RESULTS_DIR and -o OUT_DIR are required\n", argv0);
    usage(stderr, argv0);
    return 2;
  }
  if (strcmp(format, "png") && strcmp(format, "svg") && strcmp(format, "pdf")) {
    fprintf(stderr, "%s: --format must be png, svg or pdf, not '%s'\n", argv0, format);
    return 2;
  }
  int metrics[3] = {0, 0, 0};
  {
    char buf[256];
    snprintf(buf, sizeof buf, "%s", metrics_arg);
    char *save = NULL;
    for (char *tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
      int found = 0;
      for (int m = 0; m < 3; ++m)
        if (!strcmp(tok, rp_metric_id[m]) || (m == RP_F1 && !strcmp(tok, "f1"))) metrics[m] = found = 1;
      if (!found) {
        fprintf(stderr, "%s: unknown metric '%s' (choose from auroc, aupr, f1max)\n", argv0, tok);
        return 2;
      }
    }
  }

  rp_results res;
  rp_refs refs = {0};
  rp_table *all = NULL;
  size_t nall = 0;
  rp_figures figs = {0};
  figs.format = format;
  figs.quiet = quiet;
  int rc = 1;
  char path[4096];
  alcn_status st = rp_load_results_multi(in_dirs, n_in, &res, quiet);
  if (st != ALCN_OK) return alcn_args_fail(prog);
  if ((st = rp_load_refs(ref_dir, &refs)) != ALCN_OK) goto fail;
  snprintf(path, sizeof path, "%s/tables", out_dir);
  if ((st = alcn_fs_mkdir_p(path)) != ALCN_OK) goto fail;

  /* Tables: each requested metric (per dataset and protocol, its statistics
   * table right after it), then Table 5 (ours and published). */
  for (int m = 0; m < RP_N_METRICS; ++m) {
    /* the pixel metrics (pixel_auroc, aupro): whenever some record has them */
    int want = m < 3 ? metrics[m] : 0;
    for (size_t i = 0; m >= 3 && i < res.n && !want; ++i) want = res.rec[i].done && isfinite(res.rec[i].metric[m]);
    if (!want) continue;
    rp_table *t;
    size_t nt, nc = 0;
    rp_comparison *cmp = NULL;
    if ((st = rp_build_metric_tables(&res, &refs, m, &t, &nt)) != ALCN_OK) goto fail;
    rp_table *g = realloc(all, (nall + 2 * nt + 2) * sizeof *g);
    if (g) all = g;
    if (!g) st = alcn_error_at(__FILE__, __LINE__, ALCN_ERR_NOMEM, "out of memory for tables");
    if (st == ALCN_OK) st = rp_build_comparisons(&res, m, &cmp, &nc);
    for (size_t i = 0; i < nt; ++i) {
      if (st != ALCN_OK) {
        rp_table_free(&t[i]);
        continue;
      }
      all[nall++] = t[i];
      for (size_t j = 0; j < nc && st == ALCN_OK; ++j) {
        char id[128], dsl[48], prl[48];
        rp_slug(dsl, sizeof dsl, cmp[j].ds);
        rp_slug(prl, sizeof prl, cmp[j].proto);
        snprintf(id, sizeof id, "%s_%s_%s", rp_metric_id[m], dsl, prl);
        if (strcmp(id, t[i].id)) continue;
        if ((st = rp_comparison_table(&cmp[j], &all[nall])) == ALCN_OK) ++nall;
      }
    }
    free(t);
    rp_free_comparisons(cmp, nc);
    if (st != ALCN_OK) goto fail;
  }
  {
    rp_table *g = realloc(all, (nall + 2) * sizeof *g);
    if (!g) {
      st = alcn_error_at(__FILE__, __LINE__, ALCN_ERR_NOMEM, "out of memory for tables");
      goto fail;
    }
    all = g;
    if ((st = rp_build_table5(&res, &refs, &all[nall], &all[nall + 1])) != ALCN_OK) goto fail;
    nall += 2;
  }
  for (size_t i = 0; i < nall; ++i)
    if (all[i].nrow && (st = write_table(path, &all[i], quiet)) != ALCN_OK) goto fail;

  /* Figures. */
  rp_find_gnuplot(figs.gnuplot, sizeof figs.gnuplot);
  snprintf(path, sizeof path, "%s/figures", out_dir);
  if ((st = rp_make_plots(&res, &refs, metrics, path, &figs)) != ALCN_OK) goto fail;
  snprintf(path, sizeof path, "%s/figure4", out_dir);
  if ((st = rp_make_figure4(&res, in_dir, path, &figs)) != ALCN_OK) goto fail;
  if ((st = rp_make_gallery(&res, path, &figs)) != ALCN_OK) goto fail;
  if ((st = rp_make_overlays(&res, path, &figs)) != ALCN_OK) goto fail;
  snprintf(path, sizeof path, "%s/results.csv", out_dir);
  if ((st = rp_write_results_csv(&res, path)) != ALCN_OK) goto fail;
  if (!quiet) printf("report: tidy results %s\n", path);

  /* Index. */
  {
    rp_buf cmd = {0};
    rp_buf_put(&cmd, "alcnbench report");
    for (int i = 1; i < argc; ++i) rp_buf_printf(&cmd, " %s", argv[i]);
    rp_index_in in = {.results_dir = in_dir, .out_dir = out_dir, .command = cmd.s ? cmd.s : "report",
                      .res = &res, .tables = all, .n_tables = nall, .figs = &figs};
    st = rp_write_index(&in);
    rp_buf_free(&cmd);
    if (st != ALCN_OK) goto fail;
  }
  if (!quiet) printf("report: index %s/report.md and %s/report.html\n", out_dir, out_dir);

  /* One message naming every figure that was not rendered. */
  if (!figs.gnuplot[0]) {
    size_t k = 0;
    for (size_t i = 0; i < figs.n; ++i) k += !figs.f[i].rendered;
    if (k) {
      fprintf(stderr, "%s: warning: gnuplot was not found on PATH, so these %zu figures were not rendered:", argv0, k);
      for (size_t i = 0; i < figs.n; ++i)
        if (!figs.f[i].rendered) fprintf(stderr, " %s.%s", figs.f[i].name, format);
      fprintf(stderr, ". The tables, report and each figure's .gp script and .dat data are written "
                      "(hint: install gnuplot, e.g. apt-get install gnuplot-nox, then run `gnuplot NAME.gp` "
                      "in %s/figures or rerun this command).\n", out_dir);
    }
  }
  rc = figs.failures ? 1 : 0;
  if (figs.failures)
    fprintf(stderr, "%s: error: gnuplot failed on %d scripts (see %s/figures/gnuplot.log)\n", argv0, figs.failures,
            out_dir);
  goto cleanup;
fail:
  (void)alcn_args_fail(prog);
  rc = ALCN_EXIT_FAIL;
cleanup:
  for (size_t i = 0; i < nall; ++i) rp_table_free(&all[i]);
  free(all);
  free(figs.f);
  rp_free_refs(&refs);
  rp_free_results(&res);
  return rc;
}
