#!/usr/bin/env bash
# Soak: many rounds of a tiny model across processes (a scheduler hosting the
# aggregator and NODES node processes on loopback); prints each process's RSS
# at five points of the job (2%, 25%, 50%, 75%, end), to show memory stays flat.
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
# RSS samples at 2%, 25%, 50%, 75% and ~100% of the rounds (the first one after
# set-up, which loads the data and builds the model).
marks=()
for pct in 2 25 50 75 100; do
  r=$((rounds * pct / 100)); ((r < 1)) && r=1; ((pct == 100)) && r=$((rounds - 2))
  ((r < 1)) && r=1
  marks+=("$r")
done
samples=()
for m in "${marks[@]}"; do
  until grep -q "round  *$m/" "$work/submit.log" 2>/dev/null; do
    kill -0 "$submit" 2>/dev/null || break
    sleep 0.1
  done
  line="$m scheduler:$(rss_mib "$sched")"
  for i in $(seq 1 "$nodes"); do line+=" n$i:$(rss_mib "${pids[$i]}")"; done
  samples+=("$line")
done
wait "$submit"
end=$(date +%s.%N)
python3 - "$work/report.json" "$rounds" "$start" "$end" "${samples[@]}" <<'PY'
import json, sys
report = json.load(open(sys.argv[1]))
rounds, start, end = int(sys.argv[2]), float(sys.argv[3]), float(sys.argv[4])
samples = [line.split() for line in sys.argv[5:]]
print(f"soak: {len(report['rounds'])}/{rounds} rounds, status {report['status']}, "
      f"{end - start:.0f} s, final accuracy {report['final']['accuracy']:.4f}")
procs = [p.split(":")[0] for p in samples[0][1:]]
print("| process | " + " | ".join(f"RSS at round {s[0]} (MiB)" for s in samples) +
      f" | change after round {samples[1][0]} |")
print("|---|" + "---|" * (len(samples) + 1))
for k, name in enumerate(procs):
    values = [float(s[k + 1].split(":")[1]) for s in samples]
    print(f"| {name} | " + " | ".join(f"{v:.1f}" for v in values) +
          f" | {values[-1] - values[1]:+.1f} |")
PY
