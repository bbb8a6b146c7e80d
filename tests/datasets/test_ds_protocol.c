/* Suite "ds_protocol": p1/p2 split sizes on a generated MNIST-layout set,
 * disjointness, seeding, validation split, manifest save/load/hash, and
 * normalisation fitted on the train indices. */
#define _POSIX_C_SOURCE 200809L
#include <check.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "alcn/dataset.h"
#include "alcn/normalize.h"
#include "alcn/protocol.h"
#include "ds_fixtures.h"
#include "test_util.h"

static char g_dir[512];
static alcn_dataset g_ds;

/* 300 train + 100 test images, label i % 10: 30 / 10 per class. */
static void setup(void) {
  ck_assert_int_eq(tu_make_tempdir(g_dir, sizeof g_dir, "ds_proto"), 0);
  ck_assert_int_eq(fx_make_mnist(g_dir, 300, 100, 1), 0);
  alcn_dataset_opts o = alcn_dataset_opts_default();
  o.root = g_dir;
  ck_assert_msg(alcn_dataset_load(&g_ds, "fashion-mnist", &o) == ALCN_OK, "%s", alcn_last_error());
}
static void teardown(void) {
  alcn_dataset_free(&g_ds);
  tu_remove_tree(g_dir);
}

/* Every index appears at most once across train, val and test. */
static void check_disjoint(const alcn_manifest *m, int n) {
  char *seen = calloc((size_t)n, 1);
  const int32_t *lists[3] = {m->train, m->val, m->test};
  int counts[3] = {m->n_train, m->n_val, m->n_test};
  for (int l = 0; l < 3; ++l)
    for (int i = 0; i < counts[l]; ++i) {
      ck_assert(m->train || counts[l] == 0);
      ck_assert_int_ge(lists[l][i], 0);
      ck_assert_int_lt(lists[l][i], n);
      ck_assert_msg(!seen[lists[l][i]], "index %d appears twice", lists[l][i]);
      seen[lists[l][i]] = 1;
      if (i > 0) ck_assert_int_lt(lists[l][i - 1], lists[l][i]);
    }
  free(seen);
}

START_TEST(test_p1_sizes) {
  alcn_manifest m;
  ck_assert_msg(alcn_protocol_split(&m, &g_ds, "p1", 3, 7, 0.0) == ALCN_OK, "%s", alcn_last_error());
  /* normals 360 -> 288 train, 72 test; + 40 anomalies */
  ck_assert_int_eq(m.n_train, 288);
  ck_assert_int_eq(m.n_val, 0);
  ck_assert_int_eq(m.n_test, 72 + 40);
  int anom = 0;
  for (int i = 0; i < m.n_test; ++i) {
    anom += m.test_labels[i];
    ck_assert_int_eq(m.test_labels[i], g_ds.labels[m.test[i]] == 3);
  }
  ck_assert_int_eq(anom, 40);
  for (int i = 0; i < m.n_train; ++i) ck_assert_int_ne(g_ds.labels[m.train[i]], 3);
  /* normals come from both official splits */
  int from_test = 0;
  for (int i = 0; i < m.n_train; ++i) from_test += g_ds.split[m.train[i]] == ALCN_SPLIT_TEST;
  ck_assert_int_gt(from_test, 0);
  check_disjoint(&m, g_ds.n);
  ck_assert_str_eq(m.class_name, "Dress");
  ck_assert_int_eq((int)strlen(m.hash_hex), 16);
  alcn_manifest_free(&m);
}
END_TEST

START_TEST(test_p2_sizes) {
  alcn_manifest m;
  ck_assert_int_eq(alcn_protocol_split(&m, &g_ds, "p2", 5, 1, 0.0), ALCN_OK);
  ck_assert_int_eq(m.n_train, 30);
  ck_assert_int_eq(m.n_test, 100);
  int normal = 0;
  for (int i = 0; i < m.n_test; ++i) {
    ck_assert_int_eq(g_ds.split[m.test[i]], ALCN_SPLIT_TEST);
    normal += m.test_labels[i] == 0;
  }
  ck_assert_int_eq(normal, 10);
  for (int i = 0; i < m.n_train; ++i) {
    ck_assert_int_eq(g_ds.labels[m.train[i]], 5);
    ck_assert_int_eq(g_ds.split[m.train[i]], ALCN_SPLIT_TRAIN);
  }
  check_disjoint(&m, g_ds.n);
  alcn_manifest_free(&m);
}
END_TEST

