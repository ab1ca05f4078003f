#!/usr/bin/env bash
# Sets everything up on a fresh Debian bookworm machine (as root), builds troupe,
# and runs the embedded cluster demo: `troupe run` with its defaults.
# Extra arguments go to `troupe run` (e.g. --model mlp --rounds 5).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
"$root/scripts/build.sh" >&2
build=${TROUPE_BUILD_DIR:-$root/build}
exec "$build/cli/troupe" run --out "$build/demo-report.json" --report "$build/demo-report" "$@"
