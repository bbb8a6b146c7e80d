#!/usr/bin/env bash
# Two alcnbench runs on one results folder train each cell once (claims.c):
# both finish, every cell has one done record, and the cells each run trained
# are disjoint. A run killed with SIGKILL mid-cell leaves a stale claim that
# the next run takes over.
# usage: test_concurrent.sh ALCNBENCH GOOD_PLUGIN_DIR
. "$(dirname "$0")/common.sh"

ARGS=("${TINY[@]}" --method toy --classes 0,1,2,3,4,5 --opt toy:sleep_ms=150 --no-report)
"$AB" run "${ARGS[@]}" --out "$T/c" > "$T/a.log" 2>&1 &
pa=$!
sleep 0.3
"$AB" run "${ARGS[@]}" --out "$T/c" > "$T/b.log" 2>&1 &
pb=$!
ra=0; wait "$pa" || ra=$?
rb=0; wait "$pb" || rb=$?
[ "$ra" = 0 ] && [ "$rb" = 0 ] || fail "runs exited $ra and $rb: $(cat "$T/a.log" "$T/b.log")"
trained() { sed -n 's/^\[cell [0-9]*\/[0-9]*\] \([^ ]*\) done in.*/\1/p' "$1" | sort; }
ta=$(trained "$T/a.log"); tb=$(trained "$T/b.log")
both=$(comm -12 <(echo "$ta") <(echo "$tb"))
[ -z "$both" ] || fail "cells trained by both runs: $both"
all=$(printf '%s\n%s\n' "$ta" "$tb" | sed '/^$/d' | sort | wc -l)
[ "$all" = 6 ] || fail "the two runs trained $all cells, expected 6: A=[$ta] B=[$tb]"
[ -n "$tb" ] || fail "the second run trained nothing (it should have shared the work): $(cat "$T/b.log")"
for f in "$T"/c/records/*.json; do [ "$(field "$f" status)" = '"done"' ] || fail "$f not done"; done
[ "$(nfiles "$T"/c/records/*.json)" = 6 ] || fail "expected 6 records"
[ "$(nfiles "$T"/c/claims/*.claim)" = 0 ] || fail "claims left behind"
echo "ok: two concurrent runs trained 6 cells once each (A: $(echo "$ta" | wc -l), B: $(echo "$tb" | wc -l))"

# SIGKILL mid-cell: the claim stays, names a dead process, and is taken over
"$AB" run "${TINY[@]}" --method toy --classes 0 --opt toy:sleep_ms=2000 --out "$T/k" --no-report > "$T/k.log" 2>&1 &
pk=$!
for _ in $(seq 50); do [ "$(nfiles "$T"/k/claims/*.claim)" = 1 ] && break; sleep 0.1; done
[ "$(nfiles "$T"/k/claims/*.claim)" = 1 ] || fail "no claim while the cell trains"
kill -9 "$pk"
rk=0; wait "$pk" || rk=$?
[ "$rk" = 137 ] || fail "SIGKILL exit $rk"
[ "$(nfiles "$T"/k/records/*.json)" = 0 ] || fail "a killed cell left a record"
expect 0 "1 to run" "$AB" run "${TINY[@]}" --method toy --classes 0 --out "$T/k" --no-report
[ "$(nfiles "$T"/k/records/*.json)" = 1 ] || fail "the stale claim was not taken over"
echo "PASS"
