/* Loaders for the IDX data sets: MNIST, Fashion-MNIST, KMNIST and EMNIST,
 * plain or gzip-compressed, train then test, 1 x 28 x 28. */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "alcn/dataset_formats.h"
#include "ds_internal.h"

static const char *const k_fashion[10] = {"T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
                                          "Sandal",      "Shirt",   "Sneaker",  "Bag",   "Ankle boot"};
static const char *const k_kmnist[10] = {"o", "ki", "su", "tsu", "na", "ha", "ma", "ya", "re", "wo"};

static const char *variant_of(const alcn_dataset_opts *o) {
  return (o->variant && o->variant[0]) ? o->variant : "balanced";
}

/* Which of the four files: 0 train images, 1 train labels, 2 test images, 3 test labels. */
static alcn_status find_file(char *out, size_t cap, const char *name, const alcn_dataset_opts *o, int which) {
  static const char *const base[4] = {"train-images-idx3-ubyte", "train-labels-idx1-ubyte",
                                      "t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"};
  static const char *const alt[4] = {"train-images.idx3-ubyte", "train-labels.idx1-ubyte",
                                     "t10k-images.idx3-ubyte", "t10k-labels.idx1-ubyte"};
  static const char *const em[4] = {"train-images-idx3-ubyte", "train-labels-idx1-ubyte",
                                    "test-images-idx3-ubyte", "test-labels-idx1-ubyte"};
  const char *subs[3] = {"", "/raw", "/gzip"};
  char file[256];
  for (int s = 0; s < 3; ++s)
    for (int a = 0; a < 2; ++a)
      for (int gz = 1; gz >= 0; --gz) {
        if (strcmp(name, "emnist") == 0) {
          if (a) continue;
          snprintf(file, sizeof file, "emnist-%s-%s%s", variant_of(o), em[which], gz ? ".gz" : "");
        } else {
          snprintf(file, sizeof file, "%s%s", a ? alt[which] : base[which], gz ? ".gz" : "");
        }
        if (snprintf(out, cap, "%s%s/%s", o->root, subs[s], file) >= (int)cap) continue;
        if (alcn_ds_file_exists(out)) return ALCN_OK;
      }
  if (strcmp(name, "emnist") == 0)
    snprintf(file, sizeof file, "emnist-%s-%s[.gz]", variant_of(o), em[which]);
  else
    snprintf(file, sizeof file, "%s[.gz]", base[which]);
  ALCN_FAIL(ALCN_ERR_IO, "%s: missing %s in %s (also looked in raw/ and gzip/; hint: download the data set "
            "or pass --root)", name, file, o->root);
}

/* EMNIST class names from emnist-<variant>-mapping.txt ("label ascii [ascii]" lines). */
static alcn_status emnist_names(alcn_class_list *out, const alcn_dataset_opts *o, int n_min) {
  char path[4096];
  snprintf(path, sizeof path, "%s/emnist-%s-mapping.txt", o->root, variant_of(o));
  int n = n_min;
  char names[256][8];
  for (int i = 0; i < 256; ++i) snprintf(names[i], sizeof names[i], "%d", i);
  FILE *f = fopen(path, "r");
  if (f) {
    int lab, code;
    char line[128];
    while (fgets(line, sizeof line, f)) { /* "label upper [lower]" */
      if (sscanf(line, "%d %d", &lab, &code) != 2) continue;
      if (lab < 0 || lab > 255 || code <= 0 || code > 0x10ffff) continue;
      if (code < 128) snprintf(names[lab], sizeof names[lab], "%c", (char)code);
      if (lab + 1 > n) n = lab + 1;
    }
    fclose(f);
  }
  if (n <= 0) n = 47;
  out->names = calloc((size_t)n, sizeof *out->names);
  ALCN_CHECK_ALLOC(out->names, (size_t)n * sizeof *out->names);
  out->n = n;
  for (int i = 0; i < n; ++i) {
    out->names[i] = alcn_ds_strdup(names[i]);
    ALCN_CHECK_ALLOC(out->names[i], 8);
  }
  return ALCN_OK;
}

alcn_status alcn_ds_classes_idx(alcn_class_list *out, const char *name, const alcn_dataset_opts *o) {
  memset(out, 0, sizeof *out);
  if (strcmp(name, "emnist") == 0) return emnist_names(out, o, 0);
  out->names = calloc(10, sizeof *out->names);
  ALCN_CHECK_ALLOC(out->names, 10 * sizeof *out->names);
  out->n = 10;
  for (int i = 0; i < 10; ++i) {
    char d[4];
    snprintf(d, sizeof d, "%d", i);
    const char *s = strcmp(name, "fashion-mnist") == 0 ? k_fashion[i] : strcmp(name, "kmnist") == 0 ? k_kmnist[i] : d;
    out->names[i] = alcn_ds_strdup(s);
    ALCN_CHECK_ALLOC(out->names[i], strlen(s) + 1);
  }
  return ALCN_OK;
}

alcn_status alcn_ds_idx_hash(const char *name, const alcn_dataset_opts *o, uint64_t *h) {
  *h = alcn_fnv1a_str(ALCN_FNV_OFFSET, name);
  if (strcmp(name, "emnist") == 0) *h = alcn_fnv1a_str(*h, variant_of(o));
  char path[4096];
  for (int i = 0; i < 4; ++i) {
    ALCN_CHECK(find_file(path, sizeof path, name, o, i));
    alcn_ds_stat_hash(path, h);
  }
  return ALCN_OK;
}

