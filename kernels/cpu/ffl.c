/* Focal Frequency Loss on the CPU through FFTW (fftw3f), and its plain-DFT
 * reference (ops.h). Maths, per (n,c) plane of H x W, with the orthonormal
 * 2-D DFT F (F^H F = I) and D = F(pred) - F(target) = F(pred - target):
 *   w_k   = |D_k|^alpha / max_k |D_k|^alpha, NaN -> 0, clamped to [0,1]
 *           (a constant: no gradient flows through w);
 *   loss  = 1/M * sum over all planes and k of w_k |D_k|^2, M = N*C*H*W;
 *   dL/dx = 2/M * Re(F^H (w .* D))   (x real, so d|D_k|^2/dx = 2 Re(conj(D_k) dD_k/dx)).
 * The fast path uses one r2c plan and one c2r plan for a single plane, made
 * once per shape with FFTW_ESTIMATE (a fixed algorithm: the same bits every
 * run) and executed per plane on each OpenMP thread with its own buffers.
 * Only the half spectrum (H, W/2+1) is stored: columns 1..ceil(W/2)-1 stand
 * for their mirror columns too and count twice in the loss; w .* D stays
 * Hermitian, so the c2r transform gives F^H (w .* D) directly. Per-plane loss
 * sums are added in plane order, so the loss does not depend on the threads. */
#include <fftw3.h>
#include <math.h>
#include <pthread.h>
#include <omp.h>
#include <stdlib.h>

#include "cpu_ops.h"

struct alcn_ffl {
  int max_n, C, H, W, Wh; /* Wh = W/2 + 1 */
  float alpha;
  int nthr;               /* threads the buffers were made for */
  fftwf_plan fwd, inv;    /* r2c and c2r of one H x W plane (unnormalised) */
  float **rbuf;           /* [nthr] (H*W) real plane */
  fftwf_complex **cbuf;   /* [nthr] (H*Wh) half spectrum */
  float **wbuf;           /* [nthr] (H*Wh) spectrum weights */
  double *plane_loss;     /* (max_n*C) */
};

/* One lock for FFTW's planner in libalcn (a static mutex rather than a named
 * OpenMP critical section, whose lock would be an exported symbol). */
static pthread_mutex_t fftw_planner = PTHREAD_MUTEX_INITIALIZER;

void alcn_cpu_ffl_destroy(alcn_ffl *f) {
  if (!f) return;
  /* FFTW's planner is not thread-safe; neither is destroying plans. */
  pthread_mutex_lock(&fftw_planner);
  if (f->fwd) fftwf_destroy_plan(f->fwd);
  if (f->inv) fftwf_destroy_plan(f->inv);
  pthread_mutex_unlock(&fftw_planner);
  for (int t = 0; t < f->nthr; ++t) {
    if (f->rbuf) fftwf_free(f->rbuf[t]);
    if (f->cbuf) fftwf_free(f->cbuf[t]);
    if (f->wbuf) fftwf_free(f->wbuf[t]);
  }
  free(f->rbuf);
  free(f->cbuf);
  free(f->wbuf);
  free(f->plane_loss);
  free(f);
}

alcn_status alcn_cpu_ffl_create(alcn_ffl **out, int max_n, int C, int H, int W, float alpha) {
  *out = NULL;
  if (max_n <= 0 || C <= 0 || H <= 0 || W <= 0)
    ALCN_FAIL(ALCN_ERR_ARG, "FFL shape %dx%dx%dx%d: every size must be positive", max_n, C, H, W);
  if (!(alpha >= 0.0f) || isinf(alpha))
    ALCN_FAIL(ALCN_ERR_ARG, "FFL alpha %g must be finite and >= 0 (hint: the paper uses alpha = 1)",
              (double)alpha);
  alcn_ffl *f = calloc(1, sizeof *f);
  ALCN_CHECK_ALLOC(f, sizeof *f);
  f->max_n = max_n; f->C = C; f->H = H; f->W = W; f->Wh = W / 2 + 1; f->alpha = alpha;
  f->nthr = omp_get_max_threads();
  if (f->nthr < 1) f->nthr = 1;
  const size_t rb = (size_t)H * W * sizeof(float), cb = (size_t)H * f->Wh * sizeof(fftwf_complex),
               wb = (size_t)H * f->Wh * sizeof(float), pb = (size_t)max_n * C * sizeof(double);
  f->rbuf = calloc((size_t)f->nthr, sizeof *f->rbuf);
  f->cbuf = calloc((size_t)f->nthr, sizeof *f->cbuf);
  f->wbuf = calloc((size_t)f->nthr, sizeof *f->wbuf);
  f->plane_loss = malloc(pb);
  int ok = f->rbuf && f->cbuf && f->wbuf && f->plane_loss;
  for (int t = 0; ok && t < f->nthr; ++t) {
    f->rbuf[t] = fftwf_malloc(rb);
    f->cbuf[t] = fftwf_malloc(cb);
    f->wbuf[t] = fftwf_malloc(wb);
    ok = f->rbuf[t] && f->cbuf[t] && f->wbuf[t];
  }
  if (!ok) {
    alcn_cpu_ffl_destroy(f);
    ALCN_FAIL(ALCN_ERR_NOMEM, "out of host memory for FFL buffers (%d threads, %dx%d planes, batch %d x %d)",
              omp_get_max_threads(), H, W, max_n, C);
  }
  pthread_mutex_lock(&fftw_planner);
  f->fwd = fftwf_plan_dft_r2c_2d(H, W, f->rbuf[0], f->cbuf[0], FFTW_ESTIMATE);
  f->inv = fftwf_plan_dft_c2r_2d(H, W, f->cbuf[0], f->rbuf[0], FFTW_ESTIMATE | FFTW_DESTROY_INPUT);
  pthread_mutex_unlock(&fftw_planner);
  if (!f->fwd || !f->inv) {
    alcn_cpu_ffl_destroy(f);
    ALCN_FAIL(ALCN_ERR_UNSUPPORTED, "FFTW could not plan a %dx%d real 2-D transform", H, W);
  }
  *out = f;
  return ALCN_OK;
}

