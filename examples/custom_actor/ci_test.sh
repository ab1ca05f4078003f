#!/usr/bin/env bash
# Installs troupe from a build tree, builds this example against the installed
# package, and runs it: the example program, and the installed troupe binary
# with the example's plugin.
# Usage: ci_test.sh TROUPE_BUILD_DIR SCRATCH_DIR
set -euo pipefail
build=$(cd "$1" && pwd)
scratch=$2
here=$(cd "$(dirname "$0")" && pwd)
rm -rf "$scratch"
mkdir -p "$scratch"
prefix=$scratch/prefix

echo "== install troupe into $prefix"
cmake --install "$build" --prefix "$prefix" > "$scratch/install.log"

echo "== build the example against it"
launcher=()
if command -v ccache > /dev/null; then launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache); fi
flags=()
if [[ -n "${TROUPE_EXAMPLE_CXX_FLAGS:-}" ]]; then  # e.g. the sanitizer build's
  flags=(-DCMAKE_CXX_FLAGS="$TROUPE_EXAMPLE_CXX_FLAGS"
    -DCMAKE_EXE_LINKER_FLAGS="$TROUPE_EXAMPLE_CXX_FLAGS"
    -DCMAKE_MODULE_LINKER_FLAGS="$TROUPE_EXAMPLE_CXX_FLAGS")
fi
cmake -S "$here" -B "$scratch/build" -DCMAKE_PREFIX_PATH="$prefix" \
  -DCMAKE_BUILD_TYPE=RelWithDebInfo "${launcher[@]}" "${flags[@]}" > "$scratch/configure.log"
cmake --build "$scratch/build" -j 2
plugin=$scratch/build/libcustom_plugin.so

echo "== run the example program"
"$scratch/build/custom_cluster" --plugin "$plugin" 3 2

echo "== run the installed troupe with the plugin"
"$prefix/bin/troupe" run --model mlp --nodes 3 --rounds 2 --train-limit 3000 --test-limit 1000 \
  --quiet --plugin "$plugin" --strategy fedavg-decay --policy round-robin \
  --out "$scratch/report.json"
grep -q '"strategy": *"fedavg-decay"' "$scratch/report.json"
grep -q '"policy": *"round-robin"' "$scratch/report.json"
echo "== ok"
