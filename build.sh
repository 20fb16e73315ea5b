#!/usr/bin/env bash
# Builds the native libtorch shim (Torch/native) and the .NET solution.
#   Torch_DIR=/opt/libtorch/share/cmake/Torch ./build.sh   builds the shim against another libtorch (e.g. CUDA)
#   U2PL_SKIP_DEPS=1 ./build.sh                            skips the apt step
set -euo pipefail
cd "$(dirname "$0")"
configuration="${CONFIGURATION:-Release}"

if [[ "${U2PL_SKIP_DEPS:-}" != "1" ]]; then scripts/install-deps.sh; fi

cmake_args=(-S Torch/native -B artifacts/native-build -DCMAKE_BUILD_TYPE=Release
            -DU2PL_NATIVE_OUTPUT_DIR="$PWD/artifacts/native")
if [[ -n "${Torch_DIR:-}" ]]; then cmake_args+=(-DTorch_DIR="$Torch_DIR"); fi
cmake "${cmake_args[@]}" > artifacts-cmake.log 2>&1 || { cat artifacts-cmake.log; exit 1; }
rm -f artifacts-cmake.log
cmake --build artifacts/native-build -j "$(nproc)"

dotnet build U2PL.Orleans.sln -c "$configuration" -nologo -v quiet -clp:ErrorsOnly
