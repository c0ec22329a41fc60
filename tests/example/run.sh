#!/usr/bin/env bash
# Builds Examples/CustomScheduler (a separate package depending on DreamRT by path) and runs its
# user policy 2 s simulated and 2 s live beside EDF; checks that every run generated frames and
# that the simulated runs met some.
set -euo pipefail
cd "$(dirname "$0")/../.."
SWIFT="${SWIFT:-swift}"
"$SWIFT" build --package-path Examples/CustomScheduler
bin="$("$SWIFT" build --package-path Examples/CustomScheduler --show-bin-path)/custom-scheduler"
out="$("$bin" ar-dynamic auto)"
echo "$out"
fail=0
for run in "sim  llf" "sim  edf" "live llf" "live edf"; do
    line="$(grep -F "$run " <<<"$out" || true)"
    frames="$(sed -n 's/.* frames \([0-9]*\) .*/\1/p' <<<"$line")"
    met="$(sed -n 's/.* met \([0-9]*\) .*/\1/p' <<<"$line")"
    if [ -z "$line" ] || [ "${frames:-0}" -lt 100 ]; then echo "FAIL: $run: no run or too few frames: '$line'"; fail=1; continue; fi
    if [[ "$run" == sim* ]] && [ "${met:-0}" -lt 1 ]; then echo "FAIL: $run met no frame"; fail=1; continue; fi
    echo "ok: $run ($frames frames, $met met)"
done
exit $fail
