/* Suite "ds_idx": IDX loaders (MNIST layout, plain and .gz) on generated
 * files: pixels, labels, splits, class names, the decode cache, and a clear
 * error for every malformed input. */
#define _POSIX_C_SOURCE 200809L
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "alcn/dataset.h"
#include "alcn/dataset_formats.h"
#include "ds_fixtures.h"
#include "test_util.h"

static char g_dir[512];

static void setup(void) {
  ck_assert_int_eq(tu_make_tempdir(g_dir, sizeof g_dir, "ds_idx"), 0);
  alcn_clear_error();
}
static void teardown(void) { tu_remove_tree(g_dir); }

static alcn_dataset_opts opts_root(const char *root) {
  alcn_dataset_opts o = alcn_dataset_opts_default();
  o.root = root;
  o.quiet = 1;
  return o;
}

static void check_loaded(const alcn_dataset *ds, int ntrain, int ntest) {
  ck_assert_int_eq(ds->n, ntrain + ntest);
  ck_assert_int_eq(ds->c, 1);
  ck_assert_int_eq(ds->h, 28);
  ck_assert_int_eq(ds->w, 28);
  ck_assert_int_eq(ds->n_classes, 10);
  for (int i = 0; i < ds->n; ++i) {
    int local = i < ntrain ? i : i - ntrain;
    ck_assert_int_eq(ds->labels[i], local % 10);
    ck_assert_int_eq(ds->split[i], i < ntrain ? ALCN_SPLIT_TRAIN : ALCN_SPLIT_TEST);
    const uint8_t *p = ds->images + (size_t)i * 784;
    ck_assert_uint_eq(p[0], fx_px(local, 0));
    ck_assert_uint_eq(p[413], fx_px(local, 413));
    ck_assert_uint_eq(p[783], fx_px(local, 783));
  }
}

START_TEST(test_plain_and_gz) {
  for (int gz = 0; gz < 2; ++gz) {
    char d[600];
    snprintf(d, sizeof d, "%s/m%d", g_dir, gz);
    ck_assert_int_eq(fx_mkdirs(d), 0);
    ck_assert_int_eq(fx_make_mnist(d, 50, 20, gz), 0);
    alcn_dataset ds;
    alcn_dataset_opts o = opts_root(d);
    ck_assert_msg(alcn_dataset_load(&ds, "mnist", &o) == ALCN_OK, "%s", alcn_last_error());
    check_loaded(&ds, 50, 20);
    ck_assert_str_eq(ds.class_names[3], "3");
    ck_assert_int_eq(alcn_dataset_count(&ds, 3, ALCN_SPLIT_TRAIN), 5);
    ck_assert_int_eq(alcn_dataset_count(&ds, 3, ALCN_SPLIT_TEST), 2);
    ck_assert_int_eq(alcn_dataset_count(&ds, 3, -1), 7);
    ck_assert_ptr_null(ds.masks);
    ck_assert_ptr_null(ds.anomalous);
    alcn_dataset_free(&ds);
  }
}
END_TEST

START_TEST(test_class_names) {
  ck_assert_int_eq(fx_make_mnist(g_dir, 10, 10, 1), 0);
  alcn_dataset_opts o = opts_root(g_dir);
  alcn_class_list cl;
  ck_assert_int_eq(alcn_dataset_classes(&cl, "fashion-mnist", &o), ALCN_OK);
  ck_assert_int_eq(cl.n, 10);
  ck_assert_str_eq(cl.names[0], "T-shirt/top");
  ck_assert_str_eq(cl.names[1], "Trouser");
  ck_assert_str_eq(cl.names[9], "Ankle boot");
  ck_assert_int_eq(alcn_class_list_find(&cl, "Bag"), 8);
  alcn_class_list_free(&cl);
  ck_assert_int_eq(alcn_dataset_classes(&cl, "kmnist", &o), ALCN_OK);
  ck_assert_str_eq(cl.names[2], "su");
  alcn_class_list_free(&cl);
  ck_assert_int_eq(alcn_dataset_classes(&cl, "nosuchset", &o), ALCN_ERR_NOT_FOUND);
  ck_assert_ptr_nonnull(strstr(alcn_last_error(), "nosuchset"));
}
END_TEST

/* Write the four files, then overwrite one with `bad` bytes; expect code and
 * an error message containing the file name and `needle`. */
