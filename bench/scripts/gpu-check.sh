#!/usr/bin/env bash
# gpu-check.sh OUTDIR: the CUDA backend's check on a machine with an NVIDIA GPU.
#   1. the build: configure (Release) and build here, or, with ALCN_GPU_BUNDLE,
#      unpack one made by bench/scripts/gpu-pack.sh on a machine without a GPU
#      (for a GPU machine that lacks the Debian libraries: the bundle carries
#      them) and find CUDA's libraries (cuBLAS, cuFFT, cuDNN) on this machine:
#      the toolkit's, or PyTorch's wheels';
#   2. the GPU's measured ceilings, through PyTorch: FP32 and TF32 matrix
#      products, device-to-device copy bandwidth;
#   3. the GPU tests (ctest -L cuda: op parity, DAE+ALCN steps at batch 8 and
#      4096, the reference suite on be:cuda, Skip-GANomaly, device detection);
#   4. timings at batch 4096 (1x28x28): bench_cuda_step FP32 and TF32
#      (ALCN_CUDA_TF32=1, PyTorch's cuDNN default), `alcnbench table5 --device
#      cuda` (batch 4096 and batch 1, the PyTorch peer on the same GPU, eager),
#      and the peer with torch.compile;
#   5. OUTDIR/gpu-check.log (everything) and OUTDIR/summary.json, with at most 8
#      files in OUTDIR.
# Budget: ALCN_GPU_CHECK_BUDGET seconds (default 450; each stage has a timeout
#   inside it). Environment: ALCN_GPU_BUNDLE (and ALCN_GPU_UNPACK, where to
#   unpack it: default <repo>/.gpu/unpacked), ALCN_BUILD_DIR (default
#   OUTDIR/build), ALCN_CUDA_ARCHS (default 80;90), ALCN_TORCH_PEER (default
#   <repo>/../shared/peers/torch_alcn.py, or the bundle's), ALCN_BENCH_ITERS (20),
#   ALCN_GPU_DRY_RUN=1 (a rehearsal on a machine without a GPU: every stage runs,
#   the GPU ones to their skip or failure, and the script exits 0).
set -euo pipefail

if [[ $# -ne 1 || "$1" == -* ]]; then
  echo "usage: $0 OUTDIR   (writes OUTDIR/gpu-check.log and OUTDIR/summary.json)" >&2
  exit 2
fi
out=$1
mkdir -p "$out"
out=$(cd "$out" && pwd)
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
build=${ALCN_BUILD_DIR:-$out/build}
archs=${ALCN_CUDA_ARCHS:-80;90}
peer=${ALCN_TORCH_PEER:-$repo/../shared/peers/torch_alcn.py}
iters=${ALCN_BENCH_ITERS:-20}
bundle=${ALCN_GPU_BUNDLE:-}
dry=${ALCN_GPU_DRY_RUN:-0}
batch=4096
log=$out/gpu-check.log
: >"$log"
deadline=$((SECONDS + ${ALCN_GPU_CHECK_BUDGET:-450}))
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT

say() { echo "[gpu-check $(date +%H:%M:%S)] $*" | tee -a "$log" >&2; }
die() { say "FAILED: $*"; exit 1; }
# Seconds left for a stage: min(cap, time to the deadline - 5).
budget() {
  local left=$((deadline - SECONDS - 5))
  ((left > $1)) && left=$1
  echo "$left"
}
# run_stage NAME CAP cmd...: runs with a timeout, output to the log (and to stderr).
run_stage() {
  local name=$1 cap=$2
  shift 2
  local t
  t=$(budget "$cap")
  if ((t < 10)); then
    say "$name: skipped, the time budget is spent"
    return 124
  fi
  say "$name (timeout ${t}s): $*"
  local rc=0
  timeout --kill-after=5 "$t" "$@" 2>&1 | tee -a "$log" >&2 || rc=${PIPESTATUS[0]}
  ((rc == 124)) && say "$name: timed out after ${t}s"
  return "$rc"
}

# Directories that may hold CUDA's libraries: the toolkit's, then those of
# python3's nvidia-* and torch wheels.
cuda_lib_dirs() {
  local d
  for d in /usr/local/cuda/lib64 /usr/local/cuda/targets/x86_64-linux/lib /usr/local/cuda-*/lib64 \
    /usr/local/cuda-*/targets/x86_64-linux/lib /usr/lib/x86_64-linux-gnu; do
    [[ -d $d ]] && echo "$d"
  done
  command -v python3 >/dev/null 2>&1 || return 0
  python3 - <<'PY' 2>/dev/null || true
import importlib.util, os
for name in ("nvidia", "torch"):
    try:
        spec = importlib.util.find_spec(name)
    except Exception:
        spec = None
    for base in (spec.submodule_search_locations or []) if spec else []:
        for root, dirs, files in os.walk(base):
            if root[len(base):].count(os.sep) > 3:
                dirs[:] = []
            if any(".so" in f for f in files) and os.path.basename(root) in ("lib", "lib64"):
                print(root)
PY
}
# Puts on LD_LIBRARY_PATH the directories of the libraries that ldd does not
# find for the given programs (and of cuDNN's and NVRTC's dlopened parts);
# 1 if any is still missing.
resolve_libs() {
  local -a cands missing
  mapfile -t cands < <(cuda_lib_dirs)
  mapfile -t missing < <(ldd "$@" 2>/dev/null | awk '/not found/ {print $1}' | sort -u)
  local name d found
  for name in "${missing[@]}" libnvrtc.so.13; do
    found=""
    for d in "${cands[@]}"; do
      if [[ -e $d/$name ]]; then
        found=$d
        break
      fi
    done
    if [[ -n $found ]]; then
      case ":${LD_LIBRARY_PATH:-}:" in *":$found:"*) ;; *) export LD_LIBRARY_PATH=${LD_LIBRARY_PATH:+$LD_LIBRARY_PATH:}$found ;; esac
      say "library $name: $found"
    elif [[ $name != libnvrtc.so.13 ]]; then
      say "library $name: not found (looked in ${cands[*]})"
    fi
  done
  if ldd "$@" 2>/dev/null | grep -q "not found"; then
    ldd "$@" 2>/dev/null | grep "not found" | sort -u | tee -a "$log" >&2
    return 1
  fi
  return 0
}

