/* The host's monotonic clock (libalcn_host; not part of the plugin SDK).
 * Time spans for progress lines, ETAs and the micro-benchmarks. Timings of
 * backend work use the backend's timer marks instead (alcn/backend.h: CUDA
 * events on the GPU). */
#ifndef ALCN_CLOCK_H
#define ALCN_CLOCK_H

#ifdef __cplusplus
extern "C" {
#endif

/* Seconds on CLOCK_MONOTONIC (an arbitrary origin; differences only). */
double alcn_clock_s(void);
/* The same in milliseconds. */
double alcn_clock_ms(void);

#ifdef __cplusplus
}
#endif
#endif
