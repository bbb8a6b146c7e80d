/* Helpers of the CUDA parity suites: a CPU and a CUDA backend side by side,
 * the skip-with-reason exit (77) when there is no GPU, buffers mirrored on
 * both backends, and the error norm the tolerance tables are written in. */
#ifndef ALCN_TEST_CUDA_PAIR_H
#define ALCN_TEST_CUDA_PAIR_H

#include <stddef.h>
#include <stdint.h>

#include "alcn/backend.h"
#include "alcn/net.h"

typedef struct cp_pair {
  alcn_backend *cpu, *gpu;
  int selftest; /* 1: ALCN_CUDA_PARITY_SELFTEST=1, the "GPU" is a second CPU backend */
} cp_pair;

/* Create both backends (FP32: ALCN_CUDA_TF32 is forced off). Without a
 * usable GPU prints "SKIP <suite>: <reason>" and exits 77 (CTest skip).
 * ALCN_CUDA_PARITY_SELFTEST=1: a second CPU backend (1 thread) stands in for
 * the GPU, to check the suites themselves on a machine without one. */
void cp_open_or_skip(cp_pair *p, const char *suite);
void cp_close(cp_pair *p);

/* A float buffer on both backends with a host mirror h (n floats). */
typedef struct cp_buf {
  float *h;     /* host copy, the CPU backend's memory */
  float *d;     /* CUDA device memory */
  float *back;  /* host buffer for downloads of d */
  size_t n;
} cp_buf;

/* Allocate; the host copy is filled U(lo,hi) from seed (lo == hi: constant lo)
 * and uploaded. */
cp_buf cp_buf_make(cp_pair *p, size_t n, uint64_t seed, float lo, float hi);
/* Set both copies to value v (e.g. NAN to prove an output is written, not read). */
void cp_buf_fill(cp_pair *p, cp_buf *b, float v);
/* Download the device copy into b->back (syncs). */
void cp_buf_fetch(cp_pair *p, cp_buf *b);
void cp_buf_free(cp_pair *p, cp_buf *b);

/* max |a-b| / max(max |b|, floor): error relative to the reference's scale;
 * +inf when any value is NaN. */
double cp_norm_err(const float *a, const float *ref, size_t n, double floor);

/* Parameter gradients (or weights) of one net, n floats, compared tensor by
 * tensor (t[0..nt-1], from alcn_net_param_tensors): each tensor's max
 * |gpu-cpu| over its own max |cpu|, that scale floored at floor_rel times the
 * whole net's max |cpu| (a tensor of near-zero values is not judged at its
 * own noise level). One normalisation over the whole buffer would let a small
 * layer's wrong bias gradient hide among the noise generator's 3.3 M Linear
 * gradients. Prints one line per tensor; returns the worst error (+inf on
 * NaN) and, in *worst_tensor, its index. */
double cp_tensor_err(const alcn_param_tensor *t, int nt, size_t n, const char *name, const float *gpu,
                     const float *cpu, double floor_rel, int *worst_tensor);

/* Abort the test with the library's last error when st != ALCN_OK. */
#define CP_OK(call)                                                                           \
  do {                                                                                        \
    alcn_status cp_st_ = (call);                                                              \
    ck_assert_msg(cp_st_ == ALCN_OK, "%s failed: %s", #call, alcn_last_error());              \
  } while (0)

#endif
