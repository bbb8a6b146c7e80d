/* Method comparisons: for each (dataset, protocol) and metric, the methods'
 * average over classes with a t-based 95% CI over seeds, a paired Wilcoxon
 * signed-rank test of every method against DAE+ALCN (else the best average)
 * over (class, seed) cells, and a Friedman test with Nemenyi critical
 * difference whose blocks are the (class, seed) cells where every method has
 * a value; and the statistics table that shows them. */
#define _POSIX_C_SOURCE 200809L
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "report_internal.h"

static int cmp_label(const void *x, const void *y) {
  const char *p = *(const char *const *)x, *q = *(const char *const *)y;
  int d = rp_label_order(p) - rp_label_order(q);
  return d ? d : strcmp(p, q);
}

static int cmp_int(const void *x, const void *y) {
  int a = *(const int *)x, b = *(const int *)y;
  return (a > b) - (a < b);
}

static int in_group(const rp_record *r, const char *ds, const char *proto, int metric) {
  return r->done && !strcmp(r->dataset, ds) && !strcmp(r->protocol, proto) && isfinite(r->metric[metric]);
}

static int add_unique_int(int *v, int *n, int x) {
  for (int i = 0; i < *n; ++i)
    if (v[i] == x) return i;
  v[(*n)++] = x;
  return *n - 1;
}

static int find_int(const int *v, int n, int x) {
  for (int i = 0; i < n; ++i)
    if (v[i] == x) return i;
  return -1;
}

/* The comparison of one group. val[(m * nc + c) * ns + s]: mean of the records
 * of method m, class c, seed s (duplicates averaged), NAN when none. */
