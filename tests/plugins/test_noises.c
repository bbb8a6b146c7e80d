/* Suite "noises": the structured and adversarial noise plugins of issue 15
 * (mask, adversarial, perlin, cutout) on the CPU backend, black-box through
 * dlopen: descriptors, labels and option tables; bad options refused with the
 * valid range; the same seed gives the same bits (the corruption and a short
 * DAE training run); the DAE's loss falls when it trains with each noise; the
 * documented statistics (cutout: rectangles of the fill value; perlin: the
 * amplitude as standard deviation, smooth fields); the learning noises ascend
 * (mask: against a fixed denoiser, and its area budget holds; adversarial:
 * FGSM's sign step and PGD's L-infinity ball). */
#include <check.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "alcn/backend.h"
#include "alcn/options.h"
#include "alcn/rng.h"
#include "plugin_util.h"
#include "test_util.h"

enum { C = 1, H = 28, W = 28, D = C * H * W, NTRAIN = 64, B = 16, NNOISE = 4 };

static const char *const ids[NNOISE] = {"mask", "adversarial", "perlin", "cutout"};
static const char *const files[NNOISE] = {"alcn_noise_mask.so", "alcn_noise_adversarial.so",
                                          "alcn_noise_perlin.so", "alcn_noise_cutout.so"};
static alcn_backend *be;
static void *h_dae, *h[NNOISE];
static float train_x[NTRAIN * D];

/* normal images: a bright bar at a random row on a dim background */
static void make_image(float *img, uint64_t seed) {
  float u[2];
  alcn_rng_uniform(u, 2, seed, 0, 0.f, 1.f);
  int pos = 6 + (int)(u[0] * 16);
  for (int r = 0; r < H; ++r)
    for (int q = 0; q < W; ++q) img[r * W + q] = expf(-(float)((r - pos) * (r - pos)) / 4.0f) + 0.05f + 0.05f * u[1];
}

static void setup(void) {
  ck_assert_int_eq(alcn_backend_create(&be, "cpu", 1, 1), ALCN_OK);
  h_dae = tp_open("alcn_dae.so");
  ck_assert_ptr_nonnull(h_dae);
  for (int i = 0; i < NNOISE; ++i) {
    h[i] = tp_open(files[i]);
    ck_assert_ptr_nonnull(h[i]);
  }
  for (int i = 0; i < NTRAIN; ++i) make_image(train_x + i * D, 1000 + (uint64_t)i);
}
static void teardown(void) {
  dlclose(h_dae);
  for (int i = 0; i < NNOISE; ++i) dlclose(h[i]);
  alcn_backend_destroy(be);
}

static const alcn_noise_desc *noise(const char *id) {
  for (int i = 0; i < NNOISE; ++i)
    if (!strcmp(ids[i], id)) return tp_noise(h[i]);
  return NULL;
}

static alcn_status make_noise(const alcn_noise_desc *nz, const char *const *opts, int nopt, uint64_t seed, int h_,
                              int w_, void **st) {
  alcn_ctx ctx = {sizeof ctx, be, seed, 1};
  alcn_noise_config nc = {sizeof nc, C, h_, w_, B, {ALCN_LOSS_MSE, 1.0f}, {opts, nopt}};
  return nz->create(&nc, &ctx, st);
}

static void *make_dae(const alcn_noise_desc *nz, const char *const *nopts, int nnopt, uint64_t seed) {
  static const char *mo[] = {"lr=2e-3"};
  alcn_ctx ctx = {sizeof ctx, be, seed, 1};
  alcn_method_config cfg = {sizeof cfg, C, H, W, B, {ALCN_LOSS_MSE, 1.0f}, {mo, 1}, nz, {nopts, nnopt}};
  void *st = NULL;
  ck_assert_msg(tp_method(h_dae)->create(&cfg, &ctx, &st) == ALCN_OK, "%s", alcn_last_error());
  return st;
}

