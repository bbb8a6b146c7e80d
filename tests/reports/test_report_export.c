/* Suite "report_export" (issue 18): results.csv (columns, one row per cell
 * and metric, RFC 4180 quoting; loaded by python3's csv module too where
 * python3 exists), `report A B` merging folders and naming each duplicate
 * cell in one line, `compare A B` (per-cell and average differences, the
 * Wilcoxon test, usage errors), rows flagged when the loss did not fall,
 * pixel AUROC / AUPRO tables and anomaly-map overlays, and the labelled
 * Figure-4 grids (headers, normal / anomalous rows, no empty noise columns).
 * Every test builds its own results folders under a fresh temp folder. */
#define _POSIX_C_SOURCE 200809L
#include <check.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <png.h>

#include "alcn/report.h"
#include "report_internal.h"
#include "test_util.h"

static char tmp[4096];

static void setup(void) {
  ck_assert_int_eq(tu_make_tempdir(tmp, sizeof tmp, "report_export"), 0);
  alcn_clear_error();
}

static void teardown(void) { tu_remove_tree(tmp); }

/* ---- helpers ------------------------------------------------------------------------ */

static void path_of(char *dst, size_t cap, const char *rel) {
  int r = snprintf(dst, cap, "%s/%s", tmp, rel);
  ck_assert(r > 0 && (size_t)r < cap);
}

static void put_file(const char *rel, const void *data, size_t n) {
  char p[4400];
  path_of(p, sizeof p, rel);
  char dir[4400];
  snprintf(dir, sizeof dir, "%s", p);
  for (char *q = dir + strlen(tmp) + 1; *q; ++q)
    if (*q == '/') {
      *q = 0;
      mkdir(dir, 0777);
      *q = '/';
    }
  FILE *f = fopen(p, "wb");
  ck_assert_msg(f != NULL, "cannot write %s", p);
  ck_assert_uint_eq(fwrite(data, 1, n, f), n);
  fclose(f);
}

