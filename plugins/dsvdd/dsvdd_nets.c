/* Deep SVDD's bias-free LeNet-type networks (dsvdd_nets.h documents them). */
#include "dsvdd_nets.h"

#define DS_BN_EPS 1e-4f
#define DS_BN_MOMENTUM 0.1f
#define DS_LRELU 0.01f

alcn_status dsvdd_resolve_arch(int arch, int C, int H, int W, int *resolved, int *blocks) {
  if (C <= 0 || H <= 0 || W <= 0) ALCN_FAIL(ALCN_ERR_ARG, "dsvdd: image shape %dx%dx%d", C, H, W);
  int b = 0;
  if (H == W && H % 4 == 0)
    for (int s = H / 4; s > 1 && s % 2 == 0; s /= 2) ++b;
  const int pow2 = H == W && H % 4 == 0 && (4 << b) == H;
  if (arch == DSVDD_ARCH_AUTO) arch = (H == 28 && W == 28) ? DSVDD_ARCH_MNIST : DSVDD_ARCH_CIFAR;
  if (arch == DSVDD_ARCH_MNIST) {
    if (H != 28 || W != 28)
      ALCN_FAIL(ALCN_ERR_ARG, "dsvdd arch mnist needs 28x28 images, got %dx%d (hint: arch=cifar for 32, 64, 128 or "
                "256 px)", H, W);
    *resolved = DSVDD_ARCH_MNIST;
    *blocks = 2;
    return ALCN_OK;
  }
  if (!pow2 || b < 3)
    ALCN_FAIL(ALCN_ERR_ARG, "dsvdd arch cifar needs square images of 4*2^b px, b >= 3 (32, 64, 128, 256), got %dx%d "
              "(hint: --size 32/64/128/256, or 28 px with arch=mnist)", H, W);
  *resolved = DSVDD_ARCH_CIFAR;
  *blocks = b;
  return ALCN_OK;
}

static int cifar_width(int i) { return i == 0 ? 32 : (i == 1 ? 64 : 128); } /* block i, 0-based */

static alcn_status block(alcn_net *n, int out_ch) {
  ALCN_CHECK(alcn_net_conv(n, out_ch, 5, 1, 2, 0));
  ALCN_CHECK(alcn_net_bn_ex(n, DS_BN_EPS, DS_BN_MOMENTUM, 0));
  ALCN_CHECK(alcn_net_act(n, ALCN_ACT_LRELU, DS_LRELU));
  return alcn_net_maxpool(n, 2, 2);
}

/* ConvT(k5, p) BN LReLU Up2 */
static alcn_status up_block(alcn_net *n, int out_ch, int pad) {
  ALCN_CHECK(alcn_net_convt(n, out_ch, 5, 1, pad, 0, 0));
  ALCN_CHECK(alcn_net_bn_ex(n, DS_BN_EPS, DS_BN_MOMENTUM, 0));
  ALCN_CHECK(alcn_net_act(n, ALCN_ACT_LRELU, DS_LRELU));
  return alcn_net_upsample(n, 2);
}

static alcn_status phi_layers(alcn_net *n, int arch, int blocks) {
  if (arch == DSVDD_ARCH_MNIST) {
    ALCN_CHECK(block(n, 8));
    ALCN_CHECK(block(n, 4));
    return alcn_net_linear_ex(n, 32, 0);
  }
  for (int i = 0; i < blocks; ++i) ALCN_CHECK(block(n, cifar_width(i)));
  return alcn_net_linear_ex(n, 128, 0);
}

static alcn_status decoder_layers(alcn_net *n, int arch, int blocks, int C) {
  if (arch == DSVDD_ARCH_MNIST) {
    ALCN_CHECK(alcn_net_reshape(n, 2, 4, 4));
    ALCN_CHECK(alcn_net_act(n, ALCN_ACT_LRELU, DS_LRELU));
    ALCN_CHECK(alcn_net_upsample(n, 2));
    ALCN_CHECK(up_block(n, 4, 2));
    ALCN_CHECK(up_block(n, 8, 3));
    return alcn_net_convt(n, C, 5, 1, 2, 0, 0);
  }
  ALCN_CHECK(alcn_net_bn_ex(n, DS_BN_EPS, DS_BN_MOMENTUM, 0));
  ALCN_CHECK(alcn_net_reshape(n, 8, 4, 4));
  ALCN_CHECK(alcn_net_act(n, ALCN_ACT_LRELU, DS_LRELU));
  for (int i = blocks - 1; i >= 0; --i) ALCN_CHECK(up_block(n, cifar_width(i), 2));
  return alcn_net_convt(n, C, 5, 1, 2, 0, 0);
}

static alcn_status finish(alcn_net *n, alcn_status st, alcn_net **out, const char *what) {
  if (st != ALCN_OK) {
    alcn_net_destroy(n);
    alcn_error_trace(__FILE__, __LINE__, what);
    return st;
  }
  *out = n;
  return ALCN_OK;
}

alcn_status dsvdd_build_phi(alcn_net **out, alcn_backend *be, int arch, int blocks, int C, int H, int W) {
  *out = NULL;
  alcn_net *n;
  ALCN_CHECK(alcn_net_create(&n, be, "dsvdd phi", C, H, W));
  return finish(n, phi_layers(n, arch, blocks), out, "dsvdd phi");
}

alcn_status dsvdd_build_decoder(alcn_net **out, alcn_backend *be, int arch, int blocks, int C, int H, int W) {
  *out = NULL;
  alcn_net *n;
  ALCN_CHECK(alcn_net_create(&n, be, "dsvdd decoder", arch == DSVDD_ARCH_MNIST ? 32 : 128, 1, 1));
  alcn_status st = decoder_layers(n, arch, blocks, C);
  if (st == ALCN_OK) {
    int oc, oh, ow;
    alcn_net_out_shape(n, &oc, &oh, &ow);
    if (oc != C || oh != H || ow != W)
      st = alcn_error_at(__FILE__, __LINE__, ALCN_ERR_ARG, "dsvdd decoder produces %dx%dx%d, not %dx%dx%d", oc, oh,
                         ow, C, H, W);
  }
  return finish(n, st, out, "dsvdd decoder");
}
