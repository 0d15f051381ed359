// kio devtools page: plain ES modules over the @kio/wasm package (www/pkg,
// copied there by scripts/build-wasm.sh). No server-side code.
import init, * as kio from "./pkg/kio_wasm.js";

const $ = (sel, root = document) => root.querySelector(sel);
const el = (tag, attrs = {}, ...kids) => {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (k === "class") e.className = v;
    else if (k.startsWith("on")) e.addEventListener(k.slice(2), v);
    else if (v !== undefined && v !== null) e.setAttribute(k, v);
  }
  for (const k of kids.flat()) if (k !== null && k !== undefined) e.append(k);
  return e;
};
const hex = (bytes) => Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
const b64bytes = (s) => Uint8Array.from(atob(s), (c) => c.charCodeAt(0));
const show = (v) => (typeof v === "string" ? JSON.stringify(v) : kio.toJson(v));

// Exposed for tests and the console.
window.kio = kio;
window.kioPage = {};

// ------------------------------------------------------------ notes
// A note (kio-wasm's meaning module: error names, dates, durations, the
// meanings schema `about` texts give) as a small badge after the value.
function noteBadge(note) {
  if (!note) return null;
  if (note.kind === "error") {
    const ok = note.code === 0;
    const title = `${note.code} ${note.name}` + (note.message ? `: ${note.message}` : "") +
      (ok ? "" : note.retriable ? " (retriable)" : " (not retriable)");
    return el("span", { class: `note err-${ok ? "ok" : note.retriable ? "retry" : "fatal"}`, title, "data-kind": "error" },
      note.name, ok ? null : el("span", { class: "flag" }, note.retriable ? "retriable" : "not retriable"));
  }
  const title = note.values ? note.values.map(([v, m]) => `${v} = ${m}`).join("\n") : note.text;
  return el("span", { class: `note ${note.kind}${note.known === false ? " unknown" : ""}`, title, "data-kind": note.kind }, note.text);
}

// An error code as the page shows it everywhere: "6 NOT_LEADER_OR_FOLLOWER".
const errorLabel = (e) => `${e.code} ${e.name}`;

