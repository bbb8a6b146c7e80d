/* Test fixture shared by the GAN method suites (test_ganomaly.c,
 * test_skipganomaly.c): the toy data set (normal: a smooth Gaussian blob;
 * anomalous: a 2-px checkerboard; standardised with the normal set's mean and
 * std), the plugin opened through dlopen (GT_PLUGIN_FILE, defined before this
 * header), small 28x28x1 models, an epoch loop through train_step and scoring
 * of the test set. File-level state: include once per suite. */
#ifndef ALCN_TEST_GAN_TOY_H
#define ALCN_TEST_GAN_TOY_H

#include <check.h>
#include <dlfcn.h>
#include <math.h>
#include <string.h>

#include "alcn/rng.h"
#include "plugin_util.h"

#ifndef GT_PLUGIN_FILE
#error "define GT_PLUGIN_FILE (the plugin's file name) before including gan_toy.h"
#endif

enum { C = 1, H = 28, W = 28, D = C * H * W, NTRAIN = 64, NTEST = 48, B = 16 };

/* small nets so that a few epochs take a second or two on one core */
static const char *const small_opts[] = {"nz=16", "ngf=8", "ndf=8"};

static alcn_backend *be;
static void *handle;
static const alcn_method_desc *desc;
static float *train_x, *test_x; /* backend memory (host memory on the CPU backend) */
static int test_y[NTEST];

/* Normal: a smooth Gaussian blob (random centre and width). Anomalous: a
 * checkerboard of 2-px cells with a random phase. Both standardised with the
 * normal set's mean and std, like the data pipeline does. */
static void make_image(float *img, int anomalous, uint64_t seed) {
  float u[4];
  alcn_rng_uniform(u, 4, seed, 0, 0.f, 1.f);
  float cy = 8.f + 12.f * u[0], cx = 8.f + 12.f * u[1], sg = 2.5f + 2.f * u[2];
  int phase = u[3] < 0.5f;
  for (int r = 0; r < H; ++r)
    for (int q = 0; q < W; ++q) {
      float v;
      if (anomalous) v = (((r / 2) + (q / 2) + phase) % 2) ? 0.6f : 0.0f;
      else v = expf(-((r - cy) * (r - cy) + (q - cx) * (q - cx)) / (2.f * sg * sg));
      img[r * W + q] = v;
    }
}

static void standardise(float *x, size_t n, double mean, double sd) {
  for (size_t i = 0; i < n; ++i) x[i] = (float)((x[i] - mean) / sd);
}

static void setup(void) {
  ck_assert_int_eq(alcn_backend_create(&be, "cpu", 1, 1), ALCN_OK);
  handle = tp_open(GT_PLUGIN_FILE);
  ck_assert_msg(handle != NULL, "%s not found in $ALCN_PLUGIN_DIR", GT_PLUGIN_FILE);
  desc = tp_method(handle);
  ck_assert_ptr_nonnull(desc);
  train_x = alcn_backend_alloc(be, (size_t)NTRAIN * D * sizeof(float));
  test_x = alcn_backend_alloc(be, (size_t)NTEST * D * sizeof(float));
  ck_assert(train_x && test_x);
  for (int i = 0; i < NTRAIN; ++i) make_image(train_x + (size_t)i * D, 0, 1000 + (uint64_t)i);
  for (int i = 0; i < NTEST; ++i) {
    test_y[i] = i % 2;
    make_image(test_x + (size_t)i * D, test_y[i], 5000 + (uint64_t)i);
  }
  double s = 0, s2 = 0;
  for (size_t i = 0; i < (size_t)NTRAIN * D; ++i) {
    s += train_x[i];
    s2 += (double)train_x[i] * train_x[i];
  }
  double mean = s / (NTRAIN * D), sd = sqrt(s2 / (NTRAIN * D) - mean * mean);
  standardise(train_x, (size_t)NTRAIN * D, mean, sd);
  standardise(test_x, (size_t)NTEST * D, mean, sd);
}

static void teardown(void) {
  alcn_backend_free(be, train_x);
  alcn_backend_free(be, test_x);
  dlclose(handle);
  alcn_backend_destroy(be);
}

static alcn_status create_with(const alcn_method_desc *d, void **st, int c, int h, int w, const char *const *opts,
                               int n_opts, uint64_t seed, int max_batch) {
  alcn_method_config cfg;
  memset(&cfg, 0, sizeof cfg);
  cfg.size = sizeof cfg;
  cfg.C = c; cfg.H = h; cfg.W = w;
  cfg.max_batch = max_batch;
  cfg.loss.kind = ALCN_LOSS_MSE;
  cfg.opts.items = opts;
  cfg.opts.count = n_opts;
  alcn_ctx ctx = {sizeof ctx, be, seed, 1};
  return d->create(&cfg, &ctx, st);
}

/* small 28x28x1 model with extra options appended to small_opts */
static void *create_small(uint64_t seed, const char *extra) {
  const char *opts[4] = {small_opts[0], small_opts[1], small_opts[2], extra};
  void *st = NULL;
  alcn_status s = create_with(desc, &st, C, H, W, opts, extra ? 4 : 3, seed, B);
  ck_assert_msg(s == ALCN_OK, "create: %s", alcn_last_error());
  return st;
}

static uint64_t g_step;

static tp_epoch_stats run_epoch(void *st) {
  tp_epoch_stats es;
  alcn_status s = tp_epoch(desc, st, train_x, NTRAIN, B, D, &g_step, &es);
  ck_assert_msg(s == ALCN_OK, "train_step: %s", alcn_last_error());
  return es;
}

static void score_all(void *st, float *scores) {
  for (int i = 0; i < NTEST; i += B) {
    alcn_status s = desc->score(st, test_x + (size_t)i * D, B, scores + i);
    ck_assert_msg(s == ALCN_OK, "score: %s", alcn_last_error());
  }
}


#endif