# ------------------------------------------------------------------ the machine
if ! command -v nvcc >/dev/null 2>&1 && [[ -x /usr/local/cuda/bin/nvcc ]]; then
  export PATH=/usr/local/cuda/bin:$PATH
fi
gpu="unknown"
if command -v nvidia-smi >/dev/null 2>&1; then
  gpu=$(nvidia-smi --query-gpu=name,driver_version,memory.total,clocks.max.sm --format=csv,noheader 2>/dev/null |
    head -1 || true)
  [[ -n "$gpu" ]] || ((dry)) || die "nvidia-smi sees no GPU (hint: this script needs an NVIDIA GPU and its driver)"
elif ((dry)); then
  say "dry run: no nvidia-smi here"
else
  say "warning: nvidia-smi not found; the tests will tell whether a GPU is usable"
fi
cpu=$(grep -m1 'model name' /proc/cpuinfo 2>/dev/null | cut -d: -f2- | sed 's/^ *//' || true)
say "repo $repo, output $out"
say "GPU: $gpu; CPU: ${cpu:-unknown}, $(nproc) cores; nvcc: $(nvcc --version 2>/dev/null | tail -1 || echo none)"

# ------------------------------------------------------------------ the build
if [[ -n $bundle ]]; then
  [[ -f $bundle ]] || die "no bundle $bundle (hint: make it with bench/scripts/gpu-pack.sh and carry .gpu)"
  unpack=${ALCN_GPU_UNPACK:-$repo/.gpu/unpacked}
  rm -rf "$unpack"
  mkdir -p "$unpack"
  run_stage unpack 60 tar -xJf "$bundle" -C "$unpack" || die "cannot unpack $bundle"
  { read -r old_src && read -r old_build; } <"$unpack/origin" || die "$bundle has no origin file (remake it)"
  build=$unpack/build
  # The CTest files name the paths of the machine that built them.
  find "$build" -name CTestTestfile.cmake -exec sed -i "s#$old_build#$build#g; s#$old_src#$repo#g" {} +
  # Paths compiled into the programs (table5's complexity table, the peer server).
  if [[ ! -e $old_src ]]; then
    mkdir -p "$(dirname "$old_src")" && ln -s "$repo" "$old_src" && say "linked $old_src -> $repo" ||
      say "warning: cannot link $old_src -> $repo"
  fi
  export LD_LIBRARY_PATH=$unpack/lib:$build${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}
  [[ -n ${ALCN_TORCH_PEER:-} ]] || peer=$unpack/peers/torch_alcn.py
  say "bundle $bundle: build $build (made from $old_build)"
else
  command -v nvcc >/dev/null 2>&1 || die "nvcc not found (hint: install the CUDA toolkit or put its bin/ on PATH)"
  jobs=$(nproc 2>/dev/null || echo 4)
  run_stage configure 120 cmake -S "$repo" -B "$build" -DCMAKE_BUILD_TYPE=Release -DALCN_BUILD_TESTS=ON \
    "-DALCN_CUDA_ARCHITECTURES=$archs" ||
    die "cmake configure (see $log; hint: bench/scripts/setup.sh as root installs the packages, or use ALCN_GPU_BUNDLE)"
  grep -q "ALCN: CUDA backend with cuDNN" "$log" || say "warning: configure did not report the CUDA backend (cuDNN missing?)"
  run_stage build 240 cmake --build "$build" -j "$jobs" || die "build (see $log)"
