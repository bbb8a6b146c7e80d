#define _DEFAULT_SOURCE
/* Suite "skipganomaly": the Skip-GANomaly method plugin on the CPU backend.
 * Black box through dlopen: descriptor and options, parameter counts (the
 * official nets at 32x32x3 as PyTorch counts them, the 28 px adaptation),
 * U-Net level plans, size and option refusals with the valid range,
 * training lowers the generator loss and separates an easy anomaly,
 * reproducibility (same seed, same bits), input noise, discriminator
 * re-initialisation, the score formula, score maps, Tanh output, batch
 * statistics at scoring, save/load. White box on the same sources compiled
 * into this test: every network's gradient (U-Net levels through the skip
 * concatenations, D) against finite differences of L_G and L_D, with all
 * terms and with each generator term alone. */
#include <check.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "alcn/loader.h"
#include "alcn/metrics.h"
#include "alcn/options.h"
#include "alcn/rng.h"
#include "plugin_util.h"
#include "skipganomaly_impl.h"
#include "test_util.h"

/* the copy of the plugin compiled into this test (white box) */
const alcn_method_desc *alcn_method_descriptor(uint32_t index);

#define GT_PLUGIN_FILE "alcn_skipganomaly.so"
#include "gan_toy.h"

START_TEST(test_descriptor) {
  ck_assert_uint_eq(desc->abi_major, ALCN_ABI_MAJOR);
  ck_assert_uint_le(desc->abi_minor, ALCN_ABI_MINOR);
  ck_assert_uint_eq(desc->size, sizeof(alcn_method_desc));
  ck_assert_str_eq(desc->id, "skipganomaly");
  ck_assert_str_eq(desc->label, "Skip-GANomaly");
  ck_assert(desc->summary && *desc->summary);
  ck_assert_int_eq(desc->hosts_noise, 0);
  ck_assert(desc->create && desc->train_step && desc->score && desc->param_count && desc->destroy);
  ck_assert(desc->reconstruct && desc->save && desc->load && desc->score_maps);
  ck_assert_ptr_null(desc->corrupt_example);
  char buf[2048];
  alcn_options_describe(desc->options, buf, sizeof buf);
  const char *keys[] = {"lr=2e-4", "beta1=0.5", "beta2=0.999", "nz=100", "ngf=64", "ndf=64", "levels=0", "w_adv=1",
                        "w_con=40", "w_lat=1", "lambda=0.9", "noise_std=0", "d_reinit=1e-5",
                        "bn_score=running (running|batch)", "output=linear (linear|tanh)"};
  for (size_t i = 0; i < sizeof keys / sizeof keys[0]; ++i)
    ck_assert_msg(strstr(buf, keys[i]) != NULL, "options lack %s: %s", keys[i], buf);
  for (const alcn_option *o = desc->options; o->name; ++o) ck_assert_msg(o->doc && *o->doc, "%s has no doc", o->name);
  alcn_method_descriptor_fn f = (alcn_method_descriptor_fn)dlsym(handle, "alcn_method_descriptor");
  ck_assert_ptr_null(f(1));
  /* the host's loader accepts it */
  alcn_registry reg;
  ck_assert_int_eq(alcn_registry_load(&reg, NULL, 0, 1), ALCN_OK);
  const char *file = NULL;
  ck_assert_ptr_nonnull(alcn_registry_method(&reg, "skipganomaly", &file));
  ck_assert(strstr(file, "alcn_skipganomaly.so") != NULL);
  for (int i = 0; i < reg.n_refused; ++i)
    ck_assert_msg(strstr(reg.refused[i].file, "alcn_skipganomaly") == NULL, "refused: %s", reg.refused[i].reason);
  alcn_registry_free(&reg);
}
END_TEST

/* Default widths. 32x32x3: the official nets as PyTorch counts them
 * (UnetGenerator(3, 3, 5, 64) 16659075 + BasicDiscriminator 1069700, hand
 * count from lib/models/networks.py); 28x28x1: U-Net of 4 levels 6165121 +
 * D (trunk 28-14-7, 7x7 final conv) 760452. Scores finite and >= 0,
 * reconstruction shaped and finite. */
