#!/usr/bin/env bash
# make bench — TradeWatch against the bulk-load references, side by side in one run.
#
#   bash tools/bench/run.sh              full run (~20 min on 2 idle cores once inputs exist)
#   BENCH_QUICK=1 bash tools/bench/run.sh    smoke run on small inputs (harness check)
#
# Environment:
#   BENCH_REPEAT=3        runs per side and case (TradeWatch and reference alternate)
#   BENCH_QUICK=0|1       1: 100 k / 500 k-row CSV, 50 MB SDMX, 10 k-row XLSX, 1 M-row warehouse
#   BENCH_CASES="csv1m csv5m dup80 sdmx xlsx rerun revise detect"   subset to run (default: all)
#   BENCH_SCALE=0|1       1: also the scale case (50 one-year files of 1 M rows: load, detect; long, ~20 GB of disk)
#   BENCH_DATA=bench-data  where inputs, temporary databases, logs and results go (gitignored)
#   BENCH_PANDAS=1        0: skip the pandas reference (it is also skipped when pandas cannot be installed)
#   BENCH_PANDAS_REPEAT=1 pandas runs (read_csv + to_sql is slow; it alternates with the first runs)
#   TRADEWATCH=path       use this binary instead of building .build/release/tradewatch
#   BENCH_SKIP_BUILD=1    do not run swift build (use the existing release binary)
#   BENCH_GENERATE_ONLY=1 generate (or check) the inputs, then stop
#   BENCH_STRICT=1        exit 1 when a target fails or a case errors (default: report only —
#                         benchmarks are not tests)
#
# Inputs are generated deterministically (fixed seeds) into $BENCH_DATA and reused while
# their stamp (generator command + generator hash + file size) matches.
# Every timed command runs under /usr/bin/time -v: wall seconds (date, ns) and peak RSS.
set -uo pipefail
# Everything runs inside main(): bash parses the whole function before running it, so
# editing this file while a bench runs cannot derail the running instance.
main() {
cd "$(dirname "$0")/../.." || return 1
BENCH=tools/bench
export PATH=/opt/swift/usr/bin:$PATH
export LC_ALL=C.UTF-8

REPEAT=${BENCH_REPEAT:-3}
QUICK=${BENCH_QUICK:-0}
CASES=${BENCH_CASES:-csv1m csv5m dup80 sdmx xlsx rerun revise detect}
SCALE=${BENCH_SCALE:-0}
PANDAS=${BENCH_PANDAS:-1}
PANDAS_REPEAT=${BENCH_PANDAS_REPEAT:-1}
if [ "$QUICK" = 1 ]; then
  DATA=${BENCH_DATA:-bench-data/quick}
  CSV_SMALL=100000 CSV_BIG=500000 SDMX_BYTES=50000000 XLSX_ROWS=10000
  WH_FILES=10 WH_ROWS=100000 RERUN_BYTES=100000000 SCALE_FILES=50 SCALE_ROWS=100000
else
  DATA=${BENCH_DATA:-bench-data}
  CSV_SMALL=1000000 CSV_BIG=5000000 SDMX_BYTES=500000000 XLSX_ROWS=100000
  WH_FILES=10 WH_ROWS=1000000 RERUN_BYTES=1000000000 SCALE_FILES=50 SCALE_ROWS=1000000
fi
TMP=$DATA/tmp
STAMPS=$DATA/stamps
RUN_ID=$(date +%Y%m%d-%H%M%S)
LOGDIR=$DATA/logs/$RUN_ID
RESULTS=$DATA/results-$RUN_ID.tsv
CHECKS=$DATA/checks-$RUN_ID.tsv
mkdir -p "$TMP" "$STAMPS" "$LOGDIR"
: >"$RESULTS"
: >"$CHECKS"

has_case() { case " $CASES " in *" $1 "*) return 0 ;; esac; return 1; }
note() { printf '%s\n' "$*" >&2; }
human() { awk -v n="$1" 'BEGIN{ if (n>=1e9) printf "%.2f GB", n/1e9; else if (n>=1e6) printf "%.0f MB", n/1e6; else printf "%.0f kB", n/1e3 }'; }
rows_h() { awk -v n="$1" 'BEGIN{ if (n>=1e6 && n%1e6==0) printf "%d M", n/1e6; else if (n>=1e3 && n%1e3==0) printf "%d k", n/1e3; else printf "%d", n }'; }

