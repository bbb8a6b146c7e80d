/* A plugin registry with no plugins, for the libFuzzer targets: the parsers
 * under test (config.c, records.c) reach the host's plugin loader only for
 * labels and tuned defaults, and a fuzz target must neither dlopen the
 * (uninstrumented) plugins nor depend on which are built. Linked instead of
 * core/src/loader.c: loading fails, look-ups find nothing. */
#include <string.h>

#include "alcn/loader.h"

alcn_status alcn_registry_load(alcn_registry *reg, const char *const *extra_dirs, int n_extra, int quiet) {
  (void)extra_dirs;
  (void)n_extra;
  (void)quiet;
  memset(reg, 0, sizeof *reg);
  return alcn_error_at(__FILE__, __LINE__, ALCN_ERR_UNSUPPORTED, "no plugins in a fuzz target");
}

const alcn_method_desc *alcn_registry_method(const alcn_registry *reg, const char *id, const char **file) {
  (void)reg;
  (void)id;
  if (file) *file = NULL;
  return NULL;
}

const alcn_noise_desc *alcn_registry_noise(const alcn_registry *reg, const char *id, const char **file) {
  (void)reg;
  (void)id;
  if (file) *file = NULL;
  return NULL;
}
