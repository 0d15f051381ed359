//! A captured conversation: the frames of a pcap/pcapng capture (through
//! kio-capture), decoded to the [crate's](crate) JSON shape, with each
//! response paired with its request by correlation id per connection.
//!
//! The library half of `kio inspect` (re-exported as `kio_std::inspect`) and
//! of the browser devtools' capture view: [`inspect`] gives the frames (one
//! JSON object each, in capture time order) and the calls (request/response
//! pairs); [`table`] renders the calls one line each. Frames are decoded by
//! a [`FrameCodec`]: [`GeneratedCodec`] (the generated types, as the CLI) or
//! [`DynamicCodec`] (the schema-driven codec, as the browser), through
//! [`inspect_with`].

use std::collections::HashMap;
use std::fmt;
use std::net::SocketAddr;
use std::time::Duration;

use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;
use kio_capture::{Direction, Options};
use kio_core::dynamic::DynError;
use kio_core::ApiKey;
use serde_json::{Map, Value};

use crate::canonical::{self, NON_CANONICAL};
use crate::{DecodeOptions, JsonError, Kind};

/// A failure decoding or re-encoding a frame, as shown in the error
/// document of a frame that did not decode (see [`error_doc`]).
pub trait FrameError: fmt::Display {
    /// The byte offset in the frame and the field being read, when the
    /// failure is a decode error at a known place (the field may be empty).
    fn location(&self) -> Option<(usize, &str)>;

    /// The error of a response with no request of its correlation id.
    fn no_request(message: String) -> Self
    where
        Self: Sized;
}

impl FrameError for JsonError {
    fn location(&self) -> Option<(usize, &str)> {
        match self {
            JsonError::Decode(d) => Some((d.offset, d.field)),
            _ => None,
        }
    }

    fn no_request(message: String) -> Self {
        JsonError::Shape(message)
    }
}

impl FrameError for DynError {
    fn location(&self) -> Option<(usize, &str)> {
        self.offset.map(|o| (o, self.path.as_str()))
    }

    fn no_request(message: String) -> Self {
        DynError {
            offset: None,
            path: String::new(),
            message,
        }
    }
}

/// Decodes captured frames to the JSON shape and re-encodes them.
pub trait FrameCodec {
    /// What goes wrong.
    type Error: FrameError;

    /// Decodes a frame (without its size prefix): a request, or with
    /// `response_to` `Some((api, version))` of its request, a response.
    fn decode_frame(
        &self,
        frame: &[u8],
        response_to: Option<(ApiKey, i16)>,
    ) -> Result<Value, Self::Error>;

    /// [`Self::decode_frame`] with a view budget from `opts` (the default
    /// ignores `opts`; both codecs here honour it).
    fn decode_frame_with(
        &self,
        frame: &[u8],
        response_to: Option<(ApiKey, i16)>,
        opts: &DecodeOptions,
    ) -> Result<Value, Self::Error> {
        let _ = opts;
        self.decode_frame(frame, response_to)
    }

    /// Encodes a frame's JSON back to bytes (size prefix included).
    fn encode(&self, doc: &Value) -> Result<Vec<u8>, Self::Error>;
}

/// The generated codec: [`crate::decode_frame`] and [`crate::encode`].
#[derive(Debug, Clone, Copy, Default)]
pub struct GeneratedCodec;

impl FrameCodec for GeneratedCodec {
    type Error = JsonError;

    fn decode_frame(
        &self,
        frame: &[u8],
        response_to: Option<(ApiKey, i16)>,
    ) -> Result<Value, JsonError> {
        crate::decode_frame(frame, response_to)
    }

    fn decode_frame_with(
        &self,
        frame: &[u8],
        response_to: Option<(ApiKey, i16)>,
        opts: &DecodeOptions,
    ) -> Result<Value, JsonError> {
        crate::decode_frame_with(frame, response_to, opts)
    }

    fn encode(&self, doc: &Value) -> Result<Vec<u8>, JsonError> {
        crate::encode(doc)
    }
}

/// The schema-driven codec: [`crate::dynamic::decode_frame`] and
/// [`crate::dynamic::encode`] (what the browser uses).
#[derive(Debug, Clone, Copy, Default)]
pub struct DynamicCodec;

impl FrameCodec for DynamicCodec {
    type Error = DynError;

