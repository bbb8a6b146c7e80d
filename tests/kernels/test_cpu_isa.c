/* Suite "cpu_isa": the CPU SIMD path selection (kernels/cpu/cpu_isa.h):
 * names, the best path is supported and active by default, ALCN_CPU_ISA
 * forces each supported path (CPU backend creation succeeds and names it in
 * the description), an unknown name and a path the CPU lacks (simulated with
 * alcn_cpu_isa_limit) are refused with an error status and a one-line
 * message, by alcn_cpu_isa_from_env and by backend creation alike (no exit). */
#include "isa_paths.h"

#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "alcn/backend.h"
#include "cpu_ops.h"
#include "test_util.h"

START_TEST(test_names_and_best) {
  ck_assert_str_eq(alcn_cpu_isa_name(ALCN_ISA_PORTABLE), "portable");
  ck_assert_str_eq(alcn_cpu_isa_name(ALCN_ISA_AVX2), "avx2");
  ck_assert_str_eq(alcn_cpu_isa_name(ALCN_ISA_AVX512), "avx512");
  ck_assert_str_eq(alcn_cpu_isa_name((alcn_cpu_isa)7), "?");
  ck_assert(alcn_cpu_isa_supported(ALCN_ISA_PORTABLE));
  ck_assert(!alcn_cpu_isa_supported((alcn_cpu_isa)3));
  const alcn_cpu_isa best = alcn_cpu_isa_best();
  ck_assert(alcn_cpu_isa_supported(best));
  for (int i = best + 1; i < ALCN_ISA_COUNT; ++i) ck_assert(!alcn_cpu_isa_supported((alcn_cpu_isa)i));
  unsetenv("ALCN_CPU_ISA");
  ck_assert_int_eq(alcn_cpu_isa_active(), best);
  printf("cpu_isa: best path on this CPU: %s\n", alcn_cpu_isa_name(best));
}
END_TEST

/* _i: the forced path */
START_TEST(test_env_forces_path) {
  const alcn_cpu_isa isa = (alcn_cpu_isa)_i;
  setenv("ALCN_CPU_ISA", alcn_cpu_isa_name(isa), 1);
  alcn_backend *be = NULL;
  const alcn_status st = alcn_backend_create(&be, "cpu", 1, 1);
  if (alcn_cpu_isa_supported(isa)) {
    ck_assert_msg(st == ALCN_OK, "%s", alcn_last_error());
    ck_assert_int_eq(alcn_cpu_isa_active(), isa);
    ck_assert_ptr_nonnull(strstr(alcn_backend_description(be), alcn_cpu_isa_name(isa)));
    alcn_backend_destroy(be);
  } else {
    ck_assert_int_eq(st, ALCN_ERR_UNSUPPORTED);
    ck_assert_ptr_null(be);
  }
  unsetenv("ALCN_CPU_ISA");
}
END_TEST

/* The first line of the last error mentions what. */
static void assert_message(const char *what) {
  const char *e = alcn_last_error();
  const char *nl = strchr(e, '\n');
  const size_t len = nl ? (size_t)(nl - e) : strlen(e);
  char first[512];
  snprintf(first, sizeof first, "%.*s", (int)len, e);
  ck_assert_msg(strstr(first, what) != NULL, "message '%s' lacks '%s'", first, what);
}

START_TEST(test_refusals) {
  alcn_backend *be = NULL;
  /* unknown name */
  setenv("ALCN_CPU_ISA", "sse9", 1);
  ck_assert_int_eq(alcn_cpu_isa_from_env(), ALCN_ERR_ARG);
  assert_message("ALCN_CPU_ISA=sse9: unknown CPU path (valid: portable, avx2, avx512)");
  ck_assert_int_eq(alcn_backend_create(&be, "cpu", 1, 1), ALCN_ERR_ARG);
  ck_assert_ptr_null(be);
  /* a CPU without AVX-512 (and one without AVX2 either) */
  for (int lim = ALCN_ISA_AVX2; lim >= ALCN_ISA_PORTABLE; --lim) {
    alcn_cpu_isa_limit((alcn_cpu_isa)lim);
    ck_assert(!alcn_cpu_isa_supported(ALCN_ISA_AVX512));
    ck_assert_int_le(alcn_cpu_isa_active(), lim);
    setenv("ALCN_CPU_ISA", "avx512", 1);
    ck_assert_int_eq(alcn_cpu_isa_from_env(), ALCN_ERR_UNSUPPORTED);
    assert_message("ALCN_CPU_ISA=avx512: this CPU lacks AVX-512F");
    ck_assert_int_eq(alcn_backend_create(&be, "cpu", 1, 1), ALCN_ERR_UNSUPPORTED);
    ck_assert_ptr_null(be);
    ck_assert_int_eq(alcn_cpu_isa_set(ALCN_ISA_AVX512), ALCN_ERR_UNSUPPORTED);
    if (lim == ALCN_ISA_PORTABLE) {
      setenv("ALCN_CPU_ISA", "avx2", 1);
      ck_assert_int_eq(alcn_cpu_isa_from_env(), ALCN_ERR_UNSUPPORTED);
      assert_message("ALCN_CPU_ISA=avx2: this CPU lacks AVX2 and FMA (it runs: portable;");
    }
    /* unset: the best remaining path, and kernels still run correctly on it */
    unsetenv("ALCN_CPU_ISA");
    ck_assert_int_eq(alcn_backend_create(&be, "cpu", 1, 1), ALCN_OK);
    ck_assert_int_eq(alcn_cpu_isa_active(), alcn_cpu_isa_best());
    ck_assert_int_le(alcn_cpu_isa_active(), lim);
    float p[3] = {1, 2, 3}, g[3] = {1, -1, 1}, m[3] = {0}, v[3] = {0};
    const alcn_adam_hparams h = {0.1f, 0.9f, 0.999f, 1e-8f, 0.0f};
    alcn_cpu_adam_step(p, g, m, v, 3, &h, 1);
    ck_assert_float_eq_tol(p[1], 2.1f, 1e-5f);
    alcn_backend_destroy(be);
    be = NULL;
  }
  alcn_cpu_isa_limit(ALCN_ISA_AVX512);
}
END_TEST

int main(void) {
  Suite *s = suite_create("cpu_isa");
  TCase *tc = tcase_create("cpu_isa");
  tcase_add_test(tc, test_names_and_best);
  tcase_add_loop_test(tc, test_env_forces_path, 0, ALCN_ISA_COUNT);
  tcase_add_test(tc, test_refusals);
  suite_add_tcase(s, tc);
  return tu_run_suite(s);
}
