/* Suite "dae": the DAE method with each built-in noise plugin, on the CPU
 * backend: Algorithm 1's ascent really raises the loss, training lowers it,
 * the noises have their documented statistics, scores separate an easy
 * anomaly, runs are reproducible, options are checked. */
#include <check.h>
#include <math.h>
#include <string.h>

#include "alcn/backend.h"
#include "alcn/metrics.h"
#include "alcn/rng.h"
#include "plugin_util.h"
#include "test_util.h"

enum { C = 1, H = 28, W = 28, D = C * H * W, NTRAIN = 64, B = 16 };

static alcn_backend *be;
static void *h_dae, *h_none, *h_alcn, *h_gauss, *h_rand;
static float train_x[NTRAIN * D];

/* normal images: a bright bar at a random row; anomalies: a bar at a random column */
static void make_image(float *img, int anomalous, uint64_t seed) {
  float u[2];
  alcn_rng_uniform(u, 2, seed, 0, 0.f, 1.f);
  int pos = 6 + (int)(u[0] * 16);
  for (int r = 0; r < H; ++r)
    for (int q = 0; q < W; ++q) {
      int d = anomalous ? q - pos : r - pos;
      img[r * W + q] = expf(-(float)(d * d) / 4.0f) + 0.05f * u[1];
    }
}

static void setup(void) {
  ck_assert_int_eq(alcn_backend_create(&be, "cpu", 1, 1), ALCN_OK);
  h_dae = tp_open("alcn_dae.so");
  h_none = tp_open("alcn_noise_none.so");
  h_alcn = tp_open("alcn_noise_alcn.so");
  h_gauss = tp_open("alcn_noise_gaussian.so");
  h_rand = tp_open("alcn_noise_random.so");
  ck_assert(h_dae && h_none && h_alcn && h_gauss && h_rand);
  for (int i = 0; i < NTRAIN; ++i) make_image(train_x + i * D, 0, 1000 + (uint64_t)i);
}
static void teardown(void) {
  dlclose(h_dae);
  dlclose(h_none);
  dlclose(h_alcn);
  dlclose(h_gauss);
  dlclose(h_rand);
  alcn_backend_destroy(be);
}

static void *make(const alcn_method_desc *m, const alcn_noise_desc *nz, const char *const *mo, int nmo, uint64_t seed,
                  alcn_loss_kind loss) {
  alcn_ctx ctx = {sizeof ctx, be, seed, 1};
  alcn_method_config cfg = {sizeof cfg, C, H, W, B, {loss, 1.0f}, {mo, nmo}, nz, {NULL, 0}};
  void *st = NULL;
  ck_assert_msg(m->create(&cfg, &ctx, &st) == ALCN_OK, "%s", alcn_last_error());
  return st;
}

static double train(const alcn_method_desc *m, void *st, int epochs, double *first, double *aux) {
  tp_epoch_stats es;
  uint64_t step = 0;
  for (int e = 0; e < epochs; ++e) {
    ck_assert_msg(tp_epoch(m, st, train_x, NTRAIN, B, D, &step, &es) == ALCN_OK, "%s", alcn_last_error());
    ck_assert_int_eq(es.images, NTRAIN);
    if (e == 0 && first) *first = es.loss;
  }
  if (aux) *aux = es.aux_loss;
  return es.loss;
}

START_TEST(test_descriptors) {
  const alcn_method_desc *m = tp_method(h_dae);
  ck_assert_ptr_nonnull(m);
  ck_assert_str_eq(m->id, "dae");
  ck_assert_int_eq(m->abi_major, ALCN_ABI_MAJOR);
  ck_assert_int_eq(m->hosts_noise, 1);
  const char *ids[] = {"none", "alcn", "gaussian", "random"};
  void *hs[] = {h_none, h_alcn, h_gauss, h_rand};
  for (int i = 0; i < 4; ++i) {
    const alcn_noise_desc *n = tp_noise(hs[i]);
    ck_assert_ptr_nonnull(n);
    ck_assert_str_eq(n->id, ids[i]);
    ck_assert_ptr_nonnull(n->create);
    ck_assert_ptr_nonnull(n->corrupt);
    ck_assert((n->learn != NULL) == (i == 1));
  }
}
END_TEST

/* The per-pixel maps are the per-image score's pixels: their mean is the score. */
START_TEST(test_score_maps_average_to_scores) {
  const alcn_method_desc *m = tp_method(h_dae);
  ck_assert_ptr_nonnull(m->score_maps);
  const char *mo[] = {"lr=1e-3"};
  void *st = make(m, tp_noise(h_none), mo, 1, 3, ALCN_LOSS_MSE);
  train(m, st, 1, NULL, NULL);
  static float maps[B * H * W];
  float scores[B];
  ck_assert_int_eq(m->score(st, train_x, B, scores), ALCN_OK);
  ck_assert_int_eq(m->score_maps(st, train_x, B, maps), ALCN_OK);
  for (int i = 0; i < B; ++i) {
    double sum = 0.0;
    for (int p = 0; p < H * W; ++p) {
      ck_assert(maps[i * H * W + p] >= 0.0f);
      sum += maps[i * H * W + p];
    }
    ck_assert_double_eq_tol(sum / (H * W), scores[i], 1e-5 * scores[i] + 1e-9);
  }
  m->destroy(st);
}
END_TEST

