/* Backend selection by name (cpu | cuda | auto), the no-CUDA fallbacks, and
 * the SDK's backend functions (alcn/backend.h): each checks its arguments,
 * then calls the backend's private vtable (backend_impl.h). */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "backend_impl.h"

#ifndef ALCN_HAVE_CUDA
alcn_status alcn_backend_cuda_create(alcn_backend **out, int ordinal) {
  (void)ordinal;
  if (out) *out = NULL;
  ALCN_FAIL(ALCN_ERR_UNSUPPORTED, "this build has no CUDA backend (hint: install the CUDA toolkit with nvcc and "
            "cuDNN, then reconfigure; or use --device cpu)");
}

int alcn_cuda_available(char *reason, size_t cap) {
  if (reason && cap) snprintf(reason, cap, "this build has no CUDA backend (configured without nvcc)");
  return 0;
}
#endif

alcn_status alcn_backend_create(alcn_backend **out, const char *name, int threads, int quiet) {
  if (!out) ALCN_FAIL(ALCN_ERR_ARG, "alcn_backend_create: out is NULL");
  *out = NULL;
  if (!name || strcmp(name, "cpu") == 0) return alcn_backend_cpu_create(out, threads);
  if (strcmp(name, "cuda") == 0) {
    char why[256];
    if (!alcn_cuda_available(why, sizeof why))
      ALCN_FAIL(ALCN_ERR_DEVICE, "--device cuda: %s (hint: use --device cpu or --device auto)", why);
    return alcn_backend_cuda_create(out, 0);
  }
  if (strcmp(name, "auto") == 0) {
    char why[256];
    if (alcn_cuda_available(why, sizeof why)) {
      ALCN_CHECK(alcn_backend_cuda_create(out, 0));
    } else {
      ALCN_CHECK(alcn_backend_cpu_create(out, threads));
      if (!quiet) fprintf(stderr, "device auto: using the CPU (%s)\n", why);
      return ALCN_OK;
    }
    if (!quiet) fprintf(stderr, "device auto: using %s\n", (*out)->description);
    return ALCN_OK;
  }
  ALCN_FAIL(ALCN_ERR_ARG, "unknown device '%s' (valid: cpu, cuda, auto)", name);
}

void alcn_backend_destroy(alcn_backend *be) {
  if (be && be->ops && be->ops->destroy) be->ops->destroy(be);
}

/* ------------------------------------------------------------- checks */
#define NEED(cond, what)                                                               \
  do {                                                                                 \
    if (!(cond)) ALCN_FAIL(ALCN_ERR_ARG, "%s: %s (hint: a plugin bug)", __func__, what); \
  } while (0)
#define NEED_BE() NEED(be && be->ops, "backend handle is NULL")

alcn_device alcn_backend_device(const alcn_backend *be) { return be ? be->device : ALCN_DEVICE_CPU; }
const char *alcn_backend_name(const alcn_backend *be) { return be ? be->name : "(null)"; }
const char *alcn_backend_description(const alcn_backend *be) { return be ? be->description : "(null)"; }
size_t alcn_backend_peak_memory(alcn_backend *be) {
  return be && be->ops && be->ops->peak_memory ? be->ops->peak_memory(be) : 0;
}

