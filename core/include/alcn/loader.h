/* The plugin loader: dlopen every "*.so" in the plugin folders, read their
 * method and noise descriptors (plugin.h), check them against this host's
 * ABI, and keep a registry of the accepted ones by id.
 *
 * Folders searched, in order (the first to provide an id wins):
 *   1. $ALCN_PLUGIN_DIR, else alcn_plugin_default_dir(): the installed
 *      <libdir>/alcnbench/plugins beside libalcn_host (found from the library's
 *      own path, so a moved prefix works), else the build's <build>/plugins;
 *   2. every folder of $ALCN_PLUGIN_PATH (colon-separated);
 *   3. the extra folders the caller passes (--plugin-path).
 * A folder that does not exist is skipped (listed in dirs with a note).
 *
 * Descriptors are read up to their `size` into host-owned copies: fields a
 * plugin's (older) SDK did not have take their defaults (NULL, 0; label = id).
 *
 * A plugin is refused, as a whole file, with a reason naming the file when:
 * it does not dlopen; it exports neither alcn_method_descriptor nor
 * alcn_noise_descriptor; a descriptor has abi_major != ALCN_ABI_MAJOR, an
 * abi_minor newer than ALCN_ABI_MINOR, a size too small for its required
 * fields, a NULL id/summary/required function, an id outside [a-z0-9_-], a
 * malformed option table; or an id that an earlier file already provides. Loading goes on with the
 * other files; refusals are kept in the registry (and printed as warnings
 * unless quiet). The same file reached twice (same real path) is read once. */
#ifndef ALCN_LOADER_H
#define ALCN_LOADER_H

#include "alcn/plugin.h"
#include "alcn/status.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct alcn_loaded_method {
  const alcn_method_desc *desc;
  const char *file;      /* path of the .so (owned by the registry) */
} alcn_loaded_method;

typedef struct alcn_loaded_noise {
  const alcn_noise_desc *desc;
  const char *file;
} alcn_loaded_noise;

typedef struct alcn_plugin_refusal {
  char *file;            /* path of the refused .so */
  char *reason;          /* one line */
} alcn_plugin_refusal;

typedef struct alcn_registry {
  int n_methods, n_noises, n_refused, n_files, n_dirs;
  alcn_loaded_method *methods;
  alcn_loaded_noise *noises;
  alcn_plugin_refusal *refused;
  char **files;          /* accepted .so paths (n_files) */
  void **handles;        /* their dlopen handles */
  char **dirs;           /* folders searched, "path" or "path (missing)" */
  int n_desc_blocks;
  void **desc_blocks;    /* the host-owned descriptor copies */
} alcn_registry;

/* The default plugin folder: installed beside this library, else the build's. */
const char *alcn_plugin_default_dir(void);

/* Fill *reg (zeroed first). extra_dirs[0..n_extra) are searched last.
 * Refusals are not errors: the call returns ALCN_OK with them in
 * reg->refused; errors are out-of-memory only. quiet = 0 prints one
 * "warning: plugin FILE refused: REASON" line per refusal on stderr.
 * Release with alcn_registry_free (which dlcloses the plugins: descriptors
 * are invalid afterwards). */
alcn_status alcn_registry_load(alcn_registry *reg, const char *const *extra_dirs, int n_extra, int quiet);
void alcn_registry_free(alcn_registry *reg);

/* Look-ups by id; NULL when absent. *file (may be NULL) receives the path. */
const alcn_method_desc *alcn_registry_method(const alcn_registry *reg, const char *id, const char **file);
const alcn_noise_desc *alcn_registry_noise(const alcn_registry *reg, const char *id, const char **file);

/* "a, b, c" of the method / noise ids into buf (for "valid: ..." messages). */
const char *alcn_registry_method_ids(const alcn_registry *reg, char *buf, size_t cap);
const char *alcn_registry_noise_ids(const alcn_registry *reg, char *buf, size_t cap);

/* Read descriptor d (up to its size) into *out with the defaults filled in
 * and check it: ALCN_OK, or ALCN_ERR_ABI with the reason in why[cap]. */
alcn_status alcn_read_method_desc(const alcn_method_desc *d, alcn_method_desc *out, char *why, size_t cap);
alcn_status alcn_read_noise_desc(const alcn_noise_desc *d, alcn_noise_desc *out, char *why, size_t cap);
/* The checks above for one descriptor, exposed for tests: ALCN_OK, or
 * ALCN_ERR_ABI with the reason in why[cap]. */
alcn_status alcn_check_method_desc(const alcn_method_desc *d, char *why, size_t cap);
alcn_status alcn_check_noise_desc(const alcn_noise_desc *d, char *why, size_t cap);

#ifdef __cplusplus
}
#endif
#endif
