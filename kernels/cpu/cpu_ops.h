/* The CPU operators of the layer library (private to libalcn; shapes and
 * conventions in the public alcn/ops.h).
 *
 * Conventions (llm.c style):
 *  - caller-owned memory; NCHW float32; shapes in the comments;
 *  - forward writes its output (=); backward writes input gradients (=) and
 *    ACCUMULATES parameter gradients (+=); any gradient pointer may be NULL
 *    when that gradient is not wanted (a frozen layer, an input leaf);
 *  - alcn_ref_* are plain loops kept as the reference for tests;
 *    alcn_cpu_* are the fast path (OpenBLAS sgemm, FFTW, OpenMP) with the
 *    same maths. The CUDA backend has the same signatures plus a stream. */
#ifndef ALCN_CPU_OPS_H
#define ALCN_CPU_OPS_H

#include <stddef.h>
#include <stdint.h>

#include "alcn/ops.h"
#include "alcn/status.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ------------------------------------------------------------------ conv */
/* Conv2d:          in (N,C,H,W), w (K,C,R,S), b (K), out (N,K,P,Q),
 *                  P = (H + 2*pad - R)/stride + 1.
 * ConvTranspose2d: in (N,C,H,W), w (C,K,R,S) (PyTorch layout: in, out, kh, kw),
 *                  b (K), out (N,K,P,Q), P = (H-1)*stride - 2*pad + R + out_pad. */


/* Floats of scratch the fast CPU conv needs for these dims (any batch <= d->N). */
size_t alcn_cpu_conv_workspace(const alcn_conv_dims *d);

void alcn_ref_conv2d_forward(float *out, const float *in, const float *w, const float *b,
                             const alcn_conv_dims *d);
void alcn_ref_conv2d_backward(float *din, float *dw, float *db, const float *dout, const float *in,
                              const float *w, const alcn_conv_dims *d);
void alcn_ref_convt2d_forward(float *out, const float *in, const float *w, const float *b,
                              const alcn_conv_dims *d);
void alcn_ref_convt2d_backward(float *din, float *dw, float *db, const float *dout, const float *in,
                               const float *w, const alcn_conv_dims *d);

/* ws: alcn_cpu_conv_workspace(d) floats. */
void alcn_cpu_conv2d_forward(float *out, const float *in, const float *w, const float *b,
                             const alcn_conv_dims *d, float *ws);
void alcn_cpu_conv2d_backward(float *din, float *dw, float *db, const float *dout, const float *in,
                              const float *w, const alcn_conv_dims *d, float *ws);
void alcn_cpu_convt2d_forward(float *out, const float *in, const float *w, const float *b,
                              const alcn_conv_dims *d, float *ws);
void alcn_cpu_convt2d_backward(float *din, float *dw, float *db, const float *dout, const float *in,
                               const float *w, const alcn_conv_dims *d, float *ws);

/* An activation fused into the pass before it (forward) or after it
 * (backward), run on each image's result while it is still in cache.
 * Forward: out = act(out), what alcn_cpu_act_forward(out, out) gives.
 * Backward: din = act'(mask) * din, what alcn_cpu_act_backward(din, din, mask)
 * gives, mask being the activation's forward output (the layout of din,
 * N images). The same per-element code as the separate calls: bitwise the
 * same numbers. */
typedef struct alcn_cpu_epi {
  alcn_act act;
  float slope;
  const float *mask; /* backward only */
} alcn_cpu_epi;

/* d->transposed picks Conv2d / ConvTranspose2d; epi may be NULL (none). */
void alcn_cpu_conv_forward_epi(float *out, const float *in, const float *w, const float *b, const alcn_conv_dims *d,
                               float *ws, const alcn_cpu_epi *epi);
void alcn_cpu_conv_backward_epi(float *din, float *dw, float *db, const float *dout, const float *in, const float *w,
                                const alcn_conv_dims *d, float *ws, const alcn_cpu_epi *epi);

/* ---------------------------------------------------------------- linear */
/* in (N,I), w (O,I) (PyTorch layout), b (O), out (N,O). */
void alcn_cpu_linear_forward(float *out, const float *in, const float *w, const float *b, int N, int I, int O);
/* The same with out = act(out) fused (epi->mask unused; epi may be NULL). */
void alcn_cpu_linear_forward_epi(float *out, const float *in, const float *w, const float *b, int N, int I, int O,
                                 const alcn_cpu_epi *epi);
