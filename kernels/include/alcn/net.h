/* A small sequential network on a backend: layers are appended, then
 * alcn_net_finalize makes one allocation each for parameters, gradients,
 * Adam's two moments, BatchNorm buffers and saved activations (for the
 * largest batch), and initialises the weights. Forward saves what backward
 * needs; backward goes down to the input gradient (ALCN's noise generator and
 * GANomaly's generator are trained through another network's input gradient).
 *
 * The paper's DAE is four calls:
 *   alcn_net_conv(n, 16, 5, 1, 0); alcn_net_act(n, ALCN_ACT_RELU, 0); ...
 *
 * Activations run in place on their input's buffer (the backward of every
 * activation is written through its output), except as the first layer. */
#ifndef ALCN_NET_H
#define ALCN_NET_H

#include "alcn/export.h"

#include <stdint.h>
#include <stdio.h>

#include "alcn/backend.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct alcn_net alcn_net;

typedef enum alcn_init {
  ALCN_INIT_TORCH = 0, /* PyTorch defaults: U(+-1/sqrt(fan_in)) weights and biases; BN gamma 1, beta 0 */
  ALCN_INIT_DCGAN      /* conv weights N(0, 0.02), BN gamma N(1, 0.02), beta 0, biases 0 (GANomaly) */
} alcn_init;

/* An empty network taking (C,H,W) inputs; name is used in messages. */
ALCN_API alcn_status alcn_net_create(alcn_net **out, alcn_backend *be, const char *name, int C, int H, int W);
ALCN_API void alcn_net_destroy(alcn_net *net);

/* Layers, appended in order. Each checks the shape and fails with a message. */
ALCN_API alcn_status alcn_net_conv(alcn_net *net, int out_ch, int k, int stride, int pad, int bias);
ALCN_API alcn_status alcn_net_convt(alcn_net *net, int out_ch, int k, int stride, int pad, int out_pad, int bias);
ALCN_API alcn_status alcn_net_linear(alcn_net *net, int out_features); /* flattens (C,H,W) -> (C*H*W) */
ALCN_API alcn_status alcn_net_act(alcn_net *net, alcn_act act, float slope);
ALCN_API alcn_status alcn_net_bn(alcn_net *net, float eps, float momentum);
ALCN_API alcn_status alcn_net_reshape(alcn_net *net, int C, int H, int W);
/* Issue 15 (Deep SVDD's LeNet nets): Linear with or without bias; BatchNorm
 * without affine (no parameters, PyTorch affine=False); MaxPool2d (no
 * padding, floor mode); nearest upsampling by an integer factor. */
ALCN_API alcn_status alcn_net_linear_ex(alcn_net *net, int out_features, int bias);
ALCN_API alcn_status alcn_net_bn_ex(alcn_net *net, float eps, float momentum, int affine);
ALCN_API alcn_status alcn_net_maxpool(alcn_net *net, int k, int stride);
ALCN_API alcn_status alcn_net_upsample(alcn_net *net, int factor);

/* Allocate everything for batches up to max_batch; initialise weights from seed. */
ALCN_API alcn_status alcn_net_finalize(alcn_net *net, int max_batch, uint64_t seed, alcn_init init);

/* Forward modes (BatchNorm): EVAL normalises with the running statistics;
 * TRAIN with the batch's and updates the running ones (PyTorch train());
 * BATCH_STATS with the batch's, running statistics untouched (what a
 * PyTorch model left in train() mode under no_grad computes at test time,
 * minus the side effect: GANomaly's published scoring). */
enum { ALCN_NET_EVAL = 0, ALCN_NET_TRAIN = 1, ALCN_NET_BATCH_STATS = 2 };

/* in: backend memory (N,C,H,W), kept by the net until backward. train: one
 * of the modes above. *out: the output, owned by the net, valid until the next forward. */
ALCN_API alcn_status alcn_net_forward(alcn_net *net, const float *in, int N, int train, const float **out);
/* dout: gradient of the loss w.r.t. the last forward's output. din (may be NULL):
 * gradient w.r.t. that forward's input (=). Parameter gradients accumulate (+=)
 * unless the net is frozen. */
