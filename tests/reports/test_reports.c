/* Suite "reports": the committed fixture (tests/reports/fixture) produces every
 * table (statistics tables included), figure (critical-difference diagrams
 * included), Figure-4 grid and index file; the Markdown and LaTeX tables
 * parse back to the fixture's numbers; every PNG has the expected size and is
 * not blank; without gnuplot on PATH the tables are still written, exit code 0,
 * and one message names the missing figures. Hostile results folders
 * (issue 17): paths in records stay inside the folder, numbers are
 * range-checked before int casts, FIFOs and oversized records are skipped at
 * once, a full disk leaves no truncated file, a too-wide Figure-4 grid no PNG. */
#define _POSIX_C_SOURCE 200809L
#include <check.h>
#include <dirent.h>
#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cJSON.h>
#include <png.h>

#include "alcn/report.h"
#include "report_internal.h" /* rp_method_label */
#include "test_util.h"

static char fixture[4096];
static char out_png[4096];  /* report of the fixture, PNG, all metrics */
static int rc_png = -1;
static int have_gnuplot;

/* ---- helpers ----------------------------------------------------------------------- */

static int exists(const char *dir, const char *name) {
  char p[8600];
  struct stat st;
  snprintf(p, sizeof p, "%s/%s", dir, name);
  return stat(p, &st) == 0 && S_ISREG(st.st_mode) && st.st_size > 0;
}

