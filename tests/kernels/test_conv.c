/* Suite "conv": Conv2d / ConvTranspose2d. The reference (plain loops) is
 * checked against PyTorch known answers and central finite differences; the
 * fast path (AVX-512 or AVX2+FMA direct kernels for stride 1, else im2col +
 * sgemm; the latter also forced via ALCN_CONV_GENERIC=1) against the
 * reference on many shapes, once per CPU path this machine has (portable,
 * avx2, avx512), and the AVX2 and AVX-512 kernels bitwise against each other;
 * parameter gradients accumulate, NULL gradients are skipped, results are
 * bitwise reproducible (per path, and independent of the thread count on
 * the direct paths), and impossible shapes are rejected. */
#define _GNU_SOURCE /* setenv, RTLD_DEFAULT */
#include "isa_paths.h"

#include <check.h>
#include <dlfcn.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "cpu_ops.h"
#include "test_util.h"

/* fast vs reference: max |a-b| / max(|b|, 1) (outputs are O(1..10)). */
#define FAST_TOL 1e-4
/* finite differences: |fd - analytic| / max(|fd|, |analytic|, 0.1). */
#define FD_TOL 1e-2
#define FD_EPS 1e-2f

typedef struct shape {
  int N, C, H, W, K, R, S, st, pad, opad, tr;
} shape;

/* Conv2d (tr=0) and ConvTranspose2d (tr=1) shapes: strides 1/2/3, pads 0/1/2,
 * out_pad 1/2, non-square kernels and images, C=1, K=1, N=1 and odd N,
 * stride larger than the kernel, the DAE's layers (small batch), "full"
 * correlations of 3x3 and 5x5 taps with 16 output channels (the edge
 * kernels of conv_direct.c; with no middle pixels in the last one). */
static const shape kShapes[] = {
    {1, 1, 7, 7, 1, 3, 3, 1, 0, 0, 0},   {3, 2, 9, 8, 4, 3, 2, 2, 1, 0, 0},
    {5, 3, 10, 11, 2, 5, 3, 3, 2, 0, 0}, {1, 4, 6, 5, 1, 2, 3, 1, 2, 0, 0},
    {3, 2, 9, 9, 3, 2, 2, 3, 0, 0, 0},   {2, 1, 28, 28, 16, 5, 5, 1, 0, 0, 0},
    {3, 16, 12, 12, 32, 5, 5, 1, 0, 0, 0}, {2, 5, 7, 6, 3, 1, 1, 1, 0, 0, 0},
    {1, 1, 5, 5, 1, 3, 3, 1, 0, 0, 1},   {3, 2, 5, 4, 4, 3, 2, 2, 1, 1, 1},
    {5, 3, 4, 5, 2, 5, 3, 3, 2, 1, 1},   {2, 2, 4, 4, 3, 2, 2, 3, 0, 2, 1},
    {3, 8, 8, 8, 4, 5, 5, 1, 0, 0, 1},   {3, 16, 6, 6, 1, 5, 5, 1, 0, 0, 1},
    {2, 32, 5, 5, 16, 5, 5, 1, 0, 0, 1}, {1, 3, 6, 7, 2, 4, 2, 2, 2, 1, 1},
    {3, 4, 5, 5, 2, 1, 1, 1, 0, 0, 1},   {2, 16, 6, 5, 16, 3, 3, 1, 0, 0, 1},
    {1, 32, 4, 4, 16, 5, 5, 1, 0, 0, 1},
};
#define NSHAPES ((int)(sizeof kShapes / sizeof kShapes[0]))

/* A problem: dims plus inputs, weights, bias and an upstream gradient. */
typedef struct prob {
  alcn_conv_dims d;
  size_t nin, nout, nw;
  float *in, *w, *b, *dout, *ws;
} prob;

