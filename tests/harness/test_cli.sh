#!/bin/bash
# alcnbench flags, config file and errors: unknown flags / keys / names are
# refused naming them (exit 2) and listing valid names; config + flag
# precedence; shards; a name or "all" given twice; a failing cell (NaN loss)
# is recorded and the run goes on.
set -euo pipefail
. "$(dirname "$0")/common.sh"

expect 2 "--bogus" "$AB" run --bogus
expect 2 "--epochs: 'abc' is not an integer" "$AB" plan --epochs abc
expect 2 "--batch: '12x' is not an integer" "$AB" plan --batch=12x
expect 2 "--val-fraction" "$AB" plan --val-fraction 2
expect 2 "--seeds" "$AB" plan --seeds 1,x
expect 2 "unknown method 'nope' (valid: " "$AB" plan --method nope --plugin-path "$GOOD"
expect 2 "toy" "$AB" plan --method nope --plugin-path "$GOOD"
expect 2 "unknown noise 'nope' (valid: none" "$AB" plan --method toy --noise nope --plugin-path "$GOOD"
expect 2 "unknown data set 'nope' (valid: fashion-mnist" "$AB" plan --dataset nope --method toy --plugin-path "$GOOD"
expect 2 "unknown protocol 'p9' (valid: p1, p2" "$AB" plan --protocol p9 --method toy --plugin-path "$GOOD"
expect 2 "unknown loss 'huber'" "$AB" plan --loss huber --method toy --plugin-path "$GOOD"
expect 2 "class 12 is out of range" "$AB" plan --classes 12 --method toy --plugin-path "$GOOD"
expect 2 "no class 'Sneakers'" "$AB" plan --classes Sneakers --method toy --plugin-path "$GOOD"
expect 2 "--shard '2/2'" "$AB" plan --shard 2/2
expect 2 "'nope' is not a method plugin (valid: " "$AB" plan --method toy --opt nope:lr=1 --plugin-path "$GOOD"
expect 2 "unknown device 'tpu'" "$AB" plan --device tpu
expect 2 "unknown command" "$AB" frobnicate

# config file errors name the file, the line and the key
printf '[plan]\nmethod = toy\n[train]\nepoch = 3\n' > "$T/k.ini"
expect 2 "k.ini:4: unknown key 'epoch' in [train]" "$AB" plan --config "$T/k.ini"
printf '[train]\nbatch = 12x\n' > "$T/n.ini"
expect 2 "n.ini:2: key 'batch': '12x' is not an integer" "$AB" plan --config "$T/n.ini"
printf '[trian]\n' > "$T/s.ini"
expect 2 "unknown section [trian]" "$AB" plan --config "$T/s.ini"
printf 'epochs = 2\n' > "$T/b.ini"
expect 2 "before any [section]" "$AB" plan --config "$T/b.ini"
expect 2 "cannot open" "$AB" plan --config "$T/missing.ini"

# a good config; flags override it; shards split the cells by index
cat > "$T/good.ini" <<INI
# comment
[plan]
dataset = fashion-mnist
method = toy
classes = 0, 1, Coat
seeds = 1,2
out = $T/out-cfg
[train]
epochs = 2
limit_train = 100
[method.toy]
sleep_ms = 0
INI
out=$("$AB" plan --config "$T/good.ini" --plugin-path "$GOOD") || fail "plan --config: $out"
[ "$(lines "$out" '^[0-9]')" = 6 ] || fail "expected 6 cells: $out"
has "$out" "fashion-mnist_p2_c4_toy_none_mse_s2	Coat	pending" || fail "class by name: $out"
out=$("$AB" plan --config "$T/good.ini" --plugin-path "$GOOD" --classes 3 --seeds 7) || fail "plan override: $out"
[ "$(lines "$out" '^[0-9]')" = 1 ] || fail "flags must override the config: $out"
has "$out" "c3_toy_none_mse_s7" || fail "override: $out"
out=$("$AB" plan --config "$T/good.ini" --plugin-path "$GOOD" --shard 1/2) || fail "plan --shard 1/2: $out"
[ "$(grep '^[0-9]' <<< "$out" | cut -f1 | tr '\n' ' ')" = "1 3 5 " ] || fail "shard 1/2: $out"
echo "ok: config, precedence, shards"

# "all" (or a name) given more than once: the same plan as once, first occurrence
# first (the id lists were sized as if each "all" added one entry: heap overflow)
plan_ok() { # plan_ok ARGS...: the plan's output in $out; fails the test on a non-zero exit
  local rc=0
  out=$("$AB" plan --plugin-path "$GOOD" --out "$T/dup" "$@" 2>&1) || rc=$?
  [ "$rc" = 0 ] || fail "plan $* exited $rc: $out"
}
plan_ok --method all --noise all --classes all
once=$out
n_once=$(lines "$once" '^[0-9]')
[ "$n_once" -ge 10 ] || fail "plan --method all --noise all --classes all: only $n_once cells: $once"
many=all
for _ in $(seq 1 31); do many=$many,all; done
for args in "--method all,all,all,all --noise all --classes all" "--method all --noise all,all,all --classes all" \
            "--method all --noise all --classes all,all" "--method $many --noise $many --classes $many"; do
  # shellcheck disable=SC2086
  plan_ok $args
  [ "$(lines "$out" '^[0-9]')" = "$n_once" ] || fail "plan $args: not the $n_once cells of 'all' once: $out"
  [ "$out" = "$once" ] || fail "plan $args differs from 'all' given once"
done
plan_ok --method toy,all,toy --noise none,all --classes 3,all,3,Coat
[ "$(lines "$out" '^[0-9]')" = "$n_once" ] || fail "plan with names beside 'all': not $n_once cells: $out"
first=$(grep -m1 '^[0-9]' <<< "$out")
has "$first" "fashion-mnist_p2_c3_toy_none_mse_s1" || fail "the first occurrence must come first: $first"
echo "ok: repeated names and 'all' give each cell once"

