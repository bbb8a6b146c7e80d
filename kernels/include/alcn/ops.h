/* The layer library's shapes and conventions (public, SDK). The operators are
 * called through the backend (alcn/backend.h); the CPU implementations are
 * private to libalcn (kernels/cpu/cpu_ops.h).
 *
 * Conventions (llm.c style):
 *  - caller-owned memory; NCHW float32; shapes in the comments;
 *  - forward writes its output (=); backward writes input gradients (=) and
 *    ACCUMULATES parameter gradients (+=); any gradient pointer may be NULL
 *    when that gradient is not wanted (a frozen layer, an input leaf). */
#ifndef ALCN_OPS_H
#define ALCN_OPS_H

#include <stddef.h>
#include <stdint.h>

#include "alcn/export.h"
#include "alcn/status.h"
#include "alcn/types.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ------------------------------------------------------------------ conv */
/* Conv2d:          in (N,C,H,W), w (K,C,R,S), b (K), out (N,K,P,Q),
 *                  P = (H + 2*pad - R)/stride + 1.
 * ConvTranspose2d: in (N,C,H,W), w (C,K,R,S) (PyTorch layout: in, out, kh, kw),
 *                  b (K), out (N,K,P,Q), P = (H-1)*stride - 2*pad + R + out_pad. */
typedef struct alcn_conv_dims {
  int N, C, H, W;  /* batch, input channels, input height, width */
  int K;           /* output channels */
  int R, S;        /* kernel height, width */
  int stride, pad, out_pad;
  int P, Q;        /* output height, width (set by alcn_conv_dims_init) */
  int transposed;  /* 0: Conv2d, 1: ConvTranspose2d */
} alcn_conv_dims;

/* Fill d and compute P,Q; ALCN_ERR_ARG (with message) for an impossible shape. */
ALCN_API alcn_status alcn_conv_dims_init(alcn_conv_dims *d, int N, int C, int H, int W, int K, int R, int S,
                                         int stride, int pad, int out_pad, int transposed);

/* ----------------------------------------------------------- activations */
/* Forward out = f(in) (out may alias in); backward from the forward's output. */
typedef enum alcn_act {
  ALCN_ACT_RELU = 0,
  ALCN_ACT_LRELU,   /* slope for x < 0 */
  ALCN_ACT_SIGMOID,
  ALCN_ACT_TANH
} alcn_act;

/* ------------------------------------------------------------- batchnorm */
/* BatchNorm2d over (N, HW) per channel C. in/out (N,C,HW); gamma, beta,
 * running_mean, running_var, save_mean, save_invstd: (C).
 * Train mode normalises with the batch's biased variance, stores mean and
 * 1/sqrt(var+eps) for backward, and updates the running statistics with
 * momentum and the unbiased variance (as PyTorch). Eval mode uses the running
 * statistics. */
typedef struct alcn_bn_dims { int N, C, HW; float eps, momentum; } alcn_bn_dims;

/* ------------------------------------------------------------------- adam */
/* PyTorch Adam: g' = g + weight_decay*p; m = b1 m + (1-b1) g'; v = b2 v + (1-b2) g'^2;
 * p -= lr * (m / (1-b1^t)) / (sqrt(v / (1-b2^t)) + eps); t counts from 1. */
typedef struct alcn_adam_hparams { float lr, beta1, beta2, eps, weight_decay; } alcn_adam_hparams;

/* Losses (alcn_loss_kind, alcn_loss_cfg) are in alcn/types.h; FFL is the
 * focal frequency loss of Jiang et al. 2021 (official defaults, patch factor 1):
 * F = orthonormal 2-D DFT of each (n,c) plane; d = |F(pred) - F(target)|^2;
 * w = d^(alpha/2) / max over the plane's frequencies, NaN -> 0, clamped to
 * [0,1], no gradient through w; loss = mean over (N,C,H,W) of w*d. */

#ifdef __cplusplus
}
#endif
#endif