/* ------------------------------------------------------------- memory */
void *alcn_backend_alloc(alcn_backend *be, size_t bytes) { return be && be->ops ? be->ops->alloc(be, bytes) : NULL; }
void alcn_backend_free(alcn_backend *be, void *p) {
  if (be && be->ops && p) be->ops->free(be, p);
}
alcn_status alcn_upload(alcn_backend *be, void *dst, const void *src_host, size_t bytes) {
  NEED_BE();
  NEED(bytes == 0 || (dst && src_host), "NULL buffer");
  return be->ops->upload(be, dst, src_host, bytes);
}
alcn_status alcn_download(alcn_backend *be, void *dst_host, const void *src, size_t bytes) {
  NEED_BE();
  NEED(bytes == 0 || (dst_host && src), "NULL buffer");
  return be->ops->download(be, dst_host, src, bytes);
}
alcn_status alcn_copy(alcn_backend *be, void *dst, const void *src, size_t bytes) {
  NEED_BE();
  NEED(bytes == 0 || (dst && src), "NULL buffer");
  return be->ops->copy(be, dst, src, bytes);
}
alcn_status alcn_copy_2d(alcn_backend *be, float *dst, size_t dst_ld, const float *src, size_t src_ld, size_t rows,
                         size_t cols) {
  NEED_BE();
  NEED(rows == 0 || cols == 0 || (dst && src), "NULL buffer");
  NEED(cols <= dst_ld && cols <= src_ld, "cols must not exceed either leading dimension");
  if (rows == 0 || cols == 0) return ALCN_OK;
  /* the span [dst, dst + (rows-1)*dst_ld + cols) must not meet the source's */
  const uintptr_t d0 = (uintptr_t)dst, s0 = (uintptr_t)src;
  const uintptr_t d1 = (uintptr_t)(dst + (rows - 1) * dst_ld + cols);
  const uintptr_t s1 = (uintptr_t)(src + (rows - 1) * src_ld + cols);
  NEED(d1 <= s0 || s1 <= d0, "dst and src overlap");
  return be->ops->copy_2d(be, dst, dst_ld, src, src_ld, rows, cols);
}
alcn_status alcn_zero(alcn_backend *be, void *p, size_t bytes) {
  NEED_BE();
  NEED(bytes == 0 || p, "NULL buffer");
  return be->ops->zero(be, p, bytes);
}
alcn_status alcn_sync(alcn_backend *be) {
  NEED_BE();
  return be->ops->sync(be);
}

/* ------------------------------------------------------------- layers */
alcn_status alcn_conv_forward(alcn_backend *be, float *out, const float *in, const float *w, const float *b,
                              const alcn_conv_dims *d) {
  NEED_BE();
  NEED(out && in && w && d, "NULL out, in, w or dims");
  NEED(d->N > 0 && d->C > 0 && d->K > 0 && d->P > 0 && d->Q > 0, "dims not set (hint: alcn_conv_dims_init)");
  return be->ops->conv_forward(be, out, in, w, b, d);
}
alcn_status alcn_conv_backward(alcn_backend *be, float *din, float *dw, float *db, const float *dout,
                               const float *in, const float *w, const alcn_conv_dims *d) {
  NEED_BE();
  NEED(dout && in && w && d, "NULL dout, in, w or dims");
  NEED(d->N > 0 && d->C > 0 && d->K > 0 && d->P > 0 && d->Q > 0, "dims not set (hint: alcn_conv_dims_init)");
  return be->ops->conv_backward(be, din, dw, db, dout, in, w, d);
}
alcn_status alcn_linear_forward(alcn_backend *be, float *out, const float *in, const float *w, const float *b, int N,
                                int I, int O) {
  NEED_BE();
  NEED(out && in && w, "NULL out, in or w");
  NEED(N > 0 && I > 0 && O > 0, "sizes must be positive");
  return be->ops->linear_forward(be, out, in, w, b, N, I, O);
}
alcn_status alcn_linear_backward(alcn_backend *be, float *din, float *dw, float *db, const float *dout,
                                 const float *in, const float *w, int N, int I, int O) {
  NEED_BE();
  NEED(dout && in && w, "NULL dout, in or w");
  NEED(N > 0 && I > 0 && O > 0, "sizes must be positive");
  return be->ops->linear_backward(be, din, dw, db, dout, in, w, N, I, O);
}
alcn_status alcn_act_forward(alcn_backend *be, float *out, const float *in, size_t n, alcn_act act, float slope) {
  NEED_BE();
  NEED(n == 0 || (out && in), "NULL buffer");
  NEED(act >= ALCN_ACT_RELU && act <= ALCN_ACT_TANH, "unknown activation");
  return be->ops->act_forward(be, out, in, n, act, slope);
}
alcn_status alcn_act_backward(alcn_backend *be, float *din, const float *dout, const float *out, size_t n,
                              alcn_act act, float slope) {
  NEED_BE();
  NEED(n == 0 || (din && dout && out), "NULL buffer");
  NEED(act >= ALCN_ACT_RELU && act <= ALCN_ACT_TANH, "unknown activation");
  return be->ops->act_backward(be, din, dout, out, n, act, slope);
}
static size_t conv_in_floats(const alcn_conv_dims *d) { return (size_t)d->N * d->C * d->H * d->W; }
static size_t conv_out_floats(const alcn_conv_dims *d) { return (size_t)d->N * d->K * d->P * d->Q; }