static void check_build(int c, int h, int w, size_t want_params, const char *extra) {
  void *st = NULL;
  const char *opts[1] = {extra};
  alcn_status s = create_with(desc, &st, c, h, w, opts, extra ? 1 : 0, 3, 4);
  ck_assert_msg(s == ALCN_OK, "create %dx%dx%d: %s", c, h, w, alcn_last_error());
  size_t noise = 99;
  ck_assert_uint_eq(desc->param_count(st, &noise), want_params);
  ck_assert_uint_eq(noise, 0);
  size_t d = (size_t)c * h * w;
  float *x = alcn_backend_alloc(be, 4 * d * sizeof(float)), *y = alcn_backend_alloc(be, 4 * d * sizeof(float));
  float scores[4];
  tu_fill_uniform(x, 4 * d, 17, -1.f, 1.f);
  ck_assert_int_eq(desc->score(st, x, 4, scores), ALCN_OK);
  for (int i = 0; i < 4; ++i) ck_assert(isfinite(scores[i]) && scores[i] >= 0.f);
  ck_assert_int_eq(desc->reconstruct(st, x, 4, y), ALCN_OK);
  for (size_t i = 0; i < 4 * d; ++i) ck_assert(isfinite(y[i]));
  alcn_backend_free(be, x);
  alcn_backend_free(be, y);
  desc->destroy(st);
}

START_TEST(test_build_28x28x1) { check_build(1, 28, 28, 6925573, NULL); }
END_TEST

START_TEST(test_build_32x32x3) { check_build(3, 32, 32, 17728775, NULL); }
END_TEST

/* 64 px, the strided family at ngf=ndf=8 (U-Net 6 levels 8..64 wide 458579 +
 * D 64-32-16-8-4 trunk 60144) and 32 px with levels=3 (bottleneck 4x4). */
START_TEST(test_build_strided) {
  const char *opts[] = {"ngf=8", "ndf=8", "nz=16"};
  void *st = NULL;
  ck_assert_int_eq(create_with(desc, &st, 3, 64, 64, opts, 3, 3, 2), ALCN_OK);
  skip_state *s = st;
  ck_assert_int_eq(s->g->L, 6);
  ck_assert_int_eq(s->g->ch[6], 64);
  ck_assert_int_eq(s->g->sz[6], 1);
  ck_assert_uint_eq(desc->param_count(st, NULL), 458579 + 60144);
  desc->destroy(st);
  const char *opts3[] = {"ngf=8", "ndf=8", "nz=16", "levels=3"};
  ck_assert_int_eq(create_with(desc, &st, 1, 32, 32, opts3, 4, 3, 2), ALCN_OK);
  s = st;
  ck_assert_int_eq(s->g->L, 3);
  ck_assert_int_eq(s->g->sz[3], 4);
  float *x = alcn_backend_alloc(be, 2 * 1024 * sizeof(float)), *y = alcn_backend_alloc(be, 2 * 1024 * sizeof(float));
  tu_fill_uniform(x, 2048, 5, -1.f, 1.f);
  ck_assert_int_eq(desc->reconstruct(st, x, 2, y), ALCN_OK);
  alcn_backend_free(be, x);
  alcn_backend_free(be, y);
  desc->destroy(st);
}
END_TEST