static void prob_make(prob *p, const shape *s, uint64_t seed) {
  ck_assert_int_eq(alcn_conv_dims_init(&p->d, s->N, s->C, s->H, s->W, s->K, s->R, s->S, s->st, s->pad,
                                       s->opad, s->tr), ALCN_OK);
  p->nin = (size_t)s->N * s->C * s->H * s->W;
  p->nout = (size_t)s->N * s->K * p->d.P * p->d.Q;
  p->nw = (size_t)s->C * s->K * s->R * s->S;
  p->in = malloc(p->nin * sizeof(float));
  p->w = malloc(p->nw * sizeof(float));
  p->b = malloc((size_t)s->K * sizeof(float));
  p->dout = malloc(p->nout * sizeof(float));
  p->ws = malloc((alcn_cpu_conv_workspace(&p->d) + 1) * sizeof(float));
  tu_fill_uniform(p->in, p->nin, seed, -1.f, 1.f);
  tu_fill_uniform(p->w, p->nw, seed + 1, -1.f, 1.f);
  tu_fill_uniform(p->b, (size_t)s->K, seed + 2, -1.f, 1.f);
  tu_fill_uniform(p->dout, p->nout, seed + 3, -1.f, 1.f);
}

/* ReLU-like zeros in x (rows of W floats): a third of the rows all zero,
 * the others zero over a random run of columns, every fourth zero a -0
 * (a gradient through a ReLU has them). The direct kernels skip the kernel
 * rows whose image values are all zero (conv_direct.c, fc_zero_run); these
 * inputs make them skip some rows and not others, at every window offset. */
static void sparsify(float *x, size_t n, int W, uint64_t seed) {
  uint64_t st = seed * 0x9e3779b97f4a7c15ull + 1;
  size_t nz = 0;
  for (size_t row = 0; row * W < n; ++row) {
    st = st * 6364136223846793005ull + 1442695040888963407ull;
    const unsigned u = (unsigned)(st >> 33);
    int a = 0, b = W;
    if (u % 3) { /* a run [a, b) of zeros */
      a = (int)((u >> 4) % (unsigned)W);
      b = a + (int)((u >> 12) % (unsigned)(W - a + 1));
    }
    for (int q = a; q < b && row * W + q < n; ++q) x[row * W + q] = (nz++ % 4 == 3) ? -0.f : 0.f;
  }
}

static void prob_free(prob *p) {
  free(p->in); free(p->w); free(p->b); free(p->dout); free(p->ws);
}

static void fwd(const prob *p, int fast, float *out) {
  if (p->d.transposed) {
    if (fast) alcn_cpu_convt2d_forward(out, p->in, p->w, p->b, &p->d, p->ws);
    else alcn_ref_convt2d_forward(out, p->in, p->w, p->b, &p->d);
  } else {
    if (fast) alcn_cpu_conv2d_forward(out, p->in, p->w, p->b, &p->d, p->ws);
    else alcn_ref_conv2d_forward(out, p->in, p->w, p->b, &p->d);
  }
}

static void bwd(const prob *p, int fast, float *din, float *dw, float *db) {
  if (p->d.transposed) {
    if (fast) alcn_cpu_convt2d_backward(din, dw, db, p->dout, p->in, p->w, &p->d, p->ws);
    else alcn_ref_convt2d_backward(din, dw, db, p->dout, p->in, p->w, &p->d);
  } else {
    if (fast) alcn_cpu_conv2d_backward(din, dw, db, p->dout, p->in, p->w, &p->d, p->ws);
    else alcn_ref_conv2d_backward(din, dw, db, p->dout, p->in, p->w, &p->d);
  }
}

