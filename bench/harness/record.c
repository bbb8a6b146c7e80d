/* Cell records: the JSON object of one cell (schema alcnbench.record/1,
 * written with cJSON), atomic file writes (temp file, fsync, rename, fsync of
 * the folder) and the resume state of a cell from its record. */
#define _DEFAULT_SOURCE /* fsync, strdup */
#include <cJSON.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <fftw3.h>
#include <limits.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "alcn/fsutil.h"
#include "alcn/report.h" /* ALCN_REPORT_RECORD_CAP */
#include "alcn/version.h"
#include "bench.h"

char *openblas_get_config(void); /* OpenBLAS: "OpenBLAS 0.3.x ..." */

/* Create and remove a probe file in dir: an --out that exists but cannot be
 * written (read-only file system or permissions, or a file where a folder
 * should be) is found here, before any cell trains. */
static alcn_status probe_writable(const char *out, const char *dir) {
  char p[PATH_MAX + 64];
  if (snprintf(p, sizeof p, "%s/.alcnbench-probe.%ld.tmp", dir, (long)getpid()) >= (int)sizeof p)
    ALCN_FAIL(ALCN_ERR_ARG, "--out %s: path too long", out);
  int fd = open(p, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0644);
  if (fd < 0) {
    int e = errno;
    ALCN_FAIL(ALCN_ERR_IO, "--out %s: cannot create files in %s: %s (hint: make it writable or choose another "
              "--out); no cell was run", out, dir, strerror(e));
  }
  close(fd);
  if (unlink(p) != 0) {
    int e = errno;
    ALCN_FAIL(ALCN_ERR_IO, "--out %s: cannot remove files in %s: %s (hint: make it writable or choose another "
              "--out); no cell was run", out, dir, strerror(e));
  }
  return ALCN_OK;
}

alcn_status ab_out_prepare(const char *out) {
  static const char *const sub[] = {"records", "manifests", "figure4", ".partial"};
  char p[PATH_MAX];
  for (size_t i = 0; i < sizeof sub / sizeof *sub; ++i) {
    snprintf(p, sizeof p, "%s/%s", out, sub[i]);
    ALCN_CHECK(alcn_fs_mkdir_p(p));
  }
  /* the probes' messages say it all: returned without trace frames (one line) */
  alcn_status ps = probe_writable(out, out); /* the report goes to <out>/report */
  for (size_t i = 0; ps == ALCN_OK && i < sizeof sub / sizeof *sub; ++i) {
    snprintf(p, sizeof p, "%s/%s", out, sub[i]);
    ps = probe_writable(out, p);
  }
  if (ps != ALCN_OK) return ps;
  /* temporary files of a run that was killed: never a finished result; those
     of a writer that still runs on this host (its pid is in the name) stay */
  snprintf(p, sizeof p, "%s/.partial", out);
  DIR *d = opendir(p);
  if (d) {
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
      size_t l = strlen(e->d_name);
      long owner = alcn_fs_tmp_owner(e->d_name);
      if (owner > 0 && owner != (long)getpid() && (kill((pid_t)owner, 0) == 0 || errno == EPERM)) continue;
      if (l > 4 && !strcmp(e->d_name + l - 4, ".tmp")) {
        char f[PATH_MAX + 256];
        snprintf(f, sizeof f, "%s/%s", p, e->d_name);
        unlink(f);
      }
    }
    closedir(d);
  }
  return ALCN_OK;
}

alcn_status ab_write_atomic(const char *out, const char *rel, const void *data, size_t len) {
  char final[PATH_MAX], tmp_dir[PATH_MAX];
  if (snprintf(final, sizeof final, "%s/%s", out, rel) >= (int)sizeof final)
    ALCN_FAIL(ALCN_ERR_ARG, "path too long: %s/%s", out, rel);
  snprintf(tmp_dir, sizeof tmp_dir, "%s/.partial", out);
  /* the one atomic writer, shared with the report (core/src/fsutil.c) */
  return alcn_fs_write_atomic(final, tmp_dir, data, len);
}

