/* `alcnbench table5 --rounds R`: the table measured R times over (ours, then
 * the peers, each round), folded into one. On a shared machine the speed of
 * the cores drifts over minutes (a VM's virtual CPUs may share one core's
 * hyperthreads for a while, or lose time to other guests), and ours and the
 * peers' run minutes apart: one round's ratio can be off by 10% either way.
 * So each round's ratio pairs ours with that round's fastest peer, and the
 * table gives their median and range; times are medians of the rounds'
 * medians (min and max: of every run). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "table5.h"

static int cmp_double(const void *a, const void *b) {
  const double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}

/* Median of the non-NAN values of v[0..n) (NAN: none); lo/hi their extremes. */
static double median_of(const double *v, int n, double *lo, double *hi) {
  double s[T5_MAX_ROUNDS];
  int m = 0;
  for (int i = 0; i < n && m < T5_MAX_ROUNDS; ++i)
    if (!isnan(v[i])) s[m++] = v[i];
  if (lo) *lo = NAN;
  if (hi) *hi = NAN;
  if (!m) return NAN;
  qsort(s, (size_t)m, sizeof *s, cmp_double);
  if (lo) *lo = s[0];
  if (hi) *hi = s[m - 1];
  return m % 2 ? s[m / 2] : 0.5 * (s[m / 2 - 1] + s[m / 2]);
}

/* One case from its R rounds (case j of item i of each round, rounds stride items apart). */
static void combine_case(t5_case *c, const t5_item *rounds, int R, size_t stride, int i, int j, int n_peers) {
  double v[T5_MAX_ROUNDS], ratio[T5_MAX_ROUNDS];
  c->rounds = R;
  for (int r = 0; r < R; ++r) {
    const t5_case *cr = &rounds[r * stride + i].c[j];
    c->ours_round[r] = cr->med;
    c->torch_round[r] = cr->torch_ms;
    ratio[r] = cr->torch_ms / cr->med; /* NAN where the round had no peer */
    c->mn = r ? fmin(c->mn, cr->mn) : cr->mn;
    c->mx = r ? fmax(c->mx, cr->mx) : cr->mx;
  }
  c->med = median_of(c->ours_round, R, NULL, NULL);
  c->speedup = median_of(ratio, R, &c->speedup_lo, &c->speedup_hi);
  for (int k = 0; k < n_peers; ++k) {
    t5_peer_ms *pm = &c->peer[k];
    for (int r = 0; r < R; ++r) v[r] = rounds[r * stride + i].c[j].peer[k].ms;
    pm->ms = median_of(v, R, NULL, NULL);
    for (int r = 0; r < R; ++r) v[r] = rounds[r * stride + i].c[j].peer[k].native_ms;
    pm->native_ms = median_of(v, R, NULL, NULL);
    for (int r = 0; r < R; ++r) v[r] = rounds[r * stride + i].c[j].peer[k].fast_ms;
    pm->fast_ms = median_of(v, R, NULL, NULL);
  }
  c->fastest = -1; /* t5_pick_fastest, over the medians */
  c->torch_ms = c->torch_native_ms = c->torch_fast_ms = NAN;
}

void t5_combine_rounds(t5_item *out, const t5_item *rounds, int n_rounds, size_t stride, int n, int n_peers) {
  const int R = n_rounds < 1 ? 1 : n_rounds > T5_MAX_ROUNDS ? T5_MAX_ROUNDS : n_rounds;
  for (int i = 0; i < n; ++i) {
    t5_item *it = &out[i];
    *it = rounds[i]; /* names, parameters, device: round 0's */
    for (size_t r = 1; r < (size_t)R; ++r) {
      const t5_item *ir = &rounds[r * stride + i];
      if (it->ok && !ir->ok) { /* a round that failed fails the item, with its error */
        it->ok = 0;
        memcpy(it->error, ir->error, sizeof it->error);
      }
      if (ir->peak_host > it->peak_host) it->peak_host = ir->peak_host;
      if (ir->peak_device > it->peak_device) it->peak_device = ir->peak_device;
    }
    if (!it->ok) continue;
    for (int j = 0; j < it->n; ++j) combine_case(&it->c[j], rounds, R, stride, i, j, n_peers);
  }
  t5_pick_fastest(out, n, n_peers);
}
