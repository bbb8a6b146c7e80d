/* The on-disk decode cache: one file per data set (and size, category,
 * variant) in the cache folder, reused while the source listing hash in its
 * header matches, rebuilt (with a warning) when stale or corrupt. */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "alcn/dataset_formats.h"
#include "alcn/fsutil.h"
#include "ds_internal.h"

static void sanitize(char *dst, size_t cap, const char *s) {
  size_t j = 0;
  for (; *s && j + 1 < cap; ++s) {
    char ch = *s;
    int ok = (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') || ch == '-' || ch == '.';
    dst[j++] = ok ? ch : '_';
  }
  dst[j] = 0;
}

alcn_status alcn_ds_cache_path(char *out, size_t cap, const char *name, const alcn_dataset_opts *o) {
  char var[128] = "", cat[256] = "", tail[64] = "";
  if (o->variant && o->variant[0]) {
    var[0] = '-';
    sanitize(var + 1, sizeof var - 1, o->variant);
  }
  int folder = strcmp(name, "mvtec") == 0 || strcmp(name, "plantvillage") == 0 || strcmp(name, "folder") == 0;
  if (folder) {
    if (o->category && o->category[0]) {
      cat[0] = '-';
      sanitize(cat + 1, sizeof cat - 1, o->category);
    } else if (strcmp(name, "folder") != 0) {
      snprintf(cat, sizeof cat, "-all");
    }
    snprintf(tail, sizeof tail, "-%d-c%d%s", o->size, o->channels, o->skip_bad ? "-skipbad" : "");
  } else if (o->size > 0) { /* IDX / CIFAR resized from their native size */
    snprintf(tail, sizeof tail, "-%d", o->size);
  }
  /* folder sets with the same name but different roots must not collide */
  char rh[24] = "";
  if (folder) snprintf(rh, sizeof rh, "-%08x", (unsigned)(alcn_fnv1a_str(ALCN_FNV_OFFSET, o->root) & 0xffffffffu));
  int n = snprintf(out, cap, "%s/%s%s%s%s%s.alcncache", o->cache_dir, name, var, cat, tail, rh);
  if (n < 0 || (size_t)n >= cap) ALCN_FAIL(ALCN_ERR_ARG, "cache path too long under %s", o->cache_dir);
  return ALCN_OK;
}

int alcn_ds_cache_try_read(alcn_dataset *ds, const char *path, uint64_t source_hash, const alcn_dataset_opts *o) {
  if (!alcn_ds_file_exists(path)) return 0;
  uint8_t *buf;
  size_t len;
  if (alcn_ds_read_file(path, 0, &buf, &len) != ALCN_OK) {
    alcn_ds_warn(o, "cannot read cache %s, rebuilding: %s", path, alcn_last_error());
    alcn_clear_error();
    return 0;
  }
  alcn_status st = alcn_cache_parse(ds, buf, len, path);
  free(buf);
  if (st != ALCN_OK) {
    alcn_ds_warn(o, "ignoring corrupt cache, rebuilding: %s", alcn_last_error());
    alcn_clear_error();
    return 0;
  }
  if (ds->source_hash != source_hash) {
    alcn_ds_warn(o, "cache %s is stale (the source files changed), rebuilding", path);
    alcn_dataset_free(ds);
    return 0;
  }
  return 1;
}

alcn_status alcn_ds_cache_write(const alcn_dataset *ds, const char *path) {
  const char *slash = strrchr(path, '/');
  if (slash && slash != path) {
    char dir[4096];
    if (snprintf(dir, sizeof dir, "%.*s", (int)(slash - path), path) >= (int)sizeof dir)
      ALCN_FAIL(ALCN_ERR_ARG, "cache path too long: %s (hint: check --cache)", path);
    ALCN_CHECK(alcn_fs_mkdir_p(dir));
  }
  uint8_t *buf;
  size_t len;
  ALCN_CHECK(alcn_cache_serialize(ds, &buf, &len));
  alcn_status st = alcn_fs_write_atomic(path, NULL, buf, len);
  free(buf);
  return st;
}