# ---------------------------------------------------------------- tools
need_deb() { # command package
  command -v "$1" >/dev/null 2>&1 && [ "$1" != time ] && return 0
  [ "$1" = time ] && [ -x /usr/bin/time ] && return 0
  note "installing Debian package $2 (for $1)"
  local sudo=""; [ "$(id -u)" = 0 ] || sudo=sudo
  { $sudo apt-get install -y -qq "$2" || { $sudo apt-get update -qq && $sudo apt-get install -y -qq "$2"; }; } >/dev/null 2>&1
}
need_deb time time
need_deb sqlite3 sqlite3
need_deb xmllint libxml2-utils
need_deb python3 python3
# Capture first: with pipefail, `grep -q` closing the pipe early can kill `time` with SIGPIPE.
time_probe=$(/usr/bin/time -v true 2>&1 || true)
if ! printf '%s\n' "$time_probe" | grep -q 'Maximum resident set size'; then
  note "error: /usr/bin/time -v does not report the peak RSS; install GNU time (apt-get install time)"
  return 1
fi
if ! python3 -c 'import openpyxl' 2>/dev/null; then
  note "installing openpyxl (pip)"
  python3 -m pip install -q openpyxl >/dev/null 2>&1 || note "note: pip install openpyxl failed; the XLSX reference will be missing"
fi
HAVE_OPENPYXL=0; python3 -c 'import openpyxl' 2>/dev/null && HAVE_OPENPYXL=1
HAVE_PANDAS=0
if [ "$PANDAS" = 1 ] && has_case csv1m; then
  if ! python3 -c 'import pandas' 2>/dev/null; then
    note "installing pandas (pip; may take a while)"
    python3 -m pip install -q pandas >/dev/null 2>&1 || true
  fi
  if python3 -c 'import pandas' 2>/dev/null; then HAVE_PANDAS=1
  else note "note: pandas is not installed and 'pip install pandas' failed: skipping the pandas reference"; fi
fi

# ---------------------------------------------------------------- build
TW=${TRADEWATCH:-.build/release/tradewatch}
if [ -z "${TRADEWATCH:-}" ] && [ "${BENCH_SKIP_BUILD:-0}" != 1 ]; then
  note "building: swift build -c release --product tradewatch"
  if ! swift build -c release --product tradewatch >"$LOGDIR/build.log" 2>&1; then
    note "error: the release build failed (see $LOGDIR/build.log); TradeWatch cases will report 'error'"
    tail -n 15 "$LOGDIR/build.log" >&2
    TW=$TMP/tradewatch-build-failed   # does not exist: every TradeWatch run fails, references still run
  fi
fi
[ -x "$TW" ] || note "warning: $TW is not an executable; TradeWatch cases will report 'error'"

