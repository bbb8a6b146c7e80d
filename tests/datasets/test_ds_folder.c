/* Suite "ds_folder": MVTec AD, PlantVillage and generic folder data sets in
 * their exact layouts (names with spaces, commas, parentheses; 8/16-bit gray
 * and RGB(A) PNG; baseline and progressive JPEG): classes, channel policy,
 * resize, masks, anomaly flags, the mvtec / mvtec-7030 / plantvillage
 * protocols, --skip-bad, missing masks and folders, and the decode cache. */
#define _POSIX_C_SOURCE 200809L
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "alcn/dataset.h"
#include "alcn/image_io.h"
#include "alcn/protocol.h"
#include "ds_fixtures.h"
#include "test_util.h"

static char g_dir[512];
static void setup(void) {
  ck_assert_int_eq(tu_make_tempdir(g_dir, sizeof g_dir, "ds_folder"), 0);
  alcn_clear_error();
}
static void teardown(void) { tu_remove_tree(g_dir); }

/* Constant image: channel k = v + 40 k; written as PNG (c 1..4, depth 8/16) or JPEG. */
static void put_image(const char *dir, const char *name, int w, int h, int c, int depth, int v) {
  char p[4200];
  ck_assert_int_eq(fx_mkdirs(dir), 0);
  snprintf(p, sizeof p, "%s/%s", dir, name);
  size_t n = (size_t)w * h * c;
  const char *dot = strrchr(name, '.');
  if (dot && (dot[1] == 'j' || dot[1] == 'J')) {
    uint8_t *px = malloc(n);
    for (size_t i = 0; i < n; ++i) px[i] = (uint8_t)(v + 40 * (int)(i % (size_t)c));
    ck_assert_int_eq(alcn_jpeg_write(p, px, w, h, c, 95, v % 2), ALCN_OK); /* odd v: progressive */
    free(px);
  } else if (depth == 16) {
    uint16_t *px = malloc(n * 2);
    for (size_t i = 0; i < n; ++i) px[i] = (uint16_t)(257 * (v + 40 * (int)(i % (size_t)c)));
    ck_assert_int_eq(alcn_png_write(p, px, w, h, c, 16), ALCN_OK);
    free(px);
  } else {
    uint8_t *px = malloc(n);
    for (size_t i = 0; i < n; ++i) px[i] = (uint8_t)(v + 40 * (int)(i % (size_t)c));
    ck_assert_int_eq(alcn_png_write(p, px, w, h, c, 8), ALCN_OK);
    free(px);
  }
}

/* Mask: left half 255, right half 0. */
static void put_mask(const char *dir, const char *name, int w, int h) {
  char p[4200];
  ck_assert_int_eq(fx_mkdirs(dir), 0);
  snprintf(p, sizeof p, "%s/%s", dir, name);
  uint8_t *m = malloc((size_t)w * h);
  for (int y = 0; y < h; ++y)
    for (int x = 0; x < w; ++x) m[y * w + x] = x < w / 2 ? 255 : 0;
  ck_assert_int_eq(alcn_png_write(p, m, w, h, 1, 8), ALCN_OK);
  free(m);
}

static char *sub(const char *rel) {
  static char p[4][2048];
  static int k = 0;
  k = (k + 1) % 4;
  int r = snprintf(p[k], sizeof p[k], "%s/%s", g_dir, rel);
  ck_assert(r > 0 && r < (int)sizeof p[k]);
  return p[k];
}

