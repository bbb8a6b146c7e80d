/* Sequential network helper (net.h): layer list, one allocation per kind of
 * storage, forward with saved activations, backward to the input gradient,
 * Adam, freeze, save/load. */
#include "alcn/net.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "alcn/rng.h"

#define NET_MAX_LAYERS 64
#define NET_MAGIC "ALCNNET1"

typedef enum { L_CONV, L_CONVT, L_LINEAR, L_ACT, L_BN, L_RESHAPE, L_MAXPOOL, L_UPSAMPLE } layer_kind;

typedef struct layer {
  layer_kind kind;
  int inC, inH, inW, outC, outH, outW;
  /* conv; max-pool (k, stride); upsample (k = factor) */
  int k, stride, pad, out_pad, has_bias;
  /* act */
  alcn_act act;
  float slope;
  /* bn */
  float eps, momentum;
  /* offsets (floats) into params / buffers / stats; activation slot index */
  size_t w_off, b_off, n_w, n_b;
  size_t buf_off;  /* running mean, running var (2*C) */
  size_t stat_off; /* save_mean, save_invstd (2*C) */
  int in_slot, out_slot; /* -1 = the net's input */
} layer;

struct alcn_net {
  alcn_backend *be;
  char name[32];
  int C, H, W;
  layer layers[NET_MAX_LAYERS];
  int n_layers;
  int finalized, frozen, max_batch, batch, adam_t;
  int unfused; /* alcn_net_set_fusion(n, 0): every activation its own pass */
  size_t n_params, n_buffers, n_stats;
  float *params, *grads, *m, *v, *buffers, *stats;
  /* activation slots: one per non-in-place layer output */
  float **slots;
  size_t *slot_floats;
  int n_slots;
  float *gbuf[2]; /* ping-pong gradient buffers */
  size_t act_max_floats;
  const float *input;
};

static const char *kind_name(layer_kind k) {
  switch (k) {
    case L_CONV: return "conv";
    case L_CONVT: return "convT";
    case L_LINEAR: return "linear";
    case L_ACT: return "act";
    case L_BN: return "batchnorm";
    case L_RESHAPE: return "reshape";
    case L_MAXPOOL: return "maxpool";
    case L_UPSAMPLE: return "upsample";
  }
  return "?";
}

alcn_status alcn_net_create(alcn_net **out, alcn_backend *be, const char *name, int C, int H, int W) {
  *out = NULL;
  if (C <= 0 || H <= 0 || W <= 0) ALCN_FAIL(ALCN_ERR_ARG, "net '%s': input shape %dx%dx%d", name, C, H, W);
  alcn_net *n = calloc(1, sizeof *n);
  ALCN_CHECK_ALLOC(n, sizeof *n);
  n->be = be;
  snprintf(n->name, sizeof n->name, "%s", name ? name : "net");
  n->C = C; n->H = H; n->W = W;
  const char *fu = getenv("ALCN_NET_FUSION"); /* 0: unfused, for A/B timing */
  n->unfused = fu && strcmp(fu, "0") == 0;
  *out = n;
  return ALCN_OK;
}

static alcn_status push(alcn_net *n, layer *l) {
  if (n->finalized) ALCN_FAIL(ALCN_ERR_ARG, "net '%s': cannot add a layer after finalize", n->name);
  if (n->n_layers == NET_MAX_LAYERS) ALCN_FAIL(ALCN_ERR_ARG, "net '%s': more than %d layers", n->name, NET_MAX_LAYERS);
  if (n->n_layers == 0) {
    l->inC = n->C; l->inH = n->H; l->inW = n->W;
  } else {
    const layer *p = &n->layers[n->n_layers - 1];
    l->inC = p->outC; l->inH = p->outH; l->inW = p->outW;
  }
  n->layers[n->n_layers++] = *l;
  return ALCN_OK;
}

static layer *top(alcn_net *n) { return &n->layers[n->n_layers - 1]; }

static alcn_status add_conv(alcn_net *n, int transposed, int out_ch, int k, int stride, int pad, int out_pad, int bias) {
  layer l = {0};
  l.kind = transposed ? L_CONVT : L_CONV;
  l.k = k; l.stride = stride; l.pad = pad; l.out_pad = out_pad; l.has_bias = bias;
  ALCN_CHECK(push(n, &l));
  layer *t = top(n);
  alcn_conv_dims d;
  alcn_status st = alcn_conv_dims_init(&d, 1, t->inC, t->inH, t->inW, out_ch, k, k, stride, pad, out_pad, transposed);
  if (st != ALCN_OK) {
    n->n_layers--;
    alcn_error_trace(__FILE__, __LINE__, n->name);
    return st;
  }
  t->outC = out_ch; t->outH = d.P; t->outW = d.Q;
  t->n_w = (size_t)t->inC * (size_t)out_ch * (size_t)k * (size_t)k;
  t->n_b = bias ? (size_t)out_ch : 0;
  return ALCN_OK;
}

