/* The VAE's Gaussian posterior on the CPU: the reparameterised sample and the
 * KL divergence to N(0, I) (Kingma and Welling 2014), with their gradients.
 * ml (N, 2L) holds per row mu (L) then log sigma^2 (L); eps (N,L) ~ N(0,1).
 *   z[n,l] = mu + eps * exp(0.5 * logvar)
 *   kl[n]  = 0.5 * sum_l (mu^2 + exp(logvar) - 1 - logvar)   (double sum, l ascending)
 * Backward of J = <dz, z> + kl_scale * sum_n kl[n]:
 *   dmu     = dz + kl_scale * mu
 *   dlogvar = 0.5 * dz * eps * exp(0.5 * logvar) + 0.5 * kl_scale * (exp(logvar) - 1). */
#include <math.h>
#include <stddef.h>

#include "cpu_ops.h"

void alcn_cpu_vae_sample(float *z, float *kl, const float *ml, const float *eps, int N, int L) {
#pragma omp parallel for schedule(static) if ((size_t)N * L >= (1u << 20))
  for (int n = 0; n < N; ++n) {
    const float *mu = ml + (size_t)n * 2 * L, *lv = mu + L;
    double s = 0.0;
    for (int l = 0; l < L; ++l) {
      const float sd = expf(0.5f * lv[l]);
      if (z) z[(size_t)n * L + l] = mu[l] + eps[(size_t)n * L + l] * sd;
      s += (double)(mu[l] * mu[l] + sd * sd - 1.0f - lv[l]);
    }
    if (kl) kl[n] = (float)(0.5 * s);
  }
}

void alcn_cpu_vae_sample_backward(float *dml, const float *dz, const float *ml, const float *eps, int N, int L,
                                  float kl_scale) {
#pragma omp parallel for schedule(static) if ((size_t)N * L >= (1u << 20))
  for (int n = 0; n < N; ++n) {
    const float *mu = ml + (size_t)n * 2 * L, *lv = mu + L;
    float *dmu = dml + (size_t)n * 2 * L, *dlv = dmu + L;
    for (int l = 0; l < L; ++l) {
      const size_t i = (size_t)n * L + l;
      const float sd = expf(0.5f * lv[l]);
      const float g = dz ? dz[i] : 0.0f;
      dmu[l] = g + kl_scale * mu[l];
      dlv[l] = 0.5f * g * eps[i] * sd + 0.5f * kl_scale * (sd * sd - 1.0f);
    }
  }
}
