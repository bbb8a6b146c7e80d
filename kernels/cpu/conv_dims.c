/* Shape arithmetic shared by every conv implementation (ops.h). */
#include "cpu_ops.h"

alcn_status alcn_conv_dims_init(alcn_conv_dims *d, int N, int C, int H, int W, int K, int R, int S, int stride,
                                int pad, int out_pad, int transposed) {
  if (N <= 0 || C <= 0 || H <= 0 || W <= 0 || K <= 0 || R <= 0 || S <= 0 || stride <= 0 || pad < 0 ||
      out_pad < 0)
    ALCN_FAIL(ALCN_ERR_ARG,
              "conv shape N=%d C=%d H=%d W=%d K=%d kernel %dx%d stride %d pad %d out_pad %d: every size must "
              "be positive and padding non-negative", N, C, H, W, K, R, S, stride, pad, out_pad);
  if (!transposed && out_pad != 0)
    ALCN_FAIL(ALCN_ERR_ARG, "out_pad=%d is only meaningful for a transposed convolution", out_pad);
  if (transposed && out_pad >= stride)
    ALCN_FAIL(ALCN_ERR_ARG, "out_pad=%d must be smaller than stride=%d (as in PyTorch)", out_pad, stride);
  d->N = N; d->C = C; d->H = H; d->W = W; d->K = K; d->R = R; d->S = S;
  d->stride = stride; d->pad = pad; d->out_pad = out_pad; d->transposed = transposed;
  if (transposed) {
    d->P = (H - 1) * stride - 2 * pad + R + out_pad;
    d->Q = (W - 1) * stride - 2 * pad + S + out_pad;
  } else {
    d->P = (H + 2 * pad - R) / stride + 1;
    d->Q = (W + 2 * pad - S) / stride + 1;
    if (H + 2 * pad < R || W + 2 * pad < S) d->P = d->Q = 0;
  }
  if (d->P <= 0 || d->Q <= 0)
    ALCN_FAIL(ALCN_ERR_ARG, "%s of a %dx%d input with a %dx%d kernel, stride %d, pad %d gives an empty output "
              "(hint: use a larger input or a smaller kernel)", transposed ? "ConvTranspose2d" : "Conv2d",
              H, W, R, S, stride, pad);
  return ALCN_OK;
}
