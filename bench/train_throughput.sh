#!/usr/bin/env bash
# Local training samples/s: troupe (C++/LibTorch) vs the same loop in PyTorch's
# Python API, same threads, batch and data, measured in one run; prints ratios.
# Usage: bench/train_throughput.sh [BUILD_DIR] [THREADS] [BATCH] [RUNS]
# Each run measures troupe and then Python (the order alternates between runs,
# so a drift of the machine's speed does not favour one side); the summary gives
# per model the median ratio, its range, and each side's spread
# ((max - min) / median of its samples/s over the runs).
# Needs Debian's python3-torch (install-deps.sh with TROUPE_WITH_PYTHON_BENCH=1).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
build=${1:-$here/../build}
threads=${2:-2}
batch=${3:-32}
runs=${4:-5}
samples=10000
epochs=2
data=${TROUPE_DATA_DIR:-/usr/share/datasets/fashion-mnist}
if ! /usr/bin/python3 -c 'import torch' 2>/dev/null; then
  echo "train_throughput: /usr/bin/python3 has no torch (apt-get install python3-torch)" >&2
  exit 1
fi
echo "threads=$threads batch=$batch samples=$samples epochs=$epochs runs=$runs"
cpp_run() {
  "$build/bench/train_throughput" --threads "$threads" --batch "$batch" --samples "$samples" \
    --epochs "$epochs" --data-dir "$data"
}
py_run() { /usr/bin/python3 "$here/train_throughput.py" "$threads" "$batch" "$samples" "$epochs" "$data"; }
all=""
for ((r = 1; r <= runs; r++)); do
  if ((r % 2)); then
    cpp=$(cpp_run)
    py=$(py_run)
  else
    py=$(py_run)
    cpp=$(cpp_run)
  fi
  for model in mlp cnn; do
    c=$(awk -v m=$model '$2==m {print $3, $4}' <<<"$cpp")
    p=$(awk -v m=$model '$2==m {print $3, $4}' <<<"$py")
    line=$(awk -v r=$r -v m=$model -v c="$c" -v p="$p" 'BEGIN {
      split(c, cc, " "); split(p, pp, " ");
      printf "run %d %s: troupe %.0f samples/s (%.1f faults/step), python %.0f samples/s (%.1f faults/step), ratio %.2f\n",
        r, m, cc[1], cc[2], pp[1], pp[2], cc[1] / pp[1] }')
    echo "$line"
    all+="$line"$'\n'
  done
done
# Summary per model: median ratio, range, each side's spread.
for model in mlp cnn; do
  grep " $model: " <<<"$all" | awk -v m=$model '
    { for (i = 1; i <= NF; i++) { if ($i == "troupe") t[NR] = $(i+1); if ($i == "python") p[NR] = $(i+1); if ($i == "ratio") q[NR] = $(i+1) } n = NR }
    function sort(a, k,   i, j, x) { for (i = 2; i <= k; i++) { x = a[i]; for (j = i - 1; j >= 1 && a[j] > x; j--) a[j+1] = a[j]; a[j+1] = x } }
    function median(a, k) { return k % 2 ? a[(k+1)/2] : (a[k/2] + a[k/2+1]) / 2 }
    END {
      sort(t, n); sort(p, n); sort(q, n)
      printf "%s: ratio median %.2f (min %.2f, max %.2f); troupe median %.0f samples/s, spread %.0f%%; python median %.0f samples/s, spread %.0f%%\n",
        m, median(q, n), q[1], q[n], median(t, n), 100 * (t[n] - t[1]) / median(t, n), median(p, n), 100 * (p[n] - p[1]) / median(p, n)
    }'
done
