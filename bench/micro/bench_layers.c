/* bench_layers: the layer benchmark of issue 2.8. Times, on one backend
 * (default cpu), with the network helper and the paper's models:
 *   dae_train   forward + loss + backward + Adam of the paper's DAE (1x28x28)
 *   alcn_train  one DAE+ALCN training step (Algorithm 1: noise-generator
 *               ascent with the DAE frozen, then DAE descent on the blend
 *               with the updated generator), as torch_alcn.py's alcn_step
 *   infer_dae / infer_alcn (optional, --cases) the scorer without / with noise
 * at each --batch and --loss, printing images/s and GFLOP/s (FLOPs counted as
 * torch_alcn.py's flop_table: conv/linear MACs x 2, the networks' nominal
 * work: the CPU's direct kernels skip all-zero image rows, so on the CPU it
 * is an effective rate, like the share of the peak). When $ALCN_PYTHON (default
 * /usr/bin/python3) imports torch, the peer runs the same cases with the same
 * threads and the settings of tp_peer_init (torch_peer.h) in the
 * same run, with --deconv native and fast, and the ratio is ours over the
 * faster of the two. --layers adds a per-layer breakdown (forward, input
 * gradient, weight gradient of every conv/linear layer; the loss; Adam).
 * On the CPU a short probe first measures this machine's FMA peak for the
 * CPU path the backend runs (ALCN_CPU_ISA or the best the CPU has: AVX-512,
 * AVX2+FMA; on the portable path, whose convolutions are OpenBLAS sgemm, the
 * CPU's best, or a 4-wide multiply + add where there is no x86 SIMD): the
 * thread count times one thread's best, and what that many threads reach at
 * once (less on a shared host); the header names the path and both, and every
 * case and layer prints its share of the peak (--no-peak skips the probe).
 * The probe runs again after the cases; where the machine's speed drifted
 * (the second reads over 10% more, or a case ran above the first), the
 * larger is the peak and the cases' shares of it are printed again.
 * Usage: bench_layers [--batch B...] [--loss mse|ffl...] [--cases c...]
 *        [--iters n] [--warmup n] [--threads T] [--device cpu|cuda|auto]
 *        [--layers] [--no-torch] [--no-peak] [--json FILE] */
#define _POSIX_C_SOURCE 200809L
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "alcn/backend.h"
#include "alcn/cpu_tune.h"
#include "alcn/models.h"
#include "alcn/net.h"
#include "alcn/rng.h"
#include "alcn/clock.h"
#include "step_cases.h"
#include "torch_peer.h"

#define MAXV 8

/* ----------------------------------------------------------------- FLOPs */
/* torch_alcn.py flop_table(C) at H x W (paper arch: H1 = H-4, H2 = H-8). */
typedef struct flops {
  double train_dae, train_alcn, infer_dae, infer_alcn;
} flops;

static flops flop_table(int C, int H, int W) {
  const double K2 = 25.0, H1 = (double)(H - 4) * (W - 4), H2 = (double)(H - 8) * (W - 8);
  const double c1 = 16 * H1 * C * K2, c2 = 32 * H2 * 16 * K2, d1 = 32 * H2 * 16 * K2, d2 = 16 * H1 * C * K2;
  const double fc = (double)ALCN_NOISE_ZDIM * 32 * H2;
  const double D = c1 + c2 + d1 + d2, G = fc + d1 + d2;
  flops f;
  f.infer_dae = 2 * D;
  f.infer_alcn = 2 * (D + G);
  f.train_dae = 2 * (D + D + (D - c1));
  const double p1 = G + D + D + G + (d1 + d2), p2 = G + D + D + (D - c1);
  f.train_alcn = 2 * (p1 + p2);
  return f;
}

/* ------------------------------------------------------------ FMA peak */
/* The CPU path the backend runs, by the library's rule (cpu_isa.h): a valid
 * ALCN_CPU_ISA (backend creation has refused any other), else the best the
 * CPU has. 0 portable, 1 avx2, 2 avx512. */
static int best_isa(void) {
#if defined(__x86_64__) && defined(__GNUC__)
  __builtin_cpu_init();
  if (__builtin_cpu_supports("avx512f")) return 2;
  if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) return 1;
