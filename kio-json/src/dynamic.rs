//! The same JSON shape, driven by the static schema tables instead of the
//! generated types: [`kio_core::dynamic`] decodes and encodes, this module
//! converts to and from the JSON of the generated types' serde forms and
//! wraps it in the same envelope as [`crate::decode_frame`].
//!
//! Every function here gives the same JSON (and the same bytes) as its
//! generated-codec twin in the crate root; the browser build uses these
//! because one schema interpreter is far smaller than ~450 monomorphized
//! codecs, and because its [`Node`]s carry the byte span of every field.

use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use base64::Engine as _;
use kio_core::dynamic::{self, DynError, FieldValue, Node, RawTagValue, StructValue, Value as Dv};
use kio_core::messages::{request_header, response_header};
use kio_core::{ApiKey, FieldSchema, FieldType, MessageSchema};
use serde_json::{Map, Value};

use crate::{envelope, finish_frame, read_document, records, Document, Kind, TRAILING};

fn shape(message: impl Into<String>) -> DynError {
    DynError {
        offset: None,
        path: String::new(),
        message: message.into(),
    }
}

// ------------------------------------------------------------ to JSON

/// The JSON (serde form) of a decoded value of field `f`.
pub fn value_json(v: &Dv) -> Value {
    match v {
        Dv::Null => Value::Null,
        Dv::Bool(b) => Value::Bool(*b),
        Dv::Int(i) => Value::from(*i),
        Dv::Float(x) => match kio_core::float64::name_of(*x) {
            None => Value::from(*x),
            Some(name) => Value::String(name),
        },
        Dv::Uuid(u) => Value::String(URL_SAFE_NO_PAD.encode(u)),
        Dv::Str(b) => match std::str::from_utf8(b) {
            Ok(s) => Value::String(s.to_owned()),
            Err(_) => {
                let mut m = Map::new();
                m.insert("invalidUtf8".into(), STANDARD.encode(b).into());
                Value::Object(m)
            }
        },
        Dv::Bytes(b) | Dv::Records(b) => Value::String(STANDARD.encode(b)),
        Dv::Array(items) => Value::Array(items.iter().map(|n| value_json(&n.value)).collect()),
        Dv::Struct(s) => struct_json(s),
    }
}

/// The JSON of a struct: every field by its JSON name, in schema order, then
/// `_unknownTaggedFields` when there are any.
pub fn struct_json(s: &StructValue) -> Value {
    let mut m = Map::new();
    for f in &s.fields {
        m.insert(f.schema.json_name.into(), value_json(&f.node.value));
    }
    if !s.unknown_tags.is_empty() {
        // In tag order (stable), as they are written back (see `canonical`).
        let mut sorted: Vec<&RawTagValue> = s.unknown_tags.iter().collect();
        sorted.sort_by_key(|t| t.tag);
        let tags = sorted
            .into_iter()
            .map(|t| {
                let mut e = Map::new();
                e.insert("tag".into(), t.tag.into());
                e.insert("data".into(), STANDARD.encode(&t.data).into());
                Value::Object(e)
            })
            .collect();
        m.insert("_unknownTaggedFields".into(), Value::Array(tags));
    }
    Value::Object(m)
}

// ------------------------------------------------------------ from JSON

fn int_of(v: &Value, lo: i64, hi: i64) -> Result<i64, String> {
    let n = match v {
        Value::Number(n) => n
            .as_i64()
            .or_else(|| n.as_u64().map(|_| i64::MAX))
            .ok_or_else(|| format!("invalid type: floating point `{n}`, expected an integer"))?,
        other => return Err(format!("invalid type: {other}, expected an integer")),
    };
    if n < lo || n > hi {
        return Err(format!(
            "invalid value: integer `{v}`, expected an integer in {lo}..={hi}"
        ));
    }
    Ok(n)
}

fn b64(v: &Value) -> Result<Vec<u8>, String> {
    let s = v
        .as_str()
        .ok_or_else(|| format!("invalid type: {v}, expected base64 text"))?;
    STANDARD.decode(s.as_bytes()).map_err(|e| e.to_string())
}

fn uuid_of(v: &Value) -> Result<[u8; 16], String> {
    let s = v
        .as_str()
        .ok_or_else(|| format!("invalid type: {v}, expected a uuid"))?;
    let bytes = if s.len() == 36 {
        let hex: String = s.chars().filter(|c| *c != '-').collect();
        let mut out = Vec::with_capacity(16);
        for i in (0..hex.len()).step_by(2) {
            let pair = hex.get(i..i + 2).ok_or("bad uuid")?;
            out.push(u8::from_str_radix(pair, 16).map_err(|e| e.to_string())?);
        }
        out
    } else {
        URL_SAFE_NO_PAD
            .decode(s.as_bytes())
            .map_err(|e| e.to_string())?
    };
    bytes
        .try_into()
        .map_err(|_| "a uuid has 16 bytes".to_string())
}

