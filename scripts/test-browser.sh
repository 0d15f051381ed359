#!/usr/bin/env bash
# End-to-end test of the devtools page in a real browser (issue 5):
#   1. builds the wasm package (scripts/build-wasm.sh → kio-wasm/pkg, www/pkg),
#   2. builds the `kio` CLI (the same-JSON checks compare the page with it),
#   3. installs playwright-core into tests/browser (npm ci, from the committed
#      package-lock.json; skipped when already installed),
#   4. runs `node --test` in tests/browser: Debian's chromium (/usr/bin/chromium),
#      headless, on a page served from 127.0.0.1.
# The screenshot is saved to target/www-screenshot.png (and the expanded
# Produce call to target/www-produce.png); the debugger views' screenshots
# (debugger.test.mjs) to tests/browser/screenshots/ (gitignored).
# Idempotent; quick when built.
set -euo pipefail
REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$REPO"
if ! command -v cargo >/dev/null 2>&1 && [ -x "$HOME/.cargo/bin/cargo" ]; then
    export PATH="$HOME/.cargo/bin:$PATH"
fi
[ -x "${CHROMIUM:-/usr/bin/chromium}" ] || { echo "[test-browser] chromium missing: run scripts/install-test-deps.sh" >&2; exit 1; }

scripts/build-wasm.sh
cargo build --quiet -p kio-std --bin kio
export KIO_BIN="${CARGO_TARGET_DIR:-$REPO/target}/debug/kio"

cd tests/browser
if [ ! -f node_modules/playwright-core/package.json ] \
    || [ "$(node -p 'require("./node_modules/playwright-core/package.json").version')" != "$(node -p 'require("./package-lock.json").packages["node_modules/playwright-core"].version')" ]; then
    npm ci --no-audit --no-fund --silent
fi
exec node --test
