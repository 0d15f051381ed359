#!/usr/bin/env bash
# The one command that runs every test of kio (README: "Run every test").
#
# 1. installs what the tests need (scripts/install-test-deps.sh: Rust targets,
#    tshark/chromium/qemu, the Tansu broker, the Python clients,
#    wasm-bindgen-cli), then checks the installer itself on a PATH without
#    its tools (tests/tests/installer.rs),
# 2. checks the generated code is what kio-gen makes from ../shared/kafka-schema/4.3.1
#    and 3.9.0 (newest first),
# 3. rustfmt, clippy and rustdoc,
# 4. every Rust test of the workspace: each crate's own tests and the interop
#    suite (tests/, crate kio-interop: Tansu, real clients, tshark),
# 5. kio-core for a Cortex-M4F with no heap,
# 6. the wasm build and the browser end-to-end test (when the browser test exists).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
# One build from scratch: incremental caches (~5 GB here) would only fill the disk.
export CARGO_INCREMENTAL="${CARGO_INCREMENTAL:-0}"

step() { printf '\n=== %s\n' "$*"; }

step "installing test dependencies"
bash scripts/install-test-deps.sh

step "the installer on a machine without its tools (dry run, hidden PATH, empty venv)"
cargo test -q -p kio-interop --test installer

step "regenerating from ../shared/kafka-schema/4.3.1 and 3.9.0 (must change nothing)"
cargo run -q -p kio-gen -- --schema ../shared/kafka-schema/4.3.1 --schema ../shared/kafka-schema/3.9.0 --records ../shared/kafka-schema/4.3.1-records --out kio-core/src/generated --check

step "rustfmt"
cargo fmt --all -- --check

step "clippy"
cargo clippy -q --workspace --all-targets -- -D warnings

step "rustdoc (warnings are errors)"
RUSTDOCFLAGS="-D warnings" cargo doc -q --no-deps --workspace

step "kio-core without a heap, for thumbv7em-none-eabihf"
cargo build -q -p kio-core --no-default-features --target thumbv7em-none-eabihf
cargo build -q -p kio-core --no-default-features --features defmt,gzip,snappy,lz4,index --target thumbv7em-none-eabihf
bash scripts/firmware-size.sh

step "tests"
cargo test --workspace
# The benchmarks must build (in the test profile, reusing its artifacts); their times are never asserted.
cargo build -q -p kio-core -p kio-bench-noalloc --benches --profile test

step "the producer firmware in QEMU against Tansu"; bash scripts/test-firmware.sh

step "fuzz smoke run (every target, about 20 s each)"
bash scripts/fuzz-smoke.sh

step "release packaging: cargo package, npm pack, wasm size budget"; bash scripts/package-check.sh

if [ -x scripts/test-browser.sh ]; then
    step "wasm build and browser tests"
    bash scripts/test-browser.sh
fi

step "all tests passed"
