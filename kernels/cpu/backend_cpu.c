#define _POSIX_C_SOURCE 200809L /* posix_memalign */
/* The CPU backend: the vtable of backend.h over the fast CPU ops (ops.h).
 * Scratch for convolutions grows once to the largest shape seen; FFL plans
 * are cached per shape. Host memory is 64-byte aligned. */
#include <omp.h>
#if defined(__x86_64__) || defined(__SSE2__)
#include <xmmintrin.h>
#endif
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "alcn/rng.h"
#include "backend_impl.h"
#include "cpu_isa.h"
#include "cpu_ops.h"

#define FFL_CACHE 4

typedef struct ffl_entry {
  alcn_ffl *plan;
  int max_n, C, H, W;
  float alpha;
} ffl_entry;

typedef struct cpu_impl {
  float *ws;
  size_t ws_floats;
  ffl_entry ffl[FFL_CACHE];
  int ffl_next;
  double marks_ms[ALCN_TIMER_SLOTS]; /* timer_mark: host clock, NAN until marked */
} cpu_impl;

static cpu_impl *impl_of(alcn_backend *be) { return (cpu_impl *)be->impl; }

static void *cpu_alloc(alcn_backend *be, size_t bytes) {
  (void)be;
  size_t rounded = (bytes + 63) & ~(size_t)63;
  void *p = NULL;
  if (posix_memalign(&p, 64, rounded ? rounded : 64) != 0) return NULL;
  return p;
}
static void cpu_free(alcn_backend *be, void *p) { (void)be; free(p); }
static alcn_status cpu_copy(alcn_backend *be, void *dst, const void *src, size_t bytes) {
  (void)be;
  if (bytes) memmove(dst, src, bytes);
  return ALCN_OK;
}
static alcn_status cpu_copy_2d(alcn_backend *be, float *dst, size_t dst_ld, const float *src, size_t src_ld,
                               size_t rows, size_t cols) {
  (void)be;
  alcn_cpu_copy_2d(dst, dst_ld, src, src_ld, rows, cols);
  return ALCN_OK;
}
static alcn_status cpu_zero(alcn_backend *be, void *p, size_t bytes) {
  (void)be;
  if (bytes) memset(p, 0, bytes);
  return ALCN_OK;
}
static alcn_status cpu_sync(alcn_backend *be) { (void)be; return ALCN_OK; }

