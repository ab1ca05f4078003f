#!/usr/bin/env bash
# examples/slurm/troupe.sbatch under a real Slurm, on one host and loopback only: a
# throwaway munged (its own key and socket), slurmctld and slurmd (a throwaway
# slurm.conf, private ports on 127.0.0.1, state in a temporary directory), then two
# `sbatch --wait` jobs of three troupe nodes each:
#   1. shard mode: node I trains only shard I of 3 (--shard $SLURM_PROCID/3);
#   2. local-data mode: TROUPE_DATA=.../node-%t.csv, each node its own file.
# Checks each report (status ok, three nodes named HOST-0..2, the right shard or file per
# node), then stops exactly the daemons it started (also on failure) and checks that no
# slurmctld, slurmd or munged of this test is left.
# Usage: slurm_test.sh TROUPE_BINARY. Exits 77 only when not run as root.
set -euo pipefail
troupe=$(readlink -f "$1")
root=$(cd "$(dirname "$0")/../.." && pwd)
sbatch_script=$root/examples/slurm/troupe.sbatch
if [[ $(id -u) -ne 0 ]]; then
  echo "slurm_test: needs root (slurmd runs jobs as their user, munged and slurmctld as root here)"
  exit 77
fi
for tool in munged slurmctld slurmd sbatch scontrol sinfo scancel; do
  command -v "$tool" >/dev/null ||
    { echo "slurm_test: FAIL: $tool not found (scripts/install-deps.sh installs slurm-wlm and munge)"; exit 1; }
done

