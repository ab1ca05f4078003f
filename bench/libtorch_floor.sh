#!/usr/bin/env bash
# The memory floor of a process that links LibTorch: an empty C++ program
# linked against Debian's libtorch_cpu (and nothing else) against the same
# program without it, and an idle `troupe node` registered with a scheduler.
# Prints each one's RSS, PSS, private dirty and shared clean pages (MiB) from
# /proc/PID/smaps_rollup, and the empty program's start-up time. A node
# process cannot be smaller or start faster than the program with LibTorch:
# the loader maps libtorch_cpu's ~285 needed libraries and LibTorch's static
# initialisers register its operators on the heap before main().
# Usage: bench/libtorch_floor.sh [BUILD_DIR]
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-$root/build}
work=$(mktemp -d -t troupe-floor-XXXXXX)
# The scheduler and the node are this shell's own background jobs (no
# subshell between): `jobs -p` names them.
trap 'kill $(jobs -p) 2>/dev/null || true; wait 2>/dev/null || true; rm -rf "$work"' EXIT

cat >"$work/empty.cpp" <<'CPP'
#include <cstdio>
#include <fstream>
#include <iostream>
int main() {
  std::ifstream in("/proc/self/smaps_rollup");
  std::cout << in.rdbuf();
}
CPP
g++ -O1 "$work/empty.cpp" -o "$work/empty"
g++ -O1 "$work/empty.cpp" -o "$work/empty_torch" -Wl,--no-as-needed -ltorch_cpu -lc10

row() {  # NAME < smaps_rollup
  awk -v name="$1" '/^Rss:/ {r=$2} /^Pss:/ {p=$2} /^Private_Dirty:/ {d=$2} /^Shared_Clean:/ {s=$2}
    END {printf "%-34s %8.1f %8.1f %14.1f %13.1f\n", name, r/1024, p/1024, d/1024, s/1024}'
}
printf "%-34s %8s %8s %14s %13s\n" process rss_MiB pss_MiB private_dirty shared_clean
"$work/empty" | row "empty program"
"$work/empty_torch" | row "empty program + libtorch_cpu"
echo "libraries libtorch_cpu loads: $(ldd "$work/empty_torch" | wc -l)"
# Start-up: the loader and LibTorch's static initialisers, before main() runs.
for i in 1 2 3; do
  /usr/bin/time -f "empty program + libtorch_cpu, run $i: %e s wall, %U s user + %S s system CPU" \
    "$work/empty_torch" >/dev/null
done

"$build/cli/troupe" scheduler --listen 127.0.0.1:0 --port-file "$work/port" >"$work/scheduler.log" 2>&1 &
for _ in $(seq 100); do [[ -s $work/port ]] && break; sleep 0.1; done
"$build/cli/troupe" node --scheduler "127.0.0.1:$(cat "$work/port")" --name floor \
  >"$work/node.log" 2>&1 &
node=$!
for _ in $(seq 100); do grep -q registered "$work/node.log" && break; sleep 0.1; done
grep -q registered "$work/node.log" || { echo "the node did not register" >&2; exit 1; }
row "troupe node, idle, registered" <"/proc/$node/smaps_rollup"