/* Epoch losses of `epochs` epochs into loss[]. */
static void train(void *st, int epochs, double *loss, double *aux) {
  const alcn_method_desc *m = tp_method(h_dae);
  tp_epoch_stats es;
  uint64_t step = 0;
  for (int e = 0; e < epochs; ++e) {
    ck_assert_msg(tp_epoch(m, st, train_x, NTRAIN, B, D, &step, &es) == ALCN_OK, "%s", alcn_last_error());
    loss[e] = es.loss;
    if (aux) aux[e] = es.aux_loss;
  }
}

START_TEST(test_descriptors) {
  static const char *const labels[NNOISE] = {"Mask", "Adversarial", "Perlin", "Cutout"};
  for (int i = 0; i < NNOISE; ++i) {
    const alcn_noise_desc *n = tp_noise(h[i]);
    ck_assert_ptr_nonnull(n);
    ck_assert_str_eq(n->id, ids[i]);
    ck_assert_str_eq(n->label, labels[i]);
    ck_assert_int_eq(n->abi_major, ALCN_ABI_MAJOR);
    ck_assert_uint_eq(n->size, sizeof(alcn_noise_desc));
    ck_assert((n->learn != NULL) == (i < 2)); /* mask and adversarial learn against the denoiser */
    ck_assert_ptr_nonnull(n->options);
    char why[256];
    ck_assert_msg(alcn_options_check_table(n->options, why, sizeof why) == ALCN_OK, "%s: %s", n->id, why);
    for (const alcn_option *o = n->options; o->name; ++o) ck_assert(o->doc && strlen(o->doc) > 10);
  }
}
END_TEST

/* A value out of range is refused at create, naming the key and the valid range. */
START_TEST(test_bad_options_refused) {
  static const char *const bad[NNOISE] = {"area=1.5", "steps=0", "octaves=9", "size=0"};
  static const char *const want[NNOISE] = {"area=1.5 is out of range (valid: (0, 1])",
                                           "steps=0 is out of range (valid: [1, 100])",
                                           "octaves=9 is out of range (valid: [1, 6])",
                                           "size=0 is out of range (valid: (0, 1])"};
  for (int i = 0; i < NNOISE; ++i) {
    void *st = NULL;
    const char *o[] = {bad[i]};
    ck_assert_int_eq(make_noise(tp_noise(h[i]), o, 1, 1, H, W, &st), ALCN_ERR_ARG);
    ck_assert_ptr_null(st);
    ck_assert_msg(strstr(alcn_last_error(), want[i]) != NULL, "%s: %s", ids[i], alcn_last_error());
    const char *unknown[] = {"nosuchkey=1"};
    ck_assert_int_eq(make_noise(tp_noise(h[i]), unknown, 1, 1, H, W, &st), ALCN_ERR_ARG);
    ck_assert_msg(strstr(alcn_last_error(), "nosuchkey") != NULL, "%s", alcn_last_error());
  }
}
END_TEST

/* Same seed and step: the same bits; another step: another pattern. */
START_TEST(test_corrupt_deterministic) {
  static float xa[B * D], na[B * D], xb[B * D], nb[B * D];
  for (int i = 0; i < NNOISE; ++i) {
    const alcn_noise_desc *nz = tp_noise(h[i]);
    void *a, *b;
    ck_assert_int_eq(make_noise(nz, NULL, 0, 7, H, W, &a), ALCN_OK);
    ck_assert_int_eq(make_noise(nz, NULL, 0, 7, H, W, &b), ALCN_OK);
    ck_assert_int_eq(nz->corrupt(a, train_x, B, 3, xa, na), ALCN_OK);
    ck_assert_int_eq(nz->corrupt(b, train_x, B, 3, xb, nb), ALCN_OK);
    ck_assert_msg(!memcmp(xa, xb, sizeof xa) && !memcmp(na, nb, sizeof na), "%s: same seed, other bits", ids[i]);
    int changed = 0;
    for (int k = 0; k < B * D; ++k) {
      ck_assert_float_eq_tol(xa[k], train_x[k] + na[k], 1e-6f); /* noise_out = x_tilde - x */
      changed += xa[k] != train_x[k];
    }
    ck_assert_msg(changed > 0, "%s changed nothing", ids[i]);
    ck_assert_int_eq(nz->corrupt(b, train_x, B, 4, xb, nb), ALCN_OK);
    ck_assert_msg(memcmp(xa, xb, sizeof xa) != 0, "%s: step 4 == step 3", ids[i]);
    nz->destroy(a);
    nz->destroy(b);
  }
}
END_TEST

