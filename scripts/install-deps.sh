#!/usr/bin/env bash
# Installs the system packages the build and the tests need (Debian 12). Idempotent: does nothing when all are present.
# Used by test.sh, build.sh and the container images (k8s/images), so the install steps live in one place.
set -euo pipefail

packages=(
  cmake g++ make
  libtorch-dev          # libtorch 1.13.1 (CPU): the tensor engine behind Torch/native
  libopenblas0-openmp   # switches libblas.so.3 to OpenBLAS: ~10x faster GEMM than the reference BLAS
  libopencv-dev         # image decode/encode/resize in the native shim
  python3-torch         # reference numerics: goldens and the PyTorch peer benchmark
  python3-torchvision
  postgresql            # membership store for multi-silo tests
)
if [[ "${U2PL_DEPS_EXTRA:-}" != "" ]]; then read -r -a extra <<< "$U2PL_DEPS_EXTRA"; packages+=("${extra[@]}"); fi

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]} == 0)); then exit 0; fi

sudo=""
if [[ $(id -u) -ne 0 ]]; then sudo="sudo"; fi
echo "install-deps: installing ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
$sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2