/* bottle (RGB/RGBA 8-bit) and grid (gray 8/16-bit), 32x32 sources. */
static void make_mvtec(void) {
  for (int i = 0; i < 3; ++i) {
    char n[16];
    snprintf(n, sizeof n, "%03d.png", i);
    put_image(sub("mv/bottle/train/good"), n, 32, 32, i == 2 ? 4 : 3, 8, 10 + i);
    put_image(sub("mv/grid/train/good"), n, 32, 32, 1, i == 1 ? 16 : 8, 20 + i);
  }
  put_image(sub("mv/bottle/test/good"), "000.png", 32, 32, 3, 8, 50);
  put_image(sub("mv/bottle/test/broken_large"), "000.png", 32, 32, 3, 8, 60);
  put_image(sub("mv/bottle/test/broken_large"), "001.png", 32, 32, 3, 8, 61);
  put_mask(sub("mv/bottle/ground_truth/broken_large"), "000_mask.png", 32, 32);
  put_mask(sub("mv/bottle/ground_truth/broken_large"), "001_mask.png", 32, 32);
  put_image(sub("mv/grid/test/good"), "000.png", 32, 32, 1, 8, 70);
  put_image(sub("mv/grid/test/thread"), "000.png", 32, 32, 1, 16, 80);
  put_mask(sub("mv/grid/ground_truth/thread"), "000_mask.png", 32, 32);
  ck_assert_int_eq(fx_write(sub("mv/license.txt"), "x", 1, 0), 0);
  ck_assert_int_eq(fx_mkdirs(sub("mv/not_a_category")), 0);
}

static alcn_dataset_opts opts(const char *root, int size) {
  alcn_dataset_opts o = alcn_dataset_opts_default();
  o.root = root;
  o.size = size;
  o.quiet = 1;
  return o;
}

START_TEST(test_mvtec_layout) {
  make_mvtec();
  alcn_dataset_opts o = opts(sub("mv"), 16);
  alcn_class_list cl;
  ck_assert_msg(alcn_dataset_classes(&cl, "mvtec", &o) == ALCN_OK, "%s", alcn_last_error());
  ck_assert_int_eq(cl.n, 2);
  ck_assert_str_eq(cl.names[0], "bottle");
  ck_assert_str_eq(cl.names[1], "grid");
  alcn_class_list_free(&cl);

  o.category = "grid";
  alcn_dataset ds;
  ck_assert_msg(alcn_dataset_load(&ds, "mvtec", &o) == ALCN_OK, "%s", alcn_last_error());
  ck_assert_int_eq(ds.n, 5);
  ck_assert_int_eq(ds.c, 1); /* grayscale category stays 1-channel */
  ck_assert_int_eq(ds.h, 16);
  ck_assert_int_eq(ds.w, 16);
  ck_assert_int_eq(ds.n_classes, 2);
  ck_assert_ptr_nonnull(ds.masks);
  const int want_v[5] = {20, 21, 22, 70, 80}, want_split[5] = {0, 0, 0, 1, 1}, want_anom[5] = {0, 0, 0, 0, 1};
  for (int i = 0; i < 5; ++i) {
    ck_assert_int_eq(ds.labels[i], 1);
    ck_assert_int_eq(ds.split[i], want_split[i]);
    ck_assert_int_eq(ds.anomalous[i], want_anom[i]);
    ck_assert_uint_eq(ds.images[i * 256 + 100], want_v[i]); /* 16-bit files scaled exactly */
  }
  ck_assert_str_eq(ds.sources[4], "grid/test/thread/000.png");
  /* mask of the defect: left half 1 after nearest resize; good images: zeros */
  ck_assert_uint_eq(ds.masks[4 * 256 + 3 * 16 + 2], 1);
  ck_assert_uint_eq(ds.masks[4 * 256 + 3 * 16 + 12], 0);
  int sum = 0;
  for (int i = 0; i < 4 * 256; ++i) sum += ds.masks[i];
  ck_assert_int_eq(sum, 0);
  alcn_manifest m;
  ck_assert_msg(alcn_protocol_split(&m, &ds, "mvtec", 1, 3, 0.0) == ALCN_OK, "%s", alcn_last_error());
  ck_assert_int_eq(m.n_train, 3);
  ck_assert_int_eq(m.n_test, 2);
  ck_assert_int_eq(m.test_labels[0], 0);
  ck_assert_int_eq(m.test_labels[1], 1);
  alcn_manifest_free(&m);
  ck_assert_int_eq(alcn_protocol_split(&m, &ds, "mvtec", 0, 3, 0.0), ALCN_ERR_ARG); /* bottle not loaded */
  ck_assert_ptr_nonnull(strstr(alcn_last_error(), "bottle"));
  /* mvtec-7030: 4 good -> round(2.8) = 3 train, 1 good + 1 defect test */
  ck_assert_int_eq(alcn_protocol_split(&m, &ds, "mvtec-7030", 1, 3, 0.0), ALCN_OK);
  ck_assert_int_eq(m.n_train, 3);
  ck_assert_int_eq(m.n_test, 2);
  int anom = 0;
  for (int i = 0; i < m.n_test; ++i) anom += m.test_labels[i];
  ck_assert_int_eq(anom, 1);
  alcn_manifest_free(&m);
  alcn_dataset_free(&ds);

  o.channels = ALCN_CHANNELS_RGB; /* forced 3 channels: gray replicated */
  ck_assert_int_eq(alcn_dataset_load(&ds, "mvtec", &o), ALCN_OK);
  ck_assert_int_eq(ds.c, 3);
  ck_assert_uint_eq(ds.images[0 * 768 + 2 * 256 + 7], 20);
  alcn_dataset_free(&ds);

  o.channels = ALCN_CHANNELS_AUTO;
  o.category = "bottle";
  ck_assert_int_eq(alcn_dataset_load(&ds, "mvtec", &o), ALCN_OK);
  ck_assert_int_eq(ds.c, 3);
  ck_assert_int_eq(ds.n, 6);
  /* RGBA source (image 2): alpha dropped, channels v, v+40, v+80 */
  ck_assert_uint_eq(ds.images[2 * 768 + 0 * 256 + 5], 12);
  ck_assert_uint_eq(ds.images[2 * 768 + 1 * 256 + 5], 52);
  ck_assert_uint_eq(ds.images[2 * 768 + 2 * 256 + 5], 92);
  ck_assert_int_eq(ds.anomalous[3] + ds.anomalous[4], 2); /* test/broken_large sorts before test/good */
  ck_assert_int_eq(ds.anomalous[5], 0);
  alcn_dataset_free(&ds);

  o.category = "carpet";
  ck_assert_int_eq(alcn_dataset_load(&ds, "mvtec", &o), ALCN_ERR_NOT_FOUND);
  ck_assert_ptr_nonnull(strstr(alcn_last_error(), "carpet"));
  o.category = NULL;
  ck_assert_int_eq(alcn_dataset_load(&ds, "mvtec", &o), ALCN_OK); /* all categories: mixed -> RGB */
  ck_assert_int_eq(ds.n, 11);
  ck_assert_int_eq(ds.c, 3);
  ck_assert_int_eq(alcn_dataset_count(&ds, 0, ALCN_SPLIT_TRAIN), 3);
  ck_assert_int_eq(alcn_dataset_count(&ds, 1, ALCN_SPLIT_TEST), 2);
  ck_assert_int_eq(ds.split[5], ALCN_SPLIT_TRAIN); /* train images first */
  ck_assert_int_eq(ds.split[6], ALCN_SPLIT_TEST);
  alcn_dataset_free(&ds);
}
END_TEST

