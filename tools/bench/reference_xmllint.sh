#!/usr/bin/env bash
# Reference for the SDMX-ML parse: libxml2's streaming reader over the whole file.
#   reference_xmllint.sh XML
set -euo pipefail
exec xmllint --stream --noout "$1"
