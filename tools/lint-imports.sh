#!/bin/sh
# Checks every target's imports against the dependencies Package.swift declares, and the module
# layering of docs/ARCHITECTURE.md ("Modules"); see tools/lint_imports.py for the rules.
# `--self-test` plants bad imports in a scratch copy and fails unless each one is reported.
set -eu
cd "$(dirname "$0")/.."
SWIFT=${SWIFT:-$(command -v swift 2>/dev/null || echo /opt/swift/usr/bin/swift)}
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
manifest="$scratch/manifest.json"
# A scratch path of its own: reading the manifest never waits for a build holding .build.
"$SWIFT" package --scratch-path "$scratch/build" dump-package >"$manifest"
if [ "${1:-}" = --self-test ]; then
  python3 tools/lint_imports.py --self-test "$manifest"
else
  python3 tools/lint_imports.py "$manifest"
fi
