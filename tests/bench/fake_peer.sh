#!/bin/sh
# A stand-in for the PyTorch peer (../shared/peers/torch_alcn.py), for
# tests/bench/test_table5.c: it does no work and reports fixed, known times in
# the peer's own formats (its stdout lines and its --json file).
#
# table5 runs "PYTHON $ALCN_TORCH_PEER bench ... [--compile]" for each of its
# interpreters (bench/micro/torch_peer.c) after probing
# "PYTHON -c 'import torch; print(torch.__version__)'", so this file is the
# interpreter: point ALCN_PYTHON (or --python) at it, or at a wrapper that sets
# ALCN_FAKE_PEER_VERSION, and ALCN_TORCH_PEER at any existing file (its path
# is taken as the script's and ignored).
#
# The times, in ms per image (median_s = ms_per_image * B / 1000, min 0.9x,
# max 1.1x the median), one variant faster in each case:
#   case        --deconv native   --deconv fast   faster
#   dae_train        2.0              1.0          fast
#   alcn_train       3.0              6.0          native
#   infer_dae        0.5              0.4          fast
#   infer_alcn       0.7              0.9          native
# times a factor by torch version (ALCN_FAKE_PEER_VERSION) and --compile, so
# that each peer is the fastest somewhere:
#   case        1.x   2.x eager   2.x --compile   fastest
#   dae_train   1     0.75        0.5             2.x compile
#   alcn_train  1     0.75        2               2.x eager
#   infer_dae   1     1.5         0.5             2.x compile
#   infer_alcn  1     1.5         2               1.x
# (--compile with a 1.x version fails, as torch.compile does not exist there).
#
# It is also the server of `table5 --paired` (bench/scripts/peer_serve.py as
# its first argument): see "The server" below.
#
# Environment:
#   ALCN_FAKE_PEER_VERSION  torch.__version__ to report (default 1.13.1-fake)
#   ALCN_FAKE_PEER_MODE  ok (default) | garbage (garbage on stdout and in the
#                        --json file, exit 0) | fail (a traceback on stderr,
#                        exit 3) | nojson (exit 0, no --json file written) |
#                        noimport (the -c probe fails: no torch)
#   ALCN_FAKE_PEER_ONLY  a --deconv variant: only that one misbehaves (unset: all)
#   ALCN_FAKE_PEER_ROUNDS  a file: times k+1 times slower on the k-th call
#                        (from 0) with the same version, --compile, --deconv and
#                        batches: each round of `table5 --rounds` slower
#   ALCN_FAKE_PEER_LOG   a file: one line per bench call, appended: its
#                        arguments, then " | " and the environment the peer
#                        settings touch (NAME=value, "-" when unset)
set -eu

version="${ALCN_FAKE_PEER_VERSION:-1.13.1-fake}"

# " NAME=value" ("-" when unset) of each variable the peers' settings touch.
peer_env() {
  line=""
  for v in OPENBLAS_NUM_THREADS ATEN_CPU_CAPABILITY ONEDNN_MAX_CPU_ISA MKL_ENABLE_INSTRUCTIONS OPENBLAS_CORETYPE; do
    line="$line $v=$(printenv "$v" || echo -)"
  done
  echo "$line"
}

# torch.compile does not exist before torch 2: exit as the peer would.
check_compile() {
  if [ "$compile" = 1 ] && [ "${version%%.*}" -lt 2 ]; then
    echo "AttributeError: module 'torch' has no attribute 'compile'" >&2
    exit 4
  fi
}

# The slowdown of the call with key $1: k+1 for its k-th call (from 0) when
# ALCN_FAKE_PEER_ROUNDS names a file that counts them, else 1.
drift_of() {
  if [ -z "${ALCN_FAKE_PEER_ROUNDS:-}" ]; then echo 1; return; fi
  k=$( (grep -cxF "$1" "$ALCN_FAKE_PEER_ROUNDS" 2>/dev/null || true) | head -n 1)
  echo "$1" >>"$ALCN_FAKE_PEER_ROUNDS"
  echo $(( ${k:-0} + 1 ))
}

# awk, after init_times(): known(kase) whether it is a case, times(kase, B) its
# median in seconds (the tables above) for the variables deconv, major,
# compile and drift.
TIMES_AWK='
function init_times() {
  ms["dae_train", "native"] = 2.0; ms["dae_train", "fast"] = 1.0
  ms["alcn_train", "native"] = 3.0; ms["alcn_train", "fast"] = 6.0
  ms["infer_dae", "native"] = 0.5; ms["infer_dae", "fast"] = 0.4
  ms["infer_alcn", "native"] = 0.7; ms["infer_alcn", "fast"] = 0.9
  if (major >= 2 && compile) { f["dae_train"] = 0.5; f["alcn_train"] = 2; f["infer_dae"] = 0.5; f["infer_alcn"] = 2 }
  else if (major >= 2) { f["dae_train"] = 0.75; f["alcn_train"] = 0.75; f["infer_dae"] = 1.5; f["infer_alcn"] = 1.5 }
  else { f["dae_train"] = 1; f["alcn_train"] = 1; f["infer_dae"] = 1; f["infer_alcn"] = 1 }
}
function known(kase) { return (kase, deconv) in ms }
function times(kase, B) { return ms[kase, deconv] * f[kase] * drift * B / 1000.0 }'
if [ "${1:-}" = "-c" ]; then
  if [ "${ALCN_FAKE_PEER_MODE:-ok}" = noimport ]; then
    echo "ModuleNotFoundError: No module named 'torch'" >&2
    exit 1
  fi
  echo "$version" # the probe: "import torch; print(torch.__version__)"
  exit 0