/* ---------------------------------------------------------- known answers */
START_TEST(test_pytorch_known_answers) {
  /* F.conv_transpose2d(arange(1,5).view(1,1,2,2), arange(1,10).view(1,1,3,3),
   *                    stride=2, padding=1, output_padding=1) */
  static const float want_t[16] = {5, 14, 10, 12, 14, 36, 24, 30, 15, 34, 20, 24, 24, 55, 32, 36};
  /* F.conv2d(arange(1,17).view(1,1,4,4), [[1,0,-1],[2,1,0]], stride=2, padding=1) -> 3x2 */
  static const float want_c[6] = {1, 7, 3, 29, -14, -2};
  float x[16], w[9], out[16], ws_dummy[1];
  alcn_conv_dims d;
  for (int i = 0; i < 16; ++i) x[i] = (float)(i + 1);
  for (int i = 0; i < 9; ++i) w[i] = (float)(i + 1);
  ck_assert_int_eq(alcn_conv_dims_init(&d, 1, 1, 2, 2, 1, 3, 3, 2, 1, 1, 1), ALCN_OK);
  ck_assert_int_eq(d.P, 4);
  ck_assert_int_eq(d.Q, 4);
  float *ws = malloc(alcn_cpu_conv_workspace(&d) * sizeof(float));
  for (int fast = 0; fast < 2; ++fast) {
    if (fast) alcn_cpu_convt2d_forward(out, x, w, NULL, &d, ws);
    else alcn_ref_convt2d_forward(out, x, w, NULL, &d);
    for (int i = 0; i < 16; ++i) ck_assert_float_eq_tol(out[i], want_t[i], 1e-5f);
  }
  free(ws);
  const float wc[6] = {1, 0, -1, 2, 1, 0};
  ck_assert_int_eq(alcn_conv_dims_init(&d, 1, 1, 4, 4, 1, 2, 3, 2, 1, 0, 0), ALCN_OK);
  ck_assert_int_eq(d.P, 3);
  ck_assert_int_eq(d.Q, 2);
  ws = malloc(alcn_cpu_conv_workspace(&d) * sizeof(float));
  for (int fast = 0; fast < 2; ++fast) {
    if (fast) alcn_cpu_conv2d_forward(out, x, wc, NULL, &d, ws);
    else alcn_ref_conv2d_forward(out, x, wc, NULL, &d);
    for (int i = 0; i < 6; ++i) ck_assert_float_eq_tol(out[i], want_c[i], 1e-5f);
  }
  (void)ws_dummy;
  free(ws);
}
END_TEST

/* ------------------------------------------------------ fast == reference */
static void fast_vs_ref(int idx);

START_TEST(test_fast_matches_reference) { fast_vs_ref(_i); }
END_TEST

/* The im2col + sgemm path (stride != 1 always takes it; forced here for all). */
START_TEST(test_generic_matches_reference) {
  setenv("ALCN_CONV_GENERIC", "1", 1);
  fast_vs_ref(_i);
  unsetenv("ALCN_CONV_GENERIC");
}
END_TEST

/* _i = isa * NSHAPES + shape: every shape on every CPU path the machine has. */
START_TEST(test_isa_matches_reference) {
  const int isa = _i / NSHAPES;
  if (!isa_use(isa, "conv isa_matches_reference")) return;
  fast_vs_ref(_i % NSHAPES);
  isa_restore();
}
END_TEST

/* All outputs of one problem on the fast path: forward with bias, then the
 * three gradients (dw, db accumulated onto a fixed start). */
typedef struct allout { float *o, *gi, *gw, *gb; } allout;
static void run_all(const prob *p, allout *r) {
  r->o = malloc(p->nout * sizeof(float));
  r->gi = malloc(p->nin * sizeof(float));
  r->gw = malloc(p->nw * sizeof(float));
  r->gb = malloc((size_t)p->d.K * sizeof(float));
  tu_fill_uniform(r->gw, p->nw, 7, -1.f, 1.f);
  tu_fill_uniform(r->gb, (size_t)p->d.K, 8, -1.f, 1.f);
  fwd(p, 1, r->o);
  bwd(p, 1, r->gi, r->gw, r->gb);
}
static void free_all(allout *r) { free(r->o); free(r->gi); free(r->gw); free(r->gb); }

/* The AVX2 and AVX-512 direct kernels give bitwise the same numbers (every
 * output is the same FMA chain in the same order; conv_direct.h). */