// ------------------------------------------------------------ inspector
// A span tree beside a hex pane; hovering or clicking either side
// highlights the other.
function inspector(bytes, tree) {
  const treeBox = el("div", { class: "tree" });
  const hexBox = el("div", { class: "hex" });
  const cells = [];
  const rows = [];
  for (let off = 0; off < bytes.length; off += 16) {
    const line = el("div", {}, el("span", { class: "off" }, off.toString(16).padStart(6, "0")));
    let ascii = "";
    for (let i = off; i < Math.min(off + 16, bytes.length); i++) {
      const c = el("span", { class: "b", "data-i": i }, bytes[i].toString(16).padStart(2, "0"));
      cells[i] = c;
      line.append(c, i % 8 === 7 ? "  " : " ");
      ascii += bytes[i] >= 32 && bytes[i] < 127 ? String.fromCharCode(bytes[i]) : ".";
    }
    line.append(el("span", { class: "asc" }, ascii));
    rows.push(line);
  }
  hexBox.append(...rows);

  const nodes = []; // {node, elem, depth}
  let selected = null;
  const mark = (cls, node, on) => {
    if (!node || node.start === undefined) return;
    for (let i = node.start; i < node.end && i < cells.length; i++) cells[i].classList.toggle(cls, on);
  };
  const select = (entry) => {
    if (selected) { selected.elem.classList.remove("sel"); mark("in", selected.node, false); }
    selected = entry;
    if (!entry) return;
    entry.elem.classList.add("sel");
    mark("in", entry.node, true);
    // open ancestors
    for (let li = entry.elem.closest("li"); li; li = li.parentElement.closest("li")) li.classList.remove("closed");
    const first = cells[entry.node.start];
    if (first) first.scrollIntoView({ block: "nearest" });
    entry.elem.scrollIntoView({ block: "nearest" });
  };
  const render = (node, depth) => {
    const kids = node.children || [];
    const label = el("span", { class: "node", "data-path": node.path ?? "" },
      el("span", { class: "toggle" }, kids.length ? "▾" : " "),
      el("span", { class: "name" }, node.name),
      el("span", { class: "type" }, node.type),
      node.value !== undefined && node.value !== null && !kids.length
        ? el("span", { class: "val" }, node.type.startsWith("[]") || node.type === "records" || Array.isArray(node.children) ? String(node.value) : show(node.value))
        : node.value !== undefined && node.value !== null ? el("span", { class: "val" }, String(node.value))
        : node.value === null && !kids.length && node.start === undefined ? el("span", { class: "val null" }, "null") : null,
      noteBadge(node.note),
      node.start !== undefined ? el("span", { class: "range" }, `[${node.start}..${node.end})`) : null);
    if (node.type === "view" || node.name.startsWith("_")) label.classList.add("view");
    const entry = { node, elem: label, depth };
    nodes.push(entry);
    label.addEventListener("mouseenter", () => { label.classList.add("hov"); mark("hov", node, true); });
    label.addEventListener("mouseleave", () => { label.classList.remove("hov"); mark("hov", node, false); });
    label.addEventListener("click", (ev) => {
      ev.stopPropagation();
      if (ev.target.classList.contains("toggle")) { li.classList.toggle("closed"); return; }
      select(entry);
    });
    const li = el("li", {}, label);
    if (kids.length) {
      li.append(el("ul", {}, kids.map((k) => render(k, depth + 1))));
      // Records start folded (their label shows key and value), and so do
      // long arrays deep down; batches stay open so records show at once.
      if (node.type === "Record" || (depth > 4 && kids.length > 24 && node.type !== "RecordBatch")) li.classList.add("closed");
    }
    return li;
  };
  treeBox.append(el("ul", {}, render(tree, 0)));

  // Reverse direction: the deepest node holding a byte.
  const deepest = (i) => {
    let best = null;
    for (const e of nodes) {
      const n = e.node;
      if (n.start !== undefined && n.start <= i && i < n.end && (!best || e.depth >= best.depth)) best = e;
    }
    return best;
  };
  let hovered = null;
  hexBox.addEventListener("mouseover", (ev) => {
    const i = ev.target.dataset?.i;
    if (i === undefined) return;
    const e = deepest(Number(i));
    if (hovered === e) return;
    if (hovered) { hovered.elem.classList.remove("hov"); mark("hov", hovered.node, false); }
    hovered = e;
    if (e) { e.elem.classList.add("hov"); mark("hov", e.node, true); }
  });
  hexBox.addEventListener("mouseleave", () => {
    if (hovered) { hovered.elem.classList.remove("hov"); mark("hov", hovered.node, false); hovered = null; }
  });
  hexBox.addEventListener("click", (ev) => {
    const i = ev.target.dataset?.i;
    if (i !== undefined) select(deepest(Number(i)));
  });
  const box = el("div", { class: "inspector" }, treeBox, hexBox);
  box.kioSelectPath = (path) => select(nodes.find((e) => e.node.path === path) || null);
  box.kioSelectByte = (i) => select(deepest(i));
  return box;
}

// ------------------------------------------------------------ decode tab
function apiOptions(select, withVersions = true) {
  select.replaceChildren(...kio.apis().map((a) =>
    el("option", { value: a.apiKey }, `${a.apiKey} ${a.name}${withVersions ? ` (v${a.minVersion}-${a.maxVersion})` : ""}`)));
}

