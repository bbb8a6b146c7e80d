/* Noise-saturation figure (issue 13.5): for every data set and protocol
 * whose records carry `epoch_noise_saturation` (a learning noise such as
 * ALCN: the fraction of G_noise outputs within 0.01 of 0 or 1, per epoch),
 * two stacked panels over the epochs, one line per method label (mean over
 * its cells, band: min-max): the saturation on top and the training loss
 * relative to its first epoch below, so that a collapse of the noise to a
 * near-binary field shows beside what the loss does meanwhile. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "alcn/report.h"
#include "report_internal.h"

enum { NPAL = 8 };

static int has_sat(const rp_record *r) { return r->done && r->n_saturation > 0; }

static int cmp_label(const void *x, const void *y) {
  const char *p = *(const char *const *)x, *q = *(const char *const *)y;
  int d = rp_label_order(p) - rp_label_order(q);
  return d ? d : strcmp(p, q);
}

/* Value of series `which` (0 saturation, 1 loss / first loss) at epoch e, or NAN. */
static double series_at(const rp_record *r, int which, int e) {
  if (which == 0) return e < r->n_saturation ? r->epoch_saturation[e] : NAN;
  if (e >= r->n_epochs || r->n_epochs < 1 || !(r->epoch_losses[0] > 0)) return NAN;
  return r->epoch_losses[e] / r->epoch_losses[0];
}

/* One data block per label: epoch, mean, min, max of the series over the group's cells. */
static void blocks(rp_buf *dat, rp_buf *plot, const rp_results *res, const char *ds, const char *proto,
                   const char **labels, size_t nl, int which, const char *name, int *block) {
  for (size_t l = 0; l < nl; ++l) {
    int emax = 0, ncells = 0;
    for (size_t i = 0; i < res->n; ++i) {
      const rp_record *r = &res->rec[i];
      if (!has_sat(r) || strcmp(r->dataset, ds) || strcmp(r->protocol, proto) || strcmp(r->label, labels[l])) continue;
      int ne = which == 0 ? r->n_saturation : r->n_epochs;
      if (ne > emax) emax = ne;
      ++ncells;
    }
    rp_buf body = {0}; /* the block's rows; a label without one finite value gets no block (gnuplot refuses it) */
    int points = 0;
    for (int e = 0; e < emax; ++e) {
      double s = 0, lo = INFINITY, hi = -INFINITY;
      int k = 0;
      for (size_t i = 0; i < res->n; ++i) {
        const rp_record *r = &res->rec[i];
        if (!has_sat(r) || strcmp(r->dataset, ds) || strcmp(r->protocol, proto) || strcmp(r->label, labels[l]))
          continue;
        double v = series_at(r, which, e);
        if (!isfinite(v)) continue;
        s += v;
        lo = fmin(lo, v);
        hi = fmax(hi, v);
        ++k;
      }
      if (k) {
        rp_buf_printf(&body, "%d\t%.8g\t%.8g\t%.8g\n", e + 1, s / k, lo, hi);
        ++points;
      }
    }
    if (!points || body.oom) {
      rp_buf_free(&body);
      continue;
    }
    rp_buf_printf(dat, "# %s, %s: mean, min and max over %d cells\n# epoch\tmean\tmin\tmax\n%s\n\n", labels[l],
                  which == 0 ? "noise saturation" : "loss / first-epoch loss", ncells, body.s);
    rp_buf_free(&body);
    rp_buf_printf(plot,
                  "%s\"%s.dat\" index %d using 1:3:4 with filledcurves lt %zu fs transparent solid 0.18 noborder "
                  "notitle, \\\n     \"\" index %d using 1:2 with linespoints lt %zu title ",
                  plot->len ? ", \\\n     " : "", name, *block, l % NPAL + 1, *block, l % NPAL + 1);
    rp_gp_quote(plot, labels[l]);
    ++*block;
  }
}

