//! The logic behind the bindings, in plain Rust (tested on the host): every
//! function takes and gives `serde_json` values in the `kio` CLI's JSON
//! shape ([`kio_json`]), decoded by the schema-driven codec
//! ([`kio_json::dynamic`]), plus the byte-span trees the page highlights.

use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;
use kio_core::dynamic::{DynError, Node, Span, StructValue, Value as Dv};
use kio_core::records::{BatchItem, Compression, RecordBatches};
use kio_core::{ApiKey, FieldSchema, FieldType, MessageKind, MessageSchema, VersionRange};
use kio_json::dynamic::{self as dj, DecodedFrame};
use kio_json::inspect::{self, DynamicCodec, InspectOptions};
use kio_json::{DecodeOptions, Kind};
use serde_json::{json, Map, Value};

use crate::meaning;

/// The page's view budget per frame (`setMaxDecompressed`); `usize::MAX`
/// stands for the default (64 × the frame, 1 MiB to 256 MiB).
static MAX_DECOMPRESSED: std::sync::atomic::AtomicUsize =
    std::sync::atomic::AtomicUsize::new(usize::MAX);

/// Sets the memory budget of each frame's derived views (decompressed
/// batches, readable keys and values; docs/JSON.md), or `None` for the
/// default. A batch over budget shows `_truncated` instead of its records.
pub fn set_max_decompressed(bytes: Option<usize>) {
    let v = match bytes {
        None => usize::MAX,
        Some(n) => n.min(usize::MAX - 1),
    };
    MAX_DECOMPRESSED.store(v, std::sync::atomic::Ordering::Relaxed);
}

/// The decode options every function here uses.
pub fn decode_options() -> DecodeOptions {
    match MAX_DECOMPRESSED.load(std::sync::atomic::Ordering::Relaxed) {
        usize::MAX => DecodeOptions::default(),
        n => DecodeOptions::max_decompressed(n),
    }
}

/// A failure, as thrown to JavaScript: a message, the byte offset (when
/// decoding) and the field path.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Error {
    /// What went wrong.
    pub message: String,
    /// Byte offset in the input as given (size prefix included).
    pub offset: Option<usize>,
    /// The field being read or written, e.g. `MetadataRequest.Topics[0].Name`.
    pub path: String,
}

impl std::fmt::Display for Error {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

/// A result of this module.
pub type Result<T> = std::result::Result<T, Error>;

fn err(message: impl Into<String>) -> Error {
    Error {
        message: message.into(),
        offset: None,
        path: String::new(),
    }
}

fn dyn_err(e: DynError, shift: usize) -> Error {
    let offset = e.offset.map(|o| o + shift);
    let message = match offset {
        Some(o) if e.path.is_empty() => format!("at byte {o}: {}", e.message),
        Some(o) => format!("at byte {o} in {}: {}", e.path, e.message),
        None if e.path.is_empty() => e.message,
        None => format!("{}: {}", e.path, e.message),
    };
    Error {
        message,
        offset,
        path: e.path,
    }
}

/// `"request"` or `"response"`.
pub fn parse_kind(kind: &str) -> Result<Kind> {
    Kind::parse(kind).ok_or_else(|| {
        err(format!(
            "kind must be \"request\" or \"response\", not {kind:?}"
        ))
    })
}

/// The API with this key.
pub fn api(key: i16) -> Result<ApiKey> {
    ApiKey::from_i16(key).ok_or_else(|| err(format!("unknown API key {key}")))
}

fn schema_of(kind: Kind, api: ApiKey) -> &'static MessageSchema {
    match kind {
        Kind::Request => api.request_schema(),
        Kind::Response => api.response_schema(),
    }
}

/// Splits a leading 4-byte size prefix off a frame: `(frame without prefix,
/// prefix length)`. The prefix is taken when it matches the frame's length,
/// or (for requests, `request == true`) when the bytes after it start a
/// valid request header while the bytes as given do not (a cut-off frame).
pub fn split_prefix(bytes: &[u8], request: bool) -> (&[u8], usize) {
    let Some(p) = bytes.get(..4) else {
        return (bytes, 0);
    };
    let size = u32::from_be_bytes([p[0], p[1], p[2], p[3]]) as usize;
    if size == bytes.len() - 4 {
        return (&bytes[4..], 4);
    }
    let valid_header = |b: &[u8]| match b.get(..4) {
        Some(h) => ApiKey::from_i16(i16::from_be_bytes([h[0], h[1]])).is_some_and(|k| {
            k.valid_versions()
                .contains(i16::from_be_bytes([h[2], h[3]]))
        }),
        None => false,
    };
    if request && !valid_header(bytes) && valid_header(&bytes[4..]) {
        return (&bytes[4..], 4);
    }
    (bytes, 0)
}

