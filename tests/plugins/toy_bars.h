/* Test helper of the method suites of issue 15 (vae, dsvdd): the toy data set
 * of bars (normal: a bright horizontal bar at a random row; anomalous: a
 * vertical one at a random column, as test_dae.c), an epoch loop that calls
 * the epoch hooks with the real epoch index as the host does
 * (bench/harness/train_loop.c), and the AUROC of a method on a fresh
 * balanced test set. */
#ifndef ALCN_TEST_TOY_BARS_H
#define ALCN_TEST_TOY_BARS_H

#include <check.h>
#include <math.h>
#include <stdint.h>

#include "alcn/metrics.h"
#include "alcn/plugin.h"
#include "alcn/rng.h"

static inline void tb_image(float *img, int H, int W, int anomalous, uint64_t seed) {
  float u[2];
  alcn_rng_uniform(u, 2, seed, 0, 0.f, 1.f);
  int pos = 4 + (int)(u[0] * (float)(H - 8));
  for (int r = 0; r < H; ++r)
    for (int q = 0; q < W; ++q) {
      int d = anomalous ? q - pos : r - pos;
      img[r * W + q] = expf(-(float)(d * d) / 4.0f) + 0.05f * u[1];
    }
}

/* One epoch (index `epoch`) over x (n images of D floats) in batches of B;
 * returns the image-weighted mean loss, *events the sum of stats.events. */
static inline double tb_epoch(const alcn_method_desc *m, void *st, const float *x, int n, int B, int D, int epoch,
                              uint64_t *step, int *events) {
  double sum = 0.0;
  int ev = 0;
  if (m->epoch_begin) ck_assert_msg(m->epoch_begin(st, epoch) == ALCN_OK, "%s", alcn_last_error());
  for (int at = 0; at < n; at += B) {
    int b = n - at < B ? n - at : B;
    alcn_step_stats ss = {0.0, 0.0, 0, 0};
    ck_assert_msg(m->train_step(st, x + (size_t)at * D, b, (*step)++, &ss) == ALCN_OK, "%s", alcn_last_error());
    ck_assert_msg(isfinite(ss.loss), "loss %g", ss.loss);
    sum += ss.loss * b;
    ev += ss.events;
  }
  if (m->epoch_end) ck_assert_msg(m->epoch_end(st, epoch) == ALCN_OK, "%s", alcn_last_error());
  if (events) *events = ev;
  return sum / n;
}

/* AUROC on NT fresh images (half anomalous), scored in batches of B; the
 * scores go to scores_out (NT floats) when not NULL. */
static inline double tb_auroc(const alcn_method_desc *m, void *st, int H, int W, int B, float *scores_out) {
  enum { NT = 32 };
  static float x[NT * 64 * 64];
  float scores[NT];
  int labels[NT];
  const int D = H * W;
  ck_assert_int_le(D, 64 * 64);
  for (int i = 0; i < NT; ++i) {
    labels[i] = i % 2;
    tb_image(x + (size_t)i * D, H, W, labels[i], 5000 + (uint64_t)i);
  }
  for (int i = 0; i < NT; i += B) {
    int b = NT - i < B ? NT - i : B;
    ck_assert_msg(m->score(st, x + (size_t)i * D, b, scores + i) == ALCN_OK, "%s", alcn_last_error());
  }
  for (int i = 0; i < NT; ++i) ck_assert_msg(isfinite(scores[i]), "score %d = %g", i, scores[i]);
  if (scores_out)
    for (int i = 0; i < NT; ++i) scores_out[i] = scores[i];
  double auc;
  ck_assert_int_eq(alcn_auroc(scores, labels, NT, &auc), ALCN_OK);
  return auc;
}

#endif