static alcn_status build_one(const rp_results *res, int metric, const char *ds, const char *proto,
                             rp_comparison *cmp) {
  memset(cmp, 0, sizeof *cmp);
  cmp->ds = ds;
  cmp->proto = proto;
  cmp->metric = metric;
  cmp->ref = -1;
  size_t cap = res->n ? res->n : 1;
  const char **labels = malloc(cap * sizeof *labels);
  int *classes = malloc(cap * sizeof *classes), *seeds = malloc(cap * sizeof *seeds);
  double *val = NULL, *cnt = NULL, *x = NULL, *y = NULL, *blocks = NULL, *ranks = NULL;
  alcn_status st = ALCN_OK;
  if (!labels || !classes || !seeds) {
    st = alcn_error_at(__FILE__, __LINE__, ALCN_ERR_NOMEM, "out of memory comparing methods");
    goto done;
  }
  int k = 0, nc = 0, ns = 0;
  for (size_t i = 0; i < res->n; ++i) {
    const rp_record *r = &res->rec[i];
    if (!in_group(r, ds, proto, metric)) continue;
    int seen = 0;
    for (int j = 0; j < k && !seen; ++j) seen = !strcmp(labels[j], r->label);
    if (!seen) labels[k++] = r->label;
    add_unique_int(classes, &nc, r->cls);
    add_unique_int(seeds, &ns, r->seed);
  }
  qsort(labels, (size_t)k, sizeof *labels, cmp_label);
  qsort(classes, (size_t)nc, sizeof *classes, cmp_int);
  qsort(seeds, (size_t)ns, sizeof *seeds, cmp_int);
  cmp->k = k;
  cmp->n_classes = nc;
  cmp->n_seeds = ns;
  if (!k) goto done;
  size_t cells = (size_t)nc * (size_t)ns, nval = (size_t)k * cells;
  cmp->m = calloc((size_t)k, sizeof *cmp->m);
  val = calloc(nval, sizeof *val);
  cnt = calloc(nval, sizeof *cnt);
  x = malloc(cells * sizeof *x);
  y = malloc(cells * sizeof *y);
  blocks = malloc(nval * sizeof *blocks);
  ranks = malloc((size_t)k * sizeof *ranks);
  if (!cmp->m || !val || !cnt || !x || !y || !blocks || !ranks) {
    st = alcn_error_at(__FILE__, __LINE__, ALCN_ERR_NOMEM, "out of memory comparing %d methods", k);
    goto done;
  }
  for (size_t i = 0; i < res->n; ++i) {
    const rp_record *r = &res->rec[i];
    if (!in_group(r, ds, proto, metric)) continue;
    int m = 0;
    while (strcmp(labels[m], r->label)) ++m;
    size_t at = ((size_t)m * nc + (size_t)find_int(classes, nc, r->cls)) * ns + (size_t)find_int(seeds, ns, r->seed);
    val[at] += r->metric[metric];
    cnt[at] += 1;
    if (r->method && r->noise && !strcmp(r->method, "dae") && !strcmp(r->noise, "alcn")) cmp->m[m].is_alcn = 1;
  }
  for (size_t i = 0; i < nval; ++i) val[i] = cnt[i] > 0 ? val[i] / cnt[i] : NAN;
  for (size_t cs = 0; cs < cells; ++cs) {
    int any = 0;
    for (int m = 0; m < k && !any; ++m) any = !isnan(val[(size_t)m * cells + cs]);
    cmp->n_cells += any;
  }

  /* Average over classes per seed (seeds with every class), then mean and CI over seeds. */
  for (int m = 0; m < k; ++m) {
    rp_cmp_method *cm = &cmp->m[m];
    cm->label = labels[m];
    cm->mean_rank = cm->delta = NAN;
    int n = 0;
    for (int s = 0; s < ns; ++s) {
      double sum = 0;
      int c = 0;
      for (; c < nc; ++c) {
        double v = val[((size_t)m * nc + (size_t)c) * ns + (size_t)s];
        if (isnan(v)) break;
        sum += v;
      }
      if (c == nc && nc > 0) x[n++] = sum / nc;
    }
    cm->n_seeds = n;
    cm->avg = rp_mean_ci(x, n, 0.95, &cm->ci_half);
  }

  /* Reference: DAE+ALCN (the best avg among several, e.g. losses), else the best avg. */
  if (k >= 2) {
    double best = -INFINITY;
    for (int pass = 0; pass < 2 && cmp->ref < 0; ++pass)
      for (int m = 0; m < k; ++m) {
        if (pass == 0 && !cmp->m[m].is_alcn) continue;
        double a = cmp->m[m].avg;
        if (isnan(a)) { /* no seed with every class: mean of what there is */
          double sum = 0;
          int n = 0;
          for (size_t cs = 0; cs < cells; ++cs)
            if (!isnan(val[(size_t)m * cells + cs])) sum += val[(size_t)m * cells + cs], ++n;
          a = n ? sum / n : -INFINITY;
        }
        if (cmp->ref < 0 || a > best) {
          cmp->ref = m;
          best = a;
        }
      }
    cmp->ref_alcn = cmp->m[cmp->ref].is_alcn;
  }

  /* Wilcoxon against the reference over the (class, seed) cells both have. */
  for (int m = 0; m < k && cmp->ref >= 0; ++m) {
    if (m == cmp->ref) continue;
    int n = 0;
    for (size_t cs = 0; cs < cells; ++cs) {
      double a = val[(size_t)m * cells + cs], b = val[(size_t)cmp->ref * cells + cs];
      if (isnan(a) || isnan(b)) continue;
      x[n] = a;
      y[n++] = b;
    }
    if ((st = rp_wilcoxon_test(x, y, n, &cmp->m[m].w)) != ALCN_OK) goto done;
    double d = 0;
    for (int i = 0; i < n; ++i) d += x[i] - y[i];
    cmp->m[m].delta = n ? d / n : NAN;
  }

  /* Friedman over the blocks where every method has a value. */
  int nb = 0;
  for (size_t cs = 0; cs < cells; ++cs) {
    int m = 0;
    while (m < k && !isnan(val[(size_t)m * cells + cs])) ++m;
    if (m < k) continue;
    for (m = 0; m < k; ++m) blocks[(size_t)nb * k + (size_t)m] = val[(size_t)m * cells + cs];
    ++nb;
  }
  if (k >= 2 && nb >= 2) {
    if ((st = rp_friedman_test(blocks, nb, k, 1, RP_CD_ALPHA, ranks, &cmp->fr)) != ALCN_OK) goto done;
    cmp->has_friedman = 1;
    for (int m = 0; m < k; ++m) cmp->m[m].mean_rank = ranks[m];
  } else {
    cmp->fr.n = nb;
    cmp->fr.k = k;
  }
done:
  free(labels);
  free(classes);
  free(seeds);
  free(val);
  free(cnt);
  free(x);
  free(y);
  free(blocks);
  free(ranks);
  if (st != ALCN_OK) {
    free(cmp->m);
    cmp->m = NULL;
  }
  return st;
}

static int cmp_group(const void *x, const void *y) {
  const rp_comparison *p = x, *q = y;
  int c = strcmp(p->ds, q->ds);
  return c ? c : strcmp(p->proto, q->proto);
}

