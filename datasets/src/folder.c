/* Folder data sets: MVTec AD, PlantVillage and the generic train/test folder
 * layout. Builds the sorted image listing, decodes PNG/JPEG in parallel,
 * resizes (area filter; masks nearest), applies the channel policy and, with
 * skip_bad, drops undecodable images with a warning. */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "alcn/image_io.h"
#include "ds_internal.h"

typedef struct entry {
  char *rel;       /* image path relative to root */
  char *mask_rel;  /* mask path relative to root, or NULL */
  int label, split, anomalous;
  int mask_required;
} entry;

typedef struct listing {
  const char *root;
  entry *e;
  int n, cap;
  int has_masks;
  alcn_class_list classes;
} listing;

static void listing_free(listing *L) {
  for (int i = 0; i < L->n; ++i) {
    free(L->e[i].rel);
    free(L->e[i].mask_rel);
  }
  free(L->e);
  alcn_class_list_free(&L->classes);
  memset(L, 0, sizeof *L);
}

static alcn_status add_entry(listing *L, const char *rel, const char *mask_rel, int label, int split, int anomalous,
                             int mask_required) {
  if (L->n == L->cap) {
    int nc = L->cap ? 2 * L->cap : 256;
    entry *ne = realloc(L->e, (size_t)nc * sizeof *ne);
    ALCN_CHECK_ALLOC(ne, (size_t)nc * sizeof *ne);
    L->e = ne;
    L->cap = nc;
  }
  entry *e = &L->e[L->n];
  memset(e, 0, sizeof *e);
  e->rel = alcn_ds_strdup(rel);
  e->mask_rel = mask_rel ? alcn_ds_strdup(mask_rel) : NULL;
  ALCN_CHECK_ALLOC(e->rel, strlen(rel) + 1);
  if (mask_rel) ALCN_CHECK_ALLOC(e->mask_rel, strlen(mask_rel) + 1);
  e->label = label;
  e->split = split;
  e->anomalous = anomalous;
  e->mask_required = mask_required;
  L->n++;
  return ALCN_OK;
}

/* Add every image of root/rel_dir. Empty or missing folders: error when required. */
static alcn_status add_dir(listing *L, const char *rel_dir, int label, int split, int anomalous,
                           const char *mask_dir_rel, int mask_required, int required) {
  char dir[4096], rel[4096], mrel[4096];
  ALCN_CHECK(alcn_ds_join(dir, sizeof dir, L->root, rel_dir));
  if (!alcn_ds_dir_exists(dir)) {
    if (required) ALCN_FAIL(ALCN_ERR_IO, "missing folder %s (hint: check --root and the data set layout)", dir);
    return ALCN_OK;
  }
  alcn_strlist files = {0, 0, NULL};
  ALCN_CHECK(alcn_ds_list_dir(&files, dir, 0));
  alcn_status st = ALCN_OK;
  for (int i = 0; i < files.n && st == ALCN_OK; ++i) {
    if ((st = alcn_ds_join(rel, sizeof rel, rel_dir, files.s[i])) != ALCN_OK) break;
    const char *m = NULL;
    if (mask_dir_rel) {
      const char *dot = strrchr(files.s[i], '.');
      int stem = dot ? (int)(dot - files.s[i]) : (int)strlen(files.s[i]);
      if (snprintf(mrel, sizeof mrel, "%s/%.*s_mask.png", mask_dir_rel, stem, files.s[i]) < (int)sizeof mrel) m = mrel;
    }
    st = add_entry(L, rel, m, label, split, anomalous, mask_required);
  }
  alcn_strlist_free(&files);
  return st;
}

/* ---- MVTec AD ------------------------------------------------------------ */

static alcn_status mvtec_classes(alcn_class_list *out, const char *root) {
  alcn_strlist dirs = {0, 0, NULL}, cats = {0, 0, NULL};
  ALCN_CHECK(alcn_ds_list_dir(&dirs, root, 1));
  char p[4096];
  alcn_status st = ALCN_OK;
  for (int i = 0; i < dirs.n && st == ALCN_OK; ++i) {
    snprintf(p, sizeof p, "%s/%s/train", root, dirs.s[i]);
    if (alcn_ds_dir_exists(p)) st = alcn_strlist_push(&cats, dirs.s[i]);
  }
  alcn_strlist_free(&dirs);
  if (st == ALCN_OK && cats.n == 0)
    st = alcn_error_at(__FILE__, __LINE__, ALCN_ERR_IO,
                       "%s: no MVTec AD categories found (expected <category>/train/good folders; hint: --root "
                       "should be the folder holding bottle/, cable/, ...)", root);
  if (st != ALCN_OK) {
    alcn_strlist_free(&cats);
    return st;
  }
  out->names = alcn_strlist_take(&cats, &out->n);
  return ALCN_OK;
}