static void expect_bad(const char *file, const uint8_t *bad, size_t n, int gz, alcn_status code, const char *needle) {
  ck_assert_int_eq(fx_make_mnist(g_dir, 20, 10, 0), 0);
  char p[700];
  snprintf(p, sizeof p, "%s/%s", g_dir, file);
  ck_assert_int_eq(fx_write(p, bad, n, gz), 0);
  alcn_dataset ds;
  alcn_dataset_opts o = opts_root(g_dir);
  alcn_status st = alcn_dataset_load(&ds, "mnist", &o);
  ck_assert_int_eq(st, code);
  ck_assert_msg(strstr(alcn_last_error(), file) != NULL, "error does not name %s: %s", file, alcn_last_error());
  ck_assert_msg(strstr(alcn_last_error(), needle) != NULL, "error lacks '%s': %s", needle, alcn_last_error());
  ck_assert_ptr_null(ds.images);
}

START_TEST(test_truncated_images) {
  /* header says 20 images of 28x28 but only 3 images follow */
  uint8_t b[16 + 3 * 784] = {0, 0, 8, 3, 0, 0, 0, 20, 0, 0, 0, 28, 0, 0, 0, 28};
  expect_bad("train-images-idx3-ubyte", b, sizeof b, 0, ALCN_ERR_FORMAT, "truncated");
}
END_TEST

START_TEST(test_wrong_magic) {
  uint8_t b[16 + 784] = {0x12, 0x34, 8, 3, 0, 0, 0, 1, 0, 0, 0, 28, 0, 0, 0, 28};
  expect_bad("t10k-images-idx3-ubyte", b, sizeof b, 0, ALCN_ERR_FORMAT, "magic");
}
END_TEST

START_TEST(test_wrong_type_and_dims) {
  uint8_t b[16] = {0, 0, 0x0d, 3, 0, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0, 1};
  expect_bad("train-images-idx3-ubyte", b, sizeof b, 0, ALCN_ERR_FORMAT, "unsigned byte");
  uint8_t l[9] = {0, 0, 8, 3, 0, 0, 0, 1, 0};
  expect_bad("train-labels-idx1-ubyte", l, sizeof l, 0, ALCN_ERR_FORMAT, "dimensions");
}
END_TEST

START_TEST(test_zero_images) {
  uint8_t b[16] = {0, 0, 8, 3, 0, 0, 0, 0, 0, 0, 0, 28, 0, 0, 0, 28};
  expect_bad("train-images-idx3-ubyte", b, sizeof b, 0, ALCN_ERR_FORMAT, "non-empty");
}
END_TEST

START_TEST(test_label_count_mismatch) {
  uint8_t lab[8 + 19] = {0, 0, 8, 1, 0, 0, 0, 19};
  expect_bad("train-labels-idx1-ubyte", lab, sizeof lab, 0, ALCN_ERR_FORMAT, "19 labels");
}
END_TEST

START_TEST(test_label_out_of_range) {
  uint8_t lab[8 + 20] = {0, 0, 8, 1, 0, 0, 0, 20};
  lab[8 + 7] = 12;
  expect_bad("train-labels-idx1-ubyte", lab, sizeof lab, 0, ALCN_ERR_FORMAT, "label 12 out of range");
}
END_TEST

/* An out-of-range label in the test label file names the test file, not the training one. */
START_TEST(test_test_label_out_of_range) {
  uint8_t lab[8 + 10] = {0, 0, 8, 1, 0, 0, 0, 10};
  lab[8 + 3] = 11;
  expect_bad("t10k-labels-idx1-ubyte", lab, sizeof lab, 0, ALCN_ERR_FORMAT, "label 11 out of range");
  ck_assert_msg(strstr(alcn_last_error(), "train-labels") == NULL, "error names the training labels: %s",
                alcn_last_error());
}
END_TEST

START_TEST(test_truncated_gzip) {
  ck_assert_int_eq(fx_make_mnist(g_dir, 20, 10, 1), 0);
  char p[700];
  snprintf(p, sizeof p, "%s/train-images-idx3-ubyte.gz", g_dir);
  ck_assert_int_eq(truncate(p, 200), 0);
  alcn_dataset ds;
  alcn_dataset_opts o = opts_root(g_dir);
  ck_assert_int_eq(alcn_dataset_load(&ds, "mnist", &o), ALCN_ERR_FORMAT);
  ck_assert_ptr_nonnull(strstr(alcn_last_error(), "train-images-idx3-ubyte.gz"));
  ck_assert_ptr_nonnull(strstr(alcn_last_error(), "gzip"));
}
END_TEST

