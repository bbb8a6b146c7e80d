/* Protocol splits (p1, p2, mvtec, mvtec-7030, plantvillage) producing seeded
 * index manifests, their content hash, and the manifest text file. */
#define _POSIX_C_SOURCE 200809L
#include "alcn/protocol.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "alcn/fsutil.h"
#include "alcn/rng.h"
#include "ds_internal.h"

static const char *const k_protocols[] = {"p1", "p2", "mvtec", "mvtec-7030", "plantvillage"};
#define N_PROTOCOLS ((int)(sizeof k_protocols / sizeof k_protocols[0]))

int alcn_protocol_known(const char *name) {
  for (int i = 0; i < N_PROTOCOLS; ++i)
    if (name && strcmp(name, k_protocols[i]) == 0) return 1;
  return 0;
}

/* Fisher-Yates on the Philox stream `key`: step i draws block (key, i). */
static void shuffle(int32_t *a, int n, uint64_t key) {
  for (int i = n - 1; i > 0; --i) {
    alcn_u32x4 r = alcn_philox4x32(key, (uint64_t)i);
    int j = (int)(((uint64_t)r.v[0] * (uint64_t)(i + 1)) >> 32);
    int32_t t = a[i];
    a[i] = a[j];
    a[j] = t;
  }
}

static int cmp_i32(const void *a, const void *b) {
  int32_t x = *(const int32_t *)a, y = *(const int32_t *)b;
  return (x > y) - (x < y);
}

static int cmp_i64(const void *a, const void *b) {
  int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
  return (x > y) - (x < y);
}

static int round_frac(double f, int n) { return (int)floor(f * (double)n + 0.5); }

void alcn_manifest_free(alcn_manifest *m) {
  if (!m) return;
  free(m->train);
  free(m->val);
  free(m->test);
  free(m->test_labels);
  memset(m, 0, sizeof *m);
}

static uint64_t hash_list(uint64_t h, const int32_t *v, int n) {
  h = alcn_fnv1a_u64(h, (uint64_t)n);
  for (int i = 0; i < n; ++i) {
    uint8_t b[4] = {(uint8_t)v[i], (uint8_t)(v[i] >> 8), (uint8_t)(v[i] >> 16), (uint8_t)(v[i] >> 24)};
    h = alcn_fnv1a(h, b, 4);
  }
  return h;
}

uint64_t alcn_manifest_rehash(alcn_manifest *m) {
  uint64_t h = ALCN_FNV_OFFSET;
  h = alcn_fnv1a_str(h, m->protocol);
  h = alcn_fnv1a_str(h, m->dataset);
  h = alcn_fnv1a_u64(h, (uint64_t)(int64_t)m->class_index);
  h = alcn_fnv1a_u64(h, m->seed);
  h = alcn_fnv1a_u64(h, (uint64_t)m->source_n);
  h = hash_list(h, m->train, m->n_train);
  h = hash_list(h, m->val, m->n_val);
  h = hash_list(h, m->test, m->n_test);
  if (m->n_test > 0) h = alcn_fnv1a(h, m->test_labels, (size_t)m->n_test);
  m->hash = h;
  snprintf(m->hash_hex, sizeof m->hash_hex, "%016llx", (unsigned long long)h);
  return h;
}

/* Split the shuffled training normals into train/val, sort everything, and
 * attach test labels (pairs sorted by index). */
