#!/usr/bin/env bash
# Runs after every other test (a CTest cleanup fixture): tests that start
# processes must stop exactly those they started, so no process of this
# build's troupe binary may be alive now. A process may take a few seconds to
# finish its shutdown (the exit watchdog allows 3 s), so this waits up to 10 s.
# Usage: no_processes_left.sh TROUPE_BINARY
set -uo pipefail
troupe=$(readlink -f "$1")
# Processes whose executable is this binary, however they were started
# (absolute or relative path, through ip netns exec or timeout).
alive() {
  local exe pid
  for exe in /proc/[0-9]*/exe; do
    [[ $(readlink "$exe" 2>/dev/null) == "$troupe" ]] || continue
    pid=${exe#/proc/}
    pid=${pid%/exe}
    echo "$pid $(tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null)"
  done
}
left=""
for _ in $(seq 1 20); do
  left=$(alive)
  if [[ -z $left ]]; then
    echo "no troupe process left behind by the test suite"
    exit 0
  fi
  sleep 0.5
done
echo "FAIL: processes of $troupe still alive after the test suite:"
echo "$left"
exit 1
