#!/usr/bin/env bash
# Installs what kio's tests need beyond a Rust toolchain, on a Debian machine
# with rustup, Python 3 and Node/npm present. Run as root. Idempotent: every
# step probes first and does nothing when its part is already there, so a
# second run takes a few seconds.
#
#   rust-targets   wasm32-unknown-unknown (the browser build) and
#                  thumbv7em-none-eabihf (the no-heap firmware build)
#   debian         tshark (dissector cross-check), chromium (browser tests),
#                  qemu-system-arm (the firmware runs in an emulated Cortex-M4F)
#   python         a venv with kafka-python and confluent-kafka (real clients)
#   tansu          the Tansu broker 0.6.0 (a real Kafka-compatible broker)
#   wasm-bindgen   wasm-bindgen-cli at the version in Cargo.lock (browser build)
#   cargo-fuzz     cargo-fuzz and the nightly toolchain (scripts/fuzz.sh, the fuzz smoke run)
#
# Usage: scripts/install-test-deps.sh [--dry-run]
#   --dry-run   install nothing; print for each step "present" or
#               "would install X". Exits 0 unless a probe itself breaks.
#
# Every probe works when its tool is absent (a missing tool is "not present",
# never an error). If an install command fails the script stops with a line
# naming the step and the command, and exits 1.
#
# Environment knobs:
#   KIO_SKIP_TANSU=1   skip the Tansu build (it takes many minutes on 2 cores)
#   KIO_VENV=path      put the venv elsewhere (default <repo>/.venv)
#   PYTHON=python3.11  interpreter used to create the venv
set -Eeuo pipefail

REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV="${KIO_VENV:-$REPO/.venv}"
TANSU_VERSION="0.6.0"
KAFKA_PYTHON_SPEC="kafka-python>=3.0,<3.1"
CONFLUENT_KAFKA_SPEC="confluent-kafka>=2.16,<2.17"
# kafka-python's compression codecs (gzip is built in).
CODEC_SPECS=("python-snappy>=0.7,<0.8" "zstandard>=0.25,<0.26" "lz4>=4.4,<4.5")
RUST_TARGETS=(wasm32-unknown-unknown thumbv7em-none-eabihf)
# Debian package => the command that proves it is installed.
DEBIAN_PACKAGES=(tshark:tshark chromium:chromium qemu-system-arm:qemu-system-arm)

DRY_RUN=0
for arg in "$@"; do
    case "$arg" in
        --dry-run) DRY_RUN=1 ;;
        -h|--help) sed -n '2,27p' "${BASH_SOURCE[0]}"; exit 0 ;;
        *) echo "[install-test-deps] unknown argument: $arg (try --help)" >&2; exit 2 ;;
    esac
done

STEP="setup"
STEP_START=$SECONDS
say() { printf '[install-test-deps] %-13s %s\n' "$STEP:" "$*"; }
fail() { say "FAILED: $*" >&2; exit 1; }
# Anything that fails outside `run` still names the step and the command.
trap 'rc=$?; say "FAILED (exit $rc) at line $LINENO: $BASH_COMMAND" >&2; exit 1' ERR

# run CMD...: runs an install command with its output in a log file (shown
# only on failure). On failure, names the step and the command, and stops.
LOG_DIR="${TMPDIR:-/tmp}/kio-install-test-deps"
run() {
    local rc=0 log
    mkdir -p "$LOG_DIR"
    log="$LOG_DIR/$STEP.log"
    "$@" >>"$log" 2>&1 || rc=$?
    if [ "$rc" -ne 0 ]; then
        tail -n 20 "$log" | sed 's/^/    | /' >&2
        fail "command exited with $rc: $* (full output: $log)"
    fi
}

begin() { STEP="$1"; STEP_START=$SECONDS; }
present() { say "present ($*)"; }
would() { say "would install $*"; }
done_step() { say "done in $((SECONDS - STEP_START)) s ($*)"; }

# have CMD: is CMD on PATH? Never fails the script.
have() { command -v "$1" >/dev/null 2>&1; }
# version_of CMD...: the first line of `CMD ... --version`, or "" when CMD is
# absent or the call fails. Safe under `set -euo pipefail`.
version_of() {
    have "$1" || return 0
    "$@" --version 2>/dev/null | head -n 1 || true
}

