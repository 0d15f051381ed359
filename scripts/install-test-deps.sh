#!/usr/bin/env bash
# Installs what kio's tests need beyond a Rust toolchain, on a Debian machine
# with rustup, Python 3.11 and Node/npm present. Run as root. Idempotent: every
# step checks first and does nothing when its part is already there, so a
# second run takes a few seconds.
#
#   - Rust targets wasm32-unknown-unknown and thumbv7em-none-eabihf
#   - Debian packages tshark, chromium, chromium-driver
#   - the Tansu broker (a Kafka-compatible broker) 0.6.0, built by cargo install
#   - a Python venv at <repo>/.venv with kafka-python and confluent-kafka
#
# Environment knobs:
#   KIO_SKIP_TANSU=1   skip the Tansu build (it takes many minutes on 2 cores)
#   KIO_VENV=path      put the venv elsewhere
#   PYTHON=python3.11  interpreter used to create the venv
set -euo pipefail

REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV="${KIO_VENV:-$REPO/.venv}"
TANSU_VERSION="0.6.0"
KAFKA_PYTHON_SPEC="kafka-python>=3.0,<3.1"
CONFLUENT_KAFKA_SPEC="confluent-kafka>=2.16,<2.17"
# kafka-python's compression codecs (gzip is built in).
CODEC_SPECS=("python-snappy>=0.7,<0.8" "zstandard>=0.25,<0.26" "lz4>=4.4,<4.5")

say() { printf '[install-test-deps] %s\n' "$*"; }

# cargo/rustup may live in ~/.cargo/bin without being on PATH in a fresh shell.
if ! command -v cargo >/dev/null 2>&1 && [ -x "$HOME/.cargo/bin/cargo" ]; then
    export PATH="$HOME/.cargo/bin:$PATH"
fi

# --- 1. Rust targets --------------------------------------------------------
step_rust_targets() {
    local installed missing=()
    installed="$(rustup target list --installed)"
    for t in wasm32-unknown-unknown thumbv7em-none-eabihf; do
        grep -qx "$t" <<<"$installed" || missing+=("$t")
    done
    if [ "${#missing[@]}" -eq 0 ]; then
        say "rust targets: already present (wasm32-unknown-unknown thumbv7em-none-eabihf)"
    else
        rustup target add "${missing[@]}" >/dev/null
        say "rust targets: done (added ${missing[*]})"
    fi
}

# --- 2. Debian packages -----------------------------------------------------
step_apt() {
    local missing=()
    for p in tshark chromium chromium-driver; do
        if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
            missing+=("$p")
        fi
    done
    if [ "${#missing[@]}" -eq 0 ]; then
        say "debian packages: already present (tshark chromium chromium-driver)"
        return
    fi
    export DEBIAN_FRONTEND=noninteractive
    # tshark pulls wireshark-common, which asks whether non-root users may capture.
    echo "wireshark-common wireshark-common/install-setuid boolean false" | debconf-set-selections
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
    say "debian packages: done (installed ${missing[*]})"
}

# --- 3. Tansu broker --------------------------------------------------------
tansu_ok() {
    command -v tansu >/dev/null 2>&1 && tansu --version 2>/dev/null | grep -q "$TANSU_VERSION"
}

step_tansu() {
    if [ "${KIO_SKIP_TANSU:-0}" = "1" ]; then
        say "tansu: skipped (KIO_SKIP_TANSU=1)"
        return
    fi
    if tansu_ok; then
        say "tansu $TANSU_VERSION: already present ($(command -v tansu))"
        return
    fi
    if pgrep -f '^[^ ]*cargo install tansu' >/dev/null 2>&1; then
        # Another install is running (a concurrent run of this script or a
        # person): wait for it rather than building the same thing twice.
        say "tansu: another 'cargo install tansu' is running, waiting for it"
        while pgrep -f '^[^ ]*cargo install tansu' >/dev/null 2>&1; do sleep 10; done
        if tansu_ok; then
            say "tansu $TANSU_VERSION: done (installed by the concurrent build)"
            return
        fi
    fi
    cargo install tansu --version "$TANSU_VERSION" --locked --features dynostore --quiet
    tansu_ok || { say "tansu: cargo install finished but 'tansu --version' does not report $TANSU_VERSION"; exit 1; }
    say "tansu $TANSU_VERSION: done ($(command -v tansu))"
}

# --- 4. Python venv ---------------------------------------------------------
step_venv() {
    local py="${PYTHON:-}"
    if [ -z "$py" ]; then
        if command -v python3.11 >/dev/null 2>&1; then py=python3.11; else py=python3; fi
    fi
    if [ ! -x "$VENV/bin/python" ]; then
        "$py" -m venv "$VENV"
        say "python venv: created $VENV"
    fi
    # Checks the installed versions against the pins without touching the network.
    if "$VENV/bin/python" - "$KAFKA_PYTHON_SPEC" "$CONFLUENT_KAFKA_SPEC" <<'EOF' 2>/dev/null
import sys
from importlib.metadata import version, PackageNotFoundError
def ok(name, lo, hi):
    try:
        v = tuple(int(x) for x in version(name).split(".")[:2])
    except (PackageNotFoundError, ValueError):
        return False
    return lo <= v < hi
codecs = ok("python-snappy", (0, 7), (0, 8)) and ok("zstandard", (0, 25), (0, 26)) and ok("lz4", (4, 4), (4, 5))
sys.exit(0 if ok("kafka-python", (3, 0), (3, 1)) and ok("confluent-kafka", (2, 16), (2, 17)) and codecs else 1)
EOF
    then
        say "python packages: already present (kafka-python $("$VENV/bin/python" -c 'from importlib.metadata import version; print(version("kafka-python"))'), confluent-kafka $("$VENV/bin/python" -c 'from importlib.metadata import version; print(version("confluent-kafka"))'))"
        return
    fi
    "$VENV/bin/python" -m pip install --quiet --disable-pip-version-check "$KAFKA_PYTHON_SPEC" "$CONFLUENT_KAFKA_SPEC" "${CODEC_SPECS[@]}"
    say "python packages: done (kafka-python $("$VENV/bin/python" -c 'from importlib.metadata import version; print(version("kafka-python"))'), confluent-kafka $("$VENV/bin/python" -c 'from importlib.metadata import version; print(version("confluent-kafka"))'))"
}

# --- 5. wasm-bindgen-cli ------------------------------------------------------
# Pinned to exactly the wasm-bindgen crate version in Cargo.lock (the CLI and
# the crate must match); wasm-pack's binary download does not work here.
step_wasm_bindgen() {
    local want have
    want="$(awk '/^name = "wasm-bindgen"$/ { getline; gsub(/[^0-9.]/, ""); print; exit }' "$REPO/Cargo.lock")"
    have="$(wasm-bindgen --version 2>/dev/null | awk '{print $2}')"
    if [ "$have" = "$want" ]; then
        say "wasm-bindgen-cli $want: already present"
        return
    fi
    cargo install wasm-bindgen-cli --version "$want" --quiet
    say "wasm-bindgen-cli $want: done"
}
step_rust_targets
step_apt
step_venv
step_tansu
step_wasm_bindgen
say "all test dependencies present"
