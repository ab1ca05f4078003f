#!/usr/bin/env bash
# The same embedded job under every BLAS Debian offers for LibTorch gives a
# correct model: bit for bit the same under each OpenBLAS build (pthreads,
# OpenMP, serial: the serial one is not safe from several threads, so troupe
# computes one task at a time with it), and the same twice in a row under each.
# Each variant is chosen through the library path, as a user's
# update-alternatives would. Exits 77 when fewer than two variants are installed.
# Usage: blas_variants_test.sh TROUPE_BINARY
set -euo pipefail
troupe=$1
libdir=/usr/lib/x86_64-linux-gnu
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

variants=()
for v in openblas-pthread openblas-openmp openblas-serial blas; do
  [[ -e $libdir/$v/libblas.so.3 ]] && variants+=("$v")
done
if ((${#variants[@]} < 2)); then
  echo "blas_variants_test: fewer than two BLAS variants installed (${variants[*]}); skipped"
  exit 77
fi

# The reference set-up, full shards: several nodes train at once (2 compute
# slots on 2 cores). Smaller jobs hid the serial build's corruption in some runs.
job=(run --model mlp --rounds 5 --nodes 10 --quiet)
fingerprint() {  # VARIANT RUN
  LD_LIBRARY_PATH=$libdir/$1 "$troupe" "${job[@]}" --out "$work/$1-$2.json" >"$work/$1-$2.log" 2>&1 ||
    { echo "FAIL: $1 run $2 failed: $(tail -n 3 "$work/$1-$2.log")"; exit 1; }
  python3 -c 'import json, sys; print(json.load(open(sys.argv[1]))["final"]["model_fingerprint"])' \
    "$work/$1-$2.json"
}

status=0
reference=""
for v in "${variants[@]}"; do
  a=$(fingerprint "$v" 1)
  b=$(fingerprint "$v" 2)
  echo "$v: $a $b$(grep -o 'not safe to call from several threads' "$work/$v-1.log" | head -n 1 | sed 's/^/ (/;s/$/)/')"
  if [[ $a != "$b" ]]; then
    echo "FAIL: $v gives different models in two runs of the same job"
    status=1
  fi
  # The OpenBLAS builds share their kernels: their models must be identical.
  if [[ $v == openblas-* ]]; then
    if [[ -z $reference ]]; then
      reference=$a
    elif [[ $a != "$reference" ]]; then
      echo "FAIL: $v gives $a where ${variants[0]} gives $reference"
      status=1
    fi
  fi
done
((status == 0)) && echo "blas_variants_test: ${#variants[@]} variants, models as expected"
exit $status
