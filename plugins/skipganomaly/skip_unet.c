/* Skip-GANomaly's U-Net generator (skip_unet.h documents the layers): one
 * sequential net per level, channel concatenations with alcn_copy_2d, and
 * the backward that splits each concatenation's gradient into the skip's
 * share (added to the encoder's gradient) and the decoder's. */
#include "skip_unet.h"

#include <stdio.h>
#include <stdlib.h>

#include "alcn/rng.h"

#define SKIP_BN_EPS 1e-5f
#define SKIP_BN_MOMENTUM 0.1f
#define SKIP_LRELU 0.2f
#define SKIP_OWNER "method skipganomaly"

alcn_status skip_unet_plan(int H, int levels, int *L, int sz[SKIP_MAX_LEVELS + 1]) {
  if (H < 4)
    ALCN_FAIL(ALCN_ERR_ARG, SKIP_OWNER ": a %dx%d image is too small for the U-Net (hint: 4 px at least, two "
              "levels)", H, H);
  int n = 0, s = H;
  sz[0] = H;
  while (s > 1 && n < SKIP_MAX_LEVELS) {
    s /= 2;
    sz[++n] = s;
  }
  if (s > 1 && levels == 0)
    ALCN_FAIL(ALCN_ERR_ARG, SKIP_OWNER ": a %dx%d image needs more than %d U-Net levels to reach 1x1 (hint: "
              "levels=2..%d)", H, H, SKIP_MAX_LEVELS, SKIP_MAX_LEVELS);
  if (levels != 0 && (levels < 2 || levels > n))
    ALCN_FAIL(ALCN_ERR_ARG, SKIP_OWNER ": levels=%d for %dx%d images: valid 2..%d (0 = down to 1x1, %d levels)",
              levels, H, H, n, n);
  *L = levels ? levels : n;
  return ALCN_OK;
}

static int width(int ngf, int i) { return ngf * (i >= 4 ? 8 : 1 << (i - 1)); }

void skip_unet_destroy(skip_unet *u) {
  if (!u) return;
  for (int i = 0; i < SKIP_MAX_LEVELS; ++i) {
    alcn_net_destroy(u->down[i]);
    alcn_net_destroy(u->up[i]);
    alcn_backend_free(u->be, u->cat[i]);
    alcn_backend_free(u->be, u->dcat[i]);
    alcn_backend_free(u->be, u->du[i]);
  }
  for (int i = 0; i <= SKIP_MAX_LEVELS; ++i) alcn_backend_free(u->be, u->da[i]);
  alcn_backend_free(u->be, u->tmp);
  free(u);
}

/* down[i-1] (level i-1 -> i), not finalized */
static alcn_status build_down(skip_unet *u, int i, alcn_net **out) {
  char name[64];
  snprintf(name, sizeof name, "skipganomaly U-Net down %d", i);
  alcn_net *n;
  ALCN_CHECK(alcn_net_create(&n, u->be, name, u->ch[i - 1], u->sz[i - 1], u->sz[i - 1]));
  alcn_status st;
  ALCN_CHECK_GOTO(st, alcn_net_conv(n, u->ch[i], 4, 2, 1, 0), fail);
  if (i > 1 && i < u->L) ALCN_CHECK_GOTO(st, alcn_net_bn(n, SKIP_BN_EPS, SKIP_BN_MOMENTUM), fail);
  if (i < u->L) ALCN_CHECK_GOTO(st, alcn_net_act(n, ALCN_ACT_LRELU, SKIP_LRELU), fail);
  *out = n;
  return ALCN_OK;
fail:
  alcn_net_destroy(n);
  return st;
}

/* up[i-1] (level i -> i-1), not finalized */
static alcn_status build_up(skip_unet *u, int i, alcn_net **out) {
  char name[64];
  snprintf(name, sizeof name, "skipganomaly U-Net up %d", i);
  const int in_ch = i == u->L ? u->ch[i] : 2 * u->ch[i];
  const int op = u->sz[i - 1] % 2;
  alcn_net *n;
  ALCN_CHECK(alcn_net_create(&n, u->be, name, in_ch, u->sz[i], u->sz[i]));
  alcn_status st;
  ALCN_CHECK_GOTO(st, alcn_net_act(n, ALCN_ACT_RELU, 0.0f), fail);
  ALCN_CHECK_GOTO(st, alcn_net_convt(n, u->ch[i - 1], 4, 2, 1, op, i == 1), fail);
  if (i > 1) {
    ALCN_CHECK_GOTO(st, alcn_net_bn(n, SKIP_BN_EPS, SKIP_BN_MOMENTUM), fail);
  } else if (u->tanh_out) {
    ALCN_CHECK_GOTO(st, alcn_net_act(n, ALCN_ACT_TANH, 0.0f), fail);
  }
  int oc, oh, ow;
  alcn_net_out_shape(n, &oc, &oh, &ow);
  if (oc != u->ch[i - 1] || oh != u->sz[i - 1] || ow != u->sz[i - 1]) {
    st = alcn_error_at(__FILE__, __LINE__, ALCN_ERR_ARG, SKIP_OWNER ": %s produces %dx%dx%d, not %dx%dx%d", name, oc,
                       oh, ow, u->ch[i - 1], u->sz[i - 1], u->sz[i - 1]);
    goto fail;
  }
  *out = n;
  return ALCN_OK;
fail:
  alcn_net_destroy(n);
  return st;
}