/* The DAE trains with each noise: its loss falls; two runs with one seed give
 * the same losses (and learning noises the same noise losses), bit for bit. */
START_TEST(test_dae_trains_and_reproduces) {
  enum { E = 5 };
  const int i = _i; /* one noise per loop iteration (each with its own timeout) */
  {
    const alcn_noise_desc *nz = tp_noise(h[i]);
    void *a = make_dae(nz, NULL, 0, 11), *b = make_dae(nz, NULL, 0, 11);
    double la[E], lb[E], aa[E], ab[E];
    train(a, E, la, aa);
    train(b, E, lb, ab);
    for (int e = 0; e < E; ++e) {
      ck_assert_msg(la[e] == lb[e], "%s: epoch %d loss %.17g vs %.17g", ids[i], e, la[e], lb[e]);
      ck_assert_msg(aa[e] == ab[e], "%s: epoch %d noise loss %.17g vs %.17g", ids[i], e, aa[e], ab[e]);
    }
    ck_assert_msg(la[E - 1] < 0.6 * la[0], "DAE+%s: loss %g -> %g did not fall", ids[i], la[0], la[E - 1]);
    if (nz->learn) ck_assert(isfinite(aa[E - 1]) && aa[E - 1] > 0.0);
    static float na[B * D], xa[B * D], nb[B * D], xb[B * D];
    const alcn_method_desc *m = tp_method(h_dae);
    ck_assert_int_eq(m->corrupt_example(a, train_x, B, na, xa), ALCN_OK);
    ck_assert_int_eq(m->corrupt_example(b, train_x, B, nb, xb), ALCN_OK);
    ck_assert_msg(!memcmp(na, nb, sizeof na) && !memcmp(xa, xb, sizeof xa), "%s: Figure-4 panels differ", ids[i]);
    m->destroy(a);
    m->destroy(b);
  }
}
END_TEST

/* One rectangle: the covered pixels are exactly their bounding box, of sides
 * at most size x the image side, and hold the fill value; two: at most twice. */
START_TEST(test_cutout_rectangles) {
  const alcn_noise_desc *nz = noise("cutout");
  const int side = (int)(0.4f * H + 0.5f); /* the largest side */
  static float xt[B * D], nn[B * D];
  for (int count = 1; count <= 2; ++count) {
    char co[16];
    snprintf(co, sizeof co, "count=%d", count);
    const char *o[] = {co, "size=0.4", "fill=-0.5"};
    void *st;
    ck_assert_int_eq(make_noise(nz, o, 3, 5, H, W, &st), ALCN_OK);
    ck_assert_int_eq(nz->corrupt(st, train_x, B, 9, xt, nn), ALCN_OK);
    for (int i = 0; i < B; ++i) {
      int covered = 0, r0 = H, r1 = -1, c0 = W, c1 = -1;
      for (int p = 0; p < D; ++p) {
        float v = xt[i * D + p];
        if (v == train_x[i * D + p]) continue;
        ck_assert_float_eq(v, -0.5f);
        covered++;
        int r = p / W, q = p % W;
        r0 = r < r0 ? r : r0, r1 = r > r1 ? r : r1, c0 = q < c0 ? q : c0, c1 = q > c1 ? q : c1;
      }
      ck_assert_msg(covered >= 1 && covered <= count * side * side, "image %d: %d pixels covered", i, covered);
      if (count == 1) {
        ck_assert_int_eq(covered, (r1 - r0 + 1) * (c1 - c0 + 1));
        ck_assert(r1 - r0 + 1 <= side && c1 - c0 + 1 <= side);
      }
    }
    nz->destroy(st);
  }
}
END_TEST

