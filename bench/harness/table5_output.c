/* `alcnbench table5` output: the printed table (a column per PyTorch peer,
 * the ratio against the fastest), --json FILE (the whole table) and --out DIR
 * (one record per case, DIR/table5/<case-id>.json, schema alcnbench.table5/1),
 * written atomically. */
#define _POSIX_C_SOURCE 200809L
#include <cjson/cJSON.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "alcn/fsutil.h"
#include "table5.h"

static cJSON *num_or_null(double v) { return isnan(v) ? cJSON_CreateNull() : cJSON_CreateNumber(v); }

static void case_id(char *dst, size_t cap, const t5_opts *o, const t5_item *it, const t5_case *c) {
  snprintf(dst, cap, "%s_%s_%s_b%d_%dx%dx%d_%s_%s", it->method, it->noise, c->kase, c->batch, o->C, o->H, o->W,
           it->be_name, o->loss);
}

/* A peer as the records name it: label, interpreter, torch, compiled or not. */
static cJSON *peer_json(const tp_peer *p) {
  cJSON *j = cJSON_CreateObject();
  cJSON_AddStringToObject(j, "label", p->label);
  cJSON_AddStringToObject(j, "python", p->python);
  cJSON_AddStringToObject(j, "torch_version", p->version);
  cJSON_AddBoolToObject(j, "compile", p->compile);
  return j;
}

