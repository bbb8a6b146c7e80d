/* Suite "elementwise": the per-sample blend on hand values, its y-gradient
 * against finite differences, axpby (beta = 0 does not read y), and
 * salt-and-pepper on hand values and on a batch through the OpenMP path;
 * on every CPU path this machine has (portable, avx2, avx512) the blend, its
 * gradient, axpby and salt-and-pepper equal plain reference loops bit for
 * bit, with 1 and 2 threads above the OpenMP threshold. */
#include "isa_paths.h"

#include <check.h>
#include <math.h>
#include <stdlib.h>

#include "cpu_ops.h"
#include "test_util.h"

/* _i: the CPU path */
START_TEST(test_blend_hand) {
  if (!isa_use(_i, "elementwise blend_hand")) return;
  /* N=2, D=3: out[n] = a[n] x[n] + (1-a[n]) y[n] */
  const float x[6] = {1, 2, 3, 4, 5, 6}, y[6] = {10, 20, 30, -4, -5, -6}, a[2] = {0.25f, 1.0f};
  float out[6], dy[6];
  alcn_cpu_blend(out, x, y, a, 2, 3);
  const float e[6] = {7.75f, 15.5f, 23.25f, 4, 5, 6};
  for (int i = 0; i < 6; ++i) ck_assert_float_eq_tol(out[i], e[i], 1e-6f);
  const float dout[6] = {1, -2, 3, 4, 5, 6};
  alcn_cpu_blend_backward_y(dy, dout, a, 2, 3);
  const float ed[6] = {0.75f, -1.5f, 2.25f, 0, 0, 0};
  for (int i = 0; i < 6; ++i) ck_assert_float_eq_tol(dy[i], ed[i], 1e-7f);
  /* in place: out aliases y */
  float yy[6];
  for (int i = 0; i < 6; ++i) yy[i] = y[i];
  alcn_cpu_blend(yy, x, yy, a, 2, 3);
  for (int i = 0; i < 6; ++i) ck_assert_float_eq(yy[i], out[i]);
  isa_restore();
}
END_TEST

typedef struct bl_ctx { float *x, *y, *a, *out, *r; int N, D; } bl_ctx;

static double bl_objective(void *p) {
  bl_ctx *c = p;
  alcn_cpu_blend(c->out, c->x, c->y, c->a, c->N, c->D);
  double s = 0;
  for (int i = 0; i < c->N * c->D; ++i) s += (double)c->r[i] * c->out[i];
  return s;
}

START_TEST(test_blend_backward_fd) {
  enum { N = 5, D = 9 };
  float x[N * D], y[N * D], a[N], out[N * D], r[N * D], dy[N * D];
  tu_fill_uniform(x, N * D, 1, -1, 1);
  tu_fill_uniform(y, N * D, 2, -1, 1);
  tu_fill_uniform(a, N, 3, 0.2f, 0.9f);
  tu_fill_uniform(r, N * D, 4, -1, 1);
  bl_ctx c = {x, y, a, out, r, N, D};
  alcn_cpu_blend_backward_y(dy, r, a, N, D);
  ck_assert_double_le(tu_fd_check(y, N * D, dy, bl_objective, &c, 1e-2f, N * D, 1e-2), 1e-3);
}
END_TEST

/* _i: the CPU path */
START_TEST(test_axpby) {
  if (!isa_use(_i, "elementwise axpby")) return;
  float y[4] = {1, 2, 3, 4};
  const float x[4] = {1, 1, 2, 2};
  alcn_cpu_axpby(y, x, 4, 2.0f, 0.5f);
  const float e[4] = {2.5f, 3, 5.5f, 6};
  for (int i = 0; i < 4; ++i) ck_assert_float_eq(y[i], e[i]);
  /* beta = 0: y is overwritten even when it holds NaN */
  float yn[4] = {NAN, NAN, INFINITY, 1};
  alcn_cpu_axpby(yn, x, 4, -1.0f, 0.0f);
  for (int i = 0; i < 4; ++i) ck_assert_float_eq(yn[i], -x[i]);
  /* large n through the OpenMP path */
  enum { NL = 200000 };
  float *xl = malloc(NL * sizeof(float)), *yl = malloc(NL * sizeof(float));
  tu_fill_uniform(xl, NL, 5, -1, 1);
  for (int i = 0; i < NL; ++i) yl[i] = 1.0f;
  alcn_cpu_axpby(yl, xl, NL, 3.0f, -1.0f);
  for (int i = 0; i < NL; i += 1013) ck_assert_float_eq(yl[i], 3.0f * xl[i] - 1.0f);
  free(xl); free(yl);
  isa_restore();
}
END_TEST

