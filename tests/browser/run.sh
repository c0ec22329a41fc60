#!/usr/bin/env bash
# The browser test of `dream report` (run by `make test`): makes real run, comparison and
# calibration files with the dream binary, renders a report, loads it in headless Chromium
# (Debian's `chromium`), checks that it rendered without script errors, that the timeline has
# one row per accelerator core and one mark per released frame, and saves a PNG screenshot.
#
#   tests/browser/run.sh [DREAM_BINARY]      (default: $(swift build --show-bin-path)/dream)
#
# Artifacts (report.html, report.png, dom.html, chromium.log) go to $REPORT_ARTIFACTS
# (default .build/test-artifacts/browser). Skips (exit 0, with the reason) only when Chromium
# or python3 is not installed and could not be: `make test` installs both when missing.
set -euo pipefail
cd "$(dirname "$0")/../.."

DREAM="${1:-${DREAM:-}}"
if [ -z "$DREAM" ]; then DREAM="$(${SWIFT:-swift} build --show-bin-path)/dream"; fi
ART="${REPORT_ARTIFACTS:-.build/test-artifacts/browser}"

CHROMIUM=""
for c in chromium chromium-browser google-chrome; do
  if command -v "$c" >/dev/null 2>&1; then CHROMIUM="$(command -v "$c")"; break; fi
done
if [ -z "$CHROMIUM" ]; then
  echo "SKIP browser test: Chromium is not installed and could not be installed (apt-get install chromium failed or is unavailable here)"
  exit 0
fi
if ! command -v python3 >/dev/null 2>&1; then
  echo "SKIP browser test: python3 is not installed and could not be installed (apt-get install python3)"
  exit 0
fi
if [ ! -x "$DREAM" ]; then
  echo "browser test: no dream binary at $DREAM (build it first: swift build --product dream)" >&2
  exit 1
fi
mkdir -p "$ART"
exec python3 tests/browser/check_report.py --dream "$DREAM" --chromium "$CHROMIUM" --artifacts "$ART"