alcn_status alcn_net_conv(alcn_net *n, int out_ch, int k, int stride, int pad, int bias) {
  return add_conv(n, 0, out_ch, k, stride, pad, 0, bias);
}
alcn_status alcn_net_convt(alcn_net *n, int out_ch, int k, int stride, int pad, int out_pad, int bias) {
  return add_conv(n, 1, out_ch, k, stride, pad, out_pad, bias);
}

alcn_status alcn_net_linear(alcn_net *n, int out_features) { return alcn_net_linear_ex(n, out_features, 1); }

alcn_status alcn_net_linear_ex(alcn_net *n, int out_features, int bias) {
  if (out_features <= 0) ALCN_FAIL(ALCN_ERR_ARG, "net '%s': linear with %d outputs", n->name, out_features);
  layer l = {0};
  l.kind = L_LINEAR;
  l.has_bias = bias != 0;
  ALCN_CHECK(push(n, &l));
  layer *t = top(n);
  t->outC = out_features; t->outH = 1; t->outW = 1;
  t->n_w = (size_t)t->inC * t->inH * t->inW * (size_t)out_features;
  t->n_b = bias ? (size_t)out_features : 0;
  return ALCN_OK;
}

alcn_status alcn_net_act(alcn_net *n, alcn_act act, float slope) {
  layer l = {0};
  l.kind = L_ACT;
  l.act = act;
  l.slope = slope;
  ALCN_CHECK(push(n, &l));
  layer *t = top(n);
  t->outC = t->inC; t->outH = t->inH; t->outW = t->inW;
  return ALCN_OK;
}

alcn_status alcn_net_bn(alcn_net *n, float eps, float momentum) { return alcn_net_bn_ex(n, eps, momentum, 1); }

alcn_status alcn_net_bn_ex(alcn_net *n, float eps, float momentum, int affine) {
  layer l = {0};
  l.kind = L_BN;
  l.eps = eps;
  l.momentum = momentum;
  l.has_bias = affine != 0;
  ALCN_CHECK(push(n, &l));
  layer *t = top(n);
  t->outC = t->inC; t->outH = t->inH; t->outW = t->inW;
  t->n_w = affine ? (size_t)t->inC : 0;
  t->n_b = affine ? (size_t)t->inC : 0;
  return ALCN_OK;
}

alcn_status alcn_net_maxpool(alcn_net *n, int k, int stride) {
  layer l = {0};
  l.kind = L_MAXPOOL;
  l.k = k;
  l.stride = stride;
  ALCN_CHECK(push(n, &l));
  layer *t = top(n);
  if (k <= 0 || stride <= 0 || k > t->inH || k > t->inW) {
    int ih = t->inH, iw = t->inW;
    n->n_layers--;
    ALCN_FAIL(ALCN_ERR_ARG, "net '%s': max-pool window %d stride %d on a %dx%d map", n->name, k, stride, ih, iw);
  }
  t->outC = t->inC; t->outH = (t->inH - k) / stride + 1; t->outW = (t->inW - k) / stride + 1;
  return ALCN_OK;
}

alcn_status alcn_net_upsample(alcn_net *n, int factor) {
  layer l = {0};
  l.kind = L_UPSAMPLE;
  l.k = factor;
  ALCN_CHECK(push(n, &l));
  layer *t = top(n);
  if (factor <= 0 || factor > 64) {
    n->n_layers--;
    ALCN_FAIL(ALCN_ERR_ARG, "net '%s': upsampling factor %d outside 1..64", n->name, factor);
  }
  t->outC = t->inC; t->outH = t->inH * factor; t->outW = t->inW * factor;
  return ALCN_OK;
}

alcn_status alcn_net_reshape(alcn_net *n, int C, int H, int W) {
  layer l = {0};
  l.kind = L_RESHAPE;
  ALCN_CHECK(push(n, &l));
  layer *t = top(n);
  if ((size_t)C * H * W != (size_t)t->inC * t->inH * t->inW) {
    int ic = t->inC, ih = t->inH, iw = t->inW;
    n->n_layers--;
    ALCN_FAIL(ALCN_ERR_ARG, "net '%s': reshape %dx%dx%d -> %dx%dx%d changes the element count", n->name, ic, ih,
              iw, C, H, W);
  }
  t->outC = C; t->outH = H; t->outW = W;
  return ALCN_OK;
}

