/* Check suite for `alcnbench table5` (bench/harness/table5.c): a tiny run of the dae
 * method with noises none and alcn (1x16x16, batch 4, 2 timed runs) writes
 * the table JSON and one alcnbench.table5/1 record per case with the fields
 * the report reads; torch_ms is null without PyTorch (--no-torch and
 * ALCN_NO_TORCH=1); parameter counts are the paper models'; bad flags are
 * refused with status 2. */
#define _POSIX_C_SOURCE 200809L
#include <check.h>
#include <cjson/cJSON.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "test_util.h"

int alcn_cmd_table5(int argc, char **argv);

static char tmp[512];

static void setup(void) { ck_assert_int_eq(tu_make_tempdir(tmp, sizeof tmp, "table5"), 0); }
static void teardown(void) { tu_remove_tree(tmp); }

static cJSON *read_json(const char *path) {
  FILE *f = fopen(path, "rb");
  if (!f) return NULL;
  static char buf[1 << 20];
  size_t n = fread(buf, 1, sizeof buf - 1, f);
  fclose(f);
  buf[n] = 0;
  return cJSON_Parse(buf);
}

static double num(const cJSON *o, const char *k) {
  const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, k);
  ck_assert_msg(cJSON_IsNumber(v), "field %s is not a number", k);
  return v->valuedouble;
}

static const char *str(const cJSON *o, const char *k) {
  const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, k);
  ck_assert_msg(cJSON_IsString(v), "field %s is not a string", k);
  return v->valuestring;
}

static int is_null(const cJSON *o, const char *k) { return cJSON_IsNull(cJSON_GetObjectItemCaseSensitive(o, k)); }

static int run(const char *const *extra, int n_extra) {
  char json[600], out[600];
  snprintf(json, sizeof json, "%s/t5.json", tmp);
  snprintf(out, sizeof out, "%s/out", tmp);
  const char *base[] = {"table5", "--shape", "1x16x16", "--device", "cpu", "--threads", "1", "--batch", "4",
                        "--iters", "2", "--warmup", "1", "--epoch-images", "10", "--methods", "dae", "--json", json,
                        "--out", out, "--quiet"};
  char *argv[64];
  int argc = 0;
  for (size_t i = 0; i < sizeof base / sizeof *base; ++i) argv[argc++] = (char *)base[i];
  for (int i = 0; i < n_extra; ++i) argv[argc++] = (char *)extra[i];
  argv[argc] = NULL;
  /* strtok in the flag parser writes into list values: give it copies */
  char copies[64][128];
  for (int i = 0; i < argc; ++i) {
    snprintf(copies[i], sizeof copies[i], "%s", argv[i]);
    argv[i] = copies[i];
  }
  return alcn_cmd_table5(argc, argv);
}

/* The row of (noise, case, batch) in the table's rows, or NULL. */
static const cJSON *find_row(const cJSON *rows, const char *noise, const char *kase, int batch) {
  const cJSON *r;
  cJSON_ArrayForEach(r, rows) {
    if (!strcmp(str(r, "noise"), noise) && !strcmp(str(r, "case"), kase) && (int)num(r, "batch") == batch) return r;
  }
  return NULL;
}