START_TEST(test_avx2_bitwise_avx512) {
  if (!alcn_cpu_isa_supported(ALCN_ISA_AVX2) || !alcn_cpu_isa_supported(ALCN_ISA_AVX512)) {
    printf("conv avx2_bitwise_avx512: needs both the avx2 and the avx512 path: skipped\n");
    return;
  }
  const int sparse = _i / NSHAPES; /* 1: ReLU-like zeros in the input and the upstream gradient */
  const shape *sh = &kShapes[_i % NSHAPES];
  prob p;
  prob_make(&p, sh, 300 + (uint64_t)_i);
  if (sparse) {
    sparsify(p.in, p.nin, sh->W, 40 + (uint64_t)_i);
    sparsify(p.dout, p.nout, p.d.Q, 50 + (uint64_t)_i);
  }
  allout a, b;
  ck_assert_int_eq(alcn_cpu_isa_set(ALCN_ISA_AVX2), ALCN_OK);
  run_all(&p, &a);
  ck_assert_int_eq(alcn_cpu_isa_set(ALCN_ISA_AVX512), ALCN_OK);
  run_all(&p, &b);
  const char *v = sparse ? "sparse" : "dense";
  const int si = _i % NSHAPES;
  ck_assert_msg(memcmp(a.o, b.o, p.nout * sizeof(float)) == 0, "shape %d (%s): forward differs", si, v);
  ck_assert_msg(memcmp(a.gi, b.gi, p.nin * sizeof(float)) == 0, "shape %d (%s): din differs", si, v);
  ck_assert_msg(memcmp(a.gw, b.gw, p.nw * sizeof(float)) == 0, "shape %d (%s): dw differs", si, v);
  ck_assert_msg(memcmp(a.gb, b.gb, (size_t)p.d.K * sizeof(float)) == 0, "shape %d (%s): db differs", si, v);
  free_all(&a);
  free_all(&b);
  prob_free(&p);
  isa_restore();
}
END_TEST

static void fast_vs_ref(int idx) {
  const int _i = idx;
  const shape *s = &kShapes[_i];
  prob p;
  prob_make(&p, s, 100 + (uint64_t)_i * 10);
  float *o_r = malloc(p.nout * sizeof(float)), *o_f = malloc(p.nout * sizeof(float));
  float *gi_r = malloc(p.nin * sizeof(float)), *gi_f = malloc(p.nin * sizeof(float));
  float *gw_r = malloc(p.nw * sizeof(float)), *gw_f = malloc(p.nw * sizeof(float));
  float gb_r[64], gb_f[64];
  for (int withb = 0; withb < 2; ++withb) {
    float *bsave = p.b;
    if (!withb) p.b = NULL;
    fwd(&p, 0, o_r);
    fwd(&p, 1, o_f);
    p.b = bsave;
    double e = tu_max_rel_err(o_f, o_r, p.nout, 1.0);
    ck_assert_msg(e < FAST_TOL, "shape %d forward (bias %d) rel err %g", _i, withb, e);
  }
  /* Parameter grads start non-zero: both must add to the same start. */
  tu_fill_uniform(gw_r, p.nw, 7, -1.f, 1.f);
  memcpy(gw_f, gw_r, p.nw * sizeof(float));
  tu_fill_uniform(gb_r, (size_t)s->K, 8, -1.f, 1.f);
  memcpy(gb_f, gb_r, sizeof gb_r);
  bwd(&p, 0, gi_r, gw_r, gb_r);
  bwd(&p, 1, gi_f, gw_f, gb_f);
  double ei = tu_max_rel_err(gi_f, gi_r, p.nin, 1.0);
  double ew = tu_max_rel_err(gw_f, gw_r, p.nw, 1.0);
  double eb = tu_max_rel_err(gb_f, gb_r, (size_t)s->K, 1.0);
  ck_assert_msg(ei < FAST_TOL, "shape %d din rel err %g", _i, ei);
  ck_assert_msg(ew < FAST_TOL, "shape %d dw rel err %g", _i, ew);
  ck_assert_msg(eb < FAST_TOL, "shape %d db rel err %g", _i, eb);
  free(o_r); free(o_f); free(gi_r); free(gi_f); free(gw_r); free(gw_f);
  prob_free(&p);
}

