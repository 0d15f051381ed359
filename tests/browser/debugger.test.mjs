// The devtools page as a debugger (issue 14), in headless Chromium: error
// codes by name, dates, enumeration meanings, the capture timeline per
// connection with latency bars, and its filters. The bytes are a real
// kafka-python consumer-group session through Tansu
// (fixtures/kafka-python-group.pcapng, recorded by
// fixtures/record-group-capture.sh); the expectations come from outside kio:
// Kafka's error table (../shared/kafka-schema/4.3.1/errors.json), what the
// client reported (fixtures/kafka-python-group.client.json), tshark's Kafka
// dissector (client ids, request/response pairing and times) and
// JavaScript's own Date.
//
// Screenshots of the new views go to tests/browser/screenshots/ (gitignored).
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import { execFileSync } from "node:child_process";
import { openPage, repo } from "./harness.mjs";

const fixtures = path.join(repo, "tests", "browser", "fixtures");
const capture = path.join(fixtures, "kafka-python-group.pcapng");
const client = JSON.parse(fs.readFileSync(path.join(fixtures, "kafka-python-group.client.json"), "utf8"));
const kafkaErrors = JSON.parse(fs.readFileSync(path.resolve(repo, "../shared/kafka-schema/4.3.1/errors.json"), "utf8"));
const shots = path.join(repo, "tests", "browser", "screenshots");
fs.mkdirSync(shots, { recursive: true });
const shot = (name) => path.join(shots, name);

let page, close;

before(async () => {
  ({ page, close } = await openPage({ width: 1500, height: 1100 }));
  await page.click("#tabs button[data-tab=capture]");
  await page.fill("#port", "19092");
  await page.press("#port", "Tab");
  await page.setInputFiles("#pcap", capture);
  await page.waitForSelector("details.call");
});

after(async () => {
  await close?.();
});

const visible = () => page.$$eval("details.call:not(.hidden)", (ds) => ds.map((d) => ({
  api: d.dataset.api, client: d.dataset.client, conn: Number(d.dataset.conn),
  topics: d.dataset.topics ? d.dataset.topics.split("\n") : [], errors: d.dataset.errors,
})));
const setFilter = async (id, value) => {
  await page.selectOption(`#${id}`, value);
};
const clearFilters = () => page.click("#f-clear");

// tshark's view of the same capture: one row per Kafka PDU.
function tsharkRows() {
  try {
    const out = execFileSync("tshark", ["-r", capture, "-d", "tcp.port==19092,kafka", "-Y", "kafka",
      "-T", "fields", "-E", "separator=\t", "-e", "frame.number", "-e", "frame.time_epoch", "-e", "tcp.stream",
      "-e", "tcp.srcport", "-e", "kafka.request_key", "-e", "kafka.correlation_id", "-e", "kafka.client_id"],
    { stdio: ["ignore", "pipe", "ignore"] }).toString();
    return out.trim().split("\n").map((l) => {
      const [frame, time, stream, srcport, key, corr, clientId] = l.split("\t");
      return { frame: Number(frame), time: Number(time), stream: Number(stream), response: srcport === "19092",
        key: key === "" ? null : Number(key), corr: Number(corr), clientId };
    });
  } catch {
    return null;
  }
}

