/* BatchNorm2d on the CPU: train forward (batch statistics + running-stat
 * update as PyTorch), eval forward, train-mode backward. in/out (N,C,HW).
 * Work is split over channels; each channel's sums run serially in double,
 * so results do not depend on the thread count. */
#include <math.h>
#include <stddef.h>

#include "cpu_ops.h"

/* Below this many elements in total, stay on one thread. */
#define ALCN_BN_PAR_MIN 16384

void alcn_cpu_bn_forward_train(float *out, const float *in, const float *gamma, const float *beta,
                               float *running_mean, float *running_var, float *save_mean,
                               float *save_invstd, const alcn_bn_dims *d) {
  const int N = d->N, C = d->C, HW = d->HW;
  const size_t cnt = (size_t)N * HW, total = cnt * C;
#pragma omp parallel for schedule(static) if (total > ALCN_BN_PAR_MIN)
  for (int c = 0; c < C; ++c) {
    double s = 0.0;
    for (int n = 0; n < N; ++n) {
      const float *x = in + ((size_t)n * C + c) * HW;
      for (int i = 0; i < HW; ++i) s += x[i];
    }
    const double mean = s / (double)cnt;
    double sq = 0.0; /* two-pass biased variance */
    for (int n = 0; n < N; ++n) {
      const float *x = in + ((size_t)n * C + c) * HW;
      for (int i = 0; i < HW; ++i) {
        double t = x[i] - mean;
        sq += t * t;
      }
    }
    const double var = sq / (double)cnt;
    const double invstd = 1.0 / sqrt(var + (double)d->eps);
    const float g = gamma ? gamma[c] : 1.0f, bt = beta ? beta[c] : 0.0f;
    const float scl = (float)(invstd * g), sh = (float)((double)bt - mean * invstd * g);
    for (int n = 0; n < N; ++n) {
      const float *x = in + ((size_t)n * C + c) * HW;
      float *y = out + ((size_t)n * C + c) * HW;
      for (int i = 0; i < HW; ++i) y[i] = x[i] * scl + sh;
    }
    if (save_mean) save_mean[c] = (float)mean;
    if (save_invstd) save_invstd[c] = (float)invstd;
    if (running_mean && running_var) {
      /* PyTorch: unbiased variance for the running estimate (count > 1). */
      const double unbiased = cnt > 1 ? var * (double)cnt / (double)(cnt - 1) : var;
      const double m = d->momentum;
      running_mean[c] = (float)((1.0 - m) * running_mean[c] + m * mean);
      running_var[c] = (float)((1.0 - m) * running_var[c] + m * unbiased);
    }
  }
}

void alcn_cpu_bn_forward_eval(float *out, const float *in, const float *gamma, const float *beta,
                              const float *running_mean, const float *running_var, const alcn_bn_dims *d) {
  const int N = d->N, C = d->C, HW = d->HW;
  const size_t total = (size_t)N * HW * C;
#pragma omp parallel for collapse(2) schedule(static) if (total > ALCN_BN_PAR_MIN)
  for (int n = 0; n < N; ++n) {
    for (int c = 0; c < C; ++c) {
      const double invstd = 1.0 / sqrt((double)running_var[c] + (double)d->eps);
      const float g = gamma ? gamma[c] : 1.0f, bt = beta ? beta[c] : 0.0f;
      const float scl = (float)(invstd * g), sh = (float)((double)bt - running_mean[c] * invstd * g);
      const float *x = in + ((size_t)n * C + c) * HW;
      float *y = out + ((size_t)n * C + c) * HW;
      for (int i = 0; i < HW; ++i) y[i] = x[i] * scl + sh;
    }
  }
}

/* With xh = (x-mean)*invstd and M = N*HW per channel:
 *   dbeta += sum dout, dgamma += sum dout*xh,
 *   din = gamma*invstd/M * (M*dout - sum dout - xh * sum dout*xh). */
void alcn_cpu_bn_backward(float *din, float *dgamma, float *dbeta, const float *dout, const float *in,
                          const float *gamma, const float *save_mean, const float *save_invstd,
                          const alcn_bn_dims *d) {
  const int N = d->N, C = d->C, HW = d->HW;
  const size_t cnt = (size_t)N * HW, total = cnt * C;
#pragma omp parallel for schedule(static) if (total > ALCN_BN_PAR_MIN)
  for (int c = 0; c < C; ++c) {
    const double mean = save_mean[c], invstd = save_invstd[c];
    double sdy = 0.0, sdyxh = 0.0;
    for (int n = 0; n < N; ++n) {
      const float *x = in + ((size_t)n * C + c) * HW, *dy = dout + ((size_t)n * C + c) * HW;
      for (int i = 0; i < HW; ++i) {
        sdy += dy[i];
        sdyxh += dy[i] * ((x[i] - mean) * invstd);
      }
    }
    if (dbeta) dbeta[c] += (float)sdy;
    if (dgamma) dgamma[c] += (float)sdyxh;
    if (!din) continue;
    const double g = gamma ? gamma[c] : 1.0;
    const double k = g * invstd, mdy = sdy / (double)cnt, mdyxh = sdyxh / (double)cnt;
    for (int n = 0; n < N; ++n) {
      const float *x = in + ((size_t)n * C + c) * HW, *dy = dout + ((size_t)n * C + c) * HW;
      float *dx = din + ((size_t)n * C + c) * HW;
      for (int i = 0; i < HW; ++i) {
        const double xh = (x[i] - mean) * invstd;
        dx[i] = (float)(k * (dy[i] - mdy - xh * mdyxh));
      }
    }
  }
}
