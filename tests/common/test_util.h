/* Shared helpers for the Check suites: seeded fills, error norms, a
 * central finite-difference gradient checker and temporary folders. */
#ifndef ALCN_TEST_UTIL_H
#define ALCN_TEST_UTIL_H

#include <stddef.h>
#include <stdint.h>

struct Suite;
/* Run a Check suite (forked, CK_NORMAL output); EXIT_SUCCESS when every test passed. */
int tu_run_suite(struct Suite *s);

/* x[i] ~ U[lo,hi) from the Philox stream of `seed`. */
void tu_fill_uniform(float *x, size_t n, uint64_t seed, float lo, float hi);
/* max_i |a-b| / max(|b|, floor) */
double tu_max_rel_err(const float *a, const float *b, size_t n, double floor);
double tu_max_abs_diff(const float *a, const float *b, size_t n);

/* Scalar objective f(ctx) evaluated in double; the checker perturbs x[i]. */
typedef double (*tu_objective)(void *ctx);
/* Central differences on up to max_checks entries of x (evenly strided):
 * returns max |fd - analytic| / max(|fd|, |analytic|, floor). eps is the step. */
double tu_fd_check(float *x, size_t n, const float *analytic, tu_objective f, void *ctx, float eps,
                   size_t max_checks, double floor);

/* Make a fresh folder under $TMPDIR (or /tmp); returns 0 on success. */
int tu_make_tempdir(char *buf, size_t cap, const char *tag);
/* rm -rf path (refuses paths outside /tmp or $TMPDIR). */
void tu_remove_tree(const char *path);

#endif
