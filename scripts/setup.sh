#!/usr/bin/env bash
# setup.sh — on Debian 12: installs the packages nnbert needs (only those missing, with apt-get),
# then configures and builds build/. Used by quickstart.sh and test.sh; safe to run again.
set -euo pipefail
cd "$(dirname "$0")/.."

# libdnnl-dev: oneDNN, the GEMM of libnn. OpenBLAS (OpenMP build): the benchmarks' GEMM baseline
# and the fair wiring for PyTorch side by side (docs/PERFORMANCE.md). Open MPI: data-parallel training
# under mpirun (nn/dist; -Dmpi=disabled builds without it).
packages=(g++ meson ninja-build pkg-config libopenblas-dev libopenblas0-openmp libdnnl-dev libhwy-dev catch2
          libbenchmark-dev libutf8proc-dev nlohmann-json3-dev libopenmpi-dev openmpi-bin)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  echo "setup: installing ${missing[*]}"
  sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

if [ ! -f build/build.ninja ]; then
  meson setup build
fi
ninja -C build
