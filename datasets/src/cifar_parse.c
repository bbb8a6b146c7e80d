/* CIFAR-10/-100 binary record parser on bytes in memory (libFuzzer-safe:
 * depends only on status.c). */
#include <string.h>

#include "alcn/dataset_formats.h"

alcn_status alcn_cifar_parse(const uint8_t *buf, size_t len, int cifar100, int n_classes, int n_coarse,
                             uint8_t *images, int32_t *labels, int32_t *labels_coarse, size_t cap, int *n_out,
                             const char *what) {
  const size_t px = 3 * 32 * 32, rec = px + (cifar100 ? 2 : 1);
  *n_out = 0;
  if (len == 0) ALCN_FAIL(ALCN_ERR_FORMAT, "%s: empty file (expected %zu-byte CIFAR-%s records)", what, rec, cifar100 ? "100" : "10");
  if (len % rec != 0)
    ALCN_FAIL(ALCN_ERR_FORMAT, "%s: %zu bytes is not a multiple of the %zu-byte CIFAR-%s record (%zu whole records + "
              "%zu bytes; hint: truncated download, or CIFAR-%s data given as CIFAR-%s?)",
              what, len, rec, cifar100 ? "100" : "10", len / rec, len % rec, cifar100 ? "10" : "100",
              cifar100 ? "100" : "10");
  size_t n = len / rec;
  if (n > cap) ALCN_FAIL(ALCN_ERR_FORMAT, "%s: %zu records, more than the %zu expected", what, n, cap);
  for (size_t i = 0; i < n; ++i) {
    const uint8_t *r = buf + i * rec;
    int lab = cifar100 ? r[1] : r[0];
    if (lab >= n_classes)
      ALCN_FAIL(ALCN_ERR_FORMAT, "%s: record %zu has label %d, expected 0..%d", what, i, lab, n_classes - 1);
    if (cifar100 && r[0] >= n_coarse)
      ALCN_FAIL(ALCN_ERR_FORMAT, "%s: record %zu has coarse label %d, expected 0..%d", what, i, r[0], n_coarse - 1);
    labels[i] = lab;
    if (labels_coarse) labels_coarse[i] = cifar100 ? r[0] : 0;
    memcpy(images + i * px, r + (cifar100 ? 2 : 1), px);
  }
  *n_out = (int)n;
  return ALCN_OK;
}