ab_rec_state ab_record_state(const char *out, const char *cell_id) {
  char path[PATH_MAX];
  snprintf(path, sizeof path, "%s/records/%s.json", out, cell_id);
  struct stat sb;
  if (lstat(path, &sb) != 0) return errno == ENOENT ? AB_REC_MISSING : AB_REC_CORRUPT;
  /* a record is untrusted: a FIFO, folder or device is never waited on or
     read (O_NONBLOCK + fstat), nor a file over the cap; such a cell is redone */
  char *buf = NULL;
  size_t n = 0;
  if (alcn_fs_read_regular(NULL, path, ALCN_REPORT_RECORD_CAP, &buf, &n) != ALCN_OK) return AB_REC_CORRUPT;
  ab_rec_state st = AB_REC_CORRUPT;
  cJSON *root = n > 0 ? cJSON_ParseWithLength(buf, n) : NULL;
  if (root) {
    const cJSON *s = cJSON_GetObjectItemCaseSensitive(root, "status");
    const cJSON *c = cJSON_GetObjectItemCaseSensitive(root, "cell");
    if (cJSON_IsString(s) && cJSON_IsString(c) && !strcmp(c->valuestring, cell_id))
      st = !strcmp(s->valuestring, "done") ? AB_REC_DONE : AB_REC_FAILED;
    cJSON_Delete(root);
  }
  free(buf);
  return st;
}

/* A number, or null for NaN/Inf (JSON has no NaN). */
static cJSON *num_or_null(double v) { return isfinite(v) ? cJSON_CreateNumber(v) : cJSON_CreateNull(); }

static cJSON *str_list(const char *const *v, int n) {
  cJSON *a = cJSON_CreateArray();
  for (int i = 0; a && i < n; ++i) cJSON_AddItemToArray(a, cJSON_CreateString(v[i]));
  return a;
}

static cJSON *config_json(const ab_config *c, const ab_cell *cell, const ab_result *r) {
  cJSON *o = cJSON_CreateObject();
  const char *root = ab_config_root(c, cell->dataset);
  cJSON_AddStringToObject(o, "dataset", cell->dataset);
  cJSON_AddItemToObject(o, "root", root ? cJSON_CreateString(root) : cJSON_CreateNull());
  cJSON_AddStringToObject(o, "protocol", cell->protocol);
  cJSON_AddNumberToObject(o, "class", cell->class_index);
  cJSON_AddStringToObject(o, "method", cell->method);
  cJSON_AddStringToObject(o, "noise", cell->noise);
  cJSON_AddStringToObject(o, "loss", cell->loss);
  cJSON_AddNumberToObject(o, "seed", (double)cell->seed);
  cJSON_AddNumberToObject(o, "epochs", c->epochs);
  cJSON_AddNumberToObject(o, "batch", c->batch);
  cJSON_AddStringToObject(o, "device", c->device);
  cJSON_AddNumberToObject(o, "threads", c->threads);
  cJSON_AddNumberToObject(o, "image_size", c->image_size);
  cJSON_AddStringToObject(o, "norm", c->norm);
  cJSON_AddNumberToObject(o, "val_fraction", c->val_fraction);
  cJSON_AddNumberToObject(o, "early_stop", c->early_stop);
  cJSON_AddNumberToObject(o, "limit_train", c->limit_train);
  cJSON_AddNumberToObject(o, "limit_test", c->limit_test);
  cJSON_AddNumberToObject(o, "ffl_alpha", c->ffl_alpha);
  const char *mo[256], *no[256];
  int nmo = ab_opts_for(&c->method_opts, cell->method, mo, 256);
  int nno = ab_opts_for(&c->noise_opts, cell->noise, no, 256);
  cJSON_AddItemToObject(o, "method_opts", str_list(mo, nmo));
  cJSON_AddItemToObject(o, "noise_opts", str_list(no, nno));
  cJSON_AddItemToObject(o, "method_file", r->method_file ? cJSON_CreateString(r->method_file) : cJSON_CreateNull());
  cJSON_AddItemToObject(o, "noise_file", r->noise_file ? cJSON_CreateString(r->noise_file) : cJSON_CreateNull());
  cJSON_AddItemToObject(o, "config_file", c->config_file ? cJSON_CreateString(c->config_file) : cJSON_CreateNull());
  char shard[32];
  snprintf(shard, sizeof shard, "%d/%d", c->shard_i, c->shard_n);
  cJSON_AddStringToObject(o, "shard", shard);
  return o;
}

/* 1 when the last epoch's loss is not below the first's (training did not
 * reduce it: an untrained model, flagged in the record and the report), 0
 * when it fell, -1 when there is nothing to compare (under 2 epochs, or a
 * loss that is not finite). */
