/* Internal interfaces of the alcnbench program: the run configuration
 * (flags + INI file), the plan (cells), the cell runner, records, Figure-4
 * files and progress display. One concern per file:
 *   config.c    ab_config: defaults, flags, INI file, validation of numbers and keys
 *   plan.c      ab_plan: names checked against plugins / data sets, cells, ids, shards
 *   plan_options.c  plugin options checked against the plugins' tables at plan time
 *   run.c       one cell: data, manifest, backend, method, training, scoring, metrics
 *   batches.c   the shuffled training batches and the test-batch filler
 *   train_loop.c  one epoch of the host-owned training loop (ABI 2)
 *   record.c    JSON records (cJSON), atomic files, resume status
 *   claims.c    the results folder's lock and per-cell claims (concurrent runs)
 *   figure4.c   the .f4 file of a cell
 *   pixel_eval.c  pixel AUROC / AUPRO and the .amap file (data sets with masks)
 *   progress.c  stderr progress: cell k of n, epoch loss, images/s, ETA
 *   alcnbench.c main: subcommands list / plan / run / report / compare / data / table5 */
#ifndef ALCN_BENCH_H
#define ALCN_BENCH_H

#include <signal.h>
#include <stdint.h>

#include "alcn/backend.h"
#include "alcn/dataset.h"
#include "alcn/loader.h"
#include "alcn/normalize.h"
#include "alcn/protocol.h"
#include "alcn/status.h"

/* ------------------------------------------------------------- config */
typedef struct ab_list {
  int n;
  char **v;              /* malloc'ed strings */
} ab_list;

typedef struct ab_config {
  /* the plan */
  ab_list datasets, protocols, classes, methods, noises, losses, seeds;
  ab_list roots;         /* "path" (every data set) or "name=path" */
  ab_list method_opts;   /* "key=value" (every method) or "method:key=value" */
  ab_list noise_opts;    /* "key=value" (every noise) or "noise:key=value" */
  ab_list plugin_paths;  /* --plugin-path folders (colon lists allowed) */
  char *out;             /* results folder */
  /* training */
  int epochs, batch, threads, image_size, limit_train, limit_test;
  double val_fraction;
  int early_stop;        /* patience in epochs on the validation score; 0 = off */
  double pixel_sigma;    /* Gaussian smoothing of anomaly maps (pixel metrics); 0 = none */
  double ffl_alpha;
  char *device;          /* cpu | cuda | auto */
  char *norm;            /* unit | meanstd */
  /* the run */
  int resume, quiet, no_report, shard_i, shard_n;
  char *config_file;     /* the --config file, or NULL */
  int dataset_given;     /* a data set was named (--dataset, or dataset in --config) */
} ab_config;

/* Defaults (documented in `alcnbench run --help`). */
void ab_config_init(ab_config *c);
void ab_config_free(ab_config *c);
/* Parse argv[first..argc) (flags of run / plan). A --config FILE is read
 * first wherever it stands, then the flags override it. Unknown flags,
 * unknown config keys and malformed numbers are ALCN_ERR_ARG naming them. */
alcn_status ab_config_parse(ab_config *c, int argc, char **argv, int first);
/* Without --config: the tuned settings of bench/configs/default.ini that are
 * plugin options (dae lr 1e-3; the paper's 1e-5 barely trains in a few
 * epochs), put before the user's --opt so that theirs win. A config file
 * states its own (the paper-*.ini files keep the plugins' paper defaults). */
alcn_status ab_config_tuned_defaults(ab_config *c, const alcn_registry *reg);
/* Read one INI file into c (sections [plan] [train] [method.<id>] [noise.<id>]). */
alcn_status ab_config_load_ini(ab_config *c, const char *path);
/* The same from memory: text[0..size) (need not be NUL-terminated; a NUL
 * byte in it is an error), path naming it in messages. ab_config_load_ini
 * reads the file (regular, at most 1 MiB) and calls this. */
