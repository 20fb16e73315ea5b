#!/usr/bin/env bash
# Installs the system packages the build and the tests need (Debian 12). Idempotent: does nothing when all are present.
# Used by test.sh, build.sh and the container images (k8s/images), so the install steps live in one place.
#   U2PL_DEPS=all       (default) build + tests: what ./build.sh and ./test.sh need
#   U2PL_DEPS=build     what building the native shim needs, nothing for the tests (image build stages)
#   U2PL_DEPS=runtime   only the shared libraries the built shim loads, no compiler (image final stages)
#   U2PL_TORCH=external leave out Debian's libtorch and OpenBLAS (the shim is built with Torch_DIR=<pytorch.org libtorch>)
#   U2PL_DEPS_EXTRA="curl unzip"  more packages
set -euo pipefail

# Azurite (the Azure Storage emulator tests/Checkpoints.Tests runs against), pinned: later versions need Node 22. It goes
# to a project-local folder (artifacts/azurite); Node.js and npm come from apt when missing. `--azurite-only` does only
# this step (the tests' own setup runs it when Azurite is missing).
install_azurite() {
  local version=3.35.0 dir sudo=""
  dir="$(cd "$(dirname "$0")/.." && pwd)/artifacts/azurite"
  if grep -qs "\"version\": \"$version\"" "$dir/node_modules/azurite/package.json"; then return 0; fi
  if [[ $(id -u) -ne 0 ]]; then sudo="sudo"; fi
  if ! command -v node > /dev/null || ! command -v npm > /dev/null; then
    echo "install-deps: installing nodejs npm" >&2
    $sudo env DEBIAN_FRONTEND=noninteractive apt-get update -qq
    $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends nodejs npm >&2
  fi
  echo "install-deps: installing azurite@$version into $dir" >&2
  mkdir -p "$dir"
  npm install --prefix "$dir" --no-audit --no-fund --loglevel=error "azurite@$version" >&2
}
if [[ "${1:-}" == "--azurite-only" ]]; then install_azurite; exit 0; fi
if [[ "${U2PL_DEPS:-all}" == "all" ]]; then install_azurite; fi
mode="${U2PL_DEPS:-all}"
torch="${U2PL_TORCH:-debian}"

# The runtime package behind a -dev package (libopencv-core-dev -> libopencv-core406 on Debian 12, ...4.5d on Ubuntu 22.04).
runtime_of() { apt-cache depends "$1" 2>/dev/null | awk -v p="$2" '$1 == "Depends:" && $2 ~ "^" p "[0-9]" { print $2; exit }'; }

packages=()
case "$mode" in
  all|build)
    packages+=(cmake g++ make libopencv-dev)   # libopencv-dev: image decode/encode/resize in the native shim
    if [[ "$torch" == "debian" ]]; then
      packages+=(libtorch-dev          # libtorch 1.13.1 (CPU): the tensor engine behind Torch/native
                 libopenblas0-openmp)  # switches libblas.so.3 to OpenBLAS: ~10x faster GEMM than the reference BLAS
    fi
    if [[ "$mode" == "all" ]]; then
      packages+=(python3-torch         # reference numerics: goldens and the PyTorch peer benchmark
                 python3-torchvision
                 postgresql)           # membership store for multi-silo tests
    fi ;;
  runtime)
    if [[ -z "$(runtime_of libopencv-core-dev libopencv-core)" ]]; then
      sudo=""; if [[ $(id -u) -ne 0 ]]; then sudo="sudo"; fi
      $sudo apt-get update -qq
    fi
    packages+=(ca-certificates libssl3)  # the .NET runtime (InvariantGlobalization: no ICU)
    for lib in core imgproc imgcodecs; do packages+=("$(runtime_of "libopencv-$lib-dev" "libopencv-$lib")"); done
    if [[ "$torch" == "debian" ]]; then packages+=(libtorch1.13 libopenblas0-openmp); fi ;;
  *) echo "install-deps: U2PL_DEPS must be all, build or runtime (got '$mode')" >&2; exit 2 ;;
esac
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