alcn_status alcn_conv_forward_act(alcn_backend *be, float *out, const float *in, const float *w, const float *b,
                                  const alcn_conv_dims *d, alcn_act act, float slope) {
  NEED_BE();
  NEED(out && in && w && d, "NULL out, in, w or dims");
  NEED(d->N > 0 && d->C > 0 && d->K > 0 && d->P > 0 && d->Q > 0, "dims not set (hint: alcn_conv_dims_init)");
  NEED(act >= ALCN_ACT_RELU && act <= ALCN_ACT_TANH, "unknown activation");
  if (be->ops->conv_forward_act) return be->ops->conv_forward_act(be, out, in, w, b, d, act, slope);
  ALCN_CHECK(be->ops->conv_forward(be, out, in, w, b, d));
  return be->ops->act_forward(be, out, out, conv_out_floats(d), act, slope);
}
alcn_status alcn_conv_backward_act(alcn_backend *be, float *din, float *dw, float *db, const float *dout,
                                   const float *in, const float *w, const alcn_conv_dims *d, const float *act_out,
                                   alcn_act act, float slope) {
  NEED_BE();
  NEED(dout && in && w && d, "NULL dout, in, w or dims");
  NEED(!din || act_out, "NULL act_out (the activation's output, shaped as din)");
  NEED(d->N > 0 && d->C > 0 && d->K > 0 && d->P > 0 && d->Q > 0, "dims not set (hint: alcn_conv_dims_init)");
  NEED(act >= ALCN_ACT_RELU && act <= ALCN_ACT_TANH, "unknown activation");
  if (be->ops->conv_backward_act)
    return be->ops->conv_backward_act(be, din, dw, db, dout, in, w, d, act_out, act, slope);
  ALCN_CHECK(be->ops->conv_backward(be, din, dw, db, dout, in, w, d));
  return din ? be->ops->act_backward(be, din, din, act_out, conv_in_floats(d), act, slope) : ALCN_OK;
}
alcn_status alcn_linear_forward_act(alcn_backend *be, float *out, const float *in, const float *w, const float *b,
                                    int N, int I, int O, alcn_act act, float slope) {
  NEED_BE();
  NEED(out && in && w, "NULL out, in or w");
  NEED(N > 0 && I > 0 && O > 0, "sizes must be positive");
  NEED(act >= ALCN_ACT_RELU && act <= ALCN_ACT_TANH, "unknown activation");
  if (be->ops->linear_forward_act) return be->ops->linear_forward_act(be, out, in, w, b, N, I, O, act, slope);
  ALCN_CHECK(be->ops->linear_forward(be, out, in, w, b, N, I, O));
  return be->ops->act_forward(be, out, out, (size_t)N * O, act, slope);
}
alcn_status alcn_bn_forward(alcn_backend *be, int train, float *out, const float *in, const float *gamma,
                            const float *beta, float *running_mean, float *running_var, float *save_mean,
                            float *save_invstd, const alcn_bn_dims *d) {
  NEED_BE();
  NEED(out && in && d, "NULL out, in or dims");
  NEED(!gamma == !beta, "gamma and beta: both given (affine) or both NULL (no affine)");
  NEED(train || (running_mean && running_var), "eval mode needs the running statistics");
  NEED(!train || (save_mean && save_invstd), "train mode needs save_mean and save_invstd");
  NEED(d->N > 0 && d->C > 0 && d->HW > 0, "sizes must be positive");
  return be->ops->bn_forward(be, train, out, in, gamma, beta, running_mean, running_var, save_mean, save_invstd, d);
}
alcn_status alcn_bn_backward(alcn_backend *be, float *din, float *dgamma, float *dbeta, const float *dout,
                             const float *in, const float *gamma, const float *save_mean, const float *save_invstd,
                             const alcn_bn_dims *d) {
  NEED_BE();
  NEED(dout && in && save_mean && save_invstd && d, "NULL buffer or dims");
  NEED(gamma || (!dgamma && !dbeta), "no affine (gamma NULL) has no dgamma / dbeta");
  NEED(d->N > 0 && d->C > 0 && d->HW > 0, "sizes must be positive");
  return be->ops->bn_backward(be, din, dgamma, dbeta, dout, in, gamma, save_mean, save_invstd, d);
}

