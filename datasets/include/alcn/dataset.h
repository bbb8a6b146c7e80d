/* Data sets: load a data set by name into uint8 NCHW images with labels,
 * the official split of every image, masks and anomaly flags where the data
 * has them; list a data set's classes without decoding any image.
 *
 * Names and layouts (root = opts.root):
 *   "fashion-mnist", "mnist", "kmnist"  IDX files train-images-idx3-ubyte,
 *       train-labels-idx1-ubyte, t10k-images-idx3-ubyte, t10k-labels-idx1-ubyte,
 *       each plain or .gz, in root or root/raw. fashion-mnist defaults to
 *       /usr/share/datasets/fashion-mnist. 28x28, c = 1.
 *   "emnist"  emnist-<variant>-{train,test}-{images-idx3,labels-idx1}-ubyte[.gz]
 *       (variant default "balanced"); images are transposed to upright; class
 *       names from emnist-<variant>-mapping.txt when present. Labels are kept as
 *       stored (letters: 1..26, so class 0 is empty).
 *   "cifar10"  data_batch_1..5.bin, test_batch.bin (3073-byte records),
 *       batches.meta.txt; in root or root/cifar-10-batches-bin. 3x32x32.
 *   "cifar100"  train.bin, test.bin (3074-byte records: coarse, fine, pixels),
 *       fine_label_names.txt / coarse_label_names.txt; in root or
 *       root/cifar-100-binary. labels = fine (variant "coarse": coarse);
 *       labels_coarse always holds the coarse label.
 *   "mvtec"  root/<category>/train/good/NNN.png, root/<category>/test/<defect>/NNN.png
 *       (defect "good" = normal), root/<category>/ground_truth/<defect>/<stem>_mask.png.
 *       Classes = categories (subfolders holding train/), sorted by byte order.
 *   "plantvillage"  root/<Crop>___<Disease>/<image>.jpg (or root/color/...). Classes =
 *       crops that have a <Crop>___healthy folder, sorted; other crops are listed
 *       as skipped. No official split: every image is marked train.
 *   "folder"  root/train/good, root/test/good, root/test/<any>, optional
 *       root/ground_truth/<any>/<stem>_mask.png. One class (named after root).
 * Folder sets (mvtec, plantvillage, folder) decode PNG or JPEG and resize to
 * size x size with an area filter (masks: nearest, stored as 0/1).
 *
 * Index order: official train images first, then test images, each in file
 * order (folder sets: sorted by path). Protocol manifests index into this.
 *
 * Decode cache (opts.cache_dir): one file per data set, variant, category,
 * size and channel policy, <cache_dir>/<name>[-variant][-category]
 * [-<size>-c<channels>[-skipbad]-<root hash>].alcncache (format in
 * dataset_formats.h). Its header holds a hash of the source listing (paths,
 * sizes, mtimes, and the options that change the output); a stale or corrupt
 * cache is rebuilt with a warning, so deleting it is always safe. */
#ifndef ALCN_DATASET_H
#define ALCN_DATASET_H

#include <stddef.h>
#include <stdint.h>

#include "alcn/status.h"

#ifdef __cplusplus
extern "C" {
#endif

#define ALCN_FASHION_MNIST_DEFAULT_ROOT "/usr/share/datasets/fashion-mnist"
#define ALCN_DATASET_DEFAULT_SIZE 256

/* The official split an image came from. */
enum { ALCN_SPLIT_TRAIN = 0, ALCN_SPLIT_TEST = 1 };

/* Channel policy for folder sets. AUTO: 1 channel when every image of the
 * load is grayscale (MVTec grid, screw, zipper), else 3. */
enum { ALCN_CHANNELS_AUTO = 0, ALCN_CHANNELS_GRAY = 1, ALCN_CHANNELS_RGB = 3 };

typedef struct alcn_dataset_opts {
  const char *root;      /* NULL: the name's default (only fashion-mnist has one) */
  int size;              /* folder sets: output H = W, 0 = ALCN_DATASET_DEFAULT_SIZE;
                            IDX / CIFAR: 0 = native, else area-resized to size x size */
  int channels;          /* ALCN_CHANNELS_*; folder sets only */
  const char *cache_dir; /* decode cache folder; NULL = no cache */
  int skip_bad;          /* folder sets: skip undecodable images with a warning */
  const char *category;  /* mvtec category / plantvillage crop to load; NULL = all */
  const char *variant;   /* emnist split name; cifar100 "fine" (default) or "coarse" */
  int quiet;             /* 1: no warnings on stderr (they are still counted) */
} alcn_dataset_opts;

/* Zero options = all defaults. */
alcn_dataset_opts alcn_dataset_opts_default(void);

typedef struct alcn_dataset {
  char name[32];         /* canonical data set name */
  int n, c, h, w;
  uint8_t *images;       /* n x c x h x w */
  int32_t *labels;       /* n: class index in [0, n_classes) */
  uint8_t *split;        /* n: ALCN_SPLIT_TRAIN or ALCN_SPLIT_TEST */
  uint8_t *anomalous;    /* n: 1 = defective/diseased image (mvtec, plantvillage, folder); else NULL */
  uint8_t *masks;        /* n x h x w, values 0/1, or NULL (mvtec, folder with ground_truth) */
  int32_t *labels_coarse;/* n: cifar100 coarse label, else NULL */
  char **sources;        /* n: path relative to root (folder sets), else NULL */
  int n_classes;
  char **class_names;    /* n_classes, NUL-terminated strings */
  int n_skipped;         /* images skipped under skip_bad */
  uint64_t source_hash;  /* hash of the source listing (names, sizes, mtimes) */
  int from_cache;        /* 1 when the images came from the decode cache */
} alcn_dataset;

/* Load data set `name` (see top of file). *ds is valid only on ALCN_OK and is
 * released with alcn_dataset_free. Errors name the file and what was expected. */
alcn_status alcn_dataset_load(alcn_dataset *ds, const char *name, const alcn_dataset_opts *opts);
void alcn_dataset_free(alcn_dataset *ds);

/* Number of images of class k in official split s (s < 0: both). */
int alcn_dataset_count(const alcn_dataset *ds, int k, int s);

typedef struct alcn_class_list {
  int n;
  char **names;          /* n class names, in class-index order */
  int n_skipped;
  char **skipped;        /* plantvillage: crops without a ___healthy folder */
} alcn_class_list;

/* The classes of data set `name` without decoding images (reads only the
 * listing and the small meta files). Release with alcn_class_list_free. */
alcn_status alcn_dataset_classes(alcn_class_list *out, const char *name, const alcn_dataset_opts *opts);
void alcn_class_list_free(alcn_class_list *l);

/* Index of class `name` in the list, or -1. */
int alcn_class_list_find(const alcn_class_list *l, const char *name);

/* 1 when `name` is a known data set name. */
int alcn_dataset_known(const char *name);

#ifdef __cplusplus
}
#endif
#endif
