/* One cell of a plan, end to end: load the data set (kept across cells),
 * make and save the protocol manifest (optionally subsampled), create the
 * backend and the method, train E epochs on shuffled batches, score the test
 * set in batches (timed), compute AUROC / AUPR / F1-max, write the Figure-4
 * file and the record. Any error, and NaN/Inf in a loss or a score, makes a
 * "failed" record with the reason; a signal makes no record at all. */
#define _DEFAULT_SOURCE /* gmtime_r */
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include "alcn/metrics.h"
#include "alcn/protocol.h"
#include "alcn/rng.h"
#include "alcn/clock.h"
#include "bench.h"

volatile sig_atomic_t ab_interrupted = 0;

/* Sub-streams of the cell seed. */
#define STREAM_SHUFFLE 0x53687566666c65ULL /* "Shuffle" */
#define STREAM_LIMIT 0x4c696d6974ULL       /* "Limit" */

struct ab_run_state {
  alcn_dataset ds;
  int have;
  char key[PATH_MAX + 96];
};

alcn_status ab_run_state_create(ab_run_state **st) {
  *st = calloc(1, sizeof **st);
  ALCN_CHECK_ALLOC(*st, sizeof **st);
  return ALCN_OK;
}

void ab_run_state_destroy(ab_run_state *st) {
  if (!st) return;
  if (st->have) alcn_dataset_free(&st->ds);
  free(st);
}

