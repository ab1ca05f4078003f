#!/usr/bin/env bash
# Installs troupe's dependencies from Debian bookworm's archive, by set:
#   --runtime  what running troupe needs (the Debian package's Depends and
#              Recommends, as `apt-get install ./troupe_*.deb` brings them in)
#   --build    what building troupe and its package needs (compilers, -dev packages)
#   --test     what the test suite needs beyond those two (GoogleTest, Python,
#              Chromium, network tools, ...)
# Any combination; no option means all three (what .ci/run and scripts/build.sh
# use). This file is the one list of troupe's packages: add a line to a set.
# Idempotent: packages already present are skipped, and apt is not touched at
# all when everything is installed. Run as root (or through sudo).
set -euo pipefail

runtime_packages=(
  libcaf-core0.17 libcaf-io0.17 libcaf-openssl0.17  # CAF 0.17.6: actors and remoting
  libtorch1.13          # LibTorch 1.13 (CPU)
  libopenblas0-pthread  # fast BLAS for LibTorch (otherwise the reference BLAS)
  libjemalloc2          # the allocator of troupe's programs (flat memory in long runs)
  libssl3               # HMAC admission (OpenSSL libcrypto), CAF's TLS module
  libsodium23           # Ed25519 node identities (node key files, --allowed-nodes)
  libboost-program-options1.74.0
  libspdlog1.10 libfmt9 # the daemons' logs (--log-level, --log-format)
  libcpp-httplib0.11    # the scheduler's /metrics and /healthz endpoint
  zlib1g                # gzipped IDX files
  coinor-libcbc3        # exact allocation (EPL)
  dataset-fashion-mnist # the real data
)
build_packages=(
  build-essential cmake ccache pkg-config
  file                  # cpack -G DEB: finds the ELF files for dpkg-shlibdeps
  clang-format          # scripts/check-format.sh (CI fails on unformatted sources)
  libcaf-dev            # the -dev packages of the run-time set above
  libtorch-dev
  libcereal-dev         # checkpoints (header-only)
  libjemalloc-dev
  libssl-dev
  libsodium-dev
  nlohmann-json3-dev    # JSON reports (header-only)
  libboost-program-options-dev
  libspdlog-dev         # logs (with libfmt-dev)
  libcpp-httplib-dev    # the metrics endpoint (HTTP server; the exposition format is our own)
  zlib1g-dev
  coinor-libcbc-dev
)
test_packages=(
  libgtest-dev
  libopenblas0-serial   # the other BLAS variants, for the test that every one of them
  libopenblas0-openmp   #   gives the right model (pthread keeps the highest priority)
  openssl               # the TLS tests make a throwaway CA and certificates with it
  iproute2              # network namespaces and tc (netem) for the multi-host example and tests
  systemd               # systemd-analyze verify of the package's units
  python3               # examples/cluster and the HTML report test use it
  python3-torch         # examples/models/export_models.py (TorchScript models for --model-file, its tests)
  python3-numpy         # x.npy/y.npy data and the digits example
  python3-sklearn       # the handwritten digits (a second real data set)
  chromium              # headless browser for the HTML report test
  prometheus            # test only: scrapes a scheduler's /metrics (tests/cluster/monitoring_test.sh)
  fonts-dejavu-core     # a font for Chromium's screenshots
  slurm-wlm slurmctld slurmd slurm-client munge  # test only: a one-host Slurm for tests/cluster/slurm_test.sh
)

usage() {
  echo "usage: $0 [--runtime] [--build] [--test]   (none: all three)" >&2
  exit 2
}
packages=()
for arg in "$@"; do
  case "$arg" in
    --runtime) packages+=("${runtime_packages[@]}") ;;
    --build) packages+=("${build_packages[@]}") ;;
    --test) packages+=("${test_packages[@]}") ;;
    *)
      echo "install-deps: unknown option '$arg'" >&2
      usage
      ;;
  esac
done
if (($# == 0)); then
  packages=("${runtime_packages[@]}" "${build_packages[@]}" "${test_packages[@]}")
fi

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
    missing+=("$p")
  fi
done

if ((${#missing[@]} == 0)); then
  echo "install-deps: all ${#packages[@]} packages present"
  exit 0
fi

SUDO=""
if [[ $(id -u) -ne 0 ]]; then SUDO="sudo"; fi
echo "install-deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -q
$SUDO apt-get install -y -q --no-install-recommends "${missing[@]}"
