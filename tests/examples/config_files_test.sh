#!/usr/bin/env bash
# The example INI files the README points to (examples/config/job.ini and
# node.ini) work as shown: a node started from node.ini joins a scheduler on
# loopback, job.ini submitted to it runs to the end, and `troupe run` reads
# job.ini too. The command line overrides the files (scheduler address, name,
# rounds, data size), as the README says.
# Usage: config_files_test.sh TROUPE_BINARY
set -euo pipefail
troupe=$1
root=$(cd "$(dirname "$0")/../.." && pwd)
me=config_files_test
source "$(dirname "$0")/../process_harness.sh"
harness_init troupe-config
fail() {
  echo "$me: $*"
  exit 1
}

"$troupe" scheduler --listen 127.0.0.1:0 --port-file "$logs/port" > "$logs/scheduler.log" 2>&1 &
pids+=($!)
for _ in $(seq 100); do [[ -s "$logs/port" ]] && break; sleep 0.1; done
[[ -s "$logs/port" ]] || fail "the scheduler wrote no port"
endpoint="127.0.0.1:$(cat "$logs/port")"
for n in 1 2; do
  "$troupe" node --config "$root/examples/config/node.ini" --scheduler "$endpoint" \
    --name "cfg-node-$n" > "$logs/node$n.log" 2>&1 &
  pids+=($!)
done
"$troupe" submit --config "$root/examples/config/job.ini" --scheduler "$endpoint" \
  --min-nodes 2 --rounds 2 --train-limit 2000 --test-limit 500 --quiet \
  --out "$logs/cluster.json" > "$logs/submit.log" 2>&1 || fail "submit of job.ini failed"
"$troupe" run --config "$root/examples/config/job.ini" --rounds 2 --train-limit 2000 \
  --test-limit 500 --quiet --out "$logs/embedded.json" > "$logs/run.log" 2>&1 ||
  fail "run of job.ini failed"
/usr/bin/python3 - "$logs" <<'PY' || fail "the reports do not show job.ini's options"
import json, sys
work = sys.argv[1]
cluster = json.load(open(f"{work}/cluster.json"))
embedded = json.load(open(f"{work}/embedded.json"))
problems = []
for label, r in (("cluster", cluster), ("embedded", embedded)):
    c = r["config"]
    if r["status"] != "ok":
        problems.append(f"{label}: status {r['status']} ({r.get('error')})")
    # From job.ini: name, model, shards; from the command line: rounds.
    want = {"name": "fashion-mlp", "model": "mlp", "nodes": 4, "rounds": 2}
    got = {k: c.get(k) for k in want}
    if got != want:
        problems.append(f"{label}: config {got}, expected {want}")
nodes = sorted({t["node"] for t in cluster["tasks"] if t["kind"] == "train"})
if nodes != ["cfg-node-1", "cfg-node-2"]:
    problems.append(f"cluster: trained on {nodes}, expected the two nodes from node.ini")
if cluster["final"]["model_fingerprint"] != embedded["final"]["model_fingerprint"]:
    problems.append("the cluster's model differs from the embedded run's")
if problems:
    print("; ".join(problems)); sys.exit(1)
print("config_files_test: ok")
PY
