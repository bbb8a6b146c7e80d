/* Pixel-level metrics (alcn/pixel_metrics.h): Gaussian smoothing of anomaly
 * maps, 8-connected labelling of ground-truth regions, and one descending
 * sweep over all pixels that yields both the pixel AUROC (rank statistic with
 * ties counted 1/2) and the PRO curve, integrated to the FPR limit with the
 * trapezoid rule (the last segment interpolated at the limit). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "alcn/pixel_metrics.h"

/* One pixel: its map value and its weight, -1 for a normal pixel, else
 * 1 / (size of its ground-truth region) (a region's pixels sum to 1). */
typedef struct px {
  float v;
  float pad;
  double wt;
} px;

static int cmp_px_desc(const void *a, const void *b) {
  float x = ((const px *)a)->v, y = ((const px *)b)->v;
  return (x < y) - (x > y);
}

/* Label the 8-connected components of mask (h*w, nonzero = in) into lab
 * (0 = background, 1.. = region id, per image); region sizes appended to
 * *sizes (grown as needed). Returns the number of regions or -1 (no memory). */
static long label_regions(const uint8_t *mask, int h, int w, int32_t *lab, int *stack, size_t **sizes,
                          size_t *nsz, size_t *capsz) {
  size_t hw = (size_t)h * (size_t)w;
  memset(lab, 0, hw * sizeof *lab);
  long nreg = 0;
  for (size_t s = 0; s < hw; ++s) {
    if (!mask[s] || lab[s]) continue;
    if (*nsz == *capsz) {
      size_t cap = *capsz ? 2 * *capsz : 64;
      size_t *g = realloc(*sizes, cap * sizeof *g);
      if (!g) return -1;
      *sizes = g;
      *capsz = cap;
    }
    int32_t id = (int32_t)++nreg;
    size_t count = 0, top = 0;
    lab[s] = id;
    stack[top++] = (int)s;
    while (top) {
      int p = stack[--top];
      ++count;
      int y = p / w, x = p % w;
      for (int dy = -1; dy <= 1; ++dy)
        for (int dx = -1; dx <= 1; ++dx) {
          int yy = y + dy, xx = x + dx;
          if ((dy == 0 && dx == 0) || yy < 0 || yy >= h || xx < 0 || xx >= w) continue;
          size_t q = (size_t)yy * (size_t)w + (size_t)xx;
          if (mask[q] && !lab[q]) {
            lab[q] = id;
            stack[top++] = (int)q;
          }
        }
    }
    (*sizes)[(*nsz)++] = count;
  }
  return nreg;
}

