/* A test-only method plugin "toy" for the harness tests: it keeps an
 * order-dependent running mean image (EMA of batch means, so the seeded
 * shuffle matters) and scores the squared distance to it. Options:
 *   sleep_ms=N   sleep N ms per training batch (kill-and-resume tests)
 *   nan_epoch=K  report a NaN loss in epoch K (1-based; failure path tests)
 *   fail_create=1  create fails with ALCN_ERR_ARG */
#define _POSIX_C_SOURCE 200809L
#include <math.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "alcn/options.h"
#include "alcn/backend.h"
#include "alcn/plugin.h"

typedef struct toy {
  alcn_backend *be;
  int D, max_batch, sleep_ms, nan_epoch, epoch, seen;
  float *mean; /* D */
  float *host; /* max_batch x D */
} toy;

typedef struct toy_params {
  int sleep_ms, nan_epoch, fail_create;
} toy_params;

static const alcn_option toy_options[] = {
    {"sleep_ms", ALCN_OPT_INT, "0", 0, 600000, 0, NULL, "sleep per training batch", offsetof(toy_params, sleep_ms)},
    {"nan_epoch", ALCN_OPT_INT, "0", 0, 1000000, 0, NULL, "report a NaN loss in this epoch (1-based; 0 = never)",
     offsetof(toy_params, nan_epoch)},
    {"fail_create", ALCN_OPT_INT, "0", 0, 1, 0, NULL, "1: create fails", offsetof(toy_params, fail_create)},
    {NULL, 0, NULL, 0, 0, 0, NULL, NULL, 0},
};

static alcn_status toy_create(const alcn_method_config *cfg, alcn_ctx *ctx, void **state) {
  toy_params p;
  ALCN_CHECK(alcn_options_parse(toy_options, &cfg->opts, "method toy", &p));
  if (p.fail_create) ALCN_FAIL(ALCN_ERR_ARG, "method toy: fail_create=1");
  toy *t = calloc(1, sizeof *t);
  ALCN_CHECK_ALLOC(t, sizeof *t);
  t->be = ctx->be;
  t->D = cfg->C * cfg->H * cfg->W;
  t->max_batch = cfg->max_batch;
  t->sleep_ms = p.sleep_ms;
  t->nan_epoch = p.nan_epoch;
  t->mean = calloc((size_t)t->D, sizeof(float));
  t->host = malloc(sizeof(float) * (size_t)t->D * (size_t)t->max_batch);
  if (!t->mean || !t->host) {
    free(t->mean);
    free(t->host);
    free(t);
    ALCN_FAIL(ALCN_ERR_NOMEM, "toy: no memory");
  }
  *state = t;
  return ALCN_OK;
}

static alcn_status toy_epoch_begin(void *state, int epoch) {
  ((toy *)state)->epoch = epoch + 1;
  return ALCN_OK;
}

static alcn_status toy_train_step(void *state, const float *x, int n, uint64_t step, alcn_step_stats *st) {
  toy *t = state;
  (void)step;
  ALCN_CHECK(alcn_download(t->be, t->host, x, sizeof(float) * (size_t)n * (size_t)t->D));
  for (int d = 0; d < t->D; ++d) {
    double m = 0.0;
    for (int i = 0; i < n; ++i) m += t->host[(size_t)i * t->D + d];
    m /= n;
    t->mean[d] = t->seen ? (float)(0.5 * t->mean[d] + 0.5 * m) : (float)m;
  }
  t->seen = 1;
  double sum = 0.0;
  for (int i = 0; i < n; ++i)
    for (int d = 0; d < t->D; ++d) {
      double e = t->host[(size_t)i * t->D + d] - t->mean[d];
      sum += e * e / t->D;
    }
  if (t->sleep_ms > 0) {
    struct timespec ts = {t->sleep_ms / 1000, (long)(t->sleep_ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
  }
  st->loss = t->epoch == t->nan_epoch ? NAN : sum / n;
  return ALCN_OK;
}

static alcn_status toy_score(void *state, const float *x, int n, float *scores) {
  toy *t = state;
  ALCN_CHECK(alcn_download(t->be, t->host, x, sizeof(float) * (size_t)n * (size_t)t->D));
  float s[4096];
  if (n > 4096) ALCN_FAIL(ALCN_ERR_ARG, "toy: batch too large");
  for (int i = 0; i < n; ++i) {
    double a = 0.0;
    for (int d = 0; d < t->D; ++d) {
      double e = t->host[(size_t)i * t->D + d] - t->mean[d];
      a += e * e;
    }
    s[i] = (float)(a / t->D);
  }
  return alcn_upload(t->be, scores, s, sizeof(float) * (size_t)n);
}

static alcn_status toy_reconstruct(void *state, const float *x, int n, float *out) {
  toy *t = state;
  (void)x;
  for (int i = 0; i < n; ++i) memcpy(t->host + (size_t)i * t->D, t->mean, sizeof(float) * (size_t)t->D);
  return alcn_upload(t->be, out, t->host, sizeof(float) * (size_t)n * (size_t)t->D);
}

static size_t toy_param_count(void *state, size_t *noise_params) {
  if (noise_params) *noise_params = 0;
  return (size_t)((toy *)state)->D;
}

static void toy_destroy(void *state) {
  toy *t = state;
  if (!t) return;
  free(t->mean);
  free(t->host);
  free(t);
}

static const alcn_method_desc k_toy = {
    .abi_major = ALCN_ABI_MAJOR,
    .abi_minor = ALCN_ABI_MINOR,
    .size = sizeof(alcn_method_desc),
    .id = "toy",
    .label = "Toy",
    .summary = "test-only: running mean image, score = squared distance to it",
    .options = toy_options,
    .hosts_noise = 0,
    .create = toy_create,
    .train_step = toy_train_step,
    .epoch_begin = toy_epoch_begin,
    .score = toy_score,
    .reconstruct = toy_reconstruct,
    .param_count = toy_param_count,
    .destroy = toy_destroy,
};

ALCN_EXPORT const alcn_method_desc *alcn_method_descriptor(uint32_t index) { return index == 0 ? &k_toy : NULL; }
