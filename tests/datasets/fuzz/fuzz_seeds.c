/* Writes the seed corpus of the datasets fuzz targets into argv[1]:
 * small valid IDX, CIFAR, PNG (8/16-bit, gray/RGBA), JPEG (baseline,
 * progressive), decode-cache (without its checksum) and manifest files. */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "alcn/dataset.h"
#include "alcn/dataset_formats.h"
#include "alcn/image_io.h"
#include "alcn/protocol.h"
#include "ds_fixtures.h"

int main(int argc, char **argv) {
  if (argc != 2) return 2;
  const char *d = argv[1];
  if (fx_mkdirs(d) != 0) return 1;
  char p[4096];
  int r = 0;
  uint8_t lab[3] = {1, 2, 3};
  snprintf(p, sizeof p, "%s/idx_images", d);
  r |= fx_write_idx_images(p, 2, 4, 4, 0);
  snprintf(p, sizeof p, "%s/idx_labels", d);
  r |= fx_write_idx_labels(p, 3, lab, 0);
  uint8_t rec[3074 * 2];
  for (size_t i = 0; i < sizeof rec; ++i) rec[i] = (uint8_t)(i % 7);
  snprintf(p, sizeof p, "%s/cifar10", d);
  r |= fx_write(p, rec, 3073 * 2, 0);
  snprintf(p, sizeof p, "%s/cifar100", d);
  r |= fx_write(p, rec, 3074, 0);
  uint8_t px[8 * 8 * 4];
  uint16_t px16[8 * 8 * 4];
  for (int i = 0; i < 8 * 8 * 4; ++i) {
    px[i] = (uint8_t)(i * 5);
    px16[i] = (uint16_t)(i * 977);
  }
  snprintf(p, sizeof p, "%s/gray8.png", d);
  r |= alcn_png_write(p, px, 8, 8, 1, 8) != ALCN_OK;
  snprintf(p, sizeof p, "%s/rgba16.png", d);
  r |= alcn_png_write(p, px16, 8, 8, 4, 16) != ALCN_OK;
  snprintf(p, sizeof p, "%s/rgb8.png", d);
  r |= alcn_png_write(p, px, 8, 8, 3, 8) != ALCN_OK;
  snprintf(p, sizeof p, "%s/base.jpg", d);
  r |= alcn_jpeg_write(p, px, 16, 8, 3, 80, 0) != ALCN_OK;
  snprintf(p, sizeof p, "%s/prog.jpg", d);
  r |= alcn_jpeg_write(p, px, 16, 8, 3, 80, 1) != ALCN_OK;
  snprintf(p, sizeof p, "%s/gray.jpg", d);
  r |= alcn_jpeg_write(p, px, 8, 8, 1, 80, 0) != ALCN_OK;
  /* a 3-image data set with every optional array */
  alcn_dataset ds;
  memset(&ds, 0, sizeof ds);
  snprintf(ds.name, sizeof ds.name, "folder");
  ds.n = 3;
  ds.c = 1;
  ds.h = ds.w = 2;
  int32_t labels[3] = {0, 1, 1}, coarse[3] = {0, 0, 1};
  uint8_t split[3] = {0, 0, 1}, anom[3] = {0, 0, 1}, masks[12] = {0}, images[12];
  for (int i = 0; i < 12; ++i) images[i] = (uint8_t)i;
  char *names[2] = {"a", "b c"}, *src[3] = {"x.png", "y.png", "z.png"};
  ds.labels = labels;
  ds.labels_coarse = coarse;
  ds.split = split;
  ds.anomalous = anom;
  ds.masks = masks;
  ds.images = images;
  ds.n_classes = 2;
  ds.class_names = names;
  ds.sources = src;
  uint8_t *buf;
  size_t len;
  if (alcn_cache_serialize(&ds, &buf, &len) != ALCN_OK) return 1;
  snprintf(p, sizeof p, "%s/cache", d);
  r |= fx_write(p, buf, len - 8, 0); /* the fuzz harness appends the checksum */
  free(buf);
  ds.labels_coarse = NULL;
  ds.masks = NULL;
  ds.sources = NULL;
  alcn_manifest m;
  if (alcn_protocol_split(&m, &ds, "mvtec", 0, 1, 0.0) == ALCN_OK) {
    /* class 0 has train images but no test images: fall back to p2 on class 1 */
    alcn_manifest_free(&m);
  }
  if (alcn_protocol_split(&m, &ds, "p1", 0, 1, 0.0) == ALCN_OK) {
    snprintf(p, sizeof p, "%s/manifest", d);
    r |= alcn_manifest_save(&m, p) != ALCN_OK;
    alcn_manifest_free(&m);
  }
  return r ? 1 : 0;
}