START_TEST(test_unet_plans) {
  struct { int h, L, last; } ok[] = {{28, 4, 1}, {32, 5, 1}, {64, 6, 1}, {256, 8, 1},
                                     {224, 7, 1}, {96, 6, 1}, {4, 2, 1}, {5, 2, 1}};
  for (size_t i = 0; i < sizeof ok / sizeof ok[0]; ++i) {
    int L, sz[SKIP_MAX_LEVELS + 1];
    ck_assert_int_eq(skip_unet_plan(ok[i].h, 0, &L, sz), ALCN_OK);
    ck_assert_int_eq(L, ok[i].L);
    ck_assert_int_eq(sz[L], ok[i].last);
  }
  int L, sz[SKIP_MAX_LEVELS + 1];
  ck_assert_int_eq(skip_unet_plan(28, 0, &L, sz), ALCN_OK);
  const int want[] = {28, 14, 7, 3, 1};
  for (int i = 0; i <= 4; ++i) ck_assert_int_eq(sz[i], want[i]);
  ck_assert_int_eq(skip_unet_plan(28, 2, &L, sz), ALCN_OK);
  ck_assert_int_eq(L, 2);
  ck_assert_int_eq(skip_unet_plan(28, 5, &L, sz), ALCN_ERR_ARG);
  ck_assert_msg(strstr(alcn_last_error(), "valid 2..4") != NULL, "message: %s", alcn_last_error());
  ck_assert_int_eq(skip_unet_plan(28, 1, &L, sz), ALCN_ERR_ARG);
  ck_assert_int_eq(skip_unet_plan(2, 0, &L, sz), ALCN_ERR_ARG);
  ck_assert_int_eq(skip_unet_plan(3, 0, &L, sz), ALCN_ERR_ARG);
}
END_TEST

static void expect_refused(const char *opt, const char *want_in_msg) {
  void *st = NULL;
  const char *opts[] = {small_opts[0], small_opts[1], small_opts[2], opt};
  ck_assert_int_eq(create_with(desc, &st, 1, 28, 28, opts, 4, 1, 2), ALCN_ERR_ARG);
  ck_assert_ptr_null(st);
  ck_assert_msg(strstr(alcn_last_error(), want_in_msg) != NULL, "%s: message '%s' lacks '%s'", opt, alcn_last_error(),
                want_in_msg);
  ck_assert_msg(strstr(alcn_last_error(), "skipganomaly") != NULL, "message names no plugin: %s", alcn_last_error());
}

START_TEST(test_refusals) {
  void *st = NULL;
  /* non-square, sizes D's pyramid cannot build, too small */
  int bad[][2] = {{28, 30}, {100, 100}, {27, 27}, {2, 2}, {36, 36}};
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; ++i) {
    ck_assert_int_eq(create_with(desc, &st, 1, bad[i][0], bad[i][1], small_opts, 3, 1, 2), ALCN_ERR_ARG);
    ck_assert_ptr_null(st);
    ck_assert_msg(strstr(alcn_last_error(), "skipganomaly") != NULL, "message: %s", alcn_last_error());
  }
  ck_assert(strstr(alcn_last_error(), "36x36") != NULL);
  /* bad options, each with its valid range or choices */
  expect_refused("lambda=1.5", "(valid: [0, 1])");
  expect_refused("lambda=-0.1", "(valid: [0, 1])");
  expect_refused("w_con=-1", "(valid: [0, 1e+06])");
  expect_refused("nz=0", "(valid: [1, 100000])");
  expect_refused("levels=17", "(valid: [0, 16])");
  expect_refused("levels=5", "valid 2..4");
  expect_refused("lr=0", "(valid: (0, 10])");
  expect_refused("lr=abc", "is not a number");
  expect_refused("noise_std=-1", "(valid: [0, 100])");
  expect_refused("output=sigmoid", "linear|tanh");
  expect_refused("bn_score=eval", "running|batch");
  expect_refused("w_enc=1", "unknown option 'w_enc'");
}
END_TEST

/* 64 normals, batch 16, 15 epochs: the generator loss falls and the score
 * separates checkerboards from blobs. */
START_TEST(test_training_learns) {
  void *st = create_small(7, NULL);
  double first = 0, last = 0;
  enum { EPOCHS = 15 };
  for (int e = 0; e < EPOCHS; ++e) {
    tp_epoch_stats es = run_epoch(st);
    ck_assert_int_eq(es.steps, NTRAIN / B);
    ck_assert_int_eq(es.images, NTRAIN);
    ck_assert(isfinite(es.loss) && isfinite(es.aux_loss));
    fprintf(stderr, "skipganomaly epoch %d: G %.4f  D %.4f  D re-initialised %dx\n", e + 1, es.loss, es.aux_loss,
            es.events);
    if (e == 0) first = es.loss;
    last = es.loss;
  }
  float scores[NTEST];
  score_all(st, scores);
  double auroc;
  ck_assert_int_eq(alcn_auroc(scores, test_y, NTEST, &auroc), ALCN_OK);
  fprintf(stderr, "skipganomaly: G loss %.4f -> %.4f, AUROC %.4f\n", first, last, auroc);
  ck_assert_msg(last < 0.75 * first, "generator loss %g -> %g did not drop by 25%%", first, last);
  ck_assert_msg(auroc > 0.9, "AUROC %g", auroc);
  desc->destroy(st);
}
END_TEST

