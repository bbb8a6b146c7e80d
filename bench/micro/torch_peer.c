/* Running the PyTorch peer (torch_peer.h): a child process per call,
 * OPENBLAS_NUM_THREADS=1 (Debian's torch oversubscribes the cores otherwise),
 * results read back from the peer's --json file with cJSON. */
#define _POSIX_C_SOURCE 200809L
#include "torch_peer.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#ifndef ALCN_SOURCE_DIR
#define ALCN_SOURCE_DIR "."
#endif

const char *tp_python(void) {
  const char *p = getenv("ALCN_PYTHON");
  return p && *p ? p : "/usr/bin/python3";
}

const char *tp_script(void) {
  const char *p = getenv("ALCN_TORCH_PEER");
  return p && *p ? p : ALCN_SOURCE_DIR "/../shared/peers/torch_alcn.py";
}

/* fork + exec argv with OPENBLAS_NUM_THREADS=1; stdout to stderr (or
 * /dev/null when quiet), stderr likewise. Returns the exit status or -1. */
static int run_child(char *const *argv, int quiet) {
  fflush(stdout);
  fflush(stderr);
  pid_t pid = fork();
  if (pid < 0) return -1;
  if (pid == 0) {
    setenv("OPENBLAS_NUM_THREADS", "1", 1);
    int fd = quiet ? open("/dev/null", O_WRONLY) : dup(2);
    if (fd >= 0) {
      dup2(fd, 1);
      if (quiet) dup2(fd, 2);
      close(fd);
    }
    execv(argv[0], argv);
    _exit(127);
  }
  int status;
  while (waitpid(pid, &status, 0) < 0)
    if (errno != EINTR) return -1;
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

int tp_available(char *why, size_t cap) {
  const char *off = getenv("ALCN_NO_TORCH");
  if (off && *off && strcmp(off, "0") != 0) {
    snprintf(why, cap, "ALCN_NO_TORCH is set");
    return 0;
  }
  struct stat sb;
  if (stat(tp_script(), &sb) != 0) {
    snprintf(why, cap, "no peer script at %s (set ALCN_TORCH_PEER)", tp_script());
    return 0;
  }
  if (access(tp_python(), X_OK) != 0) {
    snprintf(why, cap, "no %s (set ALCN_PYTHON)", tp_python());
    return 0;
  }
  char *argv[] = {(char *)tp_python(), "-c", "import torch", NULL};
  if (run_child(argv, 1) != 0) {
    snprintf(why, cap, "%s cannot import torch (apt-get install python3-torch)", tp_python());
    return 0;
  }
  why[0] = 0;
  return 1;
}

void tp_result_free(tp_result *r) {
  free(r->rows);
  r->rows = NULL;
  r->n = 0;
}

static double jnum(const cJSON *o, const char *k) {
  const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, k);
  return cJSON_IsNumber(v) ? v->valuedouble : NAN;
}

