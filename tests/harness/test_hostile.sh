#!/bin/bash
# Hostile or careless input to alcnbench plan/run/report (issue 17): each case
# gets one clear error line and a non-zero exit, or is handled without a hang.
#   config file: a folder, a FIFO, an oversized file, a NUL byte, a UTF-8 BOM,
#     a key given twice in a section, an underflowing number, inline comments;
#   flags: --plugin-path that is not a folder, --shard past INT_MAX;
#   variant names that push a cell id past its limit (ids would be cut, cells merge);
#   a FIFO named records/<cell>.json (plan, report and run --resume must not hang);
#   an --out that cannot be written is found before any cell trains;
#   start-up removes the temporary files of dead writers, not of live ones.
# Commands that could hang run under `timeout` (exit 124 = the hang is back).
set -euo pipefail
. "$(dirname "$0")/common.sh"

TO=(timeout 60)
P=(--plugin-path "$GOOD")

# ---- the config file: regular files only, one line naming the path
expect 2 "--config /etc: a folder, not a regular file" "${TO[@]}" "$AB" plan --config /etc "${P[@]}"
expect 2 "--config /etc: a folder, not a regular file" "${TO[@]}" "$AB" run --config /etc "${P[@]}" --out "$T/etc-run"
[ ! -e "$T/etc-run" ] || fail "run --config /etc created its --out"
mkfifo "$T/fifo.ini"
expect 2 "--config $T/fifo.ini: a FIFO (named pipe), not a regular file" "${TO[@]}" "$AB" plan --config "$T/fifo.ini"
head -c 1100000 /dev/zero | tr '\0' '#' > "$T/big.ini"
expect 2 "big.ini: 1100000 bytes, more than the 1 MiB" "${TO[@]}" "$AB" plan --config "$T/big.ini"
# one line: no trace frames under the message
rc=0; out=$("$AB" plan --config /etc 2>&1) || rc=$?
[ "$rc" = 2 ] && [ "$(wc -l <<< "$out")" = 1 ] || fail "--config /etc: expected one line and exit 2, got $rc: $out"

# a NUL byte has its own message (it was "line longer than 4094 characters")
printf '[plan]\nmethod = toy\x00x\n' > "$T/nul.ini"
expect 2 "nul.ini:2: a NUL byte at column 13" "$AB" plan --config "$T/nul.ini" "${P[@]}"
# a UTF-8 byte-order mark is skipped (it was "expected 'key = value', got '[plan]'")
printf '\xef\xbb\xbf[plan]\nmethod = toy\nclasses = 1\n' > "$T/bom.ini"
out=$("$AB" plan --config "$T/bom.ini" "${P[@]}" 2>&1) || fail "plan --config with a BOM: $out"
has "$out" "fashion-mnist_p2_c1_toy_none_mse_s1" || fail "BOM config not read: $out"
# a key twice in one section names both lines; the same key in two sections is fine
printf '[train]\nepochs = 2\nbatch = 8\nepochs = 3\n' > "$T/dup.ini"
expect 2 "dup.ini:4: key 'epochs' in [train] was already set on line 2" "$AB" plan --config "$T/dup.ini" "${P[@]}"
printf '[train]\nlimit_train = 2\nlimit-train = 3\n' > "$T/dup2.ini"
expect 2 "dup2.ini:3: key 'limit-train' in [train] was already set on line 2" "$AB" plan --config "$T/dup2.ini"
printf '[plan]\nmethod = toy, toy@b\n[method.toy]\nsleep_ms = 0\n[method.toy@b]\nsleep_ms = 1\n' > "$T/nodup.ini"
out=$("$AB" plan --config "$T/nodup.ini" "${P[@]}" 2>&1) || fail "one key in two sections: $out"
[ "$(lines "$out" '^[0-9]')" = 6 ] || fail "one key in two sections: expected 6 cells: $out"
# a section name too long to keep is refused, not cut (two long ids cut to one made a false duplicate)
long=$(printf 'x%.0s' $(seq 1 130))
printf '[method.%sA]\nlr = 1\n[method.%sB]\nlr = 2\n' "$long" "$long" > "$T/longsec.ini"
expect 2 "longsec.ini:1: section name [method.xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx...] longer than 127 characters" \
  "$AB" plan --config "$T/longsec.ini" "${P[@]}"