#endif
  return 0;
}
static int run_isa(void) {
  const char *e = getenv("ALCN_CPU_ISA");
  if (e && !strcmp(e, "portable")) return 0;
  if (e && !strcmp(e, "avx2")) return 1;
  if (e && !strcmp(e, "avx512")) return 2;
  return best_isa();
}
/* The probe's path: the run's, except that the portable path's convolutions
 * and Linear layers are OpenBLAS sgemm, which uses the CPU's best SIMD
 * whatever the path: its ceiling is the CPU's best peak. */
static int probe_isa(int isa) { return isa == 0 ? best_isa() : isa; }
static const char *const kIsaName[3] = {"portable", "avx2", "avx512"};

/* Register-resident loops: NACC independent accumulator vectors (enough to
 * cover FMA latency x throughput), `iters` rounds; returns the FLOPs done
 * (an FMA lane counts 2). The sink keeps the compiler from dropping them. */
static volatile float g_peak_sink;
#define PEAK_NACC 12
#if defined(__x86_64__) && defined(__GNUC__)
#include <immintrin.h>
__attribute__((target("avx512f"))) static double peak_avx512(long iters) {
  __m512 acc[2 * PEAK_NACC];
  const __m512 a = _mm512_set1_ps(0.999999f), b = _mm512_set1_ps(1e-7f);
  for (int i = 0; i < 2 * PEAK_NACC; ++i) acc[i] = _mm512_set1_ps((float)i);
  for (long it = 0; it < iters; ++it) {
    __asm__("" : "+r"(it));
    _Pragma("GCC unroll 24") for (int i = 0; i < 2 * PEAK_NACC; ++i) acc[i] = _mm512_fmadd_ps(acc[i], a, b);
  }
  __m512 s = acc[0];
  for (int i = 1; i < 2 * PEAK_NACC; ++i) s = _mm512_add_ps(s, acc[i]);
  g_peak_sink = _mm512_reduce_add_ps(s);
  return (double)iters * 2 * PEAK_NACC * 16 * 2;
}
__attribute__((target("avx2,fma"))) static double peak_avx2(long iters) {
  __m256 acc[PEAK_NACC];
  const __m256 a = _mm256_set1_ps(0.999999f), b = _mm256_set1_ps(1e-7f);
  for (int i = 0; i < PEAK_NACC; ++i) acc[i] = _mm256_set1_ps((float)i);
  for (long it = 0; it < iters; ++it) {
    __asm__("" : "+r"(it));
    _Pragma("GCC unroll 12") for (int i = 0; i < PEAK_NACC; ++i) acc[i] = _mm256_fmadd_ps(acc[i], a, b);
  }
  float o[8];
  __m256 s = acc[0];
  for (int i = 1; i < PEAK_NACC; ++i) s = _mm256_add_ps(s, acc[i]);
  _mm256_storeu_ps(o, s);
  g_peak_sink = o[0] + o[7];
  return (double)iters * PEAK_NACC * 8 * 2;
}
#endif
/* portable: GCC vector extension, 4 lanes, multiply then add (no FMA) */
typedef float peak_v4 __attribute__((vector_size(16)));
static double peak_portable(long iters) {
  peak_v4 acc[PEAK_NACC];
  const peak_v4 a = {0.999999f, 0.999999f, 0.999999f, 0.999999f}, b = {1e-7f, 1e-7f, 1e-7f, 1e-7f};
  for (int i = 0; i < PEAK_NACC; ++i) acc[i] = (peak_v4){(float)i, (float)i, (float)i, (float)i};
  for (long it = 0; it < iters; ++it) {
    __asm__("" : "+r"(it));
    for (int i = 0; i < PEAK_NACC; ++i) acc[i] = acc[i] * a + b;
  }
  float s = 0;
  for (int i = 0; i < PEAK_NACC; ++i) s += acc[i][0];
  g_peak_sink = s;
  return (double)iters * PEAK_NACC * 4 * 2;
}

typedef struct peak_job {
  int isa;
  long iters;
  double flops;
} peak_job;

static void *peak_thread(void *vp) {
  peak_job *j = vp;
#if defined(__x86_64__) && defined(__GNUC__)
  if (j->isa == 2) j->flops = peak_avx512(j->iters);
  else if (j->isa == 1) j->flops = peak_avx2(j->iters);
  else
#endif
    j->flops = peak_portable(j->iters);
  return NULL;
}

