/* Test helper: dlopen one built plugin by file name from $ALCN_PLUGIN_DIR. */
#ifndef ALCN_TEST_PLUGIN_UTIL_H
#define ALCN_TEST_PLUGIN_UTIL_H

#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>

#include "alcn/plugin.h"

static inline void *tp_open(const char *file) {
  const char *dir = getenv("ALCN_PLUGIN_DIR");
  char path[1024];
  snprintf(path, sizeof path, "%s/%s", dir ? dir : ".", file);
  void *h = dlopen(path, RTLD_NOW | RTLD_LOCAL);
  if (!h) fprintf(stderr, "dlopen %s: %s\n", path, dlerror());
  return h;
}

static inline const alcn_method_desc *tp_method(void *h) {
  alcn_method_descriptor_fn f = (alcn_method_descriptor_fn)dlsym(h, "alcn_method_descriptor");
  return f ? f(0) : NULL;
}

static inline const alcn_noise_desc *tp_noise(void *h) {
  alcn_noise_descriptor_fn f = (alcn_noise_descriptor_fn)dlsym(h, "alcn_noise_descriptor");
  return f ? f(0) : NULL;
}

#endif
