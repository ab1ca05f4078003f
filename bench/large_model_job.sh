#!/usr/bin/env bash
# A job with a large model on a cluster of processes: a scheduler (hosting the
# aggregator) and NODES (default 2) node processes on loopback train a
# TorchScript MLP 784-4096-4096-10 (80 MB of parameters) on Fashion-MNIST. The
# same job runs
# with models and updates through shared memory (the default on one host),
# over the data plane (`troupe node --no-shared-memory --bulk-min-mib 1`) and
# in CAF messages (`--no-shared-memory --bulk-min-mib 100000`), these three
# with the updates in the scheduler's memory (`troupe scheduler --no-spool`),
# and into the scheduler's spool directory (`troupe scheduler --spool-dir`, with a
# `--max-message` below the model's size) over the data plane and through
# shared memory, alternating, RUNS times each. Prints every run's rounds and
# median round (first round left out), the scheduler's and the largest node's peak RSS, and the model
# fingerprint, which must be the same in every run.
# Needs Debian's python3-torch (to write the model).
# NODES, HIDDEN (the hidden layers' width) and WAYS (a subset of the five,
# space-separated) change the set-up.
# Usage: [NODES=2] [HIDDEN=4096] [WAYS=...] bench/large_model_job.sh [BUILD_DIR] [RUNS] [ROUNDS]
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
build=${1:-$here/../build}
runs=${2:-3}
rounds=${3:-8}
nodes=${NODES:-2}
# HIDDEN=16384: a model of 1.1 GB, over the default --max-message (1,040 MiB).
hidden=${HIDDEN:-4096}
ways=${WAYS:-shared data-plane messages spooled spooled-shm}
if [[ $hidden -gt 4096 && " $ways " == *" messages "* ]]; then
  echo "large_model_job: HIDDEN=$hidden makes a model over the default --max-message:" \
    "leave 'messages' out of WAYS" >&2
  exit 2
fi
troupe="$build/cli/troupe"
data=${TROUPE_DATA_DIR:-/usr/share/datasets/fashion-mnist}
work=$(mktemp -d -t troupe-large-XXXXXX)
# shellcheck source=bench/processes.sh
source "$here/processes.sh"
trap 'stop_all; rm -rf "$work"' EXIT

# TorchScript reads the module's source: the script goes into a file first.
cat >"$work/large.py" <<'PY'
import sys
import torch
from torch import nn

torch.manual_seed(42)


class Large(nn.Module):
    def __init__(self):
        super().__init__()
        h = int(sys.argv[2])
        self.fc1 = nn.Linear(784, h)
        self.fc2 = nn.Linear(h, h)
        self.fc3 = nn.Linear(h, 10)

    def forward(self, x):
        x = x.reshape(x.size(0), 784)
        return self.fc3(torch.relu(self.fc2(torch.relu(self.fc1(x)))))


torch.jit.script(Large()).save(sys.argv[1])
PY
/usr/bin/python3 "$work/large.py" "$work/large.pt" "$hidden"

mkdir "$work/spool"

one_run() {  # LABEL NODE_OPTION... (the scheduler's extra options in SCHEDULER_OPTIONS)
  local label=$1 port scheduler peak node_peak node_pids=()
  shift
  rm -f "$work/port"
  # shellcheck disable=SC2086
  "$troupe" scheduler --listen 127.0.0.1:0 --port-file "$work/port" --quiet \
    ${SCHEDULER_OPTIONS:-} >"$work/$label.scheduler.log" 2>&1 &
  scheduler=$!
  pids+=($!)
  for _ in $(seq 100); do [[ -s $work/port ]] && break; sleep 0.1; done
  port=$(cat "$work/port")
  for n in $(seq -f "n%g" "$nodes"); do
    "$troupe" node --scheduler "127.0.0.1:$port" --name "$n" "$@" --quiet \
      >"$work/$label.$n.log" 2>&1 &
    pids+=($!)
    node_pids+=($!)
  done
  "$troupe" submit --scheduler "127.0.0.1:$port" --model-file "$work/large.pt" --nodes "$nodes" \
    --min-nodes "$nodes" --rounds "$rounds" --local-steps 2 --train-limit 6000 --test-limit 200 \
    --threads 1 --data-dir "$data" --quiet --out "$work/$label.json" >"$work/$label.submit.log" 2>&1 || {
    # The work directory goes with the script: say why here.
    echo "large_model_job: the $label job failed; the ends of its logs:" >&2
    tail -n 5 "$work/$label.submit.log" "$work/$label.scheduler.log" "$work/$label".n*.log >&2
    exit 1
  }
  # The scheduler's (and its aggregator's) peak RSS, before it is stopped.
  peak=$(awk '/^VmHWM:/ {print $2}' "/proc/$scheduler/status")
  # The largest peak RSS of a node process.
  node_peak=$(for p in "${node_pids[@]}"; do awk '/^VmHWM:/ {print $2}' "/proc/$p/status"; done |
    sort -n | tail -n 1)
  stop_all
  python3 - "$label" "$work/$label.json" "$peak" "$node_peak" <<'PY'
import json
import statistics
import sys

report = json.load(open(sys.argv[2]))
seconds = [r["seconds"] for r in report["rounds"]]
print(f"{sys.argv[1]:>14}  median round {statistics.median(seconds[1:]):.3f} s  scheduler peak "
      f"{int(sys.argv[3]) / 1024:.0f} MiB  node peak {int(sys.argv[4]) / 1024:.0f} MiB  rounds "
      + " ".join(f"{s:.2f}" for s in seconds)
      + f"  fingerprint {report['final']['model_fingerprint']}")
PY
}

# Under a message limit below the model's size (50 MiB for the 80 MB model;
# the default 1,040 MiB for a model over it): the job's model and the updates
# reach the scheduler only over the data plane or through shared memory, and
# are spooled either way.
if [[ $hidden -gt 4096 ]]; then limit=1040; else limit=50; fi
spooled="--spool-dir $work/spool --spool-min-mib 1 --max-message $limit"
for run in $(seq "$runs"); do
  for way in $ways; do
    case $way in
      shared) SCHEDULER_OPTIONS=--no-spool one_run "shared-$run" ;;
      data-plane) SCHEDULER_OPTIONS=--no-spool one_run "data-plane-$run" --no-shared-memory --bulk-min-mib 1 ;;
      messages) SCHEDULER_OPTIONS=--no-spool one_run "messages-$run" --no-shared-memory --bulk-min-mib 100000 ;;
      spooled) SCHEDULER_OPTIONS=$spooled one_run "spooled-$run" --no-shared-memory --bulk-min-mib 1 ;;
      spooled-shm) SCHEDULER_OPTIONS=$spooled one_run "spooled-shm-$run" ;;
      *) echo "unknown way: $way" >&2; exit 2 ;;
    esac
  done
done