/* _i: the CPU path */
START_TEST(test_salt_pepper_hand) {
  if (!isa_use(_i, "elementwise salt_pepper_hand")) return;
  /* N=2, D=4, rate 0.4: u < 0.2 -> image min, u < 0.4 -> image max, else x */
  const float x[8] = {0.5f, -1.0f, 2.0f, 0.25f, 3, 3, 3, 3};
  const float u[8] = {0.1f, 0.3f, 0.9f, 0.2f, 0.0f, 0.39f, 0.4f, 0.99f};
  const float e[8] = {-1.0f, 2.0f, 2.0f, 2.0f, 3, 3, 3, 3};
  float out[8], noise[8];
  alcn_cpu_salt_pepper(out, noise, x, u, 2, 4, 0.4f);
  for (int i = 0; i < 8; ++i) {
    ck_assert_float_eq(out[i], e[i]);
    ck_assert_float_eq(noise[i], e[i] - x[i]);
  }
  /* rate 0 leaves the image alone; noise may be NULL */
  alcn_cpu_salt_pepper(out, NULL, x, u, 2, 4, 0.0f);
  for (int i = 0; i < 8; ++i) ck_assert_float_eq(out[i], x[i]);
  isa_restore();
}
END_TEST

/* 1200 images of 3x32x32 (above the parallel threshold): the replaced
 * fraction is the rate, half salt and half pepper, every image's extremes. */
START_TEST(test_salt_pepper_batch) {
  enum { N = 1200, D = 3 * 32 * 32 };
  const size_t n = (size_t)N * D;
  float *x = malloc(n * sizeof *x), *u = malloc(n * sizeof *u), *out = malloc(n * sizeof *out);
  ck_assert(x && u && out);
  tu_fill_uniform(x, n, 41, -2, 2);
  tu_fill_uniform(u, n, 42, 0, 1);
  alcn_cpu_salt_pepper(out, NULL, x, u, N, D, 0.1f);
  /* one assertion at the end: Check marks every ck_assert through a pipe, 3.7 M of them take minutes */
  size_t salt = 0, pepper = 0, wrong = 0, first_wrong = 0;
  for (int i = 0; i < N; ++i) {
    const float *xi = x + (size_t)i * D, *oi = out + (size_t)i * D, *ui = u + (size_t)i * D;
    float lo = xi[0], hi = xi[0];
    for (int j = 1; j < D; ++j) {
      lo = xi[j] < lo ? xi[j] : lo;
      hi = xi[j] > hi ? xi[j] : hi;
    }
    for (int j = 0; j < D; ++j) {
      const float want = ui[j] < 0.05f ? lo : (ui[j] < 0.1f ? hi : xi[j]);
      if (oi[j] != want && !wrong++) first_wrong = (size_t)i * D + (size_t)j;
      pepper += ui[j] < 0.05f;
      salt += ui[j] >= 0.05f && ui[j] < 0.1f;
    }
  }
  ck_assert_msg(wrong == 0, "%zu of %zu values differ from the reference, the first at %zu", wrong, n, first_wrong);
  ck_assert_double_eq_tol((double)pepper / (double)n, 0.05, 0.002);
  ck_assert_double_eq_tol((double)salt / (double)n, 0.05, 0.002);
  free(x);
  free(u);
  free(out);
}
END_TEST

/* _i: the CPU path. Small (N=7, D=37: SIMD blocks and ragged tails) and
 * large (N=1100, D=3*32*32 > 2^22 elements: the OpenMP split) batches. */