START_TEST(test_reproducible) {
  float a[NTEST], b[NTEST], c[NTEST];
  void *s1 = create_small(11, NULL), *s2 = create_small(11, NULL), *s3 = create_small(12, NULL);
  tp_epoch_stats e1 = run_epoch(s1), e2 = run_epoch(s2);
  run_epoch(s3);
  ck_assert(e1.loss == e2.loss && e1.aux_loss == e2.aux_loss);
  score_all(s1, a);
  score_all(s2, b);
  score_all(s3, c);
  ck_assert_msg(memcmp(a, b, sizeof a) == 0, "same seed, different scores (max diff %g)", tu_max_abs_diff(a, b, NTEST));
  ck_assert_msg(tu_max_abs_diff(a, c, NTEST) > 1e-6, "another seed gave the same scores");
  /* scoring is eval mode: repeating it changes nothing */
  score_all(s1, b);
  ck_assert(memcmp(a, b, sizeof a) == 0);
  desc->destroy(s1);
  desc->destroy(s2);
  desc->destroy(s3);
}
END_TEST

/* noise_std > 0: reproducible for a seed, and training differs from noise_std=0. */
START_TEST(test_input_noise) {
  void *n1 = create_small(13, "noise_std=0.3"), *n2 = create_small(13, "noise_std=0.3"), *n0 = create_small(13, NULL);
  uint64_t keep = g_step;
  tp_epoch_stats e1 = run_epoch(n1);
  g_step = keep;
  tp_epoch_stats e2 = run_epoch(n2);
  g_step = keep;
  tp_epoch_stats e0 = run_epoch(n0);
  ck_assert(e1.loss == e2.loss && e1.aux_loss == e2.aux_loss);
  ck_assert_msg(e1.loss != e0.loss, "noise_std=0.3 trained like noise_std=0");
  float a[NTEST], b[NTEST];
  score_all(n1, a);
  score_all(n2, b);
  ck_assert(memcmp(a, b, sizeof a) == 0);
  desc->destroy(n1);
  desc->destroy(n2);
  desc->destroy(n0);
}
END_TEST

/* Forced: d_reinit above any L_D re-initialises D after every step; d_reinit=0 never. */
START_TEST(test_discriminator_reinit) {
  void *forced = create_small(5, "d_reinit=1e9"), *never = create_small(5, "d_reinit=0");
  for (int e = 0; e < 2; ++e) {
    tp_epoch_stats ef = run_epoch(forced), en = run_epoch(never);
    ck_assert_int_eq(ef.events, NTRAIN / B);
    ck_assert_int_eq(en.events, 0);
  }
  ck_assert_str_eq(desc->event_name, "discriminator re-initialised");
  skip_state *s = forced;
  ck_assert_int_eq(s->reinits, 2 * NTRAIN / B);
  size_t np;
  const float *p = alcn_net_params(s->dcls, &np);
  float *before = malloc(np * sizeof *before);
  memcpy(before, p, np * sizeof *before);
  ck_assert_int_eq(skip_reinit_discriminator(s), ALCN_OK);
  double ss = 0;
  for (size_t i = 0; i < np; ++i) ss += (double)p[i] * p[i];
  ck_assert_double_eq_tol(sqrt(ss / (double)np), 0.02, 0.006);
  ck_assert(tu_max_abs_diff(before, p, np) > 1e-3);
  free(before);
  desc->destroy(forced);
  desc->destroy(never);
}
END_TEST

