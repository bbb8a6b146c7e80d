#!/bin/bash
# One parser for every subcommand (core/src/args.c): --help on each (exit 0),
# "did you mean" for unknown flags and commands (exit 2), usage mistakes 2 and
# data/IO errors 1, messages without internal file:line frames unless
# --verbose, `run` without a data set or config prints usage (exit 2), INI
# inline comments, the tuned DAE rate without --config. Cell labels: a record
# carries the descriptors' labels, and a record written before labels existed
# renders with the plugin's label.
set -euo pipefail
. "$(dirname "$0")/common.sh"

for cmd in list plan run report data table5 compare; do
  rc=0
  out=$("$AB" $cmd --help 2>&1) || rc=$?
  [ "$rc" = 0 ] || fail "$cmd --help exited $rc: $out"
  has "$out" "usage" || fail "$cmd --help prints no usage: $out"
done
echo "ok: --help on every subcommand"

expect 2 "unknown option '--epoch' (did you mean --epochs?)" "$AB" run --epoch 3
expect 2 "did you mean --plugin-path?" "$AB" list --plugin-pth x
expect 2 "did you mean --dataset?" "$AB" data info --datset mnist
expect 2 "did you mean --iters?" "$AB" table5 --iter 3
expect 2 "did you mean --format?" "$AB" report x -o y --fromat png
expect 2 "unknown command 'lsit' (did you mean list?)" "$AB" lsit
expect 2 "name a data set (--dataset) or a plan file (--config)" "$AB" run
expect 2 "usage: alcnbench run|plan" "$AB" run --out "$T/never"
[ ! -e "$T/never" ] || fail "run without a data set started a plan"
expect 2 "--iters: 'abc' is not an integer" "$AB" table5 --iters abc

# data and I/O errors: exit 1, one line, no internal call frames
rc=0
out=$("$AB" run --dataset fashion-mnist --root "$T/nope" --method toy --classes 0 --plugin-path "$GOOD" \
      --out "$T/io" --no-report 2>&1) || rc=$?
[ "$rc" = 1 ] || fail "missing root exited $rc, expected 1: $out"
[ "$(lines "$out" .)" = 1 ] || fail "missing root: more than one line: $out"
if grep -qE '[a-z_]+\.c:[0-9]+:' <<< "$out"; then fail "internal call frame without --verbose: $out"; fi
rc=0
out=$("$AB" run --verbose --dataset fashion-mnist --root "$T/nope" --method toy --classes 0 --plugin-path "$GOOD" \
      --out "$T/io" --no-report 2>&1) || rc=$?
[ "$rc" = 1 ] || fail "missing root --verbose exited $rc: $out"
has "$out" "  from " || fail "--verbose shows no call frames: $out"
expect 1 "cannot load the data set" "$AB" data info --dataset mnist --root "$T/nope"
echo "ok: exit codes and messages"

# INI inline comments ('#' or ';' after a blank), documented in the README
cat > "$T/c.ini" <<INI
[plan]
method = toy   # the test plugin
classes = 0,1  ; two classes
[train]
epochs = 2 # two
INI
out=$("$AB" plan --config "$T/c.ini" --plugin-path "$GOOD" --out "$T/ini") || fail "plan with inline comments: $out"
[ "$(lines "$out" '^[0-9]')" = 2 ] || fail "inline comments: expected 2 cells: $out"
has "$out" "c1_toy_none_mse_s1" || fail "inline comments: $out"
printf '[train]\nepoch = 3\n' > "$T/k.ini"
expect 2 "unknown key 'epoch' in [train] (did you mean epochs?)" "$AB" plan --config "$T/k.ini"
echo "ok: INI inline comments"

# labels: the record carries them; without them (an old record) the plugin's descriptor names the cell
"$AB" run "${TINY[@]}" --method dae,toy --noise alcn --classes 0 --out "$T/lab" --no-report --quiet || fail "label run"
rec="$T/lab/records/fashion-mnist_p2_c0_dae_alcn_mse_s1.json"
[ "$(field "$rec" method_label)" = '"DAE"' ] || fail "record lacks method_label DAE: $(cat "$rec")"
[ "$(field "$rec" noise_label)" = '"ALCN"' ] || fail "record lacks noise_label ALCN"
# without --config the DAE trains at the tuned rate of bench/configs/default.ini
[ "$(field "$rec" method_opts)" = '["lr=1e-3"]' ] || fail "run without --config: DAE lr not the tuned 1e-3"
toy="$T/lab/records/fashion-mnist_p2_c0_toy_none_mse_s1.json"
[ "$(field "$toy" method_label)" = '"Toy"' ] || fail "record lacks method_label Toy"
[ "$(field "$toy" noise_label)" = 'null' ] || fail "toy hosts no noise: noise_label should be null"
mkdir -p "$T/old/records"
sed -e 's/"method_label":"DAE",//' -e 's/"noise_label":"ALCN",//' "$rec" > "$T/old/records/${rec##*/}"
old=$(cat "$T/old/records/${rec##*/}")
if has "$old" "method_label"; then fail "labels not removed"; fi
"$AB" report "$T/old" -o "$T/old/rep" --quiet || fail "report of an old record"
has "$(cat "$T/old/rep/results.csv")" ",dae,alcn,,DAE+ALCN," || fail "old record: not named by the descriptors"
ALCN_PLUGIN_DIR="$T/none" "$AB" report "$T/old" -o "$T/old/rep2" --quiet || fail "report without plugins"
has "$(cat "$T/old/rep2/results.csv")" ",dae,alcn,,dae+alcn," || fail "no plugins: the ids should stand as the label"
# a record's own labels win over the plugins'
sed -e 's/"method_label":"DAE"/"method_label":"MyDAE"/' "$rec" > "$T/old/records/${rec##*/}"
"$AB" report "$T/old" -o "$T/old/rep3" --quiet || fail "report of a relabelled record"
has "$(cat "$T/old/rep3/results.csv")" ",dae,alcn,,MyDAE+ALCN," || fail "the record's own labels are not used"
echo "ok: labels"
