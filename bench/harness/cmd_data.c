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

#include "alcn/args.h"
#include "alcn/clock.h"
#include "alcn/dataset.h"
#include "alcn/protocol.h"

int alcn_cmd_data(int argc, char **argv);

static void usage(FILE *f) {
  fputs("usage: alcnbench data info --dataset NAME [--root PATH] [--protocol P --class K [--seed S] [--val F]\n"
        "                           [--manifest-out FILE]] [--size N] [--cache DIR] [--category C]\n"
        "                           [--variant V] [--channels auto|1|3] [--skip-bad]\n"
        "       alcnbench data classes --dataset NAME [--root PATH]\n"
        "       (--verbose: error messages with internal call frames)\n"
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

enum { D_DATASET, D_ROOT, D_PROTOCOL, D_CLASS, D_SEED, D_VAL, D_MANIFEST_OUT, D_SIZE, D_CACHE, D_CATEGORY,
       D_VARIANT, D_CHANNELS, D_SKIP_BAD };
static const alcn_argspec DATA_FLAGS[] = {
    {"dataset", "NAME", "the data set (required)", D_DATASET, 0},
    {"root", "PATH", "its folder (default: the data set's own)", D_ROOT, 0},
    {"protocol", "P", "split by protocol P (needs --class)", D_PROTOCOL, 0},
    {"class", "K", "class index or name", D_CLASS, 0},
    {"seed", "S", "split seed (default 1)", D_SEED, 0},
    {"val", "F", "validation fraction of the normals, in [0,1)", D_VAL, 0},
    {"manifest-out", "FILE", "write the split's index manifest", D_MANIFEST_OUT, 0},
    {"size", "N", "resize images to N x N", D_SIZE, 0},
    {"cache", "DIR", "decode cache folder", D_CACHE, 0},
    {"category", "C", "mvtec/plantvillage: load only this category/crop", D_CATEGORY, 0},
    {"variant", "V", "data set variant (emnist)", D_VARIANT, 0},
    {"channels", "auto|1|3", "channels of the loaded images", D_CHANNELS, 0},
    {"skip-bad", NULL, "skip unreadable images instead of failing", D_SKIP_BAD, 0},
    {NULL, NULL, NULL, 0, 0}};

static int parse_int(const char *s, long lo, long hi, long *out) {
  char *end;
  errno = 0;
  long v = strtol(s, &end, 10);
  if (errno || end == s || *end || v < lo || v > hi) return 0;
  *out = v;
  return 1;
}

/* A usage mistake: the message, then exit code 2. */
static int usage_error(const char *fmt, const char *v) {
  fprintf(stderr, "alcnbench data: error: ");
  fprintf(stderr, fmt, v);
  fputc('\n', stderr);
  return ALCN_EXIT_USAGE;
}

/* Returns 0 ok, -1 help printed (exit 0), else the exit code of a usage error (printed). */
static int parse(args *a, int argc, char **argv) {
  memset(a, 0, sizeof *a);
  a->seed = 1;
  if (argc < 2) {
    usage(stderr);
    return ALCN_EXIT_USAGE;
  }
  a->sub = argv[1];
  if (strcmp(a->sub, "-h") == 0 || strcmp(a->sub, "--help") == 0 || strcmp(a->sub, "help") == 0) {
    usage(stdout);
    return -1;
  }
  if (strcmp(a->sub, "info") != 0 && strcmp(a->sub, "classes") != 0) {
    static const char *const subs[] = {"info", "classes"};
    const char *near = alcn_args_suggest(a->sub, subs, 2);
    fprintf(stderr, "alcnbench data: error: unknown subcommand '%s'%s%s%s\n", a->sub, near ? " (did you mean " : "",
            near ? near : "", near ? "?)" : "");
    usage(stderr);
    return ALCN_EXIT_USAGE;
  }
  alcn_args p;
  alcn_args_init(&p, "alcnbench data", DATA_FLAGS, argc, argv, 2);
  for (int id; (id = alcn_args_next(&p)) != ALCN_ARGS_END;) {
    const char *val = p.value;
    long v;
    switch (id) {
      case ALCN_ARGS_HELP: usage(stdout); return -1;
      case ALCN_ARGS_ERROR: return alcn_args_fail("alcnbench data");
      case ALCN_ARGS_POSITIONAL: return usage_error("unexpected argument '%s' (hint: alcnbench data --help)", val);
      case D_SKIP_BAD: a->skip_bad = 1; break;
      case D_DATASET: a->dataset = val; break;
      case D_ROOT: a->root = val; break;
      case D_PROTOCOL: a->protocol = val; break;
      case D_CLASS: a->klass = val; break;
      case D_CACHE: a->cache = val; break;
      case D_CATEGORY: a->category = val; break;
      case D_VARIANT: a->variant = val; break;
      case D_CHANNELS: a->channels = val; break;
      case D_MANIFEST_OUT: a->manifest_out = val; break;
      case D_SEED: {
        char *end;
        errno = 0;
        a->seed = strtoull(val, &end, 10);
        if (errno || end == val || *end || val[0] == '-')
          return usage_error("--seed '%s' is not a non-negative integer", val);
        break;
      }
      case D_SIZE:
        if (alcn_args_long(&p, 1, 8192, &v) != ALCN_OK) return alcn_args_fail("alcnbench data");
        a->size = (int)v;
        break;
      case D_VAL: {
        char *end;
        a->val = strtod(val, &end);
        if (end == val || *end || !(a->val >= 0 && a->val < 1))
          return usage_error("--val '%s' is not a fraction in [0,1)", val);
        break;
      }
    }
  }
  if (!a->dataset) {
    fprintf(stderr, "alcnbench data: error: --dataset is required\n");
    usage(stderr);
    return ALCN_EXIT_USAGE;
  }
  if (!alcn_dataset_known(a->dataset)) {
    fprintf(stderr, "alcnbench data: error: unknown data set '%s'\n", a->dataset);
    usage(stderr);
    return ALCN_EXIT_USAGE;
  }
  if (a->protocol && !alcn_protocol_known(a->protocol))
    return usage_error("unknown protocol '%s' (valid: p1, p2, mvtec, mvtec-7030, plantvillage)", a->protocol);
  if (a->protocol && !a->klass) return usage_error("--protocol %s needs --class", a->protocol);
  return 0;
}

/* A data or I/O error: one line (call frames with --verbose), exit code 1. */
static int fail(const char *what) {
  char msg[4096];
  fprintf(stderr, "alcnbench data: error: %s: %s\n", what, alcn_error_for_user(msg, sizeof msg));
  return ALCN_EXIT_FAIL;
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
  if (pr < 0) return ALCN_EXIT_OK;
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
  const double t0 = alcn_clock_s();
  alcn_dataset ds;
  if (alcn_dataset_load(&ds, a.dataset, &o) != ALCN_OK) return fail("cannot load the data set");
  double secs = alcn_clock_s() - t0;
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