fn scalar_of(ty: &FieldType, v: &Value) -> Result<Dv, String> {
    Ok(match ty {
        FieldType::Bool => Dv::Bool(
            v.as_bool()
                .ok_or_else(|| format!("invalid type: {v}, expected a boolean"))?,
        ),
        FieldType::Int8 => Dv::Int(int_of(v, i8::MIN.into(), i8::MAX.into())?),
        FieldType::Int16 => Dv::Int(int_of(v, i16::MIN.into(), i16::MAX.into())?),
        FieldType::Uint16 => Dv::Int(int_of(v, 0, u16::MAX.into())?),
        FieldType::Int32 => Dv::Int(int_of(v, i32::MIN.into(), i32::MAX.into())?),
        FieldType::Uint32 => Dv::Int(int_of(v, 0, u32::MAX.into())?),
        FieldType::Int64 => Dv::Int(int_of(v, i64::MIN, i64::MAX - 1).or_else(|e| {
            // i64::MAX itself is legal: `int_of` maps u64 overflow to i64::MAX.
            if v.as_i64() == Some(i64::MAX) {
                Ok(i64::MAX)
            } else {
                Err(e)
            }
        })?),
        FieldType::Float64 => Dv::Float(
            v.as_f64()
                .or_else(|| v.as_str().and_then(kio_core::float64::parse))
                .ok_or_else(|| {
                    format!("invalid type: {v}, expected a number, \"NaN\", \"Infinity\" or \"-Infinity\"")
                })?,
        ),
        FieldType::Uuid => Dv::Uuid(uuid_of(v)?),
        FieldType::String => match v {
            Value::String(s) => Dv::Str(s.as_bytes().to_vec()),
            Value::Object(m) if m.len() == 1 && m.contains_key("invalidUtf8") => {
                Dv::Str(b64(&m["invalidUtf8"])?)
            }
            _ => {
                return Err(format!(
                    "invalid type: {v}, expected a string or {{\"invalidUtf8\": base64}}"
                ))
            }
        },
        FieldType::Bytes => Dv::Bytes(b64(v)?),
        FieldType::Records => Dv::Records(b64(v)?),
        FieldType::Array(_) | FieldType::Struct(_) => return Err("nested array".into()),
    })
}

fn field_of(f: &'static FieldSchema, v: &Value) -> Result<Dv, DynError> {
    if v.is_null() && !f.nullable_versions.is_empty() {
        return Ok(Dv::Null);
    }
    match f.ty {
        FieldType::Struct(_) => struct_of(f.fields, v).map(Dv::Struct),
        FieldType::Array(elem) => {
            let items = v
                .as_array()
                .ok_or_else(|| shape(format!("invalid type: {v}, expected an array")))?;
            let mut out = Vec::with_capacity(items.len());
            for (i, item) in items.iter().enumerate() {
                let value = match elem {
                    FieldType::Struct(_) => struct_of(f.fields, item).map(Dv::Struct),
                    ty => scalar_of(ty, item).map_err(shape),
                }
                .map_err(|e| e.within(&format!("[{i}]")))?;
                out.push(Node::new(value));
            }
            Ok(Dv::Array(out))
        }
        ty => scalar_of(&ty, v).map_err(shape),
    }
}

/// A struct from its JSON, as the generated types' `Deserialize` reads it:
/// missing fields take their default, unknown fields are an error.
pub fn struct_of(fields: &'static [FieldSchema], v: &Value) -> Result<StructValue, DynError> {
    let m = v
        .as_object()
        .ok_or_else(|| shape(format!("invalid type: {v}, expected an object")))?;
    let mut s = dynamic::default_struct(fields);
    for (k, val) in m {
        if k == "_unknownTaggedFields" {
            s.unknown_tags = unknown_tags_of(val).map_err(|e| shape(e).within(k))?;
            continue;
        }
        let Some(i) = fields.iter().position(|f| f.json_name == k) else {
            let known: Vec<&str> = fields.iter().map(|f| f.json_name).collect();
            return Err(shape(format!(
                "unknown field `{k}`, expected one of {}",
                known.join(", ")
            )));
        };
        let f = &fields[i];
        let value = field_of(f, val).map_err(|e| e.within(f.json_name))?;
        s.fields[i] = FieldValue {
            schema: f,
            node: Node::new(value),
        };
    }
    Ok(s)
}