static void iso_now(char *buf, size_t cap) {
  time_t t = time(NULL);
  struct tm tm;
  gmtime_r(&t, &tm);
  strftime(buf, cap, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

static int cmp_int(const void *a, const void *b) {
  int x = *(const int *)a, y = *(const int *)b;
  return (x > y) - (x < y);
}

/* Keep k of the n positions pos[] (a seeded partial Fisher-Yates), ascending. */
static void choose(int *pos, int n, int k, uint64_t seed) {
  for (int i = 0; i < k && i < n - 1; ++i) {
    alcn_u32x4 r = alcn_philox4x32(seed, (uint64_t)i);
    int j = i + (int)(((uint64_t)r.v[0] * (uint64_t)(n - i)) >> 32);
    int t = pos[i];
    pos[i] = pos[j];
    pos[j] = t;
  }
  qsort(pos, (size_t)k, sizeof *pos, cmp_int);
}

/* Keep k of the n training positions pos[] stratified by class (p1 pools
 * several normal classes): each class keeps its share (largest remainder),
 * chosen with its own sub-stream. One class: exactly choose(). */
static alcn_status choose_train(const alcn_dataset *ds, const alcn_manifest *m, int *keep, int k, uint64_t seed) {
  int nc = ds->n_classes > 0 ? ds->n_classes : 1, n = m->n_train;
  int *count = calloc((size_t)nc, sizeof(int)), *quota = calloc((size_t)nc, sizeof(int));
  int *pos = malloc(sizeof(int) * (size_t)n);
  double *rem = calloc((size_t)nc, sizeof(double));
  if (!count || !quota || !pos || !rem) {
    free(count), free(quota), free(pos), free(rem);
    ALCN_FAIL(ALCN_ERR_NOMEM, "out of host memory");
  }
  int classes = 0;
  for (int i = 0; i < n; ++i) classes += count[ds->labels[m->train[i]]]++ == 0;
  if (classes <= 1) {
    for (int i = 0; i < n; ++i) keep[i] = i;
    choose(keep, n, k, seed);
  } else {
    int given = 0;
    for (int c = 0; c < nc; ++c) {
      double q = (double)k * count[c] / n;
      quota[c] = (int)q;
      rem[c] = q - quota[c];
      given += quota[c];
    }
    for (; given < k; ++given) { /* largest remainders, lowest class first on ties */
      int best = -1;
      for (int c = 0; c < nc; ++c)
        if (count[c] > quota[c] && (best < 0 || rem[c] > rem[best])) best = c;
      quota[best]++;
      rem[best] = -1.0;
    }
    int at = 0;
    for (int c = 0; c < nc; ++c) {
      if (!quota[c]) continue;
      int np = 0;
      for (int i = 0; i < n; ++i)
        if (ds->labels[m->train[i]] == c) pos[np++] = i;
      choose(pos, np, quota[c], alcn_rng_derive(seed, 1000 + (uint64_t)c));
      memcpy(keep + at, pos, sizeof(int) * (size_t)quota[c]);
      at += quota[c];
    }
    qsort(keep, (size_t)k, sizeof *keep, cmp_int);
  }
  free(count), free(quota), free(pos), free(rem);
  return ALCN_OK;
}

/* --limit-train / --limit-test: deterministic subsets of the manifest
 * (train: stratified by class; test: stratified, both labels kept), then the
 * hash is recomputed. */
static alcn_status limit_manifest(const alcn_dataset *ds, alcn_manifest *m, int limit_train, int limit_test,
                                  uint64_t seed) {
  if (limit_train > 0 && limit_train < m->n_train) {
    int *pos = malloc(sizeof(int) * (size_t)m->n_train);
    ALCN_CHECK_ALLOC(pos, sizeof(int) * (size_t)m->n_train);
    alcn_status st = choose_train(ds, m, pos, limit_train, alcn_rng_derive(seed, 1));
    if (st != ALCN_OK) {
      free(pos);
      return st;
    }
    for (int i = 0; i < limit_train; ++i) m->train[i] = m->train[pos[i]];
    m->n_train = limit_train;
    free(pos);
  }
  if (limit_test > 0 && limit_test < m->n_test) {
    int *pos = malloc(sizeof(int) * (size_t)m->n_test), *neg = malloc(sizeof(int) * (size_t)m->n_test);
    if (!pos || !neg) {
      free(pos);
      free(neg);
      ALCN_FAIL(ALCN_ERR_NOMEM, "out of host memory");
    }
    int np = 0, nn = 0;
    for (int i = 0; i < m->n_test; ++i) {
      if (m->test_labels[i]) pos[np++] = i;
      else neg[nn++] = i;
    }
    int kp = (int)llround((double)limit_test * np / m->n_test);
    if (np > 0 && kp < 1) kp = 1;
    if (nn > 0 && limit_test - kp < 1) kp = limit_test - 1;
    if (kp > np) kp = np;
    int kn = limit_test - kp;
    if (kn > nn) kn = nn;
    choose(pos, np, kp, alcn_rng_derive(seed, 2));
    choose(neg, nn, kn, alcn_rng_derive(seed, 3));
    memcpy(pos + kp, neg, sizeof(int) * (size_t)kn);
    qsort(pos, (size_t)(kp + kn), sizeof *pos, cmp_int);
    for (int i = 0; i < kp + kn; ++i) {
      m->test[i] = m->test[pos[i]];
      m->test_labels[i] = m->test_labels[pos[i]];
    }
    m->n_test = kp + kn;
    free(pos);
    free(neg);
  }
  alcn_manifest_rehash(m);
  return ALCN_OK;
}

static alcn_status load_dataset(ab_run_state *st, const ab_config *c, const ab_cell *cell) {
  const char *root = ab_config_root(c, cell->dataset);
  char key[sizeof st->key];
  snprintf(key, sizeof key, "%s|%s|%d", cell->dataset, root ? root : "", c->image_size);
  if (st->have && !strcmp(st->key, key)) return ALCN_OK;
  if (st->have) alcn_dataset_free(&st->ds);
  st->have = 0;
  alcn_dataset_opts o = alcn_dataset_opts_default();
  o.root = root;
  o.size = c->image_size;
  o.quiet = c->quiet;
  ALCN_CHECK(alcn_dataset_load(&st->ds, cell->dataset, &o));
  st->have = 1;
  snprintf(st->key, sizeof st->key, "%s", key);
  return ALCN_OK;
}

static double median(double *v, int n) {
  for (int i = 1; i < n; ++i) { /* n is the number of test batches: small */
    double x = v[i];
    int j = i - 1;
    while (j >= 0 && v[j] > x) v[j + 1] = v[j], --j;
    v[j + 1] = x;
  }
  if (n == 0) return NAN;
  return n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

static alcn_loss_kind loss_kind(const char *name) {
  if (!strcmp(name, "ffl")) return ALCN_LOSS_FFL;
  if (!strcmp(name, "l1")) return ALCN_LOSS_L1;
  return ALCN_LOSS_MSE;
}

/* Figure 4 for up to 3 normal and 3 anomalous test images (the first of each
 * in the manifest), with their labels and scores; a failure is a warning. */
static void figure4(const ab_config *c, const ab_cell *cell, const alcn_method_desc *md, void *state,
                    ab_batches *b, const alcn_manifest *m, ab_result *r, ab_progress *pr) {
  if (!md->reconstruct) return;
  int pos[6], lab[6];
  float sc[6];
  int32_t idx[6];
  int n = ab_pick_examples(m->test_labels, m->n_test, 3, pos);
  if (n > b->batch) n = b->batch;
  for (int i = 0; i < n; ++i) {
    idx[i] = m->test[pos[i]];
    lab[i] = m->test_labels[pos[i]] != 0;
    sc[i] = r->test_scores[pos[i]];
  }
  size_t d = b->sample, bytes = (size_t)n * d * sizeof(float);
  alcn_backend *be = b->be;
  float *rec = alcn_backend_alloc(be, bytes), *noi = NULL, *xt = NULL;
  float *h = malloc(4 * bytes);
  const float *x = NULL;
  alcn_status s = ALCN_ERR_NOMEM;
  if (!rec || !h) goto out;
  char nid[128];
  ab_spec_id(cell->noise, nid, sizeof nid);
  int with_noise = md->corrupt_example && strcmp(nid, "none") != 0; /* no noise: no (black) noise panels */
  if (with_noise) {
    noi = alcn_backend_alloc(be, bytes);
    xt = alcn_backend_alloc(be, bytes);
    if (!noi || !xt) goto out;
  }
  if ((s = ab_batches_fill(b, idx, n, &x)) != ALCN_OK) goto out;
  if ((s = md->reconstruct(state, x, n, rec)) != ALCN_OK) goto out;
  if (with_noise && (s = md->corrupt_example(state, x, n, noi, xt)) != ALCN_OK) goto out;
  float *hin = h, *hn = h + (size_t)n * d, *hx = h + 2 * (size_t)n * d, *hr = h + 3 * (size_t)n * d;
  memcpy(hin, b->host, bytes);
  if ((s = alcn_download(be, hr, rec, bytes)) != ALCN_OK) goto out;
  if (noi && (s = alcn_download(be, hn, noi, bytes)) != ALCN_OK) goto out;
  if (xt && (s = alcn_download(be, hx, xt, bytes)) != ALCN_OK) goto out;
  s = ab_figure4_write(c->out, cell->id, n, b->ds->c, b->ds->h, b->ds->w, hin, noi ? hn : NULL, xt ? hx : NULL, hr,
                       lab, sc);
  if (s == ALCN_OK) snprintf(r->figure4, sizeof r->figure4, "figure4/%s.f4", cell->id);
out:
  if (s != ALCN_OK) ab_progress_note(pr, "warning: %s: no Figure-4 file: %s", cell->id, alcn_last_error());
  alcn_backend_free(be, rec);
  alcn_backend_free(be, noi);
  alcn_backend_free(be, xt);
  free(h);
}

/* Mean score of the validation normals: the model-selection signal (never
 * the test set). Scoring is in eval mode and leaves the training state alone. */
static alcn_status val_score(const alcn_method_desc *md, void *state, ab_batches *b, const alcn_manifest *m,
                             float *dscores, float *hscores, double *out) {
  double sum = 0.0;
  for (int at = 0; at < m->n_val; at += b->batch) {
    int n = m->n_val - at < b->batch ? m->n_val - at : b->batch;
    const float *x;
    ALCN_CHECK(ab_batches_fill(b, m->val + at, n, &x));
    ALCN_CHECK(md->score(state, x, n, dscores));
    ALCN_CHECK(alcn_download(b->be, hscores, dscores, sizeof(float) * (size_t)n));
    for (int i = 0; i < n; ++i) sum += hscores[i];
  }
  *out = sum / m->n_val;
  return ALCN_OK;
}

/* Saturation of a learning noise: the fraction of its pattern values within
 * 0.01 of 0 or 1, on the first (up to) 256 training images in manifest order. */
static alcn_status noise_saturation(const alcn_method_desc *md, void *state, ab_batches *b, const alcn_manifest *m,
                                    float *noise, float *xt, float *host, double *out) {
  int n = m->n_train < b->batch ? m->n_train : b->batch;
  if (n > 256) n = 256;
  const float *x;
  ALCN_CHECK(ab_batches_fill(b, m->train, n, &x));
  ALCN_CHECK(md->corrupt_example(state, x, n, noise, xt));
  size_t cnt = (size_t)n * b->sample;
  ALCN_CHECK(alcn_download(b->be, host, noise, cnt * sizeof(float)));
  size_t sat = 0;
  for (size_t i = 0; i < cnt; ++i) sat += host[i] <= 0.01f || host[i] >= 0.99f;
  *out = cnt ? (double)sat / (double)cnt : NAN;
  return ALCN_OK;
}

/* Everything of a cell that can fail; r is filled as far as it gets. */
static alcn_status cell_body(ab_run_state *st, const ab_config *c, const alcn_registry *reg, const ab_cell *cell,
                             ab_progress *pr, ab_result *r) {
  alcn_status s = ALCN_OK;
  alcn_manifest m;
  memset(&m, 0, sizeof m);
  int have_m = 0;
  alcn_backend *be = NULL;
  void *state = NULL;
  ab_batches b;
  memset(&b, 0, sizeof b);
  float *dscores = NULL, *hval = NULL, *dnoise = NULL, *dxt = NULL, *hnoise = NULL;
  double *times = NULL;
  char mid[128], nid[128]; /* plugin ids of the cell's "id@variant" specs */
  ab_spec_id(cell->method, mid, sizeof mid);
  ab_spec_id(cell->noise, nid, sizeof nid);
  const alcn_method_desc *md = alcn_registry_method(reg, mid, &r->method_file);
  const alcn_noise_desc *nd = NULL;
  if (!md) ALCN_FAIL(ALCN_ERR_NOT_FOUND, "method '%s' is not loaded", mid);
  if (md->hosts_noise) nd = alcn_registry_noise(reg, nid, &r->noise_file);
  if (md->hosts_noise && !nd && strcmp(nid, "none"))
    ALCN_FAIL(ALCN_ERR_NOT_FOUND, "noise '%s' is not loaded", nid);
  r->method_label = md->label;
  r->noise_label = nd ? nd->label : NULL;

  ALCN_CHECK(load_dataset(st, c, cell));
  const alcn_dataset *ds = &st->ds;
  ALCN_CHECK_GOTO(s, alcn_protocol_split(&m, ds, cell->protocol, cell->class_index, cell->seed, c->val_fraction),
                  out);
  have_m = 1;
  ALCN_CHECK_GOTO(s, limit_manifest(ds, &m, c->limit_train, c->limit_test, alcn_rng_derive(cell->seed, STREAM_LIMIT)),
                  out);
  snprintf(r->manifest_hash, sizeof r->manifest_hash, "%s", m.hash_hex);
  {
    char path[PATH_MAX];
    snprintf(path, sizeof path, "%s/manifests/%s.txt", c->out, cell->id);
    ALCN_CHECK_GOTO(s, alcn_manifest_save(&m, path), out);
  }
  alcn_norm_kind nk;
  alcn_norm nm;
  ALCN_CHECK_GOTO(s, alcn_norm_parse(&nk, c->norm), out);
  ALCN_CHECK_GOTO(s, alcn_norm_fit(&nm, nk, ds, m.train, m.n_train), out);
  ALCN_CHECK_GOTO(s, alcn_backend_create(&be, c->device, c->threads, c->quiet || pr->plan_k > 1), out);
  snprintf(r->device, sizeof r->device, "%s", alcn_backend_description(be));

  const char *mo[256], *no[256];
  alcn_method_config mc;
  memset(&mc, 0, sizeof mc);
  mc.size = sizeof mc;
  mc.C = ds->c;
  mc.H = ds->h;
  mc.W = ds->w;
  mc.max_batch = c->batch;
  mc.loss.kind = loss_kind(cell->loss);
  mc.loss.ffl_alpha = (float)c->ffl_alpha;
  mc.opts.items = mo;
  mc.opts.count = ab_opts_for(&c->method_opts, cell->method, mo, 256);
  mc.noise = nd;
  mc.noise_opts.items = no;
  mc.noise_opts.count = md->hosts_noise ? ab_opts_for(&c->noise_opts, cell->noise, no, 256) : 0;
  alcn_ctx ctx = {sizeof(alcn_ctx), be, cell->seed, 1};
  ALCN_CHECK_GOTO(s, md->create(&mc, &ctx, &state), out);
  ALCN_CHECK_GOTO(s, ab_batches_init(&b, be, ds, &nm, m.train, m.n_train, c->batch,
                                     alcn_rng_derive(cell->seed, STREAM_SHUFFLE), pr), out);

  /* ---- training */
  r->epoch_losses = calloc((size_t)c->epochs, sizeof(double));
  r->epoch_aux = calloc((size_t)c->epochs, sizeof(double));
  if (!r->epoch_losses || !r->epoch_aux) {
    s = alcn_error_at(__FILE__, __LINE__, ALCN_ERR_NOMEM, "out of host memory");
    goto out;
  }
  if (m.n_val > 0) {
    r->epoch_val = calloc((size_t)c->epochs, sizeof(double));
    dscores = alcn_backend_alloc(be, sizeof(float) * (size_t)c->batch);
    hval = malloc(sizeof(float) * (size_t)c->batch);
    if (!r->epoch_val || !dscores || !hval) {
      s = alcn_error_at(__FILE__, __LINE__, ALCN_ERR_NOMEM, "out of memory for the validation scores");
      goto out;
    }
  }
  if (nd && nd->learn && md->corrupt_example && m.n_train > 0) {
    size_t bytes = (size_t)c->batch * b.sample * sizeof(float);
    r->epoch_sat = calloc((size_t)c->epochs, sizeof(double));
    dnoise = alcn_backend_alloc(be, bytes);
    dxt = alcn_backend_alloc(be, bytes);
    hnoise = malloc(bytes);
    if (!r->epoch_sat || !dnoise || !dxt || !hnoise) {
      s = alcn_error_at(__FILE__, __LINE__, ALCN_ERR_NOMEM, "out of memory for the noise diagnostics");
      goto out;
    }
  }
  pr->images_per_epoch = m.n_train;
  double t0 = alcn_clock_s(), t_diag = 0.0, best_val = INFINITY;
  int since_best = 0;
  uint64_t step = 0;
  for (int e = 0; e < c->epochs; ++e) {
    ab_batches_epoch(&b, e);
    ab_progress_epoch_begin(pr, e + 1);
    ab_epoch_stats es;
    s = ab_train_epoch(md, nd, state, &b, e, &step, &es);
    if (s == ALCN_ERR_INTERRUPTED || ab_interrupted) {
      s = ALCN_ERR_INTERRUPTED;
      goto out;
    }
    if (s != ALCN_OK) goto out;
    r->epoch_losses[e] = es.loss;
    r->epoch_aux[e] = es.aux_loss;
    r->epochs_run = e + 1;
    double td = alcn_clock_s();
    if (r->epoch_val) ALCN_CHECK_GOTO(s, val_score(md, state, &b, &m, dscores, hval, &r->epoch_val[e]), out);
    if (r->epoch_sat)
      ALCN_CHECK_GOTO(s, noise_saturation(md, state, &b, &m, dnoise, dxt, hnoise, &r->epoch_sat[e]), out);
    t_diag += alcn_clock_s() - td;
    ab_progress_epoch_end(pr, es.loss, es.aux_loss, es.images);
    if (es.events && md->event_name)
      ab_progress_note(pr, "[cell %d/%d] %s %dx", pr->plan_k, pr->plan_n, md->event_name, es.events);
    if (c->early_stop > 0 && r->epoch_val) {
      if (e == 0 || r->epoch_val[e] < best_val * (1.0 - 1e-3)) {
        best_val = r->epoch_val[e];
        since_best = 0;
      } else if (++since_best >= c->early_stop && e + 1 < c->epochs) {
        r->early_stopped = 1;
        ab_progress_note(pr, "[cell %d/%d] early stop after epoch %d: the validation score has not fallen by 0.1%% "
                         "for %d epochs", pr->plan_k, pr->plan_n, e + 1, c->early_stop);
        break;
      }
    }
  }
  ALCN_CHECK_GOTO(s, alcn_sync(be), out);
  r->train_seconds = alcn_clock_s() - t0 - t_diag; /* the diagnostics are not training */

  /* ---- scoring */
  int nb = (m.n_test + c->batch - 1) / c->batch;
  if (!dscores) dscores = alcn_backend_alloc(be, sizeof(float) * (size_t)c->batch);
  r->test_scores = malloc(sizeof(float) * (size_t)(m.n_test > 0 ? m.n_test : 1));
  r->test_labels = malloc(sizeof(int) * (size_t)(m.n_test > 0 ? m.n_test : 1));
  times = malloc(sizeof(double) * (size_t)(nb > 0 ? nb : 1));
  if (!dscores || !r->test_scores || !r->test_labels || !times) {
    s = alcn_error_at(__FILE__, __LINE__, ALCN_ERR_NOMEM, "out of memory for %d test scores", m.n_test);
    goto out;
  }
  int n_full = 0, n_times = 0;
  for (int k = 0; k < nb; ++k) {
    if (ab_interrupted) {
      s = ALCN_ERR_INTERRUPTED;
      goto out;
    }
    int at = k * c->batch, n = m.n_test - at < c->batch ? m.n_test - at : c->batch;
    const float *x;
    ALCN_CHECK_GOTO(s, ab_batches_fill(&b, m.test + at, n, &x), out);
    ALCN_CHECK_GOTO(s, alcn_sync(be), out);
    double ts = alcn_clock_s();
    ALCN_CHECK_GOTO(s, md->score(state, x, n, dscores), out);
    ALCN_CHECK_GOTO(s, alcn_sync(be), out);
    double te = alcn_clock_s();
    ALCN_CHECK_GOTO(s, alcn_download(be, r->test_scores + at, dscores, sizeof(float) * (size_t)n), out);
    /* full batches first in the median (a partial last batch is faster) */
    if (n == c->batch) {
      times[n_times++] = times[n_full];
      times[n_full++] = 1e3 * (te - ts);
    } else {
      times[n_times++] = 1e3 * (te - ts);
    }
  }
  for (int i = 0; i < m.n_test; ++i) r->test_labels[i] = m.test_labels[i];
  r->n_test = m.n_test;
  r->infer_batch = c->batch;
  r->infer_ms_per_batch = median(times, n_full ? n_full : n_times);
  int bad = 0;
  for (int i = 0; i < m.n_test; ++i) bad += !isfinite(r->test_scores[i]);
  if (bad) {
    s = alcn_error_at(__FILE__, __LINE__, ALCN_ERR_NUMERIC, "test scores: %d of %d are NaN or Inf", bad, m.n_test);
    goto out;
  }
  alcn_metrics mt;
  ALCN_CHECK_GOTO(s, alcn_metrics_compute(r->test_scores, r->test_labels, (size_t)m.n_test, &mt), out);
  r->auroc = mt.auroc;
  r->aupr = mt.aupr;
  r->f1max = mt.f1max;

  figure4(c, cell, md, state, &b, &m, r, pr);
  ab_pixel_eval(c, cell, md, state, &b, &m, r, pr);
  size_t np = 0;
  r->params_method = (long long)md->param_count(state, &np);
  r->params_noise = (long long)np;
  if (alcn_backend_peak_memory(be)) r->peak_device_bytes = (long long)alcn_backend_peak_memory(be); /* 0: untracked */

out:
  if (state) md->destroy(state);
  ab_batches_free(&b);
  if (be) {
    alcn_backend_free(be, dscores);
    alcn_backend_free(be, dnoise);
    alcn_backend_free(be, dxt);
    alcn_backend_destroy(be);
  }
  free(hval);
  free(hnoise);
  free(times);
  if (have_m) alcn_manifest_free(&m);
  return s;
}

alcn_status ab_run_cell(ab_run_state *st, const ab_config *c, const alcn_registry *reg, const ab_cell *cell,
                        ab_progress *pr, int *failed) {
  ab_result r;
  memset(&r, 0, sizeof r);
  r.peak_device_bytes = -1;
  r.auroc = r.aupr = r.f1max = r.infer_ms_per_batch = r.pixel_auroc = r.aupro = NAN;
  *failed = 0;
  iso_now(r.start, sizeof r.start);
  alcn_clear_error();
  ab_progress_cell_begin(pr, pr->plan_k, cell->id, c->epochs, 0);
  double t0 = alcn_clock_s();
  alcn_status s = cell_body(st, c, reg, cell, pr, &r);
  if (s == ALCN_ERR_INTERRUPTED || ab_interrupted) {
    s = ALCN_ERR_INTERRUPTED;
    goto out;
  }
  if (r.train_seconds == 0.0) r.train_seconds = alcn_clock_s() - t0;
  r.done = s == ALCN_OK;
  if (!r.done) snprintf(r.reason, sizeof r.reason, "%s", alcn_last_error()[0] ? alcn_last_error()
                                                                               : alcn_status_str(s));
  struct rusage ru;
  if (getrusage(RUSAGE_SELF, &ru) == 0) r.peak_host_bytes = (long long)ru.ru_maxrss * 1024;
  iso_now(r.end, sizeof r.end);
  s = ab_record_write(c, cell, &r);
  if (s == ALCN_OK) {
    *failed = !r.done;
    ab_progress_cell_end(pr, r.done, r.auroc, r.reason);
  }
out:
  free(r.epoch_losses);
  free(r.epoch_aux);
  free(r.epoch_val);
  free(r.epoch_sat);
  free(r.test_scores);
  free(r.test_labels);
  return s;
}
