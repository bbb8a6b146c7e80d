/* The run configuration of alcnbench: defaults, command-line flags and the
 * INI config file, with every number checked and every unknown flag or key
 * refused by name.
 *
 * INI format (one documented format; '#' or ';' start a comment line):
 *   [plan]    dataset, root, protocol, classes, method, noise, loss, seeds,
 *             out, plugin-path          (lists are comma-separated)
 *   [train]   epochs, batch, device, threads, image-size, norm, val-fraction,
 *             limit-train, limit-test, ffl-alpha
 *   [method.<id>]  any key = value: options of method <id> (as --opt id:key=value)
 *   [noise.<id>]   any key = value: options of noise <id> (as --noise-opt id:key=value)
 * Keys may use '_' for '-'. Flags given on the command line override the file. */
#define _DEFAULT_SOURCE /* strdup */
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench.h"

/* ------------------------------------------------------------ lists */

static alcn_status list_add(ab_list *l, const char *s, size_t len) {
  char **g = realloc(l->v, sizeof(char *) * (size_t)(l->n + 1));
  if (!g) ALCN_FAIL(ALCN_ERR_NOMEM, "out of host memory");
  l->v = g;
  char *c = malloc(len + 1);
  if (!c) ALCN_FAIL(ALCN_ERR_NOMEM, "out of host memory");
  memcpy(c, s, len);
  c[len] = '\0';
  l->v[l->n++] = c;
  return ALCN_OK;
}

static void list_clear(ab_list *l) {
  for (int i = 0; i < l->n; ++i) free(l->v[i]);
  free(l->v);
  l->v = NULL;
  l->n = 0;
}

/* Replace l by the comma-separated items of s (blanks trimmed, empties refused). */
static alcn_status list_set(ab_list *l, const char *s, const char *what) {
  list_clear(l);
  const char *p = s;
  for (;;) {
    const char *e = strchr(p, ',');
    size_t len = e ? (size_t)(e - p) : strlen(p);
    while (len && isspace((unsigned char)*p)) ++p, --len;
    while (len && isspace((unsigned char)p[len - 1])) --len;
    if (len == 0) ALCN_FAIL(ALCN_ERR_ARG, "%s: empty item in list '%s'", what, s);
    ALCN_CHECK(list_add(l, p, len));
    if (!e) break;
    p = e + 1;
  }
  return ALCN_OK;
}

static alcn_status set_str(char **dst, const char *v) {
  char *c = strdup(v);
  if (!c) ALCN_FAIL(ALCN_ERR_NOMEM, "out of host memory");
  free(*dst);
  *dst = c;
  return ALCN_OK;
}

/* ------------------------------------------------------------ numbers */

static alcn_status parse_int(const char *what, const char *v, long lo, long hi, int *out) {
  char *end = NULL;
  errno = 0;
  long l = strtol(v, &end, 10);
  if (end == v || *end != '\0' || errno != 0)
    ALCN_FAIL(ALCN_ERR_ARG, "%s: '%s' is not an integer", what, v);
  if (l < lo || l > hi) ALCN_FAIL(ALCN_ERR_ARG, "%s: %ld is out of range [%ld, %ld]", what, l, lo, hi);
  *out = (int)l;
  return ALCN_OK;
}

static alcn_status parse_double(const char *what, const char *v, double lo, double hi, double *out) {
  char *end = NULL;
  errno = 0;
  double d = strtod(v, &end);
  if (end == v || *end != '\0' || errno != 0 || !isfinite(d))
    ALCN_FAIL(ALCN_ERR_ARG, "%s: '%s' is not a finite number", what, v);
  if (d < lo || d > hi) ALCN_FAIL(ALCN_ERR_ARG, "%s: %g is out of range [%g, %g]", what, d, lo, hi);
  *out = d;
  return ALCN_OK;
}

static alcn_status parse_seeds(ab_list *l, const char *v, const char *what) {
  ALCN_CHECK(list_set(l, v, what));
  for (int i = 0; i < l->n; ++i) {
    char *end = NULL;
    errno = 0;
    if (l->v[i][0] == '-') ALCN_FAIL(ALCN_ERR_ARG, "%s: seed '%s' is negative", what, l->v[i]);
    unsigned long long s = strtoull(l->v[i], &end, 10);
    if (end == l->v[i] || *end || errno)
      ALCN_FAIL(ALCN_ERR_ARG, "%s: seed '%s' is not an unsigned integer", what, l->v[i]);
    (void)s;
  }
  return ALCN_OK;
}

