#!/bin/bash
# Submit an alcnbench plan to Slurm: an array of N shard jobs, then a report
# job that starts when every shard succeeded (--dependency=afterok).
#   bench/scripts/slurm/submit.sh -n 8 [-a 'extra sbatch flags'] -- --config plan.ini --out /shared/results
# The run flags after -- go to `alcnbench run` unchanged and must name --out.
# ALCNBENCH (default: alcnbench on PATH) is exported to the jobs. Prints the
# two job ids.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
shards=1
extra=""
while [ $# -gt 0 ]; do
  case "$1" in
    -n) shards=$2; shift 2 ;;
    -a) extra=$2; shift 2 ;;
    --) shift; break ;;
    *) echo "submit.sh: unknown option $1 (usage: submit.sh -n SHARDS [-a SBATCH_FLAGS] -- RUN_FLAGS)" >&2; exit 2 ;;
  esac
done
case "$shards" in ''|*[!0-9]*|0) echo "submit.sh: -n needs a positive number of shards" >&2; exit 2 ;; esac
out=""
prev=""
for a in "$@"; do
  case "$a" in --out=*) out=${a#--out=} ;; esac
  [ "$prev" = "--out" ] && out=$a
  prev=$a
done
[ -n "$out" ] || { echo "submit.sh: the run flags must include --out DIR (a folder every node sees)" >&2; exit 2; }
mkdir -p "$out"
export ALCNBENCH=${ALCNBENCH:-alcnbench}
# shellcheck disable=SC2086
array=$(sbatch --parsable $extra --array=0-$((shards - 1)) "$here/alcnbench-shard.sbatch" "$@")
array=${array%%;*}
# shellcheck disable=SC2086
report=$(sbatch --parsable $extra --dependency=afterok:"$array" "$here/alcnbench-report.sbatch" "$out")
report=${report%%;*}
echo "array job $array ($shards shards), report job $report (after the array succeeds)"
echo "$array $report" > "$out/slurm-jobs.txt"
