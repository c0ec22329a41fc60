#!/usr/bin/env bash
# A real single-node Slurm cluster (munged, slurmctld, slurmd from Debian's slurm-wlm) runs a
# planned sweep as a job array; the merge must equal a serial `dream compare` byte for byte,
# also after a task is cancelled and the array resubmitted; one live cell runs --exclusive.
#   tests/slurm/run.sh PATH/TO/dream
# Installs slurm-wlm and munge when missing (as root); where they cannot be had it says so and
# skips. Stops exactly the daemons it started (by pid) and removes its temporary folder.
set -uo pipefail
dream="$(realpath "$1")"
repo="$(cd "$(dirname "$0")/../.." && pwd)"
cd "$repo"
passed=0; failed=0
ok() { echo "  ok    $1"; passed=$((passed + 1)); }
bad() { echo "  FAIL  $1"; failed=$((failed + 1)); }
check() { if eval "$2"; then ok "$1"; else bad "$1"; fi; }
finish() { echo "slurm: $passed passed, $failed failed"; [ "$failed" -eq 0 ]; exit $?; }

if ! command -v slurmctld >/dev/null || ! command -v munged >/dev/null; then
  if [ "$(id -u)" = 0 ]; then
    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq slurm-wlm munge) >/dev/null 2>&1
  fi
fi
if ! command -v slurmctld >/dev/null || ! command -v munged >/dev/null || [ "$(id -u)" != 0 ]; then
  echo "slurm: skipped: slurm-wlm and munge are not installed and cannot be (needs root and apt-get)"
  exit 0
fi

work="$(mktemp -d /tmp/dream-slurm.XXXXXX)"
chmod 755 "$work"
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done
  sleep 1
  for p in "${pids[@]}"; do kill -9 "$p" 2>/dev/null; done
  rm -rf "$work"
}
trap cleanup EXIT

# munge: a key of our own, its socket and pid under $work.
mkdir -p "$work/munge/run" "$work/munge/log" "$work/munge/lib" "$work/munge/etc" "$work/spool" "$work/state"
dd if=/dev/urandom of="$work/munge/etc/munge.key" bs=1024 count=1 2>/dev/null
chown -R munge:munge "$work/munge" 2>/dev/null
chmod 755 "$work/munge" "$work/munge/run"; chmod 700 "$work/munge/etc" "$work/munge/lib" "$work/munge/log"; chmod 400 "$work/munge/etc/munge.key"
sock="$work/munge/run/munge.socket.2"
su -s /bin/sh munge -c "munged --key-file=$work/munge/etc/munge.key --socket=$sock --pid-file=$work/munge/run/munged.pid --log-file=$work/munge/log/munged.log --seed-file=$work/munge/lib/munged.seed" \
  || { echo "slurm: skipped: munged did not start"; exit 0; }
for _ in $(seq 50); do [ -s "$work/munge/run/munged.pid" ] && break; sleep 0.1; done
pids+=("$(cat "$work/munge/run/munged.pid")")

cpus=$(nproc)
cat > "$work/slurm.conf" <<EOF
ClusterName=dreamtest
SlurmctldHost=localhost
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
AuthInfo=socket=$sock
CredType=cred/munge
ProctrackType=proctrack/linuxproc
TaskPlugin=task/affinity
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
MpiDefault=none
ReturnToService=2
SlurmctldPort=16817
SlurmdPort=16818
StateSaveLocation=$work/state
SlurmdSpoolDir=$work/spool
SlurmctldPidFile=$work/slurmctld.pid
SlurmdPidFile=$work/slurmd.pid
SlurmctldLogFile=$work/slurmctld.log
SlurmdLogFile=$work/slurmd.log
JobCompType=jobcomp/none
AccountingStorageType=accounting_storage/none
SchedulerType=sched/backfill
NodeName=localhost CPUs=$cpus State=UNKNOWN
PartitionName=debug Nodes=localhost Default=YES MaxTime=INFINITE State=UP OverSubscribe=NO
EOF
export SLURM_CONF="$work/slurm.conf"
slurmctld -f "$SLURM_CONF" || { echo "slurm: skipped: slurmctld did not start"; exit 0; }
for _ in $(seq 50); do [ -s "$work/slurmctld.pid" ] && break; sleep 0.1; done
pids+=("$(cat "$work/slurmctld.pid")")
slurmd -f "$SLURM_CONF" || { echo "slurm: skipped: slurmd did not start"; exit 0; }
for _ in $(seq 50); do [ -s "$work/slurmd.pid" ] && break; sleep 0.1; done
pids+=("$(cat "$work/slurmd.pid")")
# Waits (up to $1 half-seconds) for the node to be idle, resuming it meanwhile.
wait_idle() {
  for _ in $(seq "$1"); do
    sinfo -h -o %T 2>/dev/null | grep -q idle && return 0
    scontrol update nodename=localhost state=resume >/dev/null 2>&1
    sleep 0.5
  done
  return 1
}
idle=no
wait_idle 60 && idle=yes
check "the node is idle" '[ "$idle" = yes ]'
[ "$idle" = yes ] || finish

