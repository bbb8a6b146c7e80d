/* Suite "cuda_runtime": device detection and the --device cuda|auto
 * behaviour. Runs everywhere: without a GPU (or without CUDA in the build)
 * it checks the one-line refusal and the CPU fallback of "auto"; with a GPU
 * it checks that the CUDA backend is created and picked by "auto", and its
 * CUDA-event timer slots. */
#define _POSIX_C_SOURCE 200809L
#include <check.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "alcn/backend.h"

static double host_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return 1e3 * (double)ts.tv_sec + 1e-6 * (double)ts.tv_nsec;
}

/* CUDA-event timer slots: the span of a large fill is positive and no longer
 * than the host's wall time around mark + elapsed (which waits); an empty
 * span is ~0; bad and unmarked slots are refused. */
static void check_cuda_timer(alcn_backend *be) {
  const size_t n = (size_t)64 << 20; /* 256 MiB of normals */
  float *buf = (float *)alcn_backend_alloc(be, n * sizeof(float));
  ck_assert_ptr_nonnull(buf);
  double ms = -1.0, empty = -1.0;
  ck_assert_int_eq(alcn_timer_elapsed_ms(be, 0, 1, &ms), ALCN_ERR_ARG); /* nothing marked yet */
  ck_assert_int_eq(alcn_sync(be), ALCN_OK);
  const double t0 = host_ms();
  ck_assert_int_eq(alcn_timer_mark(be, 0), ALCN_OK);
  ck_assert_int_eq(alcn_fill_normal(be, buf, n, 7, 0, 0.0f, 1.0f), ALCN_OK);
  ck_assert_int_eq(alcn_timer_mark(be, 1), ALCN_OK);
  ck_assert_int_eq(alcn_timer_elapsed_ms(be, 0, 1, &ms), ALCN_OK);
  const double wall = host_ms() - t0;
  printf("cuda timer: fill of %zu floats %.3f ms (host wall %.3f ms)\n", n, ms, wall);
  ck_assert_double_gt(ms, 0.0);
  ck_assert_double_le(ms, wall + 0.5); /* events have ~0.5 us resolution */
  ck_assert_int_eq(alcn_timer_mark(be, 2), ALCN_OK);
  ck_assert_int_eq(alcn_timer_mark(be, 3), ALCN_OK);
  ck_assert_int_eq(alcn_timer_elapsed_ms(be, 2, 3, &empty), ALCN_OK);
  ck_assert_double_lt(empty, 0.5);
  ck_assert_int_eq(alcn_timer_mark(be, ALCN_TIMER_SLOTS), ALCN_ERR_ARG);
  alcn_backend_free(be, buf);
}

START_TEST(test_detection_and_selection) {
  char why[256] = "unset";
  const int have = alcn_cuda_available(why, sizeof why);
  printf("alcn_cuda_available: %d (%s)\n", have, have ? "GPU present" : why);
  alcn_backend *be = (alcn_backend *)0x1;
  if (!have) {
    ck_assert_msg(strlen(why) > 10 && strchr(why, '\n') == NULL, "reason must be one clear line: '%s'", why);
    alcn_status st = alcn_backend_cuda_create(&be, 0);
    ck_assert_ptr_null(be);
    ck_assert_msg(st == ALCN_ERR_DEVICE || st == ALCN_ERR_UNSUPPORTED, "status %d", (int)st);
    ck_assert_msg(strchr(alcn_last_error(), '\n') == NULL, "one line: '%s'", alcn_last_error());
    ck_assert_ptr_nonnull(strstr(alcn_last_error(), "--device cpu"));
    st = alcn_backend_create(&be, "cuda", 1, 1);
    ck_assert_int_eq(st, ALCN_ERR_DEVICE);
    ck_assert_ptr_null(be);
    ck_assert_msg(strchr(alcn_last_error(), '\n') == NULL, "one line: '%s'", alcn_last_error());
    ck_assert_int_eq(alcn_backend_create(&be, "auto", 1, 1), ALCN_OK);
    ck_assert_str_eq(alcn_backend_name(be), "cpu");
    alcn_backend_destroy(be);
    /* a NULL reason buffer is allowed */
    ck_assert_int_eq(alcn_cuda_available(NULL, 0), 0);
  } else {
    ck_assert_int_eq(alcn_backend_cuda_create(&be, 0), ALCN_OK);
    ck_assert_str_eq(alcn_backend_name(be), "cuda");
    ck_assert_int_eq(alcn_backend_device(be), ALCN_DEVICE_CUDA);
    ck_assert_int_eq(strncmp(alcn_backend_description(be), "cuda: ", 6), 0);
    printf("%s\n", alcn_backend_description(be));
    check_cuda_timer(be);
    alcn_backend_destroy(be);
    ck_assert_int_eq(alcn_backend_cuda_create(&be, 1000), ALCN_ERR_ARG);
    ck_assert_ptr_null(be);
    ck_assert_int_eq(alcn_backend_create(&be, "auto", 1, 1), ALCN_OK);
    ck_assert_str_eq(alcn_backend_name(be), "cuda");
    alcn_backend_destroy(be);
  }
}
END_TEST

int main(void) {
  Suite *s = suite_create("cuda_runtime");
  TCase *tc = tcase_create("device");
  tcase_add_test(tc, test_detection_and_selection);
  suite_add_tcase(s, tc);
  SRunner *sr = srunner_create(s);
  srunner_set_fork_status(sr, CK_NOFORK); /* a CUDA context does not survive fork() */
  srunner_run_all(sr, CK_NORMAL);
  const int failed = srunner_ntests_failed(sr);
  srunner_free(sr);
  return failed == 0 ? 0 : 1;
}
