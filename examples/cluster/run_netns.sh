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
# Exit code 77 ("skipped" to ctest) when this machine cannot make namespaces.
[[ $(id -u) -eq 0 ]] || { echo "run_netns: must run as root (network namespaces)" >&2; exit 77; }
command -v ip >/dev/null || { echo "run_netns: iproute2 (ip) is required" >&2; exit 77; }
[[ -x "$troupe" ]] || { echo "run_netns: $troupe not found; build first" >&2; exit 1; }
[[ "$nodes" =~ ^[1-9][0-9]*$ && "$nodes" -le 50 ]] || { echo "run_netns: NODES must be 1..50" >&2; exit 2; }

tag=$$
switch="troupe-sw-$tag"
hosts=("troupe-s-$tag")
for i in $(seq 1 "$nodes"); do hosts+=("troupe-n$i-$tag"); done
logs=$(mktemp -d -t troupe-netns-XXXXXX)
pids=()

cleanup() {
  local code=$?
  trap - EXIT INT TERM
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
  for ns in "${hosts[@]}" "$switch"; do ip netns del "$ns" 2>/dev/null || true; done
  if ((code != 0)); then echo "run_netns: failed (exit $code); logs in $logs" >&2; else rm -rf "$logs"; fi
  exit "$code"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# A switch namespace with a bridge; every host gets a veth pair into it.
ip netns add "$switch"
ip -n "$switch" link add br0 type bridge
ip -n "$switch" link set br0 up
addr_of() { if (($1 == 0)); then echo 10.77.0.1; else echo "10.77.0.$((10 + $1))"; fi; }
for idx in "${!hosts[@]}"; do
  ns=${hosts[$idx]}
  ip netns add "$ns"
  ip link add "tv$idx-$tag" type veth peer name "tp$idx-$tag"
  ip link set "tv$idx-$tag" netns "$ns"
  ip link set "tp$idx-$tag" netns "$switch"
  ip -n "$switch" link set "tp$idx-$tag" master br0 up
  ip -n "$ns" link set lo up
  ip -n "$ns" addr add "$(addr_of "$idx")/24" dev "tv$idx-$tag"
  ip -n "$ns" link set "tv$idx-$tag" up
done

sched=$(addr_of 0)
echo "scheduler host ${hosts[0]} at $sched:7070; node hosts: ${hosts[*]:1} (logs: $logs)"
ip netns exec "${hosts[0]}" "$troupe" scheduler --listen "$sched:7070" --quiet >"$logs/scheduler.log" 2>&1 &
pids+=($!)
for i in $(seq 1 "$nodes"); do
  ip netns exec "${hosts[$i]}" "$troupe" node --scheduler "$sched:7070" --name "host-$i" --quiet \
    >"$logs/node-$i.log" 2>&1 &
  pids+=($!)
done
# In the background and waited for, so that Ctrl-C or TERM reaches the trap at once.
ip netns exec "${hosts[0]}" "$troupe" submit --scheduler "$sched:7070" --nodes "$nodes" --min-nodes "$nodes" \
  --out "${OUT:-netns-report.json}" "$@" &
submit=$!
pids+=("$submit")
wait "$submit"
