/* Check suite for `alcnbench table5` (bench/harness/table5.c): a tiny run of the dae
 * method with noises none and alcn (1x16x16, batch 4, 2 timed runs) writes
 * the table JSON and one alcnbench.table5/1 record per case with the fields
 * the report reads; torch_ms is null without PyTorch (--no-torch and
 * ALCN_NO_TORCH=1); parameter counts are the paper models'; bad flags are
 * refused with status 2. The PyTorch peer beside ours is tested against
 * fake_peer.sh (fixed times, via ALCN_PYTHON): at 1x28x28 each of our cases
 * takes the right peer case and batch, torch_ms is the faster --deconv
 * variant, speedup = torch_ms / ours_ms in the table and the records, and a
 * peer that prints garbage or fails gives one warning line and no ratio.
 * Several peers side by side (wrappers of fake_peer.sh with other torch
 * versions): a column and a `peers` entry each, eager and torch.compile for
 * torch >= 2 (not with --no-compile), the ratio against the fastest per case
 * (`torch_fastest`), a failing peer leaves its column empty, interpreters
 * without torch are skipped, the peer-env.sh venv is a default interpreter,
 * and ALCN_CPU_ISA=avx2 reaches the peers as their own ISA variables. The
 * machine-load probe (machine_load.h) counts a busy process that is not ours,
 * and table5 reports the share in its header, its JSON and its records. */
#define _POSIX_C_SOURCE 200809L
#include <check.h>
#include <cjson/cJSON.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "machine_load.h"
#include "test_util.h"

int alcn_cmd_table5(int argc, char **argv);

static char tmp[512];

static void setup(void) { ck_assert_int_eq(tu_make_tempdir(tmp, sizeof tmp, "table5"), 0); }
static void teardown(void) { tu_remove_tree(tmp); }

static cJSON *read_json(const char *path) {
  FILE *f = fopen(path, "rb");
  if (!f) return NULL;
  static char buf[1 << 20];
  size_t n = fread(buf, 1, sizeof buf - 1, f);
  fclose(f);
  buf[n] = 0;
  return cJSON_Parse(buf);
}

static double num(const cJSON *o, const char *k) {
  const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, k);
  ck_assert_msg(cJSON_IsNumber(v), "field %s is not a number", k);
  return v->valuedouble;
}

static const char *str(const cJSON *o, const char *k) {
  const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, k);
  ck_assert_msg(cJSON_IsString(v), "field %s is not a string", k);
  return v->valuestring;
}

static int is_null(const cJSON *o, const char *k) { return cJSON_IsNull(cJSON_GetObjectItemCaseSensitive(o, k)); }

static int g_loud; /* 1: without --quiet (the progress lines on stderr) */

static int run(const char *const *extra, int n_extra) {
  char json[600], out[600];
  snprintf(json, sizeof json, "%s/t5.json", tmp);
  snprintf(out, sizeof out, "%s/out", tmp);
  const char *base[] = {"table5", "--shape", "1x16x16", "--device", "cpu", "--threads", "1", "--batch", "4",
                        "--iters", "2", "--warmup", "1", "--latency-iters", "3", "--epoch-images", "10",
                        "--methods", "dae", "--json", json,
                        "--out", out, "--quiet"};
  char *argv[64];
  int argc = 0;
  for (size_t i = 0; i < sizeof base / sizeof *base; ++i)
    if (!g_loud || strcmp(base[i], "--quiet")) argv[argc++] = (char *)base[i];
  for (int i = 0; i < n_extra; ++i) argv[argc++] = (char *)extra[i];
  argv[argc] = NULL;
  /* strtok in the flag parser writes into list values: give it copies */
  static char copies[64][2048];
  for (int i = 0; i < argc; ++i) {
    snprintf(copies[i], sizeof copies[i], "%s", argv[i]);
    argv[i] = copies[i];
  }
  return alcn_cmd_table5(argc, argv);
}

/* The row of (noise, case, batch) in the table's rows, or NULL. */
static const cJSON *find_row(const cJSON *rows, const char *noise, const char *kase, int batch) {
  const cJSON *r;
  cJSON_ArrayForEach(r, rows) {
    if (!strcmp(str(r, "noise"), noise) && !strcmp(str(r, "case"), kase) && (int)num(r, "batch") == batch) return r;
  }
  return NULL;
}

START_TEST(test_table_and_records) {
  const char *extra[] = {"--noises", "none,alcn", "--no-torch"};
  ck_assert_int_eq(run(extra, 3), 0);
  char path[700];
  snprintf(path, sizeof path, "%s/t5.json", tmp);
  cJSON *root = read_json(path);
  ck_assert_ptr_nonnull(root);
  const cJSON *rows = cJSON_GetObjectItemCaseSensitive(root, "rows");
  ck_assert(cJSON_IsArray(rows));
  /* the machine's load while it ran: a share of the CPUs */
  const double load = num(root, "other_load");
  ck_assert_msg(load >= 0.0 && load <= 1.0, "other_load %g", load);
  ck_assert_int_ge((int)num(root, "cpus"), 1);
  /* none: train_step, infer, infer@1; alcn: + infer_with_noise at 4 and 1 */
  ck_assert_int_eq(cJSON_GetArraySize(rows), 3 + 5);
  const cJSON *r;
  cJSON_ArrayForEach(r, rows) {
    ck_assert_str_eq(str(r, "method"), "dae");
    ck_assert_str_eq(str(r, "device"), "cpu");
    const double ms = num(r, "ours_ms"), mn = num(r, "ours_min_ms"), mx = num(r, "ours_max_ms");
    ck_assert(ms > 0.0 && mn > 0.0 && mn <= ms && ms <= mx);
    ck_assert(is_null(r, "torch_ms"));
    ck_assert(is_null(r, "speedup"));
    ck_assert_double_eq_tol(num(r, "images_per_s"), num(r, "batch") / (ms * 1e-3), 1e-6 * num(r, "images_per_s"));
    ck_assert_double_eq(num(r, "params_method"), 26465.0); /* the paper's DAE, any image size */
    ck_assert(num(r, "peak_host_bytes") > 0.0);
    ck_assert_double_eq(num(r, "peak_device_bytes"), -1.0); /* the CPU backend does not track it */
    ck_assert_double_eq(num(r, "other_load"), load);
  }
  const cJSON *t = find_row(rows, "alcn", "train_step", 4);
  ck_assert_ptr_nonnull(t);
  /* G_noise at 16x16: Linear(256, 32*8*8) + ConvT(32,16,5) + ConvT(16,1,5) */
  ck_assert_double_eq(num(t, "params_noise"), 256.0 * 2048 + 2048 + 12816 + 401);
  ck_assert_double_eq_tol(num(t, "epoch_s"), 3 * num(t, "ours_ms") * 1e-3, 1e-9); /* ceil(10/4) steps */
  ck_assert_ptr_nonnull(find_row(rows, "alcn", "infer_with_noise", 4));
  ck_assert_ptr_nonnull(find_row(rows, "alcn", "infer_with_noise", 1));
  ck_assert_ptr_nonnull(find_row(rows, "none", "infer", 1));
  ck_assert_ptr_null(find_row(rows, "none", "infer_with_noise", 4));
  ck_assert_double_eq(num(find_row(rows, "none", "infer", 4), "params_noise"), 0.0);
  /* no published figure at this shape */
  ck_assert(is_null(find_row(rows, "none", "infer", 4), "published_ms"));
  cJSON_Delete(root);
  /* the record of one case, as the report reads it */
  snprintf(path, sizeof path, "%s/out/table5/dae_alcn_train_step_b4_1x16x16_cpu_mse.json", tmp);
  cJSON *rec = read_json(path);
  ck_assert_msg(rec != NULL, "no record %s", path);
  ck_assert_str_eq(str(rec, "schema"), "alcnbench.table5/1");
  ck_assert_str_eq(str(rec, "method"), "dae");
  ck_assert_str_eq(str(rec, "noise"), "alcn");
  ck_assert_str_eq(str(rec, "case"), "train_step");
  ck_assert_int_eq((int)num(rec, "batch"), 4);
  ck_assert(num(rec, "ours_ms") > 0.0 && num(rec, "ours_min_ms") > 0.0 && num(rec, "ours_max_ms") > 0.0);
  ck_assert(is_null(rec, "torch_ms") && is_null(rec, "speedup"));
  ck_assert(num(rec, "params_method") > 0.0 && num(rec, "params_noise") > 0.0 && num(rec, "images_per_s") > 0.0);
  cJSON_Delete(rec);
  snprintf(path, sizeof path, "%s/out/table5/dae_none_infer_b1_1x16x16_cpu_mse.json", tmp);
  rec = read_json(path);
  ck_assert_msg(rec != NULL, "no record %s", path);
  cJSON_Delete(rec);
}
END_TEST

