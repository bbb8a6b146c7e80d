/* Suite "rng": the Philox4x32-10 block function gives Random123's known
 * answers; the stream is deterministic, offset-addressable and has the right
 * first two moments. */
#include <check.h>

#include "test_util.h"
#include <math.h>
#include <stdlib.h>

#include "alcn/rng.h"

/* Random123's kat_vectors, the three "philox4x32 10" lines: counter (4 words),
 * key (2 words), expected output (4 words). */
static const struct {
  uint32_t ctr[4], key[2], out[4];
} k_philox_kat[3] = {
    {{0x00000000u, 0x00000000u, 0x00000000u, 0x00000000u},
     {0x00000000u, 0x00000000u},
     {0x6627e8d5u, 0xe169c58du, 0xbc57ac4cu, 0x9b00dbd8u}},
    {{0xffffffffu, 0xffffffffu, 0xffffffffu, 0xffffffffu},
     {0xffffffffu, 0xffffffffu},
     {0x408f276du, 0x41c83b0eu, 0xa20bc7c6u, 0x6d5451fdu}},
    {{0x243f6a88u, 0x85a308d3u, 0x13198a2eu, 0x03707344u},
     {0xa4093822u, 0x299f31d0u},
     {0xd16cfe09u, 0x94fdccebu, 0x5001e420u, 0x24126ea1u}},
};

START_TEST(test_known_answer) {
  for (int t = 0; t < 3; ++t) {
    alcn_u32x4 ctr = {{k_philox_kat[t].ctr[0], k_philox_kat[t].ctr[1], k_philox_kat[t].ctr[2], k_philox_kat[t].ctr[3]}};
    alcn_u32x4 r = alcn_philox4x32_10(ctr, k_philox_kat[t].key[0], k_philox_kat[t].key[1]);
    for (int i = 0; i < 4; ++i)
      ck_assert_msg(r.v[i] == k_philox_kat[t].out[i], "kat vector %d word %d: %08x, expected %08x", t, i,
                    (unsigned)r.v[i], (unsigned)k_philox_kat[t].out[i]);
  }
}
END_TEST

START_TEST(test_stream_mapping_and_determinism) {
  /* The (seed, counter) block is the 4x32 block on counter (lo, hi, 0x2545F491,
   * 0x9E3779B9) and key (seed lo, seed hi): fixed, so streams reproduce. */
  const uint64_t seed = 0x0123456789abcdefull, counter = 0xfedcba9876543210ull;
  alcn_u32x4 ctr = {{0x76543210u, 0xfedcba98u, 0x2545F491u, 0x9E3779B9u}};
  alcn_u32x4 w = alcn_philox4x32(seed, counter), b = alcn_philox4x32_10(ctr, 0x89abcdefu, 0x01234567u);
  for (int i = 0; i < 4; ++i) ck_assert_uint_eq(w.v[i], b.v[i]);
  /* Same (seed, counter) -> same block; different seed -> different block. */
  alcn_u32x4 a = alcn_philox4x32(42, 7), a2 = alcn_philox4x32(42, 7), c = alcn_philox4x32(43, 7);
  for (int i = 0; i < 4; ++i) ck_assert_uint_eq(a.v[i], a2.v[i]);
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
  tcase_add_test(tc, test_known_answer);
  tcase_add_test(tc, test_stream_mapping_and_determinism);
  tcase_add_test(tc, test_offset_addressing);
  tcase_add_test(tc, test_moments);
  tcase_add_test(tc, test_derive_distinct);
  suite_add_tcase(s, tc);
  return tu_run_suite(s);
}