/* ------------------------------------------------------------ keys */

/* Keys shared by flags (--key) and the INI file ([section] key = value). */
static const char *const PLAN_KEYS = "dataset root protocol classes method noise loss seeds out plugin-path";
static const char *const TRAIN_KEYS =
    "epochs batch device threads image-size norm val-fraction limit-train limit-test ffl-alpha early-stop";

/* Set one key; `what` names the flag or file:line for messages. */
static alcn_status set_key(ab_config *c, const char *key, const char *v, const char *what) {
  if (!strcmp(key, "dataset")) return list_set(&c->datasets, v, what);
  if (!strcmp(key, "root")) return list_set(&c->roots, v, what);
  if (!strcmp(key, "protocol")) return list_set(&c->protocols, v, what);
  if (!strcmp(key, "classes")) return list_set(&c->classes, v, what);
  if (!strcmp(key, "method")) return list_set(&c->methods, v, what);
  if (!strcmp(key, "noise")) return list_set(&c->noises, v, what);
  if (!strcmp(key, "loss")) return list_set(&c->losses, v, what);
  if (!strcmp(key, "seeds")) return parse_seeds(&c->seeds, v, what);
  if (!strcmp(key, "out")) return set_str(&c->out, v);
  if (!strcmp(key, "plugin-path")) return list_add(&c->plugin_paths, v, strlen(v));
  if (!strcmp(key, "epochs")) return parse_int(what, v, 1, 1000000, &c->epochs);
  if (!strcmp(key, "batch")) return parse_int(what, v, 1, 1 << 20, &c->batch);
  if (!strcmp(key, "threads")) return parse_int(what, v, 0, 4096, &c->threads);
  if (!strcmp(key, "image-size")) return parse_int(what, v, 0, 4096, &c->image_size);
  if (!strcmp(key, "limit-train")) return parse_int(what, v, 0, INT_MAX, &c->limit_train);
  if (!strcmp(key, "limit-test")) return parse_int(what, v, 0, INT_MAX, &c->limit_test);
  if (!strcmp(key, "early-stop")) return parse_int(what, v, 0, 1000000, &c->early_stop);
  if (!strcmp(key, "val-fraction")) return parse_double(what, v, 0.0, 0.9, &c->val_fraction);
  if (!strcmp(key, "ffl-alpha")) return parse_double(what, v, 0.0, 100.0, &c->ffl_alpha);
  if (!strcmp(key, "device")) {
    if (strcmp(v, "cpu") && strcmp(v, "cuda") && strcmp(v, "auto"))
      ALCN_FAIL(ALCN_ERR_ARG, "%s: unknown device '%s' (valid: cpu, cuda, auto)", what, v);
    return set_str(&c->device, v);
  }
  if (!strcmp(key, "norm")) {
    if (strcmp(v, "unit") && strcmp(v, "meanstd") && strcmp(v, "zscore"))
      ALCN_FAIL(ALCN_ERR_ARG, "%s: unknown normalisation '%s' (valid: unit, meanstd)", what, v);
    return set_str(&c->norm, v);
  }
  ALCN_FAIL(ALCN_ERR_ARG, "%s: unknown key '%s'", what, key);
}

static int in_words(const char *words, const char *key) {
  size_t kl = strlen(key);
  for (const char *p = words; *p;) {
    while (*p == ' ') ++p;
    const char *e = p;
    while (*e && *e != ' ') ++e;
    if ((size_t)(e - p) == kl && !strncmp(p, key, kl)) return 1;
    p = e;
  }
  return 0;
}

void ab_config_init(ab_config *c) {
  memset(c, 0, sizeof *c);
  list_set(&c->datasets, "fashion-mnist", "default");
  list_set(&c->protocols, "p2", "default");
  list_set(&c->classes, "0,1,2", "default");
  list_set(&c->methods, "dae,ganomaly", "default");
  list_set(&c->noises, "none,random,gaussian,alcn", "default");
  list_set(&c->losses, "mse", "default");
  list_set(&c->seeds, "1", "default");
  set_str(&c->out, "results");
  set_str(&c->device, "cpu");
  set_str(&c->norm, "unit");
  c->epochs = 1; /* the default plan (5 methods x 3 classes) fits ~10 min on 2 cores */
  c->batch = 128;
  c->threads = 0;
  c->image_size = 0;
  c->limit_train = 0;
  c->limit_test = 0;
  c->val_fraction = 0.0;
  c->ffl_alpha = 1.0;
  c->resume = 1;
  c->shard_i = 0;
  c->shard_n = 1;
}

