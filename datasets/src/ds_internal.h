/* Private helpers shared by the data set sources: whole-file reading (plain
 * or gzip), FNV-1a hashing, string lists, sorted folder listings, and the
 * per-format loaders that dataset.c dispatches to. Not installed. */
#ifndef ALCN_DS_INTERNAL_H
#define ALCN_DS_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

#include "alcn/dataset.h"
#include "alcn/status.h"

#define ALCN_FNV_OFFSET 0xcbf29ce484222325ULL
#define ALCN_FNV_PRIME 0x100000001b3ULL

static inline uint64_t alcn_fnv1a(uint64_t h, const void *p, size_t n) {
  const uint8_t *b = (const uint8_t *)p;
  for (size_t i = 0; i < n; ++i) {
    h ^= b[i];
    h *= ALCN_FNV_PRIME;
  }
  return h;
}
uint64_t alcn_fnv1a_str(uint64_t h, const char *s); /* includes the NUL */
uint64_t alcn_fnv1a_u64(uint64_t h, uint64_t v);    /* little-endian bytes */

/* Read a whole file (*buf malloc'ed, NUL-terminated past len). gz = 1:
 * through zlib (accepts both gzip and plain files). */
alcn_status alcn_ds_read_file(const char *path, int gz, uint8_t **buf, size_t *len);
/* Same, into a caller buffer of exactly `want` bytes after checking size. */
int alcn_ds_file_exists(const char *path);
int alcn_ds_dir_exists(const char *path);
/* size + mtime hashed into h; returns 0 when the file cannot be stat'ed. */
int alcn_ds_stat_hash(const char *path, uint64_t *h);

/* Growable list of strings. */
typedef struct alcn_strlist {
  int n, cap;
  char **s;
} alcn_strlist;
alcn_status alcn_strlist_push(alcn_strlist *l, const char *s);
void alcn_strlist_free(alcn_strlist *l);
void alcn_strlist_sort(alcn_strlist *l);
/* Move ownership of the strings out (the list becomes empty). */
char **alcn_strlist_take(alcn_strlist *l, int *n);
char *alcn_ds_strdup(const char *s);
void alcn_ds_free_strings(char **s, int n);

/* Entries of folder `dir` (no "." / ".."), sorted by byte order. dirs = 1:
 * only sub-folders; dirs = 0: only regular files with an image extension
 * (.png, .jpg, .jpeg, any case). A missing folder is ALCN_ERR_IO. */
alcn_status alcn_ds_list_dir(alcn_strlist *out, const char *dir, int dirs);

/* path = a "/" b (ALCN_ERR_ARG when it does not fit). */
alcn_status alcn_ds_join(char *out, size_t cap, const char *a, const char *b);

/* Warn on stderr unless quiet. */
void alcn_ds_warn(const alcn_dataset_opts *o, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;

/* Allocate the per-image arrays of ds for n images of c x h x w (masks,
 * anomalous, coarse, sources on request). Zeroed. */
alcn_status alcn_ds_alloc(alcn_dataset *ds, int n, int c, int h, int w, int masks, int anomalous,
                          int coarse, int sources);

/* Per-family loaders and class listers (ds->name is set by the caller). */
alcn_status alcn_ds_load_idx(alcn_dataset *ds, const char *name, const alcn_dataset_opts *o);
alcn_status alcn_ds_classes_idx(alcn_class_list *out, const char *name, const alcn_dataset_opts *o);
alcn_status alcn_ds_idx_hash(const char *name, const alcn_dataset_opts *o, uint64_t *h);
alcn_status alcn_ds_load_cifar(alcn_dataset *ds, const char *name, const alcn_dataset_opts *o);
alcn_status alcn_ds_classes_cifar(alcn_class_list *out, const char *name, const alcn_dataset_opts *o);
alcn_status alcn_ds_cifar_hash(const char *name, const alcn_dataset_opts *o, uint64_t *h);
alcn_status alcn_ds_load_folder(alcn_dataset *ds, const char *name, const alcn_dataset_opts *o);
alcn_status alcn_ds_classes_folder(alcn_class_list *out, const char *name, const alcn_dataset_opts *o);
alcn_status alcn_ds_folder_hash(const char *name, const alcn_dataset_opts *o, uint64_t *h);

/* Decode cache files (cache.c). */
alcn_status alcn_ds_cache_path(char *out, size_t cap, const char *name, const alcn_dataset_opts *o);
/* 1 = hit (ds filled), 0 = miss or stale (warned), <0 never: errors only for I/O on a present file. */
int alcn_ds_cache_try_read(alcn_dataset *ds, const char *path, uint64_t source_hash, const alcn_dataset_opts *o);
alcn_status alcn_ds_cache_write(const alcn_dataset *ds, const char *path);

#endif
