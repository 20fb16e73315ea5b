#!/usr/bin/env bash
# Runs the u2pl client, building it (and installing what is missing) first when it is not built yet.
#   ./u2pl.sh train --config configs/synthetic.yaml
set -euo pipefail
root="$(cd "$(dirname "$0")" && pwd)"
client="$root/Client/bin/Release/net10.0/u2pl"
if [[ ! -x "$client" ]]; then
  "$root/build.sh" >&2
fi
exec "$client" "$@"
