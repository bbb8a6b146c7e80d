/* libFuzzer target: the CIFAR-10 and CIFAR-100 record parser. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "alcn/dataset_formats.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  size_t cap = size / 3073 + 1;
  uint8_t *img = malloc(cap * 3072);
  int32_t *lab = malloc(cap * sizeof *lab), *coarse = malloc(cap * sizeof *coarse);
  int n;
  if (img && lab && coarse) {
    (void)alcn_cifar_parse(data, size, 0, 10, 0, img, lab, NULL, cap, &n, "fuzz");
    (void)alcn_cifar_parse(data, size, 1, 100, 20, img, lab, coarse, cap, &n, "fuzz");
    (void)alcn_cifar_parse(data, size, 0, 10, 0, img, lab, NULL, cap / 2, &n, "fuzz"); /* too many records */
  }
  free(img);
  free(lab);
  free(coarse);
  return 0;
}