test("error code by name: the first JoinGroup is answered 79 MEMBER_ID_REQUIRED, from Kafka's table", async () => {
  const want = kafkaErrors.find((e) => e.code === 79);
  const join = page.locator("details.call[data-api=JoinGroup]").first();
  const badge = join.locator("summary .note");
  assert.equal(await badge.textContent(), `79 ${want.name}`);
  assert.match(await badge.getAttribute("title"), new RegExp(want.message.replace(/[.()]/g, "\\$&")));
  assert.match(await badge.getAttribute("title"), want.retriable ? /\(retriable\)/ : /not retriable/);
  await join.locator("summary").click();
  const resp = join.locator(".inspector").nth(1);
  const node = resp.locator(".node[data-path='body.errorCode']");
  await node.waitFor();
  assert.equal(await node.locator(".val").textContent(), "79");
  assert.match(await node.locator(".note").textContent(), new RegExp(`^${want.name}`));
  assert.match(await node.locator(".note").textContent(), /not retriable/);
  // NONE where the second JoinGroup succeeds.
  const ok = page.locator("details.call[data-api=JoinGroup]").nth(1);
  await ok.locator("summary").click();
  const okNode = ok.locator(".inspector").nth(1).locator(".node[data-path='body.errorCode']");
  assert.equal(await okNode.locator(".note").textContent(), kafkaErrors.find((e) => e.code === 0).name);
  await join.screenshot({ path: shot("joingroup-error.png") });
  await ok.locator("summary").click();
  await join.locator("summary").click();

  // The whole table through the bindings agrees with Kafka's: name, message, retriable.
  const table = await page.evaluate(() => window.kio.errorCodes());
  for (const e of kafkaErrors) {
    const got = table.find((x) => x.code === e.code);
    assert.ok(got, `code ${e.code}`);
    assert.deepEqual([got.name, got.message, got.retriable], [e.name, e.message, e.retriable], `code ${e.code}`);
  }
  // And a code the page did not see in a capture: 6 NOT_LEADER_OR_FOLLOWER, in a
  // Metadata v12 response pasted into the decoder.
  const hex = await page.evaluate(() => {
    const body = window.kio.defaultBody(3, "response");
    body.topics = [{ errorCode: 0, name: "orders", topicId: "AAAAAAAAAAAAAAAAAAAAAA", isInternal: false,
      partitions: [{ errorCode: 6, partitionIndex: 0, leaderId: -1, leaderEpoch: -1, replicaNodes: [], isrNodes: [], offlineReplicas: [] }],
      topicAuthorizedOperations: -2147483648 }];
    const doc = { kind: "response", apiKey: 3, apiVersion: 12, header: { correlationId: 9 }, body };
    return Array.from(window.kio.encodeDocument(doc), (b) => b.toString(16).padStart(2, "0")).join("");
  });
  await page.click("#tabs button[data-tab=decode]");
  await page.selectOption("#mode", "response");
  await page.selectOption("#ctx-api", "3");
  await page.fill("#ctx-version", "12");
  await page.fill("#input", hex);
  await page.click("#decode-btn");
  const p = page.locator("#decode-inspector .node[data-path='body.topics[0].partitions[0].errorCode']");
  await p.waitFor();
  const six = kafkaErrors.find((e) => e.code === 6);
  assert.equal(six.name, "NOT_LEADER_OR_FOLLOWER");
  assert.equal(await p.locator(".note").evaluate((n) => n.firstChild.textContent), six.name);
  assert.equal(await p.locator(".note .flag").textContent(), six.retriable ? "retriable" : "not retriable");
  assert.match(await p.locator(".note").getAttribute("title"), /^6 NOT_LEADER_OR_FOLLOWER: For requests intended only for the leader/);
  await page.locator("#decode-inspector .node[data-path='body.topics[0].partitions[0].errorCode'] .name").click();
  await page.locator("#decode-inspector").screenshot({ path: shot("decode-error-code.png") });
  await page.selectOption("#mode", "frame");
  await page.click("#tabs button[data-tab=capture]");
});

