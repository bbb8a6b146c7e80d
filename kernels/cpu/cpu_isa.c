/* CPU SIMD path selection (cpu_isa.h): CPU feature checks, ALCN_CPU_ISA,
 * and the process-wide active path read by the kernels. */
#define _POSIX_C_SOURCE 200809L
#include "cpu_isa.h"

#include <stdlib.h>
#include <string.h>

static const char *const kNames[ALCN_ISA_COUNT] = {"portable", "avx2", "avx512"};

/* -1 until resolved; written only by the functions below (benign race on
 * the lazy first resolution: every thread computes the same value). */
static int g_active = -1;
static int g_limit = ALCN_ISA_AVX512;

const char *alcn_cpu_isa_name(alcn_cpu_isa isa) {
  return (int)isa >= 0 && (int)isa < ALCN_ISA_COUNT ? kNames[isa] : "?";
}

/* What the CPU itself has, checked once. */
static int cpu_has(alcn_cpu_isa isa) {
#if ALCN_X86_SIMD
  static int have[ALCN_ISA_COUNT] = {-1, -1, -1};
  if (have[0] < 0) {
    __builtin_cpu_init();
    have[ALCN_ISA_AVX512] = __builtin_cpu_supports("avx512f") ? 1 : 0;
    have[ALCN_ISA_AVX2] = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma") ? 1 : 0;
    have[ALCN_ISA_PORTABLE] = 1;
  }
  return have[isa];
#else
  return isa == ALCN_ISA_PORTABLE;
#endif
}

int alcn_cpu_isa_supported(alcn_cpu_isa isa) {
  if ((int)isa < 0 || (int)isa >= ALCN_ISA_COUNT) return 0;
  return (int)isa <= g_limit && cpu_has(isa);
}

alcn_cpu_isa alcn_cpu_isa_best(void) {
  for (int i = ALCN_ISA_COUNT - 1; i > 0; --i)
    if (alcn_cpu_isa_supported((alcn_cpu_isa)i)) return (alcn_cpu_isa)i;
  return ALCN_ISA_PORTABLE;
}

/* ALCN_CPU_ISA as a path: 1 and *isa when set to a known name, 0 when unset
 * or empty (best path), -1 when unknown. */
static int env_isa(alcn_cpu_isa *isa, const char **raw) {
  const char *e = getenv("ALCN_CPU_ISA");
  *raw = e;
  if (!e || !*e) return 0;
  for (int i = 0; i < ALCN_ISA_COUNT; ++i)
    if (strcmp(e, kNames[i]) == 0) {
      *isa = (alcn_cpu_isa)i;
      return 1;
    }
  return -1;
}

alcn_cpu_isa alcn_cpu_isa_active(void) {
  int a = g_active;
  if (a < 0) {
    alcn_cpu_isa want = ALCN_ISA_PORTABLE;
    const char *raw;
    a = env_isa(&want, &raw) == 1 && alcn_cpu_isa_supported(want) ? (int)want : (int)alcn_cpu_isa_best();
    g_active = a;
  }
  return (alcn_cpu_isa)a;
}

/* "avx2, avx512" style list of the supported paths into buf. */
static void supported_list(char *buf, size_t cap) {
  buf[0] = '\0';
  for (int i = 0; i < ALCN_ISA_COUNT; ++i)
    if (alcn_cpu_isa_supported((alcn_cpu_isa)i)) {
      if (buf[0]) strncat(buf, ", ", cap - strlen(buf) - 1);
      strncat(buf, kNames[i], cap - strlen(buf) - 1);
    }
}

alcn_status alcn_cpu_isa_set(alcn_cpu_isa isa) {
  if ((int)isa < 0 || (int)isa >= ALCN_ISA_COUNT) ALCN_FAIL(ALCN_ERR_ARG, "CPU ISA %d out of range", (int)isa);
  if (!alcn_cpu_isa_supported(isa)) {
    char list[64];
    supported_list(list, sizeof list);
    ALCN_FAIL(ALCN_ERR_UNSUPPORTED, "ALCN_CPU_ISA=%s: this CPU lacks %s (it runs: %s; hint: unset ALCN_CPU_ISA)",
              kNames[isa], isa == ALCN_ISA_AVX512 ? "AVX-512F" : "AVX2 and FMA", list);
  }
  g_active = (int)isa;
  return ALCN_OK;
}

alcn_status alcn_cpu_isa_from_env(void) {
  alcn_cpu_isa want = ALCN_ISA_PORTABLE;
  const char *raw;
  const int r = env_isa(&want, &raw);
  if (r < 0) ALCN_FAIL(ALCN_ERR_ARG, "ALCN_CPU_ISA=%s: unknown CPU path (valid: portable, avx2, avx512)", raw);
  return alcn_cpu_isa_set(r == 0 ? alcn_cpu_isa_best() : want);
}

void alcn_cpu_isa_limit(alcn_cpu_isa max) {
  g_limit = (int)max < 0 ? 0 : (int)max >= ALCN_ISA_COUNT ? ALCN_ISA_COUNT - 1 : (int)max;
  if (g_active > g_limit) g_active = -1;
}
