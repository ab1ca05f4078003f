#!/usr/bin/env bash
# The differential-privacy table of docs/privacy.md: Fashion-MNIST, 100 nodes
# with 10 sampled per round, final accuracy at epsilon 1, 3 and 8 (delta
# 1e-5), central, local and distributed DP (local noise shares under
# --secure-aggregation, accounted like central), next to the non-private run.
# Sigma for each target comes from the accountant (build/bench/dp_noise) for
# the fixed number of rounds. Prints a Markdown table; a mode that troupe
# refuses as a usage error (exit 2, e.g. a build without secure aggregation)
# gets a row saying so instead of stopping the table.
#
# Usage: bench/dp_table.sh [BUILD_DIR]   (default: build)
# Environment: ROUNDS (default 20), CLIP (default 1.0), MODEL (default mlp),
#              TRAIN_LIMIT (default 0 = all 60,000), EXTRA (more troupe flags).
set -euo pipefail
build=${1:-build}
troupe="$build/cli/troupe"
dp_noise="$build/bench/dp_noise"
rounds=${ROUNDS:-20}
clip=${CLIP:-1.0}
model=${MODEL:-mlp}
train_limit=${TRAIN_LIMIT:-0}
nodes=100
per_round=10
delta=1e-5
for exe in "$troupe" "$dp_noise"; do
  [[ -x $exe ]] || { echo "dp_table.sh: $exe is missing (build the troupe and dp_noise targets)" >&2; exit 2; }
done
py=/usr/bin/python3
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# run NAME FLAGS...: one job; prints its final accuracy and epsilon, or
# "refused REASON" when troupe refuses the options (exit 2).
run() {
  local name=$1 rc=0
  shift
  "$troupe" run --model "$model" --nodes $nodes --clients-per-round $per_round \
    --rounds "$rounds" --train-limit "$train_limit" --quiet ${EXTRA:-} "$@" \
    --out "$work/$name.json" > "$work/$name.log" 2>&1 || rc=$?
  if [[ $rc == 2 ]]; then
    echo "refused $(grep -m1 -v '^$' "$work/$name.log" | tr '|' '/')"
    return
  elif [[ $rc != 0 ]]; then
    echo "dp_table.sh: run $name failed:" >&2
    tail -5 "$work/$name.log" >&2
    exit 1
  fi
  "$py" -c 'import json,sys; j=json.load(open(sys.argv[1])); p=j.get("privacy",{});
print("%.4f %s" % (j["final"]["accuracy"], ("%.2f" % p["final_epsilon"]) if p else "-"))' \
    "$work/$name.json"
}

echo "Fashion-MNIST, $model, $nodes nodes, $per_round per round, $rounds rounds, clip norm $clip, delta $delta"
echo
echo "| DP | target ε | σ | ε reached | accuracy |"
echo "|---|---|---|---|---|"
read -r acc eps < <(run plain)
echo "| none | - | - | - | $acc |"
q=$("$py" -c "print($per_round / $nodes)")
for mode in central local distributed; do
  extra=()
  [[ $mode == distributed ]] && extra=(--secure-aggregation)
  for target in 1 3 8; do
    # Central and distributed: one step per round at q = 10/100 (the secure
    # sum of 10 updates carries central's noise). Local: each node's update on
    # its own, every round (q = 1).
    if [[ $mode == local ]]; then
      sigma=$("$dp_noise" "$target" 1 "$rounds" "$delta")
    else
      sigma=$("$dp_noise" "$target" "$q" "$rounds" "$delta")
    fi
    read -r acc eps < <(run "$mode-$target" --dp "$mode" --dp-noise-multiplier "$sigma" \
      --dp-clip-norm "$clip" --dp-delta "$delta" --dp-reproducible-noise "${extra[@]}")
    if [[ $acc == refused ]]; then
      echo "| $mode | $target | $sigma | - | skipped: troupe refused it ($eps) |"
    else
      echo "| $mode | $target | $sigma | $eps | $acc |"
    fi
  done
done
