/* Check suite for the command-line parser of every alcnbench subcommand
 * (core/src/args.c, alcn/args.h): flags by table, --name=value, short flags,
 * --help, positionals, "did you mean" for unknown flags, missing values,
 * exit codes by status, and user-facing messages without call frames. */
#define _POSIX_C_SOURCE 200809L
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "alcn/args.h"
#include "alcn/labels.h"

enum { A_EPOCHS, A_OUT, A_QUIET, A_DEVICE };
static const alcn_argspec SPECS[] = {{"epochs", "N", "epochs", A_EPOCHS, 0},
                                     {"out", "DIR", "results folder", A_OUT, 'o'},
                                     {"quiet", NULL, "no progress", A_QUIET, 'q'},
                                     {"device", "D", "cpu|cuda", A_DEVICE, 0},
                                     {NULL, NULL, NULL, 0, 0}};

START_TEST(test_flags_values_positionals) {
  char *argv[] = {"prog", "--epochs", "3", "--out=res", "-q", "dir1", "-o", "r2", "--", "--quiet", NULL};
  alcn_args a;
  alcn_args_init(&a, "alcnbench x", SPECS, 10, argv, 1);
  ck_assert_int_eq(alcn_args_next(&a), A_EPOCHS);
  long n = 0;
  ck_assert_int_eq(alcn_args_long(&a, 1, 10, &n), ALCN_OK);
  ck_assert_int_eq(n, 3);
  ck_assert_int_eq(alcn_args_next(&a), A_OUT);
  ck_assert_str_eq(a.value, "res");
  ck_assert_int_eq(alcn_args_next(&a), A_QUIET);
  ck_assert_ptr_null(a.value);
  ck_assert_int_eq(alcn_args_next(&a), ALCN_ARGS_POSITIONAL);
  ck_assert_str_eq(a.value, "dir1");
  ck_assert_int_eq(alcn_args_next(&a), A_OUT);
  ck_assert_str_eq(a.value, "r2");
  ck_assert_int_eq(alcn_args_next(&a), ALCN_ARGS_POSITIONAL); /* after "--" a flag is a word */
  ck_assert_str_eq(a.value, "--quiet");
  ck_assert_int_eq(alcn_args_next(&a), ALCN_ARGS_END);
}
END_TEST

START_TEST(test_unknown_suggests) {
  char *argv[] = {"prog", "--epoch", "3", NULL};
  alcn_args a;
  alcn_args_init(&a, "alcnbench run", SPECS, 3, argv, 1);
  ck_assert_int_eq(alcn_args_next(&a), ALCN_ARGS_ERROR);
  ck_assert_int_eq(alcn_last_status(), ALCN_ERR_ARG);
  ck_assert_ptr_nonnull(strstr(alcn_last_error(), "unknown option '--epoch' (did you mean --epochs?)"));
  ck_assert_int_eq(alcn_exit_code(alcn_last_status()), ALCN_EXIT_USAGE);
  /* nothing close: no suggestion */
  char *argv2[] = {"prog", "--zzzzzzzz", NULL};
  alcn_args_init(&a, "alcnbench run", SPECS, 2, argv2, 1);
  ck_assert_int_eq(alcn_args_next(&a), ALCN_ARGS_ERROR);
  ck_assert_ptr_null(strstr(alcn_last_error(), "did you mean"));
  ck_assert_str_eq(alcn_args_suggest_spec("devcie", SPECS), "device");
  ck_assert_str_eq(alcn_args_suggest_spec("quite", SPECS), "quiet");
}
END_TEST

START_TEST(test_missing_value_and_bad_numbers) {
  char *argv[] = {"prog", "--epochs", NULL};
  alcn_args a;
  alcn_args_init(&a, "p", SPECS, 2, argv, 1);
  ck_assert_int_eq(alcn_args_next(&a), ALCN_ARGS_ERROR);
  ck_assert_ptr_nonnull(strstr(alcn_last_error(), "--epochs needs a value"));
  char *argv2[] = {"prog", "--epochs", "x1", "--quiet=1", "--device", "tpu", NULL};
  alcn_args_init(&a, "p", SPECS, 6, argv2, 1);
  ck_assert_int_eq(alcn_args_next(&a), A_EPOCHS);
  long n;
  ck_assert_int_eq(alcn_args_long(&a, 1, 10, &n), ALCN_ERR_ARG);
  ck_assert_ptr_nonnull(strstr(alcn_last_error(), "--epochs: 'x1' is not an integer"));
  ck_assert_int_eq(alcn_args_next(&a), ALCN_ARGS_ERROR); /* a switch given a value */
  ck_assert_int_eq(alcn_args_next(&a), A_DEVICE);
  ck_assert_int_eq(alcn_args_choice(&a, "cpu|cuda|auto"), ALCN_ERR_ARG);
}
END_TEST