static char *slurp(const char *rel) {
  char p[4400];
  path_of(p, sizeof p, rel);
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

/* A done record in <folder>/records/<cell>.json; extra: more JSON members (",\"k\":v"). */
static void put_record(const char *folder, const char *dataset, int cls, const char *method, const char *noise,
                       int seed, double auroc, const char *losses, const char *extra) {
  char cell[256], rel[600], json[4096], labels[128];
  snprintf(cell, sizeof cell, "%s_p2_c%d_%s_%s_mse_s%d", dataset, cls, method, noise, seed);
  /* the labels a record carries (so that no plugin needs to be loaded for them) */
  const char *nl = !strncmp(noise, "alcn", 4) ? "ALCN" : !strcmp(noise, "gaussian") ? "Gaussian" : NULL;
  snprintf(labels, sizeof labels, ",\"method_label\":\"DAE\"%s%s%s", nl ? ",\"noise_label\":\"" : "", nl ? nl : "",
           nl ? "\"" : "");
  snprintf(rel, sizeof rel, "%s/records/%s.json", folder, cell);
  int n = snprintf(json, sizeof json,
                   "{\"schema\":\"alcnbench.record/1\",\"cell\":\"%s\",\"status\":\"done\",\"dataset\":\"%s\","
                   "\"protocol\":\"p2\",\"class\":%d,\"class_name\":\"cls, %d\",\"method\":\"%s\",\"noise\":\"%s\","
                   "\"loss\":\"mse\",\"seed\":%d,\"auroc\":%.6f,\"aupr\":0.5,\"f1max\":0.6,\"epochs\":%d,"
                   "\"epoch_losses\":%s,\"train_seconds\":1.5%s%s}\n",
                   cell, dataset, cls, cls, method, noise, seed, auroc, losses[0] == '[' && strchr(losses, ',') ? 2 : 1,
                   losses, labels, extra ? extra : "");
  put_file(rel, json, (size_t)n);
}

static int report(const char *a, const char *b, const char *out, const char *err_rel) {
  char pa[4400], pb[4400], po[4400], pe[4400];
  path_of(pa, sizeof pa, a);
  if (b) path_of(pb, sizeof pb, b);
  path_of(po, sizeof po, out);
  char *argv[10];
  int argc = 0;
  argv[argc++] = "report";
  argv[argc++] = pa;
  if (b) argv[argc++] = pb;
  argv[argc++] = "-o";
  argv[argc++] = po;
  argv[argc++] = "--quiet";
  argv[argc] = NULL;
  fflush(stderr);
  int saved = dup(2);
  if (err_rel) {
    path_of(pe, sizeof pe, err_rel);
    ck_assert_ptr_nonnull(freopen(pe, "w", stderr));
  }
  setenv("ALCN_GNUPLOT", "/nonexistent/gnuplot", 1); /* tables, csv and PNG grids only: fast */
  int rc = alcn_report_main(argc, argv);
  fflush(stderr);
  dup2(saved, 2);
  close(saved);
  return rc;
}

/* Split one CSV record (RFC 4180) at *p into fields[]; returns the count, advances *p past the line. */
static int csv_record(const char **p, char fields[][256], int max) {
  int n = 0;
  const char *s = *p;
  for (;;) {
    char *f = fields[n];
    size_t k = 0;
    if (*s == '"') {
      for (++s; *s; ++s) {
        if (*s == '"' && s[1] == '"') f[k++] = '"', ++s;
        else if (*s == '"') {
          ++s;
          break;
        } else f[k++] = *s;
      }
    } else {
      while (*s && *s != ',' && *s != '\n') f[k++] = *s++;
    }
    f[k] = 0;
    if (n < max - 1) ++n;
    if (*s == ',') {
      ++s;
      continue;
    }
    if (*s == '\n') ++s;
    break;
  }
  *p = s;
  return n;
}

static int python3_path(char *buf, size_t cap) {
  const char *path = getenv("PATH");
  while (path && *path) {
    size_t k = strcspn(path, ":");
    snprintf(buf, cap, "%.*s/python3", (int)k, path);
    if (k && access(buf, X_OK) == 0) return 1;
    path += k;
    if (*path == ':') ++path;
  }
  return 0;
}

/* ---- results.csv ----------------------------------------------------------------------- */

START_TEST(test_csv_columns_and_rows) {
  put_record("a", "mnist", 0, "dae", "none", 1, 0.81, "[0.5,0.4]", NULL);
  put_record("a", "mnist", 1, "dae", "alcn", 1, 0.72, "[0.5,0.4]", ",\"pixel_auroc\":0.9,\"aupro\":0.7");
  put_record("a", "mnist", 1, "dae@wide", "alcn@x", 2, 0.70, "[0.5,0.4]", NULL);
  ck_assert_int_eq(report("a", NULL, "out", NULL), 0);
  char *csv = slurp("out/results.csv");
  ck_assert_ptr_nonnull(csv);
  static char f[32][256];
  const char *p = csv;
  int nh = csv_record(&p, f, 32);
  const char *want[] = {"cell", "dataset", "protocol", "class", "class_name", "method", "noise", "variant", "label",
                        "loss", "seed", "metric", "value", "epochs", "train_seconds", "loss_not_falling", "source"};
  ck_assert_int_eq(nh, (int)(sizeof want / sizeof *want));
  for (int i = 0; i < nh; ++i) ck_assert_str_eq(f[i], want[i]);
  int rows = 0, pixel = 0, variant = 0;
  while (*p) {
    ck_assert_int_eq(csv_record(&p, f, 32), nh);
    ++rows;
    ck_assert_str_eq(f[1], "mnist");
    ck_assert(!strncmp(f[4], "cls, ", 5)); /* quoted: it holds a comma */
    char *end;
    double v = strtod(f[12], &end);
    ck_assert(*end == 0 && v >= 0 && v <= 1);
    ck_assert_str_eq(f[13], "2");
    ck_assert_double_eq_tol(strtod(f[14], NULL), 1.5, 1e-12);
    pixel += !strcmp(f[11], "pixel_auroc") || !strcmp(f[11], "aupro");
    if (!strcmp(f[7], "wide+x")) {
      ++variant;
      ck_assert_str_eq(f[5], "dae");
      ck_assert_str_eq(f[6], "alcn");
    }
  }
  ck_assert_int_eq(rows, 3 * 3 + 2); /* three image metrics each, two pixel metrics for one */
  ck_assert_int_eq(pixel, 2);
  ck_assert_int_eq(variant, 3);
  ck_assert_ptr_nonnull(strstr(csv, ",\"cls, 1\","));
  free(csv);
  /* the same file through python3's csv module (pandas is not needed for the check) */
  char py[4096], cmd[16384], out[4400];
  if (!python3_path(py, sizeof py)) {
    printf("report_export: python3 not found: the csv-module check of results.csv is skipped\n");
    return;
  }
  path_of(out, sizeof out, "out/results.csv");
  int nc = snprintf(cmd, sizeof cmd,
           "'%s' -c 'import csv,sys; r=list(csv.DictReader(open(sys.argv[1], newline=\"\"))); "
           "assert len(r)==11, len(r); assert r[0][\"class_name\"].startswith(\"cls, \"); "
           "assert all(0<=float(x[\"value\"])<=1 for x in r); print(\",\".join(r[0].keys()))' '%s' > '%s/py.txt'",
           py, out, tmp);
  ck_assert(nc > 0 && (size_t)nc < sizeof cmd);
  ck_assert_int_eq(system(cmd), 0);
  char *cols = slurp("py.txt");
  ck_assert_ptr_nonnull(cols);
  ck_assert_ptr_nonnull(strstr(cols, RP_CSV_HEADER));
  free(cols);
}
END_TEST

START_TEST(test_csv_quoting) {
  rp_buf b = {0};
  rp_csv_field(&b, "plain");
  rp_buf_put(&b, "|");
  rp_csv_field(&b, "a,b");
  rp_buf_put(&b, "|");
  rp_csv_field(&b, "say \"hi\"");
  rp_buf_put(&b, "|");
  rp_csv_field(&b, "two\nlines");
  rp_buf_put(&b, "|");
  rp_csv_field(&b, " edge");
  rp_buf_put(&b, "|");
  rp_csv_field(&b, NULL);
  ck_assert_str_eq(b.s, "plain|\"a,b\"|\"say \"\"hi\"\"\"|\"two\nlines\"|\" edge\"|");
  rp_buf_free(&b);
}
END_TEST

/* ---- report A B ----------------------------------------------------------------------- */

START_TEST(test_report_merges_and_names_duplicates) {
  put_record("a", "mnist", 0, "dae", "none", 1, 0.81, "[0.5,0.4]", NULL);
  put_record("a", "mnist", 1, "dae", "none", 1, 0.60, "[0.5,0.4]", NULL);
  put_record("b", "mnist", 1, "dae", "none", 1, 0.65, "[0.5,0.4]", NULL); /* duplicate of a's */
  put_record("b", "mnist", 2, "dae", "none", 1, 0.90, "[0.5,0.4]", NULL);
  ck_assert_int_eq(report("a", "b", "out", "err.txt"), 0);
  char *err = slurp("err.txt");
  ck_assert_ptr_nonnull(err);
  int dups = 0;
  for (const char *q = err; (q = strstr(q, "duplicate cell")); ++q) ++dups;
  ck_assert_msg(dups == 1, "expected one duplicate line: %s", err);
  ck_assert_msg(strstr(err, "duplicate cell mnist_p2_c1_dae_none_mse_s1") && strstr(err, "/a (") &&
                strstr(err, "/b ("), "%s", err);
  free(err);
  char *csv = slurp("out/results.csv");
  ck_assert_ptr_nonnull(csv);
  ck_assert_ptr_nonnull(strstr(csv, "mnist_p2_c0_dae_none_mse_s1,"));
  ck_assert_ptr_nonnull(strstr(csv, "mnist_p2_c2_dae_none_mse_s1,"));
  ck_assert_ptr_nonnull(strstr(csv, ",auroc,0.65,")); /* the later folder's record */
  ck_assert_ptr_null(strstr(csv, ",auroc,0.6,"));
  free(csv);
  char *md = slurp("out/tables/auroc_mnist_p2.md");
  ck_assert_ptr_nonnull(md);
  ck_assert_ptr_nonnull(strstr(md, "0.650"));
  free(md);
}
END_TEST

/* ---- compare A B ----------------------------------------------------------------------- */

static int compare(const char *const *args, int n, const char *out_rel) {
  static char paths[8][4400];
  char *argv[12], po[4400];
  int argc = 0, np = 0;
  argv[argc++] = "compare";
  for (int i = 0; i < n && i < 10; ++i) {
    if (args[i][0] == '-' || (i > 0 && !strcmp(args[i - 1], "--metric"))) {
      argv[argc++] = (char *)args[i];
    } else {
      path_of(paths[np], sizeof paths[np], args[i]);
      argv[argc++] = paths[np++];
    }
  }
  argv[argc] = NULL;
  path_of(po, sizeof po, out_rel);
  fflush(stdout);
  fflush(stderr);
  int so = dup(1), se = dup(2);
  FILE *f = fopen(po, "w");
  ck_assert_ptr_nonnull(f);
  dup2(fileno(f), 1);
  dup2(fileno(f), 2);
  int rc = alcn_report_compare_main(argc, argv);
  fflush(stdout);
  fflush(stderr);
  dup2(so, 1);
  dup2(se, 2);
  close(so);
  close(se);
  fclose(f);
  return rc;
}

START_TEST(test_compare_pairs_cells) {
  const double a[6] = {0.70, 0.62, 0.81, 0.55, 0.90, 0.66};
  for (int i = 0; i < 6; ++i) {
    put_record("a", "mnist", i, "dae", "none", 1, a[i], "[0.5,0.4]", NULL);
    put_record("b", "mnist", i, "dae", "none", 1, a[i] + 0.01 * (i + 1), "[0.5,0.4]", NULL);
  }
  put_record("a", "mnist", 9, "dae", "alcn", 1, 0.5, "[0.5,0.4]", NULL); /* in A only */
  const char *args[] = {"a", "b"};
  ck_assert_int_eq(compare(args, 2, "cmp.txt"), 0);
  char *o = slurp("cmp.txt");
  ck_assert_ptr_nonnull(o);
  ck_assert_msg(strstr(o, "mnist_p2_c0_dae_none_mse_s1") && strstr(o, "+0.0100") && strstr(o, "+0.0600"), "%s", o);
  /* average difference (1+2+...+6)/6 * 0.01 = 0.035; all six higher in B: exact p = 2/64 = 0.03125 */
  ck_assert_msg(strstr(o, "+0.0350"), "%s", o);
  ck_assert_msg(strstr(o, "6 paired cells (1 in A only, 0 in B only)"), "%s", o);
  ck_assert_msg(strstr(o, "p = 0.0312") && strstr(o, "exact"), "%s", o);
  free(o);
  const char *quiet[] = {"a", "b", "--quiet", "--metric", "aupr"};
  ck_assert_int_eq(compare(quiet, 5, "cmp2.txt"), 0);
  o = slurp("cmp2.txt");
  ck_assert_ptr_null(strstr(o, "mnist_p2_c0"));
  ck_assert_ptr_nonnull(strstr(o, "not computed")); /* every AUPR is 0.5 in both */
  free(o);
  const char *one[] = {"a"};
  ck_assert_int_eq(compare(one, 1, "e1.txt"), 2);
  const char *badm[] = {"a", "b", "--metric", "auc"};
  ck_assert_int_eq(compare(badm, 4, "e2.txt"), 2);
  o = slurp("e2.txt");
  ck_assert_ptr_nonnull(strstr(o, "unknown metric 'auc'"));
  free(o);
  put_record("c", "cifar10", 0, "dae", "none", 1, 0.5, "[0.5,0.4]", NULL);
  const char *nopair[] = {"a", "c"};
  ck_assert_int_eq(compare(nopair, 2, "e3.txt"), 1);
  o = slurp("e3.txt");
  ck_assert_ptr_nonnull(strstr(o, "no done cell"));
  free(o);
}
END_TEST

/* ---- loss not falling ----------------------------------------------------------------- */

START_TEST(test_loss_not_falling_flagged) {
  put_record("a", "mnist", 0, "dae", "none", 1, 0.8, "[0.5,0.4]", ",\"loss_not_falling\":false");
  put_record("a", "mnist", 0, "dae", "alcn", 1, 0.6, "[0.5,0.6]", ",\"loss_not_falling\":true");
  put_record("a", "mnist", 0, "dae", "gaussian", 1, 0.7, "[0.3,0.3]", NULL); /* older record: from the losses */
  ck_assert_int_eq(report("a", NULL, "out", NULL), 0);
  char *md = slurp("out/tables/auroc_mnist_p2.md");
  ck_assert_ptr_nonnull(md);
  ck_assert_msg(strstr(md, "| DAE+ALCN † |") && strstr(md, "| DAE+Gaussian † |") && strstr(md, "| DAE |"), "%s", md);
  ck_assert_ptr_nonnull(strstr(md, "did not fall"));
  free(md);
  char *tex = slurp("out/tables/auroc_mnist_p2.tex");
  ck_assert_ptr_nonnull(strstr(tex, "DAE+ALCN \\dag{}"));
  free(tex);
  char *rep = slurp("out/report.md");
  ck_assert_ptr_nonnull(strstr(rep, "## Loss not falling"));
  ck_assert_ptr_nonnull(strstr(rep, "| mnist_p2_c0_dae_alcn_mse_s1 | 0.5 | 0.6 | 2 |"));
  ck_assert_ptr_null(strstr(rep, "| mnist_p2_c0_dae_none_mse_s1 | 0.5"));
  free(rep);
  char *csv = slurp("out/results.csv");
  ck_assert_ptr_nonnull(strstr(csv, "mnist_p2_c0_dae_alcn_mse_s1,mnist,p2,0,\"cls, 0\",dae,alcn,,DAE+ALCN,mse,1,auroc,0.6,2,1.5,true,"));
  free(csv);
}
END_TEST

/* ---- Figure 4 and overlays ------------------------------------------------------------ */

static void put_u32(unsigned char *p, uint32_t v) {
  p[0] = (unsigned char)v, p[1] = (unsigned char)(v >> 8), p[2] = (unsigned char)(v >> 16),
  p[3] = (unsigned char)(v >> 24);
}

static void put_f(unsigned char *p, float f) {
  uint32_t u;
  memcpy(&u, &f, 4);
  put_u32(p, u);
}

/* v2 .f4 with n gray h x w images, labels alternating 0/1, flags as given, noise planes zero when !noise. */
static void put_f4_v2(const char *rel, int n, int h, int w, int flags, int noise) {
  size_t d = (size_t)h * w, len = 28 + (size_t)n * (8 + 16 * d);
  unsigned char *b = calloc(1, len), *p = b;
  memcpy(p, "ALCNF4v2", 8);
  int32_t hdr[5] = {n, 1, h, w, flags};
  for (int i = 0; i < 5; ++i) put_u32(p + 8 + 4 * i, (uint32_t)hdr[i]);
  p += 28;
  for (int i = 0; i < n; ++i) {
    put_u32(p, (uint32_t)(i % 2));
    put_f(p + 4, 0.01f * (i + 1));
    p += 8;
    for (int pl = 0; pl < 4; ++pl)
      for (size_t k = 0; k < d; ++k, p += 4)
        put_f(p, (pl == 1 || pl == 2) && !noise ? 0.0f : (float)((k * 7 + (size_t)i + (size_t)pl) % 13) / 13.0f);
  }
  put_file(rel, b, len);
  free(b);
}

/* Count pixels of the PNG whose colour is near (r, g, b) inside the box. */
static int count_color(const char *rel, int x0, int y0, int x1, int y1, int r, int g, int bl, int *W, int *H) {
  char p[4400];
  path_of(p, sizeof p, rel);
  FILE *f = fopen(p, "rb");
  ck_assert_ptr_nonnull(f);
  png_structp png = png_create_read_struct(PNG_LIBPNG_VER_STRING, NULL, NULL, NULL);
  png_infop info = png_create_info_struct(png);
  ck_assert(!setjmp(png_jmpbuf(png)));
  png_init_io(png, f);
  png_read_info(png, info);
  png_set_gray_to_rgb(png);
  png_read_update_info(png, info);
  *W = (int)png_get_image_width(png, info);
  *H = (int)png_get_image_height(png, info);
  unsigned char *row = malloc(png_get_rowbytes(png, info));
  int cnt = 0;
  for (int y = 0; y < *H; ++y) {
    png_read_row(png, row, NULL);
    for (int x = x0; y >= y0 && y < y1 && x < x1 && x < *W; ++x)
      cnt += abs(row[3 * x] - r) < 40 && abs(row[3 * x + 1] - g) < 40 && abs(row[3 * x + 2] - bl) < 40;
  }
  free(row);
  png_destroy_read_struct(&png, &info, NULL);
  fclose(f);
  return cnt;
}

START_TEST(test_figure4_labels_and_columns) {
  char in[4400], out[4400];
  int w = 0, h = 0, W, H;
  const int s = (ALCN_REPORT_F4_MIN_PANEL + 27) / 28, pw = 28 * s, gap = ALCN_REPORT_F4_GAP;
  /* a method without noise: two columns */
  put_f4_v2("g/none.f4", 4, 28, 28, 0, 0);
  path_of(in, sizeof in, "g/none.f4");
  path_of(out, sizeof out, "g/none.png");
  ck_assert_int_eq(alcn_report_figure4_png(in, out, &w, &h), ALCN_OK);
  ck_assert_int_eq(w, ALCN_REPORT_F4_LABEL_W + 2 * pw + 3 * gap);
  ck_assert_int_eq(h, ALCN_REPORT_F4_HEAD_H + 4 * pw + 5 * gap);
  /* row labels: green "normal" on rows 0 and 2, red "anomalous" on rows 1 and 3 */
  int y_row1 = ALCN_REPORT_F4_HEAD_H + gap + (pw + gap);
  int green0 = count_color("g/none.png", 0, ALCN_REPORT_F4_HEAD_H, ALCN_REPORT_F4_LABEL_W, y_row1, 0, 110, 40, &W, &H);
  int red0 = count_color("g/none.png", 0, ALCN_REPORT_F4_HEAD_H, ALCN_REPORT_F4_LABEL_W, y_row1, 190, 20, 20, &W, &H);
  int red1 = count_color("g/none.png", 0, y_row1, ALCN_REPORT_F4_LABEL_W, y_row1 + pw, 190, 20, 20, &W, &H);
  ck_assert_int_gt(green0, 20);
  ck_assert_int_eq(red0, 0);
  ck_assert_int_gt(red1, 20);
  /* column headers: dark text in the header band above each column */
  ck_assert_int_gt(count_color("g/none.png", ALCN_REPORT_F4_LABEL_W, 0, W, ALCN_REPORT_F4_HEAD_H, 0, 0, 0, &W, &H), 50);
  /* flags say noise, but the planes are all zero: still two columns (no black panels) */
  put_f4_v2("g/zero.f4", 2, 28, 28, 1, 0);
  path_of(in, sizeof in, "g/zero.f4");
  path_of(out, sizeof out, "g/zero.png");
  ck_assert_int_eq(alcn_report_figure4_png(in, out, &w, &h), ALCN_OK);
  ck_assert_int_eq(w, ALCN_REPORT_F4_LABEL_W + 2 * pw + 3 * gap);
  /* with noise: four columns */
  put_f4_v2("g/noise.f4", 2, 28, 28, 1, 1);
  path_of(in, sizeof in, "g/noise.f4");
  path_of(out, sizeof out, "g/noise.png");
  ck_assert_int_eq(alcn_report_figure4_png(in, out, &w, &h), ALCN_OK);
  ck_assert_int_eq(w, ALCN_REPORT_F4_LABEL_W + 4 * pw + 5 * gap);
  ck_assert_int_eq(h, ALCN_REPORT_F4_HEAD_H + 2 * pw + 3 * gap);
}
END_TEST

/* .amap with n gray h x w images: a bright square defect (mask) and a map high on it. */
static void put_amap(const char *rel, int n, int h, int w) {
  size_t hw = (size_t)h * w, len = 24 + (size_t)n * (8 + 8 * hw + hw);
  unsigned char *b = calloc(1, len), *p = b;
  memcpy(p, "ALCNAMv1", 8);
  int32_t hdr[4] = {n, 1, h, w};
  for (int i = 0; i < 4; ++i) put_u32(p + 8 + 4 * i, (uint32_t)hdr[i]);
  p += 24;
  for (int i = 0; i < n; ++i) {
    int anom = i % 2;
    put_u32(p, (uint32_t)anom);
    put_f(p + 4, 0.1f + 0.1f * anom);
    p += 8;
    for (size_t k = 0; k < hw; ++k, p += 4) put_f(p, (float)(k % (size_t)w) / (float)w);
    for (size_t k = 0; k < hw; ++k, p += 4) {
      int y = (int)(k / (size_t)w), x = (int)(k % (size_t)w);
      put_f(p, anom && y >= 8 && y < 16 && x >= 8 && x < 16 ? 1.0f : 0.05f);
    }
    for (size_t k = 0; k < hw; ++k) {
      int y = (int)(k / (size_t)w), x = (int)(k % (size_t)w);
      *p++ = anom && y >= 8 && y < 16 && x >= 8 && x < 16;
    }
  }
  put_file(rel, b, len);
  free(b);
}

START_TEST(test_overlays_and_pixel_tables) {
  put_amap("a/figure4/m.amap", 2, 32, 32);
  put_record("a", "mvtec", 0, "dae", "none", 1, 0.8, "[0.5,0.4]",
             ",\"pixel_auroc\":0.91,\"aupro\":0.66,\"pixel_sigma\":4,\"anomaly_maps\":\"figure4/m.amap\"");
  put_record("a", "mvtec", 0, "dae", "alcn", 1, 0.7, "[0.5,0.4]", ",\"pixel_auroc\":0.95,\"aupro\":0.61");
  ck_assert_int_eq(report("a", NULL, "out", NULL), 0);
  char *t = slurp("out/tables/pixel_auroc_mvtec_p2.md");
  ck_assert_ptr_nonnull(t);
  ck_assert_msg(strstr(t, "Pixel AUROC") && strstr(t, "0.910") && strstr(t, "**0.950**"), "%s", t);
  free(t);
  t = slurp("out/tables/aupro_mvtec_p2.md");
  ck_assert_ptr_nonnull(t);
  ck_assert_msg(strstr(t, "AUPRO") && strstr(t, "**0.660**") && strstr(t, "0.610"), "%s", t);
  free(t);
  char *md = slurp("out/report.md");
  ck_assert_ptr_nonnull(strstr(md, "### Anomaly maps"));
  ck_assert_ptr_nonnull(strstr(md, "figure4/mvtec-p2-c0-dae-none-mse-s1-maps.png"));
  free(md);
  int W, H;
  const int s = (ALCN_REPORT_F4_MIN_PANEL + 31) / 32, pw = 32 * s, gap = ALCN_REPORT_F4_GAP;
  /* the anomalous row's overlay panel outlines the defect in cyan; the normal row's has none */
  int x3 = ALCN_REPORT_F4_LABEL_W + gap + 3 * (pw + gap), y0 = ALCN_REPORT_F4_HEAD_H + gap, y1 = y0 + pw + gap;
  ck_assert_int_eq(count_color("out/figure4/mvtec-p2-c0-dae-none-mse-s1-maps.png", x3, y0, x3 + pw, y0 + pw, 0, 230,
                               255, &W, &H), 0);
  ck_assert_int_gt(count_color("out/figure4/mvtec-p2-c0-dae-none-mse-s1-maps.png", x3, y1, x3 + pw, y1 + pw, 0, 230,
                               255, &W, &H), 4 * 8 * s);
  ck_assert_int_eq(W, ALCN_REPORT_F4_LABEL_W + 4 * pw + 5 * gap);
  ck_assert_int_eq(H, ALCN_REPORT_F4_HEAD_H + 2 * pw + 3 * gap);
  /* a truncated or foreign file is an error, not a crash */
  char in[4400], out[4400];
  put_file("bad.amap", "ALCNAMv1\1\0\0\0", 12);
  path_of(in, sizeof in, "bad.amap");
  path_of(out, sizeof out, "bad.png");
  ck_assert_int_eq(rp_overlay_png(in, out, NULL, NULL), ALCN_ERR_FORMAT);
  ck_assert_int_ne(access(out, F_OK), 0);
}
END_TEST

/* --format pdf: each Figure-4 grid and overlay also as a one-page PDF (rendered back with pdftoppm where present). */
START_TEST(test_pdf_grids) {
  put_f4_v2("a/figure4/g.f4", 2, 28, 28, 1, 1);
  put_amap("a/figure4/m.amap", 2, 32, 32);
  put_record("a", "mvtec", 0, "dae", "alcn", 1, 0.8, "[0.5,0.4]",
             ",\"figure4\":\"figure4/g.f4\",\"pixel_auroc\":0.9,\"aupro\":0.6,\"anomaly_maps\":\"figure4/m.amap\"");
  char in[4400], out[4400];
  path_of(in, sizeof in, "a");
  path_of(out, sizeof out, "out");
  char *argv[] = {"report", in, "-o", out, "--format", "pdf", "--quiet", NULL};
  setenv("ALCN_GNUPLOT", "/nonexistent/gnuplot", 1);
  ck_assert_int_eq(alcn_report_main(7, argv), 0);
  const char *pdfs[] = {"out/figure4/mvtec-p2-c0-dae-alcn-mse-s1.pdf", "out/figure4/mvtec-p2-c0-dae-alcn-mse-s1-maps.pdf"};
  char tool[4096];
  int have_pdftoppm = 0;
  for (const char *pth = getenv("PATH"); pth && *pth && !have_pdftoppm;) {
    size_t k = strcspn(pth, ":");
    snprintf(tool, sizeof tool, "%.*s/pdftoppm", (int)k, pth);
    have_pdftoppm = k && access(tool, X_OK) == 0;
    pth += k;
    if (*pth == ':') ++pth;
  }
  for (int i = 0; i < 2; ++i) {
    char *pdf = slurp(pdfs[i]);
    ck_assert_msg(pdf != NULL, "no %s", pdfs[i]);
    ck_assert(!strncmp(pdf, "%PDF-1.4", 8));
    ck_assert_ptr_nonnull(strstr(pdf, "/Subtype /Image"));
    free(pdf);
    if (!have_pdftoppm) continue;
    char cmd[16384], src[4400], dst[4400];
    path_of(src, sizeof src, pdfs[i]);
    snprintf(dst, sizeof dst, "%s/page%d", tmp, i);
    int nc = snprintf(cmd, sizeof cmd, "'%s' -png -r 150 '%s' '%s' 2>&1", tool, src, dst);
    ck_assert(nc > 0 && (size_t)nc < sizeof cmd);
    ck_assert_int_eq(system(cmd), 0);
    char rel[64];
    snprintf(rel, sizeof rel, "page%d-1.png", i);
    int W, H;
    /* at 150 dpi the page is the PNG's own size; some dark ink (text, image) on it */
    ck_assert_int_gt(count_color(rel, 0, 0, 100000, 100000, 0, 0, 0, &W, &H), 100);
    int want = ALCN_REPORT_F4_LABEL_W + (i ? 4 * 6 * 32 : 4 * 6 * 28) + 5 * ALCN_REPORT_F4_GAP;
    ck_assert_msg(abs(W - want) <= 1, "page %d px wide, the grid %d", W, want); /* pdftoppm rounds up */
  }
  if (!have_pdftoppm) printf("report_export: pdftoppm not found: the PDFs were not rendered back\n");
}
END_TEST

int main(void) {
  Suite *s = suite_create("report_export");
  TCase *tc = tcase_create("export");
  tcase_set_timeout(tc, 120);
  tcase_add_checked_fixture(tc, setup, teardown);
  tcase_add_test(tc, test_csv_columns_and_rows);
  tcase_add_test(tc, test_csv_quoting);
  tcase_add_test(tc, test_report_merges_and_names_duplicates);
  tcase_add_test(tc, test_compare_pairs_cells);
  tcase_add_test(tc, test_loss_not_falling_flagged);
  tcase_add_test(tc, test_figure4_labels_and_columns);
  tcase_add_test(tc, test_overlays_and_pixel_tables);
  tcase_add_test(tc, test_pdf_grids);
  suite_add_tcase(s, tc);
  return tu_run_suite(s);
}
