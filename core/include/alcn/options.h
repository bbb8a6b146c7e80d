/* Parsing of plugin options ("key=value" strings, plugin.h alcn_opts): typed
 * look-ups with defaults, and a check that refuses unknown keys and malformed
 * values naming the plugin and the key. */
#ifndef ALCN_OPTIONS_H
#define ALCN_OPTIONS_H

#include "alcn/export.h"

#include "alcn/plugin.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ALCN_ERR_ARG naming `owner` and the key when a key is not in `allowed`
 * (a space-separated list, e.g. "lr beta1 arch"). */
ALCN_API alcn_status alcn_opts_check(const alcn_opts *o, const char *owner, const char *allowed);
/* *out = value of key, or def when absent; ALCN_ERR_ARG when malformed. */
ALCN_API alcn_status alcn_opts_float(const alcn_opts *o, const char *owner, const char *key, float def, float *out);
ALCN_API alcn_status alcn_opts_int(const alcn_opts *o, const char *owner, const char *key, int def, int *out);
/* *out points into the option string (valid while o is), or def. */
ALCN_API alcn_status alcn_opts_str(const alcn_opts *o, const char *owner, const char *key, const char *def,
                          const char **out);

#ifdef __cplusplus
}
#endif
#endif