fi
export ALCN_PLUGIN_DIR=$build/plugins ALCN_SOURCE_DIR=$repo ALCN_TORCH_PEER=$peer
bench=$build/bench/bench_cuda_step
alcnbench=$build/bench/alcnbench
progs=("$bench" "$alcnbench" "$build"/tests/cuda/test_cuda_step "$build"/tests/reference/test_reference)
for f in "${progs[@]}"; do [[ -x $f ]] || die "$f is missing from the build"; done
resolve_libs "${progs[@]}" || ((dry)) || die "libraries missing (above; hint: the CUDA toolkit's lib64, or pip's nvidia-* wheels)"
say "LD_LIBRARY_PATH=${LD_LIBRARY_PATH:-}"

# ------------------------------------------------------------------ ceilings
torch_ok=0
if command -v python3 >/dev/null 2>&1 && [[ -f "$peer" ]] &&
  python3 -c 'import torch, sys; sys.exit(0 if torch.cuda.is_available() else 1)' >/dev/null 2>&1; then
  torch_ok=1
  run_stage "ceilings (PyTorch)" 60 python3 - "$scratch/ceilings.json" <<'PY' || true
import json, sys, torch
dev = torch.device("cuda")
ev = lambda: torch.cuda.Event(enable_timing=True)
def timed(fn, reps):
    for _ in range(3):
        fn()
    torch.cuda.synchronize()
    a, b = ev(), ev()
    a.record()
    for _ in range(reps):
        fn()
    b.record()
    torch.cuda.synchronize()
    return a.elapsed_time(b) / 1e3 / reps
n = 8192
x = torch.randn(n, n, device=dev)
y = torch.randn(n, n, device=dev)
res = {"device": torch.cuda.get_device_name(0), "torch": torch.__version__}
torch.backends.cuda.matmul.allow_tf32 = False
res["fp32_gemm_tflops"] = 2 * n**3 / timed(lambda: x @ y, 10) / 1e12
torch.backends.cuda.matmul.allow_tf32 = True
res["tf32_gemm_tflops"] = 2 * n**3 / timed(lambda: x @ y, 20) / 1e12
torch.backends.cuda.matmul.allow_tf32 = False
src = torch.randn(512 * 2**20, device=dev)  # 2 GiB
dst = torch.empty_like(src)
res["copy_tb_s"] = 2 * src.numel() * 4 / timed(lambda: dst.copy_(src), 10) / 1e12
print("ceilings: FP32 GEMM %.1f TFLOP/s, TF32 GEMM %.1f TFLOP/s, device copy %.2f TB/s (read + write)"
      % (res["fp32_gemm_tflops"], res["tf32_gemm_tflops"], res["copy_tb_s"]))
json.dump(res, open(sys.argv[1], "w"))
PY
else
  say "PyTorch with CUDA not available (or no peer at $peer): no ceilings, no peer"
fi

# ------------------------------------------------------------------ tests
tests_rc=0
run_stage tests 200 ctest --test-dir "$build" -L cuda --output-on-failure --timeout 180 || tests_rc=$?
tests_line=$(grep -E "tests passed|tests failed" "$log" | tail -1 || true)
skipped=$(grep -c "(Skipped)" "$log" || true)
say "tests: ${tests_line:-no result} (rc $tests_rc, $skipped skipped)"
if ((skipped > 0)); then say "warning: GPU tests were skipped: no usable GPU for this build"; fi

# ------------------------------------------------------------------ timings
ours_rc=0
run_stage "ours FP32 (mse)" 60 "$bench" --device cuda --batch "$batch" --iters "$iters" --warmup 5 --loss mse \
  --json "$out/ours_fp32.json" || ours_rc=$?
if ((torch_ok)); then
  run_stage "PyTorch eager (cuda, mse)" 75 python3 "$peer" bench --device cuda --batch "$batch" --iters "$iters" \
    --warmup 5 --cases alcn_train dae_train infer_dae infer_alcn --loss mse --json "$out/torch.json" || true
fi
run_stage "alcnbench table5" 120 "$alcnbench" table5 --device cuda --shape 1x28x28 --methods dae --noises none,alcn \
  --batch "$batch" --latency-batch 1 --iters "$iters" --warmup 5 --no-compile --python "$(command -v python3 || echo python3)" \
  --json "$out/table5.json" || say "alcnbench table5 did not finish; bench_cuda_step's figures stand"
