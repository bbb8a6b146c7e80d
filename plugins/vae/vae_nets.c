/* The convolutional VAE's encoder and decoder (vae_nets.h documents them). */
#include "vae_nets.h"

#include <string.h>

#include "alcn/models.h"

/* Bottleneck map of the resolved arch: 32 x bh x bw. */
static void bottleneck(int strided, int H, int W, int *bh, int *bw) {
  *bh = strided ? H / 16 : H - 8;
  *bw = strided ? W / 16 : W - 8;
}

static alcn_status encoder_layers(alcn_net *n, int strided, int zdim) {
  if (!strided) {
    ALCN_CHECK(alcn_net_conv(n, 16, 5, 1, 0, 1));
    ALCN_CHECK(alcn_net_act(n, ALCN_ACT_RELU, 0));
    ALCN_CHECK(alcn_net_conv(n, 32, 5, 1, 0, 1));
    ALCN_CHECK(alcn_net_act(n, ALCN_ACT_RELU, 0));
  } else {
    const int ch[4] = {16, 32, 32, 32};
    for (int i = 0; i < 4; ++i) {
      ALCN_CHECK(alcn_net_conv(n, ch[i], 5, 2, 2, 1));
      ALCN_CHECK(alcn_net_act(n, ALCN_ACT_RELU, 0));
    }
  }
  return alcn_net_linear(n, 2 * zdim);
}

static alcn_status decoder_layers(alcn_net *n, int strided, int C, int H, int W) {
  int bh, bw;
  bottleneck(strided, H, W, &bh, &bw);
  ALCN_CHECK(alcn_net_linear(n, 32 * bh * bw));
  ALCN_CHECK(alcn_net_reshape(n, 32, bh, bw));
  ALCN_CHECK(alcn_net_act(n, ALCN_ACT_RELU, 0));
  if (!strided) {
    ALCN_CHECK(alcn_net_convt(n, 16, 5, 1, 0, 0, 1));
    ALCN_CHECK(alcn_net_act(n, ALCN_ACT_RELU, 0));
    return alcn_net_convt(n, C, 5, 1, 0, 0, 1);
  }
  const int ch[4] = {32, 32, 16, C};
  for (int i = 0; i < 4; ++i) {
    ALCN_CHECK(alcn_net_convt(n, ch[i], 5, 2, 2, 1, 1));
    if (i < 3) ALCN_CHECK(alcn_net_act(n, ALCN_ACT_RELU, 0));
  }
  return ALCN_OK;
}

static alcn_status build(alcn_net **out, alcn_backend *be, int C, int H, int W, int zdim, const char *arch,
                         int decoder) {
  *out = NULL;
  if (zdim <= 0) ALCN_FAIL(ALCN_ERR_ARG, "vae: latent size %d", zdim);
  const char *a;
  ALCN_CHECK(alcn_model_resolve_arch(arch, H, W, &a));
  const int strided = strcmp(a, "strided") == 0;
  alcn_net *n;
  if (decoder) ALCN_CHECK(alcn_net_create(&n, be, "vae decoder", zdim, 1, 1));
  else ALCN_CHECK(alcn_net_create(&n, be, "vae encoder", C, H, W));
  alcn_status st = decoder ? decoder_layers(n, strided, C, H, W) : encoder_layers(n, strided, zdim);
  if (st == ALCN_OK && decoder) {
    int oc, oh, ow;
    alcn_net_out_shape(n, &oc, &oh, &ow);
    if (oc != C || oh != H || ow != W)
      st = alcn_error_at(__FILE__, __LINE__, ALCN_ERR_ARG, "vae decoder produces %dx%dx%d, not %dx%dx%d", oc, oh, ow,
                         C, H, W);
  }
  if (st != ALCN_OK) {
    alcn_net_destroy(n);
    alcn_error_trace(__FILE__, __LINE__, decoder ? "vae decoder" : "vae encoder");
    return st;
  }
  *out = n;
  return ALCN_OK;
}

alcn_status vae_build_encoder(alcn_net **out, alcn_backend *be, int C, int H, int W, int zdim, const char *arch) {
  return build(out, be, C, H, W, zdim, arch, 0);
}

alcn_status vae_build_decoder(alcn_net **out, alcn_backend *be, int C, int H, int W, int zdim, const char *arch) {
  return build(out, be, C, H, W, zdim, arch, 1);
}