START_TEST(test_perlin_smooth_field) {
  const alcn_noise_desc *nz = noise("perlin");
  const char *o[] = {"amplitude=0.5", "scale=0.25", "octaves=2"};
  static float zero[B * D], xt[B * D], nn[B * D];
  void *st;
  ck_assert_int_eq(make_noise(nz, o, 3, 6, H, W, &st), ALCN_OK);
  ck_assert_int_eq(nz->corrupt(st, zero, B, 2, xt, nn), ALCN_OK);
  double s1 = 0, s2 = 0, c = 0, v = 0;
  for (int k = 0; k < B * D; ++k) {
    s1 += nn[k];
    s2 += (double)nn[k] * nn[k];
  }
  double mean = s1 / (B * D), sd = sqrt(s2 / (B * D) - mean * mean);
  ck_assert_msg(fabs(sd - 0.5) < 0.15 && fabs(mean) < 0.15, "perlin amplitude 0.5: mean %g sd %g", mean, sd);
  for (int i = 0; i < B; ++i) /* neighbour correlation along rows: a smooth field */
    for (int y = 0; y < H; ++y)
      for (int x = 0; x + 1 < W; ++x) {
        const float *f = nn + i * D + y * W + x;
        c += (double)f[0] * f[1];
        v += (double)f[0] * f[0];
      }
  ck_assert_msg(c / v > 0.8, "neighbour correlation %g", c / v);
  nz->destroy(st);
  /* a non-square image takes the field's top-left window */
  ck_assert_int_eq(make_noise(nz, o, 3, 6, 20, 28, &st), ALCN_OK);
  ck_assert_int_eq(nz->corrupt(st, zero, B, 2, xt, nn), ALCN_OK);
  nz->destroy(st);
}
END_TEST

/* Every noise on 2 RGB images of 64 x 64 (the strided architectures' sizes):
 * finite, and each channel changed. */
START_TEST(test_rgb_64) {
  enum { C3 = 3, S = 64, N2 = 2, D3 = C3 * S * S };
  static float x[N2 * D3], xt[N2 * D3], nn[N2 * D3];
  tu_fill_uniform(x, N2 * D3, 3, 0.f, 1.f);
  for (int i = 0; i < NNOISE; ++i) {
    const alcn_noise_desc *nz = tp_noise(h[i]);
    alcn_ctx ctx = {sizeof ctx, be, 8, 1};
    alcn_noise_config nc = {sizeof nc, C3, S, S, N2, {ALCN_LOSS_MSE, 1.0f}, {NULL, 0}};
    void *st;
    ck_assert_msg(nz->create(&nc, &ctx, &st) == ALCN_OK, "%s: %s", ids[i], alcn_last_error());
    ck_assert_int_eq(nz->corrupt(st, x, N2, 1, xt, nn), ALCN_OK);
    for (int c = 0; c < C3; ++c) {
      int changed = 0;
      for (int k = 0; k < S * S; ++k) {
        ck_assert(isfinite(xt[c * S * S + k]));
        changed += nn[c * S * S + k] != 0.0f;
      }
      ck_assert_msg(changed > 0, "%s: channel %d unchanged", ids[i], c);
    }
    nz->destroy(st);
  }
}
END_TEST