function decodeNow() {
  const out = $("#decode-inspector");
  const errBox = $("#decode-error");
  errBox.textContent = "";
  const text = $("#input").value;
  let bytes = window.kioPage.uploaded;
  try {
    if (text.trim()) bytes = kio.parseBytes(text);
    if (!bytes) throw new Error("nothing to decode");
    const mode = $("#mode").value;
    const apiKey = Number($("#ctx-api").value);
    const version = Number($("#ctx-version").value);
    let doc, tree;
    if (mode === "frame") {
      doc = kio.decodeFrame(bytes); tree = kio.frameSpans(bytes);
    } else if (mode === "response") {
      const ctx = { apiKey, apiVersion: version };
      doc = kio.decodeFrame(bytes, ctx); tree = kio.frameSpans(bytes, ctx);
    } else {
      const kind = $("#ctx-kind").value;
      doc = kio.decode(apiKey, version, kind, bytes); tree = kio.spans(apiKey, version, kind, bytes);
    }
    window.kioPage.decoded = doc;
    $("#json").textContent = kio.toJson(doc, true);
    out.replaceWith(Object.assign(inspector(bytes, tree), { id: "decode-inspector" }));
  } catch (e) {
    window.kioPage.decoded = null;
    errBox.textContent = `${e.message}` + (e.offset !== undefined ? `\n(byte offset ${e.offset}${e.path ? `, field ${e.path}` : ""})` : "");
    if (bytes) {
      const fake = { name: "bytes", type: "undecoded", start: 0, end: bytes.length, children: [] };
      const box = Object.assign(inspector(bytes, fake), { id: "decode-inspector" });
      out.replaceWith(box);
      if (e.offset !== undefined) box.kioSelectByte(Math.min(e.offset, bytes.length - 1));
    }
    $("#json").textContent = "";
  }
}

function setupDecode() {
  apiOptions($("#ctx-api"));
  $("#mode").addEventListener("change", () => {
    const m = $("#mode").value;
    $("#ctx").classList.toggle("hidden", m === "frame");
    $("#ctx-kind-label").classList.toggle("hidden", m !== "body");
  });
  $("#decode-btn").addEventListener("click", decodeNow);
  // The view budget (kio-wasm's setMaxDecompressed): empty = the default.
  $("#max-decompressed").addEventListener("change", (ev) => {
    const mib = ev.target.value === "" ? null : Math.max(0, Math.floor(Number(ev.target.value)));
    kio.setMaxDecompressed(mib === null || Number.isNaN(mib) ? null : mib * 1024 * 1024);
  });
  $("#input").addEventListener("input", () => { window.kioPage.uploaded = null; });
  $("#upload").addEventListener("change", async (ev) => {
    const f = ev.target.files[0];
    if (!f) return;
    window.kioPage.uploaded = new Uint8Array(await f.arrayBuffer());
    $("#input").value = "";
    decodeNow();
  });
}

// ------------------------------------------------------------ capture tab
let captureBytes = null;

function frameView(frame, title) {
  const bytes = b64bytes(frame.frame);
  const wrap = el("div", {}, el("h4", {}, title));
  try {
    const ctx = frame.kind === "response" && frame.apiKey !== undefined
      ? { apiKey: frame.apiKey, apiVersion: frame.apiVersion } : null;
    wrap.append(inspector(bytes, kio.frameSpans(bytes, ctx)));
  } catch (e) {
    wrap.append(el("div", { class: "error" }, e.message));
    wrap.append(inspector(bytes, { name: "bytes", type: "undecoded", start: 0, end: bytes.length }));
  }
  return wrap;
}

// One row per call: what the filters and the timeline need.
function callFacts(conv, call, i) {
  const q = conv.frames[call.request];
  const r = call.response === null ? null : conv.frames[call.response];
  const topics = [...new Set([...(q.topics ?? []), ...(r?.topics ?? [])])];
  const errors = [...(q.errors ?? []), ...(r?.errors ?? [])];
  const latency = r && q.time !== null && r.time !== null ? (r.time - q.time) * 1000 : null;
  return {
    i, q, r, topics, errors, latency,
    errorCount: (q.errorCount ?? 0) + (r?.errorCount ?? 0),
    api: q.apiName ?? "?",
    clientId: q.clientId ?? null,
    decodeError: !(q.decoded && (!r || r.decoded)),
  };
}

