/* Suite "rng": the Philox stream is deterministic, offset-addressable and
 * has the right first two moments. */
#include <check.h>

#include "test_util.h"
#include <math.h>
#include <stdlib.h>

#include "alcn/rng.h"

START_TEST(test_known_answer_and_determinism) {
  /* Same (seed, counter) -> same block; different seed -> different block. */
  alcn_u32x4 a = alcn_philox4x32(42, 7), b = alcn_philox4x32(42, 7), c = alcn_philox4x32(43, 7);
  for (int i = 0; i < 4; ++i) ck_assert_uint_eq(a.v[i], b.v[i]);
  ck_assert(a.v[0] != c.v[0] || a.v[1] != c.v[1]);
}
END_TEST

START_TEST(test_offset_addressing) {
  /* Filling [0,1000) at once equals filling [0,400) then [400,1000) from offset span(400). */
  float whole[1000], part[1000];
  alcn_rng_normal(whole, 1000, 9, 0, 0.f, 1.f);
  alcn_rng_normal(part, 400, 9, 0, 0.f, 1.f);
  alcn_rng_normal(part + 400, 600, 9, alcn_rng_span(400), 0.f, 1.f);
  for (int i = 0; i < 1000; ++i) ck_assert_float_eq(whole[i], part[i]);
}
END_TEST

START_TEST(test_moments) {
  enum { N = 200000 };
  float *u = malloc(N * sizeof *u), *g = malloc(N * sizeof *g);
  alcn_rng_uniform(u, N, 1, 0, 0.2f, 0.9f);
  alcn_rng_normal(g, N, 2, 0, 0.f, 0.5f);
  double su = 0, sg = 0, sg2 = 0;
  float umin = 1, umax = 0;
  for (int i = 0; i < N; ++i) {
    su += u[i]; sg += g[i]; sg2 += (double)g[i] * g[i];
    if (u[i] < umin) umin = u[i];
    if (u[i] > umax) umax = u[i];
  }
  ck_assert_double_eq_tol(su / N, 0.55, 0.003);
  ck_assert(umin >= 0.2f && umax <= 0.9f);
  ck_assert_double_eq_tol(sg / N, 0.0, 0.005);
  ck_assert_double_eq_tol(sqrt(sg2 / N), 0.5, 0.005);
  free(u);
  free(g);
}
END_TEST

START_TEST(test_derive_distinct) {
  ck_assert(alcn_rng_derive(1, 0) != alcn_rng_derive(1, 1));
  ck_assert(alcn_rng_derive(1, 0) != alcn_rng_derive(2, 0));
  ck_assert_uint_eq(alcn_rng_derive(5, 3), alcn_rng_derive(5, 3));
}
END_TEST

int main(void) {
  Suite *s = suite_create("rng");
  TCase *tc = tcase_create("philox");
  tcase_add_test(tc, test_known_answer_and_determinism);
  tcase_add_test(tc, test_offset_addressing);
  tcase_add_test(tc, test_moments);
  tcase_add_test(tc, test_derive_distinct);
  suite_add_tcase(s, tc);
  return tu_run_suite(s);
}
