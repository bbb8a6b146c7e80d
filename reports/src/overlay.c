/* Anomaly-map overlays: an .amap file (bench/harness/pixel_eval.c: a few
 * normal and anomalous test images with their smoothed anomaly maps and
 * ground-truth masks) becomes one labelled PNG per cell, columns input |
 * ground truth | anomaly map | overlay (the input in gray under the map in
 * a heat colour scale, the ground-truth outline in cyan). The map colours
 * share one scale over all rows (the 1st to 99th percentile of the values
 * shown), so that normal and anomalous rows compare. */
#define _POSIX_C_SOURCE 200809L
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

/* A black-red-yellow-white heat scale for u in [0, 1]. */
static void heat(float u, unsigned char rgb[3]) {
  u = u < 0 ? 0 : (u > 1 ? 1 : u);
  float r = fminf(1.0f, 3.0f * u), g = fminf(1.0f, fmaxf(0.0f, 3.0f * u - 1.0f)),
        b = fminf(1.0f, fmaxf(0.0f, 3.0f * u - 2.0f));
  rgb[0] = (unsigned char)lrintf(255 * r);
  rgb[1] = (unsigned char)lrintf(255 * g);
  rgb[2] = (unsigned char)lrintf(255 * b);
}

static int cmp_float(const void *a, const void *b) {
  float x = *(const float *)a, y = *(const float *)b;
  return (x > y) - (x < y);
}

static alcn_status overlay(const char *amap_path, const char *png_path, const char *pdf_path, int *width,
                           int *height) {
  char *raw;
  size_t len;
  ALCN_CHECK(rp_read_file(amap_path, RP_CAP_F4, &raw, &len));
  const unsigned char *d = (const unsigned char *)raw;
  alcn_status st = ALCN_OK;
  rp_grid g = {0};
  float *vals = NULL;
  if (len < 24 || memcmp(d, "ALCNAMv1", 8) != 0) {
    st = alcn_error_at(__FILE__, __LINE__, ALCN_ERR_FORMAT,
                       "%s is not an anomaly-map file (magic \"ALCNAMv1\" and a 24-byte header expected)", amap_path);
    goto done;
  }
  int32_t n = rd_i32(d + 8), c = rd_i32(d + 12), h = rd_i32(d + 16), w = rd_i32(d + 20);
  if (n <= 0 || c <= 0 || h <= 0 || w <= 0 || n > 4096 || c > 64 || h > 4096 || w > 4096) {
    st = alcn_error_at(__FILE__, __LINE__, ALCN_ERR_FORMAT, "%s: implausible header n=%d c=%d h=%d w=%d", amap_path,
                       (int)n, (int)c, (int)h, (int)w);
    goto done;
  }
  size_t hw = (size_t)h * (size_t)w, img = 8 + 4 * (size_t)c * hw + 4 * hw + hw;
  if (len < 24 + (size_t)n * img) {
    st = alcn_error_at(__FILE__, __LINE__, ALCN_ERR_FORMAT, "%s is truncated: %zu bytes for n=%d c=%d h=%d w=%d",
                       amap_path, len, (int)n, (int)c, (int)h, (int)w);
    goto done;
  }
  static const char *const hdr[] = {"input", "ground truth", "anomaly map", "overlay"};
  if ((st = rp_grid_init(&g, amap_path, n, 4, h, w, 3, hdr)) != ALCN_OK) goto done;
  /* one colour scale for all rows: 1st..99th percentile of the maps */
  vals = malloc((size_t)n * hw * sizeof *vals);
  if (!vals) {
    st = alcn_error_at(__FILE__, __LINE__, ALCN_ERR_NOMEM, "out of memory for the maps of %s", amap_path);
    goto done;
  }
  size_t nv = 0;
  for (int i = 0; i < n; ++i) {
    const unsigned char *m = d + 24 + (size_t)i * img + 8 + 4 * (size_t)c * hw;
    for (size_t k = 0; k < hw; ++k) {
      float v = rd_f32(m + 4 * k);
      if (isfinite(v)) vals[nv++] = v;
    }
  }
  float lo = 0, hi = 1;
  if (nv) {
    qsort(vals, nv, sizeof *vals, cmp_float);
    lo = vals[(size_t)(0.01 * (double)(nv - 1))];
    hi = vals[(size_t)(0.99 * (double)(nv - 1))];
    if (!(hi > lo)) hi = lo + 1e-12f;
  }
  const int s = g.s;
  for (int i = 0; i < n; ++i) {
    const unsigned char *q = d + 24 + (size_t)i * img;
    rp_grid_row_label(&g, i, (int)rd_i32(q), (double)rd_f32(q + 4));
    const unsigned char *in = q + 8, *map = in + 4 * (size_t)c * hw, *mask = map + 4 * hw;
    /* the input's own min-max for display (it is normalised data) */
    size_t used = (size_t)(c == 3 ? 3 : 1) * hw;
    float ilo = INFINITY, ihi = -INFINITY;
    for (size_t k = 0; k < used; ++k) {
      float v = rd_f32(in + 4 * k);
      if (isfinite(v)) ilo = fminf(ilo, v), ihi = fmaxf(ihi, v);
    }
    float ispan = ihi > ilo ? ihi - ilo : 1.0f;
    for (int col = 0; col < 4; ++col) {
      int x0, y0;
      rp_grid_panel_xy(&g, i, col, &x0, &y0);
      for (int y = 0; y < h * s; ++y)
        for (int x = 0; x < w * s; ++x) {
          size_t k = (size_t)(y / s) * (size_t)w + (size_t)(x / s);
          unsigned char rgb[3], hc[3];
          float gray[3];
          for (int ch = 0; ch < 3; ++ch) {
            float v = rd_f32(in + 4 * ((size_t)(c == 3 ? ch : 0) * hw + k));
            gray[ch] = isfinite(v) ? (v - ilo) / ispan : 0.0f;
          }
          heat((rd_f32(map + 4 * k) - lo) / (hi - lo), hc);
          int m = mask[k] != 0;
          /* outline: a mask pixel with a neighbour outside the mask */
          int edge = 0;
          if (m) {
            int yy = y / s, xx = x / s;
            edge = yy == 0 || xx == 0 || yy == h - 1 || xx == w - 1 || !mask[k - 1] || !mask[k + 1] ||
                   !mask[k - (size_t)w] || !mask[k + (size_t)w];
          }
          if (col == 0) {
            for (int ch = 0; ch < 3; ++ch) rgb[ch] = (unsigned char)lrintf(255 * fminf(1, fmaxf(0, gray[ch])));
          } else if (col == 1) {
            rgb[0] = rgb[1] = rgb[2] = m ? 255 : 0;
          } else if (col == 2) {
            memcpy(rgb, hc, 3);
          } else {
            float l = (gray[0] + gray[1] + gray[2]) / 3.0f;
            for (int ch = 0; ch < 3; ++ch) rgb[ch] = (unsigned char)lrintf(0.5f * 255 * fminf(1, fmaxf(0, l)) + 0.5f * hc[ch]);
            if (edge) rgb[0] = 0, rgb[1] = 230, rgb[2] = 255;
          }
          memcpy(g.cv.pix + ((size_t)(y0 + y) * (size_t)g.cv.w + (size_t)(x0 + x)) * 3, rgb, 3);
        }
    }
  }
  st = rp_png_write(png_path, &g.cv);
  if (st == ALCN_OK && pdf_path) st = rp_pdf_write(pdf_path, &g.cv);
  if (st == ALCN_OK) {
    if (width) *width = g.cv.w;
    if (height) *height = g.cv.h;
  }
done:
  free(vals);
  free(g.cv.pix);
  free(raw);
  return st;
}

