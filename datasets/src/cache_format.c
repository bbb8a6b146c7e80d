/* The decode-cache file format: serialise a loaded data set and parse it
 * back with every size checked (libFuzzer-safe: depends on status.c only).
 *
 * Layout (little-endian):
 *   "ALCNDSC1"  u32 0x01020304  u64 source_hash
 *   u32 n, c, h, w, n_classes, flags (1 masks, 2 anomalous, 4 coarse, 8 sources), n_skipped
 *   char name[32]
 *   n_classes x (u32 len, bytes)          class names
 *   n x i32 labels, n x u8 split, [n x u8 anomalous], [n x i32 coarse],
 *   [n*h*w u8 masks], n*c*h*w u8 images, [n x (u32 len, bytes) sources]
 *   u64 FNV-1a of every byte before it. */
#include <stdlib.h>
#include <string.h>

#include "alcn/dataset_formats.h"

#define MAGIC "ALCNDSC1"
#define FNV_OFF 0xcbf29ce484222325ULL
#define FNV_PRIME 0x100000001b3ULL

typedef struct {
  uint8_t *b;
  size_t n, cap;
  int oom;
} wbuf;

static void put(wbuf *w, const void *p, size_t n) {
  if (w->oom) return;
  if (w->n + n > w->cap) {
    size_t nc = w->cap ? w->cap : 4096;
    while (nc < w->n + n) nc *= 2;
    uint8_t *nb = realloc(w->b, nc);
    if (!nb) {
      w->oom = 1;
      return;
    }
    w->b = nb;
    w->cap = nc;
  }
  memcpy(w->b + w->n, p, n);
  w->n += n;
}

static void put_u32(wbuf *w, uint32_t v) {
  uint8_t b[4] = {(uint8_t)v, (uint8_t)(v >> 8), (uint8_t)(v >> 16), (uint8_t)(v >> 24)};
  put(w, b, 4);
}

static void put_u64(wbuf *w, uint64_t v) {
  put_u32(w, (uint32_t)v);
  put_u32(w, (uint32_t)(v >> 32));
}

static void put_str(wbuf *w, const char *s) {
  size_t n = s ? strlen(s) : 0;
  put_u32(w, (uint32_t)n);
  put(w, s, n);
}

static void put_i32s(wbuf *w, const int32_t *v, int n) {
  for (int i = 0; i < n; ++i) put_u32(w, (uint32_t)v[i]);
}

static uint64_t fnv(const uint8_t *p, size_t n) {
  uint64_t h = FNV_OFF;
  for (size_t i = 0; i < n; ++i) {
    h ^= p[i];
    h *= FNV_PRIME;
  }
  return h;
}

alcn_status alcn_cache_serialize(const alcn_dataset *ds, uint8_t **buf, size_t *len) {
  wbuf w = {NULL, 0, 0, 0};
  size_t img = (size_t)ds->n * ds->c * ds->h * ds->w, msk = (size_t)ds->n * ds->h * ds->w;
  w.cap = img + msk + 64 + (size_t)ds->n * 16;
  w.b = malloc(w.cap);
  ALCN_CHECK_ALLOC(w.b, w.cap);
  uint32_t flags = (ds->masks ? 1u : 0u) | (ds->anomalous ? 2u : 0u) | (ds->labels_coarse ? 4u : 0u) |
                   (ds->sources ? 8u : 0u);
  put(&w, MAGIC, 8);
  put_u32(&w, 0x01020304u);
  put_u64(&w, ds->source_hash);
  put_u32(&w, (uint32_t)ds->n);
  put_u32(&w, (uint32_t)ds->c);
  put_u32(&w, (uint32_t)ds->h);
  put_u32(&w, (uint32_t)ds->w);
  put_u32(&w, (uint32_t)ds->n_classes);
  put_u32(&w, flags);
  put_u32(&w, (uint32_t)ds->n_skipped);
  char name[32] = {0};
  for (size_t i = 0; i + 1 < sizeof name && ds->name[i]; ++i) name[i] = ds->name[i];
  put(&w, name, 32);
  for (int k = 0; k < ds->n_classes; ++k) put_str(&w, ds->class_names[k]);
  put_i32s(&w, ds->labels, ds->n);
  put(&w, ds->split, (size_t)ds->n);
  if (ds->anomalous) put(&w, ds->anomalous, (size_t)ds->n);
  if (ds->labels_coarse) put_i32s(&w, ds->labels_coarse, ds->n);
  if (ds->masks) put(&w, ds->masks, msk);
  put(&w, ds->images, img);
  if (ds->sources)
    for (int i = 0; i < ds->n; ++i) put_str(&w, ds->sources[i]);
  if (!w.oom) put_u64(&w, fnv(w.b, w.n));
  if (w.oom) {
    free(w.b);
    ALCN_FAIL(ALCN_ERR_NOMEM, "out of memory serialising the %s cache (%zu bytes)", ds->name, w.n);
  }
  *buf = w.b;
  *len = w.n;
  return ALCN_OK;
}

