#!/bin/sh
# Render an HTML report to a PNG with headless Chromium, to look at it as a reader would.
# usage: tools/render-report.sh IN.html OUT.png [WIDTH [HEIGHT]]   (default 1200 x 2400)
set -eu
if [ $# -lt 2 ]; then
  echo "usage: $0 IN.html OUT.png [WIDTH [HEIGHT]]" >&2
  exit 2
fi
in=$1 out=$2 width=${3:-1200} height=${4:-2400}
browser=$(command -v chromium || command -v chromium-browser || command -v google-chrome || true)
if [ -z "$browser" ]; then
  echo "$0: error: chromium not found (make deps-chromium, or on Debian: apt-get install -y chromium fonts-noto-cjk)" >&2
  exit 1
fi
[ -f "$in" ] || { echo "$0: error: $in: no such file" >&2; exit 1; }
abs_in=$(cd "$(dirname "$in")" && pwd)/$(basename "$in")
case $out in /*) abs_out=$out ;; *) abs_out=$(pwd)/$out ;; esac
rm -f "$abs_out"
profile=$(mktemp -d)
trap 'rm -rf "$profile"' EXIT
# A private profile keeps runs independent; no network is needed (the report is self-contained).
"$browser" --headless --no-sandbox --disable-gpu --hide-scrollbars --no-first-run \
  --user-data-dir="$profile" --force-device-scale-factor=1 \
  --window-size="$width,$height" --screenshot="$abs_out" "file://$abs_in" >/dev/null 2>&1 || true
if [ ! -s "$abs_out" ]; then
  echo "$0: error: chromium wrote no screenshot to $abs_out" >&2
  exit 1
fi
echo "$abs_out"
