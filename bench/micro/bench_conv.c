/* bench_conv: times the fast CPU Conv2d / ConvTranspose2d (ops.h) on the
 * paper's DAE layer shapes (28x28, stride 1, no padding):
 *   c1 Conv(1,16,5) 28->24, c2 Conv(16,32,5) 24->20,
 *   d1 ConvT(32,16,5) 20->24, d2 ConvT(16,1,5) 24->28
 * (d1 and d2 are also the noise generator's layers). For each batch it prints
 * the median (after warm-up) of forward, backward-data and backward-filter
 * (dw+db) in ms and GFLOP/s, then one DAE training step's conv work
 * (forward of all four layers, dw+db of all four, din of c2,d1,d2) as the sum
 * of the medians and as a timed end-to-end sequence.
 * Usage: bench_conv [-b batch]... [-r reps] [-w warmup]   (default -b 256 -b 4096) */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cpu_ops.h"
#include "alcn/clock.h"
#include "alcn/rng.h"

typedef struct layer {
  const char *name;
  int C, H, K, tr;
} layer;

static const layer kLayers[4] = {
    {"c1 Conv(1,16,5)", 1, 28, 16, 0},
    {"c2 Conv(16,32,5)", 16, 24, 32, 0},
    {"d1 ConvT(32,16,5)", 32, 20, 16, 1},
    {"d2 ConvT(16,1,5)", 16, 24, 1, 1},
};

static int cmp_d(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}

typedef struct bufs {
  alcn_conv_dims d;
  float *in, *w, *b, *out, *dout, *din, *dw, *db, *ws;
} bufs;

static float *alloc_fill(size_t n, uint64_t seed) {
  float *p = malloc(n * sizeof(float));
  if (!p) {
    fprintf(stderr, "bench_conv: out of memory (%zu floats)\n", n);
    exit(1);
  }
  alcn_rng_uniform(p, n, seed, 0, -0.5f, 0.5f);
  return p;
}

static int bufs_make(bufs *B, const layer *L, int N) {
  const int R = 5;
  if (alcn_conv_dims_init(&B->d, N, L->C, L->H, L->H, L->K, R, R, 1, 0, 0, L->tr) != ALCN_OK) {
    fprintf(stderr, "bench_conv: %s\n", alcn_last_error());
    return -1;
  }
  size_t nin = (size_t)N * L->C * L->H * L->H, nout = (size_t)N * L->K * B->d.P * B->d.Q;
  size_t nw = (size_t)L->C * L->K * R * R;
  B->in = alloc_fill(nin, 1);
  B->w = alloc_fill(nw, 2);
  B->b = alloc_fill((size_t)L->K, 3);
  B->dout = alloc_fill(nout, 4);
  B->out = alloc_fill(nout, 5);
  B->din = alloc_fill(nin, 6);
  B->dw = alloc_fill(nw, 7);
  B->db = alloc_fill((size_t)L->K, 8);
  B->ws = alloc_fill(alcn_cpu_conv_workspace(&B->d) + 1, 9);
  return 0;
}

static void bufs_free(bufs *B) {
  free(B->in); free(B->w); free(B->b); free(B->dout); free(B->out);
  free(B->din); free(B->dw); free(B->db); free(B->ws);
}

enum { OP_FWD = 0, OP_BWD_DATA, OP_BWD_FILTER, OP_BWD_ALL };

static void run_op(bufs *B, int op) {
  const alcn_conv_dims *d = &B->d;
  float *din = (op == OP_BWD_DATA || op == OP_BWD_ALL) ? B->din : NULL;
  float *dw = (op == OP_BWD_FILTER || op == OP_BWD_ALL) ? B->dw : NULL;
  float *db = (op == OP_BWD_FILTER || op == OP_BWD_ALL) ? B->db : NULL;
  if (op == OP_FWD) {
    if (d->transposed) alcn_cpu_convt2d_forward(B->out, B->in, B->w, B->b, d, B->ws);
    else alcn_cpu_conv2d_forward(B->out, B->in, B->w, B->b, d, B->ws);
  } else {
    if (d->transposed) alcn_cpu_convt2d_backward(din, dw, db, B->dout, B->in, B->w, d, B->ws);
    else alcn_cpu_conv2d_backward(din, dw, db, B->dout, B->in, B->w, d, B->ws);
  }
}

