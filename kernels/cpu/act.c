/* Element-wise activations (ReLU, LeakyReLU, Sigmoid, Tanh) and their
 * backward, expressed through the forward's output (ops.h).
 *
 * Loops are branch-free (selects, so that the compiler vectorises them and a
 * ReLU on random signs does not mispredict). Large arrays are cut into fixed
 * blocks handed out dynamically to the OpenMP threads (robust to a busy
 * core); below ALCN_ACT_PAR_MIN elements one thread does it all, as the fork
 * (up to a scheduler tick on a loaded machine) costs more than it saves for a
 * memory-bound pass. Results do not depend on the split: every element is
 * computed on its own.
 *
 * Each range body is compiled for every CPU path (portable, AVX2, AVX-512;
 * cpu_isa.h) and the active path's copy runs. The operations are exact per
 * element (selects, and libm's expf/tanhf called per element), so every path
 * gives bitwise the same numbers. */
#include <math.h>
#include <stddef.h>

#include "cpu_isa.h"
#include "cpu_ops.h"

#define ALCN_ACT_PAR_MIN ((size_t)1 << 18)
#define ALCN_ACT_BLOCK ((ptrdiff_t)1 << 16)

static inline float alcn_sigmoidf(float x) {
  /* stable for large |x|: never exp of a large positive number */
  if (x >= 0.0f) return 1.0f / (1.0f + expf(-x));
  float e = expf(x);
  return e / (1.0f + e);
}

/* out[i0..i1) = act(in[i0..i1)) */
static inline ALCN_ISA_BODY void act_fwd_body(float *out, const float *in, ptrdiff_t i0, ptrdiff_t i1, alcn_act act, float slope) {
  switch (act) {
    case ALCN_ACT_RELU:
      for (ptrdiff_t i = i0; i < i1; ++i) {
        const float x = in[i];
        out[i] = x > 0.0f ? x : 0.0f;
      }
      break;
    case ALCN_ACT_LRELU:
      for (ptrdiff_t i = i0; i < i1; ++i) {
        const float x = in[i], xs = slope * x;
        out[i] = x > 0.0f ? x : xs;
      }
      break;
    case ALCN_ACT_SIGMOID:
      for (ptrdiff_t i = i0; i < i1; ++i) out[i] = alcn_sigmoidf(in[i]);
      break;
    case ALCN_ACT_TANH:
      for (ptrdiff_t i = i0; i < i1; ++i) out[i] = tanhf(in[i]);
      break;
  }
}

/* din[i0..i1) from dout and the forward's out */
static inline ALCN_ISA_BODY void act_bwd_body(float *din, const float *dout, const float *out, ptrdiff_t i0, ptrdiff_t i1,
                          alcn_act act, float slope) {
  switch (act) {
    case ALCN_ACT_RELU:
      for (ptrdiff_t i = i0; i < i1; ++i) {
        const float o = out[i], d = dout[i];
        din[i] = o > 0.0f ? d : 0.0f;
      }
      break;
    case ALCN_ACT_LRELU:
      for (ptrdiff_t i = i0; i < i1; ++i) {
        const float o = out[i], d = dout[i], ds = slope * d;
        din[i] = o > 0.0f ? d : ds;
      }
      break;
    case ALCN_ACT_SIGMOID:
      for (ptrdiff_t i = i0; i < i1; ++i) {
        const float o = out[i];
        din[i] = dout[i] * o * (1.0f - o);
      }
      break;
    case ALCN_ACT_TANH:
      for (ptrdiff_t i = i0; i < i1; ++i) {
        const float o = out[i];
        din[i] = dout[i] * (1.0f - o * o);
      }
      break;
  }
}

ALCN_ISA_VARIANTS(act_fwd, (float *out, const float *in, ptrdiff_t i0, ptrdiff_t i1, alcn_act act, float slope),
                  (out, in, i0, i1, act, slope))
ALCN_ISA_VARIANTS(act_bwd,
                  (float *din, const float *dout, const float *out, ptrdiff_t i0, ptrdiff_t i1, alcn_act act,
                   float slope),
                  (din, dout, out, i0, i1, act, slope))

static void act_fwd_range(float *out, const float *in, ptrdiff_t i0, ptrdiff_t i1, alcn_act act, float slope) {
  ALCN_ISA_CALL(act_fwd, (out, in, i0, i1, act, slope));
}
static void act_bwd_range(float *din, const float *dout, const float *out, ptrdiff_t i0, ptrdiff_t i1,
                          alcn_act act, float slope) {
  ALCN_ISA_CALL(act_bwd, (din, dout, out, i0, i1, act, slope));
}

void alcn_cpu_epi_forward(float *x, size_t n, const alcn_cpu_epi *e) {
  act_fwd_range(x, x, 0, (ptrdiff_t)n, e->act, e->slope);
}
void alcn_cpu_epi_backward(float *dx, const float *mask, size_t n, const alcn_cpu_epi *e) {
  act_bwd_range(dx, dx, mask, 0, (ptrdiff_t)n, e->act, e->slope);
}

void alcn_cpu_act_forward(float *out, const float *in, size_t n, alcn_act act, float slope) {
  const ptrdiff_t len = (ptrdiff_t)n;
  if (n < ALCN_ACT_PAR_MIN) {
    act_fwd_range(out, in, 0, len, act, slope);
    return;
  }
  const ptrdiff_t nb = (len + ALCN_ACT_BLOCK - 1) / ALCN_ACT_BLOCK;
#pragma omp parallel for schedule(dynamic, 1)
  for (ptrdiff_t b = 0; b < nb; ++b) {
    const ptrdiff_t i0 = b * ALCN_ACT_BLOCK, i1 = i0 + ALCN_ACT_BLOCK < len ? i0 + ALCN_ACT_BLOCK : len;
    act_fwd_range(out, in, i0, i1, act, slope);
  }
}

/* As PyTorch: ReLU passes the gradient where out > 0; LeakyReLU (slope > 0)
 * where out > 0, else slope * dout; sigmoid out(1-out); tanh 1-out^2. */
void alcn_cpu_act_backward(float *din, const float *dout, const float *out, size_t n, alcn_act act,
                           float slope) {
  const ptrdiff_t len = (ptrdiff_t)n;
  if (n < ALCN_ACT_PAR_MIN) {
    act_bwd_range(din, dout, out, 0, len, act, slope);
    return;
  }
  const ptrdiff_t nb = (len + ALCN_ACT_BLOCK - 1) / ALCN_ACT_BLOCK;
#pragma omp parallel for schedule(dynamic, 1)
  for (ptrdiff_t b = 0; b < nb; ++b) {
    const ptrdiff_t i0 = b * ALCN_ACT_BLOCK, i1 = i0 + ALCN_ACT_BLOCK < len ? i0 + ALCN_ACT_BLOCK : len;
    act_bwd_range(din, dout, out, i0, i1, act, slope);
  }
}