/// Text as bytes: hex (spaces, newlines, `:` and a `0x` prefix allowed) or base64.
pub fn parse_bytes(text: &str) -> Result<Vec<u8>> {
    let t = text.trim();
    let t = t.strip_prefix("0x").unwrap_or(t);
    let hex: String = t
        .chars()
        .filter(|c| !c.is_whitespace() && *c != ':' && *c != ',')
        .collect();
    if !hex.is_empty() && hex.len().is_multiple_of(2) && hex.chars().all(|c| c.is_ascii_hexdigit())
    {
        let mut out = Vec::with_capacity(hex.len() / 2);
        for i in (0..hex.len()).step_by(2) {
            out.push(u8::from_str_radix(&hex[i..i + 2], 16).map_err(|e| err(e.to_string()))?);
        }
        return Ok(out);
    }
    let b64: String = t.chars().filter(|c| !c.is_whitespace()).collect();
    STANDARD
        .decode(b64.as_bytes())
        .or_else(|_| base64::engine::general_purpose::URL_SAFE.decode(b64.as_bytes()))
        .map_err(|_| err("not hex or base64"))
}

// ------------------------------------------------------------ decode

/// A bare body → the CLI's JSON (`{kind, apiKey, apiName, apiVersion, body}`).
pub fn decode(api_key: i16, version: i16, kind: &str, bytes: &[u8]) -> Result<Value> {
    dj::decode_body_with(
        parse_kind(kind)?,
        api(api_key)?,
        version,
        bytes,
        &decode_options(),
    )
    .map_err(|e| dyn_err(e, 0))
}

fn decode_frame_nodes(bytes: &[u8], ctx: Option<(i16, i16)>) -> Result<(DecodedFrame, usize)> {
    let (frame, shift) = split_prefix(bytes, ctx.is_none());
    let d = match ctx {
        None => dj::decode_request_nodes(frame),
        Some((k, v)) => dj::decode_response_nodes(frame, api(k)?, v),
    }
    .map_err(|e| dyn_err(e, shift))?;
    Ok((d, shift))
}

/// A whole frame (size prefix optional) → the CLI's JSON. Requests describe
/// themselves; a response needs its request's `(apiKey, apiVersion)`.
pub fn decode_frame(bytes: &[u8], ctx: Option<(i16, i16)>) -> Result<Value> {
    let (frame, _) = split_prefix(bytes, ctx.is_none());
    let (d, _) = decode_frame_nodes(bytes, ctx)?;
    Ok(frame_doc(&d, frame))
}

/// The CLI's JSON of a decoded frame (`frame`: its bytes after the prefix).
fn frame_doc(d: &DecodedFrame, frame: &[u8]) -> Value {
    let doc = dj::frame_json_with(d, &mut decode_options().budget(frame.len()));
    let response_to = if d.kind == Kind::Response {
        Some((d.api, d.version))
    } else {
        None
    };
    kio_json::canonical::mark(doc, frame, response_to)
}

// ------------------------------------------------------------ span trees

fn span_fields(n: &mut Map<String, Value>, span: Span, shift: usize) {
    n.insert("start".into(), (span.start + shift).into());
    n.insert("end".into(), (span.end + shift).into());
}

/// A scalar node's `note` (error name, date, meaning; [`meaning::note`]).
fn add_note(m: &mut Map<String, Value>, f: &'static FieldSchema, v: &Dv) {
    if let Dv::Int(n) = v {
        if let Some(note) = meaning::note(f, *n) {
            m.insert("note".into(), note);
        }
    }
}

fn scalar_text(v: &Dv) -> Value {
    match v {
        Dv::Str(_)
        | Dv::Bytes(_)
        | Dv::Uuid(_)
        | Dv::Int(_)
        | Dv::Float(_)
        | Dv::Bool(_)
        | Dv::Null => dj::value_json(v),
        Dv::Records(b) => format!("{} bytes", b.len()).into(),
        Dv::Array(a) => format!("{} items", a.len()).into(),
        Dv::Struct(_) => Value::Null,
    }
}

