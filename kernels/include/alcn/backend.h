/* The backend API of the SDK: an opaque handle (alcn/types.h) and exported,
 * argument-checking functions that the CPU and the CUDA backend implement
 * (ggml-backend style; the vtable is private to libalcn, backend_impl.h).
 * Methods and noises are written once against these functions.
 *
 * All float pointers are the backend's memory (host memory for the CPU
 * backend, device memory for CUDA), allocated with alcn_backend_alloc. Ops are
 * enqueued in order on the backend's stream; only alcn_download and alcn_sync
 * wait. Scalar results (a loss) are written to backend memory so that no op
 * has to wait; download them when needed. Gradient conventions (ops.h): input
 * gradients =, parameter gradients +=, any gradient pointer may be NULL.
 * Every function checks its arguments (a NULL handle or buffer, a negative or
 * impossible size) and returns ALCN_ERR_ARG naming the function. */
#ifndef ALCN_BACKEND_H
#define ALCN_BACKEND_H

#include <stddef.h>
#include <stdint.h>

#include "alcn/export.h"
#include "alcn/ops.h"
#include "alcn/status.h"
#include "alcn/tensor.h"
#include "alcn/types.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Timer slots per backend (alcn_timer_mark / alcn_timer_elapsed_ms). */
#define ALCN_TIMER_SLOTS 4

/* ------------------------------------------------------------- lifetime */
/* CPU backend; threads <= 0 keeps OpenMP's default. */
ALCN_API alcn_status alcn_backend_cpu_create(alcn_backend **out, int threads);
/* CUDA backend on device `ordinal`. ALCN_ERR_DEVICE with one clear line when
 * there is no driver or no GPU; ALCN_ERR_UNSUPPORTED when built without CUDA. */
ALCN_API alcn_status alcn_backend_cuda_create(alcn_backend **out, int ordinal);
/* 1 if this build has the CUDA backend and a usable GPU is present, else 0;
 * reason (may be NULL) receives why not. */
ALCN_API int alcn_cuda_available(char *reason, size_t cap);
/* name: "cpu", "cuda" or "auto" (CUDA when present, else CPU; says which on stderr unless quiet). */
ALCN_API alcn_status alcn_backend_create(alcn_backend **out, const char *name, int threads, int quiet);
ALCN_API void alcn_backend_destroy(alcn_backend *be);

/* ------------------------------------------------------------- facts */
ALCN_API alcn_device alcn_backend_device(const alcn_backend *be);
ALCN_API const char *alcn_backend_name(const alcn_backend *be);        /* "cpu", "cuda" */
ALCN_API const char *alcn_backend_description(const alcn_backend *be); /* "cpu (OpenBLAS, 2 threads)" */
/* Peak device memory in bytes since creation; 0 where not tracked (CPU). */
ALCN_API size_t alcn_backend_peak_memory(alcn_backend *be);

/* ------------------------------------------------------------- memory */
ALCN_API void *alcn_backend_alloc(alcn_backend *be, size_t bytes); /* NULL on out-of-memory */
ALCN_API void alcn_backend_free(alcn_backend *be, void *p);        /* p may be NULL */
ALCN_API alcn_status alcn_upload(alcn_backend *be, void *dst, const void *src_host, size_t bytes);
ALCN_API alcn_status alcn_download(alcn_backend *be, void *dst_host, const void *src, size_t bytes);
ALCN_API alcn_status alcn_copy(alcn_backend *be, void *dst, const void *src, size_t bytes);
/* Strided 2-D copy of floats: dst[r*dst_ld + j] = src[r*src_ld + j] for
 * r < rows, j < cols (cols <= dst_ld, cols <= src_ld; the spans of dst and
 * src, first to last element touched, must not overlap). Channel
 * concatenation of a (N,Ca,HW) and b (N,Cb,HW) into out (N,Ca+Cb,HW) is two
 * calls: rows N, cols Ca*HW, dst_ld (Ca+Cb)*HW, src_ld Ca*HW (then b at
 * out + Ca*HW); its backward (the split of dout into da, db) is the same op
 * with the strides swapped. A copy is linear and exact: its gradient is the
 * transposed copy. */
ALCN_API alcn_status alcn_copy_2d(alcn_backend *be, float *dst, size_t dst_ld, const float *src, size_t src_ld,
                                  size_t rows, size_t cols);
ALCN_API alcn_status alcn_zero(alcn_backend *be, void *p, size_t bytes);
ALCN_API alcn_status alcn_sync(alcn_backend *be);

/* ------------------------------------------------------------- layers (shapes: ops.h) */
/* d->transposed picks Conv2d / ConvTranspose2d. */
ALCN_API alcn_status alcn_conv_forward(alcn_backend *be, float *out, const float *in, const float *w, const float *b,
                                       const alcn_conv_dims *d);
