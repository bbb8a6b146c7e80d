/* cuDNN convolutions and their per-shape cache (conv.cuh).
 *
 * cuDNN terms per layer (x: cuDNN conv input, y: cuDNN conv output):
 *   Conv2d:          x = in  (N,C,H,W), w (K,C,R,S), y = out (N,K,P,Q)
 *   ConvTranspose2d: x = out (N,K,P,Q), w (C,K,R,S), y = in  (N,C,H,W)
 * so that ConvTranspose2d forward = backward-data(w, dy=in) -> out, its
 * input gradient = forward(x=dout) -> din, its weight gradient =
 * backward-filter(x=dout, dy=in). */
#include <stdlib.h>
#include <string.h>

#include "conv.cuh"
#include "elementwise.cuh"

enum { DIR_FWD = 0, DIR_BWD_DATA, DIR_BWD_FILTER, DIR_COUNT };

typedef struct conv_entry {
  alcn_conv_dims d;
  cudnnTensorDescriptor_t xd, yd, bd;
  cudnnFilterDescriptor_t wd;
  cudnnConvolutionDescriptor_t cd;
  int have[DIR_COUNT];
  int algo[DIR_COUNT];
  cudnnMathType_t math[DIR_COUNT];
  size_t ws[DIR_COUNT];
} conv_entry;

struct alcn_cuda_conv_cache {
  conv_entry **e;
  int n, cap;
};

static int same_dims(const alcn_conv_dims *a, const alcn_conv_dims *b) {
  return a->N == b->N && a->C == b->C && a->H == b->H && a->W == b->W && a->K == b->K && a->R == b->R &&
         a->S == b->S && a->stride == b->stride && a->pad == b->pad && a->out_pad == b->out_pad &&
         a->transposed == b->transposed;
}

static void entry_free(conv_entry *e) {
  if (!e) return;
  if (e->xd) cudnnDestroyTensorDescriptor(e->xd);
  if (e->yd) cudnnDestroyTensorDescriptor(e->yd);
  if (e->bd) cudnnDestroyTensorDescriptor(e->bd);
  if (e->wd) cudnnDestroyFilterDescriptor(e->wd);
  if (e->cd) cudnnDestroyConvolutionDescriptor(e->cd);
  free(e);
}

void alcn_cuda_conv_cache_free(alcn_cuda_ctx *c) {
  if (!c->conv) return;
  for (int i = 0; i < c->conv->n; ++i) entry_free(c->conv->e[i]);
  free(c->conv->e);
  free(c->conv);
  c->conv = NULL;
}

static alcn_status entry_init(conv_entry *e, const alcn_conv_dims *d) {
  e->d = *d;
  const int tr = d->transposed;
  /* cuDNN x / y / filter shapes (see the top of this file) */
  const int xc = tr ? d->K : d->C, xh = tr ? d->P : d->H, xw = tr ? d->Q : d->W;
  const int yc = tr ? d->C : d->K, yh = tr ? d->H : d->P, yw = tr ? d->W : d->Q;
  const int fk = tr ? d->C : d->K, fc = tr ? d->K : d->C;
  ALCN_CUDNN_CHECK(cudnnCreateTensorDescriptor(&e->xd));
  ALCN_CUDNN_CHECK(cudnnCreateTensorDescriptor(&e->yd));
  ALCN_CUDNN_CHECK(cudnnCreateTensorDescriptor(&e->bd));
  ALCN_CUDNN_CHECK(cudnnCreateFilterDescriptor(&e->wd));
  ALCN_CUDNN_CHECK(cudnnCreateConvolutionDescriptor(&e->cd));
  ALCN_CUDNN_CHECK(cudnnSetTensor4dDescriptor(e->xd, CUDNN_TENSOR_NCHW, CUDNN_DATA_FLOAT, d->N, xc, xh, xw));
  ALCN_CUDNN_CHECK(cudnnSetTensor4dDescriptor(e->yd, CUDNN_TENSOR_NCHW, CUDNN_DATA_FLOAT, d->N, yc, yh, yw));
  ALCN_CUDNN_CHECK(cudnnSetTensor4dDescriptor(e->bd, CUDNN_TENSOR_NCHW, CUDNN_DATA_FLOAT, 1, d->K, 1, 1));
  ALCN_CUDNN_CHECK(cudnnSetFilter4dDescriptor(e->wd, CUDNN_DATA_FLOAT, CUDNN_TENSOR_NCHW, fk, fc, d->R, d->S));
  ALCN_CUDNN_CHECK(cudnnSetConvolution2dDescriptor(e->cd, d->pad, d->pad, d->stride, d->stride, 1, 1,
                                                   CUDNN_CROSS_CORRELATION, CUDNN_DATA_FLOAT));
  int on, oc, oh, ow;
  ALCN_CUDNN_CHECK(cudnnGetConvolution2dForwardOutputDim(e->cd, e->xd, e->wd, &on, &oc, &oh, &ow));
  if (on != d->N || oc != yc || oh != yh || ow != yw)
    ALCN_FAIL(ALCN_ERR_ARG,
              "%s shape mismatch: cuDNN computes %dx%dx%dx%d, the layer expects %dx%dx%dx%d (hint: build the dims "
              "with alcn_conv_dims_init)",
              tr ? "ConvTranspose2d" : "Conv2d", on, oc, oh, ow, d->N, yc, yh, yw);
  return ALCN_OK;
}

