#!/usr/bin/env bash
# What each kio-core feature costs in flash on a Cortex-M4F: builds
# examples/feature-size (thumbv7em-none-eabihf, opt-level s, LTO) with no
# features and with each feature, and prints the flash of each build and its
# difference to the baseline (the figures of kio-core's feature table).
# Flash = .vector_table + .text + .rodata + .data, as scripts/firmware-size.sh.
# Slow (one LTO build per line, ~1 min each); not part of scripts/test.sh.
set -euo pipefail
shopt -s inherit_errexit
cd "$(dirname "${BASH_SOURCE[0]}")/../examples/feature-size"
elf=target/thumbv7em-none-eabihf/release/kio-feature-size
flash() {
    cargo build --quiet --release --no-default-features ${1:+--features "$1"}
    local total=0 size
    while read -r size; do total=$((total + 16#$size)); done < <(readelf -SW "$elf" | sed "s/\[ */[/" | awk '$2 ~ /^\.(vector_table|text|rodata|data)$/ { print $6 }')
    echo "$total"
}
base=$(flash "")
printf '%-28s %8s %9s\n' features flash vs-base
printf '%-28s %8d %9s\n' "(none)" "$base" "-"
for f in ${KIO_FEATURES:-owned serde defmt gzip snappy lz4 zstd gzip,snappy,lz4 gzip,snappy,lz4,zstd}; do
    n=$(flash "$f")
    printf '%-28s %8d %+9d\n' "$f" "$n" $((n - base))
done
