/* Element-wise losses (MSE, L1, BCE with logits) and the per-image squared
 * error on the GPU. Reductions are deterministic: a fixed number of partial
 * sums (double) in a fixed order, then one block finishes the sum. The loss
 * is written to device memory (1 float) so that nothing waits. */
#ifndef ALCN_CUDA_LOSS_CUH
#define ALCN_CUDA_LOSS_CUH

#include "common.cuh"

/* *loss = mean over n of the loss; dpred (may be NULL) = scale * dLoss/dpred.
 * kind: ALCN_LOSS_MSE, ALCN_LOSS_L1 or ALCN_LOSS_BCE_LOGITS. */
alcn_status alcn_cuda_pointwise_loss(alcn_cuda_ctx *c, alcn_loss_kind kind, float *loss, float *dpred,
                                     const float *pred, const float *target, size_t n, float scale);
/* scores[n] = mean over D of (a[n,:] - b[n,:])^2; a, b (N,D). */
alcn_status alcn_cuda_sq_err_per_image(cudaStream_t s, float *scores, const float *a, const float *b, int N, int D);

#endif