static alcn_status finish(alcn_manifest *m, int32_t *train, int n_train_all, double val_fraction, int32_t *test,
                          uint8_t *lab, int n_test) {
  int n_val = round_frac(val_fraction, n_train_all);
  if (n_val >= n_train_all && n_train_all > 0) n_val = n_train_all - 1;
  m->n_train = n_train_all - n_val;
  m->n_val = n_val;
  m->train = malloc((size_t)(m->n_train > 0 ? m->n_train : 1) * sizeof(int32_t));
  ALCN_CHECK_ALLOC(m->train, (size_t)m->n_train * sizeof(int32_t));
  m->val = malloc((size_t)(n_val > 0 ? n_val : 1) * sizeof(int32_t));
  ALCN_CHECK_ALLOC(m->val, (size_t)n_val * sizeof(int32_t));
  memcpy(m->train, train, (size_t)m->n_train * sizeof(int32_t));
  memcpy(m->val, train + m->n_train, (size_t)n_val * sizeof(int32_t));
  qsort(m->train, (size_t)m->n_train, sizeof(int32_t), cmp_i32);
  qsort(m->val, (size_t)n_val, sizeof(int32_t), cmp_i32);
  /* Sort test indices with their labels: encode as (index << 1 | label) in int64. */
  int64_t *pairs = malloc((size_t)(n_test > 0 ? n_test : 1) * sizeof *pairs);
  ALCN_CHECK_ALLOC(pairs, (size_t)n_test * sizeof *pairs);
  for (int i = 0; i < n_test; ++i) pairs[i] = ((int64_t)test[i] << 1) | (lab[i] ? 1 : 0);
  qsort(pairs, (size_t)n_test, sizeof *pairs, cmp_i64);
  m->n_test = n_test;
  m->test = malloc((size_t)(n_test > 0 ? n_test : 1) * sizeof(int32_t));
  m->test_labels = malloc((size_t)(n_test > 0 ? n_test : 1));
  if (!m->test || !m->test_labels) {
    free(pairs);
    ALCN_FAIL(ALCN_ERR_NOMEM, "out of memory for %d test entries", n_test);
  }
  for (int i = 0; i < n_test; ++i) {
    m->test[i] = (int32_t)(pairs[i] >> 1);
    m->test_labels[i] = (uint8_t)(pairs[i] & 1);
  }
  free(pairs);
  alcn_manifest_rehash(m);
  return ALCN_OK;
}

static alcn_status split_impl(alcn_manifest *m, const alcn_dataset *ds, const char *protocol, int k,
                              uint64_t seed, double val_fraction, int32_t *pool, int32_t *test, uint8_t *lab) {
  int n = ds->n, np = 0, nt = 0;
  uint64_t key = alcn_rng_derive(seed, (uint64_t)k);
  int n_train_all;
  const char *cname = ds->class_names && ds->class_names[k] ? ds->class_names[k] : "?";
  if (strcmp(protocol, "p1") == 0) {
    for (int i = 0; i < n; ++i)
      if (ds->labels[i] != k) pool[np++] = i;
    shuffle(pool, np, key);
    n_train_all = round_frac(0.8, np);
    for (int i = n_train_all; i < np; ++i) {
      test[nt] = pool[i];
      lab[nt++] = 0;
    }
    int na = 0;
    for (int i = 0; i < n; ++i)
      if (ds->labels[i] == k) {
        test[nt] = i;
        lab[nt++] = 1;
        ++na;
      }
    if (na == 0) ALCN_FAIL(ALCN_ERR_ARG, "p1: class %d (%s) of %s has no images, so the test set has no anomalies", k, cname, ds->name);
  } else if (strcmp(protocol, "p2") == 0) {
    for (int i = 0; i < n; ++i) {
      if (ds->split[i] == ALCN_SPLIT_TRAIN && ds->labels[i] == k) pool[np++] = i;
      if (ds->split[i] == ALCN_SPLIT_TEST) {
        test[nt] = i;
        lab[nt++] = ds->labels[i] != k;
      }
    }
    shuffle(pool, np, key);
    n_train_all = np;
  } else {
    int mv = strcmp(protocol, "mvtec") == 0;
    double frac = strcmp(protocol, "mvtec-7030") == 0 ? 0.7 : 0.8;
    if (!ds->anomalous)
      ALCN_FAIL(ALCN_ERR_ARG, "protocol %s needs a data set with normal/anomalous labels (mvtec, plantvillage, "
                "folder); %s has none", protocol, ds->name);
    for (int i = 0; i < n; ++i) {
      if (ds->labels[i] != k) continue;
      if (mv) {
        if (ds->split[i] == ALCN_SPLIT_TRAIN && !ds->anomalous[i]) pool[np++] = i;
        else if (ds->split[i] == ALCN_SPLIT_TEST) {
          test[nt] = i;
          lab[nt++] = ds->anomalous[i];
        }
      } else {
        if (!ds->anomalous[i]) pool[np++] = i;
      }
    }
    shuffle(pool, np, key);
    if (mv) {
      n_train_all = np;
    } else {
      n_train_all = round_frac(frac, np);
      for (int i = n_train_all; i < np; ++i) {
        test[nt] = pool[i];
        lab[nt++] = 0;
      }
      for (int i = 0; i < n; ++i)
        if (ds->labels[i] == k && ds->anomalous[i]) {
          test[nt] = i;
          lab[nt++] = 1;
        }
    }
  }
  if (n_train_all == 0)
    ALCN_FAIL(ALCN_ERR_ARG, "%s: class %d (%s) of %s leaves no training images (hint: check the data set layout "
              "and the class index)", protocol, k, cname, ds->name);
  if (nt == 0) ALCN_FAIL(ALCN_ERR_ARG, "%s: class %d (%s) of %s leaves no test images", protocol, k, cname, ds->name);
  return finish(m, pool, n_train_all, val_fraction, test, lab, nt);
}