static size_t plane(const skip_unet *u, int i) { return (size_t)u->sz[i] * u->sz[i]; }

static alcn_status alloc_buffers(skip_unet *u) {
  const size_t B = (size_t)u->max_batch;
  size_t tmax = 0;
  for (int i = 1; i <= u->L; ++i) {
    const size_t f = (size_t)u->ch[i] * plane(u, i);
    u->da[i] = alcn_backend_alloc(u->be, B * f * sizeof(float));
    if (!u->da[i]) goto oom;
    if (i < u->L) {
      u->cat[i] = alcn_backend_alloc(u->be, 2 * B * f * sizeof(float));
      u->dcat[i] = alcn_backend_alloc(u->be, 2 * B * f * sizeof(float));
      u->du[i] = alcn_backend_alloc(u->be, B * f * sizeof(float));
      if (!u->cat[i] || !u->dcat[i] || !u->du[i]) goto oom;
    }
    if (i >= 2) {
      const size_t g = (size_t)u->ch[i - 1] * plane(u, i - 1);
      if (g > tmax) tmax = g;
    }
  }
  u->tmp = alcn_backend_alloc(u->be, B * tmax * sizeof(float));
  if (!u->tmp) goto oom;
  return ALCN_OK;
oom:
  ALCN_FAIL(ALCN_ERR_NOMEM, SKIP_OWNER ": out of %s memory for the U-Net's skip buffers (batch %d, %dx%d) (hint: "
            "lower --batch, ngf or levels)", alcn_backend_name(u->be), u->max_batch, u->H, u->H);
}

alcn_status skip_unet_create(skip_unet **out, alcn_backend *be, int C, int H, int W, int ngf, int levels,
                             int tanh_out, int max_batch, uint64_t seed) {
  *out = NULL;
  if (C <= 0 || ngf <= 0 || max_batch <= 0)
    ALCN_FAIL(ALCN_ERR_ARG, SKIP_OWNER ": U-Net with C=%d, ngf=%d, batch %d", C, ngf, max_batch);
  if (H != W)
    ALCN_FAIL(ALCN_ERR_ARG, SKIP_OWNER ": the U-Net and the DCGAN discriminator need square images, got %dx%d (hint: "
              "--image-size 32, or resize the data set to a square size)", H, W);
  skip_unet *u = calloc(1, sizeof *u);
  ALCN_CHECK_ALLOC(u, sizeof *u);
  u->be = be;
  u->C = C;
  u->H = H;
  u->ngf = ngf;
  u->max_batch = max_batch;
  u->tanh_out = tanh_out;
  alcn_status st;
  ALCN_CHECK_GOTO(st, skip_unet_plan(H, levels, &u->L, u->sz), fail);
  u->ch[0] = C;
  for (int i = 1; i <= u->L; ++i) u->ch[i] = width(ngf, i);
  for (int i = 1; i <= u->L; ++i) {
    ALCN_CHECK_GOTO(st, build_down(u, i, &u->down[i - 1]), fail);
    ALCN_CHECK_GOTO(st, build_up(u, i, &u->up[i - 1]), fail);
  }
  /* one seed stream per net: down_i at 2i, up_i at 2i+1 */
  for (int i = 1; i <= u->L; ++i) {
    ALCN_CHECK_GOTO(st, alcn_net_finalize(u->down[i - 1], max_batch, alcn_rng_derive(seed, 2u * (unsigned)i),
                                          ALCN_INIT_DCGAN), fail);
    ALCN_CHECK_GOTO(st, alcn_net_finalize(u->up[i - 1], max_batch, alcn_rng_derive(seed, 2u * (unsigned)i + 1u),
                                          ALCN_INIT_DCGAN), fail);
  }
  ALCN_CHECK_GOTO(st, alloc_buffers(u), fail);
  *out = u;
  return ALCN_OK;
fail:
  skip_unet_destroy(u);
  return st;
}

