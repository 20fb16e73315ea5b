# syntax=docker/dockerfile:1
# The GPU silo image: u2pl-silo and the client built with the CUDA build switch (-p:TorchBackend=cuda, which references
# TorchSharp-cuda-linux: TorchSharp with libtorch 2.10.0 + CUDA 12.8, cuDNN and cuBLAS included) on NVIDIA's CUDA
# runtime image. Ubuntu 24.04's libstdc++ has GLIBCXX_3.4.32, so the Debian 12 compatibility step of the build
# (scripts/torchsharp-compat) detects that it is not needed and does nothing.
#
#   docker build -f k8s/images/gpu.Dockerfile -t REGISTRY/u2pl-gpu:TAG .    (from the repository root)
#
# Not built on the project's dev machines: they have no Docker engine, and their package source does not serve
# TorchSharp-cuda-linux (README, "GPU builds"). Needs a NuGet source that does.

ARG CUDA_VERSION=12.8.1
FROM mcr.microsoft.com/dotnet/sdk:10.0-noble AS dotnet-sdk
FROM mcr.microsoft.com/dotnet/aspnet:10.0-noble AS dotnet-runtime

# ---- build: the .NET SDK and the restore of TorchSharp-cuda-linux live only here (no nvcc needed) ----
FROM ubuntu:24.04 AS build
ENV DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SYSTEM_GLOBALIZATION_INVARIANT=1
COPY --from=dotnet-sdk /usr/share/dotnet /usr/share/dotnet
RUN ln -s /usr/share/dotnet/dotnet /usr/bin/dotnet
WORKDIR /src
COPY scripts/install-deps.sh scripts/
RUN U2PL_DEPS=build U2PL_DEPS_EXTRA="ca-certificates libssl3" scripts/install-deps.sh
COPY . .
RUN U2PL_TORCH_BACKEND=cuda U2PL_SKIP_DEPS=1 ./build.sh \
 && dotnet publish Silo/Silo.csproj -c Release -p:TorchBackend=cuda --no-build -o /out/silo \
 && dotnet publish Client/Client.csproj -c Release -p:TorchBackend=cuda --no-build -o /out/client

# ---- final: CUDA runtime base (the driver comes from the node), .NET runtime, the published apps ----
FROM nvidia/cuda:${CUDA_VERSION}-runtime-ubuntu24.04
COPY scripts/install-deps.sh /usr/local/lib/u2pl/install-deps.sh
RUN U2PL_DEPS=runtime /usr/local/lib/u2pl/install-deps.sh && rm -rf /var/lib/apt/lists/* \
 && useradd --uid 10001 --no-create-home --home-dir /tmp --shell /usr/sbin/nologin u2pl
COPY --from=dotnet-runtime /usr/share/dotnet /usr/share/dotnet
COPY --from=build /out /app
# HOME=/tmp: the root filesystem may be read-only; mount an emptyDir at /tmp (the manifests do). CUDA's kernel cache
# goes there too.
ENV DOTNET_ROOT=/usr/share/dotnet \
    PATH=/app/silo:/app/client:/usr/share/dotnet:$PATH \
    HOME=/tmp
USER 10001
WORKDIR /tmp
EXPOSE 11111 11112 30000 8080
CMD ["u2pl-silo", "--help"]