static alcn_status pick_category(const alcn_class_list *cl, const char *cat, const char *what, const char *root, int *k) {
  *k = -1;
  if (!cat || !cat[0]) return ALCN_OK;
  *k = alcn_class_list_find(cl, cat);
  for (int i = 0; *k < 0 && i < cl->n_skipped; ++i)
    if (strcmp(cl->skipped[i], cat) == 0)
      ALCN_FAIL(ALCN_ERR_NOT_FOUND, "%s: crop '%s' under %s has no %s___healthy folder, so it has no normal class",
                what, cat, root, cat);
  if (*k < 0)
    ALCN_FAIL(ALCN_ERR_NOT_FOUND, "%s: no category '%s' under %s (hint: alcnbench data info --dataset %s --root %s "
              "lists them)", what, cat, root, what, root);
  return ALCN_OK;
}

static alcn_status mvtec_listing(listing *L, const alcn_dataset_opts *o) {
  ALCN_CHECK(mvtec_classes(&L->classes, o->root));
  int only;
  ALCN_CHECK(pick_category(&L->classes, o->category, "mvtec", o->root, &only));
  char rel[4096], mrel[4096], p[4096];
  for (int split = 0; split < 2; ++split)
    for (int k = 0; k < L->classes.n; ++k) {
      if (only >= 0 && k != only) continue;
      const char *cat = L->classes.names[k];
      if (split == ALCN_SPLIT_TRAIN) {
        snprintf(rel, sizeof rel, "%s/train/good", cat);
        ALCN_CHECK(add_dir(L, rel, k, ALCN_SPLIT_TRAIN, 0, NULL, 0, 1));
        continue;
      }
      snprintf(p, sizeof p, "%s/%s/ground_truth", o->root, cat);
      if (alcn_ds_dir_exists(p)) L->has_masks = 1;
      snprintf(p, sizeof p, "%s/%s/test", o->root, cat);
      alcn_strlist defects = {0, 0, NULL};
      ALCN_CHECK(alcn_ds_list_dir(&defects, p, 1));
      alcn_status st = ALCN_OK;
      for (int d = 0; d < defects.n && st == ALCN_OK; ++d) {
        int good = strcmp(defects.s[d], "good") == 0;
        snprintf(rel, sizeof rel, "%s/test/%s", cat, defects.s[d]);
        snprintf(mrel, sizeof mrel, "%s/ground_truth/%s", cat, defects.s[d]);
        st = add_dir(L, rel, k, ALCN_SPLIT_TEST, !good, good ? NULL : mrel, 1, 1);
      }
      alcn_strlist_free(&defects);
      ALCN_CHECK(st);
    }
  return ALCN_OK;
}

/* ---- PlantVillage -------------------------------------------------------- */

/* The folder holding the <Crop>___<Disease> folders: root, or root/color. */
static void pv_dir(char *out, size_t cap, const char *root) {
  char p[4096];
  snprintf(p, sizeof p, "%s/color", root);
  snprintf(out, cap, "%s", alcn_ds_dir_exists(p) ? p : root);
}