alcn_status ab_config_parse_ini(ab_config *c, const char *text, size_t size, const char *path);
/* The flags and config keys, for --help. */
void ab_config_usage(FILE *f);
/* Variants: a method or noise of a plan may be written "id@variant" (e.g.
 * ganomaly@batch) so that one plugin runs under several option sets side by
 * side; the variant is part of the cell id and of the report label. */
/* Length of the plugin id in spec (up to '@'). */
size_t ab_spec_id_len(const char *spec);
/* The plugin id of spec, copied into buf (truncated to cap). */
const char *ab_spec_id(const char *spec, char *buf, size_t cap);
/* Items of an option list for one plugin spec "id" or "id@variant": entries
 * without a prefix and those prefixed "id:", then those prefixed
 * "id@variant:" (so that they win; prefixes stripped). *out holds pointers
 * into list. */
int ab_opts_for(const ab_list *list, const char *spec, const char **out, int cap);
/* The root for data set `name` (NULL = its default). */
const char *ab_config_root(const ab_config *c, const char *name);

/* ------------------------------------------------------------- plan */
/* The longest cell id: it names files (records/<id>.json, manifests/<id>.txt,
 * figure4/<id>.f4 and their temporary files), which hold at most 255 bytes
 * (NAME_MAX); a plan whose ids would be longer is refused (long variant names). */
#define AB_CELL_ID_MAX 200

typedef struct ab_cell {
  int index;             /* position in the whole plan (shards: index % n == i) */
  char id[256];          /* "<dataset>_<protocol>_c<k>_<method>_<noise>_<loss>_s<seed>", <= AB_CELL_ID_MAX chars */
  const char *dataset, *protocol, *method, *noise, *loss; /* point into the config */
  int class_index;
  char class_name[128];
  uint64_t seed;
} ab_cell;

typedef struct ab_plan {
  int n;
  ab_cell *cells;
} ab_plan;

/* Check every name against the registry / data sets (errors list the valid
 * names), resolve classes, and build the cells in the order
 * datasets x protocols x classes x methods x noises x losses x seeds.
 * A method that does not host a noise gets only noise "none". */
alcn_status ab_plan_build(ab_plan *p, const ab_config *c, const alcn_registry *reg);
void ab_plan_free(ab_plan *p);
/* Every method's and noise's options of the plan, parsed against the plugins'
 * option tables (plan_options.c): ALCN_ERR_ARG with the key and the valid
 * keys, range or choices, before any cell runs. */
alcn_status ab_plan_check_options(const ab_config *c, const alcn_registry *reg);
/* 1 when the cell belongs to this run's shard. */
int ab_plan_in_shard(const ab_config *c, const ab_cell *cell);

/* ------------------------------------------------------------- records */
typedef enum { AB_REC_MISSING = 0, AB_REC_DONE, AB_REC_FAILED, AB_REC_CORRUPT } ab_rec_state;
/* <out>/records/<id>.json state. */
ab_rec_state ab_record_state(const char *out, const char *cell_id);
/* mkdir -p of <out>/{records,manifests,figure4,.partial}; checks that each
 * (and <out>) is writable by creating and removing a probe file, so that a
 * read-only --out fails the run before any cell trains; removes stale
 * temporary files in <out>/.partial. */
alcn_status ab_out_prepare(const char *out);
/* Write bytes to <out>/<rel> atomically through alcn_fs_write_atomic
 * (reports/src/util.c): a unique <out>/.partial/.<name>.<pid>.<serial>.tmp,
 * fsync, rename, fsync of the folder. */
alcn_status ab_write_atomic(const char *out, const char *rel, const void *data, size_t len);

