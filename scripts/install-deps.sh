#!/usr/bin/env bash
# Installs the system packages the build and the tests need (Debian 12). Idempotent: does nothing when all are present.
# Used by test.sh, build.sh and the container images (k8s/images), so the install steps live in one place.
#   U2PL_DEPS=all       (default) build + tests: what ./build.sh and ./test.sh need
#   U2PL_DEPS=build     what the build needs, nothing for the tests (image build stages)
#   U2PL_DEPS=runtime   what the built output needs to run (image final stages)
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

# TorchSharp 0.107.0's native library needs GLIBCXX_3.4.32; where the system libstdc++ lacks it (Debian 12), the build
# makes a patched copy (scripts/torchsharp-compat/patch.sh), which needs patchelf, g++ and binutils. Newer bases need none.
needs_torchsharp_compat() {
  local libstdcxx
  libstdcxx="$(/sbin/ldconfig -p | awk '/libstdc\+\+\.so\.6 / { print $NF; exit }')"
  [[ -z "$libstdcxx" ]] || ! grep -qa GLIBCXX_3.4.32 "$libstdcxx"
}

packages=()
case "$mode" in
  all|build)
    if needs_torchsharp_compat; then packages+=(patchelf g++ binutils); fi
    if [[ "$mode" == "all" ]]; then
      packages+=(python3-torch         # reference numerics: goldens and the PyTorch peer benchmark (not used by the product)
                 python3-torchvision
                 python3-onnx          # reads the ImageNet encoder's ONNX graphs for its goldens
                 chromium              # loads the run page headless in its test (tests/Client.Tests/RunPage)
                 python3-prometheus-client  # the independent reader of the silo's /metrics (tests/Client.Tests)
                 python3-protobuf      # the independent reader of TensorBoard event files in the tests (read_events.py)
                 redis-server)         # the Orleans cluster's store (membership, grain directory, grain state) in the
                                       # cluster, netns and bench fixtures; they start private servers, not the service
    fi ;;
  runtime)
    packages+=(ca-certificates libssl3) ;;  # the .NET runtime (InvariantGlobalization: no ICU); libtorch ships its own libgomp
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
