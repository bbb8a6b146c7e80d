/* The binary parsers behind the loaders, on bytes held in memory, exposed
 * for the tests and the libFuzzer targets: IDX (MNIST family), CIFAR-10/-100
 * records and the decode-cache file. Each checks every size against the
 * buffer length and fails with ALCN_ERR_FORMAT naming `what`. */
#ifndef ALCN_DATASET_FORMATS_H
#define ALCN_DATASET_FORMATS_H

#include <stddef.h>
#include <stdint.h>

#include "alcn/dataset.h"
#include "alcn/status.h"

#ifdef __cplusplus
extern "C" {
#endif

/* IDX header: magic 00 00 08 <ndim>, ndim big-endian u32 dims, then the
 * uint8 data. Requires type 0x08 (ubyte), ndim == expect_ndim and the data to
 * be exactly dims-product bytes. On success dims[0..ndim) and *data (pointing
 * into buf) are set. */
alcn_status alcn_idx_parse(const uint8_t *buf, size_t len, int expect_ndim, int dims[3],
                           const uint8_t **data, const char *what);

/* CIFAR records: CIFAR-10 (coarse = 0): [label, 3072 px]; CIFAR-100
 * (coarse = 1): [coarse, fine, 3072 px]. len must be a non-zero multiple of
 * the record size. Appends n records to images (n x 3 x 32 x 32), labels
 * (CIFAR-10 label or CIFAR-100 fine) and labels_coarse (may be NULL). Labels
 * are checked against n_classes (and n_coarse). *n_out = records parsed. */
alcn_status alcn_cifar_parse(const uint8_t *buf, size_t len, int cifar100, int n_classes, int n_coarse,
                             uint8_t *images, int32_t *labels, int32_t *labels_coarse, size_t cap,
                             int *n_out, const char *what);

/* Decode cache: serialise a data set to bytes / parse them back. The header
 * holds magic "ALCNDSC1", the source listing hash and the shape; parse fails
 * with ALCN_ERR_FORMAT on any inconsistency. *buf is malloc'ed. */
alcn_status alcn_cache_serialize(const alcn_dataset *ds, uint8_t **buf, size_t *len);
alcn_status alcn_cache_parse(alcn_dataset *ds, const uint8_t *buf, size_t len, const char *what);

#ifdef __cplusplus
}
#endif
#endif
