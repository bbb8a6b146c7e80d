/* Raster helpers for the image grids the report draws itself (Figure-4 grids,
 * anomaly-map overlays): a built-in 5x7 bitmap font (lower case, digits and
 * a little punctuation; upper case is drawn as lower case) scaled by an
 * integer factor, filled rectangles, the PNG writer (encoded in memory by
 * libpng, then written atomically) and a one-page PDF writer (the raster as
 * a Flate-compressed RGB image at 150 dpi, for papers built with pdflatex
 * from --format pdf reports). No font files, no gnuplot. */
#define _POSIX_C_SOURCE 200809L
#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <setjmp.h>
#include <string.h>

#include <png.h>
#include <zlib.h>

#include "alcn/fsutil.h"
#include "report_internal.h"

typedef struct glyph {
  char c;
  const char *rows[RP_FONT_H];
} glyph;

/* '#' = ink. HD44780-style shapes, 7 rows above the baseline and 2 for descenders. */
static const glyph font[] = {
    {'a', {".....", ".....", ".###.", "....#", ".####", "#...#", ".####", ".....", "....."}},
    {'b', {"#....", "#....", "#.##.", "##..#", "#...#", "#...#", "####.", ".....", "....."}},
    {'c', {".....", ".....", ".###.", "#....", "#....", "#...#", ".###.", ".....", "....."}},
    {'d', {"....#", "....#", ".##.#", "#..##", "#...#", "#...#", ".####", ".....", "....."}},
    {'e', {".....", ".....", ".###.", "#...#", "#####", "#....", ".###.", ".....", "....."}},
    {'f', {"..##.", ".#..#", ".#...", "###..", ".#...", ".#...", ".#...", ".....", "....."}},
    {'g', {".....", ".....", ".####", "#...#", "#...#", ".####", "....#", "#...#", ".###."}},
    {'h', {"#....", "#....", "#.##.", "##..#", "#...#", "#...#", "#...#", ".....", "....."}},
    {'i', {"..#..", ".....", ".##..", "..#..", "..#..", "..#..", ".###.", ".....", "....."}},
    {'j', {"...#.", ".....", "..##.", "...#.", "...#.", "...#.", "...#.", "#..#.", ".##.."}},
    {'k', {"#....", "#....", "#..#.", "#.#..", "##...", "#.#..", "#..#.", ".....", "....."}},
    {'l', {".##..", "..#..", "..#..", "..#..", "..#..", "..#..", ".###.", ".....", "....."}},
    {'m', {".....", ".....", "##.#.", "#.#.#", "#.#.#", "#...#", "#...#", ".....", "....."}},
    {'n', {".....", ".....", "#.##.", "##..#", "#...#", "#...#", "#...#", ".....", "....."}},
    {'o', {".....", ".....", ".###.", "#...#", "#...#", "#...#", ".###.", ".....", "....."}},
    {'p', {".....", ".....", "####.", "#...#", "#...#", "####.", "#....", "#....", "#...."}},
    {'q', {".....", ".....", ".####", "#...#", "#...#", ".####", "....#", "....#", "....#"}},
    {'r', {".....", ".....", "#.##.", "##..#", "#....", "#....", "#....", ".....", "....."}},
    {'s', {".....", ".....", ".###.", "#....", ".###.", "....#", "####.", ".....", "....."}},
    {'t', {".#...", ".#...", "###..", ".#...", ".#...", ".#..#", "..##.", ".....", "....."}},
    {'u', {".....", ".....", "#...#", "#...#", "#...#", "#..##", ".##.#", ".....", "....."}},
    {'v', {".....", ".....", "#...#", "#...#", "#...#", ".#.#.", "..#..", ".....", "....."}},
    {'w', {".....", ".....", "#...#", "#...#", "#.#.#", "#.#.#", ".#.#.", ".....", "....."}},
    {'x', {".....", ".....", "#...#", ".#.#.", "..#..", ".#.#.", "#...#", ".....", "....."}},
    {'y', {".....", ".....", "#...#", "#...#", "#...#", ".####", "....#", "#...#", ".###."}},
    {'z', {".....", ".....", "#####", "...#.", "..#..", ".#...", "#####", ".....", "....."}},
    {'0', {".###.", "#...#", "#..##", "#.#.#", "##..#", "#...#", ".###.", ".....", "....."}},
    {'1', {"..#..", ".##..", "..#..", "..#..", "..#..", "..#..", ".###.", ".....", "....."}},
    {'2', {".###.", "#...#", "....#", "...#.", "..#..", ".#...", "#####", ".....", "....."}},
    {'3', {"#####", "...#.", "..#..", "...#.", "....#", "#...#", ".###.", ".....", "....."}},
    {'4', {"...#.", "..##.", ".#.#.", "#..#.", "#####", "...#.", "...#.", ".....", "....."}},
    {'5', {"#####", "#....", "####.", "....#", "....#", "#...#", ".###.", ".....", "....."}},
    {'6', {"..##.", ".#...", "#....", "####.", "#...#", "#...#", ".###.", ".....", "....."}},
    {'7', {"#####", "....#", "...#.", "..#..", ".#...", ".#...", ".#...", ".....", "....."}},
    {'8', {".###.", "#...#", "#...#", ".###.", "#...#", "#...#", ".###.", ".....", "....."}},
    {'9', {".###.", "#...#", "#...#", ".####", "....#", "...#.", ".##..", ".....", "....."}},
    {'.', {".....", ".....", ".....", ".....", ".....", ".##..", ".##..", ".....", "....."}},
    {',', {".....", ".....", ".....", ".....", ".....", ".##..", ".##..", "..#..", ".#..."}},
    {'-', {".....", ".....", ".....", "#####", ".....", ".....", ".....", ".....", "....."}},
    {'+', {".....", "..#..", "..#..", "#####", "..#..", "..#..", ".....", ".....", "....."}},
    {':', {".....", ".##..", ".##..", ".....", ".##..", ".##..", ".....", ".....", "....."}},
    {'=', {".....", ".....", "#####", ".....", "#####", ".....", ".....", ".....", "....."}},
    {'(', {"...#.", "..#..", ".#...", ".#...", ".#...", "..#..", "...#.", ".....", "....."}},
    {')', {".#...", "..#..", "...#.", "...#.", "...#.", "..#..", ".#...", ".....", "....."}},
    {'/', {".....", "....#", "...#.", "..#..", ".#...", "#....", ".....", ".....", "....."}},
    {'_', {".....", ".....", ".....", ".....", ".....", ".....", "#####", ".....", "....."}},
    {'|', {"..#..", "..#..", "..#..", "..#..", "..#..", "..#..", "..#..", ".....", "....."}},
    {'?', {".###.", "#...#", "....#", "...#.", "..#..", ".....", "..#..", ".....", "....."}},
};