ALCN_API alcn_status alcn_conv_backward(alcn_backend *be, float *din, float *dw, float *db, const float *dout,
                                        const float *in, const float *w, const alcn_conv_dims *d);
/* in (N,I), w (O,I), b (O), out (N,O). */
ALCN_API alcn_status alcn_linear_forward(alcn_backend *be, float *out, const float *in, const float *w,
                                         const float *b, int N, int I, int O);
ALCN_API alcn_status alcn_linear_backward(alcn_backend *be, float *din, float *dw, float *db, const float *dout,
                                          const float *in, const float *w, int N, int I, int O);
ALCN_API alcn_status alcn_act_forward(alcn_backend *be, float *out, const float *in, size_t n, alcn_act act,
                                      float slope);
/* out: the forward's output (the derivative is written in terms of it). */
ALCN_API alcn_status alcn_act_backward(alcn_backend *be, float *din, const float *dout, const float *out, size_t n,
                                       alcn_act act, float slope);
/* A layer and the activation next to it in one call, bitwise what the two
 * calls give (a backend runs the activation on each image's result while it
 * is in cache, or, without a fused kernel, runs the two calls):
 *   alcn_conv_forward_act:   out = act(conv(in) + b) (alcn_conv_forward,
 *                            then alcn_act_forward(out, out));
 *   alcn_linear_forward_act: out = act(in w^T + b);
 *   alcn_conv_backward_act:  the layer's gradients, din multiplied by the
 *                            derivative of an activation applied to this
 *                            layer's input, act_out being that activation's
 *                            forward output, shaped as din (alcn_conv_backward,
 *                            then alcn_act_backward(din, din, act_out)). */
ALCN_API alcn_status alcn_conv_forward_act(alcn_backend *be, float *out, const float *in, const float *w,
                                           const float *b, const alcn_conv_dims *d, alcn_act act, float slope);
ALCN_API alcn_status alcn_conv_backward_act(alcn_backend *be, float *din, float *dw, float *db, const float *dout,
                                            const float *in, const float *w, const alcn_conv_dims *d,
                                            const float *act_out, alcn_act act, float slope);
ALCN_API alcn_status alcn_linear_forward_act(alcn_backend *be, float *out, const float *in, const float *w,
                                             const float *b, int N, int I, int O, alcn_act act, float slope);
/* train: batch statistics, saved for backward; running statistics updated
 * unless running_mean / running_var are NULL. Eval: the running statistics.
 * gamma and beta may both be NULL: no affine transform (PyTorch affine=False,
 * Deep SVDD's bias-free networks); dgamma / dbeta are then not written. */
ALCN_API alcn_status alcn_bn_forward(alcn_backend *be, int train, float *out, const float *in, const float *gamma,
                                     const float *beta, float *running_mean, float *running_var, float *save_mean,
                                     float *save_invstd, const alcn_bn_dims *d);
ALCN_API alcn_status alcn_bn_backward(alcn_backend *be, float *din, float *dgamma, float *dbeta, const float *dout,
                                      const float *in, const float *gamma, const float *save_mean,
                                      const float *save_invstd, const alcn_bn_dims *d);

/* ------------------------------------------------------------- losses */
/* *loss (backend memory, 1 float) = mean loss over (N,C,H,W); dpred (may be
 * NULL) = scale * dLoss/dpred. */
ALCN_API alcn_status alcn_loss(alcn_backend *be, const alcn_loss_cfg *cfg, float *loss, float *dpred,
                               const float *pred, const float *target, int N, int C, int H, int W, float scale);
/* scores[n] = mean over D of (a[n,:] - b[n,:])^2: the per-image anomaly score. */
ALCN_API alcn_status alcn_sq_err_per_image(alcn_backend *be, float *scores, const float *a, const float *b, int N,
                                           int D);

/* ------------------------------------------------------------- optimiser */
/* PyTorch Adam on n parameters; t counts from 1. */
ALCN_API alcn_status alcn_adam_step(alcn_backend *be, float *p, const float *g, float *m, float *v, size_t n,
                                    const alcn_adam_hparams *h, int t);

/* ------------------------------------------------------------- element-wise */
/* Per-image blend: out[n,i] = a[n]*x[n,i] + (1-a[n])*y[n,i], i < D. */
ALCN_API alcn_status alcn_blend(alcn_backend *be, float *out, const float *x, const float *y, const float *a, int N,
                                int D);
/* dy[n,i] = (1-a[n]) * dout[n,i]. */
ALCN_API alcn_status alcn_blend_backward_y(alcn_backend *be, float *dy, const float *dout, const float *a, int N,
                                           int D);
/* y[i] = alpha*x[i] + beta*y[i]. */
ALCN_API alcn_status alcn_axpby(alcn_backend *be, float *y, const float *x, size_t n, float alpha, float beta);
/* out[i] = a[i] * b[i] (out may alias a or b). The product's gradient is the
 * same op: da = dout * b, db = dout * a. */