START_TEST(test_missing_file_and_root) {
  ck_assert_int_eq(fx_make_mnist(g_dir, 20, 10, 1), 0);
  char p[700];
  snprintf(p, sizeof p, "%s/t10k-labels-idx1-ubyte.gz", g_dir);
  ck_assert_int_eq(unlink(p), 0);
  alcn_dataset ds;
  alcn_dataset_opts o = opts_root(g_dir);
  ck_assert_int_eq(alcn_dataset_load(&ds, "mnist", &o), ALCN_ERR_IO);
  ck_assert_ptr_nonnull(strstr(alcn_last_error(), "t10k-labels-idx1-ubyte"));
  snprintf(p, sizeof p, "%s/nope", g_dir);
  o.root = p;
  ck_assert_int_eq(alcn_dataset_load(&ds, "mnist", &o), ALCN_ERR_IO);
  ck_assert_ptr_nonnull(strstr(alcn_last_error(), "nope"));
  o.root = NULL;
  ck_assert_int_eq(alcn_dataset_load(&ds, "mnist", &o), ALCN_ERR_ARG);
  ck_assert_ptr_nonnull(strstr(alcn_last_error(), "--root"));
}
END_TEST

START_TEST(test_cache_roundtrip_and_stale) {
  char d[600], cache[600];
  snprintf(d, sizeof d, "%s/data", g_dir);
  snprintf(cache, sizeof cache, "%s/cache", g_dir);
  ck_assert_int_eq(fx_mkdirs(d), 0);
  ck_assert_int_eq(fx_make_mnist(d, 30, 10, 1), 0);
  alcn_dataset_opts o = opts_root(d);
  o.cache_dir = cache;
  alcn_dataset a, b;
  ck_assert_msg(alcn_dataset_load(&a, "mnist", &o) == ALCN_OK, "%s", alcn_last_error());
  ck_assert_int_eq(a.from_cache, 0);
  ck_assert_msg(alcn_dataset_load(&b, "mnist", &o) == ALCN_OK, "%s", alcn_last_error());
  ck_assert_int_eq(b.from_cache, 1);
  ck_assert_int_eq(a.n, b.n);
  ck_assert_int_eq(memcmp(a.images, b.images, (size_t)a.n * 784), 0);
  ck_assert_int_eq(memcmp(a.labels, b.labels, (size_t)a.n * 4), 0);
  ck_assert_int_eq(memcmp(a.split, b.split, (size_t)a.n), 0);
  ck_assert_str_eq(b.class_names[9], "9");
  ck_assert_str_eq(b.name, "mnist");
  alcn_dataset_free(&b);
  /* Change the source: the cache is stale and is rebuilt. */
  ck_assert_int_eq(fx_make_mnist(d, 40, 10, 1), 0);
  ck_assert_int_eq(alcn_dataset_load(&b, "mnist", &o), ALCN_OK);
  ck_assert_int_eq(b.from_cache, 0);
  ck_assert_int_eq(b.n, 50);
  alcn_dataset_free(&b);
  /* Corrupt the cache file: ignored with a warning and rebuilt. */
  char cp[800];
  snprintf(cp, sizeof cp, "%s/mnist.alcncache", cache);
  ck_assert_int_eq(truncate(cp, 100), 0);
  ck_assert_int_eq(alcn_dataset_load(&b, "mnist", &o), ALCN_OK);
  ck_assert_int_eq(b.from_cache, 0);
  ck_assert_int_eq(b.n, 50);
  alcn_dataset_free(&b);
  ck_assert_int_eq(alcn_dataset_load(&b, "mnist", &o), ALCN_OK);
  ck_assert_int_eq(b.from_cache, 1);
  alcn_dataset_free(&b);
  alcn_dataset_free(&a);
}
END_TEST