fn unknown_tags_of(v: &Value) -> Result<Vec<RawTagValue>, String> {
    let items = v
        .as_array()
        .ok_or_else(|| format!("invalid type: {v}, expected a list of {{tag, data}}"))?;
    let mut out = Vec::new();
    for item in items {
        let m = item
            .as_object()
            .ok_or_else(|| format!("invalid type: {item}, expected {{tag, data}}"))?;
        if let Some(k) = m.keys().find(|k| *k != "tag" && *k != "data") {
            return Err(format!("unknown field `{k}`, expected `tag` or `data`"));
        }
        let tag = m.get("tag").ok_or("missing field `tag`")?;
        let tag = int_of(tag, 0, u32::MAX.into())? as u32;
        let data = b64(m.get("data").ok_or("missing field `data`")?)?;
        out.push(RawTagValue {
            tag,
            data,
            span: None,
        });
    }
    out.sort_by_key(|t| t.tag);
    Ok(out)
}

// ------------------------------------------------------------ frames

/// A decoded frame: its API and version, and the header and body trees.
#[derive(Debug, Clone)]
pub struct DecodedFrame {
    /// Request or response.
    pub kind: Kind,
    /// The API.
    pub api: ApiKey,
    /// The API version.
    pub version: i16,
    /// The header (a struct node, offsets relative to the frame without its size prefix).
    pub header: Node,
    /// The body.
    pub body: Node,
    /// Bytes after the message inside its frame (some clients send them and
    /// Kafka brokers accept them), kept under `trailingBytes` in the JSON.
    pub trailing: Vec<u8>,
}

fn eof(offset: usize, needed: usize, remaining: usize) -> DynError {
    DynError {
        offset: Some(offset),
        path: String::new(),
        message: format!("input ended: needed {needed} bytes, {remaining} left"),
    }
}

/// Decodes a request frame (without its size prefix) into trees.
pub fn decode_request_nodes(frame: &[u8]) -> Result<DecodedFrame, DynError> {
    if frame.len() < 8 {
        let at = frame.len().min(8) & !1;
        return Err(eof(at, if at < 4 { 2 } else { 4 }, frame.len() - at));
    }
    let key = i16::from_be_bytes([frame[0], frame[1]]);
    let version = i16::from_be_bytes([frame[2], frame[3]]);
    let api = ApiKey::from_i16(key).ok_or_else(|| DynError {
        offset: Some(0),
        path: String::new(),
        message: format!("unknown API key {key}"),
    })?;
    if !api.valid_versions().contains(version) {
        return Err(DynError {
            offset: Some(2),
            path: "RequestHeader.RequestApiVersion".into(),
            message: format!("unsupported version {version}"),
        });
    }
    let mut r = kio_core::Reader::new(frame);
    let header = dynamic::decode_from(
        &request_header::SCHEMA,
        api.request_header_version(version),
        &mut r,
    )?;
    let body = dynamic::decode_from(api.request_schema(), version, &mut r)?;
    Ok(DecodedFrame {
        kind: Kind::Request,
        api,
        version,
        header,
        body,
        trailing: r.rest().to_vec(),
    })
}

/// Decodes a response frame (without its size prefix) to a request of `api` at `version`.
pub fn decode_response_nodes(
    frame: &[u8],
    api: ApiKey,
    version: i16,
) -> Result<DecodedFrame, DynError> {
    let mut r = kio_core::Reader::new(frame);
    let header = dynamic::decode_from(
        &response_header::SCHEMA,
        api.response_header_version(version),
        &mut r,
    )?;
    let body = dynamic::decode_from(api.response_schema(), version, &mut r)?;
    Ok(DecodedFrame {
        kind: Kind::Response,
        api,
        version,
        header,
        body,
        trailing: r.rest().to_vec(),
    })
}

fn schema_of(kind: Kind, api: ApiKey) -> &'static MessageSchema {
    match kind {
        Kind::Request => api.request_schema(),
        Kind::Response => api.response_schema(),
    }
}

fn correlation_of(header: &Node) -> Option<i32> {
    match &header.value {
        Dv::Struct(s) => match s.get("CorrelationId").map(|n| &n.value) {
            Some(Dv::Int(c)) => i32::try_from(*c).ok(),
            _ => None,
        },
        _ => None,
    }
}

/// The JSON of a decoded frame: the same document as [`crate::request_json`]
/// and [`crate::response_json`] (with the default view budget for the frame).
pub fn frame_json(d: &DecodedFrame) -> Value {
    let len = d.body.span.map_or(0, |s| s.end);
    frame_json_with(d, &mut crate::Budget::for_frame(len, None))
}

/// [`frame_json`] charging the views to `budget`.
pub fn frame_json_with(d: &DecodedFrame, budget: &mut crate::Budget) -> Value {
    let mut m = envelope(d.kind, d.api, d.version, correlation_of(&d.header));
    m.insert("header".into(), value_json(&d.header.value));
    let mut b = value_json(&d.body.value);
    records::add_views_with(&mut b, schema_of(d.kind, d.api).fields, budget);
    crate::nested::add_views_with(&mut b, d.kind, d.api, budget);
    m.insert("body".into(), b);
    if !d.trailing.is_empty() {
        m.insert(TRAILING.into(), STANDARD.encode(&d.trailing).into());
    }
    Value::Object(m)
}

