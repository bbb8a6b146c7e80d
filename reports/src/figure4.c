/* Figure-4 grids: a .f4 file (input, noise, input+noise, reconstruction per
 * test image, with its label and score) becomes one labelled PNG: column
 * headers on top, rows marked normal / anomalous with their scores on the
 * left, each column min-max scaled over its rows (so that rows compare)
 * and scaled up by an integer factor (sizes in alcn/report.h). Methods without noise get two columns
 * (input | reconstruction), not black noise panels. With --format pdf a
 * one-page PDF of the same raster is written beside each PNG. */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "alcn/fsutil.h"
#include "alcn/report.h"
#include "report_internal.h"

static int32_t rd_i32(const unsigned char *p) {
  return (int32_t)((uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24);
}

static float rd_f32(const unsigned char *p) {
  uint32_t u = (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
  float f;
  memcpy(&f, &u, sizeof f);
  return f;
}

/* Min and max of the finite values of a c x h x w float plane (first channel unless c == 3), folded into *lo, *hi. */
static void plane_range(const unsigned char *src, int c, int h, int w, float *lo, float *hi) {
  size_t used = (size_t)(c == 3 ? 3 : 1) * (size_t)h * (size_t)w;
  for (size_t k = 0; k < used; ++k) {
    float v = rd_f32(src + 4 * k);
    if (isfinite(v)) {
      *lo = fminf(*lo, v);
      *hi = fmaxf(*hi, v);
    }
  }
}

/* Paint one c x h x w float plane into panel (row, col), mapping [lo, hi] to black..white. */
static void paint_plane(rp_grid *g, int row, int col, const unsigned char *src, int c, int h, int w, float lo,
                        float hi) {
  size_t hw = (size_t)h * (size_t)w;
  float span = hi > lo ? hi - lo : 1.0f;
  int x0, y0, s = g->s;
  rp_grid_panel_xy(g, row, col, &x0, &y0);
  for (int y = 0; y < h * s; ++y)
    for (int x = 0; x < w * s; ++x) {
      unsigned char *px = g->cv.pix + ((size_t)(y0 + y) * (size_t)g->cv.w + (size_t)(x0 + x)) * 3;
      for (int k = 0; k < 3; ++k) {
        int kk = c == 3 ? k : 0;
        float v = rd_f32(src + 4 * ((size_t)kk * hw + (size_t)(y / s) * (size_t)w + (size_t)(x / s)));
        float u = isfinite(v) && hi >= lo ? (v - lo) / span : 0.0f;
        px[k] = (unsigned char)lrintf(255.0f * (u < 0 ? 0 : (u > 1 ? 1 : u)));
      }
    }
}

/* v1 files hold the first test images of the manifest: their labels and
 * scores are the first of the record's (v1_labels / v1_scores, NULL: unknown). */
static alcn_status figure4_png(const char *f4_path, const char *png_path, const char *pdf_path, int *width,
                               int *height, int *ncols, const int *v1_labels, const float *v1_scores, size_t v1_n) {
  char *raw;
  size_t len;
  ALCN_CHECK(rp_read_file(f4_path, RP_CAP_F4, &raw, &len));
  const unsigned char *d = (const unsigned char *)raw;
  alcn_status st = ALCN_OK;
  rp_grid g = {0};
  int v2 = len >= 8 && memcmp(d, "ALCNF4v2", 8) == 0;
  size_t head = v2 ? 28 : 24, per_img_extra = v2 ? 8 : 0;
  if (len < head || (!v2 && memcmp(d, "ALCNF4v1", 8) != 0)) {
    st = alcn_error_at(__FILE__, __LINE__, ALCN_ERR_FORMAT,
                       "%s is not a Figure-4 file (magic \"ALCNF4v2\" or \"ALCNF4v1\" and its header expected)",
                       f4_path);
    goto done;
  }
  int32_t n = rd_i32(d + 8), c = rd_i32(d + 12), h = rd_i32(d + 16), w = rd_i32(d + 20);
  int32_t flags = v2 ? rd_i32(d + 24) : -1;
  if (n <= 0 || c <= 0 || h <= 0 || w <= 0 || n > 4096 || c > 64 || h > 4096 || w > 4096) {
    st = alcn_error_at(__FILE__, __LINE__, ALCN_ERR_FORMAT, "%s: implausible header n=%d c=%d h=%d w=%d", f4_path,
                       (int)n, (int)c, (int)h, (int)w);
    goto done;
  }
  size_t plane = (size_t)c * (size_t)h * (size_t)w, img = per_img_extra + 4 * plane * 4;
  if (len < head + (size_t)n * img) {
    st = alcn_error_at(__FILE__, __LINE__, ALCN_ERR_FORMAT, "%s is truncated: %zu bytes for n=%d c=%d h=%d w=%d",
                       f4_path, len, (int)n, (int)c, (int)h, (int)w);
    goto done;
  }
  /* noise panels: where the v2 flags say so (v1: always), unless the noise is all zero (none drawn) */
  int has_noise = 0;
  for (int32_t i = 0; (!v2 || (flags & 1)) && i < n && !has_noise; ++i) {
    const unsigned char *q = d + head + (size_t)i * img + per_img_extra + 4 * plane;
    for (size_t k = 0; k < plane && !has_noise; ++k) has_noise = rd_f32(q + 4 * k) != 0.0f;
  }
  static const char *const hdr4[] = {"input", "noise", "input+noise", "reconstruction"};
  static const char *const hdr2[] = {"input", "reconstruction"};
  const int cols = has_noise ? 4 : 2;
  if ((st = rp_grid_init(&g, f4_path, n, cols, h, w, 3, has_noise ? hdr4 : hdr2)) != ALCN_OK) goto done;
  /* one grey scale per column (over its rows), so that rows compare */
  float lo[4] = {INFINITY, INFINITY, INFINITY, INFINITY}, hi[4] = {-INFINITY, -INFINITY, -INFINITY, -INFINITY};
  for (int i = 0; i < n; ++i)
    for (int p = 0; p < 4; ++p)
      plane_range(d + head + (size_t)i * img + per_img_extra + (size_t)p * plane * 4, c, h, w, &lo[p], &hi[p]);
  for (int i = 0; i < n; ++i) {
    const unsigned char *q = d + head + (size_t)i * img;
    int label = v2 ? (int)rd_i32(q) : v1_labels && (size_t)i < v1_n ? v1_labels[i] : -1;
    double score = v2 ? (double)rd_f32(q + 4) : v1_scores && (size_t)i < v1_n ? (double)v1_scores[i] : NAN;
    rp_grid_row_label(&g, i, label, score);
    q += per_img_extra;
    for (int col = 0, p = 0; p < 4; ++p) {
      if (!has_noise && (p == 1 || p == 2)) continue;
      paint_plane(&g, i, col++, q + (size_t)p * plane * 4, c, h, w, lo[p], hi[p]);
    }
  }
  st = rp_png_write(png_path, &g.cv);
  if (st == ALCN_OK && pdf_path) st = rp_pdf_write(pdf_path, &g.cv);
  if (st == ALCN_OK) {
    if (width) *width = g.cv.w;
    if (height) *height = g.cv.h;
    if (ncols) *ncols = cols;
  }
done:
  free(g.cv.pix);
  free(raw);
  return st;
}

alcn_status alcn_report_figure4_png(const char *f4_path, const char *png_path, int *width, int *height) {
  return figure4_png(f4_path, png_path, NULL, width, height, NULL, NULL, NULL, 0);
}

alcn_status rp_make_figure4(const rp_results *res, const char *results_dir, const char *dir, rp_figures *figs) {
  (void)results_dir;
  int made_dir = 0;
  for (size_t i = 0; i < res->n; ++i) {
    const rp_record *r = &res->rec[i];
    if (!r->figure4_path || !r->done) continue; /* checked to lie inside results_dir (records.c) */
    char out[4096], stem[160], title[256];
    const char *in = r->figure4_path;
    rp_slug(stem, sizeof stem, r->cell);
    if (!made_dir) {
      ALCN_CHECK(alcn_fs_mkdir_p(dir));
      made_dir = 1;
    }
    snprintf(out, sizeof out, "%s/%s.png", dir, stem);
    char pdf[4096];
    snprintf(pdf, sizeof pdf, "%s/%s.pdf", dir, stem); /* --format pdf: a PDF beside the PNG */
    int cols = 4;
    if (figure4_png(in, out, strcmp(figs->format, "pdf") ? NULL : pdf, NULL, NULL, &cols, r->labels, r->scores,
                    r->n_scores) != ALCN_OK) {
      fprintf(stderr, "report: warning: Figure-4 grid of %s skipped: %s\n", r->cell, alcn_last_error());
      continue;
    }
    snprintf(title, sizeof title, "%s on %s (%s), class %s, seed %d: %s", r->label, r->dataset, r->protocol,
             r->class_name ? r->class_name : "?", r->seed,
             cols == 4 ? "input | noise | input+noise | reconstruction" : "input | reconstruction (no noise)");
    rp_figure *f = rp_fig_add(figs, stem, title, "Figure 4: input, noise, input+noise, reconstruction");
    ALCN_CHECK_ALLOC(f, sizeof *f);
    f->rendered = 1;
    f->figure4 = 1;
    if (!figs->quiet) printf("report: figure %s\n", out);
  }
  return ALCN_OK;
}