    fn decode_frame(
        &self,
        frame: &[u8],
        response_to: Option<(ApiKey, i16)>,
    ) -> Result<Value, DynError> {
        crate::dynamic::decode_frame(frame, response_to)
    }

    fn decode_frame_with(
        &self,
        frame: &[u8],
        response_to: Option<(ApiKey, i16)>,
        opts: &DecodeOptions,
    ) -> Result<Value, DynError> {
        crate::dynamic::decode_frame_with(frame, response_to, opts)
    }

    fn encode(&self, doc: &Value) -> Result<Vec<u8>, DynError> {
        crate::dynamic::encode(doc)
    }
}

/// How to inspect a capture.
#[derive(Debug, Clone, Default)]
pub struct InspectOptions {
    /// The broker's TCP ports; empty means Kafka's default, 9092.
    pub ports: Vec<u16>,
    /// Re-encode every decoded frame from its JSON and compare with the
    /// captured bytes; adds `roundTrip` to each frame object.
    pub check: bool,
    /// The view budget of each frame.
    pub decode: DecodeOptions,
}

/// One captured frame.
#[derive(Debug, Clone)]
pub struct FrameEntry {
    /// The frame in the JSON shape, with context keys (`time`,
    /// `connection`, `client`, `server`) first.
    pub json: Value,
    /// Request or response.
    pub kind: Kind,
    /// The connection's index in the capture.
    pub connection: usize,
    /// The connection's client address.
    pub client: SocketAddr,
    /// The connection's server (broker) address.
    pub server: SocketAddr,
    /// Capture time since the Unix epoch.
    pub time: Option<Duration>,
    /// The frame's size on the wire, size prefix included.
    pub wire_len: usize,
    /// The frame's bytes, size prefix included.
    pub wire: Vec<u8>,
    /// The API and version (for responses: of the paired request).
    pub api: Option<(ApiKey, i16)>,
    /// The correlation id, when the frame is long enough to carry one.
    pub correlation_id: Option<i32>,
    /// Whether it decoded.
    pub decoded: bool,
    /// With [`InspectOptions::check`]: whether JSON → bytes gave the captured bytes.
    pub identical: Option<bool>,
    /// With [`InspectOptions::check`]: the bytes were not canonical and JSON
    /// → bytes gave their canonical form (`roundTrip: "canonical"`).
    pub canonicalized: bool,
    /// For a paired response: the index of its request in
    /// [`Conversation::frames`].
    pub request: Option<usize>,
}

/// A request and (when captured) its response, as indices into
/// [`Conversation::frames`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Call {
    /// The request frame.
    pub request: usize,
    /// The response frame.
    pub response: Option<usize>,
}

/// Counts over a conversation.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Stats {
    /// Packets in the capture.
    pub packets: usize,
    /// Connections with Kafka traffic.
    pub connections: usize,
    /// Request frames.
    pub requests: usize,
    /// Response frames.
    pub responses: usize,
    /// Responses paired with a request.
    pub paired: usize,
    /// Responses with no request of their correlation id.
    pub unpaired_responses: usize,
    /// Requests with no response in the capture.
    pub unanswered_requests: usize,
    /// Frames that did not decode.
    pub decode_errors: usize,
    /// Frames whose JSON re-encoded to different bytes (with `check`).
    pub mismatches: usize,
    /// Frames whose JSON re-encoded identically (with `check`).
    pub identical: usize,
    /// Frames whose bytes are not canonical (`_nonCanonical`); with
    /// `check`, their JSON re-encoded to the canonical form.
    pub non_canonical: usize,
}

/// A decoded capture.
#[derive(Debug, Clone, Default)]
pub struct Conversation {
    /// Every frame, in capture time order.
    pub frames: Vec<FrameEntry>,
    /// Every request, with its response, in request order.
    pub calls: Vec<Call>,
    /// Problems the capture reader reported (gaps, truncation, ...).
    pub issues: Vec<String>,
    /// Counts.
    pub stats: Stats,
}

/// Reads a capture and decodes its Kafka conversation with the generated
/// codec. Fails only when the file is not a capture at all; everything else
/// is reported per frame.
pub fn inspect(capture: &[u8], opts: &InspectOptions) -> Result<Conversation, String> {
    inspect_with(capture, opts, &GeneratedCodec)
}