/* The result of one cell, as the record holds it. */
typedef struct ab_result {
  int done;              /* 1 done, 0 failed */
  char reason[1024];
  char manifest_hash[17];
  double auroc, aupr, f1max;
  int epochs_run;
  int early_stopped;     /* 1: --early-stop ended training before --epochs */
  double *epoch_losses, *epoch_aux;   /* epochs_run each (aux NaN = none) */
  /* Per-epoch diagnostics, measured after each epoch without touching the
   * training state; NULL = not measured. epoch_val: mean anomaly score of the
   * validation normals (--val-fraction > 0), the quantity epochs are chosen
   * on. epoch_sat: fraction of a learning noise's pattern values within 0.01
   * of 0 or 1 on a fixed batch of training images. */
  double *epoch_val, *epoch_sat;
  double train_seconds, infer_ms_per_batch;
  int infer_batch;
  long long params_method, params_noise;
  long long peak_host_bytes, peak_device_bytes; /* device: -1 = not tracked */
  char device[160];
  char start[32], end[32];
  int n_test;
  float *test_scores;
  int *test_labels;
  char figure4[300];     /* "" = none */
  /* Pixel level (data sets with masks, methods with score_maps; pixel_eval.c):
   * NaN = not measured. anomaly_maps: the .amap file for the report's overlays. */
  double pixel_auroc, aupro;
  long long pixel_regions;
  char anomaly_maps[300]; /* "" = none */
  const char *method_file, *noise_file;
  /* The descriptors' display labels ("DAE", "ALCN"; NULL: not loaded, or no
   * noise), recorded so that a report needs no plugin to name the cell. */
  const char *method_label, *noise_label;
} ab_result;

/* Serialise the record (schema alcnbench.record/1) and write it atomically. */
alcn_status ab_record_write(const ab_config *c, const ab_cell *cell, const ab_result *r);

/* ------------------------------------------------------------- claims */
/* Several runs on one results folder train each cell once (claims.c). */
typedef struct ab_claims {
  int fd;                /* <out>/.lock */
  char out[4096];
} ab_claims;
typedef enum { AB_CLAIM_TAKEN, AB_CLAIM_DONE, AB_CLAIM_BUSY, AB_CLAIM_ERROR } ab_claim_result;
alcn_status ab_claims_open(ab_claims *cl, const char *out);
void ab_claims_close(ab_claims *cl);
/* Under the folder's lock: DONE (resume and the record says done), BUSY (a
 * live run holds the cell; *who = "pid P on HOST"), or TAKEN (this run's
 * claim written; stale claims of dead processes are taken over). */
ab_claim_result ab_claims_take(ab_claims *cl, const char *cell_id, int resume, char *who, size_t cap);
void ab_claims_release(ab_claims *cl, const char *cell_id);

/* ------------------------------------------------------------- figure 4 */
/* .f4 bytes (little-endian): "ALCNF4v2", int32 n,c,h,w, int32 flags (bit 0:
 * noise and input+noise panels present), then per image int32 label (1 =
 * anomalous), float32 score, and input, noise, input+noise, reconstruction
 * (c*h*w float32 each; the noise planes zero when absent). labels / scores
 * may be NULL (label -1, score NaN: unknown). */
alcn_status ab_figure4_write(const char *out, const char *cell_id, int n, int c, int h, int w, const float *input,
                             const float *noise, const float *x_tilde, const float *recon, const int *labels,
                             const float *scores);
/* Positions (into labels[0..n)) of up to per_kind normal then up to per_kind
 * anomalous test images, in manifest order; a kind that falls short is made
 * up with more of the other. Returns how many (<= 2 * per_kind, <= 64). */
int ab_pick_examples(const uint8_t *labels, int n, int per_kind, int *pos);

/* ------------------------------------------------------------- progress */
struct ab_progress;
typedef struct ab_progress {
  int quiet, tty;
  int plan_k, plan_n;    /* cell k (1-based) of n in this run */
  int cells_timed;       /* cells finished in this run (for the plan ETA) */
  double cells_seconds;
  double cell_t0, epoch_t0, last_draw;
  int epoch, epochs;
  long images, images_per_epoch;
  const char *cell_id;
} ab_progress;

void ab_progress_init(ab_progress *p, int quiet, int plan_n);
void ab_progress_cell_begin(ab_progress *p, int k, const char *cell_id, int epochs, long images_per_epoch);
void ab_progress_epoch_begin(ab_progress *p, int epoch);
void ab_progress_images(ab_progress *p, long images); /* images done in this epoch */
void ab_progress_epoch_end(ab_progress *p, double loss, double aux_loss, long images);
void ab_progress_note(ab_progress *p, const char *fmt, ...);
void ab_progress_cell_end(ab_progress *p, int done, double auroc, const char *reason);

