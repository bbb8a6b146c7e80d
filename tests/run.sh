#!/usr/bin/env bash
# The README's test command: set up (packages, build), then run every test.
# GPU tests report "skipped" (CTest skip code 77) on machines without a GPU.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
# slurm-wlm and munge: the single-node Slurm test (tests/harness/test_slurm.sh).
build=$(ALCN_EXTRA_PACKAGES="slurm-wlm munge" bash "$here/bench/setup.sh")
jobs=$(nproc 2>/dev/null || echo 2)
ctest --test-dir "$build" --output-on-failure -j "$jobs" "$@"
