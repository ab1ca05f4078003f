#!/usr/bin/env bash
# Three jobs of priorities 3, 2 and 1 on a three-node cluster of processes,
# submitted lowest first (the top job arrives while the lowest runs). The top
# job's completion time (submission to report, its report's job.completion_s)
# is compared, in the same run, with its time alone on the idle cluster:
#   solo        the top job alone (after one job that warms the nodes up)
#   queued      all three, no preemption: the top job waits for the running one
#   preempt     all three, the top job with --preempt: the running job yields
#               at its round's end and resumes afterwards
#   shared      all three at once on the same three nodes (`troupe scheduler
#               --concurrent-jobs 3 --share-nodes`): each node runs its waiting
#               tasks highest priority first; a task computing is not interrupted
#   shared-p    shared, and the top job with --preempt: a lower job's task that
#               computes on a node stops for the top job's task, between
#               mini-batches, and runs again from its start afterwards
# Target (ratio to solo): the top job within 1.2x with --preempt. The lowest
# job's model must be the same with and without preemption, in every mix.
# The jobs are troupe run's default model on full shards unless TRAIN_LIMIT says.
# Usage: bench/preemption_bench.sh [BUILD_DIR] [ROUNDS] [TRAIN_LIMIT] [DELAY_S]
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
build=${1:-$here/../build}
rounds=${2:-3}
train_limit=${3:-0}  # 0: the full training set, split over the three nodes
delay=${4:-5}        # seconds between the lowest job's submission and the top one's
troupe="$build/cli/troupe"
work=$(mktemp -d -t troupe-preempt-XXXXXX)
# shellcheck source=bench/processes.sh
source "$here/processes.sh"
trap 'stop_all; rm -rf "$work"' EXIT

start_cluster() {  # LABEL [scheduler options]
  local label=$1
  shift
  rm -f "$work/port"
  "$troupe" scheduler --listen 127.0.0.1:0 --port-file "$work/port" --quiet "$@" \
    >"$work/scheduler-$label.log" 2>&1 &
  pids+=($!)
  for _ in $(seq 1 100); do [[ -s "$work/port" ]] && break; sleep 0.05; done
  ep="127.0.0.1:$(cat "$work/port")"
  for i in 1 2 3; do
    "$troupe" node --scheduler "$ep" --name "n$i" --threads 1 >"$work/node-$label-$i.log" 2>&1 &
    pids+=($!)
  done
  # Every job's time counts from a cluster whose nodes all joined.
  for _ in $(seq 1 200); do
    # A status call that fails (the scheduler not listening yet) counts none.
    alive=$({ "$troupe" status --scheduler "$ep" --json 2>/dev/null || true; } |
      { grep -o '"alive":true' || true; } | wc -l)
    ((alive >= 3)) && return 0
    sleep 0.1
  done
  echo "the nodes did not join" >&2
  exit 1
}

job=(--nodes 3 --rounds "$rounds" --train-limit "$train_limit" --threads 1 --min-nodes 3
     --quiet --detach)
submit() {  # NAME PRIORITY [more options]; prints the job id
  local name=$1 priority=$2
  shift 2
  "$troupe" submit --scheduler "$ep" "${job[@]}" --name "$name" --priority "$priority" "$@" |
    grep -o 'job-[0-9]*' | head -1
}
wait_for() {  # ID OUT
  "$troupe" wait "$1" --scheduler "$ep" --quiet --out "$2" >/dev/null
}
field() {  # REPORT PYTHON-EXPRESSION over r
  python3 -c "import json,sys; r=json.load(open(sys.argv[1])); print($2)" "$1"
}

start_cluster solo
# The same job once first: the nodes' first set-up reads the data set from disk,
# later ones find it in the page cache, as in the mixes below.
warm=$(submit warm 1)
wait_for "$warm" "$work/solo-warm.json"
top=$(submit top 3)
wait_for "$top" "$work/solo-top.json"
stop_all
solo=$(field "$work/solo-top.json" "r['job']['completion_s']")

run_mix() {  # LABEL SCHEDULER-OPTIONS [options of the top job]
  local label=$1 scheduler_options=$2
  shift 2
  # shellcheck disable=SC2086  # the scheduler's options are words
  start_cluster "$label" $scheduler_options
  local low mid top
  low=$(submit low 1)
  sleep "$delay"
  mid=$(submit mid 2)
  top=$(submit top 3 "$@")
  for pair in "low:$low" "mid:$mid" "top:$top"; do
    wait_for "${pair#*:}" "$work/$label-${pair%%:*}.json"
  done
  stop_all
}
run_mix queued ""
run_mix preempt "" --preempt
run_mix shared "--concurrent-jobs 3 --share-nodes"
run_mix shared-p "--concurrent-jobs 3 --share-nodes" --preempt

echo "three jobs (priorities 3, 2, 1) on 3 node processes, $rounds rounds each," \
     "train limit $train_limit, the top job submitted ${delay} s after the lowest"
printf "%-8s %10s %10s %10s %10s %10s %8s %10s %11s %18s\n" run top_s top_wait_s mid_s low_s \
  all_s top/solo low_yields task_yields low_fingerprint
printf "%-8s %10.1f %10.1f %10s %10s %10s %8.2f %10s %11s %18s\n" solo "$solo" \
  "$(field "$work/solo-top.json" "r['job']['waiting_s']")" - - - 1 - - -
for label in queued preempt shared shared-p; do
  t=$(field "$work/$label-top.json" "r['job']['completion_s']")
  m=$(field "$work/$label-mid.json" "r['job']['completion_s']")
  l=$(field "$work/$label-low.json" "r['job']['completion_s']")
  y=$(field "$work/$label-low.json" "r['job']['preempted']")
  # Training tasks of the two lower jobs that a top-job task interrupted.
  ty=$(($(field "$work/$label-low.json" "r['job']['tasks_yielded']") +
    $(field "$work/$label-mid.json" "r['job']['tasks_yielded']")))
  f=$(field "$work/$label-low.json" "r['final']['model_fingerprint']")
  s=$(field "$work/$label-low.json" "r['status']")
  [[ $s == ok ]] || echo "$label: the lowest job ended $s"
  w=$(field "$work/$label-top.json" "r['job']['waiting_s']")
  # All three done, from the lowest job's submission (the others came DELAY s later).
  all=$(awk -v l="$l" -v m="$m" -v t="$t" -v d="$delay" \
    'BEGIN { a = l; if (d + m > a) a = d + m; if (d + t > a) a = d + t; print a }')
  printf "%-8s %10.1f %10.1f %10.1f %10.1f %10.1f %8.2f %10s %11s %18s\n" "$label" "$t" "$w" \
    "$m" "$l" "$all" "$(awk -v t="$t" -v s="$solo" 'BEGIN { print t / s }')" "$y" "$ty" "$f"
done
