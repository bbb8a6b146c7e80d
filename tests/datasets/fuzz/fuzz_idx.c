/* libFuzzer target: the IDX parser (images and labels). */
#include <stddef.h>
#include <stdint.h>

#include "alcn/dataset_formats.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  int dims[3];
  const uint8_t *p;
  for (int nd = 1; nd <= 3; nd += 2)
    if (alcn_idx_parse(data, size, nd, dims, &p, "fuzz") == ALCN_OK) {
      size_t n = 1;
      for (int i = 0; i < nd; ++i) n *= (size_t)dims[i];
      volatile uint8_t s = 0;
      for (size_t i = 0; i < n; i += 97) s ^= p[i]; /* touch the data: must be in bounds */
      (void)s;
    }
  return 0;
}
