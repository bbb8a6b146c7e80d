/* IDX parser (the MNIST family's file format) on bytes in memory. Kept free
 * of other dependencies (only status.c) so the libFuzzer target can build it. */
#include <stdint.h>
#include <string.h>

#include "alcn/dataset_formats.h"

static uint32_t be32(const uint8_t *p) {
  return ((uint32_t)p[0] << 24) | ((uint32_t)p[1] << 16) | ((uint32_t)p[2] << 8) | p[3];
}

alcn_status alcn_idx_parse(const uint8_t *buf, size_t len, int expect_ndim, int dims[3],
                           const uint8_t **data, const char *what) {
  if (expect_ndim < 1 || expect_ndim > 3) ALCN_FAIL(ALCN_ERR_ARG, "IDX: expect_ndim %d not in 1..3", expect_ndim);
  if (len < 4)
    ALCN_FAIL(ALCN_ERR_FORMAT, "%s: %zu bytes, too short for an IDX header (expected at least %d)", what, len,
              4 + 4 * expect_ndim);
  if (buf[0] != 0 || buf[1] != 0)
    ALCN_FAIL(ALCN_ERR_FORMAT, "%s: wrong IDX magic %02x %02x %02x %02x (expected 00 00 08 %02x; hint: is this an IDX file?)",
              what, buf[0], buf[1], buf[2], buf[3], expect_ndim);
  if (buf[2] != 0x08)
    ALCN_FAIL(ALCN_ERR_FORMAT, "%s: IDX element type 0x%02x, expected 0x08 (unsigned byte)", what, buf[2]);
  if (buf[3] != expect_ndim)
    ALCN_FAIL(ALCN_ERR_FORMAT, "%s: IDX has %d dimensions, expected %d (%s)", what, buf[3], expect_ndim,
              expect_ndim == 3 ? "images: n, rows, cols" : "labels: n");
  size_t hdr = 4 + 4 * (size_t)expect_ndim;
  if (len < hdr)
    ALCN_FAIL(ALCN_ERR_FORMAT, "%s: truncated IDX header (%zu bytes, expected %zu)", what, len, hdr);
  uint64_t total = 1;
  for (int i = 0; i < expect_ndim; ++i) {
    uint32_t d = be32(buf + 4 + 4 * i);
    if (d == 0) ALCN_FAIL(ALCN_ERR_FORMAT, "%s: IDX dimension %d is 0 (expected a non-empty data set)", what, i);
    if (d > 0x7fffffffu) ALCN_FAIL(ALCN_ERR_FORMAT, "%s: IDX dimension %d = %u is too large", what, i, d);
    if (i > 0 && d > 65536) ALCN_FAIL(ALCN_ERR_FORMAT, "%s: IDX image side %u is implausible (max 65536)", what, d);
    dims[i] = (int)d;
    total *= d;
    if (total > ((uint64_t)1 << 40)) ALCN_FAIL(ALCN_ERR_FORMAT, "%s: IDX dimensions are implausibly large", what);
  }
  if ((uint64_t)(len - hdr) != total)
    ALCN_FAIL(ALCN_ERR_FORMAT, "%s: IDX data is %zu bytes, expected %llu (%s); the file is %s", what, len - hdr,
              (unsigned long long)total, expect_ndim == 3 ? "n x rows x cols" : "n labels",
              (uint64_t)(len - hdr) < total ? "truncated" : "longer than its header says");
  *data = buf + hdr;
  return ALCN_OK;
}
