/* The plugin loader (loader.h): folder scan, dlopen, descriptor checks,
 * registry by id, refusals with the file and the reason. */
#define _GNU_SOURCE /* dladdr, realpath, strdup */
#include "alcn/loader.h"

#include "alcn/options.h"

#include <dirent.h>
#include <dlfcn.h>
#include <limits.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#ifndef ALCN_DEFAULT_PLUGIN_DIR
#define ALCN_DEFAULT_PLUGIN_DIR "plugins"
#endif

/* Descriptors read at most this many entries per plugin (a runaway index loop guard). */
#define MAX_DESCS 256

/* The installed layout: this library is <prefix>/<libdir>/libalcn_host.so
 * and the plugins are in <prefix>/<libdir>/alcnbench/plugins, wherever the
 * prefix was moved to. The build tree has no such folder: its plugins are in
 * the compile-time ALCN_DEFAULT_PLUGIN_DIR. */
const char *alcn_plugin_default_dir(void) {
  static char dir[PATH_MAX];
  Dl_info info;
  if (dladdr((void *)alcn_plugin_default_dir, &info) && info.dli_fname) {
    char lib[PATH_MAX];
    if (realpath(info.dli_fname, lib)) {
      char *slash = strrchr(lib, '/');
      if (slash) {
        *slash = '\0';
        struct stat st;
        if (snprintf(dir, sizeof dir, "%s/alcnbench/plugins", lib) < (int)sizeof dir && stat(dir, &st) == 0 &&
            S_ISDIR(st.st_mode))
          return dir;
      }
    }
  }
  return ALCN_DEFAULT_PLUGIN_DIR;
}

/* ------------------------------------------------------------------ checks */