/* The direct path's arithmetic, spelled out: a ConvTranspose2d forward is a
 * "full" correlation whose every output is ONE chain of fmaf over (c, r, s)
 * in that order, taps on the zero padding included, then + bias. The direct
 * kernels skip the padding rows and columns (conv_direct.h); this checks
 * that skipping them gives the same bits as the whole chain, on each SIMD
 * path. _i = isa * FC_GEO + geometry: ConvT(32,16,5) 6x7 -> 10x11 and
 * ConvT(16,16,3) 9x5 -> 11x7 (16 output channels: the edge kernels),
 * ConvT(16,1,5) 6x7 -> 10x11 and 20x19 -> 24x23 (one output channel: the
 * row kernel of conv_direct.c, one and two groups of 16 pixels), and
 * ConvT(32,16,5) 3x14 -> 7x18, 4x20 -> 8x24 and 3x23 -> 7x27: rows of 10, 16
 * and 19 pixels between the edges; the AVX2 path takes the edges of rows of
 * 12 or more pixels as 6-pixel blocks and cuts the middle into blocks of 5
 * and 6 (18: 6+6+6, 24: 6+6+6+6, 27: 6+5+5+5+6), plus ConvT(16,16,3)
 * 5x12 -> 7x14 and ConvT(16,16,5) 3x8 -> 7x12 (S = 3 in 6-pixel edge blocks;
 * edge blocks and nothing between). Each geometry runs twice: dense, and
 * with ReLU-like zeros (sparsify) plus one NaN inside a zero run: skipping
 * the all-zero kernel rows must give the bits of the whole chain, and the
 * outputs that the NaN reaches must be NaN (a NaN is never skipped). */
enum { FC_GEO = 9 };
START_TEST(test_full_correlation_fma_chain) {
  static const shape geo[FC_GEO] = {{2, 32, 6, 7, 16, 5, 5, 1, 0, 0, 1},  {2, 16, 9, 5, 16, 3, 3, 1, 0, 0, 1},
                                    {2, 16, 6, 7, 1, 5, 5, 1, 0, 0, 1},   {1, 16, 20, 19, 1, 5, 5, 1, 0, 0, 1},
                                    {1, 32, 3, 14, 16, 5, 5, 1, 0, 0, 1}, {1, 32, 4, 20, 16, 5, 5, 1, 0, 0, 1},
                                    {1, 32, 3, 23, 16, 5, 5, 1, 0, 0, 1}, {2, 16, 5, 12, 16, 3, 3, 1, 0, 0, 1},
                                    {1, 16, 3, 8, 16, 5, 5, 1, 0, 0, 1}};
  const int isa = _i / (2 * FC_GEO), sparse = _i / FC_GEO % 2;
  if (!isa_use(isa, "conv full_correlation_fma_chain") || isa == ALCN_ISA_PORTABLE) return;
  const shape s = geo[_i % FC_GEO];
  prob p;
  prob_make(&p, &s, 900 + (uint64_t)_i);
  if (sparse) {
    sparsify(p.in, p.nin, s.W, 70 + (uint64_t)_i);
    size_t at = p.nin / 2; /* a NaN at a zero near the middle */
    while (at < p.nin && p.in[at] != 0.f) ++at;
    if (at < p.nin) p.in[at] = NAN;
  }
  float *o = malloc(p.nout * sizeof(float));
  fwd(&p, 1, o);
  const int R = s.R, S = s.S, P = p.d.P, Q = p.d.Q;
  size_t bad = 0;
  for (int n = 0; n < s.N; ++n)
    for (int k = 0; k < s.K; ++k)
      for (int y = 0; y < P; ++y)
        for (int x = 0; x < Q; ++x) {
          float acc = 0.f;
          for (int c = 0; c < s.C; ++c)
            for (int r = 0; r < R; ++r)
              for (int t = 0; t < S; ++t) {
                const int iy = y + r - (R - 1), ix = x + t - (S - 1);
                const float xv = iy >= 0 && iy < s.H && ix >= 0 && ix < s.W
                                     ? p.in[(((size_t)n * s.C + c) * s.H + iy) * s.W + ix]
                                     : 0.f;
                const float wv = p.w[(((size_t)c * s.K + k) * R + (R - 1 - r)) * S + (S - 1 - t)];
                acc = fmaf(xv, wv, acc);
              }
          const float want = acc + p.b[k], got = o[(((size_t)n * s.K + k) * P + y) * Q + x];
          if (isnan(want) ? !isnan(got) : memcmp(&want, &got, sizeof want) != 0) ++bad;
        }
  ck_assert_msg(bad == 0, "%s, ConvT(%d,%d,%d) %dx%d (%s): %zu of %zu outputs differ from the fmaf chain",
                alcn_cpu_isa_name((alcn_cpu_isa)isa), s.C, s.K, R, s.H, s.W, sparse ? "sparse" : "dense", bad,
                p.nout);
  free(o);
  prob_free(&p);
  isa_restore();
}
END_TEST