void alcn_cpu_linear_backward(float *din, float *dw, float *db, const float *dout, const float *in,
                              const float *w, int N, int I, int O);

/* ----------------------------------------------------------- activations */
/* out[i] = f(in[i]); out may alias in. */
void alcn_cpu_act_forward(float *out, const float *in, size_t n, alcn_act act, float slope);
/* din[i] = dout[i] * f'(.) from the forward's output `out` (all four are
 * expressible through the output); din may alias dout. */
void alcn_cpu_act_backward(float *din, const float *dout, const float *out, size_t n, alcn_act act,
                           float slope);
/* One thread, in place: x[0..n) = act(x) (forward), dx[0..n) = act'(mask) * dx
 * (backward); the element code of the two calls above. */
void alcn_cpu_epi_forward(float *x, size_t n, const alcn_cpu_epi *e);
void alcn_cpu_epi_backward(float *dx, const float *mask, size_t n, const alcn_cpu_epi *e);

/* ------------------------------------------------------------- batchnorm */
/* BatchNorm2d over (N, HW) per channel C. in/out (N,C,HW); gamma, beta,
 * running_mean, running_var, save_mean, save_invstd: (C).
 * Train mode normalises with the batch's biased variance, stores mean and
 * 1/sqrt(var+eps) for backward, and updates the running statistics with
 * momentum and the unbiased variance (as PyTorch). Eval mode uses the running
 * statistics. */
void alcn_cpu_bn_forward_train(float *out, const float *in, const float *gamma, const float *beta,
                               float *running_mean, float *running_var, float *save_mean,
                               float *save_invstd, const alcn_bn_dims *d);
void alcn_cpu_bn_forward_eval(float *out, const float *in, const float *gamma, const float *beta,
                              const float *running_mean, const float *running_var, const alcn_bn_dims *d);
/* Train-mode backward. */
void alcn_cpu_bn_backward(float *din, float *dgamma, float *dbeta, const float *dout, const float *in,
                          const float *gamma, const float *save_mean, const float *save_invstd,
                          const alcn_bn_dims *d);

/* ----------------------------------------------------------------- losses */
/* Every loss is a mean over the elements of pred (N,C,H,W) against target.
 * Returns the loss; when dpred != NULL writes dpred = scale * dLoss/dpred. */

float alcn_cpu_mse_loss(float *dpred, const float *pred, const float *target, size_t n, float scale);
float alcn_cpu_l1_loss(float *dpred, const float *pred, const float *target, size_t n, float scale);
float alcn_cpu_bce_logits_loss(float *dpred, const float *pred, const float *target, size_t n,
                               float scale);

/* Focal Frequency Loss (Jiang et al. 2021, official defaults, patch factor 1):
 * F = orthonormal 2-D DFT of each (n,c) plane; d = |F(pred) - F(target)|^2;
 * w = d^(alpha/2) / max over the plane's frequencies, NaN -> 0, clamped to [0,1],
 * no gradient through w; loss = mean over (N,C,H,W) of w*d.
 * The plan is made once per shape (FFTW); create for the largest batch used. */
typedef struct alcn_ffl alcn_ffl;
alcn_status alcn_cpu_ffl_create(alcn_ffl **out, int max_n, int C, int H, int W, float alpha);
float alcn_cpu_ffl_loss(alcn_ffl *f, float *dpred, const float *pred, const float *target, int N,
                        float scale);
void alcn_cpu_ffl_destroy(alcn_ffl *f);
/* Plain O(H^2 W^2) reference of the same loss and gradient (tests only). */
float alcn_ref_ffl_loss(float *dpred, const float *pred, const float *target, int N, int C, int H, int W,
                        float alpha, float scale);

/* scores[n] = mean over D of (a[n,:] - b[n,:])^2: the per-image anomaly score. */
void alcn_cpu_sq_err_per_image(float *scores, const float *a, const float *b, int N, int D);