void ab_config_free(ab_config *c) {
  ab_list *ls[] = {&c->datasets, &c->protocols, &c->classes,     &c->methods,    &c->noises,       &c->losses,
                   &c->seeds,    &c->roots,     &c->method_opts, &c->noise_opts, &c->plugin_paths};
  for (size_t i = 0; i < sizeof ls / sizeof *ls; ++i) list_clear(ls[i]);
  free(c->out);
  free(c->device);
  free(c->norm);
  free(c->config_file);
  memset(c, 0, sizeof *c);
}

static char *trim(char *s) {
  while (isspace((unsigned char)*s)) ++s;
  size_t l = strlen(s);
  while (l && isspace((unsigned char)s[l - 1])) s[--l] = '\0';
  return s;
}

alcn_status ab_config_load_ini(ab_config *c, const char *path) {
  FILE *f = fopen(path, "r");
  if (!f) ALCN_FAIL(ALCN_ERR_IO, "--config: cannot open %s: %s", path, strerror(errno));
  char line[4096], section[128] = "";
  int lineno = 0;
  alcn_status s = ALCN_OK;
  while (s == ALCN_OK && fgets(line, sizeof line, f)) {
    ++lineno;
    char what[PATH_MAX + 200];
    if (!strchr(line, '\n') && !feof(f)) {
      s = alcn_error_at(__FILE__, __LINE__, ALCN_ERR_ARG, "%s:%d: line longer than %zu characters", path, lineno,
                        sizeof line - 2);
      break;
    }
    char *t = trim(line);
    if (!*t || *t == '#' || *t == ';') continue;
    if (*t == '[') {
      char *e = strchr(t, ']');
      if (!e || e[1] != '\0') {
        s = alcn_error_at(__FILE__, __LINE__, ALCN_ERR_ARG, "%s:%d: malformed section header '%s'", path, lineno, t);
        break;
      }
      *e = '\0';
      snprintf(section, sizeof section, "%s", trim(t + 1));
      int ok = !strcmp(section, "plan") || !strcmp(section, "train") ||
               (!strncmp(section, "method.", 7) && section[7]) || (!strncmp(section, "noise.", 6) && section[6]);
      if (!ok) {
        s = alcn_error_at(__FILE__, __LINE__, ALCN_ERR_ARG,
                          "%s:%d: unknown section [%s] (valid: [plan], [train], [method.<id>], [noise.<id>])", path,
                          lineno, section);
        break;
      }
      continue;
    }
    char *eq = strchr(t, '=');
    if (!eq) {
      s = alcn_error_at(__FILE__, __LINE__, ALCN_ERR_ARG, "%s:%d: expected 'key = value', got '%s'", path, lineno, t);
      break;
    }
    *eq = '\0';
    char *key = trim(t), *val = trim(eq + 1);
    for (char *p = key; *p; ++p)
      if (*p == '_') *p = '-';
    snprintf(what, sizeof what, "%s:%d: key '%s'", path, lineno, key);
    if (!*section) {
      s = alcn_error_at(__FILE__, __LINE__, ALCN_ERR_ARG, "%s:%d: key '%s' before any [section]", path, lineno, key);
    } else if (!strncmp(section, "method.", 7) || !strncmp(section, "noise.", 6)) {
      int is_m = section[0] == 'm';
      const char *id = section + (is_m ? 7 : 6);
      char item[4400];
      /* plugins see their keys as written, with '_' (the '-' mapping is for our keys) */
      for (char *p = key; *p; ++p)
        if (*p == '-') *p = '_';
      int len = snprintf(item, sizeof item, "%s:%s=%s", id, key, val);
      s = list_add(is_m ? &c->method_opts : &c->noise_opts, item, (size_t)len);
    } else if (!in_words(!strcmp(section, "plan") ? PLAN_KEYS : TRAIN_KEYS, key)) {
      s = alcn_error_at(__FILE__, __LINE__, ALCN_ERR_ARG, "%s:%d: unknown key '%s' in [%s] (valid: %s)", path,
                        lineno, key, section, !strcmp(section, "plan") ? PLAN_KEYS : TRAIN_KEYS);
    } else {
      s = set_key(c, key, val, what);
    }
  }
  fclose(f);
  return s;
}

