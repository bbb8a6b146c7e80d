/* Suite "pixel_e2e": pixel-level evaluation end to end on a generated
 * MVTec-layout folder (category "toy", 32x32 gray: smooth stripes as the
 * normal pattern; defects are bright squares with their masks). Runs
 * `alcnbench run` (dae, 20 epochs, about 2 s) and checks that the record holds
 * pixel_auroc and aupro in [0, 1] (above chance: the squares are far from
 * what the DAE learned), the anomaly-map file, loss_not_falling, and that the
 * report has the pixel tables, the overlays and results.csv rows for both
 * metrics. `test_pixel_e2e --make DIR` only writes the folder (for trying
 * the harness by hand). */
#define _POSIX_C_SOURCE 200809L
#include <check.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cJSON.h>

#include "alcn/image_io.h"
#include "test_util.h"

#ifndef ALCNBENCH
#error "ALCNBENCH (path of the alcnbench binary) must be defined"
#endif

enum { S = 32 };
static char tmp[4096];

static int mkdirs(const char *path) {
  char p[4096];
  if (snprintf(p, sizeof p, "%s", path) >= (int)sizeof p) return -1;
  for (char *q = p + 1; *q; ++q)
    if (*q == '/') {
      *q = 0;
      mkdir(p, 0777);
      *q = '/';
    }
  return mkdir(p, 0777) == 0 || access(p, F_OK) == 0 ? 0 : -1;
}

/* Normal image: diagonal stripes with a per-image phase; defect: a bright
 * (k+4)-pixel square at a per-image place, its mask beside it. */
static int put(const char *dir, const char *sub, int i, int defect) {
  char d[4096], p[4096];
  if (snprintf(d, sizeof d, "%s/%s", dir, sub) >= (int)sizeof d) return -1;
  if (mkdirs(d)) return -1;
  uint8_t px[S * S], mk[S * S];
  memset(mk, 0, sizeof mk);
  for (int y = 0; y < S; ++y)
    for (int x = 0; x < S; ++x) px[y * S + x] = (uint8_t)(96 + 60 * sin(0.5 * (x + y) + 0.3 * i));
  int sz = 6 + i % 4, x0 = 4 + (5 * i) % 18, y0 = 6 + (7 * i) % 16;
  if (defect)
    for (int y = y0; y < y0 + sz; ++y)
      for (int x = x0; x < x0 + sz; ++x) px[y * S + x] = 255, mk[y * S + x] = 255;
  if (snprintf(p, sizeof p, "%s/%03d.png", d, i) >= (int)sizeof p) return -1;
  if (alcn_png_write(p, px, S, S, 1, 8) != ALCN_OK) return -1;
  if (!defect) return 0;
  if (snprintf(d, sizeof d, "%s/ground_truth/square", dir) >= (int)sizeof d) return -1;
  if (mkdirs(d)) return -1;
  if (snprintf(p, sizeof p, "%s/%03d_mask.png", d, i) >= (int)sizeof p) return -1;
  return alcn_png_write(p, mk, S, S, 1, 8) == ALCN_OK ? 0 : -1;
}

static int make_mvtec(const char *root) {
  char dir[4096];
  if (snprintf(dir, sizeof dir, "%s/toy", root) >= (int)sizeof dir) return -1;
  for (int i = 0; i < 48; ++i)
    if (put(dir, "train/good", i, 0)) return -1;
  for (int i = 0; i < 6; ++i)
    if (put(dir, "test/good", 100 + i, 0) || put(dir, "test/square", i, 1)) return -1;
  return 0;
}

static int run(char *const argv[], const char *log) {
  pid_t pid = fork();
  if (pid == 0) {
    FILE *f = freopen(log, "w", stdout);
    if (f) dup2(fileno(stdout), 2);
    execv(argv[0], argv);
    _exit(127);
  }
  int st = 0;
  waitpid(pid, &st, 0);
  return WIFEXITED(st) ? WEXITSTATUS(st) : 128;
}

static char *slurp(const char *path) {
  FILE *f = fopen(path, "rb");
  if (!f) return NULL;
  fseek(f, 0, SEEK_END);
  long n = ftell(f);
  fseek(f, 0, SEEK_SET);
  char *s = malloc((size_t)n + 1);
  size_t r = fread(s, 1, (size_t)n, f);
  s[r] = 0;
  fclose(f);
  return s;
}

static void setup(void) {
  ck_assert_int_eq(tu_make_tempdir(tmp, sizeof tmp, "pixel_e2e"), 0);
  char root[4200];
  snprintf(root, sizeof root, "%s/mv", tmp);
  ck_assert_int_eq(make_mvtec(root), 0);
}

static void teardown(void) { tu_remove_tree(tmp); }