/// [`crate::decode_frame`] through the schema-driven codec.
pub fn decode_frame(frame: &[u8], response_to: Option<(ApiKey, i16)>) -> Result<Value, DynError> {
    decode_frame_with(frame, response_to, &crate::DecodeOptions::default())
}

/// [`decode_frame`] with a view budget from `opts`.
pub fn decode_frame_with(
    frame: &[u8],
    response_to: Option<(ApiKey, i16)>,
    opts: &crate::DecodeOptions,
) -> Result<Value, DynError> {
    let d = match response_to {
        None => decode_request_nodes(frame)?,
        Some((api, version)) => decode_response_nodes(frame, api, version)?,
    };
    let doc = frame_json_with(&d, &mut opts.budget(frame.len()));
    Ok(crate::canonical::mark(doc, frame, response_to))
}

/// Decodes a bare body into a tree, and the bytes after the message.
pub fn decode_body_node(
    kind: Kind,
    api: ApiKey,
    version: i16,
    bytes: &[u8],
) -> Result<(Node, Vec<u8>), DynError> {
    let mut r = kio_core::Reader::new(bytes);
    let node = dynamic::decode_from(schema_of(kind, api), version, &mut r)?;
    Ok((node, r.rest().to_vec()))
}

/// [`crate::decode_body`] through the schema-driven codec.
pub fn decode_body(kind: Kind, api: ApiKey, version: i16, bytes: &[u8]) -> Result<Value, DynError> {
    decode_body_with(kind, api, version, bytes, &crate::DecodeOptions::default())
}

/// [`decode_body`] with a view budget from `opts`.
pub fn decode_body_with(
    kind: Kind,
    api: ApiKey,
    version: i16,
    bytes: &[u8],
    opts: &crate::DecodeOptions,
) -> Result<Value, DynError> {
    let (node, rest) = decode_body_node(kind, api, version, bytes)?;
    let mut m = envelope(kind, api, version, None);
    let mut b = value_json(&node.value);
    let mut budget = opts.budget(bytes.len());
    records::add_views_with(&mut b, schema_of(kind, api).fields, &mut budget);
    crate::nested::add_views_with(&mut b, kind, api, &mut budget);
    m.insert("body".into(), b);
    if !rest.is_empty() {
        m.insert(TRAILING.into(), STANDARD.encode(&rest).into());
    }
    Ok(crate::canonical::mark_body(
        Value::Object(m),
        kind,
        api,
        version,
        bytes,
    ))
}

fn json_err(e: crate::JsonError) -> DynError {
    shape(e.to_string())
}

/// [`crate::encode`] through the schema-driven codec: a whole frame with its
/// size prefix when the document has a `header`, else the bare body.
pub fn encode(doc: &Value) -> Result<Vec<u8>, DynError> {
    let (kind, api, version, body, header, trailing) = match read_document(doc).map_err(json_err)? {
        Document::Raw(raw) => return Ok(raw),
        Document::Message {
            kind,
            api,
            version,
            body,
            header,
            trailing,
        } => (kind, api, version, body, header, trailing),
    };
    let schema = schema_of(kind, api);
    let b = struct_of(schema.fields, &body).map_err(|e| e.within("body"))?;
    let mut out = Vec::new();
    if let Some(h) = &header {
        let (hschema, hv) = match kind {
            Kind::Request => (&request_header::SCHEMA, api.request_header_version(version)),
            Kind::Response => (
                &response_header::SCHEMA,
                api.response_header_version(version),
            ),
        };
        let hs = struct_of(hschema.fields, h).map_err(|e| e.within("header"))?;
        if kind == Kind::Request {
            let key = hs.get("RequestApiKey").map(|n| &n.value);
            let ver = hs.get("RequestApiVersion").map(|n| &n.value);
            let (Some(Dv::Int(k)), Some(Dv::Int(v))) = (key, ver) else {
                return Err(shape("header: missing API key or version"));
            };
            if *k != i64::from(api.key()) || *v != i64::from(version) {
                return Err(shape(format!(
                    "header names API {k} v{v} but the document says {} v{version}",
                    api.key()
                )));
            }
        }
        out.extend_from_slice(&[0; 4]);
        dynamic::encode(hschema, hv, &Dv::Struct(hs), &mut out)?;
    }
    dynamic::encode(schema, version, &Dv::Struct(b), &mut out)?;
    finish_frame(out, &trailing, header.is_some()).map_err(json_err)
}