static const glyph *find_glyph(char c) {
  c = (char)tolower((unsigned char)c);
  for (size_t i = 0; i < sizeof font / sizeof *font; ++i)
    if (font[i].c == c) return &font[i];
  return NULL; /* space and anything unknown: blank */
}

int rp_text_width(const char *s, int scale) {
  size_t n = strlen(s);
  return n ? (int)n * (RP_FONT_W + 1) * scale - scale : 0;
}

void rp_draw_text(rp_canvas *cv, int x, int y, int scale, const char *s, const unsigned char rgb[3]) {
  for (; *s; ++s, x += (RP_FONT_W + 1) * scale) {
    const glyph *g = find_glyph(*s);
    if (!g) continue;
    for (int r = 0; r < RP_FONT_H; ++r)
      for (int c = 0; c < RP_FONT_W; ++c)
        if (g->rows[r][c] == '#') rp_fill_rect(cv, x + c * scale, y + r * scale, scale, scale, rgb);
  }
}

void rp_fill_rect(rp_canvas *cv, int x, int y, int w, int h, const unsigned char rgb[3]) {
  for (int yy = y < 0 ? 0 : y; yy < y + h && yy < cv->h; ++yy)
    for (int xx = x < 0 ? 0 : x; xx < x + w && xx < cv->w; ++xx) {
      unsigned char *p = cv->pix + ((size_t)yy * (size_t)cv->w + (size_t)xx) * (size_t)cv->ch;
      if (cv->ch == 3) p[0] = rgb[0], p[1] = rgb[1], p[2] = rgb[2];
      else p[0] = (unsigned char)((rgb[0] * 30 + rgb[1] * 59 + rgb[2] * 11) / 100);
    }
}

static void png_to_buf(png_structp png, png_bytep data, png_size_t n) {
  rp_buf *b = png_get_io_ptr(png);
  rp_buf_append(b, data, n);
  if (b->oom) png_error(png, "out of memory");
}

static void png_flush_none(png_structp png) { (void)png; }

