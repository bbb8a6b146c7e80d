/* `alcnbench table5` (issue 7): the paper's Table 5 on this machine. For one
 * data-set shape and device, per method plugin (and, for methods hosting a
 * noise, per noise plugin), through the plugin interface as a run uses it:
 *   parameters     method and noise apart (param_count), and summed;
 *   train_step     one method->train_step, the step the harness runs (for dae +
 *                  alcn: Algorithm 1's noise ascent + DAE descent), and the
 *                  time of an epoch of --epoch-images images;
 *   infer          method->score of a batch (the paper's inference time);
 *   infer_with_noise  method->score_with_noise (Table 5's "DAE + ALCN" row
 *                  also generates the noise), for noises other than none;
 *   infer at the latency batch (default 1);
 *   images/s, peak host memory (getrusage, each method in its own child
 *   process so that the peaks are its own) and peak device memory
 *   (where the backend tracks it).
 * Each time is the median [min, max] of --iters runs after --warmup runs,
 * taken between two backend timer marks (CUDA events on the GPU, the
 * monotonic clock on the CPU). When python3 imports torch and the
 * shape is the peer's (Cx28x28), ../shared/peers/torch_alcn.py runs the same
 * cases (same threads, same batches; --deconv native and fast, the faster
 * counts) and the table shows torch_ms and our speed-up; the paper's own
 * Table 5 (reports/reference/table5_complexity.csv) is a third column,
 * "published, GTX 1080 Ti". --json FILE writes the table; --out DIR writes
 * one record per case to DIR/table5/<case-id>.json (alcnbench.table5/1). */
#define _POSIX_C_SOURCE 200809L
#include <cjson/cJSON.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "alcn/backend.h"
#include "alcn/loader.h"
#include "alcn/plugin.h"
#include "alcn/rng.h"
#include "timing.h"
#include "torch_peer.h"

#ifndef ALCN_SOURCE_DIR
#define ALCN_SOURCE_DIR "."
#endif

#define T5_MAX_CASES 8
#define T5_MAX_ITEMS 32
#define T5_PAPER_BATCH 4096 /* the batch of the published inference times */

int alcn_cmd_table5(int argc, char **argv);

/* ---------------------------------------------------------------- options */
typedef struct t5_opts {
  int C, H, W;
  const char *device;
  int threads, batch, lat_batch, iters, warmup, train, fork, quiet, no_torch;
  long epoch_images;
  uint64_t seed;
  const char *loss;
  const char *methods[T5_MAX_ITEMS], *noises[T5_MAX_ITEMS], *deconv[4];
  int n_methods, n_noises, n_deconv;
  const char *json, *out, *plugin_path, *paper_csv;
} t5_opts;

/* One timed case of one method. */
typedef struct t5_case {
  char kase[24];           /* train_step | infer | infer_with_noise */
  int batch;
  double med, mn, mx;      /* ms */
  double torch_ms, torch_native_ms, torch_fast_ms, published_ms;
} t5_case;

/* The results of one method (+ noise), as the child process sends them. */
typedef struct t5_item {
  char method[64], noise[64];
  int ok;
  char error[512];
  char device[160], be_name[16];
  long long params_method, params_noise, peak_host, peak_device; /* peak_device -1: not tracked */
  double published_params_m;
  int n;
  t5_case c[T5_MAX_CASES];
} t5_item;

static void usage(FILE *f) {
  fprintf(f,
          "usage: alcnbench table5 [flags]\n"
          "  --shape CxHxW         data-set shape: 1x28x28 (default) | 3x32x32 | 3x256x256 | any\n"
          "  --device D            cpu | cuda | auto (default auto)\n"
          "  --threads T           CPU threads, ours and PyTorch's (default: online cores)\n"
          "  --batch B             batch of the timed cases (default 4096 at <= 32 px, 16 above)\n"
          "  --latency-batch B     batch of the latency row (default 1; 0 = none)\n"
          "  --iters N --warmup N  timed runs (default 5) after warm-up runs (default 2)\n"
          "  --loss mse|ffl        training loss (default mse)\n"
          "  --methods a,b         method plugins (default: every loaded one)\n"
          "  --noises a,b          noise plugins of methods that host one (default: every loaded one)\n"
          "  --epoch-images N      images per epoch for the epoch time (default 6000)\n"
          "  --no-train            inference only\n"
          "  --no-torch            do not run the PyTorch peer (also: ALCN_NO_TORCH=1)\n"
          "  --torch-deconv a,b    the peer's --deconv variants (default native,fast; the faster counts)\n"
          "  --no-fork             run every method in this process (peak host memory is then cumulative)\n"
          "  --seed S              plugin seed (default 1)\n"
          "  --plugin-path DIR     extra plugin folder\n"
          "  --paper-csv FILE      the published Table 5 (default reports/reference/table5_complexity.csv)\n"
          "  --json FILE           the table as JSON\n"
          "  --out DIR             records DIR/table5/<case-id>.json (schema alcnbench.table5/1)\n"
          "  --quiet               no progress lines\n");
}

