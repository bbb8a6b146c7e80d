/* Batches for a cell: the seeded per-epoch shuffle of the training indices,
 * the next training batch for the host's loop, and uploads of test images. */
#include <stdlib.h>
#include <string.h>

#include "alcn/rng.h"
#include "bench.h"

alcn_status ab_batches_init(ab_batches *b, alcn_backend *be, const alcn_dataset *ds, const alcn_norm *nm,
                            const int32_t *idx, int n, int batch, uint64_t seed, struct ab_progress *pr) {
  memset(b, 0, sizeof *b);
  b->be = be;
  b->ds = ds;
  b->nm = nm;
  b->n = n;
  b->batch = batch;
  b->seed = seed;
  b->pr = pr;
  b->sample = (size_t)ds->c * (size_t)ds->h * (size_t)ds->w;
  size_t bytes = (size_t)batch * b->sample * sizeof(float);
  b->perm = malloc(sizeof(int32_t) * (size_t)(n > 0 ? n : 1));
  b->base = malloc(sizeof(int32_t) * (size_t)(n > 0 ? n : 1));
  b->host = malloc(bytes);
  b->dev = alcn_backend_alloc(be, bytes);
  if (!b->perm || !b->base || !b->host || !b->dev) {
    ab_batches_free(b);
    ALCN_FAIL(ALCN_ERR_NOMEM, "out of memory for a batch of %d images (%zu bytes) (hint: lower --batch)", batch,
              bytes);
  }
  if (n > 0) memcpy(b->perm, idx, sizeof(int32_t) * (size_t)n);
  if (n > 0) memcpy(b->base, idx, sizeof(int32_t) * (size_t)n);
  return ALCN_OK;
}

void ab_batches_epoch(ab_batches *b, int epoch) {
  /* Fisher-Yates on Philox: draw i uses counter i/4, lane i%4 of the epoch's stream;
   * the order is a function of (seed, epoch) only: it starts from the manifest's order every time. */
  if (b->n > 0) memcpy(b->perm, b->base, sizeof(int32_t) * (size_t)b->n);
  uint64_t s = alcn_rng_derive(b->seed, (uint64_t)epoch);
  alcn_u32x4 r = {{0, 0, 0, 0}};
  uint64_t k = 0;
  for (int i = b->n - 1; i > 0; --i, ++k) {
    if (k % 4 == 0) r = alcn_philox4x32(s, k / 4);
    uint32_t u = r.v[k % 4];
    int j = (int)(((uint64_t)u * (uint64_t)(i + 1)) >> 32);
    int32_t t = b->perm[i];
    b->perm[i] = b->perm[j];
    b->perm[j] = t;
  }
  b->pos = 0;
}

alcn_status ab_batches_fill(ab_batches *b, const int32_t *idx, int n, const float **dev) {
  if (n > b->batch) ALCN_FAIL(ALCN_ERR_ARG, "batch of %d images exceeds the buffer of %d", n, b->batch);
  ALCN_CHECK(alcn_norm_fill(b->nm, b->ds, idx, n, b->host));
  ALCN_CHECK(alcn_upload(b->be, b->dev, b->host, (size_t)n * b->sample * sizeof(float)));
  *dev = b->dev;
  return ALCN_OK;
}

int ab_batches_next(ab_batches *b, const float **x, int *n) {
  if (b->pos >= b->n) return 0;
  int nb = b->n - b->pos < b->batch ? b->n - b->pos : b->batch;
  alcn_status s = ab_batches_fill(b, b->perm + b->pos, nb, x);
  if (s != ALCN_OK) {
    b->fill_error = (int)s;
    return -(int)s;
  }
  *n = nb;
  b->pos += nb;
  if (b->pr) ab_progress_images(b->pr, b->pos);
  return 1;
}

void ab_batches_free(ab_batches *b) {
  free(b->perm);
  free(b->base);
  free(b->host);
  if (b->dev) alcn_backend_free(b->be, b->dev);
  memset(b, 0, sizeof *b);
}
