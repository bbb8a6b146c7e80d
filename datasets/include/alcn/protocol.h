/* Protocols by name and their seeded index manifests: which image of a loaded
 * data set goes to train, validation or test, and each test image's label.
 *
 *   "p1"  class k anomalous: normals = every image (train+test) not of class k,
 *         shuffled by seed, first round(0.8 n) -> train, rest -> test;
 *         test = those normals + every image of class k.
 *   "p2"  class k normal: train = official train images of class k; test = the
 *         whole official test set (class k normal, others anomalous).
 *   "mvtec"  images of class (category) k: official train -> train, official
 *         test -> test, labelled by the data set's anomalous flag. Also serves
 *         the generic "folder" data set.
 *   "mvtec-7030"  class k: all good images (train+test) shuffled, first
 *         round(0.7 n) -> train, rest + every defective image -> test.
 *   "plantvillage"  crop k: healthy images shuffled, first round(0.8 n) ->
 *         train, rest + every diseased image of crop k -> test.
 * Validation: the last round(val_fraction * n_train) of the shuffled training
 * normals move to val (never a test image). The shuffle is Fisher-Yates on the
 * Philox stream alcn_rng_derive(seed, k); index lists are stored ascending.
 *
 * Manifest file (text, one item per line, '#' comments):
 *   alcn-manifest 1
 *   protocol <name>
 *   dataset <name>
 *   class <k> <class name, rest of line>
 *   seed <u64>
 *   val_fraction <%.17g>
 *   source_n <images in the data set>
 *   hash <16 hex digits>
 *   train <n> / val <n> / test <n>   each followed by n lines "<index>"
 *                                    (test lines: "<index> <label>")
 * The hash is FNV-1a 64 over protocol, dataset, class, seed, source_n and
 * every index list and label in order (not over val_fraction's text). */
#ifndef ALCN_PROTOCOL_H
#define ALCN_PROTOCOL_H

#include <stdint.h>

#include "alcn/dataset.h"
#include "alcn/status.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct alcn_manifest {
  char protocol[16];
  char dataset[32];
  int class_index;
  char class_name[128];
  uint64_t seed;
  double val_fraction;
  int source_n;          /* ds->n the indices refer to */
  int n_train, n_val, n_test;
  int32_t *train;        /* n_train indices into the data set, ascending */
  int32_t *val;          /* n_val */
  int32_t *test;         /* n_test */
  uint8_t *test_labels;  /* n_test: 0 normal, 1 anomalous */
  uint64_t hash;
  char hash_hex[17];     /* "%016llx" of hash */
} alcn_manifest;

/* 1 when `name` is a known protocol. */
int alcn_protocol_known(const char *name);

/* Make the split. class_index is checked against ds->n_classes; an empty
 * train or test set (no images of that class) is an error. *m is valid only on
 * ALCN_OK; release with alcn_manifest_free. */
alcn_status alcn_protocol_split(alcn_manifest *m, const alcn_dataset *ds, const char *protocol,
                                int class_index, uint64_t seed, double val_fraction);
void alcn_manifest_free(alcn_manifest *m);

/* Recompute m->hash and m->hash_hex from the contents; returns the hash. */
uint64_t alcn_manifest_rehash(alcn_manifest *m);

/* Write atomically (temp file + rename) / read and verify the hash. */
alcn_status alcn_manifest_save(const alcn_manifest *m, const char *path);
alcn_status alcn_manifest_load(alcn_manifest *m, const char *path);
/* Parse manifest text held in memory (len bytes; `what` names it in errors). */
alcn_status alcn_manifest_parse(alcn_manifest *m, const char *text, size_t len, const char *what);

#ifdef __cplusplus
}
#endif
#endif
