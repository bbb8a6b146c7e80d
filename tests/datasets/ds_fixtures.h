/* Fixture writers for the datasets tests: small data sets in the exact
 * official layouts (IDX plain/.gz, CIFAR-10/-100 records, MVTec AD,
 * PlantVillage and generic folder trees). Pixel values are a known function
 * of (image, position) so the tests can check them after loading. */
#ifndef ALCN_DS_FIXTURES_H
#define ALCN_DS_FIXTURES_H

#include <stddef.h>
#include <stdint.h>

/* Pixel value of image i at byte offset j of its data. */
static inline uint8_t fx_px(int i, int j) { return (uint8_t)((i * 7 + j * 3) & 0xff); }

/* Write bytes to path; gz = 1 writes a gzip file. Returns 0 on success. */
int fx_write(const char *path, const void *data, size_t n, int gz);
/* IDX image file (n x h x w, pixels fx_px) / label file (labels[i]). */
int fx_write_idx_images(const char *path, int n, int h, int w, int gz);
int fx_write_idx_labels(const char *path, int n, const uint8_t *labels, int gz);
/* A full MNIST-layout folder: ntrain/ntest images, label i % 10. */
int fx_make_mnist(const char *dir, int ntrain, int ntest, int gz);
/* CIFAR-10 batches (5 x per_batch train + per_batch test, label i % 10) and
 * batches.meta.txt; CIFAR-100 train/test (fine i % 100, coarse i % 20) and names. */
int fx_make_cifar10(const char *dir, int per_batch);
int fx_make_cifar100(const char *dir, int ntrain, int ntest);
/* mkdir -p */
int fx_mkdirs(const char *path);

#endif
