#!/usr/bin/env bash
# The README's test command: set up (packages, build), then run every test.
# GPU tests report "skipped" (CTest skip code 77) on machines without a GPU.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
# slurm-wlm and munge: the single-node Slurm test (tests/harness/test_slurm.sh);
# chromium: report.html opened in a headless browser (tests/reports/test_report_html.sh).
build=$(ALCN_EXTRA_PACKAGES="slurm-wlm munge chromium" bash "$here/bench/scripts/setup.sh")
jobs=$(nproc 2>/dev/null || echo 2)
ctest --test-dir "$build" --output-on-failure -j "$jobs" "$@"