alcn_status rp_png_write(const char *path, const rp_canvas *cv) {
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
              path, cv->w, cv->h);
  }
  png_set_write_fn(png, &out, png_to_buf, png_flush_none);
  png_set_IHDR(png, info, (png_uint_32)cv->w, (png_uint_32)cv->h, 8,
               cv->ch == 3 ? PNG_COLOR_TYPE_RGB : PNG_COLOR_TYPE_GRAY, PNG_INTERLACE_NONE,
               PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
  png_write_info(png, info);
  for (int y = 0; y < cv->h; ++y)
    png_write_row(png, (png_const_bytep)(cv->pix + (size_t)y * (size_t)cv->w * (size_t)cv->ch));
  png_write_end(png, NULL);
  png_destroy_write_struct(&png, &info);
  alcn_status st = alcn_fs_write_atomic(path, NULL, out.s, out.len);
  rp_buf_free(&out);
  return st;
}

/* ---- labelled image grids ---------------------------------------------------------- */

static const unsigned char ink_black[3] = {0, 0, 0}, ink_normal[3] = {0, 110, 40}, ink_anom[3] = {190, 20, 20},
                           ink_gray[3] = {70, 70, 70};

alcn_status rp_grid_init(rp_grid *g, const char *what, int n, int cols, int h, int w, int ch,
                         const char *const *headers) {
  memset(g, 0, sizeof *g);
  int s = (ALCN_REPORT_F4_MIN_PANEL + h - 1) / h;
  if (s < 1) s = 1;
  const int gap = ALCN_REPORT_F4_GAP;
  /* 64-bit sizes (n, h, w up to 4096 and s up to 168 overflow an int), checked
     against what PNG readers accept before anything is allocated or written. */
  const long long Wl = ALCN_REPORT_F4_LABEL_W + (long long)cols * w * s + (cols + 1LL) * gap;
  const long long Hl = ALCN_REPORT_F4_HEAD_H + (long long)n * h * s + (n + 1LL) * gap;
  if (Wl > ALCN_REPORT_F4_MAX_SIDE || Hl > ALCN_REPORT_F4_MAX_SIDE ||
      Wl * Hl * ch > (long long)ALCN_REPORT_F4_MAX_BYTES)
    ALCN_FAIL(ALCN_ERR_FORMAT,
              "%s: n=%d h=%d w=%d makes a %lldx%lld grid, over the limit of %d pixels a side and %d MiB (is the "
              "header right?); no PNG written",
              what, n, h, w, Wl, Hl, ALCN_REPORT_F4_MAX_SIDE, ALCN_REPORT_F4_MAX_BYTES >> 20);
  g->n = n;
  g->cols = cols;
  g->s = s;
  g->pw = w * s;
  g->ph = h * s;
  g->cv.w = (int)Wl;
  g->cv.h = (int)Hl;
  g->cv.ch = ch;
  g->cv.pix = malloc((size_t)Wl * (size_t)Hl * (size_t)ch);
  if (!g->cv.pix) ALCN_FAIL(ALCN_ERR_NOMEM, "out of memory for a %lldx%lld grid (%s)", Wl, Hl, what);
  memset(g->cv.pix, 255, (size_t)Wl * (size_t)Hl * (size_t)ch);
  /* a thin grey frame around every panel: white panels stay apart from the page */
  static const unsigned char frame[3] = {190, 190, 190};
  for (int r = 0; r < n; ++r)
    for (int c = 0; c < cols; ++c) {
      int x, y;
      rp_grid_panel_xy(g, r, c, &x, &y);
      rp_fill_rect(&g->cv, x - 1, y - 1, g->pw + 2, g->ph + 2, frame);
    }
  const int ts = ALCN_REPORT_F4_TEXT_SCALE;
  for (int c = 0; c < cols && headers; ++c) {
    int x, y;
    rp_grid_panel_xy(g, 0, c, &x, &y);
    int tw = rp_text_width(headers[c], ts);
    rp_draw_text(&g->cv, x + (g->pw - tw) / 2, (ALCN_REPORT_F4_HEAD_H - RP_FONT_H * ts) / 2 + ts, ts, headers[c],
                 ink_black);
  }
  return ALCN_OK;
}

void rp_grid_panel_xy(const rp_grid *g, int row, int col, int *x, int *y) {
  *x = ALCN_REPORT_F4_LABEL_W + ALCN_REPORT_F4_GAP + col * (g->pw + ALCN_REPORT_F4_GAP);
  *y = ALCN_REPORT_F4_HEAD_H + ALCN_REPORT_F4_GAP + row * (g->ph + ALCN_REPORT_F4_GAP);
}

