/* Suite "act": ReLU, LeakyReLU, Sigmoid, Tanh forward values, saturation,
 * in-place use, and finite-difference checks of the backward (computed from
 * the forward's output), on every CPU path this machine has (portable, avx2,
 * avx512); each path's forward and backward equal plain reference loops bit
 * for bit (signed zeros, huge logits included), with 1 and 2 threads above
 * the OpenMP threshold. */
#include "isa_paths.h"

#include <check.h>
#include <math.h>
#include <stdlib.h>

#include "cpu_ops.h"
#include "test_util.h"

enum { NA = 64 };
static const float SLOPE = 0.2f;

typedef struct act_ctx {
  float *in, *out, *r;
  alcn_act act;
} act_ctx;

static double act_objective(void *p) {
  act_ctx *c = p;
  alcn_cpu_act_forward(c->out, c->in, NA, c->act, SLOPE);
  double s = 0.0;
  for (int i = 0; i < NA; ++i) s += (double)c->r[i] * c->out[i];
  return s;
}

/* _i: the CPU path */
START_TEST(test_values) {
  if (!isa_use(_i, "act values")) return;
  const float x[6] = {-3.0f, -0.5f, 0.0f, 0.5f, 2.0f, -100.0f};
  float y[6];
  alcn_cpu_act_forward(y, x, 6, ALCN_ACT_RELU, 0);
  const float relu[6] = {0, 0, 0, 0.5f, 2.0f, 0};
  for (int i = 0; i < 6; ++i) ck_assert_float_eq(y[i], relu[i]);
  alcn_cpu_act_forward(y, x, 6, ALCN_ACT_LRELU, 0.1f);
  const float lrelu[6] = {-0.3f, -0.05f, 0, 0.5f, 2.0f, -10.0f};
  for (int i = 0; i < 6; ++i) ck_assert_float_eq_tol(y[i], lrelu[i], 1e-6f);
  alcn_cpu_act_forward(y, x, 6, ALCN_ACT_SIGMOID, 0);
  const float sig[6] = {0.04742587317f, 0.3775406688f, 0.5f, 0.6224593312f, 0.8807970780f, 3.720076e-44f};
  for (int i = 0; i < 5; ++i) ck_assert_float_eq_tol(y[i], sig[i], 1e-6f);
  ck_assert(isfinite(y[5]) && y[5] >= 0.0f && y[5] < 1e-30f);
  alcn_cpu_act_forward(y, x, 6, ALCN_ACT_TANH, 0);
  const float th[6] = {-0.9950547537f, -0.4621171573f, 0.0f, 0.4621171573f, 0.9640275801f, -1.0f};
  for (int i = 0; i < 6; ++i) ck_assert_float_eq_tol(y[i], th[i], 1e-6f);
  /* sigmoid saturates to exactly 1 without overflow for large logits */
  float big = 100.0f, sb;
  alcn_cpu_act_forward(&sb, &big, 1, ALCN_ACT_SIGMOID, 0);
  ck_assert_float_eq(sb, 1.0f);
  isa_restore();
}
END_TEST

/* _i = 4 * path + activation */
START_TEST(test_fd_backward) {
  if (!isa_use(_i / 4, "act fd_backward")) return;
  _i %= 4;
  act_ctx c = {malloc(NA * sizeof(float)), malloc(NA * sizeof(float)), malloc(NA * sizeof(float)), (alcn_act)_i};
  tu_fill_uniform(c.in, NA, 100 + _i, -2.5f, 2.5f);
  /* keep clear of the kink at 0 for (leaky) ReLU: |x| >= 0.05 */
  for (int i = 0; i < NA; ++i)
    if (fabsf(c.in[i]) < 0.05f) c.in[i] = c.in[i] < 0 ? -0.05f : 0.05f;
  tu_fill_uniform(c.r, NA, 200 + _i, -1, 1);
  float *din = malloc(NA * sizeof(float));
  alcn_cpu_act_forward(c.out, c.in, NA, c.act, SLOPE);
  alcn_cpu_act_backward(din, c.r, c.out, NA, c.act, SLOPE);
  /* in-place backward (din aliases dout) gives the same */
  float *g = malloc(NA * sizeof(float));
  for (int i = 0; i < NA; ++i) g[i] = c.r[i];
  alcn_cpu_act_backward(g, g, c.out, NA, c.act, SLOPE);
  ck_assert_double_eq(tu_max_abs_diff(g, din, NA), 0.0);
  /* in-place forward */
  for (int i = 0; i < NA; ++i) g[i] = c.in[i];
  alcn_cpu_act_forward(g, g, NA, c.act, SLOPE);
  ck_assert_double_eq(tu_max_abs_diff(g, c.out, NA), 0.0);
  /* after the in-place checks: the FD run leaves c.out at a perturbed point */
  ck_assert_double_le(tu_fd_check(c.in, NA, din, act_objective, &c, 1e-3f, NA, 1e-2), 5e-3);
  free(c.in); free(c.out); free(c.r); free(din); free(g);
  isa_restore();
}
END_TEST

