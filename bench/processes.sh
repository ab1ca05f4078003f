# Sourced by the bench scripts that start troupe processes. `pids` holds their
# process ids: add each with `pids+=($!)` right after starting the binary itself
# in the background (a shell function started with & would give the subshell's
# pid, and killing that leaves the process running). stop_all ends them all and
# waits for them.
pids=()
stop_all() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  for p in "${pids[@]}"; do wait "$p" 2>/dev/null || true; done
  pids=()
}