START_TEST(test_env_disables_torch) {
  setenv("ALCN_NO_TORCH", "1", 1);
  /* a 28x28 run, where the peer would otherwise be tried */
  const char *extra[] = {"--noises", "none", "--no-train", "--latency-batch", "0", "--shape", "1x28x28"};
  ck_assert_int_eq(run(extra, 7), 0);
  char path[700];
  snprintf(path, sizeof path, "%s/t5.json", tmp);
  cJSON *root = read_json(path);
  ck_assert_ptr_nonnull(root);
  const cJSON *rows = cJSON_GetObjectItemCaseSensitive(root, "rows");
  ck_assert_int_eq(cJSON_GetArraySize(rows), 1);
  const cJSON *r = cJSON_GetArrayItem(rows, 0);
  ck_assert_str_eq(str(r, "case"), "infer");
  ck_assert(is_null(r, "torch_ms"));
  ck_assert(is_null(r, "published_ms")); /* batch 4, not the paper's 4096 */
  cJSON_Delete(root);
  unsetenv("ALCN_NO_TORCH");
}
END_TEST

START_TEST(test_bad_flags) {
  const char *a[] = {"--shape", "28x28"};
  ck_assert_int_eq(run(a, 2), 2);
  const char *b[] = {"--loss", "l7"};
  ck_assert_int_eq(run(b, 2), 2);
  const char *c[] = {"--noises", "no_such_noise"};
  ck_assert_int_eq(run(c, 2), 2);
  const char *d[] = {"--iters", "0"};
  ck_assert_int_eq(run(d, 2), 2);
  const char *e[] = {"--frobnicate"};
  ck_assert_int_eq(run(e, 1), 2);
  const char *f[] = {"--rounds", "0"}, *g[] = {"--rounds", "21"}, *h[] = {"--rounds", "3x"};
  ck_assert_int_eq(run(f, 2), 2);
  ck_assert_int_eq(run(g, 2), 2); /* T5_MAX_ROUNDS */
  ck_assert_int_eq(run(h, 2), 2);
}
END_TEST

/* ------------------------------------------- the PyTorch peer: fake_peer.sh */
#ifndef FAKE_PEER
#error "FAKE_PEER (the stand-in peer's path) is set by tests/bench/CMakeLists.txt"
#endif

static char peer_log[600];
/* The variables the peers' settings touch (torch_peer.c), as fake_peer.sh logs them. */
static const char *const PEER_ENV[] = {"OPENBLAS_NUM_THREADS", "ATEN_CPU_CAPABILITY", "ONEDNN_MAX_CPU_ISA",
                                       "MKL_ENABLE_INSTRUCTIONS", "OPENBLAS_CORETYPE"};

static void peer_setup(void) {
  setup();
  snprintf(peer_log, sizeof peer_log, "%s/peer.log", tmp);
  setenv("ALCN_PYTHON", FAKE_PEER, 1);
  setenv("ALCN_TORCH_PEER", FAKE_PEER, 1); /* any existing file: the stand-in ignores it */
  setenv("ALCN_FAKE_PEER_LOG", peer_log, 1);
  char venv[700];
  snprintf(venv, sizeof venv, "%s/no-venv", tmp); /* not the user's peer-env.sh venv */
  setenv("ALCN_PEER_VENV", venv, 1);
  unsetenv("ALCN_NO_TORCH");
  unsetenv("ALCN_FAKE_PEER_MODE");
  unsetenv("ALCN_FAKE_PEER_ONLY");
  unsetenv("ALCN_FAKE_PEER_VERSION");
  unsetenv("ALCN_CPU_ISA");
  for (size_t i = 0; i < sizeof PEER_ENV / sizeof *PEER_ENV; ++i) unsetenv(PEER_ENV[i]);
}

static void peer_teardown(void) {
  unsetenv("ALCN_PYTHON");
  unsetenv("ALCN_TORCH_PEER");
  unsetenv("ALCN_FAKE_PEER_LOG");
  unsetenv("ALCN_PEER_VENV");
  unsetenv("ALCN_FAKE_PEER_MODE");
  unsetenv("ALCN_FAKE_PEER_ONLY");
  unsetenv("ALCN_CPU_ISA");
  for (size_t i = 0; i < sizeof PEER_ENV / sizeof *PEER_ENV; ++i) unsetenv(PEER_ENV[i]);
  teardown();
}

/* What fake_peer.sh reports (ms per image) for the peer case that each of
 * ours maps to: the dae method only; train_step of noise none / alcn, infer of
 * any noise, infer_with_noise of alcn; every other case has no peer. */
typedef struct peer_want {
  const char *noise, *kase, *peer; /* peer NULL: none */
  double native, fast;
} peer_want;

static const peer_want WANT[] = {
    {"none", "train_step", "dae_train", 2.0, 1.0},          /* fast is faster */
    {"alcn", "train_step", "alcn_train", 3.0, 6.0},         /* native is faster */
    {"gaussian", "train_step", NULL, 0, 0},
    {"none", "infer", "infer_dae", 0.5, 0.4},                /* fast */
    {"alcn", "infer", "infer_dae", 0.5, 0.4},
    {"gaussian", "infer", "infer_dae", 0.5, 0.4},
    {"alcn", "infer_with_noise", "infer_alcn", 0.7, 0.9},   /* native */
    {"gaussian", "infer_with_noise", NULL, 0, 0},
};

static const peer_want *want_for(const char *noise, const char *kase) {
  for (size_t i = 0; i < sizeof WANT / sizeof *WANT; ++i)
    if (!strcmp(WANT[i].noise, noise) && !strcmp(WANT[i].kase, kase)) return &WANT[i];
  ck_abort_msg("no expectation for noise %s, case %s", noise, kase);
  return NULL;
}

/* fd (1 or 2) into a file of tmp from now on: the file, and the saved fd in *saved. */
static FILE *capture_begin(int fd, const char *name, int *saved) {
  char path[700];
  snprintf(path, sizeof path, "%s/%s", tmp, name);
  fflush(fd == 1 ? stdout : stderr);
  *saved = dup(fd);
  FILE *f = fopen(path, "w+");
  ck_assert(*saved >= 0 && f != NULL);
  dup2(fileno(f), fd);
  return f;
}

/* fd back, and what went into f into buf[cap]. */
static void capture_end(int fd, FILE *f, int saved, char *buf, size_t cap) {
  fflush(fd == 1 ? stdout : stderr);
  dup2(saved, fd);
  close(saved);
  rewind(f);
  const size_t n = fread(buf, 1, cap - 1, f);
  buf[n] = 0;
  fclose(f);
}

/* Run table5 with fd 2 captured into err[cap] and, when out is not NULL, fd 1
 * into out[ocap]; returns its status. */