void rp_grid_row_label(rp_grid *g, int row, int label, double score) {
  const int ts = ALCN_REPORT_F4_TEXT_SCALE, line = (RP_FONT_H + 4) * ts;
  char l1[32], l2[32];
  const unsigned char *ink = label == 1 ? ink_anom : label == 0 ? ink_normal : ink_gray;
  if (label == 1) snprintf(l1, sizeof l1, "anomalous");
  else if (label == 0) snprintf(l1, sizeof l1, "normal");
  else snprintf(l1, sizeof l1, "image %d", row + 1);
  if (isfinite(score)) snprintf(l2, sizeof l2, "score %.3g", score);
  else l2[0] = 0;
  int x, y;
  rp_grid_panel_xy(g, row, 0, &x, &y);
  int lines = l2[0] ? 2 : 1, y0 = y + (g->ph - (lines * line - 4 * ts)) / 2;
  rp_draw_text(&g->cv, 4 * ts, y0, ts, l1, ink);
  if (l2[0]) rp_draw_text(&g->cv, 4 * ts, y0 + line, ts, l2, ink_gray);
}

/* ---- one-page PDF ------------------------------------------------------------------ */

alcn_status rp_pdf_write(const char *path, const rp_canvas *cv) {
  size_t raw_n = (size_t)cv->w * (size_t)cv->h * 3;
  unsigned char *rgb = malloc(raw_n);
  uLongf zn = compressBound((uLong)raw_n);
  unsigned char *z = malloc(zn);
  if (!rgb || !z) {
    free(rgb), free(z);
    ALCN_FAIL(ALCN_ERR_NOMEM, "out of memory for the PDF of %s", path);
  }
  for (size_t i = 0, px = (size_t)cv->w * (size_t)cv->h; i < px; ++i)
    for (int k = 0; k < 3; ++k) rgb[3 * i + (size_t)k] = cv->pix[i * (size_t)cv->ch + (size_t)(cv->ch == 3 ? k : 0)];
  int zr = compress2(z, &zn, rgb, (uLong)raw_n, 9);
  free(rgb);
  if (zr != Z_OK) {
    free(z);
    ALCN_FAIL(ALCN_ERR_NOMEM, "zlib could not compress the PDF image of %s (code %d)", path, zr);
  }
  const double pw = cv->w * 72.0 / 150.0, ph = cv->h * 72.0 / 150.0; /* 150 dpi */
  rp_buf b = {0};
  long off[6];
  char content[128];
  int cl = snprintf(content, sizeof content, "q %.2f 0 0 %.2f 0 0 cm /Im0 Do Q\n", pw, ph);
  rp_buf_put(&b, "%PDF-1.4\n%\xe2\xe3\xcf\xd3\n");
  off[1] = (long)b.len;
  rp_buf_put(&b, "1 0 obj\n<< /Type /Catalog /Pages 2 0 R >>\nendobj\n");
  off[2] = (long)b.len;
  rp_buf_put(&b, "2 0 obj\n<< /Type /Pages /Kids [3 0 R] /Count 1 >>\nendobj\n");
  off[3] = (long)b.len;
  rp_buf_printf(&b, "3 0 obj\n<< /Type /Page /Parent 2 0 R /MediaBox [0 0 %.2f %.2f] /Resources << /XObject << /Im0 "
                    "5 0 R >> >> /Contents 4 0 R >>\nendobj\n", pw, ph);
  off[4] = (long)b.len;
  rp_buf_printf(&b, "4 0 obj\n<< /Length %d >>\nstream\n%sendstream\nendobj\n", cl, content);
  off[5] = (long)b.len;
  rp_buf_printf(&b, "5 0 obj\n<< /Type /XObject /Subtype /Image /Width %d /Height %d /ColorSpace /DeviceRGB "
                    "/BitsPerComponent 8 /Filter /FlateDecode /Length %lu >>\nstream\n", cv->w, cv->h,
                (unsigned long)zn);
  rp_buf_append(&b, z, zn);
  free(z);
  rp_buf_put(&b, "\nendstream\nendobj\n");
  long xref = (long)b.len;
  rp_buf_put(&b, "xref\n0 6\n0000000000 65535 f \n");
  for (int i = 1; i <= 5; ++i) rp_buf_printf(&b, "%010ld 00000 n \n", off[i]);
  rp_buf_printf(&b, "trailer\n<< /Size 6 /Root 1 0 R >>\nstartxref\n%ld\n%%%%EOF\n", xref);
  alcn_status st = b.oom ? alcn_error_at(__FILE__, __LINE__, ALCN_ERR_NOMEM, "out of memory writing %s", path)
                         : alcn_fs_write_atomic(path, NULL, b.s, b.len);
  rp_buf_free(&b);
  return st;
}
