#define _GNU_SOURCE /* RTLD_DEFAULT (isa_paths.h), open_memstream */
/* Suite "net": the sequential network helper on the CPU backend — whole-net
 * gradients against finite differences, training actually learns, freeze,
 * save/load, BatchNorm forward modes, the paper's parameter counts, and
 * fused activations bitwise equal to separate ones on every CPU path, and
 * copying parameters between nets. */
#include <check.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "alcn/models.h"
#include "alcn/net.h"
#include "isa_paths.h"
#include "test_util.h"

static alcn_backend *be;

static void setup(void) {
  ck_assert_int_eq(alcn_backend_create(&be, "cpu", 1, 1), ALCN_OK);
}
static void teardown(void) { alcn_backend_destroy(be); }

/* objective: sum(out * probe) of a forward in train mode, in double */
typedef struct fd_ctx { alcn_net *net; const float *x; int n; const float *probe; size_t out_n; } fd_ctx;
static double objective(void *p) {
  fd_ctx *c = p;
  const float *y;
  ck_assert_int_eq(alcn_net_forward(c->net, c->x, c->n, 1, &y), ALCN_OK);
  double s = 0;
  for (size_t i = 0; i < c->out_n; ++i) s += (double)y[i] * c->probe[i];
  return s;
}

START_TEST(test_whole_net_gradients) {
  /* conv s2 p1 -> BN -> LReLU -> linear -> reshape -> tanh -> convT s2 p1 op1 -> sigmoid */
  alcn_net *n;
  ck_assert_int_eq(alcn_net_create(&n, be, "fd", 2, 6, 6), ALCN_OK);
  ck_assert_int_eq(alcn_net_conv(n, 3, 3, 2, 1, 1), ALCN_OK);       /* 3x3x3 */
  ck_assert_int_eq(alcn_net_bn(n, 1e-5f, 0.1f), ALCN_OK);
  ck_assert_int_eq(alcn_net_act(n, ALCN_ACT_LRELU, 0.2f), ALCN_OK);
  ck_assert_int_eq(alcn_net_linear(n, 12), ALCN_OK);
  ck_assert_int_eq(alcn_net_reshape(n, 3, 2, 2), ALCN_OK);
  ck_assert_int_eq(alcn_net_act(n, ALCN_ACT_TANH, 0), ALCN_OK);
  ck_assert_int_eq(alcn_net_convt(n, 2, 3, 2, 1, 1, 1), ALCN_OK);   /* 2x4x4 */
  ck_assert_int_eq(alcn_net_act(n, ALCN_ACT_SIGMOID, 0), ALCN_OK);
  ck_assert_int_eq(alcn_net_finalize(n, 3, 7, ALCN_INIT_TORCH), ALCN_OK);
  int C, H, W;
  alcn_net_out_shape(n, &C, &H, &W);
  ck_assert_int_eq(C * H * W, 32);
  enum { N = 3 };
  float x[N * 72], probe[N * 32], dx[N * 72];
  tu_fill_uniform(x, N * 72, 11, -1.f, 1.f);
  tu_fill_uniform(probe, N * 32, 12, -1.f, 1.f);
  const float *y;
  ck_assert_int_eq(alcn_net_forward(n, x, N, 1, &y), ALCN_OK);
  ck_assert_int_eq(alcn_net_zero_grad(n), ALCN_OK);
  ck_assert_int_eq(alcn_net_backward(n, probe, dx), ALCN_OK);
  size_t np;
  float *p = alcn_net_params(n, &np), *g = alcn_net_grads(n, &np);
  float *gcopy = malloc(np * sizeof *gcopy);
  memcpy(gcopy, g, np * sizeof *gcopy);
  fd_ctx c = {n, x, N, probe, N * 32};
  /* float32 forward, eps 1e-2: 2% relative (floor 1e-3) */
  double ex = tu_fd_check(x, N * 72, dx, objective, &c, 1e-2f, 72, 1e-3);
  double ep = tu_fd_check(p, np, gcopy, objective, &c, 1e-2f, 150, 1e-3);
  ck_assert_msg(ex < 2e-2, "input gradient rel err %g", ex);
  ck_assert_msg(ep < 2e-2, "parameter gradient rel err %g", ep);
  free(gcopy);
  alcn_net_destroy(n);
}
END_TEST

