/* Status codes, the thread-local error message, and the checked-call macros
 * that every library function uses. Library code never exits: it records
 * "file:line: message (hint: ...)" and returns a status; programs print it. */
#ifndef ALCN_STATUS_H
#define ALCN_STATUS_H

#include "alcn/export.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum alcn_status {
  ALCN_OK = 0,
  ALCN_ERR_ARG,         /* invalid argument, shape or option */
  ALCN_ERR_IO,          /* file missing, unreadable, unwritable */
  ALCN_ERR_FORMAT,      /* corrupt or truncated file, wrong magic */
  ALCN_ERR_NOMEM,       /* host or device out of memory */
  ALCN_ERR_DEVICE,      /* no GPU, driver error, CUDA library error */
  ALCN_ERR_NUMERIC,     /* NaN or Inf in a loss, gradient or score */
  ALCN_ERR_ABI,         /* plugin with the wrong ABI or missing fields */
  ALCN_ERR_UNSUPPORTED, /* feature not built or not implemented for this case */
  ALCN_ERR_INTERRUPTED, /* stopped by a signal */
  ALCN_ERR_NOT_FOUND    /* unknown name (method, noise, data set, key) */
} alcn_status;

/* Short fixed name of a status code ("io error", ...). */
ALCN_API const char *alcn_status_str(alcn_status s);

/* Record an error for this thread; replaces any earlier message. Returns s. */
ALCN_API alcn_status alcn_error_at(const char *file, int line, alcn_status s, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 4, 5)))
#endif
    ;

/* Append a "  from file:line: call" frame to this thread's error message. */
ALCN_API void alcn_error_trace(const char *file, int line, const char *what);

/* The last error recorded on this thread ("" when none), and its code. */
ALCN_API const char *alcn_last_error(void);
ALCN_API alcn_status alcn_last_status(void);
ALCN_API void alcn_clear_error(void);

/* Record an error with file:line and return it from the enclosing function.
 * Put the fix in the message: ALCN_FAIL(ALCN_ERR_IO, "cannot open %s: %s (hint: ...)", ...) */
#define ALCN_FAIL(code, ...) \
  return alcn_error_at(__FILE__, __LINE__, (code), __VA_ARGS__)

/* Evaluate a call returning alcn_status; on failure add a trace frame and
 * return the same status from the enclosing function. */
#define ALCN_CHECK(call)                                  \
  do {                                                    \
    alcn_status alcn_s_ = (call);                         \
    if (alcn_s_ != ALCN_OK) {                             \
      alcn_error_trace(__FILE__, __LINE__, #call);        \
      return alcn_s_;                                     \
    }                                                     \
  } while (0)

/* Same, but jump to a cleanup label with the status stored in `st`. */
#define ALCN_CHECK_GOTO(st, call, label)                  \
  do {                                                    \
    (st) = (call);                                        \
    if ((st) != ALCN_OK) {                                \
      alcn_error_trace(__FILE__, __LINE__, #call);        \
      goto label;                                         \
    }                                                     \
  } while (0)

/* Allocation check: NULL becomes ALCN_ERR_NOMEM naming the size. */
#define ALCN_CHECK_ALLOC(ptr, bytes)                                              \
  do {                                                                            \
    if ((ptr) == NULL)                                                            \
      ALCN_FAIL(ALCN_ERR_NOMEM, "out of host memory allocating %zu bytes for %s " \
                "(hint: lower --batch or the image size)", (size_t)(bytes), #ptr);  \
  } while (0)

#ifdef __cplusplus
}
#endif
#endif
