/* Suite "ds_cifar": CIFAR-10 (3073-byte records, batches.meta.txt) and
 * CIFAR-100 (3074-byte records, fine and coarse labels) on generated files
 * in the official layouts, and clear errors on bad record sizes and labels. */
#define _POSIX_C_SOURCE 200809L
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "alcn/dataset.h"
#include "alcn/dataset_formats.h"
#include "alcn/protocol.h"
#include "ds_fixtures.h"
#include "test_util.h"

static char g_dir[512];
static void setup(void) {
  ck_assert_int_eq(tu_make_tempdir(g_dir, sizeof g_dir, "ds_cifar"), 0);
  alcn_clear_error();
}
static void teardown(void) { tu_remove_tree(g_dir); }

static alcn_dataset_opts opts(const char *root) {
  alcn_dataset_opts o = alcn_dataset_opts_default();
  o.root = root;
  o.quiet = 1;
  return o;
}

START_TEST(test_cifar10) {
  char d[700];
  snprintf(d, sizeof d, "%s/cifar-10-batches-bin", g_dir); /* official sub-folder, root = parent */
  ck_assert_int_eq(fx_mkdirs(d), 0);
  ck_assert_int_eq(fx_make_cifar10(d, 20), 0);
  alcn_dataset_opts o = opts(g_dir);
  alcn_class_list cl;
  ck_assert_msg(alcn_dataset_classes(&cl, "cifar10", &o) == ALCN_OK, "%s", alcn_last_error());
  ck_assert_int_eq(cl.n, 10);
  ck_assert_str_eq(cl.names[0], "airplane");
  ck_assert_str_eq(cl.names[9], "truck");
  alcn_class_list_free(&cl);
  alcn_dataset ds;
  ck_assert_msg(alcn_dataset_load(&ds, "cifar10", &o) == ALCN_OK, "%s", alcn_last_error());
  ck_assert_int_eq(ds.n, 120);
  ck_assert_int_eq(ds.c, 3);
  ck_assert_int_eq(ds.h, 32);
  for (int i = 0; i < ds.n; ++i) {
    ck_assert_int_eq(ds.labels[i], i % 10);
    ck_assert_int_eq(ds.split[i], i < 100 ? ALCN_SPLIT_TRAIN : ALCN_SPLIT_TEST);
    ck_assert_uint_eq(ds.images[(size_t)i * 3072 + 0], fx_px(i, 0));
    ck_assert_uint_eq(ds.images[(size_t)i * 3072 + 1024 + 33], fx_px(i, 1024 + 33)); /* G plane */
    ck_assert_uint_eq(ds.images[(size_t)i * 3072 + 3071], fx_px(i, 3071));
  }
  alcn_manifest m;
  ck_assert_int_eq(alcn_protocol_split(&m, &ds, "p2", 4, 1, 0.0), ALCN_OK);
  ck_assert_int_eq(m.n_train, 10);
  ck_assert_int_eq(m.n_test, 20);
  alcn_manifest_free(&m);
  alcn_dataset_free(&ds);
}
END_TEST

START_TEST(test_cifar100) {
  ck_assert_int_eq(fx_make_cifar100(g_dir, 250, 50), 0);
  alcn_dataset_opts o = opts(g_dir);
  alcn_dataset ds;
  ck_assert_msg(alcn_dataset_load(&ds, "cifar100", &o) == ALCN_OK, "%s", alcn_last_error());
  ck_assert_int_eq(ds.n, 300);
  ck_assert_int_eq(ds.n_classes, 100);
  ck_assert_str_eq(ds.class_names[42], "fine_42");
  ck_assert_ptr_nonnull(ds.labels_coarse);
  for (int i = 0; i < ds.n; ++i) {
    ck_assert_int_eq(ds.labels[i], i % 100);
    ck_assert_int_eq(ds.labels_coarse[i], i % 20);
    ck_assert_uint_eq(ds.images[(size_t)i * 3072 + 2000], fx_px(i, 2000));
  }
  ck_assert_int_eq(ds.split[249], ALCN_SPLIT_TRAIN);
  ck_assert_int_eq(ds.split[250], ALCN_SPLIT_TEST);
  alcn_dataset_free(&ds);
  o.variant = "coarse";
  ck_assert_int_eq(alcn_dataset_load(&ds, "cifar100", &o), ALCN_OK);
  ck_assert_int_eq(ds.n_classes, 20);
  ck_assert_int_eq(ds.labels[45], 5);
  ck_assert_str_eq(ds.class_names[5], "coarse_5");
  alcn_dataset_free(&ds);
}
END_TEST

START_TEST(test_bad_records) {
  ck_assert_int_eq(fx_make_cifar10(g_dir, 5), 0);
  char p[700];
  snprintf(p, sizeof p, "%s/data_batch_3.bin", g_dir);
  ck_assert_int_eq(truncate(p, 3073 * 4 + 100), 0);
  alcn_dataset_opts o = opts(g_dir);
  alcn_dataset ds;
  ck_assert_int_eq(alcn_dataset_load(&ds, "cifar10", &o), ALCN_ERR_FORMAT);
  ck_assert_ptr_nonnull(strstr(alcn_last_error(), "data_batch_3.bin"));
  ck_assert_ptr_nonnull(strstr(alcn_last_error(), "3073-byte"));
  /* CIFAR-100 data given as CIFAR-10: record size mismatch names the hint */
  ck_assert_int_eq(fx_make_cifar100(g_dir, 5, 5), 0);
  ck_assert_int_eq(fx_make_cifar10(g_dir, 5), 0);
  snprintf(p, sizeof p, "%s/train.bin", g_dir);
  uint8_t rec[3073 * 2] = {0};
  rec[0] = 3;
  rec[3073] = 11; /* label out of range for CIFAR-10 */
  int n;
  uint8_t img[2 * 3072];
  int32_t lab[2];
  ck_assert_int_eq(alcn_cifar_parse(rec, sizeof rec, 0, 10, 0, img, lab, NULL, 2, &n, "x.bin"), ALCN_ERR_FORMAT);
  ck_assert_ptr_nonnull(strstr(alcn_last_error(), "label 11"));
  ck_assert_int_eq(alcn_cifar_parse(rec, 3073, 1, 100, 20, img, lab, NULL, 2, &n, "y.bin"), ALCN_ERR_FORMAT);
  ck_assert_ptr_nonnull(strstr(alcn_last_error(), "3074-byte"));
  ck_assert_int_eq(alcn_cifar_parse(rec, 0, 0, 10, 0, img, lab, NULL, 2, &n, "z.bin"), ALCN_ERR_FORMAT);
  ck_assert_ptr_nonnull(strstr(alcn_last_error(), "empty"));
  /* missing meta file */
  snprintf(p, sizeof p, "%s/batches.meta.txt", g_dir);
  ck_assert_int_eq(unlink(p), 0);
  ck_assert_int_eq(alcn_dataset_load(&ds, "cifar10", &o), ALCN_ERR_IO);
  ck_assert_ptr_nonnull(strstr(alcn_last_error(), "batches.meta.txt"));
}
END_TEST

int main(void) {
  Suite *s = suite_create("ds_cifar");
  TCase *tc = tcase_create("cifar");
  tcase_add_checked_fixture(tc, setup, teardown);
  tcase_add_test(tc, test_cifar10);
  tcase_add_test(tc, test_cifar100);
  tcase_add_test(tc, test_bad_records);
  suite_add_tcase(s, tc);
  return tu_run_suite(s);
}
