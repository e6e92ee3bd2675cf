#!/usr/bin/env bash
# Reference for the CSV load: the sqlite3 CLI's bulk import of the whole file into a
# fresh database, plus one composite index on the natural key.
#   reference_sqlite_import.sh CSV DB
set -euo pipefail
csv=$1 db=$2
rm -f "$db" "$db-journal" "$db-wal" "$db-shm"
exec sqlite3 -batch "$db" \
  ".import --csv '$csv' comtrade" \
  "CREATE INDEX comtrade_key ON comtrade(period, reporterCode, partnerCode, flowCode, cmdCode);"