/* score = lambda * mean (x - x_hat)^2 + (1 - lambda) * mean (D_f(x) - D_f(x_hat))^2:
 * lambda=1 is the reconstruction error of reconstruct(); the default is the
 * 0.9/0.1 mix of lambda=1 and lambda=0; score_maps average to the lambda=1 score. */
START_TEST(test_score_formula) {
  void *r = create_small(17, "lambda=1"), *l = create_small(17, "lambda=0"), *m = create_small(17, NULL);
  run_epoch(r);
  g_step -= NTRAIN / B;
  run_epoch(l);
  g_step -= NTRAIN / B;
  run_epoch(m);
  float sr[B], sl[B], sm[B];
  ck_assert_int_eq(desc->score(r, test_x, B, sr), ALCN_OK);
  ck_assert_int_eq(desc->score(l, test_x, B, sl), ALCN_OK);
  ck_assert_int_eq(desc->score(m, test_x, B, sm), ALCN_OK);
  float *y = malloc((size_t)B * D * sizeof(float)), *maps = malloc((size_t)B * D * sizeof(float));
  ck_assert_int_eq(desc->reconstruct(r, test_x, B, y), ALCN_OK);
  ck_assert_int_eq(desc->score_maps(r, test_x, B, maps), ALCN_OK);
  for (int i = 0; i < B; ++i) {
    double e = 0, mm = 0;
    for (int k = 0; k < D; ++k) {
      double d = (double)test_x[(size_t)i * D + k] - y[(size_t)i * D + k];
      e += d * d;
      mm += maps[(size_t)i * D + k];
    }
    e /= D;
    mm /= D;
    ck_assert_double_eq_tol(sr[i], e, 1e-5 * e + 1e-7);
    ck_assert_double_eq_tol(mm, e, 1e-5 * e + 1e-7);
    ck_assert(sl[i] >= 0.0f && isfinite(sl[i]));
    ck_assert_double_eq_tol(sm[i], 0.9 * sr[i] + 0.1 * sl[i], 1e-5 * sm[i] + 1e-7);
  }
  free(y);
  free(maps);
  desc->destroy(r);
  desc->destroy(l);
  desc->destroy(m);
}
END_TEST

/* output=tanh (official): reconstructions in [-1, 1]. */
START_TEST(test_tanh_output) {
  void *st = create_small(19, "output=tanh");
  run_epoch(st);
  float *y = malloc((size_t)B * D * sizeof(float));
  ck_assert_int_eq(desc->reconstruct(st, test_x, B, y), ALCN_OK);
  for (size_t i = 0; i < (size_t)B * D; ++i) ck_assert(y[i] >= -1.0f && y[i] <= 1.0f);
  free(y);
  desc->destroy(st);
}
END_TEST

/* Eval mode is the training-mode net with the running statistics: with the
 * weights held still (lr 1e-9) and every step on the same 64 images, the
 * running statistics converge to the batch's (momentum 0.1), so the
 * running-statistics reconstruction matches the batch-statistics one up to
 * the unbiased/biased variance factor. It takes long: the running variance
 * starts at 1 and keeps 0.9^k of it after k steps, while DCGAN-initialised
 * convolutions give pre-BatchNorm variances near 1e-3 (measured: relative
 * difference 0.62 after 80 steps, 0.0014 after 250; hence noise-like reconstructions after
 * short runs with bn_score=running). */