static alcn_status get_entry(alcn_cuda_ctx *c, const alcn_conv_dims *d, conv_entry **out) {
  if (!c->conv) {
    c->conv = (struct alcn_cuda_conv_cache *)calloc(1, sizeof *c->conv);
    ALCN_CHECK_ALLOC(c->conv, sizeof *c->conv);
  }
  struct alcn_cuda_conv_cache *cc = c->conv;
  for (int i = 0; i < cc->n; ++i)
    if (same_dims(&cc->e[i]->d, d)) {
      *out = cc->e[i];
      return ALCN_OK;
    }
  if (cc->n == cc->cap) {
    int cap = cc->cap ? 2 * cc->cap : 16;
    conv_entry **ne = (conv_entry **)realloc(cc->e, (size_t)cap * sizeof *ne);
    ALCN_CHECK_ALLOC(ne, (size_t)cap * sizeof *ne);
    cc->e = ne;
    cc->cap = cap;
  }
  conv_entry *e = (conv_entry *)calloc(1, sizeof *e);
  ALCN_CHECK_ALLOC(e, sizeof *e);
  alcn_status st = entry_init(e, d);
  if (st != ALCN_OK) {
    entry_free(e);
    return st;
  }
  cc->e[cc->n++] = e;
  *out = e;
  return ALCN_OK;
}

/* Largest workspace an algorithm may take (bytes); ALCN_CUDNN_WS_MB overrides. */
static size_t ws_limit(void) {
  const char *s = getenv("ALCN_CUDNN_WS_MB");
  long mb = s ? atol(s) : 0;
  return (size_t)(mb > 0 ? mb : 1024) << 20;
}

/* Pick from perf results sorted fastest first: the first that succeeded,
 * fits the workspace limit and (deterministic mode) is deterministic. */
#define PICK_ALGO(perf, nret, c, e, dir, found)                                                             \
  do {                                                                                                      \
    for (int i_ = 0; i_ < (nret) && !(found); ++i_) {                                                       \
      if ((perf)[i_].status != CUDNN_STATUS_SUCCESS) continue;                                              \
      if ((perf)[i_].memory > ws_limit()) continue;                                                         \
      if ((c)->deterministic && (perf)[i_].determinism != CUDNN_DETERMINISTIC) continue;                    \
      if (!(c)->tf32 && (perf)[i_].mathType == CUDNN_TENSOR_OP_MATH) continue;                              \
      (e)->algo[dir] = (int)(perf)[i_].algo;                                                                \
      (e)->math[dir] = (c)->tf32 ? (perf)[i_].mathType : CUDNN_FMA_MATH;                                    \
      (found) = 1;                                                                                          \
    }                                                                                                       \
  } while (0)