/* ---------------------------------------------------- finite differences */
typedef struct fd_ctx {
  prob *p;
  int fast;
  const float *probe;
  float *out;
} fd_ctx;

/* sum(out * probe) in double */
static double objective(void *vctx) {
  fd_ctx *c = vctx;
  fwd(c->p, c->fast, c->out);
  double acc = 0.0;
  for (size_t i = 0; i < c->p->nout; ++i) acc += (double)c->out[i] * (double)c->probe[i];
  return acc;
}

static void fd_check_shape(int idx, int fast) {
  const shape *s = &kShapes[idx];
  prob p;
  prob_make(&p, s, 500 + (uint64_t)idx);
  float *out = malloc(p.nout * sizeof(float));
  float *gi = malloc(p.nin * sizeof(float)), *gw = calloc(p.nw, sizeof(float));
  float *gb = calloc((size_t)s->K, sizeof(float));
  bwd(&p, fast, gi, gw, gb); /* dout = probe */
  fd_ctx c = {&p, fast, p.dout, out};
  double ei = tu_fd_check(p.in, p.nin, gi, objective, &c, FD_EPS, 40, 0.1);
  double ew = tu_fd_check(p.w, p.nw, gw, objective, &c, FD_EPS, 40, 0.1);
  double eb = tu_fd_check(p.b, (size_t)s->K, gb, objective, &c, FD_EPS, 40, 0.1);
  ck_assert_msg(ei < FD_TOL, "shape %d fast %d: din fd err %g", idx, fast, ei);
  ck_assert_msg(ew < FD_TOL, "shape %d fast %d: dw fd err %g", idx, fast, ew);
  ck_assert_msg(eb < FD_TOL, "shape %d fast %d: db fd err %g", idx, fast, eb);
  free(out); free(gi); free(gw); free(gb);
  prob_free(&p);
}

START_TEST(test_fd_reference) { fd_check_shape(_i, 0); }
END_TEST

START_TEST(test_fd_fast) { fd_check_shape(_i, 1); }
END_TEST