const fmtMs = (ms) => (ms < 1 ? `${(ms * 1000).toFixed(0)} µs` : ms < 1000 ? `${ms.toFixed(ms < 10 ? 2 : 1)} ms` : `${(ms / 1000).toFixed(2)} s`);

// The filters: API, topic, client id, error. Each is a <select> of the
// values the capture holds (with counts); "" is "any".
const FILTERS = [
  { id: "f-api", label: "API", values: (c) => [c.api] },
  { id: "f-topic", label: "topic", values: (c) => c.topics },
  { id: "f-client", label: "client id", values: (c) => (c.clientId === null ? ["(none)"] : [c.clientId]) },
  { id: "f-error", label: "error", values: (c) => [...new Set(c.errors.map(errorLabel))] },
];

function filterBar(rows, apply) {
  const bar = $("#capture-filters");
  bar.replaceChildren();
  for (const f of FILTERS) {
    const counts = new Map();
    for (const c of rows) for (const v of f.values(c)) counts.set(v, (counts.get(v) ?? 0) + 1);
    const opts = [el("option", { value: "" }, f.id === "f-error" ? "errors or not" : `any ${f.label}`)];
    if (f.id === "f-error") {
      opts.push(el("option", { value: "*" }, `with an error (${rows.filter((c) => c.errorCount || c.decodeError).length})`));
      opts.push(el("option", { value: "-" }, `without errors (${rows.filter((c) => !c.errorCount && !c.decodeError).length})`));
    }
    const keys = [...counts.keys()].sort((a, b) => (f.id === "f-error" ? parseInt(a) - parseInt(b) : a.localeCompare(b)));
    for (const k of keys) opts.push(el("option", { value: k }, `${k} (${counts.get(k)})`));
    const sel = el("select", { id: f.id, onchange: apply }, opts);
    bar.append(el("label", {}, `${f.label} `, sel));
  }
  bar.append(el("button", { id: "f-clear", onclick: () => { for (const f of FILTERS) $(`#${f.id}`).value = ""; apply(); } }, "clear"),
    el("span", { id: "capture-shown", class: "muted" }));
}

function matches(c) {
  for (const f of FILTERS) {
    const want = $(`#${f.id}`)?.value ?? "";
    if (!want) continue;
    if (f.id === "f-error" && want === "*") { if (!c.errorCount && !c.decodeError) return false; continue; }
    if (f.id === "f-error" && want === "-") { if (c.errorCount || c.decodeError) return false; continue; }
    if (!f.values(c).includes(want)) return false;
  }
  return true;
}

function callRow(c, scale) {
  const { q, r } = c;
  const left = scale(q.time);
  const right = r && r.time !== null ? scale(r.time) : left;
  const bar = el("span", {
    class: `bar${c.errorCount || c.decodeError ? " bad" : ""}${r ? "" : " open"}`,
    style: `left:${left.toFixed(3)}%;width:${Math.max(right - left, 0).toFixed(3)}%`,
    title: r ? `${c.api}: ${fmtMs(c.latency ?? 0)}` : `${c.api}: no response`,
    "data-latency-ms": c.latency ?? "",
  });
  const errs = [...new Map(c.errors.map((e) => [e.code, e])).values()];
  const item = el("details", {
    class: "call", "data-api": c.api, "data-version": q.apiVersion ?? "", "data-conn": q.connection,
    "data-client": c.clientId ?? "", "data-topics": c.topics.join("\n"), "data-errors": errs.map((e) => e.name).join(" "),
  },
  el("summary", {},
    el("span", { class: "muted idx" }, `#${String(c.i).padStart(3, "0")} corr ${q.correlationId}`),
    el("span", { class: "api" }, `${c.api} v${q.apiVersion ?? "?"}`),
    el("span", { class: "what" },
      c.topics.length ? el("span", { class: "topics" }, c.topics.join(", ")) : null,
      ...errs.map((e) => el("span", { class: `note err-${e.retriable ? "retry" : "fatal"}`, title: `${e.message ?? ""}${e.retriable ? " (retriable)" : " (not retriable)"}` }, errorLabel(e))),
      c.decodeError ? el("span", { class: "error" }, " decode error") : null),
    el("span", { class: "muted size" }, `${q.wireLen} B → ${r ? `${r.wireLen} B` : "—"}`),
    el("span", { class: "track" }, bar),
    el("span", { class: "lat" }, r ? (c.latency === null ? "" : fmtMs(c.latency)) : "no response")));
  const framesBox = el("div", { class: "frames" });
  item.append(framesBox);
  item.addEventListener("toggle", () => {
    if (item.open && !framesBox.childElementCount) {
      framesBox.append(frameView(q, `Request ${q.apiName} v${q.apiVersion} (${q.client} → ${q.server}${c.clientId ? `, client id ${c.clientId}` : ""})`));
      if (r) framesBox.append(frameView(r, `Response (${r.server} → ${r.client}) after ${c.latency === null ? "?" : fmtMs(c.latency)}`));
    }
  });
  return item;
}

