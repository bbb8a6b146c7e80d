/* bt_load_* (machine_load.h): /proc/stat's busy ticks against our own
 * getrusage over a window of the monotonic clock. */
#define _POSIX_C_SOURCE 200809L
#include "machine_load.h"

#include <math.h>
#include <stdio.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

/* Busy seconds of all CPUs since boot, or -1. */
static double busy_seconds(void) {
  FILE *f = fopen("/proc/stat", "r");
  if (!f) return -1.0;
  unsigned long long v[8] = {0};
  const int got = fscanf(f, "cpu %llu %llu %llu %llu %llu %llu %llu %llu", &v[0], &v[1], &v[2], &v[3], &v[4], &v[5],
                         &v[6], &v[7]);
  fclose(f);
  const long hz = sysconf(_SC_CLK_TCK);
  if (got < 8 || hz <= 0) return -1.0;
  /* user nice system idle iowait irq softirq steal: all but idle and iowait */
  return (double)(v[0] + v[1] + v[2] + v[5] + v[6] + v[7]) / (double)hz;
}

static double tv_s(struct timeval t) { return (double)t.tv_sec + 1e-6 * (double)t.tv_usec; }

static double our_seconds(void) {
  struct rusage self, kids;
  if (getrusage(RUSAGE_SELF, &self) != 0 || getrusage(RUSAGE_CHILDREN, &kids) != 0) return -1.0;
  return tv_s(self.ru_utime) + tv_s(self.ru_stime) + tv_s(kids.ru_utime) + tv_s(kids.ru_stime);
}

static double now_s(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

int bt_load_cpus(void) {
  const long n = sysconf(_SC_NPROCESSORS_ONLN);
  return n > 0 ? (int)n : 1;
}

void bt_load_begin(bt_load *l) {
  l->wall_s = now_s();
  l->busy_s = busy_seconds();
  l->ours_s = our_seconds();
  l->ok = l->busy_s >= 0.0 && l->ours_s >= 0.0;
}

double bt_load_other(const bt_load *l) {
  const double busy = busy_seconds(), ours = our_seconds(), wall = now_s() - l->wall_s;
  if (!l->ok || busy < 0.0 || ours < 0.0 || wall <= 0.0) return NAN;
  double other = ((busy - l->busy_s) - (ours - l->ours_s)) / (wall * bt_load_cpus());
  if (other < 0.0) other = 0.0; /* tick rounding */
  return other > 1.0 ? 1.0 : other;
}