START_TEST(test_running_stats_converge) {
  const char *opts[] = {small_opts[0], small_opts[1], small_opts[2], "lr=1e-9"};
  void *st = NULL;
  ck_assert_int_eq(create_with(desc, &st, C, H, W, opts, 4, 41, NTRAIN), ALCN_OK);
  alcn_step_stats ss;
  for (uint64_t k = 0; k < 250; ++k) ck_assert_int_eq(desc->train_step(st, train_x, NTRAIN, k, &ss), ALCN_OK);
  skip_state *s = st;
  float *ye = malloc((size_t)NTRAIN * D * sizeof(float)), *yb = malloc((size_t)NTRAIN * D * sizeof(float));
  ck_assert_int_eq(desc->reconstruct(st, train_x, NTRAIN, ye), ALCN_OK);
  s->score_mode = ALCN_NET_BATCH_STATS;
  ck_assert_int_eq(desc->reconstruct(st, train_x, NTRAIN, yb), ALCN_OK);
  double num = 0, den = 0;
  for (size_t i = 0; i < (size_t)NTRAIN * D; ++i) {
    num += ((double)ye[i] - yb[i]) * ((double)ye[i] - yb[i]);
    den += (double)yb[i] * yb[i];
  }
  fprintf(stderr, "skipganomaly: running vs batch statistics, relative difference %.4g\n", sqrt(num / den));
  ck_assert_msg(sqrt(num / den) < 0.05, "eval-mode reconstruction differs by %g", sqrt(num / den));
  free(ye);
  free(yb);
  desc->destroy(st);
}
END_TEST

static char *saved_state(void *st, size_t *len) {
  char *buf = NULL;
  FILE *f = open_memstream(&buf, len);
  ck_assert_ptr_nonnull(f);
  ck_assert_int_eq(desc->save(st, f), ALCN_OK);
  fclose(f);
  return buf;
}

/* bn_score=batch (the official test()): scores differ from running
 * statistics, depend on the batch, and leave the saved state alone. */
START_TEST(test_bn_score_batch) {
  void *run = create_small(31, NULL), *bat = create_small(31, "bn_score=batch");
  uint64_t keep = g_step;
  tp_epoch_stats er = run_epoch(run);
  g_step = keep;
  tp_epoch_stats eb = run_epoch(bat);
  ck_assert(er.loss == eb.loss && er.aux_loss == eb.aux_loss);
  size_t len_before, len_after;
  char *before = saved_state(bat, &len_before);
  float sr[NTEST], sb[NTEST], pair[2];
  score_all(run, sr);
  score_all(bat, sb);
  char *after = saved_state(bat, &len_after);
  ck_assert_uint_eq(len_before, len_after);
  ck_assert_msg(memcmp(before, after, len_before) == 0, "scoring with batch statistics changed the saved state");
  free(before);
  free(after);
  ck_assert_msg(tu_max_abs_diff(sr, sb, NTEST) > 1e-4, "bn_score=batch scored like bn_score=running");
  ck_assert_int_eq(desc->score(bat, test_x, 2, pair), ALCN_OK);
  ck_assert_msg(fabsf(pair[0] - sb[0]) > 1e-6f * fabsf(sb[0]), "score did not depend on the batch");
  desc->destroy(run);
  desc->destroy(bat);
}
END_TEST

START_TEST(test_save_load) {
  char dir[256], path[300];
  ck_assert_int_eq(tu_make_tempdir(dir, sizeof dir, "skipganomaly"), 0);
  snprintf(path, sizeof path, "%s/w.bin", dir);
  void *a = create_small(21, NULL), *b = create_small(22, NULL);
  run_epoch(a);
  float sa[NTEST], sb[NTEST];
  score_all(a, sa);
  score_all(b, sb);
  ck_assert(tu_max_abs_diff(sa, sb, NTEST) > 1e-6);
  FILE *f = fopen(path, "wb");
  ck_assert_ptr_nonnull(f);
  ck_assert_int_eq(desc->save(a, f), ALCN_OK);
  fclose(f);
  f = fopen(path, "rb");
  ck_assert_int_eq(desc->load(b, f, path), ALCN_OK);
  fclose(f);
  score_all(b, sb);
  ck_assert_msg(memcmp(sa, sb, sizeof sa) == 0, "scores after load differ by %g", tu_max_abs_diff(sa, sb, NTEST));
  void *c = create_small(21, "nz=17"); /* another D: refuses the file */
  f = fopen(path, "rb");
  ck_assert_int_eq(desc->load(c, f, path), ALCN_ERR_FORMAT);
  fclose(f);
  desc->destroy(a);
  desc->destroy(b);
  desc->destroy(c);
  tu_remove_tree(dir);
}
END_TEST

