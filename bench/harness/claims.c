/* Cooperating runs on one results folder: a cell is trained by one run only.
 * Under an exclusive flock on <out>/.lock a run checks the cell's record and
 * its claim file <out>/claims/<cell>.claim ("pid host start"), and claims it
 * by writing that file (atomically); the lock is held only for the check and
 * the claim, not for the training. A claim of a process that no longer runs
 * on this host is stale and taken over (a run killed mid-cell); a claim from
 * another host is honoured (shared file systems: say which host holds it).
 * The claim is removed when the cell's record is written. */
#define _DEFAULT_SOURCE /* gethostname, flock */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "bench.h"

/* 0 when the path does not fit (the caller refuses the cell). */
static int claim_path(char *buf, size_t cap, const char *out, const char *cell_id) {
  int n = snprintf(buf, cap, "%s/claims/%s.claim", out, cell_id);
  return n > 0 && (size_t)n < cap;
}

static void host_name(char *buf, size_t cap) {
  if (gethostname(buf, cap) != 0) snprintf(buf, cap, "unknown");
  buf[cap - 1] = '\0';
  for (char *p = buf; *p; ++p)
    if (*p == ' ' || *p == '\n') *p = '_';
}

/* 1 when the claim file names a live process (or another host), 0 stale/absent. */
static int claim_live(const char *path, char *who, size_t cap) {
  FILE *f = fopen(path, "r");
  if (!f) return 0;
  long pid = 0;
  char host[256] = "", me[256];
  int got = fscanf(f, "%ld %255s", &pid, host);
  fclose(f);
  if (got != 2 || pid <= 0) return 0; /* unreadable: a run died while writing it */
  host_name(me, sizeof me);
  snprintf(who, cap, "pid %ld on %s", pid, host);
  if (strcmp(host, me) != 0) return 1;
  if (pid == (long)getpid()) return 0;
  return kill((pid_t)pid, 0) == 0 || errno == EPERM;
}

alcn_status ab_claims_open(ab_claims *cl, const char *out) {
  memset(cl, 0, sizeof *cl);
  cl->fd = -1;
  char dir[4200], lock[4200];
  if (strlen(out) >= sizeof cl->out) ALCN_FAIL(ALCN_ERR_ARG, "--out path too long (%zu characters)", strlen(out));
  snprintf(dir, sizeof dir, "%s/claims", out);
  if (mkdir(dir, 0777) != 0 && errno != EEXIST)
    ALCN_FAIL(ALCN_ERR_IO, "cannot create %s: %s (hint: check that --out is writable)", dir, strerror(errno));
  snprintf(lock, sizeof lock, "%s/.lock", out);
  cl->fd = open(lock, O_RDWR | O_CREAT | O_CLOEXEC, 0666);
  if (cl->fd < 0) ALCN_FAIL(ALCN_ERR_IO, "cannot open the lock file %s: %s", lock, strerror(errno));
  snprintf(cl->out, sizeof cl->out, "%s", out);
  return ALCN_OK;
}

void ab_claims_close(ab_claims *cl) {
  if (cl->fd >= 0) close(cl->fd);
  cl->fd = -1;
}

ab_claim_result ab_claims_take(ab_claims *cl, const char *cell_id, int resume, char *who, size_t cap) {
  ab_claim_result r = AB_CLAIM_ERROR;
  who[0] = '\0';
  while (flock(cl->fd, LOCK_EX) != 0)
    if (errno != EINTR) {
      alcn_error_at(__FILE__, __LINE__, ALCN_ERR_IO, "cannot lock %s/.lock: %s", cl->out, strerror(errno));
      return AB_CLAIM_ERROR;
    }
  char path[8448];
  if (!claim_path(path, sizeof path, cl->out, cell_id)) {
    alcn_error_at(__FILE__, __LINE__, ALCN_ERR_ARG, "the claim path of %s under %s is too long", cell_id, cl->out);
    r = AB_CLAIM_ERROR;
  } else if (resume && ab_record_state(cl->out, cell_id) == AB_REC_DONE) {
    r = AB_CLAIM_DONE;
  } else if (claim_live(path, who, cap)) {
    r = AB_CLAIM_BUSY;
  } else {
    char host[256], text[400];
    host_name(host, sizeof host);
    int len = snprintf(text, sizeof text, "%ld %s %ld\n", (long)getpid(), host, (long)time(NULL));
    char rel[400];
    snprintf(rel, sizeof rel, "claims/%s.claim", cell_id);
    r = ab_write_atomic(cl->out, rel, text, (size_t)len) == ALCN_OK ? AB_CLAIM_TAKEN : AB_CLAIM_ERROR;
  }
  flock(cl->fd, LOCK_UN);
  return r;
}

void ab_claims_release(ab_claims *cl, const char *cell_id) {
  char path[8448];
  if (claim_path(path, sizeof path, cl->out, cell_id)) unlink(path);
}