run_stage "ours TF32 (mse)" 45 env ALCN_CUDA_TF32=1 "$bench" --device cuda --batch "$batch" --iters "$iters" \
  --warmup 5 --loss mse --json "$out/ours_tf32.json" || true
run_stage "ours FP32 (ffl)" 45 "$bench" --device cuda --batch "$batch" --iters "$iters" --warmup 5 --loss ffl \
  --json "$out/ours_fp32_ffl.json" || true
if ((torch_ok)); then
  run_stage "PyTorch torch.compile (cuda, mse)" 200 python3 "$peer" bench --device cuda --compile --batch "$batch" \
    --iters "$iters" --warmup 5 --cases alcn_train infer_dae --loss mse \
    --json "$out/torch_compile.json" || say "the torch.compile peer did not finish"
fi

# ------------------------------------------------------------------ summary
python3 - "$out" "$gpu" "$tests_rc" "$skipped" "${tests_line:-}" "$scratch/ceilings.json" <<'PY' 2>&1 | tee -a "$log" >&2 ||
import json, os, sys
out, gpu, tests_rc, skipped, tests_line, ceil_path = sys.argv[1:7]
def load(path):
    try:
        with open(path if os.path.isabs(path) else os.path.join(out, path)) as f:
            return json.load(f)
    except Exception:
        return None
s = {"gpu": gpu, "tests": {"rc": int(tests_rc), "skipped": int(skipped), "line": tests_line},
     "ceilings": load(ceil_path), "ours_fp32": load("ours_fp32.json"), "ours_tf32": load("ours_tf32.json"),
     "ours_fp32_ffl": load("ours_fp32_ffl.json"), "torch": load("torch.json"),
     "torch_compile": load("torch_compile.json")}
def rows(r):
    return {x["case"]: x for x in (r or {}).get("rows", []) if x.get("B", 4096) == 4096}
o32, o16, te, tc = rows(s["ours_fp32"]), rows(s["ours_tf32"]), rows(s["torch"]), rows(s["torch_compile"])
# FLOPs per image (`torch_alcn.py flops`: multiply-adds x 2 of every convolution and Linear, forward and backward)
mflop = {"alcn_train": 169.011, "dae_train": 63.744, "infer_dae": 21.402, "infer_alcn": 38.656}
peak = (s["ceilings"] or {}).get("fp32_gemm_tflops")
speed = {}
f = lambda v, fmt: (fmt % v) if v else "-"
ms = lambda v: "%.2f ms" % (v * 1e3) if v else "-"
print("%-11s %10s %10s %10s %10s %8s %8s %9s" % ("B=4096", "ours FP32", "ours TF32", "eager", "compile", "x eager",
                                                "x comp.", "FP32 TF/s"))
for case in ("alcn_train", "dae_train", "infer_dae", "infer_alcn"):
    a = o32.get(case, {}).get("median_s"); b = o16.get(case, {}).get("median_s")
    c = te.get(case, {}).get("median_s"); d = tc.get(case, {}).get("median_s")
    tf = mflop[case] * 1e6 * 4096 / a / 1e12 if a else None
    speed[case] = {"ours_fp32_s": a, "ours_tf32_s": b, "torch_eager_s": c, "torch_compile_s": d,
                   "x_eager": c / a if a and c else None, "x_compile": d / a if a and d else None,
                   "ours_fp32_tflops": tf, "share_of_fp32_gemm": tf / peak if tf and peak else None}
    print("%-11s %10s %10s %10s %10s %8s %8s %9s" % (case, ms(a), ms(b), ms(c), ms(d), f(speed[case]["x_eager"], "%.2fx"),
          f(speed[case]["x_compile"], "%.2fx"), f(tf, "%.1f")))
s["speed"] = speed
with open(os.path.join(out, "summary.json"), "w") as fh:
    json.dump(s, fh, indent=1)
print("summary written to %s" % os.path.join(out, "summary.json"))
PY
  {
    say "python3 unavailable for the summary; writing a minimal one"
    printf '{"gpu": "%s", "tests_rc": %d, "skipped": %d}\n' "$gpu" "$tests_rc" "$skipped" >"$out/summary.json"
  }

say "done in ${SECONDS}s; log $log"
if ((dry)); then
  say "dry run: exit 0 whatever the GPU stages gave (tests rc $tests_rc, ours rc $ours_rc)"
  exit 0
fi
if ((tests_rc != 0)); then die "GPU tests failed (rc $tests_rc)"; fi
if ((skipped > 0)); then die "GPU tests were skipped (no usable GPU)"; fi
if ((ours_rc != 0)); then die "our benchmark failed (rc $ours_rc)"; fi
exit 0
