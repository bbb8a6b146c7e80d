/* PNG decoding and writing through libpng: any bit depth and colour type is
 * reduced to 8-bit gray or RGB (alpha dropped, palette expanded, 16-bit
 * scaled). libpng errors longjmp back here and become ALCN_ERR_FORMAT. */
#include <png.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "alcn/image_io.h"

void alcn_image_free(alcn_image *im) {
  if (!im) return;
  free(im->px);
  memset(im, 0, sizeof *im);
}

typedef struct {
  const uint8_t *p;
  size_t left;
  char msg[256];
} png_src;

static void on_read(png_structp png, png_bytep out, png_size_t n) {
  png_src *s = (png_src *)png_get_io_ptr(png);
  if (n > s->left) {
    snprintf(s->msg, sizeof s->msg, "file is truncated (needed %zu more bytes, %zu left)", (size_t)n, s->left);
    png_error(png, s->msg);
  }
  memcpy(out, s->p, n);
  s->p += n;
  s->left -= n;
}

static void on_error(png_structp png, png_const_charp msg) {
  png_src *s = (png_src *)png_get_error_ptr(png);
  if (s && msg != s->msg) snprintf(s->msg, sizeof s->msg, "%s", msg);
  png_longjmp(png, 1);
}

static void on_warning(png_structp png, png_const_charp msg) { (void)png, (void)msg; }

alcn_status alcn_png_decode(alcn_image *im, const uint8_t *buf, size_t len, const char *what) {
  memset(im, 0, sizeof *im);
  if (len < 8 || png_sig_cmp((png_const_bytep)buf, 0, 8) != 0)
    ALCN_FAIL(ALCN_ERR_FORMAT, "%s: not a PNG file (expected the 8-byte PNG signature)", what);
  png_src src = {buf, len, ""};
  png_structp png = png_create_read_struct(PNG_LIBPNG_VER_STRING, &src, on_error, on_warning);
  if (!png) ALCN_FAIL(ALCN_ERR_NOMEM, "%s: cannot create a PNG reader", what);
  png_infop info = png_create_info_struct(png);
  uint8_t *volatile px = NULL;
  png_bytep *volatile rows = NULL;
  if (!info || setjmp(png_jmpbuf(png))) {
    png_destroy_read_struct(&png, info ? &info : NULL, NULL);
    free(px);
    free(rows);
    ALCN_FAIL(ALCN_ERR_FORMAT, "%s: corrupt PNG: %s", what, src.msg[0] ? src.msg : "decoder error");
  }
  png_set_user_limits(png, ALCN_IMAGE_MAX_DIM, ALCN_IMAGE_MAX_DIM);
  png_set_chunk_malloc_max(png, 64u << 20);
  png_set_read_fn(png, &src, on_read);
  png_read_info(png, info);
  png_uint_32 w, h;
  int depth, ctype, interlace;
  png_get_IHDR(png, info, &w, &h, &depth, &ctype, &interlace, NULL, NULL);
  if (ctype == PNG_COLOR_TYPE_PALETTE) png_set_palette_to_rgb(png);
  if (ctype == PNG_COLOR_TYPE_GRAY && depth < 8) png_set_expand_gray_1_2_4_to_8(png);
  if (depth == 16) png_set_scale_16(png);
  if (ctype & PNG_COLOR_MASK_ALPHA) png_set_strip_alpha(png);
  png_set_interlace_handling(png);
  png_read_update_info(png, info);
  int c = png_get_channels(png, info);
  if (c != 1 && c != 3) {
    snprintf(src.msg, sizeof src.msg, "unexpected %d channels after conversion", c);
    png_error(png, src.msg);
  }
  size_t stride = png_get_rowbytes(png, info);
  if (stride != (size_t)w * c) png_error(png, "unexpected row size");
  /* deflate expands at most ~1032:1, so a tiny file cannot hold a huge image:
   * refuse before allocating (bounds memory on corrupt headers) */
  if ((double)h * (double)w * (depth == 16 ? 2 : 1) * c > 1100.0 * (double)len + (16u << 20)) {
    snprintf(src.msg, sizeof src.msg, "header says %ux%u but the file has only %zu bytes (truncated?)", (unsigned)w,
             (unsigned)h, len);
    png_error(png, src.msg);
  }
  px = malloc((size_t)h * stride);
  rows = malloc((size_t)h * sizeof *rows);
  if (!px || !rows) png_error(png, "out of memory");
  for (png_uint_32 y = 0; y < h; ++y) rows[y] = px + (size_t)y * stride;
  png_read_image(png, rows);
  png_read_end(png, NULL);
  png_destroy_read_struct(&png, &info, NULL);
  free(rows);
  im->w = (int)w;
  im->h = (int)h;
  im->c = c;
  im->px = px;
  return ALCN_OK;
}

alcn_status alcn_png_write(const char *path, const void *px, int w, int h, int c, int bit_depth) {
  if (w <= 0 || h <= 0 || c < 1 || c > 4 || (bit_depth != 8 && bit_depth != 16))
    ALCN_FAIL(ALCN_ERR_ARG, "png write %s: bad shape %dx%dx%d or depth %d", path, w, h, c, bit_depth);
  FILE *f = fopen(path, "wb");
  if (!f) ALCN_FAIL(ALCN_ERR_IO, "cannot write %s", path);
  png_src err = {NULL, 0, ""};
  png_structp png = png_create_write_struct(PNG_LIBPNG_VER_STRING, &err, on_error, on_warning);
  png_infop info = png ? png_create_info_struct(png) : NULL;
  uint8_t *volatile row = NULL;
  if (!png || !info || setjmp(png_jmpbuf(png))) {
    png_destroy_write_struct(&png, &info);
    free(row);
    fclose(f);
    ALCN_FAIL(ALCN_ERR_IO, "cannot write PNG %s: %s", path, err.msg);
  }
  static const int types[5] = {0, PNG_COLOR_TYPE_GRAY, PNG_COLOR_TYPE_GRAY_ALPHA, PNG_COLOR_TYPE_RGB,
                               PNG_COLOR_TYPE_RGB_ALPHA};
  png_init_io(png, f);
  png_set_IHDR(png, info, (png_uint_32)w, (png_uint_32)h, bit_depth, types[c], PNG_INTERLACE_NONE,
               PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
  png_set_compression_level(png, 1);
  png_write_info(png, info);
  size_t bpr = (size_t)w * c * (bit_depth / 8);
  row = malloc(bpr);
  if (!row) png_error(png, "out of memory");
  for (int y = 0; y < h; ++y) {
    if (bit_depth == 8) {
      memcpy(row, (const uint8_t *)px + (size_t)y * bpr, bpr);
    } else {
      const uint16_t *s = (const uint16_t *)px + (size_t)y * w * c;
      for (size_t i = 0; i < (size_t)w * c; ++i) { /* PNG is big-endian */
        row[2 * i] = (uint8_t)(s[i] >> 8);
        row[2 * i + 1] = (uint8_t)s[i];
      }
    }
    png_write_row(png, row);
  }
  png_write_end(png, NULL);
  png_destroy_write_struct(&png, &info);
  free(row);
  if (fclose(f) != 0) ALCN_FAIL(ALCN_ERR_IO, "cannot write %s (disk full?)", path);
  return ALCN_OK;
}
