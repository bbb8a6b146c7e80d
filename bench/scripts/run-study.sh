#!/usr/bin/env bash
# The Fashion-MNIST study (issue 13): protocols 2 and 1, ten classes, four
# noises on the paper's DAE, seeds 1-3, with bench/configs/tuned-p{1,2}.ini,
# seed by seed (so a stopped study holds whole seeds first), then the report.
# Resumable: rerun it and only missing cells train.
#   bash bench/scripts/run-study.sh [OUT]      (default results/fashion-mnist)
# ALCNBENCH names the program (default build/bench/alcnbench); extra flags
# for every run may follow in ALCN_STUDY_FLAGS (e.g. --quiet).
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
cd "$here"
out=${1:-results/fashion-mnist}
bin=${ALCNBENCH:-build/bench/alcnbench}
read -r -a flags <<< "${ALCN_STUDY_FLAGS:-}"
for seed in 1 2 3; do
  for proto in p2 p1; do
    "$bin" run --config "bench/configs/tuned-$proto.ini" --seeds "$seed" --out "$out" --no-report "${flags[@]}"
  done
done
"$bin" report "$out" -o "$out/report"