alcn_status rp_build_comparisons(const rp_results *res, int metric, rp_comparison **out, size_t *n) {
  *out = NULL;
  *n = 0;
  rp_comparison *g = calloc(res->n ? res->n : 1, sizeof *g);
  ALCN_CHECK_ALLOC(g, res->n * sizeof *g);
  size_t ng = 0;
  for (size_t i = 0; i < res->n; ++i) {
    const rp_record *r = &res->rec[i];
    if (!r->done) continue;
    int seen = 0;
    for (size_t j = 0; j < ng && !seen; ++j) seen = !strcmp(g[j].ds, r->dataset) && !strcmp(g[j].proto, r->protocol);
    if (!seen) {
      g[ng].ds = r->dataset;
      g[ng++].proto = r->protocol;
    }
  }
  qsort(g, ng, sizeof *g, cmp_group);
  alcn_status st = ALCN_OK;
  for (size_t i = 0; i < ng && st == ALCN_OK; ++i) {
    st = build_one(res, metric, g[i].ds, g[i].proto, &g[i]);
    if (st == ALCN_OK) *n = i + 1;
  }
  if (st != ALCN_OK) {
    rp_free_comparisons(g, *n);
    *n = 0;
    return st;
  }
  *out = g;
  return ALCN_OK;
}

void rp_free_comparisons(rp_comparison *c, size_t n) {
  for (size_t i = 0; c && i < n; ++i) free(c[i].m);
  free(c);
}

/* ---- the statistics table -------------------------------------------------------------- */

void rp_format_p(char *dst, size_t cap, double p) {
  if (isnan(p)) snprintf(dst, cap, "—");
  else if (p >= 1e-3) snprintf(dst, cap, "%.4f", p);
  else snprintf(dst, cap, "%.1e", p);
}

static void num(rp_cell *c, double v, int decimals) {
  if (isnan(v)) return;
  c->kind = RP_NUM;
  c->mean = v;
  c->decimals = decimals;
  c->n = 1;
}

static void text(rp_cell *c, const char *s) {
  c->kind = RP_TEXT;
  snprintf(c->text, sizeof c->text, "%s", s);
}

enum { C_AVG, C_CI, C_SEEDS, C_RANK, C_DELTA, C_WTL, C_P, C_TEST, C_N };

