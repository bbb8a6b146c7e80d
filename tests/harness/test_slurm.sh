#!/bin/bash
# Slurm end to end: start a one-node Slurm (munged, slurmctld, slurmd; config,
# state and logs under a temp folder, foreground daemons stopped by pid),
# submit a 4-cell plan as an array of 2 shards plus the dependent report job
# with bench/scripts/slurm/submit.sh, wait (bounded), check the records and the
# report. Installs nothing (CI installs the Debian packages slurm-wlm and
# munge); skips (77) only when the daemons cannot start, and fails instead when
# CI=true (.ci/run), where a Slurm that cannot start is a broken setup.
set -euo pipefail
. "$(dirname "$0")/common.sh"
SRC=$(cd "$(dirname "$0")/../.." && pwd)

skip() {
  if [ "${CI:-}" = true ]; then fail "$* (CI=true: the Slurm test must run in CI, so this is a failure, not a skip)"; fi
  echo "skip: $*"
  exit 77
}
for c in munged slurmctld slurmd sbatch squeue scontrol sinfo; do
  command -v $c > /dev/null || skip "$c not found: the daemons cannot start (install slurm-wlm and munge)"
done

pids=()
stop_all() { # EXIT trap: stop every daemon (some may have exited already), remove $T
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  for p in "${pids[@]}"; do
    for _ in $(seq 1 50); do kill -0 "$p" 2>/dev/null || break; sleep 0.1; done
    kill -9 "$p" 2>/dev/null || true
  done
  rm -rf "$T"
}
trap stop_all EXIT
logs() { # diagnostics only: missing logs are not an error
  for f in "$T"/munged.log "$T"/slurmctld.log "$T"/slurmd.log "$T"/*.out; do
    if [ -f "$f" ]; then echo "== $f"; tail -n 15 "$f"; fi
  done
}

# munge with its own key and socket
mkdir -p "$T/munge" "$T/state" "$T/spool" "$T/jobs"
chmod 755 "$T/munge"
dd if=/dev/urandom of="$T/munge/munge.key" bs=1024 count=1 2> /dev/null
chmod 400 "$T/munge/munge.key"
munged -F --force --key-file="$T/munge/munge.key" --socket="$T/munge/munge.sock" \
  --pid-file="$T/munge/munged.pid" --seed-file="$T/munge/munge.seed" --log-file="$T/munged.log" > "$T/munged.out" 2>&1 &
pids+=($!)
for _ in $(seq 1 50); do [ -S "$T/munge/munge.sock" ] && break; sleep 0.1; done
[ -S "$T/munge/munge.sock" ] || { logs; skip "munged did not start"; }

host=$(hostname -s)
user=$(id -un)
port=$((20000 + RANDOM % 20000))
cat > "$T/slurm.conf" <<CONF
ClusterName=alcntest
SlurmctldHost=$host(127.0.0.1)
SlurmctldPort=$port
SlurmdPort=$((port + 1))
SlurmUser=$user
SlurmdUser=$user
AuthType=auth/munge
CredType=cred/munge
AuthInfo=socket=$T/munge/munge.sock
StateSaveLocation=$T/state
SlurmdSpoolDir=$T/spool
SlurmctldPidFile=$T/slurmctld.pid
SlurmdPidFile=$T/slurmd.pid
SlurmctldLogFile=$T/slurmctld.log
SlurmdLogFile=$T/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SwitchType=switch/none
MpiDefault=none
SchedulerType=sched/builtin
SelectType=select/cons_tres
SelectTypeParameters=CR_CPU
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
ReturnToService=2
SlurmdTimeout=30
InactiveLimit=0
NodeName=$host NodeAddr=127.0.0.1 CPUs=$(nproc) State=UNKNOWN
PartitionName=test Nodes=$host Default=YES MaxTime=INFINITE State=UP
CONF
export SLURM_CONF="$T/slurm.conf"
slurmctld -D -i -f "$SLURM_CONF" > "$T/slurmctld.out" 2>&1 &
pids+=($!)
slurmd -D -f "$SLURM_CONF" -N "$host" > "$T/slurmd.out" 2>&1 &
pids+=($!)
up=0
for _ in $(seq 1 300); do
  if [ "$(sinfo -h -o %T 2>/dev/null)" = idle ]; then up=1; break; fi
  sleep 0.1
done
[ $up = 1 ] || { logs; skip "slurmctld/slurmd did not bring the node up (sinfo: $(sinfo -h 2>&1))"; }
echo "ok: one-node Slurm up ($host, port $port)"

# 4 cells, 2 shards, then the report
cd "$T/jobs"
export ALCNBENCH="$AB"
out=$("$SRC/bench/scripts/slurm/submit.sh" -n 2 -a "--cpus-per-task=1" -- "${TINY[@]}" --method toy --classes 0,1,2,3 \
      --out "$T/out") || fail "submit: $out"
echo "$out"
read -r array report < "$T/out/slurm-jobs.txt" || fail "no job ids in $T/out/slurm-jobs.txt"
done_=0
for _ in $(seq 1 1500); do  # at most 5 minutes
  if [ -z "$(squeue -h -j "$array,$report" 2>/dev/null)" ]; then done_=1; break; fi
  sleep 0.2
done
[ $done_ = 1 ] || { squeue || true; logs; fail "jobs did not finish in 5 minutes"; }
for f in "$T"/jobs/*.out; do
  if [ -f "$f" ]; then echo "== $f"; tail -n 5 "$f"; fi
done

n=$(nfiles "$T"/out/records/*.json)
[ "$n" = 4 ] || fail "expected 4 records, got $n"
for r in "$T"/out/records/*.json; do
  [ "$(field "$r" status)" = '"done"' ] || fail "$r: not done"
done
# each shard ran its own cells: 0,2 and 1,3
for k in 0 1; do
  sh=$(grep -o '"shard":"[0-9]*/[0-9]*"' "$T/out/records/fashion-mnist_p2_c${k}_toy_none_mse_s1.json") ||
    fail "no shard in the record of class $k"
  [ "$sh" = "\"shard\":\"$k/2\"" ] || fail "class $k ran in $sh"
done
# `report` without arguments is a usage error (non-zero); its message says
# whether this build has a report generator
rc=0; rep=$("$AB" report 2>&1) || rc=$?
[ "$rc" != 0 ] || fail "report without arguments exited 0: $rep"
if has "$rep" "no report generator"; then
  grep -q "no report generator" "$T"/jobs/alcnbench-report-*.out || fail "report job: $(cat "$T"/jobs/alcnbench-report-*.out)"
  echo "note: this build has no report generator; the report job ran and said so"
else
  [ -s "$T/out/report/report.md" ] || fail "no report at $T/out/report/report.md: $(cat "$T"/jobs/alcnbench-report-*.out)"
fi
echo "PASS: 4 records from 2 array tasks and the dependent report job"