START_TEST(test_alcn_trains_and_counts) {
  const alcn_method_desc *m = tp_method(h_dae);
  const char *mo[] = {"lr=2e-3"};
  void *st = make(m, tp_noise(h_alcn), mo, 1, 1, ALCN_LOSS_MSE);
  size_t noise_params = 0, dae_params = m->param_count(st, &noise_params);
  ck_assert_uint_eq(dae_params, 26465);
  ck_assert_uint_eq(noise_params, 3302817);
  double first, aux, last = train(m, st, 6, &first, &aux);
  ck_assert_msg(last < 0.5 * first, "DAE+ALCN loss %g -> %g", first, last);
  ck_assert(isfinite(aux) && aux > 0);
  m->destroy(st);
}
END_TEST

/* The noise's learn step ascends: with the DAE fixed, the loss of the same
 * (z, alpha) is higher after the generator's Adam step than before. */
static void fixed_loss(const float *x_in, const float *target, int n, float *loss) {
  double acc = 0;
  for (int i = 0; i < n * D; ++i) acc += (double)(x_in[i] - target[i]) * (x_in[i] - target[i]);
  *loss = (float)(acc / (n * D));
}
/* denoiser = identity: L(x, x_tilde) = mean (x_tilde - x)^2, dL/dx_tilde = 2 (x_tilde - x)/M */
static alcn_status identity_dae(void *self, const float *x_in, const float *target, int n, float scale, float *loss,
                                float *dx) {
  (void)self;
  fixed_loss(x_in, target, n, loss);
  if (dx)
    for (int i = 0; i < n * D; ++i) dx[i] = scale * 2.0f * (x_in[i] - target[i]) / (float)(n * D);
  return ALCN_OK;
}

START_TEST(test_alcn_ascends) {
  const alcn_noise_desc *nz = tp_noise(h_alcn);
  alcn_ctx ctx = {sizeof ctx, be, 3, 1};
  alcn_noise_config nc = {sizeof nc, C, H, W, B, {ALCN_LOSS_MSE, 1.0f}, {NULL, 0}};
  void *st;
  ck_assert_int_eq(nz->create(&nc, &ctx, &st), ALCN_OK);
  alcn_denoiser dn = {NULL, identity_dae};
  float before, after, xt[B * D];
  ck_assert_int_eq(nz->learn(st, train_x, B, 0, &dn, &before), ALCN_OK);
  for (int k = 0; k < 5; ++k) ck_assert_int_eq(nz->learn(st, train_x, B, 0, &dn, &after), ALCN_OK);
  ck_assert_msg(after > before * 1.05f, "ascent: loss %g -> %g did not rise", (double)before, (double)after);
  /* corrupt with the same step reproduces the blend the learn step saw */
  ck_assert_int_eq(nz->corrupt(st, train_x, B, 0, xt, NULL), ALCN_OK);
  float again;
  fixed_loss(xt, train_x, B, &again);
  float check;
  ck_assert_int_eq(nz->learn(st, train_x, B, 0, &dn, &check), ALCN_OK);
  ck_assert_float_eq_tol(again, check, 1e-6f * check);
  nz->destroy(st);
}
END_TEST

