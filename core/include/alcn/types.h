/* Types the plugin SDK shares between its floors: the opaque backend handle
 * (its functions are in kernels' alcn/backend.h) and the reconstruction-loss
 * choice that the host hands to methods and noises. */
#ifndef ALCN_TYPES_H
#define ALCN_TYPES_H

#ifdef __cplusplus
extern "C" {
#endif

/* Where tensors live and ops run (CPU or CUDA). Opaque: use the alcn_*
 * functions of alcn/backend.h on it. */
typedef struct alcn_backend alcn_backend;

/* Every loss is a mean over the elements of pred (N,C,H,W) against target. */
typedef enum alcn_loss_kind {
  ALCN_LOSS_MSE = 0,
  ALCN_LOSS_L1,
  ALCN_LOSS_BCE_LOGITS, /* pred are logits, target in [0,1] */
  ALCN_LOSS_FFL         /* focal frequency loss (Jiang et al. 2021) */
} alcn_loss_kind;

typedef struct alcn_loss_cfg {
  alcn_loss_kind kind;
  float ffl_alpha; /* FFL spectrum-weight exponent, default 1 */
} alcn_loss_cfg;

#ifdef __cplusplus
}
#endif
#endif