START_TEST(test_mvtec_missing_mask_and_folder) {
  make_mvtec();
  char p[2048];
  snprintf(p, sizeof p, "%s", sub("mv/bottle/ground_truth/broken_large/001_mask.png"));
  ck_assert_int_eq(remove(p), 0);
  alcn_dataset_opts o = opts(sub("mv"), 16);
  o.category = "bottle";
  alcn_dataset ds;
  ck_assert_int_eq(alcn_dataset_load(&ds, "mvtec", &o), ALCN_ERR_IO);
  ck_assert_ptr_nonnull(strstr(alcn_last_error(), "001_mask.png"));
  tu_remove_tree(sub("mv/grid/train"));
  ck_assert_int_eq(fx_mkdirs(sub("mv/grid/train")), 0); /* train/ without good/ */
  o.category = "grid";
  ck_assert_int_eq(alcn_dataset_load(&ds, "mvtec", &o), ALCN_ERR_IO);
  ck_assert_ptr_nonnull(strstr(alcn_last_error(), "grid/train/good"));
}
END_TEST

static const char *k_corn_sick = "Corn_(maize)___Cercospora_leaf_spot Gray_leaf_spot";

static void make_plantvillage(void) {
  char d[2048];
  snprintf(d, sizeof d, "pv/%s", k_corn_sick);
  put_image(sub(d), "a b (1).jpg", 64, 48, 3, 8, 30);
  put_image(sub(d), "c,d.JPG", 64, 48, 3, 8, 31);
  for (int i = 0; i < 5; ++i) {
    char n[32];
    snprintf(n, sizeof n, "img %d.jpg", i);
    put_image(sub("pv/Corn_(maize)___healthy"), n, 64, 48, 3, 8, 100 + i);
  }
  put_image(sub("pv/Pepper,_bell___healthy"), "x.jpg", 64, 48, 3, 8, 60);
  put_image(sub("pv/Pepper,_bell___healthy"), "y.jpeg", 64, 48, 3, 8, 61);
  put_image(sub("pv/Pepper,_bell___Bacterial_spot"), "z.jpg", 64, 48, 3, 8, 62);
  put_image(sub("pv/Orange___Haunglongbing_(Citrus_greening)"), "o.jpg", 64, 48, 3, 8, 90);
}

