#!/usr/bin/env bash
# gpu-pack.sh [BUILD_DIR]: build the CUDA backend on this machine (no GPU
# needed) and pack what bench/scripts/gpu-check.sh needs on a GPU machine that
# has a driver, the CUDA toolkit's or PyTorch's CUDA libraries (cuBLAS, cuFFT,
# cuDNN) and python3, but none of the Debian libraries this project links:
#   - the build tree: executables, libalcn*.so, plugins, CTest files;
#   - the runtime libraries they load that are neither CUDA's nor the C/C++
#     runtime's (OpenBLAS, FFTW, cJSON, libpng, libturbojpeg, libgomp, ...),
#     found with ldd;
#   - the PyTorch peer (../shared/peers/torch_alcn.py), which lies outside the
#     repository and would not travel with it.
# Output: <repo>/.gpu/bundle.tar.xz (the folder is git-ignored; about 10 MB),
# then the command to run there. Environment: ALCN_CUDA_ARCHITECTURES (default
# 90: the H100/H200), ALCN_TORCH_PEER (the peer script), ALCN_GPU_PACK_OUT
# (another bundle path), ALCN_GPU_PACK_NO_BUILD=1 (pack BUILD_DIR as it is:
# the test of this script and gpu-check.sh's dry run, tests/bench).
set -euo pipefail
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
build=${1:-$repo/build-gpu}
archs=${ALCN_CUDA_ARCHITECTURES:-90}
peer=${ALCN_TORCH_PEER:-$repo/../shared/peers/torch_alcn.py}
die() { echo "gpu-pack: $*" >&2; exit 1; }
[[ -f $peer ]] || die "no PyTorch peer at $peer (set ALCN_TORCH_PEER)"
command -v nvcc >/dev/null 2>&1 || [[ -x /usr/local/cuda/bin/nvcc ]] ||
  die "nvcc not found (hint: install the CUDA toolkit; a GPU is not needed to build)"
[[ -x /usr/local/cuda/bin/nvcc ]] && export PATH=/usr/local/cuda/bin:$PATH

bundle=${ALCN_GPU_PACK_OUT:-$repo/.gpu/bundle.tar.xz}
if [[ ${ALCN_GPU_PACK_NO_BUILD:-0} != 1 ]]; then
  cmake -S "$repo" -B "$build" -DCMAKE_BUILD_TYPE=Release -DALCN_WITH_CUDA=ON -DALCN_BUILD_TESTS=ON \
    "-DALCN_CUDA_ARCHITECTURES=$archs" >/dev/null
  cmake --build "$build" -j "$(nproc)"
fi
[[ -f $build/kernels/cuda/libalcn_cuda.a ]] ||
  die "the CUDA backend was not built in $build (cuDNN not found? see cmake's warnings)"

stage=$(mktemp -d)
trap 'rm -rf "$stage"' EXIT
mkdir -p "$stage/lib" "$stage/peers"
cp "$peer" "$stage/peers/torch_alcn.py"
printf '%s\n%s\n' "$repo" "$build" >"$stage/origin" # source and build paths inside the CTest files

# The ELF files of the build (executables and shared objects), without
# CMake's scratch and the static libraries (linked in already).
mapfile -t elfs < <(find "$build" -path "$build/CMakeFiles" -prune -o -path '*/CMakeFiles/*' -prune -o \
  -type f \( -perm -u+x -o -name '*.so*' \) -print | while read -r f; do
  [[ $(head -c 4 "$f" | od -An -c | tr -d ' ') == 177ELF ]] && echo "$f"
done)
((${#elfs[@]} > 10)) || die "only ${#elfs[@]} programs found in $build"
# Their libraries, less CUDA's (the GPU machine has its own, matching its
# driver), the C and C++ runtimes and the build's own.
skip='^(libc|libm|libdl|libpthread|librt|libz|ld-linux-x86-64|libgcc_s|libstdc\+\+|libcuda|libcudart|libcublas|libcublasLt|libcufft|libcudnn[a-z_]*|libnvrtc|libalcn[a-z_]*)\.so'
ldd "${elfs[@]}" 2>/dev/null | awk '$2 == "=>" && $3 ~ /^\// {print $1, $3}' | sort -u |
  while read -r name path; do
    [[ $name =~ $skip ]] && continue
    cp -L "$path" "$stage/lib/$name"
  done
ls "$stage/lib" | grep -q '^libopenblas' || die "ldd found no OpenBLAS: is $build a build of this project?"

mkdir -p "$(dirname "$bundle")"
tar -C "$stage" -cf "$stage/rest.tar" lib peers origin
# The build tree, less what no run needs: CMake's scratch, object files, static libraries.
tar -C "$(dirname "$build")" --exclude=CMakeFiles --exclude='*.o' --exclude='*.a' --exclude=Testing \
  -rf "$stage/rest.tar" --transform "s,^$(basename "$build"),build," "$(basename "$build")"
xz -T0 -6 -c "$stage/rest.tar" >"$bundle"
size=$(du -m "$bundle" | cut -f1)
echo "gpu-pack: $bundle, ${size} MB: the build of $build, $(ls "$stage/lib" | wc -l) runtime libraries, the peer"
echo "gpu-pack: on the GPU machine, in the repository's root (carry .gpu):"
echo "  ALCN_GPU_BUNDLE=.gpu/bundle.tar.xz bash bench/scripts/gpu-check.sh \$OUT"