ALCN_API alcn_status alcn_net_backward(alcn_net *net, const float *dout, float *din);

ALCN_API alcn_status alcn_net_zero_grad(alcn_net *net);
/* One Adam step on every parameter (does nothing when frozen); counts t. */
ALCN_API alcn_status alcn_net_adam_step(alcn_net *net, const alcn_adam_hparams *h);
/* Forget Adam's moments and step count (a fresh optimiser, as PyTorch code
 * that builds a new Adam for a second training phase: Deep SVDD after its
 * autoencoder pre-training). */
ALCN_API alcn_status alcn_net_reset_optimizer(alcn_net *net);
/* A frozen net computes no parameter gradients in backward and takes no steps. */
ALCN_API void alcn_net_freeze(alcn_net *net, int frozen);
ALCN_API int alcn_net_frozen(const alcn_net *net);
/* On (the default): a conv, transposed conv or linear layer applies the
 * activation after it as it writes its output, and a conv layer applies the
 * backward of the activation before it to the input gradient it writes: one
 * pass over memory fewer each, the same numbers bit for bit. Off: every
 * activation is its own pass (tests, A/B timing). */
ALCN_API void alcn_net_set_fusion(alcn_net *net, int on);

ALCN_API size_t alcn_net_param_count(const alcn_net *net);
ALCN_API int alcn_net_num_layers(const alcn_net *net);
ALCN_API void alcn_net_out_shape(const alcn_net *net, int *C, int *H, int *W);
ALCN_API size_t alcn_net_out_numel(const alcn_net *net); /* C*H*W of the output */
ALCN_API int alcn_net_max_batch(const alcn_net *net);
ALCN_API alcn_backend *alcn_net_backend(const alcn_net *net);
/* Parameter and gradient arrays (backend memory) and their length, for tests and checks. */
ALCN_API float *alcn_net_params(alcn_net *net, size_t *count);
ALCN_API float *alcn_net_grads(alcn_net *net, size_t *count);
/* One parameter tensor of a finalized net: the layer it belongs to (0-based),
 * that layer's kind ("conv", "convT", "linear", "batchnorm"), 0 for the
 * weight (BatchNorm: gamma) or 1 for the bias (beta), and where its floats
 * lie in alcn_net_params / alcn_net_grads. */
typedef struct alcn_param_tensor {
  int layer;
  const char *kind;
  int bias;
  size_t offset, count;
} alcn_param_tensor;
/* Writes the net's parameter tensors, in layer order, into out[0..max-1]
 * (out may be NULL when max is 0); returns how many there are (which may be
 * more than max). Parity checks compare each tensor at its own scale. */
ALCN_API int alcn_net_param_tensors(const alcn_net *net, alcn_param_tensor *out, int max);
/* dst's parameters (weights and biases) = src's: two finalized nets with the
 * same layers (kinds and shapes) on the same backend; dst's gradients, Adam
 * moments and BatchNorm running statistics stay as they are. Returns when
 * the copy is done (src may be destroyed at once). Re-initialising a net:
 * build and finalize a fresh one with the new seed, copy, destroy it. */
ALCN_API alcn_status alcn_net_copy_params(alcn_net *dst, const alcn_net *src);
/* 1 if every parameter is finite (downloads them; for NaN guards). */
ALCN_API alcn_status alcn_net_check_finite(alcn_net *net, int *finite);
/* One line per layer ("conv 1->16 k5 s1 p0  (24x24)  416 params") to f. */
ALCN_API void alcn_net_describe(const alcn_net *net, FILE *f);

/* Weights (parameters and BatchNorm running statistics), with a header that
 * names the net's shape so that a mismatched load fails clearly. */
ALCN_API alcn_status alcn_net_save(alcn_net *net, FILE *f);
ALCN_API alcn_status alcn_net_load(alcn_net *net, FILE *f, const char *path_for_messages);

#ifdef __cplusplus
}
#endif
#endif