START_TEST(test_plantvillage_layout) {
  make_plantvillage();
  alcn_dataset_opts o = opts(sub("pv"), 32);
  alcn_class_list cl;
  ck_assert_msg(alcn_dataset_classes(&cl, "plantvillage", &o) == ALCN_OK, "%s", alcn_last_error());
  ck_assert_int_eq(cl.n, 2);
  ck_assert_str_eq(cl.names[0], "Corn_(maize)");
  ck_assert_str_eq(cl.names[1], "Pepper,_bell");
  ck_assert_int_eq(cl.n_skipped, 1);
  ck_assert_str_eq(cl.skipped[0], "Orange");
  alcn_class_list_free(&cl);
  o.category = "Corn_(maize)";
  alcn_dataset ds;
  ck_assert_msg(alcn_dataset_load(&ds, "plantvillage", &o) == ALCN_OK, "%s", alcn_last_error());
  ck_assert_int_eq(ds.n, 7);
  ck_assert_int_eq(ds.c, 3);
  ck_assert_int_eq(ds.h, 32);
  ck_assert_ptr_null(ds.masks);
  int sick = 0;
  for (int i = 0; i < ds.n; ++i) {
    sick += ds.anomalous[i];
    ck_assert_int_eq(ds.labels[i], 0);
    ck_assert_int_eq(ds.split[i], ALCN_SPLIT_TRAIN);
  }
  ck_assert_int_eq(sick, 2);
  /* sorted byte order: "Corn_(maize)___Cercospora..." < "Corn_(maize)___healthy" */
  char want[512];
  snprintf(want, sizeof want, "%s/a b (1).jpg", k_corn_sick);
  ck_assert_str_eq(ds.sources[0], want);
  ck_assert_int_le(abs((int)ds.images[0 * 3072 + 500] - 30), 2); /* JPEG: near the constant */
  ck_assert_int_le(abs((int)ds.images[0 * 3072 + 1024 + 500] - 70), 2);
  alcn_manifest m;
  ck_assert_int_eq(alcn_protocol_split(&m, &ds, "plantvillage", 0, 5, 0.25), ALCN_OK);
  /* 5 healthy -> 4 train (1 of them val), test = 1 healthy + 2 diseased */
  ck_assert_int_eq(m.n_train, 3);
  ck_assert_int_eq(m.n_val, 1);
  ck_assert_int_eq(m.n_test, 3);
  for (int i = 0; i < m.n_train; ++i) ck_assert_int_eq(ds.anomalous[m.train[i]], 0);
  alcn_manifest_free(&m);
  alcn_dataset_free(&ds);
  o.category = "Orange";
  ck_assert_int_eq(alcn_dataset_load(&ds, "plantvillage", &o), ALCN_ERR_NOT_FOUND);
  ck_assert_ptr_nonnull(strstr(alcn_last_error(), "healthy"));
}
END_TEST

static const char *k_generic = "my data (v2), set";

static void make_generic(void) {
  char d[2048];
  snprintf(d, sizeof d, "%s/train/good", k_generic);
  put_image(sub(d), "a.png", 20, 20, 3, 8, 1);
  put_image(sub(d), "b.jpg", 20, 20, 3, 8, 3);
  snprintf(d, sizeof d, "%s/test/good", k_generic);
  put_image(sub(d), "c.png", 20, 20, 3, 8, 5);
  snprintf(d, sizeof d, "%s/test/scratch, deep", k_generic);
  put_image(sub(d), "000.png", 20, 20, 3, 8, 7);
  put_image(sub(d), "001.png", 20, 20, 3, 8, 9);
  snprintf(d, sizeof d, "%s/ground_truth/scratch, deep", k_generic);
  put_mask(sub(d), "000_mask.png", 20, 20);
}

