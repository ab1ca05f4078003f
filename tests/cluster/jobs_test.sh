#!/usr/bin/env bash
# Jobs that outlive `troupe submit`: a scheduler with --state-dir and two
# nodes on loopback, one case per run.
#   detach    submit --detach prints the id; `jobs` lists it, `wait ID`
#             reports it, `report ID --report DIR` fetches report.json and
#             index.html (and --out DIR still works, saying it is deprecated).
#   vanish    an attached submit SIGKILLed mid-job: the job finishes and its
#             report is fetched by id.
#   cancel    `cancel ID` stops a running job (report: cancelled, the rounds
#             so far); the next job then runs on the same nodes; cancelling it
#             again exits 1, an unknown id exits 2.
#   restart   a scheduler restarted with the same --state-dir lists and serves
#             the finished job and never reuses its id; a malformed index is
#             an error naming the file (exit 2).
#   interrupt an attached submit sent SIGINT cancels its job and exits 130.
#   secret    with --secret-file, every job request without the secret is
#             refused (exit 1) and changes nothing; with it, a queued job and
#             the job in hand are cancelled.
# Run: tests/cluster/jobs_test.sh CASE [path/to/troupe]
# Exit: 0 pass, 1 fail, 77 skipped (no data set).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
case_name=${1:?usage: jobs_test.sh detach|vanish|cancel|restart|interrupt|secret [troupe]}
troupe=$(readlink -f "${2:-$here/../../build/cli/troupe}")
data_dir=${TROUPE_DATA_DIR:-/usr/share/datasets/fashion-mnist}
py=/usr/bin/python3
me="jobs($case_name)"

skip() { echo "$me: skipped: $*" >&2; exit 77; }
fail() { echo "$me: FAIL: $*" >&2; exit 1; }
[[ -x "$troupe" ]] || { echo "$me: $troupe not found; build first" >&2; exit 1; }
[[ -d "$data_dir" ]] || skip "no Fashion-MNIST at $data_dir"

source "$(dirname "$0")/../process_harness.sh"
harness_init troupe-jobs JOBS_KEEP_LOGS 15
state=$logs/state
sched="127.0.0.1:$(free_port)"
conn=(--scheduler "$sched" --connect-timeout 20)
# Short jobs finish in a few seconds; long ones run until cancelled or killed.
# (a round of the long one: about 0.05 s idle, more under load).
job=(--model mlp --nodes 2 --min-nodes 2 --train-limit 1000 --test-limit 300 --threads 1
  --data-dir "$data_dir")
short=(--rounds 3 --local-steps 5 "${job[@]}")
long=(--rounds 400 --local-steps 100 "${job[@]}")

# Started directly with &, so that $! is troupe itself (cleanup stops exactly these).
start_scheduler() {
  "$troupe" scheduler --listen "$sched" --state-dir "$state" "$@" >>"$logs/scheduler.log" 2>&1 &
  scheduler_pid=$!
  pids+=("$scheduler_pid")
}
stop_scheduler() {
  kill -TERM "$scheduler_pid"
  wait "$scheduler_pid" 2>/dev/null || true
}
start_nodes() {
  for i in 1 2; do
    "$troupe" node --scheduler "$sched" --name "n$i" --threads 1 --connect-timeout 20 \
      >"$logs/node-$i.log" 2>&1 &
    pids+=($!)
  done
}

# The value of Python expression $2 over job $1's record (`troupe jobs --json`).
job_field() {
  "$troupe" jobs "${conn[@]}" --json | $py -c '
import json, sys
jobs = {j["id"]: j for j in json.load(sys.stdin)["jobs"]}
j = jobs.get(sys.argv[1])
print(eval(sys.argv[2]) if j else "")' "$1" "$2"
}
# Waits (up to 60 s) until job $1 has evaluated a round while still running.
wait_running() {
  for _ in $(seq 300); do
    [[ $(job_field "$1" 'j["state"] == "running" and j["rounds_done"] >= 1') == True ]] && return 0
    sleep 0.2
  done
  fail "job $1 never ran a round: $(job_field "$1" 'j')"
}
# Checks the report $1 with the Python expressions that follow (`r` is the report).
check_report() {
  $py - "$@" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
bad = [c for c in sys.argv[2:] if not eval(c)]
for c in bad:
    print("not true:", c, file=sys.stderr)
if bad:
    print(json.dumps({k: r.get(k) for k in ("job_id", "status", "error")}), file=sys.stderr)
sys.exit(1 if bad else 0)
PY
}

if [[ $case_name == secret ]]; then
  head -c 32 /dev/urandom | base64 >"$logs/secret"
  start_scheduler --secret-file "$logs/secret"
else
  start_scheduler
  start_nodes
