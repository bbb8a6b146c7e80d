#!/usr/bin/env bash
# gpu-check.sh OUTDIR: the CUDA backend's check on a machine with an NVIDIA GPU.
#   1. configure (Release) and build the library, the CUDA tests and the benchmarks;
#   2. run the GPU tests (ctest -L cuda: op parity, one DAE+ALCN step, device detection);
#   3. Table-5 timings of DAE and DAE+ALCN at batch 4096 (1x28x28): ours in FP32 and
#      with TF32 (ALCN_CUDA_TF32=1, as PyTorch's cuDNN default), with `alcnbench table5`
#      too when that program exists, and the PyTorch peer (--device cuda) side by side
#      when python3 can import torch with CUDA;
#   4. OUTDIR/gpu-check.log (everything) and OUTDIR/summary.json.
# Budget: under 8 minutes on an H200 (each stage has a timeout inside a global deadline).
# Environment: ALCN_BUILD_DIR (default OUTDIR/build), ALCN_CUDA_ARCHS (default 80;90),
#   ALCN_TORCH_PEER (default <repo>/../shared/peers/torch_alcn.py), ALCN_BENCH_ITERS (10).
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
iters=${ALCN_BENCH_ITERS:-10}
batch=4096
log=$out/gpu-check.log
: >"$log"
deadline=$((SECONDS + 465)) # 7 min 45 s

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
    say "$name: skipped, the 8-minute budget is spent"
    return 124
  fi
  say "$name (timeout ${t}s): $*"
  local rc=0
  timeout --kill-after=5 "$t" "$@" 2>&1 | tee -a "$log" >&2 || rc=${PIPESTATUS[0]}
  ((rc == 124)) && say "$name: timed out after ${t}s"
  return "$rc"
}

# ------------------------------------------------------------------ the machine
if ! command -v nvcc >/dev/null 2>&1 && [[ -x /usr/local/cuda/bin/nvcc ]]; then
  export PATH=/usr/local/cuda/bin:$PATH
fi
command -v nvcc >/dev/null 2>&1 || die "nvcc not found (hint: install the CUDA toolkit or put its bin/ on PATH)"
gpu="unknown"
if command -v nvidia-smi >/dev/null 2>&1; then
  gpu=$(nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader 2>/dev/null | head -1 || true)
  [[ -n "$gpu" ]] || die "nvidia-smi sees no GPU (hint: this script needs an NVIDIA GPU and its driver)"
else
  say "warning: nvidia-smi not found; the tests will tell whether a GPU is usable"
fi
say "repo $repo, build $build, output $out"
say "GPU: $gpu; $(nvcc --version | tail -1)"

# ------------------------------------------------------------------ build
jobs=$(nproc 2>/dev/null || echo 4)
run_stage configure 120 cmake -S "$repo" -B "$build" -DCMAKE_BUILD_TYPE=Release -DALCN_BUILD_TESTS=ON \
  "-DALCN_CUDA_ARCHITECTURES=$archs" || die "cmake configure (see $log; hint: bench/scripts/setup.sh as root installs the packages)"
grep -q "ALCN: CUDA backend with cuDNN" "$log" || say "warning: configure did not report the CUDA backend (cuDNN missing?)"
targets=(test_cuda_runtime test_cuda_ops test_cuda_step bench_cuda_step)
have_alcnbench=0
if cmake --build "$build" --target help 2>/dev/null | grep -q '\balcnbench\b'; then
  targets+=(alcnbench)
  have_alcnbench=1
fi
run_stage build 240 cmake --build "$build" -j "$jobs" --target "${targets[@]}" || die "build (see $log)"

# ------------------------------------------------------------------ tests
tests_rc=0
run_stage tests 120 ctest --test-dir "$build" -L cuda --output-on-failure --timeout 100 || tests_rc=$?
tests_line=$(grep -E "tests passed|tests failed" "$log" | tail -1 || true)
skipped=$(grep -c "(Skipped)" "$log" || true)
say "tests: ${tests_line:-no result} (rc $tests_rc, $skipped skipped)"
if ((skipped > 0)); then say "warning: GPU tests were skipped: no usable GPU for this build"; fi

# ------------------------------------------------------------------ timings
bench=$build/bench/bench_cuda_step
ours_rc=0
run_stage "ours FP32 (mse)" 90 "$bench" --device cuda --batch "$batch" --iters "$iters" --warmup 3 --loss mse \
  --json "$out/ours_fp32.json" || ours_rc=$?