fi
# The server (bench/scripts/peer_serve.py, `table5 --paired`): "ready", then
# one reply per request line "<case> <loss> <C> <B> <iters> <warmup>": "ok",
# the request's number (1, 2, ...) and iters times whose median is the bench mode's (first 0.9x, last 1.1x,
# the others 1x). Modes: fail (exits before "ready"), garbage (a garbage
# reply), nojson (exits at the first request, no reply), stray (each reply
# written twice). ROUNDS: the k-th
# request of a case and batch, k+1 times slower. LOG: "serve <request> | env".
case "${1:-}" in
  *peer_serve.py)
    shift 2
    deconv=native compile=0
    while [ $# -gt 0 ]; do
      case "$1" in
        --deconv) deconv="$2"; shift ;;
        --threads) shift ;;
        --compile) compile=1 ;;
        *) echo "fake_peer.sh (server): unknown argument $1" >&2; exit 2 ;;
      esac
      shift
    done
    check_compile
    mode="${ALCN_FAKE_PEER_MODE:-ok}"
    if [ -n "${ALCN_FAKE_PEER_ONLY:-}" ] && [ "$ALCN_FAKE_PEER_ONLY" != "$deconv" ]; then mode=ok; fi
    if [ "$mode" = fail ]; then
      echo "RuntimeError: fake_peer.sh (server) was told to fail" >&2
      exit 3
    fi
    echo "ready $version"
    seq=0
    while read -r kase loss C B iters warmup; do
      [ "$kase" = quit ] && exit 0
      seq=$((seq + 1))
      if [ -n "${ALCN_FAKE_PEER_LOG:-}" ]; then
        echo "serve $kase $loss $C $B $iters $warmup --deconv $deconv --compile $compile |$(peer_env)" >>"$ALCN_FAKE_PEER_LOG"
      fi
      case "$mode" in
        garbage) echo "ok $seq 1e999 PNG ~~~"; continue ;;
        nojson) exit 0 ;;
        hang) exec sleep 600 ;; # never answers: table5 must stop it (ALCN_PEER_TIMEOUT)
      esac
      drift=$(drift_of "serve $version $compile $deconv $kase $B")
      reply=$(awk -v kase="$kase" -v deconv="$deconv" -v major="${version%%.*}" -v compile="$compile" -v B="$B" -v n="$iters" \
        -v drift="$drift" -v seq="$seq" "$TIMES_AWK"'
      BEGIN {
        init_times()
        if (!known(kase)) { print "error ValueError: unknown case " kase; exit }
        med = times(kase, B)
        line = "ok " seq
        for (i = 1; i <= n; ++i) line = line " " sprintf("%.17g", n > 1 && i == 1 ? 0.9 * med : n > 1 && i == n ? 1.1 * med : med)
        print line
      }')
      echo "$reply"
      if [ "$mode" = stray ]; then echo "$reply"; fi # the same line twice: the next reply is stale
    done
    exit 0 ;;
esac
if [ $# -lt 2 ] || [ "$2" != "bench" ]; then
  echo "fake_peer.sh: usage: fake_peer.sh SCRIPT bench [flags] (or -c CODE)" >&2
  exit 2
fi
shift 2
if [ -n "${ALCN_FAKE_PEER_LOG:-}" ]; then
  echo "bench $* |$(peer_env)" >>"$ALCN_FAKE_PEER_LOG"
fi

deconv=native Cs=1 Bs="256 4096" cases="alcn_train dae_train infer_dae infer_alcn" losses=mse
iters=10 warmup=3 threads=2 json="" compile=0
list="" # the flag whose values (nargs="+") are being read
while [ $# -gt 0 ]; do
  case "$1" in
    --deconv) deconv="$2"; list=""; shift ;;
    --iters) iters="$2"; list=""; shift ;;
    --warmup) warmup="$2"; list=""; shift ;;
    --threads) threads="$2"; list=""; shift ;;
    --json) json="$2"; list=""; shift ;;
    --device) list=""; shift ;;
    --compile) compile=1; list="" ;;
    --C) Cs=""; list=C ;;
    --batch) Bs=""; list=B ;;
    --cases) cases=""; list=cases ;;
    --loss) losses=""; list=losses ;;
    --*) echo "fake_peer.sh: unknown flag $1" >&2; exit 2 ;;
    *)
      case "$list" in
        C) Cs="$Cs $1" ;;
        B) Bs="$Bs $1" ;;
        cases) cases="$cases $1" ;;
        losses) losses="$losses $1" ;;
        *) echo "fake_peer.sh: unexpected argument $1" >&2; exit 2 ;;
      esac ;;
  esac
  shift
