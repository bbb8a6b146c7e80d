/* A test-only method plugin "toy" for the harness tests: it keeps an
 * order-dependent running mean image (EMA of batch means, so the seeded
 * shuffle matters) and scores the squared distance to it. Options:
 *   sleep_ms=N   sleep N ms per training batch (kill-and-resume tests)
 *   nan_epoch=K  report a NaN loss in epoch K (1-based; failure path tests)
 *   fail_create=1  create fails with ALCN_ERR_ARG */
#define _POSIX_C_SOURCE 200809L
#include <math.h>
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

static alcn_status toy_create(const alcn_method_config *cfg, alcn_ctx *ctx, void **state) {
  ALCN_CHECK(alcn_opts_check(&cfg->opts, "method toy", "sleep_ms nan_epoch fail_create"));
  int fail = 0;
  toy *t = calloc(1, sizeof *t);
  ALCN_CHECK_ALLOC(t, sizeof *t);
  t->be = ctx->be;
  t->D = cfg->C * cfg->H * cfg->W;
  t->max_batch = cfg->max_batch;
  alcn_status s = alcn_opts_int(&cfg->opts, "method toy", "sleep_ms", 0, &t->sleep_ms);
  if (s == ALCN_OK) s = alcn_opts_int(&cfg->opts, "method toy", "nan_epoch", 0, &t->nan_epoch);
  if (s == ALCN_OK) s = alcn_opts_int(&cfg->opts, "method toy", "fail_create", 0, &fail);
  if (s == ALCN_OK && fail) s = alcn_error_at(__FILE__, __LINE__, ALCN_ERR_ARG, "method toy: fail_create=1");
  t->mean = calloc((size_t)t->D, sizeof(float));
  t->host = malloc(sizeof(float) * (size_t)t->D * (size_t)t->max_batch);
  if (s == ALCN_OK && (!t->mean || !t->host)) s = alcn_error_at(__FILE__, __LINE__, ALCN_ERR_NOMEM, "toy: no memory");
  if (s != ALCN_OK) {
    free(t->mean);
    free(t->host);
    free(t);
    return s;
  }
  *state = t;
  return ALCN_OK;
}

static alcn_status toy_train_epoch(void *state, alcn_batch_iter *it, alcn_epoch_stats *st) {
  toy *t = state;
  memset(st, 0, sizeof *st);
  t->epoch++;
  double sum = 0.0;
  for (;;) {
    const float *x;
    int n, r = it->next(it->self, &x, &n);
    if (r < 0) ALCN_FAIL((alcn_status)-r, "method toy: the batch source stopped");
    if (r == 0) break;
    ALCN_CHECK(alcn_download(t->be, t->host, x, sizeof(float) * (size_t)n * (size_t)t->D));
    for (int d = 0; d < t->D; ++d) {
      double m = 0.0;
      for (int i = 0; i < n; ++i) m += t->host[(size_t)i * t->D + d];
      m /= n;
      t->mean[d] = t->seen ? (float)(0.5 * t->mean[d] + 0.5 * m) : (float)m;
    }
    t->seen = 1;
    for (int i = 0; i < n; ++i)
      for (int d = 0; d < t->D; ++d) {
        double e = t->host[(size_t)i * t->D + d] - t->mean[d];
        sum += e * e / t->D;
      }
    st->images += n;
    st->steps++;
    if (t->sleep_ms > 0) {
      struct timespec ts = {t->sleep_ms / 1000, (long)(t->sleep_ms % 1000) * 1000000L};
      nanosleep(&ts, NULL);
    }
  }
  st->loss = st->images ? sum / (double)st->images : 0.0;
  st->aux_loss = NAN;
  if (t->epoch == t->nan_epoch) st->loss = NAN;
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

static size_t toy_params(void *state, size_t *noise_params) {
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
    .summary = "test-only: running mean image, score = squared distance to it",
    .defaults = "sleep_ms=0 nan_epoch=0 fail_create=0",
    .hosts_noise = 0,
    .create = toy_create,
    .train_epoch = toy_train_epoch,
    .score = toy_score,
    .reconstruct = toy_reconstruct,
    .param_count = toy_params,
    .destroy = toy_destroy,
};

ALCN_EXPORT const alcn_method_desc *alcn_method_descriptor(uint32_t index) { return index == 0 ? &k_toy : NULL; }
