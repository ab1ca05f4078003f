#!/usr/bin/env bash
# The package's systemd units pass `systemd-analyze verify` with no complaint
# (it exits 0 on unknown keys, so any output counts as a failure), and say what
# the package promises: each reads its INI file, restarts on failure and takes
# the secret from a root-only file through LoadCredential.
# Run: tests/packaging/systemd_units_test.sh BUILD_DIR
# Exit: 0 pass, 1 fail, 77 skipped (no systemd-analyze).
set -euo pipefail
build=$(cd "${1:?usage: $0 BUILD_DIR}" && pwd)
command -v systemd-analyze >/dev/null || { echo "systemd_units: skipped: no systemd-analyze" >&2; exit 77; }
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
fail() { echo "systemd_units: FAIL: $*" >&2; exit 1; }

cmake --install "$build" --prefix "$scratch/prefix" --component runtime >"$scratch/install.log"
units="$scratch/prefix/lib/systemd/system"
etc="$scratch/prefix/etc/troupe"
for ini in scheduler.ini node-1.ini; do [[ -f "$etc/$ini" ]] || fail "no $etc/$ini"; done

# Verify the template through an instance, as systemd would load it.
cp "$units/troupe-node@.service" "$scratch/troupe-node@1.service"
if ! systemd-analyze verify "$units/troupe-scheduler.service" "$scratch/troupe-node@1.service" \
  >"$scratch/verify.log" 2>&1 || [[ -s "$scratch/verify.log" ]]; then
  fail "systemd-analyze verify: $(cat "$scratch/verify.log")"
fi

# The keys, as systemd parses them (comments and continuation lines resolved).
expect() {  # UNIT KEY=VALUE
  grep -q -x -F "$2" <(grep -v '^#' "$units/$1") || fail "$1 lacks '$2'"
}
expect troupe-scheduler.service "ExecStart=$scratch/prefix/bin/troupe scheduler --config $etc/scheduler.ini"
expect troupe-node@.service "ExecStart=$scratch/prefix/bin/troupe node --config $etc/node-%i.ini"
expect troupe-scheduler.service "StateDirectory=troupe"
grep -q -x -F "state-dir = /var/lib/troupe" "$etc/scheduler.ini" ||
  fail "scheduler.ini does not keep jobs in the unit's state directory"
for unit in troupe-scheduler.service troupe-node@.service; do
  expect "$unit" "Restart=on-failure"
  expect "$unit" "LoadCredential=secret:$etc/secret"
  expect "$unit" "Environment=TROUPE_SECRET_FILE=%d/secret"
done
echo "systemd_units: both units verify and read $etc"