/* Flags that take no value. */
static int is_switch(const char *name) {
  return !strcmp(name, "resume") || !strcmp(name, "no-resume") || !strcmp(name, "quiet") ||
         !strcmp(name, "no-report");
}

alcn_status ab_config_parse(ab_config *c, int argc, char **argv, int first) {
  /* pass 1: --config */
  for (int i = first; i < argc; ++i) {
    const char *a = argv[i];
    if (!strcmp(a, "--config") || !strncmp(a, "--config=", 9)) {
      const char *v = a[8] == '=' ? a + 9 : (i + 1 < argc ? argv[++i] : NULL);
      if (!v) ALCN_FAIL(ALCN_ERR_ARG, "--config needs a file");
      ALCN_CHECK(set_str(&c->config_file, v));
      ALCN_CHECK(ab_config_load_ini(c, v));
    }
  }
  /* pass 2: every flag */
  for (int i = first; i < argc; ++i) {
    const char *a = argv[i];
    if (strncmp(a, "--", 2) != 0)
      ALCN_FAIL(ALCN_ERR_ARG, "unexpected argument '%s' (flags start with --; see --help)", a);
    char name[64];
    const char *eq = strchr(a + 2, '=');
    size_t nl = eq ? (size_t)(eq - a - 2) : strlen(a + 2);
    if (nl == 0 || nl >= sizeof name) ALCN_FAIL(ALCN_ERR_ARG, "unknown flag '%s' (see --help)", a);
    memcpy(name, a + 2, nl);
    name[nl] = '\0';
    char what[96];
    snprintf(what, sizeof what, "--%s", name);
    if (is_switch(name)) {
      if (eq) ALCN_FAIL(ALCN_ERR_ARG, "--%s takes no value", name);
      if (!strcmp(name, "resume")) c->resume = 1;
      else if (!strcmp(name, "no-resume")) c->resume = 0;
      else if (!strcmp(name, "quiet")) c->quiet = 1;
      else c->no_report = 1;
      continue;
    }
    int known = in_words(PLAN_KEYS, name) || in_words(TRAIN_KEYS, name) || !strcmp(name, "config") ||
                !strcmp(name, "opt") || !strcmp(name, "noise-opt") || !strcmp(name, "shard");
    /* aliases in the plural (and --seed) */
    static const char *const alias[][2] = {{"datasets", "dataset"}, {"protocols", "protocol"}, {"methods", "method"},
                                           {"noises", "noise"},     {"losses", "loss"},       {"seed", "seeds"}};
    for (size_t k = 0; k < sizeof alias / sizeof *alias; ++k)
      if (!strcmp(name, alias[k][0])) {
        snprintf(name, sizeof name, "%s", alias[k][1]);
        known = 1;
      }
    if (!known) ALCN_FAIL(ALCN_ERR_ARG, "unknown flag '--%s' (see alcnbench run --help)", name);
    const char *v = eq ? eq + 1 : (i + 1 < argc ? argv[++i] : NULL);
    if (!v) ALCN_FAIL(ALCN_ERR_ARG, "--%s needs a value", name);
    if (!strcmp(name, "config")) continue; /* done in pass 1 */
    if (!strcmp(name, "opt") || !strcmp(name, "noise-opt")) {
      const char *e = strchr(v, '=');
      const char *colon = strchr(v, ':');
      if (!e || e == v || (colon && colon < e && (colon == v || colon + 1 == e)))
        ALCN_FAIL(ALCN_ERR_ARG, "--%s '%s': expected key=value or id:key=value", name, v);
      ALCN_CHECK(list_add(name[0] == 'o' ? &c->method_opts : &c->noise_opts, v, strlen(v)));
      continue;
    }
    if (!strcmp(name, "shard")) {
      int si, sn;
      char tail;
      if (sscanf(v, "%d/%d%c", &si, &sn, &tail) != 2 || sn < 1 || si < 0 || si >= sn)
        ALCN_FAIL(ALCN_ERR_ARG, "--shard '%s': expected i/n with 0 <= i < n", v);
      c->shard_i = si;
      c->shard_n = sn;
      continue;
    }
    ALCN_CHECK(set_key(c, name, v, what));
  }
  if (c->early_stop > 0 && !(c->val_fraction > 0.0))
    ALCN_FAIL(ALCN_ERR_ARG, "early-stop %d needs a validation split of the normals (hint: add --val-fraction 0.1)",
              c->early_stop);
  return ALCN_OK;
}

