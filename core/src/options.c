/* Plugin option parsing (options.h). */
#include "alcn/options.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

/* Value of key in o, or NULL. The last occurrence wins (later flags override). */
static const char *find(const alcn_opts *o, const char *key) {
  const char *hit = NULL;
  size_t kl = strlen(key);
  for (int i = 0; o && i < o->count; ++i) {
    const char *it = o->items[i];
    if (strncmp(it, key, kl) == 0 && it[kl] == '=') hit = it + kl + 1;
  }
  return hit;
}

static int in_list(const char *list, const char *key, size_t kl) {
  const char *p = list;
  while (*p) {
    while (*p == ' ') ++p;
    const char *e = p;
    while (*e && *e != ' ') ++e;
    if ((size_t)(e - p) == kl && strncmp(p, key, kl) == 0) return 1;
    p = e;
  }
  return 0;
}

alcn_status alcn_opts_check(const alcn_opts *o, const char *owner, const char *allowed) {
  for (int i = 0; o && i < o->count; ++i) {
    const char *it = o->items[i];
    const char *eq = strchr(it, '=');
    if (!eq || eq == it)
      ALCN_FAIL(ALCN_ERR_ARG, "%s: option '%s' is not of the form key=value", owner, it);
    if (!in_list(allowed, it, (size_t)(eq - it)))
      ALCN_FAIL(ALCN_ERR_ARG, "%s: unknown option '%.*s' (valid: %s)", owner, (int)(eq - it), it, allowed);
  }
  return ALCN_OK;
}

alcn_status alcn_opts_float(const alcn_opts *o, const char *owner, const char *key, float def, float *out) {
  const char *v = find(o, key);
  if (!v) {
    *out = def;
    return ALCN_OK;
  }
  char *end = NULL;
  errno = 0;
  double d = strtod(v, &end);
  if (end == v || *end != '\0' || errno != 0 || !isfinite(d))
    ALCN_FAIL(ALCN_ERR_ARG, "%s: option %s=%s is not a finite number", owner, key, v);
  *out = (float)d;
  return ALCN_OK;
}

alcn_status alcn_opts_int(const alcn_opts *o, const char *owner, const char *key, int def, int *out) {
  const char *v = find(o, key);
  if (!v) {
    *out = def;
    return ALCN_OK;
  }
  char *end = NULL;
  errno = 0;
  long l = strtol(v, &end, 10);
  if (end == v || *end != '\0' || errno != 0 || l < -2147483647L || l > 2147483647L)
    ALCN_FAIL(ALCN_ERR_ARG, "%s: option %s=%s is not an integer", owner, key, v);
  *out = (int)l;
  return ALCN_OK;
}

alcn_status alcn_opts_str(const alcn_opts *o, const char *owner, const char *key, const char *def,
                          const char **out) {
  (void)owner;
  const char *v = find(o, key);
  *out = v ? v : def;
  return ALCN_OK;
}
