/* The plugin SDK (ABI). A method plugin or a noise plugin is a shared object
 * that exports one function returning descriptors by index:
 *
 *   const alcn_method_desc *alcn_method_descriptor(uint32_t index);  (NULL past the end)
 *   const alcn_noise_desc  *alcn_noise_descriptor(uint32_t index);
 *
 * The host checks abi_major == ALCN_ABI_MAJOR, abi_minor <= ALCN_ABI_MINOR,
 * size >= the size of the fields it uses, and that the required function
 * pointers are not NULL; it refuses the plugin otherwise, naming the file.
 * Descriptors grow by appending fields (size tells the host what exists).
 *
 * Memory: tensors handed to plugins are backend memory (ctx->be), NCHW float32
 * in the data set's normalisation; the host owns them. Plugins allocate their
 * own state through the backend and return status codes (status.h); they
 * never exit(). Randomness comes from ctx->seed through the Philox streams
 * (rng.h), so a run is reproducible.
 *
 * The DAE family: method "dae" hosts a noise plugin. Each training step s:
 *   if the noise learns: noise->learn(state, x, n, s, dae, &loss)   (ALCN's ascent)
 *   noise->corrupt(state, x, n, s, x_tilde, NULL)                    (same z, alpha as learn)
 *   DAE descends on L(x, DAE(x_tilde)).
 * A new noise strategy is one C file with create / corrupt / destroy
 * (see plugins/examples/). */
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

/* ABI history: 1.0 first release; 1.1 appends timer_mark, timer_elapsed_ms
 * and salt_pepper to alcn_backend_ops (a 1.0 plugin runs unchanged on a 1.1
 * host; a 1.1 plugin is refused by a 1.0 host). */
#define ALCN_ABI_MAJOR 1
#define ALCN_ABI_MINOR 1

/* Host services handed to every plugin instance. */
typedef struct alcn_ctx {
  uint32_t size;        /* sizeof(alcn_ctx) of the host */
  alcn_backend *be;     /* where tensors live and ops run */
  uint64_t seed;        /* the cell's seed; derive sub-streams with alcn_rng_derive */
  int quiet;            /* 1: print nothing */
} alcn_ctx;

/* Plugin options: "key=value" strings (from --opt and config files). Parse
 * them with alcn_opts_* (options.h), which refuse unknown keys and bad numbers. */
typedef struct alcn_opts {
  const char *const *items;
  int count;
} alcn_opts;

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
  const char *summary;   /* one line */
  const char *defaults;  /* "key=value ..." documentation of the options and their defaults */
  alcn_status (*create)(const alcn_noise_config *cfg, alcn_ctx *ctx, void **state);        /* required */
  /* x_tilde = corrupted x for training step `step` (deterministic in step);
   * noise_out (optional, may be NULL): the additive/replacement pattern, for Figure 4. */
  alcn_status (*corrupt)(void *state, const float *x, int n, uint64_t step, float *x_tilde,
                         float *noise_out);                                                   /* required */
  /* Learning noise only (NULL otherwise): one update of the noise's own weights
   * against the denoiser for step `step`; *loss_host = the reconstruction loss. */
  alcn_status (*learn)(void *state, const float *x, int n, uint64_t step, const alcn_denoiser *dae,
                       float *loss_host);
  size_t (*param_count)(void *state);                                                        /* optional */
  alcn_status (*save)(void *state, FILE *f);                                                 /* optional */
  alcn_status (*load)(void *state, FILE *f, const char *path);                               /* optional */
  void (*destroy)(void *state);                                                              /* required */
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

/* Training batches, produced by the host (shuffled, uploaded, in backend memory). */
typedef struct alcn_batch_iter {
  void *self;
  /* *x = next batch (N,C,H,W), *n its size; returns 1, or 0 at the end of the epoch.
   * A negative return is an error status negated (e.g. interrupted). */
  int (*next)(void *self, const float **x, int *n);
} alcn_batch_iter;

typedef struct alcn_epoch_stats {
  double loss;          /* mean training loss of the epoch (the method's main loss) */
  double aux_loss;      /* a second loss where there is one (ALCN: the noise's loss; GANomaly: D) */
  long images;
  int steps;
  char note[128];       /* free text, e.g. "discriminator re-initialised 2x" */
} alcn_epoch_stats;

typedef struct alcn_method_desc {
  uint32_t abi_major, abi_minor, size; /* ALCN_ABI_MAJOR, ALCN_ABI_MINOR, sizeof(alcn_method_desc) */
  const char *id;
  const char *summary;
  const char *defaults;
  int hosts_noise;       /* 1: takes a noise plugin (--noise); 0: --noise must be none */
  alcn_status (*create)(const alcn_method_config *cfg, alcn_ctx *ctx, void **state);          /* required */
  alcn_status (*train_epoch)(void *state, alcn_batch_iter *it, alcn_epoch_stats *stats);     /* required */
  /* scores[n] (backend memory): higher = more anomalous. Eval mode. */
  alcn_status (*score)(void *state, const float *x, int n, float *scores);                    /* required */
  /* out (N,C,H,W): the reconstruction, where the method has one (Figure 4). */
  alcn_status (*reconstruct)(void *state, const float *x, int n, float *out);                 /* optional */
  /* Figure 4 panels for x: the noise pattern and the corrupted input (DAE family). */
  alcn_status (*corrupt_example)(void *state, const float *x, int n, float *noise, float *x_tilde); /* optional */
  /* Parameters of the method's own networks and (separately) of its noise. */
  size_t (*param_count)(void *state, size_t *noise_params);                                   /* required */
  /* Table 5's "with noise" inference: score plus generating the noise for the batch. */
  alcn_status (*score_with_noise)(void *state, const float *x, int n, float *scores);         /* optional */
  alcn_status (*save)(void *state, FILE *f);                                                  /* optional */
  alcn_status (*load)(void *state, FILE *f, const char *path);                                /* optional */
  void (*destroy)(void *state);                                                               /* required */
} alcn_method_desc;

typedef const alcn_method_desc *(*alcn_method_descriptor_fn)(uint32_t index);
typedef const alcn_noise_desc *(*alcn_noise_descriptor_fn)(uint32_t index);

#ifdef __cplusplus
}
#endif
#endif
