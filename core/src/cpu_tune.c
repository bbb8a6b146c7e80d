/* OpenBLAS core selection by re-execution (cpu_tune.h). */
#define _GNU_SOURCE
#include "alcn/cpu_tune.h"

#include <cblas.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

const char *alcn_blas_core_name(void) { return openblas_get_corename(); }

void alcn_cpu_tune_blas(char **argv) {
  if (getenv("OPENBLAS_CORETYPE") || getenv("ALCN_NO_BLAS_TUNE")) return;
  const char *want = NULL, *isa = getenv("ALCN_CPU_ISA");
  int held = 0; /* ALCN_CPU_ISA=avx2: OpenBLAS held to AVX2 too, as on a CPU without AVX-512 */
#if defined(__x86_64__) || defined(__i386__)
  __builtin_cpu_init();
  const int avx2 = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
  if (isa && strcmp(isa, "avx2") == 0 && avx2) {
    want = "Haswell";
    held = 1;
  } else if (__builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
             __builtin_cpu_supports("avx512vl")) {
    want = "SkylakeX";
  } else if (avx2) {
    want = "Haswell";
  }
#endif
  if (!want) return;
  const char *have = openblas_get_corename();
  if (have && strcasecmp(have, want) == 0) return;
  if (!held && have && strcasecmp(have, "Prescott") != 0 && strcasecmp(have, "Core2") != 0 &&
      strcasecmp(have, "Nehalem") != 0 && strcasecmp(have, "Sandybridge") != 0)
    return; /* OpenBLAS already chose a modern core itself */
  setenv("OPENBLAS_CORETYPE", want, 1);
  execv("/proc/self/exe", argv);
  /* exec failed: carry on with the slower kernels */
  unsetenv("OPENBLAS_CORETYPE");
}