static alcn_status choose_algo(alcn_cuda_ctx *c, conv_entry *e, int dir) {
  const cudnnMathType_t base = c->tf32 ? CUDNN_DEFAULT_MATH : CUDNN_FMA_MATH;
  ALCN_CUDNN_CHECK(cudnnSetConvolutionMathType(e->cd, base));
  int found = 0, nret = 0;
  if (dir == DIR_FWD) {
    cudnnConvolutionFwdAlgoPerf_t perf[16];
    if (!c->heuristic &&
        cudnnFindConvolutionForwardAlgorithm(c->cudnn, e->xd, e->wd, e->cd, e->yd, 16, &nret, perf) ==
            CUDNN_STATUS_SUCCESS)
      PICK_ALGO(perf, nret, c, e, dir, found);
    if (!found && cudnnGetConvolutionForwardAlgorithm_v7(c->cudnn, e->xd, e->wd, e->cd, e->yd, 16, &nret, perf) ==
                      CUDNN_STATUS_SUCCESS)
      PICK_ALGO(perf, nret, c, e, dir, found);
    if (!found) {
      e->algo[dir] = CUDNN_CONVOLUTION_FWD_ALGO_IMPLICIT_GEMM;
      e->math[dir] = base;
    }
    ALCN_CUDNN_CHECK(cudnnSetConvolutionMathType(e->cd, e->math[dir]));
    ALCN_CUDNN_CHECK(cudnnGetConvolutionForwardWorkspaceSize(c->cudnn, e->xd, e->wd, e->cd, e->yd,
                                                             (cudnnConvolutionFwdAlgo_t)e->algo[dir], &e->ws[dir]));
  } else if (dir == DIR_BWD_DATA) {
    cudnnConvolutionBwdDataAlgoPerf_t perf[16];
    if (!c->heuristic &&
        cudnnFindConvolutionBackwardDataAlgorithm(c->cudnn, e->wd, e->yd, e->cd, e->xd, 16, &nret, perf) ==
            CUDNN_STATUS_SUCCESS)
      PICK_ALGO(perf, nret, c, e, dir, found);
    if (!found &&
        cudnnGetConvolutionBackwardDataAlgorithm_v7(c->cudnn, e->wd, e->yd, e->cd, e->xd, 16, &nret, perf) ==
            CUDNN_STATUS_SUCCESS)
      PICK_ALGO(perf, nret, c, e, dir, found);
    if (!found) {
      e->algo[dir] = CUDNN_CONVOLUTION_BWD_DATA_ALGO_1;
      e->math[dir] = base;
    }
    ALCN_CUDNN_CHECK(cudnnSetConvolutionMathType(e->cd, e->math[dir]));
    ALCN_CUDNN_CHECK(cudnnGetConvolutionBackwardDataWorkspaceSize(
        c->cudnn, e->wd, e->yd, e->cd, e->xd, (cudnnConvolutionBwdDataAlgo_t)e->algo[dir], &e->ws[dir]));
  } else {
    cudnnConvolutionBwdFilterAlgoPerf_t perf[16];
    if (!c->heuristic &&
        cudnnFindConvolutionBackwardFilterAlgorithm(c->cudnn, e->xd, e->yd, e->cd, e->wd, 16, &nret, perf) ==
            CUDNN_STATUS_SUCCESS)
      PICK_ALGO(perf, nret, c, e, dir, found);
    if (!found &&
        cudnnGetConvolutionBackwardFilterAlgorithm_v7(c->cudnn, e->xd, e->yd, e->cd, e->wd, 16, &nret, perf) ==
            CUDNN_STATUS_SUCCESS)
      PICK_ALGO(perf, nret, c, e, dir, found);
    if (!found) {
      e->algo[dir] = CUDNN_CONVOLUTION_BWD_FILTER_ALGO_1;
      e->math[dir] = base;
    }
    ALCN_CUDNN_CHECK(cudnnSetConvolutionMathType(e->cd, e->math[dir]));
    ALCN_CUDNN_CHECK(cudnnGetConvolutionBackwardFilterWorkspaceSize(
        c->cudnn, e->xd, e->yd, e->cd, e->wd, (cudnnConvolutionBwdFilterAlgo_t)e->algo[dir], &e->ws[dir]));
  }
  e->have[dir] = 1;
  return ALCN_OK;
}

/* Algorithm, math type and workspace for one direction of this shape. */
static alcn_status prepare(alcn_cuda_ctx *c, conv_entry *e, int dir, void **ws) {
  if (!e->have[dir]) ALCN_CHECK(choose_algo(c, e, dir));
  ALCN_CUDNN_CHECK(cudnnSetConvolutionMathType(e->cd, e->math[dir]));
  *ws = NULL;
  if (e->ws[dir] > 0) ALCN_CHECK(alcn_cuda_scratch(c, ALCN_CUDA_WS_CONV, e->ws[dir], ws));
  return ALCN_OK;
}

