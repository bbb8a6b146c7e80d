/* Command-line parsing shared by every alcnbench subcommand (alcn/args.h):
 * a flag table, --name VALUE / --name=VALUE / -x VALUE, --help, "did you
 * mean", exit codes, and user-facing error lines. */
#define _POSIX_C_SOURCE 200809L
#include <ctype.h>
#include <errno.h>
#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "alcn/args.h"

static int g_verbose = -1; /* -1: not decided yet (look at ALCN_VERBOSE) */

void alcn_args_init(alcn_args *a, const char *prog, const alcn_argspec *specs, int argc, char **argv, int first) {
  memset(a, 0, sizeof *a);
  a->prog = prog;
  a->specs = specs;
  a->argc = argc;
  a->argv = argv;
  a->i = first;
}

/* Levenshtein distance of two short strings (capped at 64 characters). */
static int edit_distance(const char *s, const char *t) {
  size_t n = strlen(s), m = strlen(t);
  if (n > 64) n = 64;
  if (m > 64) m = 64;
  int row[65];
  for (size_t j = 0; j <= m; ++j) row[j] = (int)j;
  for (size_t i = 1; i <= n; ++i) {
    int diag = row[0];
    row[0] = (int)i;
    for (size_t j = 1; j <= m; ++j) {
      int up = row[j];
      int best = diag + (tolower((unsigned char)s[i - 1]) != tolower((unsigned char)t[j - 1]));
      if (up + 1 < best) best = up + 1;
      if (row[j - 1] + 1 < best) best = row[j - 1] + 1;
      row[j] = best;
      diag = up;
    }
  }
  return row[m];
}

const char *alcn_args_suggest(const char *word, const char *const *cands, int n) {
  if (!word || !*word) return NULL;
  const size_t wl = strlen(word);
  int limit = (int)wl / 3;
  if (limit < 2) limit = 2;
  const char *best = NULL;
  int best_d = limit + 1;
  for (int k = 0; k < n; ++k) {
    if (!cands[k]) continue;
    int d = edit_distance(word, cands[k]);
    /* a prefix of a longer name ("--epo" for "--epochs") counts as close */
    if (d > limit && strlen(cands[k]) > wl && !strncmp(cands[k], word, wl)) d = limit;
    if (d < best_d) {
      best_d = d;
      best = cands[k];
    }
  }
  return best;
}

const char *alcn_args_suggest_spec(const char *word, const alcn_argspec *specs) {
  const char *cands[256];
  int n = 0;
  for (const alcn_argspec *s = specs; s && s->name && n < 256; ++s) cands[n++] = s->name;
  return alcn_args_suggest(word, cands, n);
}

static const alcn_argspec *find_long(const alcn_argspec *specs, const char *name, size_t len) {
  for (const alcn_argspec *s = specs; s && s->name; ++s)
    if (strlen(s->name) == len && !strncmp(s->name, name, len)) return s;
  return NULL;
}

static const alcn_argspec *find_short(const alcn_argspec *specs, char c) {
  for (const alcn_argspec *s = specs; s && s->name; ++s)
    if (s->short_name && s->short_name == c) return s;
  return NULL;
}

