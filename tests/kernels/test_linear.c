/* Suite "linear": Linear forward against a plain loop (batch 1, a
 * matrix-vector product, included, over several output blocks), finite-difference
 * checks of every gradient on odd random shapes, += accumulation of the
 * parameter gradients and NULL gradients skipped. */
#include <check.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "cpu_ops.h"
#include "test_util.h"

typedef struct lin_ctx {
  float *in, *w, *b, *out, *r;
  int N, I, O;
} lin_ctx;

/* f = sum_j r_j * out_j */
static double lin_objective(void *p) {
  lin_ctx *c = p;
  alcn_cpu_linear_forward(c->out, c->in, c->w, c->b, c->N, c->I, c->O);
  double s = 0.0;
  for (int j = 0; j < c->N * c->O; ++j) s += (double)c->r[j] * c->out[j];
  return s;
}

static float *fz(size_t n) { return calloc(n ? n : 1, sizeof(float)); }

/* loop index _i: (N,I,O) in {(5,7,3), (1,7,3), (1,256,1300)}: the last as
 * the noise generator's first layer at batch 1, three output blocks */
START_TEST(test_forward_matches_loop) {
  static const int shapes[3][3] = {{5, 7, 3}, {1, 7, 3}, {1, 256, 1300}};
  const int N = shapes[_i][0], I = shapes[_i][1], O = shapes[_i][2];
  float *in = fz(N * I), *w = fz(O * I), *b = fz(O), *out = fz(N * O), *ref = fz(N * O);
  tu_fill_uniform(in, N * I, 1, -1, 1);
  tu_fill_uniform(w, O * I, 2, -1, 1);
  tu_fill_uniform(b, O, 3, -1, 1);
  for (int n = 0; n < N; ++n)
    for (int o = 0; o < O; ++o) {
      double s = b[o];
      for (int i = 0; i < I; ++i) s += (double)in[n * I + i] * w[o * I + i];
      ref[n * O + o] = (float)s;
    }
  alcn_cpu_linear_forward(out, in, w, b, N, I, O);
  ck_assert_double_le(tu_max_abs_diff(out, ref, N * O), 1e-5);
  /* no bias */
  alcn_cpu_linear_forward(out, in, w, NULL, N, I, O);
  for (int j = 0; j < N * O; ++j) ck_assert_float_eq_tol(out[j], ref[j] - b[j % O], 1e-5f);
  free(in); free(w); free(b); free(out); free(ref);
}
END_TEST

/* loop index _i: (N,I,O) in {(3,5,3), (4,9,7), (5,1,5), (7,11,1)} */
START_TEST(test_fd_gradients) {
  static const int shapes[4][3] = {{3, 5, 3}, {4, 9, 7}, {5, 1, 5}, {7, 11, 1}};
  const int N = shapes[_i][0], I = shapes[_i][1], O = shapes[_i][2];
  lin_ctx c = {fz(N * I), fz(O * I), fz(O), fz(N * O), fz(N * O), N, I, O};
  tu_fill_uniform(c.in, N * I, 10 + _i, -1, 1);
  tu_fill_uniform(c.w, O * I, 20 + _i, -1, 1);
  tu_fill_uniform(c.b, O, 30 + _i, -1, 1);
  tu_fill_uniform(c.r, N * O, 40 + _i, -1, 1);
  float *din = fz(N * I), *dw = fz(O * I), *db = fz(O);
  alcn_cpu_linear_backward(din, dw, db, c.r, c.in, c.w, N, I, O);
  ck_assert_double_le(tu_fd_check(c.in, N * I, din, lin_objective, &c, 1e-2f, 200, 1e-2), 1e-3);
  ck_assert_double_le(tu_fd_check(c.w, O * I, dw, lin_objective, &c, 1e-2f, 200, 1e-2), 1e-3);
  ck_assert_double_le(tu_fd_check(c.b, O, db, lin_objective, &c, 1e-2f, 200, 1e-2), 1e-3);
  free(c.in); free(c.w); free(c.b); free(c.out); free(c.r); free(din); free(dw); free(db);
}
END_TEST

START_TEST(test_accumulate_and_null) {
  const int N = 3, I = 5, O = 7;
  float *in = fz(N * I), *w = fz(O * I), *dout = fz(N * O);
  tu_fill_uniform(in, N * I, 5, -1, 1);
  tu_fill_uniform(w, O * I, 6, -1, 1);
  tu_fill_uniform(dout, N * O, 7, -1, 1);
  float *din = fz(N * I), *dw = fz(O * I), *db = fz(O), *din2 = fz(N * I), *dw2 = fz(O * I), *db2 = fz(O);
  alcn_cpu_linear_backward(din, dw, db, dout, in, w, N, I, O);
  /* parameter grads accumulate: start from 0.5 and run twice */
  for (int j = 0; j < O * I; ++j) dw2[j] = 0.5f;
  for (int j = 0; j < O; ++j) db2[j] = 0.5f;
  alcn_cpu_linear_backward(NULL, dw2, db2, dout, in, w, N, I, O);
  alcn_cpu_linear_backward(NULL, dw2, db2, dout, in, w, N, I, O);
  for (int j = 0; j < O * I; ++j) ck_assert_float_eq_tol(dw2[j], 0.5f + 2 * dw[j], 1e-5f);
  for (int j = 0; j < O; ++j) ck_assert_float_eq_tol(db2[j], 0.5f + 2 * db[j], 1e-5f);
  /* the input grad is written (=), not accumulated, and needs no param grads */
  for (int j = 0; j < N * I; ++j) din2[j] = 100.0f;
  alcn_cpu_linear_backward(din2, NULL, NULL, dout, in, w, N, I, O);
  ck_assert_double_le(tu_max_abs_diff(din2, din, N * I), 1e-6);
  free(in); free(w); free(dout); free(din); free(dw); free(db); free(din2); free(dw2); free(db2);
}
END_TEST

int main(void) {
  Suite *s = suite_create("linear");
  TCase *tc = tcase_create("linear");
  tcase_add_loop_test(tc, test_forward_matches_loop, 0, 3);
  tcase_add_loop_test(tc, test_fd_gradients, 0, 4);
  tcase_add_test(tc, test_accumulate_and_null);
  suite_add_tcase(s, tc);
  return tu_run_suite(s);
}