alcn_status alcn_protocol_split(alcn_manifest *m, const alcn_dataset *ds, const char *protocol, int class_index,
                                uint64_t seed, double val_fraction) {
  memset(m, 0, sizeof *m);
  if (!alcn_protocol_known(protocol))
    ALCN_FAIL(ALCN_ERR_NOT_FOUND, "unknown protocol '%s' (hint: one of p1, p2, mvtec, mvtec-7030, plantvillage)",
              protocol ? protocol : "(null)");
  if (class_index < 0 || class_index >= ds->n_classes)
    ALCN_FAIL(ALCN_ERR_ARG, "class index %d out of range for %s (expected 0..%d)", class_index, ds->name,
              ds->n_classes - 1);
  if (!(val_fraction >= 0.0 && val_fraction < 1.0))
    ALCN_FAIL(ALCN_ERR_ARG, "validation fraction %g out of range (expected 0 <= f < 1)", val_fraction);
  if (ds->n <= 0) ALCN_FAIL(ALCN_ERR_ARG, "data set %s has no images", ds->name);
  snprintf(m->protocol, sizeof m->protocol, "%s", protocol);
  snprintf(m->dataset, sizeof m->dataset, "%s", ds->name);
  snprintf(m->class_name, sizeof m->class_name, "%s", ds->class_names ? ds->class_names[class_index] : "");
  m->class_index = class_index;
  m->seed = seed;
  m->val_fraction = val_fraction;
  m->source_n = ds->n;
  size_t nn = (size_t)ds->n;
  int32_t *pool = malloc(nn * sizeof *pool), *test = malloc(nn * sizeof *test);
  uint8_t *lab = malloc(nn);
  alcn_status st;
  if (!pool || !test || !lab) {
    st = alcn_error_at(__FILE__, __LINE__, ALCN_ERR_NOMEM, "out of memory for a %d-image manifest", ds->n);
  } else {
    st = split_impl(m, ds, protocol, class_index, seed, val_fraction, pool, test, lab);
  }
  free(pool);
  free(test);
  free(lab);
  if (st != ALCN_OK) alcn_manifest_free(m);
  return st;
}

static void write_list(FILE *f, const char *tag, const int32_t *v, const uint8_t *lab, int n) {
  fprintf(f, "%s %d\n", tag, n);
  for (int i = 0; i < n; ++i) {
    if (lab)
      fprintf(f, "%d %d\n", v[i], lab[i]);
    else
      fprintf(f, "%d\n", v[i]);
  }
}

