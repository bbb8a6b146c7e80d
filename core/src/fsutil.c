/* File chores shared by every host program and library above libalcn
 * (datasets, reports, alcnbench): mkdir -p, reading an untrusted file, atomic
 * writes (alcn/fsutil.h). */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <fcntl.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <time.h>
#include <unistd.h>

#include "alcn/fsutil.h"

alcn_status alcn_fs_mkdir_p(const char *path) {
  char tmp[4096];
  if (strlen(path) >= sizeof tmp) ALCN_FAIL(ALCN_ERR_ARG, "path too long: %s", path);
  strcpy(tmp, path);
  for (char *p = tmp + 1; *p; ++p) {
    if (*p != '/') continue;
    *p = 0;
    if (mkdir(tmp, 0777) != 0 && errno != EEXIST)
      ALCN_FAIL(ALCN_ERR_IO, "cannot create folder %s: %s", tmp, strerror(errno));
    *p = '/';
  }
  if (mkdir(tmp, 0777) != 0 && errno != EEXIST)
    ALCN_FAIL(ALCN_ERR_IO, "cannot create folder %s: %s (hint: check the output folder and its permissions)", tmp,
              strerror(errno));
  return ALCN_OK;
}


/* "WHAT PATH" or "PATH" for messages. */
static void file_label(char *dst, size_t cap, const char *what, const char *path) {
  snprintf(dst, cap, "%s%s%s", what ? what : "", what ? " " : "", path);
}

static const char *kind_of(mode_t m) {
  if (S_ISDIR(m)) return "a folder";
  if (S_ISFIFO(m)) return "a FIFO (named pipe)";
  if (S_ISCHR(m) || S_ISBLK(m)) return "a device";
  if (S_ISSOCK(m)) return "a socket";
  if (S_ISLNK(m)) return "a symbolic link";
  return "not a plain file";
}

static void size_text(char *dst, size_t cap, size_t bytes) {
  if (bytes >= ((size_t)1 << 20) && bytes % ((size_t)1 << 20) == 0) snprintf(dst, cap, "%zu MiB", bytes >> 20);
  else snprintf(dst, cap, "%zu bytes", bytes);
}

alcn_status alcn_fs_read_regular(const char *what, const char *path, size_t cap, char **data, size_t *n) {
  char label[4200], lim[48];
  *data = NULL;
  if (n) *n = 0;
  file_label(label, sizeof label, what, path);
  /* O_NONBLOCK: opening a FIFO without a writer returns at once instead of
     waiting; fstat then refuses it like every other non-regular file. */
  int fd = open(path, O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
  if (fd < 0) {
    int e = errno;
    ALCN_FAIL(ALCN_ERR_IO, "%s: cannot open: %s", label, strerror(e));
  }
  struct stat st;
  if (fstat(fd, &st) != 0) {
    int e = errno;
    close(fd);
    ALCN_FAIL(ALCN_ERR_IO, "%s: cannot stat: %s", label, strerror(e));
  }
  if (!S_ISREG(st.st_mode)) {
    close(fd);
    ALCN_FAIL(ALCN_ERR_IO, "%s: %s, not a regular file (hint: name a regular file)", label, kind_of(st.st_mode));
  }
  size_text(lim, sizeof lim, cap);
  if (st.st_size < 0 || (uintmax_t)st.st_size > (uintmax_t)cap) {
    close(fd);
    ALCN_FAIL(ALCN_ERR_IO, "%s: %jd bytes, more than the %s this file may have (is it the right file?)", label,
              (intmax_t)st.st_size, lim);
  }
  /* Read to the end (the size may have changed since fstat; /proc files say 0),
     never past cap. */
  size_t len = 0, room = (size_t)st.st_size + 1 < cap + 1 ? (size_t)st.st_size + 1 : cap + 1;
  if (room < 4096 && cap >= 4096) room = 4096;
  char *d = malloc(room + 1);
  alcn_status s = ALCN_OK;
  for (;;) {
    if (!d) {
      s = alcn_error_at(__FILE__, __LINE__, ALCN_ERR_NOMEM, "%s: out of memory reading %zu bytes", label, room);
      break;
    }
    if (len == room) {
      if (len > cap) {
        s = alcn_error_at(__FILE__, __LINE__, ALCN_ERR_IO,
                          "%s: more than the %s this file may have (is it the right file?)", label, lim);
        break;
      }
      size_t grow = room * 2 < cap + 1 ? room * 2 : cap + 1;
      char *g = realloc(d, grow + 1);
      if (!g) {
        free(d);
        d = NULL;
        continue;
      }
      d = g;
      room = grow;
    }
    ssize_t r = read(fd, d + len, room - len);
    if (r < 0 && errno == EINTR) continue;
    if (r < 0) {
      int e = errno;
      s = alcn_error_at(__FILE__, __LINE__, ALCN_ERR_IO, "%s: read error: %s", label, strerror(e));
      break;
    }
    if (r == 0) break;
    len += (size_t)r;
    if (len > cap) {
      s = alcn_error_at(__FILE__, __LINE__, ALCN_ERR_IO,
                        "%s: more than the %s this file may have (is it the right file?)", label, lim);
      break;
    }
  }
  close(fd);
  if (s != ALCN_OK) {
    free(d);
    return s;
  }
  d[len] = 0;
  *data = d;
  if (n) *n = len;
  return ALCN_OK;
}

/* fsync of a folder (the rename in it); errors ignored (some file systems refuse). */
static void fsync_folder(const char *dir) {
  int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd >= 0) {
    (void)fsync(fd);
    close(fd);
  }
}

