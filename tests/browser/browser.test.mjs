// End-to-end test of the devtools page (www/) in Debian's headless Chromium,
// driven by playwright-core (no browser download). Part of the interop suite
// (tests/, the crate kio-interop); run by scripts/test-browser.sh, which
// builds the wasm package into www/pkg first.
//
//   KIO_BIN=path/to/kio   the `kio` CLI for the same-JSON checks (default
//                         <repo>/target/debug/kio; those checks are skipped,
//                         with a message, when it is missing)
//   CHROMIUM=path         the browser (default /usr/bin/chromium)
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import { execFileSync } from "node:child_process";
import { openPage, repo } from "./harness.mjs";

const capture = path.resolve(repo, "../shared/captures/kafka-python-session.pcapng");
const screenshot = path.join(repo, "target", "www-screenshot.png");
const kioBin = process.env.KIO_BIN || path.join(repo, "target", "debug", "kio");
const FRAME = "0000002b0003000c0000000700036b696f000200000000000000000000000000000000086b702d7465737400000000";

let page, close;

before(async () => {
  ({ page, close } = await openPage());
});

after(async () => {
  await close?.();
});

function cli(args, input) {
  return execFileSync(kioBin, args, { input, maxBuffer: 64 << 20 }).toString();
}
const haveCli = () => {
  if (fs.existsSync(kioBin)) return true;
  console.log(`# kio CLI not found at ${kioBin}: same-JSON checks skipped`);
  return false;
};

test("capture: conversation lists the expected calls, Produce shows its records", async () => {
  await page.click("#tabs button[data-tab=capture]");
  await page.fill("#port", "19092");
  await page.press("#port", "Tab"); // commit the port (its change event re-reads the capture)
  const t0 = Date.now();
  await page.setInputFiles("#pcap", capture);
  await page.waitForSelector("details.call");
  const wall = Date.now() - t0;
  const inBrowser = await page.evaluate(() => window.kioPage.captureMs);
  console.log(`# capture decode in the browser: ${inBrowser.toFixed(1)} ms inside wasm (inspectCapture), ${wall} ms from file input to rendered list`);
  const calls = await page.$$eval("details.call", (ds) => ds.map((d) => `${d.dataset.api} v${d.dataset.version}`));
  for (const want of ["ApiVersions v4", "Metadata v12", "CreateTopics v7", "InitProducerId v4",
    "Produce v9", "ListOffsets v9", "Fetch v12"]) {
    assert.ok(calls.includes(want), `${want} in ${calls.join(", ")}`);
  }
  assert.equal(calls.length, 22);
  const summary = await page.textContent("#capture-summary");
  assert.match(summary, /22 requests, 22 responses \(22 paired\), 0 decode errors/);

  // Expand the Produce call: its request's records are listed.
  const produce = page.locator("details.call[data-api=Produce]").first();
  await produce.locator("summary").click();
  const tree = produce.locator(".tree").first();
  await tree.locator(".node", { hasText: "record 0" }).first().waitFor();
  const text = await tree.textContent();
  assert.match(text, /batch: 3 records/);
  assert.match(text, /sensor-0/);
  assert.match(text, /\{\\"temp\\": 20.5\}/);
  // Select the records field: its bytes light up in the hex pane.
  await tree.locator(".node", { hasText: "batch 0" }).first().locator(".name").click();
  const lit = await produce.locator(".hex").first().locator(".b.in").count();
  assert.equal(lit, 196, "a 184-byte batch plus its 12-byte offset and length");
  await produce.locator(".tree .node", { hasText: "record 1" }).first().locator(".name").click();
  await produce.screenshot({ path: path.join(repo, "target", "www-produce.png") });
});

test("capture: every frame's JSON is the kio CLI's (kio inspect)", async (t) => {
  if (!haveCli()) return t.skip("kio CLI missing");
  const page_ = await page.evaluate(() => window.kioPage.conversation.frames.map((f) => window.kio.toJson(f.json)));
  const lines = cli(["inspect", "--port", "19092", capture]).trim().split("\n");
  assert.equal(page_.length, lines.length);
  for (let i = 0; i < lines.length; i++) {
    assert.deepEqual(JSON.parse(page_[i]), JSON.parse(lines[i]), `frame ${i}`);
    // The text too: int64 values beyond 2^53 must come out digit for digit
    // (a JSON.parse round trip would round them).
    assert.equal(page_[i], lines[i], `frame ${i} text`);
  }
});