/* ------------------------------------------------------------- losses */
alcn_status alcn_loss(alcn_backend *be, const alcn_loss_cfg *cfg, float *loss, float *dpred, const float *pred,
                      const float *target, int N, int C, int H, int W, float scale) {
  NEED_BE();
  NEED(cfg && loss && pred && target, "NULL cfg, loss, pred or target");
  NEED(cfg->kind >= ALCN_LOSS_MSE && cfg->kind <= ALCN_LOSS_FFL, "unknown loss kind");
  NEED(N > 0 && C > 0 && H > 0 && W > 0, "sizes must be positive");
  return be->ops->loss(be, cfg, loss, dpred, pred, target, N, C, H, W, scale);
}
alcn_status alcn_sq_err_per_image(alcn_backend *be, float *scores, const float *a, const float *b, int N, int D) {
  NEED_BE();
  NEED(scores && a && b, "NULL buffer");
  NEED(N > 0 && D > 0, "sizes must be positive");
  return be->ops->sq_err_per_image(be, scores, a, b, N, D);
}

/* ------------------------------------------------------------- optimiser */
alcn_status alcn_adam_step(alcn_backend *be, float *p, const float *g, float *m, float *v, size_t n,
                           const alcn_adam_hparams *h, int t) {
  NEED_BE();
  NEED(n == 0 || (p && g && m && v), "NULL buffer");
  NEED(h && t >= 1, "NULL hyper-parameters or step t < 1");
  return be->ops->adam_step(be, p, g, m, v, n, h, t);
}

/* ------------------------------------------------------------- element-wise */
alcn_status alcn_blend(alcn_backend *be, float *out, const float *x, const float *y, const float *a, int N, int D) {
  NEED_BE();
  NEED(out && x && y && a, "NULL buffer");
  NEED(N >= 0 && D >= 0, "negative size");
  return be->ops->blend(be, out, x, y, a, N, D);
}
alcn_status alcn_blend_backward_y(alcn_backend *be, float *dy, const float *dout, const float *a, int N, int D) {
  NEED_BE();
  NEED(dy && dout && a, "NULL buffer");
  NEED(N >= 0 && D >= 0, "negative size");
  return be->ops->blend_backward_y(be, dy, dout, a, N, D);
}
alcn_status alcn_axpby(alcn_backend *be, float *y, const float *x, size_t n, float alpha, float beta) {
  NEED_BE();
  NEED(n == 0 || (y && x), "NULL buffer");
  return be->ops->axpby(be, y, x, n, alpha, beta);
}
alcn_status alcn_mul(alcn_backend *be, float *out, const float *a, const float *b, size_t n) {
  NEED_BE();
  NEED(n == 0 || (out && a && b), "NULL buffer");
  return be->ops->mul(be, out, a, b, n);
}
alcn_status alcn_select(alcn_backend *be, float *out, const float *mask, const float *a, const float *b, size_t n) {
  NEED_BE();
  NEED(n == 0 || (out && mask && a && b), "NULL buffer");
  return be->ops->select(be, out, mask, a, b, n);
}
alcn_status alcn_clamp(alcn_backend *be, float *out, const float *in, size_t n, float lo, float hi) {
  NEED_BE();
  NEED(n == 0 || (out && in), "NULL buffer");
  NEED(lo <= hi, "needs lo <= hi");
  return be->ops->clamp(be, out, in, n, lo, hi);
}
alcn_status alcn_clamp_backward(alcn_backend *be, float *din, const float *dout, const float *in, size_t n, float lo,
                                float hi) {
  NEED_BE();
  NEED(n == 0 || (din && dout && in), "NULL buffer");
  NEED(lo <= hi, "needs lo <= hi");
  return be->ops->clamp_backward(be, din, dout, in, n, lo, hi);
}
alcn_status alcn_salt_pepper(alcn_backend *be, float *out, float *noise, const float *x, const float *u, int N, int D,
                             float rate) {
  NEED_BE();
  NEED(out && x && u, "NULL buffer");
  NEED(N >= 0 && D > 0, "bad size");
  NEED(rate >= 0.0f && rate <= 1.0f, "rate must be in [0, 1]");
  return be->ops->salt_pepper(be, out, noise, x, u, N, D, rate);
}

