/* The host's training loop (ABI 2: the host owns it, plugins own one step):
 * one epoch of a method over the shuffled batches, with the same NaN/Inf
 * checks, Ctrl-C handling, step timing and progress for every plugin. */
#include <math.h>
#include <string.h>

#include "alcn/clock.h"
#include "bench.h"

alcn_status ab_train_epoch(const alcn_method_desc *md, const alcn_noise_desc *nd, void *state, ab_batches *b,
                           int epoch, uint64_t *step, ab_epoch_stats *es) {
  memset(es, 0, sizeof *es);
  es->loss = es->aux_loss = NAN;
  if (md->epoch_begin) ALCN_CHECK(md->epoch_begin(state, epoch));
  double sum = 0.0, sum_aux = 0.0;
  int have_aux = 0;
  for (;;) {
    if (ab_interrupted) return ALCN_ERR_INTERRUPTED;
    const float *x;
    int n, r = ab_batches_next(b, &x, &n);
    if (r < 0) ALCN_FAIL((alcn_status)-r, "the training batch could not be prepared: %s", alcn_last_error());
    if (r == 0) break;
    alcn_step_stats ss;
    memset(&ss, 0, sizeof ss);
    double t0 = alcn_clock_s();
    alcn_status s = md->train_step(state, x, n, *step, &ss);
    es->step_seconds += alcn_clock_s() - t0;
    if (ab_interrupted) return ALCN_ERR_INTERRUPTED;
    if (s != ALCN_OK) {
      alcn_error_trace(__FILE__, __LINE__, "train_step");
      return s;
    }
    if (!isfinite(ss.loss))
      ALCN_FAIL(ALCN_ERR_NUMERIC, "method %s: the training loss became %g at step %llu (hint: lower lr)", md->id,
                ss.loss, (unsigned long long)*step);
    if (ss.has_aux && !isfinite(ss.aux_loss))
      ALCN_FAIL(ALCN_ERR_NUMERIC, "%s %s: its loss became %g at step %llu (hint: lower its lr)",
                nd && md->hosts_noise ? "noise" : "method", nd && md->hosts_noise ? nd->id : md->id, ss.aux_loss,
                (unsigned long long)*step);
    sum += ss.loss * n;
    if (ss.has_aux) {
      sum_aux += ss.aux_loss * n;
      have_aux = 1;
    }
    es->images += n;
    es->steps++;
    es->events += ss.events;
    ++*step;
  }
  if (md->epoch_end) ALCN_CHECK(md->epoch_end(state, epoch));
  if (es->images) {
    es->loss = sum / (double)es->images;
    if (have_aux) es->aux_loss = sum_aux / (double)es->images;
  }
  return ALCN_OK;
}