# Pipelines: the committed YAML plus the reference tables copied from Pipelines/ at run time.
for d in pipelines pipelines-sdmx pipelines-xlsx; do
  mkdir -p "$BENCH/$d/reference"
  cp Pipelines/reference/*.csv "$BENCH/$d/reference/"
done
[ -f Pipelines/detectors.yaml ] && cp Pipelines/detectors.yaml "$BENCH/pipelines/detectors.yaml"

# ---------------------------------------------------------------- inputs
gen() { # OUT GENERATOR ARGS... (the generator's second positional argument is OUT)
  local out=$1 script=$2; shift 2
  local name key
  name=$(echo "$out" | tr '/' '_')
  key="$script $* | $(cat "$BENCH/$script" "$BENCH/gen_comtrade.py" | sha256sum | cut -c1-16)"
  if [ -f "$out" ] && [ -f "$STAMPS/$name" ] && [ "$(sed -n 1p "$STAMPS/$name")" = "$key" ] \
     && [ "$(sed -n 2p "$STAMPS/$name")" = "$(stat -c %s "$out")" ]; then
    return 0
  fi
  rm -f "$out" "$STAMPS/$name"
  mkdir -p "$(dirname "$out")"
  note "generating $out"
  local args=() a
  for a in "$@"; do [ "$a" = OUT ] && args+=("$out") || args+=("$a"); done
  if ! python3 "$BENCH/$script" "${args[@]}"; then note "error: generating $out failed"; rm -f "$out"; return 1; fi
  printf '%s\n%s\n' "$key" "$(stat -c %s "$out")" >"$STAMPS/$name"
}

CSV1=$DATA/raw-csv-small/comtrade/comtrade-$CSV_SMALL.csv
CSV5=$DATA/raw-csv-big/comtrade/comtrade-$CSV_BIG.csv
SDMX=$DATA/raw-sdmx/sdmx/comext-$SDMX_BYTES.xml
XLSX=$DATA/raw-xlsx/china-customs/exports-$XLSX_ROWS.xlsx
WH_DIR=$DATA/raw-wh/comtrade
RERUN_DIR=$DATA/raw-rerun/comtrade
REVISED=$DATA/revised/comtrade-$CSV_SMALL-v2.csv
REVISE_DIR=$DATA/raw-revise/comtrade
DUP=$DATA/raw-dup/comtrade/comtrade-$CSV_SMALL-dup80.csv
SCALE_DIR=$DATA/raw-scale/comtrade
t_gen=$(date +%s)
if has_case csv1m || has_case revise; then gen "$CSV1" gen_comtrade.py "$CSV_SMALL" OUT; fi
# Another seed: the same number of rows with other figures, published as a new version of the file.
if has_case revise; then gen "$REVISED" gen_comtrade.py "$CSV_SMALL" OUT --seed 20240602; fi
if has_case csv5m; then gen "$CSV5" gen_comtrade.py "$CSV_BIG" OUT; fi
# 80 % duplicate keys: a fifth of the rows, then the same rows four more times (a file
# concatenated with itself): every repeat is a rejected row.
if has_case dup80; then
  gen "$DATA/dup-base/comtrade-$((CSV_SMALL / 5)).csv" gen_comtrade.py "$((CSV_SMALL / 5))" OUT
  base=$DATA/dup-base/comtrade-$((CSV_SMALL / 5)).csv
  if [ ! -f "$DUP" ] || [ "$DUP" -ot "$base" ]; then
    note "generating $DUP"
    mkdir -p "$(dirname "$DUP")"
    { cat "$base"; for _ in 1 2 3 4; do tail -n +2 "$base"; done; } >"$DUP.tmp" && mv "$DUP.tmp" "$DUP"
  fi
  if ! has_case csv1m; then gen "$CSV1" gen_comtrade.py "$CSV_SMALL" OUT; fi
fi
if has_case sdmx; then gen "$SDMX" gen_sdmx.py "$SDMX_BYTES" OUT; fi
if has_case xlsx; then gen "$XLSX" gen_xlsx.py "$XLSX_ROWS" OUT; fi
if has_case detect || has_case rerun; then
  for ((i = 0; i < WH_FILES; i++)); do
    y=$((2015 + i))
    gen "$WH_DIR/comtrade-$y.csv" gen_comtrade.py "$WH_ROWS" OUT --year-start "$y" --years 1
  done
fi
if [ "$SCALE" = 1 ]; then
  for ((i = 0; i < SCALE_FILES; i++)); do
    y=$((1975 + i))
    gen "$SCALE_DIR/comtrade-$y.csv" gen_comtrade.py "$SCALE_ROWS" OUT --year-start "$y" --years 1
  done
fi
if has_case rerun; then
  # ~RERUN_BYTES of distinct files (hard links to the warehouse inputs, no extra disk)
  rm -rf "$DATA/raw-rerun"; mkdir -p "$RERUN_DIR"
  total=0
  for f in "$WH_DIR"/comtrade-*.csv; do
    [ "$total" -ge "$RERUN_BYTES" ] && break
    ln "$f" "$RERUN_DIR/" 2>/dev/null || cp "$f" "$RERUN_DIR/"
    total=$((total + $(stat -c %s "$f")))
  done
  RERUN_TOTAL=$total
fi
note "inputs ready in $(($(date +%s) - t_gen)) s"
[ "${BENCH_GENERATE_ONLY:-0}" = 1 ] && return 0

# ---------------------------------------------------------------- measuring
printf 'case\tside\titer\twall_s\trss_kb\trc\tcpu_s\n' >>"$RESULTS"
measure() { # CASE SIDE ITER CMD...  -> appends a row to $RESULTS; returns the command's status
  local case=$1 side=$2 iter=$3; shift 3
  local log="$LOGDIR/$case.$side.$iter.log" tf="$LOGDIR/$case.$side.$iter.time"
  local t0 t1 rc rss wall cpu
  # Write back what earlier runs left dirty (a full load leaves hundreds of MB), so that the kernel's
  # writeback does not take CPU from this run: it hit the two-threaded TradeWatch runs much harder
  # than the single-threaded references (XLSX dry run 0.21 s idle, 0.38 s just after the SDMX load).
  sync
  t0=$(date +%s.%N)
  /usr/bin/time -v -o "$tf" "$@" >"$log" 2>&1
  rc=$?
  t1=$(date +%s.%N)
  rss=$(awk -F': ' '/Maximum resident set size/{print $2}' "$tf" 2>/dev/null)
  cpu=$(awk -F': ' '/User time|System time/{s+=$2} END{printf "%.2f", s}' "$tf" 2>/dev/null)
  wall=$(awk -v a="$t0" -v b="$t1" 'BEGIN{printf "%.3f", b-a}')
  printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$case" "$side" "$iter" "$wall" "${rss:-0}" "$rc" "${cpu:-0}" >>"$RESULTS"
  printf '  %-12s %-10s #%s %9.2f s wall %8.2f s cpu %8.1f MB  %s\n' "$case" "$side" "$iter" "$wall" "${cpu:-0}" \
    "$(awk -v k="${rss:-0}" 'BEGIN{print k/1024}')" "$([ "$rc" = 0 ] && echo ok || echo "FAILED rc=$rc  ($log)")" >&2
  return "$rc"
}
fresh() { rm -f "$1" "$1-wal" "$1-shm" "$1-journal" "$1.lock"; }
count_rows() { # CASE WAREHOUSE EXPECTED
  local n
  n=$(sqlite3 -readonly "$2" "SELECT count(*) FROM trade" 2>/dev/null) || n="?"
  printf '%s\t%s\t%s\n' "$1" "${n:-?}" "$3" >>"$CHECKS"
}

W=$TMP/tw.sqlite
REF_DB=$TMP/ref.sqlite

csv_case() { # CASE CSV ROWS [pandas]
  local case=$1 csv=$2 rows=$3 with_pandas=${4:-0} i ok=1
  note "== $case: tradewatch load vs sqlite3 .import + index ($(rows_h "$rows") rows, $(human "$(stat -c %s "$csv")"))"
  for ((i = 1; i <= REPEAT; i++)); do
    if [ $ok = 1 ]; then
      fresh "$W"
      if measure "$case" tradewatch "$i" "$TW" load --raw "$(dirname "$(dirname "$csv")")" \
           --pipelines "$BENCH/pipelines" --warehouse "$W"; then
        [ "$i" = 1 ] && count_rows "$case" "$W" "$rows"
      else ok=0; fi
    fi
    measure "$case" reference "$i" bash "$BENCH/reference_sqlite_import.sh" "$csv" "$REF_DB"
    if [ "$with_pandas" = 1 ] && [ "$i" -le "$PANDAS_REPEAT" ]; then
      measure "$case" pandas "$i" python3 "$BENCH/reference_pandas.py" "$csv" "$TMP/pandas.sqlite"
      fresh "$TMP/pandas.sqlite"
    fi
  done
  fresh "$W"; fresh "$REF_DB"
}

if has_case csv1m; then csv_case csv1m "$CSV1" "$CSV_SMALL" "$HAVE_PANDAS"; fi
if has_case csv5m; then csv_case csv5m "$CSV5" "$CSV_BIG" 0; fi

if has_case dup80; then
  note "== dup80: tradewatch load of a $(rows_h "$CSV_SMALL")-row CSV with 80 % repeated keys vs the clean $(rows_h "$CSV_SMALL")-row load"
  for ((i = 1; i <= REPEAT; i++)); do
    # The clean load is csv1m's when that case ran; otherwise it runs here, alternating.
    if ! has_case csv1m; then
      fresh "$W"
      measure dup80 clean "$i" "$TW" load --raw "$(dirname "$(dirname "$CSV1")")" --pipelines "$BENCH/pipelines" --warehouse "$W" || break
    fi
    fresh "$W"
    measure dup80 tradewatch "$i" "$TW" load --raw "$DATA/raw-dup" --pipelines "$BENCH/pipelines" --warehouse "$W"
    if [ "$i" = 1 ]; then
      count_rows dup80 "$W" $((CSV_SMALL / 5))
      n=$(sqlite3 -readonly "$W" "SELECT count(*) FROM rejected_row" 2>/dev/null) || n="?"
      printf '%s\t%s\t%s\t%s\n' dup80 "${n:-?}" $((CSV_SMALL - CSV_SMALL / 5)) "rejected rows recorded by \`dup80\`" >>"$CHECKS"
    fi
  done
  fresh "$W"
fi

count_dry_run() { # CASE LOG — rows the dry run says would load
  local n
  n=$(sed -n 's/.*, \([0-9]*\) rows would load.*/\1/p' "$2" | tail -n 1)
  printf '%s\t%s\t-\trows `load --dry-run` would load for `%s`\n' "$1" "${n:-?}" "$1" >>"$CHECKS"
}

