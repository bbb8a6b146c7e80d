/* Reader for the "ALCNREF1" PyTorch reference files (format in make_reference.py):
 * bounds-checked little-endian parsing with one clear error per malformation. */
#include "ref_io.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define REF_MAGIC "ALCNREF1"
#define REF_VERSION 1u

typedef struct ref_reader {
  const unsigned char *p;
  size_t len, off;
  const char *what;
} ref_reader;

static uint32_t ref_le32(const unsigned char *b) {
  return (uint32_t)b[0] | ((uint32_t)b[1] << 8) | ((uint32_t)b[2] << 16) | ((uint32_t)b[3] << 24);
}

/* Take n bytes or fail with "truncated ... reading <field>". */
static alcn_status ref_take(ref_reader *r, size_t n, const unsigned char **out, const char *field, int idx) {
  if (r->len - r->off < n)
    ALCN_FAIL(ALCN_ERR_FORMAT,
              "%s: truncated at byte %zu reading %s of tensor %d (need %zu more bytes, %zu left) "
              "(hint: regenerate with /usr/bin/python3 tests/reference/make_reference.py)",
              r->what, r->off, field, idx, n, r->len - r->off);
  *out = r->p + r->off;
  r->off += n;
  return ALCN_OK;
}

static alcn_status ref_u32(ref_reader *r, uint32_t *v, const char *field, int idx) {
  const unsigned char *b = NULL;
  ALCN_CHECK(ref_take(r, 4, &b, field, idx));
  *v = ref_le32(b);
  return ALCN_OK;
}

void ref_case_free(ref_case *c) {
  if (c == NULL || c->tensors == NULL) return;
  for (int i = 0; i < c->count; i++) free(c->tensors[i].data);
  free(c->tensors);
  c->tensors = NULL;
  c->count = 0;
}

const ref_tensor *ref_case_find(const ref_case *c, const char *name) {
  for (int i = 0; i < c->count; i++)
    if (strcmp(c->tensors[i].name, name) == 0) return &c->tensors[i];
  return NULL;
}

const ref_tensor *ref_case_get(const ref_case *c, const char *name, size_t numel) {
  const ref_tensor *t = ref_case_find(c, name);
  if (t == NULL) {
    alcn_error_at(__FILE__, __LINE__, ALCN_ERR_FORMAT, "reference tensor '%s' missing", name);
    return NULL;
  }
  if (numel != 0 && t->numel != numel) {
    alcn_error_at(__FILE__, __LINE__, ALCN_ERR_FORMAT, "reference tensor '%s' has %zu elements, expected %zu",
                  name, t->numel, numel);
    return NULL;
  }
  return t;
}

static alcn_status ref_parse_tensor(ref_reader *r, ref_case *c, int idx) {
  ref_tensor *t = &c->tensors[idx];
  const unsigned char *b = NULL;
  uint32_t nlen, ndim;
  ALCN_CHECK(ref_u32(r, &nlen, "name length", idx));
  if (nlen == 0 || nlen > REF_MAX_NAME)
    ALCN_FAIL(ALCN_ERR_FORMAT, "%s: tensor %d has name length %u (must be 1..%d)", r->what, idx, nlen,
              REF_MAX_NAME);
  ALCN_CHECK(ref_take(r, nlen, &b, "name", idx));
  memcpy(t->name, b, nlen);
  t->name[nlen] = '\0';
  if (strlen(t->name) != nlen)
    ALCN_FAIL(ALCN_ERR_FORMAT, "%s: tensor %d name contains a NUL byte", r->what, idx);
  for (int j = 0; j < idx; j++)
    if (strcmp(c->tensors[j].name, t->name) == 0)
      ALCN_FAIL(ALCN_ERR_FORMAT, "%s: duplicate tensor name '%s'", r->what, t->name);
  ALCN_CHECK(ref_u32(r, &ndim, "ndim", idx));
  if (ndim > REF_MAX_NDIM)
    ALCN_FAIL(ALCN_ERR_FORMAT, "%s: tensor '%s' has ndim %u (at most %d)", r->what, t->name, ndim, REF_MAX_NDIM);
  t->ndim = (int)ndim;
  t->numel = 1;
  for (uint32_t k = 0; k < ndim; k++) {
    uint32_t u;
    ALCN_CHECK(ref_u32(r, &u, "dims", idx));
    int32_t dim = (int32_t)u;
    if (dim < 0)
      ALCN_FAIL(ALCN_ERR_FORMAT, "%s: tensor '%s' has negative dimension %d", r->what, t->name, (int)dim);
    t->dims[k] = dim;
    /* The data must fit in what is left of the buffer: this bounds numel. */
    if (dim != 0 && t->numel > (r->len / 4) / (size_t)dim)
      ALCN_FAIL(ALCN_ERR_FORMAT, "%s: tensor '%s' dims exceed the file size (%zu bytes): truncated or corrupt",
                r->what, t->name, r->len);
    t->numel *= (size_t)dim;
  }
  ALCN_CHECK(ref_take(r, t->numel * 4, &b, "data", idx));
  t->data = malloc(t->numel ? t->numel * sizeof(float) : 1);
  ALCN_CHECK_ALLOC(t->data, t->numel * sizeof(float));
  for (size_t i = 0; i < t->numel; i++) {
    uint32_t u = ref_le32(b + 4 * i);
    memcpy(&t->data[i], &u, 4);
  }
  return ALCN_OK;
}