START_TEST(test_seeding_and_validation) {
  alcn_manifest a, b, c, v;
  ck_assert_int_eq(alcn_protocol_split(&a, &g_ds, "p1", 0, 42, 0.0), ALCN_OK);
  ck_assert_int_eq(alcn_protocol_split(&b, &g_ds, "p1", 0, 42, 0.0), ALCN_OK);
  ck_assert_int_eq(alcn_protocol_split(&c, &g_ds, "p1", 0, 43, 0.0), ALCN_OK);
  ck_assert_str_eq(a.hash_hex, b.hash_hex);
  ck_assert_int_eq(memcmp(a.train, b.train, (size_t)a.n_train * 4), 0);
  ck_assert_str_ne(a.hash_hex, c.hash_hex);
  ck_assert_int_ne(memcmp(a.train, c.train, (size_t)a.n_train * 4), 0);
  /* val = 10% of the 288 training normals, never a test image, same test set */
  ck_assert_int_eq(alcn_protocol_split(&v, &g_ds, "p1", 0, 42, 0.1), ALCN_OK);
  ck_assert_int_eq(v.n_val, 29);
  ck_assert_int_eq(v.n_train, 288 - 29);
  ck_assert_int_eq(v.n_test, a.n_test);
  ck_assert_int_eq(memcmp(v.test, a.test, (size_t)a.n_test * 4), 0);
  for (int i = 0; i < v.n_val; ++i) ck_assert_int_ne(g_ds.labels[v.val[i]], 0);
  check_disjoint(&v, g_ds.n);
  ck_assert_str_ne(v.hash_hex, a.hash_hex);
  alcn_manifest_free(&a);
  alcn_manifest_free(&b);
  alcn_manifest_free(&c);
  alcn_manifest_free(&v);
}
END_TEST

START_TEST(test_bad_arguments) {
  alcn_manifest m;
  ck_assert_int_eq(alcn_protocol_split(&m, &g_ds, "p1", 10, 1, 0.0), ALCN_ERR_ARG);
  ck_assert_ptr_nonnull(strstr(alcn_last_error(), "out of range"));
  ck_assert_int_eq(alcn_protocol_split(&m, &g_ds, "p1", -1, 1, 0.0), ALCN_ERR_ARG);
  ck_assert_int_eq(alcn_protocol_split(&m, &g_ds, "p3", 1, 1, 0.0), ALCN_ERR_NOT_FOUND);
  ck_assert_int_eq(alcn_protocol_split(&m, &g_ds, "p1", 1, 1, 1.0), ALCN_ERR_ARG);
  ck_assert_int_eq(alcn_protocol_split(&m, &g_ds, "mvtec", 1, 1, 0.0), ALCN_ERR_ARG);
  ck_assert_ptr_nonnull(strstr(alcn_last_error(), "anomalous"));
}
END_TEST

START_TEST(test_manifest_file) {
  alcn_manifest a, b;
  ck_assert_int_eq(alcn_protocol_split(&a, &g_ds, "p1", 0, 9, 0.2), ALCN_OK);
  char p[700];
  snprintf(p, sizeof p, "%s/m.manifest", g_dir);
  ck_assert_msg(alcn_manifest_save(&a, p) == ALCN_OK, "%s", alcn_last_error());
  ck_assert_msg(alcn_manifest_load(&b, p) == ALCN_OK, "%s", alcn_last_error());
  ck_assert_str_eq(b.hash_hex, a.hash_hex);
  ck_assert_str_eq(b.protocol, "p1");
  ck_assert_str_eq(b.dataset, "fashion-mnist");
  ck_assert_str_eq(b.class_name, "T-shirt/top");
  ck_assert_int_eq(b.seed, 9);
  ck_assert_double_eq_tol(b.val_fraction, 0.2, 1e-15);
  ck_assert_int_eq(b.n_train, a.n_train);
  ck_assert_int_eq(b.n_val, a.n_val);
  ck_assert_int_eq(b.n_test, a.n_test);
  ck_assert_int_eq(memcmp(b.test, a.test, (size_t)a.n_test * 4), 0);
  ck_assert_int_eq(memcmp(b.test_labels, a.test_labels, (size_t)a.n_test), 0);
  alcn_manifest_free(&b);
  /* Tamper with one index: the hash check names the file. */
  uint8_t *buf;
  size_t len;
  FILE *f = fopen(p, "rb");
  fseek(f, 0, SEEK_END);
  len = (size_t)ftell(f);
  rewind(f);
  buf = malloc(len + 1);
  ck_assert_uint_eq(fread(buf, 1, len, f), len);
  fclose(f);
  char *t = strstr((char *)buf, "\ntest ");
  ck_assert_ptr_nonnull(t);
  char *nl = strchr(t + 1, '\n'); /* first test entry "idx lab" */
  nl[1] = nl[1] == '9' ? '8' : '9';
  ck_assert_int_eq(alcn_manifest_parse(&b, (char *)buf, len, "tampered.manifest"), ALCN_ERR_FORMAT);
  ck_assert_ptr_nonnull(strstr(alcn_last_error(), "tampered.manifest"));
  /* Truncated */
  ck_assert_int_eq(alcn_manifest_parse(&b, (char *)buf, len / 2, "half.manifest"), ALCN_ERR_FORMAT);
  ck_assert_ptr_nonnull(strstr(alcn_last_error(), "half.manifest"));
  ck_assert_int_eq(alcn_manifest_parse(&b, "hello\n", 6, "junk"), ALCN_ERR_FORMAT);
  free(buf);
  alcn_manifest_free(&a);
}
END_TEST