# xml_case CASE RAW PIPELINES [REFERENCE-COMMAND...] — the target row times `load --dry-run` (extract +
# normalize, no warehouse: what the reference does); the full `load` runs after it as an info row.
xml_case() {
  local case=$1 raw=$2 pipelines=$3 i dry_ok=1 load_ok=1
  shift 3
  # Both sides read the input from the page cache: a full load in between writes enough to evict
  # a 500 MB input, and then only the side that runs first would pay for reading it from disk.
  warm() { find "$raw" -type f -exec cat {} + >/dev/null; }
  for ((i = 1; i <= REPEAT; i++)); do
    if [ $dry_ok = 1 ]; then
      fresh "$TMP/dry-run.sqlite"
      warm
      if measure "$case" tradewatch "$i" "$TW" load --dry-run --raw "$raw" --pipelines "$pipelines" \
           --warehouse "$TMP/dry-run.sqlite"; then
        [ "$i" = 1 ] && count_dry_run "$case" "$LOGDIR/$case.tradewatch.1.log"
        [ -e "$TMP/dry-run.sqlite" ] && note "warning: load --dry-run created $TMP/dry-run.sqlite"
      else dry_ok=0; fi
    fi
    if [ "$#" -gt 0 ]; then warm; measure "$case" reference "$i" "$@"; fi
    if [ $load_ok = 1 ]; then
      fresh "$W"
      if measure "$case" load "$i" "$TW" load --raw "$raw" --pipelines "$pipelines" --warehouse "$W"; then
        [ "$i" = 1 ] && count_rows "$case" "$W" "${CASE_EXPECTED:--}"
      else load_ok=0; fi
    fi
  done
  fresh "$W"
}

