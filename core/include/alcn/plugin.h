/* The plugin SDK (ABI 2). A method plugin or a noise plugin is a shared object
 * that exports one function returning descriptors by index:
 *
 *   const alcn_method_desc *alcn_method_descriptor(uint32_t index);  (NULL past the end)
 *   const alcn_noise_desc  *alcn_noise_descriptor(uint32_t index);
 *
 * The host checks abi_major == ALCN_ABI_MAJOR and abi_minor <= ALCN_ABI_MINOR,
 * then reads the descriptor up to its `size` only: fields past a plugin's size
 * (appended by a later minor ABI) take their defaults (NULL, 0, label = id),
 * so descriptors grow by appending fields and an older plugin keeps loading.
 * A size too small for the required fields, a NULL required function or a bad
 * id or option table refuses the plugin, naming the file.
 *
 * The host owns the loop: it draws the batches, shows progress, checks every
 * loss for NaN/Inf, handles Ctrl-C and times the steps, the same for every
 * plugin; a method implements one training step (train_step) and optional
 * epoch hooks. Options are declared in a table (alcn_option): the host parses
 * and range-checks them (at plan time, before any cell runs), lists them in
 * `alcnbench list`, and alcn_options_parse (options.h) fills the plugin's
 * own struct from it.
 *
 * Memory: tensors handed to plugins are backend memory (ctx->be), NCHW float32
 * in the data set's normalisation; the host owns them. Plugins allocate their
 * own state through the backend (alcn/backend.h) and return status codes
 * (status.h); they never exit(). Randomness comes from ctx->seed through the
 * Philox streams (rng.h) at offsets that depend on `step`, so a run is
 * reproducible on every backend.
 *
 * The DAE family: method "dae" hosts a noise plugin. Each training step s:
 *   if the noise learns: noise->learn(state, x, n, s, dae, &loss)   (ALCN's ascent)
 *   noise->corrupt(state, x, n, s, x_tilde, NULL)                    (same z, alpha as learn)
 *   DAE descends on L(x, DAE(x_tilde)).
 * A new noise strategy is one C file with create / corrupt / destroy
 * (plugins/examples/noise_uniform.c; a learning one: noise_learned.c). */
#ifndef ALCN_PLUGIN_H
#define ALCN_PLUGIN_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "alcn/export.h"
#include "alcn/status.h"
#include "alcn/types.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ABI history:
 *   1.0 first release; 1.1 appended timer and salt-and-pepper slots to the
 *       public backend vtable.
 *   2.0 the backend is opaque (alcn/backend.h functions, no vtable in the
 *       SDK); descriptors are read up to their size; the host owns the
 *       training loop (train_step + epoch hooks replace train_epoch);
 *       declarative option tables replace the `defaults` string; descriptors
 *       carry a display label; mul / select / clamp ops for mask noises. */
#define ALCN_ABI_MAJOR 2
#define ALCN_ABI_MINOR 0

/* Host services handed to every plugin instance. */
typedef struct alcn_ctx {
  uint32_t size;        /* sizeof(alcn_ctx) of the host */
  alcn_backend *be;     /* where tensors live and ops run */
  uint64_t seed;        /* the cell's seed; derive sub-streams with alcn_rng_derive */
  int quiet;            /* 1: print nothing */
} alcn_ctx;

/* ------------------------------------------------------------- options */
/* Plugin options as given: "key=value" strings (from --opt and config files);
 * the last occurrence of a key wins. */
typedef struct alcn_opts {
  const char *const *items;
  int count;
} alcn_opts;

typedef enum alcn_option_type {
  ALCN_OPT_FLOAT = 1, /* stored as float */
  ALCN_OPT_INT = 2,   /* stored as int */
  ALCN_OPT_ENUM = 3   /* one of `choices` ("batch|image"), stored as its index (int) */
} alcn_option_type;

/* flags: strict bounds (min < value, value < max) */
enum { ALCN_OPT_MIN_OPEN = 1u, ALCN_OPT_MAX_OPEN = 2u };

/* One option of a plugin. A table is an array ended by an entry with
 * name == NULL. `def` is the default as text (parsed like a given value);
 * numbers must lie in [min, max] (open ends per flags); offset is where
 * alcn_options_parse stores the value in the plugin's own struct. */
typedef struct alcn_option {
  const char *name;     /* [a-z0-9_], unique in the table */
  alcn_option_type type;
  const char *def;
  double min, max;      /* FLOAT, INT */
  unsigned flags;
  const char *choices;  /* ENUM */
  const char *doc;      /* one line */
  size_t offset;
} alcn_option;

/* ------------------------------------------------------------- noise */
typedef struct alcn_noise_config {
  uint32_t size;        /* sizeof(alcn_noise_config) of the host */
  int C, H, W;          /* image shape */
  int max_batch;
  alcn_loss_cfg loss;   /* the run's reconstruction loss (learning noise ascends it) */
  alcn_opts opts;       /* noise-specific options (without the "noise." prefix) */
} alcn_noise_config;

/* The denoiser as a learning noise sees it: the loss of reconstructing
 * `target` from `x_in` and, when dx_in != NULL, the gradient of
 * grad_scale * loss w.r.t. x_in, with the denoiser's weights left unchanged. */
typedef struct alcn_denoiser {
  void *self;
  alcn_status (*loss_and_input_grad)(void *self, const float *x_in, const float *target, int n, float grad_scale,
                                     float *loss_host, float *dx_in);
} alcn_denoiser;

