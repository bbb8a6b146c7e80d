/* Suite "masking": the element-wise ops of mask-type noises (SDK 2), on the
 * CPU, both through the CPU kernels (alcn_cpu_*, cpu_ops.h) and through the
 * SDK's argument-checking functions on a CPU backend (alcn_mul, ...):
 *  - hand values: signed zeros, overflow, NaN and Inf as the code behaves;
 *    select's threshold is strict (mask exactly 0.5 picks b; a NaN mask picks
 *    b); clamp at exactly lo / hi, lo == hi, NaN passes through clamp;
 *    clamp_backward is 0 at lo and hi (strict inequalities), 0 for NaN
 *    inputs, and writes 0 (not dout*0) where the clamp saturates, so a NaN
 *    dout there does not leak;
 *  - aliasing allowed by the header (out == a, out == b, out == in, din ==
 *    dout, din == in);
 *  - the gradients the header states, against central finite differences:
 *    mul's gradient is mul by the other operand, select's is select with
 *    zeros, clamp_backward matches the FD of clamp away from its kinks;
 *  - the OpenMP path (n >= 2^22) against a serial loop;
 *  - argument checks: a NULL handle, a NULL buffer with n > 0, lo > hi (or a
 *    NaN bound) give ALCN_ERR_ARG, write nothing, and the error names the
 *    function; n == 0 with NULL buffers is a no-op. */
#include <check.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "alcn/backend.h"
#include "cpu_ops.h"
#include "test_util.h"

/* _i of the loop tests: 0 = alcn_cpu_* kernels, 1 = alcn_* on a CPU backend. */
enum { VIA_KERNEL = 0, VIA_BACKEND = 1 };

static alcn_backend *BE;

static void be_open(void) {
  ck_assert_msg(alcn_backend_cpu_create(&BE, 0) == ALCN_OK, "cpu backend: %s", alcn_last_error());
}
static void be_close(void) {
  alcn_backend_destroy(BE);
  BE = NULL;
}

