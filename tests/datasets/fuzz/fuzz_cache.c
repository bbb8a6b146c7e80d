/* libFuzzer target: the decode-cache parser. The harness appends the
 * trailing checksum so the fuzzer explores the body, not just the checksum. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "alcn/dataset_formats.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  uint8_t *buf = malloc(size + 8);
  if (!buf) return 0;
  memcpy(buf, data, size);
  uint64_t h = 0xcbf29ce484222325ULL;
  for (size_t i = 0; i < size; ++i) {
    h ^= data[i];
    h *= 0x100000001b3ULL;
  }
  for (int i = 0; i < 8; ++i) buf[size + i] = (uint8_t)(h >> (8 * i));
  alcn_dataset ds;
  if (alcn_cache_parse(&ds, buf, size + 8, "fuzz") == ALCN_OK) {
    volatile uint8_t s = ds.images[(size_t)ds.n * ds.c * ds.h * ds.w - 1];
    (void)s;
    free(ds.images);
    free(ds.labels);
    free(ds.split);
    free(ds.anomalous);
    free(ds.masks);
    free(ds.labels_coarse);
    if (ds.sources)
      for (int i = 0; i < ds.n; ++i) free(ds.sources[i]);
    free(ds.sources);
    for (int i = 0; i < ds.n_classes; ++i) free(ds.class_names[i]);
    free(ds.class_names);
  }
  free(buf);
  return 0;
}