/* GFLOP/s of `threads` threads running the probe at once: best of `trials`
 * runs of about 30 ms each (best-of, since a busy machine only slows it). */
static double measure_peak(int isa, int threads, int trials) {
  enum { MAXT = 256 };
  if (threads > MAXT) threads = MAXT;
  long iters = 1 << 16;
  peak_job jobs[MAXT];
  pthread_t tid[MAXT];
  for (;;) { /* calibrate one thread to ~30 ms */
    jobs[0].isa = isa;
    jobs[0].iters = iters;
    const double t0 = alcn_clock_s();
    peak_thread(&jobs[0]);
    const double dt = alcn_clock_s() - t0;
    if (dt > 0.01 || iters > (1L << 34)) {
      iters = (long)((double)iters * 0.03 / (dt > 1e-6 ? dt : 1e-6));
      if (iters < 1) iters = 1;
      break;
    }
    iters *= 4;
  }
  double best = 0;
  for (int tr = 0; tr < trials; ++tr) {
    const double t0 = alcn_clock_s();
    int ok[MAXT] = {0};
    for (int t = 0; t < threads; ++t) {
      jobs[t].isa = isa;
      jobs[t].iters = iters;
      jobs[t].flops = 0;
      if (t > 0) ok[t] = pthread_create(&tid[t], NULL, peak_thread, &jobs[t]) == 0;
    }
    peak_thread(&jobs[0]);
    for (int t = 1; t < threads; ++t)
      if (ok[t]) pthread_join(tid[t], NULL);
    const double dt = alcn_clock_s() - t0;
    double fl = 0;
    for (int t = 0; t < threads; ++t) fl += jobs[t].flops;
    const double g = fl / dt / 1e9;
    if (g > best) best = g;
  }
  return best;
}

/* The peak of `threads` threads: `threads` x one thread's best, which is what
 * the cores can do (a conservative figure where one core alone clocks higher
 * than all at once). The threads' probe at once is measured too (*together):
 * on a shared host (a VM whose virtual CPUs may sit on two hyperthreads of one
 * core, or lose time to other guests) it falls short of that, and so do the
 * cases; taking it as the peak would let a case pass 100%. */
static double hardware_peak(int isa, int threads, double *together) {
  const double one = measure_peak(isa, 1, 9);
  *together = threads > 1 ? measure_peak(isa, threads, 9) : one;
  return one * threads > *together ? one * threads : *together;
}

/* The measured peak (GFLOP/s, 0 when not measured) and a case's share of it in percent. */
static double g_peak;
/* A share of the peak as text, "-" without a peak (--no-peak, or a GPU):
 * one of 4 rotating buffers, so up to 4 may appear in one printf. */
static const char *pct(double gflops) {
  static char buf[4][16];
  static int next;
  char *b = buf[next++ & 3];
  if (g_peak > 0) snprintf(b, sizeof buf[0], "%.1f", 100.0 * gflops / g_peak);
  else snprintf(b, sizeof buf[0], "-");
  return b;
}

/* ----------------------------------------------------------- per layer */
typedef struct lcase {
  const char *name;
  int C, H, K, transposed; /* conv: in channels, in size, out channels; 5x5, stride 1 */
} lcase;

/* Time fn-like pieces of one layer: min seconds over iters. */
#define TIME_MIN(out, iters, expr)                   \
  do {                                               \
    double best_ = 1e30;                             \
    for (int it_ = 0; it_ < (iters) + 1; ++it_) {    \
      double t0_ = alcn_clock_s();                          \
      ALCN_CHECK(expr);                              \
      ALCN_CHECK(alcn_sync(be));                 \
      double dt_ = alcn_clock_s() - t0_;                    \
      if (it_ > 0 && dt_ < best_) best_ = dt_;       \
    }                                                \
    (out) = best_;                                   \
  } while (0)