#define BE_OK(call)                                                                        \
  do {                                                                                     \
    alcn_status st_ = (call);                                                              \
    ck_assert_msg(st_ == ALCN_OK, "%s -> %d: %s", #call, (int)st_, alcn_last_error());     \
  } while (0)

static void do_mul(int via, float *out, const float *a, const float *b, size_t n) {
  if (via == VIA_BACKEND) BE_OK(alcn_mul(BE, out, a, b, n));
  else alcn_cpu_mul(out, a, b, n);
}
static void do_select(int via, float *out, const float *m, const float *a, const float *b, size_t n) {
  if (via == VIA_BACKEND) BE_OK(alcn_select(BE, out, m, a, b, n));
  else alcn_cpu_select(out, m, a, b, n);
}
static void do_clamp(int via, float *out, const float *in, size_t n, float lo, float hi) {
  if (via == VIA_BACKEND) BE_OK(alcn_clamp(BE, out, in, n, lo, hi));
  else alcn_cpu_clamp(out, in, n, lo, hi);
}
static void do_clamp_bwd(int via, float *din, const float *dout, const float *in, size_t n, float lo, float hi) {
  if (via == VIA_BACKEND) BE_OK(alcn_clamp_backward(BE, din, dout, in, n, lo, hi));
  else alcn_cpu_clamp_backward(din, dout, in, n, lo, hi);
}

/* Same value: both NaN, or equal with the same sign bit (tells -0 from +0). */
static int same(float x, float e) {
  if (isnan(e)) return isnan(x);
  return x == e && signbit(x) == signbit(e);
}

#define EXPECT_ALL(got, want, n, what)                                                                   \
  do {                                                                                                   \
    for (size_t k_ = 0; k_ < (size_t)(n); ++k_)                                                          \
      ck_assert_msg(same((got)[k_], (want)[k_]), "%s (%s): [%zu] = %.9g, expected %.9g", (what),         \
                    _i == VIA_BACKEND ? "backend" : "kernel", k_, (double)(got)[k_], (double)(want)[k_]); \
  } while (0)

/* ------------------------------------------------------------------ mul */
START_TEST(test_mul_hand) {
  enum { N = 9 };
  const float a[N] = {1.5f, -2.0f, 3.0f, 0.0f, -0.0f, 1e20f, NAN, INFINITY, -0.25f};
  const float b[N] = {4.0f, 0.25f, -3.0f, -7.0f, 5.0f, 1e20f, 1.0f, 0.0f, -0.5f};
  /* -0 from 0 * -7 and -0 * 5; 1e40 overflows to +Inf; NaN propagates; Inf * 0 is NaN */
  const float e[N] = {6.0f, -0.5f, -9.0f, -0.0f, -0.0f, INFINITY, NAN, NAN, 0.125f};
  float out[N], t[N];
  for (int k = 0; k < N; ++k) out[k] = 12345.0f;
  do_mul(_i, out, a, b, N);
  EXPECT_ALL(out, e, N, "mul");
  /* out aliases a, then b */
  memcpy(t, a, sizeof t);
  do_mul(_i, t, t, b, N);
  EXPECT_ALL(t, e, N, "mul out == a");
  memcpy(t, b, sizeof t);
  do_mul(_i, t, a, t, N);
  EXPECT_ALL(t, e, N, "mul out == b");
  /* out == a == b: squares */
  float s[3] = {-3.0f, 0.5f, 0.0f};
  const float es[3] = {9.0f, 0.25f, 0.0f};
  do_mul(_i, s, s, s, 3);
  EXPECT_ALL(s, es, 3, "mul square in place");
}
END_TEST

/* --------------------------------------------------------------- select */
START_TEST(test_select_hand) {
  enum { N = 9 };
  const float half_up = nextafterf(0.5f, 1.0f), half_down = nextafterf(0.5f, 0.0f);
  const float m[N] = {0.0f, 1.0f, 0.5f, half_up, half_down, -3.0f, 7.0f, NAN, 1.0f};
  const float a[N] = {NAN, 11, 12, 13, 14, 15, 16, 17, -0.0f};
  const float b[N] = {20, NAN, 22, 23, 24, 25, 26, 27, 28};
  /* strict mask > 0.5: exactly 0.5 -> b, the next float up -> a; a NaN mask -> b;
   * the operand not picked is never read into the output (NaN in a[0], b[1]) */
  const float e[N] = {20, 11, 22, 13, 24, 25, 16, 27, -0.0f};
  float out[N], t[N];
  for (int k = 0; k < N; ++k) out[k] = 12345.0f;
  do_select(_i, out, m, a, b, N);
  EXPECT_ALL(out, e, N, "select");
  memcpy(t, a, sizeof t);
  do_select(_i, t, m, t, b, N);
  EXPECT_ALL(t, e, N, "select out == a");
  memcpy(t, b, sizeof t);
  do_select(_i, t, m, a, t, N);
  EXPECT_ALL(t, e, N, "select out == b");
}
END_TEST

/* ---------------------------------------------------------------- clamp */
START_TEST(test_clamp_hand) {
  enum { N = 12 };
  const float lo = -1.0f, hi = 2.0f;
  const float in[N] = {-3.0f, -1.0f, -0.5f, 0.0f, 2.0f, 2.5f, -INFINITY, INFINITY,
                       NAN,   nextafterf(2.0f, 3.0f), nextafterf(-1.0f, -2.0f), nextafterf(2.0f, 0.0f)};
  /* the bounds themselves pass unchanged; NaN passes through (both comparisons false) */
  const float e[N] = {-1.0f, -1.0f, -0.5f, 0.0f, 2.0f, 2.0f, -1.0f, 2.0f, NAN, 2.0f, -1.0f, nextafterf(2.0f, 0.0f)};
  float out[N], t[N];
  for (int k = 0; k < N; ++k) out[k] = 12345.0f;
  do_clamp(_i, out, in, N, lo, hi);
  EXPECT_ALL(out, e, N, "clamp");
  memcpy(t, in, sizeof t);
  do_clamp(_i, t, t, N, lo, hi);
  EXPECT_ALL(t, e, N, "clamp in place");
  /* lo == hi: every number becomes that value; NaN still passes */
  float eq[N];
  for (int k = 0; k < N; ++k) eq[k] = isnan(in[k]) ? NAN : 0.5f;
  do_clamp(_i, out, in, N, 0.5f, 0.5f);
  EXPECT_ALL(out, eq, N, "clamp lo == hi");
}
END_TEST

START_TEST(test_clamp_backward_hand) {
  enum { N = 12 };
  const float lo = -1.0f, hi = 2.0f;
  const float in[N] = {-3.0f, -1.0f, -0.5f, 0.0f, 2.0f, 2.5f, -INFINITY, INFINITY,
                       NAN,   nextafterf(-1.0f, 0.0f), nextafterf(2.0f, 0.0f), 1.0f};
  const float dout[N] = {NAN, 2, 3, -4, 5, INFINITY, 7, 8, 9, 10, -11, 12};
  /* gradient only strictly inside (lo, hi): 0 at lo and at hi, 0 for +-Inf and
   * NaN inputs; the zeros are written, not dout*0 (no NaN from dout[0] or Inf*0) */
  const float e[N] = {0, 0, 3, -4, 0, 0, 0, 0, 0, 10, -11, 12};
  float din[N], t[N];
  for (int k = 0; k < N; ++k) din[k] = NAN;
  do_clamp_bwd(_i, din, dout, in, N, lo, hi);
  EXPECT_ALL(din, e, N, "clamp_backward");
  for (int k = 0; k < N; ++k) ck_assert_msg(!signbit(din[k]) || e[k] != 0.0f, "zero gradient [%d] is -0", k);
  memcpy(t, dout, sizeof t);
  do_clamp_bwd(_i, t, t, in, N, lo, hi);
  EXPECT_ALL(t, e, N, "clamp_backward din == dout");
  /* din == in: in[k] is read before din[k] is written */
  const float in2[4] = {-2.0f, 0.0f, 1.5f, 3.0f}, dout2[4] = {1, 2, 3, 4}, e2[4] = {0, 2, 3, 0};
  memcpy(t, in2, sizeof in2);
  do_clamp_bwd(_i, t, dout2, t, 4, lo, hi);
  EXPECT_ALL(t, e2, 4, "clamp_backward din == in");
  /* lo == hi: no open interval, no gradient anywhere (not even at in == lo) */
  const float in3[3] = {0.5f, 0.25f, 0.75f}, e3[3] = {0, 0, 0};
  do_clamp_bwd(_i, din, dout2, in3, 3, 0.5f, 0.5f);
  EXPECT_ALL(din, e3, 3, "clamp_backward lo == hi");
}
END_TEST

/* ------------------------------------------------ gradients vs central FD */
/* f = sum_i r[i] * op(...)[i]; the checker perturbs one input. */
enum { FD_N = 96 };
typedef struct fd_ctx {
  int via, op; /* op: 0 mul, 1 select, 2 clamp */
  float *a, *b, *m, *r, *out;
  float lo, hi;
  size_t n;
} fd_ctx;

static double fd_objective(void *p) {
  fd_ctx *c = p;
  if (c->op == 0) do_mul(c->via, c->out, c->a, c->b, c->n);
  else if (c->op == 1) do_select(c->via, c->out, c->m, c->a, c->b, c->n);
  else do_clamp(c->via, c->out, c->a, c->n, c->lo, c->hi);
  double s = 0.0;
  for (size_t i = 0; i < c->n; ++i) s += (double)c->r[i] * (double)c->out[i];
  return s;
}

#define FD_EPS 1e-2f
#define FD_TOL 1e-3
#define FD_FLOOR 1e-2

START_TEST(test_mul_grad_fd) {
  float a[FD_N], b[FD_N], r[FD_N], out[FD_N], da[FD_N], db[FD_N];
  tu_fill_uniform(a, FD_N, 11, -1, 1);
  tu_fill_uniform(b, FD_N, 12, -1, 1);
  tu_fill_uniform(r, FD_N, 13, -1, 1);
  fd_ctx c = {_i, 0, a, b, NULL, r, out, 0, 0, FD_N};
  /* the header: da = dout * b, db = dout * a, i.e. mul itself */
  do_mul(_i, da, r, b, FD_N);
  do_mul(_i, db, r, a, FD_N);
  double ea = tu_fd_check(a, FD_N, da, fd_objective, &c, FD_EPS, FD_N, FD_FLOOR);
  double eb = tu_fd_check(b, FD_N, db, fd_objective, &c, FD_EPS, FD_N, FD_FLOOR);
  ck_assert_msg(ea <= FD_TOL, "mul da vs FD: %.3g", ea);
  ck_assert_msg(eb <= FD_TOL, "mul db vs FD: %.3g", eb);
}
END_TEST

START_TEST(test_select_grad_fd) {
  float a[FD_N], b[FD_N], m[FD_N], r[FD_N], out[FD_N], da[FD_N], db[FD_N], zero[FD_N] = {0};
  tu_fill_uniform(a, FD_N, 21, -1, 1);
  tu_fill_uniform(b, FD_N, 22, -1, 1);
  tu_fill_uniform(r, FD_N, 23, -1, 1);
  tu_fill_uniform(m, FD_N, 24, 0, 1);
  int ones = 0;
  for (int k = 0; k < FD_N; ++k) {
    m[k] = m[k] < 0.5f ? 0.0f : 1.0f; /* a 0/1 mask, as the header asks */
    ones += m[k] == 1.0f;
  }
  ck_assert_msg(ones > 10 && ones < FD_N - 10, "mask of %d ones: not mixed", ones);
  fd_ctx c = {_i, 1, a, b, m, r, out, 0, 0, FD_N};
  /* the header: da = select(mask, dout, 0), db = select(mask, 0, dout) */
  do_select(_i, da, m, r, zero, FD_N);
  do_select(_i, db, m, zero, r, FD_N);
  double ea = tu_fd_check(a, FD_N, da, fd_objective, &c, FD_EPS, FD_N, FD_FLOOR);
  double eb = tu_fd_check(b, FD_N, db, fd_objective, &c, FD_EPS, FD_N, FD_FLOOR);
  ck_assert_msg(ea <= FD_TOL, "select da vs FD: %.3g", ea);
  ck_assert_msg(eb <= FD_TOL, "select db vs FD: %.3g", eb);
  /* the two gradients split dout: da + db == dout exactly */
  for (int k = 0; k < FD_N; ++k) ck_assert_float_eq(da[k] + db[k], r[k]);
}
END_TEST

START_TEST(test_clamp_grad_fd) {
  const float lo = -0.6f, hi = 0.8f, margin = 5 * FD_EPS; /* FD steps never cross a kink */
  float x[FD_N], r[FD_N], out[FD_N], dx[FD_N];
  tu_fill_uniform(x, FD_N, 31, -1.5f, 1.5f);
  tu_fill_uniform(r, FD_N, 32, -1, 1);
  int inside = 0;
  for (int k = 0; k < FD_N; ++k) {
    if (fabsf(x[k] - lo) < margin) x[k] = lo + (x[k] < lo ? -margin : margin);
    if (fabsf(x[k] - hi) < margin) x[k] = hi + (x[k] < hi ? -margin : margin);
    inside += x[k] > lo && x[k] < hi;
  }
  ck_assert_msg(inside > 10 && inside < FD_N - 10, "%d of %d inside: not mixed", inside, FD_N);
  fd_ctx c = {_i, 2, x, NULL, NULL, r, out, lo, hi, FD_N};
  do_clamp_bwd(_i, dx, r, x, FD_N, lo, hi);
  double e = tu_fd_check(x, FD_N, dx, fd_objective, &c, FD_EPS, FD_N, FD_FLOOR);
  ck_assert_msg(e <= FD_TOL, "clamp_backward vs FD of clamp: %.3g", e);
}
END_TEST

/* ------------------------------------------------------- the OpenMP path */
/* Above ALCN_MASK_PAR_MIN (2^22) the kernels run in parallel blocks: every
 * element against a serial loop of the same formula. */
START_TEST(test_large_parallel) {
  const size_t n = ((size_t)1 << 22) + 5;
  float *a = malloc(n * sizeof *a), *b = malloc(n * sizeof *b), *m = malloc(n * sizeof *m);
  float *out = malloc(n * sizeof *out);
  ck_assert(a && b && m && out);
  tu_fill_uniform(a, n, 41, -2, 2);
  tu_fill_uniform(b, n, 42, -2, 2);
  tu_fill_uniform(m, n, 43, 0, 1);
  for (size_t k = 0; k < n; ++k) m[k] = m[k] < 0.5f ? 0.0f : 1.0f;
  const float lo = -1.0f, hi = 1.5f;

  do_mul(_i, out, a, b, n);
  for (size_t k = 0; k < n; ++k)
    if (out[k] != a[k] * b[k]) ck_abort_msg("mul [%zu]: %.9g != %.9g", k, (double)out[k], (double)(a[k] * b[k]));
  do_select(_i, out, m, a, b, n);
  for (size_t k = 0; k < n; ++k)
    if (out[k] != (m[k] == 1.0f ? a[k] : b[k])) ck_abort_msg("select [%zu]", k);
  do_clamp(_i, out, a, n, lo, hi);
  for (size_t k = 0; k < n; ++k)
    if (out[k] != fminf(fmaxf(a[k], lo), hi)) ck_abort_msg("clamp [%zu]: %.9g", k, (double)out[k]);
  do_clamp_bwd(_i, out, b, a, n, lo, hi);
  for (size_t k = 0; k < n; ++k)
    if (out[k] != (a[k] > lo && a[k] < hi ? b[k] : 0.0f)) ck_abort_msg("clamp_backward [%zu]", k);
  free(a);
  free(b);
  free(m);
  free(out);
}
END_TEST

/* ------------------------------------------------------- argument checks */
/* The call fails with ALCN_ERR_ARG, the error is fresh and names the function
 * (with the colon: "alcn_clamp:" is not a prefix match of "alcn_clamp_backward:")
 * and says why. */
#define EXPECT_ARG_ERR(call, fname, why)                                                                   \
  do {                                                                                                     \
    alcn_clear_error();                                                                                    \
    alcn_status st_ = (call);                                                                              \
    const char *msg_ = alcn_last_error();                                                                  \
    ck_assert_msg(st_ == ALCN_ERR_ARG, "%s returned %d, not ALCN_ERR_ARG", #call, (int)st_);                \
    ck_assert_msg(alcn_last_status() == ALCN_ERR_ARG, "%s: last status %d", #call, (int)alcn_last_status()); \
    ck_assert_msg(strstr(msg_, fname ":") != NULL, "%s: error does not name " fname ": '%s'", #call, msg_);   \
    ck_assert_msg(strstr(msg_, why) != NULL, "%s: error does not say '%s': '%s'", #call, why, msg_);          \
  } while (0)

START_TEST(test_arg_checks) {
  enum { N = 4 };
  float a[N] = {1, 2, 3, 4}, b[N] = {5, 6, 7, 8}, m[N] = {0, 1, 0, 1}, out[N];
  for (int k = 0; k < N; ++k) out[k] = -99.0f;

  /* NULL backend handle */
  EXPECT_ARG_ERR(alcn_mul(NULL, out, a, b, N), "alcn_mul", "backend handle is NULL");
  EXPECT_ARG_ERR(alcn_select(NULL, out, m, a, b, N), "alcn_select", "backend handle is NULL");
  EXPECT_ARG_ERR(alcn_clamp(NULL, out, a, N, 0, 1), "alcn_clamp", "backend handle is NULL");
  EXPECT_ARG_ERR(alcn_clamp_backward(NULL, out, b, a, N, 0, 1), "alcn_clamp_backward", "backend handle is NULL");
  /* even with n == 0 */
  EXPECT_ARG_ERR(alcn_mul(NULL, NULL, NULL, NULL, 0), "alcn_mul", "backend handle is NULL");

  /* each NULL buffer with n > 0 */
  EXPECT_ARG_ERR(alcn_mul(BE, NULL, a, b, N), "alcn_mul", "NULL buffer");
  EXPECT_ARG_ERR(alcn_mul(BE, out, NULL, b, N), "alcn_mul", "NULL buffer");
  EXPECT_ARG_ERR(alcn_mul(BE, out, a, NULL, N), "alcn_mul", "NULL buffer");
  EXPECT_ARG_ERR(alcn_select(BE, NULL, m, a, b, N), "alcn_select", "NULL buffer");
  EXPECT_ARG_ERR(alcn_select(BE, out, NULL, a, b, N), "alcn_select", "NULL buffer");
  EXPECT_ARG_ERR(alcn_select(BE, out, m, NULL, b, N), "alcn_select", "NULL buffer");
  EXPECT_ARG_ERR(alcn_select(BE, out, m, a, NULL, N), "alcn_select", "NULL buffer");
  EXPECT_ARG_ERR(alcn_clamp(BE, NULL, a, N, 0, 1), "alcn_clamp", "NULL buffer");
  EXPECT_ARG_ERR(alcn_clamp(BE, out, NULL, N, 0, 1), "alcn_clamp", "NULL buffer");
  EXPECT_ARG_ERR(alcn_clamp_backward(BE, NULL, b, a, N, 0, 1), "alcn_clamp_backward", "NULL buffer");
  EXPECT_ARG_ERR(alcn_clamp_backward(BE, out, NULL, a, N, 0, 1), "alcn_clamp_backward", "NULL buffer");
  EXPECT_ARG_ERR(alcn_clamp_backward(BE, out, b, NULL, N, 0, 1), "alcn_clamp_backward", "NULL buffer");

  /* lo > hi, and NaN bounds (lo <= hi is false) */
  EXPECT_ARG_ERR(alcn_clamp(BE, out, a, N, 2.0f, 1.0f), "alcn_clamp", "lo <= hi");
  EXPECT_ARG_ERR(alcn_clamp(BE, out, a, N, NAN, 1.0f), "alcn_clamp", "lo <= hi");
  EXPECT_ARG_ERR(alcn_clamp(BE, out, a, N, 0.0f, NAN), "alcn_clamp", "lo <= hi");
  EXPECT_ARG_ERR(alcn_clamp_backward(BE, out, b, a, N, 2.0f, 1.0f), "alcn_clamp_backward", "lo <= hi");
  EXPECT_ARG_ERR(alcn_clamp_backward(BE, out, b, a, N, NAN, 1.0f), "alcn_clamp_backward", "lo <= hi");
  /* lo > hi is refused even for n == 0 */
  EXPECT_ARG_ERR(alcn_clamp(BE, NULL, NULL, 0, 2.0f, 1.0f), "alcn_clamp", "lo <= hi");
  EXPECT_ARG_ERR(alcn_clamp_backward(BE, NULL, NULL, NULL, 0, 2.0f, 1.0f), "alcn_clamp_backward", "lo <= hi");

  /* a refused call writes nothing */
  for (int k = 0; k < N; ++k) ck_assert_float_eq(out[k], -99.0f);

  /* n == 0 with NULL buffers: nothing to do, ALCN_OK, no error recorded */
  alcn_clear_error();
  ck_assert_int_eq(alcn_mul(BE, NULL, NULL, NULL, 0), ALCN_OK);
  ck_assert_int_eq(alcn_select(BE, NULL, NULL, NULL, NULL, 0), ALCN_OK);
  ck_assert_int_eq(alcn_clamp(BE, NULL, NULL, 0, 0.0f, 1.0f), ALCN_OK);
  ck_assert_int_eq(alcn_clamp_backward(BE, NULL, NULL, NULL, 0, 0.0f, 1.0f), ALCN_OK);
  ck_assert_str_eq(alcn_last_error(), "");
  /* lo == hi is allowed */
  BE_OK(alcn_clamp(BE, out, a, N, 2.0f, 2.0f));
  for (int k = 0; k < N; ++k) ck_assert_float_eq(out[k], 2.0f);
}
END_TEST

int main(void) {
  Suite *s = suite_create("masking");
  TCase *tc = tcase_create("masking");
  tcase_add_checked_fixture(tc, be_open, be_close);
  tcase_set_timeout(tc, 120);
  tcase_add_loop_test(tc, test_mul_hand, VIA_KERNEL, VIA_BACKEND + 1);
  tcase_add_loop_test(tc, test_select_hand, VIA_KERNEL, VIA_BACKEND + 1);
  tcase_add_loop_test(tc, test_clamp_hand, VIA_KERNEL, VIA_BACKEND + 1);
  tcase_add_loop_test(tc, test_clamp_backward_hand, VIA_KERNEL, VIA_BACKEND + 1);
  tcase_add_loop_test(tc, test_mul_grad_fd, VIA_KERNEL, VIA_BACKEND + 1);
  tcase_add_loop_test(tc, test_select_grad_fd, VIA_KERNEL, VIA_BACKEND + 1);
  tcase_add_loop_test(tc, test_clamp_grad_fd, VIA_KERNEL, VIA_BACKEND + 1);
  tcase_add_loop_test(tc, test_large_parallel, VIA_KERNEL, VIA_BACKEND + 1);
  tcase_add_test(tc, test_arg_checks);
  suite_add_tcase(s, tc);
  return tu_run_suite(s);
}