static int run_io(const char *const *extra, int n_extra, char *err, size_t cap, char *out, size_t ocap) {
  int saved_err, saved_out = -1;
  FILE *fe = capture_begin(2, "stderr.txt", &saved_err);
  FILE *fo = out ? capture_begin(1, "stdout.txt", &saved_out) : NULL;
  const int rc = run(extra, n_extra);
  if (fo) capture_end(1, fo, saved_out, out, ocap);
  capture_end(2, fe, saved_err, err, cap);
  return rc;
}

static int run_err(const char *const *extra, int n_extra, char *err, size_t cap) {
  return run_io(extra, n_extra, err, cap, NULL, 0);
}

static int count_lines(const char *s) {
  int n = 0;
  for (; *s; ++s) n += *s == '\n';
  return n;
}

static double num_or_nan(const cJSON *o, const char *k) {
  const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, k);
  if (cJSON_IsNull(v)) return NAN;
  ck_assert_msg(cJSON_IsNumber(v), "field %s is neither a number nor null", k);
  return v->valuedouble;
}

/* A field equal to want (ms), or null when want is NAN. */
static void check_ms(const cJSON *r, const char *k, double want) {
  const double got = num_or_nan(r, k);
  if (isnan(want)) {
    ck_assert_msg(isnan(got), "%s %s %s: %s is %g, want null", str(r, "noise"), str(r, "case"), str(r, "id"), k, got);
    return;
  }
  ck_assert_msg(!isnan(got), "%s: %s is null, want %g", str(r, "id"), k, want);
  ck_assert_msg(fabs(got - want) <= 1e-9 * fabs(want), "%s: %s is %.17g, want %.17g", str(r, "id"), k, got, want);
}

/* Every row of the table (and its record under out/table5) against the
 * stand-in's times: native/fast run when has_native/has_fast. Returns the
 * number of rows that have a peer time. */
static int check_peer_rows(const cJSON *rows, int has_native, int has_fast) {
  int matched = 0;
  const cJSON *r;
  cJSON_ArrayForEach(r, rows) {
    const peer_want *w = want_for(str(r, "noise"), str(r, "case"));
    const double B = num(r, "batch"), ours = num(r, "ours_ms");
    const double nat = w->peer && has_native ? w->native * B : NAN;
    const double fast = w->peer && has_fast ? w->fast * B : NAN;
    const double best = isnan(nat) ? fast : isnan(fast) ? nat : fmin(nat, fast);
    check_ms(r, "torch_native_ms", nat);
    check_ms(r, "torch_fast_ms", fast);
    check_ms(r, "torch_ms", best);
    check_ms(r, "speedup", isnan(best) ? NAN : best / ours); /* the ratio: peer time / our time */
    matched += !isnan(best);
    /* its record says the same */
    char path[900];
    snprintf(path, sizeof path, "%s/out/table5/%s.json", tmp, str(r, "id"));
    cJSON *rec = read_json(path);
    ck_assert_msg(rec != NULL, "no record %s", path);
    ck_assert_double_eq_tol(num(rec, "ours_ms"), ours, 1e-12 * ours);
    check_ms(rec, "torch_native_ms", nat);
    check_ms(rec, "torch_fast_ms", fast);
    check_ms(rec, "torch_ms", best);
    check_ms(rec, "speedup", isnan(best) ? NAN : best / ours);
    cJSON_Delete(rec);
  }
  return matched;
}

static cJSON *read_rows(cJSON **root) {
  char path[700];
  snprintf(path, sizeof path, "%s/t5.json", tmp);
  *root = read_json(path);
  ck_assert_ptr_nonnull(*root);
  cJSON *rows = cJSON_GetObjectItemCaseSensitive(*root, "rows");
  ck_assert(cJSON_IsArray(rows));
  return rows;
}

/* The stand-in's log: one line per bench call. */
static int read_log(char *buf, size_t cap) {
  FILE *f = fopen(peer_log, "r");
  if (!f) return 0;
  const size_t n = fread(buf, 1, cap - 1, f);
  buf[n] = 0;
  fclose(f);
  return 1;
}

START_TEST(test_peer_cases_and_ratios) {
  const char *extra[] = {"--shape", "1x28x28", "--noises", "none,alcn,gaussian"};
  char err[4096];
  ck_assert_int_eq(run_err(extra, 4, err, sizeof err), 0);
  ck_assert_msg(err[0] == 0, "unexpected stderr: %s", err);
  cJSON *root;
  const cJSON *rows = read_rows(&root);
  /* none: train_step, infer@4, infer@1; alcn and gaussian: + infer_with_noise@4, @1 */
  ck_assert_int_eq(cJSON_GetArraySize(rows), 3 + 5 + 5);
  /* with a peer: none 3, alcn 5, gaussian infer@4 and @1 */
  ck_assert_int_eq(check_peer_rows(rows, 1, 1), 3 + 5 + 2);
  /* spot checks at batch 4 and 1, in ms: the faster variant of each case */
  const cJSON *r = find_row(rows, "none", "train_step", 4);
  ck_assert_double_eq_tol(num(r, "torch_ms"), 4.0, 1e-9); /* dae_train, fast 1.0 x 4 */
  ck_assert_double_eq_tol(num(r, "torch_native_ms"), 8.0, 1e-9);
  ck_assert_double_eq_tol(num(r, "speedup"), 4.0 / num(r, "ours_ms"), 1e-9 * num(r, "speedup"));
  r = find_row(rows, "alcn", "train_step", 4);
  ck_assert_double_eq_tol(num(r, "torch_ms"), 12.0, 1e-9); /* alcn_train, native 3.0 x 4 */
  ck_assert_double_eq_tol(num(r, "torch_fast_ms"), 24.0, 1e-9);
  r = find_row(rows, "alcn", "infer_with_noise", 1);
  ck_assert_double_eq_tol(num(r, "torch_ms"), 0.7, 1e-9); /* infer_alcn, native */
  r = find_row(rows, "gaussian", "infer", 1);
  ck_assert_double_eq_tol(num(r, "torch_ms"), 0.4, 1e-9); /* infer_dae, fast */
  ck_assert(is_null(find_row(rows, "gaussian", "train_step", 4), "speedup"));
  ck_assert(is_null(find_row(rows, "gaussian", "infer_with_noise", 4), "speedup"));
  cJSON_Delete(root);
  /* both variants ran twice each, with our threads, cases and loss: the
   * timed batch with --iters/--warmup, then the latency batch with
   * --latency-iters and a tenth of them as warm-up, as ours */
  char log[4096];
  ck_assert(read_log(log, sizeof log));
  ck_assert_int_eq(count_lines(log), 4);
  const char *common = "--C 1 --batch 4 --cases dae_train infer_dae alcn_train infer_alcn --loss mse --iters 2 "
                       "--warmup 1 --threads 1 --json ";
  const char *latency = "--C 1 --batch 1 --cases dae_train infer_dae alcn_train infer_alcn --loss mse --iters 3 "
                        "--warmup 1 --threads 1 --json ";
  const char *call[4] = {log};
  for (int k = 1; k < 4; ++k) call[k] = strchr(call[k - 1], '\n') + 1;
  for (int k = 0; k < 4; ++k) {
    const char *want = k < 2 ? "bench --deconv native " : "bench --deconv fast ";
    const char *found = strstr(call[k], k % 2 ? latency : common);
    ck_assert_msg(!strncmp(call[k], want, strlen(want)) && found && (k == 3 || found < call[k + 1]), "call %d: %s", k,
                  call[k]);
  }
}
END_TEST

/* --rounds 3 against a peer that is 1x, 2x, 3x slower in rounds 1, 2, 3:
 * each round's ratio pairs ours with that round's peer; the table gives their
 * median and range, and medians of the times. */