fn struct_tree(s: &StructValue, shift: usize, path: &str) -> Vec<Value> {
    let mut out = Vec::new();
    for f in &s.fields {
        let Some(span) = f.node.span else { continue };
        let p = format!("{path}.{}", f.schema.json_name);
        out.push(field_tree(
            f.schema.json_name,
            f.schema,
            &f.node,
            span,
            shift,
            &p,
        ));
    }
    for t in &s.unknown_tags {
        let Some(span) = t.span else { continue };
        let mut m = Map::new();
        m.insert("name".into(), format!("tag {}", t.tag).into());
        m.insert("type".into(), "unknown tagged field".into());
        m.insert("path".into(), format!("{path}._unknownTaggedFields").into());
        span_fields(&mut m, span, shift);
        m.insert("value".into(), STANDARD.encode(&t.data).into());
        out.push(Value::Object(m));
    }
    out
}

fn field_tree(
    name: &str,
    f: &'static FieldSchema,
    node: &Node,
    span: Span,
    shift: usize,
    path: &str,
) -> Value {
    let mut m = Map::new();
    m.insert("name".into(), name.into());
    m.insert("type".into(), f.type_name.into());
    m.insert("path".into(), path.into());
    span_fields(&mut m, span, shift);
    if f.tag.is_some() {
        m.insert("tag".into(), f.tag.into());
    }
    match &node.value {
        Dv::Struct(s) => {
            m.insert("children".into(), struct_tree(s, shift, path).into());
        }
        Dv::Array(items) => {
            m.insert("value".into(), format!("{} items", items.len()).into());
            let elem_type = f.type_name.trim_start_matches("[]");
            let kids: Vec<Value> = items
                .iter()
                .enumerate()
                .filter_map(|(i, it)| {
                    let span = it.span?;
                    let p = format!("{path}[{i}]");
                    let mut e = Map::new();
                    e.insert("name".into(), format!("[{i}]").into());
                    e.insert("type".into(), elem_type.into());
                    e.insert("path".into(), p.clone().into());
                    span_fields(&mut e, span, shift);
                    match &it.value {
                        Dv::Struct(s) => {
                            e.insert("children".into(), struct_tree(s, shift, &p).into());
                        }
                        v => {
                            e.insert("value".into(), scalar_text(v));
                            add_note(&mut e, f, v);
                        }
                    }
                    Some(Value::Object(e))
                })
                .collect();
            m.insert("children".into(), kids.into());
        }
        Dv::Records(b) => {
            m.insert("value".into(), format!("{} bytes", b.len()).into());
            // The records' bytes are the last `len` bytes of the field.
            let base = span.end - b.len() + shift;
            m.insert("children".into(), records_tree(b, base, path).into());
        }
        v => {
            m.insert("value".into(), scalar_text(v));
            add_note(&mut m, f, v);
        }
    }
    Value::Object(m)
}

fn records_tree(bytes: &[u8], base: usize, path: &str) -> Vec<Value> {
    let mut budget = decode_options().budget(bytes.len());
    let views = match kio_json::records::view_with(bytes, &mut budget) {
        Value::Array(a) => a,
        _ => Vec::new(),
    };
    let mut out = Vec::new();
    let mut views = views.into_iter();
    for (i, item) in RecordBatches::new(bytes).enumerate() {
        let view = views.next().unwrap_or(Value::Null);
        let (start, len, label) = match &item {
            Ok(BatchItem::Batch(b)) => (
                b.position(),
                b.as_bytes().len(),
                format!(
                    "batch: {} records, offsets {}..={}, {}",
                    b.record_count(),
                    b.base_offset(),
                    b.last_offset(),
                    match b.compression() {
                        Compression::None => "uncompressed",
                        Compression::Gzip => "gzip",
                        Compression::Snappy => "snappy",
                        Compression::Lz4 => "lz4",
                        Compression::Zstd => "zstd",
                    }
                ),
            ),
            Ok(BatchItem::Legacy(m)) => (0, 0, format!("legacy message at offset {}", m.offset)),
            Ok(BatchItem::Truncated(t)) => (t.offset, t.available, "truncated batch".to_string()),
            Err(e) => (0, 0, format!("error: {e}")),
        };
        let mut m = Map::new();
        m.insert("name".into(), format!("batch {i}").into());
        m.insert("type".into(), "RecordBatch".into());
        m.insert("path".into(), format!("{path}._records[{i}]").into());
        if len > 0 {
            m.insert("start".into(), (base + start).into());
            m.insert("end".into(), (base + start + len).into());
        }
        m.insert("value".into(), label.into());
        // Uncompressed records are views into these bytes: each gets its span.
        let mut record_spans = Vec::new();
        if let Ok(BatchItem::Batch(b)) = &item {
            if let Ok(mut recs) = b.records() {
                loop {
                    let at = recs.position();
                    if recs.next().is_none() {
                        break;
                    }
                    record_spans.push((base + at, base + recs.position()));
                }
            }
        }
        let mut kids = Vec::new();
        if let Value::Object(v) = &view {
            for (k, val) in v {
                if k == "records" {
                    if let Value::Array(rs) = val {
                        for (j, r) in rs.iter().enumerate() {
                            kids.push(record_tree(
                                j,
                                r,
                                &format!("{path}._records[{i}].records[{j}]"),
                                record_spans.get(j).copied(),
                            ));
                        }
                    }
                } else {
                    kids.push(view_tree(
                        k,
                        "batch header",
                        val,
                        &format!("{path}._records[{i}].{k}"),
                        0,
                    ));
                }
            }
        }
        m.insert("children".into(), kids.into());
        out.push(Value::Object(m));
    }
    out
}