typedef struct alcn_noise_desc {
  uint32_t abi_major, abi_minor, size; /* ALCN_ABI_MAJOR, ALCN_ABI_MINOR, sizeof(alcn_noise_desc) */
  const char *id;        /* short name, [a-z0-9_-] */
  const char *label;     /* display name in reports ("ALCN"); NULL = id */
  const char *summary;   /* one line */
  const alcn_option *options;                                                                /* NULL = none */
  alcn_status (*create)(const alcn_noise_config *cfg, alcn_ctx *ctx, void **state);        /* required */
  /* x_tilde = corrupted x for training step `step` (deterministic in step);
   * noise_out (optional, may be NULL): the additive/replacement pattern, for Figure 4. */
  alcn_status (*corrupt)(void *state, const float *x, int n, uint64_t step, float *x_tilde,
                         float *noise_out);                                                   /* required */
  void (*destroy)(void *state);                                                              /* required */
  /* ---- optional (NULL = absent) */
  /* Learning noise: one update of the noise's own weights against the
   * denoiser for step `step`; *loss_host = the reconstruction loss. */
  alcn_status (*learn)(void *state, const float *x, int n, uint64_t step, const alcn_denoiser *dae,
                       float *loss_host);
  size_t (*param_count)(void *state);
  alcn_status (*save)(void *state, FILE *f);
  alcn_status (*load)(void *state, FILE *f, const char *path);
} alcn_noise_desc;

/* ------------------------------------------------------------- method */
typedef struct alcn_method_config {
  uint32_t size;        /* sizeof(alcn_method_config) of the host */
  int C, H, W;          /* image shape */
  int max_batch;        /* training and scoring batches are at most this */
  alcn_loss_cfg loss;   /* reconstruction loss for training */
  alcn_opts opts;       /* method-specific options (lr=..., arch=...) */
  const alcn_noise_desc *noise; /* for methods that host a noise (dae); NULL = none */
  alcn_opts noise_opts;
} alcn_method_config;

/* What one training step reports to the host. */
typedef struct alcn_step_stats {
  double loss;          /* the step's main training loss (mean over its images) */
  double aux_loss;      /* a second loss (ALCN: the noise's; GANomaly: L_D), when has_aux */
  int has_aux;
  int events;           /* occurrences of the method's event_name in this step */
} alcn_step_stats;

typedef struct alcn_method_desc {
  uint32_t abi_major, abi_minor, size; /* ALCN_ABI_MAJOR, ALCN_ABI_MINOR, sizeof(alcn_method_desc) */
  const char *id;
  const char *label;     /* display name in reports ("DAE"; with a noise: "DAE+<noise label>"); NULL = id */
  const char *summary;
  const alcn_option *options;                                                                 /* NULL = none */
  int hosts_noise;       /* 1: takes a noise plugin (--noise); 0: --noise must be none */
  alcn_status (*create)(const alcn_method_config *cfg, alcn_ctx *ctx, void **state);          /* required */
  /* One step on batch x (n images, backend memory); `step` counts from 0 over
   * the whole run. Fills *stats; the host checks its numbers. */
  alcn_status (*train_step)(void *state, const float *x, int n, uint64_t step, alcn_step_stats *stats); /* req. */
  /* scores[n] (backend memory): higher = more anomalous. Eval mode. */
  alcn_status (*score)(void *state, const float *x, int n, float *scores);                    /* required */
  /* Parameters of the method's own networks and (separately) of its noise. */
  size_t (*param_count)(void *state, size_t *noise_params);                                   /* required */
  void (*destroy)(void *state);                                                               /* required */
  /* ---- optional (NULL = absent) */
  const char *event_name;  /* what stats->events counts ("discriminator re-initialised") */
  alcn_status (*epoch_begin)(void *state, int epoch);                                         /* 0-based */
  alcn_status (*epoch_end)(void *state, int epoch);
  /* out (N,C,H,W): the reconstruction, where the method has one (Figure 4). */
  alcn_status (*reconstruct)(void *state, const float *x, int n, float *out);
  /* Figure 4 panels for x: the noise pattern and the corrupted input (DAE family). */
  alcn_status (*corrupt_example)(void *state, const float *x, int n, float *noise, float *x_tilde);
  /* Table 5's "with noise" inference: score plus generating the noise for the batch. */
  alcn_status (*score_with_noise)(void *state, const float *x, int n, float *scores);
  alcn_status (*save)(void *state, FILE *f);
  alcn_status (*load)(void *state, FILE *f, const char *path);
  /* Per-pixel anomaly maps (N,H,W), backend memory, higher = more anomalous,
   * for pixel-level metrics on data sets with masks (DAE: the squared
   * reconstruction error, averaged over channels). */
  alcn_status (*score_maps)(void *state, const float *x, int n, float *maps);
} alcn_method_desc;

typedef const alcn_method_desc *(*alcn_method_descriptor_fn)(uint32_t index);
typedef const alcn_noise_desc *(*alcn_noise_descriptor_fn)(uint32_t index);

/* The smallest descriptor sizes a host accepts: up to the last required field. */
#define ALCN_NOISE_DESC_MIN_SIZE (offsetof(alcn_noise_desc, destroy) + sizeof(void (*)(void *)))
#define ALCN_METHOD_DESC_MIN_SIZE (offsetof(alcn_method_desc, destroy) + sizeof(void (*)(void *)))

#ifdef __cplusplus
}
#endif
#endif
