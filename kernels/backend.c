/* Backend selection by name (cpu | cuda | auto) and the no-CUDA fallbacks. */
#include <stdio.h>
#include <string.h>

#include "alcn/backend.h"

#ifndef ALCN_HAVE_CUDA
alcn_status alcn_backend_cuda_create(alcn_backend **out, int ordinal) {
  (void)ordinal;
  *out = NULL;
  ALCN_FAIL(ALCN_ERR_UNSUPPORTED, "this build has no CUDA backend (hint: install the CUDA toolkit with nvcc and "
            "cuDNN, then reconfigure; or use --device cpu)");
}

int alcn_cuda_available(char *reason, size_t cap) {
  if (reason && cap) snprintf(reason, cap, "this build has no CUDA backend (configured without nvcc)");
  return 0;
}
#endif

alcn_status alcn_backend_create(alcn_backend **out, const char *name, int threads, int quiet) {
  *out = NULL;
  if (!name || strcmp(name, "cpu") == 0) return alcn_backend_cpu_create(out, threads);
  if (strcmp(name, "cuda") == 0) {
    char why[256];
    if (!alcn_cuda_available(why, sizeof why))
      ALCN_FAIL(ALCN_ERR_DEVICE, "--device cuda: %s (hint: use --device cpu or --device auto)", why);
    return alcn_backend_cuda_create(out, 0);
  }
  if (strcmp(name, "auto") == 0) {
    char why[256];
    if (alcn_cuda_available(why, sizeof why)) {
      ALCN_CHECK(alcn_backend_cuda_create(out, 0));
    } else {
      ALCN_CHECK(alcn_backend_cpu_create(out, threads));
      if (!quiet) fprintf(stderr, "device auto: using the CPU (%s)\n", why);
      return ALCN_OK;
    }
    if (!quiet) fprintf(stderr, "device auto: using %s\n", (*out)->description);
    return ALCN_OK;
  }
  ALCN_FAIL(ALCN_ERR_ARG, "unknown device '%s' (valid: cpu, cuda, auto)", name);
}

void alcn_backend_destroy(alcn_backend *be) {
  if (be && be->ops && be->ops->destroy) be->ops->destroy(be);
}
