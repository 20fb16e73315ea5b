#!/usr/bin/env bash
# The test command: installs what is missing, builds the solution, runs every test.
# Ends with the test runner's summary and one line "Tests: N passed, N failed, N skipped".
set -euo pipefail
cd "$(dirname "$0")"
./build.sh

log=$(mktemp)
status=0
dotnet test U2PL.Orleans.sln -c "${CONFIGURATION:-Release}" --no-build -nologo 2>&1 | tee "$log" || status=$?

# Sum the per-assembly lines ("Passed!  - Failed: 0, Passed: 12, Skipped: 0, Total: 12") into one closing line.
awk '/(Passed|Failed)! +- +Failed:/ {
       for (i = 1; i <= NF; i++) {
         if ($i == "Failed:")  { gsub(",", "", $(i+1)); f += $(i+1) }
         if ($i == "Passed:")  { gsub(",", "", $(i+1)); p += $(i+1) }
         if ($i == "Skipped:") { gsub(",", "", $(i+1)); s += $(i+1) }
       } }
     END { printf "Tests: %d passed, %d failed, %d skipped\n", p, f, s }' "$log"
rm -f "$log"
exit "$status"