START_TEST(test_autoencoder_learns) {
  /* a small conv autoencoder, 200 Adam steps on one fixed batch: MSE drops >= 10x */
  alcn_net *n;
  ck_assert_int_eq(alcn_net_create(&n, be, "ae", 1, 12, 12), ALCN_OK);
  ck_assert_int_eq(alcn_net_conv(n, 8, 3, 1, 1, 1), ALCN_OK);
  ck_assert_int_eq(alcn_net_act(n, ALCN_ACT_RELU, 0), ALCN_OK);
  ck_assert_int_eq(alcn_net_conv(n, 8, 3, 2, 1, 1), ALCN_OK);
  ck_assert_int_eq(alcn_net_act(n, ALCN_ACT_RELU, 0), ALCN_OK);
  ck_assert_int_eq(alcn_net_convt(n, 8, 3, 2, 1, 1, 1), ALCN_OK);
  ck_assert_int_eq(alcn_net_act(n, ALCN_ACT_RELU, 0), ALCN_OK);
  ck_assert_int_eq(alcn_net_conv(n, 1, 3, 1, 1, 1), ALCN_OK);
  ck_assert_int_eq(alcn_net_finalize(n, 8, 3, ALCN_INIT_TORCH), ALCN_OK);
  enum { N = 8, D = 144 };
  float x[N * D], dpred[N * D], loss = 0, first = 0;
  for (int i = 0; i < N; ++i)
    for (int r = 0; r < 12; ++r)
      for (int q = 0; q < 12; ++q) /* smooth blobs at different places */
        x[i * D + r * 12 + q] = expf(-((r - 3 - i % 5) * (r - 3 - i % 5) + (q - 2 - i) * (q - 2 - i)) / 8.0f);
  alcn_adam_hparams h = {1e-2f, 0.9f, 0.999f, 1e-8f, 0};
  alcn_loss_cfg lc = {ALCN_LOSS_MSE, 1.0f};
  for (int step = 0; step < 200; ++step) {
    const float *y;
    ck_assert_int_eq(alcn_net_forward(n, x, N, 1, &y), ALCN_OK);
    ck_assert_int_eq(alcn_loss(be, &lc, &loss, dpred, y, x, N, 1, 12, 12, 1.0f), ALCN_OK);
    if (step == 0) first = loss;
    ck_assert_int_eq(alcn_net_zero_grad(n), ALCN_OK);
    ck_assert_int_eq(alcn_net_backward(n, dpred, NULL), ALCN_OK);
    ck_assert_int_eq(alcn_net_adam_step(n, &h), ALCN_OK);
  }
  ck_assert_msg(loss * 10.0f <= first, "MSE %g -> %g: less than 10x lower", (double)first, (double)loss);
  alcn_net_destroy(n);
}
END_TEST

START_TEST(test_freeze_and_input_grad) {
  alcn_net *n;
  ck_assert_int_eq(alcn_model_dae(&n, be, 1, 28, 28, "paper"), ALCN_OK);
  ck_assert_int_eq(alcn_net_finalize(n, 2, 1, ALCN_INIT_TORCH), ALCN_OK);
  float x[2 * 784], dx[2 * 784], probe[2 * 784];
  tu_fill_uniform(x, 1568, 1, 0.f, 1.f);
  tu_fill_uniform(probe, 1568, 2, -1.f, 1.f);
  const float *y;
  size_t np;
  ck_assert_int_eq(alcn_net_zero_grad(n), ALCN_OK);
  alcn_net_freeze(n, 1);
  ck_assert_int_eq(alcn_net_forward(n, x, 2, 1, &y), ALCN_OK);
  ck_assert_int_eq(alcn_net_backward(n, probe, dx), ALCN_OK);
  float *g = alcn_net_grads(n, &np);
  for (size_t i = 0; i < np; ++i) ck_assert_float_eq(g[i], 0.0f);
  double norm = 0;
  for (int i = 0; i < 1568; ++i) norm += fabs(dx[i]);
  ck_assert(norm > 0);
  /* a frozen net takes no Adam step */
  float *p = alcn_net_params(n, &np), before = p[5];
  alcn_adam_hparams h = {1e-1f, 0.9f, 0.999f, 1e-8f, 0};
  for (size_t i = 0; i < np; ++i) g[i] = 1.0f;
  ck_assert_int_eq(alcn_net_adam_step(n, &h), ALCN_OK);
  ck_assert_float_eq(p[5], before);
  alcn_net_freeze(n, 0);
  ck_assert_int_eq(alcn_net_adam_step(n, &h), ALCN_OK);
  ck_assert(p[5] != before);
  alcn_net_destroy(n);
}
END_TEST