function readCapture() {
  const errBox = $("#capture-error");
  errBox.textContent = "";
  const list = $("#conversation");
  list.replaceChildren();
  $("#capture-filters").replaceChildren();
  if (!captureBytes) return;
  const port = Number($("#port").value) || 9092;
  const t0 = performance.now();
  let conv;
  try {
    conv = kio.inspectCapture(captureBytes, port);
  } catch (e) {
    errBox.textContent = e.message;
    return;
  }
  const ms = performance.now() - t0;
  window.kioPage.conversation = conv;
  window.kioPage.captureMs = ms;
  const s = conv.stats;
  $("#capture-summary").textContent =
    `${s.packets} packets, ${s.connections} connections, ${s.requests} requests, ${s.responses} responses ` +
    `(${s.paired} paired), ${s.decodeErrors} decode errors — read and decoded in ${ms.toFixed(1)} ms` +
    (conv.issues.length ? ` — ${conv.issues.length} capture issues` : "");

  const rows = conv.calls.map((call, i) => callFacts(conv, call, i));
  window.kioPage.calls = rows;
  // The time axis: first request to last response, shared by every lane.
  const times = conv.frames.map((f) => f.time).filter((t) => t !== null);
  const start = Math.min(...times), end = Math.max(...times);
  const span = end > start ? end - start : 1;
  const scale = (t) => (t === null ? 0 : ((t - start) / span) * 100);
  const axis = el("div", { class: "axis" },
    el("span", { class: "idx" }), el("span", { class: "api" }), el("span", { class: "what" }), el("span", { class: "size" }),
    el("span", { class: "track" }, ...[0, 0.25, 0.5, 0.75, 1].map((x) =>
      el("span", { class: "tick", style: `left:${x * 100}%` }, x ? `+${fmtMs(x * span * 1000)}` : "0"))),
    el("span", { class: "lat muted" }, "latency"));

  // Lanes: one per connection, its calls in order.
  const lanes = new Map();
  for (const c of rows) {
    const k = c.q.connection;
    if (!lanes.has(k)) lanes.set(k, []);
    lanes.get(k).push(c);
  }
  const laneBoxes = [];
  for (const [conn, calls] of lanes) {
    const q0 = calls[0].q;
    const clients = [...new Set(calls.map((c) => c.clientId).filter((x) => x !== null))];
    const head = el("div", { class: "lane-head" },
      el("strong", {}, `connection ${conn}`), ` ${q0.client} → ${q0.server}`,
      clients.length ? el("span", { class: "muted" }, ` · client id ${clients.join(", ")}`) : null,
      el("span", { class: "muted count" }, ""));
    const items = calls.map((c) => { const it = callRow(c, scale); c.elem = it; return it; });
    const lane = el("div", { class: "lane", "data-conn": conn }, head, ...items);
    laneBoxes.push({ lane, calls, head });
  }
  list.append(axis, ...laneBoxes.map((l) => l.lane));
  for (const issue of conv.issues) list.append(el("div", { class: "muted" }, issue));

  const apply = () => {
    let shown = 0;
    for (const { lane, calls, head } of laneBoxes) {
      let n = 0;
      for (const c of calls) {
        const ok = matches(c);
        c.elem.classList.toggle("hidden", !ok);
        if (ok) n++;
      }
      lane.classList.toggle("hidden", n === 0);
      head.querySelector(".count").textContent = ` · ${n} of ${calls.length} calls`;
      shown += n;
    }
    $("#capture-shown").textContent = `showing ${shown} of ${rows.length} calls`;
  };
  filterBar(rows, apply);
  apply();
}