static alcn_status layer_breakdown(alcn_backend *be, int B, alcn_loss_kind lk, int iters) {
  static const lcase L[] = {
      {"dae.conv1  Conv(1,16,5)    28->24", 1, 28, 16, 0}, {"dae.conv2  Conv(16,32,5)   24->20", 16, 24, 32, 0},
      {"dae.convt1 ConvT(32,16,5)  20->24", 32, 20, 16, 1}, {"dae.convt2 ConvT(16,1,5)   24->28", 16, 24, 1, 1},
  };
  const size_t big = (size_t)B * 32 * 28 * 28;
  float *in = alcn_backend_alloc(be, big * 4), *out = alcn_backend_alloc(be, big * 4);
  float *gin = alcn_backend_alloc(be, big * 4), *gout = alcn_backend_alloc(be, big * 4);
  const size_t np = (size_t)256 * 12800 + 12800; /* G_noise's Linear, the largest parameter block */
  float *w = alcn_backend_alloc(be, np * 4), *dw = alcn_backend_alloc(be, np * 4);
  float *bias = alcn_backend_alloc(be, 12800 * 4), *db = alcn_backend_alloc(be, 12800 * 4);
  float *lossv = alcn_backend_alloc(be, 4), *m = alcn_backend_alloc(be, np * 4), *v = alcn_backend_alloc(be, np * 4);
  if (!in || !out || !gin || !gout || !w || !dw || !bias || !db || !lossv || !m || !v)
    ALCN_FAIL(ALCN_ERR_NOMEM, "out of memory for the per-layer breakdown at batch %d", B);
  ALCN_CHECK(alcn_fill_uniform(be, in, big, 1, 0, 0.0f, 1.0f));
  ALCN_CHECK(alcn_fill_uniform(be, gout, big, 2, 0, -1.0f, 1.0f));
  ALCN_CHECK(alcn_fill_uniform(be, w, np, 3, 0, -0.05f, 0.05f));
  ALCN_CHECK(alcn_fill_uniform(be, bias, 12800, 4, 0, -0.05f, 0.05f));
  ALCN_CHECK(alcn_zero(be, dw, np * 4));
  ALCN_CHECK(alcn_zero(be, m, np * 4));
  ALCN_CHECK(alcn_zero(be, v, np * 4));
  printf("# per-layer, batch %d (min of %d runs; ms and GFLOP/s)\n", B, iters);
  printf("#   %-36s %9s %7s %5s %9s %7s %5s %9s %7s %5s\n", "layer", "fwd ms", "GF/s", "%pk", "dgrad ms", "GF/s",
         "%pk", "wgrad ms", "GF/s", "%pk");
  double tot[3] = {0, 0, 0};
  for (size_t i = 0; i < sizeof L / sizeof *L; ++i) {
    alcn_conv_dims d;
    ALCN_CHECK(alcn_conv_dims_init(&d, B, L[i].C, L[i].H, L[i].H, L[i].K, 5, 5, 1, 0, 0, L[i].transposed));
    const double fl = 2.0 * B * 25.0 * L[i].C * L[i].K *
                      (L[i].transposed ? (double)L[i].H * L[i].H : (double)d.P * d.Q);
    double tf, td, tw;
    TIME_MIN(tf, iters, alcn_conv_forward(be, out, in, w, bias, &d));
    TIME_MIN(td, iters, alcn_conv_backward(be, gin, NULL, NULL, gout, in, w, &d));
    TIME_MIN(tw, iters, alcn_conv_backward(be, NULL, dw, db, gout, in, w, &d));
    tot[0] += tf;
    tot[1] += td;
    tot[2] += tw;
    printf("#   %-36s %9.2f %7.1f %5s %9.2f %7.1f %5s %9.2f %7.1f %5s\n", L[i].name, tf * 1e3, fl / tf / 1e9,
           pct(fl / tf / 1e9), td * 1e3, fl / td / 1e9, pct(fl / td / 1e9), tw * 1e3, fl / tw / 1e9,
           pct(fl / tw / 1e9));
  }
  {
    const double fl = 2.0 * B * 256 * 12800;
    double tf, td, tw;
    TIME_MIN(tf, iters, alcn_linear_forward(be, out, in, w, bias, B, 256, 12800));
    TIME_MIN(td, iters, alcn_linear_backward(be, gin, NULL, NULL, gout, in, w, B, 256, 12800));
    TIME_MIN(tw, iters, alcn_linear_backward(be, NULL, dw, db, gout, in, w, B, 256, 12800));
    printf("#   %-36s %9.2f %7.1f %5s %9.2f %7.1f %5s %9.2f %7.1f %5s\n", "gen.fc     Linear(256,12800)",
           tf * 1e3, fl / tf / 1e9, pct(fl / tf / 1e9), td * 1e3, fl / td / 1e9, pct(fl / td / 1e9), tw * 1e3,
           fl / tw / 1e9, pct(fl / tw / 1e9));
  }
  alcn_loss_cfg lc = {lk, 1.0f};
  double tl, ta, tr, ts;
  TIME_MIN(tl, iters, alcn_loss(be, &lc, lossv, gin, out, in, B, 1, 28, 28, 1.0f));
  alcn_adam_hparams h = {1e-5f, 0.9f, 0.999f, 1e-8f, 0.0f};
  TIME_MIN(ta, iters, alcn_adam_step(be, w, dw, m, v, np, &h, 1));
  TIME_MIN(tr, iters, alcn_act_forward(be, out, in, (size_t)B * 32 * 20 * 20, ALCN_ACT_RELU, 0.0f));
  TIME_MIN(ts, iters, alcn_act_backward(be, gin, gout, out, (size_t)B * 32 * 20 * 20, ALCN_ACT_RELU, 0.0f));
  printf("#   %-36s %9.2f (fwd+grad)\n", lk == ALCN_LOSS_FFL ? "loss FFL 1x28x28" : "loss MSE 1x28x28", tl * 1e3);
  printf("#   %-36s %9.2f\n", "adam on G_noise's 3.3 M params", ta * 1e3);
  printf("#   %-36s %9.2f fwd %9.2f bwd\n", "relu on 32x20x20", tr * 1e3, ts * 1e3);
  printf("#   DAE convs: fwd %.1f ms, dgrad %.1f ms, wgrad %.1f ms\n", tot[0] * 1e3, tot[1] * 1e3, tot[2] * 1e3);
  float *all[] = {in, out, gin, gout, w, dw, bias, db, lossv, m, v};
  for (size_t i = 0; i < sizeof all / sizeof *all; ++i) alcn_backend_free(be, all[i]);
  return ALCN_OK;
}

