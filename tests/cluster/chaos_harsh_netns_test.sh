#!/usr/bin/env bash
# Harsher chaos (issue 20, item 10): one disturbance per run, in network namespaces.
#   lossy     node host 1's egress drops 30 % of its packets, delays the rest 200 ms
#   flapping  node host 1's link goes down and up every 2 s for the whole job
#   loris     a slow-loris client holds the scheduler's guarded port (many
#             connections dribbling bytes) before the nodes start
#   sigstop   the separate aggregator process is stopped (SIGSTOP) mid-job for
#             12 s, longer than the task timeout (8 s), then continued (SIGCONT)
# A scheduler host (and the aggregator for sigstop), three node hosts and, for
# loris, a client host; each a namespace on a bridge (scripts/netns_lib.sh).
# Checks, from the job's JSON report and its checkpoint: the job ends ok with
# every round and every shard (or fails with a clear message, which fails the
# test), every task is done or failed with a reason and reassigned, the final
# model is the undisturbed one (an embedded run of the same job: nothing lost
# from finished rounds), and the checkpoint of the last round is whole.
# Run (as root): tests/cluster/chaos_harsh_netns_test.sh SCENARIO [path/to/troupe]
# Exit: 0 pass, 1 fail, 77 skipped (not root, no iproute2, no namespaces).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
scenario=${1:?usage: $0 lossy|flapping|loris|sigstop [troupe]}
troupe=${2:-$here/../../build/cli/troupe}
data_dir=${TROUPE_DATA_DIR:-/usr/share/datasets/fashion-mnist}
scale=${TROUPE_TEST_TIME_SCALE:-1}
rounds=4
case "$scenario" in lossy | flapping | loris | sigstop) ;; *)
  echo "chaos_$scenario: unknown scenario (lossy, flapping, loris, sigstop)" >&2
  exit 2
  ;;
esac
name="chaos_$scenario"

skip() { echo "$name: skipped: $*" >&2; exit 77; }
# shellcheck source=SCRIPTDIR/../../scripts/netns_lib.sh
source "$here/../../scripts/netns_lib.sh"
netns_require "$name"
command -v python3 >/dev/null || skip "python3 is required"
[[ -x "$troupe" ]] || { echo "$name: $troupe not found; build first" >&2; exit 1; }
[[ -d "$data_dir" ]] || skip "no Fashion-MNIST at $data_dir"

netns_test_logs "$name"

# The job: small shards and few rounds, so that each scenario takes well under a minute.
job=(--model mlp --nodes 3 --rounds "$rounds" --train-limit 3000 --test-limit 500 --threads 1
  --seed 42 --data-dir "$data_dir")

# The undisturbed model: the same job embedded (the same shards, seeds and
# aggregation order give the same bits as in processes).
"$troupe" run "${job[@]}" --quiet --out "$logs/undisturbed.json" >"$logs/undisturbed.log" 2>&1 ||
  fail "the undisturbed run failed: $(tail -n 3 "$logs/undisturbed.log")"

# Letters and subnets differ per scenario: ctest may run them at once.
case "$scenario" in
  lossy) netns_create hl l 10.81.0 4 ;;
  flapping) netns_create hf f 10.82.0 4 ;;
  loris) netns_create hs s 10.83.0 4 ;;
  sigstop) netns_create hz z 10.84.0 4 ;;
esac
hosts=("${netns_hosts[@]}")
sched="$(netns_addr 0):7070"
aggr="$(netns_addr 0):7071"

if [[ $scenario == lossy ]]; then
  netns_impair 1 30 200
  echo "$name: host 1 behind 30 % loss and 200 ms delay (by $netns_impaired_by)"
fi

# Every process is started with `ip netns exec` itself (it execs), so that $!
# is troupe's pid and cleanup stops exactly it.
scheduler_args=(--listen "$sched" --heartbeat-timeout 5)
if [[ $scenario == sigstop ]]; then
  ip netns exec "${hosts[0]}" "$troupe" aggregator --listen "$aggr" --scheduler "$sched" \
    --connect-timeout 30 >"$logs/aggregator.log" 2>&1 &
  aggregator=$!
  netns_pids+=("$aggregator")
  scheduler_args+=(--aggregator "$aggr")
fi
ip netns exec "${hosts[0]}" "$troupe" scheduler "${scheduler_args[@]}" >"$logs/scheduler.log" 2>&1 &
netns_pids+=($!)

