#!/usr/bin/env bash
# A short run of every fuzz target (scripts/test.sh calls this), so a
# regression of kio's hostile-input guarantees fails CI:
#
#   scripts/fuzz-smoke.sh            # KIO_FUZZ_SECONDS (default 20) per target
#
# Prints, per target, the executions and the corpus size; fails on the first
# crash, leak, timeout or memory-limit breach (libFuzzer's artifact is kept in
# fuzz/artifacts/TARGET/).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
SECS="${KIO_FUZZ_SECONDS:-20}"

echo "[fuzz-smoke] building the fuzz targets (nightly, cargo-fuzz)"
(cd fuzz && cargo +nightly fuzz build)

total=0
for t in $(bash scripts/fuzz.sh --list); do
    log="$(mktemp)"
    if ! bash scripts/fuzz.sh "$t" "$SECS" >"$log" 2>&1; then
        tail -n 40 "$log" >&2
        # The panic message is above libFuzzer's trailer: show it too.
        grep -m 1 -A 1 'panicked at' "$log" >&2 || true
        echo "[fuzz-smoke] $t FAILED (log above; artifacts in fuzz/artifacts/$t/)" >&2
        rm -f "$log"
        exit 1
    fi
    runs="$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$log" | grep -o '[0-9]*$' | tail -n 1)"
    files="$(ls -1 "fuzz/corpus/$t" | wc -l)"
    printf '[fuzz-smoke] %-15s %8s executions in %s s, corpus %s files\n' "$t" "${runs:-?}" "$SECS" "$files"
    total=$((total + ${runs:-0}))
    rm -f "$log"
done
echo "[fuzz-smoke] all targets clean: $total executions"