static int split_list(char *s, const char **out, int cap) {
  int n = 0;
  for (char *tok = strtok(s, ","); tok && n < cap; tok = strtok(NULL, ",")) out[n++] = tok;
  return n;
}

static int parse_int(const char *s, long lo, long hi, long *v) {
  char *end;
  errno = 0;
  long x = strtol(s, &end, 10);
  if (errno || end == s || *end || x < lo || x > hi) return 0;
  *v = x;
  return 1;
}

static alcn_status parse_opts(t5_opts *o, int argc, char **argv) {
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
  o->train = 1;
  o->fork = 1;
  o->epoch_images = 6000;
  o->seed = 1;
  o->loss = "mse";
  o->deconv[0] = "native";
  o->deconv[1] = "fast";
  o->n_deconv = 2;
  for (int i = 1; i < argc; ++i) {
    const char *a = argv[i];
    char *v = i + 1 < argc ? argv[i + 1] : NULL;
    long x;
#define NEED_V() \
  if (!v) ALCN_FAIL(ALCN_ERR_ARG, "table5: %s needs a value (hint: alcnbench table5 --help)", a)
#define INT_V(lo, hi, dst)                                                                                   \
  do {                                                                                                       \
    NEED_V();                                                                                                \
    if (!parse_int(v, lo, hi, &x)) ALCN_FAIL(ALCN_ERR_ARG, "table5: %s '%s' is not an integer in [%ld, %ld]", a, v, \
                                             (long)(lo), (long)(hi));                                          \
    dst = x;                                                                                                 \
    ++i;                                                                                                     \
  } while (0)
    if (!strcmp(a, "--shape")) {
      NEED_V();
      int c, h, w;
      char tail;
      if (sscanf(v, "%dx%dx%d%c", &c, &h, &w, &tail) != 3 || c <= 0 || h <= 0 || w <= 0 || c > 64 || h > 4096 ||
          w > 4096)
        ALCN_FAIL(ALCN_ERR_ARG, "table5: --shape '%s' is not CxHxW (e.g. 1x28x28, 3x32x32, 3x256x256)", v);
      o->C = c; o->H = h; o->W = w;
      ++i;
    } else if (!strcmp(a, "--device")) { NEED_V(); o->device = v; ++i; }
    else if (!strcmp(a, "--threads")) INT_V(1, 1024, o->threads);
    else if (!strcmp(a, "--batch")) INT_V(1, 1 << 20, o->batch);
    else if (!strcmp(a, "--latency-batch")) INT_V(0, 1 << 20, o->lat_batch);
    else if (!strcmp(a, "--iters")) INT_V(1, 100000, o->iters);
    else if (!strcmp(a, "--warmup")) INT_V(0, 100000, o->warmup);
    else if (!strcmp(a, "--epoch-images")) INT_V(1, 1L << 40, o->epoch_images);
    else if (!strcmp(a, "--seed")) INT_V(0, 0x7fffffffL, o->seed);
    else if (!strcmp(a, "--loss")) {
      NEED_V();
      if (strcmp(v, "mse") && strcmp(v, "ffl")) ALCN_FAIL(ALCN_ERR_ARG, "table5: --loss '%s' (valid: mse, ffl)", v);
      o->loss = v;
      ++i;
    } else if (!strcmp(a, "--methods")) { NEED_V(); o->n_methods = split_list(v, o->methods, T5_MAX_ITEMS); ++i; }
    else if (!strcmp(a, "--noises")) { NEED_V(); o->n_noises = split_list(v, o->noises, T5_MAX_ITEMS); ++i; }
    else if (!strcmp(a, "--torch-deconv")) {
      NEED_V();
      o->n_deconv = split_list(v, o->deconv, 4);
      for (int k = 0; k < o->n_deconv; ++k)
        if (strcmp(o->deconv[k], "native") && strcmp(o->deconv[k], "fast"))
          ALCN_FAIL(ALCN_ERR_ARG, "table5: --torch-deconv '%s' (valid: native, fast)", o->deconv[k]);
      ++i;
    } else if (!strcmp(a, "--json")) { NEED_V(); o->json = v; ++i; }
    else if (!strcmp(a, "--out")) { NEED_V(); o->out = v; ++i; }
    else if (!strcmp(a, "--plugin-path")) { NEED_V(); o->plugin_path = v; ++i; }
    else if (!strcmp(a, "--paper-csv")) { NEED_V(); o->paper_csv = v; ++i; }
    else if (!strcmp(a, "--no-train")) o->train = 0;
    else if (!strcmp(a, "--no-torch")) o->no_torch = 1;
    else if (!strcmp(a, "--no-fork")) o->fork = 0;
    else if (!strcmp(a, "--quiet")) o->quiet = 1;
    else ALCN_FAIL(ALCN_ERR_ARG, "table5: unknown flag '%s' (hint: alcnbench table5 --help)", a);
#undef INT_V
#undef NEED_V
  }
  if (o->batch < 0) o->batch = (o->H <= 32 && o->W <= 32) ? 4096 : 16;
  return ALCN_OK;
}

