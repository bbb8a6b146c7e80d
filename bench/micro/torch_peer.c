/* Running the PyTorch peer (torch_peer.h): the interpreters and the script,
 * a probe of each interpreter's torch, the settings a peer gets, a child
 * process per call with them, results read back from the peer's --json file
 * with cJSON. */
#define _POSIX_C_SOURCE 200809L
#include "torch_peer.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#ifndef ALCN_SOURCE_DIR
#define ALCN_SOURCE_DIR "."
#endif

const char *tp_python(void) {
  const char *p = getenv("ALCN_PYTHON");
  return p && *p ? p : "/usr/bin/python3";
}

int tp_venv_python(char *dst, size_t cap) {
  const char *v = getenv("ALCN_PEER_VENV"), *home = getenv("HOME");
  if (v && *v) snprintf(dst, cap, "%s/bin/python", v);
  else if (home && *home) snprintf(dst, cap, "%s/.cache/alcnbench/peer-venv/bin/python", home);
  else dst[0] = 0;
  return dst[0] && access(dst, X_OK) == 0;
}

const char *tp_script(void) {
  const char *p = getenv("ALCN_TORCH_PEER");
  return p && *p ? p : ALCN_SOURCE_DIR "/../shared/peers/torch_alcn.py";
}

/* In a child before its exec: the n_env "NAME=value" strings into its environment. */
static void apply_env(const char (*env)[64], int n_env) {
  for (int i = 0; i < n_env; ++i) {
    char name[64];
    const size_t eq = strcspn(env[i], "=");
    snprintf(name, sizeof name, "%.*s", (int)eq, env[i]);
    if (env[i][eq] == '=') setenv(name, env[i] + eq + 1, 1);
  }
}

/* fork + exec argv with env (n_env "NAME=value" strings) added; stdout to
 * out_fd when >= 0, else to stderr (or /dev/null when quiet); stderr to
 * stderr (or /dev/null when quiet). Returns the exit status or -1. */
