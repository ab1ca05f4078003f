#!/usr/bin/env bash
# Logs, status and metrics of a running cluster on loopback: a scheduler with
# --metrics-listen 127.0.0.1:0 and --log-format json, two nodes (one at
# --log-level warn), one small job.
#   endpoints   `status --json`, GET /healthz and /metrics (with values that
#               match the job), a refused job and a refused connection logged
#               and counted, JSON log lines, --log-level hiding info lines,
#               and bad log and metrics options refused with exit 2.
#   prometheus  Debian's prometheus scrapes the scheduler every second; the
#               series read back through its HTTP API match the job.
# Run: tests/cluster/monitoring_test.sh CASE [path/to/troupe]
# Exit: 0 pass, 1 fail, 77 skipped (no Fashion-MNIST; prometheus: no binary).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
case_name=${1:?usage: monitoring_test.sh endpoints|prometheus [troupe]}
troupe=$(readlink -f "${2:-$here/../../build/cli/troupe}")
data_dir=${TROUPE_DATA_DIR:-/usr/share/datasets/fashion-mnist}
me="monitoring($case_name)"
py=/usr/bin/python3
rounds=2

skip() { echo "$me: skipped: $*" >&2; exit 77; }
fail() { echo "$me: FAIL: $*" >&2; exit 1; }
[[ -x "$troupe" ]] || { echo "$me: $troupe not found; build first" >&2; exit 1; }
[[ -d "$data_dir" ]] || skip "no Fashion-MNIST at $data_dir"
if [[ $case_name == prometheus ]]; then
  command -v prometheus >/dev/null || skip "no prometheus binary (apt-get install prometheus)"
fi

source "$(dirname "$0")/../process_harness.sh"
harness_init troupe-monitoring
# Waits up to 20 s for file $1 to exist.
wait_file() {
  for _ in $(seq 1 100); do [[ -s $1 ]] && return 0; sleep 0.2; done
  return 1
}
# GET $1 (a URL): prints "STATUS BODY".
get() {
  $py - "$1" <<'PY'
import sys, urllib.request, urllib.error
try:
    with urllib.request.urlopen(sys.argv[1], timeout=5) as r:
        print(r.status, r.read().decode())
except urllib.error.HTTPError as e:
    print(e.code, e.read().decode())
PY
}

# Bad options are usage errors before anything starts.
for bad in "--log-level loud" "--log-format xml" "--metrics-listen 127.0.0.1:99999" \
  "--metrics-listen nohost:" "--metrics-port-file $logs/p"; do
  code=0
  # shellcheck disable=SC2086  # the options split into words on purpose
  timeout 10 "$troupe" scheduler --listen 127.0.0.1:0 $bad >"$logs/bad.log" 2>&1 || code=$?
  ((code == 2)) || fail "scheduler $bad: exit $code, not 2: $(cat "$logs/bad.log")"
done
code=0
timeout 10 "$troupe" node --log-level verbose >"$logs/bad.log" 2>&1 || code=$?
((code == 2)) && grep -q -- "--log-level must be" "$logs/bad.log" ||
  fail "node --log-level verbose: exit $code: $(cat "$logs/bad.log")"

sched="127.0.0.1:$(free_port)"
# Admission with a shared secret, so that a client without it is refused.
head -c 32 /dev/urandom | od -A n -t x1 | tr -d ' \n' >"$logs/secret"
secret=(--secret-file "$logs/secret")
# Started directly with &, so that $! is troupe itself (cleanup stops exactly these).
"$troupe" scheduler --listen "$sched" --metrics-listen 127.0.0.1:0 \
  --metrics-port-file "$logs/metrics.port" --log-format json "${secret[@]}" \
  >"$logs/scheduler.log" 2>&1 &
pids+=($!)
wait_file "$logs/metrics.port" || fail "the scheduler wrote no metrics port"
metrics="http://127.0.0.1:$(cat "$logs/metrics.port")"
"$troupe" node --scheduler "$sched" --name n1 --threads 1 --connect-timeout 20 "${secret[@]}" \
  --log-level warn >"$logs/node-1.log" 2>&1 &
pids+=($!)
"$troupe" node --scheduler "$sched" --name n2 --threads 1 --connect-timeout 20 "${secret[@]}" \
  >"$logs/node-2.log" 2>&1 &
pids+=($!)

