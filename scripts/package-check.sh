#!/usr/bin/env bash
# Is kio ready for a release? (issue 15; docs/VERSIONING.md)
#
# 1. MSRV: every published crate declares the workspace's `rust-version`, and
#    no dependency of a published crate (normal and build dependencies, every
#    feature, as locked in Cargo.lock) declares a newer one. The crates' own
#    code is held to it by clippy's `incompatible_msrv` lint, which reads
#    `rust-version` (scripts/test.sh's clippy step denies it with the rest of
#    the warnings; here it runs once more over kio-core's every feature).
# 2. `cargo package` of every published crate (every workspace member without
#    `publish = false`), together, so that a crate's unpublished siblings are
#    served from the packages just made: each .crate is unpacked and built from
#    its own sources alone (no ../shared, no path dependencies). Verification
#    needs the crates.io index and the dependencies' sources (the registry, or
#    cargo's cache when offline) and nothing else, so no crate needs
#    `--no-verify`. Prints each .crate's file count and size.
# 3. The npm package: builds it (scripts/build-wasm.sh), checks that
#    `npm pack` holds exactly the expected files, reports the tarball's and
#    the wasm's size (raw and gzipped) against a budget, and loads the packed
#    tarball the way users do: `import` by package name from Node (the
#    `exports` map and the wasm file next to the module), and the README's
#    example in headless Chromium both from a plain `<script type="module">`
#    page and bundled by Vite (kio-wasm/npm-check; the pages are skipped with
#    a note when chromium is absent).
#
# The wasm budget (bytes, kio_wasm_bg.wasm after wasm-bindgen): 831,230 B
# (277,003 gzipped -9) with the Kafka 4.3.1 + 3.9.0 messages; the devtools
# page's meanings and the nested-payload views (81 internal record types,
# consumer protocol, registry framing, with their serde JSON) brought it to
# ~1,476,000 B (~424,000 gzipped) in 2026-12; the budget leaves ~12% for
# growth. Overridable for an experiment, never to make CI pass:
WASM_MAX_RAW="${KIO_WASM_MAX_RAW:-1650000}"
WASM_MAX_GZIP="${KIO_WASM_MAX_GZIP:-475000}"
set -euo pipefail
REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$REPO"
if ! command -v cargo >/dev/null 2>&1 && [ -x "$HOME/.cargo/bin/cargo" ]; then
    export PATH="$HOME/.cargo/bin:$PATH"
fi
say() { printf '[package-check] %s\n' "$*"; }
fail() { printf '[package-check] FAIL: %s\n' "$*" >&2; exit 1; }
TARGET="${CARGO_TARGET_DIR:-$REPO/target}"

# --- 1. MSRV ---------------------------------------------------------------
cargo metadata --format-version 1 --locked --all-features >"$TARGET/package-check-metadata.json"
PUBLISHED="$(python3 - "$TARGET/package-check-metadata.json" <<'EOF'
import json, sys
m = json.load(open(sys.argv[1]))
pk = {p["id"]: p for p in m["packages"]}
nodes = {n["id"]: n for n in m["resolve"]["nodes"]}
members = [pk[i] for i in m["workspace_members"]]
published = [p for p in members if p["publish"] is None]
ver = lambda s: (tuple(int(x) for x in s.split(".")) + (0, 0))[:3]
msrv = {p["rust_version"] for p in published}
if len(msrv) != 1 or None in msrv:
    sys.exit(f"published crates must share one rust-version: {[(p['name'], p['rust_version']) for p in published]}")
msrv = msrv.pop()
seen, todo, bad = set(), [p["id"] for p in published], []
while todo:
    for d in nodes[todo.pop()]["deps"]:
        if any(k["kind"] in (None, "build") for k in d["dep_kinds"]) and d["pkg"] not in seen:
            seen.add(d["pkg"])
            todo.append(d["pkg"])
for i in sorted(seen):
    rv = pk[i].get("rust_version")
    if rv and ver(rv) > ver(msrv):
        bad.append(f"{pk[i]['name']} {pk[i]['version']} needs Rust {rv}")
if bad:
    sys.exit(f"dependencies newer than the MSRV {msrv}: " + "; ".join(bad))
print(f"MSRV {msrv}: {len(seen)} locked dependencies of the published crates declare {msrv} or older (or nothing)", file=sys.stderr)
print(" ".join(p["name"] for p in published))
EOF
)" || fail "MSRV check"
say "published crates: $PUBLISHED"
cargo clippy -q -p kio-core --all-features --lib -- -A clippy::all -D clippy::incompatible_msrv \
    || fail "kio-core uses an API newer than its rust-version"
