/* `alcnbench table5` flags: the table (alcn/args.h), defaults and checks. */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "alcn/args.h"
#include "table5.h"

enum {
  F_SHAPE, F_DEVICE, F_THREADS, F_BATCH, F_LAT, F_ITERS, F_WARMUP,
  F_LAT_ITERS, F_LOSS, F_METHODS, F_NOISES, F_EPOCH_IMAGES,
  F_NO_TRAIN, F_NO_TORCH, F_PYTHON, F_NO_COMPILE, F_DECONV, F_NO_FORK, F_SEED, F_PLUGIN_PATH, F_PAPER_CSV, F_JSON,
  F_OUT, F_QUIET, F_ROUNDS, F_PAIRED
};

static const alcn_argspec SPECS[] = {
    {"shape", "CxHxW", "data-set shape: 1x28x28 (default) | 3x32x32 | 3x256x256 | any", F_SHAPE, 0},
    {"device", "D", "cpu | cuda | auto (default auto)", F_DEVICE, 0},
    {"threads", "T", "CPU threads, ours and PyTorch's (default: online cores)", F_THREADS, 0},
    {"batch", "B", "batch of the timed cases (default 4096 at <= 32 px, 16 above)", F_BATCH, 0},
    {"latency-batch", "B", "batch of the latency row (default 1; 0 = none)", F_LAT, 0},
    {"iters", "N", "timed runs (default 5)", F_ITERS, 0},
    {"warmup", "N", "warm-up runs before them (default 2)", F_WARMUP, 0},
    {"rounds", "R", "measure ours and the peers R times over, ours first in odd rounds and the peers first in even "
                    "ones; the table gives the medians and each ratio's range over the rounds (default 1; 3-5 on a "
                    "shared machine, whose speed drifts)", F_ROUNDS, 0},
    {"paired", NULL, "with --rounds: time case by case, ours and each peer in turn (peers kept running as servers, "
                     "bench/scripts/peer_serve.py), all rounds of a case in a row: the two sides run seconds apart, "
                     "not minutes (default: each round times all of ours, then all of the peers)", F_PAIRED, 0},
    {"latency-iters", "N", "timed runs of the latency row, ours and the peers' (default 200: one run is ~1 ms)",
     F_LAT_ITERS, 0},
    {"loss", "mse|ffl", "training loss (default mse)", F_LOSS, 0},
    {"methods", "a,b", "method plugins (default: every loaded one)", F_METHODS, 0},
    {"noises", "a,b", "noise plugins of methods that host one (default: every loaded one)", F_NOISES, 0},
    {"epoch-images", "N", "images per epoch for the epoch time (default 6000)", F_EPOCH_IMAGES, 0},
    {"no-train", NULL, "inference only", F_NO_TRAIN, 0},
    {"no-torch", NULL, "do not run the PyTorch peers (also: ALCN_NO_TORCH=1)", F_NO_TORCH, 0},
    {"python", "a,b", "interpreters whose torch runs the peer (default: $ALCN_PYTHON or /usr/bin/python3, and the "
                      "peer-env.sh venv's python when there is one)", F_PYTHON, 0},
    {"no-compile", NULL, "no torch.compile peer (default: one per interpreter with torch >= 2)", F_NO_COMPILE, 0},
    {"torch-deconv", "a,b", "each peer's --deconv variants (default native,fast; the faster counts)", F_DECONV, 0},
    {"no-fork", NULL, "run every method in this process (peak host memory is then cumulative)", F_NO_FORK, 0},
    {"seed", "S", "plugin seed (default 1)", F_SEED, 0},
    {"plugin-path", "DIR", "extra plugin folder", F_PLUGIN_PATH, 0},
    {"paper-csv", "FILE", "the published Table 5 (default reports/reference/table5_complexity.csv)", F_PAPER_CSV, 0},
    {"json", "FILE", "the table as JSON", F_JSON, 0},
    {"out", "DIR", "records DIR/table5/<case-id>.json (schema alcnbench.table5/1)", F_OUT, 0},
    {"quiet", NULL, "no progress lines", F_QUIET, 0},
    {NULL, NULL, NULL, 0, 0}};

