/* Deliberately broken plugins for the loader tests; one file, built once
 * per BAD_* variant (tests/harness/CMakeLists.txt):
 *   BAD_MAJOR     abi_major + 1             BAD_MINOR  abi_minor + 1
 *   BAD_NULL      create == NULL            BAD_NOSYM  exports no descriptor function
 *   BAD_SIZE      size smaller than the v1.0 descriptor
 *   DUP_ID        a valid noise "dupe" (built twice: the second file is refused)
 *   GOOD_NOISE    a valid noise "toynoise" */
#include <stddef.h>
#include <string.h>

#include "alcn/plugin.h"

#ifndef BAD_NULL
static alcn_status n_create(const alcn_noise_config *cfg, alcn_ctx *ctx, void **state) {
  (void)cfg, (void)ctx;
  *state = NULL;
  return ALCN_OK;
}
#endif
static alcn_status n_corrupt(void *state, const float *x, int n, uint64_t step, float *x_tilde, float *noise_out) {
  (void)state, (void)x, (void)n, (void)step, (void)x_tilde, (void)noise_out;
  return ALCN_OK;
}
static void n_destroy(void *state) { (void)state; }

#if defined(DUP_ID)
#define NOISE_ID "dupe"
#elif defined(GOOD_NOISE)
#define NOISE_ID "toynoise"
#else
#define NOISE_ID "broken"
#endif

static const alcn_noise_desc k_desc = {
#ifdef BAD_MAJOR
    .abi_major = ALCN_ABI_MAJOR + 1,
#else
    .abi_major = ALCN_ABI_MAJOR,
#endif
#ifdef BAD_MINOR
    .abi_minor = ALCN_ABI_MINOR + 1,
#else
    .abi_minor = ALCN_ABI_MINOR,
#endif
#ifdef BAD_SIZE
    .size = offsetof(alcn_noise_desc, destroy),
#else
    .size = sizeof(alcn_noise_desc),
#endif
    .id = NOISE_ID,
    .summary = "loader test plugin",
    .defaults = "",
#ifdef BAD_NULL
    .create = NULL,
#else
    .create = n_create,
#endif
    .corrupt = n_corrupt,
    .destroy = n_destroy,
};

#ifdef BAD_NOSYM
ALCN_EXPORT const alcn_noise_desc *alcn_noise_descriptor_misspelt(uint32_t index) {
  return index == 0 ? &k_desc : NULL;
}
#else
ALCN_EXPORT const alcn_noise_desc *alcn_noise_descriptor(uint32_t index) { return index == 0 ? &k_desc : NULL; }
#endif
