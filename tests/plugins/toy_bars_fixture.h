/* Test fixture shared by the bar-toy method suites (test_vae.c, test_dsvdd.c):
 * the plugin TB_PLUGIN_FILE (defined before this header) opened through
 * dlopen on a 1-thread CPU backend, 64 normal 28x28 bar images (toy_bars.h),
 * and model creation with method options. File-level state: include once per
 * suite. */
#ifndef ALCN_TEST_TOY_BARS_FIXTURE_H
#define ALCN_TEST_TOY_BARS_FIXTURE_H

#include <check.h>
#include <dlfcn.h>

#include "alcn/backend.h"
#include "plugin_util.h"
#include "toy_bars.h"

#ifndef TB_PLUGIN_FILE
#error "define TB_PLUGIN_FILE (the plugin's file name) before including toy_bars_fixture.h"
#endif

enum { C = 1, H = 28, W = 28, D = C * H * W, NTRAIN = 64, B = 16 };

static alcn_backend *be;
static void *handle;
static const alcn_method_desc *M;
static float train_x[NTRAIN * D];

static void setup(void) {
  ck_assert_int_eq(alcn_backend_create(&be, "cpu", 1, 1), ALCN_OK);
  handle = tp_open(TB_PLUGIN_FILE);
  ck_assert_ptr_nonnull(handle);
  M = tp_method(handle);
  ck_assert_ptr_nonnull(M);
  for (int i = 0; i < NTRAIN; ++i) tb_image(train_x + i * D, H, W, 0, 1000 + (uint64_t)i);
}
static void teardown(void) {
  dlclose(handle);
  alcn_backend_destroy(be);
}

static alcn_status try_make(const char *const *mo, int nmo, uint64_t seed, int c, int h, int w, void **st) {
  alcn_ctx ctx = {sizeof ctx, be, seed, 1};
  alcn_method_config cfg = {sizeof cfg, c, h, w, B, {ALCN_LOSS_MSE, 1.0f}, {mo, nmo}, NULL, {NULL, 0}};
  *st = NULL;
  return M->create(&cfg, &ctx, st);
}

static void *make(const char *const *mo, int nmo, uint64_t seed) {
  void *st;
  ck_assert_msg(try_make(mo, nmo, seed, C, H, W, &st) == ALCN_OK, "%s", alcn_last_error());
  return st;
}

#endif
