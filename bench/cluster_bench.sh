#!/usr/bin/env bash
# Cluster benchmarks, each a comparison measured in the same run:
#  overhead  N node processes vs N in-process nodes, training cut to one batch:
#            wall time per node per round (mean over rounds 2..R)
#  startup   node process start-to-registered time and RSS (as each node reports it)
#  e2e       the 10-node demo (`troupe run` defaults) multi-process vs embedded
# Usage: bench/cluster_bench.sh [BUILD_DIR] [overhead|startup|e2e|all] [N...]
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
build=${1:-$here/../build}
what=${2:-all}
shift 2 || true
sizes=("$@")
((${#sizes[@]})) || sizes=(10 50)
troupe="$build/cli/troupe"
work=$(mktemp -d -t troupe-bench-XXXXXX)
pids=()
stop_all() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  for p in "${pids[@]}"; do wait "$p" 2>/dev/null || true; done
  pids=()
}
trap 'stop_all; rm -rf "$work"' EXIT

# Starts a scheduler and N nodes; sets $ep. Extra node options in NODE_OPTS.
start_cluster() {
  local n=$1
  rm -f "$work/port"
  "$troupe" scheduler --listen 127.0.0.1:0 --port-file "$work/port" --quiet >"$work/scheduler.log" 2>&1 &
  pids+=($!)
  for _ in $(seq 1 100); do [[ -s "$work/port" ]] && break; sleep 0.05; done
  ep="127.0.0.1:$(cat "$work/port")"
  for i in $(seq 1 "$n"); do
    "$troupe" node --scheduler "$ep" --name "b$i" --threads 1 ${NODE_OPTS:-} >"$work/node-$i.log" 2>&1 &
    pids+=($!)
  done
}

mean_round_s() {  # mean of rounds[1:].seconds in a report
  python3 -c "import json,sys; r=json.load(open(sys.argv[1]))['rounds'][1:]; print(sum(x['seconds'] for x in r)/len(r))" "$1"
}

if [[ $what == overhead || $what == all ]]; then
  rounds=20
  echo "overhead: one mini-batch per task, $rounds rounds; ms per node per round"
  printf "%6s %14s %14s %8s\n" nodes processes in-process ratio
  for n in "${sizes[@]}"; do
    job=(--model mlp --nodes "$n" --rounds "$rounds" --local-steps 1 --batch-size 32 --threads 1
         --train-limit $((n * 100)) --test-limit 200 --quiet)
    start_cluster "$n"
    "$troupe" submit --scheduler "$ep" --min-nodes "$n" "${job[@]}" --out "$work/remote.json" >/dev/null
    stop_all
    "$troupe" run "${job[@]}" --out "$work/local.json" >/dev/null
    r=$(mean_round_s "$work/remote.json")
    l=$(mean_round_s "$work/local.json")
    awk -v n="$n" -v r="$r" -v l="$l" 'BEGIN { printf "%6d %14.3f %14.3f %8.2f\n", n, 1000*r/n, 1000*l/n, r/l }'
  done
fi

if [[ $what == startup || $what == all ]]; then
  echo "startup: node process start to registered, one node at a time"
  start_cluster 0
  for i in 1 2 3 4 5; do
    "$troupe" node --scheduler "$ep" --name "s$i" >"$work/s$i.log" 2>&1 &
    pid=$!
    for _ in $(seq 1 100); do grep -q registered "$work/s$i.log" && break; sleep 0.05; done
    grep registered "$work/s$i.log" || echo "node s$i did not register"
    kill "$pid"; wait "$pid" 2>/dev/null || true
  done
  stop_all
fi

if [[ $what == e2e || $what == all ]]; then
  echo "e2e: the 10-node demo (troupe run defaults)"
  start_cluster 10
  t0=$(date +%s.%N)
  "$troupe" submit --scheduler "$ep" --min-nodes 10 --quiet --out "$work/demo-remote.json" >/dev/null
  t1=$(date +%s.%N)
  stop_all
  "$troupe" run --quiet --out "$work/demo-local.json" >/dev/null
  t2=$(date +%s.%N)
  python3 - "$work/demo-remote.json" "$work/demo-local.json" "$t0" "$t1" "$t2" <<'PY'
import json, sys
r, l = json.load(open(sys.argv[1])), json.load(open(sys.argv[2]))
t0, t1, t2 = map(float, sys.argv[3:6])
print(f"multi-process: {t1 - t0:.1f} s wall, accuracy {r['final']['accuracy']:.4f}, model {r['final']['model_fingerprint']}")
print(f"embedded:      {t2 - t1:.1f} s wall, accuracy {l['final']['accuracy']:.4f}, model {l['final']['model_fingerprint']}")
print(f"ratio multi-process / embedded: {(t1 - t0) / (t2 - t1):.2f}")
PY
fi