/* ------------------------------------------------------- timing one item */
typedef enum { K_TRAIN, K_INFER, K_INFER_NOISE } t5_kind;

typedef struct t5_run {
  const alcn_method_desc *m;
  void *state;
  uint64_t step;      /* the method's step counter (its noise draws depend on it) */
  alcn_backend *be;
  const float *x;
  float *scores;
} t5_run;

typedef struct t5_once {
  t5_run *r;
  t5_kind k;
  int batch;
} t5_once;

static alcn_status run_once(void *ctx) {
  const t5_once *q = ctx;
  t5_run *r = q->r;
  if (q->k == K_TRAIN) {
    alcn_step_stats stats;
    memset(&stats, 0, sizeof stats);
    ALCN_CHECK(r->m->train_step(r->state, r->x, q->batch, r->step++, &stats));
  } else if (q->k == K_INFER) {
    ALCN_CHECK(r->m->score(r->state, r->x, q->batch, r->scores));
  } else {
    ALCN_CHECK(r->m->score_with_noise(r->state, r->x, q->batch, r->scores));
  }
  return ALCN_OK;
}

static alcn_status time_kind(t5_run *r, const t5_opts *o, t5_kind k, int batch, t5_case *c) {
  static const char *names[] = {"train_step", "infer", "infer_with_noise"};
  memset(c, 0, sizeof *c);
  snprintf(c->kase, sizeof c->kase, "%s", names[k]);
  c->batch = batch;
  c->torch_ms = c->torch_native_ms = c->torch_fast_ms = c->published_ms = NAN;
  t5_once q = {r, k, batch};
  bt_stats t;
  ALCN_CHECK(bt_time_case(r->be, run_once, &q, o->iters, o->warmup, &t));
  c->med = t.med_ms;
  c->mn = t.min_ms;
  c->mx = t.max_ms;
  return ALCN_OK;
}

static long long peak_rss_bytes(void) {
  struct rusage ru;
  if (getrusage(RUSAGE_SELF, &ru) != 0) return -1;
  return (long long)ru.ru_maxrss * 1024LL;
}

/* Create the backend and the method, time every case, fill *it. */
static alcn_status measure_item(const t5_opts *o, const alcn_method_desc *m, const alcn_noise_desc *nz, t5_item *it) {
  alcn_backend *be = NULL;
  void *state = NULL;
  float *x = NULL, *scores = NULL;
  alcn_status st;
  ALCN_CHECK(alcn_backend_create(&be, o->device, o->threads, 1));
  snprintf(it->device, sizeof it->device, "%s", alcn_backend_description(be));
  snprintf(it->be_name, sizeof it->be_name, "%s", alcn_backend_name(be));
  const int maxb = o->batch > o->lat_batch ? o->batch : o->lat_batch;
  const size_t D = (size_t)o->C * o->H * o->W, bytes = (size_t)maxb * D * sizeof(float);
  alcn_loss_cfg loss = {strcmp(o->loss, "ffl") ? ALCN_LOSS_MSE : ALCN_LOSS_FFL, 1.0f};
  alcn_method_config cfg = {sizeof cfg, o->C, o->H, o->W, maxb, loss, {NULL, 0}, nz, {NULL, 0}};
  alcn_ctx ctx = {sizeof ctx, be, o->seed, 1};
  ALCN_CHECK_GOTO(st, m->create(&cfg, &ctx, &state), done);
  size_t pn = 0;
  it->params_method = (long long)m->param_count(state, &pn);
  it->params_noise = (long long)pn;
  x = alcn_backend_alloc(be, bytes);
  scores = alcn_backend_alloc(be, (size_t)maxb * sizeof(float));
  if (!x || !scores) {
    st = alcn_error_at(__FILE__, __LINE__, ALCN_ERR_NOMEM, "table5: out of %s memory for batch %d (hint: lower "
                       "--batch)", alcn_backend_name(be), maxb);
    goto done;
  }
  {
    float *h = malloc(bytes);
    if (!h) {
      st = alcn_error_at(__FILE__, __LINE__, ALCN_ERR_NOMEM, "table5: out of host memory for batch %d", maxb);
      goto done;
    }
    alcn_rng_uniform(h, (size_t)maxb * D, 7, 0, 0.0f, 1.0f); /* uniform pixels, as the peer's make_batch */
    st = alcn_upload(be, x, h, bytes);
    free(h);
    if (st != ALCN_OK) goto done;
  }
  t5_run r = {m, state, 0, be, x, scores};
  it->n = 0;
  if (o->train) ALCN_CHECK_GOTO(st, time_kind(&r, o, K_TRAIN, o->batch, &it->c[it->n++]), done);
  ALCN_CHECK_GOTO(st, time_kind(&r, o, K_INFER, o->batch, &it->c[it->n++]), done);
  const int with_noise = m->score_with_noise && nz && strcmp(nz->id, "none") != 0;
  if (with_noise) ALCN_CHECK_GOTO(st, time_kind(&r, o, K_INFER_NOISE, o->batch, &it->c[it->n++]), done);
  if (o->lat_batch > 0 && o->lat_batch != o->batch) {
    ALCN_CHECK_GOTO(st, time_kind(&r, o, K_INFER, o->lat_batch, &it->c[it->n++]), done);
    if (with_noise) ALCN_CHECK_GOTO(st, time_kind(&r, o, K_INFER_NOISE, o->lat_batch, &it->c[it->n++]), done);
  }
  it->peak_device = alcn_backend_peak_memory(be) ? (long long)alcn_backend_peak_memory(be) : -1;
  st = ALCN_OK;
done:
  if (state) m->destroy(state);
  alcn_backend_free(be, x);
  alcn_backend_free(be, scores);
  alcn_backend_destroy(be);
  it->peak_host = peak_rss_bytes();
  return st;
}