/* |D|^alpha from |D|^2, as torch's sqrt(dist) ** alpha. */
static inline float alcn_ffl_pow(float dist, float alpha) {
  if (alpha == 1.0f) return sqrtf(dist);
  if (alpha == 2.0f) return sqrtf(dist) * sqrtf(dist);
  return powf(sqrtf(dist), alpha);
}

/* One plane: returns sum over the full spectrum of w|D|^2; when dp != NULL
 * writes dp (H*W) = gk * Re(F^H (w .* D)) with F orthonormal. */
static double alcn_ffl_plane(const alcn_ffl *f, int tid, float *dp, const float *p, const float *t, float gk) {
  const int H = f->H, W = f->W, Wh = f->Wh, HW = H * W;
  float *r = f->rbuf[tid], *w = f->wbuf[tid];
  fftwf_complex *X = f->cbuf[tid];
  for (int i = 0; i < HW; ++i) r[i] = p[i] - t[i];
  fftwf_execute_dft_r2c(f->fwd, r, X);
  const float norm = (float)(1.0 / sqrt((double)HW));
  float wmax = 0.0f;
  int has_nan = 0;
  for (int k = 0; k < H * Wh; ++k) {
    X[k][0] *= norm;
    X[k][1] *= norm;
    const float dist = X[k][0] * X[k][0] + X[k][1] * X[k][1];
    w[k] = alcn_ffl_pow(dist, f->alpha);
    if (w[k] > wmax) wmax = w[k];
    if (isnan(w[k])) has_nan = 1;
  }
  if (has_nan) wmax = NAN; /* torch's amax propagates NaN */
  double s = 0.0;
  for (int k1 = 0; k1 < H; ++k1) {
    double row = 0.0;
    for (int k2 = 0; k2 < Wh; ++k2) {
      const int k = k1 * Wh + k2;
      float q = w[k] / wmax;
      if (isnan(q)) q = 0.0f;
      q = q < 0.0f ? 0.0f : (q > 1.0f ? 1.0f : q);
      const float dist = X[k][0] * X[k][0] + X[k][1] * X[k][1];
      /* column k2 also stands for its mirror W-k2 unless it is its own mirror */
      const int twice = k2 != 0 && 2 * k2 != W;
      row += (twice ? 2.0 : 1.0) * (double)(q * dist);
      X[k][0] *= q;
      X[k][1] *= q;
    }
    s += row;
  }
  if (dp) {
    fftwf_execute_dft_c2r(f->inv, X, r); /* unnormalised inverse: sqrt(HW) F^H */
    const float k = gk * norm;
    for (int i = 0; i < HW; ++i) dp[i] = k * r[i];
  }
  return s;
}

float alcn_cpu_ffl_loss(alcn_ffl *f, float *dpred, const float *pred, const float *target, int N,
                        float scale) {
  if (N <= 0) return 0.0f;
  if (N > f->max_n) return NAN; /* caller error: the plan's buffers are for max_n */
  const int planes = N * f->C;
  const size_t HW = (size_t)f->H * f->W;
  const double M = (double)planes * (double)HW;
  const float gk = (float)(2.0 * (double)scale / M);
#pragma omp parallel num_threads(f->nthr) if (planes > 1 && (size_t)planes * HW > 4096)
  {
    const int tid = omp_get_thread_num();
#pragma omp for schedule(static)
    for (int pl = 0; pl < planes; ++pl) {
      const size_t o = (size_t)pl * HW;
      f->plane_loss[pl] = alcn_ffl_plane(f, tid, dpred ? dpred + o : NULL, pred + o, target + o, gk);
    }
  }
  double s = 0.0;
  for (int pl = 0; pl < planes; ++pl) s += f->plane_loss[pl];
  return (float)(s / M);
}

