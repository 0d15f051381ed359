#!/usr/bin/env bash
# Builds examples/firmware (the Cortex-M4F producer firmware, kio-producer over
# a UART, no heap; scripts/test-firmware.sh runs it in QEMU) and prints the
# flash size of its two binaries: producer-min (the producer alone: connect,
# produce, exit; the footprint figure) and kio-firmware-example (the test
# firmware, with its report lines). Fails if either does not build or outgrows
# its budget: FIRMWARE_MAX_FLASH for producer-min (default 28 KiB: 27,584 B
# measured in 2026-12, plus a margin), FIRMWARE_MAX_FLASH_TEST for the test
# firmware (default 32 KiB: 31,716 B measured).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../examples/firmware"
cargo build --quiet --release
status=0
check() {
    local elf=target/thumbv7em-none-eabihf/release/$1 max=$2 flash=0
    # Flash = .vector_table + .text + .rodata + .data (sizes from the section headers).
    while read -r size; do flash=$((flash + 16#$size)); done < <(readelf -SW "$elf" | sed "s/\[ */[/" | awk '$2 ~ /^\.(vector_table|text|rodata|data)$/ { print $6 }')
    echo "[firmware-size] examples/firmware $1: ${flash} bytes of flash (thumbv7em-none-eabihf, opt-level z, LTO; budget $max)"
    [ "$flash" -le "$max" ] || { echo "[firmware-size] $1 over $max bytes" >&2; status=1; }
}
check producer-min "${FIRMWARE_MAX_FLASH:-28672}"
check kio-firmware-example "${FIRMWARE_MAX_FLASH_TEST:-32768}"
exit $status