static char *slurp(const char *dir, const char *name) {
  char p[8600];
  snprintf(p, sizeof p, "%s/%s", dir, name);
  FILE *f = fopen(p, "rb");
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

static int search_path_for_gnuplot(void) {
  const char *path = getenv("PATH");
  char buf[4096];
  while (path && *path) {
    size_t k = strcspn(path, ":");
    snprintf(buf, sizeof buf, "%.*s/gnuplot", (int)k, path);
    if (k && access(buf, X_OK) == 0) return 1;
    path += k;
    if (*path == ':') ++path;
  }
  return 0;
}

static int run_report(const char *in, const char *out, const char *format, const char *metrics, const char *err_file) {
  char *argv[12];
  int argc = 0;
  argv[argc++] = "report";
  argv[argc++] = (char *)in;
  argv[argc++] = "-o";
  argv[argc++] = (char *)out;
  argv[argc++] = "--quiet";
  if (format) {
    argv[argc++] = "--format";
    argv[argc++] = (char *)format;
  }
  if (metrics) {
    argv[argc++] = "--metrics";
    argv[argc++] = (char *)metrics;
  }
  argv[argc] = NULL;
  int saved = -1;
  if (err_file) {
    fflush(stderr);
    saved = dup(2);
    int fd = open(err_file, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    dup2(fd, 2);
    close(fd);
  }
  int rc = alcn_report_main(argc, argv);
  if (err_file) {
    fflush(stderr);
    dup2(saved, 2);
    close(saved);
  }
  return rc;
}

/* Label shown in tables for the fixture's method/noise pairs. */
static const char *label_of(const char *method, const char *noise) {
  if (!strcmp(method, "ganomaly")) return "GANomaly";
  if (!strcmp(noise, "none")) return "DAE";
  if (!strcmp(noise, "alcn")) return "DAE+ALCN";
  if (!strcmp(noise, "gaussian")) return "DAE+Gaussian";
  return "?";
}

/* Mean and sample std of `metric` over the fixture records matching the key
 * (cls < 0: the Avg column, i.e. mean of class means / std of per-seed averages). */
static int expected(const char *ds, const char *proto, const char *label, int cls, const char *metric, double *mean,
                    double *std) {
  char dir[4200];
  snprintf(dir, sizeof dir, "%s/records", fixture);
  DIR *d = opendir(dir);
  ck_assert_ptr_nonnull(d);
  double v[64];
  int cl[64], sd[64], n = 0;
  struct dirent *e;
  while ((e = readdir(d))) {
    if (!strstr(e->d_name, ".json")) continue;
    char *txt = slurp(dir, e->d_name);
    cJSON *r = cJSON_Parse(txt);
    free(txt);
    const char *st = cJSON_GetObjectItem(r, "status")->valuestring;
    if (!strcmp(st, "done") && !strcmp(cJSON_GetObjectItem(r, "dataset")->valuestring, ds) &&
        !strcmp(cJSON_GetObjectItem(r, "protocol")->valuestring, proto) &&
        !strcmp(label_of(cJSON_GetObjectItem(r, "method")->valuestring, cJSON_GetObjectItem(r, "noise")->valuestring),
                label)) {
      int c = cJSON_GetObjectItem(r, "class")->valueint;
      if (cls < 0 || c == cls) {
        v[n] = cJSON_GetObjectItem(r, metric)->valuedouble;
        cl[n] = c;
        sd[n] = cJSON_GetObjectItem(r, "seed")->valueint;
        ++n;
      }
    }
    cJSON_Delete(r);
  }
  closedir(d);
  if (!n) return 0;
  if (cls >= 0) {
    double m = 0, s = 0;
    for (int i = 0; i < n; ++i) m += v[i];
    m /= n;
    for (int i = 0; i < n; ++i) s += (v[i] - m) * (v[i] - m);
    *mean = m;
    *std = n > 1 ? sqrt(s / (n - 1)) : 0;
    return n;
  }
  /* Avg: class means averaged; std over per-seed class averages (fixture seeds cover all classes). */
  int classes[16], nc = 0, seeds[16], ns = 0;
  for (int i = 0; i < n; ++i) {
    int a = 0, b = 0;
    for (int k = 0; k < nc; ++k) a |= classes[k] == cl[i];
    for (int k = 0; k < ns; ++k) b |= seeds[k] == sd[i];
    if (!a) classes[nc++] = cl[i];
    if (!b) seeds[ns++] = sd[i];
  }
  double m = 0;
  for (int c = 0; c < nc; ++c) {
    double s = 0;
    int k = 0;
    for (int i = 0; i < n; ++i)
      if (cl[i] == classes[c]) s += v[i], ++k;
    m += s / k;
  }
  *mean = m / nc;
  double avg[16], am = 0, ss = 0;
  for (int s = 0; s < ns; ++s) {
    avg[s] = 0;
    for (int i = 0; i < n; ++i)
      if (sd[i] == seeds[s]) avg[s] += v[i] / nc;
    am += avg[s] / ns;
  }
  for (int s = 0; s < ns; ++s) ss += (avg[s] - am) * (avg[s] - am);
  *std = ns > 1 ? sqrt(ss / (ns - 1)) : 0;
  return ns;
}

/* One parsed table: header names and, per row, the cells as (mean, std, bold). */
typedef struct pcell {
  double mean, std;
  int has, has_std, bold;
} pcell;
typedef struct ptable {
  int ncol, nrow;
  char col[16][48];
  char label[24][112];
  pcell c[24][16];
} ptable;

static void parse_cell(char *s, pcell *c, int tex) {
  memset(c, 0, sizeof *c);
  char *b = strstr(s, tex ? "\\textbf{" : "**");
  if (b) c->bold = 1;
  char num[64];
  size_t k = 0;
  const char *pm = tex ? "$\\pm$" : "\xc2\xb1";
  char *p = strstr(s, pm);
  for (char *q = s; *q && q != p && k + 1 < sizeof num; ++q)
    if ((*q >= '0' && *q <= '9') || *q == '.' || *q == '-') num[k++] = *q;
  num[k] = 0;
  if (!k || !strcmp(num, "-") || !strcmp(num, "--")) return;
  c->has = 1;
  c->mean = atof(num);
  if (p) {
    c->has_std = 1;
    c->std = atof(p + strlen(pm));
  }
}

static void trim(char *s) {
  size_t n = strlen(s);
  while (n && (s[n - 1] == ' ' || s[n - 1] == '\\')) s[--n] = 0;
  char *p = s;
  while (*p == ' ') ++p;
  memmove(s, p, strlen(p) + 1);
}

/* Markdown: "| Method | a | b |" header, separator, rows. LaTeX: rows "x & y \\". */
static void parse_table(const char *text, int tex, ptable *t) {
  memset(t, 0, sizeof *t);
  char *copy = strdup(text), *save = NULL;
  int header_done = 0;
  for (char *line = strtok_r(copy, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
    char *cells[20];
    int n = 0;
    if (tex) {
      if (!strstr(line, " & ")) continue;
      for (char *p = line; n < 20;) {
        cells[n++] = p;
        char *a = strstr(p, " & ");
        if (!a) break;
        *a = 0;
        p = a + 3;
      }
    } else {
      if (line[0] != '|' || strstr(line, "|:--")) continue;
      char *p = line + 1;
      while (n < 20) {
        char *a = strchr(p, '|');
        if (!a) break;
        *a = 0;
        cells[n++] = p;
        p = a + 1;
      }
    }
    for (int i = 0; i < n; ++i) trim(cells[i]);
    if (!header_done) {
      t->ncol = n - 1;
      for (int i = 1; i < n; ++i) snprintf(t->col[i - 1], sizeof t->col[0], "%s", cells[i]);
      header_done = 1;
      continue;
    }
    snprintf(t->label[t->nrow], sizeof t->label[0], "%s", cells[0]);
    for (int i = 1; i < n && i - 1 < 16; ++i) parse_cell(cells[i], &t->c[t->nrow][i - 1], tex);
    t->nrow++;
  }
  free(copy);
}

static int find_row(const ptable *t, const char *label) {
  for (int i = 0; i < t->nrow; ++i)
    if (!strcmp(t->label[i], label)) return i;
  return -1;
}

static void read_png_stats(const char *path, int *w, int *h, double *var) {
  FILE *f = fopen(path, "rb");
  ck_assert_msg(f != NULL, "cannot open %s", path);
  png_structp png = png_create_read_struct(PNG_LIBPNG_VER_STRING, NULL, NULL, NULL);
  png_infop info = png_create_info_struct(png);
  ck_assert(!setjmp(png_jmpbuf(png)));
  png_init_io(png, f);
  png_read_info(png, info);
  png_set_strip_16(png);
  png_set_palette_to_rgb(png);
  png_set_expand_gray_1_2_4_to_8(png);
  png_set_strip_alpha(png);
  png_set_gray_to_rgb(png);
  png_read_update_info(png, info);
  *w = (int)png_get_image_width(png, info);
  *h = (int)png_get_image_height(png, info);
  size_t rb = png_get_rowbytes(png, info);
  ck_assert_uint_eq(rb, (size_t)*w * 3);
  unsigned char *row = malloc(rb);
  double s = 0, s2 = 0;
  for (int y = 0; y < *h; ++y) {
    png_read_row(png, row, NULL);
    for (int x = 0; x < *w; ++x) {
      double l = 0.299 * row[3 * x] + 0.587 * row[3 * x + 1] + 0.114 * row[3 * x + 2];
      s += l;
      s2 += l * l;
    }
  }
  double n = (double)*w * *h;
  *var = s2 / n - (s / n) * (s / n);
  free(row);
  png_destroy_read_struct(&png, &info, NULL);
  fclose(f);
}

/* ---- shared fixture run --------------------------------------------------------------- */

static void setup_once(void) {
  const char *src = getenv("ALCN_SOURCE_DIR");
  snprintf(fixture, sizeof fixture, "%s/tests/reports/fixture", src ? src : ".");
  have_gnuplot = search_path_for_gnuplot() || getenv("ALCN_GNUPLOT");
  if (!have_gnuplot) printf("reports: gnuplot not on PATH; PNG figure checks are skipped\n");
  ck_assert_int_eq(tu_make_tempdir(out_png, sizeof out_png, "report"), 0);
  rc_png = run_report(fixture, out_png, NULL, "auroc,aupr,f1max", NULL);
}

static void teardown_once(void) {
  tu_remove_tree(out_png);
}

static const char *const figures[] = {
    "bars_auroc_mnist_p1", "bars_aupr_mnist_p1", "bars_f1max_mnist_p1", "bars_auroc_fashion-mnist_p2",
    "bars_aupr_fashion-mnist_p2", "bars_f1max_fashion-mnist_p2",
    "roc_mnist_p1_c0", "roc_mnist_p1_c1", "roc_fashion-mnist_p2_c0", "roc_fashion-mnist_p2_c3",
    "hist_mnist_p1_dae", "hist_mnist_p1_dae-alcn", "hist_fashion-mnist_p2_ganomaly",
    "hist_fashion-mnist_p2_dae-gaussian", "loss_mnist_p1", "loss_fashion-mnist_p2_dae",
    "loss_fashion-mnist_p2_ganomaly", "table5_time", "table5_params",
    "cd_auroc_mnist_p1", "cd_aupr_mnist_p1", "cd_f1max_mnist_p1", "cd_auroc_fashion-mnist_p2",
    "cd_aupr_fashion-mnist_p2", "cd_f1max_fashion-mnist_p2"};
enum { NFIG = sizeof figures / sizeof *figures };

START_TEST(test_fixture_writes_every_file) {
  ck_assert_int_eq(rc_png, 0);
  static const char *tables[] = {"auroc_mnist_p1", "aupr_mnist_p1", "f1max_mnist_p1", "auroc_fashion-mnist_p2",
                                 "aupr_fashion-mnist_p2", "f1max_fashion-mnist_p2", "table5", "table5_published",
                                 "stats_auroc_mnist_p1", "stats_aupr_mnist_p1", "stats_f1max_mnist_p1",
                                 "stats_auroc_fashion-mnist_p2", "stats_aupr_fashion-mnist_p2",
                                 "stats_f1max_fashion-mnist_p2"};
  char dir[8192], name[256];
  snprintf(dir, sizeof dir, "%s/tables", out_png);
  for (size_t i = 0; i < sizeof tables / sizeof *tables; ++i) {
    snprintf(name, sizeof name, "%s.md", tables[i]);
    ck_assert_msg(exists(dir, name), "missing tables/%s", name);
    snprintf(name, sizeof name, "%s.tex", tables[i]);
    ck_assert_msg(exists(dir, name), "missing tables/%s", name);
  }
  snprintf(dir, sizeof dir, "%s/figures", out_png);
  for (int i = 0; i < NFIG; ++i) {
    snprintf(name, sizeof name, "%s.gp", figures[i]);
    ck_assert_msg(exists(dir, name), "missing figures/%s", name);
    snprintf(name, sizeof name, "%s.dat", figures[i]);
    ck_assert_msg(exists(dir, name), "missing figures/%s", name);
    snprintf(name, sizeof name, "%s.png", figures[i]);
    if (have_gnuplot) ck_assert_msg(exists(dir, name), "missing figures/%s", name);
  }
  snprintf(dir, sizeof dir, "%s/figure4", out_png);
  ck_assert(exists(dir, "mnist-p1-c0-dae-alcn-mse-s1.png"));
  ck_assert(exists(out_png, "report.md"));
  ck_assert(exists(out_png, "report.html"));

  /* The index names every table and figure; the HTML embeds its images. */
  char *md = slurp(out_png, "report.md"), *html = slurp(out_png, "report.html");
  for (int i = 0; i < NFIG && have_gnuplot; ++i) {
    snprintf(name, sizeof name, "figures/%s.png", figures[i]);
    ck_assert_msg(strstr(md, name) != NULL, "report.md lacks %s", name);
  }
  ck_assert_ptr_nonnull(strstr(md, "figure4/mnist-p1-c0-dae-alcn-mse-s1.png"));
  ck_assert_ptr_nonnull(strstr(md, "fashion-mnist_p2_c5_dae_alcn_mse_s1")); /* the failed cell */
  ck_assert_ptr_nonnull(strstr(md, "NaN in the training loss"));
  ck_assert_ptr_nonnull(strstr(md, "openblas"));   /* versions */
  ck_assert_ptr_nonnull(strstr(md, "Plan (`plan.json`)"));
  int embedded = 0;
  for (const char *p = html; (p = strstr(p, "src=\"data:image/png;base64,")); ++p) ++embedded;
  ck_assert_int_eq(embedded, (have_gnuplot ? NFIG : 0) + 1);
  ck_assert_ptr_null(strstr(html, "src=\"figures/"));
  ck_assert_ptr_nonnull(strstr(html, "DAE+ALCN (published)"));
  free(md);
  free(html);
}
END_TEST

START_TEST(test_tables_parse_back) {
  static const char *metrics[] = {"auroc", "aupr", "f1max"};
  static const struct {
    const char *ds, *proto, *label;
    int classes[2];
  } rows[] = {{"mnist", "p1", "DAE", {0, 1}},
              {"mnist", "p1", "DAE+ALCN", {0, 1}},
              {"fashion-mnist", "p2", "GANomaly", {0, 3}},
              {"fashion-mnist", "p2", "DAE+Gaussian", {0, 3}}};
  char dir[8192], name[256];
  snprintf(dir, sizeof dir, "%s/tables", out_png);
  for (int m = 0; m < 3; ++m)
    for (int tex = 0; tex < 2; ++tex)
      for (size_t r = 0; r < sizeof rows / sizeof *rows; ++r) {
        snprintf(name, sizeof name, "%s_%s_%s.%s", metrics[m], rows[r].ds, rows[r].proto, tex ? "tex" : "md");
        char *text = slurp(dir, name);
        ck_assert_ptr_nonnull(text);
        ptable t;
        parse_table(text, tex, &t);
        free(text);
        int i = find_row(&t, rows[r].label);
        ck_assert_msg(i >= 0, "%s: no row %s", name, rows[r].label);
        ck_assert_str_eq(t.col[t.ncol - 2], "Avg");
        ck_assert_str_eq(t.col[t.ncol - 1], "Rank");
        for (int c = 0; c < 3; ++c) { /* two classes, then Avg */
          double mean, std;
          int n = expected(rows[r].ds, rows[r].proto, rows[r].label, c < 2 ? rows[r].classes[c] : -1, metrics[m],
                           &mean, &std);
          ck_assert_int_gt(n, 0);
          const pcell *pc = &t.c[i][c];
          ck_assert_msg(pc->has, "%s: %s column %d empty", name, rows[r].label, c);
          ck_assert_double_eq_tol(pc->mean, mean, 5.01e-4);
          ck_assert_int_eq(pc->has_std, n > 1);
          if (n > 1) ck_assert_double_eq_tol(pc->std, std, 5.01e-4);
        }
      }
  /* Published rows beside ours for MNIST p1 (Table 1), none for Fashion-MNIST. */
  char *text = slurp(dir, "auroc_mnist_p1.md");
  ptable t;
  parse_table(text, 0, &t);
  free(text);
  int p = find_row(&t, "DAE+ALCN (published)");
  ck_assert_int_ge(p, 0);
  ck_assert_double_eq_tol(t.c[p][0].mean, 0.97, 1e-9);
  ck_assert_double_eq_tol(t.c[p][1].mean, 0.97, 1e-9);
  ck_assert_double_eq_tol(t.c[p][2].mean, 0.89, 1e-9);
  ck_assert_int_ge(find_row(&t, "GANomaly (published)"), 0);
  /* Bold = best per column, and every best is bold. */
  for (int c = 0; c < t.ncol - 1; ++c) {
    double best = -1;
    for (int i = 0; i < t.nrow; ++i)
      if (t.c[i][c].has && t.c[i][c].mean > best) best = t.c[i][c].mean;
    for (int i = 0; i < t.nrow; ++i)
      if (t.c[i][c].has) ck_assert_int_eq(t.c[i][c].bold, fabs(t.c[i][c].mean - best) < 1e-9);
  }
  /* Rank of DAE+ALCN (published) on classes 0,1 among 11 rows: 0.97 ties DAE/DAE+Gaussian on class 1 -> (1 + 2) / 2. */
  ck_assert_double_eq_tol(t.c[p][t.ncol - 1].mean, 1.5, 1e-9);
  text = slurp(dir, "auroc_fashion-mnist_p2.md");
  ck_assert_ptr_null(strstr(text, "published"));
  free(text);
  /* Table 5 numbers. */
  text = slurp(dir, "table5.md");
  ck_assert_ptr_nonnull(strstr(text, "| DAE+ALCN | infer_with_noise | 4096 | cpu (fixture, 2 cores) | 4.80 [4.60, 5.10] | 11.90 | 2.48x |"));
  free(text);
  text = slurp(dir, "table5_published.tex");
  ck_assert_ptr_nonnull(strstr(text, "DAE+ALCN (published) & 9.87 & 4.54 & 5.23 \\\\"));
  ck_assert_ptr_nonnull(strstr(text, "\\toprule"));
  free(text);
}
END_TEST

START_TEST(test_pngs_sized_and_not_blank) {
  if (!have_gnuplot) return;
  char path[8192];
  for (int i = 0; i < NFIG; ++i) {
    int w, h, ew = 0, eh = 0;
    double var;
    snprintf(path, sizeof path, "%s/figures/%s.png", out_png, figures[i]);
    read_png_stats(path, &w, &h, &var);
    if (!strncmp(figures[i], "bars_", 5)) ew = ALCN_REPORT_BARS_W, eh = ALCN_REPORT_BARS_H;
    else if (!strncmp(figures[i], "roc_", 4)) ew = ALCN_REPORT_ROC_W, eh = ALCN_REPORT_ROC_H;
    else if (!strncmp(figures[i], "loss_", 5)) ew = ALCN_REPORT_LOSS_W, eh = ALCN_REPORT_LOSS_H;
    else if (!strncmp(figures[i], "table5_", 7)) ew = ALCN_REPORT_T5_W, eh = ALCN_REPORT_T5_H;
    else if (!strncmp(figures[i], "hist_", 5)) ew = 2 * ALCN_REPORT_HIST_PANEL_W, eh = ALCN_REPORT_HIST_PANEL_H;
    else if (!strncmp(figures[i], "cd_", 3)) /* two methods: one label row, no group or one */
      ew = ALCN_REPORT_CD_W, eh = h == ALCN_REPORT_CD_H(2, 1) ? ALCN_REPORT_CD_H(2, 1) : ALCN_REPORT_CD_H(2, 0);
    ck_assert_msg(w == ew && h == eh, "%s is %dx%d, expected %dx%d", figures[i], w, h, ew, eh);
    ck_assert_msg(var > 200.0, "%s looks blank (luminance variance %.1f)", figures[i], var);
  }
  /* Figure 4: 2 images of 28x28, 4 columns, scale ceil(168/28) = 6, gap 4, label and header bands. */
  int w, h;
  double var;
  snprintf(path, sizeof path, "%s/figure4/mnist-p1-c0-dae-alcn-mse-s1.png", out_png);
  read_png_stats(path, &w, &h, &var);
  ck_assert_int_eq(w, ALCN_REPORT_F4_LABEL_W + 4 * 28 * 6 + 5 * ALCN_REPORT_F4_GAP);
  ck_assert_int_eq(h, ALCN_REPORT_F4_HEAD_H + 2 * 28 * 6 + 3 * ALCN_REPORT_F4_GAP);
  ck_assert_double_gt(var, 1000.0);
}
END_TEST

START_TEST(test_without_gnuplot) {
  char out[4096], empty[4096], err[8300], dir[8300];
  ck_assert_int_eq(tu_make_tempdir(out, sizeof out, "report-nognuplot"), 0);
  ck_assert_int_eq(tu_make_tempdir(empty, sizeof empty, "empty-path"), 0);
  char *old_path = getenv("PATH") ? strdup(getenv("PATH")) : NULL;
  char *old_gp = getenv("ALCN_GNUPLOT") ? strdup(getenv("ALCN_GNUPLOT")) : NULL;
  setenv("PATH", empty, 1);
  unsetenv("ALCN_GNUPLOT");
  snprintf(err, sizeof err, "%s/stderr.txt", empty);
  int rc = run_report(fixture, out, NULL, NULL, err);
  if (old_path) setenv("PATH", old_path, 1);
  if (old_gp) setenv("ALCN_GNUPLOT", old_gp, 1);
  free(old_path);
  free(old_gp);
  ck_assert_int_eq(rc, 0);
  snprintf(dir, sizeof dir, "%s/tables", out);
  ck_assert(exists(dir, "auroc_mnist_p1.md") && exists(dir, "auroc_mnist_p1.tex") && exists(dir, "table5.md"));
  snprintf(dir, sizeof dir, "%s/figures", out);
  ck_assert(exists(dir, "roc_mnist_p1_c0.gp") && exists(dir, "roc_mnist_p1_c0.dat"));
  ck_assert(!exists(dir, "roc_mnist_p1_c0.png"));
  snprintf(dir, sizeof dir, "%s/figure4", out);
  ck_assert(exists(dir, "mnist-p1-c0-dae-alcn-mse-s1.png")); /* libpng, no gnuplot needed */
  ck_assert(exists(out, "report.md") && exists(out, "report.html"));
  char *msg = slurp(empty, "stderr.txt");
  ck_assert_ptr_nonnull(msg);
  ck_assert_ptr_nonnull(strstr(msg, "gnuplot was not found on PATH"));
  int lines = 0;
  for (const char *p = msg; (p = strstr(p, "not rendered")); ++p) ++lines;
  ck_assert_int_eq(lines, 1);
  for (int i = 0; i < NFIG; ++i) {
    if (strstr(figures[i], "aupr") || strstr(figures[i], "f1max")) continue; /* default metrics: auroc */
    char name[256];
    snprintf(name, sizeof name, " %s.png", figures[i]);
    ck_assert_msg(strstr(msg, name) != NULL, "message does not name %s", name);
  }
  free(msg);
  tu_remove_tree(out);
  tu_remove_tree(empty);
}
END_TEST

START_TEST(test_svg_format) {
  if (!have_gnuplot) return;
  char out[4096], dir[8300];
  ck_assert_int_eq(tu_make_tempdir(out, sizeof out, "report-svg"), 0);
  ck_assert_int_eq(run_report(fixture, out, "svg", "auroc", NULL), 0);
  snprintf(dir, sizeof dir, "%s/figures", out);
  ck_assert(exists(dir, "roc_mnist_p1_c0.svg") && exists(dir, "table5_time.svg"));
  char *svg = slurp(dir, "roc_mnist_p1_c0.svg");
  ck_assert_ptr_nonnull(strstr(svg, "<svg"));
  free(svg);
  char *html = slurp(out, "report.html");
  ck_assert_ptr_nonnull(strstr(html, "data:image/svg+xml;base64,"));
  free(html);
  tu_remove_tree(out);
}
END_TEST

static void write_f4(const char *path, const char *magic, int n, int c, int h, int w, size_t nfloats) {
  FILE *f = fopen(path, "wb");
  fwrite(magic, 1, 8, f);
  int32_t hdr[4] = {n, c, h, w};
  fwrite(hdr, 4, 4, f);
  float *v = malloc(nfloats * sizeof *v);
  tu_fill_uniform(v, nfloats, 7, -1.f, 1.f);
  fwrite(v, sizeof *v, nfloats, f);
  free(v);
  fclose(f);
}

START_TEST(test_figure4_rgb_and_errors) {
  char dir[4096], in[4200], out[4200];
  ck_assert_int_eq(tu_make_tempdir(dir, sizeof dir, "f4"), 0);
  snprintf(in, sizeof in, "%s/x.f4", dir);
  snprintf(out, sizeof out, "%s/x.png", dir);
  write_f4(in, "ALCNF4v1", 1, 3, 32, 32, 4 * 3 * 32 * 32);
  int w = 0, h = 0;
  ck_assert_int_eq(alcn_report_figure4_png(in, out, &w, &h), ALCN_OK);
  ck_assert_int_eq(w, ALCN_REPORT_F4_LABEL_W + 4 * 32 * 6 + 5 * ALCN_REPORT_F4_GAP); /* scale ceil(168/32) = 6 */
  ck_assert_int_eq(h, ALCN_REPORT_F4_HEAD_H + 32 * 6 + 2 * ALCN_REPORT_F4_GAP);
  int rw, rh;
  double var;
  read_png_stats(out, &rw, &rh, &var);
  ck_assert_int_eq(rw, w);
  ck_assert_int_eq(rh, h);
  ck_assert_double_gt(var, 500.0);
  write_f4(in, "ALCNF4v1", 2, 1, 28, 28, 4 * 784 + 10); /* one image short */
  ck_assert_int_eq(alcn_report_figure4_png(in, out, NULL, NULL), ALCN_ERR_FORMAT);
  ck_assert_ptr_nonnull(strstr(alcn_last_error(), "truncated"));
  write_f4(in, "NOTANF4!", 1, 1, 28, 28, 4 * 784);
  ck_assert_int_eq(alcn_report_figure4_png(in, out, NULL, NULL), ALCN_ERR_FORMAT);
  tu_remove_tree(dir);
}
END_TEST

START_TEST(test_method_labels) {
  char l[128];
  rp_method_label(l, sizeof l, "dae", "none");
  ck_assert_str_eq(l, "DAE");
  rp_method_label(l, sizeof l, "dae", "alcn");
  ck_assert_str_eq(l, "DAE+ALCN");
  rp_method_label(l, sizeof l, "ganomaly", "none");
  ck_assert_str_eq(l, "GANomaly");
  rp_method_label(l, sizeof l, "dae", "uniform");
  ck_assert_str_eq(l, "DAE+uniform");
  /* variants (id@variant) follow the label in brackets */
  rp_method_label(l, sizeof l, "ganomaly@batch", "none");
  ck_assert_str_eq(l, "GANomaly [batch]");
  rp_method_label(l, sizeof l, "dae", "alcn@wide");
  ck_assert_str_eq(l, "DAE+ALCN [wide]");
  rp_method_label(l, sizeof l, "dae@lr3", "alcn@wide");
  ck_assert_str_eq(l, "DAE+ALCN [lr3+wide]");
  rp_method_label(l, sizeof l, "dae@slow", "none");
  ck_assert_str_eq(l, "DAE [slow]");
  ck_assert_int_eq(rp_label_order("DAE [slow]"), rp_label_order("DAE"));
  ck_assert_int_eq(rp_label_order("DAE+ALCN [wide]"), rp_label_order("DAE+ALCN"));
}
END_TEST

START_TEST(test_usage_errors) {
  char *none[] = {"report", NULL};
  ck_assert_int_eq(alcn_report_main(1, none), 2);
  char empty[4096];
  ck_assert_int_eq(tu_make_tempdir(empty, sizeof empty, "report-empty"), 0);
  char out[4200];
  snprintf(out, sizeof out, "%s/out", empty);
  char *bad_fmt[] = {"report", fixture, "-o", out, "--format", "gif", NULL};
  ck_assert_int_eq(alcn_report_main(6, bad_fmt), 2);
  char *bad_metric[] = {"report", fixture, "-o", out, "--metrics", "auroc,accuracy", NULL};
  ck_assert_int_eq(alcn_report_main(6, bad_metric), 2);
  char *no_records[] = {"report", empty, "-o", out, "--quiet", NULL};
  ck_assert_int_eq(alcn_report_main(5, no_records), 1);
  ck_assert_ptr_nonnull(strstr(alcn_last_error(), "no records"));
  tu_remove_tree(empty);
}
END_TEST

/* ---- hostile results folders (issue 17) ------------------------------------------------ */

static void put_text(const char *dir, const char *name, const char *text) {
  char p[8600];
  snprintf(p, sizeof p, "%s/%s", dir, name);
  FILE *f = fopen(p, "wb");
  ck_assert_msg(f != NULL, "cannot write %s", p);
  fputs(text, f);
  fclose(f);
}

/* A done cell record; cls, seed and extra are JSON text ("0", "1e300", ",\"figure4\":\"x\""). */
static void put_record(const char *res, const char *file, const char *cell, const char *cls, const char *seed,
                       const char *extra) {
  char dir[4200], text[8192];
  ck_assert_msg(snprintf(dir, sizeof dir, "%s/records", res) < (int)sizeof dir, "path too long: %s", res);
  snprintf(text, sizeof text,
           "{\"schema\":\"alcnbench.record/1\",\"cell\":\"%s\",\"status\":\"done\",\"dataset\":\"mnist\","
           "\"protocol\":\"p1\",\"class\":%s,\"class_name\":\"zero\",\"method\":\"dae\",\"noise\":\"alcn\","
           "\"loss\":\"mse\",\"seed\":%s,\"auroc\":0.9,\"aupr\":0.8,\"f1max\":0.7%s}\n",
           cell, cls, seed, extra);
  put_text(dir, file, text);
}

static void make_results(char *res, size_t cap, const char *tag) {
  ck_assert_int_eq(tu_make_tempdir(res, cap, tag), 0);
  char p[4300];
  snprintf(p, sizeof p, "%s/records", res);
  ck_assert_int_eq(mkdir(p, 0755), 0);
  snprintf(p, sizeof p, "%s/figure4", res);
  ck_assert_int_eq(mkdir(p, 0755), 0);
}

static int file_exists(const char *path) {
  struct stat st;
  return stat(path, &st) == 0;
}

/* A record names its Figure-4 file; the report reads it only inside the
 * results folder: not absolute, no '..', no symbolic link leading out. */
START_TEST(test_record_paths_stay_inside) {
  char top[4096], res[4200], out[4200], p[4400], q[4400], err[4400], extra[4400];
  ck_assert_int_eq(tu_make_tempdir(top, sizeof top, "paths"), 0);
  snprintf(res, sizeof res, "%s/res", top);
  snprintf(out, sizeof out, "%s/out", top);
  ck_assert_int_eq(mkdir(res, 0755), 0);
  snprintf(p, sizeof p, "%s/records", res);
  ck_assert_int_eq(mkdir(p, 0755), 0);
  snprintf(p, sizeof p, "%s/figure4", res);
  ck_assert_int_eq(mkdir(p, 0755), 0);
  snprintf(p, sizeof p, "%s/secret.f4", top); /* outside the results folder */
  write_f4(p, "ALCNF4v1", 1, 1, 8, 8, 4 * 64);
  snprintf(p, sizeof p, "%s/figure4/ok.f4", res);
  write_f4(p, "ALCNF4v1", 1, 1, 8, 8, 4 * 64);
  snprintf(p, sizeof p, "%s/figure4/out.f4", res);
  ck_assert_int_eq(symlink("../../secret.f4", p), 0);
  snprintf(p, sizeof p, "%s/figure4/in.f4", res);
  ck_assert_int_eq(symlink("ok.f4", p), 0);
  put_record(res, "a.json", "a", "0", "1", ",\"figure4\":\"../secret.f4\"");
  put_record(res, "b.json", "b", "0", "2", ",\"figure4\":\"figure4/../../secret.f4\"");
  snprintf(extra, sizeof extra, ",\"figure4\":\"%s/secret.f4\"", top);
  put_record(res, "c.json", "c", "0", "3", extra);
  put_record(res, "d.json", "d", "0", "4", ",\"figure4\":\"figure4/out.f4\"");
  put_record(res, "e.json", "e", "0", "5", ",\"figure4\":\"figure4/ok.f4\"");
  put_record(res, "f.json", "f", "0", "6", ",\"figure4\":\"figure4/in.f4\"");
  /* the report's own key for the checked path, written into a record, must not replace the checked path */
  snprintf(extra, sizeof extra, ",\"figure4\":\"figure4/ok.f4\",\"_report_figure4\":\"%s/nosuch.f4\"", top);
  put_record(res, "g.json", "g", "0", "7", extra);
  snprintf(err, sizeof err, "%s/err.txt", top);
  int rc = run_report(res, out, NULL, NULL, err);
  char *e = slurp(top, "err.txt");
  ck_assert_msg(rc == 0, "report exited %d: %s", rc, e);
  /* inside (also through a link that stays inside): rendered */
  snprintf(q, sizeof q, "%s/figure4", out);
  ck_assert_msg(exists(q, "e.png") && exists(q, "f.png") && exists(q, "g.png"),
                "Figure-4 grids inside the folder missing: %s", e);
  ck_assert_msg(!strstr(e, "nosuch.f4"), "a record's \"_report_figure4\" was read: %s", e);
  /* outside: not read, one warning naming the record */
  ck_assert_msg(!exists(q, "a.png") && !exists(q, "b.png") && !exists(q, "c.png") && !exists(q, "d.png"),
                "a Figure-4 file outside the results folder was read: %s", e);
  ck_assert_msg(strstr(e, "a.json: figure4 path \"../secret.f4\" has a '..' component"), "%s", e);
  ck_assert_msg(strstr(e, "b.json: figure4 path \"figure4/../../secret.f4\" has a '..' component"), "%s", e);
  ck_assert_msg(strstr(e, "c.json: figure4 path") && strstr(e, "secret.f4\" is absolute"), "%s", e);
  ck_assert_msg(strstr(e, "d.json: figure4 path \"figure4/out.f4\" leads outside the results folder"), "%s", e);
  free(e);
  tu_remove_tree(top);
}
END_TEST

/* The report's "_report_*" keys in a record's tree are its own: a record that
 * carries keys of those names (found by the record fuzzer) has them dropped,
 * so it keeps the file name it was read from and its derived label. */
START_TEST(test_record_reserved_keys_dropped) {
  const char *text =
      "{\"schema\":\"alcnbench.record/1\",\"_report_file\":0,\"method\":\"dae\",\"noise\":\"none\","
      "\"_report_base_label\":\"Forged\",\"_report_source\":\"/\",\"_report_figure4\":\"/etc/passwd\","
      "\"_report_anomaly_maps\":\"/etc/passwd\"}";
  rp_record r;
  ck_assert_int_eq(rp_record_parse_text(&r, text, strlen(text), "res/records/x.json", "x.json", 1), 1);
  ck_assert_ptr_nonnull(r.file);
  ck_assert_str_eq(r.file, "x.json");
  ck_assert_ptr_nonnull(r.cell);
  ck_assert_str_eq(r.cell, "x.json");
  ck_assert_ptr_null(r.figure4_path);
  ck_assert_ptr_null(r.anomaly_maps_path);
  rp_relabel(&r, 1);
  char want[96];
  rp_method_label(want, sizeof want, "dae", "none"); /* "DAE" (the plugin's label), or "dae" without plugins */
  ck_assert_str_eq(r.label, want);
  for (const cJSON *c = r.root->child; c; c = c->next)
    ck_assert_msg(strcmp(c->string, "_report_figure4") && strcmp(c->string, "_report_anomaly_maps") &&
                  strcmp(c->string, "_report_source"), "reserved key %s kept", c->string);
  rp_free_record(&r);
  /* a truncated record is skipped, r left empty */
  ck_assert_int_eq(rp_record_parse_text(&r, text, 40, "res/records/x.json", "x.json", 1), 0);
  ck_assert_ptr_null(r.root);
}
END_TEST

/* JSON numbers that become ints (class, seed, Table-5 batch) are range-checked
 * before the cast; such a record is skipped with a warning naming it. */
START_TEST(test_record_int_fields_checked) {
  char res[4096], out[4200], err[4200], dir[4300];
  make_results(res, sizeof res, "ints");
  snprintf(out, sizeof out, "%s/out", res);
  snprintf(err, sizeof err, "%s/err.txt", res);
  put_record(res, "good.json", "good", "0", "1", "");
  put_record(res, "big.json", "big", "1e300", "1", "");
  put_record(res, "neg.json", "neg", "0", "-1", "");
  put_record(res, "frac.json", "frac", "1.5", "1", "");
  put_record(res, "huge.json", "huge", "0", "4294967296", "");
  put_record(res, "str.json", "str", "\"x\"", "1", "");
  snprintf(dir, sizeof dir, "%s/table5", res);
  ck_assert_int_eq(mkdir(dir, 0755), 0);
  put_text(dir, "t.json", "{\"schema\":\"alcnbench.table5/1\",\"method\":\"dae\",\"noise\":\"alcn\",\"case\":\"infer\","
                          "\"device\":\"cpu\",\"batch\":-1e300,\"ours_ms\":1.0}\n");
  int rc = run_report(res, out, NULL, NULL, err);
  char *e = slurp(res, "err.txt");
  ck_assert_msg(rc == 0, "report exited %d: %s", rc, e);
  ck_assert_msg(strstr(e, "big.json: \"class\" is 1e+300, not an integer in [0, 2147483647]; "
                          "record skipped"), "%s", e);
  ck_assert_msg(strstr(e, "neg.json: \"seed\" is -1, not an integer"), "%s", e);
  ck_assert_msg(strstr(e, "frac.json: \"class\" is 1.5, not an integer"), "%s", e);
  ck_assert_msg(strstr(e, "huge.json: \"seed\" is 4294967296, not an integer"), "%s", e);
  ck_assert_msg(strstr(e, "str.json: \"class\" is not a number"), "%s", e);
  ck_assert_msg(strstr(e, "t.json: \"batch\" is -1e+300, not an integer"), "%s", e);
  char *md = slurp(out, "report.md");
  ck_assert_ptr_nonnull(md);
  ck_assert_msg(!strstr(md, "2147483648") && !strstr(md, "big") && !strstr(md, "frac"), "a bad record was used");
  free(md);
  free(e);
  tu_remove_tree(res);
}
END_TEST

/* Records that are not regular files (a FIFO, a folder) or are too large are
 * skipped with a warning at once: nothing waits on a FIFO or reads a huge file. */
START_TEST(test_record_not_regular_files) {
  char res[4096], out[4200], err[4200], p[4300];
  make_results(res, sizeof res, "fifo");
  snprintf(out, sizeof out, "%s/out", res);
  snprintf(err, sizeof err, "%s/err.txt", res);
  put_record(res, "good.json", "good", "0", "1", "");
  snprintf(p, sizeof p, "%s/records/fifo.json", res);
  ck_assert_int_eq(mkfifo(p, 0644), 0);
  snprintf(p, sizeof p, "%s/records/dir.json", res);
  ck_assert_int_eq(mkdir(p, 0755), 0);
  snprintf(p, sizeof p, "%s/records/huge.json", res); /* sparse: over the cap without using the disk */
  int fd = open(p, O_WRONLY | O_CREAT | O_TRUNC, 0644);
  ck_assert_int_ge(fd, 0);
  ck_assert_int_eq(ftruncate(fd, (off_t)ALCN_REPORT_RECORD_CAP + 1), 0);
  close(fd);
  alarm(60); /* a read that waits on the FIFO would hang the suite: SIGALRM fails the test instead */
  int rc = run_report(res, out, NULL, NULL, err);
  alarm(0);
  char *e = slurp(res, "err.txt");
  ck_assert_msg(rc == 0, "report exited %d: %s", rc, e);
  ck_assert_msg(strstr(e, "fifo.json: a FIFO (named pipe), not a regular file"), "%s", e);
  ck_assert_msg(strstr(e, "dir.json: a folder, not a regular file"), "%s", e);
  ck_assert_msg(strstr(e, "huge.json: 268435457 bytes, more than the 256 MiB"), "%s", e);
  free(e);
  tu_remove_tree(res);
}
END_TEST

static int has_temp_files(const char *dir) {
  DIR *d = opendir(dir);
  if (!d) return 0;
  struct dirent *e;
  int n = 0;
  while ((e = readdir(d))) {
    size_t k = strlen(e->d_name);
    n += k > 4 && !strcmp(e->d_name + k - 4, ".tmp");
  }
  closedir(d);
  return n;
}

/* A full disk (here: RLIMIT_FSIZE, so that a write stops part-way) fails the
 * report with exit 1 and leaves no truncated file: every table written is
 * whole (the same bytes as the unlimited report), and no temporary file. */
START_TEST(test_full_disk_leaves_no_truncated_file) {
  ck_assert_int_eq(rc_png, 0);
  const rlim_t limit = 1500; /* bytes: under the size of most tables of the fixture */
  char out[4096], dir[4200], ref[4200], err[4200];
  ck_assert_int_eq(tu_make_tempdir(out, sizeof out, "report-full"), 0);
  snprintf(err, sizeof err, "%s.err", out);
  pid_t pid = fork();
  ck_assert_int_ge(pid, 0);
  if (pid == 0) {
    signal(SIGXFSZ, SIG_IGN); /* the write fails with EFBIG instead of killing the process */
    struct rlimit rl = {limit, limit};
    if (setrlimit(RLIMIT_FSIZE, &rl) != 0) _exit(99);
    _exit(run_report(fixture, out, NULL, "auroc,aupr,f1max", err));
  }
  int status = 0;
  ck_assert_int_eq(waitpid(pid, &status, 0), pid);
  ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 1, "report under a full disk: status %d", status);
  snprintf(dir, sizeof dir, "%s/tables", out);
  snprintf(ref, sizeof ref, "%s/tables", out_png);
  DIR *d = opendir(ref);
  ck_assert_ptr_nonnull(d);
  struct dirent *de;
  int whole = 0, missing = 0;
  while ((de = readdir(d))) {
    if (de->d_name[0] == '.') continue;
    char *want = slurp(ref, de->d_name), *got = slurp(dir, de->d_name);
    if (!got) {
      missing++;
    } else {
      ck_assert_msg(!strcmp(want, got), "%s/%s is truncated (%zu of %zu bytes)", dir, de->d_name, strlen(got),
                    strlen(want));
      whole++;
    }
    free(want);
    free(got);
  }
  closedir(d);
  ck_assert_msg(missing > 0, "the size limit did not bite (%d tables written)", whole);
  char *e = slurp("", err);
  ck_assert_msg(e && strstr(e, "cannot write") && strstr(e, "nothing was written"), "%s", e ? e : "");
  free(e);
  unlink(err);
  ck_assert_int_eq(has_temp_files(dir), 0);
  ck_assert_int_eq(has_temp_files(out), 0);
  tu_remove_tree(out);
}
END_TEST

/* A Figure-4 grid wider than a PNG may be is refused before anything is
 * written: no 0-byte PNG (libpng used to fail after the file was created). */
START_TEST(test_figure4_too_wide_writes_nothing) {
  char dir[4096], in[4200], out[4200];
  ck_assert_int_eq(tu_make_tempdir(dir, sizeof dir, "f4-wide"), 0);
  snprintf(in, sizeof in, "%s/w.f4", dir);
  snprintf(out, sizeof out, "%s/w.png", dir);
  write_f4(in, "ALCNF4v1", 1, 1, 1, 4096, 4 * 4096); /* 1 x 4096 panels, scaled x96: 1.5 M pixels wide */
  ck_assert_int_ne(alcn_report_figure4_png(in, out, NULL, NULL), ALCN_OK);
  ck_assert_msg(!file_exists(out), "a failed Figure-4 grid left %s behind", out);
  ck_assert_msg(strstr(alcn_last_error(), "grid") && strstr(alcn_last_error(), "no PNG written"), "%s",
                alcn_last_error());
  ck_assert_int_eq(has_temp_files(dir), 0);
  /* a good one replaces an old file whole, no temporary left */
  write_f4(in, "ALCNF4v1", 1, 1, 8, 8, 4 * 64);
  put_text(dir, "w.png", "old");
  ck_assert_int_eq(alcn_report_figure4_png(in, out, NULL, NULL), ALCN_OK);
  int w, h;
  double var;
  read_png_stats(out, &w, &h, &var);
  ck_assert_int_eq(has_temp_files(dir), 0);
  tu_remove_tree(dir);
}
END_TEST

/* Issue 18.7: each method's training loss in its own figure (different quantities, never one axis). */
START_TEST(test_loss_figure_per_method) {
  char dir[4300];
  snprintf(dir, sizeof dir, "%s/figures", out_png);
  char *gan = slurp(dir, "loss_fashion-mnist_p2_ganomaly.dat"), *dae = slurp(dir, "loss_fashion-mnist_p2_dae.dat");
  ck_assert_ptr_nonnull(gan);
  ck_assert_ptr_nonnull(dae);
  ck_assert_msg(strstr(gan, "# GANomaly:") && !strstr(gan, "DAE"), "GANomaly's loss figure:\n%s", gan);
  ck_assert_msg(strstr(dae, "# DAE+Gaussian:") && !strstr(dae, "GANomaly"), "the DAE's loss figure:\n%s", dae);
  ck_assert(!exists(dir, "loss_fashion-mnist_p2.dat"));
  free(gan);
  free(dae);
}
END_TEST

/* Issue 13: a run resized with --image-size is its own row, labelled with its resolution;
 * the learned noise's saturation per epoch is drawn with the relative loss. */
START_TEST(test_resolution_rows_and_saturation) {
  char res[4096], out[4200], p[4400];
  make_results(res, sizeof res, "report-px");
  put_record(res, "a.json", "mnist_p1_c0_dae_alcn_mse_s1", "0", "1",
             ",\"config\":{\"image_size\":0},\"epoch_losses\":[2,1],\"epoch_noise_saturation\":[0.5,0.75]");
  put_record(res, "b.json", "mnist_p1_c0_dae_alcn_mse_s2", "0", "2",
             ",\"config\":{\"image_size\":32},\"epoch_losses\":[4,1],\"epoch_noise_saturation\":[0.25,1]");
  snprintf(out, sizeof out, "%s/out", res);
  ck_assert_int_eq(run_report(res, out, "png", "auroc", NULL), 0);
  char *md = slurp(out, "report.md");
  ck_assert_ptr_nonnull(md);
  ck_assert_msg(strstr(md, "| DAE+ALCN (32 px) |") != NULL, "no row for the 32-px run");
  ck_assert_msg(strstr(md, "| DAE+ALCN |") != NULL, "no row for the native-size run");
  free(md);
  snprintf(p, sizeof p, "%s/figures", out);
  char *dat = slurp(p, "saturation_mnist_p1.dat");
  ck_assert_ptr_nonnull(dat);
  /* blocks: saturation of DAE+ALCN, of DAE+ALCN (32 px), then loss / first loss of each */
  ck_assert_msg(strstr(dat, "2\t0.75\t0.75\t0.75\n") != NULL, "saturation, epoch 2:\n%s", dat);
  ck_assert_msg(strstr(dat, "1\t0.25\t0.25\t0.25\n") != NULL, "saturation (32 px), epoch 1:\n%s", dat);
  ck_assert_msg(strstr(dat, "2\t0.5\t0.5\t0.5\n") != NULL, "relative loss, epoch 2:\n%s", dat);
  ck_assert_msg(strstr(dat, "2\t0.25\t0.25\t0.25\n") != NULL, "relative loss (32 px), epoch 2:\n%s", dat);
  free(dat);
  if (have_gnuplot) ck_assert(exists(p, "saturation_mnist_p1.png"));
  tu_remove_tree(res);
}
END_TEST

int main(void) {
  Suite *s = suite_create("reports");
  TCase *tc = tcase_create("fixture");
  tcase_add_unchecked_fixture(tc, setup_once, teardown_once);
  tcase_set_timeout(tc, 120);
  tcase_add_test(tc, test_fixture_writes_every_file);
  tcase_add_test(tc, test_tables_parse_back);
  tcase_add_test(tc, test_pngs_sized_and_not_blank);
  tcase_add_test(tc, test_without_gnuplot);
  tcase_add_test(tc, test_svg_format);
  tcase_add_test(tc, test_figure4_rgb_and_errors);
  tcase_add_test(tc, test_usage_errors);
  tcase_add_test(tc, test_method_labels);
  tcase_add_test(tc, test_record_paths_stay_inside);
  tcase_add_test(tc, test_record_reserved_keys_dropped);
  tcase_add_test(tc, test_record_int_fields_checked);
  tcase_add_test(tc, test_record_not_regular_files);
  tcase_add_test(tc, test_full_disk_leaves_no_truncated_file);
  tcase_add_test(tc, test_figure4_too_wide_writes_nothing);
  tcase_add_test(tc, test_resolution_rows_and_saturation);
  tcase_add_test(tc, test_loss_figure_per_method);
  suite_add_tcase(s, tc);
  return tu_run_suite(s);
}