fn record_tree(j: usize, r: &Value, path: &str, span: Option<(usize, usize)>) -> Value {
    let short = |v: Option<&Value>| match v {
        Some(Value::String(s)) => format!("{s:?}"),
        Some(Value::Null) | None => "null".into(),
        Some(other) => other.to_string(),
    };
    let label = format!(
        "offset {} key={} value={}",
        r.get("offset").cloned().unwrap_or(Value::Null),
        short(r.get("key")),
        short(r.get("value"))
    );
    let mut kids = Vec::new();
    if let Value::Object(m) = r {
        for (k, v) in m {
            kids.push(view_tree(k, "record", v, &format!("{path}.{k}"), 0));
        }
    }
    let mut node = json!({"name": format!("record {j}"), "type": "Record", "path": path, "value": label, "children": kids});
    if let (Some((start, end)), Value::Object(m)) = (span, &mut node) {
        m.insert("start".into(), start.into());
        m.insert("end".into(), end.into());
    }
    node
}

/// The depth below which a derived view is shown as JSON text, not nodes.
const VIEW_DEPTH: usize = 32;

/// A node for a value of a derived view (a record's fields, a nested
/// payload decoded by kio-json): objects and arrays become children, so any
/// view shape shows as a tree; error codes and timestamps get a `note`.
fn view_tree(name: &str, ty: &str, v: &Value, path: &str, depth: usize) -> Value {
    let mut m = Map::new();
    m.insert("name".into(), name.into());
    m.insert("type".into(), ty.into());
    m.insert("path".into(), path.into());
    match v {
        Value::Object(o) if depth < VIEW_DEPTH => {
            let kids: Vec<Value> = o
                .iter()
                .map(|(k, x)| view_tree(k, "view", x, &format!("{path}.{k}"), depth + 1))
                .collect();
            m.insert("value".into(), format!("{} fields", o.len()).into());
            m.insert("children".into(), kids.into());
        }
        Value::Array(a) if depth < VIEW_DEPTH => {
            let kids: Vec<Value> = a
                .iter()
                .enumerate()
                .map(|(i, x)| {
                    view_tree(
                        &format!("[{i}]"),
                        "view",
                        x,
                        &format!("{path}[{i}]"),
                        depth + 1,
                    )
                })
                .collect();
            m.insert("value".into(), format!("{} items", a.len()).into());
            m.insert("children".into(), kids.into());
        }
        Value::Object(_) | Value::Array(_) => {
            m.insert("value".into(), v.to_string().into());
        }
        _ => {
            m.insert("value".into(), v.clone());
            if let Some(note) = meaning::view_note(name, v) {
                m.insert("note".into(), note);
            }
        }
    }
    Value::Object(m)
}