/* Fixed denoisers (CPU memory is host memory): identity y = x_in, and y = 2 x_in. */
static double mse_of(const float *y, const float *t, int n) {
  double acc = 0;
  for (int k = 0; k < n * D; ++k) acc += (double)(y[k] - t[k]) * (y[k] - t[k]);
  return acc / (n * D);
}
static alcn_status scaled_dae(float a, const float *x_in, const float *target, int n, float scale, float *loss,
                              float *dx) {
  static float y[B * D];
  for (int k = 0; k < n * D; ++k) y[k] = a * x_in[k];
  *loss = (float)mse_of(y, target, n);
  if (dx)
    for (int k = 0; k < n * D; ++k) dx[k] = scale * a * 2.0f * (y[k] - target[k]) / (float)(n * D);
  return ALCN_OK;
}
static alcn_status identity_dae(void *self, const float *x_in, const float *target, int n, float scale, float *loss,
                                float *dx) {
  (void)self;
  return scaled_dae(1.0f, x_in, target, n, scale, loss, dx);
}
static alcn_status doubling_dae(void *self, const float *x_in, const float *target, int n, float scale, float *loss,
                                float *dx) {
  (void)self;
  return scaled_dae(2.0f, x_in, target, n, scale, loss, dx);
}

static double mask_area(const float *xt) {
  int masked = 0;
  for (int k = 0; k < B * D; ++k) masked += xt[k] != train_x[k];
  return (double)masked / (B * D);
}

/* Without a budget the generator grows the mask (the identity denoiser's loss
 * is the masked pixels' squared value); with one the area settles near it. */
START_TEST(test_mask_ascends_and_keeps_budget) {
  const alcn_noise_desc *nz = noise("mask");
  alcn_denoiser dn = {NULL, identity_dae};
  static float xt[B * D];
  const char *free_o[] = {"penalty=0", "below=free", "lr=1e-2"};
  void *st;
  ck_assert_int_eq(make_noise(nz, free_o, 3, 3, H, W, &st), ALCN_OK);
  float first, last;
  ck_assert_int_eq(nz->learn(st, train_x, B, 0, &dn, &first), ALCN_OK);
  for (int k = 1; k < 30; ++k) ck_assert_int_eq(nz->learn(st, train_x, B, (uint64_t)k, &dn, &last), ALCN_OK);
  ck_assert_msg(last > 1.2f * first, "mask ascent: loss %g -> %g", (double)first, (double)last);
  ck_assert_int_eq(nz->corrupt(st, train_x, B, 0, xt, NULL), ALCN_OK);
  for (int k = 0; k < B * D; ++k) ck_assert(xt[k] == train_x[k] || xt[k] == 0.0f); /* discrete: x or fill */
  nz->destroy(st);
  const char *budget_o[] = {"area=0.1", "penalty=100", "lr=1e-2"};
  ck_assert_int_eq(make_noise(nz, budget_o, 3, 3, H, W, &st), ALCN_OK);
  ck_assert_int_eq(nz->corrupt(st, train_x, B, 0, xt, NULL), ALCN_OK);
  double a0 = mask_area(xt);
  for (int k = 0; k < 60; ++k) ck_assert_int_eq(nz->learn(st, train_x, B, (uint64_t)k, &dn, &last), ALCN_OK);
  ck_assert_int_eq(nz->corrupt(st, train_x, B, 0, xt, NULL), ALCN_OK);
  double a1 = mask_area(xt);
  ck_assert_msg(fabs(a1 - 0.1) < 0.05, "mask area %g -> %g (budget 0.1)", a0, a1);
  ck_assert_uint_gt(nz->param_count(st), 0);
  nz->destroy(st);
}
END_TEST

