#!/usr/bin/env bash
# examples/slurm/troupe.sbatch refuses bad input before it starts anything: each case
# runs the script outside Slurm with a made-up job environment and expects exit 2, a
# message naming what is wrong, no process left and no file left in the submit directory.
# Usage: slurm_sbatch_input_test.sh TROUPE_BINARY (needs no Slurm).
set -uo pipefail
troupe=$(readlink -f "$1")
script=$(cd "$(dirname "$0")/../.." && pwd)/examples/slurm/troupe.sbatch
work=$(mktemp -d -t troupe-sbatch-input-XXXXXX)
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/submit"
failures=0

# expect NAME MESSAGE_FRAGMENT ENV... : runs the script with a fake job's environment
# (overridden by ENV) and checks the exit code, the message and the submit directory.
expect() {
  local name=$1 want=$2
  shift 2
  local out code
  out=$(env -u TROUPE_SECRET_FILE SLURM_JOB_ID=42 SLURM_JOB_NODELIST=localhost SLURM_NTASKS=3 \
    SLURM_SUBMIT_DIR="$work/submit" TROUPE="$troupe" "$@" bash "$script" 2>&1)
  code=$?
  if [[ $code -ne 2 || $out != *"$want"* ]]; then
    echo "FAIL: $name: exit $code, output: $out (expected exit 2 and '$want')"
    failures=$((failures + 1))
  elif [[ -n $(ls -A "$work/submit") ]]; then
    echo "FAIL: $name: left $(ls -A "$work/submit") in the submit directory"
    failures=$((failures + 1))
  else
    echo "ok: $name: $out"
  fi
}

expect "outside a Slurm job" "not inside a Slurm job" SLURM_JOB_ID=
expect "no troupe binary" "not found or not executable" TROUPE="$work/no-such-troupe"
expect "a port that is not a number" "TROUPE_PORT must be a port number" TROUPE_PORT=70x
expect "a port out of range" "TROUPE_PORT must be a port number" TROUPE_PORT=70000
printf 'a-secret-of-at-least-16-bytes\n' >"$work/open-secret"
chmod 644 "$work/open-secret"
expect "a secret others can read" "is readable by others (mode 644)" TROUPE_SECRET_FILE="$work/open-secret"
expect "a secret that does not exist" "cannot be read" TROUPE_SECRET_FILE="$work/missing-secret"
((failures == 0)) || exit 1
echo "slurm_sbatch_input_test: ok"