/// Hangs the derived views of `doc` (keys beginning with `_`, docs/JSON.md)
/// on the span tree `node` that shows the same struct: a view `_x` becomes a
/// child of field `x`'s node (or of the struct's node when there is no `x`).
/// Record batches (`_records`) are already in the tree, with their spans.
fn attach_views(node: &mut Value, doc: &Value, path: &str, depth: usize) {
    let (Value::Object(obj), Some(Value::Array(kids))) = (doc, node.get_mut("children")) else {
        return;
    };
    if depth > VIEW_DEPTH {
        return;
    }
    for kid in kids.iter_mut() {
        let Some(name) = kid.get("name").and_then(Value::as_str).map(str::to_owned) else {
            continue;
        };
        let Some(sub) = obj.get(&name) else { continue };
        let p = if path.is_empty() {
            name.clone()
        } else {
            format!("{path}.{name}")
        };
        match sub {
            Value::Object(_) => attach_views(kid, sub, &p, depth + 1),
            Value::Array(items) => {
                if let Some(Value::Array(elems)) = kid.get_mut("children") {
                    for (i, (e, x)) in elems.iter_mut().zip(items).enumerate() {
                        attach_views(e, x, &format!("{p}[{i}]"), depth + 1);
                    }
                }
            }
            _ => {}
        }
    }
    let mut extra = Vec::new();
    for (k, v) in obj {
        let Some(base) = k.strip_prefix('_') else {
            continue;
        };
        if k == "_unknownTaggedFields" {
            continue;
        }
        let p = if path.is_empty() {
            k.clone()
        } else {
            format!("{path}.{k}")
        };
        let view = view_tree(k, "view", v, &p, 0);
        match kids
            .iter_mut()
            .find(|c| c.get("name").and_then(Value::as_str) == Some(base))
        {
            // Record batches are in the tree already, with their spans; the
            // views added to their records in the JSON (internal topics,
            // registry framing) replace the records' plain fields.
            Some(c) if c.get("type").and_then(Value::as_str) == Some("records") => {
                merge_record_views(c, v);
            }
            Some(Value::Object(c)) => match c.get_mut("children") {
                Some(Value::Array(cc)) => cc.push(view),
                _ => {
                    c.insert("children".into(), vec![view].into());
                }
            },
            _ => extra.push(view),
        }
    }
    kids.extend(extra);
}

/// Gives each record node of a `records` field's tree the fields of the
/// same record in the JSON's `_records` view (batch by batch, record by
/// record), so views kio-json adds to records show with their spans.
fn merge_record_views(records: &mut Value, view: &Value) {
    let (Some(Value::Array(batches)), Value::Array(vbatches)) = (records.get_mut("children"), view)
    else {
        return;
    };
    for (b, vb) in batches.iter_mut().zip(vbatches) {
        let Some(Value::Array(vrecs)) = vb.get("records") else {
            continue;
        };
        let Some(Value::Array(kids)) = b.get_mut("children") else {
            continue;
        };
        let recs = kids
            .iter_mut()
            .filter(|k| k.get("type").and_then(Value::as_str) == Some("Record"));
        for (r, vr) in recs.zip(vrecs) {
            let (Value::Object(rm), Value::Object(vm)) = (r, vr) else {
                continue;
            };
            let path = rm
                .get("path")
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_string();
            let fields: Vec<Value> = vm
                .iter()
                .map(|(k, x)| view_tree(k, "record", x, &format!("{path}.{k}"), 0))
                .collect();
            rm.insert("children".into(), fields.into());
        }
    }
}

fn message_tree(name: &str, schema: &'static MessageSchema, node: &Node, shift: usize) -> Value {
    let mut m = Map::new();
    m.insert("name".into(), name.into());
    m.insert("type".into(), schema.name.into());
    m.insert("path".into(), name.into());
    if let Some(span) = node.span {
        span_fields(&mut m, span, shift);
    }
    if let Dv::Struct(s) = &node.value {
        m.insert("children".into(), struct_tree(s, shift, name).into());
    }
    Value::Object(m)
}

fn trailing_node(start: usize, end: usize, rest: &[u8]) -> Value {
    json!({"name": kio_json::TRAILING, "type": "bytes after the message", "path": kio_json::TRAILING,
           "start": start, "end": end, "value": STANDARD.encode(rest)})
}

