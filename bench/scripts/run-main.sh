#!/usr/bin/env bash
# The README's first command: set up (packages, build), then run the default
# plan on Fashion-MNIST (bench/configs/default.ini) and write its report to
# results/default/report/. Extra arguments go to `alcnbench run`
# (e.g. --device auto, --epochs 10, --classes all).
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
build=$(bash "$here/bench/scripts/setup.sh")
cd "$here"
"$build/bench/alcnbench" run --config bench/configs/default.ini "$@"
echo "report: <out>/report/report.html (out: results/default unless --out was given)" >&2
