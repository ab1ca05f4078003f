#!/usr/bin/env bash
# Installs troupe's build and run dependencies from Debian bookworm's archive.
# Idempotent: packages already present are skipped, and apt is not touched at all
# when everything is installed. Run as root (or through sudo).
set -euo pipefail

packages=(
  build-essential cmake ccache pkg-config
  clang-format          # scripts/check-format.sh (CI fails on unformatted sources)
  libcaf-dev            # CAF 0.17.6: actors and remoting
  libtorch-dev          # LibTorch 1.13 (CPU)
  libopenblas0-pthread  # fast BLAS for LibTorch (otherwise the reference BLAS)
  libopenblas0-serial   # the other BLAS variants, for the test that every one of them
  libopenblas0-openmp   #   gives the right model (pthread keeps the highest priority)
  libcereal-dev         # checkpoints
  libjemalloc-dev       # the allocator of troupe's programs (flat memory in long runs)
  libssl-dev            # HMAC admission (OpenSSL libcrypto), CAF's TLS module
  libsodium-dev         # Ed25519 node identities (node key files, --allowed-nodes)
  openssl               # the TLS tests make a throwaway CA and certificates with it
  nlohmann-json3-dev    # JSON reports
  libboost-program-options-dev
  libgtest-dev
  zlib1g-dev            # gzipped IDX files
  coinor-libcbc-dev     # exact allocation (EPL)
  dataset-fashion-mnist # the real data
  iproute2              # network namespaces and tc (netem) for the multi-host example and tests
  python3               # examples/cluster and the HTML report test use it
  python3-torch         # examples/models/export_models.py (TorchScript models for --model-file, its tests)
  python3-numpy         # x.npy/y.npy data and the digits example
  python3-sklearn       # the handwritten digits (a second real data set)
  chromium              # headless browser for the HTML report test
  fonts-dejavu-core     # a font for Chromium's screenshots
  slurm-wlm slurmctld slurmd slurm-client munge  # test only: a one-host Slurm for tests/cluster/slurm_test.sh
)
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