test("dates and enumerations: Produce acks, Fetch isolation level, record timestamps", async () => {
  const produce = page.locator("details.call[data-api=Produce]").first();
  await produce.locator("summary").click();
  const req = produce.locator(".inspector").first();
  // acks: kafka-python 3.0's default, -1 (`'acks': -1` in its KafkaProducer):
  // "the full ISR" in the schema's words.
  const acks = req.locator(".node[data-path='body.acks']");
  assert.equal(await acks.locator(".val").textContent(), "-1");
  assert.equal(await acks.locator(".note").textContent(), "the full ISR");
  assert.match(await acks.locator(".note").getAttribute("title"), /^0 = no acknowledgments\n1 = only the leader\n-1 = the full ISR$/);
  // A timeout in readable units.
  const timeout = req.locator(".node[data-path='body.timeoutMs']");
  const ms = Number(await timeout.locator(".val").textContent());
  assert.equal(await timeout.locator(".note").textContent(), `${ms / 1000} s`);
  // The batch's timestamps as dates, as JavaScript's Date reads them.
  await req.locator(".node", { hasText: "batch 0" }).first().waitFor();
  const base = req.locator(".node[data-path$='._records[0].baseTimestamp']").first();
  const v = Number(await base.locator(".val").textContent());
  assert.equal(await base.locator(".note").textContent(), new Date(v).toISOString());
  // The capture's own clock agrees to within a second.
  const t = await page.evaluate(() => window.kioPage.calls.find((c) => c.api === "Produce").q.time);
  assert.ok(Math.abs(t * 1000 - v) < 1000, `record time ${v} vs capture time ${t}`);
  await produce.screenshot({ path: shot("produce-notes.png") });
  await produce.locator("summary").click();

  const fetch = page.locator("details.call[data-api=Fetch]").first();
  await fetch.locator("summary").click();
  const iso = fetch.locator(".inspector").first().locator(".node[data-path='body.isolationLevel']");
  // kafka-python's default isolation_level='read_uncommitted'.
  assert.equal(await iso.locator(".note").textContent(), "READ_UNCOMMITTED");
  await fetch.locator("summary").click();

  // The schema browser lists the values the about-text names.
  await page.click("#tabs button[data-tab=schema]");
  await page.locator("#schema-apis li[data-api=Fetch]").click();
  assert.match(await page.textContent("#schema-detail"), /0 = READ_UNCOMMITTED.*1 = READ_COMMITTED/s);
  await page.click("#tabs button[data-tab=capture]");
});

test("timeline: one lane per connection, latency bars matching tshark's request/response times", async () => {
  const lanes = await page.$$eval(".lane", (ls) => ls.map((l) => Number(l.dataset.conn)));
  const calls = await page.evaluate(() => window.kioPage.calls.map((c) => ({
    conn: c.q.connection, corr: c.q.correlationId, api: c.api, latency: c.latency,
    left: parseFloat(c.elem.querySelector(".bar").style.left), width: parseFloat(c.elem.querySelector(".bar").style.width),
  })));
  assert.equal(calls.length, 27);
  const ts = tsharkRows();
  if (ts) {
    const streams = [...new Set(ts.map((r) => r.stream))];
    assert.equal(lanes.length, streams.length, "a lane per TCP stream with Kafka traffic");
    // tshark's PDUs, paired by TCP stream and correlation id (its own pairing
    // stops at the API versions Wireshark 4.0 knows); latency = the time
    // between the request's and the response's packets.
    const pairs = ts.filter((r) => !r.response).map((q) => {
      const r = ts.find((x) => x.response && x.stream === q.stream && x.corr === q.corr);
      return { corr: q.corr, key: q.key, ms: (r.time - q.time) * 1000, stream: q.stream };
    });
    assert.equal(pairs.length, 27);
    // Lanes are connections in order of first use, as tshark numbers streams.
    for (const p of pairs) {
      const c = calls.find((x) => x.conn === p.stream && x.corr === p.corr);
      assert.ok(c, `stream ${p.stream} corr ${p.corr}`);
      assert.ok(Math.abs(c.latency - p.ms) < 0.002, `${c.api} corr ${c.corr}: page ${c.latency} ms, tshark ${p.ms} ms`);
    }
  } else {
    console.log("# tshark missing: latencies not cross-checked");
  }
  // Bars: width is latency over the capture's span, so the ordering holds.
  const span = await page.evaluate(() => {
    const t = window.kioPage.conversation.frames.map((f) => f.time);
    return (Math.max(...t) - Math.min(...t)) * 1000;
  });
  for (const c of calls) assert.ok(Math.abs(c.width - (c.latency / span) * 100) < 1e-3, `${c.api} bar width`);
  const slowest = calls.reduce((a, b) => (b.latency > a.latency ? b : a));
  assert.equal(slowest.api, "Fetch", "the long-poll Fetch is the slowest call");
  // Calls on a lane start in order.
  for (const conn of lanes) {
    const lefts = calls.filter((c) => c.conn === conn).map((c) => c.left);
    assert.deepEqual(lefts, [...lefts].sort((a, b) => a - b));
  }
  await page.locator("#tab-capture").screenshot({ path: shot("capture-timeline.png") });
});