alcn_status alcn_pixel_metrics_compute(const float *maps, const uint8_t *masks, int n, int h, int w,
                                       double fpr_limit, alcn_pixel_metrics *out) {
  if (!maps || !masks || !out || n <= 0 || h <= 0 || w <= 0)
    ALCN_FAIL(ALCN_ERR_ARG, "pixel metrics: need maps, masks and n, h, w > 0 (got n=%d h=%d w=%d)", n, h, w);
  if (!(fpr_limit > 0.0 && fpr_limit <= 1.0))
    ALCN_FAIL(ALCN_ERR_ARG, "pixel metrics: the AUPRO FPR limit must be in (0, 1], not %g", fpr_limit);
  memset(out, 0, sizeof *out);
  out->pixel_auroc = out->aupro = NAN;
  size_t hw = (size_t)h * (size_t)w, np = (size_t)n * hw;
  for (size_t i = 0; i < np; ++i)
    if (isnan(maps[i]))
      ALCN_FAIL(ALCN_ERR_NUMERIC, "pixel metrics: the anomaly map of image %zu is NaN at pixel %zu", i / hw, i % hw);
  px *p = malloc(np * sizeof *p);
  int32_t *lab = malloc(hw * sizeof *lab);
  int *stack = malloc(hw * sizeof *stack);
  size_t *sizes = NULL, nsz = 0, capsz = 0;
  if (!p || !lab || !stack) {
    free(p), free(lab), free(stack);
    ALCN_FAIL(ALCN_ERR_NOMEM, "pixel metrics: out of host memory for %zu pixels", np);
  }
  size_t n_anom = 0;
  for (int i = 0; i < n; ++i) {
    const uint8_t *m = masks + (size_t)i * hw;
    size_t base = nsz;
    if (label_regions(m, h, w, lab, stack, &sizes, &nsz, &capsz) < 0) {
      free(p), free(lab), free(stack), free(sizes);
      ALCN_FAIL(ALCN_ERR_NOMEM, "pixel metrics: out of host memory for the region list");
    }
    for (size_t k = 0; k < hw; ++k) {
      px *q = &p[(size_t)i * hw + k];
      q->v = maps[(size_t)i * hw + k];
      q->pad = 0.0f;
      if (lab[k]) {
        q->wt = 1.0 / (double)sizes[base + (size_t)lab[k] - 1];
        ++n_anom;
      } else {
        q->wt = -1.0;
      }
    }
  }
  free(lab);
  free(stack);
  free(sizes);
  size_t n_norm = np - n_anom;
  out->n_pixels = np;
  out->n_anomalous = n_anom;
  out->n_regions = nsz;
  if (!n_anom || !n_norm) {
    free(p);
    ALCN_FAIL(ALCN_ERR_ARG, "pixel metrics: the masks have no %s pixel (%zu pixels in %d images)",
              n_anom ? "normal" : "anomalous", np, n);
  }
  qsort(p, np, sizeof *p, cmp_px_desc);

  /* Sweep tie groups from the highest value down. After each group: FP =
   * normal pixels at or above it, pro = mean over regions of the covered
   * fraction. AUROC: each normal pixel of a group is beaten by the anomalous
   * pixels above the group and ties with those inside it. */
  double auc = 0.0, area = 0.0, pro_sum = 0.0, fpr_prev = 0.0, pro_prev = 0.0;
  size_t tp = 0, fp = 0;
  int done_area = 0;
  for (size_t i = 0; i < np;) {
    size_t j = i, g_pos = 0, g_neg = 0;
    double g_pro = 0.0;
    while (j < np && p[j].v == p[i].v) {
      if (p[j].wt < 0) ++g_neg;
      else {
        ++g_pos;
        g_pro += p[j].wt;
      }
      ++j;
    }
    auc += (double)g_neg * ((double)tp + 0.5 * (double)g_pos);
    tp += g_pos;
    fp += g_neg;
    pro_sum += g_pro;
    double fpr = (double)fp / (double)n_norm, pro = pro_sum / (double)nsz;
    if (!done_area) {
      if (fpr <= fpr_limit) {
        area += 0.5 * (fpr - fpr_prev) * (pro + pro_prev);
      } else {
        double t = (fpr_limit - fpr_prev) / (fpr - fpr_prev);
        double pro_at = pro_prev + t * (pro - pro_prev);
        area += 0.5 * (fpr_limit - fpr_prev) * (pro_at + pro_prev);
        done_area = 1;
      }
      if (fpr >= fpr_limit) done_area = 1;
    }
    fpr_prev = fpr;
    pro_prev = pro;
    i = j;
  }
  free(p);
  out->pixel_auroc = auc / ((double)n_anom * (double)n_norm);
  double a = area / fpr_limit;
  out->aupro = a < 0 ? 0 : (a > 1 ? 1 : a);
  return ALCN_OK;
}

/* scipy.ndimage "reflect" (half-sample symmetric) index into [0, n). */
static int reflect(int i, int n) {
  if (n == 1) return 0;
  int period = 2 * n;
  i %= period;
  if (i < 0) i += period;
  return i < n ? i : period - 1 - i;
}

alcn_status alcn_gaussian_blur_maps(float *maps, int n, int h, int w, double sigma) {
  if (!(sigma > 0.0)) return ALCN_OK;
  if (!maps || n <= 0 || h <= 0 || w <= 0)
    ALCN_FAIL(ALCN_ERR_ARG, "Gaussian blur: need maps and n, h, w > 0 (got n=%d h=%d w=%d)", n, h, w);
  int r = (int)(4.0 * sigma + 0.5);
  if (r < 1) r = 1;
  size_t hw = (size_t)h * (size_t)w, line = (size_t)(h > w ? h : w);
  double *k = malloc((size_t)(2 * r + 1) * sizeof *k);
  double *buf = malloc(line * sizeof *buf);
  if (!k || !buf) {
    free(k), free(buf);
    ALCN_FAIL(ALCN_ERR_NOMEM, "Gaussian blur: out of host memory");
  }
  double sum = 0.0;
  for (int d = -r; d <= r; ++d) sum += k[d + r] = exp(-0.5 * (double)d * d / (sigma * sigma));
  for (int d = 0; d <= 2 * r; ++d) k[d] /= sum;
  for (int i = 0; i < n; ++i) {
    float *m = maps + (size_t)i * hw;
    for (int y = 0; y < h; ++y) { /* rows */
      float *row = m + (size_t)y * (size_t)w;
      for (int x = 0; x < w; ++x) {
        double s = 0.0;
        for (int d = -r; d <= r; ++d) s += k[d + r] * row[reflect(x + d, w)];
        buf[x] = s;
      }
      for (int x = 0; x < w; ++x) row[x] = (float)buf[x];
    }
    for (int x = 0; x < w; ++x) { /* columns */
      for (int y = 0; y < h; ++y) {
        double s = 0.0;
        for (int d = -r; d <= r; ++d) s += k[d + r] * m[(size_t)reflect(y + d, h) * (size_t)w + (size_t)x];
        buf[y] = s;
      }
      for (int y = 0; y < h; ++y) m[(size_t)y * (size_t)w + (size_t)x] = (float)buf[y];
    }
  }
  free(k);
  free(buf);
  return ALCN_OK;
}
