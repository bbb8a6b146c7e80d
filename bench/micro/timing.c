/* bt_time_case (timing.h). */
#include "timing.h"

#include <stdlib.h>

static int cmp_d(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}

alcn_status bt_time_case(alcn_backend *be, bt_case_fn fn, void *ctx, int iters, int warmup, bt_stats *out) {
  if (iters < 1 || warmup < 0)
    ALCN_FAIL(ALCN_ERR_ARG, "timing needs iters >= 1 and warmup >= 0 (got %d, %d)", iters, warmup);
  double *ts = malloc((size_t)iters * sizeof *ts);
  ALCN_CHECK_ALLOC(ts, (size_t)iters * sizeof *ts);
  alcn_status st = ALCN_OK;
  for (int i = 0; i < warmup + iters; ++i) {
    double ms = 0.0;
    if ((st = alcn_timer_mark(be, 0)) != ALCN_OK || (st = fn(ctx)) != ALCN_OK ||
        (st = alcn_timer_mark(be, 1)) != ALCN_OK || (st = alcn_timer_elapsed_ms(be, 0, 1, &ms)) != ALCN_OK)
      break;
    if (i >= warmup) ts[i - warmup] = ms;
  }
  if (st == ALCN_OK) {
    qsort(ts, (size_t)iters, sizeof *ts, cmp_d);
    out->med_ms = iters % 2 ? ts[iters / 2] : 0.5 * (ts[iters / 2 - 1] + ts[iters / 2]);
    out->min_ms = ts[0];
    out->max_ms = ts[iters - 1];
  }
  free(ts);
  return st;
}