/// [`inspect`] with frames decoded (and, with [`InspectOptions::check`],
/// re-encoded) by `codec`.
pub fn inspect_with<C: FrameCodec>(
    capture: &[u8],
    opts: &InspectOptions,
    codec: &C,
) -> Result<Conversation, String> {
    let copts = if opts.ports.is_empty() {
        Options::default()
    } else {
        Options::with_ports(opts.ports.iter().copied())
    };
    let cap = kio_capture::parse(capture, &copts).map_err(|e| e.to_string())?;
    let mut conv = Conversation {
        issues: cap.issues.iter().map(|i| i.to_string()).collect(),
        stats: Stats {
            packets: cap.packet_count,
            ..Stats::default()
        },
        ..Conversation::default()
    };
    // (connection, position in connection) of requests and responses, to
    // order by time afterwards.
    let mut entries: Vec<(FrameEntry, usize, usize, Option<usize>)> = Vec::new();
    for conn in &cap.connections {
        if conn.frames.is_empty() {
            continue;
        }
        conv.stats.connections += 1;
        let mut pending: HashMap<i32, (usize, ApiKey, i16)> = HashMap::new();
        for (pos, f) in conn.frames.iter().enumerate() {
            let wire = f.to_wire();
            let corr = f.correlation_id();
            let mut ctx = Map::new();
            if let Some(t) = f.timestamp {
                ctx.insert("time".into(), rfc3339(t).into());
            }
            ctx.insert("connection".into(), conn.index.into());
            ctx.insert("client".into(), conn.client.to_string().into());
            ctx.insert("server".into(), conn.server.to_string().into());
            let (kind, api, result, paired_with) = match f.direction {
                Direction::ToServer => {
                    conv.stats.requests += 1;
                    let res = codec.decode_frame_with(&f.payload, None, &opts.decode);
                    let api = f
                        .request_header()
                        .and_then(|h| ApiKey::from_i16(h.api_key).map(|k| (k, h.api_version)));
                    if let (Some(c), Some((k, v))) = (corr, api) {
                        pending.insert(c, (entries.len(), k, v));
                    }
                    (Kind::Request, api, res, None)
                }
                Direction::ToClient => {
                    conv.stats.responses += 1;
                    match corr.and_then(|c| pending.remove(&c)) {
                        Some((req, k, v)) => {
                            conv.stats.paired += 1;
                            let res =
                                codec.decode_frame_with(&f.payload, Some((k, v)), &opts.decode);
                            (Kind::Response, Some((k, v)), res, Some(req))
                        }
                        None => {
                            conv.stats.unpaired_responses += 1;
                            let msg = format!(
                                "no request with correlation id {} on this connection",
                                corr.map_or("?".into(), |c| c.to_string())
                            );
                            (Kind::Response, None, Err(C::Error::no_request(msg)), None)
                        }
                    }
                }
            };
            let mut entry = FrameEntry {
                json: Value::Null,
                kind,
                connection: conn.index,
                client: conn.client,
                server: conn.server,
                time: f.timestamp,
                wire_len: wire.len(),
                wire: Vec::new(),
                api,
                correlation_id: corr,
                decoded: result.is_ok(),
                identical: None,
                canonicalized: false,
                request: None,
            };
            entry.json = match result {
                Ok(doc) => {
                    let mut m = ctx;
                    if let Value::Object(d) = doc {
                        m.extend(d);
                    }
                    if m.contains_key(NON_CANONICAL) {
                        conv.stats.non_canonical += 1;
                    }
                    if opts.check {
                        let doc = Value::Object(m.clone());
                        let outcome = check(codec, &doc, &wire, api, kind, &opts.decode, &mut m);
                        entry.identical = Some(outcome == RoundTrip::Identical);
                        entry.canonicalized = outcome == RoundTrip::Canonical;
                        match outcome {
                            RoundTrip::Identical => conv.stats.identical += 1,
                            RoundTrip::Canonical => {}
                            RoundTrip::Mismatch => conv.stats.mismatches += 1,
                        }
                    }
                    Value::Object(m)
                }
                Err(e) => {
                    conv.stats.decode_errors += 1;
                    error_doc(ctx, kind, api, corr, &e, &f.payload)
                }
            };
            entry.wire = wire;
            entries.push((entry, conn.index, pos, paired_with));
        }
        conv.stats.unanswered_requests += pending.len();
    }
    // Order by time (stable: frames without a time keep capture order).
    let mut order: Vec<usize> = (0..entries.len()).collect();
    order.sort_by_key(|&i| (entries[i].0.time, entries[i].1, entries[i].2));
    let mut new_index = vec![0; entries.len()];
    for (new, &old) in order.iter().enumerate() {
        new_index[old] = new;
    }
    let mut calls: Vec<Call> = Vec::new();
    let mut call_of: HashMap<usize, usize> = HashMap::new();
    for &old in &order {
        let (entry, _, _, paired_with) = &entries[old];
        match (entry.kind, paired_with) {
            (Kind::Request, _) => {
                call_of.insert(old, calls.len());
                calls.push(Call {
                    request: new_index[old],
                    response: None,
                });
            }
            (Kind::Response, Some(req)) => {
                if let Some(&c) = call_of.get(req) {
                    calls[c].response = Some(new_index[old]);
                }
            }
            (Kind::Response, None) => {}
        }
    }
    let mut slots: Vec<Option<FrameEntry>> = entries
        .into_iter()
        .map(|(mut e, _, _, paired_with)| {
            e.request = paired_with.map(|req| new_index[req]);
            Some(e)
        })
        .collect();
    conv.frames = order.iter().filter_map(|&i| slots[i].take()).collect();
    conv.calls = calls;
    Ok(conv)
}

