#!/usr/bin/env bash
# Builds the npm package of kio-wasm:
#   kio-wasm/pkg/           the package (wasm-bindgen --target web output,
#                           package.json, README.md, LICENSE); gitignored
#   www/pkg/                a copy the devtools page loads; gitignored
#   target/npm/kio-rs-wasm-<version>.tgz   `npm pack` of the package
# and prints the bundle size, raw and gzipped.
#
# Needs the wasm32-unknown-unknown target and wasm-bindgen-cli at exactly the
# version of the wasm-bindgen crate in Cargo.lock; both are installed here when
# missing (as scripts/install-test-deps.sh does). Idempotent: a second run
# only re-links.
set -euo pipefail

REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$REPO"
if ! command -v cargo >/dev/null 2>&1 && [ -x "$HOME/.cargo/bin/cargo" ]; then
    export PATH="$HOME/.cargo/bin:$PATH"
fi
say() { printf '[build-wasm] %s\n' "$*"; }

rustup target list --installed | grep -qx wasm32-unknown-unknown \
    || rustup target add wasm32-unknown-unknown >/dev/null

WB_VERSION="$(awk '/^name = "wasm-bindgen"$/ { getline; gsub(/[^0-9.]/, ""); print; exit }' Cargo.lock)"
if [ "$(wasm-bindgen --version 2>/dev/null | awk '{print $2}')" != "$WB_VERSION" ]; then
    say "installing wasm-bindgen-cli $WB_VERSION (a few minutes)"
    cargo install wasm-bindgen-cli --version "$WB_VERSION" --quiet
fi

say "cargo build --profile wasm --target wasm32-unknown-unknown -p kio-wasm"
cargo build --quiet --profile wasm --target wasm32-unknown-unknown -p kio-wasm

PKG="$REPO/kio-wasm/pkg"
rm -rf "$PKG"
mkdir -p "$PKG"
wasm-bindgen --target web --remove-name-section --remove-producers-section --out-dir "$PKG" --out-name kio_wasm \
    "${CARGO_TARGET_DIR:-$REPO/target}/wasm32-unknown-unknown/wasm/kio_wasm.wasm"
cp kio-wasm/npm/package.json kio-wasm/npm/README.md LICENSE "$PKG/"

rm -rf "$REPO/www/pkg"
cp -r "$PKG" "$REPO/www/pkg"

mkdir -p target/npm
TGZ="$( cd "$PKG" && npm pack --silent --pack-destination "$REPO/target/npm" 2>/dev/null | tail -n1 )"
say "npm package: target/npm/$TGZ"

WASM="$PKG/kio_wasm_bg.wasm"
raw=$(wc -c <"$WASM")
gz=$(gzip -9 -c "$WASM" | wc -c)
js=$(wc -c <"$PKG/kio_wasm.js")
jsgz=$(gzip -9 -c "$PKG/kio_wasm.js" | wc -c)
say "bundle: kio_wasm_bg.wasm $raw bytes ($gz gzipped), kio_wasm.js $js bytes ($jsgz gzipped)"
