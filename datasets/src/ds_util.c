/* Private helpers of the data set module: hashing, whole-file reads (plain and
 * gzip through zlib), string lists and sorted folder listings. */
#define _POSIX_C_SOURCE 200809L
#include "ds_internal.h"

#include <dirent.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <zlib.h>

uint64_t alcn_fnv1a_str(uint64_t h, const char *s) { return alcn_fnv1a(h, s, strlen(s) + 1); }

uint64_t alcn_fnv1a_u64(uint64_t h, uint64_t v) {
  uint8_t b[8];
  for (int i = 0; i < 8; ++i) b[i] = (uint8_t)(v >> (8 * i));
  return alcn_fnv1a(h, b, 8);
}

static alcn_status read_plain(const char *path, uint8_t **buf, size_t *len) {
  FILE *f = fopen(path, "rb");
  if (!f) ALCN_FAIL(ALCN_ERR_IO, "cannot open %s: %s (hint: check --root and the file permissions)", path, strerror(errno));
  struct stat st;
  if (fstat(fileno(f), &st) != 0 || !S_ISREG(st.st_mode)) {
    fclose(f);
    ALCN_FAIL(ALCN_ERR_IO, "%s is not a regular file", path);
  }
  size_t n = (size_t)st.st_size;
  uint8_t *b = malloc(n + 1);
  if (!b) {
    fclose(f);
    ALCN_CHECK_ALLOC(b, n + 1);
  }
  size_t got = n ? fread(b, 1, n, f) : 0;
  int err = ferror(f);
  fclose(f);
  if (got != n || err) {
    free(b);
    ALCN_FAIL(ALCN_ERR_IO, "cannot read %s: got %zu of %zu bytes", path, got, n);
  }
  b[n] = 0;
  *buf = b;
  *len = n;
  return ALCN_OK;
}

static alcn_status read_gz(const char *path, uint8_t **buf, size_t *len) {
  gzFile g = gzopen(path, "rb");
  if (!g) ALCN_FAIL(ALCN_ERR_IO, "cannot open %s: %s (hint: check --root and the file permissions)", path, strerror(errno));
  gzbuffer(g, 1u << 18);
  size_t cap = 1u << 20, n = 0;
  uint8_t *b = malloc(cap + 1);
  if (!b) {
    gzclose(g);
    ALCN_CHECK_ALLOC(b, cap + 1);
  }
  for (;;) {
    if (cap - n < (1u << 20)) {
      size_t nc = cap * 2;
      uint8_t *nb = realloc(b, nc + 1);
      if (!nb) {
        free(b);
        gzclose(g);
        ALCN_CHECK_ALLOC(nb, nc + 1);
      }
      b = nb;
      cap = nc;
    }
    size_t want = cap - n;
    if (want > (1u << 30)) want = 1u << 30;
    int r = gzread(g, b + n, (unsigned)want);
    if (r < 0) {
      int zerr = 0;
      const char *msg = gzerror(g, &zerr);
      alcn_error_at(__FILE__, __LINE__, ALCN_ERR_FORMAT,
                    "%s: corrupt gzip data after %zu decompressed bytes: %s (hint: re-download the file)",
                    path, n, msg ? msg : "?");
      free(b);
      gzclose(g);
      return ALCN_ERR_FORMAT;
    }
    if (r == 0) break;
    n += (size_t)r;
  }
  int zerr = 0;
  const char *msg = gzerror(g, &zerr);
  if (zerr != Z_OK && zerr != Z_STREAM_END) {
    alcn_error_at(__FILE__, __LINE__, ALCN_ERR_FORMAT,
                  "%s: truncated or corrupt gzip stream after %zu decompressed bytes: %s "
                  "(hint: re-download the file)", path, n, msg ? msg : "?");
    free(b);
    gzclose(g);
    return ALCN_ERR_FORMAT;
  }
  gzclose(g);
  b[n] = 0;
  *buf = b;
  *len = n;
  return ALCN_OK;
}

alcn_status alcn_ds_read_file(const char *path, int gz, uint8_t **buf, size_t *len) {
  *buf = NULL;
  *len = 0;
  return gz ? read_gz(path, buf, len) : read_plain(path, buf, len);
}

int alcn_ds_file_exists(const char *path) {
  struct stat st;
  return stat(path, &st) == 0 && S_ISREG(st.st_mode);
}