# `status --json` until both nodes are alive.
alive=0
for _ in $(seq 1 100); do
  alive=$("$troupe" status --json --scheduler "$sched" "${secret[@]}" 2>/dev/null |
    $py -c 'import json,sys; print(sum(n["alive"] for n in json.load(sys.stdin)["nodes"]))' 2>/dev/null) || alive=0
  ((alive == 2)) && break
  sleep 0.2
done
((alive == 2)) || fail "status --json never listed two alive nodes"

code=0
timeout 180 "$troupe" submit --scheduler "$sched" --model mlp --nodes 2 --min-nodes 2 \
  --rounds "$rounds" --train-limit 1200 --test-limit 500 --threads 1 --data-dir "$data_dir" \
  --connect-timeout 20 "${secret[@]}" --out "$logs/report.json" >"$logs/submit.log" 2>&1 || code=$?
((code == 0)) || fail "the job did not complete (exit $code): $(tail -n 5 "$logs/submit.log")"

case "$case_name" in
endpoints)
  # A job without the secret is refused; a message over --max-message is closed by the guard.
  timeout 60 "$troupe" submit --scheduler "$sched" --rounds 1 --connect-timeout 20 \
    --out "$logs/refused.json" >"$logs/refused.log" 2>&1 && fail "a job without the secret was run"
  $py - "${sched%:*}" "${sched#*:}" <<'PY' || fail "the guard did not close a connection announcing 2 GiB"
import socket, struct, sys
s = socket.create_connection((sys.argv[1], int(sys.argv[2])), timeout=5)
# A BASP header (32 bytes) whose payload length (bytes 4..7) is over the limit.
s.sendall(b"\x01\x00\x00\x00" + struct.pack(">I", 2 << 30) + b"\x00" * 24)
# Closed (EOF or reset) within the timeout; the scheduler's own handshake may
# arrive first, so read until the end rather than one byte.
try:
    while s.recv(4096):
        pass
except ConnectionResetError:
    pass
PY
  "$troupe" status --json --scheduler "$sched" "${secret[@]}" >"$logs/status.json" 2>"$logs/status.log" ||
    fail "status --json failed"
  $py - "$logs/status.json" "$sched" <<'PY' || fail "status --json does not describe the cluster"
import json, sys
st = json.load(open(sys.argv[1]))
assert st["scheduler"] == sys.argv[2], st["scheduler"]
assert st["uptime_s"] > 0 and st["jobs_done"] == 1 and st["queued"] == 0 and st["job"] is None, st
names = sorted(n["name"] for n in st["nodes"])
assert names == ["n1", "n2"], names
for n in st["nodes"]:
    assert n["state"] == "alive" and n["alive"] is True, n
    assert 0 <= n["heartbeat_age_s"] < 5, n
    assert n["resources"]["cores"] >= 1 and n["resources"]["memory_total"] > 0, n
    assert n["usage"]["bytes_received"] > 0, n
PY
  # --watch with --json: one object per line, until interrupted.
  "$troupe" status --json --watch 0.2 --scheduler "$sched" "${secret[@]}" >"$logs/watch.json" 2>&1 &
  watcher=$!
  pids+=("$watcher")
  # Three objects, however loaded the machine (each answer takes a connection).
  for _ in $(seq 1 150); do
    (($(wc -l <"$logs/watch.json") >= 3)) && break
    sleep 0.1
  done
  kill -INT "$watcher"
  wait "$watcher" || fail "status --watch did not exit 0 on SIGINT"
  $py -c '
import json, sys
lines = open(sys.argv[1]).read().splitlines()
assert len(lines) >= 3, lines
for l in lines: assert len(json.loads(l)["nodes"]) == 2' "$logs/watch.json" ||
    fail "status --json --watch did not print one object per line"

  health=$(get "$metrics/healthz")
  [[ $health == "200 ok" ]] || fail "/healthz answered '$health'"
  get "$metrics/metrics" >"$logs/metrics.txt"
  $py - "$logs/metrics.txt" "$rounds" <<'PY' || fail "/metrics does not match the job"
import re, sys
text = open(sys.argv[1]).read()
rounds = int(sys.argv[2])
assert text.startswith("200 "), text[:80]
samples, types = {}, {}
for line in text[4:].splitlines():
    if line.startswith("# TYPE "):
        _, _, name, kind = line.split(" ")
        types[name] = kind
    elif line and not line.startswith("#"):
        key, value = line.rsplit(" ", 1)
        samples[key] = float(value)
def need(key, ok):
    assert key in samples and ok(samples[key]), (key, samples.get(key))