fi
case $case_name in
detach)
  id=$("$troupe" submit "${conn[@]}" "${short[@]}" --name detached --detach 2>"$logs/submit.log")
  [[ $id =~ ^job-[0-9]+$ ]] || fail "submit --detach printed '$id', not a job id"
  "$troupe" jobs "${conn[@]}" >"$logs/jobs.txt"
  grep -Eq "^$id +detached " "$logs/jobs.txt" || fail "troupe jobs does not list $id: $(cat "$logs/jobs.txt")"
  code=0
  timeout 120 "$troupe" wait "$id" "${conn[@]}" --out "$logs/waited.json" >"$logs/wait.log" 2>&1 || code=$?
  ((code == 0)) || fail "wait $id exited $code"
  check_report "$logs/waited.json" "r['job_id'] == '$id'" "r['status'] == 'ok'" \
    "len(r['rounds']) == 3" || fail "wait's report is not the job's"
  "$troupe" report "$id" "${conn[@]}" --report "$logs/pages" >"$logs/report.log" 2>&1 ||
    fail "report $id failed: $(cat "$logs/report.log")"
  check_report "$logs/pages/report.json" "r['job_id'] == '$id'" "r['status'] == 'ok'" ||
    fail "the fetched report.json is not the job's"
  grep -q "<html" "$logs/pages/index.html" || fail "no HTML page fetched"
  "$troupe" report "$id" "${conn[@]}" --out "$logs/old" >"$logs/old.log" 2>&1 ||
    fail "report $id --out failed: $(cat "$logs/old.log")"
  grep -q "^troupe report: --out is deprecated here; use --report DIR" "$logs/old.log" ||
    fail "report --out does not say it is deprecated"
  [[ -s $logs/old/index.html ]] || fail "report --out wrote no page"
  [[ $(job_field "$id" 'j["state"]') == succeeded ]] || fail "jobs does not call $id succeeded"
  # Usage errors (exit 2): no id; a job id mixed with report files; an unknown id.
  code=0; "$troupe" wait "${conn[@]}" 2>/dev/null || code=$?
  ((code == 2)) || fail "wait without an id exited $code, not 2"
  code=0; "$troupe" report "$id" "$logs/waited.json" --report "$logs/x" 2>/dev/null || code=$?
  ((code == 2)) || fail "report with an id and a file exited $code, not 2"
  code=0; "$troupe" wait job-999 "${conn[@]}" 2>/dev/null || code=$?
  ((code == 2)) || fail "wait for an unknown id exited $code, not 2"
  code=0; "$troupe" report job-999 "${conn[@]}" --report "$logs/x" 2>/dev/null || code=$?
  ((code == 2)) || fail "report of an unknown id exited $code, not 2"
  ;;
vanish)
  "$troupe" submit "${conn[@]}" --rounds 60 --local-steps 100 "${job[@]}" >"$logs/submit.log" 2>&1 &
  submit_pid=$!
  pids+=("$submit_pid")
  for _ in $(seq 100); do grep -q "submitted" "$logs/submit.log" && break; sleep 0.2; done
  id=$(sed -n 's/^troupe submit: job \(job-[0-9]*\) submitted$/\1/p' "$logs/submit.log")
  [[ -n $id ]] || fail "the attached submit did not print its job id"
  wait_running "$id"
  kill -KILL "$submit_pid"
  wait "$submit_pid" 2>/dev/null || true
  timeout 120 "$troupe" wait "$id" "${conn[@]}" -q >"$logs/wait.log" 2>&1 ||
    fail "the job of the killed submitter did not finish well"
  "$troupe" report "$id" "${conn[@]}" --report "$logs/pages" >"$logs/report.log" 2>&1 ||
    fail "report $id failed: $(cat "$logs/report.log")"
  check_report "$logs/pages/report.json" "r['status'] == 'ok'" "len(r['rounds']) == 60" ||
    fail "the job did not run to its end without its submitter"
  ;;
cancel)
  first=$("$troupe" submit "${conn[@]}" "${long[@]}" --name long --detach)
  second=$("$troupe" submit "${conn[@]}" "${short[@]}" --name next --detach)
  [[ $(job_field "$second" 'j["state"]') == queued ]] || fail "$second is not queued behind $first"
  wait_running "$first"
  "$troupe" cancel "$first" "${conn[@]}" >"$logs/cancel.log" 2>&1 || fail "cancel $first failed"
  code=0
  timeout 120 "$troupe" wait "$second" "${conn[@]}" --out "$logs/next.json" >"$logs/wait.log" 2>&1 || code=$?
  ((code == 0)) || fail "the job after the cancelled one exited $code"
  check_report "$logs/next.json" "r['status'] == 'ok'" "len(r['rounds']) == 3" \
    "sorted(n['id'] for n in r['nodes']) == ['n1', 'n2']" || fail "the next job did not run on both nodes"
  "$troupe" report "$first" "${conn[@]}" --report "$logs/pages" >"$logs/report.log" 2>&1 ||
    fail "report $first failed"
  check_report "$logs/pages/report.json" "r['status'] == 'cancelled'" \
    "1 <= len(r['rounds']) < 400" || fail "the cancelled job's report is wrong"
  [[ $(job_field "$first" 'j["state"]') == cancelled ]] || fail "jobs does not call $first cancelled"
  code=0
  "$troupe" cancel "$first" "${conn[@]}" 2>"$logs/again.log" || code=$?
  ((code == 1)) || fail "cancelling a finished job exited $code, not 1"
  grep -q "had already finished" "$logs/again.log" || fail "no word that $first had finished"
  code=0
  "$troupe" cancel job-999 "${conn[@]}" 2>"$logs/unknown.log" || code=$?
  ((code == 2)) || fail "cancelling an unknown id exited $code, not 2"
  grep -q "no job 'job-999'" "$logs/unknown.log" || fail "the unknown id is not named: $(cat "$logs/unknown.log")"
  ;;
