/* Reader for the PyTorch reference files written by make_reference.py
 * ("ALCNREF1" format, see there): a case is a list of named float32 tensors.
 * Errors are recorded with ALCN_FAIL (file:line: message) and returned. */
#ifndef ALCN_REF_IO_H
#define ALCN_REF_IO_H

#include <stddef.h>

#include "alcn/status.h"

#ifdef __cplusplus
extern "C" {
#endif

#define REF_MAX_NDIM 8
#define REF_MAX_NAME 255

typedef struct ref_tensor {
  char name[REF_MAX_NAME + 1];
  int ndim;                 /* 0..REF_MAX_NDIM */
  int dims[REF_MAX_NDIM];
  size_t numel;             /* product of dims (1 for ndim 0) */
  float *data;              /* numel floats, owned by the ref_case */
} ref_tensor;

typedef struct ref_case {
  int count;
  ref_tensor *tensors;      /* count entries */
} ref_case;

/* Parse a whole file held in memory; *c is valid (free with ref_case_free)
 * only on ALCN_OK. `what` names the source in messages. ALCN_ERR_FORMAT for a
 * bad magic, unknown version, truncation, trailing bytes, bad ndim/dims,
 * an over-long or duplicate name. */
alcn_status ref_case_parse(ref_case *c, const unsigned char *buf, size_t len, const char *what);
/* Read and parse a file (ALCN_ERR_IO when it cannot be read). */
alcn_status ref_case_load(ref_case *c, const char *path);
/* Load $ALCN_SOURCE_DIR/tests/reference/data/<name>.ref. */
alcn_status ref_case_load_named(ref_case *c, const char *name);
void ref_case_free(ref_case *c);

/* Tensor by name, or NULL. */
const ref_tensor *ref_case_find(const ref_case *c, const char *name);
/* Tensor by name with exactly `numel` elements (numel 0: any size); records
 * an ALCN_ERR_FORMAT message and returns NULL when missing or mis-sized. */
const ref_tensor *ref_case_get(const ref_case *c, const char *name, size_t numel);

#ifdef __cplusplus
}
#endif
#endif
