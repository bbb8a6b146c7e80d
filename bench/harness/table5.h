/* `alcnbench table5` inside: the options, the measured items and the pieces
 * of the command, one concern per file:
 *   table5.c          the command: plugins, items, order of the steps
 *   table5_cli.c      flags (alcn/args.h) and --help
 *   table5_measure.c  timing one method (+ noise) through the plugin
 *                     interface, in a child process of its own
 *   table5_peers.c    the published Table 5 (CSV) and the PyTorch peers beside ours
 *   table5_rounds.c   --rounds: the rounds' times and ratios into one table
 *   table5_output.c   the printed table, --json and the --out records */
#ifndef ALCN_BENCH_TABLE5_H
#define ALCN_BENCH_TABLE5_H

#include <stdint.h>
#include <stdio.h>

#include "alcn/plugin.h"
#include "alcn/status.h"
#include "torch_peer.h"

#define T5_MAX_CASES 8
#define T5_MAX_ITEMS 32
#define T5_PAPER_BATCH 4096 /* the batch of the published inference times */
#define T5_MAX_PEERS 6      /* PyTorch peers side by side (interpreter x eager/compile) */
#define T5_MAX_ROUNDS 20    /* --rounds: ours then the peers, this many times over */

typedef struct t5_opts {
  int C, H, W;
  const char *device;
  int threads, batch, lat_batch, lat_iters, iters, warmup, train, fork, quiet, no_torch, no_compile, rounds;
  int paired;   /* --paired: case by case, ours and the peers in turn (table5_paired.c) */
  int only_case; /* t5_measure: -1 time every case; k >= 0 only the item's case k; -2 none (describe only) */
  long epoch_images;
  uint64_t seed;
  const char *loss;
  const char *methods[T5_MAX_ITEMS], *noises[T5_MAX_ITEMS], *deconv[4];
  const char *pythons[T5_MAX_PEERS]; /* --python; none: $ALCN_PYTHON or python3, + the peer-env venv */
  int n_methods, n_noises, n_deconv, n_pythons;
  const char *json, *out, *plugin_path, *paper_csv;
  /* measured by table5.c, not flags: the share of the online CPUs (cpus) that
   * other processes kept busy while we and the peers ran (machine_load.h) */
  double other_load;
  int cpus;
} t5_opts;

/* The PyTorch peers that run (table5_peers.c), in column order. */
typedef struct t5_peers {
  int n;
  int found; /* probed once: every --rounds round runs the same peers, in the same columns */
  tp_peer p[T5_MAX_PEERS];
} t5_peers;

/* One peer's times of one case, ms (NAN: none). */
typedef struct t5_peer_ms {
  double ms;               /* the faster --deconv variant */
  double native_ms, fast_ms;
} t5_peer_ms;

/* One timed case of one method. */
typedef struct t5_case {
  char kase[24];           /* train_step | infer | infer_with_noise */
  int batch;
  double med, mn, mx;      /* ms */
  t5_peer_ms peer[T5_MAX_PEERS]; /* by t5_peers index */
  int fastest;             /* the fastest peer's index, -1: none */
  double torch_ms, torch_native_ms, torch_fast_ms; /* the fastest peer's */
  double published_ms;
  /* --rounds R (table5_rounds.c): med and each peer's ms are the medians of
   * the rounds' medians, mn/mx the extremes of all runs; per round, ours and
   * that round's fastest peer, and the speed-up: torch_round / ours_round,
   * whose median and range are speedup, speedup_lo, speedup_hi (NAN: no peer) */
  int rounds;
  double ours_round[T5_MAX_ROUNDS], torch_round[T5_MAX_ROUNDS];
  double speedup, speedup_lo, speedup_hi;
} t5_case;