void t5_usage(FILE *f) {
  alcn_args_help(f, "alcnbench table5 [flags]", SPECS,
                 "PyTorch peers (28x28 shapes only): $ALCN_TORCH_PEER (default\n"
                 "  <source>/../shared/peers/torch_alcn.py) run, side by side, by each --python interpreter\n"
                 "  that imports torch: eager, and with torch.compile where torch >= 2; each with the faster\n"
                 "  of its --torch-deconv variants. The table has a column per peer and the ratio against\n"
                 "  the fastest. Every peer gets our --threads and flushes denormals as we do; torch < 2\n"
                 "  (Debian's, OpenBLAS) also OPENBLAS_NUM_THREADS=1, as its OpenBLAS threads oversubscribe\n"
                 "  the cores otherwise; with ALCN_CPU_ISA=avx2, ATEN_CPU_CAPABILITY=avx2\n"
                 "  ONEDNN_MAX_CPU_ISA=AVX2 MKL_ENABLE_INSTRUCTIONS=AVX2 OPENBLAS_CORETYPE=Haswell (each\n"
                 "  unless set) hold the peers to our ISA. The header prints what each peer got.\n"
                 "environment: ALCN_PYTHON (the first default interpreter), ALCN_PEER_VENV (the venv of\n"
                 "  bench/scripts/peer-env.sh, default ~/.cache/alcnbench/peer-venv), ALCN_NO_TORCH=1 (no\n"
                 "  peers), ALCN_PEER_SERVE (--paired's server, default <source>/bench/scripts/peer_serve.py),\n"
                 "  ALCN_PEER_TIMEOUT (seconds a --paired server may take to answer, default 1800).\n"
                 "  The tests' peer is tests/bench/fake_peer.sh, a stand-in with fixed times.\n");
}

static int split_list(char *s, const char **out, int cap) {
  int n = 0;
  for (char *tok = strtok(s, ","); tok && n < cap; tok = strtok(NULL, ",")) out[n++] = tok;
  return n;
}

static void defaults(t5_opts *o) {
  memset(o, 0, sizeof *o);
  o->C = 1;
  o->H = o->W = 28;
  o->device = "auto";
  long nproc = sysconf(_SC_NPROCESSORS_ONLN);
  o->threads = nproc > 0 ? (int)nproc : 1;
  o->batch = -1;
  o->lat_batch = 1;
  o->iters = 5;
  o->warmup = 2;
  o->rounds = 1;
  o->only_case = -1;
  o->lat_iters = 200;
  o->train = 1;
  o->fork = 1;
  o->epoch_images = 6000;
  o->seed = 1;
  o->loss = "mse";
  o->deconv[0] = "native";
  o->deconv[1] = "fast";
  o->n_deconv = 2;
}

