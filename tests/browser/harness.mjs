// The devtools page (www/) served from 127.0.0.1 and opened in Debian's
// headless Chromium through playwright-core (no browser download); shared
// by the *.test.mjs files here.
//
//   CHROMIUM=path         the browser (default /usr/bin/chromium)
import assert from "node:assert/strict";
import http from "node:http";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { chromium } from "playwright-core";

const here = path.dirname(fileURLToPath(import.meta.url));
/** The repository's root. */
export const repo = path.resolve(here, "..", "..");
const www = path.join(repo, "www");

const MIME = {
  ".html": "text/html; charset=utf-8", ".js": "text/javascript; charset=utf-8",
  ".mjs": "text/javascript; charset=utf-8", ".css": "text/css; charset=utf-8",
  ".wasm": "application/wasm", ".json": "application/json", ".ts": "text/plain",
};

/** Serves www/ and opens it: `{page, close}` once the page says it is ready. */
export async function openPage({ width = 1400, height = 1000 } = {}) {
  assert.ok(fs.existsSync(path.join(www, "pkg", "kio_wasm_bg.wasm")), "www/pkg missing: run scripts/build-wasm.sh");
  const server = http.createServer((req, res) => {
    const url = new URL(req.url, "http://x");
    let file = path.normalize(path.join(www, decodeURIComponent(url.pathname)));
    if (!file.startsWith(www)) { res.writeHead(403).end(); return; }
    if (fs.existsSync(file) && fs.statSync(file).isDirectory()) file = path.join(file, "index.html");
    fs.readFile(file, (err, data) => {
      if (err) { res.writeHead(404).end("not found"); return; }
      res.writeHead(200, { "content-type": MIME[path.extname(file)] || "application/octet-stream" }).end(data);
    });
  });
  await new Promise((ok) => server.listen(0, "127.0.0.1", ok));
  const baseUrl = `http://127.0.0.1:${server.address().port}/`;
  const userDataDir = fs.mkdtempSync(path.join(os.tmpdir(), "kio-chromium-"));
  const context = await chromium.launchPersistentContext(userDataDir, {
    executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
    headless: true,
    args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
      "--disable-background-networking", "--disable-component-update", "--disable-sync"],
    viewport: { width, height },
  });
  const page = context.pages()[0] ?? await context.newPage();
  page.on("pageerror", (e) => console.error("page error:", e));
  await page.goto(baseUrl);
  await page.waitForSelector("body[data-ready='1']", { timeout: 30000 });
  const close = async () => {
    await context?.close();
    server?.close();
    fs.rmSync(userDataDir, { recursive: true, force: true });
  };
  return { page, close };
}
