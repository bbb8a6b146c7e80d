/* Suite "ds_fmnist": the real Fashion-MNIST (Debian dataset-fashion-mnist at
 * /usr/share/datasets/fashion-mnist, or $ALCN_TEST_FMNIST_ROOT): counts per
 * split and class, p1/p2 split sizes for a few classes, and load time.
 * Skipped (77) only when none of the four IDX files is there; a load error
 * with the files present (corrupt or partial install) is a failure. */
#define _POSIX_C_SOURCE 200809L
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "alcn/dataset.h"
#include "alcn/protocol.h"

static alcn_dataset g_ds;

START_TEST(test_counts) {
  ck_assert_int_eq(g_ds.n, 70000);
  ck_assert_int_eq(g_ds.c, 1);
  ck_assert_int_eq(g_ds.h, 28);
  ck_assert_int_eq(g_ds.w, 28);
  for (int k = 0; k < 10; ++k) {
    ck_assert_int_eq(alcn_dataset_count(&g_ds, k, ALCN_SPLIT_TRAIN), 6000);
    ck_assert_int_eq(alcn_dataset_count(&g_ds, k, ALCN_SPLIT_TEST), 1000);
  }
  ck_assert_str_eq(g_ds.class_names[0], "T-shirt/top");
  ck_assert_str_eq(g_ds.class_names[9], "Ankle boot");
  /* Known first labels of the official files: train starts 9 0 0 3, test 9 2 1 1. */
  ck_assert_int_eq(g_ds.labels[0], 9);
  ck_assert_int_eq(g_ds.labels[1], 0);
  ck_assert_int_eq(g_ds.labels[3], 3);
  ck_assert_int_eq(g_ds.labels[60000], 9);
  ck_assert_int_eq(g_ds.labels[60001], 2);
}
END_TEST

START_TEST(test_p1_p2_sizes) {
  const int classes[3] = {0, 5, 9};
  for (int c = 0; c < 3; ++c) {
    alcn_manifest m;
    ck_assert_int_eq(alcn_protocol_split(&m, &g_ds, "p1", classes[c], 1, 0.0), ALCN_OK);
    ck_assert_int_eq(m.n_train, 50400); /* 0.8 * 63000 */
    ck_assert_int_eq(m.n_test, 12600 + 7000);
    alcn_manifest_free(&m);
    ck_assert_int_eq(alcn_protocol_split(&m, &g_ds, "p2", classes[c], 1, 0.1), ALCN_OK);
    ck_assert_int_eq(m.n_train, 5400);
    ck_assert_int_eq(m.n_val, 600);
    ck_assert_int_eq(m.n_test, 10000);
    int normal = 0;
    for (int i = 0; i < m.n_test; ++i) normal += m.test_labels[i] == 0;
    ck_assert_int_eq(normal, 1000);
    alcn_manifest_free(&m);
  }
}
END_TEST

/* 1 when any of the four IDX files (plain or .gz, in the names and subfolders
 * the loader accepts) exists under root. */
static int any_idx_file(const char *root) {
  static const char *const files[] = {"train-images-idx3-ubyte", "train-labels-idx1-ubyte", "t10k-images-idx3-ubyte",
                                      "t10k-labels-idx1-ubyte",  "train-images.idx3-ubyte", "train-labels.idx1-ubyte",
                                      "t10k-images.idx3-ubyte",  "t10k-labels.idx1-ubyte"};
  static const char *const subs[] = {"", "/raw", "/gzip"};
  char p[4096];
  for (size_t s = 0; s < sizeof subs / sizeof *subs; ++s)
    for (size_t f = 0; f < sizeof files / sizeof *files; ++f)
      for (int gz = 0; gz < 2; ++gz) {
        snprintf(p, sizeof p, "%s%s/%s%s", root, subs[s], files[f], gz ? ".gz" : "");
        if (access(p, F_OK) == 0) return 1;
      }
  return 0;
}

int main(void) {
  alcn_dataset_opts o = alcn_dataset_opts_default();
  const char *root = getenv("ALCN_TEST_FMNIST_ROOT");
  o.root = (root && root[0]) ? root : ALCN_FASHION_MNIST_DEFAULT_ROOT;
  if (!any_idx_file(o.root)) {
    printf("SKIP: Fashion-MNIST is not installed at %s (install dataset-fashion-mnist)\n", o.root);
    return 77;
  }
  struct timespec t0, t1;
  clock_gettime(CLOCK_MONOTONIC, &t0);
  alcn_status st = alcn_dataset_load(&g_ds, "fashion-mnist", &o);
  clock_gettime(CLOCK_MONOTONIC, &t1);
  if (st != ALCN_OK) {
    printf("FAIL: Fashion-MNIST files are present at %s but do not load: %s\n", o.root, alcn_last_error());
    return 1;
  }
  printf("fashion-mnist: %d images loaded from .gz in %.3f s\n", g_ds.n,
         (double)(t1.tv_sec - t0.tv_sec) + 1e-9 * (double)(t1.tv_nsec - t0.tv_nsec));
  Suite *s = suite_create("ds_fmnist");
  TCase *tc = tcase_create("real");
  tcase_add_test(tc, test_counts);
  tcase_add_test(tc, test_p1_p2_sizes);
  suite_add_tcase(s, tc);
  SRunner *sr = srunner_create(s);
  srunner_set_fork_status(sr, CK_NOFORK);
  srunner_run_all(sr, CK_NORMAL);
  int nf = srunner_ntests_failed(sr);
  srunner_free(sr);
  alcn_dataset_free(&g_ds);
  return nf == 0 ? 0 : 1;
}
