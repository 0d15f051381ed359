"""Footprint of a firmware ELF: flash, static RAM, and flash by part.

  firmware-footprint.py ELF

Prints `flash=N ram=N` and a breakdown of code + read-only data by the
symbol's crate/module (after LTO and inlining, so a part's figure counts
what was inlined into its functions): codec (kio-core's generated
messages, encode/decode runtime, frames), records (batch writer, CRC,
compression glue), lz4 (lz4_flex), producer (kio-producer), logging
(defmt), firmware (the example's own code, cortex-m-rt, semihosting),
builtins (compiler_builtins and core).
"""
import re
import subprocess
import sys

elf = sys.argv[1]
sections = subprocess.run(["llvm-size", "-A", elf], capture_output=True, text=True, check=True).stdout
size = {m.group(1): int(m.group(2)) for m in re.finditer(r"^(\.\S+)\s+(\d+)", sections, re.M)}
flash = sum(size.get(s, 0) for s in (".vector_table", ".text", ".rodata", ".data"))
ram = sum(size.get(s, 0) for s in (".data", ".bss", ".uninit"))

RULES = [
    ("lz4", r"lz4_flex|records::compression::lz4"),
    ("records", r"kio_core::records|RecordsError"),
    ("codec", r"kio_core::"),
    ("producer", r"kio_producer::"),
    ("logging", r"defmt"),
    ("builtins", r"compiler_builtins|^core::|__aeabi|memcpy|memset|memmove|memcmp"),
    ("firmware", r"."),
]
parts = {name: 0 for name, _ in RULES}
nm = subprocess.run(["llvm-nm", "-S", "-C", "--size-sort", elf], capture_output=True, text=True, check=True).stdout
for line in nm.splitlines():
    f = line.split(None, 3)
    if len(f) < 4 or f[2] not in "tTrR":
        continue
    sym = f[3].replace("$LT$", "<").replace("$GT$", ">").replace("$u20$", " ").replace("..", "::")
    sym = re.sub(r"^_<", "<", sym)
    for name, pat in RULES:
        if re.search(pat, sym):
            parts[name] += int(f[1], 16)
            break
print(f"flash={flash} ram={ram} " + " ".join(f"{k}={v}" for k, v in parts.items() if v))