START_TEST(test_paper_param_counts) {
  /* G_denoise and G_noise for C=1 (as `torch_alcn.py params` prints) and C=3 */
  const size_t dae1 = 416 + 12832 + 12816 + 401, gen1 = 256 * 12800 + 12800 + 12816 + 401;
  const size_t dae3 = 1216 + 12832 + 12816 + 1203;
  alcn_net *d, *g, *d3;
  ck_assert_int_eq(alcn_model_dae(&d, be, 1, 28, 28, "auto"), ALCN_OK);
  ck_assert_int_eq(alcn_model_noise_gen(&g, be, 1, 28, 28, ALCN_NOISE_ZDIM, "auto"), ALCN_OK);
  ck_assert_int_eq(alcn_model_dae(&d3, be, 3, 32, 32, "paper"), ALCN_OK);
  ck_assert_uint_eq(alcn_net_param_count(d), dae1);
  ck_assert_uint_eq(alcn_net_param_count(g), gen1);
  ck_assert_uint_eq(alcn_net_param_count(d3), dae3);
  /* the DAE's parameter tensors, each where the flat arrays hold it */
  ck_assert_int_eq(alcn_net_finalize(d, 2, 1, ALCN_INIT_TORCH), ALCN_OK);
  static const size_t counts[] = {400, 16, 12800, 32, 12800, 16, 400, 1};
  static const char *const kinds[] = {"conv", "conv", "conv", "conv", "convT", "convT", "convT", "convT"};
  alcn_param_tensor t[9];
  ck_assert_int_eq(alcn_net_param_tensors(d, NULL, 0), 8);
  ck_assert_int_eq(alcn_net_param_tensors(d, t, 3), 8); /* writes 3, counts all */
  ck_assert_int_eq(alcn_net_param_tensors(d, t, 9), 8);
  size_t off = 0;
  for (int i = 0; i < 8; ++i) {
    ck_assert_uint_eq(t[i].count, counts[i]);
    ck_assert_uint_eq(t[i].offset, off);
    ck_assert_int_eq(t[i].bias, i % 2);
    ck_assert_str_eq(t[i].kind, kinds[i]);
    ck_assert_int_eq(t[i].layer, 2 * (i / 2)); /* conv, ReLU, conv, ReLU, convT, ReLU, convT, sigmoid */
    off += counts[i];
  }
  ck_assert_uint_eq(off, dae1);
  alcn_net_destroy(d);
  alcn_net_destroy(g);
  alcn_net_destroy(d3);
  /* the strided variant at 256 px keeps the noise generator's Linear small */
  alcn_net *s;
  ck_assert_int_eq(alcn_model_noise_gen(&s, be, 3, 256, 256, ALCN_NOISE_ZDIM, "auto"), ALCN_OK);
  int C, H, W;
  alcn_net_out_shape(s, &C, &H, &W);
  ck_assert_int_eq(C, 3);
  ck_assert_int_eq(H, 256);
  ck_assert_int_eq(W, 256);
  ck_assert_uint_lt(alcn_net_param_count(s), 3000000);
  alcn_net_destroy(s);
  const char *a;
  ck_assert_int_eq(alcn_model_resolve_arch("strided", 100, 100, &a), ALCN_ERR_ARG);
  ck_assert_ptr_nonnull(strstr(alcn_last_error(), "divisible by 16"));
}
END_TEST