run_stage "ours TF32 (mse)" 75 env ALCN_CUDA_TF32=1 "$bench" --device cuda --batch "$batch" --iters "$iters" \
  --warmup 3 --loss mse --json "$out/ours_tf32.json" || ours_rc=$?
run_stage "ours FP32 (ffl)" 60 "$bench" --device cuda --batch "$batch" --iters "$iters" --warmup 3 --loss ffl \
  --json "$out/ours_fp32_ffl.json" || true
if ((have_alcnbench)); then
  run_stage "alcnbench table5" 60 "$build/bench/alcnbench" table5 --device cuda --out "$out/alcnbench" ||
    say "alcnbench table5 did not finish (its flags may differ); bench_cuda_step's figures stand"
fi

torch_ok=0
if command -v python3 >/dev/null 2>&1 && [[ -f "$peer" ]] &&
  python3 -c 'import torch, sys; sys.exit(0 if torch.cuda.is_available() else 1)' >/dev/null 2>&1; then
  if run_stage "PyTorch peer (cuda, mse)" 120 python3 "$peer" bench --device cuda --batch "$batch" --iters "$iters" \
    --warmup 3 --cases alcn_train dae_train infer_dae infer_alcn --loss mse --json "$out/torch.json"; then
    torch_ok=1
  fi
else
  say "PyTorch peer skipped: python3 with torch+CUDA not available or $peer missing"
fi

# ------------------------------------------------------------------ summary
python3 - "$out" "$gpu" "$tests_rc" "$skipped" "${tests_line:-}" "$torch_ok" <<'PY' 2>&1 | tee -a "$log" >&2 ||
import json, os, sys
out, gpu, tests_rc, skipped, tests_line, torch_ok = sys.argv[1:7]
def load(name):
    p = os.path.join(out, name)
    try:
        with open(p) as f:
            return json.load(f)
    except Exception:
        return None
s = {"gpu": gpu, "tests": {"rc": int(tests_rc), "skipped": int(skipped), "line": tests_line},
     "ours_fp32": load("ours_fp32.json"), "ours_tf32": load("ours_tf32.json"),
     "ours_fp32_ffl": load("ours_fp32_ffl.json"), "torch": load("torch.json") if torch_ok == "1" else None}
def rows(r):
    return {x["case"]: x for x in (r or {}).get("rows", [])}
t, o32, o16 = rows(s["torch"]), rows(s["ours_fp32"]), rows(s["ours_tf32"])
speed = {}
print("%-13s %12s %14s %14s %9s %9s" % ("case (B=4096)", "ours FP32 s", "ours TF32 s", "torch s", "x FP32", "x TF32"))
for case in ("alcn_train", "dae_train", "infer_dae", "infer_alcn"):
    a = o32.get(case, {}).get("median_s"); b = o16.get(case, {}).get("median_s"); c = t.get(case, {}).get("median_s")
    r32 = c / a if a and c else None; r16 = c / b if b and c else None
    speed[case] = {"ours_fp32_s": a, "ours_tf32_s": b, "torch_s": c, "speedup_fp32": r32, "speedup_tf32": r16}
    f = lambda v, fmt: (fmt % v) if v else "-"
    print("%-13s %12s %14s %14s %9s %9s" % (case, f(a, "%.4f"), f(b, "%.4f"), f(c, "%.4f"), f(r32, "%.2fx"), f(r16, "%.2fx")))
s["speedup_vs_torch"] = speed
with open(os.path.join(out, "summary.json"), "w") as f:
    json.dump(s, f, indent=1)
print("summary written to %s" % os.path.join(out, "summary.json"))
PY
  {
    say "python3 unavailable for the summary; writing a minimal one"
    printf '{"gpu": "%s", "tests_rc": %d, "skipped": %d}\n' "$gpu" "$tests_rc" "$skipped" >"$out/summary.json"
  }

say "done in ${SECONDS}s; log $log"
if ((tests_rc != 0)); then die "GPU tests failed (rc $tests_rc)"; fi
if ((skipped > 0)); then die "GPU tests were skipped (no usable GPU)"; fi
if ((ours_rc != 0)); then die "our benchmark failed (rc $ours_rc)"; fi
exit 0