static int ends_gz(const char *p) {
  size_t n = strlen(p);
  return n > 3 && strcmp(p + n - 3, ".gz") == 0;
}

/* Read one images+labels pair into ds at image offset `at`; sets *n. */
static alcn_status read_pair(const char *name, const alcn_dataset_opts *o, int which, uint8_t **img_buf,
                             size_t *img_len, const uint8_t **img, int idims[3], uint8_t **lab_buf,
                             const uint8_t **lab, int *n) {
  char ipath[4096], lpath[4096];
  ALCN_CHECK(find_file(ipath, sizeof ipath, name, o, which));
  ALCN_CHECK(find_file(lpath, sizeof lpath, name, o, which + 1));
  size_t llen;
  ALCN_CHECK(alcn_ds_read_file(ipath, ends_gz(ipath), img_buf, img_len));
  ALCN_CHECK(alcn_idx_parse(*img_buf, *img_len, 3, idims, img, ipath));
  ALCN_CHECK(alcn_ds_read_file(lpath, ends_gz(lpath), lab_buf, &llen));
  int ldims[3];
  ALCN_CHECK(alcn_idx_parse(*lab_buf, llen, 1, ldims, lab, lpath));
  if (ldims[0] != idims[0])
    ALCN_FAIL(ALCN_ERR_FORMAT, "%s holds %d labels but %s holds %d images (expected equal counts)", lpath,
              ldims[0], ipath, idims[0]);
  *n = idims[0];
  return ALCN_OK;
}

alcn_status alcn_ds_load_idx(alcn_dataset *ds, const char *name, const alcn_dataset_opts *o) {
  alcn_class_list cl;
  ALCN_CHECK(alcn_ds_classes_idx(&cl, name, o));
  int emnist = strcmp(name, "emnist") == 0;
  uint8_t *ib[2] = {NULL, NULL}, *lb[2] = {NULL, NULL};
  const uint8_t *img[2], *lab[2];
  int dims[2][3], n[2];
  size_t ilen[2];
  alcn_status st = ALCN_OK;
  for (int s = 0; s < 2; ++s)
    ALCN_CHECK_GOTO(st, read_pair(name, o, 2 * s, &ib[s], &ilen[s], &img[s], dims[s], &lb[s], &lab[s], &n[s]), done);
  if (dims[0][1] != dims[1][1] || dims[0][2] != dims[1][2]) {
    st = alcn_error_at(__FILE__, __LINE__, ALCN_ERR_FORMAT,
                       "%s: train images are %dx%d but test images are %dx%d (expected the same size)", o->root,
                       dims[0][1], dims[0][2], dims[1][1], dims[1][2]);
    goto done;
  }
  /* EMNIST labels can exceed its mapping; grow the class list to cover them. */
  int max_lab = 0, max_split[2] = {0, 0};
  for (int s = 0; s < 2; ++s) {
    for (int i = 0; i < n[s]; ++i)
      if (lab[s][i] > max_split[s]) max_split[s] = lab[s][i];
    if (max_split[s] > max_lab) max_lab = max_split[s];
  }
  if (max_lab >= cl.n) {
    if (emnist) {
      alcn_class_list_free(&cl);
      ALCN_CHECK_GOTO(st, emnist_names(&cl, o, max_lab + 1), done);
    } else {
      /* Name the label file that holds the bad label: training (1) first, else test (3). */
      int s = max_split[0] >= cl.n ? 0 : 1;
      char p[4096];
      find_file(p, sizeof p, name, o, 2 * s + 1);
      st = alcn_error_at(__FILE__, __LINE__, ALCN_ERR_FORMAT,
                         "%s: label %d out of range (expected 0..%d for %s)", p, max_split[s], cl.n - 1, name);
      goto done;
    }
  }
  int h = dims[0][1], w = dims[0][2];
  if ((long long)n[0] + n[1] > 0x7fffffff) {
    st = alcn_error_at(__FILE__, __LINE__, ALCN_ERR_FORMAT, "%s: too many images", o->root);
    goto done;
  }
  ALCN_CHECK_GOTO(st, alcn_ds_alloc(ds, n[0] + n[1], 1, emnist ? w : h, emnist ? h : w, 0, 0, 0, 0), done);
  size_t per = (size_t)h * (size_t)w;
  for (int s = 0, at = 0; s < 2; at += n[s], ++s) {
    if (emnist) {
      for (int i = 0; i < n[s]; ++i) { /* stored column-major: transpose to upright */
        const uint8_t *src = img[s] + (size_t)i * per;
        uint8_t *dst = ds->images + (size_t)(at + i) * per;
        for (int y = 0; y < h; ++y)
          for (int x = 0; x < w; ++x) dst[(size_t)x * h + y] = src[(size_t)y * w + x];
      }
    } else {
      memcpy(ds->images + (size_t)at * per, img[s], (size_t)n[s] * per);
    }
    for (int i = 0; i < n[s]; ++i) {
      ds->labels[at + i] = lab[s][i];
      ds->split[at + i] = (uint8_t)(s == 0 ? ALCN_SPLIT_TRAIN : ALCN_SPLIT_TEST);
    }
  }
  ds->n_classes = cl.n;
  ds->class_names = cl.names;
  cl.names = NULL;
  cl.n = 0;
done:
  for (int s = 0; s < 2; ++s) {
    free(ib[s]);
    free(lb[s]);
  }
  alcn_class_list_free(&cl);
  return st;
}
