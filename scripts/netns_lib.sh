# shellcheck shell=bash
# Network namespaces for a troupe cluster on one machine, sourced (not run) by
# examples/cluster/run_netns.sh and the tests/cluster/chaos_*netns_test.sh tests.
# Host 0 (the scheduler host) and hosts 1..N (node hosts) are each a namespace
# with one address, wired by veth pairs to a bridge in a "switch" namespace.
# Everything this creates is named after the calling shell's PID, and
# netns_cleanup (the EXIT trap netns_traps installs) deletes it again.
#
# Use:
#   netns_require NAME                      exit 77 unless root with iproute2
#   netns_traps                             cleanup on exit, Ctrl-C and TERM
#   netns_create PREFIX LETTER SUBNET HOSTS namespaces PREFIX-s-PID, PREFIX-nI-PID
#   "${netns_hosts[i]}", netns_addr I, netns_dev I
#   netns_impair I LOSS% DELAY_MS           host I's egress: netem (tc), or
#                                           scripts/netns_wire.py without sch_netem
#   netns_pids+=($!)                        processes that cleanup stops
#   netns_on_exit=FUNCTION                  called with the exit code after cleanup
#   netns_test_logs NAME                    a test's log directory ($logs) and fail()

netns_switch=""
netns_hosts=()
netns_pids=()
netns_subnet=""
netns_letter=""
netns_on_exit=""

# Exits 77 ("skipped" to ctest) when this machine cannot make namespaces.
netns_require() {
  [[ $(id -u) -eq 0 ]] || { echo "$1: skipped: must run as root (network namespaces)" >&2; exit 77; }
  command -v ip >/dev/null || { echo "$1: skipped: iproute2 (ip) is required" >&2; exit 77; }
}

# The address of host $1: SUBNET.1 for the scheduler host, SUBNET.(10 + I) for node host I.
netns_addr() { if (($1 == 0)); then echo "$netns_subnet.1"; else echo "$netns_subnet.$((10 + $1))"; fi; }

# Host $1's network interface (inside its namespace), e.g. to take its link down.
netns_dev() { echo "${netns_letter}v$1-$$"; }

# Makes the switch and hosts 0..$4: namespace prefix $1, one letter $2 that
# starts interface names (they must stay under 16 characters), /24 subnet $3
# ("10.77.0"). Exits 77 when namespaces cannot be made here.
netns_create() {
  local prefix=$1 nodes=$4 idx ns peer
  netns_letter=$2
  netns_subnet=$3
  netns_switch="$prefix-sw-$$"
  netns_hosts=("$prefix-s-$$")
  for idx in $(seq 1 "$nodes"); do netns_hosts+=("$prefix-n$idx-$$"); done
  ip netns add "$netns_switch" 2>/dev/null || { echo "netns: skipped: cannot create network namespaces" >&2; exit 77; }
  ip -n "$netns_switch" link add br0 type bridge
  ip -n "$netns_switch" link set br0 up
  for idx in "${!netns_hosts[@]}"; do
    ns=${netns_hosts[$idx]}
    peer="${netns_letter}p$idx-$$"
    ip netns add "$ns"
    ip link add "$(netns_dev "$idx")" type veth peer name "$peer"
    ip link set "$(netns_dev "$idx")" netns "$ns"
    ip link set "$peer" netns "$netns_switch"
    ip -n "$netns_switch" link set "$peer" master br0 up
    ip -n "$ns" link set lo up
    ip -n "$ns" addr add "$(netns_addr "$idx")/24" dev "$(netns_dev "$idx")"
    ip -n "$ns" link set "$(netns_dev "$idx")" up
  done
}

# Host $1's egress drops $2 % of its packets and delays the rest by $3 ms, as
# `tc qdisc add dev DEV root netem loss $2% delay $3ms` does inside its
# namespace. Kernels without sch_netem (no modules, as on these VMs) refuse
# that qdisc; then the host's veth is replaced by a tap-device wire that
# scripts/netns_wire.py drives (same name, address and bridge port; its pid
# joins netns_pids). Sets netns_impaired_by to "netem" or "wire".
netns_impaired_by=""
netns_impair() {
  local idx=$1 loss=$2 delay_ms=$3 ns=${netns_hosts[$1]} dev wire_side error
  dev=$(netns_dev "$idx")
  if error=$(tc -n "$ns" qdisc add dev "$dev" root netem loss "$loss%" delay "${delay_ms}ms" 2>&1); then
    # shellcheck disable=SC2034  # read by the scripts that source this file
    netns_impaired_by=netem
    return 0
  fi
  echo "netns: tc netem refused ($error); a user-space wire emulates it" >&2
  wire_side="${netns_letter}w$idx-$$"
  ip -n "$ns" link del "$dev"  # and its peer on the bridge
  python3 "$(dirname "${BASH_SOURCE[0]}")/netns_wire.py" "$dev" "$wire_side" --loss \
    "$(awk -v p="$loss" 'BEGIN { print p / 100 }')" --delay \
    "$(awk -v d="$delay_ms" 'BEGIN { print d / 1000 }')" --seed "$idx" >/dev/null &
  netns_pids+=($!)
  for _ in $(seq 1 50); do
    ip link show "$wire_side" >/dev/null 2>&1 && ip link show "$dev" >/dev/null 2>&1 && break
    sleep 0.1
  done
  ip link set "$dev" netns "$ns"
  ip link set "$wire_side" netns "$netns_switch"
  ip -n "$netns_switch" link set "$wire_side" master br0 up
  ip -n "$ns" addr add "$(netns_addr "$idx")/24" dev "$dev"
  ip -n "$ns" link set "$dev" up
  # shellcheck disable=SC2034
  netns_impaired_by=wire
}

# Stops the processes in netns_pids, deletes the namespaces, calls netns_on_exit
# with the exit code, and exits with it.
netns_cleanup() {
  local code=$? pid ns
  trap - EXIT INT TERM
  for pid in "${netns_pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${netns_pids[@]}"; do wait "$pid" 2>/dev/null || true; done
  for ns in "${netns_hosts[@]}" "$netns_switch"; do
    if [[ -n $ns ]]; then ip netns del "$ns" 2>/dev/null || true; fi
  done
  if [[ -n $netns_on_exit ]]; then "$netns_on_exit" "$code" || true; fi
  exit "$code"
}

# For a test called NAME: makes $logs, a fresh directory for its processes'
# logs, removed when the test passes and kept (the tail of each log printed)
# when it fails or CHAOS_KEEP_LOGS is set; defines fail MESSAGE; and installs
# the traps.
netns_test_logs() {
  netns_test_name=$1
  logs=$(mktemp -d -t "troupe-$1-XXXXXX")
  netns_on_exit=netns_report_logs
  netns_traps
}
netns_report_logs() {
  if (($1 != 0)) || [[ -n ${CHAOS_KEEP_LOGS:-} ]]; then
    echo "$netns_test_name: exit $1; logs in $logs" >&2
    (($1 == 0)) || for f in "$logs"/*.log; do echo "== $f" >&2; tail -n 25 "$f" >&2; done
  else
    rm -rf "$logs"
  fi
}
fail() { echo "$netns_test_name: FAIL: $*" >&2; exit 1; }

# Cleans up on every way out; Ctrl-C and TERM exit with their usual codes.
netns_traps() {
  trap netns_cleanup EXIT
  trap 'exit 130' INT
  trap 'exit 143' TERM
}