/* y-side <- conv(x-side): cuDNN forward. */
static alcn_status run_fwd(alcn_cuda_ctx *c, conv_entry *e, float *y, const float *x, const float *w) {
  void *ws;
  ALCN_CHECK(prepare(c, e, DIR_FWD, &ws));
  const float one = 1.0f, zero = 0.0f;
  ALCN_CUDNN_CHECK(cudnnConvolutionForward(c->cudnn, &one, e->xd, x, e->wd, w, e->cd,
                                           (cudnnConvolutionFwdAlgo_t)e->algo[DIR_FWD], ws, e->ws[DIR_FWD], &zero,
                                           e->yd, y));
  return ALCN_OK;
}

/* x-side <- conv^T(y-side): cuDNN backward-data. */
static alcn_status run_bwd_data(alcn_cuda_ctx *c, conv_entry *e, float *x, const float *y, const float *w) {
  void *ws;
  ALCN_CHECK(prepare(c, e, DIR_BWD_DATA, &ws));
  const float one = 1.0f, zero = 0.0f;
  ALCN_CUDNN_CHECK(cudnnConvolutionBackwardData(c->cudnn, &one, e->wd, w, e->yd, y, e->cd,
                                                (cudnnConvolutionBwdDataAlgo_t)e->algo[DIR_BWD_DATA], ws,
                                                e->ws[DIR_BWD_DATA], &zero, e->xd, x));
  return ALCN_OK;
}

/* dw += correlation of x-side with y-side: cuDNN backward-filter, beta = 1. */
static alcn_status run_bwd_filter(alcn_cuda_ctx *c, conv_entry *e, float *dw, const float *x, const float *y) {
  void *ws;
  ALCN_CHECK(prepare(c, e, DIR_BWD_FILTER, &ws));
  const float one = 1.0f;
  ALCN_CUDNN_CHECK(cudnnConvolutionBackwardFilter(c->cudnn, &one, e->xd, x, e->yd, y, e->cd,
                                                  (cudnnConvolutionBwdFilterAlgo_t)e->algo[DIR_BWD_FILTER], ws,
                                                  e->ws[DIR_BWD_FILTER], &one, e->wd, dw));
  return ALCN_OK;
}

alcn_status alcn_cuda_conv_forward(alcn_cuda_ctx *c, float *out, const float *in, const float *w, const float *b,
                                   const alcn_conv_dims *d) {
  conv_entry *e;
  ALCN_CHECK(get_entry(c, d, &e));
  if (d->transposed)
    ALCN_CHECK(run_bwd_data(c, e, out, in, w));
  else
    ALCN_CHECK(run_fwd(c, e, out, in, w));
  if (b) ALCN_CHECK(alcn_cuda_add_bias(c->stream, out, b, d->N, d->K, (size_t)d->P * (size_t)d->Q));
  return ALCN_OK;
}

alcn_status alcn_cuda_conv_backward(alcn_cuda_ctx *c, float *din, float *dw, float *db, const float *dout,
                                    const float *in, const float *w, const alcn_conv_dims *d) {
  conv_entry *e;
  ALCN_CHECK(get_entry(c, d, &e));
  if (db) {
    const float one = 1.0f;
    /* the layer's output (N,K,P,Q) is cuDNN's y for Conv2d and x for ConvTranspose2d */
    ALCN_CUDNN_CHECK(cudnnConvolutionBackwardBias(c->cudnn, &one, d->transposed ? e->xd : e->yd, dout, &one, e->bd,
                                                  db));
  }
  if (d->transposed) {
    if (dw) ALCN_CHECK(run_bwd_filter(c, e, dw, dout, in));
    if (din) ALCN_CHECK(run_fwd(c, e, din, dout, w));
  } else {
    if (dw) ALCN_CHECK(run_bwd_filter(c, e, dw, in, dout));
    if (din) ALCN_CHECK(run_bwd_data(c, e, din, dout, w));
  }
  return ALCN_OK;
}