static size_t out_floats(const layer *l) { return (size_t)l->outC * l->outH * l->outW; }
static size_t in_floats(const layer *l) { return (size_t)l->inC * l->inH * l->inW; }

/* Host-side initialisation of all parameters and buffers. */
static void init_params(alcn_net *n, float *hp, float *hb, uint64_t seed, alcn_init init) {
  for (int i = 0; i < n->n_layers; ++i) {
    layer *l = &n->layers[i];
    uint64_t s = alcn_rng_derive(seed, (uint64_t)i);
    if (l->kind == L_BN) {
      if (init == ALCN_INIT_DCGAN) alcn_rng_normal(hp + l->w_off, l->n_w, s, 0, 1.0f, 0.02f);
      else for (size_t j = 0; j < l->n_w; ++j) hp[l->w_off + j] = 1.0f;
      memset(hp + l->b_off, 0, l->n_b * sizeof(float));
      for (int c = 0; c < l->inC; ++c) {
        hb[l->buf_off + (size_t)c] = 0.0f;                  /* running mean */
        hb[l->buf_off + (size_t)l->inC + (size_t)c] = 1.0f; /* running var */
      }
      continue;
    }
    if (l->n_w == 0) continue;
    /* fan_in as PyTorch computes it: weight.size(1) * receptive field. */
    size_t fan_in;
    if (l->kind == L_CONV) fan_in = (size_t)l->inC * l->k * l->k;
    else if (l->kind == L_CONVT) fan_in = (size_t)l->outC * l->k * l->k;
    else fan_in = in_floats(l);
    float bound = 1.0f / sqrtf((float)fan_in);
    if (init == ALCN_INIT_DCGAN) {
      alcn_rng_normal(hp + l->w_off, l->n_w, s, 0, 0.0f, 0.02f);
      memset(hp + l->b_off, 0, l->n_b * sizeof(float));
    } else {
      alcn_rng_uniform(hp + l->w_off, l->n_w, s, 0, -bound, bound);
      alcn_rng_uniform(hp + l->b_off, l->n_b, s, alcn_rng_span(l->n_w), -bound, bound);
    }
  }
}