test("filters: by API, topic, client id and error", async () => {
  await clearFilters();
  assert.equal((await visible()).length, 27);
  assert.match(await page.textContent("#capture-shown"), /showing 27 of 27 calls/);

  // Client id: the calls tshark reads with that client id in their header.
  const ts = tsharkRows();
  for (const id of ["kio-admin", "kio-producer", "kio-consumer"]) {
    await setFilter("f-client", id);
    const rows = await visible();
    assert.ok(rows.every((r) => r.client === id));
    if (ts) assert.equal(rows.length, ts.filter((r) => !r.response && r.clientId === id).length, id);
  }
  await clearFilters();

  // API.
  await setFilter("f-api", "JoinGroup");
  assert.deepEqual((await visible()).map((r) => r.api), ["JoinGroup", "JoinGroup"]);
  await clearFilters();

  // Error: only the first JoinGroup.
  await setFilter("f-error", "*");
  let rows = await visible();
  assert.equal(rows.length, 1);
  assert.equal(rows[0].api, "JoinGroup");
  await setFilter("f-error", "79 MEMBER_ID_REQUIRED");
  assert.equal((await visible()).length, 1);
  await setFilter("f-error", "-");
  assert.equal((await visible()).length, 26);
  await clearFilters();

  // Topic: the client's topic shows in every call that names it — creating,
  // producing, listing offsets, fetching, committing and fetching commits.
  await setFilter("f-topic", "orders");
  rows = await visible();
  const apis = new Set(rows.map((r) => r.api));
  for (const want of ["CreateTopics", "Produce", "ListOffsets", "Fetch", "OffsetCommit", "OffsetFetch"]) {
    assert.ok(apis.has(want), `${want} in ${[...apis].join(", ")}`);
  }
  for (const never of ["ApiVersions", "FindCoordinator", "LeaveGroup", "InitProducerId"]) assert.ok(!apis.has(never), never);
  // Combined: the consumer's fetches of orders.
  await setFilter("f-api", "Fetch");
  await setFilter("f-client", "kio-consumer");
  rows = await visible();
  assert.deepEqual(rows.map((r) => r.api), ["Fetch"]);
  // Lanes with no call left are hidden.
  const lanes = await page.$$eval(".lane:not(.hidden)", (ls) => ls.length);
  assert.equal(lanes, 1);
  await clearFilters();
  await setFilter("f-topic", "orders");
  await page.locator("#tab-capture").screenshot({ path: shot("capture-filter-topic.png") });
  await clearFilters();
});

test("offsets: the committed offsets the page shows are the ones kafka-python reports", async () => {
  const commit = page.locator("details.call[data-api=OffsetCommit]").first();
  await commit.locator("summary").click();
  const doc = await page.evaluate(() => window.kioPage.calls.find((c) => c.api === "OffsetCommit").q.json.body);
  const parts = doc.topics.find((t) => t.name === "orders").partitions;
  for (const [p, off] of Object.entries(client.committed)) {
    assert.equal(parts.find((x) => x.partitionIndex === Number(p)).committedOffset, off, `partition ${p}`);
  }
  await commit.locator("summary").click();
  // The last OffsetFetch answers with the commit, partition by partition.
  const fetches = page.locator("details.call[data-api=OffsetFetch]");
  const last = fetches.nth((await fetches.count()) - 1);
  await last.locator("summary").click();
  const tree = last.locator(".inspector").nth(1);
  await tree.locator(".node").first().waitFor();
  const offs = await tree.locator(".node[data-path$='.committedOffset'] .val").allTextContents();
  assert.ok(offs.length >= 1);
  const rows = await page.evaluate(() => window.kioPage.calls.filter((c) => c.api === "OffsetFetch").map((c) => c.r.json.body));
  const lastBody = rows[rows.length - 1];
  // OffsetFetch v8 groups → topics → partitions.
  const got = lastBody.groups[0].topics[0].partitions.map((x) => [x.partitionIndex, x.committedOffset]);
  for (const [p, off] of got) assert.equal(off, client.committed[String(p)], `partition ${p}`);
  assert.deepEqual(offs.map(Number), got.map(([, o]) => o));
  await last.screenshot({ path: shot("offset-fetch.png") });
  await last.locator("summary").click();
});

