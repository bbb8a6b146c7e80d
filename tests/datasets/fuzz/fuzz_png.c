/* libFuzzer target: PNG decoding through libpng. */
#include <stddef.h>
#include <stdint.h>

#include "alcn/image_io.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  alcn_image im;
  if (alcn_png_decode(&im, data, size, "fuzz") == ALCN_OK) {
    volatile uint8_t s = im.px[(size_t)im.w * im.h * im.c - 1];
    (void)s;
    alcn_image_free(&im);
  }
  return 0;
}