START_TEST(test_help_anywhere) {
  char *argv[] = {"prog", "--epochs", "2", "--help", NULL};
  alcn_args a;
  alcn_args_init(&a, "p", SPECS, 4, argv, 1);
  ck_assert_int_eq(alcn_args_next(&a), A_EPOCHS);
  ck_assert_int_eq(alcn_args_next(&a), ALCN_ARGS_HELP);
  char *argv2[] = {"prog", "-h", NULL};
  alcn_args_init(&a, "p", SPECS, 2, argv2, 1);
  ck_assert_int_eq(alcn_args_next(&a), ALCN_ARGS_HELP);
}
END_TEST

START_TEST(test_exit_codes) {
  ck_assert_int_eq(alcn_exit_code(ALCN_OK), 0);
  ck_assert_int_eq(alcn_exit_code(ALCN_ERR_ARG), 2);
  ck_assert_int_eq(alcn_exit_code(ALCN_ERR_NOT_FOUND), 2);
  ck_assert_int_eq(alcn_exit_code(ALCN_ERR_IO), 1);
  ck_assert_int_eq(alcn_exit_code(ALCN_ERR_FORMAT), 1);
  ck_assert_int_eq(alcn_exit_code(ALCN_ERR_NOMEM), 1);
}
END_TEST

START_TEST(test_messages_without_frames) {
  unsetenv("ALCN_VERBOSE");
  alcn_error_at("/src/datasets/src/dataset.c", 62, ALCN_ERR_IO, "data set root /x is not a folder (hint: check --root)");
  alcn_error_trace("/src/datasets/src/dataset.c", 162, "resolve(name, opts, &o, &set)");
  alcn_error_trace("/src/bench/plan.c", 155, "alcn_dataset_classes(...)");
  char buf[512];
  ck_assert_str_eq(alcn_error_for_user(buf, sizeof buf), "data set root /x is not a folder (hint: check --root)");
  /* a config file's own file:line stays (it is not one of our sources) */
  alcn_error_at("config.c", 10, ALCN_ERR_ARG, "plan.ini:4: unknown key 'epoch'");
  ck_assert_str_eq(alcn_error_for_user(buf, sizeof buf), "plan.ini:4: unknown key 'epoch'");
  /* --verbose keeps everything */
  char *argv[] = {"prog", "run", "--verbose", "--epochs", "1", NULL};
  int argc = 5;
  ck_assert_int_eq(alcn_args_take_verbose(&argc, argv), 1);
  ck_assert_int_eq(argc, 4);
  ck_assert_str_eq(argv[2], "--epochs");
  ck_assert_int_eq(alcn_args_verbose(), 1);
  alcn_error_at("x/record.c", 5, ALCN_ERR_IO, "disk full");
  alcn_error_trace("x/run.c", 9, "write()");
  ck_assert_str_eq(alcn_error_for_user(buf, sizeof buf), "record.c:5: disk full\n  from run.c:9: write()");
}
END_TEST

START_TEST(test_label_compose) {
  char l[64];
  alcn_label_compose(l, sizeof l, "DAE", "alcn", "ALCN");
  ck_assert_str_eq(l, "DAE+ALCN");
  alcn_label_compose(l, sizeof l, "DAE", "none", "none");
  ck_assert_str_eq(l, "DAE");
  alcn_label_compose(l, sizeof l, "GANomaly", "none", NULL);
  ck_assert_str_eq(l, "GANomaly");
  alcn_label_compose(l, sizeof l, NULL, "", NULL);
  ck_assert_str_eq(l, "?");
}
END_TEST

int main(void) {
  Suite *s = suite_create("args");
  TCase *tc = tcase_create("core");
  tcase_add_test(tc, test_flags_values_positionals);
  tcase_add_test(tc, test_unknown_suggests);
  tcase_add_test(tc, test_missing_value_and_bad_numbers);
  tcase_add_test(tc, test_help_anywhere);
  tcase_add_test(tc, test_exit_codes);
  tcase_add_test(tc, test_messages_without_frames);
  tcase_add_test(tc, test_label_compose);
  suite_add_tcase(s, tc);
  SRunner *sr = srunner_create(s);
  srunner_set_fork_status(sr, CK_NOFORK);
  srunner_run_all(sr, CK_NORMAL);
  int failed = srunner_ntests_failed(sr);
  srunner_free(sr);
  return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