static alcn_status parse(tp_result *r, const char *path) {
  FILE *f = fopen(path, "rb");
  if (!f) ALCN_FAIL(ALCN_ERR_IO, "torch peer wrote no %s", path);
  fseek(f, 0, SEEK_END);
  long len = ftell(f);
  fseek(f, 0, SEEK_SET);
  char *text = malloc((size_t)len + 1);
  if (!text) {
    fclose(f);
    ALCN_CHECK_ALLOC(text, (size_t)len + 1);
  }
  size_t got = fread(text, 1, (size_t)len, f);
  fclose(f);
  text[got] = 0;
  cJSON *root = cJSON_Parse(text);
  free(text);
  const cJSON *rows = root ? cJSON_GetObjectItemCaseSensitive(root, "rows") : NULL;
  if (!cJSON_IsArray(rows)) {
    const int json = root != NULL;
    cJSON_Delete(root);
    ALCN_FAIL(ALCN_ERR_FORMAT, "torch peer's %s %s", path, json ? "has no \"rows\" array" : "is not JSON");
  }
  int n = cJSON_GetArraySize(rows);
  tp_row *v = realloc(r->rows, (size_t)(r->n + n + 1) * sizeof *v);
  if (!v) {
    cJSON_Delete(root);
    ALCN_CHECK_ALLOC(v, (size_t)(r->n + n + 1) * sizeof *v);
  }
  r->rows = v;
  const cJSON *it;
  cJSON_ArrayForEach(it, rows) {
    tp_row *t = &r->rows[r->n];
    memset(t, 0, sizeof *t);
    const cJSON *c = cJSON_GetObjectItemCaseSensitive(it, "case");
    const cJSON *l = cJSON_GetObjectItemCaseSensitive(it, "loss");
    if (!cJSON_IsString(c) || !cJSON_IsString(l)) continue;
    snprintf(t->kase, sizeof t->kase, "%s", c->valuestring);
    snprintf(t->loss, sizeof t->loss, "%s", l->valuestring);
    t->C = (int)jnum(it, "C");
    t->B = (int)jnum(it, "B");
    t->median_s = jnum(it, "median_s");
    t->min_s = jnum(it, "min_s");
    t->max_s = jnum(it, "max_s");
    r->n++;
  }
  cJSON_Delete(root);
  return ALCN_OK;
}

alcn_status tp_run(tp_result *r, const char *deconv, int C, const int *batches, int n_batches,
                   const char *const *cases, int n_cases, const char *const *losses, int n_losses, int iters,
                   int warmup, int threads, int quiet) {
  char json[64], sC[16], sI[16], sW[16], sT[16], sB[16][16];
  snprintf(json, sizeof json, "/tmp/alcn_torch_peer_%ld.json", (long)getpid());
  snprintf(sC, sizeof sC, "%d", C);
  snprintf(sI, sizeof sI, "%d", iters);
  snprintf(sW, sizeof sW, "%d", warmup);
  snprintf(sT, sizeof sT, "%d", threads);
  char *argv[96];
  int a = 0;
  argv[a++] = (char *)tp_python();
  argv[a++] = (char *)tp_script();
  argv[a++] = "bench";
  argv[a++] = "--deconv";
  argv[a++] = (char *)deconv;
  argv[a++] = "--C";
  argv[a++] = sC;
  argv[a++] = "--batch";
  for (int i = 0; i < n_batches && i < 16; ++i) {
    snprintf(sB[i], sizeof sB[i], "%d", batches[i]);
    argv[a++] = sB[i];
  }
  argv[a++] = "--cases";
  for (int i = 0; i < n_cases && i < 16; ++i) argv[a++] = (char *)cases[i];
  argv[a++] = "--loss";
  for (int i = 0; i < n_losses && i < 8; ++i) argv[a++] = (char *)losses[i];
  argv[a++] = "--iters";
  argv[a++] = sI;
  argv[a++] = "--warmup";
  argv[a++] = sW;
  argv[a++] = "--threads";
  argv[a++] = sT;
  argv[a++] = "--json";
  argv[a++] = json;
  argv[a] = NULL;
  unlink(json);
  int rc = run_child(argv, quiet);
  if (rc != 0) {
    unlink(json);
    ALCN_FAIL(ALCN_ERR_IO, "torch peer (%s %s bench --deconv %s) exited with %d", tp_python(), tp_script(), deconv,
              rc);
  }
  alcn_status st = parse(r, json);
  unlink(json);
  return st;
}

double tp_find(const tp_result *r, const char *kase, const char *loss, int C, int B, double *min_s, double *max_s) {
  for (int i = 0; r && i < r->n; ++i) {
    const tp_row *t = &r->rows[i];
    if (t->C == C && t->B == B && !strcmp(t->kase, kase) && !strcmp(t->loss, loss)) {
      if (min_s) *min_s = t->min_s;
      if (max_s) *max_s = t->max_s;
      return t->median_s;
    }
  }
  return NAN;
}