START_TEST(test_save_load_roundtrip) {
  char dir[256], path[300];
  ck_assert_int_eq(tu_make_tempdir(dir, sizeof dir, "net"), 0);
  snprintf(path, sizeof path, "%s/w.bin", dir);
  alcn_net *a, *b, *other;
  ck_assert_int_eq(alcn_model_dae(&a, be, 1, 28, 28, "paper"), ALCN_OK);
  ck_assert_int_eq(alcn_net_finalize(a, 1, 5, ALCN_INIT_TORCH), ALCN_OK);
  ck_assert_int_eq(alcn_model_dae(&b, be, 1, 28, 28, "paper"), ALCN_OK);
  ck_assert_int_eq(alcn_net_finalize(b, 1, 6, ALCN_INIT_TORCH), ALCN_OK);
  FILE *f = fopen(path, "wb");
  ck_assert_int_eq(alcn_net_save(a, f), ALCN_OK);
  fclose(f);
  f = fopen(path, "rb");
  ck_assert_int_eq(alcn_net_load(b, f, path), ALCN_OK);
  fclose(f);
  size_t np;
  float *pa = alcn_net_params(a, &np), *pb = alcn_net_params(b, &np);
  ck_assert_int_eq(memcmp(pa, pb, np * sizeof(float)), 0);
  /* a different architecture is refused, naming the file */
  ck_assert_int_eq(alcn_model_dae(&other, be, 3, 32, 32, "paper"), ALCN_OK);
  ck_assert_int_eq(alcn_net_finalize(other, 1, 5, ALCN_INIT_TORCH), ALCN_OK);
  f = fopen(path, "rb");
  ck_assert_int_eq(alcn_net_load(other, f, path), ALCN_ERR_FORMAT);
  fclose(f);
  ck_assert_ptr_nonnull(strstr(alcn_last_error(), path));
  /* a truncated file too */
  ck_assert_int_eq(truncate(path, 200), 0);
  f = fopen(path, "rb");
  ck_assert_int_eq(alcn_net_load(b, f, path), ALCN_ERR_FORMAT);
  fclose(f);
  alcn_net_destroy(a);
  alcn_net_destroy(b);
  alcn_net_destroy(other);
  tu_remove_tree(dir);
}
END_TEST

/* The three forward modes on conv -> BN: BATCH_STATS gives train()'s output
 * but leaves the running statistics (in the saved state) as they were; EVAL
 * uses them; a fourth mode is refused. */
START_TEST(test_forward_modes) {
  alcn_net *n;
  ck_assert_int_eq(alcn_net_create(&n, be, "modes", 1, 4, 4), ALCN_OK);
  ck_assert_int_eq(alcn_net_conv(n, 2, 3, 1, 1, 1), ALCN_OK);
  ck_assert_int_eq(alcn_net_bn(n, 1e-5f, 0.1f), ALCN_OK);
  ck_assert_int_eq(alcn_net_finalize(n, 4, 3, ALCN_INIT_TORCH), ALCN_OK);
  enum { N = 4, OUT = N * 2 * 16 };
  float x[N * 16], yb[OUT], yt[OUT], ye[OUT];
  tu_fill_uniform(x, N * 16, 21, 0.f, 3.f); /* mean far from the running mean 0 */
  const float *y;
  char *s0 = NULL, *s1 = NULL, *s2 = NULL;
  size_t l0, l1, l2;
  FILE *f = open_memstream(&s0, &l0);
  ck_assert_int_eq(alcn_net_save(n, f), ALCN_OK);
  fclose(f);
  ck_assert_int_eq(alcn_net_forward(n, x, N, ALCN_NET_BATCH_STATS, &y), ALCN_OK);
  memcpy(yb, y, sizeof yb);
  f = open_memstream(&s1, &l1);
  ck_assert_int_eq(alcn_net_save(n, f), ALCN_OK);
  fclose(f);
  ck_assert_uint_eq(l0, l1);
  ck_assert_msg(memcmp(s0, s1, l0) == 0, "BATCH_STATS changed the running statistics");
  ck_assert_int_eq(alcn_net_forward(n, x, N, ALCN_NET_EVAL, &y), ALCN_OK);
  memcpy(ye, y, sizeof ye);
  ck_assert_int_eq(alcn_net_forward(n, x, N, ALCN_NET_TRAIN, &y), ALCN_OK);
  memcpy(yt, y, sizeof yt);
  f = open_memstream(&s2, &l2);
  ck_assert_int_eq(alcn_net_save(n, f), ALCN_OK);
  fclose(f);
  ck_assert_msg(l2 != l0 || memcmp(s0, s2, l0) != 0, "TRAIN did not update the running statistics");
  ck_assert_double_lt(tu_max_abs_diff(yb, yt, OUT), 1e-6);
  ck_assert_double_gt(tu_max_abs_diff(yb, ye, OUT), 0.1);
  ck_assert_int_eq(alcn_net_forward(n, x, N, 3, &y), ALCN_ERR_ARG);
  ck_assert_ptr_nonnull(strstr(alcn_last_error(), "mode 3"));
  free(s0);
  free(s1);
  free(s2);
  alcn_net_destroy(n);
}
END_TEST