need("troupe_rounds_total", lambda v: v == rounds)
need("troupe_nodes_alive", lambda v: v == 2)
need("troupe_tasks_started_total", lambda v: v >= 2 * rounds)
need("troupe_model_version", lambda v: v >= rounds)
need("troupe_accuracy", lambda v: 0 < v <= 1)
need('troupe_jobs_total{status="ok"}', lambda v: v == 1)
need('troupe_admission_refusals_total{reason="admission"}', lambda v: v >= 1)
need('troupe_guard_refusals_total{reason="too_large"}', lambda v: v == 1)
for node in ("n1", "n2"):
    need(f'troupe_node_heartbeat_age_seconds{{node="{node}"}}', lambda v: 0 <= v < 5)
    need(f'troupe_node_received_bytes{{node="{node}"}}', lambda v: v > 0)
assert any(re.fullmatch(r'troupe_build_info\{version="[^"]+"\}', k) for k in samples), samples
assert types["troupe_rounds_total"] == "counter" and types["troupe_nodes_alive"] == "gauge", types
PY

  # JSON log lines: every line of the scheduler is one object with the fields.
  $py - "$logs/scheduler.log" <<'PY' || fail "the scheduler's --log-format json lines are not JSON"
import json, re, sys
lines = open(sys.argv[1]).read().splitlines()
assert lines, "no log lines"
msgs = []
for l in lines:
    o = json.loads(l)
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z", o["ts"]), o
    assert o["level"] in ("trace", "debug", "info", "warn", "error") and o["process"] == "scheduler", o
    msgs.append(o["msg"])
for want in ("listening on", "node 'n1' joined", "node 'n2' joined", "' accepted", "' started",
             "finished: ok", "refused a job", "connection from 127.0.0.1"):
    assert any(want in m for m in msgs), (want, msgs)
PY
  # --log-level warn hides a node's info lines; the default keeps them, with a time and level.
  grep -q "connected to" "$logs/node-1.log" && fail "node n1 at --log-level warn logged info lines"
  grep -E -q '^[0-9-]{10}T[0-9:.]{12}Z info  troupe node n2: connected to' "$logs/node-2.log" ||
    fail "node n2's text log has no timestamped info line"
  ;;
prometheus)
  prom_port=$(free_port)
  cat >"$logs/prometheus.yml" <<YML
global:
  scrape_interval: 1s
scrape_configs:
  - job_name: troupe
    static_configs:
      - targets: ["127.0.0.1:$(cat "$logs/metrics.port")"]
YML
  prometheus --config.file="$logs/prometheus.yml" --storage.tsdb.path="$logs/tsdb" \
    --web.listen-address="127.0.0.1:$prom_port" >"$logs/prometheus.log" 2>&1 &
  pids+=($!)
  # Reads the series back through Prometheus' HTTP API until they match the job.
  $py - "http://127.0.0.1:$prom_port" "$rounds" <<'PY' || fail "Prometheus did not read the job's series back"
import json, sys, time, urllib.parse, urllib.request
base, rounds = sys.argv[1], int(sys.argv[2])
def query(q):
    url = base + "/api/v1/query?" + urllib.parse.urlencode({"query": q})
    with urllib.request.urlopen(url, timeout=5) as r:
        body = json.load(r)
    return {json.dumps(s["metric"], sort_keys=True): float(s["value"][1]) for s in body["data"]["result"]}
want = {
    "troupe_rounds_total": lambda r: list(r.values()) == [rounds],
    "troupe_nodes_alive": lambda r: list(r.values()) == [2],
    'troupe_jobs_total{status="ok"}': lambda r: list(r.values()) == [1],
    "count(troupe_node_heartbeat_age_seconds)": lambda r: list(r.values()) == [2],
    "troupe_tasks_started_total": lambda r: len(r) == 1 and list(r.values())[0] >= 2 * rounds,
}
deadline, got = time.time() + 30, {}
while time.time() < deadline:
    try:
        got = {q: query(q) for q in want}
        if all(ok(got[q]) for q, ok in want.items()):
            print("prometheus:", {q: list(v.values()) for q, v in got.items()})
            sys.exit(0)
    except OSError:
        pass  # not listening yet
    time.sleep(0.5)
print("last answers:", got, file=sys.stderr)
sys.exit(1)
PY
  ;;
*)
  echo "$me: unknown case (endpoints or prometheus)" >&2
  exit 2
  ;;
esac
echo "$me: pass"
