/* The backend vtable and handle: private to libalcn (the CPU backend in
 * cpu/backend_cpu.c, the CUDA backend in cuda/backend_cuda.cu, the checking
 * front functions in backend.c). Plugins and the host see only the opaque
 * handle and the functions of alcn/backend.h, so this layout can change
 * without breaking a plugin. Every slot is required unless marked optional. */
#ifndef ALCN_BACKEND_IMPL_H
#define ALCN_BACKEND_IMPL_H

#include "alcn/backend.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct alcn_backend_ops {
  /* memory */
  void *(*alloc)(alcn_backend *be, size_t bytes);
  void (*free)(alcn_backend *be, void *p);
  alcn_status (*upload)(alcn_backend *be, void *dst, const void *src_host, size_t bytes);
  alcn_status (*download)(alcn_backend *be, void *dst_host, const void *src, size_t bytes);
  alcn_status (*copy)(alcn_backend *be, void *dst, const void *src, size_t bytes);
  alcn_status (*copy_2d)(alcn_backend *be, float *dst, size_t dst_ld, const float *src, size_t src_ld, size_t rows,
                         size_t cols);
  alcn_status (*zero)(alcn_backend *be, void *p, size_t bytes);
  alcn_status (*sync)(alcn_backend *be);
  /* layers */
  alcn_status (*conv_forward)(alcn_backend *be, float *out, const float *in, const float *w, const float *b,
                              const alcn_conv_dims *d);
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
  /* losses */
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
  alcn_status (*mul)(alcn_backend *be, float *out, const float *a, const float *b, size_t n);
  alcn_status (*select)(alcn_backend *be, float *out, const float *mask, const float *a, const float *b, size_t n);
  alcn_status (*clamp)(alcn_backend *be, float *out, const float *in, size_t n, float lo, float hi);
  alcn_status (*clamp_backward)(alcn_backend *be, float *din, const float *dout, const float *in, size_t n, float lo,
                                float hi);
  alcn_status (*salt_pepper)(alcn_backend *be, float *out, float *noise, const float *x, const float *u, int N, int D,
                             float rate);
  /* random fills */
  alcn_status (*rng_uniform)(alcn_backend *be, float *out, size_t n, uint64_t seed, uint64_t offset, float lo,
                             float hi);
  alcn_status (*rng_normal)(alcn_backend *be, float *out, size_t n, uint64_t seed, uint64_t offset, float mean,
                            float std);
  /* timing */
  alcn_status (*timer_mark)(alcn_backend *be, int slot);
  alcn_status (*timer_elapsed_ms)(alcn_backend *be, int from, int to, double *ms);
  /* resampling and the VAE posterior (issue 15: vae, dsvdd) */
  alcn_status (*maxpool_forward)(alcn_backend *be, float *out, const float *in, int N, int C, int H, int W, int k,
                                 int stride);
  alcn_status (*maxpool_backward)(alcn_backend *be, float *din, const float *dout, const float *in, int N, int C,
                                  int H, int W, int k, int stride);
  alcn_status (*upsample_forward)(alcn_backend *be, float *out, const float *in, int N, int C, int H, int W, int f);
  alcn_status (*upsample_backward)(alcn_backend *be, float *din, const float *dout, int N, int C, int H, int W,
                                   int f);
  alcn_status (*vae_sample)(alcn_backend *be, float *z, float *kl, const float *ml, const float *eps, int N, int L);
  alcn_status (*vae_sample_backward)(alcn_backend *be, float *dml, const float *dz, const float *ml,
                                     const float *eps, int N, int L, float kl_scale);
  /* optional: peak device memory in bytes since creation (NULL: not tracked) */
  size_t (*peak_memory)(alcn_backend *be);
  void (*destroy)(alcn_backend *be);
  /* optional fused forms (alcn/backend.h: alcn_conv_forward_act and the
   * like); NULL: backend.c runs the layer, then the activation in place */
  alcn_status (*conv_forward_act)(alcn_backend *be, float *out, const float *in, const float *w, const float *b,
                                  const alcn_conv_dims *d, alcn_act act, float slope);
  alcn_status (*conv_backward_act)(alcn_backend *be, float *din, float *dw, float *db, const float *dout,
                                   const float *in, const float *w, const alcn_conv_dims *d, const float *act_out,
                                   alcn_act act, float slope);
  alcn_status (*linear_forward_act)(alcn_backend *be, float *out, const float *in, const float *w, const float *b,
                                    int N, int I, int O, alcn_act act, float slope);
} alcn_backend_ops;

struct alcn_backend {
  const alcn_backend_ops *ops;
  alcn_device device;
  const char *name;      /* "cpu", "cuda" */
  char description[128]; /* "cpu (OpenBLAS, 2 threads)", "cuda: NVIDIA H200, cc 9.0" */
  void *impl;            /* backend-private state (stream, handles, caches, scratch) */
};

#ifdef __cplusplus
}
#endif
#endif
