#!/usr/bin/env bash
# Shows: a troupe cluster over a real (virtual) network: one scheduler host and
# N node hosts, each a network namespace with its own address on a bridge
# (veth pairs), running the demo job. Needs root and iproute2.
# Run (as root): examples/cluster/run_netns.sh [NODES] [troupe submit options...]
# Addresses: 10.77.0.1 scheduler/aggregator, 10.77.0.11... nodes, all inside
# namespaces this script creates and deletes (prefix troupe-).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
troupe=${TROUPE:-$root/build/cli/troupe}
nodes=${1:-3}
shift || true
# shellcheck source=SCRIPTDIR/../../scripts/netns_lib.sh
source "$root/scripts/netns_lib.sh"
netns_require run_netns
[[ -x "$troupe" ]] || { echo "run_netns: $troupe not found; build first" >&2; exit 1; }
[[ "$nodes" =~ ^[1-9][0-9]*$ && "$nodes" -le 50 ]] || { echo "run_netns: NODES must be 1..50" >&2; exit 2; }

logs=$(mktemp -d -t troupe-netns-XXXXXX)
keep_logs_on_failure() {
  if (($1 != 0)); then echo "run_netns: failed (exit $1); logs in $logs" >&2; else rm -rf "$logs"; fi
}
netns_on_exit=keep_logs_on_failure
netns_traps
netns_create troupe t 10.77.0 "$nodes"
hosts=("${netns_hosts[@]}")

sched=$(netns_addr 0)
echo "scheduler host ${hosts[0]} at $sched:7070; node hosts: ${hosts[*]:1} (logs: $logs)"
ip netns exec "${hosts[0]}" "$troupe" scheduler --listen "$sched:7070" --quiet >"$logs/scheduler.log" 2>&1 &
netns_pids+=($!)
for i in $(seq 1 "$nodes"); do
  ip netns exec "${hosts[$i]}" "$troupe" node --scheduler "$sched:7070" --name "host-$i" --quiet \
    >"$logs/node-$i.log" 2>&1 &
  netns_pids+=($!)
done
# In the background and waited for, so that Ctrl-C or TERM reaches the trap at once.
ip netns exec "${hosts[0]}" "$troupe" submit --scheduler "$sched:7070" --nodes "$nodes" --min-nodes "$nodes" \
  --out "${OUT:-netns-report.json}" "$@" &
submit=$!
netns_pids+=("$submit")
wait "$submit"