/// The byte-span tree of a bare body: `{name, type, path, start, end,
/// value?, children?}` per node, offsets into `bytes`.
pub fn tree(api_key: i16, version: i16, kind: &str, bytes: &[u8]) -> Result<Value> {
    let (kind, api) = (parse_kind(kind)?, api(api_key)?);
    let (node, rest) =
        dj::decode_body_node(kind, api, version, bytes).map_err(|e| dyn_err(e, 0))?;
    let mut t = message_tree("body", schema_of(kind, api), &node, 0);
    let doc = decode(api_key, version, kind.as_str(), bytes)?;
    if let Some(body) = doc.get("body") {
        attach_views(&mut t, body, "body", 0);
    }
    if !rest.is_empty() {
        let kids = vec![
            t,
            trailing_node(bytes.len() - rest.len(), bytes.len(), &rest),
        ];
        t = json!({"name": "body", "type": "bytes", "path": "", "start": 0, "end": bytes.len(), "children": kids});
    }
    Ok(t)
}

/// The byte-span tree of a whole frame: `size` (when present), `header`, `body`.
pub fn frame_tree(bytes: &[u8], ctx: Option<(i16, i16)>) -> Result<Value> {
    let (d, shift) = decode_frame_nodes(bytes, ctx)?;
    let hschema = match d.kind {
        Kind::Request => &kio_core::messages::request_header::SCHEMA,
        Kind::Response => &kio_core::messages::response_header::SCHEMA,
    };
    let mut kids = Vec::new();
    if shift == 4 {
        kids.push(
            json!({"name": "size", "type": "int32", "path": "size", "start": 0, "end": 4,
            "value": bytes.len() - 4}),
        );
    }
    kids.push(message_tree("header", hschema, &d.header, shift));
    kids.push(message_tree(
        "body",
        schema_of(d.kind, d.api),
        &d.body,
        shift,
    ));
    let mut root = json!({
        "name": format!("{} {} v{}", d.api.name(), d.kind.as_str(), d.version),
        "type": "frame", "path": "", "start": 0, "end": bytes.len(),
        "children": kids,
    });
    attach_views(&mut root, &frame_doc(&d, &bytes[shift..]), "", 0);
    Ok(root)
}

// ------------------------------------------------------------ encode

/// A body's JSON → bytes (`encode(decode(x))` gives `x` back).
pub fn encode(api_key: i16, version: i16, kind: &str, body: &Value) -> Result<Vec<u8>> {
    let kind = parse_kind(kind)?;
    // A whole decoded document is accepted too: take its body.
    let body = match body.get("body") {
        Some(b) if body.get("apiKey").is_some() => b,
        _ => body,
    };
    let doc = json!({"kind": kind.as_str(), "apiKey": api(api_key)?.key(), "apiVersion": version, "body": body});
    dj::encode(&doc).map_err(|e| dyn_err(e, 0))
}

/// A document in the CLI's shape → bytes: a whole frame (with its size
/// prefix) when it has a `header`, else the bare body.
pub fn encode_document(doc: &Value) -> Result<Vec<u8>> {
    dj::encode(doc).map_err(|e| dyn_err(e, 0))
}

// ------------------------------------------------------------ schemas

fn range(r: VersionRange) -> Value {
    if r.is_empty() {
        Value::Null
    } else {
        json!({"min": r.min, "max": if r.is_open() { Value::Null } else { r.max.into() }, "text": r.to_string()})
    }
}

fn type_json(t: &FieldType) -> Value {
    match t {
        FieldType::Array(e) => json!({"array": type_json(e)}),
        FieldType::Struct(s) => json!({"struct": s}),
        other => format!("{other:?}").to_lowercase().into(),
    }
}

fn field_schema(f: &'static FieldSchema) -> Value {
    let mut m = Map::new();
    m.insert("name".into(), f.name.into());
    m.insert("jsonName".into(), f.json_name.into());
    m.insert("type".into(), f.type_name.into());
    m.insert("kind".into(), type_json(&f.ty));
    m.insert("versions".into(), range(f.versions));
    m.insert("nullableVersions".into(), range(f.nullable_versions));
    m.insert("tag".into(), f.tag.into());
    m.insert("taggedVersions".into(), range(f.tagged_versions));
    m.insert(
        "flexibleVersions".into(),
        f.flexible_versions.map_or(Value::Null, range),
    );
    m.insert("default".into(), f.default.into());
    m.insert(
        "defaultValue".into(),
        dj::value_json(&kio_core::dynamic::default_value(f)),
    );
    m.insert("ignorable".into(), f.ignorable.into());
    m.insert("mapKey".into(), f.map_key.into());
    m.insert("entityType".into(), f.entity_type.into());
    m.insert("about".into(), f.about.into());
    let values = meaning::field_values(f);
    if !values.is_empty() {
        m.insert(
            "values".into(),
            values
                .into_iter()
                .map(|(v, t)| json!([v, t]))
                .collect::<Vec<_>>()
                .into(),
        );
    }
    let reading = if meaning::is_error_field(f) {
        Some("errorCode")
    } else if meaning::is_timestamp_field(f) {
        Some("timestamp")
    } else if meaning::is_duration_field(f) {
        Some("duration")
    } else {
        None
    };
    if let Some(t) = reading {
        m.insert("meaning".into(), t.into());
    }
    if !f.fields.is_empty() {
        m.insert(
            "fields".into(),
            f.fields.iter().map(field_schema).collect::<Vec<_>>().into(),
        );
    }
    Value::Object(m)
}