alcn_status alcn_net_finalize(alcn_net *n, int max_batch, uint64_t seed, alcn_init init) {
  if (n->finalized) ALCN_FAIL(ALCN_ERR_ARG, "net '%s': finalize called twice", n->name);
  if (n->n_layers == 0) ALCN_FAIL(ALCN_ERR_ARG, "net '%s' has no layers", n->name);
  if (max_batch <= 0) ALCN_FAIL(ALCN_ERR_ARG, "net '%s': max_batch %d", n->name, max_batch);
  alcn_backend *be = n->be;
  /* parameter, buffer and stat offsets */
  size_t p = 0, b = 0, s = 0;
  for (int i = 0; i < n->n_layers; ++i) {
    layer *l = &n->layers[i];
    l->w_off = p; p += l->n_w;
    l->b_off = p; p += l->n_b;
    if (l->kind == L_BN) {
      l->buf_off = b; b += 2 * (size_t)l->inC;
      l->stat_off = s; s += 2 * (size_t)l->inC;
    }
  }
  n->n_params = p; n->n_buffers = b; n->n_stats = s;
  /* activation slots: activations and reshapes reuse their input's slot */
  n->slots = calloc((size_t)n->n_layers, sizeof *n->slots);
  n->slot_floats = calloc((size_t)n->n_layers, sizeof *n->slot_floats);
  ALCN_CHECK_ALLOC(n->slots, sizeof *n->slots);
  ALCN_CHECK_ALLOC(n->slot_floats, sizeof *n->slot_floats);
  size_t amax = (size_t)n->C * n->H * n->W;
  for (int i = 0; i < n->n_layers; ++i) {
    layer *l = &n->layers[i];
    l->in_slot = i == 0 ? -1 : n->layers[i - 1].out_slot;
    /* An activation may overwrite its input's buffer unless that buffer holds
     * another activation's output (whose backward reads it). */
    int producer = i - 1;
    while (producer > 0 && n->layers[producer].kind == L_RESHAPE) --producer;
    int reuse = i > 0 && (l->kind == L_RESHAPE || (l->kind == L_ACT && n->layers[producer].kind != L_ACT));
    if (reuse) {
      l->out_slot = l->in_slot;
    } else {
      l->out_slot = n->n_slots;
      n->slot_floats[n->n_slots++] = out_floats(l) * (size_t)max_batch;
    }
    if (out_floats(l) > amax) amax = out_floats(l);
  }
  n->act_max_floats = amax * (size_t)max_batch;
  size_t pb = (p ? p : 1) * sizeof(float);
  n->params = alcn_backend_alloc(be, pb);
  n->grads = alcn_backend_alloc(be, pb);
  n->m = alcn_backend_alloc(be, pb);
  n->v = alcn_backend_alloc(be, pb);
  n->buffers = alcn_backend_alloc(be, (b ? b : 1) * sizeof(float));
  n->stats = alcn_backend_alloc(be, (s ? s : 1) * sizeof(float));
  n->gbuf[0] = alcn_backend_alloc(be, n->act_max_floats * sizeof(float));
  n->gbuf[1] = alcn_backend_alloc(be, n->act_max_floats * sizeof(float));
  int ok = n->params && n->grads && n->m && n->v && n->buffers && n->stats && n->gbuf[0] && n->gbuf[1];
  for (int i = 0; i < n->n_slots && ok; ++i) {
    n->slots[i] = alcn_backend_alloc(be, n->slot_floats[i] * sizeof(float));
    ok = n->slots[i] != NULL;
  }
  if (!ok) {
    size_t total = 4 * pb + 2 * n->act_max_floats * sizeof(float);
    for (int i = 0; i < n->n_slots; ++i) total += n->slot_floats[i] * sizeof(float);
    ALCN_FAIL(ALCN_ERR_NOMEM, "net '%s': out of %s memory allocating %.1f MiB for batch %d (hint: lower --batch)",
              n->name, alcn_backend_name(be), (double)total / 1048576.0, max_batch);
  }
  float *hp = calloc(p ? p : 1, sizeof(float)), *hb = calloc(b ? b : 1, sizeof(float));
  if (!hp || !hb) {
    free(hp);
    free(hb);
    ALCN_FAIL(ALCN_ERR_NOMEM, "net '%s': out of host memory for initial weights", n->name);
  }
  init_params(n, hp, hb, seed, init);
  alcn_status st = alcn_upload(be, n->params, hp, p * sizeof(float));
  if (st == ALCN_OK) st = alcn_upload(be, n->buffers, hb, b * sizeof(float));
  free(hp);
  free(hb);
  ALCN_CHECK(st);
  ALCN_CHECK(alcn_zero(be, n->grads, pb));
  ALCN_CHECK(alcn_zero(be, n->m, pb));
  ALCN_CHECK(alcn_zero(be, n->v, pb));
  n->max_batch = max_batch;
  n->finalized = 1;
  return ALCN_OK;
}

void alcn_net_destroy(alcn_net *n) {
  if (!n) return;
  alcn_backend *be = n->be;
  if (n->finalized || n->slots) {
    alcn_backend_free(be, n->params);
    alcn_backend_free(be, n->grads);
    alcn_backend_free(be, n->m);
    alcn_backend_free(be, n->v);
    alcn_backend_free(be, n->buffers);
    alcn_backend_free(be, n->stats);
    alcn_backend_free(be, n->gbuf[0]);
    alcn_backend_free(be, n->gbuf[1]);
    for (int i = 0; i < n->n_slots; ++i) alcn_backend_free(be, n->slots[i]);
  }
  free(n->slots);
  free(n->slot_floats);
  free(n);
}

static const float *slot_ptr(const alcn_net *n, int slot) { return slot < 0 ? n->input : n->slots[slot]; }

/* Fusion (alcn_conv_forward_act and the like; bitwise the unfused numbers).
 * The activation that layer i's output goes through in place (reshapes
 * between them pass the same floats on), when layer i can apply it as it
 * writes its output: its index, else -1. */
static int act_after(const alcn_net *n, int i) {
  const layer *l = &n->layers[i];
  if (n->unfused || (l->kind != L_CONV && l->kind != L_CONVT && l->kind != L_LINEAR)) return -1;
  int j = i + 1;
  while (j < n->n_layers && n->layers[j].kind == L_RESHAPE) ++j;
  return j < n->n_layers && n->layers[j].kind == L_ACT && n->layers[j].out_slot == l->out_slot ? j : -1;
}

/* The activation just before conv layer i whose backward layer i can apply
 * to the input gradient it writes (its output is layer i's input): its
 * index, else -1. Not the net's first layer: that one writes the caller's
 * din. */
