/* bench_data: data loading speed in images/s.
 *   1. Fashion-MNIST from .gz (no cache), writing the decode cache, and back
 *      from the cache.
 *   2. decode + area-resize of a generated folder of 1024x1024 PNGs and
 *      JPEGs to 256x256 (generic folder layout), first run without a cache.
 * usage: bench_data [--fmnist ROOT] [--n IMAGES_PER_FORMAT] [--tmp DIR] */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "alcn/clock.h"
#include "alcn/dataset.h"
#include "alcn/image_io.h"

static int die(const char *what) {
  fprintf(stderr, "bench_data: %s: %s\n", what, alcn_last_error());
  return 1;
}

static void rm_rf(const char *dir) {
  char cmd[1200];
  if (strncmp(dir, "/tmp/", 5) != 0) return;
  snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
  if (system(cmd) != 0) fprintf(stderr, "bench_data: could not remove %s\n", dir);
}

int main(int argc, char **argv) {
  const char *froot = ALCN_FASHION_MNIST_DEFAULT_ROOT;
  int nimg = 16;
  char tmp[512] = "/tmp/alcn-bench-data-XXXXXX";
  for (int i = 1; i + 1 < argc; i += 2) {
    if (strcmp(argv[i], "--fmnist") == 0) froot = argv[i + 1];
    else if (strcmp(argv[i], "--n") == 0) nimg = atoi(argv[i + 1]);
    else {
      fprintf(stderr, "usage: bench_data [--fmnist ROOT] [--n IMAGES_PER_FORMAT]\n");
      return 2;
    }
  }
  if (nimg < 1) nimg = 1;
  if (!mkdtemp(tmp)) {
    perror("mkdtemp");
    return 1;
  }
  char cache[600], folder[600], dir[700];
  snprintf(cache, sizeof cache, "%s/cache", tmp);
  snprintf(folder, sizeof folder, "%s/folder", tmp);

  /* 1. Fashion-MNIST */
  alcn_dataset_opts o = alcn_dataset_opts_default();
  o.root = froot;
  alcn_dataset ds;
  double t0 = alcn_clock_s();
  if (alcn_dataset_load(&ds, "fashion-mnist", &o) != ALCN_OK) return die("fashion-mnist");
  double t1 = alcn_clock_s();
  int n = ds.n;
  alcn_dataset_free(&ds);
  o.cache_dir = cache;
  double t2 = alcn_clock_s();
  if (alcn_dataset_load(&ds, "fashion-mnist", &o) != ALCN_OK) return die("fashion-mnist (cache write)");
  double t3 = alcn_clock_s();
  alcn_dataset_free(&ds);
  if (alcn_dataset_load(&ds, "fashion-mnist", &o) != ALCN_OK || !ds.from_cache) return die("fashion-mnist (cache read)");
  double t4 = alcn_clock_s();
  alcn_dataset_free(&ds);
  printf("fashion-mnist %d images: from .gz %.3f s (%.0f img/s); .gz + cache write %.3f s (%.0f img/s); "
         "from cache %.3f s (%.0f img/s)\n",
         n, t1 - t0, n / (t1 - t0), t3 - t2, n / (t3 - t2), t4 - t3, n / (t4 - t3));

  /* 2. 1024x1024 PNG and JPEG -> 256x256 */
  const int S = 1024;
  uint8_t *px = malloc((size_t)S * S * 3);
  for (int y = 0; y < S; ++y)
    for (int x = 0; x < S; ++x) {
      uint8_t *p = px + ((size_t)y * S + x) * 3;
      p[0] = (uint8_t)(x / 4);
      p[1] = (uint8_t)(y / 4);
      p[2] = (uint8_t)((x ^ y) & 0xff);
    }
  const char *fmt[2] = {"png", "jpg"};
  for (int f = 0; f < 2; ++f) {
    rm_rf(folder);
    snprintf(dir, sizeof dir, "%s/train/good", folder);
    char cmd[1600];
    snprintf(cmd, sizeof cmd, "mkdir -p '%s' '%s/test/good'", dir, folder);
    if (system(cmd) != 0) return 1;
    for (int i = 0; i < nimg; ++i) {
      char p[1600];
      snprintf(p, sizeof p, "%s/%s/%03d.%s", i % 4 == 0 ? folder : dir, i % 4 == 0 ? "test/good" : "", i, fmt[f]);
      px[i] ^= 1; /* distinct files */
      alcn_status st = f == 0 ? alcn_png_write(p, px, S, S, 3, 8) : alcn_jpeg_write(p, px, S, S, 3, 90, 0);
      if (st != ALCN_OK) return die("write");
    }
    alcn_dataset_opts fo = alcn_dataset_opts_default();
    fo.root = folder;
    fo.size = 256;
    double a = alcn_clock_s();
    if (alcn_dataset_load(&ds, "folder", &fo) != ALCN_OK) return die("folder");
    double b = alcn_clock_s();
    printf("%d %dx%d %s -> 256x256x%d: %.3f s (%.1f img/s, all threads)\n", ds.n, S, S, fmt[f], ds.c, b - a,
           ds.n / (b - a));
    alcn_dataset_free(&ds);
  }
  free(px);
  rm_rf(tmp);
  return 0;
}
