#!/usr/bin/env bash
# Federated distillation vs FedAvg on Fashion-MNIST (issue 7): final accuracy
# and bytes a node sends per round.
#
#   bench/collaboration/distillation.sh [--cnn] [--rounds N] [--troupe PATH] [--out DIR]
#
# Runs `troupe run` with 10 embedded nodes, MLP (and the CNN with --cnn), IID
# and Dirichlet(0.5) splits: FedAvg (weights), distill with the evaluating
# node's local models ("local"), distill with a student distilled from the
# soft labels ("student"), and distill with weight 0 (local training only, no
# collaboration: the baseline distillation has to beat). Prints a Markdown table.
# Bytes per round: a FedAvg node uploads its model (float32 parameters) and
# downloads the global model; a distill node uploads P x 10 float32
# probabilities and downloads the ensemble's, P = --public-examples. The wire
# adds a header of under 256 bytes per message (tests/actors/distillation_test.cpp
# measures it with CAF's serialiser).
set -euo pipefail

troupe=build/cli/troupe
out=bench-results/distillation
rounds=10
models=(mlp)
public=2000
while [[ $# -gt 0 ]]; do
  case "$1" in
    --cnn) models=(mlp cnn); shift ;;
    --rounds) rounds="$2"; shift 2 ;;
    --troupe) troupe="$2"; shift 2 ;;
    --out) out="$2"; shift 2 ;;
    --public-examples) public="$2"; shift 2 ;;
    *) echo "unknown option $1" >&2; exit 2 ;;
  esac
done
[[ -x "$troupe" ]] || { echo "no troupe binary at $troupe (build it first)" >&2; exit 2; }
mkdir -p "$out"

# float32 parameters of each model (models/networks.cpp)
declare -A params=([mlp]=$((784 * 128 + 128 + 128 * 10 + 10))
                   [cnn]=$((32 * 25 + 32 + 64 * 32 * 25 + 64 + 1024 * 128 + 128 + 128 * 10 + 10)))

echo "| model | split | method | final accuracy | best accuracy | upload per node per round (bytes) | up + down per node per round | wall (s) |"
echo "|---|---|---|---|---|---|---|---|"
for model in "${models[@]}"; do
  for split in iid dirichlet; do
    common=(--model "$model" --nodes 10 --rounds "$rounds" --partition "$split" --quiet)
    [[ $split == dirichlet ]] && common+=(--alpha 0.5)
    for method in fedavg distill-local distill-student local-only; do
      case "$method" in
        fedavg) extra=() ; bytes=$((params[$model] * 4)) ;;
        distill-local) extra=(--node-behaviour distill --public-examples "$public" --distill-eval local) ;;
        distill-student) extra=(--node-behaviour distill --public-examples "$public" --distill-eval student) ;;
        local-only) extra=(--node-behaviour distill --public-examples "$public" --distill-eval local --distill-weight 0) ;;
      esac
      [[ "$method" != fedavg ]] && bytes=$((public * 10 * 4))
      json="$out/$model-$split-$method.json"
      start=$(date +%s.%N)
      "$troupe" run "${common[@]}" "${extra[@]}" --out "$json" > /dev/null
      wall=$(echo "$(date +%s.%N) - $start" | bc)
      read -r final best moved < <(jq -r '[.final.accuracy,
          ([.rounds[].accuracy] | max),
          ([.tasks[] | select(.kind == "train" and .state == "done") | {shard, node}] | unique
            | group_by(.shard) | map(length) | max)] | @tsv' "$json")
      note=""
      [[ "$method" != fedavg && "$moved" -gt 1 ]] && note=" (shards moved between nodes)"
      printf '| %s | %s | %s%s | %.4f | %.4f | %d | %d | %.0f |\n' "$model" "$split" "$method" \
        "$note" "$final" "$best" "$bytes" $((2 * bytes)) "$wall"
    done
  done
done
echo
echo "Command per row: troupe run ${common[*]:0:7} ... (see the script); reports in $out"
