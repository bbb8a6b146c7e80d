/* bench_cuda_step: Table-5 style timings of the paper's DAE and DAE+ALCN on
 * one backend (default CUDA): a DAE training step, a DAE+ALCN training step
 * (Algorithm 1, as /work/shared/peers/torch_alcn.py's alcn_step), DAE
 * inference (per-image scores) and DAE+ALCN inference (the noise generator
 * run too), each the median of timed iterations with a sync after each, the
 * same cases and printout as the PyTorch peer's `bench` for side-by-side use.
 * Usage: bench_cuda_step [--device cuda|cpu|auto] [--batch B] [--iters n]
 *                        [--warmup n] [--loss mse|ffl] [--size S] [--json FILE] */
#define _POSIX_C_SOURCE 199309L
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "alcn/backend.h"
#include "alcn/models.h"
#include "alcn/net.h"
#include "alcn/rng.h"

typedef struct bench {
  alcn_backend *be;
  alcn_net *dae, *gen;
  int B, C, H, W, D;
  alcn_loss_cfg loss;
  alcn_adam_hparams adam_dae, adam_gen;
  float *x, *xt, *dxt, *dnoise, *dpred, *z, *a, *lossv, *scores;
  uint64_t step;
} bench;

static double now_s(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static int cmp_d(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}

static alcn_status draw(bench *b) {
  const alcn_backend_ops *o = b->be->ops;
  const size_t nz = (size_t)b->B * ALCN_NOISE_ZDIM;
  ALCN_CHECK(o->rng_normal(b->be, b->z, nz, 21, b->step * alcn_rng_span(nz), 0.0f, 1.0f));
  return o->rng_uniform(b->be, b->a, (size_t)b->B, 22, b->step * alcn_rng_span((size_t)b->B), 0.2f, 0.9f);
}

static alcn_status dae_train(bench *b) {
  const alcn_backend_ops *o = b->be->ops;
  const float *y;
  ALCN_CHECK(alcn_net_zero_grad(b->dae));
  ALCN_CHECK(alcn_net_forward(b->dae, b->x, b->B, 1, &y));
  ALCN_CHECK(o->loss(b->be, &b->loss, b->lossv, b->dpred, y, b->x, b->B, b->C, b->H, b->W, 1.0f));
  ALCN_CHECK(alcn_net_backward(b->dae, b->dpred, NULL));
  return alcn_net_adam_step(b->dae, &b->adam_dae);
}

static alcn_status alcn_train(bench *b) {
  const alcn_backend_ops *o = b->be->ops;
  const float *g, *y;
  ALCN_CHECK(draw(b));
  b->step++;
  /* 1) G_noise ascends the loss, DAE frozen */
  ALCN_CHECK(alcn_net_forward(b->gen, b->z, b->B, 1, &g));
  ALCN_CHECK(o->blend(b->be, b->xt, b->x, g, b->a, b->B, b->D));
  alcn_net_freeze(b->dae, 1);
  ALCN_CHECK(alcn_net_forward(b->dae, b->xt, b->B, 1, &y));
  ALCN_CHECK(o->loss(b->be, &b->loss, b->lossv, b->dpred, y, b->x, b->B, b->C, b->H, b->W, -1.0f));
  ALCN_CHECK(alcn_net_backward(b->dae, b->dpred, b->dxt));
  alcn_net_freeze(b->dae, 0);
  ALCN_CHECK(o->blend_backward_y(b->be, b->dnoise, b->dxt, b->a, b->B, b->D));
  ALCN_CHECK(alcn_net_zero_grad(b->gen));
  ALCN_CHECK(alcn_net_backward(b->gen, b->dnoise, NULL));
  ALCN_CHECK(alcn_net_adam_step(b->gen, &b->adam_gen));
  /* 2) the DAE descends on the blend with the updated G_noise */
  ALCN_CHECK(alcn_net_forward(b->gen, b->z, b->B, 0, &g));
  ALCN_CHECK(o->blend(b->be, b->xt, b->x, g, b->a, b->B, b->D));
  ALCN_CHECK(alcn_net_zero_grad(b->dae));
  ALCN_CHECK(alcn_net_forward(b->dae, b->xt, b->B, 1, &y));
  ALCN_CHECK(o->loss(b->be, &b->loss, b->lossv, b->dpred, y, b->x, b->B, b->C, b->H, b->W, 1.0f));
  ALCN_CHECK(alcn_net_backward(b->dae, b->dpred, NULL));
  return alcn_net_adam_step(b->dae, &b->adam_dae);
}

static alcn_status infer_dae(bench *b) {
  const float *y;
  ALCN_CHECK(alcn_net_forward(b->dae, b->x, b->B, 0, &y));
  return b->be->ops->sq_err_per_image(b->be, b->scores, y, b->x, b->B, b->D);
}

static alcn_status infer_alcn(bench *b) {
  const float *g, *y;
  ALCN_CHECK(draw(b));
  ALCN_CHECK(alcn_net_forward(b->gen, b->z, b->B, 0, &g));
  ALCN_CHECK(alcn_net_forward(b->dae, b->x, b->B, 0, &y));
  return b->be->ops->sq_err_per_image(b->be, b->scores, y, b->x, b->B, b->D);
}

static alcn_status setup(bench *b, const char *device, int B, int S, alcn_loss_kind loss) {
  memset(b, 0, sizeof *b);
  b->B = B;
  b->C = 1;
  b->H = b->W = S;
  b->D = S * S;
  b->loss.kind = loss;
  b->loss.ffl_alpha = 1.0f;
  b->adam_dae = (alcn_adam_hparams){1e-5f, 0.9f, 0.999f, 1e-8f, 0.0f};
  b->adam_gen = (alcn_adam_hparams){8e-3f, 0.9f, 0.999f, 1e-8f, 0.0f};
  ALCN_CHECK(alcn_backend_create(&b->be, device, 0, 0));
  ALCN_CHECK(alcn_model_dae(&b->dae, b->be, b->C, S, S, "paper"));
  ALCN_CHECK(alcn_model_noise_gen(&b->gen, b->be, b->C, S, S, ALCN_NOISE_ZDIM, "paper"));
  ALCN_CHECK(alcn_net_finalize(b->dae, B, 1, ALCN_INIT_TORCH));
  ALCN_CHECK(alcn_net_finalize(b->gen, B, 2, ALCN_INIT_TORCH));
  const size_t img = (size_t)B * b->D * sizeof(float);
  float **bufs[] = {&b->x, &b->xt, &b->dxt, &b->dnoise, &b->dpred};
  for (size_t i = 0; i < sizeof bufs / sizeof *bufs; ++i) {
    *bufs[i] = alcn_backend_alloc(b->be, img);
    if (!*bufs[i]) ALCN_FAIL(ALCN_ERR_NOMEM, "out of %s memory for batch %d (hint: lower --batch)", b->be->name, B);
  }
  b->z = alcn_backend_alloc(b->be, (size_t)B * ALCN_NOISE_ZDIM * sizeof(float));
  b->a = alcn_backend_alloc(b->be, (size_t)B * sizeof(float));
  b->scores = alcn_backend_alloc(b->be, (size_t)B * sizeof(float));
  b->lossv = alcn_backend_alloc(b->be, sizeof(float));
  if (!b->z || !b->a || !b->scores || !b->lossv) ALCN_FAIL(ALCN_ERR_NOMEM, "out of %s memory", b->be->name);
  /* the batch: uniform pixels, as the peer's make_batch */
  float *h = malloc(img);
  ALCN_CHECK_ALLOC(h, img);
  alcn_rng_uniform(h, (size_t)B * b->D, 7, 0, 0.0f, 1.0f);
  alcn_status st = b->be->ops->upload(b->be, b->x, h, img);
  free(h);
  return st;
}

static void teardown(bench *b) {
  if (!b->be) return;
  float *bufs[] = {b->x, b->xt, b->dxt, b->dnoise, b->dpred, b->z, b->a, b->scores, b->lossv};
  for (size_t i = 0; i < sizeof bufs / sizeof *bufs; ++i) alcn_backend_free(b->be, bufs[i]);
  alcn_net_destroy(b->dae);
  alcn_net_destroy(b->gen);
  alcn_backend_destroy(b->be);
}

typedef alcn_status (*case_fn)(bench *b);

int main(int argc, char **argv) {
  const char *device = "cuda", *json = NULL, *lossname = "mse";
  int B = 4096, iters = 10, warmup = 3, S = 28;
  for (int i = 1; i < argc; ++i) {
    const char *v = i + 1 < argc ? argv[i + 1] : NULL;
    if (!strcmp(argv[i], "--device") && v) device = argv[++i];
    else if (!strcmp(argv[i], "--batch") && v) B = atoi(argv[++i]);
    else if (!strcmp(argv[i], "--iters") && v) iters = atoi(argv[++i]);
    else if (!strcmp(argv[i], "--warmup") && v) warmup = atoi(argv[++i]);
    else if (!strcmp(argv[i], "--size") && v) S = atoi(argv[++i]);
    else if (!strcmp(argv[i], "--loss") && v) lossname = argv[++i];
    else if (!strcmp(argv[i], "--json") && v) json = argv[++i];
    else {
      fprintf(stderr,
              "usage: %s [--device cuda|cpu|auto] [--batch B] [--iters n] [--warmup n] [--loss mse|ffl] "
              "[--size S] [--json FILE]\n",
              argv[0]);
      return 2;
    }
  }
  if (B <= 0 || iters <= 0 || warmup < 0 || S < 9) {
    fprintf(stderr, "bench_cuda_step: need --batch > 0, --iters > 0, --warmup >= 0, --size >= 9\n");
    return 2;
  }
  alcn_loss_kind lk;
  if (!strcmp(lossname, "mse")) lk = ALCN_LOSS_MSE;
  else if (!strcmp(lossname, "ffl")) lk = ALCN_LOSS_FFL;
  else {
    fprintf(stderr, "bench_cuda_step: unknown --loss '%s' (valid: mse, ffl)\n", lossname);
    return 2;
  }
  bench b;
  alcn_status st = setup(&b, device, B, S, lk);
  if (st != ALCN_OK) {
    fprintf(stderr, "bench_cuda_step: %s\n", alcn_last_error());
    teardown(&b);
    return 1;
  }
  printf("# bench_cuda_step: %s, batch %d, 1x%dx%d, loss %s, %d iters after %d warm-up\n", b.be->description, B, S,
         S, lossname, iters, warmup);
  static const char *names[] = {"alcn_train", "dae_train", "infer_dae", "infer_alcn"};
  const case_fn fns[] = {alcn_train, dae_train, infer_dae, infer_alcn};
  double med[4], mn[4], mx[4];
  double *ts = malloc((size_t)iters * sizeof *ts);
  if (!ts) return 1;
  for (int c = 0; c < 4; ++c) {
    for (int i = 0; i < warmup + iters && st == ALCN_OK; ++i) {
      const double t0 = now_s();
      st = fns[c](&b);
      if (st == ALCN_OK) st = b.be->ops->sync(b.be);
      if (i >= warmup) ts[i - warmup] = now_s() - t0;
    }
    if (st != ALCN_OK) {
      fprintf(stderr, "bench_cuda_step: %s failed: %s\n", names[c], alcn_last_error());
      free(ts);
      teardown(&b);
      return 1;
    }
    qsort(ts, (size_t)iters, sizeof *ts, cmp_d);
    med[c] = ts[iters / 2];
    mn[c] = ts[0];
    mx[c] = ts[iters - 1];
    printf("%-10s loss=%-3s C=1 B=%-5d median %9.4f s (min %.4f max %.4f)  %10.1f img/s\n", names[c],
           c < 2 ? lossname : "-", B, med[c], mn[c], mx[c], B / med[c]);
    fflush(stdout);
  }
  float lossv = NAN;
  (void)b.be->ops->download(b.be, &lossv, b.lossv, sizeof lossv);
  const size_t peak = b.be->ops->peak_memory ? b.be->ops->peak_memory(b.be) : 0;
  printf("# last training loss %.6g, peak backend memory %.1f MiB\n", (double)lossv, (double)peak / 1048576.0);
  if (json) {
    FILE *f = fopen(json, "w");
    if (!f) {
      fprintf(stderr, "bench_cuda_step: cannot write %s\n", json);
    } else {
      fprintf(f, "{\"program\": \"bench_cuda_step\", \"device\": \"%s\", \"batch\": %d, \"size\": %d, \"loss\": \"%s\", "
                 "\"iters\": %d, \"warmup\": %d, \"peak_backend_bytes\": %zu, \"rows\": [",
              b.be->description, B, S, lossname, iters, warmup, peak);
      for (int c = 0; c < 4; ++c)
        fprintf(f, "%s\n  {\"case\": \"%s\", \"loss\": \"%s\", \"B\": %d, \"median_s\": %.6g, \"min_s\": %.6g, "
                   "\"max_s\": %.6g, \"imgs_per_s\": %.6g}",
                c ? "," : "", names[c], c < 2 ? lossname : "-", B, med[c], mn[c], mx[c], B / med[c]);
      fprintf(f, "\n]}\n");
      fclose(f);
    }
  }
  free(ts);
  teardown(&b);
  return 0;
}
