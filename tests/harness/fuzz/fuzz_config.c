/* libFuzzer target: the INI config parser of alcnbench (ab_config_parse_ini,
 * the in-memory half of --config FILE), from the defaults as `run` starts. */
#include <stddef.h>
#include <stdint.h>

#include "bench.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  ab_config c;
  ab_config_init(&c);
  (void)ab_config_parse_ini(&c, (const char *)data, size, "fuzz.ini");
  ab_config_free(&c);
  return 0;
}