START_TEST(test_emnist_transposed_and_mapping) {
  /* EMNIST stores images column-major: the loader transposes them. */
  char p[700];
  uint8_t lab[6] = {1, 2, 3, 26, 1, 2};
  snprintf(p, sizeof p, "%s/emnist-letters-train-images-idx3-ubyte.gz", g_dir);
  ck_assert_int_eq(fx_write_idx_images(p, 4, 28, 28, 1), 0);
  snprintf(p, sizeof p, "%s/emnist-letters-train-labels-idx1-ubyte.gz", g_dir);
  ck_assert_int_eq(fx_write_idx_labels(p, 4, lab, 1), 0);
  snprintf(p, sizeof p, "%s/emnist-letters-test-images-idx3-ubyte", g_dir);
  ck_assert_int_eq(fx_write_idx_images(p, 2, 28, 28, 0), 0);
  snprintf(p, sizeof p, "%s/emnist-letters-test-labels-idx1-ubyte", g_dir);
  ck_assert_int_eq(fx_write_idx_labels(p, 2, lab + 4, 0), 0);
  snprintf(p, sizeof p, "%s/emnist-letters-mapping.txt", g_dir);
  const char map[] = "1 65 97\n2 66 98\n3 67 99\n26 90 122\n";
  ck_assert_int_eq(fx_write(p, map, strlen(map), 0), 0);
  alcn_dataset_opts o = opts_root(g_dir);
  o.variant = "letters";
  alcn_dataset ds;
  ck_assert_msg(alcn_dataset_load(&ds, "emnist", &o) == ALCN_OK, "%s", alcn_last_error());
  ck_assert_int_eq(ds.n, 6);
  ck_assert_int_eq(ds.n_classes, 27);
  ck_assert_str_eq(ds.class_names[1], "A");
  ck_assert_str_eq(ds.class_names[26], "Z");
  ck_assert_int_eq(ds.labels[3], 26);
  /* stored (row y, col x) = fx_px(i, y*28+x) lands at (row x, col y) */
  ck_assert_uint_eq(ds.images[(size_t)1 * 784 + 5 * 28 + 2], fx_px(1, 2 * 28 + 5));
  ck_assert_int_eq(ds.split[4], ALCN_SPLIT_TEST);
  alcn_dataset_free(&ds);
}
END_TEST

START_TEST(test_parser_direct) {
  const uint8_t *data;
  int dims[3];
  uint8_t ok[8 + 3] = {0, 0, 8, 1, 0, 0, 0, 3, 1, 2, 3};
  ck_assert_int_eq(alcn_idx_parse(ok, sizeof ok, 1, dims, &data, "x"), ALCN_OK);
  ck_assert_int_eq(dims[0], 3);
  ck_assert_uint_eq(data[2], 3);
  ck_assert_int_eq(alcn_idx_parse(ok, sizeof ok - 1, 1, dims, &data, "x"), ALCN_ERR_FORMAT);
  ck_assert_int_eq(alcn_idx_parse(ok, 3, 1, dims, &data, "x"), ALCN_ERR_FORMAT);
  ck_assert_int_eq(alcn_idx_parse(ok, sizeof ok, 3, dims, &data, "x"), ALCN_ERR_FORMAT);
  uint8_t longer[8 + 4] = {0, 0, 8, 1, 0, 0, 0, 3, 1, 2, 3, 4};
  ck_assert_int_eq(alcn_idx_parse(longer, sizeof longer, 1, dims, &data, "x"), ALCN_ERR_FORMAT);
  ck_assert_ptr_nonnull(strstr(alcn_last_error(), "longer"));
}
END_TEST

int main(void) {
  Suite *s = suite_create("ds_idx");
  TCase *tc = tcase_create("idx");
  tcase_add_checked_fixture(tc, setup, teardown);
  tcase_add_test(tc, test_plain_and_gz);
  tcase_add_test(tc, test_class_names);
  tcase_add_test(tc, test_truncated_images);
  tcase_add_test(tc, test_wrong_magic);
  tcase_add_test(tc, test_wrong_type_and_dims);
  tcase_add_test(tc, test_zero_images);
  tcase_add_test(tc, test_label_count_mismatch);
  tcase_add_test(tc, test_label_out_of_range);
  tcase_add_test(tc, test_test_label_out_of_range);
  tcase_add_test(tc, test_truncated_gzip);
  tcase_add_test(tc, test_missing_file_and_root);
  tcase_add_test(tc, test_cache_roundtrip_and_stale);
  tcase_add_test(tc, test_emnist_transposed_and_mapping);
  tcase_add_test(tc, test_parser_direct);
  suite_add_tcase(s, tc);
  return tu_run_suite(s);
}