static int act_before(const alcn_net *n, int i) {
  const layer *l = &n->layers[i];
  if (n->unfused || i < 2 || (l->kind != L_CONV && l->kind != L_CONVT)) return -1;
  return n->layers[i - 1].kind == L_ACT ? i - 1 : -1;
}

void alcn_net_set_fusion(alcn_net *n, int on) {
  if (n) n->unfused = !on;
}

static void conv_dims_of(const layer *l, int N, alcn_conv_dims *d) {
  /* shape validated when the layer was added */
  (void)alcn_conv_dims_init(d, N, l->inC, l->inH, l->inW, l->outC, l->k, l->k, l->stride, l->pad, l->out_pad,
                            l->kind == L_CONVT);
}

alcn_status alcn_net_forward(alcn_net *n, const float *in, int N, int train, const float **out) {
  if (train != ALCN_NET_EVAL && train != ALCN_NET_TRAIN && train != ALCN_NET_BATCH_STATS)
    ALCN_FAIL(ALCN_ERR_ARG, "alcn_net_forward: mode %d is not ALCN_NET_EVAL, _TRAIN or _BATCH_STATS", train);
  if (!n->finalized) ALCN_FAIL(ALCN_ERR_ARG, "net '%s': forward before finalize", n->name);
  if (N <= 0 || N > n->max_batch)
    ALCN_FAIL(ALCN_ERR_ARG, "net '%s': batch %d outside 1..%d (the size it was built for)", n->name, N, n->max_batch);
  alcn_backend *be = n->be;
  n->input = in;
  n->batch = N;
  int done = -1; /* an activation its producer applied */
  for (int i = 0; i < n->n_layers; ++i) {
    if (i == done) continue;
    layer *l = &n->layers[i];
    const float *x = slot_ptr(n, l->in_slot);
    float *y = n->slots[l->out_slot]; /* every layer's output has a slot */
    const float *w = l->n_w ? n->params + l->w_off : NULL, *b = l->n_b ? n->params + l->b_off : NULL;
    const int fa = act_after(n, i);
    const layer *a = fa >= 0 ? &n->layers[fa] : NULL;
    if (a) done = fa;
    switch (l->kind) {
      case L_CONV:
      case L_CONVT: {
        alcn_conv_dims d;
        conv_dims_of(l, N, &d);
        if (a)
          ALCN_CHECK(alcn_conv_forward_act(be, y, x, w, b, &d, a->act, a->slope));
        else
          ALCN_CHECK(alcn_conv_forward(be, y, x, w, b, &d));
        break;
      }
      case L_LINEAR:
        if (a)
          ALCN_CHECK(alcn_linear_forward_act(be, y, x, w, b, N, (int)in_floats(l), l->outC, a->act, a->slope));
        else
          ALCN_CHECK(alcn_linear_forward(be, y, x, w, b, N, (int)in_floats(l), l->outC));
        break;
      case L_ACT:
        ALCN_CHECK(alcn_act_forward(be, y, x, (size_t)N * out_floats(l), l->act, l->slope));
        break;
      case L_BN: {
        alcn_bn_dims d = {N, l->inC, l->inH * l->inW, l->eps, l->momentum};
        float *bm = n->buffers + l->buf_off, *st = n->stats + l->stat_off;
        /* ALCN_NET_BATCH_STATS: batch statistics, running statistics left as they are */
        float *rm = train == ALCN_NET_BATCH_STATS ? NULL : bm, *rv = train == ALCN_NET_BATCH_STATS ? NULL : bm + l->inC;
        ALCN_CHECK(alcn_bn_forward(be, train != ALCN_NET_EVAL, y, x, w, b, rm, rv, st, st + l->inC, &d));
        break;
      }
      case L_RESHAPE:
        if (i == 0) ALCN_CHECK(alcn_copy(be, y, x, (size_t)N * out_floats(l) * sizeof(float)));
        break;
      case L_MAXPOOL:
        ALCN_CHECK(alcn_maxpool_forward(be, y, x, N, l->inC, l->inH, l->inW, l->k, l->stride));
        break;
      case L_UPSAMPLE:
        ALCN_CHECK(alcn_upsample_forward(be, y, x, N, l->inC, l->inH, l->inW, l->k));
        break;
    }
  }
  *out = slot_ptr(n, n->layers[n->n_layers - 1].out_slot);
  return ALCN_OK;
}