int alcn_ds_dir_exists(const char *path) {
  struct stat st;
  return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

int alcn_ds_stat_hash(const char *path, uint64_t *h) {
  struct stat st;
  if (stat(path, &st) != 0) return 0;
  *h = alcn_fnv1a_str(*h, path);
  *h = alcn_fnv1a_u64(*h, (uint64_t)st.st_size);
  *h = alcn_fnv1a_u64(*h, (uint64_t)st.st_mtim.tv_sec);
  *h = alcn_fnv1a_u64(*h, (uint64_t)st.st_mtim.tv_nsec);
  return 1;
}

char *alcn_ds_strdup(const char *s) {
  size_t n = strlen(s) + 1;
  char *d = malloc(n);
  if (d) memcpy(d, s, n);
  return d;
}

void alcn_ds_free_strings(char **s, int n) {
  if (!s) return;
  for (int i = 0; i < n; ++i) free(s[i]);
  free(s);
}

alcn_status alcn_strlist_push(alcn_strlist *l, const char *s) {
  if (l->n == l->cap) {
    int nc = l->cap ? l->cap * 2 : 16;
    char **ns = realloc(l->s, (size_t)nc * sizeof *ns);
    ALCN_CHECK_ALLOC(ns, (size_t)nc * sizeof *ns);
    l->s = ns;
    l->cap = nc;
  }
  char *d = alcn_ds_strdup(s);
  ALCN_CHECK_ALLOC(d, strlen(s) + 1);
  l->s[l->n++] = d;
  return ALCN_OK;
}

void alcn_strlist_free(alcn_strlist *l) {
  alcn_ds_free_strings(l->s, l->n);
  l->s = NULL;
  l->n = l->cap = 0;
}

static int cmp_str(const void *a, const void *b) {
  return strcmp(*(char *const *)a, *(char *const *)b);
}

void alcn_strlist_sort(alcn_strlist *l) {
  if (l->n > 1) qsort(l->s, (size_t)l->n, sizeof *l->s, cmp_str);
}

char **alcn_strlist_take(alcn_strlist *l, int *n) {
  char **s = l->s;
  *n = l->n;
  l->s = NULL;
  l->n = l->cap = 0;
  return s;
}

static int has_image_ext(const char *name) {
  const char *dot = strrchr(name, '.');
  if (!dot) return 0;
  return strcasecmp(dot, ".png") == 0 || strcasecmp(dot, ".jpg") == 0 || strcasecmp(dot, ".jpeg") == 0;
}

alcn_status alcn_ds_list_dir(alcn_strlist *out, const char *dir, int dirs) {
  DIR *d = opendir(dir);
  if (!d) ALCN_FAIL(ALCN_ERR_IO, "cannot open folder %s: %s (hint: check --root and the data set layout)", dir, strerror(errno));
  struct dirent *e;
  char path[4096];
  alcn_status st = ALCN_OK;
  while ((e = readdir(d)) != NULL) {
    if (e->d_name[0] == '.') continue; /* ., .., hidden files (.DS_Store) */
    if (snprintf(path, sizeof path, "%s/%s", dir, e->d_name) >= (int)sizeof path) continue;
    int is_dir = alcn_ds_dir_exists(path);
    if (dirs ? !is_dir : (is_dir || !has_image_ext(e->d_name))) continue;
    if ((st = alcn_strlist_push(out, e->d_name)) != ALCN_OK) break;
  }
  closedir(d);
  if (st != ALCN_OK) return st;
  alcn_strlist_sort(out);
  return ALCN_OK;
}

alcn_status alcn_ds_join(char *out, size_t cap, const char *a, const char *b) {
  int n = snprintf(out, cap, "%s/%s", a, b);
  if (n < 0 || (size_t)n >= cap) ALCN_FAIL(ALCN_ERR_ARG, "path too long: %s/%s", a, b);
  return ALCN_OK;
}

void alcn_ds_warn(const alcn_dataset_opts *o, const char *fmt, ...) {
  if (o && o->quiet) return;
  va_list ap;
  va_start(ap, fmt);
  fputs("alcn: warning: ", stderr);
  vfprintf(stderr, fmt, ap);
  fputc('\n', stderr);
  va_end(ap);
}

alcn_status alcn_ds_alloc(alcn_dataset *ds, int n, int c, int h, int w, int masks, int anomalous,
                          int coarse, int sources) {
  ds->n = n;
  ds->c = c;
  ds->h = h;
  ds->w = w;
  size_t nn = n > 0 ? (size_t)n : 1;
  size_t img = nn * (size_t)c * (size_t)h * (size_t)w;
  ds->images = malloc(img);
  ALCN_CHECK_ALLOC(ds->images, img);
  ds->labels = calloc(nn, sizeof *ds->labels);
  ALCN_CHECK_ALLOC(ds->labels, nn * sizeof *ds->labels);
  ds->split = calloc(nn, 1);
  ALCN_CHECK_ALLOC(ds->split, nn);
  if (masks) {
    ds->masks = calloc(nn * (size_t)h * (size_t)w, 1);
    ALCN_CHECK_ALLOC(ds->masks, nn * (size_t)h * (size_t)w);
  }
  if (anomalous) {
    ds->anomalous = calloc(nn, 1);
    ALCN_CHECK_ALLOC(ds->anomalous, nn);
  }
  if (coarse) {
    ds->labels_coarse = calloc(nn, sizeof *ds->labels_coarse);
    ALCN_CHECK_ALLOC(ds->labels_coarse, nn * sizeof *ds->labels_coarse);
  }
  if (sources) {
    ds->sources = calloc(nn, sizeof *ds->sources);
    ALCN_CHECK_ALLOC(ds->sources, nn * sizeof *ds->sources);
  }
  return ALCN_OK;
}
