#!/usr/bin/env bash
# The no-heap Kafka producer on a Cortex-M, against a real broker.
#
# Builds examples/firmware (thumbv7em-none-eabihf) in several
# configurations, runs each in QEMU's mps2-an386 with UART0 connected to a
# Tansu broker on 127.0.0.1 (memory storage), and checks:
#   1. plain and lz4 runs: the firmware produces 300 records in 30 batches
#      to a 3-partition topic, fetches them back and checks every record;
#      then kafka-python consumes the topic and checks every byte;
#   2. outage run: the broker goes away in the middle of the run (connection
#      dropped after a Produce was written but before its answer arrived,
#      connections refused for a while; scripts/firmware-outage-proxy.py):
#      the firmware retries, and still exactly 300 records, none twice;
#   3. footprint: flash, static RAM and peak stack (painted stack's
#      high-water mark, reported over semihosting) of the producer alone
#      (bin producer-min: connect, produce 300 records, exit; no readback,
#      no report formatting), per configuration (none, lz4, defmt), against
#      budgets; each is run once against Tansu and its 300 records checked
#      with kafka-python, so the measured binary is proven to work.
#
# Needs: rustup target thumbv7em-none-eabihf, qemu-system-arm, tansu,
# llvm-size/llvm-nm, the Python venv with kafka-python (KIO_PYTHON).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
root=$PWD
py=${KIO_PYTHON:-${KIO_VENV:-$root/.venv}/bin/python}
tansu=${KIO_TANSU:-tansu}
qemu=${KIO_QEMU:-qemu-system-arm}
# Budgets (bytes) of producer-min. The aims of issue 12 are 16 KiB / 24 KiB
# flash and 8 KiB RAM; the budgets below are what the code measures today
# (2026-12, flash none / lz4 / defmt: 27,584 / 28,700 / 28,912 B; RAM
# 3,724 / 4,460 / 3,740 B) plus a margin, so the script catches growth; see
# README "Firmware" for where the bytes go.
budget_flash_none=${FW_BUDGET_FLASH_NONE:-28672}
budget_flash_lz4=${FW_BUDGET_FLASH_LZ4:-29696}
budget_flash_defmt=${FW_BUDGET_FLASH_DEFMT:-29696}
budget_ram_none=${FW_BUDGET_RAM_NONE:-4096}
budget_ram_lz4=${FW_BUDGET_RAM_LZ4:-5120}
budget_ram_defmt=${FW_BUDGET_RAM_DEFMT:-4096}

work=$(mktemp -d)
pids=()
cleanup() {
    for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
    wait 2>/dev/null || true
    rm -rf "$work"
}
trap cleanup EXIT
say() { echo "[firmware] $*"; }
die() { echo "[firmware] FAIL: $*" >&2; exit 1; }

command -v "$qemu" >/dev/null || die "$qemu missing (scripts/install-test-deps.sh)"
command -v "$tansu" >/dev/null || die "$tansu missing (scripts/install-test-deps.sh)"
[ -x "$py" ] || die "$py missing (set KIO_PYTHON)"