work=$(mktemp -d -t troupe-slurm-XXXXXX)
chmod 755 "$work"
daemons=()
cleanup() {
  local code=$?
  trap - EXIT INT TERM
  # A job still running (a timeout) is cancelled while slurmctld can still do it.
  if [[ -n ${SLURM_CONF:-} ]] && ((${#daemons[@]} > 1)); then
    scancel --quiet --full --partition=debug 2>/dev/null || true
    sleep 1
  fi
  for ((i = ${#daemons[@]} - 1; i >= 0; i--)); do kill -TERM "${daemons[i]}" 2>/dev/null || true; done
  for pid in "${daemons[@]}"; do
    for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
  done
  local left
  left=$(pgrep -a -f "$work" || true)
  if [[ -n $left ]]; then
    echo "slurm_test: FAIL: processes of this test still alive:"$'\n'"$left"
    code=1
  fi
  if ((code != 0)); then
    for log in "$work"/log/* "$work"/submit/*.out; do
      [[ -f $log ]] && { echo "--- $log"; tail -n 30 "$log"; }
    done
  fi
  rm -rf "$work"
  exit "$code"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
mkdir -p "$work"/{munge,state,spool,log,submit,data}
chmod 755 "$work/munge"  # munged wants its socket directory reachable by every user

# 1. munged with a throwaway key and its own socket (foreground: $! is munged itself).
head -c 1024 /dev/urandom >"$work/munge/munge.key"
chmod 400 "$work/munge/munge.key"
socket=$work/munge/munge.socket
munged --foreground --force --key-file="$work/munge/munge.key" --socket="$socket" \
  --pid-file="$work/munge/munged.pid" --seed-file="$work/munge/munged.seed" \
  --log-file="$work/log/munged.log" >"$work/log/munged.out" 2>&1 &
daemons+=($!)
for _ in $(seq 1 100); do [[ -S $socket ]] && break; sleep 0.1; done
[[ -S $socket ]] || { echo "slurm_test: FAIL: munged did not create $socket"; exit 1; }

# 2. A one-host cluster on loopback. CPUs: at least the job's three tasks, declared
# whatever the machine has (config_overrides keeps slurmd from draining the node).
cpus=$(nproc)
((cpus >= 3)) || cpus=3
ctld_port=$(free_port)
slurmd_port=$(free_port)
export SLURM_CONF=$work/slurm.conf
cat >"$SLURM_CONF" <<CONF
ClusterName=troupetest
SlurmctldHost=localhost(127.0.0.1)
SlurmctldPort=$ctld_port
SlurmdPort=$slurmd_port
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
CredType=cred/munge
AuthInfo=socket=$socket
StateSaveLocation=$work/state
SlurmdSpoolDir=$work/spool
SlurmctldPidFile=$work/slurmctld.pid
SlurmdPidFile=$work/slurmd.pid
SlurmctldLogFile=$work/log/slurmctld.log
SlurmdLogFile=$work/log/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
SelectType=select/cons_tres
SelectTypeParameters=CR_CPU
SlurmdParameters=config_overrides
ReturnToService=2
MpiDefault=none
NodeName=localhost NodeAddr=127.0.0.1 CPUs=$cpus RealMemory=1000 State=UNKNOWN
PartitionName=debug Nodes=localhost Default=YES MaxTime=INFINITE State=UP
CONF
slurmctld -D -i -f "$SLURM_CONF" >"$work/log/slurmctld.out" 2>&1 &
daemons+=($!)
slurmd -D -N localhost -f "$SLURM_CONF" >"$work/log/slurmd.out" 2>&1 &
daemons+=($!)
state=""
for _ in $(seq 1 300); do
  state=$(sinfo -h -n localhost -o %T 2>/dev/null || true)
  [[ $state == idle ]] && break
  sleep 0.2
done
[[ $state == idle ]] || { echo "slurm_test: FAIL: the node is '$state', not idle, after 60 s"; exit 1; }
echo "slurm_test: slurmctld 127.0.0.1:$ctld_port, slurmd 127.0.0.1:$slurmd_port, $cpus CPUs"

# Runs the example through sbatch and waits for it (its exit code is the job's).
run_job() {
  local name=$1
  shift
  local started=$SECONDS
  (cd "$work/submit" && TROUPE=$troupe TROUPE_OUT=$work/submit/$name.json timeout 240 \
    sbatch --wait --ntasks=3 --cpus-per-task=1 --job-name="$name" --output="$work/submit/$name.out" \
    "$sbatch_script" --model mlp --rounds 2 --seed 1 "$@") ||
    { echo "slurm_test: FAIL: the $name job did not succeed"; exit 1; }
  echo "slurm_test: the $name job took $((SECONDS - started)) s"
}

run_job shards

# Three small CSV files, 784 features and a label each, one per Slurm task.
/usr/bin/python3 - "$work/data" <<'PY'
import random, sys
random.seed(7)
for t, rows in enumerate((60, 80, 100)):
    with open(f"{sys.argv[1]}/node-{t}.csv", "w") as f:
        for _ in range(rows):
            label = random.randrange(10)
            f.write(",".join(str(random.randrange(256)) for _ in range(784)) + f",{label}\n")
PY
TROUPE_DATA="$work/data/node-%t.csv" run_job own-data

/usr/bin/python3 - "$work/submit" "$(hostname -s)" <<'PY'
import json, os, sys
submit, host = sys.argv[1], sys.argv[2]
problems = []
names = {f"{host}-{i}" for i in range(3)}
for job in ("shards", "own-data"):
    r = json.load(open(os.path.join(submit, f"{job}.json")))
    if r["status"] != "ok":
        problems.append(f"{job}: status {r['status']}")
    got = {n["id"] for n in r["nodes"]}
    if got != names:
        problems.append(f"{job}: nodes {sorted(got)}, expected {sorted(names)}")
    trained = {(t["node"], t["shard"]) for t in r["tasks"] if t["kind"] == "train" and t["state"] == "done"}
    if job == "shards":
        # Each node holds only shard I of 3, I its Slurm task number.
        want = {(f"{host}-{i}", i) for i in range(3)}
        if trained != want:
            problems.append(f"shards: (node, shard) trained {sorted(trained)}, expected {sorted(want)}")
    else:
        files = {d["node"]: (os.path.basename(d["source"]), d["examples"]) for d in r.get("node_data", [])}
        want = {f"{host}-{i}": (f"node-{i}.csv", rows) for i, rows in enumerate((60, 80, 100))}
        if files != want:
            problems.append(f"own-data: node_data {files}, expected {want}")
    # The script stops the nodes with a TERM for the step's tasks; had Slurm cancelled
    # the step instead, srun would report its tasks killed.
    log = open(os.path.join(submit, f"{job}.out")).read()
    if "Killed" in log or "forcing job termination" in log:
        problems.append(f"{job}: the nodes were killed, not stopped: {log[-300:]!r}")
left = [f for f in os.listdir(submit) if f.startswith(".troupe-secret-")]
if left:
    problems.append(f"generated secrets not removed: {left}")
if problems:
    print("slurm_test: FAIL: " + "; ".join(problems))
    sys.exit(1)
print("slurm_test: ok (two sbatch jobs of three nodes, reports checked)")
PY
