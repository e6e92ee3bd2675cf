#!/bin/sh
# Checks DESIGN.md's module layering: each module imports only the modules its row allows.
# (The compiler misses transitive imports on Linux, so this reads the import lines.)
set -eu
cd "$(dirname "$0")/.."
# Platform modules (C library, Dispatch) may be imported anywhere; they carry no layering.
platform="Glibc Darwin Musl Dispatch"
allowed() {
  case "$1" in
    TradeCore)      echo "Foundation Logging Glibc" ;;
    TradeConfig)    echo "Foundation TradeCore Yams Glibc" ;;
    TradeWarehouse) echo "Foundation TradeCore GRDB GRDBSQLite Glibc" ;;
    TradeIngest)    echo "Foundation FoundationEssentials TradeCore TradeConfig CLibXML2 CLibZ ZIPFoundation Crypto Glibc" ;;
    TradeAnalysis)  echo "Foundation TradeCore TradeWarehouse Plot Glibc" ;;
    TradeRunner)    echo "Foundation Logging TradeCore TradeConfig TradeWarehouse TradeIngest TradeAnalysis Glibc Dispatch" ;;
    tradewatch)     echo "Foundation TradeRunner TradeCore TradeConfig TradeWarehouse TradeIngest TradeAnalysis ArgumentParser Logging Glibc Dispatch" ;;
    *) echo "" ;;
  esac
}
status=0
for dir in Sources/*/; do
  module=$(basename "$dir")
  case "$module" in CLibXML2|CLibZ) continue ;; esac
  ok="$(allowed "$module") $platform"
  grep -rnE '^[[:space:]]*(@_exported[[:space:]]+|@preconcurrency[[:space:]]+)?import[[:space:]]+(class |struct |enum |func )?[A-Za-z_][A-Za-z_0-9]*' "$dir" --include='*.swift' |
  while IFS= read -r hit; do
    name=$(echo "$hit" | sed -E 's/.*import[[:space:]]+(class |struct |enum |func )?([A-Za-z_][A-Za-z_0-9]*).*/\2/')
    case " $ok " in *" $name "*) ;; *) echo "$hit: error: $module may not import $name (DESIGN.md layering)"; exit 1 ;; esac
  done || status=1
done
[ $status = 0 ] && echo "lint-imports: layering ok"
exit $status