/* Measure one item, in a child process unless o->fork == 0. */
static void measure(const t5_opts *o, const alcn_method_desc *m, const alcn_noise_desc *nz, t5_item *it) {
  if (!o->fork) {
    if (measure_item(o, m, nz, it) == ALCN_OK) it->ok = 1;
    else snprintf(it->error, sizeof it->error, "%s", alcn_last_error());
    return;
  }
  int fd[2];
  if (pipe(fd) != 0) {
    snprintf(it->error, sizeof it->error, "pipe: %s", strerror(errno));
    return;
  }
  fflush(stdout);
  fflush(stderr);
  pid_t pid = fork();
  if (pid < 0) {
    snprintf(it->error, sizeof it->error, "fork: %s", strerror(errno));
    close(fd[0]);
    close(fd[1]);
    return;
  }
  if (pid == 0) {
    close(fd[0]);
    if (measure_item(o, m, nz, it) == ALCN_OK) it->ok = 1;
    else snprintf(it->error, sizeof it->error, "%s", alcn_last_error());
    const char *p = (const char *)it;
    size_t left = sizeof *it;
    while (left) {
      ssize_t w = write(fd[1], p, left);
      if (w <= 0) {
        if (w < 0 && errno == EINTR) continue;
        _exit(1);
      }
      p += w;
      left -= (size_t)w;
    }
    _exit(0);
  }
  close(fd[1]);
  t5_item got;
  char *p = (char *)&got;
  size_t left = sizeof got;
  while (left) {
    ssize_t r = read(fd[0], p, left);
    if (r < 0 && errno == EINTR) continue;
    if (r <= 0) break;
    p += r;
    left -= (size_t)r;
  }
  close(fd[0]);
  int status = 0;
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  if (left == 0) {
    *it = got;
  } else {
    snprintf(it->error, sizeof it->error, "the measuring process died (%s %d)",
             WIFSIGNALED(status) ? "signal" : "status", WIFSIGNALED(status) ? WTERMSIG(status) : WEXITSTATUS(status));
  }
}

/* ------------------------------------------------------- the paper's table */
typedef struct paper_row {
  char name[32];
  double params_m, ms_mnist, ms_cifar;
} paper_row;

static int load_paper(const char *path, paper_row *rows, int cap) {
  FILE *f = fopen(path, "r");
  if (!f) return 0;
  char line[512];
  int n = 0, col_p = -1, col_m = -1, col_c = -1, header = 0;
  while (fgets(line, sizeof line, f) && n < cap) {
    line[strcspn(line, "\r\n")] = 0;
    if (line[0] == '#' || !line[0]) continue;
    char *fields[16];
    int nf = 0;
    for (char *s = line, *t; nf < 16; s = t + 1) {
      fields[nf++] = s;
      if (!(t = strchr(s, ','))) break;
      *t = 0;
    }
    if (!header) {
      for (int k = 0; k < nf; ++k) {
        if (!strcmp(fields[k], "params_m")) col_p = k;
        if (!strcmp(fields[k], "infer_ms_mnist")) col_m = k;
        if (!strcmp(fields[k], "infer_ms_cifar10")) col_c = k;
      }
      header = 1;
      continue;
    }
    paper_row *r = &rows[n++];
    snprintf(r->name, sizeof r->name, "%.31s", fields[0]);
    r->params_m = col_p >= 0 && col_p < nf ? strtod(fields[col_p], NULL) : NAN;
    r->ms_mnist = col_m >= 0 && col_m < nf ? strtod(fields[col_m], NULL) : NAN;
    r->ms_cifar = col_c >= 0 && col_c < nf ? strtod(fields[col_c], NULL) : NAN;
  }
  fclose(f);
  return n;
}

/* The published row for a method/noise ("DAE", "DAE+ALCN", "GANomaly"), or NULL. */
static const paper_row *paper_for(const paper_row *rows, int n, const char *method, const char *noise) {
  const char *want = NULL;
  if (!strcmp(method, "dae") && !strcmp(noise, "none")) want = "DAE";
  else if (!strcmp(method, "dae") && !strcmp(noise, "alcn")) want = "DAE+ALCN";
  else if (!strcmp(method, "ganomaly")) want = "GANomaly";
  for (int i = 0; want && i < n; ++i)
    if (!strcmp(rows[i].name, want)) return &rows[i];
  return NULL;
}

