# syntax=docker/dockerfile:1
# The CPU image: u2pl-silo (state silos, and "gpu" silos without a GPU) and the u2pl client, on Debian 12 with
# TorchSharp-cpu (libtorch 2.10.0 CPU, from NuGet). Built with the same scripts as a dev machine (scripts/install-deps.sh,
# build.sh); on Debian 12 the build applies the TorchSharp compatibility step (scripts/torchsharp-compat), whose output
# is published with the apps.
#
#   docker build -f k8s/images/cpu.Dockerfile -t REGISTRY/u2pl:TAG .        (from the repository root)
#
# Not built on the project's dev machines: they have no Docker engine (see README, "Run on Kubernetes").

FROM mcr.microsoft.com/dotnet/sdk:10.0 AS dotnet-sdk
FROM mcr.microsoft.com/dotnet/aspnet:10.0 AS dotnet-runtime

# ---- build: the .NET SDK and the compatibility step's tools (patchelf, g++) live only here ----
FROM debian:bookworm AS build
ENV DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SYSTEM_GLOBALIZATION_INVARIANT=1
COPY --from=dotnet-sdk /usr/share/dotnet /usr/share/dotnet
RUN ln -s /usr/share/dotnet/dotnet /usr/bin/dotnet
WORKDIR /src
COPY scripts/install-deps.sh scripts/
RUN U2PL_DEPS=build U2PL_DEPS_EXTRA="ca-certificates libssl3" scripts/install-deps.sh
COPY . .
# build.sh: the solution (TorchSharp's native libraries come from NuGet); then the two executables are published (the
# silo references the grains, so they are published with it).
RUN U2PL_SKIP_DEPS=1 ./build.sh \
 && dotnet publish Silo/Silo.csproj -c Release --no-build -o /out/silo \
 && dotnet publish Client/Client.csproj -c Release --no-build -o /out/client

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
    HOME=/tmp
USER 10001
WORKDIR /tmp
EXPOSE 11111 11112 30000 8080
CMD ["u2pl-silo", "--help"]