/* ------------------------------------------------------------------- adam */
/* PyTorch Adam: g' = g + weight_decay*p; m = b1 m + (1-b1) g'; v = b2 v + (1-b2) g'^2;
 * p -= lr * (m / (1-b1^t)) / (sqrt(v / (1-b2^t)) + eps); t counts from 1. */
void alcn_cpu_adam_step(float *p, const float *g, float *m, float *v, size_t n, const alcn_adam_hparams *h,
                        int t);

/* ------------------------------------------------------------ elementwise */
/* Per-sample blend: out[n,i] = a[n]*x[n,i] + (1-a[n])*y[n,i], i < D. */
void alcn_cpu_blend(float *out, const float *x, const float *y, const float *a, int N, int D);
/* Gradient of the blend w.r.t. y: dy[n,i] = (1-a[n]) * dout[n,i]. */
void alcn_cpu_blend_backward_y(float *dy, const float *dout, const float *a, int N, int D);
/* y[i] = alpha*x[i] + beta*y[i] */
void alcn_cpu_axpby(float *y, const float *x, size_t n, float alpha, float beta);
/* Salt-and-pepper (noise "random"): for image n of N (D floats), lo/hi = the
 * min/max of x[n,:]; out[n,i] = u < rate/2 ? lo : (u < rate ? hi : x[n,i]),
 * u = u[n,i] in [0,1). noise (may be NULL) = out - x. out and noise must not
 * alias x or u. */
void alcn_cpu_salt_pepper(float *out, float *noise, const float *x, const float *u, int N, int D, float rate);
/* out[i] = a[i]*b[i]; out[i] = mask[i] > 0.5 ? a[i] : b[i]; out[i] = clamp(in[i], lo, hi);
 * din[i] = lo < in[i] < hi ? dout[i] : 0 (out / din may alias an input). */
void alcn_cpu_mul(float *out, const float *a, const float *b, size_t n);
void alcn_cpu_select(float *out, const float *mask, const float *a, const float *b, size_t n);
void alcn_cpu_clamp(float *out, const float *in, size_t n, float lo, float hi);
void alcn_cpu_clamp_backward(float *din, const float *dout, const float *in, size_t n, float lo, float hi);

/* --------------------------------------------------------- resampling (pooling.c) */
/* MaxPool2d, no padding, floor mode: in (N,C,H,W), out (N,C,P,Q),
 * P = (H-k)/stride + 1; ties go to the first maximum (row-major), as PyTorch.
 * Backward: din (=) gets each window's dout at its maximum. */
void alcn_cpu_maxpool_forward(float *out, const float *in, int N, int C, int H, int W, int k, int stride);
void alcn_cpu_maxpool_backward(float *din, const float *dout, const float *in, int N, int C, int H, int W, int k,
                               int stride);
/* Nearest upsampling by f: in (N,C,H,W), out (N,C,H*f,W*f); din (=) sums each f x f block. */
void alcn_cpu_upsample_forward(float *out, const float *in, int N, int C, int H, int W, int f);
void alcn_cpu_upsample_backward(float *din, const float *dout, int N, int C, int H, int W, int f);

/* ------------------------------------------------------------ VAE (vae.c) */
/* ml (N,2L): mu then logvar per row; eps, z (N,L); kl (N) (either output may be NULL).
 * z = mu + eps*exp(logvar/2); kl[n] = 0.5 sum (mu^2 + exp(logvar) - 1 - logvar).
 * Backward (dml =): gradient of <dz, z> + kl_scale * sum kl; dz may be NULL (KL only). */
void alcn_cpu_vae_sample(float *z, float *kl, const float *ml, const float *eps, int N, int L);
void alcn_cpu_vae_sample_backward(float *dml, const float *dz, const float *ml, const float *eps, int N, int L,
                                  float kl_scale);

/* ------------------------------------------------------ strided copy (copy_2d.c) */
/* dst[r*dst_ld + j] = src[r*src_ld + j], r < rows, j < cols (no overlap):
 * channel concatenation and its split (alcn_copy_2d, backend.h). */
void alcn_cpu_copy_2d(float *dst, size_t dst_ld, const float *src, size_t src_ld, size_t rows, size_t cols);

#ifdef __cplusplus
}
#endif
#endif