/// Every API: key, name, versions, and its request and response names.
pub fn apis() -> Value {
    ApiKey::ALL
        .iter()
        .map(|a| {
            let q = a.request_schema();
            let r = a.response_schema();
            json!({
                "apiKey": a.key(),
                "name": a.name(),
                "minVersion": q.valid.min,
                "maxVersion": q.valid.max,
                "flexibleVersions": range(q.flexible),
                "deprecatedVersions": range(q.deprecated),
                "latestVersionUnstable": q.latest_version_unstable,
                "latestStableVersion": q.latest_stable(),
                "versionsByRelease": q.provenance_ranges().map(|(r, p)| json!({
                    "versions": range(r),
                    "provenance": p.to_string(),
                })).collect::<Vec<_>>(),
                "listeners": q.listeners,
                "request": q.name,
                "response": r.name,
            })
        })
        .collect::<Vec<_>>()
        .into()
}

/// A message's schema: name, versions and every field (nested).
pub fn message_schema(api_key: i16, kind: &str) -> Result<Value> {
    let s = schema_of(parse_kind(kind)?, api(api_key)?);
    Ok(schema_json(s))
}

fn schema_json(s: &'static MessageSchema) -> Value {
    json!({
        "name": s.name,
        "kind": match s.kind {
            MessageKind::Request => "request",
            MessageKind::Response => "response",
            MessageKind::Header => "header",
            MessageKind::Data => "data",
        },
        "apiKey": s.api_key,
        "validVersions": range(s.valid),
        "flexibleVersions": range(s.flexible),
        "deprecatedVersions": range(s.deprecated),
        "fields": s.fields.iter().map(field_schema).collect::<Vec<_>>(),
    })
}

/// The schema of any message by name (`RequestHeader`, `ConsumerProtocolAssignment`, ...).
pub fn schema_by_name(name: &str) -> Result<Value> {
    kio_core::find_schema(name)
        .map(schema_json)
        .ok_or_else(|| err(format!("no message named {name:?}")))
}

/// A body with every field at its default, in the JSON shape.
pub fn default_body(api_key: i16, kind: &str) -> Result<Value> {
    let s = schema_of(parse_kind(kind)?, api(api_key)?);
    Ok(dj::struct_json(&kio_core::dynamic::default_struct(
        s.fields,
    )))
}

/// A request frame from a header's fields and a body: the bytes a client sends.
pub fn build_request(
    api_key: i16,
    version: i16,
    correlation_id: i32,
    client_id: Option<&str>,
    body: &Value,
) -> Result<Vec<u8>> {
    let a = api(api_key)?;
    let doc = json!({
        "kind": "request", "apiKey": a.key(), "apiVersion": version,
        "header": {"requestApiKey": a.key(), "requestApiVersion": version,
                   "correlationId": correlation_id, "clientId": client_id},
        "body": body,
    });
    encode_document(&doc)
}

// ------------------------------------------------------------ captures

pub use kio_json::inspect::rfc3339;

