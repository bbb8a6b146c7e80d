/* Deliberately broken plugins for the loader tests; one file, built once
 * per BAD_* variant (tests/harness/CMakeLists.txt):
 *   BAD_MAJOR     abi_major + 1             BAD_MINOR  abi_minor + 1
 *   BAD_NULL      create == NULL            BAD_NOSYM  exports no descriptor function
 *   BAD_SIZE      size too small for the required fields
 *   BAD_OPTIONS   an option table with a duplicate name and a default out of range
 *   DUP_ID        a valid noise "dupe" (built twice: the second file is refused)
 *   GOOD_NOISE    a valid noise "toynoise"
 *   SHORT_DESC    a valid noise "shortnoise" built against a shorter descriptor:
 *                 size ends after the required fields, and the memory past it
 *                 holds garbage "optional functions" that the loader must not
 *                 read (an older plugin on a newer host). */
#include <stddef.h>
#include <stdint.h>
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
#elif defined(SHORT_DESC)
#define NOISE_ID "shortnoise"
#elif defined(GOOD_NOISE)
#define NOISE_ID "toynoise"
#else
#define NOISE_ID "broken"
#endif

#ifdef BAD_OPTIONS
static const alcn_option k_options[] = {
    {"level", ALCN_OPT_FLOAT, "0.5", 0.0, 1.0, 0, NULL, "a level", 0},
    {"level", ALCN_OPT_FLOAT, "2", 0.0, 1.0, 0, NULL, "the same name again, default out of range", sizeof(float)},
    {NULL, 0, NULL, 0, 0, 0, NULL, NULL, 0},
};
#endif

#ifdef SHORT_DESC
/* The descriptor as the plugin's (older) SDK saw it, followed by what the
 * host's newer fields would read if it ignored `size`. */
static const struct {
  alcn_noise_desc d;
} k_short = {{
    .abi_major = ALCN_ABI_MAJOR,
    .abi_minor = 0,
    .size = (uint32_t)ALCN_NOISE_DESC_MIN_SIZE,
    .id = NOISE_ID,
    .summary = "loader test plugin with a short descriptor",
    .create = n_create,
    .corrupt = n_corrupt,
    .destroy = n_destroy,
    /* garbage past `size`: must never be called */
    .learn = (alcn_status(*)(void *, const float *, int, uint64_t, const alcn_denoiser *, float *))(uintptr_t)1,
    .param_count = (size_t(*)(void *))(uintptr_t)1,
}};
ALCN_EXPORT const alcn_noise_desc *alcn_noise_descriptor(uint32_t index) { return index == 0 ? &k_short.d : NULL; }
#else
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
#ifdef BAD_OPTIONS
    .options = k_options,
#endif
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
#endif /* SHORT_DESC */
