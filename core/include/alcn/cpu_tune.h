/* OpenBLAS core selection for programs. Debian's OpenBLAS picks its kernels
 * from the CPU model; on CPUs it does not know (virtual machines report a
 * generic "Intel Xeon Processor") it falls back to Prescott (SSE3) kernels,
 * 3-5x slower than the AVX2/AVX-512 ones the CPU supports. OpenBLAS reads
 * OPENBLAS_CORETYPE only when it is loaded, so a program calls this first
 * thing in main(): when the variable is unset and the CPU supports AVX-512 or
 * AVX2, it sets OPENBLAS_CORETYPE (SkylakeX or Haswell) and re-executes the
 * program once. Under ALCN_CPU_ISA=avx2 it asks for Haswell even where
 * OpenBLAS chose an AVX-512 core itself, so that the whole process (and the
 * PyTorch peers, which inherit the variable) runs what a CPU without AVX-512
 * would. A user's own OPENBLAS_CORETYPE is always respected. */
#ifndef ALCN_CPU_TUNE_H
#define ALCN_CPU_TUNE_H
#ifdef __cplusplus
extern "C" {
#endif

/* Returns normally when nothing needs doing or re-execution failed;
 * does not return when it re-executed. */
void alcn_cpu_tune_blas(char **argv);
/* The OpenBLAS core in use ("SkylakeX", "Haswell", "Prescott", ...). */
const char *alcn_blas_core_name(void);

#ifdef __cplusplus
}
#endif
#endif
