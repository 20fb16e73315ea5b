# syntax=docker/dockerfile:1
# The CPU image: u2pl-silo (state silos, and "gpu" silos without a GPU) and the u2pl client, on Debian 12 with
# Debian's libtorch 1.13 (CPU). Built with the same scripts as a dev machine (scripts/install-deps.sh, build.sh).
#
#   docker build -f k8s/images/cpu.Dockerfile -t REGISTRY/u2pl:TAG .        (from the repository root)
#
# Not built on the project's dev machines: they have no Docker engine (see README, "Run on Kubernetes").

FROM mcr.microsoft.com/dotnet/sdk:10.0 AS dotnet-sdk
FROM mcr.microsoft.com/dotnet/aspnet:10.0 AS dotnet-runtime

# ---- build: compilers, libtorch-dev and the .NET SDK live only here ----
FROM debian:bookworm AS build
ENV DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SYSTEM_GLOBALIZATION_INVARIANT=1
COPY --from=dotnet-sdk /usr/share/dotnet /usr/share/dotnet
RUN ln -s /usr/share/dotnet/dotnet /usr/bin/dotnet
WORKDIR /src
COPY scripts/install-deps.sh scripts/
RUN U2PL_DEPS=build U2PL_DEPS_EXTRA="ca-certificates libssl3" scripts/install-deps.sh
COPY . .
# build.sh: the native shim (CMake, into artifacts/native) and the solution; then the two executables are published.
# The silo loads U2PL.Grains.dll from its own folder, so the grains are published beside it.
RUN U2PL_SKIP_DEPS=1 ./build.sh \
 && dotnet publish Silo/Silo.csproj -c Release --no-build -o /out/silo \
 && dotnet publish Grains/Grains.csproj -c Release --no-build -o /out/silo \
 && dotnet publish Client/Client.csproj -c Release --no-build -o /out/client \
 && cp artifacts/native/libu2pl_torch.so /out/

# ---- final: runtime libraries, the ASP.NET Core runtime, the published apps; no compiler, no SDK ----
FROM debian:bookworm-slim
COPY scripts/install-deps.sh /usr/local/lib/u2pl/install-deps.sh
RUN U2PL_DEPS=runtime /usr/local/lib/u2pl/install-deps.sh && rm -rf /var/lib/apt/lists/* \
 && useradd --uid 10001 --no-create-home --home-dir /tmp --shell /usr/sbin/nologin u2pl
COPY --from=dotnet-runtime /usr/share/dotnet /usr/share/dotnet
COPY --from=build /out /app
# HOME=/tmp: the root filesystem may be read-only; mount an emptyDir at /tmp (the manifests do).
ENV DOTNET_ROOT=/usr/share/dotnet \
    PATH=/app/silo:/app/client:/usr/share/dotnet:$PATH \
    U2PL_TORCH_NATIVE=/app/libu2pl_torch.so \
    HOME=/tmp
USER 10001
WORKDIR /tmp
EXPOSE 11111 30000 8080
CMD ["u2pl-silo", "--help"]