START_TEST(test_paths_match_definition) {
  if (!isa_use(_i, "elementwise paths_match_definition")) return;
  isa_set_threads_fn set_threads = isa_find_set_threads();
  ck_assert_msg(set_threads != NULL, "omp_set_num_threads not found");
  const int Ns[2] = {7, 1100}, Ds[2] = {37, 3 * 32 * 32};
  const float rate = 0.1f;
  for (int k = 0; k < 2; ++k) {
    const int N = Ns[k], D = Ds[k];
    const size_t n = (size_t)N * D;
    float *x = malloc(n * 4), *y = malloc(n * 4), *a = malloc((size_t)N * 4), *u = malloc(n * 4);
    float *o = malloc(n * 4), *r = malloc(n * 4), *o2 = malloc(n * 4), *r2 = malloc(n * 4);
    ck_assert(x && y && a && u && o && r && o2 && r2);
    tu_fill_uniform(x, n, 81 + (uint64_t)k, -2, 2);
    tu_fill_uniform(y, n, 83 + (uint64_t)k, -2, 2);
    tu_fill_uniform(a, (size_t)N, 85 + (uint64_t)k, 0.2f, 0.9f);
    tu_fill_uniform(u, n, 87 + (uint64_t)k, 0, 1);
    for (int th = 1; th <= (k ? 2 : 1); ++th) {
      set_threads(th);
      const char *path = alcn_cpu_isa_name((alcn_cpu_isa)_i);
      /* blend and its y-gradient */
      alcn_cpu_blend(o, x, y, a, N, D);
      for (int i = 0; i < N; ++i)
        for (int j = 0; j < D; ++j) {
          const size_t e = (size_t)i * D + j;
          r[e] = a[i] * x[e] + (1.0f - a[i]) * y[e];
        }
      ck_assert_msg(memcmp(o, r, n * 4) == 0, "%s N=%d: blend differs", path, N);
      alcn_cpu_blend_backward_y(o, x, a, N, D);
      for (int i = 0; i < N; ++i)
        for (int j = 0; j < D; ++j) r[(size_t)i * D + j] = (1.0f - a[i]) * x[(size_t)i * D + j];
      ck_assert_msg(memcmp(o, r, n * 4) == 0, "%s N=%d: blend_backward_y differs", path, N);
      /* axpby, beta != 0 and beta == 0 */
      memcpy(o, y, n * 4);
      alcn_cpu_axpby(o, x, n, 0.7f, -1.3f);
      for (size_t e = 0; e < n; ++e) r[e] = 0.7f * x[e] + -1.3f * y[e];
      ck_assert_msg(memcmp(o, r, n * 4) == 0, "%s N=%d: axpby differs", path, N);
      alcn_cpu_axpby(o, x, n, 0.7f, 0.0f);
      for (size_t e = 0; e < n; ++e) r[e] = 0.7f * x[e];
      ck_assert_msg(memcmp(o, r, n * 4) == 0, "%s N=%d: axpby beta=0 differs", path, N);
      /* salt and pepper, with its noise */
      alcn_cpu_salt_pepper(o, o2, x, u, N, D, rate);
      for (int i = 0; i < N; ++i) {
        const float *xi = x + (size_t)i * D, *ui = u + (size_t)i * D;
        float lo = xi[0], hi = xi[0];
        for (int j = 1; j < D; ++j) {
          lo = xi[j] < lo ? xi[j] : lo;
          hi = xi[j] > hi ? xi[j] : hi;
        }
        for (int j = 0; j < D; ++j) {
          const float v = ui[j] < 0.5f * rate ? lo : (ui[j] < rate ? hi : xi[j]);
          r[(size_t)i * D + j] = v;
          r2[(size_t)i * D + j] = v - xi[j];
        }
      }
      ck_assert_msg(memcmp(o, r, n * 4) == 0, "%s N=%d: salt_pepper differs", path, N);
      ck_assert_msg(memcmp(o2, r2, n * 4) == 0, "%s N=%d: salt_pepper noise differs", path, N);
    }
    free(x); free(y); free(a); free(u); free(o); free(r); free(o2); free(r2);
  }
  set_threads(2);
  isa_restore();
}
END_TEST

int main(void) {
  Suite *s = suite_create("elementwise");
  TCase *tc = tcase_create("elementwise");
  tcase_set_timeout(tc, 60);
  tcase_add_loop_test(tc, test_blend_hand, 0, ALCN_ISA_COUNT);
  tcase_add_test(tc, test_blend_backward_fd);
  tcase_add_loop_test(tc, test_axpby, 0, ALCN_ISA_COUNT);
  tcase_add_loop_test(tc, test_salt_pepper_hand, 0, ALCN_ISA_COUNT);
  tcase_add_loop_test(tc, test_paths_match_definition, 0, ALCN_ISA_COUNT);
  tcase_add_test(tc, test_salt_pepper_batch);
  suite_add_tcase(s, tc);
  return tu_run_suite(s);
}