/* ------------------------------------------------------------- batches */
/* Training batches: the indices idx[0..n) shuffled per epoch (Fisher-Yates
 * on the Philox stream alcn_rng_derive(seed, epoch)), normalised into a host
 * buffer and uploaded into one backend buffer of batch x C x H x W floats;
 * the last batch may be partial. */
typedef struct ab_batches {
  alcn_backend *be;
  const alcn_dataset *ds;
  const alcn_norm *nm;
  int32_t *perm;         /* n: this epoch's order */
  int32_t *base;         /* n: the indices as given */
  int n, pos, batch;
  uint64_t seed;
  size_t sample;         /* C*H*W */
  float *host, *dev;     /* batch x sample each */
  struct ab_progress *pr;
  int fill_error;        /* a fill/upload failed: status (its message is the last error) */
} ab_batches;

alcn_status ab_batches_init(ab_batches *b, alcn_backend *be, const alcn_dataset *ds, const alcn_norm *nm,
                            const int32_t *idx, int n, int batch, uint64_t seed, struct ab_progress *pr);
void ab_batches_epoch(ab_batches *b, int epoch); /* reshuffle for epoch (0-based) */
/* The next training batch of the epoch: 1 and *x (backend memory), *n; 0 at
 * the end of the epoch; a negative status when the upload failed. */
int ab_batches_next(ab_batches *b, const float **x, int *n);
/* Upload images idx[0..n) (n <= batch) into the backend buffer; *dev = it. */
alcn_status ab_batches_fill(ab_batches *b, const int32_t *idx, int n, const float **dev);
void ab_batches_free(ab_batches *b);

/* ------------------------------------------------------------- training loop */
typedef struct ab_epoch_stats {
  double loss;           /* mean over the epoch's images of the steps' losses */
  double aux_loss;       /* the same of the second loss; NaN when the method has none */
  long images;
  int steps, events;     /* events: the method's event_name, summed */
  double step_seconds;   /* time inside train_step */
} ab_epoch_stats;

/* One epoch (0-based) of method md over b's shuffled batches (ab_batches_epoch
 * first); *step counts steps over the run. NaN/Inf losses are
 * ALCN_ERR_NUMERIC naming the plugin and the step; a signal gives
 * ALCN_ERR_INTERRUPTED. nd: the noise the method hosts (or NULL). */
alcn_status ab_train_epoch(const alcn_method_desc *md, const alcn_noise_desc *nd, void *state, ab_batches *b,
                           int epoch, uint64_t *step, ab_epoch_stats *es);

/* ------------------------------------------------------------- run */
extern volatile sig_atomic_t ab_interrupted; /* set by SIGINT / SIGTERM */

typedef struct ab_run_state ab_run_state;   /* data set cache across cells */
alcn_status ab_run_state_create(ab_run_state **st);
void ab_run_state_destroy(ab_run_state *st);

/* Run one cell and write its record (done or failed). Returns ALCN_OK when a
 * record was written (either status), ALCN_ERR_INTERRUPTED when a signal cut
 * the cell (nothing written), another status when the record could not be
 * written. *failed = 1 when the cell's record says failed. */
alcn_status ab_run_cell(ab_run_state *st, const ab_config *c, const alcn_registry *reg, const ab_cell *cell,
                        ab_progress *pr, int *failed);

/* Pixel-level metrics and the anomaly-map file of a cell (pixel_eval.c);
 * fills r->pixel_auroc, r->aupro (NaN when not measured), r->anomaly_maps.
 * Never fails the cell: problems are one warning through pr. */
void ab_pixel_eval(const ab_config *c, const ab_cell *cell, const alcn_method_desc *md, void *state, ab_batches *b,
                   const alcn_manifest *m, ab_result *r, struct ab_progress *pr);

#endif