/* ------------------------------------------------------------- random fills */
alcn_status alcn_fill_uniform(alcn_backend *be, float *out, size_t n, uint64_t seed, uint64_t offset, float lo,
                              float hi) {
  NEED_BE();
  NEED(n == 0 || out, "NULL buffer");
  return be->ops->rng_uniform(be, out, n, seed, offset, lo, hi);
}
alcn_status alcn_fill_normal(alcn_backend *be, float *out, size_t n, uint64_t seed, uint64_t offset, float mean,
                             float std) {
  NEED_BE();
  NEED(n == 0 || out, "NULL buffer");
  return be->ops->rng_normal(be, out, n, seed, offset, mean, std);
}

/* ------------------------------------------------------------- resampling */
static alcn_status pool_shape_ok(const char *fn, int N, int C, int H, int W, int k, int stride) {
  if (N <= 0 || C <= 0 || H <= 0 || W <= 0 || k <= 0 || stride <= 0 || k > H || k > W)
    ALCN_FAIL(ALCN_ERR_ARG, "%s: shape %dx%dx%dx%d with window %d stride %d (needs positive sizes and k <= H, W) "
              "(hint: a plugin bug)", fn, N, C, H, W, k, stride);
  return ALCN_OK;
}
alcn_status alcn_maxpool_forward(alcn_backend *be, float *out, const float *in, int N, int C, int H, int W, int k,
                                 int stride) {
  NEED_BE();
  NEED(out && in, "NULL buffer");
  ALCN_CHECK(pool_shape_ok(__func__, N, C, H, W, k, stride));
  return be->ops->maxpool_forward(be, out, in, N, C, H, W, k, stride);
}
alcn_status alcn_maxpool_backward(alcn_backend *be, float *din, const float *dout, const float *in, int N, int C,
                                  int H, int W, int k, int stride) {
  NEED_BE();
  NEED(din && dout && in, "NULL buffer");
  ALCN_CHECK(pool_shape_ok(__func__, N, C, H, W, k, stride));
  return be->ops->maxpool_backward(be, din, dout, in, N, C, H, W, k, stride);
}
alcn_status alcn_upsample_forward(alcn_backend *be, float *out, const float *in, int N, int C, int H, int W, int f) {
  NEED_BE();
  NEED(out && in, "NULL buffer");
  NEED(N > 0 && C > 0 && H > 0 && W > 0 && f > 0, "sizes and factor must be positive");
  return be->ops->upsample_forward(be, out, in, N, C, H, W, f);
}
alcn_status alcn_upsample_backward(alcn_backend *be, float *din, const float *dout, int N, int C, int H, int W,
                                   int f) {
  NEED_BE();
  NEED(din && dout, "NULL buffer");
  NEED(N > 0 && C > 0 && H > 0 && W > 0 && f > 0, "sizes and factor must be positive");
  return be->ops->upsample_backward(be, din, dout, N, C, H, W, f);
}

/* ------------------------------------------------------------- VAE posterior */
alcn_status alcn_vae_sample(alcn_backend *be, float *z, float *kl, const float *ml, const float *eps, int N, int L) {
  NEED_BE();
  NEED(ml && (!z || eps), "NULL ml, or z without eps");
  NEED(N > 0 && L > 0, "sizes must be positive");
  if (!z && !kl) return ALCN_OK;
  return be->ops->vae_sample(be, z, kl, ml, eps, N, L);
}
alcn_status alcn_vae_sample_backward(alcn_backend *be, float *dml, const float *dz, const float *ml, const float *eps,
                                     int N, int L, float kl_scale) {
  NEED_BE();
  NEED(dml && ml && (!dz || eps), "NULL dml or ml, or dz without eps");
  NEED(N > 0 && L > 0, "sizes must be positive");
  return be->ops->vae_sample_backward(be, dml, dz, ml, eps, N, L, kl_scale);
}

/* ------------------------------------------------------------- timing */
alcn_status alcn_timer_mark(alcn_backend *be, int slot) {
  NEED_BE();
  return be->ops->timer_mark(be, slot);
}
alcn_status alcn_timer_elapsed_ms(alcn_backend *be, int from, int to, double *ms) {
  NEED_BE();
  NEED(ms, "NULL result");
  return be->ops->timer_elapsed_ms(be, from, to, ms);
}
