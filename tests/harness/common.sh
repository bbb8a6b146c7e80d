# Shared helpers of the harness shell tests (sourced): strict mode, arguments,
# skips, temp folder, expectations, and JSON field extraction from cJSON's
# unformatted records (one line per record).
# Strict mode: any unexpected non-zero exit, unset variable or failing stage of
# a pipeline fails the test (exit 1, with the line; never 77, which would read
# as a skip). A command expected to fail is run as `rc=0; out=$(cmd) || rc=$?`
# and its code checked. Output is captured into a variable and then searched
# (has, lines): `cmd | grep -q` under pipefail fails at random when grep closes
# the pipe before cmd has written everything.
set -euo pipefail
trap 'echo "FAIL: ${BASH_SOURCE[0]##*/}:$LINENO: a command exited $? (set -e)"; exit 1' ERR
AB=${1:?usage: test.sh ALCNBENCH GOOD_PLUGIN_DIR}
GOOD=${2:?usage: test.sh ALCNBENCH GOOD_PLUGIN_DIR}
FM=/usr/share/datasets/fashion-mnist
if [ ! -f "$FM/train-images-idx3-ubyte.gz" ]; then
  echo "skip: Fashion-MNIST is not installed at $FM (package dataset-fashion-mnist)"
  exit 77
fi
T=$(mktemp -d "${TMPDIR:-/tmp}/alcn-harness.XXXXXX")
cleanup() { rm -rf "$T"; }
trap cleanup EXIT
fail() { echo "FAIL: $*"; exit 1; }
# expect RC SUBSTRING cmd... : run cmd, check its exit code and that stderr+stdout hold SUBSTRING
expect() {
  local want=$1 sub=$2; shift 2
  local out rc=0
  out=$("$@" 2>&1) || rc=$?
  [ "$rc" = "$want" ] || fail "'$*' exited $rc, expected $want; output: $out"
  case "$out" in *"$sub"*) ;; *) fail "'$*' output lacks '$sub': $out" ;; esac
  echo "ok: $* -> $rc ($sub)"
}
# has TEXT SUBSTRING: TEXT contains SUBSTRING (no pipe)
has() { [[ $1 == *"$2"* ]]; }
# lines TEXT REGEX: how many lines of TEXT match REGEX (grep -c; 0 when none)
lines() { grep -c -- "$2" <<< "$1" || true; }
# nfiles PATH...: how many of the (glob-expanded) paths exist (0 for an unmatched glob)
nfiles() {
  local f n=0
  for f in "$@"; do
    if [ -e "$f" ]; then n=$((n + 1)); fi
  done
  echo "$n"
}
# field FILE KEY: the raw JSON value of a top-level scalar or array key (empty when absent)
field() {
  local m
  m=$(grep -o "\"$2\":\(\[[^]]*\]\|\"[^\"]*\"\|[^,}]*\)" "$1") || m=''
  m=${m%%$'\n'*}
  printf '%s\n' "${m#\""$2"\":}"
}
# the metrics and losses of a record, timings aside
metrics() { for k in status auroc aupr f1max epoch_losses manifest_hash test_scores; do echo "$k=$(field "$1" $k)"; done; }
# tiny real-data plan flags: Fashion-MNIST, small deterministic subsets, one epoch
TINY=(--dataset fashion-mnist --protocol p2 --loss mse --epochs 1 --batch 64 --limit-train 256 --limit-test 256
      --threads 1 --plugin-path "$GOOD")
