#!/usr/bin/env bash
# A PNG screenshot of a `dream report` page with headless Chromium (Debian's `chromium`).
#   tests/browser/screenshot.sh REPORT.html OUT.png [WIDTH,HEIGHT]     (default 1400,1800)
set -euo pipefail
html="$(realpath "$1")"
out="$2"
size="${3:-1400,1800}"
chromium="$(command -v chromium || command -v chromium-browser || command -v google-chrome || true)"
if [ -z "$chromium" ]; then echo "no Chromium: apt-get install chromium" >&2; exit 69; fi
profile="$(mktemp -d)"
trap 'rm -rf "$profile"' EXIT
mkdir -p "$(dirname "$out")"
"$chromium" --headless --no-sandbox --disable-gpu --disable-dev-shm-usage --hide-scrollbars --no-first-run \
  --user-data-dir="$profile" --window-size="$size" --screenshot="$(realpath -m "$out")" "file://$html" 2>/dev/null
echo "wrote $out"