# an underflowing number is called out of range / underflow, not "not a finite number"
printf '[train]\nval_fraction = 1e-400\n' > "$T/uf.ini"
expect 2 "uf.ini:2: key 'val-fraction': '1e-400' is out of range: it underflows" "$AB" plan --config "$T/uf.ini"
expect 2 "--ffl-alpha: '1e-400' is out of range: it underflows" "$AB" plan --ffl-alpha 1e-400
expect 2 "--ffl-alpha: '1e999' is out of range: it overflows" "$AB" plan --ffl-alpha 1e999
expect 2 "--ffl-alpha: 'nan' is not a finite number" "$AB" plan --ffl-alpha nan
# inline comments ('#' or ';' after a blank) are cut; '#' inside a word is kept
printf '[plan]\nmethod = toy  # the toy plugin\nclasses = 2 ; Pullover\nseeds = 5\t# five\n; a comment line\n' > "$T/cm.ini"
printf '[train]  # training\nepochs = 1 ;one\n' >> "$T/cm.ini"
out=$("$AB" plan --config "$T/cm.ini" "${P[@]}" 2>&1) || fail "plan with inline comments: $out"
[ "$(lines "$out" '^[0-9]')" = 1 ] || fail "inline comments: expected 1 cell: $out"
has "$out" "fashion-mnist_p2_c2_toy_none_mse_s5	Pullover" || fail "inline comments not cut: $out"
printf '[plan]\nout = %s/run#1\nmethod = toy\n' "$T" > "$T/hash.ini"
out=$("$AB" plan --config "$T/hash.ini" "${P[@]}" 2>&1) || fail "plan with '#' inside a value: $out"
has "$out" "(out $T/run#1)" || fail "'#' inside a word must stay: $out"
echo "ok: config files"

# ---- flags
expect 2 "--plugin-path /nonexistent: not a folder" "$AB" plan --plugin-path /nonexistent
expect 2 "--plugin-path /nonexistent: not a folder" "$AB" run --plugin-path /nonexistent --out "$T/np"
expect 2 "--plugin-path /etc/passwd: not a folder" "$AB" plan --plugin-path "$GOOD:/etc/passwd"
printf '[plan]\nplugin_path = /nonexistent\n' > "$T/pp.ini"
expect 2 "pp.ini:2: key 'plugin-path' /nonexistent: not a folder" "$AB" plan --config "$T/pp.ini"
expect 2 "--plugin-path /nonexistent: not a folder" "$AB" list --plugin-path /nonexistent
for sh in 4294967297/4294967298 1/4294967298 -1/2 1/0 1/ /2 1/2x 0x1/2 " 1/2"; do
  expect 2 "--shard '$sh': expected I/N" "$AB" plan --shard "$sh" "${P[@]}" --method toy
done
out=$("$AB" plan --shard 2147483646/2147483647 "${P[@]}" --method toy 2>&1) || fail "--shard at INT_MAX: $out"
has "$out" "shard 2147483646/2147483647: 0" || fail "--shard at INT_MAX: $out"
echo "ok: flags"

# ---- variant names that make a cell id too long: refused at plan time, one line
long=$(printf 'v%.0s' $(seq 1 240))
expect 2 "the cell id would be" "$AB" plan "${P[@]}" --method "toy@${long}1,toy@${long}2"
expect 2 "hint: shorten the variant name" "$AB" run "${TINY[@]}" --method "toy@${long}1" --out "$T/long"
[ "$(nfiles "$T/long/manifests/"*)" = 0 ] || fail "a cell with a too-long id started"
rc=0; out=$("$AB" plan "${P[@]}" --method "toy@${long}" 2>&1) || rc=$?
[ "$rc" = 2 ] && [ "$(wc -l <<< "$out")" = 1 ] || fail "too-long id: expected one line and exit 2, got $rc: $out"
echo "ok: cell ids"

# ---- a FIFO named records/<cell>.json: plan, report and run --resume go on
F=(--method toy --classes 0,1 --out "$T/ff" --quiet)
expect 0 "" "${TO[@]}" "$AB" run "${TINY[@]}" --method toy --classes 0 --out "$T/ff" --quiet --no-report
fifo="$T/ff/records/fashion-mnist_p2_c1_toy_none_mse_s1.json"
mkfifo "$fifo"
mkfifo "$T/ff/records/x.json"
rc=0; out=$("${TO[@]}" "$AB" plan "${TINY[@]}" "${F[@]}" 2>&1) || rc=$?
[ "$rc" = 0 ] || fail "plan with a FIFO record exited $rc (124: it hung): $out"
has "$out" "fashion-mnist_p2_c1_toy_none_mse_s1	Trouser	corrupt" || fail "a FIFO record must read as corrupt: $out"
has "$out" "fashion-mnist_p2_c0_toy_none_mse_s1	T-shirt/top	done" || fail "plan: $out"
rc=0; out=$("${TO[@]}" "$AB" report "$T/ff" -o "$T/ff/rep" --quiet 2>&1) || rc=$?
[ "$rc" = 0 ] || fail "report with a FIFO record exited $rc (124: it hung): $out"
has "$out" "x.json: a FIFO (named pipe), not a regular file" || fail "report must name the FIFO record: $out"
rc=0; out=$("${TO[@]}" "$AB" run "${TINY[@]}" "${F[@]}" --no-report 2>&1) || rc=$?
[ "$rc" = 0 ] || fail "run --resume with a FIFO record exited $rc (124: it hung): $out"
[ -f "$fifo" ] && [ "$(field "$fifo" status)" = '"done"' ] || fail "the FIFO cell was not redone"
echo "ok: FIFO records"