START_TEST(test_table_and_records) {
  const char *extra[] = {"--noises", "none,alcn", "--no-torch"};
  ck_assert_int_eq(run(extra, 3), 0);
  char path[700];
  snprintf(path, sizeof path, "%s/t5.json", tmp);
  cJSON *root = read_json(path);
  ck_assert_ptr_nonnull(root);
  const cJSON *rows = cJSON_GetObjectItemCaseSensitive(root, "rows");
  ck_assert(cJSON_IsArray(rows));
  /* none: train_step, infer, infer@1; alcn: + infer_with_noise at 4 and 1 */
  ck_assert_int_eq(cJSON_GetArraySize(rows), 3 + 5);
  const cJSON *r;
  cJSON_ArrayForEach(r, rows) {
    ck_assert_str_eq(str(r, "method"), "dae");
    ck_assert_str_eq(str(r, "device"), "cpu");
    const double ms = num(r, "ours_ms"), mn = num(r, "ours_min_ms"), mx = num(r, "ours_max_ms");
    ck_assert(ms > 0.0 && mn > 0.0 && mn <= ms && ms <= mx);
    ck_assert(is_null(r, "torch_ms"));
    ck_assert(is_null(r, "speedup"));
    ck_assert_double_eq_tol(num(r, "images_per_s"), num(r, "batch") / (ms * 1e-3), 1e-6 * num(r, "images_per_s"));
    ck_assert_double_eq(num(r, "params_method"), 26465.0); /* the paper's DAE, any image size */
    ck_assert(num(r, "peak_host_bytes") > 0.0);
    ck_assert_double_eq(num(r, "peak_device_bytes"), -1.0); /* the CPU backend does not track it */
  }
  const cJSON *t = find_row(rows, "alcn", "train_step", 4);
  ck_assert_ptr_nonnull(t);
  /* G_noise at 16x16: Linear(256, 32*8*8) + ConvT(32,16,5) + ConvT(16,1,5) */
  ck_assert_double_eq(num(t, "params_noise"), 256.0 * 2048 + 2048 + 12816 + 401);
  ck_assert_double_eq_tol(num(t, "epoch_s"), 3 * num(t, "ours_ms") * 1e-3, 1e-9); /* ceil(10/4) steps */
  ck_assert_ptr_nonnull(find_row(rows, "alcn", "infer_with_noise", 4));
  ck_assert_ptr_nonnull(find_row(rows, "alcn", "infer_with_noise", 1));
  ck_assert_ptr_nonnull(find_row(rows, "none", "infer", 1));
  ck_assert_ptr_null(find_row(rows, "none", "infer_with_noise", 4));
  ck_assert_double_eq(num(find_row(rows, "none", "infer", 4), "params_noise"), 0.0);
  /* no published figure at this shape */
  ck_assert(is_null(find_row(rows, "none", "infer", 4), "published_ms"));
  cJSON_Delete(root);
  /* the record of one case, as the report reads it */
  snprintf(path, sizeof path, "%s/out/table5/dae_alcn_train_step_b4_1x16x16_cpu_mse.json", tmp);
  cJSON *rec = read_json(path);
  ck_assert_msg(rec != NULL, "no record %s", path);
  ck_assert_str_eq(str(rec, "schema"), "alcnbench.table5/1");
  ck_assert_str_eq(str(rec, "method"), "dae");
  ck_assert_str_eq(str(rec, "noise"), "alcn");
  ck_assert_str_eq(str(rec, "case"), "train_step");
  ck_assert_int_eq((int)num(rec, "batch"), 4);
  ck_assert(num(rec, "ours_ms") > 0.0 && num(rec, "ours_min_ms") > 0.0 && num(rec, "ours_max_ms") > 0.0);
  ck_assert(is_null(rec, "torch_ms") && is_null(rec, "speedup"));
  ck_assert(num(rec, "params_method") > 0.0 && num(rec, "params_noise") > 0.0 && num(rec, "images_per_s") > 0.0);
  cJSON_Delete(rec);
  snprintf(path, sizeof path, "%s/out/table5/dae_none_infer_b1_1x16x16_cpu_mse.json", tmp);
  rec = read_json(path);
  ck_assert_msg(rec != NULL, "no record %s", path);
  cJSON_Delete(rec);
}
END_TEST

START_TEST(test_env_disables_torch) {
  setenv("ALCN_NO_TORCH", "1", 1);
  /* a 28x28 run, where the peer would otherwise be tried */
  const char *extra[] = {"--noises", "none", "--no-train", "--latency-batch", "0", "--shape", "1x28x28"};
  ck_assert_int_eq(run(extra, 7), 0);
  char path[700];
  snprintf(path, sizeof path, "%s/t5.json", tmp);
  cJSON *root = read_json(path);
  ck_assert_ptr_nonnull(root);
  const cJSON *rows = cJSON_GetObjectItemCaseSensitive(root, "rows");
  ck_assert_int_eq(cJSON_GetArraySize(rows), 1);
  const cJSON *r = cJSON_GetArrayItem(rows, 0);
  ck_assert_str_eq(str(r, "case"), "infer");
  ck_assert(is_null(r, "torch_ms"));
  ck_assert(is_null(r, "published_ms")); /* batch 4, not the paper's 4096 */
  cJSON_Delete(root);
  unsetenv("ALCN_NO_TORCH");
}
END_TEST

START_TEST(test_bad_flags) {
  const char *a[] = {"--shape", "28x28"};
  ck_assert_int_eq(run(a, 2), 2);
  const char *b[] = {"--loss", "l7"};
  ck_assert_int_eq(run(b, 2), 2);
  const char *c[] = {"--noises", "no_such_noise"};
  ck_assert_int_eq(run(c, 2), 2);
  const char *d[] = {"--iters", "0"};
  ck_assert_int_eq(run(d, 2), 2);
  const char *e[] = {"--frobnicate"};
  ck_assert_int_eq(run(e, 1), 2);
}
END_TEST

static Suite *suite(void) {
  Suite *s = suite_create("table5");
  TCase *tc = tcase_create("table5");
  tcase_add_checked_fixture(tc, setup, teardown);
  tcase_set_timeout(tc, 100);
  tcase_add_test(tc, test_table_and_records);
  tcase_add_test(tc, test_env_disables_torch);
  tcase_add_test(tc, test_bad_flags);
  suite_add_tcase(s, tc);
  return s;
}

int main(void) {
  SRunner *sr = srunner_create(suite());
  srunner_run_all(sr, CK_NORMAL);
  int failed = srunner_ntests_failed(sr);
  srunner_free(sr);
  return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
