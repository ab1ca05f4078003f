#!/usr/bin/env bash
# `cmake --install` gives a tree that works wherever it is copied: installs the
# build's runtime component into a scratch prefix, moves the tree elsewhere,
# checks with ldd that troupe's libraries resolve inside the moved tree and
# that nothing comes from the build tree, /usr/local or nowhere, and runs a
# one-round job with the moved binary.
# Run: tests/packaging/relocatable_install_test.sh BUILD_DIR
# Exit: 0 pass, 1 fail.
set -euo pipefail
build=$(cd "${1:?usage: $0 BUILD_DIR}" && pwd)
source_dir=$(cd "$(dirname "$0")/../.." && pwd)
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
fail() { echo "relocatable_install: FAIL: $*" >&2; exit 1; }

cmake --install "$build" --prefix "$scratch/first" --component runtime >"$scratch/install.log"
mv "$scratch/first" "$scratch/moved"
troupe="$scratch/moved/bin/troupe"
[[ -x "$troupe" ]] || fail "no bin/troupe in the installed tree"

ldd "$troupe" >"$scratch/ldd.txt"
if grep -q "not found" "$scratch/ldd.txt"; then fail "unresolved libraries: $(grep 'not found' "$scratch/ldd.txt")"; fi
for bad in "$build" "$source_dir" /usr/local "$scratch/first"; do
  if grep -F -q "=> $bad" "$scratch/ldd.txt"; then
    fail "a library comes from $bad: $(grep -F "=> $bad" "$scratch/ldd.txt")"
  fi
done
count=$(grep -c "=> $scratch/moved/bin/../lib/troupe/libtroupe_" "$scratch/ldd.txt" || true)
[[ $count -eq 5 ]] || fail "expected troupe's 5 libraries from the moved tree, got $count: $(grep libtroupe "$scratch/ldd.txt")"

"$troupe" run --model mlp --rounds 1 --train-limit 500 --test-limit 200 --quiet \
  --out "$scratch/report.json" >"$scratch/run.log" 2>&1 || fail "the job failed: $(tail -5 "$scratch/run.log")"
grep -q '"model_fingerprint"' "$scratch/report.json" || fail "the report has no model_fingerprint"
echo "relocatable_install: the tree moved from first/ to moved/ runs; 5 libraries from lib/troupe"