START_TEST(test_large_parallel_matches_serial_definition) {
  /* above the OpenMP threshold the result is still element-wise exact */
  enum { NL = 100000 };
  float *x = malloc(NL * sizeof(float)), *y = malloc(NL * sizeof(float));
  tu_fill_uniform(x, NL, 9, -4, 4);
  alcn_cpu_act_forward(y, x, NL, ALCN_ACT_TANH, 0);
  for (int i = 0; i < NL; i += 997) ck_assert_float_eq(y[i], tanhf(x[i]));
  alcn_cpu_act_forward(y, x, NL, ALCN_ACT_LRELU, 0.01f);
  for (int i = 0; i < NL; i += 997) ck_assert_float_eq(y[i], x[i] > 0 ? x[i] : 0.01f * x[i]);
  free(x); free(y);
}
END_TEST

/* The definitions, as plain loops (the reference). */
static float ref_sigmoid(float x) {
  if (x >= 0.0f) return 1.0f / (1.0f + expf(-x));
  const float e = expf(x);
  return e / (1.0f + e);
}
static float ref_fwd(float x, alcn_act act, float slope) {
  switch (act) {
    case ALCN_ACT_RELU: return x > 0.0f ? x : 0.0f;
    case ALCN_ACT_LRELU: return x > 0.0f ? x : slope * x;
    case ALCN_ACT_SIGMOID: return ref_sigmoid(x);
    default: return tanhf(x);
  }
}
static float ref_bwd(float d, float o, alcn_act act, float slope) {
  switch (act) {
    case ALCN_ACT_RELU: return o > 0.0f ? d : 0.0f;
    case ALCN_ACT_LRELU: return o > 0.0f ? d : slope * d;
    case ALCN_ACT_SIGMOID: return d * o * (1.0f - o);
    default: return d * (1.0f - o * o);
  }
}

/* _i = 4 * path + activation: n = 1037 (SIMD blocks and a ragged tail) on
 * one thread, then n = 2^22 + 5 (the OpenMP split) with 1 and 2 threads. */
START_TEST(test_paths_match_definition) {
  const int isa = _i / 4;
  const alcn_act act = (alcn_act)(_i % 4);
  if (!isa_use(isa, "act paths_match_definition")) return;
  isa_set_threads_fn set_threads = isa_find_set_threads();
  ck_assert_msg(set_threads != NULL, "omp_set_num_threads not found");
  const size_t sizes[2] = {1037, ((size_t)1 << 22) + 5};
  for (int k = 0; k < 2; ++k) {
    const size_t n = sizes[k];
    float *x = malloc(n * sizeof(float)), *d = malloc(n * sizeof(float)), *y = malloc(n * sizeof(float));
    float *gx = malloc(n * sizeof(float)), *ry = malloc(n * sizeof(float)), *rg = malloc(n * sizeof(float));
    ck_assert(x && d && y && gx && ry && rg);
    tu_fill_uniform(x, n, 61 + (uint64_t)k, -6, 6);
    tu_fill_uniform(d, n, 71 + (uint64_t)k, -1, 1);
    const float special[8] = {0.0f, -0.0f, 1e-30f, -1e-30f, 90.0f, -90.0f, 1e30f, -1e30f};
    for (int i = 0; i < 8; ++i) x[i * 7] = special[i];
    for (size_t i = 0; i < n; ++i) ry[i] = ref_fwd(x[i], act, SLOPE);
    for (size_t i = 0; i < n; ++i) rg[i] = ref_bwd(d[i], ry[i], act, SLOPE);
    for (int th = 1; th <= (k ? 2 : 1); ++th) {
      set_threads(th);
      alcn_cpu_act_forward(y, x, n, act, SLOPE);
      alcn_cpu_act_backward(gx, d, ry, n, act, SLOPE);
      ck_assert_msg(memcmp(y, ry, n * sizeof(float)) == 0, "%s act %d n %zu: forward differs",
                    alcn_cpu_isa_name((alcn_cpu_isa)isa), (int)act, n);
      ck_assert_msg(memcmp(gx, rg, n * sizeof(float)) == 0, "%s act %d n %zu: backward differs",
                    alcn_cpu_isa_name((alcn_cpu_isa)isa), (int)act, n);
    }
    free(x); free(d); free(y); free(gx); free(ry); free(rg);
  }
  set_threads(2);
  isa_restore();
}
END_TEST

int main(void) {
  Suite *s = suite_create("act");
  TCase *tc = tcase_create("act");
  tcase_set_timeout(tc, 60);
  tcase_add_loop_test(tc, test_values, 0, ALCN_ISA_COUNT);
  tcase_add_loop_test(tc, test_fd_backward, 0, 4 * ALCN_ISA_COUNT);
  tcase_add_loop_test(tc, test_paths_match_definition, 0, 4 * ALCN_ISA_COUNT);
  tcase_add_test(tc, test_large_parallel_matches_serial_definition);
  suite_add_tcase(s, tc);
  return tu_run_suite(s);
}