typedef struct {
  const uint8_t *p;
  size_t left;
} rbuf;

static int take(rbuf *r, void *out, size_t n) {
  if (r->left < n) return 0;
  if (out) memcpy(out, r->p, n);
  r->p += n;
  r->left -= n;
  return 1;
}

static int take_u32(rbuf *r, uint32_t *v) {
  uint8_t b[4];
  if (!take(r, b, 4)) return 0;
  *v = (uint32_t)b[0] | ((uint32_t)b[1] << 8) | ((uint32_t)b[2] << 16) | ((uint32_t)b[3] << 24);
  return 1;
}

static int take_u64(rbuf *r, uint64_t *v) {
  uint32_t lo, hi;
  if (!take_u32(r, &lo) || !take_u32(r, &hi)) return 0;
  *v = (uint64_t)lo | ((uint64_t)hi << 32);
  return 1;
}

static char *take_str(rbuf *r) {
  uint32_t n;
  if (!take_u32(r, &n) || n > 4096 || r->left < n) return NULL;
  char *s = malloc((size_t)n + 1);
  if (!s) return NULL;
  take(r, s, n);
  s[n] = 0;
  if (memchr(s, 0, n)) { /* embedded NUL: not a valid name */
    free(s);
    return NULL;
  }
  return s;
}

static int take_i32s(rbuf *r, int32_t *v, uint32_t n) {
  if (r->left / 4 < n) return 0;
  for (uint32_t i = 0; i < n; ++i) {
    uint32_t u = 0;
    take_u32(r, &u);
    v[i] = (int32_t)u;
  }
  return 1;
}

#define CFAIL(...) \
  do { st = alcn_error_at(__FILE__, __LINE__, ALCN_ERR_FORMAT, __VA_ARGS__); goto fail; } while (0)

static void free_partial(alcn_dataset *ds) {
  free(ds->images);
  free(ds->labels);
  free(ds->split);
  free(ds->anomalous);
  free(ds->masks);
  free(ds->labels_coarse);
  if (ds->sources)
    for (int i = 0; i < ds->n; ++i) free(ds->sources[i]);
  free(ds->sources);
  if (ds->class_names)
    for (int i = 0; i < ds->n_classes; ++i) free(ds->class_names[i]);
  free(ds->class_names);
  memset(ds, 0, sizeof *ds);
}