# list names plugins, files and each option's default, range and doc
out=$("$AB" list --plugin-path "$GOOD") || fail "list: $out"
has "$out" "harness_toy.so" || fail "list: $out"
has "$out" "sleep_ms=0  integer [0..600000]  sleep per training batch" || fail "list options: $out"
has "$out" "shortnoise" || fail "list: the short-descriptor plugin: $out"

# plugin options are checked at plan time, before any cell runs (exit 2)
expect 2 "unknown option 'lrr' (valid: lr, beta1, beta2, eps, weight_decay, arch)" \
  "$AB" plan "${TINY[@]}" --method dae --noise none --opt dae:lrr=1e-3
expect 2 "option lr=-1 is out of range (valid: (0, 10])" "$AB" plan "${TINY[@]}" --method dae --noise none --opt dae:lr=-1
expect 2 "beta1=2 is out of range" "$AB" plan "${TINY[@]}" --method dae --noise none --opt dae:beta1=2
expect 2 "alpha=step is not one of batch|image" "$AB" plan "${TINY[@]}" --method dae --noise alcn --noise-opt alcn:alpha=step
expect 2 "'dea' is not a method plugin (valid: " "$AB" plan "${TINY[@]}" --method dae --noise none --opt dea:lr=1e-3

# a NaN loss fails its cell with the reason; the next cell still runs; exit 1
expect 1 "FAILED" "$AB" run "${TINY[@]}" --method toy --classes 0,1 --opt toy:nan_epoch=1 --out "$T/nan" --no-report
for c in 0 1; do
  r="$T/nan/records/fashion-mnist_p2_c${c}_toy_none_mse_s1.json"
  [ "$(field "$r" status)" = '"failed"' ] || fail "NaN cell $c not failed: $(cat "$r")"
  has "$(field "$r" reason)" "method toy: the training loss became nan at step 0" || fail "reason: $(field "$r" reason)"
done
# a failed attempt never replaces a done record (--no-resume retrains; its NaN keeps the finished result)
expect 0 "" "$AB" run "${TINY[@]}" --method toy --classes 0 --out "$T/keep" --no-report
r="$T/keep/records/fashion-mnist_p2_c0_toy_none_mse_s1.json"
[ "$(field "$r" status)" = '"done"' ] || fail "keep: first run not done: $(cat "$r")"
before=$(cat "$r")
expect 1 "earlier done record" "$AB" run "${TINY[@]}" --method toy --classes 0 --opt toy:nan_epoch=1 --no-resume \
  --out "$T/keep" --no-report
[ "$(cat "$r")" = "$before" ] || fail "a failed attempt replaced the done record: $(cat "$r")"
# an option the plugin refuses stops the run before any cell trains (exit 2, no record)
expect 2 "unknown option 'bogus' (valid: sleep_ms, nan_epoch, fail_create)" \
  "$AB" run "${TINY[@]}" --method toy --classes 0 --opt bogus=1 --out "$T/opt" --no-report
[ "$(nfiles "$T"/opt/records/*.json)" = 0 ] || fail "a refused option still trained a cell"
# a create that fails for another reason is a failed cell naming it
expect 1 "fail_create=1" "$AB" run "${TINY[@]}" --method toy --classes 0 --opt toy:fail_create=1 --out "$T/opt" --no-report
# the failed cells are retried by the next run (resume skips only done ones)
expect 0 "2 to run, 0 already done" "$AB" run "${TINY[@]}" --method toy --classes 0,1 --out "$T/nan" --no-report
[ "$(field "$T/nan/records/fashion-mnist_p2_c1_toy_none_mse_s1.json" status)" = '"done"' ] || fail "retry"
expect 0 "0 to run, 2 already done" "$AB" run "${TINY[@]}" --method toy --classes 0,1 --out "$T/nan" --no-report
expect 0 "2 to run" "$AB" run "${TINY[@]}" --method toy --classes 0,1 --out "$T/nan" --no-report --no-resume

# variants: one plugin under several option sets side by side (id@variant);
# a variant's options win over the plugin's, whatever their order
expect 1 "FAILED" "$AB" run "${TINY[@]}" --method toy,toy@nan,toy@slow --classes 0 --opt toy@nan:nan_epoch=1 \
  --opt toy:nan_epoch=0 --opt toy@slow:sleep_ms=1 --out "$T/var"
rv="$T/var/records/fashion-mnist_p2_c0_toy"
[ "$(field "${rv}_none_mse_s1.json" status)" = '"done"' ] || fail "plain toy: $(cat "${rv}_none_mse_s1.json")"
[ "$(field "${rv}@slow_none_mse_s1.json" status)" = '"done"' ] || fail "toy@slow: $(cat "${rv}@slow_none_mse_s1.json")"
[ "$(field "${rv}@nan_none_mse_s1.json" status)" = '"failed"' ] || fail "toy@nan did not get nan_epoch=1"
[ "$(field "${rv}@nan_none_mse_s1.json" method)" = '"toy@nan"' ] || fail "record method of a variant"
"$AB" report "$T/var" -o "$T/var/rep" --quiet || fail "report of a plan with variants"
grep -q "Toy \[slow\]" "$T/var/rep/report.md" || fail "variant label (the descriptor's label, Toy) missing from the report"
expect 2 "write a variant as id@name" "$AB" plan --method toy@ --plugin-path "$GOOD"
expect 2 "'toy@x' is not a method of this plan" "$AB" plan --method toy@y --opt toy@x:sleep_ms=1 --plugin-path "$GOOD"
echo "ok: variants"
echo "PASS"