START_TEST(test_noise_statistics) {
  alcn_ctx ctx = {sizeof ctx, be, 4, 1};
  const char *go[] = {"sigma=0.5"}, *ro[] = {"rate=0.2"};
  alcn_noise_config gc = {sizeof gc, C, H, W, B, {ALCN_LOSS_MSE, 1.0f}, {go, 1}};
  alcn_noise_config rc = {sizeof rc, C, H, W, B, {ALCN_LOSS_MSE, 1.0f}, {ro, 1}};
  void *gs, *rs;
  const alcn_noise_desc *g = tp_noise(h_gauss), *r = tp_noise(h_rand);
  ck_assert_int_eq(g->create(&gc, &ctx, &gs), ALCN_OK);
  ck_assert_int_eq(r->create(&rc, &ctx, &rs), ALCN_OK);
  static float xt[B * D], nz[B * D];
  ck_assert_int_eq(g->corrupt(gs, train_x, B, 7, xt, nz), ALCN_OK);
  double s2 = 0;
  for (int i = 0; i < B * D; ++i) {
    ck_assert_float_eq_tol(xt[i], train_x[i] + nz[i], 1e-6f);
    s2 += (double)nz[i] * nz[i];
  }
  ck_assert_double_eq_tol(sqrt(s2 / (B * D)), 0.5, 0.01);
  static float xr[B * D]; /* random pixels: no replacement lands on an equal value */
  tu_fill_uniform(xr, B * D, 77, 0.f, 1.f);
  ck_assert_int_eq(r->corrupt(rs, xr, B, 7, xt, nz), ALCN_OK);
  int changed = 0;
  for (int i = 0; i < B * D; ++i) changed += xt[i] != xr[i];
  /* 20% replaced (binomial sd 0.4% at this size) */
  ck_assert_double_eq_tol((double)changed / (B * D), 0.2, 0.02);
  g->destroy(gs);
  r->destroy(rs);
  /* options are checked */
  const char *bad[] = {"sigma=abc"}, *unknown[] = {"sgima=1"};
  alcn_noise_config b1 = {sizeof b1, C, H, W, B, {ALCN_LOSS_MSE, 1.0f}, {bad, 1}};
  alcn_noise_config b2 = {sizeof b2, C, H, W, B, {ALCN_LOSS_MSE, 1.0f}, {unknown, 1}};
  ck_assert_int_eq(g->create(&b1, &ctx, &gs), ALCN_ERR_ARG);
  ck_assert_ptr_nonnull(strstr(alcn_last_error(), "sigma=abc"));
  ck_assert_int_eq(g->create(&b2, &ctx, &gs), ALCN_ERR_ARG);
  ck_assert_ptr_nonnull(strstr(alcn_last_error(), "sgima"));
}
END_TEST

static double auroc_of(const alcn_method_desc *m, void *st) {
  enum { NT = 32 };
  static float x[NT * D];
  float scores[NT];
  int labels[NT];
  for (int i = 0; i < NT; ++i) {
    labels[i] = i % 2;
    make_image(x + i * D, labels[i], 5000 + (uint64_t)i);
  }
  for (int i = 0; i < NT; i += B) ck_assert_int_eq(m->score(st, x + (size_t)i * D, B, scores + i), ALCN_OK);
  double auc;
  ck_assert_int_eq(alcn_auroc(scores, labels, NT, &auc), ALCN_OK);
  return auc;
}

START_TEST(test_scores_separate_and_reproduce) {
  const alcn_method_desc *m = tp_method(h_dae);
  const char *mo[] = {"lr=3e-3"};
  void *a = make(m, tp_noise(h_gauss), mo, 1, 9, ALCN_LOSS_MSE);
  void *b = make(m, tp_noise(h_gauss), mo, 1, 9, ALCN_LOSS_MSE);
  double la = train(m, a, 8, NULL, NULL), lb = train(m, b, 8, NULL, NULL);
  ck_assert_double_eq(la, lb); /* same seed, same device: same numbers */
  double auc = auroc_of(m, a);
  ck_assert_msg(auc > 0.8, "DAE+Gaussian AUROC on bars (rows normal, columns anomalous) = %g", auc);
  m->destroy(a);
  m->destroy(b);
}
END_TEST

START_TEST(test_ffl_loss_and_nan_guard) {
  const alcn_method_desc *m = tp_method(h_dae);
  const char *mo[] = {"lr=1e-3"};
  void *st = make(m, tp_noise(h_alcn), mo, 1, 2, ALCN_LOSS_FFL);
  double first = NAN, last = train(m, st, 3, &first, NULL);
  ck_assert(isfinite(last) && last < first);
  m->destroy(st);
  /* an absurd learning rate is refused at create with the valid range (the
   * host's NaN guard for losses that diverge anyway: tests/harness, nan_epoch) */
  const char *huge[] = {"lr=1e30"};
  alcn_ctx ctx = {sizeof ctx, be, 2, 1};
  alcn_method_config cfg = {sizeof cfg, C, H, W, B, {ALCN_LOSS_MSE, 1.0f}, {huge, 1}, tp_noise(h_none), {NULL, 0}};
  st = NULL;
  ck_assert_int_eq(m->create(&cfg, &ctx, &st), ALCN_ERR_ARG);
  ck_assert_ptr_null(st);
  ck_assert_msg(strstr(alcn_last_error(), "lr=1e30 is out of range (valid: (0, 10])") != NULL, "%s",
                alcn_last_error());
}
END_TEST

int main(void) {
  Suite *s = suite_create("dae");
  const struct { const char *name; const TTest *t; } cases[] = {
      {"descriptors", test_descriptors},       {"score_maps", test_score_maps_average_to_scores},       {"alcn_trains", test_alcn_trains_and_counts},
      {"alcn_ascends", test_alcn_ascends},     {"noise_stats", test_noise_statistics},
      {"separate", test_scores_separate_and_reproduce}, {"ffl_nan", test_ffl_loss_and_nan_guard},
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
