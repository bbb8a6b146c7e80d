#!/usr/bin/env bash
# Installs the SDK into a temporary prefix, builds the two example noise
# plugins (noise_uniform.c, noise_learned.c: a learning one) out of tree
# against it with pkg-config, and trains with each through alcnbench
# --plugin-path on a small slice of Fashion-MNIST.
# usage: test_sdk_install.sh BUILD_DIR SOURCE_DIR
set -euo pipefail
build=$1 src=$2
tmp=$(mktemp -d /tmp/alcn-sdk-XXXXXX)
trap 'rm -rf "$tmp"' EXIT

cmake --install "$build" --prefix "$tmp/prefix" >/dev/null
pc=$(find "$tmp/prefix" -name alcnbench.pc -print -quit)
[[ -n $pc ]] || { echo "FAIL: alcnbench.pc not installed"; exit 1; }
export PKG_CONFIG_PATH=$(dirname "$pc")
for h in plugin.h options.h backend.h rng.h; do
  [[ -f $tmp/prefix/include/alcn/$h ]] || { echo "FAIL: header alcn/$h not installed"; exit 1; }
done

mkdir -p "$tmp/plug"
for ex in noise_uniform noise_learned; do
  cp "$src/plugins/examples/$ex.c" "$tmp/plug/"
  (cd "$tmp/plug" && cc -std=c11 -Wall -Wextra -Werror -shared -fPIC -O2 $ex.c \
     $(pkg-config --cflags --libs alcnbench) -o $ex.so)
done

# The installed library, not the build tree's, resolves the plugin's symbols.
# (ldd into a variable first: with pipefail, grep -q closing the pipe early fails the pipeline)
deps=$(ldd "$tmp/plug/noise_uniform.so")
[[ $deps == *"$tmp/prefix"* ]] || { echo "FAIL: plugin not linked to the installed libalcn"; echo "$deps"; exit 1; }

bench="$build/bench/alcnbench"
"$bench" list --plugin-path "$tmp/plug" > "$tmp/list.txt"
grep -q "uniform" "$tmp/list.txt" || { echo "FAIL: alcnbench list does not show the example"; cat "$tmp/list.txt"; exit 1; }
grep -q "learned      Learned cut-out" "$tmp/list.txt" || { echo "FAIL: list lacks the learning example"; cat "$tmp/list.txt"; exit 1; }
grep -q "learns: yes" "$tmp/list.txt" || { echo "FAIL: the learning example does not learn"; exit 1; }

"$bench" run --plugin-path "$tmp/plug" --dataset fashion-mnist --protocol p2 --classes 0 --method dae \
  --noise uniform --noise-opt amplitude=0.3 --opt lr=1e-3 --epochs 1 --batch 64 \
  --limit-train 256 --limit-test 256 --seeds 1 --out "$tmp/out" --quiet --no-report
rec=$(ls "$tmp"/out/records/*.json)
grep -q '"status":[[:space:]]*"done"' "$rec" || { echo "FAIL: the cell did not finish"; cat "$rec"; exit 1; }
grep -q '"noise":[[:space:]]*"uniform"' "$rec" || { echo "FAIL: record does not name the noise"; exit 1; }
# the learning example: two epochs, its own loss and the saturation of its pattern recorded
"$bench" run --plugin-path "$tmp/plug" --dataset fashion-mnist --protocol p2 --classes 0 --method dae \
  --noise learned --noise-opt learned:rate=0.3 --opt lr=1e-3 --epochs 2 --batch 64 \
  --limit-train 256 --limit-test 256 --seeds 1 --out "$tmp/out2" --quiet --no-report
rec=$(ls "$tmp"/out2/records/*.json)
grep -q '"status":[[:space:]]*"done"' "$rec" || { echo "FAIL: the learned-noise cell did not finish"; cat "$rec"; exit 1; }
aux=$(python3 -c 'import json,sys; r=json.load(open(sys.argv[1])); a=r["epoch_aux_losses"]; s=r["epoch_noise_saturation"]; print(len(a), all(x is not None and x > 0 for x in a), len(s))' "$rec")
[[ $aux == "2 True 2" ]] || { echo "FAIL: learned noise: aux losses / saturation per epoch: $aux"; exit 1; }
# find_package(alcnbench) in a user's CMake project builds the example too
mkdir -p "$tmp/cm"
cp "$src/plugins/examples/noise_uniform.c" "$tmp/cm/"
cat > "$tmp/cm/CMakeLists.txt" <<'CM'
cmake_minimum_required(VERSION 3.16)
project(my_noise C)
find_package(alcnbench 0 REQUIRED)
add_library(noise_uniform MODULE noise_uniform.c)
target_link_libraries(noise_uniform PRIVATE alcnbench::alcn)
set_target_properties(noise_uniform PROPERTIES PREFIX "")
CM
cmake -S "$tmp/cm" -B "$tmp/cm/build" -DCMAKE_PREFIX_PATH="$tmp/prefix" >/dev/null
cmake --build "$tmp/cm/build" >/dev/null
[[ -f $tmp/cm/build/noise_uniform.so ]] || { echo "FAIL: find_package(alcnbench) build"; exit 1; }

# The installed program runs without the build tree: move the prefix elsewhere
# (relocatable), clear the build's plugin folder from the environment, and
# check that nothing it loads comes from the build tree.
mv "$tmp/prefix" "$tmp/moved"
inst="$tmp/moved/bin/alcnbench"
rp=$(readelf -d "$inst" "$tmp"/moved/lib*/alcnbench/plugins/*.so "$tmp"/moved/lib*/libalcn*.so.* | grep -E "RPATH|RUNPATH" || true)
[[ $rp != *"$build"* && -n $rp ]] || { echo "FAIL: installed RPATH/RUNPATH names the build tree or is empty: $rp"; exit 1; }
list=$(env -u ALCN_PLUGIN_DIR -u LD_LIBRARY_PATH "$inst" list)
[[ $list == *"$tmp/moved/lib"*"/alcnbench/plugins/alcn_dae.so"* ]] || { echo "FAIL: installed list: $list"; exit 1; }
[[ $list != *"$build/plugins"* ]] || { echo "FAIL: the installed program read the build's plugins: $list"; exit 1; }
deps=$(env -u LD_LIBRARY_PATH ldd "$inst")
[[ $deps == *"$tmp/moved/"*"libalcn_host"* && $deps != *"$build"* ]] || { echo "FAIL: installed ldd: $deps"; exit 1; }
env -u ALCN_PLUGIN_DIR -u LD_LIBRARY_PATH "$inst" run --dataset fashion-mnist --protocol p2 --classes 0 --method dae \
  --noise none --opt lr=1e-3 --epochs 1 --batch 64 --limit-train 256 --limit-test 256 --out "$tmp/out3" --quiet --no-report
rec=$(ls "$tmp"/out3/records/*.json)
grep -q '"status":[[:space:]]*"done"' "$rec" || { echo "FAIL: installed run: cell not done"; cat "$rec"; exit 1; }
grep -q "\"method_file\":[[:space:]]*\"$tmp/moved/" "$rec" || { echo "FAIL: installed run used another plugin"; exit 1; }
echo "1 passed, 0 failed"
