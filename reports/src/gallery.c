/* The noise gallery: every noise strategy of the DAE family on one batch of
 * real test images, side by side, one labelled PNG per (data set, protocol)
 * under figure4/gallery_<dataset>_<protocol>.png.
 *
 * Source: the Figure-4 files the run writes for every cell (<out>/figure4/
 * <cell>.f4, bench/harness/figure4.c): a DAE cell's file holds the first test
 * images of its split with the trained noise's corrupted input x_tilde, and
 * cells of one (data set, protocol, class, seed) share that split, so the
 * gallery needs nothing at run time beyond what Figure 4 already records.
 * For each (data set, protocol) the (class, seed) with the most DAE noises
 * (not "none") is drawn when it has at least two:
 *   row 0:        the clean inputs x (in the x_tilde columns);
 *   one row per noise (paper order, then by label):
 *     per image j < GALLERY_IMAGES: pattern x_tilde - x | corrupted input x_tilde.
 * Patterns share one symmetric scale per row (grey = 0, black/white = -+ the
 * row's largest |x_tilde - x|); inputs and corrupted inputs use the clean
 * image's own [min, max] (clipped), so a fill value or an amplitude reads the
 * same in every row. A row whose images differ from row 0's is drawn anyway
 * and named on stderr. */
#define _POSIX_C_SOURCE 200809L
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "alcn/fsutil.h"
#include "alcn/report.h"
#include "report_internal.h"

#define GALLERY_IMAGES 3
#define GALLERY_MAX_ROWS 32

/* One parsed .f4 file: n images of c*h*w, input and x_tilde planes (host floats). */
typedef struct f4_data {
  int n, c, h, w, has_noise;
  float *input, *xt; /* n * c*h*w each */
} f4_data;

static uint32_t rd_u32(const unsigned char *p) {
  return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}
static float rd_f32(const unsigned char *p) {
  uint32_t u = rd_u32(p);
  float f;
  memcpy(&f, &u, sizeof f);
  return f;
}

/* Read a v1 or v2 Figure-4 file (figure4.c's layouts); keep at most `keep` images. */
static alcn_status f4_read(const char *path, int keep, f4_data *f) {
  memset(f, 0, sizeof *f);
  char *raw;
  size_t len;
  ALCN_CHECK(rp_read_file(path, RP_CAP_F4, &raw, &len));
  const unsigned char *d = (const unsigned char *)raw;
  alcn_status st = ALCN_OK;
  int v2 = len >= 8 && memcmp(d, "ALCNF4v2", 8) == 0, v1 = len >= 8 && memcmp(d, "ALCNF4v1", 8) == 0;
  size_t head = v2 ? 28 : 24, extra = v2 ? 8 : 0;
  if ((!v1 && !v2) || len < head) {
    st = alcn_error_at(__FILE__, __LINE__, ALCN_ERR_FORMAT, "%s is not a Figure-4 file", path);
    goto done;
  }
  int32_t n = (int32_t)rd_u32(d + 8), c = (int32_t)rd_u32(d + 12), h = (int32_t)rd_u32(d + 16),
          w = (int32_t)rd_u32(d + 20);
  if (n <= 0 || c <= 0 || h <= 0 || w <= 0 || n > 4096 || c > 64 || h > 4096 || w > 4096) {
    st = alcn_error_at(__FILE__, __LINE__, ALCN_ERR_FORMAT, "%s: implausible header n=%d c=%d h=%d w=%d", path,
                       (int)n, (int)c, (int)h, (int)w);
    goto done;
  }
  const size_t plane = (size_t)c * (size_t)h * (size_t)w, img = extra + 4 * plane * 4;
  if (len < head + (size_t)n * img) {
    st = alcn_error_at(__FILE__, __LINE__, ALCN_ERR_FORMAT, "%s is truncated", path);
    goto done;
  }
  f->has_noise = v2 ? (int)(rd_u32(d + 24) & 1u) : 1;
  f->n = n < keep ? n : keep;
  f->c = c, f->h = h, f->w = w;
  f->input = malloc((size_t)f->n * plane * sizeof(float));
  f->xt = malloc((size_t)f->n * plane * sizeof(float));
  if (!f->input || !f->xt) {
    st = alcn_error_at(__FILE__, __LINE__, ALCN_ERR_NOMEM, "out of memory reading %s", path);
    goto done;
  }
  for (int i = 0; i < f->n; ++i) {
    const unsigned char *q = d + head + (size_t)i * img + extra; /* input, noise, input+noise, reconstruction */
    for (size_t k = 0; k < plane; ++k) {
      f->input[(size_t)i * plane + k] = rd_f32(q + 4 * k);
      f->xt[(size_t)i * plane + k] = rd_f32(q + 4 * (2 * plane + k));
    }
  }
done:
  free(raw);
  if (st != ALCN_OK) {
    free(f->input), free(f->xt);
    f->input = f->xt = NULL;
  }
  return st;
}

static void f4_free(f4_data *f) {
  free(f->input);
  free(f->xt);
}

