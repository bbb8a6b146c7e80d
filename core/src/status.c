/* Thread-local error message store behind status.h. */
#include "alcn/status.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#define ALCN_ERR_CAP 4096

static _Thread_local char g_msg[ALCN_ERR_CAP];
static _Thread_local alcn_status g_code = ALCN_OK;

const char *alcn_status_str(alcn_status s) {
  switch (s) {
    case ALCN_OK: return "ok";
    case ALCN_ERR_ARG: return "invalid argument";
    case ALCN_ERR_IO: return "i/o error";
    case ALCN_ERR_FORMAT: return "bad file format";
    case ALCN_ERR_NOMEM: return "out of memory";
    case ALCN_ERR_DEVICE: return "device error";
    case ALCN_ERR_NUMERIC: return "numerical error";
    case ALCN_ERR_ABI: return "plugin ABI mismatch";
    case ALCN_ERR_UNSUPPORTED: return "unsupported";
    case ALCN_ERR_INTERRUPTED: return "interrupted";
    case ALCN_ERR_NOT_FOUND: return "not found";
  }
  return "unknown status";
}

static const char *base_name(const char *path) {
  const char *s = strrchr(path, '/');
  return s ? s + 1 : path;
}

alcn_status alcn_error_at(const char *file, int line, alcn_status s, const char *fmt, ...) {
  int n = snprintf(g_msg, sizeof g_msg, "%s:%d: ", base_name(file), line);
  if (n < 0 || (size_t)n >= sizeof g_msg) n = 0;
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(g_msg + n, sizeof g_msg - (size_t)n, fmt, ap);
  va_end(ap);
  g_code = s;
  return s;
}

void alcn_error_trace(const char *file, int line, const char *what) {
  size_t used = strlen(g_msg);
  if (used + 8 >= sizeof g_msg) return;
  snprintf(g_msg + used, sizeof g_msg - used, "\n  from %s:%d: %.160s", base_name(file), line, what);
}

const char *alcn_last_error(void) { return g_msg; }
alcn_status alcn_last_status(void) { return g_code; }
void alcn_clear_error(void) {
  g_msg[0] = '\0';
  g_code = ALCN_OK;
}
