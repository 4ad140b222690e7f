#!/usr/bin/env bash
# Set up (scripts/setup.sh), run the whole test suite, and end with one plain line "N passed, N failed".
set -uo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh || exit 1

results=TestResults
rm -rf "$results"
dotnet test tests/MnistLab.Tests -c Release --nologo --logger "trx;LogFileName=results.trx" --results-directory "$results"
rc=$?

trx="$results/results.trx"
if [ -f "$trx" ]; then
  counters=$(grep -o '<Counters [^>]*>' "$trx" | head -n 1)
  passed=$(sed -n 's/.* passed="\([0-9]*\)".*/\1/p' <<<"$counters")
  failed=$(sed -n 's/.* failed="\([0-9]*\)".*/\1/p' <<<"$counters")
  echo "${passed:-0} passed, ${failed:-0} failed"
else
  echo "0 passed, 1 failed"
  [ $rc -ne 0 ] || rc=1
fi
exit $rc
