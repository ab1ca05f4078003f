# Sourced by the shell tests that start troupe processes: a log directory, the
# pids the test started, and a cleanup that stops exactly those on every exit
# (also Ctrl-C) and shows and keeps the logs when the test failed.
#
#   me="jobs(detach)"                      # the test's name in messages
#   harness_init troupe-jobs JOBS_KEEP_LOGS 15
#   "$troupe" node ... > "$logs/n1.log" 2>&1 &
#   pids+=($!)                             # troupe itself: never a shell function's subshell
#
# harness_init PREFIX [KEEP_VARIABLE] [TAIL_LINES]: makes $logs, empties
# pids, installs the traps. A test that set KEEP_VARIABLE keeps the logs of a
# passing run too. A function harness_extra_cleanup, when the test defines
# one, runs after the processes are stopped (e.g. to unmount).

harness_init() {
  logs=$(mktemp -d -t "$1-XXXXXX")
  harness_keep=${2:-}
  harness_tail=${3:-20}
  pids=()
  trap harness_cleanup EXIT
  trap 'exit 130' INT
  trap 'exit 143' TERM
}

harness_cleanup() {
  local code=$? keep=""
  trap - EXIT INT TERM
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
  if declare -F harness_extra_cleanup > /dev/null; then harness_extra_cleanup; fi
  [[ -n $harness_keep ]] && keep=${!harness_keep:-}
  if ((code != 0)) || [[ -n $keep ]]; then
    echo "$me: exit $code; logs in $logs" >&2
    if ((code != 0)); then
      for f in "$logs"/*.log; do
        [[ -e $f ]] || continue
        echo "== $f" >&2
        tail -n "$harness_tail" "$f" >&2
      done
    fi
  else
    rm -rf "$logs"
  fi
  exit "$code"
}

# A TCP port on 127.0.0.1 that is free now.
free_port() {
  /usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}