START_TEST(test_rounds) {
  char drift[700];
  snprintf(drift, sizeof drift, "%s/rounds", tmp);
  setenv("ALCN_FAKE_PEER_ROUNDS", drift, 1);
  const char *extra[] = {"--shape", "1x28x28", "--noises", "none,alcn", "--rounds", "3"};
  const int rc = run(extra, 6);
  unsetenv("ALCN_FAKE_PEER_ROUNDS");
  ck_assert_int_eq(rc, 0);
  cJSON *root;
  const cJSON *rows = read_rows(&root);
  ck_assert_int_eq(cJSON_GetArraySize(rows), 3 + 5);
  ck_assert_int_eq((int)num(root, "rounds"), 3);
  const cJSON *r;
  int with_peer = 0;
  cJSON_ArrayForEach(r, rows) {
    ck_assert_int_eq((int)num(r, "rounds"), 3);
    const cJSON *ours = cJSON_GetObjectItemCaseSensitive(r, "ours_rounds_ms");
    const cJSON *torch = cJSON_GetObjectItemCaseSensitive(r, "torch_rounds_ms");
    ck_assert_int_eq(cJSON_GetArraySize(ours), 3);
    ck_assert_int_eq(cJSON_GetArraySize(torch), 3);
    double o[3], t[3], ratio[3];
    for (int k = 0; k < 3; ++k) {
      o[k] = cJSON_GetArrayItem(ours, k)->valuedouble;
      ck_assert(o[k] > 0);
      ck_assert(o[k] >= num(r, "ours_min_ms") && o[k] <= num(r, "ours_max_ms"));
    }
    /* ours: the median of the rounds' medians */
    const double lo = fmin(o[0], fmin(o[1], o[2])), hi = fmax(o[0], fmax(o[1], o[2]));
    ck_assert_double_eq_tol(num(r, "ours_ms"), o[0] + o[1] + o[2] - lo - hi, 1e-12);
    if (cJSON_IsNull(cJSON_GetArrayItem(torch, 0))) {
      ck_assert(is_null(r, "speedup") && is_null(r, "speedup_min") && is_null(r, "speedup_max"));
      continue;
    }
    with_peer++;
    const peer_want *w = want_for(str(r, "noise"), str(r, "case"));
    const double base = fmin(w->native, w->fast) * num(r, "batch");
    for (int k = 0; k < 3; ++k) {
      t[k] = cJSON_GetArrayItem(torch, k)->valuedouble;
      ck_assert_double_eq_tol(t[k], (k + 1) * base, 1e-9 * base); /* round k's peer: k + 1 times slower */
      ratio[k] = t[k] / o[k];
    }
    const double rlo = fmin(ratio[0], fmin(ratio[1], ratio[2])), rhi = fmax(ratio[0], fmax(ratio[1], ratio[2]));
    ck_assert_double_eq_tol(num(r, "speedup_min"), rlo, 1e-9 * rlo);
    ck_assert_double_eq_tol(num(r, "speedup_max"), rhi, 1e-9 * rhi);
    ck_assert_double_eq_tol(num(r, "speedup"), ratio[0] + ratio[1] + ratio[2] - rlo - rhi, 1e-9 * rhi);
    ck_assert_double_eq_tol(num(r, "torch_ms"), 2 * base, 1e-9 * base); /* the peer: its median round */
  }
  ck_assert_int_eq(with_peer, 3 + 5); /* every case of none and alcn has a peer case */
  cJSON_Delete(root);
  char log[8192];
  ck_assert(read_log(log, sizeof log));
  ck_assert_int_eq(count_lines(log), 3 * 4); /* per round: two variants x (timed batch, latency batch) */
}
END_TEST

/* The rounds alternate which side runs first (ours in rounds 1 and 3, the
 * peers in round 2), as the progress lines show and the table's JSON says;
 * round 2's peer times still land on their cases. */
START_TEST(test_rounds_alternate) {
  const char *extra[] = {"--shape", "1x28x28", "--noises", "none,alcn", "--rounds", "3"};
  static char err[1 << 16];
  g_loud = 1;
  const int rc = run_err(extra, 6, err, sizeof err);
  g_loud = 0;
  ck_assert_int_eq(rc, 0);
  const char *r[4] = {strstr(err, "table5: round 1 of 3"), strstr(err, "table5: round 2 of 3"),
                      strstr(err, "table5: round 3 of 3"), err + strlen(err)};
  for (int k = 0; k < 3; ++k) {
    ck_assert_msg(r[k] && r[k] < r[k + 1], "round %d's progress line missing or out of order:\n%s", k + 1, err);
    const char *ours = strstr(r[k], "table5: measuring dae"), *peer = strstr(r[k], "table5: running the PyTorch peer");
    ck_assert_msg(ours && ours < r[k + 1] && peer && peer < r[k + 1], "round %d: ours or the peer did not run", k + 1);
    ck_assert_msg(k == 1 ? peer < ours : ours < peer, "round %d ran %s first, want %s", k + 1,
                  peer < ours ? "the peer" : "ours", k == 1 ? "the peer" : "ours");
  }
  cJSON *root;
  const cJSON *rows = read_rows(&root);
  const cJSON *first = cJSON_GetObjectItemCaseSensitive(root, "rounds_first");
  ck_assert_int_eq(cJSON_GetArraySize(first), 3);
  ck_assert_str_eq(cJSON_GetArrayItem(first, 0)->valuestring, "ours");
  ck_assert_str_eq(cJSON_GetArrayItem(first, 1)->valuestring, "peers");
  ck_assert_str_eq(cJSON_GetArrayItem(first, 2)->valuestring, "ours");
  ck_assert_int_eq(check_peer_rows(rows, 1, 1), 3 + 5); /* every peer time where it belongs, round 2's too */
  cJSON_Delete(root);
}
END_TEST

/* With --rounds, a method that fails in the first round is not run again:
 * its error is said once, the exit status is 1 and the table still comes. */
START_TEST(test_rounds_failure_said_once) {
  const char *extra[] = {"--shape", "1x8x8", "--noises", "none,alcn", "--no-torch", "--rounds", "3"}; /* < 9x9 */
  char err[8192];
  ck_assert_int_eq(run_err(extra, 7, err, sizeof err), 1);
  int failed = 0;
  for (const char *q = err; (q = strstr(q, " failed: ")) != NULL; ++q) failed++;
  ck_assert_msg(failed == 2, "want one failure line per item (none, alcn), got %d:\n%s", failed, err);
  ck_assert_ptr_nonnull(strstr(err, "at least 9x9"));
}
END_TEST

/* --paired: each case's rounds in a row, ours and the peer servers in turn.
 * Round k of a case gets the stand-in's k-th answer for it (k+1 times
 * slower): every round is paired with its own peer time; the table folds
 * them as without --paired; the servers are asked case by case (all rounds
 * of a case, both variants, before the next case) and the one-shot peer is
 * not run. */
