#!/usr/bin/env bash
# Builds examples/firmware (the Cortex-M4F producer firmware, kio-producer over
# a UART, no heap; scripts/test-firmware.sh runs it in QEMU) and prints
# its flash size. Fails if it does not build or outgrows FIRMWARE_MAX_FLASH
# (default 48 KiB: 44,284 B measured in 2026-12, plus a margin).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../examples/firmware"
cargo build --quiet --release
elf=target/thumbv7em-none-eabihf/release/kio-firmware-example
# Flash = .vector_table + .text + .rodata + .data (sizes from the section headers).
flash=0
while read -r size; do flash=$((flash + 16#$size)); done < <(readelf -SW "$elf" | sed "s/\[ */[/" | awk '$2 ~ /^\.(vector_table|text|rodata|data)$/ { print $6 }')
echo "[firmware-size] examples/firmware: ${flash} bytes of flash (thumbv7em-none-eabihf, opt-level s, LTO)"
[ "$flash" -le "${FIRMWARE_MAX_FLASH:-49152}" ] || { echo "[firmware-size] over ${FIRMWARE_MAX_FLASH:-49152} bytes" >&2; exit 1; }
