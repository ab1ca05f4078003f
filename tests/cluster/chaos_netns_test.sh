#!/usr/bin/env bash
# Chaos suite (issue 6): a node host loses its link for 10 s mid-job.
# A scheduler host and three node hosts, each a network namespace on a bridge
# (scripts/netns_lib.sh, shared with examples/cluster/run_netns.sh); during
# round 3 the first node host's interface goes down for 10 s. Checks, from `troupe status` and the job's
# JSON report: the node is declared lost (heartbeat timeout), its task is
# reassigned, the job completes with every shard in every round, and the node
# registers again and works in later rounds.
# Run (as root): tests/cluster/chaos_netns_test.sh [path/to/troupe]
# Exit: 0 pass, 1 fail, 77 skipped (not root, no iproute2, no namespaces).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
troupe=${1:-$here/../../build/cli/troupe}
data_dir=${TROUPE_DATA_DIR:-/usr/share/datasets/fashion-mnist}
rounds=${CHAOS_ROUNDS:-14}
outage_s=10
heartbeat_timeout_s=3

skip() { echo "chaos_netns: skipped: $*" >&2; exit 77; }
# shellcheck source=SCRIPTDIR/../../scripts/netns_lib.sh
source "$here/../../scripts/netns_lib.sh"
netns_require chaos_netns
command -v python3 >/dev/null || skip "python3 is required to read the report"
[[ -x "$troupe" ]] || { echo "chaos_netns: $troupe not found; build first" >&2; exit 1; }
[[ -d "$data_dir" ]] || skip "no Fashion-MNIST at $data_dir"

netns_test_logs chaos_netns

now() { echo $(($(date +%s%N) / 1000000)); }  # milliseconds
# Seconds since the time $1 (from now), with one decimal.
since() { local ms=$(($(now) - $1)); printf '%d.%d' $((ms / 1000)) $((ms % 1000 / 100)); }

netns_create tc c 10.78.0 3
hosts=("${netns_hosts[@]}")

sched="$(netns_addr 0):7070"
in_sched() { ip netns exec "${hosts[0]}" "$@"; }
status() { in_sched timeout 15 "$troupe" status --json --scheduler "$sched" --connect-timeout 5 2>/dev/null || true; }
# Field $2 of node $1 in `troupe status --json` (empty when the node or the answer is missing).
node_field() {
  status | /usr/bin/python3 -c '
import json, sys
try:
    nodes = json.load(sys.stdin)["nodes"]
except ValueError:
    sys.exit(0)
for n in nodes:
    if n["name"] == sys.argv[1]:
        print(json.dumps(n) if sys.argv[2] == "all" else n[sys.argv[2]])' "$1" "$2"
}
state_of() { node_field "$1" state; }

# Started with `ip netns exec` itself, not through in_sched: a shell function
# run with & is a subshell, and $! would be its pid, not troupe's (killing it
# left the scheduler running). `ip netns exec` execs, so $! is troupe.
ip netns exec "${hosts[0]}" "$troupe" scheduler --listen "$sched" \
  --heartbeat-timeout "$heartbeat_timeout_s" >"$logs/scheduler.log" 2>&1 &
netns_pids+=($!)
for i in 1 2 3; do
  # Slow enough (a sleep after each task, no extra CPU) that the job outlasts the outage.
  ip netns exec "${hosts[$i]}" "$troupe" node --scheduler "$sched" --name "host-$i" --threads 1 \
    --heartbeat-interval 0.5 --slow-factor 30 --connect-timeout 20 \
    >"$logs/node-$i.log" 2>&1 &
  netns_pids+=($!)
done

start=$(now)
ip netns exec "${hosts[0]}" timeout "${CHAOS_NETNS_JOB_TIMEOUT:-150}" "$troupe" submit --scheduler "$sched" --model mlp --nodes 3 --min-nodes 3 \
  --rounds "$rounds" --train-limit 6000 --test-limit 1000 --threads 1 --task-timeout 60 \
  --data-dir "$data_dir" --out "$logs/report.json" >"$logs/submit.log" 2>&1 &
submit=$!
netns_pids+=("$submit")

# Waits up to $2 seconds for `grep -q $1` to match the submit's output.
wait_submit() {
  local until=$((SECONDS + $2))
  while ((SECONDS < until)); do
    grep -q -- "$1" "$logs/submit.log" && return 0
    kill -0 "$submit" 2>/dev/null || return 1
    sleep 0.2
  done
  return 1
}
wait_submit "round   2/$rounds" 90 || fail "round 2 never ended: $(tail -n 5 "$logs/submit.log")"

