#!/usr/bin/env bash
# The whole CTest suite again in an AddressSanitizer + UndefinedBehaviorSanitizer
# build (float-cast-overflow included; CUDA off), as the CI runs it after
# tests/run.sh. Any report stops the test that hit it (halt_on_error).
# usage: tests/run-sanitized.sh [ctest args]     (build in ${ALCN_ASAN_BUILD_DIR:-build-asan})
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
build=${ALCN_ASAN_BUILD_DIR:-$here/build-asan}
jobs=$(nproc 2>/dev/null || echo 2)
cmake -S "$here" -B "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DALCN_WITH_CUDA=OFF \
  -DALCN_SANITIZE=address,undefined,float-cast-overflow >&2
cmake --build "$build" -j "$jobs" >&2
# Leaks of third-party libraries (OpenBLAS threads, FFTW plans, dlopen) at exit
# are not ours: leak checking is off; every other report aborts the test.
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=0:halt_on_error=1:abort_on_error=0:exitcode=99}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-halt_on_error=1:print_stacktrace=1}
ctest --test-dir "$build" --output-on-failure -j "$jobs" "$@"
