/* Loaders for CIFAR-10 (data_batch_1..5.bin, test_batch.bin, batches.meta.txt)
 * and CIFAR-100 (train.bin, test.bin, fine/coarse_label_names.txt), 3x32x32. */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "alcn/dataset_formats.h"
#include "ds_internal.h"

/* The folder holding the files: root or its official sub-folder. */
static void data_dir(char *out, size_t cap, const char *name, const alcn_dataset_opts *o) {
  int c100 = strcmp(name, "cifar100") == 0;
  const char *probe = c100 ? "train.bin" : "data_batch_1.bin";
  const char *sub = c100 ? "cifar-100-binary" : "cifar-10-batches-bin";
  char p[4096];
  snprintf(p, sizeof p, "%s/%s/%s", o->root, sub, probe);
  if (!alcn_ds_file_exists(p)) {
    snprintf(p, sizeof p, "%s/%s", o->root, probe);
    if (!alcn_ds_file_exists(p)) {
      snprintf(out, cap, "%s", o->root);
      return;
    }
    snprintf(out, cap, "%s", o->root);
    return;
  }
  snprintf(out, cap, "%s/%s", o->root, sub);
}

/* Names file: one name per line, blank lines ignored. Missing file: ALCN_ERR_IO. */
static alcn_status read_names(alcn_class_list *out, const char *path, int expect) {
  uint8_t *buf;
  size_t len;
  ALCN_CHECK(alcn_ds_read_file(path, 0, &buf, &len));
  alcn_strlist l = {0, 0, NULL};
  alcn_status st = ALCN_OK;
  char *s = (char *)buf;
  while (s && *s) {
    char *e = strchr(s, '\n');
    if (e) *e = 0;
    size_t n = strlen(s);
    while (n > 0 && (s[n - 1] == '\r' || s[n - 1] == ' ')) s[--n] = 0;
    if (n > 0 && (st = alcn_strlist_push(&l, s)) != ALCN_OK) break;
    s = e ? e + 1 : NULL;
  }
  free(buf);
  if (st == ALCN_OK && l.n != expect)
    st = alcn_error_at(__FILE__, __LINE__, ALCN_ERR_FORMAT, "%s: %d class names, expected %d", path, l.n, expect);
  if (st != ALCN_OK) {
    alcn_strlist_free(&l);
    return st;
  }
  out->names = alcn_strlist_take(&l, &out->n);
  return ALCN_OK;
}

alcn_status alcn_ds_classes_cifar(alcn_class_list *out, const char *name, const alcn_dataset_opts *o) {
  memset(out, 0, sizeof *out);
  char dir[4096], p[4096 + 64];
  data_dir(dir, sizeof dir, name, o);
  if (strcmp(name, "cifar10") == 0) {
    snprintf(p, sizeof p, "%s/batches.meta.txt", dir);
    return read_names(out, p, 10);
  }
  int coarse = o->variant && strcmp(o->variant, "coarse") == 0;
  snprintf(p, sizeof p, "%s/%s_label_names.txt", dir, coarse ? "coarse" : "fine");
  return read_names(out, p, coarse ? 20 : 100);
}

static const char *const k_c10[6] = {"data_batch_1.bin", "data_batch_2.bin", "data_batch_3.bin",
                                     "data_batch_4.bin", "data_batch_5.bin", "test_batch.bin"};
static const char *const k_c100[2] = {"train.bin", "test.bin"};

alcn_status alcn_ds_cifar_hash(const char *name, const alcn_dataset_opts *o, uint64_t *h) {
  int c100 = strcmp(name, "cifar100") == 0;
  char dir[4096], p[4096 + 64];
  data_dir(dir, sizeof dir, name, o);
  *h = alcn_fnv1a_str(ALCN_FNV_OFFSET, name);
  *h = alcn_fnv1a_str(*h, o->variant ? o->variant : "");
  for (int i = 0; i < (c100 ? 2 : 6); ++i) {
    snprintf(p, sizeof p, "%s/%s", dir, c100 ? k_c100[i] : k_c10[i]);
    if (!alcn_ds_stat_hash(p, h))
      ALCN_FAIL(ALCN_ERR_IO, "%s: missing %s (hint: pass --root to the folder holding the CIFAR binary version)",
                name, p);
  }
  return ALCN_OK;
}

alcn_status alcn_ds_load_cifar(alcn_dataset *ds, const char *name, const alcn_dataset_opts *o) {
  int c100 = strcmp(name, "cifar100") == 0;
  int coarse = c100 && o->variant && strcmp(o->variant, "coarse") == 0;
  alcn_class_list cl;
  ALCN_CHECK(alcn_ds_classes_cifar(&cl, name, o));
  char dir[4096], p[4096 + 64];
  data_dir(dir, sizeof dir, name, o);
  const int n_files = c100 ? 2 : 6, cap = 60000;
  alcn_status st = alcn_ds_alloc(ds, cap, 3, 32, 32, 0, 0, c100, 0);
  if (st != ALCN_OK) {
    alcn_class_list_free(&cl);
    return st;
  }
  int at = 0;
  for (int f = 0; f < n_files && st == ALCN_OK; ++f) {
    snprintf(p, sizeof p, "%s/%s", dir, c100 ? k_c100[f] : k_c10[f]);
    uint8_t *buf;
    size_t len;
    ALCN_CHECK_GOTO(st, alcn_ds_read_file(p, 0, &buf, &len), done);
    int got = 0;
    st = alcn_cifar_parse(buf, len, c100, c100 ? 100 : 10, 20, ds->images + (size_t)at * 3072, ds->labels + at,
                          ds->labels_coarse ? ds->labels_coarse + at : NULL, (size_t)(cap - at), &got, p);
    free(buf);
    if (st != ALCN_OK) goto done;
    int is_test = c100 ? f == 1 : f == 5;
    for (int i = 0; i < got; ++i) {
      ds->split[at + i] = (uint8_t)(is_test ? ALCN_SPLIT_TEST : ALCN_SPLIT_TRAIN);
      if (coarse) ds->labels[at + i] = ds->labels_coarse[at + i];
    }
    at += got;
  }
  ds->n = at;
  ds->n_classes = cl.n;
  ds->class_names = cl.names;
  cl.names = NULL;
  cl.n = 0;
done:
  alcn_class_list_free(&cl);
  return st;
}