START_TEST(test_errors) {
  alcn_net *n;
  ck_assert_int_eq(alcn_net_create(&n, be, "bad", 1, 4, 4), ALCN_OK);
  ck_assert_int_eq(alcn_net_conv(n, 4, 5, 1, 0, 1), ALCN_ERR_ARG); /* 5x5 kernel on 4x4 */
  ck_assert_int_eq(alcn_net_num_layers(n), 0);
  ck_assert_int_eq(alcn_net_reshape(n, 3, 3, 3), ALCN_ERR_ARG);
  ck_assert_int_eq(alcn_net_conv(n, 4, 3, 1, 1, 1), ALCN_OK);
  ck_assert_int_eq(alcn_net_finalize(n, 2, 1, ALCN_INIT_TORCH), ALCN_OK);
  const float *y;
  float x[3 * 16] = {0};
  ck_assert_int_eq(alcn_net_forward(n, x, 3, 1, &y), ALCN_ERR_ARG); /* batch above max */
  ck_assert_ptr_nonnull(strstr(alcn_last_error(), "batch 3"));
  alcn_net_destroy(n);
}
END_TEST

START_TEST(test_cpu_backend_flushes_denormals) {
  /* the fixture made a CPU backend: denormal inputs and results are zero on
   * this thread and on the OpenMP workers (they cost ~100x on x86) */
  volatile float tiny = 1e-39f, one = 1.0f;
  ck_assert_float_eq(tiny * one, 0.0f);
  float out[2] = {1, 1}, in[2] = {1e-39f, 1e-39f};
  ck_assert_int_eq(alcn_act_forward(be, out, in, 2, ALCN_ACT_RELU, 0), ALCN_OK);
  ck_assert_float_eq(out[0], 0.0f);
}
END_TEST

/* alcn_net_copy_params: the parameters, and only they, come over; nets
 * with other layers or not finalized are refused by name. */
