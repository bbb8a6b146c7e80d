/* Image decoding by signature, file reading, and the resizers (area filter
 * for images, nearest for masks) plus HWC -> CHW. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "alcn/image_io.h"
#include "ds_internal.h"

alcn_status alcn_image_decode(alcn_image *im, const uint8_t *buf, size_t len, const char *what) {
  memset(im, 0, sizeof *im);
  if (len >= 8 && buf[0] == 0x89 && buf[1] == 'P' && buf[2] == 'N' && buf[3] == 'G') return alcn_png_decode(im, buf, len, what);
  if (len >= 3 && buf[0] == 0xFF && buf[1] == 0xD8) return alcn_jpeg_decode(im, buf, len, what);
  if (len == 0) ALCN_FAIL(ALCN_ERR_FORMAT, "%s: empty file (expected a PNG or JPEG image)", what);
  ALCN_FAIL(ALCN_ERR_FORMAT, "%s: not a PNG or JPEG image (unknown signature %02x %02x)", what, buf[0],
            len > 1 ? buf[1] : 0);
}

alcn_status alcn_image_read(alcn_image *im, const char *path) {
  uint8_t *buf;
  size_t len;
  memset(im, 0, sizeof *im);
  ALCN_CHECK(alcn_ds_read_file(path, 0, &buf, &len));
  alcn_status st = alcn_image_decode(im, buf, len, path);
  free(buf);
  return st;
}

/* Coverage weights of output cells over source cells along one axis:
 * output i covers [i*s, (i+1)*s) with s = sn/dn; entries (first, count, w[]). */
typedef struct {
  int *first, *count;
  float *w;  /* dn x maxk */
  int maxk;
} axis_w;

static int axis_build(axis_w *a, int sn, int dn) {
  double s = (double)sn / dn;
  a->maxk = (int)ceil(s) + 2;
  a->first = malloc((size_t)dn * sizeof(int));
  a->count = malloc((size_t)dn * sizeof(int));
  a->w = calloc((size_t)dn * a->maxk, sizeof(float));
  if (!a->first || !a->count || !a->w) return 0;
  for (int i = 0; i < dn; ++i) {
    double lo = i * s, hi = (i + 1) * s;
    int j0 = (int)floor(lo), j1 = (int)ceil(hi);
    if (j1 > sn) j1 = sn;
    if (j0 >= sn) j0 = sn - 1;
    int k = 0;
    for (int j = j0; j < j1 && k < a->maxk; ++j) {
      double ov = fmin(hi, j + 1.0) - fmax(lo, (double)j);
      if (ov <= 1e-12) {
        if (k == 0) ++j0;
        continue;
      }
      a->w[(size_t)i * a->maxk + k++] = (float)(ov / s);
    }
    a->first[i] = j0;
    a->count[i] = k;
  }
  return 1;
}

static void axis_free(axis_w *a) {
  free(a->first);
  free(a->count);
  free(a->w);
}

alcn_status alcn_resize_area(const uint8_t *src, int sw, int sh, int c, uint8_t *dst, int dw, int dh) {
  if (sw <= 0 || sh <= 0 || dw <= 0 || dh <= 0 || c <= 0) ALCN_FAIL(ALCN_ERR_ARG, "resize: bad sizes");
  if (sw == dw && sh == dh) {
    memcpy(dst, src, (size_t)sw * sh * c);
    return ALCN_OK;
  }
  axis_w ax = {0}, ay = {0};
  float *tmp = malloc((size_t)sh * dw * c * sizeof(float)); /* horizontal pass: sh x dw x c */
  if (!tmp || !axis_build(&ax, sw, dw) || !axis_build(&ay, sh, dh)) {
    free(tmp);
    axis_free(&ax);
    axis_free(&ay);
    ALCN_FAIL(ALCN_ERR_NOMEM, "resize %dx%d -> %dx%d: out of memory", sw, sh, dw, dh);
  }
  for (int y = 0; y < sh; ++y) {
    const uint8_t *row = src + (size_t)y * sw * c;
    float *out = tmp + (size_t)y * dw * c;
    for (int x = 0; x < dw; ++x) {
      const float *w = ax.w + (size_t)x * ax.maxk;
      for (int ch = 0; ch < c; ++ch) {
        float acc = 0.f;
        for (int k = 0; k < ax.count[x]; ++k) acc += w[k] * row[(size_t)(ax.first[x] + k) * c + ch];
        out[(size_t)x * c + ch] = acc;
      }
    }
  }
  for (int y = 0; y < dh; ++y) {
    const float *w = ay.w + (size_t)y * ay.maxk;
    uint8_t *out = dst + (size_t)y * dw * c;
    for (size_t i = 0; i < (size_t)dw * c; ++i) {
      float acc = 0.f;
      for (int k = 0; k < ay.count[y]; ++k) acc += w[k] * tmp[(size_t)(ay.first[y] + k) * dw * c + i];
      int v = (int)lrintf(acc);
      out[i] = (uint8_t)(v < 0 ? 0 : v > 255 ? 255 : v);
    }
  }
  free(tmp);
  axis_free(&ax);
  axis_free(&ay);
  return ALCN_OK;
}

void alcn_resize_nearest(const uint8_t *src, int sw, int sh, int c, uint8_t *dst, int dw, int dh) {
  for (int y = 0; y < dh; ++y) {
    int sy = (int)(((int64_t)2 * y + 1) * sh / (2 * (int64_t)dh));
    for (int x = 0; x < dw; ++x) {
      int sx = (int)(((int64_t)2 * x + 1) * sw / (2 * (int64_t)dw));
      memcpy(dst + ((size_t)y * dw + x) * c, src + ((size_t)sy * sw + sx) * c, (size_t)c);
    }
  }
}

void alcn_hwc_to_chw(const uint8_t *src, int w, int h, int c, uint8_t *dst) {
  size_t hw = (size_t)w * h;
  if (c == 1) {
    memcpy(dst, src, hw);
    return;
  }
  for (size_t i = 0; i < hw; ++i)
    for (int ch = 0; ch < c; ++ch) dst[(size_t)ch * hw + i] = src[i * c + ch];
}
