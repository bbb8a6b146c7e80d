/* Data set dispatch by name: defaults, the decode cache around every loader,
 * class listings, counts and freeing. */
#include "alcn/dataset.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "alcn/image_io.h"
#include "ds_internal.h"

typedef enum { FAM_IDX, FAM_CIFAR, FAM_FOLDER } family;

static const struct {
  const char *name;
  family fam;
} k_sets[] = {
    {"fashion-mnist", FAM_IDX}, {"mnist", FAM_IDX},      {"kmnist", FAM_IDX},        {"emnist", FAM_IDX},
    {"cifar10", FAM_CIFAR},     {"cifar100", FAM_CIFAR}, {"mvtec", FAM_FOLDER},      {"plantvillage", FAM_FOLDER},
    {"folder", FAM_FOLDER},
};
#define N_SETS ((int)(sizeof k_sets / sizeof k_sets[0]))

static int find_set(const char *name) {
  if (!name) return -1;
  for (int i = 0; i < N_SETS; ++i)
    if (strcmp(k_sets[i].name, name) == 0) return i;
  /* common spellings */
  if (strcmp(name, "fmnist") == 0 || strcmp(name, "fashion_mnist") == 0) return 0;
  if (strcmp(name, "cifar-10") == 0) return 4;
  if (strcmp(name, "cifar-100") == 0) return 5;
  if (strcmp(name, "mvtec-ad") == 0 || strcmp(name, "mvtec_ad") == 0) return 6;
  return -1;
}

int alcn_dataset_known(const char *name) { return find_set(name) >= 0; }

alcn_dataset_opts alcn_dataset_opts_default(void) {
  alcn_dataset_opts o;
  memset(&o, 0, sizeof o);
  return o;
}

/* Resolve the name and fill the defaults into *o. */
static alcn_status resolve(const char *name, const alcn_dataset_opts *in, alcn_dataset_opts *o, int *set) {
  *set = find_set(name);
  if (*set < 0)
    ALCN_FAIL(ALCN_ERR_NOT_FOUND, "unknown data set '%s' (hint: one of fashion-mnist, mnist, kmnist, emnist, "
              "cifar10, cifar100, mvtec, plantvillage, folder)", name ? name : "(null)");
  *o = in ? *in : alcn_dataset_opts_default();
  if (!o->root || !o->root[0]) {
    if (*set == 0)
      o->root = ALCN_FASHION_MNIST_DEFAULT_ROOT;
    else
      ALCN_FAIL(ALCN_ERR_ARG, "data set %s needs a root folder (hint: pass --root PATH)", k_sets[*set].name);
  }
  if (o->size == 0) o->size = ALCN_DATASET_DEFAULT_SIZE;
  if (o->size < 1 || o->size > 8192) ALCN_FAIL(ALCN_ERR_ARG, "image size %d out of range 1..8192", o->size);
  if (o->channels != ALCN_CHANNELS_AUTO && o->channels != ALCN_CHANNELS_GRAY && o->channels != ALCN_CHANNELS_RGB)
    ALCN_FAIL(ALCN_ERR_ARG, "channels %d: expected 0 (auto), 1 or 3", o->channels);
  if (!alcn_ds_dir_exists(o->root))
    ALCN_FAIL(ALCN_ERR_IO, "data set root %s is not a folder (hint: check --root)", o->root);
  return ALCN_OK;
}

static alcn_status source_hash(int set, const alcn_dataset_opts *o, uint64_t *h) {
  switch (k_sets[set].fam) {
    case FAM_IDX: return alcn_ds_idx_hash(k_sets[set].name, o, h);
    case FAM_CIFAR: return alcn_ds_cifar_hash(k_sets[set].name, o, h);
    case FAM_FOLDER: return alcn_ds_folder_hash(k_sets[set].name, o, h);
  }
  return ALCN_ERR_ARG;
}

static alcn_status load_uncached(alcn_dataset *ds, int set, const alcn_dataset_opts *o) {
  switch (k_sets[set].fam) {
    case FAM_IDX: return alcn_ds_load_idx(ds, k_sets[set].name, o);
    case FAM_CIFAR: return alcn_ds_load_cifar(ds, k_sets[set].name, o);
    case FAM_FOLDER: return alcn_ds_load_folder(ds, k_sets[set].name, o);
  }
  return ALCN_ERR_ARG;
}

/* IDX and CIFAR sets have a native size; an explicit size (e.g. 32 for
 * GANomaly's official network on MNIST) area-resizes every channel plane. */
