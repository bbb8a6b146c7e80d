/* bench_cuda_step: Table-5 style timings of the paper's DAE and DAE+ALCN on
 * one backend (default CUDA): a DAE training step, a DAE+ALCN training step
 * (Algorithm 1, as /work/shared/peers/torch_alcn.py's alcn_step), DAE
 * inference (per-image scores) and DAE+ALCN inference (the noise generator
 * run too), each the median of timed iterations with a sync after each, the
 * same cases and printout as the PyTorch peer's `bench` for side-by-side use.
 * Usage: bench_cuda_step [--device cuda|cpu|auto] [--batch B] [--iters n]
 *                        [--warmup n] [--loss mse|ffl] [--size S] [--json FILE] */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "alcn/backend.h"
#include "step_cases.h"

int main(int argc, char **argv) {
  const char *device = "cuda", *json = NULL, *lossname = "mse";
  int B = 4096, iters = 10, warmup = 3, S = 28;
  for (int i = 1; i < argc; ++i) {
    const char *v = i + 1 < argc ? argv[i + 1] : NULL;
    if (!strcmp(argv[i], "--device") && v) device = argv[++i];
    else if (!strcmp(argv[i], "--batch") && v) B = atoi(argv[++i]);
    else if (!strcmp(argv[i], "--iters") && v) iters = atoi(argv[++i]);
    else if (!strcmp(argv[i], "--warmup") && v) warmup = atoi(argv[++i]);
    else if (!strcmp(argv[i], "--size") && v) S = atoi(argv[++i]);
    else if (!strcmp(argv[i], "--loss") && v) lossname = argv[++i];
    else if (!strcmp(argv[i], "--json") && v) json = argv[++i];
    else {
      fprintf(stderr,
              "usage: %s [--device cuda|cpu|auto] [--batch B] [--iters n] [--warmup n] [--loss mse|ffl] "
              "[--size S] [--json FILE]\n",
              argv[0]);
      return 2;
    }
  }
  if (B <= 0 || iters <= 0 || warmup < 0 || S < 9) {
    fprintf(stderr, "bench_cuda_step: need --batch > 0, --iters > 0, --warmup >= 0, --size >= 9\n");
    return 2;
  }
  alcn_loss_kind lk;
  if (!strcmp(lossname, "mse")) lk = ALCN_LOSS_MSE;
  else if (!strcmp(lossname, "ffl")) lk = ALCN_LOSS_FFL;
  else {
    fprintf(stderr, "bench_cuda_step: unknown --loss '%s' (valid: mse, ffl)\n", lossname);
    return 2;
  }
  alcn_backend *be = NULL;
  step_bench b;
  memset(&b, 0, sizeof b);
  alcn_status st = alcn_backend_create(&be, device, 0, 0);
  if (st == ALCN_OK) st = sb_setup(&b, be, B, S, lk);
  if (st != ALCN_OK) {
    fprintf(stderr, "bench_cuda_step: %s\n", alcn_last_error());
    sb_teardown(&b);
    alcn_backend_destroy(be);
    return 1;
  }
  printf("# bench_cuda_step: %s, batch %d, 1x%dx%d, loss %s, %d iters after %d warm-up\n", alcn_backend_description(b.be), B, S,
         S, lossname, iters, warmup);
  /* the peer's printing order; indices into SB_CASES */
  static const int order[4] = {1, 0, 2, 3};
  const char *names[4];
  double med[4], mn[4], mx[4];
  for (int c = 0; c < 4; ++c) {
    names[c] = SB_CASES[order[c]];
    st = sb_time_case(&b, SB_CASE_FN[order[c]], iters, warmup, &med[c], &mn[c], &mx[c]);
    if (st != ALCN_OK) {
      fprintf(stderr, "bench_cuda_step: %s failed: %s\n", names[c], alcn_last_error());
      sb_teardown(&b);
      alcn_backend_destroy(be);
      return 1;
    }
    printf("%-10s loss=%-3s C=1 B=%-5d median %9.4f s (min %.4f max %.4f)  %10.1f img/s\n", names[c],
           c < 2 ? lossname : "-", B, med[c], mn[c], mx[c], B / med[c]);
    fflush(stdout);
  }
  const double lossv = b.last_loss;
  const size_t peak = alcn_backend_peak_memory(b.be);
  printf("# last training loss %.6g, peak backend memory %.1f MiB\n", lossv, (double)peak / 1048576.0);
  if (json) {
    FILE *f = fopen(json, "w");
    if (!f) {
      fprintf(stderr, "bench_cuda_step: cannot write %s\n", json);
    } else {
      fprintf(f, "{\"program\": \"bench_cuda_step\", \"device\": \"%s\", \"batch\": %d, \"size\": %d, \"loss\": \"%s\", "
                 "\"iters\": %d, \"warmup\": %d, \"peak_backend_bytes\": %zu, \"rows\": [",
              alcn_backend_description(b.be), B, S, lossname, iters, warmup, peak);
      for (int c = 0; c < 4; ++c)
        fprintf(f, "%s\n  {\"case\": \"%s\", \"loss\": \"%s\", \"B\": %d, \"median_s\": %.6g, \"min_s\": %.6g, "
                   "\"max_s\": %.6g, \"imgs_per_s\": %.6g}",
                c ? "," : "", names[c], c < 2 ? lossname : "-", B, med[c], mn[c], mx[c], B / med[c]);
      fprintf(f, "\n]}\n");
      fclose(f);
    }
  }
  sb_teardown(&b);
  alcn_backend_destroy(be);
  return 0;
}