/// The outcome of JSON → bytes compared with the original bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RoundTrip {
    /// The same bytes.
    Identical,
    /// The original was not canonical (`_nonCanonical`); the bytes written
    /// are canonical and decode to the same message.
    Canonical,
    /// Different bytes (or no bytes) for any other reason: a bug.
    Mismatch,
}

impl RoundTrip {
    /// The `roundTrip` value: `"identical"`, `"canonical"` or `"mismatch"`.
    pub fn as_str(self) -> &'static str {
        match self {
            RoundTrip::Identical => "identical",
            RoundTrip::Canonical => "canonical",
            RoundTrip::Mismatch => "mismatch",
        }
    }
}

/// Compares re-encoded bytes with the original frame (both with their size
/// prefix): identical, or — when `doc` (the original's JSON) lists
/// `_nonCanonical` places — canonical if the new bytes have none and
/// `redecode` of them (without the prefix) gives the same message.
pub fn round_trip<E>(
    doc: &Value,
    original: &[u8],
    reencoded: &[u8],
    response_to: Option<(ApiKey, i16)>,
    redecode: impl FnOnce(&[u8]) -> Result<Value, E>,
) -> RoundTrip {
    if reencoded == original {
        return RoundTrip::Identical;
    }
    let Some(payload) = reencoded.get(4..) else {
        return RoundTrip::Mismatch;
    };
    if doc.get(NON_CANONICAL).is_none() || !canonical::scan_frame(payload, response_to).is_empty() {
        return RoundTrip::Mismatch;
    }
    match redecode(payload) {
        Ok(again) if canonical::same_message(doc, &again) => RoundTrip::Canonical,
        _ => RoundTrip::Mismatch,
    }
}

/// Re-encodes `doc` and compares with `wire`; records the outcome in `m`
/// (`roundTrip`, and on a mismatch `reencoded` or `reencodeError`).
fn check<C: FrameCodec>(
    codec: &C,
    doc: &Value,
    wire: &[u8],
    api: Option<(ApiKey, i16)>,
    kind: Kind,
    opts: &DecodeOptions,
    m: &mut Map<String, Value>,
) -> RoundTrip {
    let response_to = match kind {
        Kind::Request => None,
        Kind::Response => api,
    };
    match codec.encode(doc) {
        Ok(b) => {
            let outcome = round_trip(doc, wire, &b, response_to, |p| {
                codec.decode_frame_with(p, response_to, opts)
            });
            m.insert("roundTrip".into(), outcome.as_str().into());
            if outcome != RoundTrip::Identical {
                m.insert("reencoded".into(), STANDARD.encode(b).into());
            }
            outcome
        }
        Err(e) => {
            m.insert("roundTrip".into(), "mismatch".into());
            m.insert("reencodeError".into(), e.to_string().into());
            RoundTrip::Mismatch
        }
    }
}