/* ------------------------------------------- accumulate, NULL, determinism */
START_TEST(test_accumulate_and_null) {
  const shape *s = &kShapes[_i];
  prob p;
  prob_make(&p, s, 900 + (uint64_t)_i);
  float *gi = malloc(p.nin * sizeof(float)), *gi2 = malloc(p.nin * sizeof(float));
  float *gw = calloc(p.nw, sizeof(float)), *gw2 = malloc(p.nw * sizeof(float));
  float gb[64] = {0}, gb2[64];
  bwd(&p, 1, gi, gw, gb); /* from zero: the plain gradient */
  /* dw/db +=: start at 3 and get 3 + grad; din is overwritten (start at NaN). */
  for (size_t i = 0; i < p.nw; ++i) gw2[i] = 3.f;
  for (int k = 0; k < s->K; ++k) gb2[k] = 3.f;
  for (size_t i = 0; i < p.nin; ++i) gi2[i] = NAN;
  bwd(&p, 1, gi2, gw2, gb2);
  for (size_t i = 0; i < p.nw; ++i) ck_assert_float_eq_tol(gw2[i], 3.f + gw[i], 1e-4f * (1.f + fabsf(gw[i])));
  for (int k = 0; k < s->K; ++k) ck_assert_float_eq_tol(gb2[k], 3.f + gb[k], 1e-4f * (1.f + fabsf(gb[k])));
  for (size_t i = 0; i < p.nin; ++i) ck_assert_float_eq(gi2[i], gi[i]);
  /* Each gradient alone (others NULL) gives the same values, untouched others. */
  for (size_t i = 0; i < p.nin; ++i) gi2[i] = NAN;
  bwd(&p, 1, gi2, NULL, NULL);
  for (size_t i = 0; i < p.nin; ++i) ck_assert_float_eq(gi2[i], gi[i]);
  memset(gw2, 0, p.nw * sizeof(float));
  bwd(&p, 1, NULL, gw2, NULL);
  ck_assert(tu_max_rel_err(gw2, gw, p.nw, 1.0) < 1e-6);
  memset(gb2, 0, sizeof gb2);
  bwd(&p, 1, NULL, NULL, gb2);
  ck_assert(tu_max_rel_err(gb2, gb, (size_t)s->K, 1.0) < 1e-6);
  bwd(&p, 1, NULL, NULL, NULL); /* nothing to do, must not crash */
  bwd(&p, 0, NULL, NULL, NULL);
  free(gi); free(gi2); free(gw); free(gw2);
  prob_free(&p);
}
END_TEST

/* omp_set_num_threads from the libgomp that libalcn loaded (the test itself
 * is not built with OpenMP); NULL if not found. */
typedef void (*set_threads_fn)(int);
static set_threads_fn find_set_threads(void) {
  void *f = dlsym(RTLD_DEFAULT, "omp_set_num_threads");
  set_threads_fn fn;
  memcpy(&fn, &f, sizeof fn);
  return fn;
}

/* _i = isa * 2 + shape */
START_TEST(test_deterministic) {
  /* A batch large enough to be split across threads and chunks. Runs 0 and
   * 1 use the default thread count: bitwise equal. Run 2 uses 3 threads:
   * the direct (SIMD, stride 1) paths are independent of the thread count,
   * so it must match too there. */
  static const shape big[2] = {{37, 16, 12, 12, 32, 5, 5, 1, 0, 0, 0}, {37, 32, 8, 8, 16, 5, 5, 1, 0, 0, 1}};
  const int isa = _i / 2;
  if (!isa_use(isa, "conv deterministic")) return;
  set_threads_fn set_threads = find_set_threads();
  const int direct = isa != ALCN_ISA_PORTABLE;
  const int runs = (set_threads && direct) ? 3 : 2;
  prob p;
  prob_make(&p, &big[_i % 2], 1234);
  free(p.ws); /* room for 3 threads */
  if (set_threads) set_threads(3);
  p.ws = malloc((alcn_cpu_conv_workspace(&p.d) + 1) * sizeof(float));
  float *o[3], *gi[3], *gw[3], *gb[3];
  for (int run = 0; run < runs; ++run) {
    if (set_threads) set_threads(run == 2 ? 3 : 2);
    o[run] = malloc(p.nout * sizeof(float));
    gi[run] = malloc(p.nin * sizeof(float));
    gw[run] = calloc(p.nw, sizeof(float));
    gb[run] = calloc((size_t)p.d.K, sizeof(float));
    fwd(&p, 1, o[run]);
    bwd(&p, 1, gi[run], gw[run], gb[run]);
  }
  for (int run = 1; run < runs; ++run) {
    ck_assert_msg(memcmp(o[0], o[run], p.nout * sizeof(float)) == 0, "forward differs in run %d", run);
    ck_assert_msg(memcmp(gi[0], gi[run], p.nin * sizeof(float)) == 0, "din differs in run %d", run);
    ck_assert_msg(memcmp(gw[0], gw[run], p.nw * sizeof(float)) == 0, "dw differs in run %d", run);
    ck_assert_msg(memcmp(gb[0], gb[run], (size_t)p.d.K * sizeof(float)) == 0, "db differs in run %d", run);
  }
  for (int run = 0; run < runs; ++run) { free(o[run]); free(gi[run]); free(gw[run]); free(gb[run]); }
  prob_free(&p);
  isa_restore();
}
END_TEST