static cJSON *case_json(const t5_opts *o, const t5_peers *pe, const t5_item *it, const t5_case *c, int record) {
  cJSON *j = cJSON_CreateObject();
  char id[256], shape[48];
  case_id(id, sizeof id, o, it, c);
  snprintf(shape, sizeof shape, "%dx%dx%d", o->C, o->H, o->W);
  if (record) cJSON_AddStringToObject(j, "schema", "alcnbench.table5/1");
  cJSON_AddStringToObject(j, "id", id);
  cJSON_AddStringToObject(j, "method", it->method);
  cJSON_AddStringToObject(j, "noise", it->noise);
  cJSON_AddStringToObject(j, "method_label", it->method_label);
  cJSON_AddItemToObject(j, "noise_label", it->noise_label[0] ? cJSON_CreateString(it->noise_label) : cJSON_CreateNull());
  cJSON_AddStringToObject(j, "case", c->kase);
  cJSON_AddNumberToObject(j, "batch", c->batch);
  cJSON_AddStringToObject(j, "device", it->be_name);
  cJSON_AddStringToObject(j, "device_description", it->device);
  cJSON_AddStringToObject(j, "shape", shape);
  cJSON_AddStringToObject(j, "loss", o->loss);
  cJSON_AddNumberToObject(j, "threads", o->threads);
  cJSON_AddItemToObject(j, "other_load", num_or_null(o->other_load));
  cJSON_AddNumberToObject(j, "iters", o->iters);
  cJSON_AddNumberToObject(j, "warmup", o->warmup);
  cJSON_AddNumberToObject(j, "ours_ms", c->med);
  cJSON_AddNumberToObject(j, "ours_min_ms", c->mn);
  cJSON_AddNumberToObject(j, "ours_max_ms", c->mx);
  cJSON_AddItemToObject(j, "torch_ms", num_or_null(c->torch_ms));
  cJSON_AddItemToObject(j, "torch_native_ms", num_or_null(c->torch_native_ms));
  cJSON_AddItemToObject(j, "torch_fast_ms", num_or_null(c->torch_fast_ms));
  cJSON_AddItemToObject(j, "torch_fastest",
                        c->fastest >= 0 ? cJSON_CreateString(pe->p[c->fastest].label) : cJSON_CreateNull());
  cJSON *peers = cJSON_AddArrayToObject(j, "peers");
  for (int k = 0; k < pe->n; ++k) {
    cJSON *pj = peer_json(&pe->p[k]);
    cJSON_AddItemToObject(pj, "ms", num_or_null(c->peer[k].ms));
    cJSON_AddItemToObject(pj, "native_ms", num_or_null(c->peer[k].native_ms));
    cJSON_AddItemToObject(pj, "fast_ms", num_or_null(c->peer[k].fast_ms));
    cJSON_AddItemToArray(peers, pj);
  }
  cJSON_AddItemToObject(j, "speedup", num_or_null(c->speedup));
  cJSON_AddItemToObject(j, "speedup_min", num_or_null(c->speedup_lo));
  cJSON_AddItemToObject(j, "speedup_max", num_or_null(c->speedup_hi));
  cJSON_AddNumberToObject(j, "rounds", c->rounds);
  cJSON *ro = cJSON_AddArrayToObject(j, "ours_rounds_ms"), *rt = cJSON_AddArrayToObject(j, "torch_rounds_ms");
  for (int r = 0; r < c->rounds && r < T5_MAX_ROUNDS; ++r) {
    cJSON_AddItemToArray(ro, num_or_null(c->ours_round[r]));
    cJSON_AddItemToArray(rt, num_or_null(c->torch_round[r]));
  }
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

/* Text and a newline, atomically (alcn/fsutil.h). */
static alcn_status write_text(const char *path, const char *text) {
  size_t n = strlen(text);
  char *t = malloc(n + 2);
  if (!t) ALCN_FAIL(ALCN_ERR_NOMEM, "table5: out of host memory");
  memcpy(t, text, n);
  t[n] = '\n';
  alcn_status st = alcn_fs_write_atomic(path, NULL, t, n + 1);
  free(t);
  return st;
}

alcn_status t5_write_outputs(const t5_opts *o, const t5_peers *pe, const t5_item *items, int n) {
  if (o->out) {
    char dir[1100];
    snprintf(dir, sizeof dir, "%s/table5", o->out);
    ALCN_CHECK(alcn_fs_mkdir_p(dir));
    for (int i = 0; i < n; ++i)
      for (int j = 0; items[i].ok && j < items[i].n; ++j) {
        char id[256], path[1400];
        case_id(id, sizeof id, o, &items[i], &items[i].c[j]);
        snprintf(path, sizeof path, "%s/%s.json", dir, id);
        cJSON *rec = case_json(o, pe, &items[i], &items[i].c[j], 1);
        char *text = cJSON_Print(rec);
        cJSON_Delete(rec);
        alcn_status st = text ? write_text(path, text) : ALCN_ERR_NOMEM;
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
    cJSON_AddItemToObject(root, "other_load", num_or_null(o->other_load));
    cJSON_AddNumberToObject(root, "cpus", o->cpus);
    cJSON_AddNumberToObject(root, "iters", o->iters);
    cJSON_AddNumberToObject(root, "warmup", o->warmup);
    cJSON_AddNumberToObject(root, "rounds", o->rounds);
    cJSON_AddBoolToObject(root, "paired", o->paired); /* case by case, in turn (table5_paired.c) */
    /* which side ran first in each round (table5.c alternates them) */
    cJSON *order = cJSON_AddArrayToObject(root, "rounds_first");
    for (int r = 0; r < o->rounds; ++r) cJSON_AddItemToArray(order, cJSON_CreateString(r % 2 ? "peers" : "ours"));
    cJSON *peers = cJSON_AddArrayToObject(root, "peers"); /* with what each got */
    for (int k = 0; k < pe->n; ++k) {
      cJSON *pj = peer_json(&pe->p[k]);
      cJSON_AddStringToObject(pj, "settings", pe->p[k].settings);
      cJSON_AddItemToArray(peers, pj);
    }
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
        cJSON_AddItemToArray(rows, case_json(o, pe, &items[i], &items[i].c[j], 0));
    }
    char *text = cJSON_Print(root);
    cJSON_Delete(root);
    alcn_status st = text ? write_text(o->json, text) : ALCN_ERR_NOMEM;
    free(text);
    ALCN_CHECK(st);
  }
  return ALCN_OK;
}

static void fmt_ms(char *dst, size_t cap, double v) {
  if (isnan(v)) snprintf(dst, cap, "-");
  else snprintf(dst, cap, "%.2f", v);
}

/* The width of peer column k: its label, at least 10. */
static int peer_width(const t5_peers *pe, int k) {
  const int w = pe->n ? (int)strlen(pe->p[k].label) : 8;
  return w < 10 ? 10 : w;
}

void t5_print_table(const t5_opts *o, const t5_peers *pe, const t5_item *items, int n, const char *dataset_col) {
  const char *dev = "?";
  for (int i = 0; i < n; ++i)
    if (items[i].ok) dev = items[i].device;
  char rounds[160] = "";
  if (o->rounds > 1)
    snprintf(rounds, sizeof rounds, "; %d rounds%s (ours first, then the peers first, in turn), medians of the rounds' "
             "medians", o->rounds, o->paired ? " of each case in a row" : "");
  else if (o->paired)
    snprintf(rounds, sizeof rounds, "; case by case, ours then the peers");
  printf("# alcnbench table5: shape %dx%dx%d, %s, loss %s, %d timed runs after %d warm-up (latency row: %d after %d), "
         "median [min, max]%s (%s), OPENBLAS_CORETYPE=%s\n",
         o->C, o->H, o->W, dev, o->loss, o->iters, o->warmup, o->lat_iters, t5_lat_warmup(o), rounds,
         strncmp(dev, "cuda", 4) == 0 ? "CUDA events" : "monotonic clock",
         getenv("OPENBLAS_CORETYPE") ? getenv("OPENBLAS_CORETYPE") : "-");
  if (isnan(o->other_load)) printf("# machine load: unknown (no /proc/stat)\n");
  else
    printf("# machine load: other processes kept %.0f%% of the %d CPUs busy while this ran%s\n", 100.0 * o->other_load,
           o->cpus, o->other_load > 0.10 ? " (times not reliable)" : "");
  for (int k = 0; k < pe->n; ++k)
    printf("# PyTorch peer \"%s\": %s, torch %s; %s\n", pe->p[k].label, pe->p[k].python, pe->p[k].version,
           pe->p[k].settings);
  /* one torch column per peer ("torch ms", empty, when none ran) */
  const int ncol = pe->n ? pe->n : 1, sw = o->rounds > 1 ? 22 : 11; /* "1.43x [1.38, 1.52]" */
  for (int row = 0; row < 2; ++row) {
    printf("%-9s %-9s %-17s %6s %28s %10s", row ? "" : "method", row ? "" : "noise", row ? "" : "case",
           row ? "" : "batch", row ? "" : "ours ms [min, max]", row ? "" : "images/s");
    for (int k = 0; k < ncol; ++k)
      printf(" %*s", peer_width(pe, k), row ? (pe->n ? "torch ms" : "") : pe->n ? pe->p[k].label : "torch ms");
    printf(" %*s %14s\n", sw, row ? (o->rounds > 1 ? "[range]" : "") : "vs fastest",
           row ? "GTX 1080 Ti" : "published ms");
  }
  for (int i = 0; i < n; ++i) {
    const t5_item *it = &items[i];
    if (!it->ok) {
      printf("%-9s %-9s failed: %s\n", it->method, it->noise, it->error);
      continue;
    }
    for (int j = 0; j < it->n; ++j) {
      const t5_case *c = &it->c[j];
      char ours[64], tm[32], sp[48], pub[24];
      snprintf(ours, sizeof ours, "%.2f [%.2f, %.2f]", c->med, c->mn, c->mx);
      printf("%-9s %-9s %-17s %6d %28s %10.0f", it->method, it->noise, c->kase, c->batch, ours,
             c->batch / (c->med * 1e-3));
      for (int k = 0; k < ncol; ++k) {
        fmt_ms(tm, sizeof tm, c->peer[k].ms);
        if (k == c->fastest && pe->n > 1) strncat(tm, "*", sizeof tm - strlen(tm) - 1);
        printf(" %*s", peer_width(pe, k), tm);
      }
      if (isnan(c->speedup)) snprintf(sp, sizeof sp, "-");
      else if (o->rounds > 1)
        snprintf(sp, sizeof sp, "%.2fx [%.2f, %.2f]", c->speedup, c->speedup_lo, c->speedup_hi);
      else snprintf(sp, sizeof sp, "%.2fx", c->speedup);
      fmt_ms(pub, sizeof pub, c->published_ms);
      printf(" %*s %14s\n", sw, sp, pub);
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
  printf("# epoch s: one epoch of %ld images at the timed batch; torch ms: each PyTorch peer's time, the faster "
         "of its --deconv variants (same threads, same batch; * the fastest peer); vs fastest: the fastest peer's "
         "ms / ours (with --rounds: per round, the median and [range] over the rounds); published: the paper's Table 5 (%s column, batch 4096, GTX 1080 Ti)\n",
         o->epoch_images, dataset_col ? dataset_col : "no matching");
}
