/* Critical-difference diagram (Demsar 2006, Fig. 1a) of a comparison, as a
 * gnuplot script + data: the methods' mean Friedman ranks on a rank axis
 * (1 = best, at the left), the Nemenyi critical difference drawn above it,
 * and a thick bar joining each maximal group of methods whose mean ranks
 * differ by less than CD (not significantly different). The better half of
 * the methods is labelled on the left, the rest on the right. Coordinates:
 * x in ranks, y in pixels (1 unit = 1 pixel of the PNG). */
#define _POSIX_C_SOURCE 200809L
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "alcn/report.h"
#include "report_internal.h"

/* Vertical layout in pixels (y = 0 is the rank axis); ALCN_REPORT_CD_H must match. */
enum {
  TOP_PX = 64,     /* two title lines */
  BOTTOM_PX = 6,
  Y_TOP = 86,      /* above the axis: tick labels, CD bar and its label */
  GROUP0 = 18,     /* first group bar below the axis (rows start GROUP0 - GROUP_STEP + ROW_GAP lower without groups) */
  GROUP_STEP = 12,
  ROW_GAP = 24,    /* last group bar (or GROUP0) to the first label row */
  ROW_STEP = 30,
  ROW_TAIL = 26    /* below the last row */
};

alcn_status rp_cd_figure(rp_figures *figs, const char *dir, const rp_comparison *c) {
  if (!c->has_friedman || c->k < 2 || isnan(c->fr.cd)) return ALCN_OK;
  int k = c->k;
  int *order = malloc((size_t)k * sizeof *order);
  int (*group)[2] = malloc((size_t)k * sizeof *group);
  double *rank = malloc((size_t)k * sizeof *rank);
  if (!order || !group || !rank) {
    free(order);
    free(group);
    free(rank);
    ALCN_FAIL(ALCN_ERR_NOMEM, "out of memory for a critical-difference diagram");
  }
  for (int i = 0; i < k; ++i) rank[i] = c->m[i].mean_rank;
  double cd = c->fr.cd;
  int ng = rp_cd_groups(rank, k, cd, order, group);
  int nleft = (k + 1) / 2, rows = nleft;
  int h = ALCN_REPORT_CD_H(k, ng), w = ALCN_REPORT_CD_W;
  double ybot = -(GROUP0 - GROUP_STEP + GROUP_STEP * ng + ROW_GAP + ROW_STEP * (rows - 1) + ROW_TAIL);
  double axis_end = k > 1 + cd ? k : 1 + cd;
  double ext = 0.12 + 0.03 * (axis_end - 1), xl = 1 - ext, xr = axis_end + ext;

  char name[160], title[256], dsl[48], prl[48], label[160];
  rp_slug(dsl, sizeof dsl, c->ds);
  rp_slug(prl, sizeof prl, c->proto);
  snprintf(name, sizeof name, "cd_%s_%s_%s", rp_metric_id[c->metric], dsl, prl);
  snprintf(title, sizeof title, "Critical difference (Nemenyi, α = %.2f), %s: %s, protocol %s", c->fr.alpha,
           rp_metric_name[c->metric], c->ds, c->proto);

  /* Data: index 0 left-side methods, index 1 right-side, index 2 group bars. */
  rp_buf gp = {0}, dat = {0};
  size_t lmax = 0, rmax = 0;
  for (int side = 0; side < 2; ++side) {
    rp_buf_printf(&dat, "# %s side: mean_rank\trow_y\tline_end_x\tlabel\n", side ? "right" : "left");
    for (int p = side ? nleft : 0; p < (side ? k : nleft); ++p) {
      int m = order[p];
      int row = side ? k - 1 - p : p; /* outermost methods on the top row: lines never cross */
      double y = ybot + ROW_TAIL + ROW_STEP * (rows - 1 - row);
      snprintf(label, sizeof label, "%s (%.2f)", c->m[m].label, rank[m]);
      size_t len = strlen(label);
      if (side) rmax = len > rmax ? len : rmax;
      else lmax = len > lmax ? len : lmax;
      rp_buf_printf(&dat, "%.6f\t%.1f\t%.6f\t", rank[m], y, side ? xr : xl);
      rp_gp_quote(&dat, label);
      rp_buf_put(&dat, "\n");
    }
    rp_buf_put(&dat, "\n\n");
  }
  rp_buf_put(&dat, "# groups not significantly different: from_rank\ty\tto_rank\n");
  for (int g = 0; g < ng; ++g)
    rp_buf_printf(&dat, "%.6f\t%d\t%.6f\n", rank[order[group[g][0]]] - 0.03, -(GROUP0 + GROUP_STEP * g),
                  rank[order[group[g][1]]] + 0.03);

  rp_gp_header(&gp, figs, name, title, w, h);
  /* room for the labels: about 8.5 px a character at the PNG/SVG font sizes, plus the offset */
  double lm = (24 + 8.5 * (double)lmax) / w, rm = (24 + 8.5 * (double)rmax) / w;
  lm = lm > 0.42 ? 0.42 : lm;
  rm = rm > 0.42 ? 0.42 : rm;
  char p[32];
  rp_format_p(p, sizeof p, c->fr.p);
  rp_buf_put(&gp, "unset border\nunset xtics\nunset ytics\nunset grid\nunset key\n");
  rp_buf_printf(&gp, "set lmargin at screen %.4f\nset rmargin at screen %.4f\n", lm, 1 - rm);
  rp_buf_printf(&gp, "set tmargin at screen %.4f\nset bmargin at screen %.4f\n", 1 - (double)TOP_PX / h,
                (double)BOTTOM_PX / h);
  rp_buf_printf(&gp, "set xrange [%.4f:%.4f]\nset yrange [%.1f:%d]\n", xl, xr, ybot, Y_TOP);
  rp_buf_put(&gp, "set title ");
  rp_gp_quote(&gp, title);
  rp_buf_put(&gp, ".\"\\n\".");
  snprintf(label, sizeof label, "N = %d (class, seed) blocks, Friedman p = %s; bars join methods not significantly different",
           c->fr.n, p);
  rp_gp_quote(&gp, label);
  rp_buf_put(&gp, "\n# rank axis, ticks at every rank and half rank\n");
  rp_buf_printf(&gp, "set arrow from 1,0 to %d,0 nohead lw 1.5 lc rgb \"#000000\" front\n", k);
  for (int i = 1; i <= k; ++i) {
    rp_buf_printf(&gp, "set arrow from %d,0 to %d,9 nohead lw 1.2 lc rgb \"#000000\" front\n", i, i);
    rp_buf_printf(&gp, "set label \"%d\" at %d,20 center front\n", i, i);
    if (i < k) rp_buf_printf(&gp, "set arrow from %.1f,0 to %.1f,5 nohead lw 1 lc rgb \"#000000\" front\n", i + 0.5, i + 0.5);
  }
  rp_buf_put(&gp, "# the critical difference, from rank 1\n");
  rp_buf_printf(&gp, "set arrow from 1,50 to %.6f,50 nohead lw 2 lc rgb \"#000000\" front\n", 1 + cd);
  rp_buf_printf(&gp, "set arrow from 1,45 to 1,55 nohead lw 2 lc rgb \"#000000\" front\n");
  rp_buf_printf(&gp, "set arrow from %.6f,45 to %.6f,55 nohead lw 2 lc rgb \"#000000\" front\n", 1 + cd, 1 + cd);
  rp_buf_printf(&gp, "set label \"CD = %.3f\" at %.6f,68 center front\n", cd, 1 + cd / 2);
  rp_buf_printf(&gp, "plot \"%s.dat\" index 0 using 1:(0):(0):($2) with vectors nohead lw 1.2 lc rgb \"#333333\", \\\n"
                     "     \"\" index 0 using 1:2:($3-$1):(0) with vectors nohead lw 1.2 lc rgb \"#333333\", \\\n"
                     "     \"\" index 0 using 3:2:4 with labels right offset -0.6,0, \\\n"
                     "     \"\" index 1 using 1:(0):(0):($2) with vectors nohead lw 1.2 lc rgb \"#333333\", \\\n"
                     "     \"\" index 1 using 1:2:($3-$1):(0) with vectors nohead lw 1.2 lc rgb \"#333333\", \\\n"
                     "     \"\" index 1 using 3:2:4 with labels left offset 0.6,0",
                name);
  if (ng) rp_buf_put(&gp, ", \\\n     \"\" index 2 using 1:2:($3-$1):(0) with vectors nohead lw 5 lc rgb \"#D55E00\"");
  rp_buf_put(&gp, ", \\\n     \"\" index 0 using 1:(0) with points pt 7 ps 0.7 lc rgb \"#0072B2\""
                  ", \\\n     \"\" index 1 using 1:(0) with points pt 7 ps 0.7 lc rgb \"#0072B2\"\n");
  alcn_status st = rp_gp_emit(figs, dir, name, title, "Critical differences", &gp, &dat);
  rp_buf_free(&gp);
  rp_buf_free(&dat);
  free(order);
  free(group);
  free(rank);
  return st;
}
