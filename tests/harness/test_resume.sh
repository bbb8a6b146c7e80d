#!/bin/bash
# Kill-and-resume: a run of 8 tiny cells is killed with SIGKILL mid-way; no
# temporary file is left among the records and every record parses; the
# rerun redoes only the missing cells, leaves finished records untouched, and
# gives the metrics of an uninterrupted run. SIGTERM stops with exit 130
# after saying what is done, writing nothing partial.
set -euo pipefail
. "$(dirname "$0")/common.sh"

plan=("${TINY[@]}" --batch 32 --method toy --classes 0,1,2,3,4,5,6,7 --no-report)
slow=(--opt toy:sleep_ms=60)
count() { nfiles "$1"/records/*.json; }
wait_records() { # dir n pid: until n records exist (bounded)
  for _ in $(seq 1 600); do
    [ "$(count "$1")" -ge "$2" ] && return 0
    kill -0 "$3" 2>/dev/null || return 1
    sleep 0.1
  done
  return 1
}

"$AB" run "${plan[@]}" "${slow[@]}" --out "$T/r" --quiet &
pid=$!
wait_records "$T/r" 3 $pid || fail "the run did not get to 3 records"
sleep 0.2
kill -9 $pid 2>/dev/null || echo "note: the run had already exited"
rc=0; wait $pid 2>/dev/null || rc=$?
before=$(count "$T/r")
echo "killed after $before records"
[ "$before" -lt 8 ] || fail "the run finished before it was killed (make the cells slower)"
[ "$rc" = 137 ] || fail "the killed run exited $rc, expected 137 (SIGKILL)"
[ -z "$(find "$T/r/records" -name '*.tmp')" ] || fail "temporary files among the records"
rc=0; out=$("$AB" plan "${plan[@]}" --out "$T/r" 2>&1) || rc=$?
[ "$rc" = 0 ] || fail "plan after kill -9 exited $rc: $out"
if has "$out" corrupt; then fail "a corrupt record after kill -9: $out"; fi
[ "$(lines "$out" '	done$')" = "$before" ] || fail "records vs plan state: $out"
md5_before=$(cd "$T/r/records" && md5sum *.json)

out=$("$AB" run "${plan[@]}" "${slow[@]}" --out "$T/r" 2>&1) || fail "rerun: $out"
has "$out" "$((8 - before)) to run, $before already done" || fail "rerun did not redo only the missing cells: $out"
[ "$(count "$T/r")" = 8 ] || fail "not 8 records after the rerun"
(cd "$T/r/records" && echo "$md5_before" | md5sum -c --quiet) || fail "the rerun rewrote finished records"
[ -z "$(ls -A "$T/r/.partial")" ] || fail "leftover partial files: $(ls -A "$T/r/.partial")"

"$AB" run "${plan[@]}" --out "$T/ref" --quiet || fail "reference run"
for f in "$T"/ref/records/*.json; do
  a=$(metrics "$f"); b=$(metrics "$T/r/records/$(basename "$f")")
  [ "$a" = "$b" ] || fail "$(basename "$f"): resumed metrics differ from an uninterrupted run"
done
echo "ok: kill -9 after $before cells; resume redid $((8 - before)); metrics equal the uninterrupted run"

# SIGTERM: exit 130, says what is done, nothing partial
"$AB" run "${plan[@]}" "${slow[@]}" --out "$T/s" 2> "$T/s.err" &
pid=$!
wait_records "$T/s" 1 $pid || fail "no record before SIGTERM"
kill -TERM $pid 2>/dev/null || echo "note: the run had already exited"
rc=0; wait $pid || rc=$?
[ "$rc" = 130 ] || fail "SIGTERM: exit $rc, expected 130"
grep -q "interrupted: .* cells finished in this run" "$T/s.err" || fail "no summary: $(cat "$T/s.err")"
[ "$(count "$T/s")" -lt 8 ] || fail "SIGTERM did not stop the run"
[ -z "$(ls -A "$T/s/.partial")" ] || fail "SIGTERM left partial files"
rc=0; out=$("$AB" plan "${plan[@]}" --out "$T/s" 2>&1) || rc=$?
[ "$rc" = 0 ] || fail "plan after SIGTERM exited $rc: $out"
if has "$out" corrupt; then fail "corrupt record after SIGTERM: $out"; fi
echo "PASS"