static int run_child(char *const *argv, const char (*env)[64], int n_env, int quiet, int out_fd) {
  fflush(stdout);
  fflush(stderr);
  pid_t pid = fork();
  if (pid < 0) return -1;
  if (pid == 0) {
    apply_env(env, n_env);
    int fd = quiet ? open("/dev/null", O_WRONLY) : dup(2);
    if (fd >= 0) {
      dup2(out_fd >= 0 ? out_fd : fd, 1);
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
  why[0] = 0;
  return 1;
}

int tp_probe(const char *python, char *version, size_t vcap, char *why, size_t cap) {
  version[0] = 0;
  if (access(python, X_OK) != 0) {
    snprintf(why, cap, "no interpreter %s", python);
    return 0;
  }
  FILE *out = tmpfile();
  if (!out) {
    snprintf(why, cap, "cannot make a temporary file: %s", strerror(errno));
    return 0;
  }
  char *argv[] = {(char *)python, "-c", "import torch; print(torch.__version__)", NULL};
  const int rc = run_child(argv, NULL, 0, 1, fileno(out));
  char line[128] = "";
  rewind(out);
  if (!fgets(line, sizeof line, out)) line[0] = 0;
  fclose(out);
  line[strcspn(line, "\r\n")] = 0;
  if (rc != 0 || !line[0]) {
    snprintf(why, cap,
             "%s cannot import torch (Debian: apt-get install python3-torch; PyPI: bench/scripts/peer-env.sh)",
             python);
    return 0;
  }
  snprintf(version, vcap, "%s", line);
  why[0] = 0;
  return 1;
}

int tp_probe_cuda(const char *python, char *why, size_t cap) {
  char *argv[] = {(char *)python, "-c", "import sys, torch; sys.exit(0 if torch.cuda.is_available() else 3)", NULL};
  const int rc = run_child(argv, NULL, 0, 1, -1);
  if (rc != 0) {
    snprintf(why, cap, "%s: torch.cuda.is_available() is false (a CPU-only torch, or no GPU for it)", python);
    return 0;
  }
  why[0] = 0;
  return 1;
}

/* NAME=value into p's environment. */
static void add_env(tp_peer *p, const char *name, const char *value) {
  if (p->n_env >= TP_MAX_ENV) return;
  snprintf(p->env[p->n_env++], sizeof p->env[0], "%s=%s", name, value);
}

/* printf-style text appended to p's settings line. */
__attribute__((format(printf, 2, 3))) static void add_setting(tp_peer *p, const char *fmt, ...) {
  const size_t n = strlen(p->settings);
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(p->settings + n, sizeof p->settings - n, fmt, ap);
  va_end(ap);
}

void tp_peer_use_cuda(tp_peer *p) {
  p->cuda = 1;
  add_setting(p, "; on the GPU (--device cuda: torch.cuda.synchronize around each timed call; PyTorch's own "
                 "defaults, cuDNN convolutions in TF32)");
}

void tp_peer_init(tp_peer *p, const char *python, const char *version, int compile, int threads) {
  memset(p, 0, sizeof *p);
  snprintf(p->python, sizeof p->python, "%s", python);
  snprintf(p->version, sizeof p->version, "%s", version);
  if (sscanf(version, "%d.%d", &p->major, &p->minor) != 2) p->major = p->minor = 0;
  p->compile = compile;
  if (p->major > 0) snprintf(p->label, sizeof p->label, "%d.%d %s", p->major, p->minor, compile ? "compile" : "eager");
  else snprintf(p->label, sizeof p->label, "%.16s %s", version, compile ? "compile" : "eager");
  snprintf(p->settings, sizeof p->settings, "--threads %d as ours, denormals flushed as ours%s", threads,
           compile ? ", torch.compile on both networks" : "");
  if (p->major < 2) {
    /* Debian's 1.x links OpenBLAS-pthread beside its OpenMP pool */
    add_env(p, "OPENBLAS_NUM_THREADS", "1");
    add_setting(p, "; OPENBLAS_NUM_THREADS=1 (torch < 2 links OpenBLAS with threads of its own, which "
                   "oversubscribe the cores; torch's intra-op threads do the work)");
  } else {
    add_setting(p, "; no BLAS thread variable (torch >= 2: MKL/oneDNN follow --threads)");
  }
  const char *isa = getenv("ALCN_CPU_ISA");
  if (isa && !strcmp(isa, "avx2")) {
    static const char *const vars[][2] = {{"ATEN_CPU_CAPABILITY", "avx2"},
                                          {"ONEDNN_MAX_CPU_ISA", "AVX2"},
                                          {"MKL_ENABLE_INSTRUCTIONS", "AVX2"},
                                          {"OPENBLAS_CORETYPE", "Haswell"}};
    add_setting(p, "; ALCN_CPU_ISA=avx2, so the same ISA:");
    for (size_t i = 0; i < sizeof vars / sizeof *vars; ++i) {
      const char *had = getenv(vars[i][0]);
      if (had && *had) {
        add_setting(p, " %s=%s (yours)", vars[i][0], had);
      } else {
        add_env(p, vars[i][0], vars[i][1]);
        add_setting(p, " %s=%s", vars[i][0], vars[i][1]);
      }
    }
  }
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

alcn_status tp_run(tp_result *r, const tp_peer *p, const char *deconv, int C, const int *batches, int n_batches,
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
  argv[a++] = (char *)p->python;
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
  if (p->compile) argv[a++] = "--compile";
  if (p->cuda) {
    argv[a++] = "--device";
    argv[a++] = "cuda";
  }
  argv[a] = NULL;
  unlink(json);
  int rc = run_child(argv, p->env, p->n_env, quiet, -1);
  if (rc != 0) {
    unlink(json);
    ALCN_FAIL(ALCN_ERR_IO, "torch peer (%s %s bench --deconv %s%s) exited with %d", p->python, tp_script(), deconv,
              p->compile ? " --compile" : "", rc);
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

/* ------------------------------------------------------ the peer as a server */
const char *tp_serve_script(void) {
  const char *p = getenv("ALCN_PEER_SERVE");
  return p && *p ? p : ALCN_SOURCE_DIR "/bench/scripts/peer_serve.py";
}

/* How long a server may take to answer one line: $ALCN_PEER_TIMEOUT seconds
 * (> 0), else 1800 (a batch-4096 step of PyTorch 1.13 with torch.compile's
 * first compilation fits many times over); a server that takes longer is
 * stopped, as one that exits. */
static double server_timeout_s(void) {
  const char *e = getenv("ALCN_PEER_TIMEOUT");
  char *end;
  const double v = e && *e ? strtod(e, &end) : 0.0;
  return e && *e && !*end && isfinite(v) && v > 0 ? v : 1800.0;
}

static double now_s(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

/* One line of the server's output into buf[cap], without its newline,
 * within s->timeout_s: 1; 0 when it exited first; -1 when the line does not
 * fit; -2 on the timeout. What follows the newline waits in s->pend for the
 * next call (a second reply written in one go is read as the next one). */
static int reply_line(tp_server *s, char *buf, size_t cap) {
  size_t n = 0;
  const double end = now_s() + s->timeout_s;
  for (;;) {
    while (s->p_beg < s->p_end) {
      const char c = s->pend[s->p_beg++];
      if (c == '\n') {
        buf[n] = 0;
        return 1;
      }
      if (n + 1 >= cap) return -1;
      buf[n++] = c;
    }
    const double left = end - now_s();
    if (left <= 0) {
      s->hung = 1;
      return -2;
    }
    struct pollfd pf = {s->from_fd, POLLIN, 0};
    const int pr = poll(&pf, 1, left > 1e6 ? 1000000000 : (int)(left * 1e3) + 1);
    if (pr < 0 && errno == EINTR) continue;
    if (pr == 0) continue; /* the deadline is checked above */
    if (pr < 0) return 0;
    const ssize_t r = read(s->from_fd, s->pend, sizeof s->pend);
    if (r < 0 && errno == EINTR) continue;
    if (r <= 0) return 0;
    s->p_beg = 0;
    s->p_end = (size_t)r;
  }
}

/* Why reply_line gave got (not 1), for messages. */
static const char *reply_problem(const tp_server *s, int got, char *buf, size_t cap) {
  if (got == -2) snprintf(buf, cap, "no reply within %g s (ALCN_PEER_TIMEOUT)", s->timeout_s);
  else snprintf(buf, cap, "%s", got == -1 ? "its reply is too long" : "it exited");
  return buf;
}

alcn_status tp_server_start(tp_server *s, const tp_peer *p, const char *deconv, int threads, int quiet) {
  memset(s, 0, sizeof *s);
  snprintf(s->what, sizeof s->what, "PyTorch peer server %s --deconv %s", p->label, deconv);
  struct sigaction ign;
  memset(&ign, 0, sizeof ign);
  ign.sa_handler = SIG_IGN;
  sigaction(SIGPIPE, &ign, NULL); /* a server that died: its write fails with EPIPE, and we say so */
  int to[2], from[2];
  if (pipe(to) != 0) ALCN_FAIL(ALCN_ERR_IO, "%s: pipe: %s", s->what, strerror(errno));
  if (pipe(from) != 0) {
    close(to[0]);
    close(to[1]);
    ALCN_FAIL(ALCN_ERR_IO, "%s: pipe: %s", s->what, strerror(errno));
  }
  /* our ends are not inherited by later children (the other servers, our
   * measuring processes): the server sees the end of its input when we close it */
  fcntl(to[1], F_SETFD, FD_CLOEXEC);
  fcntl(from[0], F_SETFD, FD_CLOEXEC);
  char sT[16];
  snprintf(sT, sizeof sT, "%d", threads);
  char *argv[] = {(char *)p->python, (char *)tp_serve_script(), (char *)tp_script(), "--threads", sT,
                  "--deconv", (char *)deconv, p->compile ? "--compile" : NULL, NULL};
  fflush(stdout);
  fflush(stderr);
  const pid_t pid = fork();
  if (pid < 0) {
    close(to[0]);
    close(to[1]);
    close(from[0]);
    close(from[1]);
    ALCN_FAIL(ALCN_ERR_IO, "%s: fork: %s", s->what, strerror(errno));
  }
  if (pid == 0) {
    apply_env(p->env, p->n_env);
    dup2(to[0], 0);
    dup2(from[1], 1);
    if (quiet) {
      const int fd = open("/dev/null", O_WRONLY);
      if (fd >= 0) dup2(fd, 2);
    }
    execv(argv[0], argv);
    _exit(127);
  }
  close(to[0]);
  close(from[1]);
  s->pid = (int)pid;
  s->to_fd = to[1];
  s->from_fd = from[0];
  s->timeout_s = server_timeout_s();
  char line[256], why[96];
  const int got = reply_line(s, line, sizeof line);
  if (got != 1 || strncmp(line, "ready ", 6) != 0) {
    tp_server_stop(s);
    ALCN_FAIL(ALCN_ERR_IO, "%s (%s %s) did not start: %s", s->what, p->python, tp_serve_script(),
              got == 1    ? "its first line is not \"ready <version>\""
              : got == 0 ? "it exited (its stderr says why)"
                         : reply_problem(s, got, why, sizeof why));
  }
  return ALCN_OK;
}

static int cmp_dbl(const void *a, const void *b) {
  const double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}

alcn_status tp_server_time(tp_server *s, const char *kase, const char *loss, int C, int B, int iters, int warmup,
                           double *median_s, double *min_s, double *max_s) {
  *median_s = NAN;
  if (min_s) *min_s = NAN;
  if (max_s) *max_s = NAN;
  if (!s->pid) ALCN_FAIL(ALCN_ERR_ARG, "%s is not running", s->what);
  if (iters < 1 || iters > 100000) ALCN_FAIL(ALCN_ERR_ARG, "%s: %d runs asked (1 to 100000)", s->what, iters);
  char cmd[160];
  const int len = snprintf(cmd, sizeof cmd, "%s %s %d %d %d %d\n", kase, loss, C, B, iters, warmup);
  for (int off = 0; off < len;) {
    const ssize_t w = write(s->to_fd, cmd + off, (size_t)(len - off));
    if (w < 0 && errno == EINTR) continue;
    if (w <= 0) {
      tp_server_stop(s);
      ALCN_FAIL(ALCN_ERR_IO, "%s: it has exited (writing to it: %s)", s->what, w < 0 ? strerror(errno) : "0 bytes");
    }
    off += (int)w;
  }
  s->sent++;
  /* "ok" and up to 100000 numbers of at most 24 characters each */
  const size_t cap = 64 + (size_t)iters * 26;
  char *line = malloc(cap);
  ALCN_CHECK_ALLOC(line, cap);
  const int got = reply_line(s, line, cap);
  if (got != 1) {
    free(line);
    tp_server_stop(s);
    char why[96];
    ALCN_FAIL(ALCN_ERR_IO, "%s: %s after \"%.*s\"", s->what, reply_problem(s, got, why, sizeof why), len - 1, cmd);
  }
  if (!strncmp(line, "error", 5)) {
    alcn_status st = alcn_error_at(__FILE__, __LINE__, ALCN_ERR_IO, "%s failed on \"%.*s\": %.300s", s->what,
                                   len - 1, cmd, line + (line[5] ? 6 : 5));
    free(line);
    return st;
  }
  double *t = malloc(sizeof *t * (size_t)iters);
  if (!t) free(line);
  ALCN_CHECK_ALLOC(t, sizeof *t * (size_t)iters);
  /* "ok <k> <times>", k: the number of this request (a stray or stale line has another) */
  char *e = line;
  long seq = -1; /* strtol, not sscanf: a hostile number saturates instead of overflowing */
  if (!strncmp(line, "ok ", 3)) {
    seq = strtol(line + 3, &e, 10);
    if (e == line + 3) seq = -1;
  }
  int n = 0, bad = seq != s->sent;
  for (char *q = e; !bad && *q;) {
    while (*q == ' ') ++q;
    if (!*q) break;
    const double v = strtod(q, &e);
    if (e == q || (*e && *e != ' ') || !isfinite(v) || v <= 0 || n == iters) bad = 1;
    else t[n++] = v;
    q = e;
  }
  if (bad || n != iters) {
    free(t);
    tp_server_stop(s);
    alcn_status st = alcn_error_at(__FILE__, __LINE__, ALCN_ERR_FORMAT,
                                   "%s: its reply to \"%.*s\" is not \"ok %d\" and %d positive times: \"%.80s\"",
                                   s->what, len - 1, cmd, s->sent, iters, line);
    free(line);
    return st;
  }
  free(line);
  qsort(t, (size_t)n, sizeof *t, cmp_dbl);
  *median_s = n % 2 ? t[n / 2] : 0.5 * (t[n / 2 - 1] + t[n / 2]);
  if (min_s) *min_s = t[0];
  if (max_s) *max_s = t[n - 1];
  free(t);
  return ALCN_OK;
}

void tp_server_stop(tp_server *s) {
  if (s->to_fd > 0) {
    static const char quit[] = "quit\n";
    if (write(s->to_fd, quit, sizeof quit - 1) < 0) { /* it may have gone already */
    }
    close(s->to_fd);
  }
  s->to_fd = 0;
  if (s->from_fd > 0) close(s->from_fd);
  s->from_fd = 0;
  s->p_beg = s->p_end = 0;
  if (s->pid > 0) {
    int status;
    pid_t r = 0;
    for (int i = 0; i < (s->hung ? 0 : 200) && (r = waitpid((pid_t)s->pid, &status, WNOHANG)) == 0; ++i) {
      const struct timespec ts = {0, 50000000L};
      nanosleep(&ts, NULL);
    }
    if (r == 0) {
      kill((pid_t)s->pid, SIGKILL);
      while (waitpid((pid_t)s->pid, &status, 0) < 0 && errno == EINTR) {
      }
    }
  }
  s->pid = 0;
  s->hung = 0;
}