alcn_status alcn_fs_write_atomic(const char *path, const char *tmp_dir, const void *data, size_t len) {
  static atomic_uint serial;
  char dir[4096], tmp[4400];
  const char *slash = strrchr(path, '/'), *base = slash ? slash + 1 : path;
  if (!*base) ALCN_FAIL(ALCN_ERR_ARG, "cannot write %s: the path names a folder, not a file", path);
  if (strlen(path) >= sizeof dir) ALCN_FAIL(ALCN_ERR_ARG, "cannot write %s: path too long", path);
  if (!slash) snprintf(dir, sizeof dir, ".");
  else if (slash == path) snprintf(dir, sizeof dir, "/");
  else snprintf(dir, sizeof dir, "%.*s", (int)(slash - path), path);
  if (!tmp_dir) tmp_dir = dir;
  /* A unique name beside the target (or in tmp_dir, on the same file system),
     ".<name>.p<pid>.<serial+clock>.tmp", created with O_EXCL; the name is cut
     so that the temporary name stays within NAME_MAX. The pid tells a
     cleanup whether the writer still runs (alcn_fs_tmp_owner). */
  int fd = -1, e = 0;
  for (int attempt = 0; attempt < 64 && fd < 0; ++attempt) {
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    unsigned k = atomic_fetch_add(&serial, 1u);
    int w = snprintf(tmp, sizeof tmp, "%s/.%.180s.p%ld.%x%05lx.tmp", tmp_dir, base, (long)getpid(), k,
                     (unsigned long)(ts.tv_nsec & 0xfffff));
    if (w < 0 || (size_t)w >= sizeof tmp) ALCN_FAIL(ALCN_ERR_ARG, "cannot write %s: path too long", path);
    fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
    e = errno;
    if (fd < 0 && e != EEXIST) break;
  }
  if (fd < 0)
    ALCN_FAIL(ALCN_ERR_IO, "cannot write %s: cannot create a temporary file in %s: %s (hint: is the folder writable?)",
              path, tmp_dir, strerror(e));
  const char *p = data;
  size_t left = len;
  while (left) {
    ssize_t w = write(fd, p, left);
    if (w < 0 && errno == EINTR) continue;
    if (w <= 0) {
      e = w < 0 ? errno : EIO;
      close(fd);
      unlink(tmp);
      ALCN_FAIL(ALCN_ERR_IO, "cannot write %s: %s (hint: is the disk full?); nothing was written", path,
                strerror(e));
    }
    p += w;
    left -= (size_t)w;
  }
  if (fsync(fd) != 0) {
    e = errno;
    close(fd);
    unlink(tmp);
    ALCN_FAIL(ALCN_ERR_IO, "cannot write %s: fsync: %s (hint: is the disk full?); nothing was written", path,
              strerror(e));
  }
  if (close(fd) != 0) {
    e = errno;
    unlink(tmp);
    ALCN_FAIL(ALCN_ERR_IO, "cannot write %s: close: %s (hint: is the disk full?); nothing was written", path,
              strerror(e));
  }
  if (rename(tmp, path) != 0) {
    e = errno;
    unlink(tmp);
    ALCN_FAIL(ALCN_ERR_IO, "cannot rename %s to %s: %s", tmp, path, strerror(e));
  }
  fsync_folder(dir);
  return ALCN_OK;
}

long alcn_fs_tmp_owner(const char *name) {
  size_t l = strlen(name);
  if (l < 5 || strcmp(name + l - 4, ".tmp") != 0) return 0;
  l -= 4;
  size_t u = l; /* the ".<unique>" field */
  while (u > 0 && name[u - 1] != '.') --u;
  if (u < 2) return 0;
  size_t p = u - 1; /* the ".p<pid>" field before it */
  while (p > 0 && name[p - 1] != '.') --p;
  if (name[p] != 'p' || p + 1 >= u - 1) return 0;
  long pid = 0;
  for (size_t i = p + 1; i < u - 1; ++i) {
    if (name[i] < '0' || name[i] > '9' || pid > 99999999) return 0;
    pid = pid * 10 + (name[i] - '0');
  }
  return pid;
}
