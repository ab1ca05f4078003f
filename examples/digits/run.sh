#!/usr/bin/env bash
# Shows: your model on your data. A TorchScript MLP (exported from PyTorch) is
# trained across three node processes, each holding only its own CSV file of
# handwritten digits (different sizes and label mixes), then the same model is
# trained centrally on all of the training examples for comparison.
# Run: examples/digits/run.sh [OUT_DIR] [extra troupe submit/train options...]
#   e.g. examples/digits/run.sh /tmp/digits --rounds 30
# Needs Debian's python3-torch and python3-sklearn (scripts/install-deps.sh).
# Env: TROUPE (binary, default build/cli/troupe), PORT (scheduler port, default a
# free one; the aggregator uses PORT+1).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
troupe=${TROUPE:-$root/build/cli/troupe}
out=${1:-digits-run}
shift || true
[[ -x "$troupe" ]] || { echo "digits: $troupe not found; build first (scripts/build.sh)" >&2; exit 1; }
mkdir -p "$out"
out=$(cd "$out" && pwd)

# 1. Export the model and 2. split the data (Debian's Python with torch and sklearn).
/usr/bin/python3 "$root/examples/models/export_models.py" "$out/models" >/dev/null
/usr/bin/python3 "$here/split_digits.py" "$out/data"

# The job: the same options for the federated and the central run.
job=(--model-file "$out/models/mlp64.pt" --test-data "$out/data/test.csv"
  --rounds 20 --local-epochs 1 --batch-size 16 --lr 0.1 --seed 1 "$@")

free_port() { /usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
port=${PORT:-$(free_port)}
logs="$out/logs"
mkdir -p "$logs"
pids=()
cleanup() {
  local code=$?
  trap - EXIT INT TERM
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
  ((code == 0)) || echo "digits: failed (exit $code); logs in $logs" >&2
  exit "$code"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# 3. A scheduler, an aggregator and three nodes on 127.0.0.1, each node with its own data.
# The aggregator takes any free port (the one next to the scheduler's may be taken).
rm -f "$logs/aggregator.port"
"$troupe" aggregator --listen 127.0.0.1:0 --port-file "$logs/aggregator.port" \
  --scheduler "127.0.0.1:$port" --quiet >"$logs/aggregator.log" 2>&1 &
pids+=($!)
for _ in $(seq 1 200); do [[ -s "$logs/aggregator.port" ]] && break; sleep 0.05; done
[[ -s "$logs/aggregator.port" ]] || { echo "digits: the aggregator did not start" >&2; exit 1; }
aport=$(cat "$logs/aggregator.port")
echo "digits: scheduler 127.0.0.1:$port, aggregator 127.0.0.1:$aport, 3 nodes (logs: $logs)"
"$troupe" scheduler --listen "127.0.0.1:$port" --aggregator "127.0.0.1:$aport" --quiet >"$logs/scheduler.log" 2>&1 &
pids+=($!)
for n in a b c; do
  "$troupe" node --scheduler "127.0.0.1:$port" --name "node-$n" --data "$out/data/node-$n.csv" \
    --quiet >"$logs/node-$n.log" 2>&1 &
  pids+=($!)
done

# 4. Submit: the model file and the test set travel with the job; every node also
# evaluates on a held-out part of its own data (--eval both).
"$troupe" submit --scheduler "127.0.0.1:$port" --nodes 3 --min-nodes 3 --eval both \
  "${job[@]}" --out "$out/federated.json" --report "$out/federated-report" &
submit=$!
pids+=("$submit")
wait "$submit"

# 5. The same model, options and budget, trained centrally on all training examples.
echo "digits: central baseline on $out/data/train-all.csv"
"$troupe" train --data "$out/data/train-all.csv" "${job[@]}" --quiet --out "$out/central.json"

/usr/bin/python3 - "$out/federated.json" "$out/central.json" <<'PY'
import json, sys
fed, cen = (json.load(open(p)) for p in sys.argv[1:3])
f, c = fed["final"]["accuracy"], cen["final"]["accuracy"]
print(f"digits: federated accuracy {f:.4f} (3 nodes), central {c:.4f}, difference {100 * (f - c):+.2f} points")
for n in fed.get("node_data", []):
    print(f"  {n['node']}: {n['examples']} examples, labels {n['label_histogram']}")
PY
echo "digits: reports in $out (federated-report/index.html)"
