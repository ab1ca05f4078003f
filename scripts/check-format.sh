#!/usr/bin/env bash
# Fails when a tracked C++ or CUDA source differs from what clang-format (with the
# repository's .clang-format) writes, and names the files; run it before a build
# so that CI stops early. Fix with: clang-format -i FILES
set -euo pipefail
cd "$(dirname "$0")/.."
mapfile -t files < <(git ls-files '*.cpp' '*.hpp' '*.cu')
offending=()
for f in "${files[@]}"; do
  if ! clang-format --dry-run -Werror "$f" >/dev/null 2>&1; then offending+=("$f"); fi
done
if ((${#offending[@]} > 0)); then
  echo "check-format: ${#offending[@]} file(s) differ from clang-format:" >&2
  printf '  %s\n' "${offending[@]}" >&2
  exit 1
fi
echo "check-format: ${#files[@]} files formatted"
