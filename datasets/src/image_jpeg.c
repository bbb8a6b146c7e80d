/* JPEG decoding and writing through libturbojpeg (baseline and progressive).
 * Decoder warnings (e.g. "premature end of data") are errors: a truncated
 * image never enters a data set silently. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <turbojpeg.h>

#include "alcn/image_io.h"

alcn_status alcn_jpeg_decode(alcn_image *im, const uint8_t *buf, size_t len, const char *what) {
  memset(im, 0, sizeof *im);
  if (len < 3 || buf[0] != 0xFF || buf[1] != 0xD8)
    ALCN_FAIL(ALCN_ERR_FORMAT, "%s: not a JPEG file (expected the FF D8 start-of-image marker)", what);
  tjhandle tj = tjInitDecompress();
  if (!tj) ALCN_FAIL(ALCN_ERR_NOMEM, "%s: cannot create a JPEG decoder", what);
  int w, h, sub, cs;
  if (tjDecompressHeader3(tj, buf, (unsigned long)len, &w, &h, &sub, &cs) != 0) {
    alcn_error_at(__FILE__, __LINE__, ALCN_ERR_FORMAT, "%s: corrupt JPEG header: %s", what, tjGetErrorStr2(tj));
    tjDestroy(tj);
    return ALCN_ERR_FORMAT;
  }
  if (w <= 0 || h <= 0 || w > ALCN_IMAGE_MAX_DIM || h > ALCN_IMAGE_MAX_DIM) {
    tjDestroy(tj);
    ALCN_FAIL(ALCN_ERR_FORMAT, "%s: JPEG size %dx%d out of range (max %d)", what, w, h, ALCN_IMAGE_MAX_DIM);
  }
  int c = cs == TJCS_GRAY ? 1 : 3;
  if ((double)w * h * c > 2000.0 * (double)len + (16u << 20)) { /* far beyond any real compression ratio */
    tjDestroy(tj);
    ALCN_FAIL(ALCN_ERR_FORMAT, "%s: JPEG header says %dx%d but the file has only %zu bytes (truncated?)", what, w, h, len);
  }
  im->px = malloc((size_t)w * h * c);
  if (!im->px) {
    tjDestroy(tj);
    ALCN_CHECK_ALLOC(im->px, (size_t)w * h * c);
  }
  if (tjDecompress2(tj, buf, (unsigned long)len, im->px, w, 0, h, c == 1 ? TJPF_GRAY : TJPF_RGB,
                    TJFLAG_STOPONWARNING | TJFLAG_ACCURATEDCT) != 0) {
    int warn = tjGetErrorCode(tj) == TJERR_WARNING;
    alcn_error_at(__FILE__, __LINE__, ALCN_ERR_FORMAT, "%s: corrupt JPEG (%s): %s", what,
                  warn ? "decoder warning, treated as an error" : "decoder error", tjGetErrorStr2(tj));
    tjDestroy(tj);
    free(im->px);
    im->px = NULL;
    return ALCN_ERR_FORMAT;
  }
  tjDestroy(tj);
  im->w = w;
  im->h = h;
  im->c = c;
  return ALCN_OK;
}

alcn_status alcn_jpeg_write(const char *path, const uint8_t *px, int w, int h, int c, int quality, int progressive) {
  if (w <= 0 || h <= 0 || (c != 1 && c != 3) || quality < 1 || quality > 100)
    ALCN_FAIL(ALCN_ERR_ARG, "jpeg write %s: bad shape %dx%dx%d or quality %d", path, w, h, c, quality);
  tjhandle tj = tjInitCompress();
  if (!tj) ALCN_FAIL(ALCN_ERR_NOMEM, "cannot create a JPEG encoder");
  unsigned char *out = NULL;
  unsigned long n = 0;
  int flags = TJFLAG_ACCURATEDCT | (progressive ? TJFLAG_PROGRESSIVE : 0);
  if (tjCompress2(tj, px, w, 0, h, c == 1 ? TJPF_GRAY : TJPF_RGB, &out, &n, c == 1 ? TJSAMP_GRAY : TJSAMP_444, quality,
                  flags) != 0) {
    alcn_error_at(__FILE__, __LINE__, ALCN_ERR_IO, "jpeg encode %s: %s", path, tjGetErrorStr2(tj));
    tjDestroy(tj);
    return ALCN_ERR_IO;
  }
  tjDestroy(tj);
  FILE *f = fopen(path, "wb");
  if (!f) {
    tjFree(out);
    ALCN_FAIL(ALCN_ERR_IO, "cannot write %s", path);
  }
  size_t put = fwrite(out, 1, n, f);
  tjFree(out);
  if (fclose(f) != 0 || put != n) ALCN_FAIL(ALCN_ERR_IO, "cannot write %s (disk full?)", path);
  return ALCN_OK;
}