/// The object shown for a frame that did not decode: context, what is
/// known of the frame, `error` (`message`, `offset`, `field`) and the frame
/// (without its size prefix) as base64 under `raw`.
pub fn error_doc<E: FrameError + ?Sized>(
    mut m: Map<String, Value>,
    kind: Kind,
    api: Option<(ApiKey, i16)>,
    corr: Option<i32>,
    e: &E,
    payload: &[u8],
) -> Value {
    m.insert("kind".into(), kind.as_str().into());
    if let Some((k, v)) = api {
        m.insert("apiKey".into(), k.key().into());
        m.insert("apiName".into(), k.name().into());
        m.insert("apiVersion".into(), v.into());
    }
    if let Some(c) = corr {
        m.insert("correlationId".into(), c.into());
    }
    let mut err = Map::new();
    err.insert("message".into(), e.to_string().into());
    if let Some((offset, field)) = e.location() {
        err.insert("offset".into(), offset.into());
        if !field.is_empty() {
            err.insert("field".into(), field.into());
        }
    }
    m.insert("error".into(), Value::Object(err));
    let mut framed = (payload.len() as u32).to_be_bytes().to_vec();
    framed.extend_from_slice(payload);
    m.insert("raw".into(), STANDARD.encode(framed).into());
    Value::Object(m)
}

/// A time since the Unix epoch as RFC 3339 UTC with microseconds.
pub fn rfc3339(t: Duration) -> String {
    let secs = t.as_secs();
    let (days, rem) = (secs / 86_400, secs % 86_400);
    let (y, mo, d) = civil_from_days(days as i64);
    format!(
        "{y:04}-{mo:02}-{d:02}T{:02}:{:02}:{:02}.{:06}Z",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60,
        t.subsec_micros()
    )
}

/// Howard Hinnant's days-to-civil algorithm.
fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (if m <= 2 { y + 1 } else { y }, m, d)
}

/// Renders the calls as a table, one line each: time, connection, API and
/// version, correlation id, sizes, latency and a summary (topics, record
/// counts, error codes).
pub fn table(conv: &Conversation) -> String {
    let mut out = String::new();
    out.push_str(&format!(
        "{:<15} {:>4} {:<28} {:>5} {:>7} {:>7} {:>9}  {}\n",
        "TIME", "CONN", "API", "CORR", "REQ B", "RESP B", "LATENCY", "SUMMARY"
    ));
    for call in &conv.calls {
        let req = &conv.frames[call.request];
        let resp = call.response.map(|i| &conv.frames[i]);
        let time = req.time.map_or("-".into(), |t| {
            rfc3339(t).get(11..26).unwrap_or_default().to_string()
        });
        let api = match req.api {
            Some((k, v)) => format!("{} v{v}", k.name()),
            None => "?".into(),
        };
        let corr = req.correlation_id.map_or("-".into(), |c| c.to_string());
        let resp_len = resp.map_or("-".into(), |r| r.wire_len.to_string());
        let latency = match (req.time, resp.and_then(|r| r.time)) {
            (Some(a), Some(b)) if b >= a => format_latency(b - a),
            _ => "-".into(),
        };
        out.push_str(&format!(
            "{:<15} {:>4} {:<28} {:>5} {:>7} {:>7} {:>9}  {}\n",
            time,
            req.connection,
            api,
            corr,
            req.wire_len,
            resp_len,
            latency,
            summary(req, resp)
        ));
    }
    out
}

fn format_latency(d: Duration) -> String {
    let us = d.as_micros();
    if us < 1000 {
        format!("{us} µs")
    } else {
        format!("{:.1} ms", us as f64 / 1000.0)
    }
}