static alcn_status pv_classes(alcn_class_list *out, const char *root, alcn_strlist *dirs_out) {
  char dir[4096];
  pv_dir(dir, sizeof dir, root);
  alcn_strlist dirs = {0, 0, NULL}, crops = {0, 0, NULL}, healthy = {0, 0, NULL}, skipped = {0, 0, NULL};
  ALCN_CHECK(alcn_ds_list_dir(&dirs, dir, 1));
  alcn_status st = ALCN_OK;
  char crop[1024];
  for (int i = 0; i < dirs.n && st == ALCN_OK; ++i) {
    const char *sep = strstr(dirs.s[i], "___");
    if (!sep || (size_t)(sep - dirs.s[i]) >= sizeof crop) continue;
    snprintf(crop, sizeof crop, "%.*s", (int)(sep - dirs.s[i]), dirs.s[i]);
    if (crops.n == 0 || strcmp(crops.s[crops.n - 1], crop) != 0) st = alcn_strlist_push(&crops, crop);
    if (st == ALCN_OK && strcmp(sep + 3, "healthy") == 0) st = alcn_strlist_push(&healthy, crop);
  }
  /* dirs are sorted, so crops may repeat non-adjacently only if a name prefixes another; dedupe fully */
  alcn_strlist_sort(&crops);
  alcn_strlist_sort(&healthy);
  for (int i = 0; i < crops.n && st == ALCN_OK; ++i) {
    if (i > 0 && strcmp(crops.s[i], crops.s[i - 1]) == 0) continue;
    int h = 0;
    for (int j = 0; j < healthy.n; ++j) h |= strcmp(healthy.s[j], crops.s[i]) == 0;
    if (!h) st = alcn_strlist_push(&skipped, crops.s[i]);
  }
  if (st == ALCN_OK && healthy.n == 0)
    st = alcn_error_at(__FILE__, __LINE__, ALCN_ERR_IO,
                       "%s: no <Crop>___healthy folders found (expected PlantVillage folders such as "
                       "Apple___healthy; hint: --root should hold them or a color/ folder)", dir);
  alcn_strlist_free(&crops);
  if (st != ALCN_OK) {
    alcn_strlist_free(&dirs);
    alcn_strlist_free(&healthy);
    alcn_strlist_free(&skipped);
    return st;
  }
  out->names = alcn_strlist_take(&healthy, &out->n);
  out->skipped = alcn_strlist_take(&skipped, &out->n_skipped);
  if (dirs_out)
    *dirs_out = dirs;
  else
    alcn_strlist_free(&dirs);
  return ALCN_OK;
}

static alcn_status pv_listing(listing *L, const alcn_dataset_opts *o) {
  alcn_strlist dirs;
  ALCN_CHECK(pv_classes(&L->classes, o->root, &dirs));
  int only;
  alcn_status st = pick_category(&L->classes, o->category, "plantvillage", o->root, &only);
  char dir[4096], rel[4096];
  pv_dir(dir, sizeof dir, o->root);
  const char *prefix = strcmp(dir, o->root) == 0 ? "" : "color/";
  for (int i = 0; i < dirs.n && st == ALCN_OK; ++i) {
    const char *sep = strstr(dirs.s[i], "___");
    if (!sep) continue;
    char crop[1024];
    snprintf(crop, sizeof crop, "%.*s", (int)(sep - dirs.s[i]), dirs.s[i]);
    int k = alcn_class_list_find(&L->classes, crop);
    if (k < 0 || (only >= 0 && k != only)) continue;
    snprintf(rel, sizeof rel, "%s%s", prefix, dirs.s[i]);
    st = add_dir(L, rel, k, ALCN_SPLIT_TRAIN, strcmp(sep + 3, "healthy") != 0, NULL, 0, 1);
  }
  alcn_strlist_free(&dirs);
  return st;
}

/* ---- generic folder ------------------------------------------------------ */

static alcn_status generic_classes(alcn_class_list *out, const char *root) {
  char base[1024];
  size_t n = strlen(root);
  while (n > 1 && root[n - 1] == '/') --n;
  size_t b = n;
  while (b > 0 && root[b - 1] != '/') --b;
  snprintf(base, sizeof base, "%.*s", (int)(n - b), root + b);
  out->names = calloc(1, sizeof *out->names);
  ALCN_CHECK_ALLOC(out->names, sizeof *out->names);
  out->names[0] = alcn_ds_strdup(base[0] ? base : "data");
  out->n = 1;
  ALCN_CHECK_ALLOC(out->names[0], strlen(base) + 1);
  return ALCN_OK;
}

static alcn_status generic_listing(listing *L, const alcn_dataset_opts *o) {
  ALCN_CHECK(generic_classes(&L->classes, o->root));
  ALCN_CHECK(add_dir(L, "train/good", 0, ALCN_SPLIT_TRAIN, 0, NULL, 0, 1));
  char p[4096], rel[4096], mrel[4096];
  snprintf(p, sizeof p, "%s/ground_truth", o->root);
  L->has_masks = alcn_ds_dir_exists(p);
  snprintf(p, sizeof p, "%s/test", o->root);
  alcn_strlist subs = {0, 0, NULL};
  ALCN_CHECK(alcn_ds_list_dir(&subs, p, 1));
  alcn_status st = ALCN_OK;
  for (int d = 0; d < subs.n && st == ALCN_OK; ++d) {
    int good = strcmp(subs.s[d], "good") == 0;
    snprintf(rel, sizeof rel, "test/%s", subs.s[d]);
    snprintf(mrel, sizeof mrel, "ground_truth/%s", subs.s[d]);
    st = add_dir(L, rel, 0, ALCN_SPLIT_TEST, !good, good || !L->has_masks ? NULL : mrel, 0, 1);
  }
  alcn_strlist_free(&subs);
  return st;
}

