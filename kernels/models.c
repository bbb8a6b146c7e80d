/* Builders of the paper's DAE and noise generator (models.h). */
#include "alcn/models.h"

#include <string.h>

const char *alcn_model_arch_name(int index) {
  static const char *const names[] = {"auto", "paper", "strided"};
  return index >= 0 && index < 3 ? names[index] : "auto";
}

alcn_status alcn_model_resolve_arch(const char *arch, int H, int W, const char **resolved) {
  if (!arch || strcmp(arch, "auto") == 0) arch = (H <= 32 && W <= 32) ? "paper" : "strided";
  if (strcmp(arch, "paper") == 0) {
    if (H < 9 || W < 9) ALCN_FAIL(ALCN_ERR_ARG, "arch paper needs images of at least 9x9, got %dx%d", H, W);
    *resolved = "paper";
    return ALCN_OK;
  }
  if (strcmp(arch, "strided") == 0) {
    if (H % 16 || W % 16 || H < 16 || W < 16)
      ALCN_FAIL(ALCN_ERR_ARG, "arch strided needs H and W divisible by 16, got %dx%d (hint: --size 64, 128 or 256)",
                H, W);
    *resolved = "strided";
    return ALCN_OK;
  }
  ALCN_FAIL(ALCN_ERR_ARG, "unknown arch '%s' (valid: auto, paper, strided)", arch);
}

/* The decoder half shared by the DAE and the noise generator: from the
 * bottleneck (32 channels) to C channels, no final activation. */
static alcn_status decoder(alcn_net *n, int C, int strided) {
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

static alcn_status build_dae(alcn_net *n, int C, int strided) {
  if (!strided) {
    ALCN_CHECK(alcn_net_conv(n, 16, 5, 1, 0, 1));
    ALCN_CHECK(alcn_net_act(n, ALCN_ACT_RELU, 0));
    ALCN_CHECK(alcn_net_conv(n, 32, 5, 1, 0, 1));
    ALCN_CHECK(alcn_net_act(n, ALCN_ACT_RELU, 0));
    return decoder(n, C, 0);
  }
  const int ch[4] = {16, 32, 32, 32};
  for (int i = 0; i < 4; ++i) {
    ALCN_CHECK(alcn_net_conv(n, ch[i], 5, 2, 2, 1));
    ALCN_CHECK(alcn_net_act(n, ALCN_ACT_RELU, 0));
  }
  return decoder(n, C, 1);
}

alcn_status alcn_model_dae(alcn_net **out, alcn_backend *be, int C, int H, int W, const char *arch) {
  const char *a;
  ALCN_CHECK(alcn_model_resolve_arch(arch, H, W, &a));
  ALCN_CHECK(alcn_net_create(out, be, "G_denoise", C, H, W));
  alcn_status st = build_dae(*out, C, strcmp(a, "strided") == 0);
  if (st != ALCN_OK) {
    alcn_net_destroy(*out);
    *out = NULL;
    alcn_error_trace(__FILE__, __LINE__, "build_dae");
  }
  return st;
}

static alcn_status build_gen(alcn_net *n, int C, int H, int W, int strided) {
  int bh = strided ? H / 16 : H - 8, bw = strided ? W / 16 : W - 8;
  ALCN_CHECK(alcn_net_linear(n, 32 * bh * bw));
  ALCN_CHECK(alcn_net_reshape(n, 32, bh, bw));
  ALCN_CHECK(alcn_net_act(n, ALCN_ACT_RELU, 0));
  ALCN_CHECK(decoder(n, C, strided));
  return alcn_net_act(n, ALCN_ACT_SIGMOID, 0);
}

alcn_status alcn_model_noise_gen(alcn_net **out, alcn_backend *be, int C, int H, int W, int zdim, const char *arch) {
  const char *a;
  ALCN_CHECK(alcn_model_resolve_arch(arch, H, W, &a));
  ALCN_CHECK(alcn_net_create(out, be, "G_noise", zdim, 1, 1));
  alcn_status st = build_gen(*out, C, H, W, strcmp(a, "strided") == 0);
  if (st != ALCN_OK) {
    alcn_net_destroy(*out);
    *out = NULL;
    alcn_error_trace(__FILE__, __LINE__, "build_gen");
  }
  return st;
}