say "clippy::incompatible_msrv: kio-core with every feature is clean"

# --- 2. cargo package --------------------------------------------------------
args=()
for p in $PUBLISHED; do args+=(-p "$p"); done
say "cargo package ${args[*]} (builds each package from its own sources)"
log="$TARGET/package-check-cargo.log"
# cargo verifies each package against the others through a temporary local
# registry: it extracts them into $CARGO_HOME/registry/src/-HASH/NAME-VERSION
# (HASH from the registry's path) and builds them as registry crates, which
# it assumes never change. A later run at the same version would reuse that
# copy and those builds, verifying against an earlier commit's sources. So
# the copies are removed first, and the verification builds go to their own
# target folder whose kio artifacts are removed (their dependencies stay).
for p in $PUBLISHED; do
    rm -rf "${CARGO_HOME:-$HOME/.cargo}"/registry/src/-*/"$p"-[0-9]*
done
PKG_TARGET="$TARGET/package-check"
rm -rf "$PKG_TARGET"/debug/.fingerprint/kio-* "$PKG_TARGET"/debug/deps/*kio_* "$PKG_TARGET"/debug/build/kio-*
if ! cargo package --locked --allow-dirty --target-dir "$PKG_TARGET" "${args[@]}" >"$log" 2>&1; then
    grep -Ev '^ *(Compiling|Downloaded|Downloading) ' "$log" | tail -n 40 >&2
    fail "cargo package (full log: $log)"
fi
# (The tests, benches and examples left out on purpose are each a warning: not shown.)
grep -E '^ *(Packaged|Verifying)|^(warning|error)' "$log" | grep -v 'is not included in the published package' || true
printf '%-12s %6s %10s %12s\n' crate files ".crate" unpacked
for p in $PUBLISHED; do
    v="$(python3 -c "import json,sys; print(next(x['version'] for x in json.load(open(sys.argv[1]))['packages'] if x['name']==sys.argv[2] and x['source'] is None))" "$TARGET/package-check-metadata.json" "$p")"
    crate="$PKG_TARGET/package/$p-$v.crate"
    [ -f "$crate" ] || fail "$crate missing"
    files="$(tar tzf "$crate" | grep -vc '/$')"
    unpacked="$(tar xzf "$crate" -O | wc -c)"
    printf '%-12s %6d %10d %12d\n' "$p" "$files" "$(wc -c <"$crate")" "$unpacked"
    # The package must not reach outside itself for the generated code or schemas.
    if tar tzf "$crate" | grep -q '\.\./'; then fail "$crate holds a path outside the package"; fi
done

# --- 3. npm ------------------------------------------------------------------
bash scripts/build-wasm.sh
PKG="$REPO/kio-wasm/pkg"
NAME="$(node -p 'require(process.argv[1]).name' "$PKG/package.json")"
json="$(cd "$PKG" && npm pack --dry-run --json 2>/dev/null)"
node - "$json" <<'EOF' || fail "npm pack contents"
const [pack] = JSON.parse(process.argv[2]);
const got = pack.files.map(f => f.path).sort();
const want = ["LICENSE", "README.md", "kio_wasm.d.ts", "kio_wasm.js", "kio_wasm_bg.wasm",
              "kio_wasm_bg.wasm.d.ts", "package.json"].sort();
for (const f of pack.files) console.log(`[package-check]   ${String(f.size).padStart(8)}  ${f.path}`);
console.log(`[package-check] npm pack ${pack.filename}: ${pack.entryCount} files, ${pack.size} bytes packed, ${pack.unpackedSize} unpacked`);
if (JSON.stringify(got) !== JSON.stringify(want)) {
  console.error(`expected ${want.join(", ")}\n     got ${got.join(", ")}`);
  process.exit(1);
}
EOF
raw=$(wc -c <"$PKG/kio_wasm_bg.wasm")
gz=$(gzip -9 -c "$PKG/kio_wasm_bg.wasm" | wc -c)
say "wasm: $raw bytes raw (budget $WASM_MAX_RAW), $gz bytes gzipped -9 (budget $WASM_MAX_GZIP)"
[ "$raw" -le "$WASM_MAX_RAW" ] || fail "kio_wasm_bg.wasm is $raw bytes, over the budget of $WASM_MAX_RAW"
[ "$gz" -le "$WASM_MAX_GZIP" ] || fail "kio_wasm_bg.wasm is $gz bytes gzipped, over the budget of $WASM_MAX_GZIP"

# Install the packed tarball into a scratch project, as a user would: the
# project of kio-wasm/npm-check (Vite, from its lock file) plus the tarball.
SCRATCH="$TARGET/npm-check"
rm -rf "$SCRATCH"
mkdir -p "$SCRATCH"
cp kio-wasm/npm-check/package.json kio-wasm/npm-check/package-lock.json "$SCRATCH/"
TGZ="$(cd "$PKG" && npm pack --silent --pack-destination "$SCRATCH" | tail -n1)"
(cd "$SCRATCH" && npm ci --silent --no-audit --no-fund && npm install --silent --no-save --no-audit --no-fund "./$TGZ") \
    || fail "npm install of $TGZ"
# A Metadata v12 request frame (size prefix included), as in the package README.
FRAME=0000002b0003000c0000000700036b696f000200000000000000000000000000000000086b702d7465737400000000
cat >"$SCRATCH/node-check.mjs" <<EOF
import { readFile } from "node:fs/promises";
import init, { decodeFrame, encodeDocument, parseBytes } from "$NAME";
await init({ module_or_path: await readFile(new URL(import.meta.resolve("$NAME/kio_wasm_bg.wasm"))) });
const bytes = parseBytes("$FRAME");
const doc = decodeFrame(bytes);
const back = encodeDocument(doc);
if (doc.apiName !== "Metadata" || doc.body.topics[0].name !== "kp-test" || back.length !== bytes.length
    || !back.every((b, i) => b === bytes[i])) { console.error(JSON.stringify(doc)); process.exit(1); }
console.log("[package-check] node: import from \"$NAME\" decodes and re-encodes a frame");
EOF
node "$SCRATCH/node-check.mjs" || fail "importing $NAME from Node"

# The README's first example, verbatim, as the page's module: once in a plain
# <script type="module"> page (with the import map the README shows) and once
# bundled by Vite. Its console.log output goes into the page.
example="$(awk '/^```js$/ { on = 1; next } on && /^```$/ { exit } on' "$PKG/README.md")"
grep -q 'decodeFrame' <<<"$example" || fail "no decoding example in the package README"
hook='<script>
  const out = document.getElementById("out");
  console.log = (...a) => { out.textContent += a.join(" ") + "\n"; };
  addEventListener("error", e => { out.textContent += "error " + e.message + "\n"; });
  addEventListener("unhandledrejection", e => { out.textContent += "error " + e.reason + "\n"; });
</script>'
cat >"$SCRATCH/plain.html" <<EOF
<!doctype html><meta charset="utf-8"><title>plain</title><pre id="out"></pre>
<script type="importmap">{ "imports": { "$NAME": "./node_modules/$NAME/kio_wasm.js" } }</script>
$hook
<script type="module">
$example
</script>
EOF
mkdir -p "$SCRATCH/app"
printf '%s\n' "$example" >"$SCRATCH/app/main.js"
cat >"$SCRATCH/app/index.html" <<EOF
<!doctype html><meta charset="utf-8"><title>bundled</title><pre id="out"></pre>
$hook
<script type="module" src="./main.js"></script>
EOF
(cd "$SCRATCH" && npx --no-install vite build app --base ./ --logLevel warn) || fail "vite build of a page importing $NAME"
say "vite: bundled $(ls "$SCRATCH/app/dist/assets" | tr '\n' ' ')"

CHROMIUM="${CHROMIUM:-/usr/bin/chromium}"
if [ -x "$CHROMIUM" ]; then
    port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
    python3 -m http.server "$port" --bind 127.0.0.1 --directory "$SCRATCH" >/dev/null 2>&1 &
    server=$!
    trap 'kill $server 2>/dev/null || true' EXIT
    for _ in $(seq 50); do (echo >/dev/tcp/127.0.0.1/"$port") 2>/dev/null && break; sleep 0.1; done
    for page in plain.html app/dist/index.html; do
        dom="$("$CHROMIUM" --headless --no-sandbox --disable-gpu --user-data-dir="$SCRATCH/profile" \
            --virtual-time-budget=10000 --dump-dom "http://127.0.0.1:$port/$page" 2>/dev/null || true)"
        grep -q 'Metadata 12 kp-test' <<<"$dom" \
            || fail "the README example in $page printed: $(grep -o '<pre id="out">[^<]*' <<<"$dom")"
        say "chromium: the README's example in $page prints \"Metadata 12 kp-test\""
    done
    kill $server 2>/dev/null || true
    trap - EXIT
else
    say "chromium absent: the page checks are skipped (scripts/install-test-deps.sh installs it)"
fi
say "ok"
