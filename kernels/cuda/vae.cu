/* The VAE's Gaussian posterior on the GPU. Sample and gradient: one thread per
 * (n,l); KL: one thread per row summing in double with l ascending, as the
 * CPU (rows are short: the latent size). */
#include "vae.cuh"

#define GRID_STRIDE(i, n) \
  for (size_t i = blockIdx.x * (size_t)blockDim.x + threadIdx.x; i < (n); i += (size_t)gridDim.x * blockDim.x)

__global__ void alcn_vae_z_kernel(float *z, const float *ml, const float *eps, size_t total, int L) {
  GRID_STRIDE(i, total) {
    const size_t n = i / L;
    const int l = (int)(i % L);
    const float *mu = ml + n * 2 * L, *lv = mu + L;
    z[i] = mu[l] + eps[i] * expf(0.5f * lv[l]);
  }
}

__global__ void alcn_vae_kl_kernel(float *kl, const float *ml, int N, int L) {
  GRID_STRIDE(n, (size_t)N) {
    const float *mu = ml + n * 2 * L, *lv = mu + L;
    double s = 0.0;
    for (int l = 0; l < L; ++l) {
      const float sd = expf(0.5f * lv[l]);
      s += (double)(mu[l] * mu[l] + sd * sd - 1.0f - lv[l]);
    }
    kl[n] = (float)(0.5 * s);
  }
}

__global__ void alcn_vae_bwd_kernel(float *dml, const float *dz, const float *ml, const float *eps, size_t total,
                                    int L, float kl_scale) {
  GRID_STRIDE(i, total) {
    const size_t n = i / L;
    const int l = (int)(i % L);
    const float *mu = ml + n * 2 * L, *lv = mu + L;
    float *dmu = dml + n * 2 * L, *dlv = dmu + L;
    const float sd = expf(0.5f * lv[l]);
    const float g = dz ? dz[i] : 0.0f;
    dmu[l] = g + kl_scale * mu[l];
    dlv[l] = 0.5f * g * eps[i] * sd + 0.5f * kl_scale * (sd * sd - 1.0f);
  }
}

alcn_status alcn_cuda_vae_sample(cudaStream_t s, float *z, float *kl, const float *ml, const float *eps, int N,
                                 int L) {
  const size_t total = (size_t)N * L;
  if (z && total) {
    alcn_vae_z_kernel<<<alcn_cuda_blocks(total, ALCN_CUDA_THREADS), ALCN_CUDA_THREADS, 0, s>>>(z, ml, eps, total, L);
    ALCN_CUDA_LAUNCH_CHECK("alcn_vae_z_kernel");
  }
  if (kl && N > 0) {
    alcn_vae_kl_kernel<<<alcn_cuda_blocks((size_t)N, ALCN_CUDA_THREADS), ALCN_CUDA_THREADS, 0, s>>>(kl, ml, N, L);
    ALCN_CUDA_LAUNCH_CHECK("alcn_vae_kl_kernel");
  }
  return ALCN_OK;
}

alcn_status alcn_cuda_vae_sample_backward(cudaStream_t s, float *dml, const float *dz, const float *ml,
                                          const float *eps, int N, int L, float kl_scale) {
  const size_t total = (size_t)N * L;
  if (total == 0) return ALCN_OK;
  alcn_vae_bwd_kernel<<<alcn_cuda_blocks(total, ALCN_CUDA_THREADS), ALCN_CUDA_THREADS, 0, s>>>(dml, dz, ml, eps, total,
                                                                                               L, kl_scale);
  ALCN_CUDA_LAUNCH_CHECK("alcn_vae_bwd_kernel");
  return ALCN_OK;
}