/* ---------------------------------------------------------------- shapes */
START_TEST(test_dims_reject) {
  alcn_conv_dims d;
  ck_assert_int_eq(alcn_conv_dims_init(&d, 0, 1, 8, 8, 1, 3, 3, 1, 0, 0, 0), ALCN_ERR_ARG);
  ck_assert_int_eq(alcn_conv_dims_init(&d, 1, 1, 8, 8, 1, 3, 3, 0, 0, 0, 0), ALCN_ERR_ARG);
  ck_assert_int_eq(alcn_conv_dims_init(&d, 1, 1, 8, 8, 1, 3, 3, 1, -1, 0, 0), ALCN_ERR_ARG);
  ck_assert_int_eq(alcn_conv_dims_init(&d, 1, 1, 8, 8, 1, 3, 3, 2, 0, 1, 0), ALCN_ERR_ARG); /* out_pad in Conv2d */
  ck_assert_int_eq(alcn_conv_dims_init(&d, 1, 1, 8, 8, 1, 3, 3, 2, 0, 2, 1), ALCN_ERR_ARG); /* out_pad >= stride */
  ck_assert_int_eq(alcn_conv_dims_init(&d, 1, 1, 4, 4, 1, 7, 3, 1, 1, 0, 0), ALCN_ERR_ARG); /* kernel > input */
  ck_assert_int_eq(alcn_conv_dims_init(&d, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 1), ALCN_ERR_ARG); /* empty ConvT */
  ck_assert_str_ne(alcn_last_error(), "");
  ck_assert_int_eq(alcn_conv_dims_init(&d, 2, 1, 28, 28, 16, 5, 5, 1, 0, 0, 0), ALCN_OK);
  ck_assert_int_eq(d.P, 24);
  ck_assert_int_eq(alcn_conv_dims_init(&d, 2, 16, 24, 24, 1, 5, 5, 1, 0, 0, 1), ALCN_OK);
  ck_assert_int_eq(d.P, 28);
  ck_assert_int_eq(alcn_conv_dims_init(&d, 2, 1, 7, 7, 1, 3, 3, 2, 1, 1, 1), ALCN_OK);
  ck_assert_int_eq(d.P, 14); /* (7-1)*2 - 2 + 3 + 1 */
}
END_TEST

int main(void) {
  Suite *s = suite_create("conv");
  TCase *tc = tcase_create("known");
  tcase_add_test(tc, test_pytorch_known_answers);
  tcase_add_test(tc, test_dims_reject);
  suite_add_tcase(s, tc);
  tc = tcase_create("fast_vs_ref");
  tcase_add_loop_test(tc, test_fast_matches_reference, 0, NSHAPES);
  tcase_add_loop_test(tc, test_generic_matches_reference, 0, NSHAPES);
  tcase_add_loop_test(tc, test_isa_matches_reference, 0, ALCN_ISA_COUNT * NSHAPES);
  tcase_add_loop_test(tc, test_avx2_bitwise_avx512, 0, 2 * NSHAPES);
  tcase_add_loop_test(tc, test_full_correlation_fma_chain, 0, ALCN_ISA_COUNT * 2 * FC_GEO);
  suite_add_tcase(s, tc);
  tc = tcase_create("finite_diff");
  tcase_add_loop_test(tc, test_fd_reference, 0, NSHAPES);
  tcase_add_loop_test(tc, test_fd_fast, 0, NSHAPES);
  suite_add_tcase(s, tc);
  tc = tcase_create("semantics");
  tcase_add_loop_test(tc, test_accumulate_and_null, 0, NSHAPES);
  tcase_add_loop_test(tc, test_deterministic, 0, ALCN_ISA_COUNT * 2);
  suite_add_tcase(s, tc);
  return tu_run_suite(s);
}
