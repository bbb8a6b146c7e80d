/* The PyTorch peer (../shared/peers/torch_alcn.py) as the benchmarks run it:
 * find the interpreters (Debian's python3, the venv of bench/scripts/peer-env.sh)
 * and the script, probe each interpreter's torch version, decide the settings
 * each peer gets (tp_peer_init: the same --threads as ours, denormals flushed,
 * and the environment its BLAS and ISA need), run `bench` for one set of
 * cases in a child process and read back its --json rows. Used by
 * bench_layers and `alcnbench table5`. The peer knows the paper's 28x28
 * networks only. */
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

#define TP_MAX_ENV 8

/* One peer: an interpreter, its torch, eager or torch.compile, and what it
 * gets. Filled by tp_peer_init. */
typedef struct tp_peer {
  char python[1024];          /* the interpreter */
  char version[48];           /* its torch.__version__ */
  int major, minor;           /* of the version (0 when unparsable) */
  int compile;                /* bench --compile */
  char label[32];             /* "1.13 eager", "2.9 compile" */
  int n_env;
  char env[TP_MAX_ENV][64];   /* NAME=value, set in the child */
  char settings[640];         /* threads, environment and why, one line */
  int cuda;                   /* bench --device cuda (tp_peer_use_cuda) */
} tp_peer;

/* The default interpreter: $ALCN_PYTHON, else /usr/bin/python3. */
const char *tp_python(void);
/* The python of the peer-env.sh venv ($ALCN_PEER_VENV, else
 * $HOME/.cache/alcnbench/peer-venv, + /bin/python) into dst; 1 when it is an
 * executable, else 0. */
int tp_venv_python(char *dst, size_t cap);
/* The script: $ALCN_TORCH_PEER, else <source>/../shared/peers/torch_alcn.py. */
const char *tp_script(void);
/* 1 when the peer may run (the script is present and $ALCN_NO_TORCH is unset
 * or "0"); else 0 with the reason in why[cap]. */
int tp_available(char *why, size_t cap);
/* `python -c 'import torch; print(torch.__version__)'`: 1 and the version in
 * version[vcap], else 0 with the reason in why[cap]. */
int tp_probe(const char *python, char *version, size_t vcap, char *why, size_t cap);
/* A peer of `python` (torch `version`, from tp_probe), with --compile or not,
 * run with `threads` threads: label, environment and settings line. The
 * environment: OPENBLAS_NUM_THREADS=1 for torch < 2 (Debian's OpenBLAS build
 * oversubscribes the cores otherwise); with ALCN_CPU_ISA=avx2, the variables
 * that hold torch, oneDNN, MKL and OpenBLAS to AVX2, each unless already set. */
void tp_peer_init(tp_peer *p, const char *python, const char *version, int compile, int threads);
/* `python -c ...torch.cuda.is_available()`: 1, else 0 with the reason in why[cap]. */
int tp_probe_cuda(const char *python, char *why, size_t cap);
/* The peer times on the GPU (`bench --device cuda`, one-shot runs only: the
 * --paired servers time on the CPU), as ours does with --device cuda. */
void tp_peer_use_cuda(tp_peer *p);

/* Run `torch_alcn.py bench` of peer p with --deconv `deconv` on channels C,
 * the given batches, cases and losses; iters/warmup/threads as ours. The
 * peer's own lines go to stderr unless quiet. r is filled (release with
 * tp_result_free). */
alcn_status tp_run(tp_result *r, const tp_peer *p, const char *deconv, int C, const int *batches, int n_batches,
                   const char *const *cases, int n_cases, const char *const *losses, int n_losses, int iters,
                   int warmup, int threads, int quiet);
void tp_result_free(tp_result *r);
/* Median seconds of a row (loss "-" for inference cases), NAN when absent. */
double tp_find(const tp_result *r, const char *kase, const char *loss, int C, int B, double *min_s, double *max_s);

/* The peer as a server (bench/scripts/peer_serve.py, $ALCN_PEER_SERVE to
 * override): one process per peer and --deconv variant, started once, that
 * times a case whenever asked (`table5 --paired`: ours and the peers in turn,
 * seconds apart). */
typedef struct tp_server {
  int pid;            /* 0: not running */
  int to_fd;          /* its stdin */
  int from_fd;        /* its stdout */
  int sent;           /* requests written: the number its next "ok" reply must carry */
  double timeout_s;   /* the longest wait for a line ($ALCN_PEER_TIMEOUT, default 1800 s) */
  int hung;           /* it let that pass: stopped at once, not asked to quit */
  size_t p_beg, p_end;
  char pend[4096];    /* read from it, not yet taken: pend[p_beg..p_end) */
  char what[160];     /* "<label> --deconv <variant>", for messages */
} tp_server;


/* The server script: $ALCN_PEER_SERVE, else <source>/bench/scripts/peer_serve.py. */
const char *tp_serve_script(void);
/* Start peer p's server with --deconv `deconv` and `threads` threads and wait
 * for its "ready" line. Its stderr goes to ours unless quiet. On failure s
 * is left not running. */
alcn_status tp_server_start(tp_server *s, const tp_peer *p, const char *deconv, int threads, int quiet);
/* Time one case on a running server: iters runs after warmup; their median
 * (and extremes) in seconds. A server that exits, answers garbage or does
 * not answer in time is stopped; one that answers "error" lives on. */
alcn_status tp_server_time(tp_server *s, const char *kase, const char *loss, int C, int B, int iters, int warmup,
                           double *median_s, double *min_s, double *max_s);
/* Ask it to quit and reap it (killed if it has not gone in 10 s, or at once
 * when it did not answer in time). */
void tp_server_stop(tp_server *s);

#endif
