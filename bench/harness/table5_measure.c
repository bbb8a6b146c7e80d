/* `alcnbench table5`: timing one method (+ noise) through the plugin
 * interface as a run uses it (train_step, score, score_with_noise), each time
 * the median [min, max] of --iters runs after --warmup runs between two
 * backend timer marks (timing.h), with its parameters and peak memories; in
 * a child process of its own so that the peak host memory is its own. */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include "alcn/backend.h"
#include "alcn/rng.h"
#include "table5.h"
#include "timing.h"

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

/* Case number idx of the item: timed unless o->only_case names another one
 * (or none: -2), when it is only described (its times NAN). */
static alcn_status time_kind(t5_run *r, const t5_opts *o, t5_kind k, int batch, int idx, t5_case *c) {
  static const char *names[] = {"train_step", "infer", "infer_with_noise"};
  memset(c, 0, sizeof *c);
  snprintf(c->kase, sizeof c->kase, "%s", names[k]);
  c->batch = batch;
  c->torch_ms = c->torch_native_ms = c->torch_fast_ms = c->published_ms = NAN;
  if (o->only_case != -1 && o->only_case != idx) {
    c->med = c->mn = c->mx = NAN;
    return ALCN_OK;
  }
  t5_once q = {r, k, batch};
  bt_stats t;
  /* the latency row: more runs (each ~1 ms), warm-up a tenth of them */
  const int lat = batch == o->lat_batch && batch != o->batch;
  ALCN_CHECK(bt_time_case(r->be, run_once, &q, lat ? o->lat_iters : o->iters, lat ? t5_lat_warmup(o) : o->warmup,
                          &t));
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
  /* the cases, in this order (o->only_case counts in it) */
  const int with_noise = m->score_with_noise && nz && strcmp(nz->id, "none") != 0;
  const int lat = o->lat_batch > 0 && o->lat_batch != o->batch;
  const struct {
    int on;
    t5_kind k;
    int batch;
  } cases[] = {{o->train, K_TRAIN, o->batch},
               {1, K_INFER, o->batch},
               {with_noise, K_INFER_NOISE, o->batch},
               {lat, K_INFER, o->lat_batch},
               {lat && with_noise, K_INFER_NOISE, o->lat_batch}};
  for (size_t i = 0; i < sizeof cases / sizeof *cases; ++i) {
    if (!cases[i].on) continue;
    ALCN_CHECK_GOTO(st, time_kind(&r, o, cases[i].k, cases[i].batch, it->n, &it->c[it->n]), done);
    it->n++;
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

/* Measure one item, in a child process unless o->fork == 0 (table5.h). */
void t5_measure(const t5_opts *o, const alcn_method_desc *m, const alcn_noise_desc *nz, t5_item *it) {
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
