#!/usr/bin/env bash
# Shows: a troupe cluster of separate processes on 127.0.0.1 — a scheduler, an
# aggregator and N nodes — running the demo job, then shutting everything down.
# Run: examples/cluster/run_local.sh [NODES] [troupe submit options...]
#   e.g. examples/cluster/run_local.sh 4 --model mlp --rounds 5
# Env: TROUPE (binary, default build/cli/troupe), PORT (scheduler port, default
# a free one; the aggregator uses PORT+1), OUT (report, default cluster-report.json).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
troupe=${TROUPE:-$root/build/cli/troupe}
nodes=${1:-4}
shift || true
[[ -x "$troupe" ]] || { echo "run_local: $troupe not found; build first (scripts/build.sh)" >&2; exit 1; }
[[ "$nodes" =~ ^[1-9][0-9]*$ ]] || { echo "run_local: NODES must be a positive number" >&2; exit 2; }

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
port=${PORT:-$(free_port)}
logs=$(mktemp -d -t troupe-cluster-XXXXXX)
pids=()

cleanup() {
  local code=$?
  trap - EXIT INT TERM
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
  if ((code != 0)); then
    echo "run_local: failed (exit $code); logs in $logs" >&2
  else
    rm -rf "$logs"
  fi
  exit "$code"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# The aggregator takes any free port (the one next to the scheduler's may be taken)
# and says which; the scheduler connects to it there.
"$troupe" aggregator --listen 127.0.0.1:0 --port-file "$logs/aggregator.port" \
  --scheduler "127.0.0.1:$port" --quiet >"$logs/aggregator.log" 2>&1 &
pids+=($!)
for _ in $(seq 1 200); do [[ -s "$logs/aggregator.port" ]] && break; sleep 0.05; done
[[ -s "$logs/aggregator.port" ]] || { echo "run_local: the aggregator did not start" >&2; exit 1; }
aport=$(cat "$logs/aggregator.port")
echo "scheduler 127.0.0.1:$port, aggregator 127.0.0.1:$aport, $nodes nodes (logs: $logs)"
"$troupe" scheduler --listen "127.0.0.1:$port" --aggregator "127.0.0.1:$aport" --quiet >"$logs/scheduler.log" 2>&1 &
pids+=($!)
for i in $(seq 1 "$nodes"); do
  "$troupe" node --scheduler "127.0.0.1:$port" --name "node-$i" --quiet >"$logs/node-$i.log" 2>&1 &
  pids+=($!)
done
# The job starts once every node has joined (--min-nodes).
# In the background and waited for, so that Ctrl-C or TERM reaches the trap at once.
"$troupe" submit --scheduler "127.0.0.1:$port" --nodes "$nodes" --min-nodes "$nodes" \
  --out "${OUT:-cluster-report.json}" "$@" &
submit=$!
pids+=("$submit")
wait "$submit"
