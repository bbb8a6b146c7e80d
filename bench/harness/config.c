/* The run configuration of alcnbench: defaults, command-line flags and the
 * INI config file, with every number checked and every unknown flag or key
 * refused by name.
 *
 * INI format (one documented format): UTF-8 (a byte-order mark is skipped),
 * at most 1 MiB; '#' or ';' start a comment, at the start of a line or after
 * a blank (`method = dae  # the paper's`); a key may appear once per section:
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
#include <float.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "alcn/args.h"
#include "alcn/fsutil.h"
#include "bench.h"

/* The largest config file read (a plan's INI is a few hundred bytes). */
#define AB_INI_CAP ((size_t)1 << 20)

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
  int range = errno == ERANGE;
  if (end == v || *end != '\0' || (errno != 0 && !range) || isnan(d) || (!range && isinf(d)))
    ALCN_FAIL(ALCN_ERR_ARG, "%s: '%s' is not a finite number", what, v);
  if (range && fabs(d) <= DBL_MIN)
    ALCN_FAIL(ALCN_ERR_ARG, "%s: '%s' is out of range: it underflows a double (magnitude below %g; write 0 or a "
              "larger number)", what, v, DBL_MIN);
  if (range)
    ALCN_FAIL(ALCN_ERR_ARG, "%s: '%s' is out of range: it overflows a double (magnitude above %g)", what, v, DBL_MAX);
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

/* --plugin-path DIRS: every (colon-separated) folder must exist; a typo is
 * not ignored. */
static alcn_status add_plugin_path(ab_config *c, const char *v, const char *what) {
  if (!*v) ALCN_FAIL(ALCN_ERR_ARG, "%s: empty folder name", what);
  for (const char *p = v; *p;) {
    size_t k = strcspn(p, ":");
    if (k) {
      char dir[PATH_MAX];
      if (k >= sizeof dir) ALCN_FAIL(ALCN_ERR_ARG, "%s %.*s...: path too long", what, 64, p);
      memcpy(dir, p, k);
      dir[k] = '\0';
      struct stat st;
      if (stat(dir, &st) != 0 || !S_ISDIR(st.st_mode))
        ALCN_FAIL(ALCN_ERR_ARG, "%s %s: not a folder (hint: give the folder that holds the plugin .so files)", what,
                  dir);
    }
    p += k;
    if (*p == ':') ++p;
  }
  return list_add(&c->plugin_paths, v, strlen(v));
}

/* ------------------------------------------------------------ keys */

/* The flags of run and plan (alcn/args.h). A key's id is its index in
 * FLAG_KEYS (the same keys as the INI file's); plural aliases map there too. */
static const char *const FLAG_KEYS[] = {
    "dataset", "root", "protocol", "classes", "method", "noise", "loss", "seeds", "out", "plugin-path", "epochs",
    "batch", "device", "threads", "image-size", "norm", "val-fraction", "limit-train", "limit-test", "ffl-alpha",
    "early-stop", "pixel-sigma"};
/* Keys shared by flags (--key) and the INI file ([section] key = value). */
static const char *const PLAN_KEYS = "dataset root protocol classes method noise loss seeds out plugin-path";
static const char *const TRAIN_KEYS =
    "epochs batch device threads image-size norm val-fraction limit-train limit-test ffl-alpha early-stop "
    "pixel-sigma";