static int is_dae(const rp_record *r) {
  return r->method && !strncmp(r->method, "dae", 3) && (r->method[3] == 0 || r->method[3] == '@');
}
static int has_real_noise(const rp_record *r) { return r->noise && *r->noise && strcmp(r->noise, "none") != 0; }
static int usable(const rp_record *r) { return r->done && r->figure4_path && is_dae(r) && has_real_noise(r); }

static int same_str(const char *a, const char *b) { return !strcmp(a ? a : "", b ? b : ""); }
static int same_group(const rp_record *a, const rp_record *b) {
  return same_str(a->dataset, b->dataset) && same_str(a->protocol, b->protocol) && a->cls == b->cls &&
         a->seed == b->seed;
}

/* Paint plane v (c,h,w) into panel (row, col): value lo -> 0, hi -> 255, clipped. */
static void paint(rp_grid *g, int row, int col, const float *v, int c, int h, int w, float lo, float hi) {
  const size_t hw = (size_t)h * (size_t)w;
  const float span = hi > lo ? hi - lo : 1.0f;
  int x0, y0, s = g->s;
  rp_grid_panel_xy(g, row, col, &x0, &y0);
  for (int y = 0; y < h * s; ++y)
    for (int x = 0; x < w * s; ++x) {
      unsigned char *px = g->cv.pix + ((size_t)(y0 + y) * (size_t)g->cv.w + (size_t)(x0 + x)) * 3;
      for (int k = 0; k < 3; ++k) {
        float val = v[(size_t)(c == 3 ? k : 0) * hw + (size_t)(y / s) * (size_t)w + (size_t)(x / s)];
        float u = isfinite(val) ? (val - lo) / span : 0.0f;
        px[k] = (unsigned char)lrintf(255.0f * (u < 0 ? 0 : (u > 1 ? 1 : u)));
      }
    }
}

static void row_text(rp_grid *g, int row, const char *text) {
  static const unsigned char ink[3] = {0, 0, 0};
  int ts = ALCN_REPORT_F4_TEXT_SCALE;
  if (rp_text_width(text, ts) > ALCN_REPORT_F4_LABEL_W - 8 * ts) ts = 1;
  int x, y;
  rp_grid_panel_xy(g, row, 0, &x, &y);
  rp_draw_text(&g->cv, 4 * ts, y + (g->ph - RP_FONT_H * ts) / 2, ts, text, ink);
}

static int cmp_rows(const void *a, const void *b) {
  const rp_record *x = *(const rp_record *const *)a, *y = *(const rp_record *const *)b;
  int ox = rp_label_order(x->label), oy = rp_label_order(y->label);
  return ox != oy ? (ox > oy) - (ox < oy) : strcmp(x->label, y->label);
}

/* Draw one gallery from rows[0..nr) (records of one group) into png_path. */
static alcn_status draw_gallery(const rp_record *const *rows, int nr, const char *png_path, char *note, size_t cap) {
  f4_data f[GALLERY_MAX_ROWS];
  memset(f, 0, sizeof f);
  if (nr < 1 || nr > GALLERY_MAX_ROWS) ALCN_FAIL(ALCN_ERR_ARG, "noise gallery: %d rows", nr);
  int nf = 0;
  alcn_status st = ALCN_OK;
  rp_grid g = {0};
  note[0] = 0;
  for (; nf < nr; ++nf)
    if ((st = f4_read(rows[nf]->figure4_path, GALLERY_IMAGES, &f[nf])) != ALCN_OK) goto done;
  int k = f[0].n, c = f[0].c, h = f[0].h, w = f[0].w;
  for (int r = 1; r < nr; ++r) {
    if (f[r].c != c || f[r].h != h || f[r].w != w) {
      st = alcn_error_at(__FILE__, __LINE__, ALCN_ERR_FORMAT, "%s: images of %dx%dx%d, not %dx%dx%d like %s",
                         rows[r]->cell, f[r].c, f[r].h, f[r].w, c, h, w, rows[0]->cell);
      goto done;
    }
    if (f[r].n < k) k = f[r].n;
  }
  const size_t plane = (size_t)c * h * w;
  for (int r = 1; r < nr; ++r)
    if (memcmp(f[r].input, f[0].input, (size_t)k * plane * sizeof(float)) != 0) {
      fprintf(stderr, "report: warning: noise gallery: the inputs of %s differ from those of %s\n", rows[r]->cell,
              rows[0]->cell);
      snprintf(note, cap, " (the rows' inputs differ)");
    }
  char hdr[2 * GALLERY_IMAGES][32];
  const char *hp[2 * GALLERY_IMAGES];
  for (int j = 0; j < k; ++j) {
    snprintf(hdr[2 * j], sizeof hdr[0], "noise %d", j + 1);
    snprintf(hdr[2 * j + 1], sizeof hdr[0], "input+noise %d", j + 1);
    hp[2 * j] = hdr[2 * j], hp[2 * j + 1] = hdr[2 * j + 1];
  }
  if ((st = rp_grid_init(&g, png_path, nr + 1, 2 * k, h, w, 3, hp)) != ALCN_OK) goto done;
  float *diff = malloc(plane * sizeof(float));
  if (!diff) {
    st = alcn_error_at(__FILE__, __LINE__, ALCN_ERR_NOMEM, "out of memory for the noise gallery");
    goto done;
  }
  row_text(&g, 0, "input");
  for (int j = 0; j < k; ++j) {
    const float *x = f[0].input + (size_t)j * plane;
    float lo = INFINITY, hi = -INFINITY;
    for (size_t q = 0; q < plane; ++q)
      if (isfinite(x[q])) lo = fminf(lo, x[q]), hi = fmaxf(hi, x[q]);
    paint(&g, 0, 2 * j + 1, x, c, h, w, lo, hi);
  }
  for (int r = 0; r < nr; ++r) {
    const char *label = rows[r]->label;
    row_text(&g, r + 1, strncmp(label, "DAE+", 4) ? label : label + 4);
    float amax = 0.0f;
    for (size_t q = 0; q < (size_t)k * plane; ++q) {
      float dv = fabsf(f[r].xt[q] - f[r].input[q]);
      if (isfinite(dv)) amax = fmaxf(amax, dv);
    }
    if (amax == 0.0f) amax = 1.0f;
    for (int j = 0; j < k; ++j) {
      const float *x = f[r].input + (size_t)j * plane, *xt = f[r].xt + (size_t)j * plane;
      float lo = INFINITY, hi = -INFINITY;
      for (size_t q = 0; q < plane; ++q) {
        diff[q] = xt[q] - x[q];
        if (isfinite(x[q])) lo = fminf(lo, x[q]), hi = fmaxf(hi, x[q]);
      }
      paint(&g, r + 1, 2 * j, diff, c, h, w, -amax, amax);
      paint(&g, r + 1, 2 * j + 1, xt, c, h, w, lo, hi);
    }
  }
  free(diff);
  st = rp_png_write(png_path, &g.cv);
done:
  free(g.cv.pix);
  for (int r = 0; r < nf; ++r) f4_free(&f[r]);
  return st;
}

