/* GANomaly's DCGAN encoder, decoder and discriminator for any buildable image
 * size (ganomaly_nets.h documents the pyramid). */
#include "ganomaly_nets.h"

#include <stddef.h>

#define GAN_BN_EPS 1e-5f
#define GAN_BN_MOMENTUM 0.1f
#define GAN_LRELU 0.2f
#define GAN_MAX_F 8

alcn_status gan_plan_make(gan_plan *p, int C, int H, int W) {
  if (C <= 0 || H <= 0 || W <= 0) ALCN_FAIL(ALCN_ERR_ARG, "ganomaly: image shape %dx%dx%d", C, H, W);
  if (H != W)
    ALCN_FAIL(ALCN_ERR_ARG, "ganomaly: the DCGAN nets need square images, got %dx%d (hint: crop or resize the data "
              "set to a square size such as 28, 32, 64, 128 or 256)", H, W);
  int s = H, n = 0;
  do {
    if (s % 2 != 0 || s < 4)
      ALCN_FAIL(ALCN_ERR_ARG, "ganomaly: cannot build the DCGAN pyramid for %dx%d: after %d halving(s) the map is "
                "%dx%d, which a k4 s2 p1 conv cannot halve (hint: use f*2^k pixels with f in 2..%d and k >= 1, "
                "e.g. 28, 32, 64, 128, 224, 256)", H, W, n, s, s, GAN_MAX_F);
    s /= 2;
    ++n;
  } while (s > 4 && s % 2 == 0);
  if (s < 2 || s > GAN_MAX_F)
    ALCN_FAIL(ALCN_ERR_ARG, "ganomaly: cannot build the DCGAN pyramid for %dx%d: after %d halving(s) the map is "
              "%dx%d (odd), more than the %dx%d the final conv may cover (hint: use f*2^k pixels with f in 2..%d, "
              "e.g. 28, 32, 64, 128, 224, 256)", H, W, n, s, s, GAN_MAX_F, GAN_MAX_F, GAN_MAX_F);
  p->C = C; p->H = H; p->W = W;
  p->halvings = n;
  p->fsize = s;
  return ALCN_OK;
}

int gan_top_channels(const gan_plan *p, int nf) { return nf << (p->halvings - 1); }

/* The shared trunk: Conv(C,nf) LReLU, then (halvings-1) x [Conv(c,2c) BN LReLU]. */
static alcn_status add_trunk(alcn_net *n, const gan_plan *p, int nf) {
  ALCN_CHECK(alcn_net_conv(n, nf, 4, 2, 1, 0));
  ALCN_CHECK(alcn_net_act(n, ALCN_ACT_LRELU, GAN_LRELU));
  int c = nf;
  for (int i = 1; i < p->halvings; ++i) {
    c *= 2;
    ALCN_CHECK(alcn_net_conv(n, c, 4, 2, 1, 0));
    ALCN_CHECK(alcn_net_bn(n, GAN_BN_EPS, GAN_BN_MOMENTUM));
    ALCN_CHECK(alcn_net_act(n, ALCN_ACT_LRELU, GAN_LRELU));
  }
  return ALCN_OK;
}

static alcn_status check_widths(const char *name, int nf, int out_ch) {
  if (nf <= 0 || out_ch <= 0)
    ALCN_FAIL(ALCN_ERR_ARG, "ganomaly %s: channel counts must be positive (nf=%d, out=%d)", name, nf, out_ch);
  return ALCN_OK;
}

alcn_status gan_build_encoder(alcn_net **out, alcn_backend *be, const char *name, const gan_plan *p, int nf,
                              int out_ch) {
  *out = NULL;
  ALCN_CHECK(check_widths(name, nf, out_ch));
  alcn_net *n;
  ALCN_CHECK(alcn_net_create(&n, be, name, p->C, p->H, p->W));
  alcn_status st;
  ALCN_CHECK_GOTO(st, add_trunk(n, p, nf), fail);
  ALCN_CHECK_GOTO(st, alcn_net_conv(n, out_ch, p->fsize, 1, 0, 0), fail);
  *out = n;
  return ALCN_OK;
fail:
  alcn_net_destroy(n);
  return st;
}

alcn_status gan_build_features(alcn_net **out, alcn_backend *be, const char *name, const gan_plan *p, int nf) {
  *out = NULL;
  ALCN_CHECK(check_widths(name, nf, 1));
  alcn_net *n;
  ALCN_CHECK(alcn_net_create(&n, be, name, p->C, p->H, p->W));
  alcn_status st;
  ALCN_CHECK_GOTO(st, add_trunk(n, p, nf), fail);
  *out = n;
  return ALCN_OK;
fail:
  alcn_net_destroy(n);
  return st;
}

alcn_status gan_build_classifier(alcn_net **out, alcn_backend *be, const char *name, const gan_plan *p, int nf) {
  *out = NULL;
  ALCN_CHECK(check_widths(name, nf, 1));
  alcn_net *n;
  ALCN_CHECK(alcn_net_create(&n, be, name, gan_top_channels(p, nf), p->fsize, p->fsize));
  alcn_status st;
  ALCN_CHECK_GOTO(st, alcn_net_conv(n, 1, p->fsize, 1, 0, 0), fail);
  *out = n;
  return ALCN_OK;
fail:
  alcn_net_destroy(n);
  return st;
}

alcn_status gan_build_decoder(alcn_net **out, alcn_backend *be, const char *name, const gan_plan *p, int nz,
                              int ngf) {
  *out = NULL;
  ALCN_CHECK(check_widths(name, ngf, nz));
  alcn_net *n;
  ALCN_CHECK(alcn_net_create(&n, be, name, nz, 1, 1));
  alcn_status st;
  int c = gan_top_channels(p, ngf);
  ALCN_CHECK_GOTO(st, alcn_net_convt(n, c, p->fsize, 1, 0, 0, 0), fail);
  ALCN_CHECK_GOTO(st, alcn_net_bn(n, GAN_BN_EPS, GAN_BN_MOMENTUM), fail);
  ALCN_CHECK_GOTO(st, alcn_net_act(n, ALCN_ACT_RELU, 0.0f), fail);
  for (int i = 1; i < p->halvings; ++i) {
    c /= 2;
    ALCN_CHECK_GOTO(st, alcn_net_convt(n, c, 4, 2, 1, 0, 0), fail);
    ALCN_CHECK_GOTO(st, alcn_net_bn(n, GAN_BN_EPS, GAN_BN_MOMENTUM), fail);
    ALCN_CHECK_GOTO(st, alcn_net_act(n, ALCN_ACT_RELU, 0.0f), fail);
  }
  ALCN_CHECK_GOTO(st, alcn_net_convt(n, p->C, 4, 2, 1, 0, 0), fail);
  int oc, oh, ow;
  alcn_net_out_shape(n, &oc, &oh, &ow);
  if (oc != p->C || oh != p->H || ow != p->W) {
    st = alcn_error_at(__FILE__, __LINE__, ALCN_ERR_ARG, "ganomaly %s: decoder produces %dx%dx%d, not %dx%dx%d",
                       name, oc, oh, ow, p->C, p->H, p->W);
    goto fail;
  }
  *out = n;
  return ALCN_OK;
fail:
  alcn_net_destroy(n);
  return st;
}
