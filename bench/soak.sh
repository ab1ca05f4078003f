#!/usr/bin/env bash
# Soak: many rounds of a tiny model across processes (a scheduler hosting the
# aggregator and NODES node processes on loopback); prints each process's RSS
# early in the job and at its end, to show memory stays flat.
# Usage: bench/soak.sh [BUILD_DIR] [ROUNDS] [NODES]
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-$root/build}
rounds=${2:-1000}
nodes=${3:-2}
troupe=$build/cli/troupe
work=$(mktemp -d -t troupe-soak-XXXXXX)
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT
rss_mib() { awk '/VmRSS/ {printf "%.1f", $2 / 1024}' "/proc/$1/status"; }

"$troupe" scheduler --listen 127.0.0.1:0 --port-file "$work/port" --quiet >"$work/s.log" 2>&1 &
pids+=($!)
sched=$!
for _ in $(seq 100); do [[ -s $work/port ]] && break; sleep 0.1; done
ep=127.0.0.1:$(cat "$work/port")
for i in $(seq 1 "$nodes"); do
  "$troupe" node --scheduler "$ep" --name "n$i" --threads 1 --quiet >"$work/n$i.log" 2>&1 &
  pids+=($!)
done
start=$(date +%s.%N)
"$troupe" submit --scheduler "$ep" --model mlp --nodes "$nodes" --rounds "$rounds" \
  --local-steps 1 --batch-size 16 --train-limit 600 --test-limit ${TEST_LIMIT:-100} --threads 1 \
  --min-nodes "$nodes" --out "$work/report.json" >"$work/submit.log" 2>&1 &
submit=$!
# Early sample: once round 20 is done.
until grep -q "round  *20/" "$work/submit.log" 2>/dev/null; do
  kill -0 "$submit" 2>/dev/null || { cat "$work/submit.log"; exit 1; }
  sleep 0.2
done
early=("scheduler $(rss_mib "$sched")")
for i in $(seq 1 "$nodes"); do early+=("n$i $(rss_mib "${pids[$i]}")"); done
# Late sample: just before the last rounds.
until grep -q "round  *$((rounds - 5))/" "$work/submit.log" 2>/dev/null; do
  kill -0 "$submit" 2>/dev/null || break
  sleep 0.5
done
late=("scheduler $(rss_mib "$sched")")
for i in $(seq 1 "$nodes"); do late+=("n$i $(rss_mib "${pids[$i]}")"); done
wait "$submit"
end=$(date +%s.%N)
python3 - "$work/report.json" "$rounds" "$start" "$end" "${early[@]}" -- "${late[@]}" <<'PY'
import json, sys
report = json.load(open(sys.argv[1]))
rounds, start, end = int(sys.argv[2]), float(sys.argv[3]), float(sys.argv[4])
rest = sys.argv[5:]
cut = rest.index("--")
early, late = rest[:cut], rest[cut + 1:]
print(f"soak: {len(report['rounds'])}/{rounds} rounds, status {report['status']}, "
      f"{end - start:.0f} s, final accuracy {report['final']['accuracy']:.4f}")
print("| process | RSS after round 20 (MiB) | RSS near the end (MiB) | change |")
print("|---|---|---|---|")
for e, l in zip(early, late):
    name, a = e.rsplit(" ", 1)
    _, b = l.rsplit(" ", 1)
    print(f"| {name} | {a} | {b} | {float(b) - float(a):+.1f} |")
PY