START_TEST(test_copy_params) {
  alcn_net *a, *b, *c, *u;
  ck_assert_int_eq(alcn_model_dae(&a, be, 1, 28, 28, "paper"), ALCN_OK);
  ck_assert_int_eq(alcn_model_dae(&b, be, 1, 28, 28, "paper"), ALCN_OK);
  ck_assert_int_eq(alcn_model_dae(&c, be, 3, 28, 28, "paper"), ALCN_OK);
  ck_assert_int_eq(alcn_model_dae(&u, be, 1, 28, 28, "paper"), ALCN_OK);
  ck_assert_int_eq(alcn_net_finalize(a, 2, 1, ALCN_INIT_TORCH), ALCN_OK);
  ck_assert_int_eq(alcn_net_finalize(b, 2, 2, ALCN_INIT_TORCH), ALCN_OK);
  ck_assert_int_eq(alcn_net_finalize(c, 2, 1, ALCN_INIT_TORCH), ALCN_OK);
  size_t na, nb;
  float *pa = alcn_net_params(a, &na), *pb = alcn_net_params(b, &nb);
  ck_assert_uint_eq(na, nb);
  ck_assert_msg(memcmp(pa, pb, na * sizeof(float)) != 0, "seeds 1 and 2 gave the same parameters");
  float *gb = alcn_net_grads(b, &nb);
  for (size_t i = 0; i < nb; ++i) gb[i] = 0.5f;
  ck_assert_int_eq(alcn_net_copy_params(b, a), ALCN_OK);
  ck_assert_msg(memcmp(pa, pb, na * sizeof(float)) == 0, "parameters not copied");
  for (size_t i = 0; i < nb; ++i) ck_assert_float_eq(gb[i], 0.5f); /* gradients stay */
  /* and b now computes what a computes */
  float x[2 * 784];
  tu_fill_uniform(x, 2 * 784, 4, 0.f, 1.f);
  const float *ya, *yb;
  float y0[2 * 784];
  ck_assert_int_eq(alcn_net_forward(a, x, 2, ALCN_NET_EVAL, &ya), ALCN_OK);
  memcpy(y0, ya, sizeof y0);
  ck_assert_int_eq(alcn_net_forward(b, x, 2, ALCN_NET_EVAL, &yb), ALCN_OK);
  ck_assert_msg(memcmp(y0, yb, sizeof y0) == 0, "copied net computes something else");
  ck_assert_int_eq(alcn_net_copy_params(c, a), ALCN_ERR_ARG); /* 3 input channels: other shapes */
  ck_assert_ptr_nonnull(strstr(alcn_last_error(), "different layers"));
  ck_assert_int_eq(alcn_net_copy_params(u, a), ALCN_ERR_ARG);
  ck_assert_ptr_nonnull(strstr(alcn_last_error(), "not finalized"));
  ck_assert_int_eq(alcn_net_copy_params(NULL, a), ALCN_ERR_ARG);
  alcn_net_destroy(a);
  alcn_net_destroy(b);
  alcn_net_destroy(c);
  alcn_net_destroy(u);
}
END_TEST

/* The fused calls refuse what the plain ones refuse, and an input gradient
 * without the activation output it is masked by, with a message. */
START_TEST(test_fused_calls_refuse_bad_input) {
  alcn_conv_dims d;
  ck_assert_int_eq(alcn_conv_dims_init(&d, 1, 2, 6, 6, 4, 3, 3, 1, 0, 0, 0), ALCN_OK);
  float in[72] = {0}, w[72] = {0}, out[64], din[72], dout[64] = {0};
  ck_assert_int_eq(alcn_conv_forward_act(be, out, in, w, NULL, &d, (alcn_act)99, 0), ALCN_ERR_ARG);
  ck_assert_ptr_nonnull(strstr(alcn_last_error(), "unknown activation"));
  ck_assert_int_eq(alcn_conv_forward_act(be, NULL, in, w, NULL, &d, ALCN_ACT_RELU, 0), ALCN_ERR_ARG);
  ck_assert_int_eq(alcn_conv_backward_act(be, din, NULL, NULL, dout, in, w, &d, NULL, ALCN_ACT_RELU, 0), ALCN_ERR_ARG);
  ck_assert_ptr_nonnull(strstr(alcn_last_error(), "act_out"));
  ck_assert_int_eq(alcn_conv_backward_act(be, din, NULL, NULL, dout, in, w, &d, in, (alcn_act)-1, 0), ALCN_ERR_ARG);
  alcn_conv_dims unset = {0};
  ck_assert_int_eq(alcn_conv_forward_act(be, out, in, w, NULL, &unset, ALCN_ACT_RELU, 0), ALCN_ERR_ARG);
  ck_assert_ptr_nonnull(strstr(alcn_last_error(), "alcn_conv_dims_init"));
  ck_assert_int_eq(alcn_linear_forward_act(be, out, in, w, NULL, 0, 4, 4, ALCN_ACT_RELU, 0), ALCN_ERR_ARG);
  ck_assert_int_eq(alcn_linear_forward_act(be, out, in, w, NULL, 2, 4, 4, (alcn_act)7, 0), ALCN_ERR_ARG);
  /* a frozen parameter-free call: no din, no mask needed */
  ck_assert_int_eq(alcn_conv_backward_act(be, NULL, NULL, NULL, dout, in, w, &d, NULL, ALCN_ACT_RELU, 0), ALCN_OK);
}
END_TEST