test("decode: a pasted Metadata v12 frame, tree ↔ hex highlighting", async () => {
  await page.click("#tabs button[data-tab=decode]");
  await page.fill("#input", FRAME);
  await page.selectOption("#mode", "frame");
  await page.click("#decode-btn");
  const box = page.locator("#decode-inspector");
  await box.locator(".node", { hasText: "kp-test" }).first().waitFor();
  const doc = await page.evaluate(() => window.kioPage.decoded);
  assert.equal(doc.apiName, "Metadata");
  assert.equal(doc.apiVersion, 12);
  assert.equal(doc.correlationId, 7);
  assert.equal(doc.header.clientId, "kio");
  assert.equal(doc.body.topics.length, 1);
  assert.equal(doc.body.topics[0].name, "kp-test");
  assert.equal(doc.body.topics[0].topicId, "AAAAAAAAAAAAAAAAAAAAAA");
  assert.equal(doc.body.allowAutoTopicCreation, false);
  assert.equal(doc.body.includeTopicAuthorizedOperations, false);

  // Tree → hex: the topic name is 8 bytes (compact length + "kp-test") at 35..43.
  await box.locator(".node[data-path='body.topics[0].name']").click();
  const lit = await box.locator(".hex .b.in").evaluateAll((bs) => bs.map((b) => Number(b.dataset.i)));
  assert.deepEqual(lit, [35, 36, 37, 38, 39, 40, 41, 42]);
  // Hex → tree: clicking byte 9 (inside the correlation id, 8..12) selects that field.
  await box.locator(".hex .b[data-i='9']").click();
  assert.equal(await box.locator(".node.sel").getAttribute("data-path"), "header.correlationId");
  const lit2 = await box.locator(".hex .b.in").evaluateAll((bs) => bs.map((b) => Number(b.dataset.i)));
  assert.deepEqual(lit2, [8, 9, 10, 11]);

  // encode(decode(x)) is x.
  const again = await page.evaluate(() => Array.from(window.kio.encodeDocument(window.kioPage.decoded),
    (b) => b.toString(16).padStart(2, "0")).join(""));
  assert.equal(again, FRAME);

  // Errors carry a byte offset and never trap: a cut-off frame.
  await page.fill("#input", FRAME.slice(0, 60));
  await page.click("#decode-btn");
  const err = await page.textContent("#decode-error");
  assert.match(err, /byte offset 19, field MetadataRequest.Topics\[0\].TopicId/);
  const still = await page.evaluate(() => window.kio.version());
  assert.ok(still);
});

test("decode: the page and the kio CLI give the same JSON for the same bytes", async (t) => {
  if (!haveCli()) return t.skip("kio CLI missing");
  const pageJson = await page.evaluate((f) => window.kio.toJson(window.kio.decodeFrame(window.kio.parseBytes(f))), FRAME);
  const cliJson = cli(["decode", "--compact"], FRAME).trim();
  assert.equal(pageJson, cliJson);
  // A bare body, with --kind.
  const body = FRAME.slice(8 + 2 * 14);
  const pageBody = await page.evaluate((b) => window.kio.toJson(window.kio.decode(3, 12, "request", window.kio.parseBytes(b))), body);
  const cliBody = cli(["decode", "--compact", "--kind", "request", "--api-key", "3", "--api-version", "12"], body).trim();
  assert.equal(pageBody, cliBody);
});

test("build: a Metadata v12 request from the schema form", async () => {
  await page.click("#tabs button[data-tab=build]");
  await page.selectOption("#build-api", "3");
  await page.selectOption("#build-version", "12");
  await page.fill("#build-corr", "7");
  await page.fill("#build-client", "kio");
  // Defaults are prefilled: allowAutoTopicCreation is true by default.
  assert.equal(await page.isChecked("#f-body\\.allowAutoTopicCreation"), true);
  await page.click("#f-body\\.topics-add");
  await page.fill("#f-body\\.topics\\.0\\.name", "kp-test");
  await page.uncheck("#f-body\\.allowAutoTopicCreation");
  const hexOut = (await page.textContent("#build-hex")).trim();
  assert.equal(hexOut, FRAME);
  // And into the decoder for the screenshot.
  await page.click("#build-open");
  await page.locator("#decode-inspector .node[data-path='body.topics[0].name']").click();
});

test("schema browser lists every API with fields and about-text", async () => {
  await page.click("#tabs button[data-tab=schema]");
  const n = await page.locator("#schema-apis li").count();
  assert.ok(n >= 80, `${n} APIs`);
  await page.locator("#schema-apis li[data-api=Metadata]").click();
  const detail = await page.textContent("#schema-detail");
  assert.match(detail, /MetadataRequest/);
  assert.match(detail, /AllowAutoTopicCreation/);
  assert.match(detail, /If this is true, the broker may auto-create topics/);

  // The screenshot: the decoded frame with a field selected.
  await page.click("#tabs button[data-tab=decode]");
  await page.evaluate(() => document.querySelector("details.json-out").open = true);
  fs.mkdirSync(path.dirname(screenshot), { recursive: true });
  await page.screenshot({ path: screenshot, fullPage: true });
  console.log(`# screenshot: ${screenshot}`);
});
