#!/usr/bin/env bash
# The worked allocation example's five jobs, live: jobs of priorities 5, 3, 2,
# 4, 1, submitted in that order, on a cluster of processes on 127.0.0.1 (a
# scheduler hosting the aggregator, and three nodes of capacities 10, 8 and 6
# given as --speed). All five are queued before the nodes start; the first
# submitted is then taken up and waits for the nodes, the others start by
# priority (4, 3, 2, 1), one at a time: a scheduler runs one job at a time
# (docs/allocation.md). With CONCURRENT=K (K > 1) the scheduler runs up to K
# jobs at once (--concurrent-jobs K), each job on one node of its own
# (--nodes 1): three at a time on the three nodes, still started by priority.
# With SHARE=1 as well, the jobs share the nodes (--share-nodes): CONCURRENT=5
# runs all five at once, each on the node that is fastest as the job sees it
# (its capacity divided by the jobs of at least its priority there), and each
# node runs its waiting tasks highest priority first. The nodes then join
# before the jobs are submitted (a job takes its nodes when it starts: queued
# first, all five would start on the first node to join), and every job
# starts as it is submitted.
# Prints the example's allocation in both forms (unit
# demand and demand), then per job its start order, wait, completion time,
# accuracy and how many of its tasks each node ran, and per node its busy time
# and utilisation over the whole run. Exits 1 when a job fails, the queued
# jobs did not start by priority, or (CONCURRENT > 1) no two jobs ran at once.
# Run: examples/cluster/seed_jobs.sh [ROUNDS] [TRAIN_LIMIT]   (defaults: 2, 6000)
# Env: CONCURRENT (jobs at once, default 1), SHARE (1: --share-nodes), TROUPE (binary, default build/cli/troupe), ALLOCATION_EXAMPLE (default
# build/examples/allocation_example; skipped when absent), OUT (directory for
# the reports, default: a temporary one, removed at the end).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
troupe=${TROUPE:-$root/build/cli/troupe}
example=${ALLOCATION_EXAMPLE:-$root/build/examples/allocation_example}
rounds=${1:-2}
train_limit=${2:-6000}
[[ -x "$troupe" ]] || { echo "seed_jobs: $troupe not found; build first (scripts/build.sh)" >&2; exit 1; }
[[ "$rounds" =~ ^[1-9][0-9]*$ ]] || { echo "seed_jobs: ROUNDS must be a positive number" >&2; exit 2; }
[[ "$train_limit" =~ ^[0-9]+$ ]] || { echo "seed_jobs: TRAIN_LIMIT must be a number (0: all)" >&2; exit 2; }
concurrent=${CONCURRENT:-1}
[[ "$concurrent" =~ ^[1-9][0-9]*$ ]] || { echo "seed_jobs: CONCURRENT must be a positive number" >&2; exit 2; }
share=${SHARE:-0}
[[ "$share" == 0 || "$share" == 1 ]] || { echo "seed_jobs: SHARE must be 0 or 1" >&2; exit 2; }
((share == 0 || concurrent > 1)) || { echo "seed_jobs: SHARE=1 needs CONCURRENT of 2 or more" >&2; exit 2; }
# One job at a time trains on all three nodes; several at once, each on one.
job_nodes=3
((concurrent > 1)) && job_nodes=1
scheduler_options=(--concurrent-jobs "$concurrent")
((share == 1)) && scheduler_options+=(--share-nodes)