/* ----------------------------------------------------------------- main */
typedef struct result {
  const char *kase, *loss;
  int B;
  double med, mn, mx, gflop, torch_native, torch_fast;
} result;

/* The probe again after the cases. On a shared host a probe can fall in a
 * slow phase (seen: 119 GFLOP/s for two threads that ran a case at 133 a
 * minute later, against 204 in a quiet phase), and a share of such a peak
 * means nothing. When the second probe reads more, or a case ran above the
 * first, the larger becomes the peak (of the summary and the JSON) and each
 * case's share of it is printed again. */
static void repeak(int pisa, int threads, const result *res, int nres) {
  double together = 0, best_case = 0;
  const double before = g_peak, after = hardware_peak(pisa, threads, &together);
  for (int i = 0; i < nres; ++i) best_case = fmax(best_case, res[i].gflop / res[i].med);
  printf("# FMA peak again after the cases: %.1f GFLOP/s (%d threads at once: %.1f); before them: %.1f\n", after,
         threads, together, before);
  if (after <= 1.1 * before && best_case <= before) return;
  g_peak = fmax(before, after);
  printf("# warning: the machine's speed drifted between the probes (a shared host): the shares below are of the "
         "larger peak, %.1f GFLOP/s\n", g_peak);
  for (int i = 0; i < nres; ++i)
    printf("#   %-10s loss=%-3s B=%-5d %6.1f GFLOP/s  %5s%% of peak\n", res[i].kase, res[i].loss, res[i].B,
           res[i].gflop / res[i].med, pct(res[i].gflop / res[i].med));
}

static int parse_list(int argc, char **argv, int *i, const char **out, int cap) {
  int n = 0;
  while (*i + 1 < argc && argv[*i + 1][0] != '-' && n < cap) out[n++] = argv[++*i];
  return n;
}

static void usage(FILE *f) {
  fprintf(f, "usage: bench_layers [--batch B...] [--loss mse|ffl...] [--cases dae_train alcn_train infer_dae "
             "infer_alcn] [--iters n] [--warmup n] [--threads T] [--device cpu|cuda|auto] [--layers] "
             "[--no-torch] [--no-peak] [--json FILE]\n");
}

