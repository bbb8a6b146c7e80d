/* Element-wise activations (ReLU, LeakyReLU, Sigmoid, Tanh) and their
 * backward, expressed through the forward's output (ops.h). */
#include <math.h>
#include <stddef.h>

#include "alcn/ops.h"

/* Below this many elements the OpenMP fork costs more than it saves. */
#define ALCN_ACT_PAR_MIN 32768

static inline float alcn_sigmoidf(float x) {
  /* stable for large |x|: never exp of a large positive number */
  if (x >= 0.0f) return 1.0f / (1.0f + expf(-x));
  float e = expf(x);
  return e / (1.0f + e);
}

void alcn_cpu_act_forward(float *out, const float *in, size_t n, alcn_act act, float slope) {
  ptrdiff_t len = (ptrdiff_t)n;
  switch (act) {
    case ALCN_ACT_RELU:
#pragma omp parallel for schedule(static) if (n > ALCN_ACT_PAR_MIN)
      for (ptrdiff_t i = 0; i < len; ++i) out[i] = in[i] > 0.0f ? in[i] : 0.0f;
      break;
    case ALCN_ACT_LRELU:
#pragma omp parallel for schedule(static) if (n > ALCN_ACT_PAR_MIN)
      for (ptrdiff_t i = 0; i < len; ++i) out[i] = in[i] > 0.0f ? in[i] : slope * in[i];
      break;
    case ALCN_ACT_SIGMOID:
#pragma omp parallel for schedule(static) if (n > ALCN_ACT_PAR_MIN)
      for (ptrdiff_t i = 0; i < len; ++i) out[i] = alcn_sigmoidf(in[i]);
      break;
    case ALCN_ACT_TANH:
#pragma omp parallel for schedule(static) if (n > ALCN_ACT_PAR_MIN)
      for (ptrdiff_t i = 0; i < len; ++i) out[i] = tanhf(in[i]);
      break;
  }
}

/* As PyTorch: ReLU passes the gradient where out > 0; LeakyReLU (slope > 0)
 * where out > 0, else slope * dout; sigmoid out(1-out); tanh 1-out^2. */
void alcn_cpu_act_backward(float *din, const float *dout, const float *out, size_t n, alcn_act act,
                           float slope) {
  ptrdiff_t len = (ptrdiff_t)n;
  switch (act) {
    case ALCN_ACT_RELU:
#pragma omp parallel for schedule(static) if (n > ALCN_ACT_PAR_MIN)
      for (ptrdiff_t i = 0; i < len; ++i) din[i] = out[i] > 0.0f ? dout[i] : 0.0f;
      break;
    case ALCN_ACT_LRELU:
#pragma omp parallel for schedule(static) if (n > ALCN_ACT_PAR_MIN)
      for (ptrdiff_t i = 0; i < len; ++i) din[i] = out[i] > 0.0f ? dout[i] : slope * dout[i];
      break;
    case ALCN_ACT_SIGMOID:
#pragma omp parallel for schedule(static) if (n > ALCN_ACT_PAR_MIN)
      for (ptrdiff_t i = 0; i < len; ++i) din[i] = dout[i] * out[i] * (1.0f - out[i]);
      break;
    case ALCN_ACT_TANH:
#pragma omp parallel for schedule(static) if (n > ALCN_ACT_PAR_MIN)
      for (ptrdiff_t i = 0; i < len; ++i) din[i] = dout[i] * (1.0f - out[i] * out[i]);
      break;
  }
}