static int loss_not_falling(const ab_result *r) {
  if (!r->epoch_losses || r->epochs_run < 2) return -1;
  double first = r->epoch_losses[0], last = r->epoch_losses[r->epochs_run - 1];
  if (!isfinite(first) || !isfinite(last)) return -1;
  return last >= first;
}

alcn_status ab_record_write(const ab_config *c, const ab_cell *cell, const ab_result *r) {
  /* A finished result is never lost: a failed attempt (--no-resume, or a second run) does not replace it. */
  if (!r->done && ab_record_state(c->out, cell->id) == AB_REC_DONE) {
    fprintf(stderr, "alcnbench: warning: %s failed (%s); its earlier done record in %s/records/ is kept\n", cell->id,
            r->reason[0] ? r->reason : "no reason", c->out);
    return ALCN_OK;
  }
  cJSON *o = cJSON_CreateObject();
  if (!o) ALCN_FAIL(ALCN_ERR_NOMEM, "out of host memory for the record");
  cJSON_AddStringToObject(o, "schema", "alcnbench.record/1");
  cJSON_AddStringToObject(o, "cell", cell->id);
  cJSON_AddStringToObject(o, "status", r->done ? "done" : "failed");
  cJSON_AddItemToObject(o, "reason", r->done ? cJSON_CreateNull() : cJSON_CreateString(r->reason));
  cJSON_AddStringToObject(o, "dataset", cell->dataset);
  cJSON_AddStringToObject(o, "protocol", cell->protocol);
  cJSON_AddNumberToObject(o, "class", cell->class_index);
  cJSON_AddStringToObject(o, "class_name", cell->class_name);
  cJSON_AddStringToObject(o, "method", cell->method);
  cJSON_AddStringToObject(o, "noise", cell->noise);
  /* the plugins' own display labels (the report composes "DAE+ALCN" from them) */
  cJSON_AddItemToObject(o, "method_label", r->method_label ? cJSON_CreateString(r->method_label) : cJSON_CreateNull());
  cJSON_AddItemToObject(o, "noise_label", r->noise_label ? cJSON_CreateString(r->noise_label) : cJSON_CreateNull());
  cJSON_AddStringToObject(o, "loss", cell->loss);
  cJSON_AddNumberToObject(o, "seed", (double)cell->seed);
  cJSON_AddItemToObject(o, "config", config_json(c, cell, r));
  cJSON_AddItemToObject(o, "manifest_hash", r->manifest_hash[0] ? cJSON_CreateString(r->manifest_hash)
                                                                 : cJSON_CreateNull());
  cJSON_AddItemToObject(o, "auroc", r->done ? num_or_null(r->auroc) : cJSON_CreateNull());
  cJSON_AddItemToObject(o, "aupr", r->done ? num_or_null(r->aupr) : cJSON_CreateNull());
  cJSON_AddItemToObject(o, "f1max", r->done ? num_or_null(r->f1max) : cJSON_CreateNull());
  cJSON_AddNumberToObject(o, "epochs", r->epochs_run);
  cJSON_AddBoolToObject(o, "early_stopped", r->early_stopped);
  int nf = loss_not_falling(r);
  cJSON_AddItemToObject(o, "loss_not_falling", nf < 0 ? cJSON_CreateNull() : cJSON_CreateBool(nf));
  cJSON *el = cJSON_CreateArray(), *ea = cJSON_CreateArray();
  for (int e = 0; e < r->epochs_run; ++e) {
    cJSON_AddItemToArray(el, num_or_null(r->epoch_losses[e]));
    cJSON_AddItemToArray(ea, num_or_null(r->epoch_aux[e]));
  }
  cJSON_AddItemToObject(o, "epoch_losses", el);
  cJSON_AddItemToObject(o, "epoch_aux_losses", ea);
  const double *diag[2] = {r->epoch_val, r->epoch_sat};
  const char *diag_name[2] = {"epoch_val_scores", "epoch_noise_saturation"};
  for (int k = 0; k < 2; ++k) {
    if (!diag[k]) continue;
    cJSON *a = cJSON_CreateArray();
    for (int e = 0; e < r->epochs_run; ++e) cJSON_AddItemToArray(a, num_or_null(diag[k][e]));
    cJSON_AddItemToObject(o, diag_name[k], a);
  }
  cJSON_AddNumberToObject(o, "train_seconds", r->train_seconds);
  cJSON_AddItemToObject(o, "infer_ms_per_batch", r->done ? num_or_null(r->infer_ms_per_batch) : cJSON_CreateNull());
  cJSON_AddNumberToObject(o, "infer_batch", r->infer_batch);
  cJSON *pm = cJSON_CreateObject();
  cJSON_AddNumberToObject(pm, "method", (double)r->params_method);
  cJSON_AddNumberToObject(pm, "noise", (double)r->params_noise);
  cJSON_AddNumberToObject(pm, "total", (double)(r->params_method + r->params_noise));
  cJSON_AddItemToObject(o, "params", pm);
  cJSON_AddNumberToObject(o, "peak_host_bytes", (double)r->peak_host_bytes);
  cJSON_AddItemToObject(o, "peak_device_bytes",
                        r->peak_device_bytes >= 0 ? cJSON_CreateNumber((double)r->peak_device_bytes)
                                                  : cJSON_CreateNull());
  cJSON_AddStringToObject(o, "device", r->device[0] ? r->device : c->device);
  cJSON *v = cJSON_CreateObject();
  cJSON_AddStringToObject(v, "alcnbench", alcn_version());
  cJSON_AddStringToObject(v, "cjson", cJSON_Version());
  cJSON_AddStringToObject(v, "fftw", fftwf_version);
  const char *ob = openblas_get_config();
  cJSON_AddStringToObject(v, "openblas", ob ? ob : "unknown");
  cJSON_AddItemToObject(o, "versions", v);
  cJSON_AddStringToObject(o, "git_rev", alcn_git_revision());
  cJSON_AddStringToObject(o, "start", r->start);
  cJSON_AddStringToObject(o, "end", r->end);
  cJSON *ts = cJSON_CreateArray(), *tl = cJSON_CreateArray();
  for (int i = 0; r->test_scores && i < r->n_test; ++i) {
    /* %.9g: a float read back exactly, half the bytes of cJSON's %.17g */
    char num[32];
    if (isfinite(r->test_scores[i])) snprintf(num, sizeof num, "%.9g", (double)r->test_scores[i]);
    cJSON_AddItemToArray(ts, isfinite(r->test_scores[i]) ? cJSON_CreateRaw(num) : cJSON_CreateNull());
    cJSON_AddItemToArray(tl, cJSON_CreateNumber(r->test_labels[i]));
  }
  cJSON_AddItemToObject(o, "test_scores", ts);
  cJSON_AddItemToObject(o, "test_labels", tl);
  cJSON_AddItemToObject(o, "figure4", r->figure4[0] ? cJSON_CreateString(r->figure4) : cJSON_CreateNull());
  if (r->done && isfinite(r->pixel_auroc)) { /* pixel level: only where measured (pixel_eval.c) */
    cJSON_AddNumberToObject(o, "pixel_auroc", r->pixel_auroc);
    cJSON_AddItemToObject(o, "aupro", num_or_null(r->aupro));
    cJSON_AddNumberToObject(o, "aupro_fpr_limit", 0.3);
    cJSON_AddNumberToObject(o, "pixel_sigma", c->pixel_sigma);
    cJSON_AddNumberToObject(o, "pixel_regions", (double)r->pixel_regions);
    cJSON_AddItemToObject(o, "anomaly_maps", r->anomaly_maps[0] ? cJSON_CreateString(r->anomaly_maps)
                                                                : cJSON_CreateNull());
  }
  char *text = cJSON_PrintUnformatted(o);
  cJSON_Delete(o);
  if (!text) ALCN_FAIL(ALCN_ERR_NOMEM, "out of host memory printing the record of %s", cell->id);
  size_t len = strlen(text);
  char rel[400];
  snprintf(rel, sizeof rel, "records/%s.json", cell->id);
  /* one line per record, newline-terminated */
  char *line = malloc(len + 2);
  if (line) memcpy(line, text, len);
  cJSON_free(text);
  if (!line) ALCN_FAIL(ALCN_ERR_NOMEM, "out of host memory");
  line[len] = '\n';
  line[len + 1] = '\0';
  alcn_status s = ab_write_atomic(c->out, rel, line, len + 1);
  free(line);
  return s;
}
