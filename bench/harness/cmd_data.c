/* `alcnbench data ...`: check a data set download. Subcommands:
 *   info     load a data set and print images per split and per class; with
 *            --protocol, the split sizes and the manifest hash
 *   classes  list the classes without decoding any image
 * Exit codes: 0 ok, 2 usage, 1 error. */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "alcn/dataset.h"
#include "alcn/protocol.h"

int alcn_cmd_data(int argc, char **argv);

static void usage(FILE *f) {
  fputs("usage: alcnbench data info --dataset NAME [--root PATH] [--protocol P --class K [--seed S] [--val F]\n"
        "                           [--manifest-out FILE]] [--size N] [--cache DIR] [--category C]\n"
        "                           [--variant V] [--channels auto|1|3] [--skip-bad]\n"
        "       alcnbench data classes --dataset NAME [--root PATH]\n"
        "  NAME: fashion-mnist (root defaults to " ALCN_FASHION_MNIST_DEFAULT_ROOT "), mnist, kmnist,\n"
        "        emnist, cifar10, cifar100, mvtec, plantvillage, folder\n"
        "  P: p1, p2, mvtec, mvtec-7030, plantvillage;  K: class index or name\n"
        "  mvtec/plantvillage: --class (or --category) loads only that category/crop\n",
        f);
}

typedef struct args {
  const char *sub, *dataset, *root, *protocol, *klass, *cache, *category, *variant, *channels, *manifest_out;
  unsigned long long seed;
  double val;
  int size, skip_bad;
} args;

static int parse_int(const char *s, long lo, long hi, long *out) {
  char *end;
  errno = 0;
  long v = strtol(s, &end, 10);
  if (errno || end == s || *end || v < lo || v > hi) return 0;
  *out = v;
  return 1;
}

/* Returns 0 ok, 2 usage error (printed). */
static int parse(args *a, int argc, char **argv) {
  memset(a, 0, sizeof *a);
  a->seed = 1;
  if (argc < 2) {
    usage(stderr);
    return 2;
  }
  a->sub = argv[1];
  if (strcmp(a->sub, "-h") == 0 || strcmp(a->sub, "--help") == 0 || strcmp(a->sub, "help") == 0) {
    usage(stdout);
    return 1; /* caller returns 0 */
  }
  if (strcmp(a->sub, "info") != 0 && strcmp(a->sub, "classes") != 0) {
    fprintf(stderr, "alcnbench data: unknown subcommand '%s'\n", a->sub);
    usage(stderr);
    return 2;
  }
  for (int i = 2; i < argc; ++i) {
    char key[64];
    const char *val = NULL, *arg = argv[i];
    if (strncmp(arg, "--", 2) != 0) {
      fprintf(stderr, "alcnbench data: unexpected argument '%s'\n", arg);
      return 2;
    }
    const char *eq = strchr(arg, '=');
    snprintf(key, sizeof key, "%.*s", eq ? (int)(eq - arg - 2) : (int)strlen(arg + 2), arg + 2);
    if (strcmp(key, "skip-bad") == 0) {
      a->skip_bad = 1;
      continue;
    }
    if (strcmp(key, "help") == 0) {
      usage(stdout);
      return 1;
    }
    if (eq)
      val = eq + 1;
    else if (i + 1 < argc)
      val = argv[++i];
    else {
      fprintf(stderr, "alcnbench data: --%s needs a value\n", key);
      return 2;
    }
    long v;
    if (strcmp(key, "dataset") == 0) a->dataset = val;
    else if (strcmp(key, "root") == 0) a->root = val;
    else if (strcmp(key, "protocol") == 0) a->protocol = val;
    else if (strcmp(key, "class") == 0) a->klass = val;
    else if (strcmp(key, "cache") == 0) a->cache = val;
    else if (strcmp(key, "category") == 0) a->category = val;
    else if (strcmp(key, "variant") == 0) a->variant = val;
    else if (strcmp(key, "channels") == 0) a->channels = val;
    else if (strcmp(key, "manifest-out") == 0) a->manifest_out = val;
    else if (strcmp(key, "seed") == 0) {
      char *end;
      errno = 0;
      a->seed = strtoull(val, &end, 10);
      if (errno || end == val || *end || val[0] == '-') {
        fprintf(stderr, "alcnbench data: --seed '%s' is not a non-negative integer\n", val);
        return 2;
      }
    } else if (strcmp(key, "size") == 0) {
      if (!parse_int(val, 1, 8192, &v)) {
        fprintf(stderr, "alcnbench data: --size '%s' is not an integer in 1..8192\n", val);
        return 2;
      }
      a->size = (int)v;
    } else if (strcmp(key, "val") == 0) {
      char *end;
      a->val = strtod(val, &end);
      if (end == val || *end || !(a->val >= 0 && a->val < 1)) {
        fprintf(stderr, "alcnbench data: --val '%s' is not a fraction in [0,1)\n", val);
        return 2;
      }
    } else {
      fprintf(stderr, "alcnbench data: unknown option --%s\n", key);
      usage(stderr);
      return 2;
    }
  }
  if (!a->dataset) {
    fprintf(stderr, "alcnbench data: --dataset is required\n");
    usage(stderr);
    return 2;
  }
  if (!alcn_dataset_known(a->dataset)) {
    fprintf(stderr, "alcnbench data: unknown data set '%s'\n", a->dataset);
    usage(stderr);
    return 2;
  }
  if (a->protocol && !alcn_protocol_known(a->protocol)) {
    fprintf(stderr, "alcnbench data: unknown protocol '%s' (p1, p2, mvtec, mvtec-7030, plantvillage)\n", a->protocol);
    return 2;
  }
  if (a->protocol && !a->klass) {
    fprintf(stderr, "alcnbench data: --protocol needs --class\n");
    return 2;
  }
  return 0;
}