static int id_ok(const char *id) {
  if (!id || !*id) return 0;
  for (const char *p = id; *p; ++p)
    if (!((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || *p == '_' || *p == '-')) return 0;
  return strlen(id) < 64;
}

static alcn_status why_fail(char *why, size_t cap, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  if (why && cap) vsnprintf(why, cap, fmt, ap);
  va_end(ap);
  return ALCN_ERR_ABI;
}

/* abi_major / abi_minor / size / id / summary / options, common to both
 * descriptor kinds. min = bytes up to the last required field. */
static alcn_status check_head(uint32_t major, uint32_t minor, uint32_t size, size_t min, const char *id,
                              const char *summary, const alcn_option *options, char *why, size_t cap) {
  if (major != ALCN_ABI_MAJOR)
    return why_fail(why, cap, "abi_major %u, this host needs %d (hint: rebuild the plugin against this SDK)",
                    (unsigned)major, ALCN_ABI_MAJOR);
  if (minor > ALCN_ABI_MINOR)
    return why_fail(why, cap, "abi_minor %u is newer than this host's %d.%d (hint: update alcnbench)",
                    (unsigned)minor, ALCN_ABI_MAJOR, ALCN_ABI_MINOR);
  if (size < min)
    return why_fail(why, cap, "descriptor size %u is smaller than its required fields (%zu bytes in ABI %d.%d)",
                    (unsigned)size, min, ALCN_ABI_MAJOR, ALCN_ABI_MINOR);
  if (!id) return why_fail(why, cap, "id is NULL");
  if (!id_ok(id)) return why_fail(why, cap, "id '%.64s' is not of [a-z0-9_-] (1..63 characters)", id);
  if (!summary) return why_fail(why, cap, "'%s': summary is NULL", id);
  char w[300];
  if (options && alcn_options_check_table(options, w, sizeof w) != ALCN_OK)
    return why_fail(why, cap, "'%s': %s", id, w);
  return ALCN_OK;
}

/* The host's view of a plugin's descriptor: the first `size` bytes (at most
 * the host's own size), the rest zero = every later field at its default. */
static void read_sized(void *dst, size_t host_size, const void *src, uint32_t size) {
  memset(dst, 0, host_size);
  memcpy(dst, src, size < host_size ? size : host_size);
}

alcn_status alcn_read_method_desc(const alcn_method_desc *d, alcn_method_desc *out, char *why, size_t cap) {
  if (!d) return why_fail(why, cap, "descriptor is NULL");
  if (d->abi_major != ALCN_ABI_MAJOR || d->size < ALCN_METHOD_DESC_MIN_SIZE)
    return check_head(d->abi_major, d->abi_minor, d->size, ALCN_METHOD_DESC_MIN_SIZE, NULL, NULL, NULL, why, cap);
  read_sized(out, sizeof *out, d, d->size);
  alcn_status s = check_head(out->abi_major, out->abi_minor, out->size, ALCN_METHOD_DESC_MIN_SIZE, out->id,
                             out->summary, out->options, why, cap);
  if (s != ALCN_OK) return s;
  const char *missing = !out->create        ? "create"
                        : !out->train_step  ? "train_step"
                        : !out->score       ? "score"
                        : !out->param_count ? "param_count"
                        : !out->destroy     ? "destroy"
                                            : NULL;
  if (missing) return why_fail(why, cap, "method '%s': required function %s is NULL", out->id, missing);
  if (!out->label) out->label = out->id;
  return ALCN_OK;
}

alcn_status alcn_read_noise_desc(const alcn_noise_desc *d, alcn_noise_desc *out, char *why, size_t cap) {
  if (!d) return why_fail(why, cap, "descriptor is NULL");
  if (d->abi_major != ALCN_ABI_MAJOR || d->size < ALCN_NOISE_DESC_MIN_SIZE)
    return check_head(d->abi_major, d->abi_minor, d->size, ALCN_NOISE_DESC_MIN_SIZE, NULL, NULL, NULL, why, cap);
  read_sized(out, sizeof *out, d, d->size);
  alcn_status s = check_head(out->abi_major, out->abi_minor, out->size, ALCN_NOISE_DESC_MIN_SIZE, out->id,
                             out->summary, out->options, why, cap);
  if (s != ALCN_OK) return s;
  const char *missing = !out->create ? "create" : !out->corrupt ? "corrupt" : !out->destroy ? "destroy" : NULL;
  if (missing) return why_fail(why, cap, "noise '%s': required function %s is NULL", out->id, missing);
  if (!out->label) out->label = out->id;
  return ALCN_OK;
}

alcn_status alcn_check_method_desc(const alcn_method_desc *d, char *why, size_t cap) {
  alcn_method_desc tmp;
  return alcn_read_method_desc(d, &tmp, why, cap);
}

alcn_status alcn_check_noise_desc(const alcn_noise_desc *d, char *why, size_t cap) {
  alcn_noise_desc tmp;
  return alcn_read_noise_desc(d, &tmp, why, cap);
}

/* ---------------------------------------------------------------- registry */

#define GROW(arr, n, type)                                                    \
  do {                                                                        \
    type *g_ = realloc((arr), sizeof(type) * (size_t)((n) + 1));              \
    if (!g_) ALCN_FAIL(ALCN_ERR_NOMEM, "out of host memory in the plugin loader"); \
    (arr) = g_;                                                               \
  } while (0)

static alcn_status add_str(char ***arr, int *n, const char *s) {
  GROW(*arr, *n, char *);
  char *c = strdup(s);
  if (!c) ALCN_FAIL(ALCN_ERR_NOMEM, "out of host memory in the plugin loader");
  (*arr)[(*n)++] = c;
  return ALCN_OK;
}

static alcn_status refuse(alcn_registry *reg, const char *file, const char *reason, int quiet) {
  if (!quiet) fprintf(stderr, "warning: plugin %s refused: %s\n", file, reason);
  GROW(reg->refused, reg->n_refused, alcn_plugin_refusal);
  alcn_plugin_refusal *r = &reg->refused[reg->n_refused];
  r->file = strdup(file);
  r->reason = strdup(reason);
  if (!r->file || !r->reason) {
    free(r->file);
    free(r->reason);
    ALCN_FAIL(ALCN_ERR_NOMEM, "out of host memory in the plugin loader");
  }
  reg->n_refused++;
  return ALCN_OK;
}

const alcn_method_desc *alcn_registry_method(const alcn_registry *reg, const char *id, const char **file) {
  for (int i = 0; reg && id && i < reg->n_methods; ++i)
    if (strcmp(reg->methods[i].desc->id, id) == 0) {
      if (file) *file = reg->methods[i].file;
      return reg->methods[i].desc;
    }
  return NULL;
}

const alcn_noise_desc *alcn_registry_noise(const alcn_registry *reg, const char *id, const char **file) {
  for (int i = 0; reg && id && i < reg->n_noises; ++i)
    if (strcmp(reg->noises[i].desc->id, id) == 0) {
      if (file) *file = reg->noises[i].file;
      return reg->noises[i].desc;
    }
  return NULL;
}

static const char *join_ids(char *buf, size_t cap, int n, const char *(*get)(const alcn_registry *, int),
                            const alcn_registry *reg) {
  if (!cap) return buf;
  buf[0] = '\0';
  size_t len = 0;
  for (int i = 0; i < n; ++i) {
    int w = snprintf(buf + len, cap - len, "%s%s", i ? ", " : "", get(reg, i));
    if (w < 0 || (size_t)w >= cap - len) break;
    len += (size_t)w;
  }
  if (n == 0) snprintf(buf, cap, "(none loaded)");
  return buf;
}
static const char *method_id_at(const alcn_registry *r, int i) { return r->methods[i].desc->id; }
static const char *noise_id_at(const alcn_registry *r, int i) { return r->noises[i].desc->id; }

const char *alcn_registry_method_ids(const alcn_registry *reg, char *buf, size_t cap) {
  return join_ids(buf, cap, reg ? reg->n_methods : 0, method_id_at, reg);
}
const char *alcn_registry_noise_ids(const alcn_registry *reg, char *buf, size_t cap) {
  return join_ids(buf, cap, reg ? reg->n_noises : 0, noise_id_at, reg);
}

/* One .so: open, read and check every descriptor, then accept all of them or
 * refuse the whole file. */
static alcn_status load_file(alcn_registry *reg, const char *path, int quiet) {
  char why[512];
  dlerror();
  void *h = dlopen(path, RTLD_NOW | RTLD_LOCAL);
  if (!h) {
    const char *e = dlerror();
    snprintf(why, sizeof why, "dlopen failed: %s", e ? e : "unknown error");
    return refuse(reg, path, why, quiet);
  }
  alcn_method_descriptor_fn mf = NULL;
  alcn_noise_descriptor_fn nf = NULL;
  /* POSIX dlsym returns void *; going through memcpy keeps -Wpedantic quiet. */
  void *sym = dlsym(h, "alcn_method_descriptor");
  if (sym) memcpy(&mf, &sym, sizeof mf);
  sym = dlsym(h, "alcn_noise_descriptor");
  if (sym) memcpy(&nf, &sym, sizeof nf);
  if (!mf && !nf) {
    dlclose(h);
    return refuse(reg, path, "missing symbol: exports neither alcn_method_descriptor nor alcn_noise_descriptor",
                  quiet);
  }
  alcn_method_desc *md = calloc(MAX_DESCS, sizeof *md);
  alcn_noise_desc *nd = calloc(MAX_DESCS, sizeof *nd);
  if (!md || !nd) {
    free(md);
    free(nd);
    dlclose(h);
    ALCN_FAIL(ALCN_ERR_NOMEM, "out of host memory in the plugin loader");
  }
  int nm = 0, nn = 0;
  why[0] = '\0';
  int bad = 0;
  for (uint32_t i = 0; mf && !bad && i < MAX_DESCS; ++i) {
    const alcn_method_desc *raw = mf(i);
    if (!raw) break;
    char w[400];
    const alcn_method_desc *d = &md[nm];
    if (alcn_read_method_desc(raw, &md[nm], w, sizeof w) != ALCN_OK) {
      snprintf(why, sizeof why, "method descriptor %u: %s", (unsigned)i, w);
      bad = 1;
    } else if (alcn_registry_method(reg, d->id, NULL)) {
      const char *other = NULL;
      alcn_registry_method(reg, d->id, &other);
      snprintf(why, sizeof why, "duplicate method id '%s' (already provided by %s)", d->id, other);
      bad = 1;
    } else {
      for (int j = 0; j < nm; ++j)
        if (strcmp(md[j].id, d->id) == 0) {
          snprintf(why, sizeof why, "method id '%s' appears twice in this file", d->id);
          bad = 1;
        }
      nm++;
    }
  }
  for (uint32_t i = 0; nf && !bad && i < MAX_DESCS; ++i) {
    const alcn_noise_desc *raw = nf(i);
    if (!raw) break;
    char w[400];
    const alcn_noise_desc *d = &nd[nn];
    if (alcn_read_noise_desc(raw, &nd[nn], w, sizeof w) != ALCN_OK) {
      snprintf(why, sizeof why, "noise descriptor %u: %s", (unsigned)i, w);
      bad = 1;
    } else if (alcn_registry_noise(reg, d->id, NULL)) {
      const char *other = NULL;
      alcn_registry_noise(reg, d->id, &other);
      snprintf(why, sizeof why, "duplicate noise id '%s' (already provided by %s)", d->id, other);
      bad = 1;
    } else {
      for (int j = 0; j < nn; ++j)
        if (strcmp(nd[j].id, d->id) == 0) {
          snprintf(why, sizeof why, "noise id '%s' appears twice in this file", d->id);
          bad = 1;
        }
      nn++;
    }
  }
  if (!bad && nm == 0 && nn == 0) {
    snprintf(why, sizeof why, "its descriptor functions return no descriptor (NULL at index 0)");
    bad = 1;
  }
  if (bad) {
    free(md);
    free(nd);
    dlclose(h);
    return refuse(reg, path, why, quiet);
  }
  GROW(reg->handles, reg->n_files, void *);
  reg->handles[reg->n_files] = h;
  ALCN_CHECK(add_str(&reg->files, &reg->n_files, path));
  const char *file = reg->files[reg->n_files - 1];
  /* the host-owned copies, one allocation per file (freed with the registry) */
  GROW(reg->desc_blocks, reg->n_desc_blocks, void *);
  reg->desc_blocks[reg->n_desc_blocks++] = md;
  GROW(reg->desc_blocks, reg->n_desc_blocks, void *);
  reg->desc_blocks[reg->n_desc_blocks++] = nd;
  for (int i = 0; i < nm; ++i) {
    GROW(reg->methods, reg->n_methods, alcn_loaded_method);
    reg->methods[reg->n_methods].desc = &md[i];
    reg->methods[reg->n_methods++].file = file;
  }
  for (int i = 0; i < nn; ++i) {
    GROW(reg->noises, reg->n_noises, alcn_loaded_noise);
    reg->noises[reg->n_noises].desc = &nd[i];
    reg->noises[reg->n_noises++].file = file;
  }
  return ALCN_OK;
}

static int cmp_str(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

/* Every "*.so" of dir, in byte order (so that "first wins" is reproducible). */
static alcn_status scan_dir(alcn_registry *reg, const char *dir, char ***seen, int *n_seen, int quiet) {
  struct stat st;
  if (stat(dir, &st) != 0 || !S_ISDIR(st.st_mode)) {
    char note[PATH_MAX + 32];
    snprintf(note, sizeof note, "%s (missing)", dir);
    return add_str(&reg->dirs, &reg->n_dirs, note);
  }
  ALCN_CHECK(add_str(&reg->dirs, &reg->n_dirs, dir));
  DIR *d = opendir(dir);
  if (!d) return ALCN_OK;
  char **names = NULL;
  int n = 0;
  alcn_status s = ALCN_OK;
  struct dirent *e;
  while ((e = readdir(d)) != NULL) {
    size_t l = strlen(e->d_name);
    if (l <= 3 || strcmp(e->d_name + l - 3, ".so") != 0) continue;
    s = add_str(&names, &n, e->d_name);
    if (s != ALCN_OK) break;
  }
  closedir(d);
  if (n > 1) qsort(names, (size_t)n, sizeof *names, cmp_str);
  for (int i = 0; s == ALCN_OK && i < n; ++i) {
    char path[PATH_MAX];
    snprintf(path, sizeof path, "%s/%s", dir, names[i]);
    if (stat(path, &st) != 0 || !S_ISREG(st.st_mode)) continue;
    char real[PATH_MAX];
    if (!realpath(path, real)) snprintf(real, sizeof real, "%s", path);
    int dup = 0;
    for (int j = 0; j < *n_seen; ++j)
      if (strcmp((*seen)[j], real) == 0) dup = 1;
    if (dup) continue;
    s = add_str(seen, n_seen, real);
    if (s == ALCN_OK) s = load_file(reg, path, quiet);
  }
  for (int i = 0; i < n; ++i) free(names[i]);
  free(names);
  return s;
}

/* Each element of a colon-separated list. */
static alcn_status scan_list(alcn_registry *reg, const char *list, char ***seen, int *n_seen, int quiet) {
  const char *p = list;
  while (p && *p) {
    const char *e = strchr(p, ':');
    size_t l = e ? (size_t)(e - p) : strlen(p);
    if (l > 0 && l < PATH_MAX) {
      char dir[PATH_MAX];
      memcpy(dir, p, l);
      dir[l] = '\0';
      ALCN_CHECK(scan_dir(reg, dir, seen, n_seen, quiet));
    }
    p = e ? e + 1 : NULL;
  }
  return ALCN_OK;
}

alcn_status alcn_registry_load(alcn_registry *reg, const char *const *extra_dirs, int n_extra, int quiet) {
  memset(reg, 0, sizeof *reg);
  char **seen = NULL;
  int n_seen = 0;
  const char *env_dir = getenv("ALCN_PLUGIN_DIR");
  alcn_status s = scan_dir(reg, env_dir && *env_dir ? env_dir : alcn_plugin_default_dir(), &seen, &n_seen, quiet);
  const char *path = getenv("ALCN_PLUGIN_PATH");
  if (s == ALCN_OK && path) s = scan_list(reg, path, &seen, &n_seen, quiet);
  for (int i = 0; s == ALCN_OK && i < n_extra; ++i)
    if (extra_dirs[i]) s = scan_list(reg, extra_dirs[i], &seen, &n_seen, quiet);
  for (int i = 0; i < n_seen; ++i) free(seen[i]);
  free(seen);
  if (s != ALCN_OK) alcn_registry_free(reg);
  return s;
}

void alcn_registry_free(alcn_registry *reg) {
  if (!reg) return;
  for (int i = 0; i < reg->n_files; ++i) {
    if (reg->handles && reg->handles[i]) dlclose(reg->handles[i]);
    free(reg->files[i]);
  }
  for (int i = 0; i < reg->n_refused; ++i) {
    free(reg->refused[i].file);
    free(reg->refused[i].reason);
  }
  for (int i = 0; i < reg->n_dirs; ++i) free(reg->dirs[i]);
  for (int i = 0; i < reg->n_desc_blocks; ++i) free(reg->desc_blocks[i]);
  free(reg->desc_blocks);
  free(reg->files);
  free(reg->handles);
  free(reg->methods);
  free(reg->noises);
  free(reg->refused);
  free(reg->dirs);
  memset(reg, 0, sizeof *reg);
}