START_TEST(test_run_reports_pixel_metrics) {
  char root[4200], out[4200], log[4200], path[4400];
  snprintf(root, sizeof root, "%s/mv", tmp);
  snprintf(out, sizeof out, "%s/out", tmp);
  snprintf(log, sizeof log, "%s/run.log", tmp);
  char *argv[] = {ALCNBENCH, "run", "--dataset", "mvtec", "--root", root, "--protocol", "mvtec", "--classes", "toy",
                  "--method", "dae", "--noise", "none", "--loss", "mse", "--epochs", "20", "--batch", "16",
                  "--image-size", "32", "--threads", "1", "--opt", "dae:lr=1e-3", "--quiet", "--out", out, NULL};
  int rc = run(argv, log);
  char *l = slurp(log);
  ck_assert_msg(rc == 0, "alcnbench run exited %d: %s", rc, l ? l : "");
  free(l);
  snprintf(path, sizeof path, "%s/records/mvtec_mvtec_c0_dae_none_mse_s1.json", out);
  char *txt = slurp(path);
  ck_assert_msg(txt != NULL, "no record %s", path);
  cJSON *o = cJSON_Parse(txt);
  free(txt);
  ck_assert_ptr_nonnull(o);
  const cJSON *pa = cJSON_GetObjectItem(o, "pixel_auroc"), *ap = cJSON_GetObjectItem(o, "aupro");
  ck_assert_msg(cJSON_IsNumber(pa) && cJSON_IsNumber(ap), "the record has no pixel_auroc / aupro");
  ck_assert(pa->valuedouble >= 0.0 && pa->valuedouble <= 1.0);
  ck_assert(ap->valuedouble >= 0.0 && ap->valuedouble <= 1.0);
  /* 20 epochs give about 0.95 / 0.84 here: bright squares stand out in the reconstruction error */
  ck_assert_msg(pa->valuedouble > 0.8, "pixel AUROC %g: the bright squares should stand out", pa->valuedouble);
  ck_assert_msg(ap->valuedouble > 0.5, "AUPRO %g: the bright squares should stand out", ap->valuedouble);
  ck_assert_double_eq_tol(cJSON_GetObjectItem(o, "pixel_sigma")->valuedouble, 4.0, 1e-12);
  ck_assert_int_eq(cJSON_GetObjectItem(o, "pixel_regions")->valueint, 6);
  const cJSON *am = cJSON_GetObjectItem(o, "anomaly_maps"), *nf = cJSON_GetObjectItem(o, "loss_not_falling");
  ck_assert(cJSON_IsString(am));
  ck_assert(cJSON_IsBool(nf));
  snprintf(path, sizeof path, "%s/%s", out, am->valuestring);
  ck_assert_int_eq(access(path, R_OK), 0);
  ck_assert(!cJSON_IsTrue(nf)); /* 20 epochs on stripes: the loss falls */
  /* the Figure-4 file (v2): 3 normal then 3 anomalous test images, no noise panels (noise none) */
  const cJSON *f4 = cJSON_GetObjectItem(o, "figure4");
  ck_assert(cJSON_IsString(f4));
  snprintf(path, sizeof path, "%s/%s", out, f4->valuestring);
  FILE *f = fopen(path, "rb");
  ck_assert_ptr_nonnull(f);
  unsigned char hdr[28];
  ck_assert_uint_eq(fread(hdr, 1, 28, f), 28);
  ck_assert(!memcmp(hdr, "ALCNF4v2", 8));
  int32_t dims[5];
  memcpy(dims, hdr + 8, sizeof dims);
  ck_assert_int_eq(dims[0], 6);
  ck_assert_int_eq(dims[4] & 1, 0);
  size_t plane = (size_t)dims[1] * dims[2] * dims[3];
  for (int i = 0; i < 6; ++i) {
    int32_t label;
    float score;
    ck_assert_uint_eq(fread(&label, 4, 1, f), 1);
    ck_assert_uint_eq(fread(&score, 4, 1, f), 1);
    ck_assert_int_eq(label, i >= 3);
    ck_assert(isfinite(score) && score > 0);
    ck_assert_int_eq(fseek(f, (long)(4 * plane * 4), SEEK_CUR), 0);
  }
  fclose(f);
  cJSON_Delete(o);

  /* the report written by the run: pixel tables, overlays, results.csv */
  snprintf(path, sizeof path, "%s/report/report.md", out);
  char *md = slurp(path);
  ck_assert_ptr_nonnull(md);
  ck_assert_msg(strstr(md, "Pixel AUROC") && strstr(md, "AUPRO"), "report.md lacks the pixel tables");
  ck_assert_msg(strstr(md, "Anomaly maps"), "report.md lacks the anomaly-map overlays");
  free(md);
  snprintf(path, sizeof path, "%s/report/results.csv", out);
  char *csv = slurp(path);
  ck_assert_ptr_nonnull(csv);
  ck_assert_ptr_nonnull(strstr(csv, ",pixel_auroc,"));
  ck_assert_ptr_nonnull(strstr(csv, ",aupro,"));
  free(csv);
}
END_TEST

int main(int argc, char **argv) {
  if (argc == 3 && !strcmp(argv[1], "--make")) return make_mvtec(argv[2]) ? 1 : 0;
  Suite *s = suite_create("pixel_e2e");
  TCase *tc = tcase_create("run");
  tcase_set_timeout(tc, 300);
  tcase_add_checked_fixture(tc, setup, teardown);
  tcase_add_test(tc, test_run_reports_pixel_metrics);
  suite_add_tcase(s, tc);
  return tu_run_suite(s);
}