/* cat[i] (N, 2c_i, s_i, s_i) = (a_i, u_i) stacked per image, the skip first. */
static alcn_status concat(skip_unet *u, int i, int N, const float *a, const float *up) {
  const size_t f = (size_t)u->ch[i] * plane(u, i);
  ALCN_CHECK(alcn_copy_2d(u->be, u->cat[i], 2 * f, a, f, (size_t)N, f));
  ALCN_CHECK(alcn_copy_2d(u->be, u->cat[i] + f, 2 * f, up, f, (size_t)N, f));
  return ALCN_OK;
}

alcn_status skip_unet_forward(skip_unet *u, const float *x, int N, int mode, const float **x_hat) {
  const float *in = x;
  u->last_batch = 0;
  for (int i = 1; i <= u->L; ++i) {
    ALCN_CHECK(alcn_net_forward(u->down[i - 1], in, N, mode, &u->a[i]));
    in = u->a[i];
  }
  const float *up;
  ALCN_CHECK(alcn_net_forward(u->up[u->L - 1], u->a[u->L], N, mode, &up));
  for (int i = u->L - 1; i >= 1; --i) {
    ALCN_CHECK(concat(u, i, N, u->a[i], up));
    ALCN_CHECK(alcn_net_forward(u->up[i - 1], u->cat[i], N, mode, &up));
  }
  *x_hat = up;
  u->last_batch = N;
  return ALCN_OK;
}

alcn_status skip_unet_backward(skip_unet *u, const float *dx_hat, float *din) {
  alcn_backend *be = u->be;
  const float *g = dx_hat;
  const int n = u->last_batch;
  if (n <= 0) ALCN_FAIL(ALCN_ERR_ARG, SKIP_OWNER ": U-Net backward without a forward");
  /* decoder: up_1 .. up_{L-1}, each splitting its input gradient */
  for (int i = 1; i < u->L; ++i) {
    const size_t f = (size_t)u->ch[i] * plane(u, i);
    ALCN_CHECK(alcn_net_backward(u->up[i - 1], g, u->dcat[i]));
    ALCN_CHECK(alcn_copy_2d(be, u->da[i], f, u->dcat[i], 2 * f, (size_t)n, f));
    ALCN_CHECK(alcn_copy_2d(be, u->du[i], f, u->dcat[i] + f, 2 * f, (size_t)n, f));
    g = u->du[i];
  }
  ALCN_CHECK(alcn_net_backward(u->up[u->L - 1], g, u->da[u->L]));
  /* encoder: down_L .. down_2 add the down path's gradient to the skip's */
  for (int i = u->L; i >= 2; --i) {
    const size_t f = (size_t)n * u->ch[i - 1] * plane(u, i - 1);
    ALCN_CHECK(alcn_net_backward(u->down[i - 1], u->da[i], u->tmp));
    ALCN_CHECK(alcn_axpby(be, u->da[i - 1], u->tmp, f, 1.0f, 1.0f));
  }
  return alcn_net_backward(u->down[0], u->da[1], din);
}

alcn_status skip_unet_zero_grad(skip_unet *u) {
  for (int i = 0; i < u->L; ++i) {
    ALCN_CHECK(alcn_net_zero_grad(u->down[i]));
    ALCN_CHECK(alcn_net_zero_grad(u->up[i]));
  }
  return ALCN_OK;
}

alcn_status skip_unet_adam_step(skip_unet *u, const alcn_adam_hparams *h) {
  for (int i = 0; i < u->L; ++i) {
    ALCN_CHECK(alcn_net_adam_step(u->down[i], h));
    ALCN_CHECK(alcn_net_adam_step(u->up[i], h));
  }
  return ALCN_OK;
}

size_t skip_unet_param_count(const skip_unet *u) {
  size_t p = 0;
  for (int i = 0; i < u->L; ++i) p += alcn_net_param_count(u->down[i]) + alcn_net_param_count(u->up[i]);
  return p;
}

int skip_unet_nets(skip_unet *u, alcn_net **nets, int cap) {
  int k = 0;
  for (int i = 0; i < u->L && k < cap; ++i) nets[k++] = u->down[i];
  for (int i = 0; i < u->L && k < cap; ++i) nets[k++] = u->up[i];
  return 2 * u->L;
}