int alcn_args_next(alcn_args *a) {
  a->spec = NULL;
  a->value = NULL;
  a->flag[0] = '\0';
  if (a->i >= a->argc) return ALCN_ARGS_END;
  const char *w = a->argv[a->i++];
  if (a->only_positionals || w[0] != '-' || !w[1]) {
    a->value = w;
    return ALCN_ARGS_POSITIONAL;
  }
  if (!strcmp(w, "--")) {
    a->only_positionals = 1;
    return alcn_args_next(a);
  }
  if (!strcmp(w, "--help") || !strcmp(w, "-h")) return ALCN_ARGS_HELP;
  const alcn_argspec *s = NULL;
  const char *inline_v = NULL;
  if (w[1] == '-') {
    const char *name = w + 2, *eq = strchr(name, '=');
    size_t len = eq ? (size_t)(eq - name) : strlen(name);
    s = find_long(a->specs, name, len);
    if (!s) {
      char want[80];
      snprintf(want, sizeof want, "%.*s", (int)(len < 70 ? len : 70), name);
      const char *near = alcn_args_suggest_spec(want, a->specs);
      alcn_error_at(__FILE__, __LINE__, ALCN_ERR_ARG, "unknown option '--%s'%s%s%s (hint: %s --help)", want,
                    near ? " (did you mean --" : "", near ? near : "", near ? "?)" : "", a->prog);
      return ALCN_ARGS_ERROR;
    }
    if (eq) inline_v = eq + 1;
    snprintf(a->flag, sizeof a->flag, "--%s", s->name);
  } else {
    s = w[2] ? NULL : find_short(a->specs, w[1]);
    if (!s) {
      alcn_error_at(__FILE__, __LINE__, ALCN_ERR_ARG, "unknown option '%s' (hint: %s --help)", w, a->prog);
      return ALCN_ARGS_ERROR;
    }
    snprintf(a->flag, sizeof a->flag, "-%c", s->short_name);
  }
  a->spec = s;
  if (!s->metavar) {
    if (inline_v) {
      alcn_error_at(__FILE__, __LINE__, ALCN_ERR_ARG, "%s takes no value (got '%s')", a->flag, inline_v);
      return ALCN_ARGS_ERROR;
    }
    return s->id;
  }
  if (inline_v) {
    a->value = inline_v;
  } else if (a->i < a->argc) {
    a->value = a->argv[a->i++];
  } else {
    alcn_error_at(__FILE__, __LINE__, ALCN_ERR_ARG, "%s needs a value (%s %s)", a->flag, a->flag, s->metavar);
    return ALCN_ARGS_ERROR;
  }
  return s->id;
}

alcn_status alcn_args_long(const alcn_args *a, long lo, long hi, long *out) {
  const char *v = a->value ? a->value : "";
  char *end = NULL;
  errno = 0;
  long x = strtol(v, &end, 10);
  if (end == v || *end || errno)
    return alcn_error_at(__FILE__, __LINE__, ALCN_ERR_ARG, "%s: '%s' is not an integer", a->flag, v);
  if (x < lo || x > hi)
    return alcn_error_at(__FILE__, __LINE__, ALCN_ERR_ARG, "%s: %ld is out of range [%ld, %ld]", a->flag, x, lo, hi);
  *out = x;
  return ALCN_OK;
}

alcn_status alcn_args_double(const alcn_args *a, double lo, double hi, double *out) {
  const char *v = a->value ? a->value : "";
  char *end = NULL;
  errno = 0;
  double d = strtod(v, &end);
  if (end == v || *end || errno || !isfinite(d))
    return alcn_error_at(__FILE__, __LINE__, ALCN_ERR_ARG, "%s: '%s' is not a finite number", a->flag, v);
  if (d < lo || d > hi)
    return alcn_error_at(__FILE__, __LINE__, ALCN_ERR_ARG, "%s: %g is out of range [%g, %g]", a->flag, d, lo, hi);
  *out = d;
  return ALCN_OK;
}

alcn_status alcn_args_choice(const alcn_args *a, const char *choices) {
  const char *v = a->value ? a->value : "";
  const size_t vl = strlen(v);
  for (const char *p = choices; *p;) {
    size_t k = strcspn(p, "|");
    if (k == vl && !strncmp(p, v, k)) return ALCN_OK;
    p += k;
    if (*p == '|') ++p;
  }
  return alcn_error_at(__FILE__, __LINE__, ALCN_ERR_ARG, "%s: '%s' is not one of %s", a->flag, v, choices);
}

