#!/usr/bin/env bash
# Issue 15's measured table (bench/configs/compare-p2.ini): every noise on the
# DAE and every method, Fashion-MNIST protocol 2, ten classes, seeds 1-2, at
# the study's budget (GAN baselines: 3 epochs, compare-p2-gan.ini). The
# study's cells of none/random/gaussian/alcn are
# copied from STUDY (same settings); the rest train, seed by seed. Resumable.
#   bash bench/scripts/run-compare.sh [STUDY] [OUT]
#   (defaults results/fashion-mnist, results/fashion-mnist-compare)
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
cd "$here"
study=${1:-results/fashion-mnist}
out=${2:-results/fashion-mnist-compare}
bin=${ALCNBENCH:-build/bench/alcnbench}
mkdir -p "$out/records"
for n in none random gaussian alcn; do
  for s in 1 2; do
    cp -n "$study"/records/fashion-mnist_p2_c?_dae_${n}_ffl_s${s}.json "$out/records/" 2>/dev/null || true
  done
done
# cheapest first, so that a stopped run leaves whole rows: the noises on the
# DAE (both seeds), then VAE and Deep SVDD at the same budget, then the two
# GAN baselines at their own (compare-p2-gan.ini: 3 epochs; see that file)
cfg=bench/configs/compare-p2.ini
for seed in 1 2; do
  "$bin" run --config "$cfg" --seeds "$seed" --out "$out" --no-report
done
"$bin" run --config "$cfg" --seeds 1,2 --out "$out" --no-report --method vae,dsvdd --noise none
for seed in 1 2; do
  "$bin" run --config bench/configs/compare-p2-gan.ini --seeds "$seed" --out "$out" --no-report
done
"$bin" report "$out" -o "$out/report"
