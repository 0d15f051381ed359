#!/usr/bin/env bash
# Runs one fuzz campaign of kio's fuzz crate (fuzz/, cargo-fuzz + libFuzzer,
# nightly Rust):
#
#   scripts/fuzz.sh TARGET SECONDS [extra libFuzzer flags...]
#   scripts/fuzz.sh --list
#
# Targets: request_frame response_body record_batches differential
# json_encode json_view capture (see fuzz/fuzz_targets/*.rs).
#
# The corpus lives in fuzz/corpus/TARGET (not committed); when it is missing
# it is seeded from ../shared/captures and frames built by
# `cargo run -p kio-json --example fuzz_seeds`. Every run has memory limits
# small enough that a view that expands input without a budget (issue 11,
# finding 1) is a crash: -malloc_limit_mb (largest single allocation) and
# -rss_limit_mb. Crashes land in fuzz/artifacts/TARGET/; reproduce one with
#   cd fuzz && cargo +nightly fuzz run TARGET artifacts/TARGET/crash-...
# and turn it into a regression test (kio-json/tests, kio-core/tests).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

TARGETS=(request_frame response_body record_batches differential json_encode json_view capture)

if [ "${1:-}" = "--list" ]; then printf '%s\n' "${TARGETS[@]}"; exit 0; fi
if [ $# -lt 2 ]; then
    sed -n '2,19p' "${BASH_SOURCE[0]}" >&2
    exit 2
fi
TARGET="$1" SECS="$2"
shift 2
case " ${TARGETS[*]} " in *" $TARGET "*) ;; *) echo "fuzz.sh: unknown target $TARGET (try --list)" >&2; exit 2 ;; esac
case "$SECS" in ''|*[!0-9]*) echo "fuzz.sh: SECONDS must be a number, got '$SECS'" >&2; exit 2 ;; esac

if ! cargo +nightly fuzz --version >/dev/null 2>&1; then
    echo "fuzz.sh: needs cargo-fuzz and the nightly toolchain (scripts/install-test-deps.sh installs both)" >&2
    exit 1
fi

CORPUS="fuzz/corpus/$TARGET"
if [ ! -d "$CORPUS" ] || [ -z "$(ls -A "$CORPUS" 2>/dev/null)" ]; then
    echo "fuzz.sh: seeding fuzz/corpus from ../shared/captures and generated frames"
    cargo run -q -p kio-json --example fuzz_seeds -- fuzz/corpus ../shared/captures
    mkdir -p "$CORPUS"
fi

# Inputs up to 64 KiB (a Produce frame of several batches); memory limits
# per target: the JSON views get far less than an unbounded view would need.
MAX_LEN=65536
MALLOC_MB=128
RSS_MB=1536
case "$TARGET" in
    json_view|capture) MALLOC_MB=64 ;;
esac

mkdir -p "fuzz/artifacts/$TARGET"
cd fuzz
exec cargo +nightly fuzz run "$TARGET" "corpus/$TARGET" -- \
    -max_total_time="$SECS" -max_len="$MAX_LEN" -timeout=20 \
    -malloc_limit_mb="$MALLOC_MB" -rss_limit_mb="$RSS_MB" \
    -artifact_prefix="artifacts/$TARGET/" -print_final_stats=1 "$@"
