#!/usr/bin/env bash
# The secure-aggregation table of docs/privacy.md: 100 embedded nodes, MLP,
# Fashion-MNIST (all 60,000 training examples), plain FedAvg against
# --secure-aggregation: final accuracy and its difference (target <= 0.2
# points), mean round time, mean bytes sent per node when the report has them;
# then the secure run with 30 % of the nodes dropping their tasks
# (--dropout 0.3, partial rounds allowed), which must still complete and says how many dropouts each
# round recovered; and, from build/bench/secagg_compare, the relative L2 error
# of the model against plain FedAvg (target <= 1e-6). Builds nothing.
#
# Usage: bench/secagg_table.sh [BUILD_DIR]   (default: build)
# Environment: ROUNDS (default 10), NODES (default 100), TRAIN_LIMIT (default
#              0 = all), DROPOUT (default 0.3), EXTRA (more troupe flags).
set -euo pipefail
build=${1:-build}
troupe="$build/cli/troupe"
compare="$build/bench/secagg_compare"
rounds=${ROUNDS:-10}
nodes=${NODES:-100}
train_limit=${TRAIN_LIMIT:-0}
dropout=${DROPOUT:-0.3}
[[ -x $troupe ]] || { echo "secagg_table.sh: $troupe is missing (build the troupe target)" >&2; exit 2; }
py=/usr/bin/python3
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# run NAME FLAGS...: one job; prints "ACCURACY MEAN_ROUND_S BYTES_PER_NODE
# INCLUDED PARTICIPANTS RECOVERED EXCLUDED" (bytes "-" when the report has
# none; the secure counts summed over the rounds, "-" without them).
run() {
  local name=$1
  shift
  "$troupe" run --model mlp --nodes "$nodes" --rounds "$rounds" --train-limit "$train_limit" \
    --quiet ${EXTRA:-} "$@" --out "$work/$name.json" > "$work/$name.log" 2>&1 || {
    echo "secagg_table.sh: run $name failed:" >&2
    tail -5 "$work/$name.log" >&2
    exit 1
  }
  "$py" - "$work/$name.json" <<'PY'
import json, sys
j = json.load(open(sys.argv[1]))
rounds = j["rounds"]
mean_s = sum(r["seconds"] for r in rounds) / max(1, len(rounds))
sent = [n.get("bytes_sent", 0) for n in j.get("nodes", [])]
per_node = "%.0f" % (sum(sent) / len(sent)) if sent and sum(sent) > 0 else "-"
sec = [r["secure_aggregation"] for r in rounds if "secure_aggregation" in r]
counts = ["%d" % sum(s[k] for s in sec) if sec else "-"
          for k in ("included", "participants", "dropouts_recovered", "excluded")]
print("%.4f %.3f %s %s" % (j["final"]["accuracy"], mean_s, per_node, " ".join(counts)))
PY
}

echo "Fashion-MNIST, mlp, $nodes embedded nodes, $rounds rounds"
echo
echo "| run | accuracy | Δ accuracy (points) | mean round (s) | bytes sent per node | in the sums (included of joined, over all rounds) | dropouts recovered | excluded |"
echo "|---|---|---|---|---|---|---|---|"
read -r acc0 s0 b0 _ < <(run plain)
echo "| plain FedAvg | $acc0 | - | $s0 | $b0 | - | - | - |"
read -r acc1 s1 b1 inc1 par1 rec1 exc1 < <(run secure --secure-aggregation)
d1=$("$py" -c "print('%+.2f' % (100 * ($acc1 - $acc0)))")
echo "| secure aggregation | $acc1 | $d1 | $s1 | $b1 | $inc1 of $par1 | $rec1 | $exc1 |"
read -r acc2 s2 b2 inc2 par2 rec2 exc2 < <(run secure-dropout --secure-aggregation --dropout "$dropout" \
  --allow-partial-rounds)
read -r acc3 s3 b3 _ < <(run plain-dropout --dropout "$dropout" --allow-partial-rounds)
echo "| plain FedAvg, --dropout $dropout | $acc3 | - | $s3 | $b3 | - | - | - |"
d2=$("$py" -c "print('%+.2f' % (100 * ($acc2 - $acc3)))")
echo "| secure aggregation, --dropout $dropout | $acc2 | $d2 | $s2 | $b2 | $inc2 of $par2 | $rec2 | $exc2 |"
echo
echo "Δ accuracy: against the plain run in the row above it. Bytes: nodes[].bytes_sent of the"
echo "report (\"-\": embedded nodes share one process and count no traffic)."
if [[ -x $compare ]]; then
  echo
  # The embedded cluster logs to the same streams: keep only the results.
  "$compare" "$nodes" "$rounds" "$train_limit" > "$work/compare.log" 2>&1 || {
    echo "secagg_table.sh: secagg_compare failed:" >&2
    tail -5 "$work/compare.log" >&2
    exit 1
  }
  grep -E '^(MLP|  (plain|secure) |relative)' "$work/compare.log"
else
  echo
  echo "($compare is missing: build the secagg_compare target for the relative error.)"
fi
