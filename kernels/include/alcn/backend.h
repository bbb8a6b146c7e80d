/* The backend interface (ggml-backend style): one vtable that the CPU and the
 * CUDA backend implement, chosen at run time (--device cpu|cuda|auto). The
 * methods and the network helper are written once against it.
 *
 * All float pointers passed to a backend's ops are that backend's memory
 * (host memory for the CPU backend, device memory for CUDA), allocated with
 * alcn_backend_alloc. Ops are enqueued in order on the backend's stream; only
 * download() and sync() wait. Scalar results (a loss) are written to backend
 * memory so that no op has to wait; download them when needed.
 * Gradient conventions are those of ops.h: input grads =, parameter grads +=,
 * any grad pointer may be NULL. */
#ifndef ALCN_BACKEND_H
#define ALCN_BACKEND_H

#include <stddef.h>
#include <stdint.h>

#include "alcn/ops.h"
#include "alcn/status.h"
#include "alcn/tensor.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct alcn_backend alcn_backend;

/* Timer slots per backend (timer_mark / timer_elapsed_ms). */
#define ALCN_TIMER_SLOTS 4

typedef struct alcn_loss_cfg {
  alcn_loss_kind kind;
  float ffl_alpha; /* FFL spectrum-weight exponent, default 1 */
} alcn_loss_cfg;

typedef struct alcn_backend_ops {
  /* memory */
  void *(*alloc)(alcn_backend *be, size_t bytes);  /* NULL on out-of-memory */
  void (*free)(alcn_backend *be, void *p);
  alcn_status (*upload)(alcn_backend *be, void *dst, const void *src_host, size_t bytes);
  alcn_status (*download)(alcn_backend *be, void *dst_host, const void *src, size_t bytes);
  alcn_status (*copy)(alcn_backend *be, void *dst, const void *src, size_t bytes);
  alcn_status (*zero)(alcn_backend *be, void *p, size_t bytes);
  alcn_status (*sync)(alcn_backend *be);

  /* layers (see ops.h for shapes) */
  alcn_status (*conv_forward)(alcn_backend *be, float *out, const float *in, const float *w, const float *b,
                              const alcn_conv_dims *d); /* d->transposed picks Conv2d / ConvTranspose2d */
  alcn_status (*conv_backward)(alcn_backend *be, float *din, float *dw, float *db, const float *dout,
                               const float *in, const float *w, const alcn_conv_dims *d);
  alcn_status (*linear_forward)(alcn_backend *be, float *out, const float *in, const float *w, const float *b,
                                int N, int I, int O);
  alcn_status (*linear_backward)(alcn_backend *be, float *din, float *dw, float *db, const float *dout,
                                 const float *in, const float *w, int N, int I, int O);
  alcn_status (*act_forward)(alcn_backend *be, float *out, const float *in, size_t n, alcn_act act, float slope);
  alcn_status (*act_backward)(alcn_backend *be, float *din, const float *dout, const float *out, size_t n,
                              alcn_act act, float slope);
  alcn_status (*bn_forward)(alcn_backend *be, int train, float *out, const float *in, const float *gamma,
                            const float *beta, float *running_mean, float *running_var, float *save_mean,
                            float *save_invstd, const alcn_bn_dims *d);
  alcn_status (*bn_backward)(alcn_backend *be, float *din, float *dgamma, float *dbeta, const float *dout,
                             const float *in, const float *gamma, const float *save_mean,
                             const float *save_invstd, const alcn_bn_dims *d);

  /* losses: *loss (backend memory, 1 float) = mean loss; dpred = scale*dL/dpred */
  alcn_status (*loss)(alcn_backend *be, const alcn_loss_cfg *cfg, float *loss, float *dpred, const float *pred,
                      const float *target, int N, int C, int H, int W, float scale);
  alcn_status (*sq_err_per_image)(alcn_backend *be, float *scores, const float *a, const float *b, int N, int D);

  /* optimiser */
  alcn_status (*adam_step)(alcn_backend *be, float *p, const float *g, float *m, float *v, size_t n,
                           const alcn_adam_hparams *h, int t);

  /* element-wise */
  alcn_status (*blend)(alcn_backend *be, float *out, const float *x, const float *y, const float *a, int N, int D);
  alcn_status (*blend_backward_y)(alcn_backend *be, float *dy, const float *dout, const float *a, int N, int D);
  alcn_status (*axpby)(alcn_backend *be, float *y, const float *x, size_t n, float alpha, float beta);

  /* random fills, identical streams on every backend (rng.h) */
  alcn_status (*rng_uniform)(alcn_backend *be, float *out, size_t n, uint64_t seed, uint64_t offset, float lo,
                             float hi);
  alcn_status (*rng_normal)(alcn_backend *be, float *out, size_t n, uint64_t seed, uint64_t offset, float mean,
                            float std);

  /* optional: peak device memory in bytes since creation (NULL: not tracked) */
  size_t (*peak_memory)(alcn_backend *be);
  void (*destroy)(alcn_backend *be);

  /* ---- ABI 1.1: appended after the 1.0 slots, so that older plugins keep
   * their offsets. */
  /* Timing in stream order. timer_mark records slot (0 <=
   * slot < ALCN_TIMER_SLOTS) once every op enqueued so far has run: the CPU
   * backend reads the monotonic host clock (its ops are synchronous), CUDA
   * records a cudaEvent on the stream. timer_elapsed_ms waits for slot `to`
   * and gives the milliseconds from mark `from` to mark `to`. */
  alcn_status (*timer_mark)(alcn_backend *be, int slot);
  alcn_status (*timer_elapsed_ms)(alcn_backend *be, int from, int to, double *ms);
  /* Salt-and-pepper on the backend (ABI 1.1; ops.h alcn_cpu_salt_pepper):
   * u (N,D) uniforms in [0,1), e.g. from rng_uniform; noise may be NULL. */
  alcn_status (*salt_pepper)(alcn_backend *be, float *out, float *noise, const float *x, const float *u, int N, int D,
                             float rate);
} alcn_backend_ops;

struct alcn_backend {
  const alcn_backend_ops *ops;
  alcn_device device;
  const char *name;   /* "cpu", "cuda" */
  char description[128]; /* "cpu (OpenBLAS, 2 threads)", "cuda: NVIDIA H200, cc 9.0" */
  void *impl;         /* backend-private state (stream, handles, caches, scratch) */
};

/* CPU backend; threads <= 0 keeps OpenMP's default. */
alcn_status alcn_backend_cpu_create(alcn_backend **out, int threads);
/* CUDA backend on device `ordinal`. ALCN_ERR_DEVICE with one clear line when
 * there is no driver or no GPU; ALCN_ERR_UNSUPPORTED when built without CUDA. */
alcn_status alcn_backend_cuda_create(alcn_backend **out, int ordinal);
/* 1 if this build has the CUDA backend and a usable GPU is present, else 0;
 * reason (may be NULL) receives why not. */
int alcn_cuda_available(char *reason, size_t cap);
/* name: "cpu", "cuda" or "auto" (CUDA when present, else CPU; says which on stderr unless quiet). */
alcn_status alcn_backend_create(alcn_backend **out, const char *name, int threads, int quiet);
void alcn_backend_destroy(alcn_backend *be);

/* Convenience wrappers */
static inline void *alcn_backend_alloc(alcn_backend *be, size_t bytes) { return be->ops->alloc(be, bytes); }
static inline void alcn_backend_free(alcn_backend *be, void *p) { if (p) be->ops->free(be, p); }

#ifdef __cplusplus
}
#endif
#endif
