#!/usr/bin/env bash
# The Debian package, end to end (CI acceptance of issue 18): builds the .deb
# from a build tree (cpack -G DEB), installs it with apt, checks what it holds
# and what /usr/bin/troupe links, starts a scheduler and two nodes from
# /usr/bin/troupe on loopback with the shipped /etc/troupe INI files, runs a
# two-round job, checks its report, then purges the package and checks that
# nothing of it is left. Prints the package's size and installed size.
# Run as root: scripts/deb_smoke.sh [BUILD_DIR]   (default: build/)
# Exit: 0 pass, 1 fail, 2 usage (not root, troupe already installed, no build).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=$(cd "${1:-${TROUPE_BUILD_DIR:-$root/build}}" && pwd)
usage() { echo "deb_smoke: $*" >&2; exit 2; }
fail() { echo "deb_smoke: FAIL: $*" >&2; exit 1; }
[[ $(id -u) -eq 0 ]] || usage "must run as root (it installs and removes a package)"
[[ -f "$build/CPackConfig.cmake" ]] || usage "$build is not a configured troupe build"
# Never touch a troupe the machine already has (installed, or its configuration left).
if dpkg-query -W troupe >/dev/null 2>&1; then
  usage "a troupe package is known to dpkg already ($(dpkg-query -W -f='${Status}' troupe)); purge it first"
fi

scratch=$(mktemp -d)
pids=()
installed=0
cleanup() {
  local pid
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
  if ((installed)); then apt-get purge -y -q troupe >/dev/null 2>&1 || true; fi
  rm -rf "$scratch"
}
trap cleanup EXIT

echo "deb_smoke: building the package"
(cd "$build" && rm -f troupe_*.deb && cpack -G DEB >"$scratch/cpack.log" 2>&1) ||
  fail "cpack: $(tail -20 "$scratch/cpack.log")"
debs=("$build"/troupe_*.deb)
[[ ${#debs[@]} -eq 1 && -f ${debs[0]} ]] || fail "expected one troupe_*.deb in $build"
deb=${debs[0]}
depends=$(dpkg-deb -f "$deb" Depends)
if grep -E -q -- '-dev\b|cuda|gtest|chromium' <<<"$depends"; then
  fail "Depends names a build or test package: $depends"
fi
echo "deb_smoke: $(basename "$deb"): $(stat -c %s "$deb") bytes, Installed-Size $(dpkg-deb -f "$deb" Installed-Size) KiB"
echo "deb_smoke: Depends: $depends"

export DEBIAN_FRONTEND=noninteractive
installed=1
apt-get install -y -q "$deb" >"$scratch/apt.log" 2>&1 || fail "apt-get install: $(tail -20 "$scratch/apt.log")"
[[ -x /usr/bin/troupe ]] || fail "no /usr/bin/troupe after installing"
if dpkg -L troupe | grep -E -q '^/usr/include|/cmake/'; then fail "the package ships development files"; fi
ldd /usr/bin/troupe >"$scratch/ldd.txt"
if grep -E -q "not found|=> /usr/local|=> $build|=> $root" "$scratch/ldd.txt"; then
  fail "ldd /usr/bin/troupe: $(grep -E "not found|=> /usr/local|=> $build|=> $root" "$scratch/ldd.txt")"
fi
# Every library it loads belongs to a Debian package (troupe's own included):
# nothing from a CUDA toolkit or another hand-installed file.
while read -r lib; do
  dpkg -S "$(readlink -f "$lib")" >/dev/null 2>&1 || dpkg -S "$lib" >/dev/null 2>&1 ||
    fail "/usr/bin/troupe loads $lib, which no Debian package owns"
done < <(awk '/=> \//{print $3}' "$scratch/ldd.txt")
for f in /etc/troupe/scheduler.ini /etc/troupe/node-1.ini; do
  grep -q -x -F "$f" <(dpkg-query -W -f='${Conffiles}' troupe | awk '{print $1}') ||
    fail "$f is not a conffile"
done

# A secret readable only by root, as the units take it (there from /etc/troupe/secret).
head -c 32 /dev/urandom | base64 >"$scratch/secret"
chmod 0600 "$scratch/secret"
export TROUPE_SECRET_FILE=$scratch/secret

# Each process is started directly with &, so $! is troupe's own pid.
/usr/bin/troupe scheduler --config /etc/troupe/scheduler.ini --listen 127.0.0.1:0 \
  --port-file "$scratch/port" >"$scratch/scheduler.log" 2>&1 &
pids+=($!)
for _ in $(seq 100); do [[ -s "$scratch/port" ]] && break; sleep 0.1; done
[[ -s "$scratch/port" ]] || fail "the scheduler wrote no port: $(cat "$scratch/scheduler.log")"
scheduler="127.0.0.1:$(cat "$scratch/port")"
for i in 1 2; do
  /usr/bin/troupe node --config /etc/troupe/node-1.ini --scheduler "$scheduler" --name "deb-node-$i" \
    --key-file "$scratch/node-$i.key" >"$scratch/node-$i.log" 2>&1 &
  pids+=($!)
done
timeout 240 /usr/bin/troupe submit --scheduler "$scheduler" --nodes 2 --min-nodes 2 --model mlp \
  --rounds 2 --train-limit 1000 --test-limit 500 --out "$scratch/report.json" \
  >"$scratch/submit.log" 2>&1 || fail "submit: $(tail -20 "$scratch/submit.log")"
/usr/bin/python3 - "$scratch/report.json" <<'PY' || fail "the report: $(head -c 2000 "$scratch/report.json")"
import json, sys
r = json.load(open(sys.argv[1]))
assert r["status"] == "ok", r["status"]
assert len(r["rounds"]) == 2, len(r["rounds"])
assert r["final"]["accuracy"] > 0.5, r["final"]["accuracy"]
workers = {t.get("node") for t in r["tasks"]}
assert {"deb-node-1", "deb-node-2"} <= workers, workers
print("deb_smoke: job ok, accuracy %.4f, tasks on %s" % (r["final"]["accuracy"], sorted(workers)))
PY
for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
pids=()

apt-get purge -y -q troupe >"$scratch/purge.log" 2>&1 || fail "apt-get purge: $(tail -20 "$scratch/purge.log")"
installed=0
for gone in /usr/bin/troupe /usr/lib/troupe /etc/troupe /usr/lib/systemd/system/troupe-scheduler.service; do
  [[ ! -e $gone ]] || fail "$gone is still there after purging"
done
if dpkg-query -W troupe >/dev/null 2>&1; then fail "dpkg still knows troupe after purging"; fi
echo "deb_smoke: installed, ran a job from /usr/bin/troupe, purged"