/* ------------------------------------------------------------- reference */
/* Direct DFT in double, pred and target transformed separately (as torch),
 * every one of the H*W frequencies summed over all H*W pixels. Tests only;
 * returns NaN if it cannot allocate its scratch. */
float alcn_ref_ffl_loss(float *dpred, const float *pred, const float *target, int N, int C, int H, int W,
                        float alpha, float scale) {
  const int HW = H * W;
  const double M = (double)N * C * HW, pi2 = 6.283185307179586476925286766559;
  double *ch = malloc(sizeof(double) * (H + H + W + W)), *sh = ch ? ch + H : NULL;
  double *cw = ch ? ch + 2 * H : NULL, *sw = ch ? ch + 2 * H + W : NULL;
  double *dre = malloc(sizeof(double) * 3 * (size_t)HW), *dim = dre ? dre + HW : NULL;
  double *wt = dre ? dre + 2 * HW : NULL;
  if (!ch || !dre) {
    free(ch);
    free(dre);
    return NAN;
  }
  for (int k = 0; k < H; ++k) { ch[k] = cos(pi2 * k / H); sh[k] = sin(pi2 * k / H); }
  for (int k = 0; k < W; ++k) { cw[k] = cos(pi2 * k / W); sw[k] = sin(pi2 * k / W); }
  const double norm = 1.0 / sqrt((double)HW);
  double total = 0.0;
  for (int pl = 0; pl < N * C; ++pl) {
    const float *p = pred + (size_t)pl * HW, *t = target + (size_t)pl * HW;
    /* D_k = F(p)_k - F(t)_k, F_kj = exp(-2 pi i (k1 j1/H + k2 j2/W)) / sqrt(HW) */
    for (int k1 = 0; k1 < H; ++k1)
      for (int k2 = 0; k2 < W; ++k2) {
        double pr = 0, pim = 0, tr = 0, tim = 0;
        for (int j1 = 0; j1 < H; ++j1)
          for (int j2 = 0; j2 < W; ++j2) {
            /* angle 2 pi (k1 j1/H + k2 j2/W) as exact table indices */
            const int a = (k1 * j1) % H, b = (k2 * j2) % W;
            const double c = ch[a] * cw[b] - sh[a] * sw[b], s = sh[a] * cw[b] + ch[a] * sw[b];
            const double x = p[j1 * W + j2], y = t[j1 * W + j2];
            pr += x * c; pim -= x * s;
            tr += y * c; tim -= y * s;
          }
        dre[k1 * W + k2] = (pr - tr) * norm;
        dim[k1 * W + k2] = (pim - tim) * norm;
      }
    double wmax = -INFINITY;
    for (int k = 0; k < HW; ++k) {
      wt[k] = pow(sqrt(dre[k] * dre[k] + dim[k] * dim[k]), alpha);
      if (wt[k] > wmax) wmax = wt[k];
    }
    for (int k = 0; k < HW; ++k) {
      double q = wt[k] / wmax;
      if (isnan(q)) q = 0.0;
      wt[k] = q < 0.0 ? 0.0 : (q > 1.0 ? 1.0 : q);
      total += wt[k] * (dre[k] * dre[k] + dim[k] * dim[k]);
    }
    if (!dpred) continue;
    /* dL/dx_j = 2/M * Re(sum_k conj(F_kj) w_k D_k) */
    float *dp = dpred + (size_t)pl * HW;
    for (int j1 = 0; j1 < H; ++j1)
      for (int j2 = 0; j2 < W; ++j2) {
        double acc = 0.0;
        for (int k1 = 0; k1 < H; ++k1)
          for (int k2 = 0; k2 < W; ++k2) {
            const int a = (k1 * j1) % H, b = (k2 * j2) % W, k = k1 * W + k2;
            const double c = ch[a] * cw[b] - sh[a] * sw[b], s = sh[a] * cw[b] + ch[a] * sw[b];
            acc += wt[k] * (dre[k] * c - dim[k] * s); /* Re(D e^{+i theta}) */
          }
        dp[j1 * W + j2] = (float)((double)scale * 2.0 / M * norm * acc);
      }
  }
  free(ch);
  free(dre);
  return (float)(total / M);
}