/* ------------------------------------------------------- the PyTorch peer */
/* The peer's case for one of ours, or NULL when it has none. */
static const char *peer_case(const t5_item *it, const t5_case *c) {
  const int dae = !strcmp(it->method, "dae");
  if (!dae) return NULL;
  if (!strcmp(c->kase, "train_step")) {
    if (!strcmp(it->noise, "none")) return "dae_train";
    if (!strcmp(it->noise, "alcn")) return "alcn_train";
    return NULL;
  }
  if (!strcmp(c->kase, "infer")) return "infer_dae";
  if (!strcmp(c->kase, "infer_with_noise") && !strcmp(it->noise, "alcn")) return "infer_alcn";
  return NULL;
}

static void run_peer(const t5_opts *o, t5_item *items, int n) {
  char why[256];
  if (o->no_torch) {
    if (!o->quiet) fprintf(stderr, "table5: PyTorch peer not run (--no-torch)\n");
    return;
  }
  if (o->H != 28 || o->W != 28) {
    if (!o->quiet) fprintf(stderr, "table5: PyTorch peer not run (it has the paper's 28x28 networks only)\n");
    return;
  }
  if (!tp_available(why, sizeof why)) {
    if (!o->quiet) fprintf(stderr, "table5: PyTorch peer not run: %s\n", why);
    return;
  }
  /* which peer cases and batches are wanted */
  const char *cases[4];
  int nc = 0, batches[2], nb = 0;
  for (int i = 0; i < n; ++i)
    for (int j = 0; j < items[i].n; ++j) {
      const char *pc = peer_case(&items[i], &items[i].c[j]);
      if (!items[i].ok || !pc) continue;
      int seen = 0;
      for (int k = 0; k < nc; ++k) seen |= !strcmp(cases[k], pc);
      if (!seen && nc < 4) cases[nc++] = pc;
      seen = 0;
      for (int k = 0; k < nb; ++k) seen |= batches[k] == items[i].c[j].batch;
      if (!seen && nb < 2) batches[nb++] = items[i].c[j].batch;
    }
  if (!nc) return;
  for (int v = 0; v < o->n_deconv; ++v) {
    tp_result tr = {0, NULL};
    const char *losses[] = {o->loss};
    if (!o->quiet) fprintf(stderr, "table5: running the PyTorch peer (--deconv %s)\n", o->deconv[v]);
    if (tp_run(&tr, o->deconv[v], o->C, batches, nb, cases, nc, losses, 1, o->iters, o->warmup, o->threads,
               o->quiet) != ALCN_OK) {
      fprintf(stderr, "table5: warning: %s\n", alcn_last_error());
      continue;
    }
    const int fast = !strcmp(o->deconv[v], "fast");
    for (int i = 0; i < n; ++i)
      for (int j = 0; j < items[i].n; ++j) {
        t5_case *c = &items[i].c[j];
        const char *pc = peer_case(&items[i], c);
        if (!pc) continue;
        const int train = !strcmp(c->kase, "train_step");
        double t = tp_find(&tr, pc, train ? o->loss : "-", o->C, c->batch, NULL, NULL) * 1e3;
        if (isnan(t)) continue;
        if (fast) c->torch_fast_ms = t;
        else c->torch_native_ms = t;
        if (isnan(c->torch_ms) || t < c->torch_ms) c->torch_ms = t;
      }
    tp_result_free(&tr);
  }
}

/* ------------------------------------------------------- output */
static cJSON *num_or_null(double v) { return isnan(v) ? cJSON_CreateNull() : cJSON_CreateNumber(v); }

static void case_id(char *dst, size_t cap, const t5_opts *o, const t5_item *it, const t5_case *c) {
  snprintf(dst, cap, "%s_%s_%s_b%d_%dx%dx%d_%s_%s", it->method, it->noise, c->kase, c->batch, o->C, o->H, o->W,
           it->be_name, o->loss);
}