START_TEST(test_paired) {
  char drift[700];
  snprintf(drift, sizeof drift, "%s/rounds", tmp);
  setenv("ALCN_FAKE_PEER_ROUNDS", drift, 1);
  const char *extra[] = {"--shape", "1x28x28", "--noises", "none,alcn", "--rounds", "3", "--paired"};
  const int rc = run(extra, 7);
  unsetenv("ALCN_FAKE_PEER_ROUNDS");
  ck_assert_int_eq(rc, 0);
  cJSON *root;
  const cJSON *rows = read_rows(&root);
  ck_assert(cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(root, "paired")));
  ck_assert_int_eq(cJSON_GetArraySize(rows), 3 + 5);
  const cJSON *r;
  cJSON_ArrayForEach(r, rows) {
    const cJSON *ours = cJSON_GetObjectItemCaseSensitive(r, "ours_rounds_ms");
    const cJSON *torch = cJSON_GetObjectItemCaseSensitive(r, "torch_rounds_ms");
    ck_assert_int_eq(cJSON_GetArraySize(ours), 3);
    const peer_want *w = want_for(str(r, "noise"), str(r, "case"));
    const double base = fmin(w->native, w->fast) * num(r, "batch");
    /* alcn's infer rows ask the peer the case that none's asked 3 times before */
    const int before = !strcmp(str(r, "noise"), "alcn") && !strcmp(str(r, "case"), "infer") ? 3 : 0;
    double ratio[3];
    for (int k = 0; k < 3; ++k) {
      const double o = cJSON_GetArrayItem(ours, k)->valuedouble, t = cJSON_GetArrayItem(torch, k)->valuedouble;
      ck_assert(o > 0);
      ck_assert_double_eq_tol(t, (before + k + 1) * base, 1e-9 * base);
      ratio[k] = t / o;
    }
    const double rlo = fmin(ratio[0], fmin(ratio[1], ratio[2])), rhi = fmax(ratio[0], fmax(ratio[1], ratio[2]));
    ck_assert_double_eq_tol(num(r, "speedup"), ratio[0] + ratio[1] + ratio[2] - rlo - rhi, 1e-9 * rhi);
    ck_assert_double_eq_tol(num(r, "speedup_min"), rlo, 1e-9 * rlo);
    ck_assert_double_eq_tol(num(r, "torch_ms"), (before + 2) * base, 1e-9 * base);
  }
  cJSON_Delete(root);
  /* the log: 8 cases x 3 rounds x 2 variants requests, case by case, no one-shot runs */
  static char log[1 << 15];
  ck_assert(read_log(log, sizeof log));
  ck_assert_int_eq(count_lines(log), 8 * 3 * 2);
  ck_assert_ptr_null(strstr(log, "bench "));
  char prev[64] = "";
  int cases = 0, run_len = 0;
  for (const char *q = log; *q; q = strchr(q, '\n') + 1) {
    char kase[24], loss[8];
    int C, B;
    ck_assert_int_eq(sscanf(q, "serve %23s %7s %d %d", kase, loss, &C, &B), 4);
    char key[64];
    snprintf(key, sizeof key, "%s %d", kase, B);
    if (strcmp(key, prev)) {
      ck_assert_msg(cases == 0 || run_len == 6, "case %s: %d requests in a row, want 3 rounds x 2 variants", prev,
                    run_len);
      snprintf(prev, sizeof prev, "%s", key);
      cases++;
      run_len = 0;
    }
    run_len++;
  }
  ck_assert_int_eq(run_len, 6);
  ck_assert_int_eq(cases, 8); /* the two items' cases apart: infer_dae b4 of none, then of alcn */
}
END_TEST

/* --paired with servers that misbehave: one that exits at its first request
 * (fast), one that answers garbage (fast), one that writes each reply twice
 * (fast: its first case's time stands, the stale line then stops it), one
 * that never starts (both):
 * one warning line for each (a server that failed is asked no more), the
 * other variant's times stand, status 0. */
START_TEST(test_paired_servers_fail) {
  const char *modes[] = {"nojson", "garbage", "stray", "fail", "hang"};
  const char *want[] = {"it exited after", "is not \"ok 1\" and", "is not \"ok 2\" and", "did not start",
                        "no reply within 1 s (ALCN_PEER_TIMEOUT) after"};
  for (int m = 0; m < 5; ++m) {
    setenv("ALCN_FAKE_PEER_MODE", modes[m], 1);
    if (m != 3) setenv("ALCN_FAKE_PEER_ONLY", "fast", 1);
    else unsetenv("ALCN_FAKE_PEER_ONLY");
    if (m == 4) setenv("ALCN_PEER_TIMEOUT", "1", 1); /* hang: stopped after 1 s, not 1800 */
    else unsetenv("ALCN_PEER_TIMEOUT");
    const char *extra[] = {"--shape", "1x28x28", "--noises", "none,alcn", "--paired"};
    char err[8192];
    ck_assert_int_eq(run_err(extra, 5, err, sizeof err), 0);
    const int want_lines = m != 3 ? 1 : 2; /* the failing server stops; fail: both variants */
    ck_assert_msg(count_lines(err) == want_lines, "%s: want %d line(s), got:\n%s", modes[m], want_lines, err);
    ck_assert_msg(strstr(err, "table5: warning: ") && strstr(err, want[m]), "%s: unclear:\n%s", modes[m], err);
    cJSON *root;
    const cJSON *rows = read_rows(&root);
    if (m == 2) { /* stray: the first case's fast time stands, the stale second reply stops the server */
      int fast = 0;
      const cJSON *r;
      cJSON_ArrayForEach(r, rows) {
        check_ms(r, "torch_native_ms", want_for(str(r, "noise"), str(r, "case"))->native * num(r, "batch"));
        fast += !is_null(r, "torch_fast_ms");
      }
      const cJSON *r0 = find_row(rows, "none", "train_step", 4);
      ck_assert_ptr_nonnull(r0);
      check_ms(r0, "torch_fast_ms", 1.0 * 4);
      ck_assert_int_eq(fast, 1);
    } else {
      ck_assert_int_eq(check_peer_rows(rows, m != 3, 0), m != 3 ? 3 + 5 : 0);
    }
    cJSON_Delete(root);
  }
  unsetenv("ALCN_PEER_TIMEOUT");
}
END_TEST

/* --torch-deconv with one variant: that one is used, faster or not. */
START_TEST(test_peer_one_variant) {
  const char *extra[] = {"--shape", "1x28x28", "--noises", "none,alcn", "--torch-deconv", "fast"};
  ck_assert_int_eq(run(extra, 6), 0);
  cJSON *root;
  const cJSON *rows = read_rows(&root);
  ck_assert_int_eq(check_peer_rows(rows, 0, 1), 3 + 5);
  ck_assert_double_eq_tol(num(find_row(rows, "alcn", "train_step", 4), "torch_ms"), 24.0, 1e-9); /* slower, the only one */
  cJSON_Delete(root);
  char log[4096];
  ck_assert(read_log(log, sizeof log));
  ck_assert_int_eq(count_lines(log), 2); /* the timed batch, the latency batch */
  ck_assert(!strncmp(log, "bench --deconv fast ", 20));
  ck_assert(!strncmp(strchr(log, '\n') + 1, "bench --deconv fast ", 20));
}
END_TEST

/* The peer is not run at other shapes nor with --no-torch. */
START_TEST(test_peer_not_run) {
  const char *a[] = {"--noises", "none", "--no-train", "--latency-batch", "0"}; /* 1x16x16 */
  ck_assert_int_eq(run(a, 5), 0);
  const char *b[] = {"--noises", "none", "--no-train", "--latency-batch", "0", "--shape", "1x28x28", "--no-torch"};
  ck_assert_int_eq(run(b, 8), 0);
  char log[64];
  ck_assert_msg(!read_log(log, sizeof log), "the peer ran");
  cJSON *root;
  const cJSON *rows = read_rows(&root);
  ck_assert_int_eq(check_peer_rows(rows, 0, 0), 0);
  cJSON_Delete(root);
}
END_TEST

/* One variant prints garbage (and writes it as its --json): one line naming
 * it, the other variant's times stand. */
START_TEST(test_peer_garbage_one_variant) {
  setenv("ALCN_FAKE_PEER_MODE", "garbage", 1);
  setenv("ALCN_FAKE_PEER_ONLY", "fast", 1);
  const char *extra[] = {"--shape", "1x28x28", "--noises", "none,alcn"};
  char err[4096];
  ck_assert_int_eq(run_err(extra, 4, err, sizeof err), 0);
  ck_assert_msg(count_lines(err) == 1, "want one line, got: %s", err);
  ck_assert_msg(strstr(err, "table5: warning: PyTorch peer --deconv fast gave no times") && strstr(err, "is not JSON"),
                "unclear: %s", err);
  cJSON *root;
  const cJSON *rows = read_rows(&root);
  ck_assert_int_eq(check_peer_rows(rows, 1, 0), 3 + 5);
  cJSON_Delete(root);
}
END_TEST

