/* Declarative plugin options (options.h): one parser for every plugin, so
 * that keys, numbers, ranges and choices are checked the same way at plan
 * time and at create time. */
#include "alcn/options.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Value of key in o, or NULL. The last occurrence wins (later flags override). */
static const char *find(const alcn_opts *o, const char *key) {
  const char *hit = NULL;
  size_t kl = strlen(key);
  for (int i = 0; o && i < o->count; ++i) {
    const char *it = o->items[i];
    if (it && strncmp(it, key, kl) == 0 && it[kl] == '=') hit = it + kl + 1;
  }
  return hit;
}

static int name_ok(const char *n) {
  if (!n || !*n || strlen(n) > 63) return 0;
  for (const char *p = n; *p; ++p)
    if (!((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || *p == '_')) return 0;
  return 1;
}

/* Index of v among "a|b|c", or -1. */
static int choice_index(const char *choices, const char *v) {
  size_t vl = strlen(v);
  int k = 0;
  for (const char *p = choices; p && *p; ++k) {
    const char *e = strchr(p, '|');
    size_t l = e ? (size_t)(e - p) : strlen(p);
    if (l == vl && strncmp(p, v, l) == 0) return k;
    if (!e) break;
    p = e + 1;
  }
  return -1;
}

static const char *range_text(const alcn_option *e, char *buf, size_t cap) {
  snprintf(buf, cap, "%s%g, %g%s", (e->flags & ALCN_OPT_MIN_OPEN) ? "(" : "[", e->min, e->max,
           (e->flags & ALCN_OPT_MAX_OPEN) ? ")" : "]");
  return buf;
}

/* Parse v for entry e (from `src`: "option" or "default") into *f / *i. */
static alcn_status parse_one(const alcn_option *e, const char *v, const char *owner, const char *src, float *f,
                             int *iv) {
  char rb[96];
  if (e->type == ALCN_OPT_ENUM) {
    int k = choice_index(e->choices, v);
    if (k < 0) ALCN_FAIL(ALCN_ERR_ARG, "%s: %s %s=%s is not one of %s", owner, src, e->name, v, e->choices);
    *iv = k;
    return ALCN_OK;
  }
  char *end = NULL;
  errno = 0;
  double d = e->type == ALCN_OPT_INT ? (double)strtol(v, &end, 10) : strtod(v, &end);
  if (end == v || *end != '\0')
    ALCN_FAIL(ALCN_ERR_ARG, "%s: %s %s=%s is not %s (valid: %s)", owner, src, e->name, v,
              e->type == ALCN_OPT_INT ? "an integer" : "a number", range_text(e, rb, sizeof rb));
  if (errno == ERANGE || !isfinite(d))
    ALCN_FAIL(ALCN_ERR_ARG, "%s: %s %s=%s is out of range (valid: %s)", owner, src, e->name, v,
              range_text(e, rb, sizeof rb));
  int lo_ok = (e->flags & ALCN_OPT_MIN_OPEN) ? d > e->min : d >= e->min;
  int hi_ok = (e->flags & ALCN_OPT_MAX_OPEN) ? d < e->max : d <= e->max;
  if (!lo_ok || !hi_ok)
    ALCN_FAIL(ALCN_ERR_ARG, "%s: %s %s=%s is out of range (valid: %s)", owner, src, e->name, v,
              range_text(e, rb, sizeof rb));
  if (e->type == ALCN_OPT_INT) {
    if (d < -2147483647.0 || d > 2147483647.0)
      ALCN_FAIL(ALCN_ERR_ARG, "%s: %s %s=%s does not fit an int", owner, src, e->name, v);
    *iv = (int)d;
  } else {
    float x = (float)d;
    if (!isfinite(x))
      ALCN_FAIL(ALCN_ERR_ARG, "%s: %s %s=%s overflows a float (valid: %s)", owner, src, e->name, v,
                range_text(e, rb, sizeof rb));
    *f = x;
  }
  return ALCN_OK;
}

/* Unknown keys and malformed items of `given`. */
static alcn_status check_keys(const alcn_option *table, const alcn_opts *given, const char *owner) {
  for (int i = 0; given && i < given->count; ++i) {
    const char *it = given->items[i];
    const char *eq = it ? strchr(it, '=') : NULL;
    if (!eq || eq == it) ALCN_FAIL(ALCN_ERR_ARG, "%s: option '%s' is not of the form key=value", owner, it ? it : "");
    int known = 0;
    for (const alcn_option *e = table; e && e->name; ++e)
      if (strlen(e->name) == (size_t)(eq - it) && strncmp(e->name, it, (size_t)(eq - it)) == 0) known = 1;
    if (!known) {
      char valid[1024];
      size_t len = 0;
      valid[0] = '\0';
      for (const alcn_option *e = table; e && e->name && len + 2 < sizeof valid; ++e) {
        int w = snprintf(valid + len, sizeof valid - len, "%s%s", len ? ", " : "", e->name);
        if (w < 0) break;
        len += (size_t)w;
        if (len >= sizeof valid) len = sizeof valid - 1;
      }
      ALCN_FAIL(ALCN_ERR_ARG, "%s: unknown option '%.*s' (valid: %s)", owner, (int)(eq - it), it,
                valid[0] ? valid : "none");
    }
  }
  return ALCN_OK;
}

static alcn_status parse_impl(const alcn_option *table, const alcn_opts *given, const char *owner, void *dst) {
  ALCN_CHECK(check_keys(table, given, owner));
  for (const alcn_option *e = table; e && e->name; ++e) {
    const char *v = find(given, e->name);
    float f = 0.0f;
    int iv = 0;
    ALCN_CHECK(parse_one(e, v ? v : e->def, owner, v ? "option" : "default", &f, &iv));
    if (dst) {
      if (e->type == ALCN_OPT_FLOAT) memcpy((char *)dst + e->offset, &f, sizeof f);
      else memcpy((char *)dst + e->offset, &iv, sizeof iv);
    }
  }
  return ALCN_OK;
}

alcn_status alcn_options_parse(const alcn_option *table, const alcn_opts *given, const char *owner, void *dst) {
  if (!dst) ALCN_FAIL(ALCN_ERR_ARG, "alcn_options_parse: dst is NULL (hint: alcn_options_validate checks only)");
  return parse_impl(table, given, owner ? owner : "plugin", dst);
}

alcn_status alcn_options_validate(const alcn_option *table, const alcn_opts *given, const char *owner) {
  return parse_impl(table, given, owner ? owner : "plugin", NULL);
}

alcn_status alcn_options_check_table(const alcn_option *table, char *why, size_t cap) {
  int n = 0;
  for (const alcn_option *e = table; e && e->name; ++e, ++n) {
    if (n >= 256) {
      snprintf(why, cap, "option table has no end (an entry with name NULL) within 256 entries");
      return ALCN_ERR_ABI;
    }
    if (!name_ok(e->name)) {
      snprintf(why, cap, "option %d: name '%.64s' is not of [a-z0-9_] (1..63 characters)", n, e->name);
      return ALCN_ERR_ABI;
    }
    for (const alcn_option *p = table; p < e; ++p)
      if (strcmp(p->name, e->name) == 0) {
        snprintf(why, cap, "option '%s' appears twice", e->name);
        return ALCN_ERR_ABI;
      }
    if (e->type != ALCN_OPT_FLOAT && e->type != ALCN_OPT_INT && e->type != ALCN_OPT_ENUM) {
      snprintf(why, cap, "option '%s': unknown type %d", e->name, (int)e->type);
      return ALCN_ERR_ABI;
    }
    if (e->type == ALCN_OPT_ENUM && (!e->choices || !e->choices[0])) {
      snprintf(why, cap, "option '%s': an enum without choices", e->name);
      return ALCN_ERR_ABI;
    }
    if (!e->def) {
      snprintf(why, cap, "option '%s': no default", e->name);
      return ALCN_ERR_ABI;
    }
    float f;
    int iv;
    if (parse_one(e, e->def, "plugin", "default", &f, &iv) != ALCN_OK) {
      snprintf(why, cap, "%s", alcn_last_error());
      alcn_clear_error();
      return ALCN_ERR_ABI;
    }
  }
  return ALCN_OK;
}

const char *alcn_options_describe(const alcn_option *table, char *buf, size_t cap) {
  if (!buf || !cap) return buf;
  buf[0] = '\0';
  size_t len = 0;
  for (const alcn_option *e = table; e && e->name; ++e) {
    int w = e->type == ALCN_OPT_ENUM ? snprintf(buf + len, cap - len, "%s%s=%s (%s)", len ? " " : "", e->name,
                                                e->def, e->choices)
                                     : snprintf(buf + len, cap - len, "%s%s=%s", len ? " " : "", e->name, e->def);
    if (w < 0 || (size_t)w >= cap - len) break;
    len += (size_t)w;
  }
  if (!table || !table->name) snprintf(buf, cap, "(no options)");
  return buf;
}

const char *alcn_options_choice(const alcn_option *entry, int index, char *buf, size_t cap) {
  if (!buf || !cap) return buf;
  buf[0] = '\0';
  if (!entry || entry->type != ALCN_OPT_ENUM || !entry->choices || index < 0) return buf;
  const char *p = entry->choices;
  for (int k = 0; k < index && p; ++k) {
    p = strchr(p, '|');
    if (p) ++p;
  }
  if (!p) return buf;
  const char *e = strchr(p, '|');
  size_t l = e ? (size_t)(e - p) : strlen(p);
  snprintf(buf, cap, "%.*s", (int)l, p);
  return buf;
}