alcn_status alcn_net_backward(alcn_net *n, const float *dout, float *din) {
  if (!n->finalized || !n->input) ALCN_FAIL(ALCN_ERR_ARG, "net '%s': backward without a forward", n->name);
  alcn_backend *be = n->be;
  const int N = n->batch;
  if (n->frozen && !din) return ALCN_OK; /* nothing is wanted */
  const float *g = dout;
  int which = 0, done = -1; /* done: an activation whose backward the layer after it applied */
  for (int i = n->n_layers - 1; i >= 0; --i) {
    if (i == done) continue; /* g passes on as it is, as past a reshape */
    layer *l = &n->layers[i];
    /* where this layer's input gradient goes: the caller's din for layer 0 */
    float *gi = i == 0 ? din : n->gbuf[which];
    if (i == 0 && !din) {
      /* The input gradient is not wanted: only parameter gradients remain. */
      if (n->frozen || (l->kind != L_CONV && l->kind != L_CONVT && l->kind != L_LINEAR && l->kind != L_BN))
        break;
    }
    const float *x = slot_ptr(n, l->in_slot);
    const float *y = slot_ptr(n, l->out_slot);
    const float *w = l->n_w ? n->params + l->w_off : NULL;
    float *dw = n->frozen || !l->n_w ? NULL : n->grads + l->w_off;
    float *db = n->frozen || !l->n_b ? NULL : n->grads + l->b_off;
    switch (l->kind) {
      case L_CONV:
      case L_CONVT: {
        alcn_conv_dims d;
        conv_dims_of(l, N, &d);
        const int fa = act_before(n, i);
        if (fa >= 0) { /* x is that activation's output */
          ALCN_CHECK(alcn_conv_backward_act(be, gi, dw, db, g, x, w, &d, x, n->layers[fa].act, n->layers[fa].slope));
          done = fa;
        } else {
          ALCN_CHECK(alcn_conv_backward(be, gi, dw, db, g, x, w, &d));
        }
        break;
      }
      case L_LINEAR:
        ALCN_CHECK(alcn_linear_backward(be, gi, dw, db, g, x, w, N, (int)in_floats(l), l->outC));
        break;
      case L_ACT:
        if (gi) ALCN_CHECK(alcn_act_backward(be, gi, g, y, (size_t)N * out_floats(l), l->act, l->slope));
        break;
      case L_BN: {
        alcn_bn_dims d = {N, l->inC, l->inH * l->inW, l->eps, l->momentum};
        const float *st = n->stats + l->stat_off;
        ALCN_CHECK(alcn_bn_backward(be, gi, dw, db, g, x, w, st, st + l->inC, &d));
        break;
      }
      case L_RESHAPE:
        if (i > 0) continue; /* the same floats: g passes on as it is, and the next layer writes gbuf[which] */
        if (gi) ALCN_CHECK(alcn_copy(be, gi, g, (size_t)N * out_floats(l) * sizeof(float)));
        break;
      case L_MAXPOOL:
        if (gi) ALCN_CHECK(alcn_maxpool_backward(be, gi, g, x, N, l->inC, l->inH, l->inW, l->k, l->stride));
        break;
      case L_UPSAMPLE:
        if (gi) ALCN_CHECK(alcn_upsample_backward(be, gi, g, N, l->inC, l->inH, l->inW, l->k));
        break;
    }
    g = gi;
    which ^= 1;
  }
  return ALCN_OK;
}

alcn_status alcn_net_zero_grad(alcn_net *n) {
  if (!n->finalized) return ALCN_OK;
  return alcn_zero(n->be, n->grads, n->n_params * sizeof(float));
}

alcn_status alcn_net_adam_step(alcn_net *n, const alcn_adam_hparams *h) {
  if (n->frozen || !n->n_params) return ALCN_OK;
  n->adam_t++;
  return alcn_adam_step(n->be, n->params, n->grads, n->m, n->v, n->n_params, h, n->adam_t);
}

alcn_status alcn_net_reset_optimizer(alcn_net *n) {
  n->adam_t = 0;
  if (!n->finalized || !n->n_params) return ALCN_OK;
  ALCN_CHECK(alcn_zero(n->be, n->m, n->n_params * sizeof(float)));
  return alcn_zero(n->be, n->v, n->n_params * sizeof(float));
}

