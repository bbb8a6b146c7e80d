/* Suite "timer": the backend timer slots (timer_mark / timer_elapsed_ms) that
 * `alcnbench table5` times with, on the CPU backend: a mark pair around a
 * known sleep measures it, the op order is kept, bad slots and unmarked slots
 * are refused with a message. (The CUDA events are checked in cuda_runtime.) */
#define _POSIX_C_SOURCE 200809L
#include <check.h>
#include <string.h>
#include <time.h>

#include "alcn/backend.h"
#include "test_util.h"

static alcn_backend *be;

static void setup(void) { ck_assert_int_eq(alcn_backend_cpu_create(&be, 1), ALCN_OK); }
static void teardown(void) { alcn_backend_destroy(be); }

static void sleep_ms(long ms) {
  struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
  while (nanosleep(&ts, &ts) != 0) {
  }
}

START_TEST(test_measures_a_sleep) {
  double ms = -1.0;
  ck_assert_int_eq(alcn_timer_mark(be, 0), ALCN_OK);
  sleep_ms(30);
  ck_assert_int_eq(alcn_timer_mark(be, 1), ALCN_OK);
  ck_assert_int_eq(alcn_timer_elapsed_ms(be, 0, 1, &ms), ALCN_OK);
  ck_assert_double_ge(ms, 29.9); /* nanosleep never returns early */
  ck_assert_double_lt(ms, 30.0 + 5000.0);
  /* a later mark in another slot: the three marks are ordered */
  sleep_ms(5);
  ck_assert_int_eq(alcn_timer_mark(be, 3), ALCN_OK);
  double a = 0.0, b = 0.0, zero = -1.0;
  ck_assert_int_eq(alcn_timer_elapsed_ms(be, 1, 3, &a), ALCN_OK);
  ck_assert_int_eq(alcn_timer_elapsed_ms(be, 0, 3, &b), ALCN_OK);
  ck_assert_double_ge(a, 4.9);
  ck_assert_double_eq_tol(b, ms + a, 1e-9);
  ck_assert_int_eq(alcn_timer_elapsed_ms(be, 3, 3, &zero), ALCN_OK);
  ck_assert_double_eq(zero, 0.0);
}
END_TEST

START_TEST(test_refuses_bad_slots) {
  double ms = 0.0;
  ck_assert_int_eq(alcn_timer_mark(be, ALCN_TIMER_SLOTS), ALCN_ERR_ARG);
  ck_assert_ptr_nonnull(strstr(alcn_last_error(), "timer slot"));
  ck_assert_int_eq(alcn_timer_mark(be, -1), ALCN_ERR_ARG);
  ck_assert_int_eq(alcn_timer_mark(be, 0), ALCN_OK);
  ck_assert_int_eq(alcn_timer_elapsed_ms(be, 0, 2, &ms), ALCN_ERR_ARG); /* slot 2 never marked */
  ck_assert_ptr_nonnull(strstr(alcn_last_error(), "slot 2 has not been marked"));
  ck_assert_int_eq(alcn_timer_elapsed_ms(be, 0, ALCN_TIMER_SLOTS, &ms), ALCN_ERR_ARG);
}
END_TEST

int main(void) {
  Suite *s = suite_create("timer");
  TCase *tc = tcase_create("cpu");
  tcase_add_checked_fixture(tc, setup, teardown);
  tcase_add_test(tc, test_measures_a_sleep);
  tcase_add_test(tc, test_refuses_bad_slots);
  suite_add_tcase(s, tc);
  return tu_run_suite(s);
}
