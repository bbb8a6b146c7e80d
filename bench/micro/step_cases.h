/* The paper's DAE and DAE+ALCN as four timed cases, shared by bench_layers
 * (CPU/GPU vs PyTorch) and bench_cuda_step (gpu-check.sh). They time the
 * plugins themselves, as a run uses them (ABI 2): a training step is the
 * method's train_step (for dae + alcn, Algorithm 1: the noise ascent and the
 * DAE descent), inference is score / score_with_noise. The cases:
 * "dae_train" (dae + none), "alcn_train" (dae + alcn), "infer_dae",
 * "infer_alcn" (score with the noise generated too). */
#ifndef ALCN_BENCH_STEP_CASES_H
#define ALCN_BENCH_STEP_CASES_H

#include <stdint.h>

#include "alcn/backend.h"
#include "alcn/loader.h"

typedef struct step_bench {
  alcn_backend *be;      /* not owned */
  alcn_registry reg;
  const alcn_method_desc *dae;
  void *plain, *alcn;    /* dae + none, dae + alcn */
  int B, C, H, W;
  float *x, *scores;
  uint64_t step_plain, step_alcn;
  double last_loss;      /* of the last training case run */
} step_bench;

typedef alcn_status (*step_case_fn)(step_bench *b);
enum { SB_NCASES = 4 };
/* "dae_train", "alcn_train", "infer_dae", "infer_alcn" and their functions */
extern const char *const SB_CASES[SB_NCASES];
extern const step_case_fn SB_CASE_FN[SB_NCASES];

/* The dae plugin with noises none and alcn at their defaults (the paper's
 * nets and learning rates) for 1 x S x S images, batch B, loss `loss`, on be;
 * the batch is uniform pixels, as the peer's make_batch. */
alcn_status sb_setup(step_bench *b, alcn_backend *be, int B, int S, alcn_loss_kind loss);
void sb_teardown(step_bench *b);
/* median / min / max seconds of fn over iters runs after warmup runs (timing.h: backend timer marks). */
alcn_status sb_time_case(step_bench *b, step_case_fn fn, int iters, int warmup, double *med, double *mn, double *mx);

#endif