static cJSON *case_json(const t5_opts *o, const t5_item *it, const t5_case *c, int record) {
  cJSON *j = cJSON_CreateObject();
  char id[256], shape[48];
  case_id(id, sizeof id, o, it, c);
  snprintf(shape, sizeof shape, "%dx%dx%d", o->C, o->H, o->W);
  if (record) cJSON_AddStringToObject(j, "schema", "alcnbench.table5/1");
  cJSON_AddStringToObject(j, "id", id);
  cJSON_AddStringToObject(j, "method", it->method);
  cJSON_AddStringToObject(j, "noise", it->noise);
  cJSON_AddStringToObject(j, "case", c->kase);
  cJSON_AddNumberToObject(j, "batch", c->batch);
  cJSON_AddStringToObject(j, "device", it->be_name);
  cJSON_AddStringToObject(j, "device_description", it->device);
  cJSON_AddStringToObject(j, "shape", shape);
  cJSON_AddStringToObject(j, "loss", o->loss);
  cJSON_AddNumberToObject(j, "threads", o->threads);
  cJSON_AddNumberToObject(j, "iters", o->iters);
  cJSON_AddNumberToObject(j, "warmup", o->warmup);
  cJSON_AddNumberToObject(j, "ours_ms", c->med);
  cJSON_AddNumberToObject(j, "ours_min_ms", c->mn);
  cJSON_AddNumberToObject(j, "ours_max_ms", c->mx);
  cJSON_AddItemToObject(j, "torch_ms", num_or_null(c->torch_ms));
  cJSON_AddItemToObject(j, "torch_native_ms", num_or_null(c->torch_native_ms));
  cJSON_AddItemToObject(j, "torch_fast_ms", num_or_null(c->torch_fast_ms));
  cJSON_AddItemToObject(j, "speedup", num_or_null(isnan(c->torch_ms) ? NAN : c->torch_ms / c->med));
  cJSON_AddItemToObject(j, "published_ms", num_or_null(c->published_ms));
  cJSON_AddNumberToObject(j, "params_method", (double)it->params_method);
  cJSON_AddNumberToObject(j, "params_noise", (double)it->params_noise);
  cJSON_AddNumberToObject(j, "params_total", (double)(it->params_method + it->params_noise));
  cJSON_AddNumberToObject(j, "images_per_s", c->batch / (c->med * 1e-3));
  if (!strcmp(c->kase, "train_step")) {
    const double steps = ceil((double)o->epoch_images / c->batch);
    cJSON_AddNumberToObject(j, "epoch_images", (double)o->epoch_images);
    cJSON_AddNumberToObject(j, "epoch_s", steps * c->med * 1e-3);
  }
  cJSON_AddNumberToObject(j, "peak_host_bytes", (double)it->peak_host);
  cJSON_AddNumberToObject(j, "peak_device_bytes", (double)it->peak_device);
  return j;
}

static alcn_status mkdir_p(const char *path) {
  char buf[1200];
  snprintf(buf, sizeof buf, "%s", path);
  for (char *p = buf + 1;; ++p) {
    const int end = *p == 0;
    if (*p == '/' || end) {
      *p = 0;
      if (mkdir(buf, 0777) != 0 && errno != EEXIST)
        ALCN_FAIL(ALCN_ERR_IO, "table5: cannot create %s: %s", buf, strerror(errno));
      if (end) break;
      *p = '/';
    }
  }
  return ALCN_OK;
}

/* Write text to path atomically (temporary file + rename). */
static alcn_status write_atomic(const char *path, const char *text) {
  char tmp[1200];
  snprintf(tmp, sizeof tmp, "%s.%ld.tmp", path, (long)getpid());
  FILE *f = fopen(tmp, "w");
  if (!f) ALCN_FAIL(ALCN_ERR_IO, "table5: cannot write %s: %s", tmp, strerror(errno));
  int bad = fputs(text, f) < 0 || fputc('\n', f) < 0;
  bad |= fclose(f) != 0;
  if (bad || rename(tmp, path) != 0) {
    unlink(tmp);
    ALCN_FAIL(ALCN_ERR_IO, "table5: cannot write %s", path);
  }
  return ALCN_OK;
}

static alcn_status write_outputs(const t5_opts *o, const t5_item *items, int n) {
  if (o->out) {
    char dir[1100];
    snprintf(dir, sizeof dir, "%s/table5", o->out);
    ALCN_CHECK(mkdir_p(dir));
    for (int i = 0; i < n; ++i)
      for (int j = 0; items[i].ok && j < items[i].n; ++j) {
        char id[256], path[1400];
        case_id(id, sizeof id, o, &items[i], &items[i].c[j]);
        snprintf(path, sizeof path, "%s/%s.json", dir, id);
        cJSON *rec = case_json(o, &items[i], &items[i].c[j], 1);
        char *text = cJSON_Print(rec);
        cJSON_Delete(rec);
        alcn_status st = text ? write_atomic(path, text) : ALCN_ERR_NOMEM;
        free(text);
        ALCN_CHECK(st);
      }
  }
  if (o->json) {
    cJSON *root = cJSON_CreateObject();
    char shape[48];
    snprintf(shape, sizeof shape, "%dx%dx%d", o->C, o->H, o->W);
    cJSON_AddStringToObject(root, "schema", "alcnbench.table5-table/1");
    cJSON_AddStringToObject(root, "shape", shape);
    cJSON_AddStringToObject(root, "loss", o->loss);
    cJSON_AddNumberToObject(root, "threads", o->threads);
    cJSON_AddNumberToObject(root, "iters", o->iters);
    cJSON_AddNumberToObject(root, "warmup", o->warmup);
    cJSON *rows = cJSON_AddArrayToObject(root, "rows");
    cJSON *errs = cJSON_AddArrayToObject(root, "failed");
    for (int i = 0; i < n; ++i) {
      if (!items[i].ok) {
        cJSON *e = cJSON_CreateObject();
        cJSON_AddStringToObject(e, "method", items[i].method);
        cJSON_AddStringToObject(e, "noise", items[i].noise);
        cJSON_AddStringToObject(e, "error", items[i].error);
        cJSON_AddItemToArray(errs, e);
      }
      for (int j = 0; items[i].ok && j < items[i].n; ++j)
        cJSON_AddItemToArray(rows, case_json(o, &items[i], &items[i].c[j], 0));
    }
    char *text = cJSON_Print(root);
    cJSON_Delete(root);
    alcn_status st = text ? write_atomic(o->json, text) : ALCN_ERR_NOMEM;
    free(text);
    ALCN_CHECK(st);
  }
  return ALCN_OK;
}

