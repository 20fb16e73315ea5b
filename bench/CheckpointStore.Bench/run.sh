#!/usr/bin/env bash
# The checkpoint store benchmark (issue 13): 1 GiB up and down through azure:// stores on a private Azurite 3.35.0,
# the SDK store (this tree) against the hand-written REST store (the Checkpoints project of REST_REVISION, taken from
# git into a temporary folder: its code lives only in the history), in alternating rounds, one process per round.
# Prints each round's JSON line, then medians as a markdown table. Run it under the benchmark lock:
#   flock /tmp/u2pl-bench.lock bench/CheckpointStore.Bench/run.sh [REST_REVISION] [ROUNDS] [SIZE_MIB]
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
rest_revision="${1:-ba3ad33}"   # the last commit with Checkpoints/Azure/BlobRestClient.cs
rounds="${2:-3}"
size_mib="${3:-1024}"
work="$(mktemp -d /tmp/u2pl-store-bench.XXXXXX)"
azurite_pid=""
cleanup() {
  if [[ -n "$azurite_pid" ]]; then kill "$azurite_pid" 2>/dev/null || true; wait "$azurite_pid" 2>/dev/null || true; fi
  rm -rf "$work"
}
trap cleanup EXIT

bash "$root/scripts/install-deps.sh" --azurite-only
mkdir -p "$work/rest/bench/CheckpointStore.Bench" "$work/azurite"
git -C "$root" archive "$rest_revision" Checkpoints Directory.Build.props Directory.Packages.props | tar -x -C "$work/rest"
cp "$root"/bench/CheckpointStore.Bench/*.cs "$root"/bench/CheckpointStore.Bench/*.csproj "$work/rest/bench/CheckpointStore.Bench/"
echo "building the REST store ($rest_revision) and the SDK store ($(git -C "$root" rev-parse --short HEAD))" >&2
dotnet build "$work/rest/bench/CheckpointStore.Bench" -c Release -o "$work/out/rest" -nologo -v q >&2
dotnet build "$root/bench/CheckpointStore.Bench" -c Release -o "$work/out/sdk" -nologo -v q >&2

port="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
node "$root/artifacts/azurite/node_modules/azurite/dist/src/blob/main.js" --blobHost 127.0.0.1 --blobPort "$port" \
  --location "$work/azurite" --disableTelemetry --silent &
azurite_pid=$!
until (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; do sleep 0.2; done
connection="DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey=Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==;BlobEndpoint=http://127.0.0.1:$port/devstoreaccount1"

echo "load before: $(uptime)" >&2
for ((round = 1; round <= rounds; round++)); do
  if ((round % 2)); then order=(rest sdk); else order=(sdk rest); fi
  for store in "${order[@]}"; do
    dotnet "$work/out/$store/U2PL.CheckpointStore.Bench.dll" "$store" "$connection" "$size_mib" | tee -a "$work/rounds.jsonl"
  done
done
echo "load after: $(uptime)" >&2

python3 - "$work/rounds.jsonl" <<'PY'
import json, statistics, sys
rows = [json.loads(line) for line in open(sys.argv[1])]
keys = ["upload_mb_per_s", "download_mb_per_s", "upload_peak_rss_mb", "download_peak_rss_mb", "start_rss_mb"]
print("| store | rounds | upload MB/s | download MB/s | peak RSS upload (MB) | peak RSS download (MB) | RSS before (MB) |")
print("|---|---|---|---|---|---|---|")
for store in ["rest", "sdk"]:
    mine = [r for r in rows if r["store"] == store]
    print(f"| {store} | {len(mine)} | " + " | ".join(f"{statistics.median(r[k] for r in mine):.1f}" for k in keys) + " |")
PY
