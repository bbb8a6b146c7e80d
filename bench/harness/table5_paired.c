/* `alcnbench table5 --paired`: ours and the peers timed case by case, in
 * turn. Without it each round times all of ours, then all of the peers
 * (minutes, with torch.compile's compilations): on a shared machine whose
 * speed drifts over minutes the two sides of a round's ratio can run at
 * different speeds. Here every peer (and --deconv variant) is a server
 * (bench/scripts/peer_serve.py, torch_peer.h) started once; for each case of
 * each item, R rounds in a row: ours (its own child process, t5_measure with
 * only that case) and each peer, ours first in odd rounds and the peers
 * first in even ones. A round's two sides then run seconds apart. The
 * rounds are folded as without --paired (table5_rounds.c). */
#define _POSIX_C_SOURCE 200809L
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "table5.h"
#include "torch_peer.h"

typedef struct t5_servers {
  tp_server s[T5_MAX_PEERS][4]; /* by peer, then --deconv variant; pid 0: not running */
} t5_servers;

static void start_servers(const t5_opts *o, const t5_peers *pe, t5_servers *sv) {
  for (int k = 0; k < pe->n; ++k)
    for (int v = 0; v < o->n_deconv && v < 4; ++v) {
      if (!o->quiet)
        fprintf(stderr, "table5: starting the PyTorch peer server %s (%s, --deconv %s)\n", pe->p[k].label,
                pe->p[k].python, o->deconv[v]);
      if (tp_server_start(&sv->s[k][v], &pe->p[k], o->deconv[v], o->threads, o->quiet) != ALCN_OK) {
        const char *e = alcn_last_error();
        fprintf(stderr, "table5: warning: no times from it: %.*s\n", (int)strcspn(e, "\n"), e);
      }
    }
}

static void stop_servers(const t5_opts *o, const t5_peers *pe, t5_servers *sv) {
  for (int k = 0; k < pe->n; ++k)
    for (int v = 0; v < o->n_deconv && v < 4; ++v) tp_server_stop(&sv->s[k][v]);
}

/* Case c of item it, once, on every running server: c->peer[] (NAN where
 * none), one warning per failure (a server that exits or answers garbage is
 * stopped, and gives no more times). */
static void time_peers(const t5_opts *o, const t5_peers *pe, t5_servers *sv, const t5_item *it, t5_case *c) {
  for (int k = 0; k < T5_MAX_PEERS; ++k) c->peer[k].ms = c->peer[k].native_ms = c->peer[k].fast_ms = NAN;
  const char *pc = t5_peer_case(it, c);
  if (!pc) return;
  const int train = !strcmp(c->kase, "train_step"), lat = c->batch == o->lat_batch && c->batch != o->batch;
  for (int k = 0; k < pe->n; ++k)
    for (int v = 0; v < o->n_deconv && v < 4; ++v) {
      tp_server *s = &sv->s[k][v];
      if (!s->pid) continue;
      double med;
      if (tp_server_time(s, pc, train ? o->loss : "-", o->C, c->batch, lat ? o->lat_iters : o->iters,
                         lat ? t5_lat_warmup(o) : o->warmup, &med, NULL, NULL) != ALCN_OK) {
        const char *e = alcn_last_error();
        fprintf(stderr, "table5: warning: %.*s\n", (int)strcspn(e, "\n"), e);
        continue;
      }
      t5_peer_ms *pm = &c->peer[k];
      const double ms = med * 1e3;
      if (!strcmp(o->deconv[v], "fast")) pm->fast_ms = ms;
      else pm->native_ms = ms;
      if (isnan(pm->ms) || ms < pm->ms) pm->ms = ms;
    }
}

/* Ours, case j of item i once: its times into *c; 0 (the error in *it) when it failed. */
static int time_ours(const t5_opts *o, const alcn_method_desc *m, const alcn_noise_desc *nz, int j, t5_item *it,
                     t5_case *c) {
  t5_opts one = *o;
  one.only_case = j;
  t5_item got;
  memset(&got, 0, sizeof got);
  t5_measure(&one, m, nz, &got);
  if (!got.ok || j >= got.n) {
    it->ok = 0;
    snprintf(it->error, sizeof it->error, "%s", got.ok ? "the case list changed between runs" : got.error);
    return 0;
  }
  c->med = got.c[j].med;
  c->mn = got.c[j].mn;
  c->mx = got.c[j].mx;
  if (got.peak_host > it->peak_host) it->peak_host = got.peak_host;
  if (got.peak_device > it->peak_device) it->peak_device = got.peak_device;
  return 1;
}

void t5_run_paired(const t5_opts *o, t5_peers *pe, const alcn_method_desc *const *im,
                   const alcn_noise_desc *const *inz, t5_item *rounds, size_t stride, int n_items, int *rc) {
  const int R = o->rounds;
  for (int r = 1; r < R; ++r) memcpy(rounds + (size_t)r * stride, rounds, (size_t)n_items * sizeof *rounds);
  t5_servers sv;
  memset(&sv, 0, sizeof sv);
  int any = 0; /* a case the peers know */
  for (int i = 0; i < n_items && !any; ++i)
    for (int j = 0; j < rounds[i].n && !any; ++j) any = rounds[i].ok && t5_peer_case(&rounds[i], &rounds[i].c[j]);
  if (any && t5_peers_may_run(o)) {
    if (!pe->found) {
      t5_find_peers(o, pe, 0);
      pe->found = 1;
    }
    start_servers(o, pe, &sv);
  }
  for (int r = 0; r < R; ++r) t5_clear_peer_times(rounds + (size_t)r * stride, n_items);
  for (int i = 0; i < n_items; ++i) {
    if (!rounds[i].ok) continue;
    for (int j = 0; j < rounds[i].n; ++j) {
      for (int r = 0; r < R; ++r) {
        t5_item *it = &rounds[(size_t)r * stride + i];
        t5_case *c = &it->c[j];
        const int peers_first = r % 2;
        if (peers_first) time_peers(o, pe, &sv, it, c);
        if (!time_ours(o, im[i], inz[i], j, it, c)) {
          fprintf(stderr, "table5: %s + %s failed: %s\n", it->method, it->noise, it->error);
          *rc = 1;
          for (int q = 0; q < R; ++q) { /* the item fails in every round, with this error */
            t5_item *iq = &rounds[(size_t)q * stride + i];
            iq->ok = 0;
            memcpy(iq->error, it->error, sizeof iq->error);
          }
          break;
        }
        if (!peers_first) time_peers(o, pe, &sv, it, c);
        if (!o->quiet) {
          int f = -1;
          for (int k = 0; k < pe->n; ++k)
            if (!isnan(c->peer[k].ms) && (f < 0 || c->peer[k].ms < c->peer[f].ms)) f = k;
          fprintf(stderr, "table5: %s %s b%d, round %d of %d (%s): ours %.4g ms", it->label, c->kase, c->batch, r + 1,
                  R, peers_first ? "the peers, then ours" : "ours, then the peers", c->med);
          if (f >= 0) fprintf(stderr, ", fastest peer %.4g ms (%s)", c->peer[f].ms, pe->p[f].label);
          fputc('\n', stderr);
        }
      }
      if (!rounds[i].ok) break;
    }
  }
  stop_servers(o, pe, &sv);
  for (int r = 0; r < R; ++r) t5_pick_fastest(rounds + (size_t)r * stride, n_items, pe->n);
}