/* Median (returned) and minimum (*mn) of reps timed runs, in ms. */
static double median_ms(bufs *B, int op, int reps, int warm, double *mn) {
  double *t = malloc((size_t)reps * sizeof(double));
  for (int i = 0; i < warm; ++i) run_op(B, op);
  for (int i = 0; i < reps; ++i) {
    double t0 = alcn_clock_s();
    run_op(B, op);
    t[i] = (alcn_clock_s() - t0) * 1e3;
  }
  qsort(t, (size_t)reps, sizeof(double), cmp_d);
  double m = reps % 2 ? t[reps / 2] : 0.5 * (t[reps / 2 - 1] + t[reps / 2]);
  *mn = t[0];
  free(t);
  return m;
}

int main(int argc, char **argv) {
  int batches[8], nb = 0, reps = -1, warm = 2;
  for (int i = 1; i < argc; ++i) {
    if (!strcmp(argv[i], "-b") && i + 1 < argc && nb < 8) batches[nb++] = atoi(argv[++i]);
    else if (!strcmp(argv[i], "-r") && i + 1 < argc) reps = atoi(argv[++i]);
    else if (!strcmp(argv[i], "-w") && i + 1 < argc) warm = atoi(argv[++i]);
    else {
      fprintf(stderr, "usage: %s [-b batch]... [-r reps] [-w warmup]\n", argv[0]);
      return 2;
    }
  }
  if (nb == 0) { batches[0] = 256; batches[1] = 4096; nb = 2; }
  static const char *opname[3] = {"fwd", "bwd-data", "bwd-filter"};
  for (int bi = 0; bi < nb; ++bi) {
    const int N = batches[bi];
    const int r = reps > 0 ? reps : (N <= 512 ? 21 : 5);
    bufs B[4];
    double sum_ms = 0.0, sum_gflop = 0.0;
    printf("# batch %d, median of %d runs after %d warm-up\n", N, r, warm);
    printf("%-20s %-10s %10s %10s %10s\n", "layer", "op", "median ms", "GFLOP/s", "min ms");
    for (int l = 0; l < 4; ++l) {
      if (bufs_make(&B[l], &kLayers[l], N)) return 1;
      const alcn_conv_dims *d = &B[l].d;
      /* useful MACs, the same for all three ops */
      double macs = d->transposed ? (double)N * d->C * d->H * d->W * d->K * d->R * d->S
                                  : (double)N * d->K * d->P * d->Q * d->C * d->R * d->S;
      double gflop = 2.0 * macs * 1e-9;
      for (int op = 0; op < 3; ++op) {
        double mn, ms = median_ms(&B[l], op, r, warm, &mn);
        printf("%-20s %-10s %10.3f %10.2f %10.3f\n", kLayers[l].name, opname[op], ms, gflop / (ms * 1e-3), mn);
        if (!(l == 0 && op == OP_BWD_DATA)) { sum_ms += ms; sum_gflop += gflop; }
      }
    }
    printf("DAE step conv work (fwd x4, dw+db x4, din c2 d1 d2), sum of medians: %.3f ms, %.2f GFLOP/s\n",
           sum_ms, sum_gflop / (sum_ms * 1e-3));
    /* End to end: the four forwards, then backward in reverse order with the
     * fused din+dw+db call (no din for c1). Buffers are per layer (values
     * don't matter for timing). */
    double *t = malloc((size_t)r * sizeof(double));
    for (int i = -warm; i < r; ++i) {
      double t0 = alcn_clock_s();
      for (int l = 0; l < 4; ++l) run_op(&B[l], OP_FWD);
      for (int l = 3; l >= 0; --l) run_op(&B[l], l == 0 ? OP_BWD_FILTER : OP_BWD_ALL);
      if (i >= 0) t[i] = (alcn_clock_s() - t0) * 1e3;
    }
    qsort(t, (size_t)r, sizeof(double), cmp_d);
    printf("DAE step conv work, end to end: median %.3f ms (min %.3f), %.2f GFLOP/s, %.1f img/s (conv only)\n\n",
           t[r / 2], t[0], sum_gflop / (t[r / 2] * 1e-3), N / (t[r / 2] * 1e-3));
    free(t);
    for (int l = 0; l < 4; ++l) bufs_free(&B[l]);
  }
  return 0;
}
