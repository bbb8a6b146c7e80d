/* Point-wise losses (MSE, L1, BCE with logits) and the per-image squared
 * error score on the CPU (ops.h). Reductions are deterministic: the elements
 * are cut into blocks whose size depends only on n, each block is summed
 * serially in double, and the block sums are added in order, so the result
 * has the same bits for any thread count. */
#include <math.h>
#include <stddef.h>

#include "cpu_ops.h"

#define ALCN_LOSS_MAX_BLOCKS 256
#define ALCN_LOSS_MIN_BLOCK 8192

/* Sum of the element losses of pred[lo,hi); writes gradients g = k * dl/dp there. */
static double alcn_block_loss(alcn_loss_kind kind, float *dpred, const float *pred, const float *target,
                              size_t lo, size_t hi, float k) {
  double s = 0.0;
  switch (kind) {
    case ALCN_LOSS_MSE:
      for (size_t i = lo; i < hi; ++i) {
        float e = pred[i] - target[i];
        s += (double)e * e;
        if (dpred) dpred[i] = 2.0f * k * e;
      }
      break;
    case ALCN_LOSS_L1:
      for (size_t i = lo; i < hi; ++i) {
        float e = pred[i] - target[i];
        s += fabsf(e);
        /* sign(0) = 0, as PyTorch */
        if (dpred) dpred[i] = e > 0.0f ? k : (e < 0.0f ? -k : 0.0f);
      }
      break;
    case ALCN_LOSS_BCE_LOGITS:
      for (size_t i = lo; i < hi; ++i) {
        /* l = max(x,0) - x t + log(1 + exp(-|x|)): finite for any logit */
        float x = pred[i], t = target[i];
        float e = expf(-fabsf(x));
        s += (double)(fmaxf(x, 0.0f) - x * t) + (double)log1pf(e);
        if (dpred) {
          float sig = x >= 0.0f ? 1.0f / (1.0f + e) : e / (1.0f + e);
          dpred[i] = k * (sig - t);
        }
      }
      break;
    default:
      break;
  }
  return s;
}

static float alcn_pointwise_loss(alcn_loss_kind kind, float *dpred, const float *pred, const float *target,
                                 size_t n, float scale) {
  if (n == 0) return 0.0f;
  size_t bs = (n + ALCN_LOSS_MAX_BLOCKS - 1) / ALCN_LOSS_MAX_BLOCKS;
  if (bs < ALCN_LOSS_MIN_BLOCK) bs = ALCN_LOSS_MIN_BLOCK;
  const int nb = (int)((n + bs - 1) / bs);
  const float k = (float)((double)scale / (double)n);
  double part[ALCN_LOSS_MAX_BLOCKS];
#pragma omp parallel for schedule(static) if (nb > 1)
  for (int b = 0; b < nb; ++b) {
    size_t lo = (size_t)b * bs, hi = lo + bs < n ? lo + bs : n;
    part[b] = alcn_block_loss(kind, dpred, pred, target, lo, hi, k);
  }
  double s = 0.0;
  for (int b = 0; b < nb; ++b) s += part[b];
  return (float)(s / (double)n);
}

float alcn_cpu_mse_loss(float *dpred, const float *pred, const float *target, size_t n, float scale) {
  return alcn_pointwise_loss(ALCN_LOSS_MSE, dpred, pred, target, n, scale);
}

float alcn_cpu_l1_loss(float *dpred, const float *pred, const float *target, size_t n, float scale) {
  return alcn_pointwise_loss(ALCN_LOSS_L1, dpred, pred, target, n, scale);
}

float alcn_cpu_bce_logits_loss(float *dpred, const float *pred, const float *target, size_t n, float scale) {
  return alcn_pointwise_loss(ALCN_LOSS_BCE_LOGITS, dpred, pred, target, n, scale);
}

/* scores (N) = mean over D of (a-b)^2 per image; a, b (N,D). */
void alcn_cpu_sq_err_per_image(float *scores, const float *a, const float *b, int N, int D) {
#pragma omp parallel for schedule(static) if ((size_t)N * D > 65536)
  for (int n = 0; n < N; ++n) {
    const float *x = a + (size_t)n * D, *y = b + (size_t)n * D;
    double s = 0.0;
    for (int i = 0; i < D; ++i) {
      double e = (double)x[i] - (double)y[i];
      s += e * e;
    }
    scores[n] = D > 0 ? (float)(s / D) : 0.0f;
  }
}
