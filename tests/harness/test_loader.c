/* Check suite for the plugin loader (core/src/loader.c): good plugins load,
 * each broken plugin of bad_plugin.c is refused with its file named and the
 * reason given, the others still load; $ALCN_PLUGIN_PATH; descriptor checks. */
#define _POSIX_C_SOURCE 200809L
#include <check.h>

#include "test_util.h"
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "alcn/loader.h"

static alcn_registry reg;

static void setup(void) {
  unsetenv("ALCN_PLUGIN_PATH");
  const char *dirs[] = {HARNESS_GOOD_DIR, HARNESS_BAD_DIR};
  ck_assert_int_eq(alcn_registry_load(&reg, dirs, 2, 1), ALCN_OK);
}
static void teardown(void) { alcn_registry_free(&reg); }

static const alcn_plugin_refusal *refusal_of(const char *file_suffix) {
  size_t l = strlen(file_suffix);
  for (int i = 0; i < reg.n_refused; ++i) {
    size_t fl = strlen(reg.refused[i].file);
    if (fl >= l && !strcmp(reg.refused[i].file + fl - l, file_suffix)) return &reg.refused[i];
  }
  return NULL;
}

static void expect_refused(const char *file, const char *reason_part) {
  const alcn_plugin_refusal *r = refusal_of(file);
  ck_assert_msg(r != NULL, "%s was not refused", file);
  ck_assert_msg(strstr(r->reason, reason_part) != NULL, "%s: reason '%s' lacks '%s'", file, r->reason, reason_part);
}

START_TEST(good_plugins_load) {
  const char *file = NULL;
  const alcn_method_desc *m = alcn_registry_method(&reg, "toy", &file);
  ck_assert_ptr_nonnull(m);
  ck_assert_ptr_nonnull(strstr(file, "harness_toy.so"));
  ck_assert_ptr_nonnull(alcn_registry_noise(&reg, "toynoise", &file));
  ck_assert_ptr_nonnull(strstr(file, "good_noise.so"));
  /* the first of two files providing "dupe" wins */
  ck_assert_ptr_nonnull(alcn_registry_noise(&reg, "dupe", &file));
  ck_assert_ptr_nonnull(strstr(file, "dup_a.so"));
  ck_assert_ptr_null(alcn_registry_method(&reg, "no-such-method", NULL));
  ck_assert_ptr_null(alcn_registry_noise(&reg, "broken", NULL));
}
END_TEST

START_TEST(bad_plugins_refused_with_file_and_reason) {
  expect_refused("/bad_major.so", "abi_major");
  expect_refused("/bad_minor.so", "abi_minor");
  expect_refused("/bad_null.so", "create is NULL");
  expect_refused("/bad_nosym.so", "missing symbol");
  expect_refused("/bad_size.so", "size");
  expect_refused("/bad_options.so", "option 'level' appears twice");
  expect_refused("/dup_b.so", "duplicate noise id 'dupe'");
  ck_assert_int_eq(reg.n_refused, 7);
  ck_assert_ptr_null(refusal_of("/dup_a.so"));
  ck_assert_ptr_null(refusal_of("/good_noise.so"));
}
END_TEST

/* A plugin built against a shorter descriptor (an older minor ABI) loads; the
 * garbage its memory holds past `size` is never read. */
START_TEST(short_descriptor_loads_with_defaults) {
  const char *file = NULL;
  const alcn_noise_desc *d = alcn_registry_noise(&reg, "shortnoise", &file);
  ck_assert_ptr_nonnull(d);
  ck_assert_ptr_nonnull(strstr(file, "/short_desc.so"));
  ck_assert_uint_eq(d->size, (uint32_t)ALCN_NOISE_DESC_MIN_SIZE);
  ck_assert_ptr_null(d->learn);
  ck_assert_ptr_null(d->param_count);
  ck_assert_ptr_null(d->save);
  ck_assert_str_eq(d->label, "shortnoise");
  ck_assert_ptr_null(refusal_of("/short_desc.so"));
}
END_TEST

START_TEST(ids_listed_for_messages) {
  char buf[512];
  ck_assert_ptr_nonnull(strstr(alcn_registry_method_ids(&reg, buf, sizeof buf), "toy"));
  ck_assert_ptr_nonnull(strstr(alcn_registry_noise_ids(&reg, buf, sizeof buf), "toynoise"));
}
END_TEST

