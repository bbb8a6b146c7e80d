#!/usr/bin/env bash
# The GPU machine's one call, rehearsed without a GPU: bench/scripts/gpu-pack.sh
# packs this build (as it is) into a bundle, and bench/scripts/gpu-check.sh
# unpacks it elsewhere and runs every stage in its dry-run mode. Checks that
#   - the bundle holds the programs, the plugins and the non-CUDA runtime
#     libraries (OpenBLAS, FFTW, cJSON), but none of CUDA's or the C runtime;
#   - the unpacked CTest files name the unpacked build, not this one, and
#     `ctest -L cuda` runs there (test_cuda_runtime passes, the GPU suites skip);
#   - the dry run ends with a summary and exit 0;
#   - a missing or truncated bundle stops the script with one line naming it.
# usage: test_gpu_bundle.sh BUILD_DIR SOURCE_DIR
set -euo pipefail
build=$(cd "$1" && pwd) src=$(cd "$2" && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*"; exit 1; }

# The peer script lies outside the repository (../shared); the stand-in will do.
ALCN_GPU_PACK_NO_BUILD=1 ALCN_GPU_PACK_OUT="$tmp/bundle.tar.xz" ALCN_TORCH_PEER="$src/tests/bench/fake_peer.sh" \
  bash "$src/bench/scripts/gpu-pack.sh" "$build" >"$tmp/pack.log" 2>&1 || { cat "$tmp/pack.log"; fail "gpu-pack.sh"; }
list=$(tar -tJf "$tmp/bundle.tar.xz")
for f in origin peers/torch_alcn.py build/bench/alcnbench build/bench/bench_cuda_step build/libalcn.so.0 \
  build/plugins/alcn_dae.so build/tests/cuda/test_cuda_step build/tests/cuda/CTestTestfile.cmake; do
  grep -qx "$f" <<<"$list" || fail "the bundle lacks $f"
done
for l in libopenblas.so.0 libfftw3f.so.3 libcjson.so.1; do
  grep -qx "lib/$l" <<<"$list" || fail "the bundle lacks lib/$l"
done
if grep -E '^lib/(libc|libm|libcudart|libcublas|libcudnn|libcufft)\.so' <<<"$list"; then
  fail "the bundle carries CUDA's or the C runtime's libraries (above)"
fi
if grep -E '\.o$|\.a$|/CMakeFiles/' <<<"$list" | head -3 | grep .; then fail "the bundle carries build scratch"; fi

# Unpacked under another root, as on the GPU machine.
out=$tmp/out
rc=0
ALCN_GPU_DRY_RUN=1 ALCN_GPU_BUNDLE="$tmp/bundle.tar.xz" ALCN_GPU_UNPACK="$tmp/unpacked" ALCN_GPU_CHECK_BUDGET=240 \
  ALCN_NO_TORCH=1 bash "$src/bench/scripts/gpu-check.sh" "$out" >"$tmp/check.log" 2>&1 || rc=$?
((rc == 0)) || { cat "$tmp/check.log"; fail "the dry run exited $rc"; }
log=$out/gpu-check.log
[[ -f $log && -f $out/summary.json ]] || fail "no gpu-check.log or summary.json in $out"
grep -q "made from $build" "$log" || fail "the log does not name the bundle's origin"
grep -rq "$tmp/unpacked/build" "$tmp/unpacked/build/tests/cuda/CTestTestfile.cmake" ||
  fail "the unpacked CTest file does not name the unpacked build"
if grep -rl "$build" --include=CTestTestfile.cmake "$tmp/unpacked/build" | grep .; then
  fail "unpacked CTest files still name $build (above)"
fi
grep -Eq "test_cuda_runtime \.+ +Passed" "$log" || { cat "$log"; fail "test_cuda_runtime did not pass in the unpacked build"; }
grep -q "tests: 100% tests passed" "$log" || { cat "$log"; fail "ctest -L cuda in the unpacked build"; }
grep -q "^alcn_train " "$log" || fail "no summary table in the log"

# A bundle that is not there, and one cut short: one line naming it, exit 1.
for case in missing truncated; do
  b=$tmp/$case.tar.xz
  [[ $case == truncated ]] && head -c 100000 "$tmp/bundle.tar.xz" >"$b"
  rc=0
  ALCN_GPU_DRY_RUN=1 ALCN_GPU_BUNDLE="$b" ALCN_GPU_UNPACK="$tmp/u2" bash "$src/bench/scripts/gpu-check.sh" "$tmp/o2" \
    >"$tmp/bad.log" 2>&1 || rc=$?
  ((rc == 1)) || { cat "$tmp/bad.log"; fail "$case bundle: exit $rc, not 1"; }
  grep -q "FAILED: .*$b" "$tmp/bad.log" || { cat "$tmp/bad.log"; fail "$case bundle: no line naming $b"; }
done
echo "gpu bundle: packed ($(du -k "$tmp/bundle.tar.xz" | cut -f1) KB), unpacked, dry run and bad bundles as expected"