function setupCapture() {
  const load = async (file) => {
    if (!file) return;
    captureBytes = new Uint8Array(await file.arrayBuffer());
    readCapture();
  };
  $("#pcap").addEventListener("change", (ev) => load(ev.target.files[0]));
  $("#reload-capture").addEventListener("click", readCapture);
  $("#port").addEventListener("change", readCapture);
  const drop = $("#drop");
  for (const t of ["dragenter", "dragover"]) drop.addEventListener(t, (ev) => { ev.preventDefault(); drop.classList.add("over"); });
  for (const t of ["dragleave", "drop"]) drop.addEventListener(t, (ev) => { ev.preventDefault(); drop.classList.remove("over"); });
  drop.addEventListener("drop", (ev) => load(ev.dataTransfer.files[0]));
  document.body.addEventListener("dragover", (ev) => ev.preventDefault());
  document.body.addEventListener("drop", (ev) => {
    ev.preventDefault();
    const f = ev.dataTransfer.files[0];
    if (f) { activate("capture"); load(f); }
  });
}

// ------------------------------------------------------------ build tab
const INT_RANGES = {
  int8: [-128n, 127n], int16: [-32768n, 32767n], uint16: [0n, 65535n],
  int32: [-2147483648n, 2147483647n], uint32: [0n, 4294967295n],
  int64: [-9223372036854775808n, 9223372036854775807n],
};
const inRange = (r, v) => r && r.min <= v && (r.max === null || v <= r.max);
const hexToB64 = (h) => {
  const clean = h.replace(/[\s:]/g, "");
  if (clean.length % 2 || /[^0-9a-f]/i.test(clean)) throw new Error(`not hex: ${h}`);
  let s = "";
  for (let i = 0; i < clean.length; i += 2) s += String.fromCharCode(parseInt(clean.slice(i, i + 2), 16));
  return btoa(s);
};

// Returns {node, get}: a form part for one value of `field` and a getter.
function valueInput(field, version, kind, value, path) {
  const id = `f-${path}`;
  if (typeof kind === "object" && kind.struct) {
    const sub = structForm(field.fields ?? [], version, value ?? {}, path);
    return { node: sub.node, get: sub.get, id };
  }
  if (typeof kind === "object" && kind.array) {
    const elemKind = kind.array;
    const items = [];
    const list = el("div", { class: "array" });
    const add = (v) => {
      const idx = items.length;
      const part = valueInput(field, version, elemKind, v, `${path}.${idx}`);
      const row = el("fieldset", {}, el("legend", {}, `[${idx}]`), part.node,
        el("button", { type: "button", onclick: () => { row.remove(); items[idx] = null; changed(); } }, "remove"));
      items.push(part);
      list.append(row);
    };
    for (const v of Array.isArray(value) ? value : []) add(v);
    const addBtn = el("button", { type: "button", id: `${id}-add`, onclick: () => {
      add(typeof elemKind === "object" ? {} : undefined); changed();
    } }, "+ add");
    return { node: el("div", {}, list, addBtn), get: () => items.filter(Boolean).map((p) => p.get()), id };
  }
  let input;
  let get;
  switch (kind) {
    case "bool":
      input = el("input", { type: "checkbox", id });
      input.checked = !!value;
      get = () => input.checked;
      break;
    case "float64":
      input = el("input", { type: "number", step: "any", id, value: value ?? 0 });
      get = () => Number(input.value);
      break;
    case "bytes": case "records":
      input = el("input", { type: "text", id, placeholder: "hex", value: value ? hex(b64bytes(value)) : "" });
      get = () => hexToB64(input.value);
      break;
    case "string": case "uuid":
      input = el("input", { type: "text", id, value: value ?? "" });
      get = () => input.value;
      break;
    default: { // integers
      input = el("input", { type: "text", id, value: String(value ?? 0), size: 12 });
      get = () => {
        const v = BigInt(input.value.trim() || "0");
        const r = INT_RANGES[kind];
        if (r && (v < r[0] || v > r[1])) throw new Error(`${field.name}: ${v} does not fit ${kind}`);
        return v >= -(2n ** 53n) && v <= 2n ** 53n ? Number(v) : v;
      };
    }
  }
  return { node: input, get, id };
}