alcn_status alcn_cache_parse(alcn_dataset *ds, const uint8_t *buf, size_t len, const char *what) {
  memset(ds, 0, sizeof *ds);
  alcn_status st = ALCN_OK;
  if (len < 8 + 4 + 8 + 7 * 4 + 32 + 8 || memcmp(buf, MAGIC, 8) != 0)
    ALCN_FAIL(ALCN_ERR_FORMAT, "%s: not an ALCN decode cache (expected magic %s and at least 88 bytes)", what, MAGIC);
  uint64_t want = fnv(buf, len - 8), got = 0;
  rbuf t = {buf + len - 8, 8};
  take_u64(&t, &got);
  if (want != got) ALCN_FAIL(ALCN_ERR_FORMAT, "%s: checksum mismatch (truncated or corrupt cache file)", what);
  rbuf r = {buf + 8, len - 16};
  uint32_t endian, n, c, h, w, nk, flags, nskip;
  take_u32(&r, &endian);
  if (endian != 0x01020304u) ALCN_FAIL(ALCN_ERR_FORMAT, "%s: bad byte-order marker", what);
  take_u64(&r, &ds->source_hash);
  take_u32(&r, &n);
  take_u32(&r, &c);
  take_u32(&r, &h);
  take_u32(&r, &w);
  take_u32(&r, &nk);
  take_u32(&r, &flags);
  take_u32(&r, &nskip);
  take(&r, ds->name, 32);
  ds->name[31] = 0;
  if (n == 0 || n > 0x7fffffffu || c == 0 || c > 4 || h == 0 || h > 65536 || w == 0 || w > 65536 || nk == 0 ||
      nk > 100000 || flags > 15 || nskip > 0x7fffffffu)
    ALCN_FAIL(ALCN_ERR_FORMAT, "%s: implausible header (n %u, %ux%ux%u, %u classes, flags %u)", what, n, c, h, w, nk,
              flags);
  size_t hw = (size_t)h * w;
  /* Every per-image array must fit in what is left: check before allocating. */
  size_t need = (size_t)n * (4 + 1);
  if (r.left / hw / c < n || r.left < need) CFAIL("%s: truncated: %u images of %ux%ux%u do not fit in %zu bytes", what, n, c, h, w, r.left);
  ds->n_classes = (int)nk;
  ds->class_names = calloc(nk, sizeof *ds->class_names);
  if (!ds->class_names) CFAIL("%s: out of memory", what);
  for (uint32_t k = 0; k < nk; ++k)
    if (!(ds->class_names[k] = take_str(&r))) CFAIL("%s: bad class name %u", what, k);
  ds->n = (int)n;
  ds->c = (int)c;
  ds->h = (int)h;
  ds->w = (int)w;
  ds->n_skipped = (int)nskip;
  ds->labels = malloc((size_t)n * 4);
  ds->split = malloc(n);
  ds->images = malloc((size_t)n * c * hw);
  if (!ds->labels || !ds->split || !ds->images) CFAIL("%s: out of memory for %u images", what, n);
  if (!take_i32s(&r, ds->labels, n) || !take(&r, ds->split, n)) CFAIL("%s: truncated labels", what);
  for (uint32_t i = 0; i < n; ++i)
    if (ds->labels[i] < 0 || ds->labels[i] >= (int)nk || ds->split[i] > 1)
      CFAIL("%s: image %u has label %d / split %d (expected 0..%u / 0..1)", what, i, ds->labels[i], ds->split[i], nk - 1);
  if (flags & 2) {
    if (!(ds->anomalous = malloc(n)) || !take(&r, ds->anomalous, n)) CFAIL("%s: truncated anomaly flags", what);
  }
  if (flags & 4) {
    if (!(ds->labels_coarse = malloc((size_t)n * 4)) || !take_i32s(&r, ds->labels_coarse, n))
      CFAIL("%s: truncated coarse labels", what);
  }
  if (flags & 1) {
    if (r.left / hw < n) CFAIL("%s: truncated masks", what);
    if (!(ds->masks = malloc((size_t)n * hw))) CFAIL("%s: out of memory for masks", what);
    take(&r, ds->masks, (size_t)n * hw);
  }
  if (r.left / hw / c < n) CFAIL("%s: truncated images", what);
  take(&r, ds->images, (size_t)n * c * hw);
  if (flags & 8) {
    if (!(ds->sources = calloc(n, sizeof *ds->sources))) CFAIL("%s: out of memory", what);
    for (uint32_t i = 0; i < n; ++i)
      if (!(ds->sources[i] = take_str(&r))) CFAIL("%s: bad source name %u", what, i);
  }
  if (r.left != 0) CFAIL("%s: %zu trailing bytes", what, r.left);
  return ALCN_OK;
fail:
  free_partial(ds);
  return st;
}