/* One flag's value into o. */
static alcn_status take(t5_opts *o, const alcn_args *a, int id) {
  long x = 0;
  char *v = (char *)a->value; /* argv storage: lists are split in place */
  switch (id) {
    case F_SHAPE: {
      int c, h, w;
      char tail;
      if (sscanf(v, "%dx%dx%d%c", &c, &h, &w, &tail) != 3 || c <= 0 || h <= 0 || w <= 0 || c > 64 || h > 4096 ||
          w > 4096)
        ALCN_FAIL(ALCN_ERR_ARG, "--shape '%s' is not CxHxW (e.g. 1x28x28, 3x32x32, 3x256x256)", v);
      o->C = c;
      o->H = h;
      o->W = w;
      return ALCN_OK;
    }
    case F_DEVICE:
      if (alcn_args_choice(a, "cpu|cuda|auto") != ALCN_OK) return ALCN_ERR_ARG;
      o->device = v;
      return ALCN_OK;
    case F_THREADS: if (alcn_args_long(a, 1, 1024, &x)) return ALCN_ERR_ARG; o->threads = (int)x; return ALCN_OK;
    case F_BATCH: if (alcn_args_long(a, 1, 1 << 20, &x)) return ALCN_ERR_ARG; o->batch = (int)x; return ALCN_OK;
    case F_LAT: if (alcn_args_long(a, 0, 1 << 20, &x)) return ALCN_ERR_ARG; o->lat_batch = (int)x; return ALCN_OK;
    case F_ITERS: if (alcn_args_long(a, 1, 100000, &x)) return ALCN_ERR_ARG; o->iters = (int)x; return ALCN_OK;
    case F_WARMUP: if (alcn_args_long(a, 0, 100000, &x)) return ALCN_ERR_ARG; o->warmup = (int)x; return ALCN_OK;
    case F_ROUNDS:
      if (alcn_args_long(a, 1, T5_MAX_ROUNDS, &x)) return ALCN_ERR_ARG;
      o->rounds = (int)x;
      return ALCN_OK;
    case F_LAT_ITERS:
      if (alcn_args_long(a, 1, 1000000, &x)) return ALCN_ERR_ARG;
      o->lat_iters = (int)x;
      return ALCN_OK;
    case F_EPOCH_IMAGES:
      if (alcn_args_long(a, 1, 1L << 40, &x)) return ALCN_ERR_ARG;
      o->epoch_images = x;
      return ALCN_OK;
    case F_SEED: if (alcn_args_long(a, 0, 0x7fffffffL, &x)) return ALCN_ERR_ARG; o->seed = (uint64_t)x; return ALCN_OK;
    case F_LOSS:
      if (alcn_args_choice(a, "mse|ffl") != ALCN_OK) return ALCN_ERR_ARG;
      o->loss = v;
      return ALCN_OK;
    case F_METHODS: o->n_methods = split_list(v, o->methods, T5_MAX_ITEMS); return ALCN_OK;
    case F_NOISES: o->n_noises = split_list(v, o->noises, T5_MAX_ITEMS); return ALCN_OK;
    case F_DECONV:
      o->n_deconv = split_list(v, o->deconv, 4);
      for (int k = 0; k < o->n_deconv; ++k)
        if (strcmp(o->deconv[k], "native") && strcmp(o->deconv[k], "fast"))
          ALCN_FAIL(ALCN_ERR_ARG, "--torch-deconv '%s' (valid: native, fast)", o->deconv[k]);
      return ALCN_OK;
    case F_JSON: o->json = v; return ALCN_OK;
    case F_OUT: o->out = v; return ALCN_OK;
    case F_PLUGIN_PATH: o->plugin_path = v; return ALCN_OK;
    case F_PAPER_CSV: o->paper_csv = v; return ALCN_OK;
    case F_NO_TRAIN: o->train = 0; return ALCN_OK;
    case F_NO_TORCH: o->no_torch = 1; return ALCN_OK;
    case F_NO_COMPILE: o->no_compile = 1; return ALCN_OK;
    case F_PYTHON:
      o->n_pythons = split_list(v, o->pythons, T5_MAX_PEERS);
      if (!o->n_pythons) ALCN_FAIL(ALCN_ERR_ARG, "--python: no interpreter given");
      return ALCN_OK;
    case F_NO_FORK: o->fork = 0; return ALCN_OK;
    case F_QUIET: o->quiet = 1; return ALCN_OK;
    case F_PAIRED: o->paired = 1; return ALCN_OK;
  }
  ALCN_FAIL(ALCN_ERR_ARG, "table5: unhandled flag %s", a->flag);
}

alcn_status t5_parse_opts(t5_opts *o, int argc, char **argv, int *help) {
  defaults(o);
  *help = 0;
  alcn_args a;
  alcn_args_init(&a, "alcnbench table5", SPECS, argc, argv, 1);
  for (int id; (id = alcn_args_next(&a)) != ALCN_ARGS_END;) {
    if (id == ALCN_ARGS_HELP) {
      *help = 1;
      return ALCN_OK;
    }
    if (id == ALCN_ARGS_ERROR) return ALCN_ERR_ARG;
    if (id == ALCN_ARGS_POSITIONAL)
      ALCN_FAIL(ALCN_ERR_ARG, "unexpected argument '%s' (table5 takes flags only; hint: alcnbench table5 --help)",
                a.value);
    if (take(o, &a, id) != ALCN_OK) return ALCN_ERR_ARG;
  }
  if (o->batch < 0) o->batch = (o->H <= 32 && o->W <= 32) ? 4096 : 16;
  if (o->paired && !strcmp(o->device, "cuda"))
    ALCN_FAIL(ALCN_ERR_ARG, "--paired times the PyTorch peers as CPU servers; with --device cuda use --rounds "
                            "without --paired (the peers then run on the GPU too)");
  return ALCN_OK;
}