static alcn_status resize_native(alcn_dataset *ds, int size) {
  if (size <= 0 || (ds->h == size && ds->w == size)) return ALCN_OK;
  size_t plane = (size_t)size * size, per = (size_t)ds->c * plane;
  uint8_t *out = malloc((size_t)ds->n * per);
  ALCN_CHECK_ALLOC(out, (size_t)ds->n * per);
  size_t src_plane = (size_t)ds->h * ds->w;
  for (size_t i = 0; i < (size_t)ds->n * (size_t)ds->c; ++i) {
    alcn_status st = alcn_resize_area(ds->images + i * src_plane, ds->w, ds->h, 1, out + i * plane, size, size);
    if (st != ALCN_OK) {
      free(out);
      return st;
    }
  }
  free(ds->images);
  ds->images = out;
  ds->h = ds->w = size;
  return ALCN_OK;
}

static alcn_status load_impl(alcn_dataset *ds, const char *name, const alcn_dataset_opts *in) {
  alcn_dataset_opts o;
  int set;
  ALCN_CHECK(resolve(name, in, &o, &set));
  /* IDX / CIFAR: size 0 = native; the cache name carries an explicit size */
  int native_size = k_sets[set].fam != FAM_FOLDER ? (in ? in->size : 0) : 0;
  if (k_sets[set].fam != FAM_FOLDER) o.size = native_size;
  uint64_t h = 0;
  ALCN_CHECK(source_hash(set, &o, &h));
  char cpath[4096];
  if (o.cache_dir) {
    ALCN_CHECK(alcn_ds_cache_path(cpath, sizeof cpath, k_sets[set].name, &o));
    if (alcn_ds_cache_try_read(ds, cpath, h, &o) == 1) {
      ds->from_cache = 1;
      return ALCN_OK;
    }
  }
  ALCN_CHECK(load_uncached(ds, set, &o));
  ALCN_CHECK(resize_native(ds, native_size));
  snprintf(ds->name, sizeof ds->name, "%s", k_sets[set].name);
  ds->source_hash = h;
  if (ds->n <= 0) ALCN_FAIL(ALCN_ERR_FORMAT, "%s: zero images found under %s", k_sets[set].name, o.root);
  if (o.cache_dir) ALCN_CHECK(alcn_ds_cache_write(ds, cpath));
  return ALCN_OK;
}

alcn_status alcn_dataset_load(alcn_dataset *ds, const char *name, const alcn_dataset_opts *opts) {
  memset(ds, 0, sizeof *ds);
  alcn_status st = load_impl(ds, name, opts);
  if (st != ALCN_OK) alcn_dataset_free(ds);
  return st;
}

void alcn_dataset_free(alcn_dataset *ds) {
  if (!ds) return;
  free(ds->images);
  free(ds->labels);
  free(ds->split);
  free(ds->anomalous);
  free(ds->masks);
  free(ds->labels_coarse);
  alcn_ds_free_strings(ds->sources, ds->sources ? ds->n : 0);
  alcn_ds_free_strings(ds->class_names, ds->n_classes);
  memset(ds, 0, sizeof *ds);
}

int alcn_dataset_count(const alcn_dataset *ds, int k, int s) {
  int c = 0;
  for (int i = 0; i < ds->n; ++i)
    if (ds->labels[i] == k && (s < 0 || ds->split[i] == s)) ++c;
  return c;
}

alcn_status alcn_dataset_classes(alcn_class_list *out, const char *name, const alcn_dataset_opts *opts) {
  memset(out, 0, sizeof *out);
  alcn_dataset_opts o;
  int set;
  ALCN_CHECK(resolve(name, opts, &o, &set));
  alcn_status st = ALCN_OK;
  switch (k_sets[set].fam) {
    case FAM_IDX: st = alcn_ds_classes_idx(out, k_sets[set].name, &o); break;
    case FAM_CIFAR: st = alcn_ds_classes_cifar(out, k_sets[set].name, &o); break;
    case FAM_FOLDER: st = alcn_ds_classes_folder(out, k_sets[set].name, &o); break;
  }
  if (st != ALCN_OK) {
    alcn_error_trace(__FILE__, __LINE__, "list classes");
    alcn_class_list_free(out);
  }
  return st;
}

void alcn_class_list_free(alcn_class_list *l) {
  if (!l) return;
  alcn_ds_free_strings(l->names, l->n);
  alcn_ds_free_strings(l->skipped, l->n_skipped);
  memset(l, 0, sizeof *l);
}

int alcn_class_list_find(const alcn_class_list *l, const char *name) {
  for (int i = 0; i < l->n; ++i)
    if (l->names[i] && strcmp(l->names[i], name) == 0) return i;
  return -1;
}
