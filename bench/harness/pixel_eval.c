/* Pixel-level evaluation of a cell on a data set with ground-truth masks
 * (MVTec layout) and a method with score_maps: per-pixel anomaly maps of
 * every test image (a second, untimed pass after the image scores),
 * smoothed with a Gaussian (--pixel-sigma, default 4), pixel AUROC and AUPRO
 * to FPR 0.3 (reports/src/pixel_metrics.c), and the anomaly-map file
 * <out>/figure4/<cell>.amap that the report turns into overlays.
 *
 * .amap layout (little-endian): char magic[8] = "ALCNAMv1"; int32 n, c, h, w;
 * then per image: int32 label (1 = anomalous), float32 image score, c*h*w
 * float32 input, h*w float32 smoothed map, h*w uint8 mask.
 *
 * Nothing here fails the cell: a problem is one warning line and the record
 * holds no pixel metrics. */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "alcn/pixel_metrics.h"
#include "bench.h"

/* Rows of the overlay file: up to 3 normal and 3 anomalous test images. */
#define AMAP_PER_KIND 3

static void put_u32(uint8_t *p, uint32_t v) {
  p[0] = (uint8_t)v;
  p[1] = (uint8_t)(v >> 8);
  p[2] = (uint8_t)(v >> 16);
  p[3] = (uint8_t)(v >> 24);
}

static uint8_t *put_f32s(uint8_t *p, const float *x, size_t n) {
  for (size_t i = 0; i < n; ++i, p += 4) {
    uint32_t u;
    memcpy(&u, &x[i], 4);
    put_u32(p, u);
  }
  return p;
}

int ab_pick_examples(const uint8_t *labels, int n, int per_kind, int *pos) {
  int k = 0;
  for (int want = 0; want < 2; ++want) { /* normals first, then anomalies */
    int got = 0;
    for (int i = 0; i < n && got < per_kind; ++i)
      if ((labels[i] != 0) == want) pos[k++] = i, ++got;
  }
  /* one kind short: fill up with more of the other (still grouped) */
  if (k < 2 * per_kind) {
    int extra[64], ne = 0;
    for (int i = 0; i < n && k + ne < 2 * per_kind && ne < 64; ++i) {
      int used = 0;
      for (int j = 0; j < k && !used; ++j) used = pos[j] == i;
      if (!used) extra[ne++] = i;
    }
    for (int j = 0; j < ne; ++j) pos[k++] = extra[j];
  }
  return k;
}

static alcn_status write_amap(const ab_config *c, const ab_cell *cell, ab_batches *b, const alcn_manifest *m,
                              const float *maps, const uint8_t *masks, const ab_result *r, char *rel, size_t cap) {
  const alcn_dataset *ds = b->ds;
  int pos[2 * AMAP_PER_KIND];
  int n = ab_pick_examples(m->test_labels, m->n_test, AMAP_PER_KIND, pos);
  if (n > b->batch) n = b->batch;
  size_t hw = (size_t)ds->h * (size_t)ds->w, d = b->sample;
  int32_t idx[2 * AMAP_PER_KIND];
  for (int i = 0; i < n; ++i) idx[i] = m->test[pos[i]];
  const float *x;
  ALCN_CHECK(ab_batches_fill(b, idx, n, &x)); /* normalised images in b->host */
  size_t len = 24 + (size_t)n * (8 + 4 * d + 4 * hw + hw);
  uint8_t *buf = malloc(len), *p = buf;
  ALCN_CHECK_ALLOC(buf, len);
  memcpy(p, "ALCNAMv1", 8);
  p += 8;
  int32_t dims[4] = {n, ds->c, ds->h, ds->w};
  for (int i = 0; i < 4; ++i, p += 4) put_u32(p, (uint32_t)dims[i]);
  for (int i = 0; i < n; ++i) {
    put_u32(p, (uint32_t)(m->test_labels[pos[i]] != 0));
    p += 4;
    p = put_f32s(p, &r->test_scores[pos[i]], 1);
    p = put_f32s(p, b->host + (size_t)i * d, d);
    p = put_f32s(p, maps + (size_t)pos[i] * hw, hw);
    for (size_t k = 0; k < hw; ++k) *p++ = masks[(size_t)pos[i] * hw + k] ? 1 : 0;
  }
  snprintf(rel, cap, "figure4/%s.amap", cell->id);
  alcn_status s = ab_write_atomic(c->out, rel, buf, len);
  free(buf);
  if (s != ALCN_OK) rel[0] = '\0';
  return s;
}

void ab_pixel_eval(const ab_config *c, const ab_cell *cell, const alcn_method_desc *md, void *state, ab_batches *b,
                   const alcn_manifest *m, ab_result *r, ab_progress *pr) {
  r->pixel_auroc = r->aupro = NAN;
  const alcn_dataset *ds = b->ds;
  if (!ds->masks || !md->score_maps || m->n_test <= 0) return;
  size_t hw = (size_t)ds->h * (size_t)ds->w, nt = (size_t)m->n_test;
  alcn_backend *be = b->be;
  float *dmaps = alcn_backend_alloc(be, sizeof(float) * (size_t)b->batch * hw);
  float *maps = malloc(sizeof(float) * nt * hw);
  uint8_t *masks = malloc(nt * hw);
  alcn_status s = ALCN_ERR_NOMEM;
  if (!dmaps || !maps || !masks) {
    alcn_error_at(__FILE__, __LINE__, ALCN_ERR_NOMEM, "out of memory for %zu anomaly maps of %dx%d", nt, ds->h,
                  ds->w);
    goto out;
  }
  for (int at = 0; at < m->n_test; at += b->batch) {
    if (ab_interrupted) {
      s = ALCN_ERR_INTERRUPTED;
      goto out;
    }
    int n = m->n_test - at < b->batch ? m->n_test - at : b->batch;
    const float *x;
    if ((s = ab_batches_fill(b, m->test + at, n, &x)) != ALCN_OK) goto out;
    if ((s = md->score_maps(state, x, n, dmaps)) != ALCN_OK) goto out;
    if ((s = alcn_download(be, maps + (size_t)at * hw, dmaps, sizeof(float) * (size_t)n * hw)) != ALCN_OK) goto out;
  }
  for (size_t i = 0; i < nt; ++i) memcpy(masks + i * hw, ds->masks + (size_t)m->test[i] * hw, hw);
  if ((s = alcn_gaussian_blur_maps(maps, m->n_test, ds->h, ds->w, c->pixel_sigma)) != ALCN_OK) goto out;
  alcn_pixel_metrics pm;
  if ((s = alcn_pixel_metrics_compute(maps, masks, m->n_test, ds->h, ds->w, ALCN_AUPRO_FPR_LIMIT, &pm)) != ALCN_OK)
    goto out;
  r->pixel_auroc = pm.pixel_auroc;
  r->aupro = pm.aupro;
  r->pixel_regions = (long long)pm.n_regions;
  if (write_amap(c, cell, b, m, maps, masks, r, r->anomaly_maps, sizeof r->anomaly_maps) != ALCN_OK)
    ab_progress_note(pr, "warning: %s: no anomaly-map file: %s", cell->id, alcn_last_error());
out:
  if (s != ALCN_OK && s != ALCN_ERR_INTERRUPTED)
    ab_progress_note(pr, "warning: %s: no pixel-level metrics: %s", cell->id, alcn_last_error());
  alcn_backend_free(be, dmaps);
  free(maps);
  free(masks);
}