/* Set one key; `what` names the flag or file:line for messages. */
static alcn_status set_key(ab_config *c, const char *key, const char *v, const char *what) {
  if (!strcmp(key, "dataset")) {
    c->dataset_given = 1;
    return list_set(&c->datasets, v, what);
  }
  if (!strcmp(key, "root")) return list_set(&c->roots, v, what);
  if (!strcmp(key, "protocol")) return list_set(&c->protocols, v, what);
  if (!strcmp(key, "classes")) return list_set(&c->classes, v, what);
  if (!strcmp(key, "method")) return list_set(&c->methods, v, what);
  if (!strcmp(key, "noise")) return list_set(&c->noises, v, what);
  if (!strcmp(key, "loss")) return list_set(&c->losses, v, what);
  if (!strcmp(key, "seeds")) return parse_seeds(&c->seeds, v, what);
  if (!strcmp(key, "out")) return set_str(&c->out, v);
  if (!strcmp(key, "plugin-path")) return add_plugin_path(c, v, what);
  if (!strcmp(key, "epochs")) return parse_int(what, v, 1, 1000000, &c->epochs);
  if (!strcmp(key, "batch")) return parse_int(what, v, 1, 1 << 20, &c->batch);
  if (!strcmp(key, "threads")) return parse_int(what, v, 0, 4096, &c->threads);
  if (!strcmp(key, "image-size")) return parse_int(what, v, 0, 4096, &c->image_size);
  if (!strcmp(key, "limit-train")) return parse_int(what, v, 0, INT_MAX, &c->limit_train);
  if (!strcmp(key, "limit-test")) return parse_int(what, v, 0, INT_MAX, &c->limit_test);
  if (!strcmp(key, "early-stop")) return parse_int(what, v, 0, 1000000, &c->early_stop);
  if (!strcmp(key, "val-fraction")) return parse_double(what, v, 0.0, 0.9, &c->val_fraction);
  if (!strcmp(key, "ffl-alpha")) return parse_double(what, v, 0.0, 100.0, &c->ffl_alpha);
  if (!strcmp(key, "pixel-sigma")) return parse_double(what, v, 0.0, 64.0, &c->pixel_sigma);
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
  list_set(&c->classes, "0,1,7", "default"); /* as bench/configs/default.ini (the main job) */
  list_set(&c->methods, "dae,ganomaly", "default");
  list_set(&c->noises, "none,random,gaussian,alcn", "default");
  list_set(&c->losses, "mse", "default");
  list_set(&c->seeds, "1", "default");
  set_str(&c->out, "results");
  set_str(&c->device, "cpu");
  set_str(&c->norm, "unit");
  c->epochs = 3; /* as bench/configs/default.ini: 1 epoch leaves the models untrained */
  c->batch = 128;
  c->threads = 0;
  c->image_size = 0;
  c->limit_train = 0;
  c->limit_test = 0;
  c->val_fraction = 0.0;
  c->ffl_alpha = 1.0;
  c->pixel_sigma = 4.0; /* ALCN_PIXEL_SIGMA_DEFAULT, as usual for MVTec anomaly maps */
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

/* Cut an inline comment: '#' or ';' at the start of the text or after a blank. */
static void strip_comment(char *t) {
  for (char *p = t; *p; ++p)
    if ((*p == '#' || *p == ';') && (p == t || p[-1] == ' ' || p[-1] == '\t')) {
      *p = '\0';
      return;
    }
}

/* Keys seen so far ("section\nkey" and the line), to refuse a key given twice. */
typedef struct ini_seen {
  int n, cap;
  char **key;
  int *line;
} ini_seen;

static void seen_free(ini_seen *k) {
  for (int i = 0; i < k->n; ++i) free(k->key[i]);
  free(k->key);
  free(k->line);
}

/* The line where section/key was set before, 0 when it was not (and remember it). */
static alcn_status seen_check(ini_seen *k, const char *section, const char *key, int lineno, int *before) {
  *before = 0;
  size_t sl = strlen(section), kl = strlen(key);
  for (int i = 0; i < k->n; ++i)
    if (!strncmp(k->key[i], section, sl) && k->key[i][sl] == '\n' && !strcmp(k->key[i] + sl + 1, key)) {
      *before = k->line[i];
      return ALCN_OK;
    }
  if (k->n == k->cap) {
    int nc = k->cap ? 2 * k->cap : 16;
    char **g = realloc(k->key, sizeof *g * (size_t)nc);
    if (g) k->key = g;
    int *h = g ? realloc(k->line, sizeof *h * (size_t)nc) : NULL;
    if (h) k->line = h;
    if (!g || !h) ALCN_FAIL(ALCN_ERR_NOMEM, "out of host memory");
    k->cap = nc;
  }
  char *e = malloc(sl + kl + 2);
  if (!e) ALCN_FAIL(ALCN_ERR_NOMEM, "out of host memory");
  memcpy(e, section, sl);
  e[sl] = '\n';
  memcpy(e + sl + 1, key, kl + 1);
  k->key[k->n] = e;
  k->line[k->n++] = lineno;
  return ALCN_OK;
}

alcn_status ab_config_parse_ini(ab_config *c, const char *text, size_t size, const char *path) {
  enum { LINE_MAX_CHARS = 4094 };
  char line[LINE_MAX_CHARS + 2], section[128] = "";
  int lineno = 0;
  alcn_status s = ALCN_OK;
  ini_seen seen = {0, 0, NULL, NULL};
  size_t pos = 0;
  if (size >= 3 && !memcmp(text, "\xEF\xBB\xBF", 3)) pos = 3; /* UTF-8 byte-order mark */
  while (s == ALCN_OK && pos < size) {
    ++lineno;
    const char *b = text + pos, *nl = memchr(b, '\n', size - pos);
    size_t len = nl ? (size_t)(nl - b) : size - pos;
    pos += len + (nl ? 1 : 0);
    char what[PATH_MAX + 200];
    const char *nul = memchr(b, '\0', len);
    if (nul) {
      s = alcn_error_at(__FILE__, __LINE__, ALCN_ERR_ARG,
                        "%s:%d: a NUL byte at column %d (a binary or UTF-16 file? save the config as UTF-8 text)",
                        path, lineno, (int)(nul - b) + 1);
      break;
    }
    if (len > LINE_MAX_CHARS) {
      s = alcn_error_at(__FILE__, __LINE__, ALCN_ERR_ARG, "%s:%d: line longer than %d characters", path, lineno,
                        (int)LINE_MAX_CHARS);
      break;
    }
    memcpy(line, b, len);
    line[len] = '\0';
    strip_comment(line);
    char *t = trim(line);
    if (!*t) continue;
    if (*t == '[') {
      char *e = strchr(t, ']');
      if (!e || e[1] != '\0') {
        s = alcn_error_at(__FILE__, __LINE__, ALCN_ERR_ARG, "%s:%d: malformed section header '%s'", path, lineno, t);
        break;
      }
      *e = '\0';
      const char *name = trim(t + 1);
      if (strlen(name) >= sizeof section) { /* never cut: two long ids would merge into one section */
        s = alcn_error_at(__FILE__, __LINE__, ALCN_ERR_ARG, "%s:%d: section name [%.40s...] longer than %d characters",
                          path, lineno, name, (int)sizeof section - 1);
        break;
      }
      snprintf(section, sizeof section, "%s", name);
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
    int before = 0;
    if (!*section) {
      s = alcn_error_at(__FILE__, __LINE__, ALCN_ERR_ARG, "%s:%d: key '%s' before any [section]", path, lineno, key);
    } else if ((s = seen_check(&seen, section, key, lineno, &before)) != ALCN_OK) {
      break;
    } else if (before) {
      s = alcn_error_at(__FILE__, __LINE__, ALCN_ERR_ARG,
                        "%s:%d: key '%s' in [%s] was already set on line %d (a key may appear once per section; "
                        "delete one)", path, lineno, key, section, before);
    } else if (!strncmp(section, "method.", 7) || !strncmp(section, "noise.", 6)) {
      int is_m = section[0] == 'm';
      const char *id = section + (is_m ? 7 : 6);
      char item[4400];
      /* plugins see their keys as written, with '_' (the '-' mapping is for our keys) */
      for (char *p = key; *p; ++p)
        if (*p == '-') *p = '_';
      int len2 = snprintf(item, sizeof item, "%s:%s=%s", id, key, val);
      s = list_add(is_m ? &c->method_opts : &c->noise_opts, item, (size_t)len2);
    } else if (!in_words(!strcmp(section, "plan") ? PLAN_KEYS : TRAIN_KEYS, key)) {
      const char *near = alcn_args_suggest(key, FLAG_KEYS, (int)(sizeof FLAG_KEYS / sizeof *FLAG_KEYS));
      s = alcn_error_at(__FILE__, __LINE__, ALCN_ERR_ARG, "%s:%d: unknown key '%s' in [%s]%s%s%s (valid: %s)", path,
                        lineno, key, section, near ? " (did you mean " : "", near ? near : "", near ? "?)" : "",
                        !strcmp(section, "plan") ? PLAN_KEYS : TRAIN_KEYS);
    } else {
      s = set_key(c, key, val, what);
    }
  }
  seen_free(&seen);
  return s;
}

alcn_status ab_config_load_ini(ab_config *c, const char *path) {
  /* a regular file only (a folder or a FIFO is refused, never waited on), at most AB_INI_CAP bytes */
  char *text = NULL;
  size_t size = 0;
  alcn_status rs = alcn_fs_read_regular("--config", path, AB_INI_CAP, &text, &size);
  if (rs != ALCN_OK) return rs;
  alcn_status s = ab_config_parse_ini(c, text, size, path);
  free(text);
  return s;
}

/* --shard I/N: two decimal integers (strtol, range-checked: no wrap-around),
 * 0 <= I < N <= INT_MAX. */
static alcn_status parse_shard(ab_config *c, const char *v) {
  const char *slash = strchr(v, '/');
  long part[2];
  const char *p[2] = {v, slash ? slash + 1 : NULL};
  for (int k = 0; k < 2; ++k) {
    char *end = NULL;
    errno = 0;
    part[k] = p[k] && isdigit((unsigned char)*p[k]) ? strtol(p[k], &end, 10) : -1;
    if (part[k] < 0 || errno == ERANGE || part[k] > INT_MAX || !end || *end != (k ? '\0' : '/'))
      ALCN_FAIL(ALCN_ERR_ARG, "--shard '%s': expected I/N, two integers with 0 <= I < N <= %d", v, INT_MAX);
  }
  if (part[1] < 1 || part[0] >= part[1])
    ALCN_FAIL(ALCN_ERR_ARG, "--shard '%s': expected I/N, two integers with 0 <= I < N <= %d", v, INT_MAX);
  c->shard_i = (int)part[0];
  c->shard_n = (int)part[1];
  return ALCN_OK;
}

enum {
  K_DATASET, K_ROOT, K_PROTOCOL, K_CLASSES, K_METHOD, K_NOISE, K_LOSS, K_SEEDS, K_OUT, K_PLUGIN_PATH, K_EPOCHS,
  K_BATCH, K_DEVICE, K_THREADS, K_IMAGE_SIZE, K_NORM, K_VAL_FRACTION, K_LIMIT_TRAIN, K_LIMIT_TEST, K_FFL_ALPHA,
  K_EARLY_STOP, K_PIXEL_SIGMA,
  F_CONFIG = 100, F_OPT, F_NOISE_OPT, F_SHARD, F_RESUME, F_NO_RESUME, F_QUIET, F_NO_REPORT
};
/* (the docs are in ab_config_usage, grouped; the table only names the flags) */
static const alcn_argspec RUN_FLAGS[] = {
    {"dataset", "LIST", "", K_DATASET, 0},        {"datasets", "LIST", NULL, K_DATASET, 0},
    {"root", "PATH", "", K_ROOT, 0},              {"protocol", "LIST", "", K_PROTOCOL, 0},
    {"protocols", "LIST", NULL, K_PROTOCOL, 0},   {"classes", "LIST", "", K_CLASSES, 0},
    {"method", "LIST", "", K_METHOD, 0},          {"methods", "LIST", NULL, K_METHOD, 0},
    {"noise", "LIST", "", K_NOISE, 0},            {"noises", "LIST", NULL, K_NOISE, 0},
    {"loss", "LIST", "", K_LOSS, 0},              {"losses", "LIST", NULL, K_LOSS, 0},
    {"seeds", "LIST", "", K_SEEDS, 0},            {"seed", "LIST", NULL, K_SEEDS, 0},
    {"out", "DIR", "", K_OUT, 0},                 {"plugin-path", "DIRS", "", K_PLUGIN_PATH, 0},
    {"epochs", "N", "", K_EPOCHS, 0},             {"batch", "N", "", K_BATCH, 0},
    {"device", "D", "", K_DEVICE, 0},             {"threads", "N", "", K_THREADS, 0},
    {"image-size", "N", "", K_IMAGE_SIZE, 0},     {"norm", "N", "", K_NORM, 0},
    {"val-fraction", "F", "", K_VAL_FRACTION, 0}, {"limit-train", "N", "", K_LIMIT_TRAIN, 0},
    {"limit-test", "N", "", K_LIMIT_TEST, 0},     {"ffl-alpha", "F", "", K_FFL_ALPHA, 0},
    {"early-stop", "P", "", K_EARLY_STOP, 0},     {"pixel-sigma", "S", "", K_PIXEL_SIGMA, 0},
    {"config", "FILE", "", F_CONFIG, 0},          {"opt", "KV", "", F_OPT, 0},
    {"noise-opt", "KV", "", F_NOISE_OPT, 0},      {"shard", "I/N", "", F_SHARD, 0},
    {"resume", NULL, "", F_RESUME, 0},            {"no-resume", NULL, "", F_NO_RESUME, 0},
    {"quiet", NULL, "", F_QUIET, 0},              {"no-report", NULL, "", F_NO_REPORT, 0},
    {NULL, NULL, NULL, 0, 0}};

/* The messages of the config errors name the flag or file:line and the fix:
 * returned as they are, one line, without a trace frame. */
#define ONE_LINE(call)                 \
  do {                                 \
    alcn_status one_ = (call);         \
    if (one_ != ALCN_OK) return one_;  \
  } while (0)

alcn_status ab_config_parse(ab_config *c, int argc, char **argv, int first) {
  alcn_args a;
  /* pass 1: --config (flags given on the command line override the file);
     mistakes are reported by pass 2 */
  alcn_args_init(&a, "alcnbench run", RUN_FLAGS, argc, argv, first);
  for (int id; (id = alcn_args_next(&a)) != ALCN_ARGS_END;) {
    if (id == ALCN_ARGS_ERROR) break;
    if (id != F_CONFIG) continue;
    ALCN_CHECK(set_str(&c->config_file, a.value));
    ONE_LINE(ab_config_load_ini(c, a.value));
  }
  alcn_clear_error();
  /* pass 2: every flag */
  alcn_args_init(&a, "alcnbench run", RUN_FLAGS, argc, argv, first);
  for (int id; (id = alcn_args_next(&a)) != ALCN_ARGS_END;) {
    switch (id) {
      case ALCN_ARGS_ERROR: return ALCN_ERR_ARG;
      case ALCN_ARGS_HELP: continue; /* the caller prints the help */
      case ALCN_ARGS_POSITIONAL:
        ALCN_FAIL(ALCN_ERR_ARG, "unexpected argument '%s' (flags start with --; hint: alcnbench run --help)", a.value);
      case F_CONFIG: continue; /* done in pass 1 */
      case F_RESUME: c->resume = 1; continue;
      case F_NO_RESUME: c->resume = 0; continue;
      case F_QUIET: c->quiet = 1; continue;
      case F_NO_REPORT: c->no_report = 1; continue;
      case F_SHARD: ONE_LINE(parse_shard(c, a.value)); continue;
      case F_OPT:
      case F_NOISE_OPT: {
        const char *v = a.value, *e = strchr(v, '='), *colon = strchr(v, ':');
        if (!e || e == v || (colon && colon < e && (colon == v || colon + 1 == e)))
          ALCN_FAIL(ALCN_ERR_ARG, "%s '%s': expected key=value or id:key=value", a.flag, v);
        ALCN_CHECK(list_add(id == F_OPT ? &c->method_opts : &c->noise_opts, v, strlen(v)));
        continue;
      }
      default: {
        char what[96];
        snprintf(what, sizeof what, "--%s", FLAG_KEYS[id]);
        ONE_LINE(set_key(c, FLAG_KEYS[id], a.value, what));
      }
    }
  }
  if (c->early_stop > 0 && !(c->val_fraction > 0.0))
    ALCN_FAIL(ALCN_ERR_ARG, "early-stop %d needs a validation split of the normals (hint: add --val-fraction 0.1)",
              c->early_stop);
  return ALCN_OK;
}

alcn_status ab_config_tuned_defaults(ab_config *c, const alcn_registry *reg) {
  static const char *const tuned[][2] = {{"dae", "dae:lr=1e-3"}};
  if (c->config_file) return ALCN_OK;
  for (size_t k = 0; k < sizeof tuned / sizeof *tuned; ++k) {
    if (!alcn_registry_method(reg, tuned[k][0], NULL)) continue;
    ALCN_CHECK(list_add(&c->method_opts, tuned[k][1], strlen(tuned[k][1])));
    /* move it to the front: the last occurrence of a key wins */
    char *t = c->method_opts.v[c->method_opts.n - 1];
    memmove(c->method_opts.v + 1, c->method_opts.v, sizeof(char *) * (size_t)(c->method_opts.n - 1));
    c->method_opts.v[0] = t;
  }
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
          "usage: alcnbench run|plan [flags]   (run needs --dataset or --config; the main job:\n"
          "       alcnbench run --config bench/configs/default.ini)\n"
          "plan (lists are comma-separated):\n"
          "  --dataset LIST      data sets (default fashion-mnist)\n"
          "  --root PATH|NAME=PATH  data set folder(s) (default: the data set's own)\n"
          "  --protocol LIST     p1, p2, mvtec, mvtec-7030, plantvillage (default p2)\n"
          "  --classes LIST|all  class indices or names (default 0,1,7)\n"
          "  --method LIST|all   method plugins (default dae,ganomaly); ID@NAME runs a variant of ID\n"
          "                      with its own options (e.g. ganomaly,ganomaly@batch)\n"
          "  --noise LIST|all    noises for methods that host one (default none,random,gaussian,alcn)\n"
          "  --loss LIST         mse, ffl, l1 (default mse)\n"
          "  --seeds LIST        (default 1)\n"
          "  --out DIR           results folder (default results)\n"
          "  --plugin-path DIRS  more plugin folders (colon-separated; repeatable)\n"
          "  --config FILE       INI file: [plan] [train] [method.<id>] [noise.<id>] (flags override it)\n"
          "training:\n"
          "  --epochs N (3)  --batch N (128)  --device cpu|cuda|auto (cpu)  --threads N (0 = OpenMP default)\n"
          "  --image-size N (folder sets: 0 = 256; IDX/CIFAR: 0 = native, else area-resized, e.g. 32)\n"
          "  --norm unit|meanstd (unit)\n"
          "  --val-fraction F (0)  --limit-train N  --limit-test N (deterministic subsets; 0 = all)\n"
          "  --ffl-alpha F (1)\n"
          "  --pixel-sigma S (4)  Gaussian smoothing of anomaly maps for pixel AUROC / AUPRO (data sets\n"
          "                  with masks, methods with score maps; 0 = none)\n"
          "  --early-stop P (0 = off) stop when the mean validation score of the normals has not fallen\n"
          "                  by 0.1%% for P epochs (needs --val-fraction > 0; the last epoch is scored)\n"
          "  --opt [METHOD:]KEY=VALUE        method option (e.g. --opt dae:lr=1e-3; a variant's:\n"
          "                                  --opt ganomaly@batch:bn_score=batch); repeatable\n"
          "  --noise-opt [NOISE:]KEY=VALUE   noise option (e.g. --noise-opt alcn:lr=8e-3)\n"
          "run:\n"
          "  --resume (default) / --no-resume   skip cells whose record says done\n"
          "  --shard I/N         run cells with index %% N == I\n"
          "  --quiet             no progress on stderr\n"
          "  --no-report         do not write <out>/report at the end\n"
          "  --verbose           error messages with internal call frames\n"
          "  -h, --help          this help\n"
          "Without --config the DAE's learning rate is the tuned 1e-3 of bench/configs/default.ini\n"
          "(--opt dae:lr=1e-5 for the paper's); every other plugin option has its documented default\n"
          "(alcnbench list). A config file states its own (bench/configs/paper-*.ini: the paper's).\n");
}
