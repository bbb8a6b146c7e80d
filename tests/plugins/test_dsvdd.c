/* Suite "dsvdd": the Deep SVDD method plugin on the CPU backend, black-box
 * through dlopen: descriptor and parameter counts (mnist and cifar nets, with
 * the pre-training decoder), the phases (pre-training epochs whose
 * reconstruction loss falls, a centre pass that updates nothing and counts
 * its batches as events, then the one-class loss falling), the centre's eps
 * rule (read back through save), determinism (same seed: the same bits),
 * bad options refused with the valid range, a host without epoch hooks, and
 * scores that rank anomalous bars above normal ones. */
#include <check.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "alcn/backend.h"
#include "plugin_util.h"
#include "test_util.h"
#include "toy_bars.h"

#define TB_PLUGIN_FILE "alcn_dsvdd.so"
#include "toy_bars_fixture.h"

START_TEST(test_descriptor_and_params) {
  ck_assert_str_eq(M->id, "dsvdd");
  ck_assert_str_eq(M->label, "Deep SVDD");
  ck_assert_int_eq(M->hosts_noise, 0);
  ck_assert_ptr_nonnull(M->options);
  ck_assert_ptr_nonnull(M->epoch_begin);
  ck_assert_ptr_nonnull(M->epoch_end);
  void *st = make(NULL, 0, 1);
  /* bias-free, no BN parameters: conv 1*8*25, conv 8*4*25, linear 196*32 */
  ck_assert_uint_eq(M->param_count(st, NULL), 200 + 800 + 196 * 32);
  M->destroy(st);
  const char *pre[] = {"pretrain_epochs=1"};
  st = make(pre, 1, 1);
  /* + the decoder: convT 2*4*25, 4*8*25, 8*1*25 */
  ck_assert_uint_eq(M->param_count(st, NULL), 7272 + 200 + 800 + 200);
  M->destroy(st);
  /* the official CIFAR-10 net at 32x32x3: 3*32*25 + 32*64*25 + 64*128*25 + 2048*128 */
  ck_assert_msg(try_make(NULL, 0, 1, 3, 32, 32, &st) == ALCN_OK, "%s", alcn_last_error());
  ck_assert_uint_eq(M->param_count(st, NULL), 2400 + 51200 + 204800 + 262144);
  M->destroy(st);
  /* the strided variant at 64 px: one more block 128->128 */
  ck_assert_msg(try_make(pre, 1, 1, 3, 64, 64, &st) == ALCN_OK, "%s", alcn_last_error());
  const size_t phi64 = 2400 + 51200 + 204800 + 128 * 128 * 25 + 262144;
  const size_t dec64 = 8 * 128 * 25 + 128 * 128 * 25 + 128 * 64 * 25 + 64 * 32 * 25 + 32 * 3 * 25;
  ck_assert_uint_eq(M->param_count(st, NULL), phi64 + dec64);
  float *x = alcn_backend_alloc(be, (size_t)B * 3 * 64 * 64 * sizeof(float));
  ck_assert_ptr_nonnull(x);
  alcn_rng_uniform(x, (size_t)B * 3 * 64 * 64, 3, 0, 0.0f, 1.0f);
  uint64_t step = 0;
  for (int e = 0; e < 3; ++e) tb_epoch(M, st, x, B, B, 3 * 64 * 64, e, &step, NULL);
  alcn_backend_free(be, x);
  M->destroy(st);
}
END_TEST

START_TEST(test_phases_and_loss_falls) {
  const char *mo[] = {"pretrain_epochs=3", "lr=1e-3", "ae_lr=1e-3"};
  void *st = make(mo, 3, 2);
  uint64_t step = 0;
  int ev;
  double ae0 = tb_epoch(M, st, train_x, NTRAIN, B, D, 0, &step, &ev);
  ck_assert_int_eq(ev, 0);
  tb_epoch(M, st, train_x, NTRAIN, B, D, 1, &step, NULL);
  double ae2 = tb_epoch(M, st, train_x, NTRAIN, B, D, 2, &step, NULL);
  ck_assert_msg(ae2 < ae0, "pre-training loss %g -> %g", ae0, ae2);
  tb_epoch(M, st, train_x, NTRAIN, B, D, 3, &step, &ev); /* the centre pass */
  ck_assert_int_eq(ev, NTRAIN / B);
  double oc_first = tb_epoch(M, st, train_x, NTRAIN, B, D, 4, &step, &ev), oc = oc_first;
  ck_assert_int_eq(ev, 0);
  for (int e = 5; e < 10; ++e) oc = tb_epoch(M, st, train_x, NTRAIN, B, D, e, &step, NULL);
  ck_assert_msg(oc < 0.8 * oc_first, "one-class loss %g -> %g", oc_first, oc);
  M->destroy(st);
}
END_TEST

START_TEST(test_centre_eps_rule) {
  const char *mo[] = {"c_eps=0.3"};
  void *st = make(mo, 1, 3);
  uint64_t step = 0;
  tb_epoch(M, st, train_x, NTRAIN, B, D, 0, &step, NULL); /* the centre pass */
  FILE *f = tmpfile();
  ck_assert_ptr_nonnull(f);
  ck_assert_int_eq(M->save(st, f), ALCN_OK);
  ck_assert_int_eq(fseek(f, -(long)(32 * sizeof(float) + sizeof(int32_t)), SEEK_END), 0);
  int32_t ready = 0;
  float c[32];
  ck_assert_int_eq(fread(&ready, sizeof ready, 1, f), 1);
  ck_assert_int_eq(fread(c, sizeof(float), 32, f), 32);
  fclose(f);
  ck_assert_int_eq(ready, 1);
  int pushed = 0;
  for (int j = 0; j < 32; ++j) {
    ck_assert_msg(c[j] == 0.0f || fabsf(c[j]) >= 0.3f - 1e-7f, "c[%d] = %g inside (-c_eps, c_eps)", j, c[j]);
    pushed += fabsf(c[j]) == 0.3f;
  }
  ck_assert_msg(pushed > 0, "no coordinate was pushed to +-c_eps (test data too far from 0?)");
  M->destroy(st);
}
END_TEST