ALCN_API alcn_status alcn_mul(alcn_backend *be, float *out, const float *a, const float *b, size_t n);
/* out[i] = mask[i] > 0.5 ? a[i] : b[i] (mask of 0/1 floats; out may alias a or
 * b). Its gradient: da = select(mask, dout, 0), db = select(mask, 0, dout). */
ALCN_API alcn_status alcn_select(alcn_backend *be, float *out, const float *mask, const float *a, const float *b,
                                 size_t n);
/* out[i] = min(max(in[i], lo), hi) (out may alias in); lo <= hi. */
ALCN_API alcn_status alcn_clamp(alcn_backend *be, float *out, const float *in, size_t n, float lo, float hi);
/* din[i] = lo < in[i] < hi ? dout[i] : 0 (in: the clamp's input). */
ALCN_API alcn_status alcn_clamp_backward(alcn_backend *be, float *din, const float *dout, const float *in, size_t n,
                                         float lo, float hi);
/* Salt-and-pepper: for image n (D floats), lo/hi = min/max of x[n,:];
 * out = u < rate/2 ? lo : (u < rate ? hi : x); noise (may be NULL) = out - x;
 * u (N,D) uniforms in [0,1), e.g. from alcn_fill_uniform. */
ALCN_API alcn_status alcn_salt_pepper(alcn_backend *be, float *out, float *noise, const float *x, const float *u,
                                      int N, int D, float rate);

/* ------------------------------------------------------------- random fills */
/* Identical streams on every backend (rng.h): value i of a fill is a function
 * of (seed, offset + i/4, lane i%4) only. */
ALCN_API alcn_status alcn_fill_uniform(alcn_backend *be, float *out, size_t n, uint64_t seed, uint64_t offset,
                                       float lo, float hi);
ALCN_API alcn_status alcn_fill_normal(alcn_backend *be, float *out, size_t n, uint64_t seed, uint64_t offset,
                                      float mean, float std);

/* ------------------------------------------------------------- resampling */
/* MaxPool2d (k x k windows, stride, no padding, floor mode; ties to the first
 * maximum as PyTorch): in (N,C,H,W), out (N,C,P,Q), P = (H-k)/stride + 1.
 * Backward: din (N,C,H,W) (=) gets each window's dout at its maximum (in: the
 * forward's input). */
ALCN_API alcn_status alcn_maxpool_forward(alcn_backend *be, float *out, const float *in, int N, int C, int H, int W,
                                          int k, int stride);
ALCN_API alcn_status alcn_maxpool_backward(alcn_backend *be, float *din, const float *dout, const float *in, int N,
                                           int C, int H, int W, int k, int stride);
/* Nearest-neighbour upsampling by an integer factor f (F.interpolate,
 * scale_factor=f): in (N,C,H,W), out (N,C,H*f,W*f); din (=) sums each f x f block. */
ALCN_API alcn_status alcn_upsample_forward(alcn_backend *be, float *out, const float *in, int N, int C, int H, int W,
                                           int f);
ALCN_API alcn_status alcn_upsample_backward(alcn_backend *be, float *din, const float *dout, int N, int C, int H,
                                            int W, int f);

/* ------------------------------------------------------------- VAE posterior */
/* Reparameterised sample and KL to N(0,I) of a diagonal Gaussian: ml (N,2L)
 * holds per row mu (L) then logvar = log sigma^2 (L); eps (N,L), e.g. from
 * alcn_fill_normal. z (N,L) = mu + eps * exp(logvar/2) (may be NULL);
 * kl (N) = 0.5 * sum_l (mu^2 + exp(logvar) - 1 - logvar) (may be NULL). */
ALCN_API alcn_status alcn_vae_sample(alcn_backend *be, float *z, float *kl, const float *ml, const float *eps, int N,
                                     int L);
/* dml (N,2L) (=): the gradient of <dz, z> + kl_scale * sum_n kl[n] w.r.t. ml;
 * dz (N,L) may be NULL (the KL term only). */
ALCN_API alcn_status alcn_vae_sample_backward(alcn_backend *be, float *dml, const float *dz, const float *ml,
                                              const float *eps, int N, int L, float kl_scale);

/* ------------------------------------------------------------- timing */
/* alcn_timer_mark records slot (0 <= slot < ALCN_TIMER_SLOTS) once every op
 * enqueued so far has run: the CPU backend reads the monotonic clock (its ops
 * are synchronous), CUDA records an event on the stream. elapsed waits for
 * slot `to` and gives the milliseconds from mark `from` to mark `to`. */
ALCN_API alcn_status alcn_timer_mark(alcn_backend *be, int slot);
ALCN_API alcn_status alcn_timer_elapsed_ms(alcn_backend *be, int from, int to, double *ms);

#ifdef __cplusplus
}
#endif
#endif
