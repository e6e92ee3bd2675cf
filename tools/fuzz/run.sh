#!/usr/bin/env bash
# Long fuzzing run of the CSV reader + China customs normalizer property test
# (Tests/TradeRunnerTests/Faults/FaultsFuzzTests.swift), of the number grammar on the Comtrade and
# China customs paths (finite, non-negative, thousands groups; FaultsNumberFuzzTests.swift, checked
# against Tests/TradeTestSupport/NumberGrammarOracle.swift) and of mutated XML documents through
# libxml2's callbacks (Tests/TradeIngestTests/XMLStreamDocumentTests.swift,
# mutatedDocumentsParseAsSerially), bounded in time. Rounds alternate between the ordinary debug
# build and one under AddressSanitizer (scratch path .build-asan), which catches what the C
# boundaries could do wrong without crashing: a stray read of a libxml2 callback's buffer, an
# sqlite3 bind or iconv past its bytes, a use after free.
#
# Why not libFuzzer: `-sanitize=fuzzer` needs its own executable target with a
# LLVMFuzzerTestOneInput entry point, i.e. a Package.swift change; the property tests
# already drive the real readers with seeded grammars, so this runs them with many more
# inputs and a fresh seed per round until the time budget is spent.
#
#   FUZZ_SECONDS=600 FUZZ_ITERATIONS=200000 FUZZ_SEED=42 make fuzz
#   FUZZ_ASAN=0 make fuzz          ordinary build only
#   bash tools/fuzz/run.sh --short   `make sanitize`: one round of the default (small) iterations,
#                                  plus the hostile-input tests, under AddressSanitizer only,
#                                  within SANITIZE_SECONDS (default 2400, the build included)
#
# A failure prints the seed and iteration and keeps the input in $TMPDIR (tw-fuzz-failure-*);
# replay it with TRADEWATCH_FAULTS_SEED=<seed> TRADEWATCH_FUZZ_ITERATIONS=<iteration+1>.
set -euo pipefail
cd "$(dirname "$0")/../.."
export PATH=/opt/swift/usr/bin:$PATH
FUZZ_TESTS='TradeRunnerTests.Faults.Fuzz|XMLStreamDocumentTests.mutatedDocumentsParseAsSerially'
# The hostile files go through the sanitized binary (TRADEWATCH_FAULTS_BINARY), so its SQLite
# binds and iconv calls run under ASan too.
HOSTILE_TESTS='TradeRunnerTests.Faults.HostileInput|XMLStreamParserTests|XMLStreamDocumentTests|EncodingTests|XLSXTests|SDMXTests'
ASAN=(--sanitize=address --scratch-path .build-asan)
# Leak checking is off: the Swift runtime's and Foundation's process-lifetime caches are reported
# as leaks at exit. Memory errors abort at once, with a stack.
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=0:abort_on_error=0:halt_on_error=1}

build_asan() {
  echo "sanitize: swift build --build-tests ${ASAN[*]}"
  swift build --build-tests "${ASAN[@]}"
}

# run_tests SECONDS FILTER [asan] — exit status of the test run (124: time budget spent).
run_tests() {
  local left=$1 filter=$2 flags=()
  if [ "${3:-}" = asan ]; then
    flags=("${ASAN[@]}")
    export TRADEWATCH_FAULTS_BINARY="$PWD/.build-asan/debug/tradewatch"
  else
    unset TRADEWATCH_FAULTS_BINARY
  fi
  set +e
  timeout --signal=INT "$left" swift test --skip-build "${flags[@]}" --filter "$filter"
  local rc=$?
  set -e
  return $rc
}

if [ "${1:-}" = --short ]; then
  budget=${SANITIZE_SECONDS:-2400}
  start=$(date +%s)
  timeout "$budget" swift build --build-tests "${ASAN[@]}" || { echo "sanitize: build failed or took over ${budget}s"; exit 1; }
  left=$(( budget - ($(date +%s) - start) ))
  [ "$left" -gt 0 ] || { echo "sanitize: no time left after the build (SANITIZE_SECONDS=$budget)"; exit 1; }
  rc=0
  run_tests "$left" "$FUZZ_TESTS|$HOSTILE_TESTS" asan || rc=$?
  if [ "$rc" = 124 ]; then echo "sanitize: time budget of ${budget}s spent before the tests ended"; exit 1; fi
  if [ "$rc" != 0 ]; then echo "sanitize: FAILED under AddressSanitizer (exit $rc)"; exit "$rc"; fi
  echo "sanitize: fuzz and hostile-input tests pass under AddressSanitizer in $(( $(date +%s) - start ))s"
  exit 0
fi

SECONDS_BUDGET=${FUZZ_SECONDS:-300}
ITERATIONS=${FUZZ_ITERATIONS:-200000}
SEED=${FUZZ_SEED:-$(date +%s)}
USE_ASAN=${FUZZ_ASAN:-1}

swift build --build-tests
[ "$USE_ASAN" = 1 ] && build_asan
start=$(date +%s)
round=0
while :; do
  now=$(date +%s)
  left=$(( SECONDS_BUDGET - (now - start) ))
  [ "$left" -gt 0 ] || break
  seed=$(( SEED + round ))
  mode=plain
  [ "$USE_ASAN" = 1 ] && [ $(( round % 2 )) = 1 ] && mode=asan
  echo "fuzz: round $round ($mode), seed $seed, up to $ITERATIONS inputs, ${left}s left"
  # timeout bounds the round; a timeout (exit 124) just ends the session.
  rc=0
  TRADEWATCH_FAULTS_SEED=$seed TRADEWATCH_FUZZ_ITERATIONS=$ITERATIONS run_tests "$left" "$FUZZ_TESTS" "$mode" || rc=$?
  if [ "$rc" = 124 ]; then echo "fuzz: time budget spent"; break; fi
  if [ "$rc" != 0 ]; then echo "fuzz: FAILED with seed $seed ($mode, exit $rc)"; exit "$rc"; fi
  round=$(( round + 1 ))
done
echo "fuzz: no failure in $round complete round(s) from seed $SEED"