/* Garbage, and no --json file at all, from the only variant: one line, no ratio, status 0. */
START_TEST(test_peer_garbage) {
  const char *modes[] = {"garbage", "nojson"};
  for (int m = 0; m < 2; ++m) {
    setenv("ALCN_FAKE_PEER_MODE", modes[m], 1);
    const char *extra[] = {"--shape", "1x28x28", "--noises", "none,alcn", "--torch-deconv", "native"};
    char err[4096];
    ck_assert_int_eq(run_err(extra, 6, err, sizeof err), 0);
    ck_assert_msg(count_lines(err) == 1, "%s: want one line, got: %s", modes[m], err);
    ck_assert_msg(strstr(err, "table5: warning: PyTorch peer --deconv native gave no times"), "unclear: %s", err);
    ck_assert_msg(strstr(err, m == 0 ? "is not JSON" : "wrote no"), "unclear: %s", err);
    cJSON *root;
    const cJSON *rows = read_rows(&root);
    ck_assert_int_eq(cJSON_GetArraySize(rows), 3 + 5);
    ck_assert_int_eq(check_peer_rows(rows, 0, 0), 0);
    cJSON_Delete(root);
  }
}
END_TEST

/* A peer that exits non-zero: one line per variant with its status, no ratio. */
START_TEST(test_peer_fails) {
  setenv("ALCN_FAKE_PEER_MODE", "fail", 1);
  const char *one[] = {"--shape", "1x28x28", "--noises", "none,alcn", "--torch-deconv", "native"};
  char err[4096];
  ck_assert_int_eq(run_err(one, 6, err, sizeof err), 0);
  ck_assert_msg(count_lines(err) == 1, "want one line, got: %s", err);
  ck_assert_msg(strstr(err, "table5: warning: PyTorch peer --deconv native gave no times") &&
                    strstr(err, "exited with 3"),
                "unclear: %s", err);
  cJSON *root;
  const cJSON *rows = read_rows(&root);
  ck_assert_int_eq(check_peer_rows(rows, 0, 0), 0);
  cJSON_Delete(root);
  /* both variants (the default): a line each */
  const char *both[] = {"--shape", "1x28x28", "--noises", "none", "--no-train", "--latency-batch", "0"};
  ck_assert_int_eq(run_err(both, 7, err, sizeof err), 0);
  ck_assert_msg(count_lines(err) == 2 && strstr(err, "--deconv native gave no times") &&
                    strstr(err, "--deconv fast gave no times"),
                "want a line per variant, got: %s", err);
}
END_TEST

/* ------------------------------------------ several peers side by side */
/* A stand-in interpreter in tmp: fake_peer.sh with torch `version` and, when
 * mode is not NULL, ALCN_FAKE_PEER_MODE=mode. Its path into dst. */
static void make_peer(char *dst, size_t cap, const char *name, const char *version, const char *mode) {
  snprintf(dst, cap, "%s/%s", tmp, name);
  FILE *f = fopen(dst, "w");
  ck_assert_ptr_nonnull(f);
  fprintf(f, "#!/bin/sh\nALCN_FAKE_PEER_VERSION='%s' %s%s%sexec '%s' \"$@\"\n", version,
          mode ? "ALCN_FAKE_PEER_MODE=" : "", mode ? mode : "", mode ? " " : "", FAKE_PEER);
  fclose(f);
  ck_assert_int_eq(chmod(dst, 0755), 0);
}

/* One expected peer: fake_peer.sh's times for torch major `major`, compiled or
 * not; failed: it gives none. */
typedef struct peer_spec {
  const char *label, *python, *version;
  int major, compile, failed;
} peer_spec;

/* fake_peer.sh's factor on its base times (its header's table). */
static double fake_factor(int major, int compile, const char *peer_case) {
  const int train = !strcmp(peer_case, "dae_train") || !strcmp(peer_case, "alcn_train");
  const int dae = !strcmp(peer_case, "dae_train") || !strcmp(peer_case, "infer_dae");
  if (major < 2) return 1.0;
  if (compile) return dae ? 0.5 : 2.0;
  return train ? 0.75 : 1.5;
}

/* One row or record against the peers ps[np] (deconv native and fast when
 * both, else native only): each peer's times, the fastest, the ratio. */
static void check_peers_of(const cJSON *r, const peer_spec *ps, int np, int both, double B, double ours) {
  const peer_want *w = want_for(str(r, "noise"), str(r, "case"));
  const cJSON *peers = cJSON_GetObjectItemCaseSensitive(r, "peers");
  ck_assert_msg(cJSON_IsArray(peers) && cJSON_GetArraySize(peers) == np, "%s: want %d peers", str(r, "id"), np);
  int fastest = -1;
  double best = NAN, best_nat = NAN, best_fast = NAN;
  for (int k = 0; k < np; ++k) {
    const cJSON *p = cJSON_GetArrayItem(peers, k);
    ck_assert_str_eq(str(p, "label"), ps[k].label);
    ck_assert_str_eq(str(p, "python"), ps[k].python);
    ck_assert_str_eq(str(p, "torch_version"), ps[k].version);
    ck_assert(cJSON_IsBool(cJSON_GetObjectItemCaseSensitive(p, "compile")));
    ck_assert_int_eq(cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(p, "compile")), ps[k].compile);
    const int has = w->peer && !ps[k].failed;
    const double f = has ? fake_factor(ps[k].major, ps[k].compile, w->peer) : NAN;
    const double nat = has ? w->native * f * B : NAN, fast = has && both ? w->fast * f * B : NAN;
    const double ms = isnan(fast) ? nat : fmin(nat, fast);
    check_ms(p, "native_ms", nat);
    check_ms(p, "fast_ms", fast);
    check_ms(p, "ms", ms);
    if (!isnan(ms) && (fastest < 0 || ms < best)) {
      fastest = k;
      best = ms;
      best_nat = nat;
      best_fast = fast;
    }
  }
  check_ms(r, "torch_ms", best);
  check_ms(r, "torch_native_ms", best_nat);
  check_ms(r, "torch_fast_ms", best_fast);
  check_ms(r, "speedup", isnan(best) ? NAN : best / ours); /* against the fastest */
  if (fastest < 0) ck_assert(is_null(r, "torch_fastest"));
  else ck_assert_str_eq(str(r, "torch_fastest"), ps[fastest].label);
}

/* Every row of the table and its record against the peers. Returns the rows
 * with a peer time. */
static int check_peers(const cJSON *rows, const peer_spec *ps, int np, int both) {
  int matched = 0;
  const cJSON *r;
  cJSON_ArrayForEach(r, rows) {
    const double B = num(r, "batch"), ours = num(r, "ours_ms");
    check_peers_of(r, ps, np, both, B, ours);
    matched += !is_null(r, "torch_ms");
    char path[900];
    snprintf(path, sizeof path, "%s/out/table5/%s.json", tmp, str(r, "id"));
    cJSON *rec = read_json(path);
    ck_assert_msg(rec != NULL, "no record %s", path);
    check_peers_of(rec, ps, np, both, B, ours);
    cJSON_Delete(rec);
  }
  return matched;
}

/* The table line of (noise, case, batch) in the printed output, into line[cap]. */
static void table_line(const char *out, const char *noise, const char *kase, int batch, char *line, size_t cap) {
  char head[96];
  snprintf(head, sizeof head, "%-9s %-9s %-17s %6d ", "dae", noise, kase, batch);
  const char *at = strstr(out, head);
  ck_assert_msg(at != NULL, "no line '%s' in: %s", head, out);
  snprintf(line, cap, "%.*s", (int)strcspn(at, "\n"), at);
}

static int count_str(const char *s, const char *what) {
  int n = 0;
  for (const char *at = s; (at = strstr(at, what)); at += strlen(what)) n++;
  return n;
}

