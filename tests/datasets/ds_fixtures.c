/* Fixture writers for the datasets tests (see ds_fixtures.h). */
#define _POSIX_C_SOURCE 200809L
#include "alcn/fsutil.h"
#include "ds_fixtures.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <zlib.h>

int fx_write(const char *path, const void *data, size_t n, int gz) {
  if (gz) {
    gzFile g = gzopen(path, "wb6");
    if (!g) return -1;
    int ok = n == 0 || gzwrite(g, data, (unsigned)n) == (int)n;
    return (gzclose(g) == Z_OK && ok) ? 0 : -1;
  }
  FILE *f = fopen(path, "wb");
  if (!f) return -1;
  size_t put = n ? fwrite(data, 1, n, f) : 0;
  return (fclose(f) == 0 && put == n) ? 0 : -1;
}

static void be32(uint8_t *p, uint32_t v) {
  p[0] = (uint8_t)(v >> 24);
  p[1] = (uint8_t)(v >> 16);
  p[2] = (uint8_t)(v >> 8);
  p[3] = (uint8_t)v;
}

int fx_write_idx_images(const char *path, int n, int h, int w, int gz) {
  size_t per = (size_t)h * w, len = 16 + (size_t)n * per;
  uint8_t *b = malloc(len);
  if (!b) return -1;
  b[0] = b[1] = 0;
  b[2] = 8;
  b[3] = 3;
  be32(b + 4, (uint32_t)n);
  be32(b + 8, (uint32_t)h);
  be32(b + 12, (uint32_t)w);
  for (int i = 0; i < n; ++i)
    for (size_t j = 0; j < per; ++j) b[16 + (size_t)i * per + j] = fx_px(i, (int)j);
  int r = fx_write(path, b, len, gz);
  free(b);
  return r;
}

int fx_write_idx_labels(const char *path, int n, const uint8_t *labels, int gz) {
  uint8_t *b = malloc(8 + (size_t)n);
  if (!b) return -1;
  b[0] = b[1] = 0;
  b[2] = 8;
  b[3] = 1;
  be32(b + 4, (uint32_t)n);
  memcpy(b + 8, labels, (size_t)n);
  int r = fx_write(path, b, 8 + (size_t)n, gz);
  free(b);
  return r;
}

int fx_mkdirs(const char *path) { return alcn_fs_mkdir_p(path) == ALCN_OK ? 0 : -1; }

int fx_make_mnist(const char *dir, int ntrain, int ntest, int gz) {
  char p[4096];
  const char *ext = gz ? ".gz" : "";
  int n = ntrain > ntest ? ntrain : ntest;
  uint8_t *lab = malloc((size_t)n);
  for (int i = 0; i < n; ++i) lab[i] = (uint8_t)(i % 10);
  int r = 0;
  snprintf(p, sizeof p, "%s/train-images-idx3-ubyte%s", dir, ext);
  r |= fx_write_idx_images(p, ntrain, 28, 28, gz);
  snprintf(p, sizeof p, "%s/train-labels-idx1-ubyte%s", dir, ext);
  r |= fx_write_idx_labels(p, ntrain, lab, gz);
  snprintf(p, sizeof p, "%s/t10k-images-idx3-ubyte%s", dir, ext);
  r |= fx_write_idx_images(p, ntest, 28, 28, gz);
  snprintf(p, sizeof p, "%s/t10k-labels-idx1-ubyte%s", dir, ext);
  r |= fx_write_idx_labels(p, ntest, lab, gz);
  free(lab);
  return r;
}

static int write_cifar(const char *path, int n, int start, int c100) {
  size_t rec = 3072 + (c100 ? 2 : 1);
  uint8_t *b = malloc((size_t)n * rec);
  if (!b) return -1;
  for (int i = 0; i < n; ++i) {
    uint8_t *r = b + (size_t)i * rec;
    int g = start + i;
    if (c100) {
      r[0] = (uint8_t)(g % 20);
      r[1] = (uint8_t)(g % 100);
    } else {
      r[0] = (uint8_t)(g % 10);
    }
    for (int j = 0; j < 3072; ++j) r[rec - 3072 + j] = fx_px(g, j);
  }
  int res = fx_write(path, b, (size_t)n * rec, 0);
  free(b);
  return res;
}

int fx_make_cifar10(const char *dir, int per_batch) {
  char p[4096];
  int r = 0;
  for (int k = 0; k < 5; ++k) {
    snprintf(p, sizeof p, "%s/data_batch_%d.bin", dir, k + 1);
    r |= write_cifar(p, per_batch, k * per_batch, 0);
  }
  snprintf(p, sizeof p, "%s/test_batch.bin", dir);
  r |= write_cifar(p, per_batch, 5 * per_batch, 0);
  static const char meta[] = "airplane\nautomobile\nbird\ncat\ndeer\ndog\nfrog\nhorse\nship\ntruck\n\n";
  snprintf(p, sizeof p, "%s/batches.meta.txt", dir);
  r |= fx_write(p, meta, strlen(meta), 0);
  return r;
}

int fx_make_cifar100(const char *dir, int ntrain, int ntest) {
  char p[4096];
  int r = 0;
  snprintf(p, sizeof p, "%s/train.bin", dir);
  r |= write_cifar(p, ntrain, 0, 1);
  snprintf(p, sizeof p, "%s/test.bin", dir);
  r |= write_cifar(p, ntest, ntrain, 1);
  char names[4096];
  size_t at = 0;
  for (int i = 0; i < 100; ++i) at += (size_t)snprintf(names + at, sizeof names - at, "fine_%d\n", i);
  snprintf(p, sizeof p, "%s/fine_label_names.txt", dir);
  r |= fx_write(p, names, at, 0);
  at = 0;
  for (int i = 0; i < 20; ++i) at += (size_t)snprintf(names + at, sizeof names - at, "coarse_%d\n", i);
  snprintf(p, sizeof p, "%s/coarse_label_names.txt", dir);
  r |= fx_write(p, names, at, 0);
  return r;
}