restart)
  id=$("$troupe" submit "${conn[@]}" "${short[@]}" --detach)
  timeout 120 "$troupe" wait "$id" "${conn[@]}" -q >"$logs/wait.log" 2>&1 || fail "wait $id failed"
  stop_scheduler
  start_scheduler
  [[ $(job_field "$id" 'j["state"]') == succeeded ]] || fail "the restarted scheduler lost $id"
  "$troupe" report "$id" "${conn[@]}" --report "$logs/pages" >"$logs/report.log" 2>&1 ||
    fail "the restarted scheduler does not serve $id's report"
  check_report "$logs/pages/report.json" "r['job_id'] == '$id'" "r['status'] == 'ok'" ||
    fail "the report after the restart is not the job's"
  next=$("$troupe" submit "${conn[@]}" "${short[@]}" --detach)
  [[ $next != "$id" ]] || fail "the restarted scheduler reused $id"
  stop_scheduler
  mkdir -p "$logs/bad"
  echo '{"format": 1, "next": 2, "jobs": [{"id": "job-1"' >"$logs/bad/jobs.json"
  code=0
  timeout 20 "$troupe" scheduler --listen "127.0.0.1:0" --state-dir "$logs/bad" \
    >"$logs/bad.log" 2>&1 || code=$?
  ((code == 2)) || fail "a malformed index: exit $code, not 2"
  grep -q "jobs.json" "$logs/bad.log" || fail "the error does not name the file: $(cat "$logs/bad.log")"
  ;;
interrupt)
  "$troupe" submit "${conn[@]}" "${long[@]}" >"$logs/submit.log" 2>&1 &
  submit_pid=$!
  pids+=("$submit_pid")
  for _ in $(seq 100); do grep -q "submitted" "$logs/submit.log" && break; sleep 0.2; done
  id=$(sed -n 's/^troupe submit: job \(job-[0-9]*\) submitted$/\1/p' "$logs/submit.log")
  [[ -n $id ]] || fail "the attached submit did not print its job id"
  wait_running "$id"
  kill -INT "$submit_pid"
  code=0
  wait "$submit_pid" || code=$?
  ((code == 130)) || fail "the interrupted submit exited $code, not 130"
  grep -q "^troupe: job cancelled: cancelled on request" "$logs/submit.log" ||
    fail "the interrupted submit does not say its job was cancelled"
  [[ $(job_field "$id" 'j["state"]') == cancelled ]] || fail "the interrupted submit did not cancel $id"
  ;;
secret)
  # No nodes: the first job stays in hand (waiting for nodes), the second queued.
  with=(--secret-file "$logs/secret")
  first=$("$troupe" submit "${conn[@]}" "${with[@]}" "${short[@]}" --detach)
  second=$("$troupe" submit "${conn[@]}" "${with[@]}" "${short[@]}" --detach)
  for request in "jobs" "wait $first" "report $first --report $logs/pages" "cancel $first"; do
    code=0
    # shellcheck disable=SC2086 # the request's words
    "$troupe" $request "${conn[@]}" >"$logs/refused.log" 2>&1 || code=$?
    ((code == 1)) || fail "'$request' without the secret exited $code, not 1"
    grep -q "admission refused" "$logs/refused.log" || fail "'$request': $(cat "$logs/refused.log")"
  done
  [[ $(conn+=("${with[@]}") && job_field "$first" 'j["state"]') == running ]] ||
    fail "a refused cancel changed $first"
  "$troupe" cancel "$second" "${conn[@]}" "${with[@]}" >/dev/null || fail "cancel of queued $second failed"
  "$troupe" cancel "$first" "${conn[@]}" "${with[@]}" >/dev/null || fail "cancel of $first failed"
  conn+=("${with[@]}")
  [[ $(job_field "$second" 'j["state"] + " " + j["note"]') == "cancelled cancelled on request before it started" ]] ||
    fail "the queued job was not cancelled: $(job_field "$second" 'j')"
  [[ $(job_field "$first" 'j["state"]') == cancelled ]] || fail "$first was not cancelled"
  ;;
*) fail "unknown case '$case_name'" ;;
esac
echo "$me: ok"