alcn_status alcn_manifest_save(const alcn_manifest *m, const char *path) {
  char *text = NULL;
  size_t len = 0;
  FILE *f = open_memstream(&text, &len);
  if (!f) ALCN_FAIL(ALCN_ERR_NOMEM, "cannot write manifest %s: out of memory", path);
  fprintf(f, "alcn-manifest 1\n# index manifest: indices into the loaded data set (train first, then test)\n");
  fprintf(f, "protocol %s\ndataset %s\nclass %d %s\nseed %llu\nval_fraction %.17g\nsource_n %d\nhash %s\n",
          m->protocol, m->dataset, m->class_index, m->class_name, (unsigned long long)m->seed, m->val_fraction,
          m->source_n, m->hash_hex);
  write_list(f, "train", m->train, NULL, m->n_train);
  write_list(f, "val", m->val, NULL, m->n_val);
  write_list(f, "test", m->test, m->test_labels, m->n_test);
  const int bad = ferror(f);
  if (fclose(f) != 0 || bad || !text) {
    free(text);
    ALCN_FAIL(ALCN_ERR_NOMEM, "cannot write manifest %s: out of memory", path);
  }
  alcn_status st = alcn_fs_write_atomic(path, NULL, text, len);
  free(text);
  return st;
}

/* Line reader over a memory buffer. */
typedef struct {
  const char *p, *end;
  int line;
  char buf[512];
} lines;

static int next_line(lines *L) {
  while (L->p < L->end) {
    const char *s = L->p;
    const char *e = memchr(s, '\n', (size_t)(L->end - s));
    if (!e) e = L->end;
    L->p = e < L->end ? e + 1 : L->end;
    L->line++;
    size_t n = (size_t)(e - s);
    if (n > 0 && s[n - 1] == '\r') --n;
    if (n == 0 || s[0] == '#') continue;
    if (n >= sizeof L->buf) n = sizeof L->buf - 1;
    memcpy(L->buf, s, n);
    L->buf[n] = 0;
    return 1;
  }
  return 0;
}

#define PFAIL(...) \
  do { st = alcn_error_at(__FILE__, __LINE__, ALCN_ERR_FORMAT, __VA_ARGS__); goto fail; } while (0)

static alcn_status read_list(lines *L, const char *what, const char *tag, int source_n, int32_t **v, uint8_t **lab,
                             int *n) {
  alcn_status st = ALCN_OK;
  char t[16];
  int cnt;
  if (!next_line(L) || sscanf(L->buf, "%15s %d", t, &cnt) != 2 || strcmp(t, tag) != 0)
    ALCN_FAIL(ALCN_ERR_FORMAT, "%s:%d: expected '%s <count>'", what, L->line, tag);
  if (cnt < 0 || cnt > source_n)
    ALCN_FAIL(ALCN_ERR_FORMAT, "%s:%d: %s count %d out of range 0..%d", what, L->line, tag, cnt, source_n);
  *n = cnt;
  *v = malloc((size_t)(cnt > 0 ? cnt : 1) * sizeof **v);
  ALCN_CHECK_ALLOC(*v, (size_t)cnt * sizeof **v);
  if (lab) {
    *lab = malloc((size_t)(cnt > 0 ? cnt : 1));
    ALCN_CHECK_ALLOC(*lab, (size_t)cnt);
  }
  for (int i = 0; i < cnt; ++i) {
    int idx, l = 0;
    if (!next_line(L)) PFAIL("%s: truncated: %s list ends after %d of %d entries", what, tag, i, cnt);
    int got = sscanf(L->buf, "%d %d", &idx, &l);
    if (got != (lab ? 2 : 1)) PFAIL("%s:%d: expected %s in the %s list", what, L->line, lab ? "'<index> <label>'" : "'<index>'", tag);
    if (idx < 0 || idx >= source_n) PFAIL("%s:%d: index %d out of range 0..%d", what, L->line, idx, source_n - 1);
    if (lab && l != 0 && l != 1) PFAIL("%s:%d: label %d, expected 0 or 1", what, L->line, l);
    (*v)[i] = idx;
    if (lab) (*lab)[i] = (uint8_t)l;
  }
fail:
  return st;
}

