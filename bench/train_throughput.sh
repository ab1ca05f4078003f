#!/usr/bin/env bash
# Local training samples/s: troupe (C++/LibTorch) vs the same loop in PyTorch's
# Python API, same threads, batch and data, measured in one run; prints ratios.
# Usage: bench/train_throughput.sh [BUILD_DIR] [THREADS] [BATCH]
# Needs Debian's python3-torch (install-deps.sh with TROUPE_WITH_PYTHON_BENCH=1).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
build=${1:-$here/../build}
threads=${2:-2}
batch=${3:-32}
samples=10000
epochs=2
data=${TROUPE_DATA_DIR:-/usr/share/datasets/fashion-mnist}
if ! /usr/bin/python3 -c 'import torch' 2>/dev/null; then
  echo "train_throughput: /usr/bin/python3 has no torch (apt-get install python3-torch)" >&2
  exit 1
fi
echo "threads=$threads batch=$batch samples=$samples epochs=$epochs"
cpp=$("$build/bench/train_throughput" --threads "$threads" --batch "$batch" --samples "$samples" --epochs "$epochs" --data-dir "$data")
py=$(/usr/bin/python3 "$here/train_throughput.py" "$threads" "$batch" "$samples" "$epochs" "$data")
echo "$cpp"
echo "$py"
for model in mlp cnn; do
  c=$(awk -v m=$model '$2==m {print $3}' <<<"$cpp")
  p=$(awk -v m=$model '$2==m {print $3}' <<<"$py")
  awk -v m=$model -v c="$c" -v p="$p" 'BEGIN { printf "%s: troupe %.0f samples/s, python %.0f samples/s, ratio %.2f\n", m, c, p, c / p }'
done