/// A capture (pcap or pcapng) → its Kafka conversation:
/// `{frames, calls, issues, stats}`. Each frame carries `json` (the same
/// object `kio inspect` prints for it), `kind`, `connection`, `apiKey`,
/// `apiName`, `apiVersion`, `correlationId`, `decoded`, `wireLen`, `time`
/// (seconds) and `frame` (its bytes, size prefix included, base64); for a
/// response `request` is the index of its request. For the filters, each
/// frame also has `topics` (names), `errors` (non-zero error codes with
/// name, message, retriable flag and JSON pointer; [`crate::facts`]),
/// `errorCount` and, for a request, `clientId`. `calls` pairs them:
/// `{request, response}` indices into `frames`.
pub fn inspect_capture(bytes: &[u8], ports: &[u16]) -> Result<Value> {
    let opts = InspectOptions {
        ports: ports.to_vec(),
        check: false,
        decode: decode_options(),
    };
    let conv = inspect::inspect_with(bytes, &opts, &DynamicCodec).map_err(err)?;
    let s = conv.stats;
    let frames: Vec<Value> = conv
        .frames
        .into_iter()
        .map(|f| {
            let mut obj = Map::new();
            let facts = crate::facts::of(&f.json);
            obj.insert("topics".into(), facts.topics.into());
            obj.insert("errors".into(), facts.errors.into());
            obj.insert("errorCount".into(), facts.error_count.into());
            if let Some(c) = f.json.pointer("/header/clientId") {
                obj.insert("clientId".into(), c.clone());
            }
            obj.insert("json".into(), f.json);
            obj.insert("kind".into(), f.kind.as_str().into());
            obj.insert("connection".into(), f.connection.into());
            obj.insert("client".into(), f.client.to_string().into());
            obj.insert("server".into(), f.server.to_string().into());
            if let Some((k, v)) = f.api {
                obj.insert("apiKey".into(), k.key().into());
                obj.insert("apiName".into(), k.name().into());
                obj.insert("apiVersion".into(), v.into());
            }
            obj.insert("correlationId".into(), f.correlation_id.into());
            obj.insert("decoded".into(), f.decoded.into());
            obj.insert("wireLen".into(), f.wire_len.into());
            obj.insert("time".into(), f.time.map(|t| t.as_secs_f64()).into());
            obj.insert("frame".into(), STANDARD.encode(&f.wire).into());
            if let Some(req) = f.request {
                obj.insert("request".into(), req.into());
            }
            Value::Object(obj)
        })
        .collect();
    Ok(json!({
        "frames": frames,
        "calls": conv.calls.iter().map(|c| json!({"request": c.request, "response": c.response})).collect::<Vec<_>>(),
        "issues": conv.issues,
        "stats": {
            "packets": s.packets,
            "connections": s.connections,
            "requests": s.requests,
            "responses": s.responses,
            "paired": s.paired,
            "unpairedResponses": s.unpaired_responses,
            "unansweredRequests": s.unanswered_requests,
            "decodeErrors": s.decode_errors,
        },
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    // A nested payload's view (`_metadata` next to `metadata`, as kio-json
    // writes derived views) hangs under the field's node, any shape.
    #[test]
    fn derived_views_hang_under_their_field() {
        let mut tree = json!({"name": "body", "type": "JoinGroupRequest", "path": "body", "children": [
            {"name": "protocols", "type": "[]Protocol", "path": "body.protocols", "children": [
                {"name": "[0]", "type": "Protocol", "path": "body.protocols[0]", "children": [
                    {"name": "metadata", "type": "bytes", "path": "body.protocols[0].metadata", "value": "AAE="}]}]},
            {"name": "records", "type": "records", "path": "body.records", "children": []}]});
        let doc = json!({"protocols": [{"metadata": "AAE=", "_metadata": {"version": 1, "topics": ["orders"], "errorCode": 6}}],
                         "records": "", "_records": [], "_summary": {"commitTimestamp": 1796141364934_i64}});
        attach_views(&mut tree, &doc, "body", 0);
        let meta = &tree["children"][0]["children"][0]["children"][0];
        let view = &meta["children"][0];
        assert_eq!(view["name"], "_metadata");
        assert_eq!(view["path"], "body.protocols[0]._metadata");
        assert_eq!(view["children"][1]["name"], "topics");
        assert_eq!(view["children"][1]["children"][0]["value"], "orders");
        assert_eq!(
            view["children"][2]["note"]["name"],
            "NOT_LEADER_OR_FOLLOWER"
        );
        // Record batches are in the tree already; other views hang on the struct.
        assert_eq!(tree["children"][1]["children"], json!([]));
        let summary = &tree["children"][2];
        assert_eq!(summary["name"], "_summary");
        assert_eq!(
            summary["children"][0]["note"]["text"],
            "2026-12-01T16:09:24.934Z"
        );
    }
}
