/* The paper's DAE and DAE+ALCN on one backend as four timed cases, shared by
 * bench_layers (CPU/GPU vs PyTorch) and bench_cuda_step (gpu-check.sh): a DAE
 * training step, a DAE+ALCN training step (Algorithm 1, as the PyTorch peer's
 * alcn_step), DAE inference and DAE+ALCN inference (the noise generator run too). */
#ifndef ALCN_BENCH_STEP_CASES_H
#define ALCN_BENCH_STEP_CASES_H

#include <stdint.h>

#include "alcn/backend.h"
#include "alcn/net.h"

typedef struct step_bench {
  alcn_backend *be;      /* not owned */
  alcn_net *dae, *gen;
  int B, C, H, W, D;
  alcn_loss_cfg loss;
  alcn_adam_hparams adam_dae, adam_gen;
  float *x, *xt, *dxt, *dnoise, *dpred, *z, *a, *lossv, *scores;
  uint64_t step;
} step_bench;

typedef alcn_status (*step_case_fn)(step_bench *b);
enum { SB_NCASES = 4 };
/* "dae_train", "alcn_train", "infer_dae", "infer_alcn" and their functions */
extern const char *const SB_CASES[SB_NCASES];
extern const step_case_fn SB_CASE_FN[SB_NCASES];

/* Paper nets for 1 x S x S images, batch B, on be (MSE loss until b->loss is set);
 * the batch is uniform pixels, as the peer's make_batch. */
alcn_status sb_setup(step_bench *b, alcn_backend *be, int B, int S);
void sb_teardown(step_bench *b);
double sb_now_s(void);
/* median / min / max seconds of fn over iters runs after warmup runs (timing.h: backend timer marks). */
alcn_status sb_time_case(step_bench *b, step_case_fn fn, int iters, int warmup, double *med, double *mn, double *mx);

#endif