function structForm(fields, version, value, path) {
  const parts = [];
  const box = el("div", {});
  for (const f of fields) {
    if (!inRange(f.versions, version)) continue;
    const nullable = inRange(f.nullableVersions, version);
    const current = value[f.jsonName] !== undefined ? value[f.jsonName] : f.defaultValue;
    const part = valueInput(f, version, f.kind, current, `${path}.${f.jsonName}`);
    let nullBox = null;
    if (nullable) {
      nullBox = el("input", { type: "checkbox", id: `${part.id}-null`, title: "null" });
      nullBox.checked = current === null;
    }
    const tagged = f.tag !== null && inRange(f.taggedVersions, version) ? ` (tag ${f.tag})` : "";
    box.append(el("div", { class: "f" },
      el("label", { for: part.id, title: f.type }, f.jsonName + tagged),
      el("span", {}, part.node, nullBox ? el("label", {}, " null ", nullBox) : null),
      el("span", { class: "about" }, `${f.type} · v${f.versions.text}${nullable ? " · nullable" : ""} — ${f.about}`,
        f.values ? ` Values: ${f.values.map(([v, m]) => `${v} = ${m}`).join("; ")}.` : "")));
    parts.push([f.jsonName, part, nullBox]);
  }
  return {
    node: box,
    get: () => Object.fromEntries(parts.map(([k, p, n]) => [k, n && n.checked ? null : p.get()])),
  };
}

let buildForm = null;
let changed = () => {};

function setupBuild() {
  apiOptions($("#build-api"), false);
  const api = $("#build-api"), ver = $("#build-version");
  const versions = () => {
    const a = kio.apis().find((x) => x.apiKey === Number(api.value));
    ver.replaceChildren(...Array.from({ length: a.maxVersion - a.minVersion + 1 },
      (_, i) => el("option", { value: a.minVersion + i }, String(a.minVersion + i))));
    ver.value = String(a.maxVersion);
  };
  const rebuild = () => {
    const schema = kio.messageSchema(Number(api.value), "request");
    buildForm = structForm(schema.fields, Number(ver.value), kio.defaultBody(Number(api.value), "request"), "body");
    $("#build-form").replaceChildren(buildForm.node);
    changed();
  };
  changed = () => {
    const errBox = $("#build-error");
    errBox.textContent = "";
    try {
      const body = buildForm.get();
      const bytes = kio.buildRequest(Number(api.value), Number(ver.value), Number($("#build-corr").value),
        $("#build-client").value, body);
      $("#build-hex").textContent = hex(bytes);
      window.kioPage.built = bytes;
    } catch (e) {
      $("#build-hex").textContent = "";
      errBox.textContent = e.message;
    }
  };
  api.addEventListener("change", () => { versions(); rebuild(); });
  ver.addEventListener("change", rebuild);
  $("#build-form").addEventListener("input", () => changed());
  $("#build-form").addEventListener("change", () => changed());
  $("#build-corr").addEventListener("input", () => changed());
  $("#build-client").addEventListener("input", () => changed());
  $("#build-copy").addEventListener("click", () => navigator.clipboard?.writeText($("#build-hex").textContent));
  $("#build-open").addEventListener("click", () => {
    $("#input").value = $("#build-hex").textContent;
    $("#mode").value = "frame";
    $("#mode").dispatchEvent(new Event("change"));
    activate("decode");
    decodeNow();
  });
  api.value = "3";
  versions();
  rebuild();
}

