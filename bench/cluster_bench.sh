#!/usr/bin/env bash
# Cluster benchmarks, each a comparison measured in the same run:
#  overhead  N node processes vs N in-process nodes, training cut to one batch:
#            wall time per node per round (mean over rounds 2..R)
#  startup   node process start-to-registered time and RSS (as each node reports it)
#  e2e       the 10-node demo (`troupe run` defaults) multi-process vs embedded
#  full      issue 14's real set-up: N node processes vs N in-process nodes on
#            full shards of the 60k training set and the full 10k test set
#            (MLP, one step of 32 per task, 10 rounds): median round, the
#            difference per node per round (rounds 2..), the node processes'
#            peak RSS (median, largest), their summed PSS at the end, the median
#            node CPU time, whether both runs' models are the same, and the
#            shards trained on another node than in the round before (mean
#            over rounds 2.., from the process run's task list)
# Usage: bench/cluster_bench.sh [BUILD_DIR] [overhead|startup|e2e|full|all] [N...]
# KEEP_REPORTS=DIR keeps full's process-run report as DIR/full-remote-N.json.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
build=${1:-$here/../build}
what=${2:-all}
shift 2 || true
sizes=("$@")
((${#sizes[@]})) || sizes=(10 50)
troupe="$build/cli/troupe"
work=$(mktemp -d -t troupe-bench-XXXXXX)
# shellcheck source=bench/processes.sh
source "$here/processes.sh"
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

if [[ $what == full || $what == all ]]; then
  rounds=${ROUNDS:-10}
  echo "full: full shards and test set, one step of 32 per task, $rounds rounds"
  printf "%6s %12s %12s %16s %14s %14s %14s %12s %6s %7s\n" nodes processes_s in_process_s \
    extra_ms_per_node node_rss_p50_mb node_rss_max_mb nodes_pss_mb node_cpu_s same moved
  for n in "${sizes[@]}"; do
    job=(--model mlp --nodes "$n" --rounds "$rounds" --local-steps 1 --batch-size 32 --threads 1 --quiet)
    start_cluster "$n"
    "$troupe" submit --scheduler "$ep" --min-nodes "$n" "${job[@]}" --out "$work/full-remote.json" >/dev/null
    # The node processes' peak RSS (KiB) and CPU time, read before they stop.
    : >"$work/full-nodes"
    # Also their proportional set size (PSS): shared pages (LibTorch's
    # libraries, the page cache of the data) counted once across processes.
    for p in "${pids[@]:1}"; do
      awk '/VmHWM/ { printf "%s ", $2 }' "/proc/$p/status"
      awk '/^Pss:/ { printf "%s ", $2 }' "/proc/$p/smaps_rollup"
      awk -v hz="$(getconf CLK_TCK)" '{ print ($14 + $15) / hz }' "/proc/$p/stat"
    done >>"$work/full-nodes"
    stop_all
    [[ -n ${KEEP_REPORTS:-} ]] && cp "$work/full-remote.json" "$KEEP_REPORTS/full-remote-$n.json"
    "$troupe" run "${job[@]}" --out "$work/full-local.json" >/dev/null
    python3 - "$n" "$work/full-remote.json" "$work/full-local.json" "$work/full-nodes" <<'PY'
import json, statistics, sys
n = int(sys.argv[1])
r, l = json.load(open(sys.argv[2])), json.load(open(sys.argv[3]))
rm = statistics.median(x["seconds"] for x in r["rounds"][1:])
lm = statistics.median(x["seconds"] for x in l["rounds"][1:])
rows = [tuple(map(float, line.split())) for line in open(sys.argv[4]) if line.strip()]
rss = sorted(kb / 1024 for kb, _, _ in rows)
pss = sum(kb / 1024 for _, kb, _ in rows)
cpu = statistics.median(c for _, _, c in rows)
same = r["final"]["model_fingerprint"] == l["final"]["model_fingerprint"]
where = {}  # round -> shard -> node
for t in r["tasks"]:
    if t["kind"] == "train":
        where.setdefault(t["round"], {})[t["shard"]] = t["node"]
rounds = sorted(where)
moves = [sum(1 for s, node in where[b].items() if where[a].get(s) not in (None, node))
         for a, b in zip(rounds, rounds[1:])]
moved = statistics.mean(moves) if moves else 0.0
print(f"{n:6d} {rm:12.3f} {lm:12.3f} {1000 * (rm - lm) / n:16.2f} {statistics.median(rss):14.0f} "
      f"{rss[-1]:14.0f} {pss:14.0f} {cpu:12.2f} {'yes' if same else 'NO':>6} {moved:7.2f}")
PY
  done
fi
