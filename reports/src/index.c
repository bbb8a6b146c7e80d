/* The report index: report.md (figures linked relative to OUT_DIR) and a
 * self-contained report.html (figures embedded as base64 data URIs) showing
 * every table and figure, failed cells, and the plan and versions the results
 * came from. */
#define _POSIX_C_SOURCE 200809L
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "report_internal.h"

static const char *css =
    "body{font-family:Helvetica,Arial,sans-serif;max-width:1200px;margin:2em auto;padding:0 1em;color:#222}"
    "h1,h2,h3{font-weight:600}h2{border-bottom:1px solid #ccc;padding-bottom:.2em;margin-top:2em}"
    "table.res{border-collapse:collapse;margin:1em 0;font-size:.9em}"
    "table.res caption{caption-side:bottom;text-align:left;font-size:.85em;color:#444;padding-top:.4em}"
    "table.res th,table.res td{padding:.25em .6em;border:none}"
    "table.res thead th{border-top:2px solid #000;border-bottom:1px solid #000}"
    "table.res tbody tr:last-child td{border-bottom:2px solid #000}"
    "td.n{text-align:right;font-variant-numeric:tabular-nums}"
    "tr.pub td{color:#555;font-style:italic}tr.pub td:first-child{font-style:italic}"
    "figure{display:inline-block;margin:.8em;vertical-align:top}figcaption{font-size:.8em;color:#444;max-width:640px}"
    "figure img,figure object{max-width:100%;border:1px solid #eee}"
    "pre{background:#f6f6f6;padding:.6em;overflow:auto;font-size:.8em;max-height:30em}"
    ".warn{color:#a40}";

static const char *mime(const char *fmt) {
  if (!strcmp(fmt, "svg")) return "image/svg+xml";
  if (!strcmp(fmt, "pdf")) return "application/pdf";
  return "image/png";
}