/* ----------------------------------------------------------- white box */
typedef alcn_status (*loss_fn)(skip_state *s, const float *x, int n, double *loss);

/* Directional derivative of f along a unit vector v in net's parameters by
 * central differences, against g.v; relative error to max(|g.v|, 0.1 |g|)
 * (as test_ganomaly.c: per-entry differences are dominated by ReLU/L1
 * kinks at DCGAN's tiny weights), the smallest over steps 5e-5, 2.5e-4, 1e-3.
 * Measured: at most 1.4e-2 over every net and case below; with the skip
 * gradients dropped (the split's share not added) down 1 errs by 0.08..0.25. */
static double directional_err(skip_state *s, alcn_net *net, loss_fn f, const float *x, int n, const float *g,
                              int random_dir, double *deriv) {
  size_t np;
  float *p = alcn_net_params(net, &np);
  float *keep = malloc(np * sizeof *keep), *v = malloc(np * sizeof *v);
  memcpy(keep, p, np * sizeof *keep);
  if (random_dir) tu_fill_uniform(v, np, 77, -1.f, 1.f);
  else memcpy(v, g, np * sizeof *v);
  double nv = 0, gv = 0;
  for (size_t i = 0; i < np; ++i) nv += (double)v[i] * v[i];
  nv = sqrt(nv);
  for (size_t i = 0; i < np; ++i) {
    v[i] = (float)(v[i] / nv);
    gv += (double)g[i] * v[i];
  }
  double ng = 0, best = INFINITY;
  for (size_t i = 0; i < np; ++i) ng += (double)g[i] * g[i];
  /* two steps: kink errors grow with t, the float rounding of the loss
   * shrinks with it; a wrong gradient errs at both */
  const float steps[3] = {5e-5f, 2.5e-4f, 1e-3f};
  for (int k = 0; k < 3; ++k) {
    const float t = steps[k];
    double lp, lm;
    for (size_t i = 0; i < np; ++i) p[i] = keep[i] + t * v[i];
    ck_assert_int_eq(f(s, x, n, &lp), ALCN_OK);
    for (size_t i = 0; i < np; ++i) p[i] = keep[i] - t * v[i];
    ck_assert_int_eq(f(s, x, n, &lm), ALCN_OK);
    const double fd = (lp - lm) / (2.0 * t), e = fabs(fd - gv) / fmax(fabs(gv), 0.1 * sqrt(ng));
    if (e < best) best = e;
  }
  memcpy(p, keep, np * sizeof *keep);
  *deriv = gv;
  free(keep);
  free(v);
  return best;
}

/* Every U-Net level (down and up: the skip gradients reach the encoder only
 * through the concatenation splits) and D's two nets against central
 * differences of L_G / L_D, along the gradient and a random direction. */