static void fmt_ms(char *dst, size_t cap, double v) {
  if (isnan(v)) snprintf(dst, cap, "-");
  else snprintf(dst, cap, "%.2f", v);
}

static void print_table(const t5_opts *o, const t5_item *items, int n, const char *dataset_col) {
  const char *dev = "?";
  for (int i = 0; i < n; ++i)
    if (items[i].ok) dev = items[i].device;
  printf("# alcnbench table5: shape %dx%dx%d, %s, loss %s, %d timed runs after %d warm-up, median [min, max] "
         "(%s), OPENBLAS_CORETYPE=%s\n",
         o->C, o->H, o->W, dev, o->loss, o->iters, o->warmup,
         strncmp(dev, "cuda", 4) == 0 ? "CUDA events" : "monotonic clock",
         getenv("OPENBLAS_CORETYPE") ? getenv("OPENBLAS_CORETYPE") : "-");
  printf("%-9s %-9s %-17s %6s %28s %10s %10s %9s %14s\n", "method", "noise", "case", "batch", "ours ms [min, max]",
         "images/s", "torch ms", "speed-up", "published ms");
  printf("%-9s %-9s %-17s %6s %28s %10s %10s %9s %14s\n", "", "", "", "", "", "", "", "", "GTX 1080 Ti");
  for (int i = 0; i < n; ++i) {
    const t5_item *it = &items[i];
    if (!it->ok) {
      printf("%-9s %-9s failed: %s\n", it->method, it->noise, it->error);
      continue;
    }
    for (int j = 0; j < it->n; ++j) {
      const t5_case *c = &it->c[j];
      char ours[64], tm[24], sp[24], pub[24];
      snprintf(ours, sizeof ours, "%.2f [%.2f, %.2f]", c->med, c->mn, c->mx);
      fmt_ms(tm, sizeof tm, c->torch_ms);
      if (isnan(c->torch_ms)) snprintf(sp, sizeof sp, "-");
      else snprintf(sp, sizeof sp, "%.2fx", c->torch_ms / c->med);
      fmt_ms(pub, sizeof pub, c->published_ms);
      printf("%-9s %-9s %-17s %6d %28s %10.0f %10s %9s %14s\n", it->method, it->noise, c->kase, c->batch, ours,
             c->batch / (c->med * 1e-3), tm, sp, pub);
    }
  }
  printf("\n%-9s %-9s %12s %12s %12s %14s %14s %12s %12s\n", "method", "noise", "params", "noise params", "total",
         "published (M)", "epoch s", "peak host", "peak device");
  for (int i = 0; i < n; ++i) {
    const t5_item *it = &items[i];
    if (!it->ok) continue;
    char pub[24], ep[32], pd[32];
    fmt_ms(pub, sizeof pub, it->published_params_m);
    snprintf(ep, sizeof ep, "-");
    for (int j = 0; j < it->n; ++j)
      if (!strcmp(it->c[j].kase, "train_step"))
        snprintf(ep, sizeof ep, "%.1f", ceil((double)o->epoch_images / it->c[j].batch) * it->c[j].med * 1e-3);
    if (it->peak_device < 0) snprintf(pd, sizeof pd, "n/a");
    else snprintf(pd, sizeof pd, "%.1f MiB", (double)it->peak_device / 1048576.0);
    printf("%-9s %-9s %12lld %12lld %12lld %14s %14s %8.1f MiB %12s\n", it->method, it->noise, it->params_method,
           it->params_noise, it->params_method + it->params_noise, pub, ep, (double)it->peak_host / 1048576.0, pd);
  }
  printf("# epoch s: one epoch of %ld images at the timed batch; torch ms: the faster of the peer's --deconv "
         "variants (same threads, same batch); published: the paper's Table 5 (%s column, batch 4096, "
         "GTX 1080 Ti)\n",
         o->epoch_images, dataset_col ? dataset_col : "no matching");
}