static alcn_status one_group(rp_figures *figs, const char *dir, const rp_results *res, const char *ds,
                             const char *proto, const char **labels) {
  size_t nl = 0;
  for (size_t i = 0; i < res->n; ++i) {
    const rp_record *r = &res->rec[i];
    if (!has_sat(r) || strcmp(r->dataset, ds) || strcmp(r->protocol, proto)) continue;
    int seen = 0;
    for (size_t k = 0; k < nl && !seen; ++k) seen = !strcmp(labels[k], r->label);
    if (!seen) labels[nl++] = r->label;
  }
  qsort(labels, nl, sizeof *labels, cmp_label);
  char name[160], title[256], dsl[64], prl[64];
  rp_slug(dsl, sizeof dsl, ds);
  rp_slug(prl, sizeof prl, proto);
  snprintf(name, sizeof name, "saturation_%s_%s", dsl, prl);
  snprintf(title, sizeof title, "Learned-noise saturation and training loss: %s, protocol %s", ds, proto);
  rp_buf gp = {0}, dat = {0}, top = {0}, bottom = {0};
  int block = 0, emax = 1;
  for (size_t i = 0; i < res->n; ++i) { /* x range: 1..longest series (gnuplot refuses an empty range) */
    const rp_record *r = &res->rec[i];
    if (!has_sat(r) || strcmp(r->dataset, ds) || strcmp(r->protocol, proto)) continue;
    if (r->n_saturation > emax) emax = r->n_saturation;
    if (r->n_epochs > emax) emax = r->n_epochs;
  }
  blocks(&dat, &top, res, ds, proto, labels, nl, 0, name, &block);
  blocks(&dat, &bottom, res, ds, proto, labels, nl, 1, name, &block);
  rp_gp_header(&gp, figs, name, title, ALCN_REPORT_LOSS_W, ALCN_REPORT_LOSS_H * 2);
  rp_buf_put(&gp, "set multiplot layout 2,1 title ");
  rp_gp_quote(&gp, title);
  /* one key, inside the saturation panel's empty lower part; the loss panel uses the same colours */
  rp_buf_put(&gp, "\nset key inside right bottom vertical reverse Left samplen 1.5 spacing 1.2 width 2 box opaque\n"
                  "set grid xtics ytics\nset lmargin 12\nset rmargin 4\n"
                  "set ylabel \"Noise saturation\\n(outputs within 0.01 of 0 or 1)\"\nset yrange [0:1]\n"
                  "set format x \"\"\n");
  if (emax <= 20) rp_buf_put(&gp, "set xtics 1\nset mxtics 1\n"); /* one tic per epoch while readable */
  rp_buf_printf(&gp, "set xrange [%g:%g]\n", emax > 1 ? 1.0 : 0.5, emax > 1 ? (double)emax : 1.5);
  rp_buf_printf(&gp, "plot %s\n", top.len ? top.s : "NaN notitle");
  rp_buf_put(&gp, "unset key\nset format x \"%g\"\nset xlabel \"Epoch\"\nset autoscale y\n"
                  "set ylabel \"Training loss / first-epoch loss\\n(mean over cells; band: min-max)\"\n");
  if (!bottom.len)
    rp_buf_put(&gp, "set yrange [0:1]\nset label 1 \"no training loss per epoch in these records\" at graph 0.5,0.5 center\n");
  rp_buf_printf(&gp, "plot %s\nunset multiplot\n", bottom.len ? bottom.s : "NaN notitle");
  alcn_status st = rp_gp_emit(figs, dir, name, title, "Training loss", &gp, &dat);
  rp_buf_free(&gp);
  rp_buf_free(&dat);
  rp_buf_free(&top);
  rp_buf_free(&bottom);
  return st;
}

alcn_status rp_saturation_figures(rp_figures *figs, const char *dir, const rp_results *res) {
  if (!res->n) return ALCN_OK;
  const char **labels = malloc(res->n * sizeof *labels);
  ALCN_CHECK_ALLOC(labels, res->n * sizeof *labels);
  alcn_status st = ALCN_OK;
  for (size_t i = 0; i < res->n && st == ALCN_OK; ++i) {
    const rp_record *r = &res->rec[i];
    if (!has_sat(r)) continue;
    int first = 1; /* draw each (data set, protocol) once: at its first record with saturation */
    for (size_t j = 0; j < i && first; ++j)
      first = !(has_sat(&res->rec[j]) && !strcmp(res->rec[j].dataset, r->dataset) &&
                !strcmp(res->rec[j].protocol, r->protocol));
    if (first) st = one_group(figs, dir, res, r->dataset, r->protocol, labels);
  }
  free(labels);
  return st;
}