// The nested views (JoinGroup subscriptions, SyncGroup assignments) come
// from kio-json's derived views (`_...` keys next to the bytes); the page
// shows any of them generically. Skipped when this build has none.
test("nested views: JoinGroup members' subscribed topics, SyncGroup assignments", async (t) => {
  const views = await page.evaluate(() => {
    const found = [];
    const walk = (v, p) => {
      if (v && typeof v === "object") {
        for (const [k, x] of Object.entries(v)) {
          if (k.startsWith("_") && k !== "_records" && k !== "_unknownTaggedFields") found.push(`${p}/${k}`);
          walk(x, `${p}/${k}`);
        }
      }
    };
    for (const c of window.kioPage.calls.filter((c) => c.api === "JoinGroup" || c.api === "SyncGroup")) {
      walk(c.q.json.body, `${c.api}/request`);
      if (c.r) walk(c.r.json.body, `${c.api}/response`);
    }
    return found;
  });
  if (!views.length) return t.skip("no nested-payload views in this build (kio-json has no JoinGroup/SyncGroup views yet)");
  // The topic filter finds the group calls by the topic inside their payloads.
  await setFilter("f-topic", "orders");
  const apis = new Set((await visible()).map((r) => r.api));
  assert.ok(apis.has("JoinGroup"), `JoinGroup's subscription names orders (views: ${views.join(", ")})`);
  assert.ok(apis.has("SyncGroup"), "SyncGroup's assignment names orders");
  await clearFilters();
  const join = page.locator("details.call[data-api=JoinGroup]").nth(1);
  await join.locator("summary").click();
  const req = join.locator(".inspector").first();
  const view = req.locator(".node.view", { hasText: "orders" }).first();
  await view.waitFor();
  await view.locator(".name").click();
  await join.screenshot({ path: shot("joingroup-subscription.png") });
  await join.locator("summary").click();
  const sync = page.locator("details.call[data-api=SyncGroup]").first();
  await sync.locator("summary").click();
  const resp = sync.locator(".inspector").nth(1);
  await resp.locator(".node").first().waitFor();
  // The partitions kafka-python says it was assigned, under the response's assignment view.
  const topics = await resp.locator(".node[data-path^='body._assignment'][data-path$='.topic'] .val").allTextContents();
  assert.deepEqual(topics.map((t) => JSON.parse(t)), [...new Set(client.assigned.map(([t]) => t))]);
  const parts = await resp.locator(".node[data-path^='body._assignment'][data-path*='.partitions['] .val").allTextContents();
  assert.deepEqual(parts.map(Number).sort(), client.assigned.map(([, p]) => p).sort());
  await sync.screenshot({ path: shot("syncgroup-assignment.png") });
  await sync.locator("summary").click();
});

// CRC-32C (Castagnoli), for the hand-built batch below.
const CRC32C = (() => {
  const t = new Uint32Array(256);
  for (let i = 0; i < 256; i++) {
    let c = i;
    for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ 0x82f63b78 : c >>> 1;
    t[i] = c >>> 0;
  }
  return (bytes) => {
    let c = 0xffffffff;
    for (const b of bytes) c = t[(c ^ b) & 0xff] ^ (c >>> 8);
    return (c ^ 0xffffffff) >>> 0;
  };
})();