static int cmp_str(const void *a, const void *b) {
  return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* Pretty JSON of a record's sub-object ("versions", "config"), or NULL. */
static char *sub_json(const rp_record *r, const char *key) {
  const cJSON *v = cJSON_GetObjectItemCaseSensitive(r->root, key);
  return v ? cJSON_Print(v) : NULL;
}

static void both(rp_buf *md, rp_buf *html, const char *mds, const char *htmls) {
  rp_buf_put(md, mds);
  rp_buf_put(html, htmls);
}

static void plan_section(const rp_index_in *in, rp_buf *md, rp_buf *html) {
  const rp_results *res = in->res;
  both(md, html, "\n## Plan and versions\n\n", "<h2 id=\"plan\">Plan and versions</h2>\n");
  /* Cells per dataset / protocol / method. */
  rp_buf_put(md, "| Dataset | Protocol | Method | Classes | Seeds | Done | Failed |\n|:--|:--|:--|--:|--:|--:|--:|\n");
  rp_buf_put(html, "<table class=\"res\"><thead><tr><th>Dataset</th><th>Protocol</th><th>Method</th><th>Classes</th>"
                   "<th>Seeds</th><th>Done</th><th>Failed</th></tr></thead><tbody>\n");
  int *seen = calloc(res->n ? res->n : 1, sizeof *seen);
  int *vals = malloc((res->n ? res->n : 1) * sizeof *vals);
  for (size_t i = 0; seen && vals && i < res->n; ++i) {
    if (seen[i]) continue;
    const rp_record *a = &res->rec[i];
    int done = 0, failed = 0, ncls = 0, nseed = 0;
    for (int pass = 0; pass < 2; ++pass) {
      int nv = 0;
      for (size_t j = i; j < res->n; ++j) {
        const rp_record *b = &res->rec[j];
        if (strcmp(a->dataset, b->dataset) || strcmp(a->protocol, b->protocol) || strcmp(a->label, b->label)) continue;
        seen[j] = 1;
        if (pass == 0) {
          if (b->done) ++done;
          else ++failed;
        }
        int v = pass ? b->seed : b->cls, dup = 0;
        for (int k = 0; k < nv && !dup; ++k) dup = vals[k] == v;
        if (!dup) vals[nv++] = v;
      }
      if (pass) nseed = nv;
      else ncls = nv;
    }
    rp_buf_printf(md, "| %s | %s | %s | %d | %d | %d | %d |\n", a->dataset, a->protocol, a->label, ncls, nseed, done,
                  failed);
    rp_buf_put(html, "<tr><td>");
    rp_buf_html(html, a->dataset);
    rp_buf_put(html, "</td><td>");
    rp_buf_html(html, a->protocol);
    rp_buf_put(html, "</td><td>");
    rp_buf_html(html, a->label);
    rp_buf_printf(html, "</td><td class=\"n\">%d</td><td class=\"n\">%d</td><td class=\"n\">%d</td><td class=\"n\">%d</td></tr>\n",
                  ncls, nseed, done, failed);
  }
  free(seen);
  free(vals);
  rp_buf_put(html, "</tbody></table>\n");

  /* Distinct git revisions and devices. */
  const char **list = malloc((res->n + res->n_t5 + 1) * sizeof *list);
  for (int what = 0; list && what < 2; ++what) {
    size_t k = 0;
    for (size_t i = 0; i < res->n; ++i) {
      const char *s = what ? res->rec[i].device : res->rec[i].git_rev;
      if (s) list[k++] = s;
    }
    for (size_t i = 0; what && i < res->n_t5; ++i) list[k++] = res->t5[i].device;
    qsort(list, k, sizeof *list, cmp_str);
    rp_buf_printf(md, "\n**%s:** ", what ? "Devices" : "Git revisions");
    rp_buf_printf(html, "<p><b>%s:</b> ", what ? "Devices" : "Git revisions");
    int first = 1;
    for (size_t i = 0; i < k; ++i) {
      if (i && !strcmp(list[i], list[i - 1])) continue;
      rp_buf_printf(md, "%s`%s`", first ? "" : ", ", list[i]);
      if (!first) rp_buf_put(html, ", ");
      rp_buf_put(html, "<code>");
      rp_buf_html(html, list[i]);
      rp_buf_put(html, "</code>");
      first = 0;
    }
    if (first) both(md, html, "unknown", "unknown");
    both(md, html, "\n", "</p>\n");
  }
  free(list);

  /* Versions (distinct) and one config per method label. */
  for (int what = 0; what < 2; ++what) {
    const char *key = what ? "config" : "versions";
    rp_buf_printf(md, "\n### %s\n", what ? "Configuration per method" : "Library versions");
    rp_buf_printf(html, "<h3>%s</h3>\n", what ? "Configuration per method" : "Library versions");
    for (size_t i = 0; i < res->n; ++i) {
      char *js = sub_json(&res->rec[i], key);
      if (!js) continue;
      int dup = 0;
      for (size_t j = 0; j < i && !dup; ++j) {
        if (what && strcmp(res->rec[j].label, res->rec[i].label)) continue;
        char *o = sub_json(&res->rec[j], key);
        dup = o && (what || !strcmp(o, js)); /* one config per label; distinct versions */
        free(o);
      }
      if (!dup) {
        rp_buf_printf(md, "\n%s (from `%s`):\n\n```json\n%s\n```\n", what ? res->rec[i].label : "Versions",
                      res->rec[i].file, js);
        rp_buf_put(html, "<p>");
        rp_buf_html(html, what ? res->rec[i].label : "Versions");
        rp_buf_put(html, " (from <code>");
        rp_buf_html(html, res->rec[i].file);
        rp_buf_put(html, "</code>):</p><pre>");
        rp_buf_html(html, js);
        rp_buf_put(html, "</pre>\n");
      }
      free(js);
    }
  }
  if (res->plan) {
    rp_buf_printf(md, "\n### Plan (`%s`)\n\n```\n%s\n```\n", res->plan_name, res->plan);
    rp_buf_printf(html, "<h3>Plan (<code>%s</code>)</h3><pre>", res->plan_name);
    rp_buf_html(html, res->plan);
    rp_buf_put(html, "</pre>\n");
  }
}

alcn_status rp_write_index(const rp_index_in *in) {
  rp_buf md = {0}, html = {0};
  const rp_results *res = in->res;
  const rp_figures *figs = in->figs;
  char stamp[64];
  time_t now = time(NULL);
  struct tm tmv;
  gmtime_r(&now, &tmv);
  strftime(stamp, sizeof stamp, "%Y-%m-%d %H:%M UTC", &tmv);
  size_t ndone = 0;
  for (size_t i = 0; i < res->n; ++i) ndone += (size_t)res->rec[i].done;

  rp_buf_printf(&md, "# ALCN-Bench report\n\nGenerated %s by `%s` from `%s`: %zu cell records (%zu done, %zu failed), "
                     "%zu Table-5 records.\n",
                stamp, in->command, in->results_dir, res->n, ndone, res->n - ndone, res->n_t5);
  rp_buf_printf(&html, "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
                       "<title>ALCN-Bench report</title><style>%s</style></head><body>\n<h1>ALCN-Bench report</h1>\n<p>Generated %s by <code>",
                css, stamp);
  rp_buf_html(&html, in->command);
  rp_buf_put(&html, "</code> from <code>");
  rp_buf_html(&html, in->results_dir);
  rp_buf_printf(&html, "</code>: %zu cell records (%zu done, %zu failed), %zu Table-5 records.</p>\n", res->n, ndone,
                res->n - ndone, res->n_t5);
  both(&md, &html, "\nContents: [Tables](#tables) · [Figures](#figures) · [Failed cells](#failed-cells) · "
                   "[Plan and versions](#plan-and-versions)\n",
       "<p>Contents: <a href=\"#tables\">Tables</a> · <a href=\"#figures\">Figures</a> · "
       "<a href=\"#failed\">Failed cells</a> · <a href=\"#plan\">Plan and versions</a></p>\n");

  /* Tables. */
  both(&md, &html, "\n## Tables\n", "<h2 id=\"tables\">Tables</h2>\n");
  for (size_t i = 0; i < in->n_tables; ++i) {
    const rp_table *t = &in->tables[i];
    if (!t->nrow) continue;
    rp_buf_put(&md, "\n");
    rp_table_md(t, &md);
    rp_buf_printf(&md, "\nLaTeX: [tables/%s.tex](tables/%s.tex) · Markdown: [tables/%s.md](tables/%s.md)\n", t->id,
                  t->id, t->id, t->id);
    rp_table_html(t, &html);
    rp_buf_printf(&html, "<p>LaTeX: <a href=\"tables/%s.tex\">tables/%s.tex</a></p>\n", t->id, t->id);
  }

  /* Figures, grouped by section in order of first appearance. */
  both(&md, &html, "\n## Figures\n", "<h2 id=\"figures\">Figures</h2>\n");
  size_t missing = 0;
  for (size_t i = 0; i < figs->n; ++i) missing += !figs->f[i].rendered;
  if (missing) {
    rp_buf_printf(&md, "\n> %zu figures were not rendered (%s); their `.gp` and `.dat` files are in `figures/`: "
                       "run `gnuplot NAME.gp` there.\n",
                  missing, figs->gnuplot[0] ? "gnuplot failed" : "gnuplot was not found on PATH");
    rp_buf_printf(&html, "<p class=\"warn\">%zu figures were not rendered (%s); their <code>.gp</code> and "
                         "<code>.dat</code> files are in <code>figures/</code>: run <code>gnuplot NAME.gp</code> there.</p>\n",
                  missing, figs->gnuplot[0] ? "gnuplot failed" : "gnuplot was not found on PATH");
  }
  for (size_t i = 0; i < figs->n; ++i) {
    const rp_figure *f = &figs->f[i];
    int first = 1;
    for (size_t j = 0; j < i && first; ++j) first = strcmp(figs->f[j].section, f->section) != 0;
    if (!first) continue;
    rp_buf_printf(&md, "\n### %s\n", f->section);
    rp_buf_put(&html, "<h3>");
    rp_buf_html(&html, f->section);
    rp_buf_put(&html, "</h3>\n");
    for (size_t j = i; j < figs->n; ++j) {
      const rp_figure *g = &figs->f[j];
      if (strcmp(g->section, f->section)) continue;
      const char *sub = g->figure4 ? "figure4" : "figures", *ext = g->figure4 ? "png" : figs->format;
      char path[4096];
      snprintf(path, sizeof path, "%s/%s/%s.%s", in->out_dir, sub, g->name, ext);
      if (g->rendered) rp_buf_printf(&md, "\n![%s](%s/%s.%s)\n", g->title, sub, g->name, ext);
      else rp_buf_printf(&md, "\n*(not rendered: %s/%s.%s)*\n", sub, g->name, ext);
      rp_buf_printf(&md, "\n*%s*", g->title);
      if (!g->figure4) rp_buf_printf(&md, " (script [%s.gp](figures/%s.gp), data [%s.dat](figures/%s.dat))", g->name,
                                     g->name, g->name, g->name);
      else if (g->rendered && !strcmp(figs->format, "pdf"))
        rp_buf_printf(&md, " (PDF [%s.pdf](figure4/%s.pdf))", g->name, g->name);
      rp_buf_put(&md, "\n");

      rp_buf_put(&html, "<figure>");
      char *data = NULL;
      size_t len = 0;
      if (g->rendered && rp_read_file(path, RP_CAP_FIGURE, &data, &len) == ALCN_OK) {
        const char *mt = g->figure4 ? "image/png" : mime(figs->format);
        int is_pdf = !g->figure4 && !strcmp(figs->format, "pdf");
        if (is_pdf) rp_buf_printf(&html, "<object type=\"%s\" width=\"640\" height=\"420\" data=\"data:%s;base64,", mt, mt);
        else rp_buf_printf(&html, "<img alt=\"%s\" src=\"data:%s;base64,", g->name, mt);
        rp_buf_base64(&html, (const unsigned char *)data, len);
        rp_buf_put(&html, is_pdf ? "\"></object>" : "\">");
      } else {
        rp_buf_printf(&html, "<p class=\"warn\">not rendered: %s/%s.%s</p>", sub, g->name, ext);
      }
      free(data);
      rp_buf_put(&html, "<figcaption>");
      rp_buf_html(&html, g->title);
      if (!g->figure4)
        rp_buf_printf(&html, " (script <a href=\"figures/%s.gp\">%s.gp</a>, data <a href=\"figures/%s.dat\">%s.dat</a>)",
                      g->name, g->name, g->name, g->name);
      rp_buf_put(&html, "</figcaption></figure>\n");
    }
  }
  if (!figs->n) both(&md, &html, "\nNo figures.\n", "<p>No figures.</p>\n");

  /* Failed cells. */
  both(&md, &html, "\n## Failed cells\n\n", "<h2 id=\"failed\">Failed cells</h2>\n");
  if (ndone == res->n) {
    both(&md, &html, "None.\n", "<p>None.</p>\n");
  } else {
    rp_buf_put(&md, "| Cell | Reason |\n|:--|:--|\n");
    rp_buf_put(&html, "<table class=\"res\"><thead><tr><th>Cell</th><th>Reason</th></tr></thead><tbody>\n");
    for (size_t i = 0; i < res->n; ++i) {
      const rp_record *r = &res->rec[i];
      if (r->done) continue;
      rp_buf_printf(&md, "| %s | %s |\n", r->cell, r->reason ? r->reason : "(no reason given)");
      rp_buf_put(&html, "<tr><td>");
      rp_buf_html(&html, r->cell);
      rp_buf_put(&html, "</td><td>");
      rp_buf_html(&html, r->reason ? r->reason : "(no reason given)");
      rp_buf_put(&html, "</td></tr>\n");
    }
    rp_buf_put(&html, "</tbody></table>\n");
  }
  rp_flags_section(res, &md, &html);
  plan_section(in, &md, &html);
  rp_buf_put(&html, "</body></html>\n");

  alcn_status st = ALCN_OK;
  if (md.oom || html.oom) st = alcn_error_at(__FILE__, __LINE__, ALCN_ERR_NOMEM, "out of memory writing the index");
  char path[4096];
  if (st == ALCN_OK) {
    snprintf(path, sizeof path, "%s/report.md", in->out_dir);
    st = rp_write_file(path, md.s, md.len);
  }
  if (st == ALCN_OK) {
    snprintf(path, sizeof path, "%s/report.html", in->out_dir);
    st = rp_write_file(path, html.s, html.len);
  }
  rp_buf_free(&md);
  rp_buf_free(&html);
  return st;
}