if has_case sdmx; then
  note "== sdmx: tradewatch load --dry-run (and load) vs xmllint --stream --noout ($(human "$(stat -c %s "$SDMX")"))"
  CASE_EXPECTED=- xml_case sdmx "$DATA/raw-sdmx" "$BENCH/pipelines-sdmx" bash "$BENCH/reference_xmllint.sh" "$SDMX"
fi

if has_case xlsx; then
  note "== xlsx: tradewatch load --dry-run (and load) vs openpyxl read-only ($(rows_h "$XLSX_ROWS") rows)"
  if [ "$HAVE_OPENPYXL" = 1 ]; then
    CASE_EXPECTED=$XLSX_ROWS xml_case xlsx "$DATA/raw-xlsx" "$BENCH/pipelines-xlsx" python3 "$BENCH/reference_openpyxl.py" "$XLSX"
  else
    CASE_EXPECTED=$XLSX_ROWS xml_case xlsx "$DATA/raw-xlsx" "$BENCH/pipelines-xlsx"
  fi
fi

if has_case rerun; then
  note "== rerun: tradewatch load over an unchanged Raw/ of $(human "$RERUN_TOTAL") ($(ls "$RERUN_DIR" | wc -l) files)"
  fresh "$W"
  if measure rerun first-load 1 "$TW" load --raw "$DATA/raw-rerun" --pipelines "$BENCH/pipelines" --warehouse "$W"; then
    count_rows rerun "$W" "$(( $(ls "$RERUN_DIR" | wc -l) * WH_ROWS ))"
    for ((i = 1; i <= REPEAT; i++)); do
      measure rerun tradewatch "$i" "$TW" load --raw "$DATA/raw-rerun" --pipelines "$BENCH/pipelines" --warehouse "$W" || break
    done
  fi
  fresh "$W"