alcn_status ref_case_parse(ref_case *c, const unsigned char *buf, size_t len, const char *what) {
  ref_reader r = {buf, len, 0, what ? what : "reference"};
  const unsigned char *b = NULL;
  uint32_t version, count;
  alcn_status st;
  c->count = 0;
  c->tensors = NULL;
  if (len < 8)
    ALCN_FAIL(ALCN_ERR_FORMAT, "%s: truncated: %zu bytes, shorter than the 8-byte magic", r.what, len);
  if (memcmp(buf, REF_MAGIC, 8) != 0)
    ALCN_FAIL(ALCN_ERR_FORMAT, "%s: bad magic (expected \"%s\"): not a reference file", r.what, REF_MAGIC);
  ALCN_CHECK(ref_take(&r, 8, &b, "magic", -1));
  ALCN_CHECK(ref_u32(&r, &version, "version", -1));
  if (version != REF_VERSION)
    ALCN_FAIL(ALCN_ERR_FORMAT, "%s: unsupported version %u (this reader knows %u) "
              "(hint: regenerate with tests/reference/make_reference.py)", r.what, version, REF_VERSION);
  ALCN_CHECK(ref_u32(&r, &count, "tensor count", -1));
  /* Each tensor takes at least 9 bytes (name length, 1-byte name, ndim). */
  if (count > (len - r.off) / 9)
    ALCN_FAIL(ALCN_ERR_FORMAT, "%s: tensor count %u cannot fit in %zu bytes: truncated or corrupt", r.what,
              count, len);
  c->tensors = calloc(count ? count : 1, sizeof(ref_tensor));
  ALCN_CHECK_ALLOC(c->tensors, count * sizeof(ref_tensor));
  c->count = (int)count;
  for (int i = 0; i < c->count; i++) ALCN_CHECK_GOTO(st, ref_parse_tensor(&r, c, i), fail);
  if (r.off != len) {
    st = alcn_error_at(__FILE__, __LINE__, ALCN_ERR_FORMAT, "%s: %zu trailing bytes after %u tensors", r.what,
                       len - r.off, count);
    goto fail;
  }
  return ALCN_OK;
fail:
  ref_case_free(c);
  return st;
}

alcn_status ref_case_load(ref_case *c, const char *path) {
  FILE *f = fopen(path, "rb");
  if (f == NULL)
    ALCN_FAIL(ALCN_ERR_IO, "cannot open %s: %s (hint: set ALCN_SOURCE_DIR to the source tree)", path,
              strerror(errno));
  unsigned char *buf = NULL;
  size_t len = 0, cap = 0;
  for (;;) {
    if (len == cap) {
      cap = cap ? 2 * cap : 65536;
      unsigned char *nb = realloc(buf, cap);
      if (nb == NULL) {
        free(buf);
        fclose(f);
        ALCN_CHECK_ALLOC(nb, cap);
      }
      buf = nb;
    }
    size_t got = fread(buf + len, 1, cap - len, f);
    len += got;
    if (got == 0) break;
  }
  int err = ferror(f);
  fclose(f);
  if (err) {
    free(buf);
    ALCN_FAIL(ALCN_ERR_IO, "read error on %s", path);
  }
  alcn_status st = ref_case_parse(c, buf, len, path);
  free(buf);
  return st;
}

alcn_status ref_case_load_named(ref_case *c, const char *name) {
  const char *src = getenv("ALCN_SOURCE_DIR");
  char path[4096];
  if (src == NULL || src[0] == '\0')
    ALCN_FAIL(ALCN_ERR_ARG, "ALCN_SOURCE_DIR is not set (hint: run through ctest, or export it)");
  int n = snprintf(path, sizeof path, "%s/tests/reference/data/%s.ref", src, name);
  if (n < 0 || (size_t)n >= sizeof path) ALCN_FAIL(ALCN_ERR_ARG, "path too long for case %s", name);
  ALCN_CHECK(ref_case_load(c, path));
  return ALCN_OK;
}
