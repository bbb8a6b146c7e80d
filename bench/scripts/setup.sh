#!/usr/bin/env bash
# Installs every Debian package ALCN-Bench needs (when run as root and one is
# missing), then configures and builds into ${ALCN_BUILD_DIR:-build}.
# Used by the README's two commands and by CI.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
build=${ALCN_BUILD_DIR:-$here/build}

packages=(build-essential cmake pkg-config check libopenblas-dev libfftw3-dev zlib1g-dev libpng-dev
          libturbojpeg0-dev libcjson-dev gnuplot-nox dataset-fashion-mnist clang libclang-rt-14-dev
          python3 xz-utils)
# Callers add their own (tests/run.sh: the Slurm test's daemons).
read -r -a extra <<< "${ALCN_EXTRA_PACKAGES:-}"
packages+=("${extra[@]}")
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  if [[ $(id -u) -ne 0 ]]; then
    echo "setup: missing packages: ${missing[*]} (hint: run as root or: sudo apt-get install ${missing[*]})" >&2
    exit 1
  fi
  echo "setup: installing ${missing[*]}" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -q >&2
  apt-get install -y -q --no-install-recommends "${missing[@]}" >&2
fi

# nvcc is not always on PATH where the toolkit is installed.
if ! command -v nvcc >/dev/null 2>&1 && [[ -x /usr/local/cuda/bin/nvcc ]]; then
  export PATH=/usr/local/cuda/bin:$PATH
fi

jobs=$(nproc 2>/dev/null || echo 2)
cmake -S "$here" -B "$build" -DCMAKE_BUILD_TYPE=Release >&2
cmake --build "$build" -j "$jobs" >&2
echo "$build"