static alcn_status cpu_timer_mark(alcn_backend *be, int slot) {
  if (slot < 0 || slot >= ALCN_TIMER_SLOTS)
    ALCN_FAIL(ALCN_ERR_ARG, "timer slot %d out of range 0..%d", slot, ALCN_TIMER_SLOTS - 1);
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  impl_of(be)->marks_ms[slot] = (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec * 1e-6;
  return ALCN_OK;
}

static alcn_status cpu_timer_elapsed(alcn_backend *be, int from, int to, double *ms) {
  if (from < 0 || from >= ALCN_TIMER_SLOTS || to < 0 || to >= ALCN_TIMER_SLOTS)
    ALCN_FAIL(ALCN_ERR_ARG, "timer slots %d, %d out of range 0..%d", from, to, ALCN_TIMER_SLOTS - 1);
  const double *m = impl_of(be)->marks_ms;
  if (m[from] != m[from] || m[to] != m[to])
    ALCN_FAIL(ALCN_ERR_ARG, "timer slot %d has not been marked (hint: call timer_mark first)",
              m[from] != m[from] ? from : to);
  *ms = m[to] - m[from];
  return ALCN_OK;
}

static alcn_status ensure_ws(alcn_backend *be, const alcn_conv_dims *d, float **ws) {
  cpu_impl *im = impl_of(be);
  size_t need = alcn_cpu_conv_workspace(d);
  if (need > im->ws_floats) {
    free(im->ws);
    im->ws = NULL;
    im->ws_floats = 0;
    if (posix_memalign((void **)&im->ws, 64, need * sizeof(float)) != 0) {
      im->ws = NULL;
      ALCN_FAIL(ALCN_ERR_NOMEM, "out of host memory for %zu MiB of convolution scratch (hint: lower --batch)",
                need * sizeof(float) >> 20);
    }
    im->ws_floats = need;
  }
  *ws = im->ws;
  return ALCN_OK;
}

static alcn_status cpu_conv_forward(alcn_backend *be, float *out, const float *in, const float *w, const float *b,
                                    const alcn_conv_dims *d) {
  float *ws = NULL;
  ALCN_CHECK(ensure_ws(be, d, &ws));
  if (d->transposed)
    alcn_cpu_convt2d_forward(out, in, w, b, d, ws);
  else
    alcn_cpu_conv2d_forward(out, in, w, b, d, ws);
  return ALCN_OK;
}

static alcn_status cpu_conv_backward(alcn_backend *be, float *din, float *dw, float *db, const float *dout,
                                     const float *in, const float *w, const alcn_conv_dims *d) {
  float *ws = NULL;
  ALCN_CHECK(ensure_ws(be, d, &ws));
  if (d->transposed)
    alcn_cpu_convt2d_backward(din, dw, db, dout, in, w, d, ws);
  else
    alcn_cpu_conv2d_backward(din, dw, db, dout, in, w, d, ws);
  return ALCN_OK;
}

static alcn_status cpu_conv_forward_act(alcn_backend *be, float *out, const float *in, const float *w, const float *b,
                                        const alcn_conv_dims *d, alcn_act act, float slope) {
  float *ws = NULL;
  ALCN_CHECK(ensure_ws(be, d, &ws));
  const alcn_cpu_epi e = {act, slope, NULL};
  alcn_cpu_conv_forward_epi(out, in, w, b, d, ws, &e);
  return ALCN_OK;
}
static alcn_status cpu_conv_backward_act(alcn_backend *be, float *din, float *dw, float *db, const float *dout,
                                         const float *in, const float *w, const alcn_conv_dims *d,
                                         const float *act_out, alcn_act act, float slope) {
  float *ws = NULL;
  ALCN_CHECK(ensure_ws(be, d, &ws));
  const alcn_cpu_epi e = {act, slope, act_out};
  alcn_cpu_conv_backward_epi(din, dw, db, dout, in, w, d, ws, &e);
  return ALCN_OK;
}
static alcn_status cpu_linear_forward_act(alcn_backend *be, float *out, const float *in, const float *w,
                                          const float *b, int N, int I, int O, alcn_act act, float slope) {
  (void)be;
  const alcn_cpu_epi e = {act, slope, NULL};
  alcn_cpu_linear_forward_epi(out, in, w, b, N, I, O, &e);
  return ALCN_OK;
}

static alcn_status cpu_linear_forward(alcn_backend *be, float *out, const float *in, const float *w, const float *b,
                                      int N, int I, int O) {
  (void)be;
  alcn_cpu_linear_forward(out, in, w, b, N, I, O);
  return ALCN_OK;
}
static alcn_status cpu_linear_backward(alcn_backend *be, float *din, float *dw, float *db, const float *dout,
                                       const float *in, const float *w, int N, int I, int O) {
  (void)be;
  alcn_cpu_linear_backward(din, dw, db, dout, in, w, N, I, O);
  return ALCN_OK;
}
static alcn_status cpu_act_forward(alcn_backend *be, float *out, const float *in, size_t n, alcn_act act,
                                   float slope) {
  (void)be;
  alcn_cpu_act_forward(out, in, n, act, slope);
  return ALCN_OK;
}
static alcn_status cpu_act_backward(alcn_backend *be, float *din, const float *dout, const float *out, size_t n,
                                    alcn_act act, float slope) {
  (void)be;
  alcn_cpu_act_backward(din, dout, out, n, act, slope);
  return ALCN_OK;
}
static alcn_status cpu_bn_forward(alcn_backend *be, int train, float *out, const float *in, const float *gamma,
                                  const float *beta, float *running_mean, float *running_var, float *save_mean,
                                  float *save_invstd, const alcn_bn_dims *d) {
  (void)be;
  if (train)
    alcn_cpu_bn_forward_train(out, in, gamma, beta, running_mean, running_var, save_mean, save_invstd, d);
  else
    alcn_cpu_bn_forward_eval(out, in, gamma, beta, running_mean, running_var, d);
  return ALCN_OK;
}
static alcn_status cpu_bn_backward(alcn_backend *be, float *din, float *dgamma, float *dbeta, const float *dout,
                                   const float *in, const float *gamma, const float *save_mean,
                                   const float *save_invstd, const alcn_bn_dims *d) {
  (void)be;
  alcn_cpu_bn_backward(din, dgamma, dbeta, dout, in, gamma, save_mean, save_invstd, d);
  return ALCN_OK;
}

static alcn_status ffl_plan(alcn_backend *be, int N, int C, int H, int W, float alpha, alcn_ffl **out) {
  cpu_impl *im = impl_of(be);
  for (int i = 0; i < FFL_CACHE; ++i) {
    ffl_entry *e = &im->ffl[i];
    if (e->plan && e->C == C && e->H == H && e->W == W && e->alpha == alpha && e->max_n >= N) {
      *out = e->plan;
      return ALCN_OK;
    }
  }
  ffl_entry *e = &im->ffl[im->ffl_next];
  im->ffl_next = (im->ffl_next + 1) % FFL_CACHE;
  if (e->plan) alcn_cpu_ffl_destroy(e->plan);
  e->plan = NULL;
  ALCN_CHECK(alcn_cpu_ffl_create(&e->plan, N, C, H, W, alpha));
  e->max_n = N; e->C = C; e->H = H; e->W = W; e->alpha = alpha;
  *out = e->plan;
  return ALCN_OK;
}

static alcn_status cpu_loss(alcn_backend *be, const alcn_loss_cfg *cfg, float *loss, float *dpred, const float *pred,
                            const float *target, int N, int C, int H, int W, float scale) {
  size_t n = (size_t)N * (size_t)C * (size_t)H * (size_t)W;
  switch (cfg->kind) {
    case ALCN_LOSS_MSE: *loss = alcn_cpu_mse_loss(dpred, pred, target, n, scale); return ALCN_OK;
    case ALCN_LOSS_L1: *loss = alcn_cpu_l1_loss(dpred, pred, target, n, scale); return ALCN_OK;
    case ALCN_LOSS_BCE_LOGITS: *loss = alcn_cpu_bce_logits_loss(dpred, pred, target, n, scale); return ALCN_OK;
    case ALCN_LOSS_FFL: {
      alcn_ffl *plan;
      ALCN_CHECK(ffl_plan(be, N, C, H, W, cfg->ffl_alpha, &plan));
      *loss = alcn_cpu_ffl_loss(plan, dpred, pred, target, N, scale);
      return ALCN_OK;
    }
  }
  ALCN_FAIL(ALCN_ERR_ARG, "unknown loss kind %d", (int)cfg->kind);
}

static alcn_status cpu_sq_err(alcn_backend *be, float *scores, const float *a, const float *b, int N, int D) {
  (void)be;
  alcn_cpu_sq_err_per_image(scores, a, b, N, D);
  return ALCN_OK;
}
static alcn_status cpu_adam(alcn_backend *be, float *p, const float *g, float *m, float *v, size_t n,
                            const alcn_adam_hparams *h, int t) {
  (void)be;
  alcn_cpu_adam_step(p, g, m, v, n, h, t);
  return ALCN_OK;
}
static alcn_status cpu_blend(alcn_backend *be, float *out, const float *x, const float *y, const float *a, int N,
                             int D) {
  (void)be;
  alcn_cpu_blend(out, x, y, a, N, D);
  return ALCN_OK;
}
static alcn_status cpu_blend_bwd(alcn_backend *be, float *dy, const float *dout, const float *a, int N, int D) {
  (void)be;
  alcn_cpu_blend_backward_y(dy, dout, a, N, D);
  return ALCN_OK;
}
static alcn_status cpu_axpby(alcn_backend *be, float *y, const float *x, size_t n, float alpha, float beta) {
  (void)be;
  alcn_cpu_axpby(y, x, n, alpha, beta);
  return ALCN_OK;
}
static alcn_status cpu_mul(alcn_backend *be, float *out, const float *a, const float *b, size_t n) {
  (void)be;
  alcn_cpu_mul(out, a, b, n);
  return ALCN_OK;
}

static alcn_status cpu_select(alcn_backend *be, float *out, const float *mask, const float *a, const float *b,
                              size_t n) {
  (void)be;
  alcn_cpu_select(out, mask, a, b, n);
  return ALCN_OK;
}

static alcn_status cpu_clamp(alcn_backend *be, float *out, const float *in, size_t n, float lo, float hi) {
  (void)be;
  alcn_cpu_clamp(out, in, n, lo, hi);
  return ALCN_OK;
}

static alcn_status cpu_clamp_bwd(alcn_backend *be, float *din, const float *dout, const float *in, size_t n,
                                 float lo, float hi) {
  (void)be;
  alcn_cpu_clamp_backward(din, dout, in, n, lo, hi);
  return ALCN_OK;
}

static alcn_status cpu_salt_pepper(alcn_backend *be, float *out, float *noise, const float *x, const float *u, int N,
                                   int D, float rate) {
  (void)be;
  alcn_cpu_salt_pepper(out, noise, x, u, N, D, rate);
  return ALCN_OK;
}
static alcn_status cpu_uniform(alcn_backend *be, float *out, size_t n, uint64_t seed, uint64_t offset, float lo,
                               float hi) {
  (void)be;
  alcn_rng_uniform(out, n, seed, offset, lo, hi);
  return ALCN_OK;
}
static alcn_status cpu_normal(alcn_backend *be, float *out, size_t n, uint64_t seed, uint64_t offset, float mean,
                              float std) {
  (void)be;
  alcn_rng_normal(out, n, seed, offset, mean, std);
  return ALCN_OK;
}

static alcn_status cpu_maxpool_fwd(alcn_backend *be, float *out, const float *in, int N, int C, int H, int W, int k,
                                   int stride) {
  (void)be;
  alcn_cpu_maxpool_forward(out, in, N, C, H, W, k, stride);
  return ALCN_OK;
}
static alcn_status cpu_maxpool_bwd(alcn_backend *be, float *din, const float *dout, const float *in, int N, int C,
                                   int H, int W, int k, int stride) {
  (void)be;
  alcn_cpu_maxpool_backward(din, dout, in, N, C, H, W, k, stride);
  return ALCN_OK;
}
static alcn_status cpu_upsample_fwd(alcn_backend *be, float *out, const float *in, int N, int C, int H, int W, int f) {
  (void)be;
  alcn_cpu_upsample_forward(out, in, N, C, H, W, f);
  return ALCN_OK;
}
static alcn_status cpu_upsample_bwd(alcn_backend *be, float *din, const float *dout, int N, int C, int H, int W,
                                    int f) {
  (void)be;
  alcn_cpu_upsample_backward(din, dout, N, C, H, W, f);
  return ALCN_OK;
}
static alcn_status cpu_vae_sample(alcn_backend *be, float *z, float *kl, const float *ml, const float *eps, int N,
                                  int L) {
  (void)be;
  alcn_cpu_vae_sample(z, kl, ml, eps, N, L);
  return ALCN_OK;
}
static alcn_status cpu_vae_sample_bwd(alcn_backend *be, float *dml, const float *dz, const float *ml, const float *eps,
                                      int N, int L, float kl_scale) {
  (void)be;
  alcn_cpu_vae_sample_backward(dml, dz, ml, eps, N, L, kl_scale);
  return ALCN_OK;
}

static void cpu_destroy(alcn_backend *be) {
  cpu_impl *im = impl_of(be);
  if (im) {
    for (int i = 0; i < FFL_CACHE; ++i)
      if (im->ffl[i].plan) alcn_cpu_ffl_destroy(im->ffl[i].plan);
    free(im->ws);
    free(im);
  }
  free(be);
}

static const alcn_backend_ops cpu_ops = {
    .alloc = cpu_alloc,
    .free = cpu_free,
    .upload = cpu_copy,
    .download = cpu_copy,
    .copy = cpu_copy,
    .copy_2d = cpu_copy_2d,
    .zero = cpu_zero,
    .sync = cpu_sync,
    .conv_forward = cpu_conv_forward,
    .conv_backward = cpu_conv_backward,
    .linear_forward = cpu_linear_forward,
    .linear_forward_act = cpu_linear_forward_act,
    .conv_forward_act = cpu_conv_forward_act,
    .conv_backward_act = cpu_conv_backward_act,
    .linear_backward = cpu_linear_backward,
    .act_forward = cpu_act_forward,
    .act_backward = cpu_act_backward,
    .bn_forward = cpu_bn_forward,
    .bn_backward = cpu_bn_backward,
    .loss = cpu_loss,
    .sq_err_per_image = cpu_sq_err,
    .adam_step = cpu_adam,
    .blend = cpu_blend,
    .blend_backward_y = cpu_blend_bwd,
    .axpby = cpu_axpby,
    .rng_uniform = cpu_uniform,
    .rng_normal = cpu_normal,
    .peak_memory = NULL,
    .destroy = cpu_destroy,
    .timer_mark = cpu_timer_mark,
    .timer_elapsed_ms = cpu_timer_elapsed,
    .salt_pepper = cpu_salt_pepper,
    .mul = cpu_mul,
    .select = cpu_select,
    .clamp = cpu_clamp,
    .clamp_backward = cpu_clamp_bwd,
    .maxpool_forward = cpu_maxpool_fwd,
    .maxpool_backward = cpu_maxpool_bwd,
    .upsample_forward = cpu_upsample_fwd,
    .upsample_backward = cpu_upsample_bwd,
    .vae_sample = cpu_vae_sample,
    .vae_sample_backward = cpu_vae_sample_bwd,
};

/* Denormal floats cost ~100x a normal one on x86: small gradients (e.g. FFL's
 * in the noise generator's ascent) slowed a DAE+ALCN step 2.5x. Flush them to
 * zero (FTZ) and read them as zero (DAZ) on this thread and every OpenMP
 * worker, as the deep-learning frameworks do; threads made later inherit it. */
static void flush_denormals(void) {
#if defined(__x86_64__) || defined(__SSE2__)
#pragma omp parallel
  _mm_setcsr(_mm_getcsr() | 0x8040u);
  _mm_setcsr(_mm_getcsr() | 0x8040u);
#endif
}

alcn_status alcn_backend_cpu_create(alcn_backend **out, int threads) {
  if (!out) ALCN_FAIL(ALCN_ERR_ARG, "alcn_backend_cpu_create: out is NULL (hint: a plugin bug)");
  *out = NULL;
  /* the SIMD path: ALCN_CPU_ISA, or the best this CPU has; refused (an error
   * status, the message naming what the CPU runs) when the CPU lacks it */
  ALCN_CHECK(alcn_cpu_isa_from_env());
  alcn_backend *be = calloc(1, sizeof *be);
  ALCN_CHECK_ALLOC(be, sizeof *be);
  cpu_impl *im = calloc(1, sizeof *im);
  if (!im) {
    free(be);
    ALCN_CHECK_ALLOC(im, sizeof *im);
  }
  for (int i = 0; i < ALCN_TIMER_SLOTS; ++i) im->marks_ms[i] = NAN;
  if (threads > 0) omp_set_num_threads(threads);
  flush_denormals();
  be->ops = &cpu_ops;
  be->device = ALCN_DEVICE_CPU;
  be->name = "cpu";
  be->impl = im;
  snprintf(be->description, sizeof be->description, "cpu (OpenBLAS + FFTW, %d threads, %s)", omp_get_max_threads(),
           alcn_cpu_isa_name(alcn_cpu_isa_active()));
  *out = be;
  return ALCN_OK;
}
