# syntax=docker/dockerfile:1
# The GPU silo image: u2pl-silo over libtorch 2.4.1 with CUDA 12.4 from pytorch.org, on NVIDIA's CUDA runtime image.
# The shim is built with the same scripts as a dev machine, pointed at that libtorch with Torch_DIR (README,
# "Building against another libtorch").
#
#   docker build -f k8s/images/gpu.Dockerfile -t REGISTRY/u2pl-gpu:TAG .    (from the repository root)
#
# Not built on the project's dev machines: they have no Docker engine (see README, "Run on Kubernetes").

ARG CUDA_VERSION=12.4.1
FROM mcr.microsoft.com/dotnet/sdk:10.0 AS dotnet-sdk
FROM mcr.microsoft.com/dotnet/aspnet:10.0 AS dotnet-runtime

# ---- build: nvcc (CUDA devel image), cmake/g++/OpenCV headers, the libtorch zip and the .NET SDK live only here ----
FROM nvidia/cuda:${CUDA_VERSION}-cudnn-devel-ubuntu22.04 AS build
# The cxx11-ABI build: the shim links OpenCV from apt, which uses that ABI. Pin the checksum in LIBTORCH_SHA256.
ARG LIBTORCH_URL=https://download.pytorch.org/libtorch/cu124/libtorch-cxx11-abi-shared-with-deps-2.4.1%2Bcu124.zip
ARG LIBTORCH_SHA256=""
# No GPU while building: name the architectures instead of letting TorchConfig probe for one.
ENV DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SYSTEM_GLOBALIZATION_INVARIANT=1 \
    TORCH_CUDA_ARCH_LIST="7.0;8.0;8.6;8.9;9.0"
COPY --from=dotnet-sdk /usr/share/dotnet /usr/share/dotnet
RUN ln -s /usr/share/dotnet/dotnet /usr/bin/dotnet
WORKDIR /src
COPY scripts/install-deps.sh scripts/
RUN U2PL_DEPS=build U2PL_TORCH=external U2PL_DEPS_EXTRA="ca-certificates libssl3 curl unzip" scripts/install-deps.sh
RUN curl -fsSL -o /tmp/libtorch.zip "$LIBTORCH_URL" \
 && if [ -n "$LIBTORCH_SHA256" ]; then echo "$LIBTORCH_SHA256  /tmp/libtorch.zip" | sha256sum -c -; fi \
 && unzip -q /tmp/libtorch.zip -d /opt && rm /tmp/libtorch.zip
COPY . .
RUN Torch_DIR=/opt/libtorch/share/cmake/Torch U2PL_SKIP_DEPS=1 ./build.sh \
 && dotnet publish Silo/Silo.csproj -c Release --no-build -o /out/silo \
 && dotnet publish Grains/Grains.csproj -c Release --no-build -o /out/silo \
 && dotnet publish Client/Client.csproj -c Release --no-build -o /out/client \
 && cp artifacts/native/libu2pl_torch.so /out/

# ---- final: CUDA runtime base, OpenCV runtime libraries, libtorch's lib/ (it bundles cuDNN/cuBLAS), .NET runtime ----
FROM nvidia/cuda:${CUDA_VERSION}-runtime-ubuntu22.04
COPY scripts/install-deps.sh /usr/local/lib/u2pl/install-deps.sh
RUN U2PL_DEPS=runtime U2PL_TORCH=external /usr/local/lib/u2pl/install-deps.sh && rm -rf /var/lib/apt/lists/* \
 && useradd --uid 10001 --no-create-home --home-dir /tmp --shell /usr/sbin/nologin u2pl
COPY --from=build /opt/libtorch/lib /opt/libtorch/lib
COPY --from=dotnet-runtime /usr/share/dotnet /usr/share/dotnet
COPY --from=build /out /app
# HOME=/tmp: the root filesystem may be read-only; mount an emptyDir at /tmp (the manifests do). CUDA's kernel cache
# goes there too.
ENV DOTNET_ROOT=/usr/share/dotnet \
    PATH=/app/silo:/app/client:/usr/share/dotnet:$PATH \
    LD_LIBRARY_PATH=/opt/libtorch/lib \
    U2PL_TORCH_NATIVE=/app/libu2pl_torch.so \
    HOME=/tmp
USER 10001
WORKDIR /tmp
EXPOSE 11111 30000 8080
CMD ["u2pl-silo", "--help"]
