#!/usr/bin/env bash
# Long fuzzing run of the CSV reader + China customs normalizer property test
# (Tests/TradeRunnerTests/Faults/FaultsFuzzTests.swift), of the number grammar on the Comtrade and
# China customs paths (finite, non-negative, thousands groups; FaultsNumberFuzzTests.swift, checked
# against Tests/TradeTestSupport/NumberGrammarOracle.swift) and of the XML scanner's differential test
# against libxml2 (Tests/TradeIngestTests/XMLScannerTests.swift, mutatedSheetsMatchLibxml2),
# bounded in time.
#
# Why not libFuzzer: `-sanitize=fuzzer` needs its own executable target with a
# LLVMFuzzerTestOneInput entry point, i.e. a Package.swift change; the property test
# already drives the real reader with a seeded grammar of CSV fragments, so this runs
# it with many more inputs and a fresh seed per round until the time budget is spent.
#
#   FUZZ_SECONDS=600 FUZZ_ITERATIONS=200000 FUZZ_SEED=42 make fuzz
#
# A failure prints the seed and iteration and keeps the input in $TMPDIR (tw-fuzz-failure-*);
# replay it with TRADEWATCH_FAULTS_SEED=<seed> TRADEWATCH_FUZZ_ITERATIONS=<iteration+1>.
set -euo pipefail
cd "$(dirname "$0")/../.."
export PATH=/opt/swift/usr/bin:$PATH
SECONDS_BUDGET=${FUZZ_SECONDS:-300}
ITERATIONS=${FUZZ_ITERATIONS:-200000}
SEED=${FUZZ_SEED:-$(date +%s)}

swift build --build-tests
start=$(date +%s)
round=0
while :; do
  now=$(date +%s)
  left=$(( SECONDS_BUDGET - (now - start) ))
  [ "$left" -gt 0 ] || break
  seed=$(( SEED + round ))
  echo "fuzz: round $round, seed $seed, up to $ITERATIONS inputs, ${left}s left"
  # timeout bounds the round; a timeout (exit 124) just ends the session.
  set +e
  TRADEWATCH_FAULTS_SEED=$seed TRADEWATCH_FUZZ_ITERATIONS=$ITERATIONS \
    timeout --signal=INT "$left" swift test --skip-build \
      --filter 'TradeRunnerTests.Faults.Fuzz|XMLScannerTests.mutatedSheetsMatchLibxml2'
  rc=$?
  set -e
  if [ "$rc" = 124 ]; then echo "fuzz: time budget spent"; break; fi
  if [ "$rc" != 0 ]; then echo "fuzz: FAILED with seed $seed (exit $rc)"; exit "$rc"; fi
  round=$(( round + 1 ))
done
echo "fuzz: no failure in $round complete round(s) from seed $SEED"