/* Debian-like 1.13 and PyPI-like 2.9: three peers, each the fastest somewhere;
 * a column each, the ratio against the fastest, the settings in the header. */
START_TEST(test_peers_side_by_side) {
  char py1[700], py2[700], list[1500];
  make_peer(py1, sizeof py1, "py113", "1.13.1-fake", NULL);
  make_peer(py2, sizeof py2, "py29", "2.9.0-fake", NULL);
  snprintf(list, sizeof list, "%s,%s", py1, py2);
  const char *extra[] = {"--shape", "1x28x28", "--noises", "none,alcn,gaussian", "--python", list};
  static char err[8192], out[16384];
  ck_assert_int_eq(run_io(extra, 6, err, sizeof err, out, sizeof out), 0);
  ck_assert_msg(err[0] == 0, "unexpected stderr: %s", err);
  const peer_spec ps[] = {{"1.13 eager", py1, "1.13.1-fake", 1, 0, 0},
                          {"2.9 eager", py2, "2.9.0-fake", 2, 0, 0},
                          {"2.9 compile", py2, "2.9.0-fake", 2, 1, 0}};
  cJSON *root;
  const cJSON *rows = read_rows(&root);
  ck_assert_int_eq(check_peers(rows, ps, 3, 1), 3 + 5 + 2);
  /* spot checks, ms at batch 4: each peer is the fastest of some case */
  const struct {
    const char *noise, *kase, *fastest;
    double ms;
  } spot[] = {{"none", "train_step", "2.9 compile", 0.5 * 1.0 * 4},  /* dae_train fast */
              {"alcn", "train_step", "2.9 eager", 0.75 * 3.0 * 4},   /* alcn_train native */
              {"none", "infer", "2.9 compile", 0.5 * 0.4 * 4},       /* infer_dae fast */
              {"alcn", "infer_with_noise", "1.13 eager", 0.7 * 4}};  /* infer_alcn native */
  for (size_t i = 0; i < sizeof spot / sizeof *spot; ++i) {
    const cJSON *r = find_row(rows, spot[i].noise, spot[i].kase, 4);
    ck_assert_str_eq(str(r, "torch_fastest"), spot[i].fastest);
    ck_assert_double_eq_tol(num(r, "torch_ms"), spot[i].ms, 1e-9);
    ck_assert_double_eq_tol(num(r, "speedup"), spot[i].ms / num(r, "ours_ms"), 1e-9 * num(r, "speedup"));
  }
  /* the table JSON names the peers and what each got */
  const cJSON *peers = cJSON_GetObjectItemCaseSensitive(root, "peers");
  ck_assert_int_eq(cJSON_GetArraySize(peers), 3);
  ck_assert_ptr_nonnull(strstr(str(cJSON_GetArrayItem(peers, 0), "settings"), "OPENBLAS_NUM_THREADS=1"));
  ck_assert_ptr_null(strstr(str(cJSON_GetArrayItem(peers, 1), "settings"), "OPENBLAS_NUM_THREADS"));
  cJSON_Delete(root);
  /* the printed table: a column per peer, the fastest starred, the ratio */
  ck_assert_msg(strstr(out, "images/s 1.13 eager  2.9 eager 2.9 compile  vs fastest"), "header: %s", out);
  char want[1400];
  snprintf(want, sizeof want, "# PyTorch peer \"1.13 eager\": %s, torch 1.13.1-fake; --threads 1 as ours", py1);
  ck_assert_msg(strstr(out, want) && strstr(out, "OPENBLAS_NUM_THREADS=1 (torch < 2"), "settings: %s", out);
  snprintf(want, sizeof want, "# PyTorch peer \"2.9 compile\": %s, torch 2.9.0-fake; --threads 1 as ours", py2);
  ck_assert_msg(strstr(out, want) && strstr(out, "torch.compile on both networks; no BLAS thread variable"),
                "settings: %s", out);
  char line[512];
  table_line(out, "none", "train_step", 4, line, sizeof line);
  ck_assert_msg(strstr(line, " 4.00 ") && strstr(line, " 3.00 ") && strstr(line, " 2.00* "), "line: %s", line);
  table_line(out, "alcn", "infer_with_noise", 1, line, sizeof line);
  ck_assert_msg(strstr(line, " 0.70* ") && strstr(line, " 1.05 ") && strstr(line, " 1.40 "), "line: %s", line);
  table_line(out, "gaussian", "train_step", 4, line, sizeof line);
  ck_assert_msg(count_str(line, " - ") >= 3, "no peer, want empty columns: %s", line); /* and no ratio */
  /* twelve calls: three peers, two variants, the timed and the latency
   * batch; Debian-like gets OPENBLAS_NUM_THREADS=1, 2.x not */
  static char log[8192];
  ck_assert(read_log(log, sizeof log));
  ck_assert_int_eq(count_lines(log), 12);
  ck_assert_int_eq(count_str(log, " --compile |"), 4);
  ck_assert_int_eq(count_str(log, "| OPENBLAS_NUM_THREADS=1 "), 4);
  ck_assert_int_eq(count_str(log, "| OPENBLAS_NUM_THREADS=- "), 8);
}
END_TEST

/* A peer that fails: its column empty, one line, the others still count. */
START_TEST(test_peers_one_fails) {
  char py1[700], py2[700], list[1500];
  make_peer(py1, sizeof py1, "py29", "2.9.0-fake", NULL);
  make_peer(py2, sizeof py2, "py113", "1.13.1-fake", "fail");
  snprintf(list, sizeof list, "%s,%s", py1, py2);
  const char *extra[] = {"--shape", "1x28x28", "--noises", "none,alcn", "--python", list, "--torch-deconv", "native"};
  char err[4096];
  ck_assert_int_eq(run_err(extra, 8, err, sizeof err), 0);
  ck_assert_msg(count_lines(err) == 1, "want one line, got: %s", err);
  ck_assert_msg(strstr(err, "table5: warning: PyTorch peer --deconv native gave no times (peer 1.13 eager)") &&
                    strstr(err, "exited with 3"),
                "unclear: %s", err);
  const peer_spec ps[] = {{"2.9 eager", py1, "2.9.0-fake", 2, 0, 0},
                          {"2.9 compile", py1, "2.9.0-fake", 2, 1, 0},
                          {"1.13 eager", py2, "1.13.1-fake", 1, 0, 1}};
  cJSON *root;
  const cJSON *rows = read_rows(&root);
  ck_assert_int_eq(check_peers(rows, ps, 3, 0), 3 + 5);
  /* infer_alcn, where 1.13 would be the fastest: 2.9 eager now */
  ck_assert_str_eq(str(find_row(rows, "alcn", "infer_with_noise", 4), "torch_fastest"), "2.9 eager");
  cJSON_Delete(root);
}
END_TEST

/* --no-compile: no compile peer; interpreters without torch, or missing, are
 * skipped with a line each; the same interpreter twice runs once. */
START_TEST(test_peers_no_compile_and_skipped) {
  char py[700], bad[700], list[4000];
  make_peer(py, sizeof py, "py29", "2.9.0-fake", NULL);
  make_peer(bad, sizeof bad, "notorch", "2.9.0-fake", "noimport");
  snprintf(list, sizeof list, "%s,%s,%s/no-such-python,%s/./py29", bad, py, tmp, tmp);
  const char *extra[] = {"--shape", "1x28x28", "--noises", "none,alcn", "--python", list, "--no-compile"};
  char err[4096];
  ck_assert_int_eq(run_err(extra, 7, err, sizeof err), 0);
  ck_assert_msg(count_lines(err) == 2 && count_str(err, "table5: warning: PyTorch peer skipped: ") == 2 &&
                    strstr(err, "notorch cannot import torch") && strstr(err, "no interpreter"),
                "want a line per unusable interpreter, got: %s", err);
  const peer_spec ps[] = {{"2.9 eager", py, "2.9.0-fake", 2, 0, 0}};
  cJSON *root;
  const cJSON *rows = read_rows(&root);
  ck_assert_int_eq(check_peers(rows, ps, 1, 1), 3 + 5);
  cJSON_Delete(root);
  char log[4096];
  ck_assert(read_log(log, sizeof log));
  ck_assert_int_eq(count_lines(log), 4); /* two variants, timed and latency batch */
  ck_assert_ptr_null(strstr(log, "--compile"));
}
END_TEST

