/* Implementation of the CUDA parity helpers (cuda_pair.h). */
#define _GNU_SOURCE
#include "cuda_pair.h"

#include <check.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "test_util.h"

void cp_open_or_skip(cp_pair *p, const char *suite) {
  char why[256];
  p->cpu = p->gpu = NULL;
  p->selftest = 0;
  const char *self = getenv("ALCN_CUDA_PARITY_SELFTEST");
  if (self && strcmp(self, "1") == 0) {
    /* Harness self-check without a GPU: a second CPU backend stands in for CUDA. */
    if (alcn_backend_cpu_create(&p->cpu, 0) != ALCN_OK || alcn_backend_cpu_create(&p->gpu, 1) != ALCN_OK) {
      fprintf(stderr, "%s: cannot create the backends: %s\n", suite, alcn_last_error());
      exit(1);
    }
    p->selftest = 1;
    printf("%s: SELFTEST, CPU vs CPU (1 thread)\n", suite);
    return;
  }
  if (!alcn_cuda_available(why, sizeof why)) {
    printf("SKIP %s: %s\n", suite, why);
    fflush(stdout);
    exit(77);
  }
  setenv("ALCN_CUDA_TF32", "0", 1); /* parity is stated for FP32 */
  if (alcn_backend_cpu_create(&p->cpu, 0) != ALCN_OK || alcn_backend_cuda_create(&p->gpu, 0) != ALCN_OK) {
    fprintf(stderr, "%s: cannot create the backends: %s\n", suite, alcn_last_error());
    exit(1);
  }
  printf("%s: %s vs %s\n", suite, alcn_backend_description(p->cpu), alcn_backend_description(p->gpu));
}

void cp_close(cp_pair *p) {
  alcn_backend_destroy(p->gpu);
  alcn_backend_destroy(p->cpu);
  p->cpu = p->gpu = NULL;
}

cp_buf cp_buf_make(cp_pair *p, size_t n, uint64_t seed, float lo, float hi) {
  cp_buf b;
  b.n = n;
  b.h = malloc((n ? n : 1) * sizeof(float));
  b.back = malloc((n ? n : 1) * sizeof(float));
  b.d = alcn_backend_alloc(p->gpu, (n ? n : 1) * sizeof(float));
  ck_assert_msg(b.h && b.back && b.d, "allocation of %zu floats failed: %s", n, alcn_last_error());
  if (lo == hi || isnan(lo))
    for (size_t i = 0; i < n; ++i) b.h[i] = lo;
  else
    tu_fill_uniform(b.h, n, seed, lo, hi);
  CP_OK(alcn_upload(p->gpu, b.d, b.h, n * sizeof(float)));
  return b;
}

void cp_buf_fill(cp_pair *p, cp_buf *b, float v) {
  for (size_t i = 0; i < b->n; ++i) b->h[i] = v;
  CP_OK(alcn_upload(p->gpu, b->d, b->h, b->n * sizeof(float)));
}

void cp_buf_fetch(cp_pair *p, cp_buf *b) {
  CP_OK(alcn_download(p->gpu, b->back, b->d, b->n * sizeof(float)));
}

void cp_buf_free(cp_pair *p, cp_buf *b) {
  free(b->h);
  free(b->back);
  alcn_backend_free(p->gpu, b->d);
  b->h = b->back = b->d = NULL;
}

double cp_norm_err(const float *a, const float *ref, size_t n, double floor) {
  double scale = floor, worst = 0.0;
  for (size_t i = 0; i < n; ++i) {
    if (isnan(a[i]) || isnan(ref[i])) return INFINITY;
    if (fabs((double)ref[i]) > scale) scale = fabs((double)ref[i]);
  }
  for (size_t i = 0; i < n; ++i) {
    double e = fabs((double)a[i] - (double)ref[i]);
    if (e > worst) worst = e;
  }
  return worst / scale;
}

double cp_tensor_err(const alcn_param_tensor *t, int nt, size_t n, const char *name, const float *gpu,
                     const float *cpu, double floor_rel, int *worst_tensor) {
  double all = 0.0, worst = -1.0;
  for (size_t i = 0; i < n; ++i) all = fmax(all, fabs((double)cpu[i]));
  *worst_tensor = -1;
  for (int k = 0; k < nt; ++k) {
    ck_assert_uint_le(t[k].offset + t[k].count, n);
    const double e = cp_norm_err(gpu + t[k].offset, cpu + t[k].offset, t[k].count, fmax(floor_rel * all, 1e-30));
    printf("    %s layer %d %s %s (%zu): %.3g\n", name, t[k].layer, t[k].kind, t[k].bias ? "bias" : "weight",
           t[k].count, e);
    if (!(e <= worst)) { /* the first, and NaN */
      worst = e;
      *worst_tensor = k;
    }
  }
  return worst < 0.0 ? 0.0 : worst;
}