static alcn_status make_listing(listing *L, const char *name, const alcn_dataset_opts *o) {
  memset(L, 0, sizeof *L);
  L->root = o->root;
  alcn_status st;
  if (strcmp(name, "mvtec") == 0)
    st = mvtec_listing(L, o);
  else if (strcmp(name, "plantvillage") == 0)
    st = pv_listing(L, o);
  else
    st = generic_listing(L, o);
  if (st == ALCN_OK && L->n == 0)
    st = alcn_error_at(__FILE__, __LINE__, ALCN_ERR_IO, "%s: zero images found under %s%s%s (expected .png/.jpg files)",
                       name, o->root, o->category ? " for " : "", o->category ? o->category : "");
  if (st != ALCN_OK) listing_free(L);
  return st;
}

alcn_status alcn_ds_classes_folder(alcn_class_list *out, const char *name, const alcn_dataset_opts *o) {
  memset(out, 0, sizeof *out);
  if (strcmp(name, "mvtec") == 0) return mvtec_classes(out, o->root);
  if (strcmp(name, "plantvillage") == 0) return pv_classes(out, o->root, NULL);
  return generic_classes(out, o->root);
}

alcn_status alcn_ds_folder_hash(const char *name, const alcn_dataset_opts *o, uint64_t *h) {
  listing L;
  ALCN_CHECK(make_listing(&L, name, o));
  uint64_t x = alcn_fnv1a_str(ALCN_FNV_OFFSET, name);
  x = alcn_fnv1a_u64(x, (uint64_t)o->size);
  x = alcn_fnv1a_u64(x, (uint64_t)o->channels);
  x = alcn_fnv1a_u64(x, (uint64_t)o->skip_bad);
  x = alcn_fnv1a_str(x, o->category ? o->category : "");
  char p[4096];
  for (int i = 0; i < L.n; ++i) {
    snprintf(p, sizeof p, "%s/%s", o->root, L.e[i].rel);
    if (!alcn_ds_stat_hash(p, &x)) x = alcn_fnv1a_str(x, p);
    if (L.e[i].mask_rel) {
      snprintf(p, sizeof p, "%s/%s", o->root, L.e[i].mask_rel);
      if (!alcn_ds_stat_hash(p, &x)) x = alcn_fnv1a_str(x, "(no mask)");
    }
  }
  listing_free(&L);
  *h = x;
  return ALCN_OK;
}

/* ---- decoding -------------------------------------------------------------- */

typedef struct decoded {
  uint8_t *px;    /* size x size x c (HWC) */
  uint8_t *mask;  /* size x size, 0/1, or NULL */
  int c;
  alcn_status st;
  char *err;      /* message when st != OK */
} decoded;

static alcn_status decode_one(decoded *d, const entry *e, const alcn_dataset_opts *o, int masks) {
  char p[4096];
  int s = o->size;
  alcn_image im;
  ALCN_CHECK(alcn_ds_join(p, sizeof p, o->root, e->rel));
  ALCN_CHECK(alcn_image_read(&im, p));
  d->c = im.c;
  d->px = malloc((size_t)s * s * im.c);
  if (!d->px) {
    alcn_image_free(&im);
    ALCN_CHECK_ALLOC(d->px, (size_t)s * s * im.c);
  }
  alcn_status st = alcn_resize_area(im.px, im.w, im.h, im.c, d->px, s, s);
  alcn_image_free(&im);
  ALCN_CHECK(st);
  if (!masks) return ALCN_OK;
  d->mask = calloc((size_t)s * s, 1);
  ALCN_CHECK_ALLOC(d->mask, (size_t)s * s);
  if (!e->mask_rel) return ALCN_OK;
  ALCN_CHECK(alcn_ds_join(p, sizeof p, o->root, e->mask_rel));
  if (!alcn_ds_file_exists(p)) {
    if (e->mask_required)
      ALCN_FAIL(ALCN_ERR_IO, "missing ground-truth mask %s for defective image %s (expected <stem>_mask.png)", p,
                e->rel);
    return ALCN_OK; /* generic folder: a defect without a mask gets an empty mask */
  }
  ALCN_CHECK(alcn_image_read(&im, p));
  uint8_t *tmp = malloc((size_t)s * s * im.c);
  if (!tmp) {
    alcn_image_free(&im);
    ALCN_CHECK_ALLOC(tmp, (size_t)s * s * im.c);
  }
  alcn_resize_nearest(im.px, im.w, im.h, im.c, tmp, s, s);
  for (size_t i = 0; i < (size_t)s * s; ++i) d->mask[i] = tmp[i * im.c] >= 128;
  free(tmp);
  alcn_image_free(&im);
  return ALCN_OK;
}