work=$(mktemp -d -t troupe-seed-XXXXXX)
out=${OUT:-$work}
mkdir -p "$out"
pids=()
cleanup() {
  local code=$?
  trap - EXIT INT TERM
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
  if ((code != 0)); then
    echo "seed_jobs: failed (exit $code); logs in $work" >&2
  else
    rm -rf "$work"
  fi
  exit "$code"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

if [[ -x "$example" ]]; then
  echo "== the allocation example (one decision, every policy): $example"
  # Its own ctest (example.allocation) checks it; here it is shown only.
  "$example" || echo "seed_jobs: the allocation example exited $?" >&2
fi

echo "== five jobs, live: priorities 5 3 2 4 1 on nodes of capacity 10 8 6," \
  "$concurrent at a time, each on $job_nodes node(s)$( ((share == 1)) && echo ", nodes shared")"
"$troupe" scheduler --listen 127.0.0.1:0 --port-file "$work/port" --quiet \
  "${scheduler_options[@]}" >"$work/scheduler.log" 2>&1 &
pids+=($!)
for _ in $(seq 1 200); do [[ -s "$work/port" ]] && break; sleep 0.05; done
[[ -s "$work/port" ]] || { echo "seed_jobs: the scheduler did not start" >&2; exit 1; }
ep="127.0.0.1:$(cat "$work/port")"
start_nodes() {
  for node in a:10 b:8 c:6; do
    "$troupe" node --scheduler "$ep" --name "node-${node%%:*}" --speed "${node#*:}" --threads 1 \
      >"$work/node-${node%%:*}.log" 2>&1 &
    pids+=($!)
  done
}
if ((share == 1)); then
  start_nodes
  for _ in $(seq 1 300); do
    # A status call that fails (the scheduler not listening yet) counts none.
    alive=$({ "$troupe" status --scheduler "$ep" --json 2>/dev/null || true; } |
      { grep -o '"alive":true' || true; } | wc -l)
    ((alive >= 3)) && break
    sleep 0.1
  done
  ((alive >= 3)) || { echo "seed_jobs: the three nodes did not join" >&2; exit 1; }
fi
ids=()
for priority in 5 3 2 4 1; do
  id=$("$troupe" submit --scheduler "$ep" --name "seed-p$priority" --priority "$priority" \
    --nodes "$job_nodes" --min-nodes "$job_nodes" --rounds "$rounds" --train-limit "$train_limit" --threads 1 \
    --quiet --detach) || { echo "seed_jobs: submitting priority $priority failed" >&2; exit 1; }
  [[ "$id" =~ ^job-[0-9]+$ ]] || { echo "seed_jobs: submit printed '$id', not a job id" >&2; exit 1; }
  ids+=("$id")
done
# The nodes start once every job is queued, so that the order in which the
# jobs start does not depend on how fast the submissions were.
((share == 1)) || start_nodes
for id in "${ids[@]}"; do
  # Bounded: a node process that died would leave the job waiting for it.
  timeout 240 "$troupe" wait "$id" --scheduler "$ep" --quiet --out "$out/$id.json" >/dev/null ||
    { echo "seed_jobs: $id did not end ok within 240 s (exit $?)" >&2; exit 1; }
done
"$troupe" jobs --scheduler "$ep" --json >"$out/jobs.json"

python3 - "$out" "$concurrent" "$share" "${ids[@]}" <<'EOF'
import json, sys
out, concurrent, share, ids = sys.argv[1], int(sys.argv[2]), sys.argv[3] == "1", sys.argv[4:]
jobs = {j["id"]: j for j in json.load(open(f"{out}/jobs.json"))["jobs"]}
reports = {i: json.load(open(f"{out}/{i}.json")) for i in ids}
order = sorted(ids, key=lambda i: jobs[i]["started"])
nodes = sorted({t["node"] for r in reports.values() for t in r["tasks"] if t["node"]})
print(f"{'job':8} {'priority':>8} {'started':>8} {'waited_s':>9} {'completion_s':>12} "
      f"{'accuracy':>8}  " + "  ".join(f"{n:>7}" for n in nodes) + "   status")
# Each node's busy time: the union of its tasks' spans (on the wall clock: a
# job's task times count from its start), so that tasks of jobs sharing a node
# count once.
spans = {n: [] for n in nodes}
for i in ids:
    r = reports[i]
    tasks = [t for t in r["tasks"] if t["state"] == "done"]
    per_node = {n: sum(1 for t in tasks if t["node"] == n) for n in nodes}
    for t in tasks:
        spans[t["node"]].append((jobs[i]["started"] + t["start_s"], jobs[i]["started"] + t["end_s"]))
    acc = r["final"]["accuracy"] if r.get("final") else float("nan")
    print(f"{i:8} {r['job']['priority']:8.0f} {order.index(i) + 1:>8} {r['job']['waiting_s']:9.1f} "
          f"{r['job']['completion_s']:12.1f} {acc:8.4f}  "
          + "  ".join(f"{per_node[n]:>7}" for n in nodes) + f"   {r['status']}")
busy = {}
for n, intervals in spans.items():
    total, reach = 0.0, float("-inf")
    for start, end in sorted(intervals):
        if end > reach:
            total += end - max(start, reach)
            reach = end
    busy[n] = total
span = max(j["finished"] for j in jobs.values()) - min(j["started"] for j in jobs.values())
print(f"\nthe five jobs took {span:.1f} s from the first start to the last end")
print(f"{'node':8} {'busy_s':>8} {'utilisation':>11}")
for n in nodes:
    print(f"{n:8} {busy[n]:8.1f} {busy[n] / span if span > 0 else 0:11.2f}")
bad = [i for i in ids if reports[i]["status"] != "ok"]
priorities = [reports[i]["job"]["priority"] for i in order]
if bad:
    sys.exit(f"seed_jobs: {', '.join(bad)} did not end ok")
if share:
    print(f"\njobs started as submitted (nodes shared): {' '.join(f'{p:.0f}' for p in priorities)}")
elif priorities[1:] != sorted(priorities[1:], reverse=True):
    sys.exit(f"seed_jobs: the queued jobs started in the order of priorities {priorities}")
else:
    print(f"\njobs started by priority: {' '.join(f'{p:.0f}' for p in priorities)}")
# The most jobs in hand at one moment (each job from its start to its end).
events = sorted([(jobs[i]["started"], 1) for i in ids] + [(jobs[i]["finished"], -1) for i in ids],
                key=lambda e: (e[0], e[1]))
most = now = 0
for _, step in events:
    now += step
    most = max(most, now)
print(f"at most {most} jobs ran at once (--concurrent-jobs {concurrent})")
if most > concurrent:
    sys.exit(f"seed_jobs: {most} jobs ran at once, more than --concurrent-jobs {concurrent}")
if concurrent > 1 and most < 2:
    sys.exit("seed_jobs: no two jobs ran at once")
EOF
