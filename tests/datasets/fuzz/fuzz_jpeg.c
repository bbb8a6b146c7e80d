/* libFuzzer target: JPEG decoding through libturbojpeg. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "alcn/image_io.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  alcn_image im;
  if (alcn_jpeg_decode(&im, data, size, "fuzz") == ALCN_OK) {
    volatile uint8_t s = im.px[(size_t)im.w * im.h * im.c - 1];
    (void)s;
    free(im.px); /* alcn_image_free lives in image_png.c */
  }
  return 0;
}
