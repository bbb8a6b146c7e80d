/* Timing of a benchmark case on a backend: median, min and max over timed
 * runs after warm-up runs, each run between two backend timer marks (CUDA
 * events on the GPU, the monotonic clock on the CPU; backend.h). */
#ifndef ALCN_BENCH_TIMING_H
#define ALCN_BENCH_TIMING_H

#include "alcn/backend.h"

typedef struct bt_stats {
  double med_ms, min_ms, max_ms;
} bt_stats;

/* One run of the case: enqueue its work on be (it need not sync). */
typedef alcn_status (*bt_case_fn)(void *ctx);

/* iters >= 1 timed runs after warmup runs of fn(ctx) on be. */
alcn_status bt_time_case(alcn_backend *be, bt_case_fn fn, void *ctx, int iters, int warmup, bt_stats *out);

#endif