victim=host-1
dev=$(netns_dev 1)
echo "chaos_netns: $(since "$start") s: round 2 done; $victim's link down for $outage_s s"
down_at=$(now)
ip -n "${hosts[1]}" link set "$dev" down
declared_lost=""
while (($(now) - down_at < outage_s * 1000)); do
  if [[ -z $declared_lost && $(state_of "$victim") == lost ]]; then
    declared_lost=$(since "$down_at")
    echo "chaos_netns: $victim declared lost $declared_lost s after its link went down:"
    node_field "$victim" all
  fi
  sleep 0.5
done
ip -n "${hosts[1]}" link set "$dev" up
up_at=$(now)
echo "chaos_netns: $(since "$start") s: $victim's link up again"
[[ -n $declared_lost ]] || fail "$victim was not declared lost during a $outage_s s outage"

rejoined=""
for _ in $(seq 1 60); do
  if [[ $(state_of "$victim") == alive ]]; then
    rejoined=$(since "$up_at")
    break
  fi
  sleep 0.5
done
[[ -n $rejoined ]] || fail "$victim did not register again within 30 s of its link coming back"
echo "chaos_netns: $victim alive again $rejoined s after its link came back:"
node_field "$victim" all
# One re-registration: the scheduler counts it as the node's second incarnation.
incarnation=$(node_field "$victim" incarnation)
[[ $incarnation == 2 ]] || fail "$victim is not in its second incarnation: $(node_field "$victim" all)"
rejoin_round=$(grep -c "^round" "$logs/submit.log" || true)

wait "$submit" || fail "the job did not complete: $(tail -n 5 "$logs/submit.log")"
echo "chaos_netns: $(since "$start") s: job done"

# The report: every round complete, the victim's task failed by the heartbeat
# timeout and reassigned, and the victim working again after it rejoined.
python3 - "$logs/report.json" "$victim" "$rounds" "$rejoin_round" <<'EOF'
import json, sys
report, victim, rounds, rejoin_round = json.load(open(sys.argv[1])), sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
problems = []
if report["status"] != "ok":
    problems.append(f"status {report['status']}: {report['error']}")
if len(report["rounds"]) != rounds:
    problems.append(f"{len(report['rounds'])} rounds, not {rounds}")
for r in report["rounds"]:
    if r["updates"] != 3:
        problems.append(f"round {r['round']} has {r['updates']} updates, not 3")
tasks = {t["id"]: t for t in report["tasks"]}
replaced = {t["reassigned_from"]: t for t in report["tasks"] if t["reassigned_from"] is not None}
lost = [t for t in report["tasks"] if t["node"] == victim and t["state"] == "failed"]
if not lost:
    problems.append(f"no task of {victim} failed")
for t in report["tasks"]:
    if t["state"] not in ("done", "failed"):
        problems.append(f"task {t['id']} is {t['state']}")
    if t["state"] == "failed":
        if not t["error"]:
            problems.append(f"task {t['id']} failed without a reason")
        if t["id"] not in replaced:
            problems.append(f"failed task {t['id']} ({t['error']}) was not reassigned")
for t in lost:
    print(f"chaos_netns: task {t['id']} (round {t['round']}, shard {t['shard']}) of {victim}: "
          f"{t['error']}; replaced by task {replaced.get(t['id'], {}).get('id')} on "
          f"{replaced.get(t['id'], {}).get('node')}")
if not any(victim in t["error"] and "heartbeat" in t["error"] for t in lost):
    problems.append(f"no task of {victim} failed for a missing heartbeat")
later = [t for t in report["tasks"]
         if t["node"] == victim and t["state"] == "done" and t["round"] > max(rejoin_round, 1)]
if not later:
    problems.append(f"{victim} did no work after it rejoined (round {rejoin_round})")
else:
    print(f"chaos_netns: {victim} did {len(later)} tasks after it rejoined during round {rejoin_round + 1}")
print(f"chaos_netns: final accuracy {report['final']['accuracy']}, wall {report['wall_s']:.1f} s")
for p in problems:
    print("chaos_netns: FAIL:", p, file=sys.stderr)
sys.exit(1 if problems else 0)
EOF
echo "chaos_netns: PASS"
