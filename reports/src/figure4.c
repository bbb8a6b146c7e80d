/* Figure-4 grids: a .f4 file (input, noise, input+noise, reconstruction per
 * test image) becomes one PNG written through libpng: rows = images, columns
 * = the four planes, each panel min-max scaled on its own, scaled up by an
 * integer factor and separated by white gaps (sizes in alcn/report.h). */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <png.h>

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

static void png_to_buf(png_structp png, png_bytep data, png_size_t n) {
  rp_buf *b = png_get_io_ptr(png);
  rp_buf_append(b, data, n);
  if (b->oom) png_error(png, "out of memory");
}

static void png_flush_none(png_structp png) { (void)png; }

/* Encode the PNG in memory, then write it atomically: a grid libpng refuses,
 * or a full disk, leaves no empty or truncated file behind. */
static alcn_status write_png(const char *path, const unsigned char *pix, int w, int h, int channels) {
  rp_buf out = {0};
  png_structp png = png_create_write_struct(PNG_LIBPNG_VER_STRING, NULL, NULL, NULL);
  png_infop info = png ? png_create_info_struct(png) : NULL;
  if (!png || !info) {
    png_destroy_write_struct(&png, NULL);
    ALCN_FAIL(ALCN_ERR_NOMEM, "libpng: out of memory for %s", path);
  }
  if (setjmp(png_jmpbuf(png))) {
    png_destroy_write_struct(&png, &info);
    int oom = out.oom;
    rp_buf_free(&out);
    ALCN_FAIL(oom ? ALCN_ERR_NOMEM : ALCN_ERR_IO, "libpng failed encoding %s (%dx%d pixels); nothing was written",
              path, w, h);
  }
  png_set_write_fn(png, &out, png_to_buf, png_flush_none);
  png_set_IHDR(png, info, (png_uint_32)w, (png_uint_32)h, 8, channels == 3 ? PNG_COLOR_TYPE_RGB : PNG_COLOR_TYPE_GRAY,
               PNG_INTERLACE_NONE, PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
  png_write_info(png, info);
  for (int y = 0; y < h; ++y) png_write_row(png, (png_const_bytep)(pix + (size_t)y * (size_t)w * (size_t)channels));
  png_write_end(png, NULL);
  png_destroy_write_struct(&png, &info);
  alcn_status st = alcn_report_write_atomic(path, NULL, out.s, out.len);
  rp_buf_free(&out);
  return st;
}

alcn_status alcn_report_figure4_png(const char *f4_path, const char *png_path, int *width, int *height) {
  char *raw;
  size_t len;
  ALCN_CHECK(rp_read_file(f4_path, RP_CAP_F4, &raw, &len));
  const unsigned char *d = (const unsigned char *)raw;
  alcn_status st = ALCN_OK;
  unsigned char *pix = NULL;
  if (len < 24 || memcmp(d, "ALCNF4v1", 8) != 0) {
    st = alcn_error_at(__FILE__, __LINE__, ALCN_ERR_FORMAT,
                       "%s is not a Figure-4 file (magic \"ALCNF4v1\" and a 24-byte header expected)", f4_path);
    goto done;
  }
  int32_t n = rd_i32(d + 8), c = rd_i32(d + 12), h = rd_i32(d + 16), w = rd_i32(d + 20);
  if (n <= 0 || c <= 0 || h <= 0 || w <= 0 || n > 4096 || c > 64 || h > 4096 || w > 4096) {
    st = alcn_error_at(__FILE__, __LINE__, ALCN_ERR_FORMAT, "%s: implausible header n=%d c=%d h=%d w=%d", f4_path,
                       (int)n, (int)c, (int)h, (int)w);
    goto done;
  }
  size_t plane = (size_t)c * (size_t)h * (size_t)w;
  if (len < 24 + (size_t)n * 4 * plane * 4) {
    st = alcn_error_at(__FILE__, __LINE__, ALCN_ERR_FORMAT, "%s is truncated: %zu bytes for n=%d c=%d h=%d w=%d",
                       f4_path, len, (int)n, (int)c, (int)h, (int)w);
    goto done;
  }
  int s = (ALCN_REPORT_F4_MIN_PANEL + h - 1) / h;
  if (s < 1) s = 1;
  const int gap = ALCN_REPORT_F4_GAP, ch = c == 3 ? 3 : 1;
  /* 64-bit sizes (n, h, w up to 4096 and s up to 96 overflow an int), checked
     against what PNG readers accept before anything is allocated or written. */
  const long long Wl = 4LL * w * s + 5LL * gap, Hl = (long long)n * h * s + (n + 1LL) * gap;
  if (Wl > ALCN_REPORT_F4_MAX_SIDE || Hl > ALCN_REPORT_F4_MAX_SIDE ||
      Wl * Hl * ch > (long long)ALCN_REPORT_F4_MAX_BYTES) {
    st = alcn_error_at(__FILE__, __LINE__, ALCN_ERR_FORMAT,
                       "%s: n=%d c=%d h=%d w=%d makes a %lldx%lld grid, over the limit of %d pixels a side and "
                       "%d MiB (is the .f4 header right?); no PNG written",
                       f4_path, (int)n, (int)c, (int)h, (int)w, Wl, Hl, ALCN_REPORT_F4_MAX_SIDE,
                       ALCN_REPORT_F4_MAX_BYTES >> 20);
    goto done;
  }
  const int W = (int)Wl, H = (int)Hl;
  pix = malloc((size_t)W * (size_t)H * (size_t)ch);
  if (!pix) {
    st = alcn_error_at(__FILE__, __LINE__, ALCN_ERR_NOMEM, "out of memory for a %dx%d grid", W, H);
    goto done;
  }
  memset(pix, 255, (size_t)W * (size_t)H * (size_t)ch);
  for (int i = 0; i < n; ++i)
    for (int p = 0; p < 4; ++p) {
      const unsigned char *src = d + 24 + ((size_t)i * 4 + (size_t)p) * plane * 4;
      size_t used = (size_t)(c == 3 ? 3 : 1) * (size_t)h * (size_t)w;
      float lo = INFINITY, hi = -INFINITY;
      for (size_t k = 0; k < used; ++k) {
        float v = rd_f32(src + 4 * k);
        if (isfinite(v)) {
          lo = fminf(lo, v);
          hi = fmaxf(hi, v);
        }
      }
      float span = hi > lo ? hi - lo : 1.0f;
      int x0 = gap + p * (w * s + gap), y0 = gap + i * (h * s + gap);
      for (int y = 0; y < h * s; ++y)
        for (int x = 0; x < w * s; ++x)
          for (int k = 0; k < ch; ++k) {
            float v = rd_f32(src + 4 * ((size_t)k * (size_t)h * (size_t)w + (size_t)(y / s) * (size_t)w + (size_t)(x / s)));
            float u = isfinite(v) && hi >= lo ? (v - lo) / span : 0.0f;
            int q = (int)lrintf(255.0f * (u < 0 ? 0 : (u > 1 ? 1 : u)));
            pix[((size_t)(y0 + y) * (size_t)W + (size_t)(x0 + x)) * (size_t)ch + (size_t)k] = (unsigned char)q;
          }
    }
  st = write_png(png_path, pix, W, H, ch);
  if (st == ALCN_OK) {
    if (width) *width = W;
    if (height) *height = H;
  }
done:
  free(pix);
  free(raw);
  return st;
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
      ALCN_CHECK(rp_mkdir_p(dir));
      made_dir = 1;
    }
    snprintf(out, sizeof out, "%s/%s.png", dir, stem);
    snprintf(title, sizeof title, "%s on %s (%s), class %s, seed %d: input | noise | input+noise | reconstruction",
             r->label, r->dataset, r->protocol, r->class_name ? r->class_name : "?", r->seed);
    if (alcn_report_figure4_png(in, out, NULL, NULL) != ALCN_OK) {
      fprintf(stderr, "report: warning: Figure-4 grid of %s skipped: %s\n", r->cell, alcn_last_error());
      continue;
    }
    rp_figure *f = rp_fig_add(figs, stem, title, "Figure 4: input, noise, input+noise, reconstruction");
    ALCN_CHECK_ALLOC(f, sizeof *f);
    f->rendered = 1;
    f->figure4 = 1;
    if (!figs->quiet) printf("report: figure %s\n", out);
  }
  return ALCN_OK;
}
