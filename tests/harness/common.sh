# Shared helpers of the harness shell tests (sourced): arguments, skips,
# temp folder, expectations, and JSON field extraction from cJSON's
# unformatted records (one line per record).
set -u
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
  local out rc
  out=$("$@" 2>&1); rc=$?
  [ "$rc" = "$want" ] || fail "'$*' exited $rc, expected $want; output: $out"
  case "$out" in *"$sub"*) ;; *) fail "'$*' output lacks '$sub': $out" ;; esac
  echo "ok: $* -> $rc ($sub)"
}
# field FILE KEY: the raw JSON value of a top-level scalar or array key
field() { grep -o "\"$2\":\(\[[^]]*\]\|\"[^\"]*\"\|[^,}]*\)" "$1" | head -1 | sed "s/^\"$2\"://"; }
# the metrics and losses of a record, timings aside
metrics() { for k in status auroc aupr f1max epoch_losses manifest_hash test_scores; do echo "$k=$(field "$1" $k)"; done; }
# tiny real-data plan flags: Fashion-MNIST, small deterministic subsets, one epoch
TINY=(--dataset fashion-mnist --protocol p2 --loss mse --epochs 1 --batch 64 --limit-train 256 --limit-test 256
      --threads 1 --plugin-path "$GOOD")
