/* Helpers for the kernel suites: run a check once per CPU SIMD path
 * (portable, AVX2, AVX-512; kernels/cpu/cpu_isa.h) that this machine has,
 * and set the OpenMP thread count of the libgomp that libalcn loaded. */
#ifndef ALCN_TEST_ISA_PATHS_H
#define ALCN_TEST_ISA_PATHS_H

#ifndef _GNU_SOURCE
#define _GNU_SOURCE /* RTLD_DEFAULT */
#endif
#include <check.h>
#include <dlfcn.h>
#include <stdio.h>
#include <string.h>

#include "cpu_isa.h"

/* Make `isa` the active path: 1, or 0 (printing why) when the CPU lacks it. */
static inline int isa_use(int isa, const char *what) {
  if (!alcn_cpu_isa_supported((alcn_cpu_isa)isa)) {
    printf("%s: this CPU has no %s path: skipped\n", what, alcn_cpu_isa_name((alcn_cpu_isa)isa));
    return 0;
  }
  ck_assert_int_eq(alcn_cpu_isa_set((alcn_cpu_isa)isa), ALCN_OK);
  ck_assert_int_eq(alcn_cpu_isa_active(), isa);
  return 1;
}

/* Back to the best path (for runs with CK_FORK=no). */
static inline void isa_restore(void) { alcn_cpu_isa_set(alcn_cpu_isa_best()); }

/* omp_set_num_threads from the libgomp that libalcn loaded (the tests are
 * not built with OpenMP); NULL if not found. */
typedef void (*isa_set_threads_fn)(int);
static inline isa_set_threads_fn isa_find_set_threads(void) {
  void *f = dlsym(RTLD_DEFAULT, "omp_set_num_threads");
  isa_set_threads_fn fn;
  memcpy(&fn, &f, sizeof fn);
  return fn;
}

#endif