# cargo/rustup may live in ~/.cargo/bin without being on PATH in a fresh shell.
if ! have cargo && [ -x "$HOME/.cargo/bin/cargo" ]; then
    export PATH="$HOME/.cargo/bin:$PATH"
fi

# --- Rust targets -------------------------------------------------------------
step_rust_targets() {
    begin rust-targets
    local installed missing=() t
    installed="$(rustup target list --installed 2>/dev/null || true)"
    for t in "${RUST_TARGETS[@]}"; do
        grep -qx "$t" <<<"$installed" || missing+=("$t")
    done
    if [ "${#missing[@]}" -eq 0 ]; then present "${RUST_TARGETS[*]}"; return; fi
    if [ "$DRY_RUN" = 1 ]; then would "rust targets ${missing[*]} (rustup target add)"; return; fi
    say "installing ${missing[*]}: the wasm build and the no-heap firmware build need them"
    run rustup target add "${missing[@]}"
    done_step "added ${missing[*]}"
}

# --- Debian packages ----------------------------------------------------------
step_debian() {
    begin debian
    local missing=() entry pkg cmd
    for entry in "${DEBIAN_PACKAGES[@]}"; do
        pkg="${entry%%:*}" cmd="${entry#*:}"
        have "$cmd" || missing+=("$pkg")
    done
    if [ "${#missing[@]}" -eq 0 ]; then present "tshark chromium qemu-system-arm"; return; fi
    if [ "$DRY_RUN" = 1 ]; then would "${missing[*]} (apt-get install)"; return; fi
    say "installing ${missing[*]}: tshark checks frames against Wireshark's dissector, chromium runs the devtools page, qemu-system-arm runs the firmware"
    export DEBIAN_FRONTEND=noninteractive
    # tshark pulls wireshark-common, which asks whether non-root users may capture.
    echo "wireshark-common wireshark-common/install-setuid boolean false" | run debconf-set-selections
    run apt-get update -qq
    run apt-get install -y -qq --no-install-recommends "${missing[@]}"
    for entry in "${DEBIAN_PACKAGES[@]}"; do
        have "${entry#*:}" || fail "apt-get installed ${entry%%:*} but '${entry#*:}' is not on PATH"
    done
    done_step "installed ${missing[*]}"
}

# --- Python venv with the real clients ---------------------------------------
python_pins_ok() {
    [ -x "$VENV/bin/python" ] || return 1
    "$VENV/bin/python" - <<'EOF' 2>/dev/null
import sys
from importlib.metadata import version, PackageNotFoundError
def ok(name, lo, hi):
    try:
        v = tuple(int(x) for x in version(name).split(".")[:2])
    except (PackageNotFoundError, ValueError):
        return False
    return lo <= v < hi
pins = [("kafka-python", (3, 0), (3, 1)), ("confluent-kafka", (2, 16), (2, 17)),
        ("python-snappy", (0, 7), (0, 8)), ("zstandard", (0, 25), (0, 26)), ("lz4", (4, 4), (4, 5))]
sys.exit(0 if all(ok(*p) for p in pins) else 1)
EOF
}

step_python() {
    begin python
    if python_pins_ok; then present "kafka-python, confluent-kafka and codecs in $VENV"; return; fi
    if [ "$DRY_RUN" = 1 ]; then
        would "a venv at $VENV with $KAFKA_PYTHON_SPEC $CONFLUENT_KAFKA_SPEC ${CODEC_SPECS[*]} (pip)"
        return
    fi
    local py="${PYTHON:-}"
    if [ -z "$py" ]; then if have python3.11; then py=python3.11; else py=python3; fi; fi
    say "installing the real Kafka clients the tests drive (kafka-python, confluent-kafka) into $VENV"
    [ -x "$VENV/bin/python" ] || run "$py" -m venv "$VENV"
    run "$VENV/bin/python" -m pip install --quiet --disable-pip-version-check \
        "$KAFKA_PYTHON_SPEC" "$CONFLUENT_KAFKA_SPEC" "${CODEC_SPECS[@]}"
    python_pins_ok || fail "pip finished but the pinned versions are not importable from $VENV"
    done_step "$VENV"
}

# --- Tansu broker -------------------------------------------------------------
tansu_ok() { version_of tansu | grep -q "$TANSU_VERSION"; }

