#!/bin/bash
# The Slurm test under CI=true: when the daemons cannot start (here: stand-in
# munged, slurmctld, slurmd... that exit at once), test_slurm.sh must fail
# (exit 1) rather than skip (77), which would hide a broken CI setup; without
# CI=true the same case is a skip.
set -euo pipefail
. "$(dirname "$0")/common.sh"

mkdir -p "$T/bin"
for c in munged slurmctld slurmd sbatch squeue scontrol sinfo; do
  printf '#!/bin/sh\nexit 1\n' > "$T/bin/$c"
  chmod +x "$T/bin/$c"
done
slurm_test="$(dirname "$0")/test_slurm.sh"
rc=0; out=$(CI=true PATH="$T/bin:$PATH" bash "$slurm_test" "$AB" "$GOOD" 2>&1) || rc=$?
[ "$rc" = 1 ] || fail "CI=true, daemons that do not start: test_slurm.sh exited $rc, expected 1: $out"
has "$out" "munged did not start" || fail "CI=true: the failure does not say why: $out"
echo "ok: CI=true -> exit 1 ($(grep -m1 '^FAIL' <<< "$out"))"
rc=0; out=$(env -u CI PATH="$T/bin:$PATH" bash "$slurm_test" "$AB" "$GOOD" 2>&1) || rc=$?
[ "$rc" = 77 ] || fail "without CI, daemons that do not start: test_slurm.sh exited $rc, expected 77 (skip): $out"
echo "ok: without CI -> skipped (77)"
echo "PASS"
