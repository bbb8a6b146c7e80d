/* Suite "copy_2d": the strided 2-D copy (alcn_copy_2d, backend.h) that
 * concatenates NCHW tensors along channels and splits the gradient back
 * (Skip-GANomaly's U-Net skips), through the CPU kernel (alcn_cpu_copy_2d)
 * and through the SDK's checking function on a CPU backend:
 *  - hand values: concat of a (N,Ca,HW) and b (N,Cb,HW) into (N,Ca+Cb,HW);
 *    elements outside the copied columns are not written;
 *  - the split of the concatenation gives back a and b bit for bit;
 *  - gradient: for f(a,b) = sum g * concat(a,b), the split of g against
 *    central finite differences in a and in b (a copy is linear: exact up
 *    to rounding of the objective);
 *  - the OpenMP path (rows*cols >= 2^20) against a serial loop;
 *  - argument checks: NULL handle or buffer, cols wider than a leading
 *    dimension, overlapping dst and src give ALCN_ERR_ARG naming the
 *    function and write nothing; rows == 0 or cols == 0 is a no-op. */
#include <check.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "alcn/backend.h"
#include "cpu_ops.h"
#include "test_util.h"

enum { VIA_KERNEL = 0, VIA_BACKEND = 1 };

static alcn_backend *BE;

static void be_open(void) {
  ck_assert_msg(alcn_backend_cpu_create(&BE, 0) == ALCN_OK, "cpu backend: %s", alcn_last_error());
}
static void be_close(void) {
  alcn_backend_destroy(BE);
  BE = NULL;
}

static void do_copy(int via, float *dst, size_t dld, const float *src, size_t sld, size_t rows, size_t cols) {
  if (via == VIA_BACKEND) {
    alcn_status st = alcn_copy_2d(BE, dst, dld, src, sld, rows, cols);
    ck_assert_msg(st == ALCN_OK, "alcn_copy_2d -> %d: %s", (int)st, alcn_last_error());
  } else {
    alcn_cpu_copy_2d(dst, dld, src, sld, rows, cols);
  }
}

/* out (N,Ca+Cb,HW) = concat(a (N,Ca,HW), b (N,Cb,HW)) */
static void concat(int via, float *out, const float *a, const float *b, int N, int Ca, int Cb, int HW) {
  const size_t la = (size_t)Ca * HW, lb = (size_t)Cb * HW, lo = la + lb;
  do_copy(via, out, lo, a, la, (size_t)N, la);
  do_copy(via, out + la, lo, b, lb, (size_t)N, lb);
}
/* da, db = split(dout) */
static void split(int via, float *da, float *db, const float *dout, int N, int Ca, int Cb, int HW) {
  const size_t la = (size_t)Ca * HW, lb = (size_t)Cb * HW, lo = la + lb;
  do_copy(via, da, la, dout, lo, (size_t)N, la);
  do_copy(via, db, lb, dout + la, lo, (size_t)N, lb);
}

START_TEST(test_concat_hand) {
  /* N 2, Ca 1, Cb 2, HW 2 */
  const float a[4] = {1, 2, 3, 4};            /* (2,1,2) */
  const float b[8] = {10, 11, 12, 13, 20, 21, 22, 23}; /* (2,2,2) */
  const float e[12] = {1, 2, 10, 11, 12, 13, 3, 4, 20, 21, 22, 23};
  float out[12];
  for (int i = 0; i < 12; ++i) out[i] = NAN;
  concat(_i, out, a, b, 2, 1, 2, 2);
  for (int i = 0; i < 12; ++i) ck_assert_msg(out[i] == e[i], "[%d] = %g, expected %g", i, (double)out[i], (double)e[i]);
  /* a partial copy leaves the rest of each row alone */
  float part[12];
  for (int i = 0; i < 12; ++i) part[i] = -1.0f;
  do_copy(_i, part, 6, b, 4, 2, 3);
  const float ep[12] = {10, 11, 12, -1, -1, -1, 20, 21, 22, -1, -1, -1};
  for (int i = 0; i < 12; ++i) ck_assert_msg(part[i] == ep[i], "partial [%d] = %g", i, (double)part[i]);
}
END_TEST

START_TEST(test_split_roundtrip) {
  const int N = 5, Ca = 3, Cb = 7, HW = 13;
  const size_t na = (size_t)N * Ca * HW, nb = (size_t)N * Cb * HW;
  float *a = malloc(na * sizeof(float)), *b = malloc(nb * sizeof(float)), *o = malloc((na + nb) * sizeof(float));
  float *a2 = malloc(na * sizeof(float)), *b2 = malloc(nb * sizeof(float));
  tu_fill_uniform(a, na, 1, -3, 3);
  tu_fill_uniform(b, nb, 2, -3, 3);
  concat(_i, o, a, b, N, Ca, Cb, HW);
  split(_i, a2, b2, o, N, Ca, Cb, HW);
  ck_assert_int_eq(memcmp(a, a2, na * sizeof(float)), 0);
  ck_assert_int_eq(memcmp(b, b2, nb * sizeof(float)), 0);
  free(a), free(b), free(o), free(a2), free(b2);
}
END_TEST

/* ------------------------------------------------ gradient vs central FD */
typedef struct fd_ctx {
  int via, N, Ca, Cb, HW;
  const float *a, *b, *g;
  float *out;
} fd_ctx;