/// A one-line summary of a call: the topics or group it names, the records
/// it carries, and the response's error codes (or `ok`).
pub fn summary(req: &FrameEntry, resp: Option<&FrameEntry>) -> String {
    let mut parts = Vec::new();
    if !req.decoded {
        parts.push(format!("request: {}", error_message(&req.json)));
    } else if let Some(body) = req.json.get("body") {
        let mut names = Vec::new();
        collect_names(body, 0, &mut names);
        if !names.is_empty() {
            let more = names.len().saturating_sub(3);
            let mut s = names.iter().take(3).cloned().collect::<Vec<_>>().join(",");
            if more > 0 {
                s.push_str(&format!(",+{more}"));
            }
            parts.push(s);
        }
        let n = count_records(body);
        if n > 0 {
            parts.push(format!("{n} records"));
        }
    }
    match resp {
        None => parts.push("no response".into()),
        Some(r) if !r.decoded => parts.push(format!("response: {}", error_message(&r.json))),
        Some(r) => {
            let body = r.json.get("body").unwrap_or(&Value::Null);
            let n = count_records(body);
            if n > 0 {
                parts.push(format!("{n} records"));
            }
            let mut errors: Vec<(i16, usize)> = Vec::new();
            collect_errors(body, &mut errors);
            if errors.is_empty() {
                parts.push("ok".into());
            } else {
                let e: Vec<String> = errors
                    .iter()
                    .map(|(c, n)| {
                        let name = kio_core::ErrorCode::from_code(*c).name();
                        if *n > 1 {
                            format!("{name}×{n}")
                        } else {
                            name.to_string()
                        }
                    })
                    .collect();
                parts.push(e.join(","));
            }
        }
    }
    for (who, f) in [("request", Some(req)), ("response", resp)] {
        if let Some(t) = f
            .and_then(|f| f.json.get(crate::TRAILING))
            .and_then(Value::as_str)
        {
            let n = STANDARD.decode(t).map_or(0, |b| b.len());
            parts.push(format!("{who} has {n} trailing bytes"));
        }
    }
    for (who, f) in [("request", Some(req)), ("response", resp)] {
        if let Some(Value::Array(places)) = f.and_then(|f| f.json.get(NON_CANONICAL)) {
            let first: Vec<String> = places
                .iter()
                .take(2)
                .filter_map(|p| {
                    Some(format!(
                        "{} at {}",
                        p.get("what")?.as_str()?,
                        p.get("offset")?
                    ))
                })
                .collect();
            let rewritten = if f.is_some_and(|f| f.canonicalized) {
                ", re-encodes canonical"
            } else {
                ""
            };
            parts.push(format!(
                "{who} NON-CANONICAL ({} places{rewritten}): {}",
                places.len(),
                first.join("; ")
            ));
        }
    }
    let mismatch = |f: &FrameEntry| f.identical == Some(false) && !f.canonicalized;
    if mismatch(req) || resp.is_some_and(mismatch) {
        parts.push("RE-ENCODE MISMATCH".into());
    }
    parts.join("; ")
}

fn error_message(doc: &Value) -> String {
    doc.pointer("/error/message")
        .and_then(Value::as_str)
        .unwrap_or("error")
        .to_string()
}

fn collect_names(v: &Value, depth: usize, out: &mut Vec<String>) {
    match v {
        Value::Object(m) => {
            for (k, x) in m {
                if crate::is_view_key(k) {
                    continue;
                }
                let named = matches!(k.as_str(), "name" | "topic" | "groupId" | "key")
                    && (depth > 0 || k == "groupId" || k == "key");
                match x {
                    Value::String(s) if named && !s.is_empty() => {
                        if !out.contains(s) {
                            out.push(s.clone());
                        }
                    }
                    _ => collect_names(x, depth + 1, out),
                }
            }
        }
        Value::Array(a) => a.iter().for_each(|x| collect_names(x, depth + 1, out)),
        _ => {}
    }
}

fn count_records(v: &Value) -> usize {
    match v {
        Value::Object(m) => m
            .iter()
            .map(|(k, x)| {
                if k.starts_with('_') && k != "_unknownTaggedFields" {
                    x.as_array().map_or(0, |batches| {
                        batches
                            .iter()
                            .map(|b| {
                                b.get("records")
                                    .and_then(Value::as_array)
                                    .map_or(0, Vec::len)
                            })
                            .sum()
                    })
                } else {
                    count_records(x)
                }
            })
            .sum(),
        Value::Array(a) => a.iter().map(count_records).sum(),
        _ => 0,
    }
}

fn collect_errors(v: &Value, out: &mut Vec<(i16, usize)>) {
    match v {
        Value::Object(m) => {
            for (k, x) in m {
                if k == "errorCode" {
                    if let Some(c) = x.as_i64().and_then(|c| i16::try_from(c).ok()) {
                        if c != 0 {
                            match out.iter_mut().find(|e| e.0 == c) {
                                Some(e) => e.1 += 1,
                                None => out.push((c, 1)),
                            }
                        }
                    }
                } else if !crate::is_view_key(k) {
                    collect_errors(x, out);
                }
            }
        }
        Value::Array(a) => a.iter().for_each(|x| collect_errors(x, out)),
        _ => {}
    }
}