START_TEST(plugin_path_env_and_missing_dirs) {
  alcn_registry r2;
  setenv("ALCN_PLUGIN_PATH", "/nonexistent-alcn-dir:" HARNESS_GOOD_DIR ":" HARNESS_GOOD_DIR, 1);
  const char *again[] = {HARNESS_GOOD_DIR};
  ck_assert_int_eq(alcn_registry_load(&r2, again, 1, 1), ALCN_OK);
  unsetenv("ALCN_PLUGIN_PATH");
  ck_assert_ptr_nonnull(alcn_registry_method(&r2, "toy", NULL));
  /* the same files reached three times are read once: no duplicate refusals */
  ck_assert_int_eq(r2.n_refused, 0);
  int missing = 0;
  for (int i = 0; i < r2.n_dirs; ++i) missing += strstr(r2.dirs[i], "/nonexistent-alcn-dir (missing)") != NULL;
  ck_assert_int_eq(missing, 1);
  alcn_registry_free(&r2);
}
END_TEST

static alcn_status dummy_create(const alcn_method_config *c, alcn_ctx *x, void **s) {
  (void)c, (void)x, (void)s;
  return ALCN_OK;
}
static alcn_status dummy_train(void *s, const float *x, int n, uint64_t step, alcn_step_stats *st) {
  (void)s, (void)x, (void)n, (void)step, (void)st;
  return ALCN_OK;
}
static size_t dummy_params(void *s, size_t *n) {
  (void)s, (void)n;
  return 0;
}
static void dummy_destroy(void *s) { (void)s; }
static alcn_status dummy_score(void *s, const float *x, int n, float *scores) {
  (void)s, (void)x, (void)n, (void)scores;
  return ALCN_OK;
}

START_TEST(descriptor_checks) {
  alcn_method_desc d = {.abi_major = ALCN_ABI_MAJOR, .abi_minor = ALCN_ABI_MINOR, .size = sizeof(alcn_method_desc),
                        .id = "ok-id_1", .summary = "s", .create = dummy_create, .train_step = dummy_train,
                        .param_count = dummy_params, .destroy = dummy_destroy};
  char why[256];
  ck_assert_int_eq(alcn_check_method_desc(&d, why, sizeof why), ALCN_ERR_ABI); /* score is NULL */
  ck_assert_ptr_nonnull(strstr(why, "score"));
  d.score = dummy_score;
  ck_assert_int_eq(alcn_check_method_desc(&d, why, sizeof why), ALCN_OK);
  d.id = "Bad Id";
  ck_assert_int_eq(alcn_check_method_desc(&d, why, sizeof why), ALCN_ERR_ABI);
  ck_assert_ptr_nonnull(strstr(why, "Bad Id"));
  d.id = "ok";
  d.summary = NULL;
  ck_assert_int_eq(alcn_check_method_desc(&d, why, sizeof why), ALCN_ERR_ABI);
  d.summary = "s";
  d.size = 8;
  ck_assert_int_eq(alcn_check_method_desc(&d, why, sizeof why), ALCN_ERR_ABI);
  ck_assert_ptr_nonnull(strstr(why, "required fields"));
  /* a descriptor that ends right after its required fields is read with defaults */
  d.size = (uint32_t)ALCN_METHOD_DESC_MIN_SIZE;
  d.reconstruct = (alcn_status(*)(void *, const float *, int, float *))(uintptr_t)1; /* past size: ignored */
  alcn_method_desc got;
  ck_assert_int_eq(alcn_read_method_desc(&d, &got, why, sizeof why), ALCN_OK);
  ck_assert_ptr_null(got.reconstruct);
  ck_assert_ptr_null(got.epoch_begin);
  ck_assert_str_eq(got.label, "ok"); /* label defaults to the id */
  ck_assert_ptr_eq(got.train_step, dummy_train);
  /* a malformed option table refuses the descriptor */
  static const alcn_option bad[] = {{"lr", ALCN_OPT_FLOAT, "-1", 0.0, 1.0, 0, NULL, "d", 0},
                                    {NULL, 0, NULL, 0, 0, 0, NULL, NULL, 0}};
  d.size = sizeof d;
  d.options = bad;
  ck_assert_int_eq(alcn_check_method_desc(&d, why, sizeof why), ALCN_ERR_ABI);
  ck_assert_ptr_nonnull(strstr(why, "lr=-1"));
  ck_assert_int_eq(alcn_check_method_desc(NULL, why, sizeof why), ALCN_ERR_ABI);
}
END_TEST

int main(void) {
  Suite *s = suite_create("loader");
  TCase *tc = tcase_create("registry");
  tcase_add_checked_fixture(tc, setup, teardown);
  tcase_add_test(tc, good_plugins_load);
  tcase_add_test(tc, bad_plugins_refused_with_file_and_reason);
  tcase_add_test(tc, ids_listed_for_messages);
  tcase_add_test(tc, short_descriptor_loads_with_defaults);
  tcase_add_test(tc, plugin_path_env_and_missing_dirs);
  suite_add_tcase(s, tc);
  TCase *tc2 = tcase_create("checks");
  tcase_add_test(tc2, descriptor_checks);
  suite_add_tcase(s, tc2);
  return tu_run_suite(s);
}