// ------------------------------------------------------------ schema tab
function fieldRows(fields, depth) {
  return fields.flatMap((f) => [
    el("tr", {},
      el("td", { style: `padding-left:${0.5 + depth * 1.2}em` }, el("code", {}, f.name)),
      el("td", {}, el("code", {}, f.type)),
      el("td", {}, f.versions?.text ?? "none"),
      el("td", {}, f.nullableVersions?.text ?? ""),
      el("td", {}, f.tag !== null ? `${f.tag} (${f.taggedVersions?.text ?? ""})` : ""),
      el("td", {}, f.default),
      el("td", { class: "about" }, f.about + (f.ignorable ? " [ignorable]" : "") + (f.entityType ? ` [${f.entityType}]` : ""),
        f.values ? el("div", { class: "values" }, ...f.values.map(([v, m]) => el("span", { class: "note enum" }, `${v} = ${m}`))) : null,
        f.meaning ? el("span", { class: "note" }, { errorCode: "error code", timestamp: "date (ms since epoch)", duration: "duration (ms)" }[f.meaning]) : null)),
    ...(f.fields ? fieldRows(f.fields, depth + 1) : []),
  ]);
}

function schemaTable(m) {
  return el("div", {},
    el("h3", {}, `${m.name}`),
    el("div", { class: "muted" }, `valid versions ${m.validVersions?.text ?? "none"}, flexible ${m.flexibleVersions?.text ?? "none"}` +
      (m.deprecatedVersions ? `, deprecated ${m.deprecatedVersions.text}` : "")),
    el("table", { class: "fields" },
      el("tr", {}, ...["field", "type", "versions", "nullable", "tag", "default", "about"].map((h) => el("th", {}, h))),
      fieldRows(m.fields, 0)));
}

function setupSchema() {
  const list = $("#schema-apis");
  const all = kio.apis();
  const pick = (a, li) => {
    for (const x of list.children) x.classList.remove("sel");
    li.classList.add("sel");
    $("#schema-detail").replaceChildren(
      el("h2", {}, `${a.name} (API key ${a.apiKey})`),
      el("div", {}, `versions ${a.minVersion}-${a.maxVersion}; listeners: ${a.listeners.join(", ")}`),
      schemaTable(kio.messageSchema(a.apiKey, "request")),
      schemaTable(kio.messageSchema(a.apiKey, "response")));
  };
  for (const a of all) {
    const li = el("li", { "data-api": a.name }, a.name, el("span", { class: "v" }, `${a.apiKey} · v${a.minVersion}-${a.maxVersion}`));
    li.addEventListener("click", () => pick(a, li));
    list.append(li);
  }
  $("#schema-filter").addEventListener("input", (ev) => {
    const q = ev.target.value.toLowerCase();
    for (const li of list.children) li.classList.toggle("hidden", !li.dataset.api.toLowerCase().includes(q));
  });
  pick(all[0], list.children[0]);
}

// ------------------------------------------------------------ tabs
function activate(name) {
  for (const b of document.querySelectorAll("#tabs button")) b.classList.toggle("active", b.dataset.tab === name);
  for (const s of document.querySelectorAll(".tab")) s.classList.toggle("active", s.id === `tab-${name}`);
}

async function main() {
  const t0 = performance.now();
  await init();
  for (const b of document.querySelectorAll("#tabs button")) b.addEventListener("click", () => activate(b.dataset.tab));
  setupDecode();
  setupCapture();
  setupBuild();
  setupSchema();
  $("#status").textContent = `@kio/wasm ${kio.version()} ready (${(performance.now() - t0).toFixed(0)} ms)`;
  document.body.dataset.ready = "1";
}
main().catch((e) => { $("#status").textContent = `failed to load: ${e.message}`; console.error(e); });
