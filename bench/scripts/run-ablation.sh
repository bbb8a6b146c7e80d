#!/usr/bin/env bash
# The ablation of issue 13: what drives DAE vs DAE+ALCN on Fashion-MNIST p2.
# One setting at a time away from the study's (bench/configs/tuned-p2.ini:
# FFL, one alpha per mini-batch, mean/std normalisation, DAE lr 1e-3), on the
# two classes where DAE+ALCN and the DAE differ most in the study (mean over
# its seeds of |AUROC(dae+alcn) - AUROC(dae)|, protocol 2; chosen from the
# study's records, printed, and stored in OUT/classes.txt), seeds 1-3:
#   base      the study's own cells (copied: same code, seed and data give the
#             same bits, see README "Reproducibility")
#   alpha     noise alcn@image: one alpha per image
#   loss      MSE instead of FFL
#   norm      [0,1] instead of mean/std (its own folder OUT/unit: the cell id
#             does not name the normalisation)
#   lr        DAE learning rate 1e-4 and 1e-5 (methods dae@lr1e-4, dae@lr1e-5),
#             the noise's rate fixed at 8e-3
# Every record holds the per-epoch loss and the learned noise's saturation.
#   bash bench/scripts/run-ablation.sh [STUDY] [OUT]
#   (defaults results/fashion-mnist, results/fashion-mnist-ablation)
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
cd "$here"
study=${1:-results/fashion-mnist}
out=${2:-results/fashion-mnist-ablation}
bin=${ALCNBENCH:-build/bench/alcnbench}
mkdir -p "$out/records"
if [[ -s $out/classes.txt ]]; then
  classes=$(cat "$out/classes.txt")
else
  classes=$(python3 - "$study" <<'PY'
import glob, json, sys, collections
d = collections.defaultdict(dict)
for f in glob.glob(sys.argv[1] + "/records/*_p2_*_dae_*.json"):
    r = json.load(open(f))
    if r.get("status") == "done" and r["noise"] in ("none", "alcn") and r["method"] == "dae":
        d[(r["class"], r["seed"])][r["noise"]] = r["auroc"]
gap = collections.defaultdict(list)
for (c, s), v in d.items():
    if "none" in v and "alcn" in v:
        gap[c].append(abs(v["alcn"] - v["none"]))
if len(gap) < 10:
    sys.exit("the study's protocol-2 cells of dae+none and dae+alcn are not complete for all ten classes")
best = sorted(gap, key=lambda c: -sum(gap[c]) / len(gap[c]))[:2]
print(",".join(str(c) for c in sorted(best)))
PY
)
  echo "$classes" > "$out/classes.txt"
fi
echo "ablation classes: $classes" >&2
# base: the study's cells of these classes
for c in ${classes//,/ }; do
  cp "$study"/records/fashion-mnist_p2_c${c}_dae_none_ffl_s*.json "$study"/records/fashion-mnist_p2_c${c}_dae_alcn_ffl_s*.json "$out/records/"
done
common=(--config bench/configs/tuned-p2.ini --classes "$classes" --seeds 1,2,3 --no-report)
"$bin" run "${common[@]}" --out "$out" --noise alcn@image --noise-opt alcn@image:alpha=image
"$bin" run "${common[@]}" --out "$out" --noise none,alcn --loss mse
"$bin" run "${common[@]}" --out "$out" --method dae@lr1e-4,dae@lr1e-5 --noise none,alcn \
  --opt dae@lr1e-4:lr=1e-4 --opt dae@lr1e-5:lr=1e-5
"$bin" run "${common[@]}" --out "$out/unit" --noise none,alcn --norm unit
"$bin" report "$out" -o "$out/report"
"$bin" report "$out/unit" -o "$out/unit/report"