/* ------------------------------------------------------- the command */
int alcn_cmd_table5(int argc, char **argv) {
  for (int i = 1; i < argc; ++i)
    if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
      usage(stdout);
      return 0;
    }
  t5_opts o;
  if (parse_opts(&o, argc, argv) != ALCN_OK) {
    fprintf(stderr, "alcnbench table5: %s\n", alcn_last_error());
    return 2;
  }
  alcn_registry reg;
  const char *extra[1] = {o.plugin_path};
  if (alcn_registry_load(&reg, extra, o.plugin_path ? 1 : 0, o.quiet) != ALCN_OK) {
    fprintf(stderr, "alcnbench table5: %s\n", alcn_last_error());
    return 1;
  }
  int rc = 0;
  char ids[1024];
  /* the methods and noises */
  const alcn_method_desc *ms[T5_MAX_ITEMS];
  int nm = 0;
  if (o.n_methods) {
    for (int i = 0; i < o.n_methods; ++i) {
      if (!(ms[nm] = alcn_registry_method(&reg, o.methods[i], NULL))) {
        fprintf(stderr, "alcnbench table5: no method '%s' (loaded: %s)\n", o.methods[i],
                alcn_registry_method_ids(&reg, ids, sizeof ids));
        alcn_registry_free(&reg);
        return 2;
      }
      nm++;
    }
  } else {
    for (int i = 0; i < reg.n_methods && nm < T5_MAX_ITEMS; ++i) ms[nm++] = reg.methods[i].desc;
  }
  const alcn_noise_desc *ns[T5_MAX_ITEMS];
  int nn = 0;
  if (o.n_noises) {
    for (int i = 0; i < o.n_noises; ++i) {
      if (!(ns[nn] = alcn_registry_noise(&reg, o.noises[i], NULL))) {
        fprintf(stderr, "alcnbench table5: no noise '%s' (loaded: %s)\n", o.noises[i],
                alcn_registry_noise_ids(&reg, ids, sizeof ids));
        alcn_registry_free(&reg);
        return 2;
      }
      nn++;
    }
  } else {
    for (int i = 0; i < reg.n_noises && nn < T5_MAX_ITEMS; ++i) ns[nn++] = reg.noises[i].desc;
  }
  if (!nm) {
    fprintf(stderr, "alcnbench table5: no method plugins found (hint: --plugin-path, or build the plugins)\n");
    alcn_registry_free(&reg);
    return 1;
  }
  /* the published figures */
  paper_row paper[16];
  char csv[1200];
  if (o.paper_csv) snprintf(csv, sizeof csv, "%s", o.paper_csv);
  else snprintf(csv, sizeof csv, "%s/reports/reference/table5_complexity.csv", ALCN_SOURCE_DIR);
  const int npaper = load_paper(csv, paper, 16);
  const char *dataset_col = (o.C == 1 && o.H == 28 && o.W == 28) ? "MNIST"
                            : (o.C == 3 && o.H == 32 && o.W == 32) ? "CIFAR-10"
                                                                   : NULL;
  if (!npaper && !o.quiet) fprintf(stderr, "table5: no published Table 5 at %s (column left empty)\n", csv);

  t5_item *items = calloc((size_t)nm * (nn + 1), sizeof *items);
  if (!items) {
    alcn_registry_free(&reg);
    fprintf(stderr, "alcnbench table5: out of memory\n");
    return 1;
  }
  int n = 0;
  for (int i = 0; i < nm; ++i) {
    const int k_end = ms[i]->hosts_noise ? nn : 1;
    for (int k = 0; k < k_end; ++k) {
      const alcn_noise_desc *nz = ms[i]->hosts_noise ? ns[k] : NULL;
      t5_item *it = &items[n++];
      snprintf(it->method, sizeof it->method, "%s", ms[i]->id);
      snprintf(it->noise, sizeof it->noise, "%s", nz ? nz->id : "none");
      if (!o.quiet) fprintf(stderr, "table5: measuring %s + %s ...\n", it->method, it->noise);
      measure(&o, ms[i], nz, it);
      if (!it->ok) {
        fprintf(stderr, "table5: %s + %s failed: %s\n", it->method, it->noise, it->error);
        rc = 1;
      }
      const paper_row *pr = paper_for(paper, npaper, it->method, it->noise);
      it->published_params_m = pr ? pr->params_m : NAN;
      for (int j = 0; j < it->n; ++j) {
        t5_case *c = &it->c[j];
        c->torch_ms = c->torch_native_ms = c->torch_fast_ms = c->published_ms = NAN;
        if (!pr || !dataset_col || c->batch != T5_PAPER_BATCH) continue; /* comparable at the paper's batch only */
        /* the paper's DAE+ALCN row includes generating the noise */
        const int want_noise = !strcmp(it->noise, "alcn");
        const int is = want_noise ? !strcmp(c->kase, "infer_with_noise") : !strcmp(c->kase, "infer");
        if (is) c->published_ms = dataset_col[0] == 'M' ? pr->ms_mnist : pr->ms_cifar;
      }
    }
  }
  run_peer(&o, items, n);
  print_table(&o, items, n, dataset_col);
  if (write_outputs(&o, items, n) != ALCN_OK) {
    fprintf(stderr, "alcnbench table5: %s\n", alcn_last_error());
    rc = 1;
  }
  free(items);
  alcn_registry_free(&reg);
  return rc;
}
