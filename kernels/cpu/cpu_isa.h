/* Private to libalcn's CPU backend: which SIMD path the CPU kernels take.
 *
 * Three paths, best first: AVX-512 (avx512f), AVX2+FMA, portable C. The
 * direct convolution kernels (conv_direct*.c), Adam and the element-wise ops
 * (act.c, elementwise.c) are compiled for each x86-64 path with per-function
 * target attributes (no global -m flags: one binary runs on any x86-64 CPU)
 * and dispatch on alcn_cpu_isa_active() at every call. The portable path is
 * plain C (conv: im2col + OpenBLAS sgemm) and is all a non-x86 build has.
 *
 * The path is the best one this CPU supports unless the environment variable
 * ALCN_CPU_ISA=portable|avx2|avx512 forces one; CPU backend creation refuses
 * (an error status with a one-line message) a name it does not know and a
 * path the CPU lacks. Kernels called before any backend exists resolve the
 * path lazily the same way (an unusable ALCN_CPU_ISA is then ignored). */
#ifndef ALCN_CPU_ISA_H
#define ALCN_CPU_ISA_H

#include "alcn/status.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum alcn_cpu_isa { ALCN_ISA_PORTABLE = 0, ALCN_ISA_AVX2 = 1, ALCN_ISA_AVX512 = 2 } alcn_cpu_isa;
#define ALCN_ISA_COUNT 3

/* Per-function targets of the SIMD paths (x86-64 GCC/Clang builds only). */
#if defined(__x86_64__) && defined(__GNUC__)
#define ALCN_X86_SIMD 1
#define ALCN_TARGET_AVX2 __attribute__((target("avx2,fma")))
#define ALCN_TARGET_AVX512 __attribute__((target("avx512f")))
#else
#define ALCN_X86_SIMD 0
#endif

/* Element-wise kernels: one plain-C body, compiled once per path.
 * ALCN_ISA_VARIANTS(name, (params), (args)) makes static void name_portable,
 * name_avx2 and name_avx512 from `static inline ALCN_ISA_BODY void
 * name_body(params)`, each compiled (auto-vectorised) for its target;
 * ALCN_ISA_CALL(name, (args)) calls the active path's. The bodies must be
 * exact per element (no reductions; the build's ISO C mode keeps a*b+c
 * uncontracted) so that every path gives bitwise the same numbers. */
#define ALCN_ISA_BODY __attribute__((always_inline))
#if ALCN_X86_SIMD
#define ALCN_ISA_VARIANTS(name, params, args)                        \
  static void name##_portable params { name##_body args; }           \
  ALCN_TARGET_AVX2 static void name##_avx2 params { name##_body args; } \
  ALCN_TARGET_AVX512 static void name##_avx512 params { name##_body args; }
#define ALCN_ISA_CALL(name, args)                       \
  do {                                                  \
    switch (alcn_cpu_isa_active()) {                    \
      case ALCN_ISA_AVX512: name##_avx512 args; break;  \
      case ALCN_ISA_AVX2: name##_avx2 args; break;      \
      default: name##_portable args; break;             \
    }                                                   \
  } while (0)
#else
#define ALCN_ISA_VARIANTS(name, params, args) \
  static void name##_portable params { name##_body args; }
#define ALCN_ISA_CALL(name, args) name##_portable args
#endif

/* "portable", "avx2", "avx512" ("?" out of range). */
const char *alcn_cpu_isa_name(alcn_cpu_isa isa);
/* 1 when this build and this CPU can run the path (respecting alcn_cpu_isa_limit). */
int alcn_cpu_isa_supported(alcn_cpu_isa isa);
/* The best supported path. */
alcn_cpu_isa alcn_cpu_isa_best(void);
/* The path the kernels take now (resolved on first use, see above). */
alcn_cpu_isa alcn_cpu_isa_active(void);
/* Make ALCN_CPU_ISA (unset or empty: the best path) the active path.
 * ALCN_ERR_ARG for an unknown name, ALCN_ERR_UNSUPPORTED for a path this CPU
 * lacks (the active path is then left as it was). Called by CPU backend creation. */
alcn_status alcn_cpu_isa_from_env(void);
/* Force a path (tests, benchmarks); ALCN_ERR_UNSUPPORTED when the CPU lacks it.
 * Not to be called while kernels run on other threads. */
alcn_status alcn_cpu_isa_set(alcn_cpu_isa isa);
/* Tests: pretend the CPU has no path above max (ALCN_ISA_AVX512 lifts the
 * limit), so that the refusal can be tested on any machine. */
void alcn_cpu_isa_limit(alcn_cpu_isa max);

#ifdef __cplusplus
}
#endif
#endif