alcn_status rp_overlay_png(const char *amap_path, const char *png_path, int *width, int *height) {
  return overlay(amap_path, png_path, NULL, width, height);
}

alcn_status rp_make_overlays(const rp_results *res, const char *dir, rp_figures *figs) {
  int made_dir = 0;
  for (size_t i = 0; i < res->n; ++i) {
    const rp_record *r = &res->rec[i];
    if (!r->anomaly_maps_path || !r->done) continue; /* checked to lie inside its results folder (records.c) */
    char out[4096], stem[200], title[320];
    rp_slug(stem, sizeof stem, r->cell);
    size_t L = strlen(stem);
    snprintf(stem + L, sizeof stem - L, "-maps");
    if (!made_dir) {
      ALCN_CHECK(alcn_fs_mkdir_p(dir));
      made_dir = 1;
    }
    snprintf(out, sizeof out, "%s/%s.png", dir, stem);
    char pdf[4096];
    snprintf(pdf, sizeof pdf, "%s/%s.pdf", dir, stem); /* --format pdf: a PDF beside the PNG */
    if (overlay(r->anomaly_maps_path, out, strcmp(figs->format, "pdf") ? NULL : pdf, NULL, NULL) != ALCN_OK) {
      fprintf(stderr, "report: warning: anomaly-map overlays of %s skipped: %s\n", r->cell, alcn_last_error());
      continue;
    }
    const cJSON *sg = cJSON_GetObjectItemCaseSensitive(r->root, "pixel_sigma");
    snprintf(title, sizeof title,
             "%s on %s (%s), class %s, seed %d: input | ground truth | anomaly map (Gaussian sigma %g) | overlay; "
             "pixel AUROC %.3f, AUPRO %.3f",
             r->label, r->dataset, r->protocol, r->class_name ? r->class_name : "?", r->seed,
             cJSON_IsNumber(sg) ? sg->valuedouble : 0.0, r->metric[RP_PIXEL_AUROC], r->metric[RP_AUPRO]);
    rp_figure *f = rp_fig_add(figs, stem, title, "Anomaly maps: input, ground truth, anomaly map, overlay");
    ALCN_CHECK_ALLOC(f, sizeof *f);
    f->rendered = 1;
    f->figure4 = 1;
    if (!figs->quiet) printf("report: figure %s\n", out);
  }
  return ALCN_OK;
}