static double fd_objective(void *p) {
  fd_ctx *c = p;
  concat(c->via, c->out, c->a, c->b, c->N, c->Ca, c->Cb, c->HW);
  const size_t n = (size_t)c->N * (c->Ca + c->Cb) * c->HW;
  double s = 0.0;
  for (size_t i = 0; i < n; ++i) s += (double)c->g[i] * c->out[i];
  return s;
}

START_TEST(test_gradient_fd) {
  const int N = 3, Ca = 2, Cb = 4, HW = 9;
  const size_t na = (size_t)N * Ca * HW, nb = (size_t)N * Cb * HW, no = na + nb;
  float *a = malloc(na * sizeof(float)), *b = malloc(nb * sizeof(float)), *g = malloc(no * sizeof(float));
  float *out = malloc(no * sizeof(float)), *da = malloc(na * sizeof(float)), *db = malloc(nb * sizeof(float));
  tu_fill_uniform(a, na, 11, -1, 1);
  tu_fill_uniform(b, nb, 12, -1, 1);
  tu_fill_uniform(g, no, 13, -1, 1);
  split(_i, da, db, g, N, Ca, Cb, HW);
  fd_ctx c = {_i, N, Ca, Cb, HW, a, b, g, out};
  double ea = tu_fd_check(a, na, da, fd_objective, &c, 1e-2f, na, 1e-2);
  double eb = tu_fd_check(b, nb, db, fd_objective, &c, 1e-2f, nb, 1e-2);
  ck_assert_msg(ea < 1e-3 && eb < 1e-3, "split vs FD of concat: a %g, b %g", ea, eb);
  free(a), free(b), free(g), free(out), free(da), free(db);
}
END_TEST

START_TEST(test_openmp_path) {
  const size_t rows = 64, cols = 20000, dld = 50000, sld = 30000; /* 1.28M floats */
  float *src = malloc(rows * sld * sizeof(float)), *dst = malloc(rows * dld * sizeof(float));
  float *ref = malloc(rows * dld * sizeof(float));
  tu_fill_uniform(src, rows * sld, 21, -1, 1);
  for (size_t i = 0; i < rows * dld; ++i) dst[i] = ref[i] = 7.0f;
  for (size_t r = 0; r < rows; ++r)
    for (size_t j = 0; j < cols; ++j) ref[r * dld + j] = src[r * sld + j];
  do_copy(_i, dst, dld, src, sld, rows, cols);
  ck_assert_int_eq(memcmp(dst, ref, rows * dld * sizeof(float)), 0);
  free(src), free(dst), free(ref);
}
END_TEST

static void expect_arg_error(alcn_status st, const char *what) {
  ck_assert_msg(st == ALCN_ERR_ARG, "%s: status %d, expected ALCN_ERR_ARG", what, (int)st);
  ck_assert_msg(strstr(alcn_last_error(), "alcn_copy_2d") != NULL, "%s: message '%s' names no function", what,
                alcn_last_error());
}

START_TEST(test_argument_checks) {
  float buf[64], src[16];
  for (int i = 0; i < 64; ++i) buf[i] = 5.0f;
  for (int i = 0; i < 16; ++i) src[i] = 1.0f;
  expect_arg_error(alcn_copy_2d(NULL, buf, 4, src, 4, 2, 4), "NULL handle");
  expect_arg_error(alcn_copy_2d(BE, NULL, 4, src, 4, 2, 4), "NULL dst");
  expect_arg_error(alcn_copy_2d(BE, buf, 4, NULL, 4, 2, 4), "NULL src");
  expect_arg_error(alcn_copy_2d(BE, buf, 3, src, 4, 2, 4), "cols > dst_ld");
  expect_arg_error(alcn_copy_2d(BE, buf, 8, src, 2, 2, 4), "cols > src_ld");
  expect_arg_error(alcn_copy_2d(BE, buf + 4, 8, buf, 8, 3, 8), "overlap");
  for (int i = 0; i < 64; ++i) ck_assert_msg(buf[i] == 5.0f, "a refused call wrote buf[%d]", i);
  /* empty copies are no-ops, even with NULL buffers */
  ck_assert_int_eq(alcn_copy_2d(BE, NULL, 4, NULL, 4, 0, 4), ALCN_OK);
  ck_assert_int_eq(alcn_copy_2d(BE, NULL, 4, NULL, 4, 3, 0), ALCN_OK);
  /* disjoint halves of one buffer are fine */
  ck_assert_int_eq(alcn_copy_2d(BE, buf + 32, 8, buf, 8, 4, 8), ALCN_OK);
  for (int i = 0; i < 32; ++i) ck_assert(buf[32 + i] == 5.0f);
}
END_TEST

static Suite *copy_2d_suite(void) {
  Suite *s = suite_create("copy_2d");
  TCase *tc = tcase_create("copy_2d");
  tcase_add_checked_fixture(tc, be_open, be_close);
  tcase_add_loop_test(tc, test_concat_hand, 0, 2);
  tcase_add_loop_test(tc, test_split_roundtrip, 0, 2);
  tcase_add_loop_test(tc, test_gradient_fd, 0, 2);
  tcase_add_loop_test(tc, test_openmp_path, 0, 2);
  tcase_add_test(tc, test_argument_checks);
  suite_add_tcase(s, tc);
  return s;
}

int main(void) { return tu_run_suite(copy_2d_suite()); }