# ---- start-up removes the temporary files of dead writers only (the pid is in the name)
mkdir -p "$T/tmpk/.partial"
sleep 0 &
dead=$!
wait "$dead"
: > "$T/tmpk/.partial/.a.json.p$$.1f.tmp"        # this shell: alive
: > "$T/tmpk/.partial/.b.json.p$dead.2f.tmp"     # gone
: > "$T/tmpk/.partial/c.json.123.tmp"            # an old-style name
expect 0 "" "$AB" run "${TINY[@]}" --method toy --classes 0 --out "$T/tmpk" --quiet --no-report
[ -e "$T/tmpk/.partial/.a.json.p$$.1f.tmp" ] || fail "a live writer's temporary file was deleted"
[ ! -e "$T/tmpk/.partial/.b.json.p$dead.2f.tmp" ] && [ ! -e "$T/tmpk/.partial/c.json.123.tmp" ] ||
  fail "stale temporary files were kept: $(ls -a "$T/tmpk/.partial")"
echo "ok: stale temporary files"

# ---- an --out that cannot be written fails before any cell trains
# (a) records/ is a file where a folder should be (mkdir said EEXIST; the rename failed after training)
mkdir -p "$T/rf"
: > "$T/rf/records"
rc=0; out=$("$AB" run "${TINY[@]}" --method toy --classes 0 --out "$T/rf" --quiet --no-report 2>&1) || rc=$?
[ "$rc" = 1 ] && [ "$(wc -l <<< "$out")" = 1 ] || fail "records/ as a file: expected one line and exit 1, got $rc: $out"
has "$out" "--out $T/rf: cannot create files in $T/rf/records: Not a directory" || fail "records/ as a file: $out"
[ "$(nfiles "$T/rf/manifests/"*)" = 0 ] || fail "a cell started although records/ cannot be written"
# (b) a read-only folder: permissions (not root) or a read-only mount (root, with unshare)
ro_run() { # ro_run DIR: run a toy cell into the read-only DIR; output in $out, exit code in $rc
  rc=0
  out=$("${TO[@]}" "$AB" run "${TINY[@]}" --method toy --classes 0 --out "$1" --quiet --no-report 2>&1) || rc=$?
}
if [ "$(id -u)" != 0 ]; then
  mkdir -p "$T/ro/out/records" "$T/ro/out/manifests" "$T/ro/out/figure4" "$T/ro/out/.partial"
  chmod -R a-w "$T/ro/out"
  ro_run "$T/ro/out"
  chmod -R u+w "$T/ro/out"
  [ "$rc" = 1 ] || fail "read-only --out: exit $rc: $out"
  has "$out" "cannot create files in $T/ro/out" || fail "read-only --out not found up front: $out"
  echo "ok: read-only --out (permissions)"
elif unshare -m true 2> /dev/null; then
  mkdir -p "$T/ro"
  rc=0
  out=$(unshare -m bash -c '
    mount -t tmpfs -o size=8m tmpfs "$1" && mkdir -p "$1/out/records" "$1/out/manifests" "$1/out/figure4" \
      "$1/out/.partial" && mount -o remount,ro "$1" || exit 99
    shift; exec "$@"' _ "$T/ro" "${TO[@]}" "$AB" run "${TINY[@]}" --method toy --classes 0 --out "$T/ro/out" \
      --quiet --no-report 2>&1) || rc=$?
  [ "$rc" != 99 ] || fail "could not set up a read-only mount: $out"
  [ "$rc" = 1 ] || fail "read-only --out: exit $rc: $out"
  has "$out" "--out $T/ro/out: cannot create files in $T/ro/out: Read-only file system" ||
    fail "read-only --out not found up front: $out"
  echo "ok: read-only --out (read-only mount)"
else
  echo "note: running as root without unshare: the read-only mount case is not tried (records/ as a file was)"
fi
echo "PASS"