int main(int argc, char **argv) {
  alcn_cpu_tune_blas(argv); /* OpenBLAS's AVX kernels; the PyTorch peer inherits the setting */
  const char *device = "cpu", *json = NULL;
  const char *sb[MAXV], *losses[MAXV] = {"mse", "ffl"}, *cases[MAXV] = {"dae_train", "alcn_train"};
  int batches[MAXV] = {256, 4096}, nb = 2, nl = 2, nc = 2, iters = 5, warmup = 2, threads = 2, layers = 0,
      no_torch = 0, no_peak = 0;
  for (int i = 1; i < argc; ++i) {
    const char *v = i + 1 < argc ? argv[i + 1] : NULL;
    if (!strcmp(argv[i], "--batch")) {
      int n = parse_list(argc, argv, &i, sb, MAXV);
      if (!n) return usage(stderr), 2;
      for (int k = 0; k < n; ++k) batches[k] = atoi(sb[k]);
      nb = n;
    } else if (!strcmp(argv[i], "--loss")) {
      if (!(nl = parse_list(argc, argv, &i, losses, MAXV))) return usage(stderr), 2;
    } else if (!strcmp(argv[i], "--cases")) {
      if (!(nc = parse_list(argc, argv, &i, cases, MAXV))) return usage(stderr), 2;
    } else if (!strcmp(argv[i], "--iters") && v) iters = atoi(argv[++i]);
    else if (!strcmp(argv[i], "--warmup") && v) warmup = atoi(argv[++i]);
    else if (!strcmp(argv[i], "--threads") && v) threads = atoi(argv[++i]);
    else if (!strcmp(argv[i], "--device") && v) device = argv[++i];
    else if (!strcmp(argv[i], "--json") && v) json = argv[++i];
    else if (!strcmp(argv[i], "--layers")) layers = 1;
    else if (!strcmp(argv[i], "--no-torch")) no_torch = 1;
    else if (!strcmp(argv[i], "--no-peak")) no_peak = 1;
    else if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) return usage(stdout), 0;
    else return usage(stderr), 2;
  }
  if (iters <= 0 || warmup < 0 || threads <= 0) {
    fprintf(stderr, "bench_layers: need --iters > 0, --warmup >= 0, --threads > 0\n");
    return 2;
  }
  int case_idx[MAXV];
  for (int c = 0; c < nc; ++c) {
    case_idx[c] = -1;
    for (int k = 0; k < 4; ++k)
      if (!strcmp(cases[c], SB_CASES[k])) case_idx[c] = k;
    if (case_idx[c] < 0) {
      fprintf(stderr, "bench_layers: unknown case '%s' (valid: dae_train alcn_train infer_dae infer_alcn)\n", cases[c]);
      return 2;
    }
  }
  alcn_loss_kind lk[MAXV];
  for (int l = 0; l < nl; ++l) {
    if (!strcmp(losses[l], "mse")) lk[l] = ALCN_LOSS_MSE;
    else if (!strcmp(losses[l], "ffl")) lk[l] = ALCN_LOSS_FFL;
    else {
      fprintf(stderr, "bench_layers: unknown loss '%s' (valid: mse ffl)\n", losses[l]);
      return 2;
    }
  }
  for (int k = 0; k < nb; ++k)
    if (batches[k] <= 0) {
      fprintf(stderr, "bench_layers: --batch must be positive\n");
      return 2;
    }
  alcn_backend *be = NULL;
  if (alcn_backend_create(&be, device, threads, 0) != ALCN_OK) {
    fprintf(stderr, "bench_layers: %s\n", alcn_last_error());
    return 1;
  }
  const flops F = flop_table(1, 28, 28);
  /* the FMA peak of the CPU path the backend runs, with the same threads */
  const int on_cpu = !strncmp(alcn_backend_description(be), "cpu", 3), isa = run_isa(), pisa = probe_isa(isa);
  double together = 0;
  if (on_cpu && !no_peak) g_peak = hardware_peak(pisa, threads, &together);
  char peak_txt[320];
  if (g_peak > 0) {
    const int n = snprintf(peak_txt, sizeof peak_txt,
                           "ISA %s, FMA peak %.1f GFLOP/s (%s probe: %d x one thread's best of 9; %d threads at once: "
                           "%.1f)",
                           kIsaName[isa], g_peak, pisa ? kIsaName[pisa] : "portable mul+add", threads, threads,
                           together);
    if (together < 0.9 * g_peak && n > 0 && (size_t)n < sizeof peak_txt)
      snprintf(peak_txt + n, sizeof peak_txt - (size_t)n, " [the threads did not get %d cores' worth: shared host]",
               threads);
  } else
    snprintf(peak_txt, sizeof peak_txt, "%s", on_cpu ? "FMA peak not measured (--no-peak)" : "FMA peak: CPU only");
  printf("# bench_layers: %s, %s, 1x28x28, %d iters after %d warm-up (median [min, max]), OPENBLAS_CORETYPE=%s; "
         "GFLOP/s of the nominal FLOPs%s\n",
         alcn_backend_description(be), peak_txt, iters, warmup,
         getenv("OPENBLAS_CORETYPE") ? getenv("OPENBLAS_CORETYPE") : "-",
         on_cpu ? " (the direct kernels skip all-zero rows: an effective rate)" : "");
  result *res = calloc((size_t)nb * nl * nc, sizeof *res);
  int nres = 0, rc = 0;
  for (int k = 0; k < nb && !rc; ++k) {
    alcn_status st = ALCN_OK;
    for (int c = 0; c < nc && st == ALCN_OK; ++c) {
      const int ci = case_idx[c], is_train = ci < 2;
      for (int l = 0; l < (is_train ? nl : 1) && st == ALCN_OK; ++l) {
        step_bench b; /* the plugins, made for this loss (inference: MSE) */
        st = sb_setup(&b, be, batches[k], 28, is_train ? lk[l] : ALCN_LOSS_MSE);
        if (st != ALCN_OK) {
          sb_teardown(&b);
          break;
        }
        result *r = &res[nres];
        r->kase = SB_CASES[ci];
        r->loss = is_train ? losses[l] : "-";
        r->B = batches[k];
        const double fl = ci == 0 ? F.train_dae : ci == 1 ? F.train_alcn : ci == 2 ? F.infer_dae : F.infer_alcn;
        r->gflop = fl * r->B / 1e9;
        r->torch_native = r->torch_fast = NAN;
        st = sb_time_case(&b, SB_CASE_FN[ci], iters, warmup, &r->med, &r->mn, &r->mx);
        sb_teardown(&b);
        if (st != ALCN_OK) break;
        printf("%-10s loss=%-3s B=%-5d %9.2f ms [%.2f, %.2f]  %9.1f img/s  %7.2f GFLOP/step  %6.1f GFLOP/s  "
               "%5s%% of peak\n",
               r->kase, r->loss, r->B, r->med * 1e3, r->mn * 1e3, r->mx * 1e3, r->B / r->med, r->gflop,
               r->gflop / r->med, pct(r->gflop / r->med));
        fflush(stdout);
        nres++;
      }
    }
    if (st == ALCN_OK && layers)
      for (int l = 0; l < nl && st == ALCN_OK; ++l) st = layer_breakdown(be, batches[k], lk[l], iters);
    if (st != ALCN_OK) {
      fprintf(stderr, "bench_layers: %s\n", alcn_last_error());
      rc = 1;
    }
  }
  alcn_backend_destroy(be);
  if (g_peak > 0 && !rc) repeak(pisa, threads, res, nres);
  /* the PyTorch peer, both deconv variants, the same cases / threads */
  char why[512], version[48];
  tp_peer peer;
  int have_torch = !rc && !no_torch && tp_available(why, sizeof why) &&
                   tp_probe(tp_python(), version, sizeof version, why, sizeof why);
  if (!rc && !have_torch) printf("# PyTorch peer not run: %s\n", no_torch ? "--no-torch" : why);
  if (have_torch) {
    tp_peer_init(&peer, tp_python(), version, 0, threads);
    printf("# PyTorch peer %s: %s, torch %s; %s\n", peer.label, peer.python, peer.version, peer.settings);
    static const char *const variants[] = {"native", "fast"};
    for (int v = 0; v < 2; ++v) {
      tp_result tr = {0, NULL};
      /* peer case names match ours */
      if (tp_run(&tr, &peer, variants[v], 1, batches, nb, cases, nc, losses, nl, iters, warmup, threads, 0) !=
          ALCN_OK) {
        fprintf(stderr, "bench_layers: %s\n", alcn_last_error());
        continue;
      }
      for (int i = 0; i < nres; ++i) {
        double t = tp_find(&tr, res[i].kase, res[i].loss, 1, res[i].B, NULL, NULL);
        if (v == 0) res[i].torch_native = t;
        else res[i].torch_fast = t;
      }
      tp_result_free(&tr);
    }
    printf("\n# ours vs PyTorch %s (%d threads, settings above); ratio = best torch ms / ours ms\n", peer.label,
           threads);
    printf("%-10s %-4s %6s %10s %10s %10s %8s %9s %6s\n", "case", "loss", "batch", "ours ms", "native ms", "fast ms",
           "ratio", "GFLOP/s", "%peak");
    for (int i = 0; i < nres; ++i) {
      const result *r = &res[i];
      double best = fmin(r->torch_native, r->torch_fast);
      if (isnan(best)) best = isnan(r->torch_native) ? r->torch_fast : r->torch_native;
      printf("%-10s %-4s %6d %10.2f %10.2f %10.2f %7.2fx %9.1f %6s\n", r->kase, r->loss, r->B, r->med * 1e3,
             r->torch_native * 1e3, r->torch_fast * 1e3, best / r->med, r->gflop / r->med, pct(r->gflop / r->med));
    }
  }
  if (json && !rc) {
    FILE *f = fopen(json, "w");
    if (!f) {
      fprintf(stderr, "bench_layers: cannot write %s\n", json);
      rc = 1;
    } else {
      char pk[32];
      char pt[32];
      if (g_peak > 0) {
        snprintf(pk, sizeof pk, "%.6g", g_peak);
        snprintf(pt, sizeof pt, "%.6g", together);
      } else {
        snprintf(pk, sizeof pk, "null");
        snprintf(pt, sizeof pt, "null");
      }
      fprintf(f, "{\"program\": \"bench_layers\", \"shape\": \"1x28x28\", \"threads\": %d, \"iters\": %d, "
                 "\"warmup\": %d, \"isa\": \"%s\", \"fma_peak_gflops\": %s, \"fma_peak_together_gflops\": %s, "
                 "\"rows\": [",
              threads, iters, warmup, on_cpu ? kIsaName[isa] : "-", pk, pt);
      for (int i = 0; i < nres; ++i) {
        const result *r = &res[i];
        double best = fmin(r->torch_native, r->torch_fast);
        char tn[32], tf[32], rt[32];
        if (isnan(r->torch_native)) snprintf(tn, sizeof tn, "null");
        else snprintf(tn, sizeof tn, "%.6g", r->torch_native * 1e3);
        if (isnan(r->torch_fast)) snprintf(tf, sizeof tf, "null");
        else snprintf(tf, sizeof tf, "%.6g", r->torch_fast * 1e3);
        if (isnan(best)) snprintf(rt, sizeof rt, "null");
        else snprintf(rt, sizeof rt, "%.4g", best / r->med);
        char fr[32];
        if (g_peak > 0) snprintf(fr, sizeof fr, "%.4g", r->gflop / r->med / g_peak);
        else snprintf(fr, sizeof fr, "null");
        fprintf(f, "%s\n {\"case\": \"%s\", \"loss\": \"%s\", \"batch\": %d, \"ours_ms\": %.6g, "
                   "\"ours_min_ms\": %.6g, \"ours_max_ms\": %.6g, \"images_per_s\": %.6g, \"gflop_per_step\": %.6g, "
                   "\"gflop_per_s\": %.6g, \"peak_fraction\": %s, \"torch_native_ms\": %s, \"torch_fast_ms\": %s, "
                   "\"ratio\": %s}",
                i ? "," : "", r->kase, r->loss, r->B, r->med * 1e3, r->mn * 1e3, r->mx * 1e3, r->B / r->med,
                r->gflop, r->gflop / r->med, fr, tn, tf, rt);
      }
      fprintf(f, "\n]}\n");
      fclose(f);
    }
  }
  free(res);
  return rc;
}