alcn_status rp_make_gallery(const rp_results *res, const char *dir, rp_figures *figs) {
  const rp_record **rows = malloc(sizeof *rows * (res->n ? res->n : 1));
  ALCN_CHECK_ALLOC(rows, sizeof *rows * (res->n ? res->n : 1));
  alcn_status st = ALCN_OK;
  for (size_t i = 0; i < res->n && st == ALCN_OK; ++i) {
    const rp_record *a = &res->rec[i];
    if (!usable(a)) continue;
    /* the first usable record of each (data set, protocol) decides the pass over it */
    int first = 1;
    for (size_t j = 0; j < i && first; ++j)
      first = !(usable(&res->rec[j]) && same_str(res->rec[j].dataset, a->dataset) &&
                same_str(res->rec[j].protocol, a->protocol));
    if (!first) continue;
    /* the (class, seed) with the most noises */
    size_t best = i;
    int best_n = 0;
    for (size_t j = i; j < res->n; ++j) {
      const rp_record *b = &res->rec[j];
      if (!usable(b) || !same_str(b->dataset, a->dataset) || !same_str(b->protocol, a->protocol)) continue;
      int cnt = 0;
      for (size_t q = i; q < res->n; ++q) cnt += usable(&res->rec[q]) && same_group(&res->rec[q], b);
      if (cnt > best_n) best = j, best_n = cnt;
    }
    if (best_n < 2) continue;
    int nr = 0;
    for (size_t q = i; q < res->n && nr < GALLERY_MAX_ROWS; ++q)
      if (usable(&res->rec[q]) && same_group(&res->rec[q], &res->rec[best])) rows[nr++] = &res->rec[q];
    qsort(rows, (size_t)nr, sizeof *rows, cmp_rows);
    char stem[160], ds[64], pr[64], out[4096], title[512], note[64];
    rp_slug(ds, sizeof ds, a->dataset ? a->dataset : "data");
    rp_slug(pr, sizeof pr, a->protocol ? a->protocol : "protocol");
    snprintf(stem, sizeof stem, "gallery_%s_%s", ds, pr);
    if ((st = alcn_fs_mkdir_p(dir)) != ALCN_OK) break;
    snprintf(out, sizeof out, "%s/%s.png", dir, stem);
    if (draw_gallery(rows, nr, out, note, sizeof note) != ALCN_OK) {
      fprintf(stderr, "report: warning: noise gallery %s skipped: %s\n", stem, alcn_last_error());
      continue;
    }
    const rp_record *b = &res->rec[best];
    snprintf(title, sizeof title,
             "Noise gallery on %s (%s), class %s, seed %d: per test image, the noise pattern (x_tilde - x; grey = 0) "
             "and the corrupted input of each trained noise%s",
             b->dataset, b->protocol, b->class_name ? b->class_name : "?", b->seed, note);
    rp_figure *f = rp_fig_add(figs, stem, title, "Noise gallery");
    if (!f) {
      st = alcn_error_at(__FILE__, __LINE__, ALCN_ERR_NOMEM, "out of memory for the figure list");
      break;
    }
    f->rendered = 1;
    f->figure4 = 1;
    if (!figs->quiet) printf("report: figure %s\n", out);
  }
  free(rows);
  return st;
}