static void check_gradients(const char *w_adv, const char *w_con, const char *w_lat, int check_d) {
  const char *opts[] = {"nz=6", "ngf=4", "ndf=4", w_adv, w_con, w_lat};
  void *st = NULL;
  const alcn_method_desc *local = alcn_method_descriptor(0);
  ck_assert_int_eq(create_with(local, &st, 1, 16, 16, opts, 6, 9, 3), ALCN_OK);
  skip_state *s = st;
  enum { N = 3, DD = 16 * 16 };
  float *x = alcn_backend_alloc(be, N * DD * sizeof(float));
  tu_fill_uniform(x, N * DD, 23, -1.5f, 1.5f);
  ck_assert_int_eq(skip_compute_grads(s, x, N, 0), ALCN_OK);
  /* the losses the gradients belong to equal the forward-only losses */
  float h[SKIP_N_LOSSES];
  memcpy(h, s->loss_dev, sizeof h);
  double lg = (double)s->w_adv * h[SKIP_L_ADV] + (double)s->w_con * h[SKIP_L_CON] + (double)s->w_lat * h[SKIP_L_LAT];
  double ld = (double)h[SKIP_L_D_REAL] + h[SKIP_L_D_FAKE] + (double)s->w_lat * h[SKIP_L_LAT], lg2, ld2;
  ck_assert_int_eq(skip_generator_loss(s, x, N, &lg2), ALCN_OK);
  ck_assert_int_eq(skip_discriminator_loss(s, x, N, &ld2), ALCN_OK);
  ck_assert_double_eq_tol(lg, lg2, 1e-5 * fabs(lg) + 1e-9);
  ck_assert_double_eq_tol(ld, ld2, 1e-5 * fabs(ld));
  alcn_net *nets[2 * SKIP_MAX_LEVELS + 2];
  int k = skip_unet_nets(s->g, nets, 2 * SKIP_MAX_LEVELS);
  ck_assert_int_eq(k, 2 * 4); /* 16 px: 16-8-4-2-1 */
  const int ng = k;
  nets[k++] = s->dfeat;
  nets[k++] = s->dcls;
  for (int j = 0; j < (check_d ? k : ng); ++j) {
    size_t np;
    const float *grads = alcn_net_grads(nets[j], &np);
    float *g = malloc(np * sizeof *g);
    memcpy(g, grads, np * sizeof *g);
    loss_fn f = j < ng ? skip_generator_loss : skip_discriminator_loss;
    const char *what = j < ng ? (j < ng / 2 ? "U-Net down" : "U-Net up") : (j == ng ? "D features" : "D classifier");
    int lvl = j < ng ? (j % (ng / 2)) + 1 : 0;
    for (int r = 0; r < 2; ++r) {
      double deriv, err = directional_err(s, nets[j], f, x, N, g, r, &deriv);
      fprintf(stderr, "skipganomaly gradients (%s %s %s): %s %d %s: g.v %.5g, rel err %.3g\n", w_adv, w_con, w_lat,
              what, lvl, r ? "random  " : "gradient", deriv, err);
      if (!r) ck_assert_msg(deriv > 1e-8, "%s %d: gradient norm^2 %g is (nearly) zero", what, lvl, deriv);
      ck_assert_msg(err < 2e-2, "%s %d gradient (%s %s %s): rel err %g along the %s direction", what, lvl, w_adv,
                    w_con, w_lat, err, r ? "random" : "gradient");
    }
    free(g);
  }
  alcn_backend_free(be, x);
  local->destroy(st);
}

START_TEST(test_gradients_all_terms) { check_gradients("w_adv=2", "w_con=3", "w_lat=5", 1); }
END_TEST
START_TEST(test_gradients_adversarial) { check_gradients("w_adv=1", "w_con=0", "w_lat=0", 1); }
END_TEST
START_TEST(test_gradients_contextual) { check_gradients("w_adv=0", "w_con=1", "w_lat=0", 0); }
END_TEST
START_TEST(test_gradients_latent) { check_gradients("w_adv=0", "w_con=0", "w_lat=1", 1); }
END_TEST

int main(void) {
  Suite *su = suite_create("skipganomaly");
  TCase *tc = tcase_create("skipganomaly");
  tcase_add_checked_fixture(tc, setup, teardown);
  tcase_set_timeout(tc, 300);
  tcase_add_test(tc, test_descriptor);
  tcase_add_test(tc, test_build_28x28x1);
  tcase_add_test(tc, test_build_32x32x3);
  tcase_add_test(tc, test_build_strided);
  tcase_add_test(tc, test_unet_plans);
  tcase_add_test(tc, test_refusals);
  tcase_add_test(tc, test_training_learns);
  tcase_add_test(tc, test_reproducible);
  tcase_add_test(tc, test_input_noise);
  tcase_add_test(tc, test_discriminator_reinit);
  tcase_add_test(tc, test_score_formula);
  tcase_add_test(tc, test_tanh_output);
  tcase_add_test(tc, test_bn_score_batch);
  tcase_add_test(tc, test_running_stats_converge);
  tcase_add_test(tc, test_save_load);
  tcase_add_test(tc, test_gradients_all_terms);
  tcase_add_test(tc, test_gradients_adversarial);
  tcase_add_test(tc, test_gradients_contextual);
  tcase_add_test(tc, test_gradients_latent);
  suite_add_tcase(su, tc);
  return tu_run_suite(su);
}
