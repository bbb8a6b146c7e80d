/* libFuzzer target: the manifest text parser. */
#include <stddef.h>
#include <stdint.h>

#include "alcn/protocol.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  alcn_manifest m;
  if (alcn_manifest_parse(&m, (const char *)data, size, "fuzz") == ALCN_OK) alcn_manifest_free(&m);
  return 0;
}
