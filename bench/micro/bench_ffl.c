/* bench_ffl: times the CPU Focal Frequency Loss (ops.h), forward + backward
 * (loss value and dpred) through FFTW, by default at the paper's MNIST batch
 * 4096x1x28x28 with alpha 1; also plan creation and, for comparison, the MSE
 * loss on the same data. Prints the median of the timed repetitions.
 * Usage: bench_ffl [-n batch] [-c channels] [-s size] [-a alpha] [-r reps] [-w warmup] */
#define _POSIX_C_SOURCE 199309L
#include <omp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cpu_ops.h"
#include "alcn/clock.h"
#include "alcn/rng.h"

static int cmp_d(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}

int main(int argc, char **argv) {
  int N = 4096, C = 1, S = 28, reps = 10, warm = 2;
  float alpha = 1.0f;
  for (int i = 1; i + 1 < argc; i += 2) {
    if (!strcmp(argv[i], "-n")) N = atoi(argv[i + 1]);
    else if (!strcmp(argv[i], "-c")) C = atoi(argv[i + 1]);
    else if (!strcmp(argv[i], "-s")) S = atoi(argv[i + 1]);
    else if (!strcmp(argv[i], "-a")) alpha = (float)atof(argv[i + 1]);
    else if (!strcmp(argv[i], "-r")) reps = atoi(argv[i + 1]);
    else if (!strcmp(argv[i], "-w")) warm = atoi(argv[i + 1]);
    else {
      fprintf(stderr, "usage: %s [-n batch] [-c channels] [-s size] [-a alpha] [-r reps] [-w warmup]\n", argv[0]);
      return 2;
    }
  }
  if (N <= 0 || C <= 0 || S <= 0 || reps <= 0 || warm < 0) {
    fprintf(stderr, "bench_ffl: sizes and -r must be positive\n");
    return 2;
  }
  const size_t n = (size_t)N * C * S * S;
  float *p = malloc(n * sizeof *p), *t = malloc(n * sizeof *t), *g = malloc(n * sizeof *g);
  double *ms = malloc((size_t)reps * sizeof *ms);
  if (!p || !t || !g || !ms) {
    fprintf(stderr, "bench_ffl: out of memory for %zu floats\n", n);
    return 1;
  }
  alcn_rng_uniform(p, n, 1, 0, 0.f, 1.f);
  alcn_rng_uniform(t, n, 2, 0, 0.f, 1.f);

  alcn_ffl *f = NULL;
  double t0 = alcn_clock_s();
  if (alcn_cpu_ffl_create(&f, N, C, S, S, alpha) != ALCN_OK) {
    fprintf(stderr, "bench_ffl: %s\n", alcn_last_error());
    return 1;
  }
  const double plan_ms = 1e3 * (alcn_clock_s() - t0);
  printf("bench_ffl: %dx%dx%dx%d alpha %g, %d OpenMP threads, %d reps after %d warm-up\n", N, C, S, S,
         (double)alpha, omp_get_max_threads(), reps, warm);
  printf("  plan creation (FFTW_ESTIMATE)   %9.3f ms\n", plan_ms);

  float loss = 0.f;
  for (int r = 0; r < warm; ++r) loss = alcn_cpu_ffl_loss(f, g, p, t, N, 1.0f);
  for (int r = 0; r < reps; ++r) {
    t0 = alcn_clock_s();
    loss = alcn_cpu_ffl_loss(f, g, p, t, N, 1.0f);
    ms[r] = 1e3 * (alcn_clock_s() - t0);
  }
  qsort(ms, (size_t)reps, sizeof *ms, cmp_d);
  printf("  FFL forward+backward            %9.3f ms median (min %.3f, max %.3f), %.1f Mpixel/s, loss %.6g\n",
         ms[reps / 2], ms[0], ms[reps - 1], 1e-3 * (double)n / ms[reps / 2], (double)loss);

  for (int r = 0; r < warm; ++r) loss = alcn_cpu_ffl_loss(f, NULL, p, t, N, 1.0f);
  for (int r = 0; r < reps; ++r) {
    t0 = alcn_clock_s();
    loss = alcn_cpu_ffl_loss(f, NULL, p, t, N, 1.0f);
    ms[r] = 1e3 * (alcn_clock_s() - t0);
  }
  qsort(ms, (size_t)reps, sizeof *ms, cmp_d);
  printf("  FFL forward only                %9.3f ms median\n", ms[reps / 2]);

  for (int r = 0; r < warm; ++r) loss = alcn_cpu_mse_loss(g, p, t, n, 1.0f);
  for (int r = 0; r < reps; ++r) {
    t0 = alcn_clock_s();
    loss = alcn_cpu_mse_loss(g, p, t, n, 1.0f);
    ms[r] = 1e3 * (alcn_clock_s() - t0);
  }
  qsort(ms, (size_t)reps, sizeof *ms, cmp_d);
  printf("  MSE forward+backward (compare)  %9.3f ms median\n", ms[reps / 2]);

  alcn_cpu_ffl_destroy(f);
  free(p); free(t); free(g); free(ms);
  return 0;
}