// Bytes written by hand in Kafka's layouts (not by kio): a magic-2 record
// batch holding one __consumer_offsets record, as the group coordinator
// writes it (CoordinatorRecordSerde: an int16 type id then OffsetCommitKey
// v0; an int16 version then OffsetCommitValue v3, from
// ../shared/kafka-schema/4.3.1-records/group-coordinator/).
function offsetCommitBatch({ group, topic, partition, offset, commitTimestamp }) {
  const out = [];
  const i16 = (v) => out.push((v >> 8) & 0xff, v & 0xff);
  const i32 = (v) => { for (let s = 24; s >= 0; s -= 8) out.push((v >> s) & 0xff); };
  const i64 = (v) => { const b = BigInt.asUintN(64, BigInt(v)); for (let s = 56n; s >= 0n; s -= 8n) out.push(Number((b >> s) & 0xffn)); };
  const str = (s) => { const b = new TextEncoder().encode(s); i16(b.length); out.push(...b); };
  const take = (f) => { out.length = 0; f(); return out.splice(0); };
  const key = take(() => { i16(1); str(group); str(topic); i32(partition); });
  const value = take(() => { i16(3); i64(offset); i32(-1); str(""); i64(commitTimestamp); });
  const varint = (v) => { let z = (v << 1) ^ (v >> 31); const r = []; while (z & ~0x7f) { r.push((z & 0x7f) | 0x80); z >>>= 7; } r.push(z); return r; };
  const body = [0, ...varint(0), ...varint(0), ...varint(key.length), ...key, ...varint(value.length), ...value, ...varint(0)];
  const record = [...varint(body.length), ...body];
  const afterCrc = take(() => {
    i16(0); i32(0); i64(commitTimestamp); i64(commitTimestamp); i64(-1); i16(-1); i32(-1); i32(1);
  }).concat(record);
  const crc = CRC32C(afterCrc);
  return take(() => {
    i64(0); i32(4 + 1 + 4 + afterCrc.length); i32(0); out.push(2); i32(crc | 0); out.push(...afterCrc);
  });
}

test("a fetched offset commit: a __consumer_offsets record in a Fetch response", async (t) => {
  const commitTimestamp = Date.UTC(2026, 11, 1, 16, 9, 25, 285);
  const batch = offsetCommitBatch({ group: "kio-devtools", topic: "orders", partition: 1, offset: 2, commitTimestamp });
  const hex = await page.evaluate((batch) => {
    const body = window.kio.defaultBody(1, "response");
    const records = btoa(String.fromCharCode(...batch));
    body.responses = [{ topic: "__consumer_offsets", partitions: [{ partitionIndex: 0, errorCode: 0, highWatermark: 1,
      lastStableOffset: 1, logStartOffset: 0, abortedTransactions: [], preferredReadReplica: -1, records }] }];
    const doc = { kind: "response", apiKey: 1, apiVersion: 12, header: { correlationId: 4 }, body };
    return Array.from(window.kio.encodeDocument(doc), (b) => b.toString(16).padStart(2, "0")).join("");
  }, batch);
  await page.click("#tabs button[data-tab=decode]");
  await page.selectOption("#mode", "response");
  await page.selectOption("#ctx-api", "1");
  await page.fill("#ctx-version", "12");
  await page.fill("#input", hex);
  await page.click("#decode-btn");
  const box = page.locator("#decode-inspector");
  await box.locator(".node", { hasText: "record 0" }).first().waitFor();
  // The record's bytes check out (kio read the hand-made CRC as valid).
  const doc = await page.evaluate(() => window.kioPage.decoded);
  const rec = doc.body.responses[0].partitions[0]._records[0].records[0];
  if (!rec.internal) {
    await page.selectOption("#mode", "frame");
    await page.click("#tabs button[data-tab=capture]");
    return t.skip("no internal-topic views in this build");
  }
  const base = "body.responses[0].partitions[0].records._records[0].records[0].internal";
  const val = (p) => box.locator(`.node[data-path='${base}.${p}'] .val`).textContent();
  assert.equal(JSON.parse(await val("key.group")), "kio-devtools");
  assert.equal(JSON.parse(await val("key.topic")), "orders");
  assert.equal(Number(await val("key.partition")), 1);
  assert.equal(Number(await val("value.offset")), 2);
  const ts = box.locator(`.node[data-path='${base}.value.commitTimestamp']`);
  assert.equal(await ts.locator(".note").textContent(), new Date(commitTimestamp).toISOString());
  await page.evaluate((p) => document.querySelector("#decode-inspector").kioSelectPath(p), `${base}.value.offset`);
  await box.screenshot({ path: shot("fetched-offset-commit.png") });
  await page.selectOption("#mode", "frame");
  await page.click("#tabs button[data-tab=capture]");
});