/* The results of one method (+ noise), as the child process sends them. */
typedef struct t5_item {
  char method[64], noise[64];
  char method_label[64], noise_label[64]; /* the descriptors' labels ("" = no noise) */
  char label[128];         /* composed: "DAE+ALCN", "GANomaly" */
  int ok;
  char error[512];
  char device[160], be_name[16];
  long long params_method, params_noise, peak_host, peak_device; /* peak_device -1: not tracked */
  double published_params_m;
  int n;
  t5_case c[T5_MAX_CASES];
} t5_item;

/* A row of the published Table 5. */
typedef struct t5_paper_row {
  char name[32]; /* the paper's label: "DAE", "DAE+ALCN", "GANomaly" */
  double params_m, ms_mnist, ms_cifar;
} t5_paper_row;

/* Warm-up runs of the latency row (ours and the peers'): a tenth of its runs. */
static inline int t5_lat_warmup(const t5_opts *o) { return (o->lat_iters + 9) / 10; }

/* table5_cli.c: defaults, then argv[1..]. ALCN_ARGS_HELP-style outcome in *help. */
alcn_status t5_parse_opts(t5_opts *o, int argc, char **argv, int *help);
void t5_usage(FILE *f);

/* table5_measure.c: fill *it for method m (+ noise nz, NULL for none), in a
 * child process unless o->fork == 0; failures go to it->ok / it->error. */
void t5_measure(const t5_opts *o, const alcn_method_desc *m, const alcn_noise_desc *nz, t5_item *it);

/* table5_peers.c */
int t5_load_paper(const char *path, t5_paper_row *rows, int cap);
const t5_paper_row *t5_paper_for(const t5_paper_row *rows, int n, const char *label);
/* The PyTorch peers (pe: zeroed before the first call, which finds them; later
 * calls reuse them) and their times for the cases they know (peer[], fastest,
 * torch_*_ms). */
void t5_run_peers(const t5_opts *o, t5_peers *pe, t5_item *items, int n);
/* 1 when the peers may run (not --no-torch, the peer's 28x28 shape, the
 * script present); else 0, having said why unless quiet. */
int t5_peers_may_run(const t5_opts *o);
/* The peers that run, in column order (once: pe->found is set by the caller). */
void t5_find_peers(const t5_opts *o, t5_peers *pe, int cuda);
/* The peer's case for one of ours ("alcn_train", "infer_dae", ...), NULL: none. */
const char *t5_peer_case(const t5_item *it, const t5_case *c);
/* No peer times yet (NAN, no fastest). */
void t5_clear_peer_times(t5_item *items, int n);
/* Each case's fastest peer (fastest, torch_*_ms) from peer[].ms. */
void t5_pick_fastest(t5_item *items, int n, int n_peers);
/* The peer times of `from` (t5_run_peers on the same items, same cases) into
 * items: case by case where method, noise, case and batch agree. */
void t5_take_peers_from(t5_item *items, const t5_item *from, int n);

/* table5_rounds.c: out[0..n) from rounds[r * stride + i] (r < n_rounds, the
 * same items in the same order each round; every peer index the same). */
void t5_combine_rounds(t5_item *out, const t5_item *rounds, int n_rounds, size_t stride, int n, int n_peers);

/* table5_paired.c: --paired. rounds[r * stride + i] (r < o->rounds, i <
 * n_items) start as the items described (round 0's copied to every round);
 * each case of each item is timed o->rounds times in a row, ours and every
 * peer in turn (ours first in odd rounds), the peers as servers started
 * once. Items whose case fails are marked failed, *rc = 1. */
void t5_run_paired(const t5_opts *o, t5_peers *pe, const alcn_method_desc *const *im,
                   const alcn_noise_desc *const *inz, t5_item *rounds, size_t stride, int n_items, int *rc);

/* table5_output.c */
void t5_print_table(const t5_opts *o, const t5_peers *pe, const t5_item *items, int n, const char *dataset_col);
alcn_status t5_write_outputs(const t5_opts *o, const t5_peers *pe, const t5_item *items, int n);

#endif
