#!/usr/bin/env bash
# Builds the .NET solution (TorchSharp and libtorch come from NuGet; no native build).
#   U2PL_TORCH_BACKEND=cuda ./build.sh   the CUDA build (TorchSharp-cuda-linux; README "GPU builds")
#   U2PL_SKIP_DEPS=1 ./build.sh          skips the apt step
set -euo pipefail
cd "$(dirname "$0")"
configuration="${CONFIGURATION:-Release}"

if [[ "${U2PL_SKIP_DEPS:-}" != "1" ]]; then scripts/install-deps.sh; fi

# On a libstdc++ without GLIBCXX_3.4.32 (Debian 12) the build makes TorchSharp loadable (Directory.Build.targets,
# scripts/torchsharp-compat); nothing to do here for it.
dotnet build U2PL.Orleans.sln -c "$configuration" -p:TorchBackend="${U2PL_TORCH_BACKEND:-cpu}" -nologo -v quiet -clp:ErrorsOnly
