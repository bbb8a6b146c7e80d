/* Loading the harness's results: RESULTS_DIR/records/ *.json (one cell each,
 * schema alcnbench.record/1) and RESULTS_DIR/table5/ *.json (alcnbench.table5/1).
 * Tolerant of extra and missing keys; the method label shown in tables comes
 * from the record's method_label / noise_label, else from the loaded plugins'
 * descriptors, else the ids.
 * Records are untrusted data: only regular files under a size cap are read,
 * numbers are range-checked before any conversion to int, and a path in a
 * record (figure4) must stay inside the results folder. */
#define _DEFAULT_SOURCE /* realpath */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "alcn/labels.h"
#include "alcn/loader.h"
#include "alcn/metrics.h"
#include "report_internal.h"

const char *const rp_metric_id[RP_N_METRICS] = {"auroc", "aupr", "f1max", "pixel_auroc", "aupro"};
const char *const rp_metric_name[RP_N_METRICS] = {"AUROC", "AUPR", "F1-max", "Pixel AUROC", "AUPRO"};

static const char *jstr(const cJSON *o, const char *key) {
  const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
  return cJSON_IsString(v) ? v->valuestring : NULL;
}

static double jnum(const cJSON *o, const char *key) {
  const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
  return cJSON_IsNumber(v) ? v->valuedouble : NAN;
}

/* An optional integer field: absent (or null) -> *out = 0 and 1; a number
 * must be an integer in [lo, hi] (checked as a double, before any cast), else
 * 0 with a one-line reason in why. */
static int int_field(const cJSON *o, const char *key, double lo, double hi, int *out, char *why, size_t cap) {
  const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
  *out = 0;
  if (!v || cJSON_IsNull(v)) return 1;
  if (!cJSON_IsNumber(v)) {
    snprintf(why, cap, "\"%s\" is not a number", key);
    return 0;
  }
  double d = v->valuedouble;
  if (!(d >= lo && d <= hi) || d != floor(d)) {
    snprintf(why, cap, "\"%s\" is %.15g, not an integer in [%.0f, %.0f]", key, d, lo, hi);
    return 0;
  }
  *out = (int)d;
  return 1;
}

/* The plugins' labels for records written before records carried them:
 * the installed or built plugins, loaded once with the host's loader
 * (NULL when none can be loaded; then the ids stand as labels). */
static const alcn_registry *labels_registry(void) {
  static alcn_registry reg;
  static int state; /* 0 not tried, 1 loaded, -1 failed */
  if (!state) state = alcn_registry_load(&reg, NULL, 0, 1) == ALCN_OK ? 1 : -1;
  return state > 0 ? &reg : NULL;
}

/* The label of a plugin pair (ids without variants): the record's labels
 * (ml, nl; NULL when absent), else the loaded descriptors', else the ids. */
static void base_label(char *dst, size_t cap, const char *method, const char *noise, const char *ml,
                       const char *nl) {
  const int has_noise = noise && *noise && strcmp(noise, "none") != 0;
  const alcn_registry *reg = (!ml || (has_noise && !nl)) ? labels_registry() : NULL;
  if (!ml) {
    const alcn_method_desc *d = reg ? alcn_registry_method(reg, method, NULL) : NULL;
    ml = d && d->label ? d->label : method;
  }
  if (has_noise && !nl) {
    const alcn_noise_desc *d = reg ? alcn_registry_noise(reg, noise, NULL) : NULL;
    nl = d && d->label ? d->label : noise;
  }
  alcn_label_compose(dst, cap, ml, noise, nl);
}

/* Variants ("id@variant", bench.h) follow the label in brackets:
 * ganomaly@batch -> "GANomaly [batch]", dae@x + alcn@y -> "DAE+ALCN [x+y]". */
void rp_method_label_from(char *dst, size_t cap, const char *method, const char *noise, const char *method_label,
                          const char *noise_label) {
  if (!method) method = "?";
  if (!noise) noise = "";
  const char *ma = strchr(method, '@'), *na = strchr(noise, '@');
  char m[96], n[96], base[160];
  snprintf(m, sizeof m, "%.*s", (int)(ma ? (size_t)(ma - method) : strlen(method)), method);
  snprintf(n, sizeof n, "%.*s", (int)(na ? (size_t)(na - noise) : strlen(noise)), noise);
  base_label(base, sizeof base, m, n, method_label, noise_label);
  if (!ma && !na) snprintf(dst, cap, "%s", base);
  else
    snprintf(dst, cap, "%s [%s%s%s]", base, ma ? ma + 1 : "", ma && na ? "+" : "", na ? na + 1 : "");
}