START_TEST(test_normalisation) {
  alcn_manifest m;
  ck_assert_int_eq(alcn_protocol_split(&m, &g_ds, "p2", 2, 1, 0.0), ALCN_OK);
  alcn_norm nm;
  ck_assert_int_eq(alcn_norm_fit(&nm, ALCN_NORM_MEANSTD, &g_ds, m.train, m.n_train), ALCN_OK);
  /* Reference in double over the same pixels. */
  double s = 0, s2 = 0, cnt = 0;
  for (int i = 0; i < m.n_train; ++i)
    for (int j = 0; j < 784; ++j) {
      double x = g_ds.images[(size_t)m.train[i] * 784 + j] / 255.0;
      s += x;
      s2 += x * x;
      cnt += 1;
    }
  double mean = s / cnt, sd = sqrt(s2 / cnt - mean * mean);
  ck_assert_double_eq_tol(nm.mean[0], mean, 1e-6);
  ck_assert_double_eq_tol(nm.std[0], sd, 1e-6);
  float *x = malloc((size_t)m.n_train * 784 * sizeof *x);
  ck_assert_int_eq(alcn_norm_fill(&nm, &g_ds, m.train, m.n_train, x), ALCN_OK);
  double fs = 0, fs2 = 0;
  for (size_t i = 0; i < (size_t)m.n_train * 784; ++i) {
    fs += x[i];
    fs2 += (double)x[i] * x[i];
  }
  ck_assert_double_eq_tol(fs / cnt, 0.0, 1e-4);
  ck_assert_double_eq_tol(fs2 / cnt, 1.0, 1e-4);
  uint8_t *back = malloc((size_t)m.n_train * 784);
  alcn_norm_to_u8(&nm, x, m.n_train, 1, 28, 28, back);
  ck_assert_uint_eq(back[100], g_ds.images[(size_t)m.train[0] * 784 + 100]);
  ck_assert_int_eq(alcn_norm_fit(&nm, ALCN_NORM_UNIT, &g_ds, m.train, m.n_train), ALCN_OK);
  ck_assert_int_eq(alcn_norm_fill(&nm, &g_ds, m.train, 1, x), ALCN_OK);
  ck_assert_float_eq_tol(x[5], g_ds.images[(size_t)m.train[0] * 784 + 5] / 255.f, 1e-7f);
  int32_t bad = g_ds.n;
  ck_assert_int_eq(alcn_norm_fill(&nm, &g_ds, &bad, 1, x), ALCN_ERR_ARG);
  alcn_norm_kind k;
  ck_assert_int_eq(alcn_norm_parse(&k, "meanstd"), ALCN_OK);
  ck_assert_int_eq(k, ALCN_NORM_MEANSTD);
  ck_assert_int_eq(alcn_norm_parse(&k, "minmax"), ALCN_ERR_NOT_FOUND);
  free(x);
  free(back);
  alcn_manifest_free(&m);
}
END_TEST

int main(void) {
  Suite *s = suite_create("ds_protocol");
  TCase *tc = tcase_create("protocol");
  tcase_add_checked_fixture(tc, setup, teardown);
  tcase_add_test(tc, test_p1_sizes);
  tcase_add_test(tc, test_p2_sizes);
  tcase_add_test(tc, test_seeding_and_validation);
  tcase_add_test(tc, test_bad_arguments);
  tcase_add_test(tc, test_manifest_file);
  tcase_add_test(tc, test_normalisation);
  suite_add_tcase(s, tc);
  return tu_run_suite(s);
}
