#!/usr/bin/env bash
# Builds examples/firmware (a Cortex-M4F firmware that encodes a Metadata
# request and decodes a Metadata response with kio-core, no heap) and prints
# its flash size. Fails if it does not build or outgrows FIRMWARE_MAX_FLASH
# (default 64 KiB).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../examples/firmware"
cargo build --quiet --release
elf=target/thumbv7em-none-eabihf/release/kio-firmware-example
# Flash = .vector_table + .text + .rodata + .data (sizes from the section headers).
flash=0
while read -r size; do flash=$((flash + 16#$size)); done < <(readelf -SW "$elf" | sed "s/\[ */[/" | awk '$2 ~ /^\.(vector_table|text|rodata|data)$/ { print $6 }')
echo "[firmware-size] examples/firmware: ${flash} bytes of flash (thumbv7em-none-eabihf, opt-level s, LTO)"
[ "$flash" -le "${FIRMWARE_MAX_FLASH:-65536}" ] || { echo "[firmware-size] over ${FIRMWARE_MAX_FLASH:-65536} bytes" >&2; exit 1; }