fi

if has_case revise; then
  note "== revise: tradewatch load of a changed $(rows_h "$CSV_SMALL")-row file whose new version supersedes every row of the old"
  for ((i = 1; i <= REPEAT; i++)); do
    fresh "$W"
    rm -rf "$DATA/raw-revise"; mkdir -p "$REVISE_DIR"
    cp "$CSV1" "$REVISE_DIR/comtrade.csv"
    measure revise first-load "$i" "$TW" load --raw "$DATA/raw-revise" --pipelines "$BENCH/pipelines" --warehouse "$W" || break
    cp "$REVISED" "$REVISE_DIR/comtrade.csv"
    measure revise tradewatch "$i" "$TW" load --raw "$DATA/raw-revise" --pipelines "$BENCH/pipelines" --warehouse "$W" || break
    if [ "$i" = 1 ]; then
      n=$(sqlite3 -readonly "$W" "SELECT count(*) FROM trade_history WHERE superseded = 1" 2>/dev/null) || n="?"
      printf '%s\t%s\t%s\t%s\n' revise "${n:-?}" "$CSV_SMALL" "rows superseded by the revised version in \`revise\`" >>"$CHECKS"
    fi
  done
  fresh "$W"; rm -rf "$DATA/raw-revise"
fi

if has_case detect; then
  note "== detect: tradewatch detect vs tradewatch load of the same $(rows_h $((WH_FILES * WH_ROWS)))-row warehouse"
  for ((i = 1; i <= REPEAT; i++)); do
    fresh "$W"
    measure detect load "$i" "$TW" load --raw "$DATA/raw-wh" --pipelines "$BENCH/pipelines" --warehouse "$W" || break
    [ "$i" = 1 ] && count_rows detect "$W" $((WH_FILES * WH_ROWS))
    measure detect tradewatch "$i" "$TW" detect --pipelines "$BENCH/pipelines" --warehouse "$W" || break
  done
  fresh "$W"
fi

if [ "$SCALE" = 1 ]; then
  note "== scale: tradewatch load, then detect, of $(rows_h $((SCALE_FILES * SCALE_ROWS))) rows ($SCALE_FILES one-year files)"
  fresh "$TMP/scale.sqlite"
  if measure scale load 1 "$TW" load --raw "$DATA/raw-scale" --pipelines "$BENCH/pipelines" --warehouse "$TMP/scale.sqlite"; then
    count_rows scale "$TMP/scale.sqlite" $((SCALE_FILES * SCALE_ROWS))
    measure scale detect 1 "$TW" detect --pipelines "$BENCH/pipelines" --warehouse "$TMP/scale.sqlite"
  fi
  fresh "$TMP/scale.sqlite"
fi

# ---------------------------------------------------------------- report
python3 "$BENCH/report.py" "$RESULTS" "$CHECKS" \
  --quick "$QUICK" --repeat "$REPEAT" \
  --sizes "csv1m=$(rows_h "$CSV_SMALL") rows, $( [ -f "$CSV1" ] && human "$(stat -c %s "$CSV1")")" \
  --sizes "csv5m=$(rows_h "$CSV_BIG") rows, $( [ -f "$CSV5" ] && human "$(stat -c %s "$CSV5")")" \
  --sizes "sdmx=$( [ -f "$SDMX" ] && human "$(stat -c %s "$SDMX")")" \
  --sizes "xlsx=$(rows_h "$XLSX_ROWS") rows" \
  --sizes "rerun=$(human "${RERUN_TOTAL:-0}")" \
  --sizes "revise=$(rows_h "$CSV_SMALL") rows" \
  --sizes "detect=$(rows_h $((WH_FILES * WH_ROWS))) rows" \
  --sizes "dup80=$(rows_h "$CSV_SMALL") rows" \
  --sizes "scale=$(rows_h $((SCALE_FILES * SCALE_ROWS))) rows" \
  --logs "$LOGDIR" | tee "$DATA/report-$RUN_ID.md"
status=${PIPESTATUS[0]}
[ "${BENCH_STRICT:-0}" = 1 ] && return "$status"
return 0
}
main "$@"
exit $?