free_port() { "$py" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
wait_port() {
    for _ in $(seq 100); do
        (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null && return 0
        sleep 0.2
    done
    return 1
}

# start_tansu NAME: a broker with memory storage; sets $broker_port.
start_tansu() {
    broker_port=$(free_port)
    local url="tcp://127.0.0.1:$broker_port"
    "$tansu" broker --listener-url "$url" --advertised-listener-url "$url" \
        --storage-engine "memory://tansu/" >"$work/tansu-$1.log" 2>&1 &
    pids+=($!)
    tansu_pid=$!
    wait_port "$broker_port" || die "tansu did not listen (log: $(tail -5 "$work/tansu-$1.log"))"
    "$py" scripts/firmware-check.py create "127.0.0.1:$broker_port" mcu 3
}
stop_tansu() { kill "$tansu_pid" 2>/dev/null || true; wait "$tansu_pid" 2>/dev/null || true; }

# build NAME BIN FEATURES: bin BIN of examples/firmware into $work/NAME.elf.
build() {
    # DEFMT_LOG=info: defmt keeps only errors by default.
    (cd examples/firmware && DEFMT_LOG=info cargo build --quiet --release --bin "$2" --features "$3") || die "build $1"
    cp "examples/firmware/target/thumbv7em-none-eabihf/release/$2" "$work/$1.elf"
}

# run_qemu NAME PORT: runs $work/NAME.elf with UART0 on 127.0.0.1:PORT;
# its semihosting stderr (the [fw] lines) goes to $work/NAME.log.
run_qemu() {
    local rc=0
    timeout "${FW_TIMEOUT:-600}" "$qemu" -M mps2-an386 -nographic -monitor none \
        -semihosting-config enable=on,target=native \
        -chardev "socket,id=broker,host=127.0.0.1,port=$2,reconnect=1" -serial chardev:broker \
        -kernel "$work/$1.elf" >"$work/$1.out" 2>"$work/$1.log" || rc=$?
    grep '^\[fw\]' "$work/$1.log" | grep -v 'sent batch' | sed "s/^/  $1: /" || true
    return $rc
}

say "building (thumbv7em-none-eabihf, opt-level z, LTO)"
build test-none kio-firmware-example readback
build test-lz4 kio-firmware-example readback,lz4
build none producer-min ""
build lz4 producer-min lz4
build defmt producer-min defmt

# 1. Plain and lz4: produce, fetch back, check with kafka-python.
for cfg in none lz4; do
    start_tansu "$cfg"
    start=$(date +%s)
    run_qemu "test-$cfg" "$broker_port" || die "test-$cfg: firmware failed (log $(tail -3 "$work/test-$cfg.log"))"
    grep -q '^\[fw\] readback ok records 300 ' "$work/test-$cfg.log" || die "test-$cfg: no readback"
    if [ "$cfg" = lz4 ]; then
        grep -q ' compressed 30$' "$work/test-$cfg.log" || die "test-lz4: batches not lz4"
    fi
    say "test-$cfg: firmware ok in $(( $(date +%s) - start )) s"
    "$py" scripts/firmware-check.py check "127.0.0.1:$broker_port" mcu || die "test-$cfg: kafka-python check"
    stop_tansu
done

# 2. Outage: the broker disappears after the 8th Produce was written.
start_tansu outage
proxy_port=$(free_port)
"$py" -u scripts/firmware-outage-proxy.py "$proxy_port" "$broker_port" 8 4 >"$work/proxy.log" 2>&1 &
pids+=($!)
wait_port "$proxy_port" || die "proxy did not listen"
cp "$work/test-none.elf" "$work/test-none-outage.elf"
run_qemu test-none-outage "$proxy_port" || die "outage: firmware failed ($(tail -3 "$work/test-none-outage.log"))"
sed 's/^/  /' "$work/proxy.log"
grep -q 'dropped the answer to produce #8' "$work/proxy.log" || die "outage: the proxy never dropped an answer"
grep -Eq '^\[fw\] produced 300 records in ms [0-9]+ reconnects [1-9]' "$work/test-none-outage.log" \
    || die "outage: the firmware did not reconnect"
grep -q '^\[fw\] readback ok records 300 ' "$work/test-none-outage.log" || die "outage: readback"
# The resent batch was answered DUPLICATE_SEQUENCE_NUMBER (offset -1): the broker had it once.
grep -q '^\[fw\] sent batch 7 partition 1 bytes [0-9]* offset -1$' "$work/test-none-outage.log" \
    || die "outage: the resent batch was not recognised as a duplicate"
say "outage: $(grep -c '' "$work/proxy.log") proxy events; batch 7 resent and recognised as a duplicate"
"$py" scripts/firmware-check.py check "127.0.0.1:$broker_port" mcu || die "outage: kafka-python check"
stop_tansu

# 3. Footprint of the producer alone (bin producer-min), per configuration;
# each run is checked by kafka-python (a fresh broker each time).
say "footprint (bytes; flash = vector table + text + rodata + data; RAM = static + peak stack)"
fail=0
for cfg in none lz4 defmt; do
    start_tansu "$cfg"
    run_qemu "$cfg" "$broker_port" >/dev/null || die "$cfg: producer-min failed ($(tail -3 "$work/$cfg.log"))"
    "$py" scripts/firmware-check.py check-min "127.0.0.1:$broker_port" mcu || die "$cfg: kafka-python check of producer-min"
    stop_tansu
    stack=$(sed -n 's/^\[fw\] stack-peak \([0-9]*\)$/\1/p' "$work/$cfg.log")
    [ -n "$stack" ] || die "$cfg: no stack-peak line"
    stack=$((10#$stack))
    read -r flash ram parts < <(python3 scripts/firmware-footprint.py "$work/$cfg.elf" | sed 's/flash=\([0-9]*\) ram=\([0-9]*\) /\1 \2 /')
    total=$((ram + stack))
    bf_var=budget_flash_$cfg; br_var=budget_ram_$cfg
    say "$(printf '%-6s flash %6d (budget %6d)  static RAM %5d  peak stack %5d  RAM %6d (budget %6d)  by part: %s' \
        "$cfg" "$flash" "${!bf_var}" "$ram" "$stack" "$total" "${!br_var}" "$parts")"
    [ "$flash" -le "${!bf_var}" ] || { say "$cfg: flash over budget"; fail=1; }
    [ "$total" -le "${!br_var}" ] || { say "$cfg: RAM over budget"; fail=1; }
done
for cfg in test-none test-lz4; do
    say "$(printf '%-9s (the test firmware: readback, reports) %s' "$cfg" "$(python3 scripts/firmware-footprint.py "$work/$cfg.elf")")"
done
[ "$fail" = 0 ] || die "footprint over budget"
say "ok"
