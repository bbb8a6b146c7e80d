/* Suite "cuda_skipganomaly": the Skip-GANomaly method plugin (its U-Net's
 * skip concatenations and their gradient splits run through alcn_copy_2d)
 * on the CUDA backend against the CPU backend, created from the same seed
 * (identical weights: the Philox streams are the same on both), on the same
 * batch of 8 1x28x28 images, small widths (nz 16, ngf 8, ndf 8):
 *   quantity                                   tolerance   why
 *   scores and reconstruction before training  1e-4        conv/BN summation orders (test_cuda_ops)
 *   the first step's L_G and L_D               1e-4 rel    forward at identical weights
 *   L_G, L_D after 3 steps                     5e-2 rel    Adam's first steps are +-lr where a
 *                                                          tiny gradient may flip sign
 * (the last two not yet measured on a GPU; set from test_cuda_step's). Skips
 * (exit 77, with the reason) where there is no usable GPU. */
#include <check.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "alcn/backend.h"
#include "cuda_pair.h"
#include "plugin_util.h"
#include "test_util.h"

enum { B = 8, C = 1, H = 28, W = 28, D = C * H * W };
#define TOL_FWD 1e-4
#define TOL_LOSS_FIRST 1e-4
#define TOL_LOSS_LATER 5e-2

static cp_pair P;

static void *create_on(const alcn_method_desc *desc, alcn_backend *be) {
  static const char *const opts[] = {"nz=16", "ngf=8", "ndf=8"};
  alcn_method_config cfg;
  memset(&cfg, 0, sizeof cfg);
  cfg.size = sizeof cfg;
  cfg.C = C; cfg.H = H; cfg.W = W;
  cfg.max_batch = B;
  cfg.loss.kind = ALCN_LOSS_MSE;
  cfg.opts.items = opts;
  cfg.opts.count = 3;
  alcn_ctx ctx = {sizeof ctx, be, 5, 1};
  void *st = NULL;
  CP_OK(desc->create(&cfg, &ctx, &st));
  return st;
}

static double rel(double a, double ref) { return fabs(a - ref) / fmax(fabs(ref), 1e-6); }

START_TEST(test_skipganomaly_parity) {
  void *h = tp_open("alcn_skipganomaly.so");
  ck_assert_msg(h != NULL, "alcn_skipganomaly.so not found in $ALCN_PLUGIN_DIR");
  const alcn_method_desc *desc = tp_method(h);
  ck_assert_ptr_nonnull(desc);
  void *sc = create_on(desc, P.cpu), *sg = create_on(desc, P.gpu);
  cp_buf x = cp_buf_make(&P, (size_t)B * D, 7, -1.f, 1.f), y = cp_buf_make(&P, (size_t)B * D, 0, NAN, NAN);
  cp_buf s = cp_buf_make(&P, B, 0, NAN, NAN);
  CP_OK(desc->score(sc, x.h, B, s.h));
  CP_OK(desc->score(sg, x.d, B, s.d));
  cp_buf_fetch(&P, &s);
  double e = cp_norm_err(s.back, s.h, B, 1e-6);
  ck_assert_msg(e <= TOL_FWD, "scores before training: error %g", e);
  CP_OK(desc->reconstruct(sc, x.h, B, y.h));
  CP_OK(desc->reconstruct(sg, x.d, B, y.d));
  cp_buf_fetch(&P, &y);
  e = cp_norm_err(y.back, y.h, (size_t)B * D, 1e-6);
  ck_assert_msg(e <= TOL_FWD, "reconstruction before training: error %g", e);
  for (uint64_t k = 0; k < 4; ++k) {
    alcn_step_stats a = {0}, b = {0};
    CP_OK(desc->train_step(sc, x.h, B, k, &a));
    CP_OK(desc->train_step(sg, x.d, B, k, &b));
    const double tol = k == 0 ? TOL_LOSS_FIRST : TOL_LOSS_LATER;
    fprintf(stderr, "cuda_skipganomaly step %llu: L_G cpu %.6f gpu %.6f, L_D cpu %.6f gpu %.6f\n",
            (unsigned long long)k, a.loss, b.loss, a.aux_loss, b.aux_loss);
    ck_assert_msg(rel(b.loss, a.loss) <= tol, "step %llu: L_G %g vs %g", (unsigned long long)k, b.loss, a.loss);
    ck_assert_msg(rel(b.aux_loss, a.aux_loss) <= tol, "step %llu: L_D %g vs %g", (unsigned long long)k, b.aux_loss,
                  a.aux_loss);
  }
  cp_buf_free(&P, &x);
  cp_buf_free(&P, &y);
  cp_buf_free(&P, &s);
  desc->destroy(sc);
  desc->destroy(sg);
  dlclose(h);
}
END_TEST

int main(void) {
  cp_open_or_skip(&P, "cuda_skipganomaly");
  Suite *su = suite_create("cuda_skipganomaly");
  TCase *tc = tcase_create("parity");
  tcase_set_timeout(tc, 120);
  tcase_add_test(tc, test_skipganomaly_parity);
  suite_add_tcase(su, tc);
  SRunner *sr = srunner_create(su);
  srunner_set_fork_status(sr, CK_NOFORK); /* a CUDA context does not survive fork() */
  srunner_run_all(sr, CK_NORMAL);
  const int failed = srunner_ntests_failed(sr);
  srunner_free(sr);
  cp_close(&P);
  return failed == 0 ? 0 : 1;
}