void rp_method_label(char *dst, size_t cap, const char *method, const char *noise) {
  rp_method_label_from(dst, cap, method, noise, NULL, NULL);
}

int rp_label_order(const char *label) {
  if (strncmp(label, "DAE+ALCN", 8) == 0) return 5;
  if (strncmp(label, "DAE+Random", 10) == 0) return 2;
  if (strncmp(label, "DAE+Gaussian", 12) == 0) return 3;
  if (strncmp(label, "DAE+", 4) == 0) return 4;
  if (strncmp(label, "DAE", 3) == 0 && (label[3] == 0 || label[3] == ' ')) return 1;
  return 0;
}

static int cmp_str(const void *a, const void *b) {
  return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Sorted *.json names in dir; *names malloc'ed (each entry too). Missing dir -> 0 names. */
static alcn_status list_json(const char *dir, char ***names, size_t *n) {
  *names = NULL;
  *n = 0;
  DIR *d = opendir(dir);
  if (!d) return ALCN_OK;
  size_t cap = 0;
  struct dirent *e;
  alcn_status st = ALCN_OK;
  while ((e = readdir(d))) {
    size_t k = strlen(e->d_name);
    if (k < 6 || strcmp(e->d_name + k - 5, ".json") != 0 || e->d_name[0] == '.') continue;
    if (*n == cap) {
      cap = cap ? cap * 2 : 64;
      char **g = realloc(*names, cap * sizeof *g);
      if (!g) {
        st = alcn_error_at(__FILE__, __LINE__, ALCN_ERR_NOMEM, "out of memory listing %s", dir);
        break;
      }
      *names = g;
    }
    char *s = malloc(k + 1);
    if (!s) {
      st = alcn_error_at(__FILE__, __LINE__, ALCN_ERR_NOMEM, "out of memory listing %s", dir);
      break;
    }
    memcpy(s, e->d_name, k + 1);
    (*names)[(*n)++] = s;
  }
  closedir(d);
  if (*n) qsort(*names, *n, sizeof **names, cmp_str);
  return st;
}

static void free_names(char **names, size_t n) {
  for (size_t i = 0; i < n; ++i) free(names[i]);
  free(names);
}

static void free_record(rp_record *r) {
  cJSON_Delete(r->root);
  free(r->epoch_losses);
  free(r->epoch_saturation);
  free(r->scores);
  free(r->labels);
  memset(r, 0, sizeof *r);
}

/* The report keeps its own strings in a record's tree under "_report_*"
 * keys, looked up by name (the first match): a record's own keys of those
 * names would shadow them ("_report_figure4" would bypass the check that its
 * figure4 stays inside the results folder, "_report_file": 0 would leave it
 * without a name). They are no part of the schema: dropped. */
static void drop_reserved_keys(cJSON *root) {
  for (cJSON *c = root->child, *next; c; c = next) {
    next = c->next;
    if (c->string && strncmp(c->string, "_report_", 8) == 0) cJSON_Delete(cJSON_DetachItemViaPointer(root, c));
  }
}

/* Fill r from its JSON; returns 0 when the object is not a record (skipped). */
static int parse_record(rp_record *r, cJSON *root, const char *file, int quiet) {
  memset(r, 0, sizeof *r);
  r->root = root;
  drop_reserved_keys(root);
  /* Strings must live as long as the record (which is copied): keep them in its JSON tree. */
  cJSON_AddStringToObject(root, "_report_file", file);
  r->file = jstr(root, "_report_file");
  const char *schema = jstr(root, "schema");
  if (schema && strncmp(schema, "alcnbench.record/", 17) != 0) {
    if (!quiet) fprintf(stderr, "report: warning: %s has schema \"%s\", not a cell record; skipped\n", file, schema);
    return 0;
  }
  r->cell = jstr(root, "cell");
  r->status = jstr(root, "status");
  r->reason = jstr(root, "reason");
  r->dataset = jstr(root, "dataset");
  r->protocol = jstr(root, "protocol");
  r->class_name = jstr(root, "class_name");
  r->method = jstr(root, "method");
  r->noise = jstr(root, "noise");
  r->loss = jstr(root, "loss");
  r->device = jstr(root, "device");
  r->git_rev = jstr(root, "git_rev");
  r->start = jstr(root, "start");
  r->end = jstr(root, "end");
  r->figure4 = jstr(root, "figure4");
  r->manifest_hash = jstr(root, "manifest_hash");
  if (!r->cell) r->cell = r->file;
  if (!r->dataset) r->dataset = "unknown";
  if (!r->protocol) r->protocol = "-";
  if (!r->method) r->method = "unknown";
  char why[160];
  if (!int_field(root, "class", 0, INT_MAX, &r->cls, why, sizeof why) ||
      !int_field(root, "seed", 0, INT_MAX, &r->seed, why, sizeof why)) {
    fprintf(stderr, "report: warning: %s: %s; record skipped\n", file, why);
    return 0;
  }
  r->done = !r->status || strcmp(r->status, "done") == 0;
  rp_method_label_from(r->label, sizeof r->label, r->method, r->noise, jstr(root, "method_label"),
                       jstr(root, "noise_label"));
  { /* a run resized away from the data set's own size (--image-size) is its own row: "GANomaly (32 px)" */
    const cJSON *cfg = cJSON_GetObjectItemCaseSensitive(root, "config");
    const cJSON *px = cJSON_IsObject(cfg) ? cJSON_GetObjectItemCaseSensitive(cfg, "image_size") : NULL;
    if (cJSON_IsNumber(px) && px->valuedouble >= 1 && px->valuedouble <= 65536) {
      size_t L = strlen(r->label);
      snprintf(r->label + L, sizeof r->label - L, " (%d px)", (int)px->valuedouble);
    }
  }
  cJSON_AddStringToObject(root, "_report_base_label", r->label); /* before label_losses: see rp_relabel */
  for (int m = 0; m < RP_N_METRICS; ++m) r->metric[m] = jnum(root, rp_metric_id[m]);
  r->train_seconds = jnum(root, "train_seconds");
  r->infer_ms = jnum(root, "infer_ms_per_batch");

  const cJSON *el = cJSON_GetObjectItemCaseSensitive(root, "epoch_losses");
  int ne = cJSON_IsArray(el) ? cJSON_GetArraySize(el) : 0;
  if (ne > 0 && (r->epoch_losses = malloc((size_t)ne * sizeof(double)))) {
    const cJSON *v;
    cJSON_ArrayForEach(v, el) r->epoch_losses[r->n_epochs++] = cJSON_IsNumber(v) ? v->valuedouble : NAN;
  }
  const cJSON *es = cJSON_GetObjectItemCaseSensitive(root, "epoch_noise_saturation");
  int nsat = cJSON_IsArray(es) ? cJSON_GetArraySize(es) : 0;
  if (nsat > 0 && (r->epoch_saturation = malloc((size_t)nsat * sizeof(double)))) {
    const cJSON *v;
    cJSON_ArrayForEach(v, es) r->epoch_saturation[r->n_saturation++] = cJSON_IsNumber(v) ? v->valuedouble : NAN;
  }
  /* loss_not_falling: the record's flag, else from the losses (records before it existed) */
  const cJSON *nf = cJSON_GetObjectItemCaseSensitive(root, "loss_not_falling");
  if (cJSON_IsBool(nf)) r->loss_not_falling = cJSON_IsTrue(nf);
  else if (r->n_epochs >= 2 && isfinite(r->epoch_losses[0]) && isfinite(r->epoch_losses[r->n_epochs - 1]))
    r->loss_not_falling = r->epoch_losses[r->n_epochs - 1] >= r->epoch_losses[0];
  else r->loss_not_falling = -1;
  const cJSON *ts = cJSON_GetObjectItemCaseSensitive(root, "test_scores");
  const cJSON *tl = cJSON_GetObjectItemCaseSensitive(root, "test_labels");
  int ns = cJSON_IsArray(ts) ? cJSON_GetArraySize(ts) : 0, nl = cJSON_IsArray(tl) ? cJSON_GetArraySize(tl) : 0;
  if (ns > 0 && ns == nl) {
    r->scores = malloc((size_t)ns * sizeof(float));
    r->labels = malloc((size_t)ns * sizeof(int));
    if (r->scores && r->labels) {
      size_t k = 0;
      const cJSON *v;
      cJSON_ArrayForEach(v, ts) {
        /* beyond float's range: +-inf (not a cast of an out-of-range double) */
        double d = cJSON_IsNumber(v) ? v->valuedouble : NAN;
        r->scores[k++] = fabs(d) > 3.4028234663852886e38 ? (d > 0 ? INFINITY : -INFINITY) : (float)d;
      }
      k = 0;
      cJSON_ArrayForEach(v, tl) r->labels[k++] = cJSON_IsNumber(v) ? v->valueint : -1;
      r->n_scores = (size_t)ns;
    }
  } else if (ns != nl && !quiet) {
    fprintf(stderr, "report: warning: %s has %d test scores but %d labels; ignoring them\n", file, ns, nl);
  }
  /* Metrics missing from the record but computable from the scores. */
  if (r->done && r->n_scores && (isnan(r->metric[0]) || isnan(r->metric[1]) || isnan(r->metric[2]))) {
    alcn_metrics mm;
    if (alcn_metrics_compute(r->scores, r->labels, r->n_scores, &mm) == ALCN_OK) {
      if (isnan(r->metric[0])) r->metric[0] = mm.auroc;
      if (isnan(r->metric[1])) r->metric[1] = mm.aupr;
      if (isnan(r->metric[2])) r->metric[2] = mm.f1max;
    } else if (!quiet) {
      fprintf(stderr, "report: warning: %s: %s\n", file, alcn_last_error());
    }
  }
  return 1;
}

static int parse_t5(rp_t5 *t, cJSON *root, const char *file) {
  memset(t, 0, sizeof *t);
  t->root = root;
  t->method = jstr(root, "method");
  t->noise = jstr(root, "noise");
  t->kase = jstr(root, "case");
  t->device = jstr(root, "device");
  if (!t->method) t->method = "unknown";
  if (!t->kase) t->kase = "infer";
  if (!t->device) t->device = "?";
  rp_method_label_from(t->label, sizeof t->label, t->method, t->noise, jstr(root, "method_label"),
                       jstr(root, "noise_label"));
  char why[160];
  if (!int_field(root, "batch", 0, INT_MAX, &t->batch, why, sizeof why)) {
    fprintf(stderr, "report: warning: %s: %s; record skipped\n", file, why);
    return 0;
  }
  t->ours_ms = jnum(root, "ours_ms");
  t->ours_min = jnum(root, "ours_min_ms");
  t->ours_max = jnum(root, "ours_max_ms");
  t->torch_ms = jnum(root, "torch_ms");
  t->speedup = jnum(root, "speedup");
  t->images_per_s = jnum(root, "images_per_s");
  t->params_method = jnum(root, "params_method");
  t->params_noise = jnum(root, "params_noise");
  return 1;
}

/* The whole file (NUL-terminated, *n bytes) or NULL with a warning. */
static char *read_json_file(const char *path, size_t *n) {
  char *text;
  if (rp_read_file(path, RP_CAP_RECORD, &text, n) != ALCN_OK) {
    /* a FIFO, a folder or an oversized file: said even under --quiet */
    fprintf(stderr, "report: warning: %s; skipped\n", alcn_last_error());
    return NULL;
  }
  return text;
}

/* The JSON object in text[0..n), read up to a NUL byte as cJSON_Parse reads
 * a C string (never past n), or NULL with a warning naming path. */
static cJSON *parse_json_text(const char *text, size_t n, const char *path, int quiet) {
  const char *nul = memchr(text, '\0', n);
  cJSON *root = cJSON_ParseWithLength(text, nul ? (size_t)(nul - text) : n);
  if (!cJSON_IsObject(root)) {
    if (!quiet)
      fprintf(stderr, "report: warning: %s is not a JSON object (truncated write?); skipped\n", path);
    cJSON_Delete(root);
    return NULL;
  }
  return root;
}

static cJSON *parse_json_file(const char *path, int quiet) {
  size_t n = 0;
  char *text = read_json_file(path, &n);
  if (!text) return NULL;
  cJSON *root = parse_json_text(text, n, path, quiet);
  free(text);
  return root;
}

int rp_record_parse_text(rp_record *r, const char *text, size_t n, const char *path, const char *file, int quiet) {
  memset(r, 0, sizeof *r);
  cJSON *root = parse_json_text(text, n, path, quiet);
  if (!root) return 0;
  if (!parse_record(r, root, file, quiet)) {
    free_record(r);
    return 0;
  }
  return 1;
}

/* A path named by a record, resolved inside the results folder only: not
 * absolute, no '..' component, and (symbolic links followed) still under the
 * folder's real path. 1 and the real path in out, or 0 and the reason. */
static int path_inside(const char *dir, const char *real_dir, const char *rel, char *out, size_t cap, char *why,
                       size_t wcap) {
  if (!*rel) {
    snprintf(why, wcap, "is empty");
    return 0;
  }
  if (rel[0] == '/') {
    snprintf(why, wcap, "is absolute");
    return 0;
  }
  for (const char *p = rel; *p;) {
    size_t k = strcspn(p, "/");
    if (k == 2 && p[0] == '.' && p[1] == '.') {
      snprintf(why, wcap, "has a '..' component");
      return 0;
    }
    p += k;
    while (*p == '/') ++p;
  }
  char joined[PATH_MAX + 8], real[PATH_MAX];
  if (snprintf(joined, sizeof joined, "%s/%s", dir, rel) >= (int)sizeof joined) {
    snprintf(why, wcap, "is too long");
    return 0;
  }
  if (!realpath(joined, real)) {
    snprintf(why, wcap, "cannot be resolved: %s", strerror(errno));
    return 0;
  }
  size_t n = strlen(real_dir);
  if (strncmp(real, real_dir, n) != 0 || (real[n] != '/' && !(n == 1 && real_dir[0] == '/'))) {
    snprintf(why, wcap, "leads outside the results folder (to %s, through a symbolic link)", real);
    return 0;
  }
  snprintf(out, cap, "%s", real);
  return 1;
}

/* figure4_path: the record's figure4 file when it is inside dir, else NULL with a warning naming the record. */
static void resolve_paths(rp_record *r, const char *dir, const char *real_dir) {
  r->figure4_path = NULL;
  if (!r->figure4) return;
  char real[PATH_MAX], why[PATH_MAX + 96];
  if (!real_dir) {
    snprintf(why, sizeof why, "cannot be checked (the results folder %s cannot be resolved)", dir);
  } else if (path_inside(dir, real_dir, r->figure4, real, sizeof real, why, sizeof why)) {
    cJSON_AddStringToObject(r->root, "_report_figure4", real);
    r->figure4_path = jstr(r->root, "_report_figure4");
    return;
  }
  fprintf(stderr, "report: warning: %s: figure4 path \"%s\" %s; its Figure-4 grid is skipped (a record may only "
          "name files inside its results folder)\n", r->file, r->figure4, why);
}

/* anomaly_maps_path (inside dir, as figure4) and source (the folder) of a record. */
static void resolve_extra(rp_record *r, const char *dir, const char *real_dir) {
  cJSON_AddStringToObject(r->root, "_report_source", dir);
  r->source = jstr(r->root, "_report_source");
  r->anomaly_maps_path = NULL;
  const char *am = jstr(r->root, "anomaly_maps");
  if (!am) return;
  char real[PATH_MAX], why[PATH_MAX + 96];
  if (!real_dir) {
    snprintf(why, sizeof why, "cannot be checked (the results folder %s cannot be resolved)", dir);
  } else if (path_inside(dir, real_dir, am, real, sizeof real, why, sizeof why)) {
    cJSON_AddStringToObject(r->root, "_report_anomaly_maps", real);
    r->anomaly_maps_path = jstr(r->root, "_report_anomaly_maps");
    return;
  }
  fprintf(stderr, "report: warning: %s: anomaly_maps path \"%s\" %s; its overlays are skipped (a record may only "
          "name files inside its results folder)\n", r->file, am, why);
}

/* Later record for the same cell: done beats failed, then the later file wins. */
static int dedup(rp_record *rec, size_t n, rp_record *r) {
  for (size_t i = 0; i < n; ++i) {
    if (strcmp(rec[i].cell, r->cell) != 0) continue;
    if (rec[i].done && !r->done) {
      free_record(r);
    } else {
      free_record(&rec[i]);
      rec[i] = *r;
    }
    return 1;
  }
  return 0;
}

/* Add " (LOSS)" to labels whose records use more than one loss. */
static void label_losses(rp_record *rec, size_t n) {
  for (size_t i = 0; i < n; ++i) {
    int multi = 0;
    for (size_t j = 0; j < n && !multi; ++j)
      if (strcmp(rec[j].label, rec[i].label) == 0 && rec[i].loss && rec[j].loss &&
          strcmp(rec[i].loss, rec[j].loss) != 0)
        multi = 1;
    if (!multi) continue;
    /* Mark all of this base label (compare before any suffix was added). */
    char base[96];
    snprintf(base, sizeof base, "%s", rec[i].label);
    for (size_t j = 0; j < n; ++j) {
      if (strcmp(rec[j].label, base) != 0) continue;
      char up[32];
      size_t k = 0;
      for (const char *p = rec[j].loss ? rec[j].loss : "?"; *p && k + 1 < sizeof up; ++p)
        up[k++] = (char)toupper((unsigned char)*p);
      up[k] = 0;
      size_t L = strlen(rec[j].label);
      snprintf(rec[j].label + L, sizeof rec[j].label - L, " (%s)", up);
    }
  }
}

alcn_status rp_load_results(const char *dir, rp_results *res, int quiet) {
  memset(res, 0, sizeof *res);
  char path[4096];
  char **names;
  size_t nn;
  snprintf(path, sizeof path, "%s/records", dir);
  ALCN_CHECK(list_json(path, &names, &nn));
  if (nn) {
    res->rec = calloc(nn, sizeof *res->rec);
    if (!res->rec) {
      free_names(names, nn);
      ALCN_FAIL(ALCN_ERR_NOMEM, "out of memory for %zu records", nn);
    }
  }
  char real_dir_buf[PATH_MAX];
  const char *real_dir = nn ? realpath(dir, real_dir_buf) : NULL;
  for (size_t i = 0; i < nn; ++i) {
    snprintf(path, sizeof path, "%s/records/%s", dir, names[i]);
    size_t len = 0;
    char *text = read_json_file(path, &len);
    if (!text) continue;
    rp_record r;
    int ok = rp_record_parse_text(&r, text, len, path, names[i], quiet);
    free(text);
    if (!ok) continue;
    resolve_paths(&r, dir, real_dir);
    resolve_extra(&r, dir, real_dir);
    if (!dedup(res->rec, res->n, &r)) res->rec[res->n++] = r;
  }
  free_names(names, nn);
  label_losses(res->rec, res->n);

  snprintf(path, sizeof path, "%s/table5", dir);
  ALCN_CHECK(list_json(path, &names, &nn));
  if (nn && !(res->t5 = calloc(nn, sizeof *res->t5))) {
    free_names(names, nn);
    ALCN_FAIL(ALCN_ERR_NOMEM, "out of memory for %zu table-5 records", nn);
  }
  for (size_t i = 0; i < nn; ++i) {
    snprintf(path, sizeof path, "%s/table5/%s", dir, names[i]);
    cJSON *root = parse_json_file(path, quiet);
    if (!root) continue;
    if (parse_t5(&res->t5[res->n_t5], root, names[i])) res->n_t5++;
    else cJSON_Delete(root);
  }
  free_names(names, nn);

  static const char *plans[] = {"plan.json", "plan.txt", "plan.tsv"};
  for (int i = 0; i < 3 && !res->plan; ++i) {
    snprintf(path, sizeof path, "%s/%s", dir, plans[i]);
    if (rp_file_exists(path) && rp_read_file(path, RP_CAP_TEXT, &res->plan, NULL) == ALCN_OK)
      snprintf(res->plan_name, sizeof res->plan_name, "%s", plans[i]);
  }
  if (res->n == 0 && res->n_t5 == 0)
    ALCN_FAIL(ALCN_ERR_IO, "no records in %s/records/*.json or %s/table5/*.json "
              "(hint: pass the folder that `alcnbench run` wrote, the one holding records/)", dir, dir);
  return ALCN_OK;
}

void rp_free_results(rp_results *res) {
  for (size_t i = 0; i < res->n; ++i) free_record(&res->rec[i]);
  for (size_t i = 0; i < res->n_t5; ++i) cJSON_Delete(res->t5[i].root);
  free(res->rec);
  free(res->t5);
  free(res->plan);
  memset(res, 0, sizeof *res);
}

void rp_free_record(rp_record *r) { free_record(r); }

void rp_relabel(rp_record *rec, size_t n) {
  for (size_t i = 0; i < n; ++i) {
    const char *base = jstr(rec[i].root, "_report_base_label"); /* the label as parse_record derived it */
    if (base) snprintf(rec[i].label, sizeof rec[i].label, "%s", base);
  }
  label_losses(rec, n);
}
