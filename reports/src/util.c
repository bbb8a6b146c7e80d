/* Small helpers of the report generator: a growable string with LaTeX/HTML
 * escaping and base64, whole-file read/write, mkdir -p, name normalising.
 * The file chores themselves (atomic write, untrusted read, mkdir -p) are
 * core's (alcn/fsutil.h). */
#define _POSIX_C_SOURCE 200809L
#include <ctype.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "alcn/fsutil.h"
#include "alcn/report.h"
#include "report_internal.h"

static int buf_grow(rp_buf *b, size_t extra) {
  if (b->oom) return 0;
  if (b->len + extra + 1 <= b->cap) return 1;
  size_t cap = b->cap ? b->cap : 1024;
  while (cap < b->len + extra + 1) cap *= 2;
  char *s = realloc(b->s, cap);
  if (!s) {
    b->oom = 1;
    return 0;
  }
  b->s = s;
  b->cap = cap;
  return 1;
}

void rp_buf_printf(rp_buf *b, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  int k = vsnprintf(NULL, 0, fmt, ap);
  va_end(ap);
  if (k < 0 || !buf_grow(b, (size_t)k)) return;
  va_start(ap, fmt);
  vsnprintf(b->s + b->len, (size_t)k + 1, fmt, ap);
  va_end(ap);
  b->len += (size_t)k;
}

void rp_buf_put(rp_buf *b, const char *s) {
  size_t k = strlen(s);
  if (!buf_grow(b, k)) return;
  memcpy(b->s + b->len, s, k + 1);
  b->len += k;
}

void rp_buf_append(rp_buf *b, const void *data, size_t n) {
  if (!n || !buf_grow(b, n)) return;
  memcpy(b->s + b->len, data, n);
  b->len += n;
  b->s[b->len] = 0;
}

void rp_buf_free(rp_buf *b) {
  free(b->s);
  memset(b, 0, sizeof *b);
}

void rp_buf_tex(rp_buf *b, const char *s) {
  for (; *s; ++s) {
    switch (*s) {
      case '&': case '%': case '$': case '#': case '_': case '{': case '}':
        rp_buf_printf(b, "\\%c", *s);
        break;
      case '~': rp_buf_put(b, "\\textasciitilde{}"); break;
      case '^': rp_buf_put(b, "\\textasciicircum{}"); break;
      case '\\': rp_buf_put(b, "\\textbackslash{}"); break;
      case '<': rp_buf_put(b, "$<$"); break;
      case '>': rp_buf_put(b, "$>$"); break;
      default:
        if (!strncmp(s, "\xc2\xb1", 2)) { /* ± */
          rp_buf_put(b, "$\\pm$");
          ++s;
        } else if (!strncmp(s, "\xe2\x80\x94", 3)) { /* em dash */
          rp_buf_put(b, "---");
          s += 2;
        } else if (!strncmp(s, "\xe2\x80\xa0", 3)) { /* dagger */
          rp_buf_put(b, "\\dag{}");
          s += 2;
        } else if (!strncmp(s, "\xc2\xb7", 2)) { /* middle dot */
          rp_buf_put(b, "$\\cdot$");
          ++s;
        } else if (!strncmp(s, "\xcf\x87\xc2\xb2", 4)) { /* chi squared */
          rp_buf_put(b, "$\\chi^2$");
          s += 3;
        } else if (!strncmp(s, "\xc2\xb2", 2)) { /* superscript 2 */
          rp_buf_put(b, "\\textsuperscript{2}");
          ++s;
        } else if (!strncmp(s, "\xcf\x87", 2)) { /* chi */
          rp_buf_put(b, "$\\chi$");
          ++s;
        } else if (!strncmp(s, "\xce\xb1", 2)) { /* alpha */
          rp_buf_put(b, "$\\alpha$");
          ++s;
        } else if (!strncmp(s, "\xce\x94", 2)) { /* Delta */
          rp_buf_put(b, "$\\Delta$");
          ++s;
        } else if (!strncmp(s, "\xe2\x88\x9a", 3)) { /* square root */
          rp_buf_put(b, "$\\surd$");
          s += 2;
        } else if (!strncmp(s, "\xe2\x88\x92", 3)) { /* minus */
          rp_buf_put(b, "$-$");
          s += 2;
        } else if (!strncmp(s, "\xe2\x88\x9e", 3)) { /* infinity */
          rp_buf_put(b, "$\\infty$");
          s += 2;
        } else if (!strncmp(s, "\xe2\x89\xa4", 3)) { /* less or equal */
          rp_buf_put(b, "$\\le$");
          s += 2;
        } else {
          rp_buf_printf(b, "%c", *s);
        }
    }
  }
}

void rp_buf_html(rp_buf *b, const char *s) {
  for (; *s; ++s) {
    switch (*s) {
      case '&': rp_buf_put(b, "&amp;"); break;
      case '<': rp_buf_put(b, "&lt;"); break;
      case '>': rp_buf_put(b, "&gt;"); break;
      case '"': rp_buf_put(b, "&quot;"); break;
      default: rp_buf_printf(b, "%c", *s);
    }
  }
}

void rp_buf_base64(rp_buf *b, const unsigned char *d, size_t n) {
  static const char tab[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  if (!buf_grow(b, (n + 2) / 3 * 4)) return;
  char *o = b->s + b->len;
  size_t i = 0;
  for (; i + 2 < n; i += 3) {
    unsigned v = (unsigned)d[i] << 16 | (unsigned)d[i + 1] << 8 | d[i + 2];
    *o++ = tab[v >> 18];
    *o++ = tab[(v >> 12) & 63];
    *o++ = tab[(v >> 6) & 63];
    *o++ = tab[v & 63];
  }
  if (i < n) {
    unsigned v = (unsigned)d[i] << 16 | (i + 1 < n ? (unsigned)d[i + 1] << 8 : 0u);
    *o++ = tab[v >> 18];
    *o++ = tab[(v >> 12) & 63];
    *o++ = i + 1 < n ? tab[(v >> 6) & 63] : '=';
    *o++ = '=';
  }
  *o = 0;
  b->len = (size_t)(o - b->s);
}

alcn_status rp_write_file(const char *path, const char *data, size_t n) {
  return alcn_fs_write_atomic(path, NULL, data ? data : "", n);
}

alcn_status rp_read_file(const char *path, size_t cap, char **data, size_t *n) {
  return alcn_fs_read_regular(NULL, path, cap, data, n);
}

int rp_file_exists(const char *path) {
  struct stat st;
  return stat(path, &st) == 0 && S_ISREG(st.st_mode);
}

void rp_slug(char *dst, size_t cap, const char *src) {
  size_t k = 0;
  for (; src && *src && k + 1 < cap; ++src) {
    unsigned char c = (unsigned char)*src;
    dst[k++] = isalnum(c) ? (char)tolower(c) : (c == '.' ? '.' : '-');
  }
  dst[k] = 0;
}

void rp_norm_name(char *dst, size_t cap, const char *src) {
  size_t k = 0;
  for (; src && *src && k + 1 < cap; ++src) {
    unsigned char c = (unsigned char)*src;
    if (c == '-' || c == '_' || c == ' ') continue;
    dst[k++] = (char)tolower(c);
  }
  dst[k] = 0;
}