START_TEST(test_determinism) {
  const char *mo[] = {"pretrain_epochs=1"};
  void *a = make(mo, 1, 9), *b = make(mo, 1, 9), *c = make(mo, 1, 10);
  uint64_t sa = 0, sb = 0, sc = 0;
  double la = 0, lb = 0, lc = 0;
  for (int e = 0; e < 4; ++e) {
    la = tb_epoch(M, a, train_x, NTRAIN, B, D, e, &sa, NULL);
    lb = tb_epoch(M, b, train_x, NTRAIN, B, D, e, &sb, NULL);
    lc = tb_epoch(M, c, train_x, NTRAIN, B, D, e, &sc, NULL);
  }
  ck_assert_int_eq(memcmp(&la, &lb, sizeof la), 0);
  ck_assert(la != lc);
  float s1[32], s2[32];
  tb_auroc(M, a, H, W, B, s1);
  tb_auroc(M, b, H, W, B, s2);
  ck_assert_int_eq(memcmp(s1, s2, sizeof s1), 0);
  M->destroy(a);
  M->destroy(b);
  M->destroy(c);
}
END_TEST

START_TEST(test_bad_options) {
  void *st;
  const char *ce[] = {"c_eps=-1"};
  ck_assert_int_eq(try_make(ce, 1, 1, C, H, W, &st), ALCN_ERR_ARG);
  ck_assert_ptr_null(st);
  ck_assert_msg(strstr(alcn_last_error(), "c_eps=-1 is out of range (valid: [0, 1000])"), "%s", alcn_last_error());
  const char *pe[] = {"pretrain_epochs=-2"};
  ck_assert_int_eq(try_make(pe, 1, 1, C, H, W, &st), ALCN_ERR_ARG);
  ck_assert_msg(strstr(alcn_last_error(), "valid: [0, 100000]"), "%s", alcn_last_error());
  const char *lr[] = {"lr=0"};
  ck_assert_int_eq(try_make(lr, 1, 1, C, H, W, &st), ALCN_ERR_ARG);
  ck_assert_msg(strstr(alcn_last_error(), "(0, 10]"), "%s", alcn_last_error());
  const char *am[] = {"arch=mnist"};
  ck_assert_int_eq(try_make(am, 1, 1, 3, 32, 32, &st), ALCN_ERR_ARG);
  ck_assert_msg(strstr(alcn_last_error(), "28x28"), "%s", alcn_last_error());
  ck_assert_int_eq(try_make(NULL, 0, 1, 3, 48, 48, &st), ALCN_ERR_ARG); /* not 4*2^b */
  ck_assert_msg(strstr(alcn_last_error(), "32, 64, 128, 256"), "%s", alcn_last_error());
}
END_TEST

START_TEST(test_without_epoch_hooks) {
  /* table5's timing calls train_step alone: c comes from the first batch */
  void *st = make(NULL, 0, 5);
  alcn_step_stats ss = {0};
  double first = NAN, last = NAN;
  for (int i = 0; i < 12; ++i) {
    ck_assert_msg(M->train_step(st, train_x + (size_t)(i % 4) * B * D, B, (uint64_t)i, &ss) == ALCN_OK, "%s",
                  alcn_last_error());
    ck_assert_int_eq(ss.events, 0);
    if (i == 0) first = ss.loss;
    last = ss.loss;
  }
  ck_assert(isfinite(last) && last < first);
  tb_auroc(M, st, H, W, B, NULL);
  M->destroy(st);
}
END_TEST

START_TEST(test_scores_separate) {
  const char *mo[] = {"pretrain_epochs=3", "lr=1e-3", "ae_lr=1e-3"};
  void *st = make(mo, 3, 4);
  uint64_t step = 0;
  for (int e = 0; e < 10; ++e) tb_epoch(M, st, train_x, NTRAIN, B, D, e, &step, NULL);
  float sc[32];
  double auc = tb_auroc(M, st, H, W, B, sc);
  for (int i = 0; i < 32; ++i) ck_assert(sc[i] >= 0.0f);
  ck_assert_msg(auc > 0.8, "Deep SVDD AUROC on bars = %g", auc);
  M->destroy(st);
}
END_TEST

int main(void) {
  Suite *s = suite_create("dsvdd");
  const struct { const char *name; const TTest *t; } cases[] = {
      {"descriptor", test_descriptor_and_params}, {"phases", test_phases_and_loss_falls},
      {"centre_eps", test_centre_eps_rule},       {"determinism", test_determinism},
      {"bad_options", test_bad_options},          {"no_hooks", test_without_epoch_hooks},
      {"separate", test_scores_separate},
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; ++i) {
    TCase *tc = tcase_create(cases[i].name);
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, cases[i].t);
    tcase_set_timeout(tc, 120);
    suite_add_tcase(s, tc);
  }
  return tu_run_suite(s);
}