size_t ab_spec_id_len(const char *spec) {
  const char *at = strchr(spec, '@');
  return at ? (size_t)(at - spec) : strlen(spec);
}

const char *ab_spec_id(const char *spec, char *buf, size_t cap) {
  snprintf(buf, cap, "%.*s", (int)ab_spec_id_len(spec), spec);
  return buf;
}

int ab_opts_for(const ab_list *list, const char *spec, const char **out, int cap) {
  int n = 0;
  const size_t il = ab_spec_id_len(spec), sl = strlen(spec);
  for (int pass = 0; pass < (il < sl ? 2 : 1); ++pass)
    for (int i = 0; i < list->n && n < cap; ++i) {
      const char *it = list->v[i];
      const char *eq = strchr(it, '=');
      const char *colon = strchr(it, ':');
      const size_t want = pass ? sl : il;
      if (colon && colon < eq) {
        if ((size_t)(colon - it) == want && !strncmp(it, spec, want)) out[n++] = colon + 1;
      } else if (pass == 0) {
        out[n++] = it;
      }
    }
  return n;
}

const char *ab_config_root(const ab_config *c, const char *name) {
  const char *all = NULL;
  size_t nl = strlen(name);
  for (int i = 0; i < c->roots.n; ++i) {
    const char *r = c->roots.v[i];
    const char *eq = strchr(r, '=');
    if (eq && (size_t)(eq - r) == nl && !strncmp(r, name, nl)) return eq + 1;
    if (!eq) all = r;
  }
  return all;
}

void ab_config_usage(FILE *f) {
  fprintf(f,
          "alcnbench run|plan [flags]\n"
          "plan (lists are comma-separated):\n"
          "  --dataset LIST      data sets (default fashion-mnist)\n"
          "  --root PATH|NAME=PATH  data set folder(s) (default: the data set's own)\n"
          "  --protocol LIST     p1, p2, mvtec, mvtec-7030, plantvillage (default p2)\n"
          "  --classes LIST|all  class indices or names (default 0,1,2)\n"
          "  --method LIST|all   method plugins (default dae,ganomaly); ID@NAME runs a variant of ID\n"
          "                      with its own options (e.g. ganomaly,ganomaly@batch)\n"
          "  --noise LIST|all    noises for methods that host one (default none,random,gaussian,alcn)\n"
          "  --loss LIST         mse, ffl, l1 (default mse)\n"
          "  --seeds LIST        (default 1)\n"
          "  --out DIR           results folder (default results)\n"
          "  --plugin-path DIRS  more plugin folders (colon-separated; repeatable)\n"
          "  --config FILE       INI file: [plan] [train] [method.<id>] [noise.<id>] (flags override it)\n"
          "training:\n"
          "  --epochs N (1)  --batch N (128)  --device cpu|cuda|auto (cpu)  --threads N (0 = OpenMP default)\n"
          "  --image-size N (folder sets: 0 = 256; IDX/CIFAR: 0 = native, else area-resized, e.g. 32)\n"
          "  --norm unit|meanstd (unit)\n"
          "  --val-fraction F (0)  --limit-train N  --limit-test N (deterministic subsets; 0 = all)\n"
          "  --ffl-alpha F (1)\n"
          "  --early-stop P (0 = off) stop when the mean validation score of the normals has not fallen\n"
          "                  by 0.1%% for P epochs (needs --val-fraction > 0; the last epoch is scored)\n"
          "  --opt [METHOD:]KEY=VALUE        method option (e.g. --opt dae:lr=1e-3; a variant's:\n"
          "                                  --opt ganomaly@batch:bn_score=batch); repeatable\n"
          "  --noise-opt [NOISE:]KEY=VALUE   noise option (e.g. --noise-opt alcn:lr=8e-3)\n"
          "run:\n"
          "  --resume (default) / --no-resume   skip cells whose record says done\n"
          "  --shard I/N         run cells with index %% N == I\n"
          "  --quiet             no progress on stderr\n"
          "  --no-report         do not write <out>/report at the end\n");
}