void alcn_net_freeze(alcn_net *n, int frozen) { n->frozen = frozen; }
int alcn_net_frozen(const alcn_net *n) { return n->frozen; }
size_t alcn_net_param_count(const alcn_net *n) {
  size_t p = 0;
  for (int i = 0; i < n->n_layers; ++i) p += n->layers[i].n_w + n->layers[i].n_b;
  return p;
}
int alcn_net_num_layers(const alcn_net *n) { return n->n_layers; }
void alcn_net_out_shape(const alcn_net *n, int *C, int *H, int *W) {
  if (n->n_layers == 0) {
    *C = n->C; *H = n->H; *W = n->W;
    return;
  }
  const layer *l = &n->layers[n->n_layers - 1];
  *C = l->outC; *H = l->outH; *W = l->outW;
}
size_t alcn_net_out_numel(const alcn_net *n) {
  int c, h, w;
  alcn_net_out_shape(n, &c, &h, &w);
  return (size_t)c * h * w;
}
int alcn_net_max_batch(const alcn_net *n) { return n->max_batch; }
alcn_backend *alcn_net_backend(const alcn_net *n) { return n->be; }
float *alcn_net_params(alcn_net *n, size_t *count) {
  if (count) *count = n->n_params;
  return n->params;
}
float *alcn_net_grads(alcn_net *n, size_t *count) {
  if (count) *count = n->n_params;
  return n->grads;
}

int alcn_net_param_tensors(const alcn_net *n, alcn_param_tensor *out, int max) {
  int k = 0;
  for (int i = 0; i < n->n_layers; ++i) {
    const layer *l = &n->layers[i];
    for (int b = 0; b < 2; ++b) {
      const size_t cnt = b ? l->n_b : l->n_w;
      if (!cnt) continue;
      if (out && k < max) out[k] = (alcn_param_tensor){i, kind_name(l->kind), b, b ? l->b_off : l->w_off, cnt};
      k++;
    }
  }
  return k;
}

alcn_status alcn_net_check_finite(alcn_net *n, int *finite) {
  *finite = 1;
  if (!n->n_params) return ALCN_OK;
  float *h = malloc(n->n_params * sizeof(float));
  ALCN_CHECK_ALLOC(h, n->n_params * sizeof(float));
  alcn_status st = alcn_download(n->be, h, n->params, n->n_params * sizeof(float));
  if (st == ALCN_OK)
    for (size_t i = 0; i < n->n_params; ++i)
      if (!isfinite(h[i])) {
        *finite = 0;
        break;
      }
  free(h);
  return st;
}

void alcn_net_describe(const alcn_net *n, FILE *f) {
  fprintf(f, "%s: input %dx%dx%d, %zu parameters\n", n->name, n->C, n->H, n->W, alcn_net_param_count(n));
  for (int i = 0; i < n->n_layers; ++i) {
    const layer *l = &n->layers[i];
    fprintf(f, "  %-9s %4d -> %-4d", kind_name(l->kind), l->inC, l->outC);
    if (l->kind == L_CONV || l->kind == L_CONVT || l->kind == L_MAXPOOL)
      fprintf(f, " k%d s%d p%d", l->k, l->stride, l->pad);
    fprintf(f, "  out %dx%dx%d  %zu params", l->outC, l->outH, l->outW, l->n_w + l->n_b);
    if (n->finalized && l->kind == L_ACT) { /* where its passes run (alcn_net_set_fusion) */
      int fwd = -1, bwd = i + 1 < n->n_layers && act_before(n, i + 1) == i ? i + 1 : -1;
      for (int p = i - 1; p >= 0 && fwd < 0 && n->layers[p].kind != L_ACT; --p)
        if (act_after(n, p) == i) fwd = p;
      if (fwd >= 0) fprintf(f, "  fused: forward into layer %d (%s)", fwd, kind_name(n->layers[fwd].kind));
      if (bwd >= 0)
        fprintf(f, "%s backward into layer %d (%s)", fwd >= 0 ? "," : "  fused:", bwd, kind_name(n->layers[bwd].kind));
    }
    fputc('\n', f);
  }
}

/* Header: magic, layer count, then per layer (kind, in/out shape), then counts. */
static void shape_signature(const alcn_net *n, int32_t *sig, int *len) {
  int k = 0;
  sig[k++] = n->n_layers;
  for (int i = 0; i < n->n_layers; ++i) {
    const layer *l = &n->layers[i];
    sig[k++] = (int32_t)l->kind;
    sig[k++] = l->inC; sig[k++] = l->inH; sig[k++] = l->inW;
    sig[k++] = l->outC; sig[k++] = l->outH; sig[k++] = l->outW;
  }
  *len = k;
}