/* One net of a fusion pair: forward (train), loss gradient probe, backward
 * to the input and the parameters, then an eval forward. */
typedef struct fuse_run {
  float *y, *dx, *g, *ye;
  size_t ny, np;
} fuse_run;

typedef alcn_status (*fuse_build)(alcn_net **n, int C, int H, int W);

static alcn_status build_dae(alcn_net **n, int C, int H, int W) { return alcn_model_dae(n, be, C, H, W, "paper"); }
static alcn_status build_dae_strided(alcn_net **n, int C, int H, int W) {
  return alcn_model_dae(n, be, C, H, W, "strided"); /* stride 2: the im2col path */
}
static alcn_status build_gen(alcn_net **n, int C, int H, int W) {
  /* linear -> reshape -> ReLU, convT -> ReLU, convT -> sigmoid */
  return alcn_model_noise_gen(n, be, C, H, W, 256, "paper");
}
static alcn_status build_lrelu(alcn_net **n, int C, int H, int W) {
  /* conv -> LReLU -> conv -> tanh -> convT -> LReLU -> linear */
  ALCN_CHECK(alcn_net_create(n, be, "lrelu", C, H, W));
  ALCN_CHECK(alcn_net_conv(*n, 16, 3, 1, 1, 1));
  ALCN_CHECK(alcn_net_act(*n, ALCN_ACT_LRELU, 0.2f));
  ALCN_CHECK(alcn_net_conv(*n, 32, 5, 1, 0, 1));
  ALCN_CHECK(alcn_net_act(*n, ALCN_ACT_TANH, 0));
  ALCN_CHECK(alcn_net_convt(*n, 16, 5, 1, 0, 0, 1));
  ALCN_CHECK(alcn_net_act(*n, ALCN_ACT_LRELU, 0.1f));
  return alcn_net_linear(*n, 10);
}

static void fuse_once(fuse_build build, int C, int H, int W, int D, int N, int fused, fuse_run *r) {
  alcn_net *n;
  ck_assert_int_eq(build(&n, C, H, W), ALCN_OK);
  ck_assert_int_eq(alcn_net_finalize(n, N, 5, ALCN_INIT_TORCH), ALCN_OK);
  alcn_net_set_fusion(n, fused);
  /* describe names the fused activations, and only when fusing */
  char *txt = NULL;
  size_t len = 0;
  FILE *f = open_memstream(&txt, &len);
  alcn_net_describe(n, f);
  fclose(f);
  ck_assert_msg((strstr(txt, "fused") != NULL) == fused, "describe with fusion %d:\n%s", fused, txt);
  free(txt);
  float *x = malloc(sizeof(float) * (size_t)N * D);
  tu_fill_uniform(x, (size_t)N * D, 31, -1.f, 1.f);
  const float *y;
  ck_assert_int_eq(alcn_net_forward(n, x, N, ALCN_NET_TRAIN, &y), ALCN_OK);
  r->ny = (size_t)N * alcn_net_out_numel(n);
  r->y = malloc(sizeof(float) * r->ny);
  memcpy(r->y, y, sizeof(float) * r->ny);
  float *probe = malloc(sizeof(float) * r->ny);
  tu_fill_uniform(probe, r->ny, 32, -1.f, 1.f);
  r->dx = malloc(sizeof(float) * (size_t)N * D);
  ck_assert_int_eq(alcn_net_zero_grad(n), ALCN_OK);
  ck_assert_int_eq(alcn_net_backward(n, probe, r->dx), ALCN_OK);
  const float *g = alcn_net_grads(n, &r->np);
  r->g = malloc(sizeof(float) * r->np);
  memcpy(r->g, g, sizeof(float) * r->np);
  ck_assert_int_eq(alcn_net_forward(n, x, N, ALCN_NET_EVAL, &y), ALCN_OK);
  r->ye = malloc(sizeof(float) * r->ny);
  memcpy(r->ye, y, sizeof(float) * r->ny);
  free(probe);
  free(x);
  alcn_net_destroy(n);
}