if [[ $scenario == loris ]]; then
  ip netns exec "${hosts[4]}" python3 "$here/slow_loris.py" "$(netns_addr 0)" 7070 \
    --connections 1200 >"$logs/loris.log" 2>&1 &
  netns_pids+=($!)
  # The nodes start once the loris holds (nearly) all it may: the guard's
  # per-address limit (256) of its 1024 slots.
  held=0
  for _ in $(seq 1 100); do
    held=$(tail -n 1 "$logs/loris.log" | awk '$1 == "holding" { print $2 }')
    ((${held:-0} >= 250)) && break
    sleep 0.2
  done
  echo "$name: loris: $(tail -n 1 "$logs/loris.log")"
  ((${held:-0} >= 250)) || fail "the loris never held 250 connections: $(tail -n 1 "$logs/loris.log")"
fi

# Slow nodes (a sleep after each task, no extra CPU) where the disturbance must
# land inside the job.
slow=1
[[ $scenario == flapping || $scenario == sigstop ]] && slow=60
for i in 1 2 3; do
  ip netns exec "${hosts[$i]}" "$troupe" node --scheduler "$sched" --name "host-$i" --threads 1 \
    --heartbeat-interval 0.5 --slow-factor "$slow" --connect-timeout 30 \
    >"$logs/node-$i.log" 2>&1 &
  netns_pids+=($!)
done

# A task that waits on the stopped aggregator times out: its reassignment and
# the stale answers after SIGCONT are the point.
task_timeout=20
stop_s=12
[[ $scenario == sigstop ]] && task_timeout=8
mkdir -p "$logs/checkpoints"
ip netns exec "${hosts[0]}" timeout "$((120 * scale))" "$troupe" submit --scheduler "$sched" \
  "${job[@]}" --min-nodes 3 --task-timeout "$task_timeout" --connect-timeout 30 \
  --checkpoint-dir "$logs/checkpoints" --out "$logs/report.json" >"$logs/submit.log" 2>&1 &
submit=$!
netns_pids+=("$submit")

# Waits up to $2 seconds for `grep -q $1` to match the submit's output.
wait_submit() {
  local until=$((SECONDS + $2 * scale))
  while ((SECONDS < until)); do
    grep -q -- "$1" "$logs/submit.log" && return 0
    kill -0 "$submit" 2>/dev/null || return 1
    sleep 0.2
  done
  return 1
}

case "$scenario" in
  flapping)
    wait_submit "round   1/$rounds" 60 || fail "round 1 never ended: $(tail -n 3 "$logs/submit.log")"
    dev=$(netns_dev 1)
    # Its own process (bash -c), so that $! is the loop and cleanup stops it.
    bash -c "while true; do ip -n ${hosts[1]} link set $dev down; sleep 2
      ip -n ${hosts[1]} link set $dev up; sleep 2; done" &
    flapper=$!
    netns_pids+=("$flapper")
    echo "$name: host-1's link flaps every 2 s from round 2 on (loop pid $flapper)"
    ;;
  sigstop)
    wait_submit "round   1/$rounds" 60 || fail "round 1 never ended: $(tail -n 3 "$logs/submit.log")"
    kill -STOP "$aggregator"
    echo "$name: aggregator (pid $aggregator) stopped after round 1"
    sleep "$stop_s"
    kill -CONT "$aggregator"
    echo "$name: aggregator continued after $stop_s s"
    ;;
esac

job_rc=0
wait "$submit" || job_rc=$?
if [[ -n ${flapper:-} ]]; then
  kill "$flapper" 2>/dev/null || true
  wait "$flapper" 2>/dev/null || true
  ip -n "${hosts[1]}" link set "$(netns_dev 1)" up
fi
((job_rc == 0)) || fail "the job did not complete (exit $job_rc): $(tail -n 5 "$logs/submit.log")"
echo "$name: job done"

python3 "$here/chaos_report_check.py" "$name" "$logs/report.json" "$logs/undisturbed.json" \
  "$logs/checkpoints/checkpoint.bin" "$rounds" 3
if [[ $scenario == loris ]]; then
  # The guard, not luck, let the nodes in: it closed the loris's connections.
  closed=$(grep -c "connection from $(netns_addr 4):.* \(closed\|refused\)" "$logs/scheduler.log" || true)
  echo "$name: the guard closed or refused $closed of the loris's connections"
  ((closed > 0)) || fail "the guard never closed a loris connection"
fi
echo "$name: PASS"
