#!/usr/bin/env bash
# The PyPI PyTorch peer of `alcnbench table5`: a virtual environment with a
# current torch (2.x) and numpy from PyPI, beside Debian's python3-torch.
# table5 finds it by itself (ALCN_PEER_VENV, default
# ~/.cache/alcnbench/peer-venv) and runs it eager and with torch.compile.
#   bash bench/scripts/peer-env.sh [VENV]
# Idempotent: nothing is installed when VENV's python already imports torch.
# The default wheel pulls in the CUDA libraries (about 5 GB; it runs on the
# CPU all the same); ALCN_PEER_PIP_ARGS="--index-url
# https://download.pytorch.org/whl/cpu" takes the CPU-only wheel instead.
set -euo pipefail
die() {
  echo "peer-env.sh: $*" >&2
  exit 1
}
venv=${1:-${ALCN_PEER_VENV:-$HOME/.cache/alcnbench/peer-venv}}
base=${ALCN_PEER_BASE_PYTHON:-python3}
py="$venv/bin/python"
probe='import torch; print(torch.__version__)'

if [ -x "$py" ] && version=$("$py" -c "$probe" 2>/dev/null); then
  echo "peer-env.sh: $venv already has torch $version"
else
  command -v "$base" >/dev/null || die "no $base (apt-get install python3)"
  if [ ! -x "$py" ]; then
    "$base" -m venv "$venv" 2>/dev/null || die "cannot make a venv at $venv with $base (apt-get install python3-venv?)"
  fi
  # shellcheck disable=SC2086 # ALCN_PEER_PIP_ARGS is a list of pip flags
  "$py" -m pip install --upgrade ${ALCN_PEER_PIP_ARGS:-} torch numpy ||
    die "pip install torch numpy into $venv failed (network, or disk space: about 5 GB)"
  version=$("$py" -c "$probe") || die "$py installed torch but cannot import it"
  echo "peer-env.sh: $venv has torch $version"
fi
default="$HOME/.cache/alcnbench/peer-venv"
env_prefix=""
[ "$(cd "$venv" && pwd -P)" = "$(cd "$default" 2>/dev/null && pwd -P)" ] || env_prefix="ALCN_PEER_VENV=$(cd "$venv" && pwd -P) "
echo "table5 runs Debian's /usr/bin/python3 (when it imports torch) and $py, eager and with torch.compile:"
echo "  ${env_prefix}build/bench/alcnbench table5 --shape 1x28x28"