/* Convert HWC `src` with sc channels into CHW dst with dc channels. */
static void to_chw(const uint8_t *src, int sc, int s, int dc, uint8_t *dst) {
  size_t hw = (size_t)s * s;
  if (sc == dc) {
    alcn_hwc_to_chw(src, s, s, sc, dst);
  } else if (sc == 1) { /* gray -> RGB: replicate */
    for (int c = 0; c < 3; ++c) memcpy(dst + c * hw, src, hw);
  } else { /* RGB -> gray: ITU-R BT.601 luma */
    for (size_t i = 0; i < hw; ++i)
      dst[i] = (uint8_t)((299u * src[3 * i] + 587u * src[3 * i + 1] + 114u * src[3 * i + 2] + 500u) / 1000u);
  }
}

alcn_status alcn_ds_load_folder(alcn_dataset *ds, const char *name, const alcn_dataset_opts *o) {
  listing L;
  ALCN_CHECK(make_listing(&L, name, o));
  int n = L.n, s = o->size, masks = L.has_masks;
  decoded *d = calloc((size_t)n, sizeof *d);
  if (!d) {
    listing_free(&L);
    ALCN_CHECK_ALLOC(d, (size_t)n * sizeof *d);
  }
#pragma omp parallel for schedule(dynamic, 4)
  for (int i = 0; i < n; ++i) {
    d[i].st = decode_one(&d[i], &L.e[i], o, masks);
    if (d[i].st != ALCN_OK) {
      d[i].err = alcn_ds_strdup(alcn_last_error());
      alcn_clear_error();
    }
  }
  alcn_status st = ALCN_OK;
  int kept = 0, any_rgb = 0;
  for (int i = 0; i < n; ++i) {
    if (d[i].st == ALCN_OK) {
      ++kept;
      any_rgb |= d[i].c == 3;
      continue;
    }
    if (o->skip_bad && d[i].st != ALCN_ERR_NOMEM) {
      alcn_ds_warn(o, "skipping %s/%s: %s", o->root, L.e[i].rel, d[i].err ? d[i].err : "?");
      ds->n_skipped++;
    } else if (st == ALCN_OK) {
      st = alcn_error_at(__FILE__, __LINE__, d[i].st, "%s%s", d[i].err ? d[i].err : "decode failed",
                         d[i].st == ALCN_ERR_FORMAT ? " (hint: --skip-bad skips undecodable images)" : "");
    }
  }
  int c = o->channels == ALCN_CHANNELS_AUTO ? (any_rgb ? 3 : 1) : o->channels;
  if (st == ALCN_OK && kept == 0)
    st = alcn_error_at(__FILE__, __LINE__, ALCN_ERR_FORMAT, "%s: all %d images under %s failed to decode", name, n, o->root);
  if (st == ALCN_OK) st = alcn_ds_alloc(ds, kept, c, s, s, masks, 1, 0, 1);
  if (st == ALCN_OK) {
    size_t hw = (size_t)s * s;
    for (int i = 0, j = 0; i < n; ++i) {
      if (d[i].st != ALCN_OK) continue;
      to_chw(d[i].px, d[i].c, s, c, ds->images + (size_t)j * c * hw);
      if (masks) memcpy(ds->masks + (size_t)j * hw, d[i].mask, hw);
      ds->labels[j] = L.e[i].label;
      ds->split[j] = (uint8_t)L.e[i].split;
      ds->anomalous[j] = (uint8_t)L.e[i].anomalous;
      ds->sources[j] = L.e[i].rel; /* move */
      L.e[i].rel = NULL;
      ++j;
    }
    ds->n_classes = L.classes.n;
    ds->class_names = L.classes.names;
    L.classes.names = NULL;
    L.classes.n = 0;
  }
  for (int i = 0; i < n; ++i) {
    free(d[i].px);
    free(d[i].mask);
    free(d[i].err);
  }
  free(d);
  listing_free(&L);
  return st;
}