START_TEST(test_adversarial_fgsm_and_pgd) {
  const alcn_noise_desc *nz = noise("adversarial");
  alcn_denoiser dn = {NULL, doubling_dae};
  static float xt[B * D], nn[B * D];
  /* y = 2 x_tilde: dL/dx_tilde = 4 (2 x_tilde - x) / M = 4 x / M at x_tilde = x > 0, so FGSM adds +eps everywhere */
  const char *fgsm[] = {"eps=0.1"};
  void *st;
  float l0, l1;
  ck_assert_int_eq(make_noise(nz, fgsm, 1, 4, H, W, &st), ALCN_OK);
  ck_assert_int_eq(nz->learn(st, train_x, B, 5, &dn, &l0), ALCN_OK);
  ck_assert_int_eq(nz->corrupt(st, train_x, B, 5, xt, nn), ALCN_OK);
  for (int k = 0; k < B * D; ++k) ck_assert_float_eq(nn[k], 0.1f);
  ck_assert_int_eq(doubling_dae(NULL, xt, train_x, B, 1.0f, &l1, NULL), ALCN_OK);
  ck_assert_msg(l1 > l0, "FGSM: loss %g -> %g", (double)l0, (double)l1);
  /* a step learn did not see: the attack with the last learn's denoiser */
  ck_assert_int_eq(nz->corrupt(st, train_x, B, 6, xt, nn), ALCN_OK);
  for (int k = 0; k < B * D; ++k) ck_assert_float_eq(nn[k], 0.1f);
  nz->destroy(st);
  /* before any learn call: a random corner of the ball */
  ck_assert_int_eq(make_noise(nz, fgsm, 1, 4, H, W, &st), ALCN_OK);
  ck_assert_int_eq(nz->corrupt(st, train_x, B, 6, xt, nn), ALCN_OK);
  int neg = 0;
  for (int k = 0; k < B * D; ++k) {
    ck_assert_float_eq(fabsf(nn[k]), 0.1f);
    neg += nn[k] < 0;
  }
  ck_assert(neg > B * D / 4 && neg < 3 * B * D / 4);
  nz->destroy(st);
  /* PGD from a random start with the identity denoiser (loss = mean delta^2):
     every coordinate ends on the ball's boundary */
  alcn_denoiser id = {NULL, identity_dae};
  const char *pgd[] = {"eps=0.2", "steps=5", "random_start=yes"};
  ck_assert_int_eq(make_noise(nz, pgd, 3, 4, H, W, &st), ALCN_OK);
  ck_assert_int_eq(nz->learn(st, train_x, B, 1, &id, &l0), ALCN_OK);
  ck_assert_int_eq(nz->corrupt(st, train_x, B, 1, xt, nn), ALCN_OK);
  for (int k = 0; k < B * D; ++k) ck_assert_float_eq_tol(fabsf(nn[k]), 0.2f, 1e-6f);
  ck_assert_int_eq(identity_dae(NULL, xt, train_x, B, 1.0f, &l1, NULL), ALCN_OK);
  ck_assert_float_eq_tol(l1, 0.04f, 1e-5f);
  nz->destroy(st);
}
END_TEST

int main(void) {
  Suite *s = suite_create("noises");
  const struct { const char *name; const TTest *t; } cases[] = {
      {"descriptors", test_descriptors},
      {"bad_options", test_bad_options_refused},
      {"deterministic", test_corrupt_deterministic},
      {"cutout", test_cutout_rectangles},
      {"perlin", test_perlin_smooth_field},
      {"rgb_64", test_rgb_64},
      {"mask_ascends", test_mask_ascends_and_keeps_budget},
      {"adversarial", test_adversarial_fgsm_and_pgd},
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; ++i) {
    TCase *tc = tcase_create(cases[i].name);
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, cases[i].t);
    tcase_set_timeout(tc, 300);
    suite_add_tcase(s, tc);
  }
  TCase *tc = tcase_create("dae_trains");
  tcase_add_checked_fixture(tc, setup, teardown);
  tcase_add_loop_test(tc, test_dae_trains_and_reproduces, 0, NNOISE);
  tcase_set_timeout(tc, 300);
  suite_add_tcase(s, tc);
  return tu_run_suite(s);
}
