/* File chores of the host side (libalcn_host; not part of the plugin SDK and
 * not installed): mkdir -p, reading a file that may come from anyone, atomic
 * writes. One copy for the data sets, the report and alcnbench. */
#ifndef ALCN_FSUTIL_H
#define ALCN_FSUTIL_H

#include <stddef.h>

#include "alcn/status.h"

#ifdef __cplusplus
extern "C" {
#endif

/* mkdir -p: every missing folder of path (0777 & umask); existing ones are fine. */
alcn_status alcn_fs_mkdir_p(const char *path);

/* Read a file that may come from anyone (a config file, a record) into a
 * malloc'ed, NUL-terminated buffer (*n: its length; n may be NULL). Opened with
 * O_NONBLOCK and checked with fstat: only a regular file is read (a folder, a
 * FIFO, a device or a socket is refused at once, never waited on), and one
 * of more than cap bytes is refused. Errors (ALCN_ERR_IO, ALCN_ERR_NOMEM) are
 * one line naming "WHAT PATH" (what may be NULL, e.g. "--config"). */
alcn_status alcn_fs_read_regular(const char *what, const char *path, size_t cap, char **data, size_t *n);

/* Write data[len] to path atomically: a temporary file with a unique name
 * (".<name>.p<pid>.<unique>.tmp", O_EXCL) in tmp_dir (NULL: path's own folder; it must be
 * on the same file system), every byte written and checked, fsync, rename
 * over path, fsync of path's folder. On any failure the temporary file is
 * removed and path is untouched (old contents or absent), never truncated. */
alcn_status alcn_fs_write_atomic(const char *path, const char *tmp_dir, const void *data, size_t len);

/* The pid in the name of a temporary file of alcn_fs_write_atomic
 * (".<name>.p<pid>.<unique>.tmp"), 0 for any other name. */
long alcn_fs_tmp_owner(const char *name);

#ifdef __cplusplus
}
#endif
#endif