void alcn_args_help(FILE *f, const char *usage, const alcn_argspec *specs, const char *footer) {
  fprintf(f, "usage: %s\n", usage);
  for (const alcn_argspec *s = specs; s && s->name; ++s) {
    if (!s->doc) continue;
    char head[96];
    int n = 0;
    if (s->short_name) n = snprintf(head, sizeof head, "-%c, ", s->short_name);
    snprintf(head + n, sizeof head - (size_t)n, "--%s%s%s", s->name, s->metavar ? " " : "",
             s->metavar ? s->metavar : "");
    if (strlen(head) <= 24) fprintf(f, "  %-24s %s\n", head, s->doc);
    else fprintf(f, "  %s\n  %-24s %s\n", head, "", s->doc);
  }
  fprintf(f, "  %-24s %s\n", "--verbose", "error messages with their internal call frames");
  fprintf(f, "  %-24s %s\n", "-h, --help", "this help");
  if (footer) fputs(footer, f);
}

int alcn_args_take_verbose(int *argc, char **argv) {
  int found = 0, k = 1;
  for (int i = 1; i < *argc; ++i) {
    if (!strcmp(argv[i], "--")) {
      for (; i < *argc; ++i) argv[k++] = argv[i];
      break;
    }
    if (!strcmp(argv[i], "--verbose")) found = 1;
    else argv[k++] = argv[i];
  }
  if (k < *argc) argv[k] = NULL;
  *argc = k;
  if (found) g_verbose = 1;
  return found;
}

int alcn_args_verbose(void) {
  if (g_verbose < 0) {
    const char *e = getenv("ALCN_VERBOSE");
    g_verbose = e && *e && strcmp(e, "0") != 0;
  }
  return g_verbose;
}

int alcn_exit_code(alcn_status s) {
  if (s == ALCN_OK) return ALCN_EXIT_OK;
  return s == ALCN_ERR_ARG || s == ALCN_ERR_NOT_FOUND ? ALCN_EXIT_USAGE : ALCN_EXIT_FAIL;
}

/* Length of an internal "name.c:123: " prefix at s (a source file of ours:
 * .c, .cu or .h), 0 when there is none. */
static size_t frame_prefix(const char *s) {
  size_t i = 0;
  while (isalnum((unsigned char)s[i]) || s[i] == '_' || s[i] == '-' || s[i] == '.') ++i;
  if (i < 3) return 0;
  const int src = (i > 2 && !strncmp(s + i - 2, ".c", 2)) || (i > 2 && !strncmp(s + i - 2, ".h", 2)) ||
                  (i > 3 && !strncmp(s + i - 3, ".cu", 3));
  if (!src || s[i] != ':' || !isdigit((unsigned char)s[i + 1])) return 0;
  size_t j = i + 1;
  while (isdigit((unsigned char)s[j])) ++j;
  if (s[j] != ':' || s[j + 1] != ' ') return 0;
  return j + 2;
}

const char *alcn_error_for_user(char *buf, size_t cap) {
  const char *m = alcn_last_error();
  if (!cap) return buf;
  if (alcn_args_verbose()) {
    snprintf(buf, cap, "%s", m);
    return buf;
  }
  size_t o = 0;
  for (const char *p = m; *p && o + 1 < cap;) {
    const char *nl = strchr(p, '\n');
    size_t len = nl ? (size_t)(nl - p) : strlen(p);
    if (!strncmp(p, "  from ", 7)) { /* a call frame */
      p += len + (nl ? 1 : 0);
      continue;
    }
    if (o) buf[o++] = '\n';
    const char *q = p;
    size_t skip;
    while ((skip = frame_prefix(q)) != 0 && q + skip <= p + len) q += skip;
    size_t k = len - (size_t)(q - p);
    if (o + k + 1 > cap) k = cap - o - 1;
    memcpy(buf + o, q, k);
    o += k;
    p += len + (nl ? 1 : 0);
  }
  buf[o < cap ? o : cap - 1] = '\0';
  return buf;
}

int alcn_args_fail(const char *prog) {
  char msg[4096];
  fprintf(stderr, "%s: error: %s\n", prog, alcn_error_for_user(msg, sizeof msg));
  return alcn_exit_code(alcn_last_status());
}
