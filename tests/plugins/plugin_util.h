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

/* One epoch the way the host runs it (bench/harness/train_loop.c): train_step over
 * consecutive batches of x (n_total images of D floats, CPU backend memory),
 * losses averaged over images; *step counts over the run. */
typedef struct tp_epoch_stats {
  double loss, aux_loss;
  long images;
  int steps, events;
} tp_epoch_stats;

static inline alcn_status tp_epoch(const alcn_method_desc *m, void *st, const float *x, int n_total, int B, int D,
                                   uint64_t *step, tp_epoch_stats *es) {
  double sum = 0.0, sum_aux = 0.0;
  es->loss = es->aux_loss = 0.0;
  es->images = 0;
  es->steps = es->events = 0;
  if (m->epoch_begin) ALCN_CHECK(m->epoch_begin(st, 0));
  for (int at = 0; at < n_total; at += B) {
    int n = n_total - at < B ? n_total - at : B;
    alcn_step_stats ss = {0.0, 0.0, 0, 0};
    ALCN_CHECK(m->train_step(st, x + (size_t)at * (size_t)D, n, (*step)++, &ss));
    if (!(ss.loss == ss.loss) || ss.loss - ss.loss != 0.0)
      ALCN_FAIL(ALCN_ERR_NUMERIC, "the training loss became %g (hint: lower lr)", ss.loss);
    sum += ss.loss * n;
    sum_aux += ss.has_aux ? ss.aux_loss * n : 0.0;
    es->images += n;
    es->steps++;
    es->events += ss.events;
  }
  es->loss = sum / (double)es->images;
  es->aux_loss = sum_aux / (double)es->images;
  return ALCN_OK;
}

#endif