# A small simulated sweep: 2 scenarios x 2 schedulers x 2 seeds.
sweep=(--scenarios social-b,ar-gaming --schedulers dream,edf+drop --seeds 1-2 --loads 0.8 --mode sim --duration 5)
"$dream" compare "${sweep[@]}" --json "$work/serial.json" >/dev/null 2>&1
check "serial compare wrote its JSON" '[ -s "$work/serial.json" ]'
"$dream" compare "${sweep[@]}" --plan "$work/plan" >/dev/null 2>&1
cells=$(python3 -c "import json,sys; print(len(json.load(open(sys.argv[1]))['cells']))" "$work/plan/plan.json")
check "the plan has 8 cells" '[ "$cells" = 8 ]'
"$dream" slurm "$work/plan" --max-parallel 2 --time 00:10:00 >/dev/null 2>&1
check "dream slurm wrote sbatch.sh with --cpus-per-task=1" 'grep -q -- "--cpus-per-task=1" "$work/plan/sbatch.sh" && grep -q -- "--array=0-7%2" "$work/plan/sbatch.sh"'
timeout 300 sbatch --wait "$work/plan/sbatch.sh" >/dev/null 2>&1
done_cells=$(ls "$work/plan/cells" 2>/dev/null | wc -l)
check "every task wrote its result ($done_cells of 8)" '[ "$done_cells" = 8 ]'
pinned=$(grep -h "^Cpus_allowed_list:" "$work/plan/logs/"*.log 2>/dev/null | awk '{print $2}' | grep -c -E '^[0-9]+$')
check "each task ran pinned to one core ($pinned of 8)" '[ "$pinned" = 8 ]'
"$dream" merge "$work/plan" --json "$work/merged.json" >/dev/null 2>&1
check "the merge equals the serial compare byte for byte" 'cmp -s "$work/merged.json" "$work/serial.json"'

# Cancel one running task, resubmit: only the missing cells run, the merge is unchanged.
rm -rf "$work/plan/cells"/*-dream "$work/plan/logs"
mkdir -p "$work/plan/logs"
before=$(ls "$work/plan/cells" | wc -l)
job=$(sbatch --parsable "$work/plan/sbatch.sh")
for _ in $(seq 100); do squeue -h -j "$job" -t R 2>/dev/null | grep -q . && break; sleep 0.1; done
scancel "${job}_0" "${job}_1" 2>/dev/null
for _ in $(seq 300); do squeue -h -j "$job" 2>/dev/null | grep -q . || break; sleep 0.2; done
after_cancel=$(ls "$work/plan/cells" | wc -l)
rm -rf "$work/plan/logs"/*
check "a cancelled task leaves no result that looks done" '"$dream" merge "$work/plan" >/dev/null 2>&1; [ $? -ne 0 ] || [ "$after_cancel" = 8 ]'
timeout 300 sbatch --wait "$work/plan/sbatch.sh" >/dev/null 2>&1
ran=$(cat "$work/plan/logs/"*.log 2>/dev/null | grep -o "dream cell: [0-9]* ran" | awk '{s += $3} END {print s + 0}')
expected=$((8 - after_cancel))
check "the resubmission ran only the $expected missing cells ($ran ran)" '[ "$ran" = "$expected" ]'
"$dream" merge "$work/plan" --json "$work/merged2.json" >/dev/null 2>&1
check "the merge after the resubmission is still identical" 'cmp -s "$work/merged2.json" "$work/serial.json"'

# One live cell under Slurm on a whole node.
"$dream" compare --scenarios social-b --schedulers edf+drop --seeds 1 --loads 0.6 --mode live --duration 2 --plan "$work/live" >/dev/null 2>&1
"$dream" slurm "$work/live" >/dev/null 2>&1
check "a live plan asks for --exclusive" 'grep -q -- "--exclusive" "$work/live/sbatch.sh"'
# What a live submission left: the task's log, sbatch's and merge's output, the node's state.
live_diagnostics() {
  for f in "$work/live-sbatch.out" "$work/live-merge.out" "$work/live/logs/"*; do
    [ -f "$f" ] && { echo "--- $f"; tail -n 40 "$f"; }
  done
  echo "--- sinfo"; sinfo -N -l 2>&1 | tail -n 5
  echo "--- slurmctld.log"; tail -n 30 "$work/slurmctld.log" 2>/dev/null
}
submit_live() {
  # An exclusive job waits for the whole node: the cancelled tasks above must have let it go.
  wait_idle 120 || echo "  note  the node is not idle before the live job: $(sinfo -h -o '%T %E' 2>&1)"
  timeout 300 sbatch --wait "$work/live/sbatch.sh" >"$work/live-sbatch.out" 2>&1
  echo "sbatch exit $?" >>"$work/live-sbatch.out"
  "$dream" merge "$work/live" --json "$work/live.json" >"$work/live-merge.out" 2>&1
}
submit_live
# A live run on a shared machine can be lost to the machine (a node drained by the cancelled
# tasks, a timeout): say what happened, then resubmit once, as a user would (the plan resumes).
if [ ! -s "$work/live.json" ]; then
  echo "  note  the live job left no result; what it left:"
  live_diagnostics | sed 's/^/        /'
  submit_live
fi
before=$failed
check "the live cell ran and its frames are all accounted" 'python3 - "$work/live.json" <<PY
import json, sys
d = json.load(open(sys.argv[1]))
c = [x for x in d["cells"] if x["mode"] == "live"]
assert len(c) == 1 and c[0]["min_frames_per_stream"] > 0, c
assert 0 <= c[0]["violation_rate"] <= 1
PY'
[ "$failed" -gt "$before" ] && live_diagnostics
finish
