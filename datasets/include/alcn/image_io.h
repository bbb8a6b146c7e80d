/* Image files and pixels: PNG (libpng: 1/2/4/8/16-bit, gray, gray+alpha, RGB,
 * RGBA, palette) and JPEG (libturbojpeg, baseline and progressive; decoder
 * warnings are errors) decoding to 8-bit gray or RGB, PNG/JPEG writing, and
 * the area-filter and nearest resizers. Pixels are interleaved HWC here;
 * alcn_hwc_to_chw converts to the data sets' CHW. */
#ifndef ALCN_IMAGE_IO_H
#define ALCN_IMAGE_IO_H

#include <stddef.h>
#include <stdint.h>

#include "alcn/status.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Largest width or height a decoder accepts (bounds memory on bad input). */
#define ALCN_IMAGE_MAX_DIM 16384

typedef struct alcn_image {
  int w, h, c;           /* c = 1 (gray) or 3 (RGB) after decoding */
  uint8_t *px;           /* h x w x c, malloc'ed, caller frees (alcn_image_free) */
} alcn_image;

void alcn_image_free(alcn_image *im);

/* Decode PNG / JPEG bytes. Alpha is dropped, palette and low bit depths are
 * expanded, 16-bit samples are scaled to 8 bits (round(v / 257)). `what`
 * (a file name) is used in error messages. */
alcn_status alcn_png_decode(alcn_image *im, const uint8_t *buf, size_t len, const char *what);
alcn_status alcn_jpeg_decode(alcn_image *im, const uint8_t *buf, size_t len, const char *what);
/* By signature (PNG or JPEG magic); anything else is ALCN_ERR_FORMAT. */
alcn_status alcn_image_decode(alcn_image *im, const uint8_t *buf, size_t len, const char *what);
/* Read and decode a file. */
alcn_status alcn_image_read(alcn_image *im, const char *path);

/* Write an 8-bit (px is uint8_t) or 16-bit (px is uint16_t, host order) PNG
 * with c = 1 (gray), 2 (gray+alpha), 3 (RGB) or 4 (RGBA) interleaved channels. */
alcn_status alcn_png_write(const char *path, const void *px, int w, int h, int c, int bit_depth);
/* Write a JPEG (c = 1 or 3), quality 1..100, baseline or progressive. */
alcn_status alcn_jpeg_write(const char *path, const uint8_t *px, int w, int h, int c, int quality,
                            int progressive);

/* Area-filter resize of interleaved c-channel pixels: every output pixel is
 * the coverage-weighted mean of the source pixels under it (exact box average
 * for integer factors; for upscaling it reduces to nearest with blended edges). */
alcn_status alcn_resize_area(const uint8_t *src, int sw, int sh, int c, uint8_t *dst, int dw, int dh);
/* Nearest-neighbour resize (masks): src pixel floor((x + 0.5) * sw / dw). */
void alcn_resize_nearest(const uint8_t *src, int sw, int sh, int c, uint8_t *dst, int dw, int dh);

/* h x w x c interleaved -> c x h x w planar. */
void alcn_hwc_to_chw(const uint8_t *src, int w, int h, int c, uint8_t *dst);

#ifdef __cplusplus
}
#endif
#endif
