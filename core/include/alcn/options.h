/* Declarative plugin options (plugin.h alcn_option tables): parsing into the
 * plugin's own struct, range checks, validation without a struct (the host
 * does it at plan time), and the "key=default ..." description that
 * `alcnbench list` prints. Messages name the owner ("noise alcn"), the key,
 * the value and the valid range or choices. */
#ifndef ALCN_OPTIONS_H
#define ALCN_OPTIONS_H

#include <stddef.h>

#include "alcn/export.h"
#include "alcn/plugin.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Store every option of `table` into dst (at each entry's offset): the given
 * value (last occurrence wins) or the default. ALCN_ERR_ARG naming owner and
 * key for an unknown key, a malformed item, a value that is not a number /
 * integer / choice, or one outside its range. */
ALCN_API alcn_status alcn_options_parse(const alcn_option *table, const alcn_opts *given, const char *owner,
                                        void *dst);
/* The same checks without storing anything (the host, before any cell runs). */
ALCN_API alcn_status alcn_options_validate(const alcn_option *table, const alcn_opts *given, const char *owner);
/* The table itself is well formed: names of [a-z0-9_] and unique, known
 * types, parseable in-range defaults, choices for enums (the loader refuses a
 * plugin otherwise). why[cap] receives the reason. */
ALCN_API alcn_status alcn_options_check_table(const alcn_option *table, char *why, size_t cap);
/* "lr=1e-5 beta1=0.9 alpha=batch|image ..." into buf; returns buf. */
ALCN_API const char *alcn_options_describe(const alcn_option *table, char *buf, size_t cap);
/* Name of choice `index` of an enum entry's choices ("batch|image", 1 -> "image") into buf. */
ALCN_API const char *alcn_options_choice(const alcn_option *entry, int index, char *buf, size_t cap);

#ifdef __cplusplus
}
#endif
#endif
