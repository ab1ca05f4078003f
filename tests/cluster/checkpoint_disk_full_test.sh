#!/usr/bin/env bash
# Checkpoints on a disk that fills mid-job (issue 20, items 2 and 10). The
# checkpoint directory is a tmpfs this test mounts in its own mount namespace
# (unshare -m: the mount vanishes with the test), sized so that the first
# checkpoint fits and no later one does: an atomic write needs room for the
# new file next to the old one.
#   embedded   troupe run: the job completes, exit 0, and the report, the log
#              and the terminal summary say how many checkpoints failed and why.
#   required   troupe run --checkpoint-required: the job fails (exit 1) naming
#              the directory and "No space left on device"; the rounds so far
#              stay in the report and the round-1 checkpoint stays intact.
#   processes  a scheduler, a separate aggregator (its checkpoint disk fills)
#              and two nodes on loopback: every task is accounted for, every
#              round complete, and a job resumed from a copy of the last good
#              checkpoint ends with the same model as the disturbed one.
# Run (as root): tests/cluster/checkpoint_disk_full_test.sh CASE [path/to/troupe]
# Exit: 0 pass, 1 fail, 77 skipped (not root, no mount namespaces or tmpfs).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
case_name=${1:?usage: checkpoint_disk_full_test.sh embedded|required|processes [troupe]}
troupe=$(readlink -f "${2:-$here/../../build/cli/troupe}")
data_dir=${TROUPE_DATA_DIR:-/usr/share/datasets/fashion-mnist}
me="ckpt_disk_full($case_name)"

skip() { echo "$me: skipped: $*" >&2; exit 77; }
fail() { echo "$me: FAIL: $*" >&2; exit 1; }
[[ -x "$troupe" ]] || { echo "$me: $troupe not found; build first" >&2; exit 1; }
[[ -d "$data_dir" ]] || skip "no Fashion-MNIST at $data_dir"
command -v python3 >/dev/null || skip "python3 is required to read the report"

# Into a private mount namespace first, so that the small file system is this
# test's alone and is gone when the test ends, whatever happens.
if [[ -z ${TROUPE_CKPT_TEST_NS:-} ]]; then
  [[ $(id -u) == 0 ]] || skip "needs root (mount namespace, tmpfs)"
  unshare --mount true 2>/dev/null || skip "cannot create a mount namespace"
  TROUPE_CKPT_TEST_NS=1 exec unshare --mount --propagation private bash "$0" "$@"
fi

source "$(dirname "$0")/../process_harness.sh"
harness_extra_cleanup() { umount "$logs/disk" 2>/dev/null || true; }
harness_init troupe-ckpt-full CKPT_KEEP_LOGS 20

# An MLP checkpoint is about 410 KB: 600 KB hold one, never two.
disk=$logs/disk
mkdir -p "$disk"
mount -t tmpfs -o size=600k troupe-ckpt-test "$disk" || skip "cannot mount a tmpfs"

rounds=4
job=(--model mlp --nodes 2 --rounds "$rounds" --local-steps 20 --train-limit 2000
  --test-limit 500 --threads 1 --data-dir "$data_dir")

# Checks the report $1 with the Python expressions that follow (one per
# argument, `r` is the report); names each one that is false.
check_report() {
  python3 - "$@" <<'EOF'
import json, sys
r = json.load(open(sys.argv[1]))
bad = [c for c in sys.argv[2:] if not eval(c)]
for c in bad:
    print("not true:", c, file=sys.stderr)
if bad:
    print(json.dumps({k: r.get(k) for k in ("status", "error", "checkpoints")}), file=sys.stderr)
sys.exit(1 if bad else 0)
EOF
}

no_space="No space left on device"

case $case_name in
embedded)
  code=0
  "$troupe" run "${job[@]}" --checkpoint-dir "$disk" --out "$logs/report.json" \
    >"$logs/run.log" 2>&1 || code=$?
  ((code == 0)) || fail "the job did not complete (exit $code): $(tail -n 5 "$logs/run.log")"
  check_report "$logs/report.json" \
    "r['status'] == 'ok'" \
    "len(r['rounds']) == $rounds" \
    "r['checkpoints']['written'] == 1" \
    "r['checkpoints']['last_written_round'] == 1" \
    "r['checkpoints']['failed'] == $rounds - 1" \
    "'$no_space' in r['checkpoints']['last_error']" \
    "'$disk' in r['checkpoints']['last_error']" ||
    fail "the report does not show the failed checkpoints"
  grep -q "no checkpoint after round 2: .*$no_space" "$logs/run.log" ||
    fail "the log does not say that the checkpoint after round 2 failed"
  grep -q "Checkpoints: 1 written (newest after round 1), $((rounds - 1)) FAILED" "$logs/run.log" ||
    fail "the terminal summary does not count the failed checkpoints"
  ;;
