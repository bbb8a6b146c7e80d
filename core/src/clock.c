/* The host's monotonic clock (alcn/clock.h). */
#define _POSIX_C_SOURCE 199309L
#include <time.h>

#include "alcn/clock.h"

double alcn_clock_s(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

double alcn_clock_ms(void) { return alcn_clock_s() * 1e3; }