step_tansu() {
    begin tansu
    if [ "${KIO_SKIP_TANSU:-0}" = "1" ]; then say "skipped (KIO_SKIP_TANSU=1)"; return; fi
    if tansu_ok; then present "tansu $TANSU_VERSION at $(command -v tansu)"; return; fi
    if [ "$DRY_RUN" = 1 ]; then would "tansu $TANSU_VERSION (cargo install, about 10 minutes on 2 cores)"; return; fi
    if pgrep -f '^[^ ]*cargo install tansu' >/dev/null 2>&1; then
        # Another install is running (a concurrent run of this script or a
        # person): wait for it rather than building the same thing twice.
        say "another 'cargo install tansu' is running, waiting for it"
        while pgrep -f '^[^ ]*cargo install tansu' >/dev/null 2>&1; do sleep 10; done
        if tansu_ok; then done_step "installed by the concurrent build"; return; fi
    fi
    say "building tansu $TANSU_VERSION, the real broker the interop tests run (cargo install, many minutes)"
    run cargo install tansu --version "$TANSU_VERSION" --locked --features dynostore --quiet
    tansu_ok || fail "cargo install finished but 'tansu --version' does not report $TANSU_VERSION"
    done_step "$(command -v tansu)"
}

# --- wasm-bindgen-cli -----------------------------------------------------------
# Pinned to exactly the wasm-bindgen crate version in Cargo.lock (the CLI and
# the crate must match); wasm-pack's binary download does not work here.
step_wasm_bindgen() {
    begin wasm-bindgen
    local want have_version
    want="$(awk '/^name = "wasm-bindgen"$/ { getline; gsub(/[^0-9.]/, ""); print; exit }' "$REPO/Cargo.lock")"
    [ -n "$want" ] || fail "no wasm-bindgen version found in $REPO/Cargo.lock"
    have_version="$(version_of wasm-bindgen | awk '{print $2}')"
    if [ "$have_version" = "$want" ]; then present "wasm-bindgen-cli $want"; return; fi
    if [ "$DRY_RUN" = 1 ]; then
        would "wasm-bindgen-cli $want (cargo install; found ${have_version:-none})"
        return
    fi
    say "building wasm-bindgen-cli $want (found ${have_version:-none}): the browser build needs the CLI matching the crate"
    run cargo install wasm-bindgen-cli --version "$want" --quiet
    [ "$(version_of wasm-bindgen | awk '{print $2}')" = "$want" ] || fail "cargo install finished but 'wasm-bindgen --version' is not $want"
    done_step "wasm-bindgen-cli $want"
}

# --- cargo-fuzz and nightly -----------------------------------------------------
CARGO_FUZZ_VERSION="0.13"
nightly_ok() { rustup toolchain list 2>/dev/null | grep -q '^nightly'; }
cargo_fuzz_ok() { version_of cargo fuzz | grep -q "cargo-fuzz $CARGO_FUZZ_VERSION"; }

step_cargo_fuzz() {
    begin cargo-fuzz
    local missing=()
    nightly_ok || missing+=("the nightly toolchain (rustup)")
    cargo_fuzz_ok || missing+=("cargo-fuzz $CARGO_FUZZ_VERSION (cargo install)")
    if [ "${#missing[@]}" -eq 0 ]; then present "$(version_of cargo fuzz), nightly"; return; fi
    if [ "$DRY_RUN" = 1 ]; then would "${missing[*]}"; return; fi
    say "installing ${missing[*]}: the fuzz targets (fuzz/, scripts/fuzz.sh) need them"
    nightly_ok || run rustup toolchain install nightly --profile minimal
    cargo_fuzz_ok || run cargo install cargo-fuzz --version "^$CARGO_FUZZ_VERSION" --locked --quiet
    cargo_fuzz_ok || fail "cargo install finished but 'cargo fuzz --version' is not $CARGO_FUZZ_VERSION"
    done_step "$(version_of cargo fuzz)"
}

TOTAL_START=$SECONDS
step_rust_targets
step_debian
step_python
step_tansu
step_wasm_bindgen
step_cargo_fuzz
STEP="all"
if [ "$DRY_RUN" = 1 ]; then
    say "dry run: nothing installed"
else
    say "every test dependency present ($((SECONDS - TOTAL_START)) s)"
fi