done

major="${version%%.*}"
check_compile
mode="${ALCN_FAKE_PEER_MODE:-ok}"
if [ -n "${ALCN_FAKE_PEER_ONLY:-}" ] && [ "$ALCN_FAKE_PEER_ONLY" != "$deconv" ]; then
  mode=ok
fi
case "$mode" in
  ok) ;;
  garbage)
    printf '%s\n' 'PNG ~~~ not the peer {{{ "rows": [ 1e999'
    if [ -n "$json" ]; then printf '%s\n' '{"rows": [ {"case": "dae_train", "median_s": ' >"$json"; fi
    exit 0 ;;
  fail)
    echo "Traceback (most recent call last):" >&2
    echo "RuntimeError: fake_peer.sh was told to fail" >&2
    exit 3 ;;
  nojson) exit 0 ;;
  *) echo "fake_peer.sh: unknown ALCN_FAKE_PEER_MODE $mode" >&2; exit 2 ;;
esac

drift=$(drift_of "$version $compile $deconv$Bs")

# The rows, as the peer's bench() loops: C, then B, then case, then loss
# (train cases per --loss, inference cases with loss "-").
awk -v drift="$drift" -v deconv="$deconv" -v version="$version" -v major="$major" -v compile="$compile" -v Cs="$Cs" -v Bs="$Bs" -v cases="$cases" -v losses="$losses" -v iters="$iters" \
  -v warmup="$warmup" -v threads="$threads" -v json="$json" "$TIMES_AWK"'
BEGIN {
  init_times()
  fl["dae_train"] = 3e6; fl["alcn_train"] = 9e6; fl["infer_dae"] = 1e6; fl["infer_alcn"] = 2e6 # FLOP per image
  printf "# torch %s threads=%d  OMP_NUM_THREADS=- OPENBLAS_NUM_THREADS=%s OMP_WAIT_POLICY=- GOMP_SPINCOUNT=-  deconv=%s compile=%d flush_denormal=1\n", version, threads, ENVIRON["OPENBLAS_NUM_THREADS"] == "" ? "-" : ENVIRON["OPENBLAS_NUM_THREADS"], deconv, compile
  nC = split(Cs, C, " "); nB = split(Bs, B, " "); nk = split(cases, K, " "); nl = split(losses, L, " ")
  n = 0
  for (i = 1; i <= nC; ++i) for (j = 1; j <= nB; ++j) for (k = 1; k <= nk; ++k) {
    kase = K[k]
    if (!known(kase)) { print "unknown case " kase > "/dev/stderr"; exit 1 }
    train = kase == "alcn_train" || kase == "dae_train"
    nloss = train ? nl : 1
    for (l = 1; l <= nloss; ++l) {
      loss = train ? L[l] : "-"
      med = times(kase, B[j]); mn = 0.9 * med; mx = 1.1 * med
      gflop = fl[kase] * B[j] / 1e9
      printf "%-10s loss=%-3s C=%d B=%-5d median %9.4f s (min %.4f max %.4f)  %8.1f img/s  %7.2f GFLOP/step  %6.2f GFLOP/s\n", kase, loss, C[i], B[j], med, mn, mx, B[j] / med, gflop, gflop / med
      row[n++] = sprintf("  {\n   \"case\": \"%s\",\n   \"loss\": \"%s\",\n   \"C\": %d,\n   \"B\": %d,\n   \"threads\": %d,\n   \"deconv\": \"%s\",\n   \"iters\": %d,\n   \"warmup\": %d,\n   \"median_s\": %.17g,\n   \"min_s\": %.17g,\n   \"max_s\": %.17g,\n   \"per_image_us\": %.17g,\n   \"imgs_per_s\": %.17g,\n   \"gflop\": %.17g,\n   \"gflops_per_s\": %.17g\n  }", kase, loss, C[i], B[j], threads, deconv, iters, warmup, med, mn, mx, med / B[j] * 1e6, B[j] / med, gflop, gflop / med)
    }
  }
  print "# peak RSS of this process: 1 MiB"
  if (json != "") {
    printf "{\n \"torch\": \"%s\",\n \"threads\": %d,\n \"device\": \"cpu\",\n \"rows\": [\n", version, threads > json
    for (r = 0; r < n; ++r) printf("%s%s\n", row[r], (r + 1 < n ? "," : "")) > json
    printf " ]\n}\n" > json
    close(json)
  }
}'