START_TEST(test_generic_folder_cache_skip_bad) {
  make_generic();
  char root[2048], cache[2048], bad[2200];
  snprintf(root, sizeof root, "%s", sub(k_generic));
  snprintf(cache, sizeof cache, "%s", sub("cache dir"));
  alcn_dataset_opts o = opts(root, 10);
  o.cache_dir = cache;
  alcn_dataset a, b;
  ck_assert_msg(alcn_dataset_load(&a, "folder", &o) == ALCN_OK, "%s", alcn_last_error());
  ck_assert_int_eq(a.n, 5);
  ck_assert_int_eq(a.n_classes, 1);
  ck_assert_str_eq(a.class_names[0], k_generic);
  ck_assert_ptr_nonnull(a.masks);
  ck_assert_uint_eq(a.masks[3 * 100 + 0], 1);   /* 000 has a mask */
  ck_assert_uint_eq(a.masks[4 * 100 + 0], 0);   /* 001 has none: empty */
  ck_assert_int_eq(a.anomalous[3] + a.anomalous[4], 2);
  ck_assert_uint_eq(a.images[0 * 300 + 0], 1);
  ck_assert_int_eq(a.from_cache, 0);
  ck_assert_int_eq(alcn_dataset_load(&b, "folder", &o), ALCN_OK);
  ck_assert_int_eq(b.from_cache, 1);
  ck_assert_int_eq(memcmp(a.images, b.images, 5 * 300), 0);
  ck_assert_int_eq(memcmp(a.masks, b.masks, 5 * 100), 0);
  ck_assert_str_eq(b.sources[4], a.sources[4]);
  ck_assert_str_eq(b.class_names[0], k_generic);
  alcn_dataset_free(&b);
  alcn_manifest m;
  ck_assert_int_eq(alcn_protocol_split(&m, &a, "mvtec", 0, 1, 0.0), ALCN_OK);
  ck_assert_int_eq(m.n_train, 2);
  ck_assert_int_eq(m.n_test, 3);
  alcn_manifest_free(&m);
  alcn_dataset_free(&a);
  /* a corrupt image: an error naming it, or skipped with --skip-bad */
  snprintf(bad, sizeof bad, "%s/train/good/broken (copy).png", root);
  ck_assert_int_eq(fx_write(bad, "\x89PNG\r\n\x1a\n garbage", 17, 0), 0);
  o.cache_dir = NULL;
  ck_assert_int_eq(alcn_dataset_load(&a, "folder", &o), ALCN_ERR_FORMAT);
  ck_assert_ptr_nonnull(strstr(alcn_last_error(), "broken (copy).png"));
  ck_assert_ptr_nonnull(strstr(alcn_last_error(), "--skip-bad"));
  o.skip_bad = 1;
  ck_assert_int_eq(alcn_dataset_load(&a, "folder", &o), ALCN_OK);
  ck_assert_int_eq(a.n, 5);
  ck_assert_int_eq(a.n_skipped, 1);
  alcn_dataset_free(&a);
  /* missing test/ folder */
  char t[2100];
  snprintf(t, sizeof t, "%s/test", root);
  tu_remove_tree(t);
  ck_assert_int_eq(alcn_dataset_load(&a, "folder", &o), ALCN_ERR_IO);
  ck_assert_ptr_nonnull(strstr(alcn_last_error(), "/test"));
}
END_TEST

int main(void) {
  Suite *s = suite_create("ds_folder");
  TCase *tc = tcase_create("folder");
  tcase_add_checked_fixture(tc, setup, teardown);
  tcase_add_test(tc, test_mvtec_layout);
  tcase_add_test(tc, test_mvtec_missing_mask_and_folder);
  tcase_add_test(tc, test_plantvillage_layout);
  tcase_add_test(tc, test_generic_folder_cache_skip_bad);
  suite_add_tcase(s, tc);
  return tu_run_suite(s);
}