alcn_status rp_comparison_table(const rp_comparison *c, rp_table *t) {
  memset(t, 0, sizeof *t);
  char dsl[48], prl[48], s[96];
  rp_slug(dsl, sizeof dsl, c->ds);
  rp_slug(prl, sizeof prl, c->proto);
  snprintf(t->id, sizeof t->id, "stats_%s_%s_%s", rp_metric_id[c->metric], dsl, prl);
  snprintf(t->title, sizeof t->title, "%s statistics: %s, protocol %s", rp_metric_name[c->metric], c->ds, c->proto);
  const char *ref = c->ref >= 0 ? c->m[c->ref].label : "—";
  static const char *const cols[C_N] = {"Avg", "95% CI", "Seeds", "Mean rank", "", "W/T/L", "p (Wilcoxon)", "Test"};
  t->ncol = c->k >= 2 ? C_N : C_RANK; /* one method: nothing to test */
  t->right_from = 0;
  for (int j = 0; j < C_N; ++j) snprintf(t->col[j], sizeof t->col[j], "%s", cols[j]);
  snprintf(t->col[C_DELTA], sizeof t->col[C_DELTA], "Δ vs %s", ref);
  t->rows = calloc((size_t)(c->k ? c->k : 1), sizeof *t->rows);
  ALCN_CHECK_ALLOC(t->rows, (size_t)c->k * sizeof *t->rows);
  double best_avg = -INFINITY, best_rank = INFINITY;
  for (int i = 0; i < c->k; ++i) {
    const rp_cmp_method *m = &c->m[i];
    if (!isnan(m->avg) && round(m->avg * 1e3) > best_avg) best_avg = round(m->avg * 1e3);
    if (!isnan(m->mean_rank) && round(m->mean_rank * 1e2) < best_rank) best_rank = round(m->mean_rank * 1e2);
  }
  for (int i = 0; i < c->k; ++i) {
    const rp_cmp_method *m = &c->m[i];
    rp_row *r = &t->rows[t->nrow++];
    snprintf(r->label, sizeof r->label, "%s", m->label);
    num(&r->c[C_AVG], m->avg, 3);
    r->c[C_AVG].bold = !isnan(m->avg) && round(m->avg * 1e3) == best_avg;
    if (!isnan(m->ci_half)) {
      snprintf(s, sizeof s, "[%.3f, %.3f]", m->avg - m->ci_half, m->avg + m->ci_half);
      text(&r->c[C_CI], s);
    }
    snprintf(s, sizeof s, "%d", m->n_seeds);
    text(&r->c[C_SEEDS], s);
    num(&r->c[C_RANK], m->mean_rank, 2);
    r->c[C_RANK].bold = !isnan(m->mean_rank) && round(m->mean_rank * 1e2) == best_rank;
    if (i == c->ref) {
      text(&r->c[C_DELTA], "reference");
      continue;
    }
    if (m->w.n == 0) continue;
    num(&r->c[C_DELTA], m->delta, 3);
    snprintf(s, sizeof s, "%d/%d/%d", m->w.n_pos, m->w.n_zero, m->w.n_neg);
    text(&r->c[C_WTL], s);
    rp_format_p(s, sizeof s, m->w.p);
    text(&r->c[C_P], s);
    r->c[C_P].bold = m->w.p < 0.05;
    if (m->w.n_used) text(&r->c[C_TEST], m->w.exact ? "exact" : "normal");
  }

  const char *mn = rp_metric_name[c->metric];
  rp_buf b = {0};
  rp_buf_printf(&b, "%s on %s, protocol %s: %d method%s, %d class%s, %d seed%s. ", mn, c->ds, c->proto, c->k,
                c->k == 1 ? "" : "s", c->n_classes, c->n_classes == 1 ? "" : "es", c->n_seeds,
                c->n_seeds == 1 ? "" : "s");
  rp_buf_put(&b, "Avg = mean over seeds of the per-seed average over classes (only seeds with every class; their "
                 "number is Seeds); 95% CI = Avg ± t(0.975, Seeds − 1) · s / √Seeds, s the sample std of the per-seed "
                 "averages (Student t; none with one seed).");
  if (c->ref >= 0) {
    rp_buf_printf(&b, " Wilcoxon signed-rank test, two-sided, of each method against %s%s over the (class, seed) "
                      "cells both have: Δ = mean of (method − %s); W/T/L = cells won/tied/lost; tied cells are dropped "
                      "(Wilcoxon's zero method); Test = exact null distribution (at most %d cells, no ties or zeros) "
                      "or normal approximation with tie and continuity correction.",
                  ref, c->ref_alcn ? "" : " (no DAE+ALCN here: the method with the best Avg)", ref,
                  RP_WILCOXON_EXACT_MAX);
  }
  if (c->has_friedman) {
    char p1[32], p2[32], ff[64];
    rp_format_p(p1, sizeof p1, c->fr.p);
    rp_format_p(p2, sizeof p2, c->fr.p_ff);
    if (isinf(c->fr.ff)) snprintf(ff, sizeof ff, "∞ (every block ranks the methods alike)");
    else snprintf(ff, sizeof ff, "%.3f", c->fr.ff);
    rp_buf_printf(&b, " Friedman test over N = %d blocks, the (class, seed) cells with a value for every method "
                      "(of %d cells): ", c->fr.n, c->n_cells);
    if (isnan(c->fr.chi2))
      rp_buf_put(&b, "undefined, every block ties all methods.");
    else
      rp_buf_printf(&b, "χ² = %.3f (df %d, tie-corrected), p = %s; Iman-Davenport F = %s (df %d, %d), p = %s.",
                    c->fr.chi2, c->k - 1, p1, ff, c->k - 1, (c->k - 1) * (c->fr.n - 1), p2);
    rp_buf_printf(&b, " Mean rank over the blocks, 1 = best. Nemenyi critical difference at α = %.2f: CD = %.3f "
                      "(q = %.3f); see the critical-difference figure.",
                  RP_CD_ALPHA, c->fr.cd, c->fr.q);
  } else if (c->k >= 2) {
    rp_buf_printf(&b, " No Friedman test: %d (class, seed) cells with a value for every method (2 needed).", c->fr.n);
  }
  rp_buf_put(&b, c->k >= 2 ? " Best Avg and Mean rank, and p < 0.05, in bold." : " One method: no tests.");
  if (b.oom) {
    rp_buf_free(&b);
    rp_table_free(t);
    ALCN_FAIL(ALCN_ERR_NOMEM, "out of memory for a table caption");
  }
  snprintf(t->caption, sizeof t->caption, "%s", b.s);
  rp_buf_free(&b);
  return ALCN_OK;
}
