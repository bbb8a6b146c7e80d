/* Suite "vae": the convolutional VAE method plugin on the CPU backend,
 * black-box through dlopen: descriptor and parameter counts (paper and
 * strided arch), a short training run whose ELBO loss falls, the KL term
 * pulling the posterior to the prior as beta grows, determinism
 * (same seed: the same bits of losses and scores; another seed: other
 * numbers), bad options refused with the valid range, scores that rank
 * anomalous bars above normal ones (both score modes; the negative ELBO is
 * the reconstruction error plus a non-negative KL term), reconstruct() and
 * score_maps() agreeing with the reconstruction score, save/load. */
#include <check.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "alcn/backend.h"
#include "plugin_util.h"
#include "test_util.h"
#include "toy_bars.h"

#define TB_PLUGIN_FILE "alcn_vae.so"
#include "toy_bars_fixture.h"

static double train(void *st, int epochs, double *first) {
  uint64_t step = 0;
  double l = NAN;
  for (int e = 0; e < epochs; ++e) {
    l = tb_epoch(M, st, train_x, NTRAIN, B, D, e, &step, NULL);
    if (e == 0 && first) *first = l;
  }
  return l;
}

START_TEST(test_descriptor_and_params) {
  ck_assert_str_eq(M->id, "vae");
  ck_assert_str_eq(M->label, "VAE");
  ck_assert_int_eq(M->abi_major, ALCN_ABI_MAJOR);
  ck_assert_int_eq(M->hosts_noise, 0);
  ck_assert_ptr_nonnull(M->options);
  ck_assert_ptr_nonnull(M->reconstruct);
  ck_assert_ptr_nonnull(M->param_count);
  void *st = make(NULL, 0, 1);
  /* encoder: conv 1*16*25+16, conv 16*32*25+32, linear 12800*64+64;
   * decoder: linear 32*12800+12800, convT 32*16*25+16, convT 16*1*25+1 */
  const size_t enc = 416 + 12832 + (size_t)12800 * 64 + 64, dec = (size_t)32 * 12800 + 12800 + 12816 + 401;
  size_t pn = 99;
  ck_assert_uint_eq(M->param_count(st, &pn), enc + dec);
  ck_assert_uint_eq(pn, 0);
  M->destroy(st);
  /* the strided variant at 64x64x3 with zdim 16: bottleneck 32x4x4 */
  const char *mo[] = {"zdim=16"};
  ck_assert_msg(try_make(mo, 1, 1, 3, 64, 64, &st) == ALCN_OK, "%s", alcn_last_error());
  const size_t senc = (3 * 16 * 25 + 16) + (16 * 32 * 25 + 32) + 2 * (32 * 32 * 25 + 32) + (512 * 32 + 32);
  const size_t sdec = (16 * 512 + 512) + 2 * (32 * 32 * 25 + 32) + (32 * 16 * 25 + 16) + (16 * 3 * 25 + 3);
  ck_assert_uint_eq(M->param_count(st, NULL), senc + sdec);
  float *x = alcn_backend_alloc(be, (size_t)B * 3 * 64 * 64 * sizeof(float));
  ck_assert_ptr_nonnull(x);
  alcn_rng_uniform(x, (size_t)B * 3 * 64 * 64, 3, 0, 0.0f, 1.0f);
  alcn_step_stats ss = {0};
  ck_assert_msg(M->train_step(st, x, B, 0, &ss) == ALCN_OK, "%s", alcn_last_error());
  ck_assert(isfinite(ss.loss) && ss.has_aux && ss.aux_loss >= 0.0);
  alcn_backend_free(be, x);
  M->destroy(st);
}
END_TEST

START_TEST(test_loss_falls) {
  void *st = make(NULL, 0, 2);
  double first = NAN, last = train(st, 6, &first);
  ck_assert_msg(isfinite(last) && last < 0.8 * first, "ELBO loss %g -> %g", first, last);
  M->destroy(st);
}
END_TEST

/* The KL term's gradient: with a large beta the posterior is pulled to the
 * prior (KL per image -> ~0), with beta 0 it is not constrained. */
static double kl_after(const char *beta_opt) {
  const char *mo[] = {beta_opt, "lr=2e-3"};
  void *st = make(mo, 2, 6);
  uint64_t step = 0;
  alcn_step_stats ss = {0};
  for (int e = 0; e < 6; ++e)
    for (int at = 0; at < NTRAIN; at += B)
      ck_assert_int_eq(M->train_step(st, train_x + (size_t)at * D, B, step++, &ss), ALCN_OK);
  M->destroy(st);
  return ss.aux_loss;
}

START_TEST(test_kl_term) {
  double k_big = kl_after("beta=1000"), k_zero = kl_after("beta=0");
  ck_assert_msg(k_big < 0.05 && k_big < 0.01 * k_zero, "KL per image: beta 1000 -> %g, beta 0 -> %g", k_big,
                k_zero);
}
END_TEST

