/* The PyTorch peer (../shared/peers/torch_alcn.py) as the benchmarks run it:
 * find python3 and the script, check that torch imports, run `bench` for one
 * set of cases in a child process (OPENBLAS_NUM_THREADS=1, the same --threads
 * as ours) and read back its --json rows. Used by bench_layers and
 * `alcnbench table5`. The peer knows the paper's 28x28 networks only. */
#ifndef ALCN_BENCH_TORCH_PEER_H
#define ALCN_BENCH_TORCH_PEER_H

#include <stddef.h>

#include "alcn/status.h"

typedef struct tp_row {
  char kase[24];   /* alcn_train | dae_train | infer_dae | infer_alcn */
  char loss[8];    /* mse | ffl | - */
  int C, B;
  double median_s, min_s, max_s;
} tp_row;

typedef struct tp_result {
  int n;
  tp_row *rows;    /* malloc'ed */
} tp_result;

/* The interpreter: $ALCN_PYTHON, else /usr/bin/python3. */
const char *tp_python(void);
/* The script: $ALCN_TORCH_PEER, else <source>/../shared/peers/torch_alcn.py. */
const char *tp_script(void);
/* 1 when the peer can run (script present, python imports torch, and
 * $ALCN_NO_TORCH is unset or "0"); else 0 with the reason in why[cap]. */
int tp_available(char *why, size_t cap);

/* Run `torch_alcn.py bench` with --deconv `deconv` on channels C, the given
 * batches, cases and losses; iters/warmup/threads as ours. The peer's own
 * lines go to stderr unless quiet. r is filled (release with tp_result_free). */
alcn_status tp_run(tp_result *r, const char *deconv, int C, const int *batches, int n_batches,
                   const char *const *cases, int n_cases, const char *const *losses, int n_losses, int iters,
                   int warmup, int threads, int quiet);
void tp_result_free(tp_result *r);
/* Median seconds of a row (loss "-" for inference cases), NAN when absent. */
double tp_find(const tp_result *r, const char *kase, const char *loss, int C, int B, double *min_s, double *max_s);

#endif