static int fail(const char *what) {
  fprintf(stderr, "alcnbench data: error: %s\n%s\n", what, alcn_last_error());
  return 1;
}

static int print_classes(const args *a, const alcn_dataset_opts *o) {
  alcn_class_list cl;
  if (alcn_dataset_classes(&cl, a->dataset, o) != ALCN_OK) return fail("cannot list the classes");
  printf("%s: %d classes\n", a->dataset, cl.n);
  for (int k = 0; k < cl.n; ++k) printf("  %3d  %s\n", k, cl.names[k]);
  for (int k = 0; k < cl.n_skipped; ++k) printf("  skipped (no ___healthy folder): %s\n", cl.skipped[k]);
  alcn_class_list_free(&cl);
  return 0;
}

int alcn_cmd_data(int argc, char **argv) {
  args a;
  int pr = parse(&a, argc, argv);
  if (pr == 1) return 0;
  if (pr) return pr;
  alcn_dataset_opts o = alcn_dataset_opts_default();
  o.root = a.root;
  o.size = a.size;
  o.cache_dir = a.cache;
  o.skip_bad = a.skip_bad;
  o.variant = a.variant;
  o.category = a.category;
  if (a.channels) {
    if (strcmp(a.channels, "auto") == 0) o.channels = ALCN_CHANNELS_AUTO;
    else if (strcmp(a.channels, "1") == 0 || strcmp(a.channels, "gray") == 0) o.channels = ALCN_CHANNELS_GRAY;
    else if (strcmp(a.channels, "3") == 0 || strcmp(a.channels, "rgb") == 0) o.channels = ALCN_CHANNELS_RGB;
    else {
      fprintf(stderr, "alcnbench data: --channels '%s' (expected auto, 1 or 3)\n", a.channels);
      return 2;
    }
  }
  if (strcmp(a.sub, "classes") == 0) return print_classes(&a, &o);

  /* --class by index or name; for mvtec/plantvillage it also picks what to load. */
  int k = -1;
  if (a.klass) {
    alcn_class_list cl;
    if (alcn_dataset_classes(&cl, a.dataset, &o) != ALCN_OK) return fail("cannot list the classes");
    long v;
    k = parse_int(a.klass, 0, 1 << 30, &v) ? (int)v : alcn_class_list_find(&cl, a.klass);
    if (k < 0 || k >= cl.n) {
      fprintf(stderr, "alcnbench data: --class '%s' is not a class of %s (0..%d or a name; see `data classes`)\n",
              a.klass, a.dataset, cl.n - 1);
      alcn_class_list_free(&cl);
      return 2;
    }
    static char cat[512];
    int per_category = strcmp(a.dataset, "mvtec") == 0 || strcmp(a.dataset, "plantvillage") == 0;
    if (per_category && !o.category) {
      snprintf(cat, sizeof cat, "%s", cl.names[k]);
      o.category = cat;
    }
    alcn_class_list_free(&cl);
  }
  struct timespec t0, t1;
  clock_gettime(CLOCK_MONOTONIC, &t0);
  alcn_dataset ds;
  if (alcn_dataset_load(&ds, a.dataset, &o) != ALCN_OK) return fail("cannot load the data set");
  clock_gettime(CLOCK_MONOTONIC, &t1);
  double secs = (double)(t1.tv_sec - t0.tv_sec) + 1e-9 * (double)(t1.tv_nsec - t0.tv_nsec);
  int ntr = 0, nte = 0, nan = 0;
  for (int i = 0; i < ds.n; ++i) {
    ntr += ds.split[i] == 0;
    nte += ds.split[i] == 1;
    nan += ds.anomalous ? ds.anomalous[i] : 0;
  }
  printf("dataset  %s\nroot     %s\nimages   %d of %dx%dx%d (loaded in %.2f s%s)\n", ds.name,
         a.root ? a.root : ALCN_FASHION_MNIST_DEFAULT_ROOT, ds.n, ds.c, ds.h, ds.w, secs,
         ds.from_cache ? ", from the cache" : "");
  printf("splits   train %d, test %d\n", ntr, nte);
  if (ds.anomalous) printf("anomalous %d (masks: %s)\n", nan, ds.masks ? "yes" : "no");
  if (ds.n_skipped) printf("skipped  %d undecodable images\n", ds.n_skipped);
  printf("source listing hash %016llx\n", (unsigned long long)ds.source_hash);
  printf("%5s  %-40s %8s %8s%s\n", "class", "name", "train", "test", ds.anomalous ? " anomalous" : "");
  for (int c = 0; c < ds.n_classes; ++c) {
    int tr = 0, te = 0, an = 0;
    for (int i = 0; i < ds.n; ++i)
      if (ds.labels[i] == c) {
        tr += ds.split[i] == 0;
        te += ds.split[i] == 1;
        an += ds.anomalous ? ds.anomalous[i] : 0;
      }
    if (tr + te == 0 && (strcmp(ds.name, "mvtec") == 0 || strcmp(ds.name, "plantvillage") == 0)) continue;
    printf("%5d  %-40s %8d %8d", c, ds.class_names[c], tr, te);
    if (ds.anomalous) printf(" %9d", an);
    printf("\n");
  }
  int rc = 0;
  if (a.protocol) {
    alcn_manifest m;
    if (alcn_protocol_split(&m, &ds, a.protocol, k, a.seed, a.val) != ALCN_OK) {
      rc = fail("cannot make the protocol split");
    } else {
      int anom = 0;
      for (int i = 0; i < m.n_test; ++i) anom += m.test_labels[i];
      printf("protocol %s class %d (%s) seed %llu val %.3g\n", m.protocol, m.class_index, m.class_name,
             (unsigned long long)m.seed, m.val_fraction);
      printf("split    train %d, val %d, test %d (normal %d, anomalous %d)\n", m.n_train, m.n_val, m.n_test,
             m.n_test - anom, anom);
      printf("manifest hash %s\n", m.hash_hex);
      if (a.manifest_out) {
        if (alcn_manifest_save(&m, a.manifest_out) != ALCN_OK)
          rc = fail("cannot save the manifest");
        else
          printf("manifest saved to %s\n", a.manifest_out);
      }
      alcn_manifest_free(&m);
    }
  }
  alcn_dataset_free(&ds);
  return rc;
}
