/* Adam step on the CPU with PyTorch's (non-fused) semantics: L2 weight decay
 * added to the gradient, bias correction, t counting from 1 (ops.h). */
#include <math.h>
#include <stddef.h>

#include "alcn/ops.h"

void alcn_cpu_adam_step(float *p, const float *g, float *m, float *v, size_t n, const alcn_adam_hparams *h,
                        int t) {
  /* scalars in double, as PyTorch computes them in Python floats */
  const double bc1 = 1.0 - pow((double)h->beta1, t), bc2 = 1.0 - pow((double)h->beta2, t);
  const float step = (float)((double)h->lr / bc1), bc2s = (float)sqrt(bc2);
  const float b1c = 1.0f - h->beta1, b2 = h->beta2, b2c = 1.0f - h->beta2, eps = h->eps, wd = h->weight_decay;
  const ptrdiff_t len = (ptrdiff_t)n;
#pragma omp parallel for schedule(static) if (n > 65536)
  for (ptrdiff_t i = 0; i < len; ++i) {
    float gi = wd != 0.0f ? g[i] + wd * p[i] : g[i];
    float mi = m[i] + b1c * (gi - m[i]); /* lerp, as torch's exp_avg.lerp_ */
    float vi = v[i] * b2 + b2c * gi * gi;
    m[i] = mi;
    v[i] = vi;
    p[i] -= step * (mi / (sqrtf(vi) / bc2s + eps));
  }
}