/* The default interpreters: $ALCN_PYTHON and the peer-env.sh venv's python
 * ($ALCN_PEER_VENV/bin/python); once only when they are one. */
START_TEST(test_peers_default_venv) {
  char venv[700], bin[760], py[800], py1[700];
  snprintf(venv, sizeof venv, "%s/venv", tmp);
  snprintf(bin, sizeof bin, "%s/bin", venv);
  ck_assert_int_eq(mkdir(venv, 0755), 0);
  ck_assert_int_eq(mkdir(bin, 0755), 0);
  make_peer(py, sizeof py, "venv/bin/python", "2.9.0-fake", NULL);
  make_peer(py1, sizeof py1, "py113", "1.13.1-fake", NULL);
  setenv("ALCN_PEER_VENV", venv, 1);
  setenv("ALCN_PYTHON", py1, 1);
  const char *extra[] = {"--shape", "1x28x28", "--noises", "none", "--no-train", "--latency-batch", "0"};
  ck_assert_int_eq(run(extra, 7), 0);
  const peer_spec ps[] = {{"1.13 eager", py1, "1.13.1-fake", 1, 0, 0},
                          {"2.9 eager", py, "2.9.0-fake", 2, 0, 0},
                          {"2.9 compile", py, "2.9.0-fake", 2, 1, 0}};
  cJSON *root;
  const cJSON *rows = read_rows(&root);
  ck_assert_int_eq(check_peers(rows, ps, 3, 1), 1);
  cJSON_Delete(root);
  /* ALCN_PYTHON is the venv's python: one interpreter */
  char same[800];
  snprintf(same, sizeof same, "%s/../bin/python", bin);
  setenv("ALCN_PYTHON", same, 1);
  ck_assert_int_eq(run(extra, 7), 0);
  const peer_spec one[] = {{"2.9 eager", same, "2.9.0-fake", 2, 0, 0}, {"2.9 compile", same, "2.9.0-fake", 2, 1, 0}};
  rows = read_rows(&root);
  ck_assert_int_eq(check_peers(rows, one, 2, 1), 1);
  cJSON_Delete(root);
}
END_TEST

/* ALCN_CPU_ISA=avx2 (ours held to AVX2): the peers get the variables that
 * hold torch, oneDNN, MKL and OpenBLAS to AVX2, except those already set. */
START_TEST(test_peers_avx2) {
  FILE *f = fopen("/proc/cpuinfo", "r");
  static char info[1 << 16];
  const size_t n = f ? fread(info, 1, sizeof info - 1, f) : 0;
  if (f) fclose(f);
  info[n] = 0;
  if (!strstr(info, " avx2")) {
    fprintf(stderr, "test_peers_avx2: this CPU has no AVX2 (ALCN_CPU_ISA=avx2 is refused); skipped\n");
    return;
  }
  setenv("ALCN_CPU_ISA", "avx2", 1);
  setenv("ONEDNN_MAX_CPU_ISA", "AVX512_CORE", 1); /* the user's own: kept */
  const char *extra[] = {"--shape", "1x28x28", "--noises", "none", "--no-train", "--latency-batch", "0",
                         "--torch-deconv", "fast"};
  static char err[4096], out[16384];
  ck_assert_int_eq(run_io(extra, 9, err, sizeof err, out, sizeof out), 0);
  ck_assert_msg(err[0] == 0, "unexpected stderr: %s", err);
  char log[4096];
  ck_assert(read_log(log, sizeof log));
  ck_assert_int_eq(count_lines(log), 1);
  ck_assert_msg(strstr(log, "| OPENBLAS_NUM_THREADS=1 ATEN_CPU_CAPABILITY=avx2 ONEDNN_MAX_CPU_ISA=AVX512_CORE "
                            "MKL_ENABLE_INSTRUCTIONS=AVX2 OPENBLAS_CORETYPE=Haswell\n"),
                "the peer's environment: %s", log);
  ck_assert_msg(strstr(out, "; ALCN_CPU_ISA=avx2, so the same ISA: ATEN_CPU_CAPABILITY=avx2 "
                            "ONEDNN_MAX_CPU_ISA=AVX512_CORE (yours) MKL_ENABLE_INSTRUCTIONS=AVX2 "
                            "OPENBLAS_CORETYPE=Haswell\n"),
                "header: %s", out);
}
END_TEST

static double now_s(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

/* A process that is not ours (not waited for inside the window) spinning for
 * 0.6 s while we sleep: at least half of that (tick rounding, a slow start)
 * shows as other processes' share of the CPUs. */
START_TEST(test_load_counts_others) {
  bt_load l;
  bt_load_begin(&l);
  ck_assert_msg(l.ok, "no /proc/stat");
  pid_t pid = fork();
  ck_assert_int_ge(pid, 0);
  if (pid == 0) {
    volatile double x = 0.0;
    const double t0 = now_s();
    while (now_s() - t0 < 0.6) x += 1.0;
    _exit(0);
  }
  const struct timespec d = {0, 700000000L};
  nanosleep(&d, NULL);
  const double other = bt_load_other(&l);
  int status;
  waitpid(pid, &status, 0);
  ck_assert_msg(other >= 0.5 * 0.6 / 0.7 / bt_load_cpus() && other <= 1.0, "other %g of %d CPUs", other,
                bt_load_cpus());
}
END_TEST

static Suite *suite(void) {
  Suite *s = suite_create("table5");
  TCase *tc = tcase_create("table5");
  tcase_add_checked_fixture(tc, setup, teardown);
  tcase_set_timeout(tc, 100);
  tcase_add_test(tc, test_table_and_records);
  tcase_add_test(tc, test_env_disables_torch);
  tcase_add_test(tc, test_bad_flags);
  suite_add_tcase(s, tc);
  TCase *tl = tcase_create("machine_load");
  tcase_add_test(tl, test_load_counts_others);
  suite_add_tcase(s, tl);
  TCase *tp = tcase_create("peer"); /* against fake_peer.sh: a fresh folder and environment per test */
  tcase_add_checked_fixture(tp, peer_setup, peer_teardown);
  tcase_set_timeout(tp, 100);
  tcase_add_test(tp, test_peer_cases_and_ratios);
  tcase_add_test(tp, test_peer_one_variant);
  tcase_add_test(tp, test_rounds);
  tcase_add_test(tp, test_rounds_alternate);
  tcase_add_test(tp, test_rounds_failure_said_once);
  tcase_add_test(tp, test_paired);
  tcase_add_test(tp, test_paired_servers_fail);
  tcase_add_test(tp, test_peer_not_run);
  tcase_add_test(tp, test_peer_garbage_one_variant);
  tcase_add_test(tp, test_peer_garbage);
  tcase_add_test(tp, test_peer_fails);
  tcase_add_test(tp, test_peers_side_by_side);
  tcase_add_test(tp, test_peers_one_fails);
  tcase_add_test(tp, test_peers_no_compile_and_skipped);
  tcase_add_test(tp, test_peers_default_venv);
  tcase_add_test(tp, test_peers_avx2);
  suite_add_tcase(s, tp);
  return s;
}

int main(void) {
  SRunner *sr = srunner_create(suite());
  srunner_run_all(sr, CK_NORMAL);
  int failed = srunner_ntests_failed(sr);
  srunner_free(sr);
  return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