alcn_status alcn_net_copy_params(alcn_net *dst, const alcn_net *src) {
  if (!dst || !src) ALCN_FAIL(ALCN_ERR_ARG, "alcn_net_copy_params: NULL net");
  if (!dst->finalized || !src->finalized)
    ALCN_FAIL(ALCN_ERR_ARG, "alcn_net_copy_params: net '%s' is not finalized", dst->finalized ? src->name : dst->name);
  if (dst->be != src->be)
    ALCN_FAIL(ALCN_ERR_ARG, "alcn_net_copy_params: nets '%s' and '%s' are on different backends", dst->name,
              src->name);
  int32_t a[1 + 7 * NET_MAX_LAYERS], b[1 + 7 * NET_MAX_LAYERS];
  int la, lb;
  shape_signature(dst, a, &la);
  shape_signature(src, b, &lb);
  if (la != lb || memcmp(a, b, sizeof(int32_t) * (size_t)la) != 0 || dst->n_params != src->n_params)
    ALCN_FAIL(ALCN_ERR_ARG, "alcn_net_copy_params: nets '%s' (%zu parameters) and '%s' (%zu) have different layers",
              dst->name, dst->n_params, src->name, src->n_params);
  ALCN_CHECK(alcn_copy(dst->be, dst->params, src->params, dst->n_params * sizeof(float)));
  return alcn_sync(dst->be);
}

alcn_status alcn_net_save(alcn_net *n, FILE *f) {
  if (!n->finalized) ALCN_FAIL(ALCN_ERR_ARG, "net '%s': save before finalize", n->name);
  int32_t sig[1 + 7 * NET_MAX_LAYERS];
  int len;
  shape_signature(n, sig, &len);
  uint64_t counts[2] = {n->n_params, n->n_buffers};
  size_t total = n->n_params + n->n_buffers;
  float *h = malloc((total ? total : 1) * sizeof(float));
  ALCN_CHECK_ALLOC(h, total * sizeof(float));
  alcn_status st = alcn_download(n->be, h, n->params, n->n_params * sizeof(float));
  if (st == ALCN_OK) st = alcn_download(n->be, h + n->n_params, n->buffers, n->n_buffers * sizeof(float));
  if (st != ALCN_OK) {
    free(h);
    ALCN_CHECK(st);
  }
  int ok = fwrite(NET_MAGIC, 1, 8, f) == 8 && fwrite(&len, sizeof len, 1, f) == 1 &&
           fwrite(sig, sizeof(int32_t), (size_t)len, f) == (size_t)len && fwrite(counts, sizeof counts, 1, f) == 1 &&
           fwrite(h, sizeof(float), total, f) == total;
  free(h);
  if (!ok) ALCN_FAIL(ALCN_ERR_IO, "net '%s': writing weights failed (hint: disk full?)", n->name);
  return ALCN_OK;
}

alcn_status alcn_net_load(alcn_net *n, FILE *f, const char *path) {
  if (!n->finalized) ALCN_FAIL(ALCN_ERR_ARG, "net '%s': load before finalize", n->name);
  char magic[8];
  int len = 0;
  int32_t sig[1 + 7 * NET_MAX_LAYERS], want[1 + 7 * NET_MAX_LAYERS];
  int wlen;
  shape_signature(n, want, &wlen);
  if (fread(magic, 1, 8, f) != 8 || memcmp(magic, NET_MAGIC, 8) != 0)
    ALCN_FAIL(ALCN_ERR_FORMAT, "%s: not an ALCN-Bench weight file (bad magic)", path);
  if (fread(&len, sizeof len, 1, f) != 1 || len != wlen || fread(sig, sizeof(int32_t), (size_t)len, f) != (size_t)len ||
      memcmp(sig, want, (size_t)len * sizeof(int32_t)) != 0)
    ALCN_FAIL(ALCN_ERR_FORMAT, "%s: weights are for a different architecture than net '%s' (hint: same method, "
              "data-set shape and options as when saved)", path, n->name);
  uint64_t counts[2];
  if (fread(counts, sizeof counts, 1, f) != 1 || counts[0] != n->n_params || counts[1] != n->n_buffers)
    ALCN_FAIL(ALCN_ERR_FORMAT, "%s: parameter count differs from net '%s'", path, n->name);
  size_t total = n->n_params + n->n_buffers;
  float *h = malloc((total ? total : 1) * sizeof(float));
  ALCN_CHECK_ALLOC(h, total * sizeof(float));
  if (fread(h, sizeof(float), total, f) != total) {
    free(h);
    ALCN_FAIL(ALCN_ERR_FORMAT, "%s: truncated weight file", path);
  }
  alcn_status st = alcn_upload(n->be, n->params, h, n->n_params * sizeof(float));
  if (st == ALCN_OK) st = alcn_upload(n->be, n->buffers, h + n->n_params, n->n_buffers * sizeof(float));
  free(h);
  return st;
}
