#!/usr/bin/env bash
# The one command that runs every test of kio (README: "Run every test").
#
# 1. installs what the tests need (scripts/install-test-deps.sh: Rust targets,
#    tshark/chromium, the Tansu broker, the Python clients, wasm-bindgen-cli),
# 2. checks the generated code is what kio-gen makes from ../shared/kafka-schema/3.9.0,
# 3. rustfmt, clippy and rustdoc,
# 4. every Rust test of the workspace,
# 5. kio-core for a Cortex-M4F with no heap,
# 6. the wasm build and the browser end-to-end test (when the browser test exists).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

step() { printf '\n=== %s\n' "$*"; }

step "installing test dependencies"
bash scripts/install-test-deps.sh

step "regenerating from ../shared/kafka-schema/3.9.0 (must change nothing)"
cargo run -q -p kio-gen -- --schema ../shared/kafka-schema/3.9.0 --out kio-core/src/generated --check

step "rustfmt"
cargo fmt --all -- --check

step "clippy"
cargo clippy -q --workspace --all-targets -- -D warnings

step "rustdoc (warnings are errors)"
RUSTDOCFLAGS="-D warnings" cargo doc -q --no-deps --workspace

step "kio-core without a heap, for thumbv7em-none-eabihf"
cargo build -q -p kio-core --no-default-features --target thumbv7em-none-eabihf
cargo build -q -p kio-core --no-default-features --features defmt,gzip,snappy,lz4 --target thumbv7em-none-eabihf
bash scripts/firmware-size.sh

step "tests"
cargo test --workspace

step "release packaging: cargo package, npm pack, wasm size budget"; bash scripts/package-check.sh

if [ -x scripts/test-browser.sh ]; then
    step "wasm build and browser tests"
    bash scripts/test-browser.sh
fi

step "all tests passed"