required)
  code=0
  "$troupe" run "${job[@]}" --checkpoint-dir "$disk" --checkpoint-required \
    --out "$logs/report.json" >"$logs/run.log" 2>&1 || code=$?
  ((code == 1)) || fail "expected exit 1 from a job whose checkpoint failed, got $code"
  grep -q "job failed: the checkpoint after round 2 could not be written (--checkpoint-required): .*$disk.*$no_space" \
    "$logs/run.log" || fail "no clear message naming the directory and the cause"
  check_report "$logs/report.json" \
    "r['status'] == 'failed'" \
    "[x['round'] for x in r['rounds']] == [1, 2]" \
    "r['checkpoints']['written'] == 1 and r['checkpoints']['failed'] == 1" ||
    fail "the report does not keep the rounds so far"
  # The round-1 checkpoint is intact (atomic write) and nothing half-written is left.
  [[ -s $disk/checkpoint.bin && ! -e $disk/checkpoint.bin.tmp ]] ||
    fail "the directory holds $(ls -la "$disk")"
  mkdir -p "$logs/good"
  cp "$disk/checkpoint.bin" "$logs/good/"
  # With room again (the small disk unmounted), the job resumes from it; it
  # keeps checkpointing into its own --checkpoint-dir.
  umount "$disk"
  code=0
  "$troupe" run --resume "$logs/good" --nodes 2 --out "$logs/resumed.json" \
    >"$logs/resumed.log" 2>&1 || code=$?
  ((code == 0)) || fail "resuming from the round-1 checkpoint failed (exit $code)"
  check_report "$logs/resumed.json" \
    "r['status'] == 'ok'" \
    "r['resumed_from_round'] == 1" \
    "len(r['rounds']) == $rounds" \
    "r['checkpoints']['written'] == $rounds - 1 and r['checkpoints']['failed'] == 0" ||
    fail "the resumed job did not continue after round 1"
  ;;
processes)
  port=$(free_port)
  aport=$(free_port)
  sched="127.0.0.1:$port"
  # Started directly with &, so that $! is troupe itself (cleanup stops exactly these).
  "$troupe" aggregator --listen "127.0.0.1:$aport" --scheduler "$sched" \
    --connect-timeout 20 >"$logs/aggregator.log" 2>&1 &
  pids+=($!)
  "$troupe" scheduler --listen "$sched" --aggregator "127.0.0.1:$aport" \
    --connect-timeout 20 >"$logs/scheduler.log" 2>&1 &
  pids+=($!)
  for i in 1 2; do
    "$troupe" node --scheduler "$sched" --name "n$i" --threads 1 --connect-timeout 20 \
      >"$logs/node-$i.log" 2>&1 &
    pids+=($!)
  done
  code=0
  timeout 180 "$troupe" submit --scheduler "$sched" "${job[@]}" --min-nodes 2 --connect-timeout 20 \
    --checkpoint-dir "$disk" --out "$logs/report.json" >"$logs/submit.log" 2>&1 || code=$?
  ((code == 0)) || fail "the job did not complete (exit $code): $(tail -n 5 "$logs/submit.log")"
  check_report "$logs/report.json" \
    "r['status'] == 'ok'" \
    "[x['round'] for x in r['rounds']] == list(range(1, $rounds + 1))" \
    "all(x['updates'] == 2 for x in r['rounds'])" \
    "all(t['state'] in ('done', 'failed') for t in r['tasks'])" \
    "sorted((t['round'], t['shard']) for t in r['tasks'] if t['kind'] == 'train' and t['state'] == 'done') == [(n, s) for n in range(1, $rounds + 1) for s in range(2)]" \
    "r['checkpoints']['written'] == 1 and r['checkpoints']['failed'] == $rounds - 1" \
    "'$no_space' in r['checkpoints']['last_error']" ||
    fail "the report does not account for every task and checkpoint"
  grep -q "troupe aggregator: no checkpoint after round 2: .*$no_space" "$logs/aggregator.log" ||
    fail "the aggregator's log does not say why the checkpoint failed"
  grep -q "troupe scheduler: no checkpoint after round 2" "$logs/scheduler.log" ||
    fail "the scheduler's log does not say that the checkpoint failed"
  # The last good checkpoint (round 1), copied off the full disk, resumes to the same model.
  mkdir -p "$logs/good"
  cp "$disk/checkpoint.bin" "$logs/good/"
  [[ ! -e $disk/checkpoint.bin.tmp ]] || fail "a half-written checkpoint was left on the full disk"
  umount "$disk"  # room again: the resumed job checkpoints into its own --checkpoint-dir
  code=0
  timeout 180 "$troupe" submit --scheduler "$sched" --resume "$logs/good" --min-nodes 2 \
    --connect-timeout 20 --out "$logs/resumed.json" >"$logs/resumed.log" 2>&1 || code=$?
  ((code == 0)) || fail "the resumed job failed (exit $code): $(tail -n 5 "$logs/resumed.log")"
  fingerprint=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["final"]["model_fingerprint"])' "$logs/report.json")
  check_report "$logs/resumed.json" \
    "r['status'] == 'ok'" \
    "r['resumed_from_round'] == 1" \
    "[x['round'] for x in r['rounds']] == list(range(1, $rounds + 1))" \
    "r['final']['model_fingerprint'] == '$fingerprint'" \
    "r['checkpoints']['written'] == $rounds - 1 and r['checkpoints']['failed'] == 0" ||
    fail "the job resumed from the last good checkpoint differs"
  ;;
*)
  echo "$me: unknown case (embedded, required or processes)" >&2
  exit 2
  ;;
esac
echo "$me: pass"
