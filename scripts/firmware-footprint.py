"""Footprint of a firmware ELF: flash, static RAM, and flash by part.

  firmware-footprint.py ELF

Prints `flash=N ram=N` and then the flash by part, which add up to the
flash figure. Code (.text) is attributed byte by byte through the line
tables (examples/firmware builds with `debug = "line-tables-only"`, which
leaves the code unchanged) to the innermost inlined frame that is not
Rust's own library, so code inlined into a caller counts where it was
written, not where LTO put it:

  codec     kio-core outside records/ (messages, encode/decode runtime, frames)
  records   kio-core's records/ (batch writer, varints, CRC-32C table)
  lz4       lz4_flex and kio-core's lz4 glue
  producer  kio-producer
  logging   defmt
  app       what a user's firmware has too: the UART driver, the clock,
            its main (src/bin/producer-min.rs), cortex-m(-rt)
  harness   the test harness: record data, readback, report lines, stack
            painting, semihosting, the test binary's main
            (src/{main,data,readback,report,stack}.rs)
  builtins  core and compiler_builtins (memcpy, memset, 64-bit division)
  vectors   the vector table
  rodata    other read-only data: constants, strings, lookup tables
            (named tables such as the CRC-32C one count to their crate)

`producer_total=N` is flash minus the harness: what a firmware that only
produces pays.
"""
import re
import subprocess
import sys

elf = sys.argv[1]
sections = subprocess.run(["llvm-size", "-A", elf], capture_output=True, text=True, check=True).stdout
size = {m.group(1): int(m.group(2)) for m in re.finditer(r"^(\.\S+)\s+(\d+)", sections, re.M)}
flash = sum(size.get(s, 0) for s in (".vector_table", ".text", ".rodata", ".data"))
ram = sum(size.get(s, 0) for s in (".data", ".bss", ".uninit"))

FILE_RULES = [
    ("lz4", r"lz4_flex|kio-core/src/records/compression/lz4"),
    ("records", r"kio-core/src/records/"),
    ("codec", r"kio-core/src/"),
    ("producer", r"kio-producer/src/"),
    ("logging", r"defmt"),
    ("harness", r"examples/firmware/src/(main|data|readback|report|stack)\.rs|cortex-m-semihosting"),
    ("app", r"examples/firmware/|cortex-m|vcell|volatile-register|panic-halt|embedded-io|critical-section"),
]
SYMBOL_RULES = [
    ("lz4", r"lz4_flex|records::compression::lz4"),
    ("records", r"kio_core::records"),
    ("codec", r"kio_core::"),
    ("producer", r"kio_producer::"),
    ("logging", r"defmt"),
]
parts = {name: 0 for name in ("codec", "records", "lz4", "producer", "logging", "app", "harness", "builtins", "vectors", "rodata")}


def section(name):
    for line in subprocess.run(["readelf", "-SW", elf], capture_output=True, text=True, check=True).stdout.splitlines():
        m = re.search(r"\]\s+" + re.escape(name) + r"\s+\S+\s+([0-9a-f]+)\s+[0-9a-f]+\s+([0-9a-f]+)", line)
        if m:
            return int(m.group(1), 16), int(m.group(2), 16)
    return 0, 0


start, length = section(".text")
query = "".join(f"0x{a:x}\n" for a in range(start, start + length, 2))
out = subprocess.run(["llvm-addr2line", "-a", "-i", "-f", "-e", elf], input=query, capture_output=True, text=True, check=True).stdout
for block in re.split(r"^0x[0-9a-f]+\n", out, flags=re.M)[1:]:
    files = block.splitlines()[1::2]
    own = [f for f in files if "/rustc/" not in f and not f.startswith("??")]
    part = "builtins"
    if own:
        for name, pat in FILE_RULES:
            if re.search(pat, own[0]):
                part = name
                break
        else:
            part = "builtins" if "compiler_builtins" in own[0] or "compiler-builtins" in own[0] else "app"
    parts[part] += 2
parts["builtins"] -= sum(parts.values()) - length  # an odd-sized .text

parts["vectors"] = size.get(".vector_table", 0)
rodata = size.get(".rodata", 0) + size.get(".data", 0)
nm = subprocess.run(["llvm-nm", "-S", "-C", elf], capture_output=True, text=True, check=True).stdout
for line in nm.splitlines():
    f = line.split(None, 3)
    if len(f) < 4 or f[2] not in "rR":
        continue
    for name, pat in SYMBOL_RULES:
        if re.search(pat, f[3]):
            n = int(f[1], 16)
            parts[name] += n
            rodata -= n
            break
parts["rodata"] = rodata
assert sum(parts.values()) == flash, (parts, flash)
print(f"flash={flash} ram={ram} producer_total={flash - parts['harness']} "
      + " ".join(f"{k}={v}" for k, v in parts.items() if v))