START_TEST(test_determinism) {
  void *a = make(NULL, 0, 9), *b = make(NULL, 0, 9), *c = make(NULL, 0, 10);
  double la = train(a, 2, NULL), lb = train(b, 2, NULL), lc = train(c, 2, NULL);
  ck_assert_int_eq(memcmp(&la, &lb, sizeof la), 0);
  ck_assert(la != lc);
  float sa[32], sb[32];
  tb_auroc(M, a, H, W, B, sa);
  tb_auroc(M, b, H, W, B, sb);
  ck_assert_int_eq(memcmp(sa, sb, sizeof sa), 0);
  M->destroy(a);
  M->destroy(b);
  M->destroy(c);
}
END_TEST

START_TEST(test_bad_options) {
  void *st;
  const char *z0[] = {"zdim=0"};
  ck_assert_int_eq(try_make(z0, 1, 1, C, H, W, &st), ALCN_ERR_ARG);
  ck_assert_ptr_null(st);
  ck_assert_msg(strstr(alcn_last_error(), "zdim=0 is out of range (valid: [1, 4096])"), "%s", alcn_last_error());
  const char *nb[] = {"beta=-1"};
  ck_assert_int_eq(try_make(nb, 1, 1, C, H, W, &st), ALCN_ERR_ARG);
  ck_assert_msg(strstr(alcn_last_error(), "valid: [0, 10000]"), "%s", alcn_last_error());
  const char *sc[] = {"score=likelihood"};
  ck_assert_int_eq(try_make(sc, 1, 1, C, H, W, &st), ALCN_ERR_ARG);
  ck_assert_msg(strstr(alcn_last_error(), "recon"), "%s", alcn_last_error());
  const char *ar[] = {"arch=strided"}; /* 28 px is not divisible by 16 */
  ck_assert_int_eq(try_make(ar, 1, 1, C, H, W, &st), ALCN_ERR_ARG);
  ck_assert_msg(strstr(alcn_last_error(), "divisible by 16"), "%s", alcn_last_error());
  const char *un[] = {"zdims=3"};
  ck_assert_int_eq(try_make(un, 1, 1, C, H, W, &st), ALCN_ERR_ARG);
}
END_TEST

START_TEST(test_scores_separate) {
  /* (a VAE first learns the mean image and only then uses z: 20 short epochs) */
  const char *mo[] = {"lr=5e-4"};
  void *st = make(mo, 1, 4);
  train(st, 20, NULL);
  float rec[32], elbo[32];
  double auc = tb_auroc(M, st, H, W, B, rec);
  ck_assert_msg(auc > 0.8, "VAE reconstruction-error AUROC on bars = %g", auc);
  /* reconstruct() is Dec(mu): its squared error is the recon score */
  float x[B * D], y[B * D];
  for (int i = 0; i < B; ++i) tb_image(x + i * D, H, W, i % 2, 5000 + (uint64_t)i);
  ck_assert_int_eq(M->reconstruct(st, x, B, y), ALCN_OK);
  for (int i = 0; i < B; ++i) {
    double e = 0;
    for (int j = 0; j < D; ++j) e += pow((double)y[i * D + j] - x[i * D + j], 2);
    ck_assert_double_eq_tol(e / D, rec[i], 1e-5 + 1e-4 * rec[i]);
  }
  /* score_maps: (Dec(mu) - x)^2 per pixel, averaging to the recon score (C = 1) */
  static float maps[B * D];
  ck_assert_int_eq(M->score_maps(st, x, B, maps), ALCN_OK);
  for (int i = 0; i < B; ++i) {
    double e = 0;
    for (int j = 0; j < D; ++j) e += maps[i * D + j];
    ck_assert_double_eq_tol(e / D, rec[i], 1e-5 + 1e-4 * rec[i]);
  }
  /* score=elbo on the same weights (saved and loaded) adds beta*KL/D >= 0 */
  const char *me[] = {"lr=5e-4", "score=elbo"};
  void *st2 = make(me, 2, 4);
  FILE *f = tmpfile();
  ck_assert_ptr_nonnull(f);
  ck_assert_int_eq(M->save(st, f), ALCN_OK);
  rewind(f);
  ck_assert_msg(M->load(st2, f, "tmp") == ALCN_OK, "%s", alcn_last_error());
  fclose(f);
  double auc2 = tb_auroc(M, st2, H, W, B, elbo);
  for (int i = 0; i < 32; ++i) ck_assert_msg(elbo[i] >= rec[i], "elbo %g < recon %g", elbo[i], rec[i]);
  ck_assert_msg(auc2 > 0.7, "VAE negative-ELBO AUROC on bars = %g", auc2);
  M->destroy(st);
  M->destroy(st2);
}
END_TEST

int main(void) {
  Suite *s = suite_create("vae");
  const struct { const char *name; const TTest *t; } cases[] = {
      {"descriptor", test_descriptor_and_params}, {"loss_falls", test_loss_falls},
      {"determinism", test_determinism},          {"bad_options", test_bad_options},
      {"separate", test_scores_separate},         {"kl_term", test_kl_term},
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
