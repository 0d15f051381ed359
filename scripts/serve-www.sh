#!/usr/bin/env bash
# Builds the wasm package and serves the devtools page (www/) on
# http://127.0.0.1:${PORT:-8080}/ — a static page, no server-side code.
#   scripts/serve-www.sh            # build, then serve on 8080
#   PORT=9000 scripts/serve-www.sh
set -euo pipefail
REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
"$REPO/scripts/build-wasm.sh"
PORT="${PORT:-8080}"
echo "[serve-www] http://127.0.0.1:$PORT/  (Ctrl-C to stop)"
exec python3 -m http.server "$PORT" --bind 127.0.0.1 --directory "$REPO/www"