static void fuse_free(fuse_run *r) {
  free(r->y);
  free(r->dx);
  free(r->g);
  free(r->ye);
}

/* Fused activations (alcn_net_set_fusion, on by default) give bitwise the
 * numbers of separate activation passes: outputs, input and parameter
 * gradients, eval outputs; on every CPU path this machine has (portable:
 * im2col + sgemm; AVX2 / AVX-512: the direct kernels), with 1 and 2 threads,
 * batches that do and do not split rows across threads. _i: the ISA path. */
START_TEST(test_fusion_bitwise) {
  if (!isa_use(_i, "net fusion")) return;
  isa_set_threads_fn set_threads = isa_find_set_threads();
  ck_assert_msg(set_threads != NULL, "omp_set_num_threads not found");
  /* D: input floats per image */
  const struct { const char *name; fuse_build build; int C, H, W, D, N; } nets[] = {
      {"dae 1x28x28", build_dae, 1, 28, 28, 784, 3},
      {"dae 1x28x28 batch 1", build_dae, 1, 28, 28, 784, 1},
      {"dae strided 3x32x32", build_dae_strided, 3, 32, 32, 3072, 2},
      {"noise generator 1x28x28", build_gen, 1, 28, 28, 256, 3},
      {"conv/convT/linear with LReLU and tanh", build_lrelu, 2, 12, 12, 288, 4},
  };
  for (int threads = 1; threads <= 2; ++threads) {
    set_threads(threads);
    for (size_t k = 0; k < sizeof nets / sizeof nets[0]; ++k) {
      fuse_run a, b;
      fuse_once(nets[k].build, nets[k].C, nets[k].H, nets[k].W, nets[k].D, nets[k].N, 1, &a);
      fuse_once(nets[k].build, nets[k].C, nets[k].H, nets[k].W, nets[k].D, nets[k].N, 0, &b);
      const size_t nx = (size_t)nets[k].N * nets[k].D;
      ck_assert_uint_eq(a.np, b.np);
      ck_assert_msg(!memcmp(a.y, b.y, sizeof(float) * a.ny), "%s, %d threads: train outputs differ", nets[k].name,
                    threads);
      ck_assert_msg(!memcmp(a.dx, b.dx, sizeof(float) * nx), "%s, %d threads: input gradients differ",
                    nets[k].name, threads);
      ck_assert_msg(!memcmp(a.g, b.g, sizeof(float) * a.np), "%s, %d threads: parameter gradients differ",
                    nets[k].name, threads);
      ck_assert_msg(!memcmp(a.ye, b.ye, sizeof(float) * a.ny), "%s, %d threads: eval outputs differ",
                    nets[k].name, threads);
      /* and the numbers are not trivially equal: something flowed */
      ck_assert_double_gt(tu_max_abs_diff(a.dx, a.dx + 1, nx - 1), 0.0);
      fuse_free(&a);
      fuse_free(&b);
    }
  }
  isa_restore();
}
END_TEST

int main(void) {
  Suite *s = suite_create("net");
  {
    TCase *tc = tcase_create("fusion");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_loop_test(tc, test_fusion_bitwise, ALCN_ISA_PORTABLE, ALCN_ISA_AVX512 + 1);
    tcase_set_timeout(tc, 120);
    suite_add_tcase(s, tc);
  }
  const struct { const char *name; const TTest *t; } cases[] = {
      {"gradients", test_whole_net_gradients}, {"learns", test_autoencoder_learns},
      {"freeze", test_freeze_and_input_grad},  {"params", test_paper_param_counts},
      {"save_load", test_save_load_roundtrip}, {"errors", test_errors},
      {"denormals", test_cpu_backend_flushes_denormals}, {"forward_modes", test_forward_modes},
      {"copy_params", test_copy_params}, {"fused_bad_input", test_fused_calls_refuse_bad_input},
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; ++i) {
    TCase *tc = tcase_create(cases[i].name);
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, cases[i].t);
    tcase_set_timeout(tc, 60);
    suite_add_tcase(s, tc);
  }
  return tu_run_suite(s);
}