alcn_status alcn_manifest_parse(alcn_manifest *m, const char *text, size_t len, const char *what) {
  memset(m, 0, sizeof *m);
  lines L = {text, text + len, 0, {0}};
  alcn_status st = ALCN_OK;
  char key[32], hex[32] = "";
  int ver = 0;
  if (!next_line(&L) || sscanf(L.buf, "alcn-manifest %d", &ver) != 1 || ver != 1)
    PFAIL("%s: not an ALCN manifest (expected first line 'alcn-manifest 1')", what);
  int have = 0;
  while (have != 0x7f && next_line(&L)) {
    int off = 0;
    if (sscanf(L.buf, "%31s %n", key, &off) != 1) PFAIL("%s:%d: cannot parse '%s'", what, L.line, L.buf);
    const char *val = L.buf + off;
    if (strcmp(key, "protocol") == 0) { snprintf(m->protocol, sizeof m->protocol, "%s", val); have |= 1; }
    else if (strcmp(key, "dataset") == 0) { snprintf(m->dataset, sizeof m->dataset, "%s", val); have |= 2; }
    else if (strcmp(key, "class") == 0) {
      int o2 = 0;
      if (sscanf(val, "%d %n", &m->class_index, &o2) < 1) PFAIL("%s:%d: expected 'class <k> <name>'", what, L.line);
      snprintf(m->class_name, sizeof m->class_name, "%s", val + o2);
      have |= 4;
    } else if (strcmp(key, "seed") == 0) {
      unsigned long long s;
      if (sscanf(val, "%llu", &s) != 1) PFAIL("%s:%d: expected 'seed <u64>'", what, L.line);
      m->seed = s;
      have |= 8;
    } else if (strcmp(key, "val_fraction") == 0) {
      if (sscanf(val, "%lf", &m->val_fraction) != 1) PFAIL("%s:%d: expected 'val_fraction <f>'", what, L.line);
      have |= 16;
    } else if (strcmp(key, "source_n") == 0) {
      if (sscanf(val, "%d", &m->source_n) != 1 || m->source_n <= 0) PFAIL("%s:%d: expected 'source_n <n>'", what, L.line);
      have |= 32;
    } else if (strcmp(key, "hash") == 0) {
      snprintf(hex, sizeof hex, "%s", val);
      have |= 64;
    } else {
      PFAIL("%s:%d: unknown key '%s'", what, L.line, key);
    }
  }
  if (have != 0x7f) PFAIL("%s: header incomplete (needs protocol, dataset, class, seed, val_fraction, source_n, hash)", what);
  ALCN_CHECK_GOTO(st, read_list(&L, what, "train", m->source_n, &m->train, NULL, &m->n_train), fail);
  ALCN_CHECK_GOTO(st, read_list(&L, what, "val", m->source_n, &m->val, NULL, &m->n_val), fail);
  ALCN_CHECK_GOTO(st, read_list(&L, what, "test", m->source_n, &m->test, &m->test_labels, &m->n_test), fail);
  alcn_manifest_rehash(m);
  if (strcmp(hex, m->hash_hex) != 0)
    PFAIL("%s: hash mismatch: file says %s, contents hash to %s (the manifest was edited or is corrupt)", what, hex,
          m->hash_hex);
  return ALCN_OK;
fail:
  alcn_manifest_free(m);
  return st;
}

alcn_status alcn_manifest_load(alcn_manifest *m, const char *path) {
  uint8_t *buf;
  size_t len;
  memset(m, 0, sizeof *m);
  ALCN_CHECK(alcn_ds_read_file(path, 0, &buf, &len));
  alcn_status st = alcn_manifest_parse(m, (const char *)buf, len, path);
  free(buf);
  return st;
}
