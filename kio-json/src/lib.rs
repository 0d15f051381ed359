//! The one JSON shape of Kafka frames, shared by the `kio` CLI, the proxy log
//! and the browser devtools (through kio-wasm). See `docs/JSON.md` for the full
//! description.
//!
//! ```json
//! {"kind":"request","apiKey":3,"apiName":"Metadata","apiVersion":12,"correlationId":7,
//!  "header":{"requestApiKey":3,"requestApiVersion":12,"correlationId":7,"clientId":"kio"},
//!  "body":{"topics":[{"topicId":"AAAAAAAAAAAAAAAAAAAAAA","name":"kp-test"}], ...}}
//! ```
//!
//! * `header` and `body` use kio-core's serde forms (Kafka's JSON field
//!   names, `bytes`/`records` as base64, `uuid` as Kafka's base64, unknown
//!   tagged fields under `_unknownTaggedFields`): JSON → bytes is lossless.
//! * A document without `header` is a bare body.
//! * Keys that begin with `_`, other than `_unknownTaggedFields`, are derived
//!   views that the encoder ignores: a `records` field gets a sibling
//!   `_records` with its batches and records decoded (see [`records`]); the
//!   consumer-group protocol, internal topics' records and schema-registry
//!   framing get views too (see [`nested`]).
//! * Unknown top-level keys (`connection`, `time`, ... added by tools) are
//!   ignored by the encoder.
//!
//! It depends only on kio-core, kio-capture, serde_json and base64, so it
//! builds for wasm32 too: the CLI (`kio_std::json`) and the browser share
//! this code. [`dynamic`] produces the same documents through kio-core's
//! schema-driven codec, which the browser uses. [`inspect`] turns a packet
//! capture into a conversation of such documents, for `kio inspect` and the
//! browser alike.
#![cfg_attr(docsrs, feature(doc_cfg))]

/// This crate's README, compiled as doc tests.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
pub struct ReadmeDoctests;

pub mod budget;
pub mod canonical;
pub mod dynamic;
pub mod inspect;
pub mod nested;
pub mod records;

pub use budget::{Budget, DecodeOptions};

use std::fmt;

use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;
use kio_core::frame::{
    decode_request, decode_response, encode_request_frame, encode_response_frame,
};
use kio_core::messages::{RequestHeader, ResponseHeader};
use kio_core::{
    ApiKey, DecodeError, DecodeErrorKind, EncodeError, FieldSchema, FieldType, RequestBody,
    ResponseBody,
};
use serde_json::{Map, Value};

/// Whether a frame or body is a request or a response.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Kind {
    /// A request (client to broker).
    Request,
    /// A response (broker to client).
    Response,
}

impl Kind {
    /// `"request"` or `"response"`, the spelling of the `kind` key.
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Request => "request",
            Kind::Response => "response",
        }
    }

    /// Parses `"request"` or `"response"`.
    pub fn parse(s: &str) -> Option<Kind> {
        match s {
            "request" => Some(Kind::Request),
            "response" => Some(Kind::Response),
            _ => None,
        }
    }
}

impl fmt::Display for Kind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What went wrong converting between bytes and JSON.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum JsonError {
    /// The bytes did not decode.
    Decode(DecodeError),
    /// The value could not be encoded at its version.
    Encode(EncodeError),
    /// The JSON does not have the documented shape (the message says where).
    Shape(String),
}

impl JsonError {
    /// The byte offset of a decode error, when there is one.
    pub fn offset(&self) -> Option<usize> {
        match self {
            JsonError::Decode(e) => Some(e.offset),
            _ => None,
        }
    }
}

impl fmt::Display for JsonError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            JsonError::Decode(e) => write!(f, "decode error {e}"),
            JsonError::Encode(e) => write!(f, "encode error: {e}"),
            JsonError::Shape(s) => f.write_str(s),
        }
    }
}

impl std::error::Error for JsonError {}

impl From<DecodeError> for JsonError {
    fn from(e: DecodeError) -> Self {
        JsonError::Decode(e)
    }
}

impl From<EncodeError> for JsonError {
    fn from(e: EncodeError) -> Self {
        JsonError::Encode(e)
    }
}

fn shape(msg: impl Into<String>) -> JsonError {
    JsonError::Shape(msg.into())
}

fn to_value<T: serde::Serialize>(v: &T) -> Value {
    // kio-core's serde forms never fail to serialize into a `Value` (maps
    // have string keys); a failure would be a bug, shown rather than hidden.
    serde_json::to_value(v).unwrap_or_else(|e| Value::String(format!("<serialize error: {e}>")))
}

fn envelope(kind: Kind, api: ApiKey, version: i16, correlation: Option<i32>) -> Map<String, Value> {
    let mut m = Map::new();
    m.insert("kind".into(), kind.as_str().into());
    m.insert("apiKey".into(), api.key().into());
    m.insert("apiName".into(), api.name().into());
    m.insert("apiVersion".into(), version.into());
    if let Some(c) = correlation {
        m.insert("correlationId".into(), c.into());
    }
    m
}

/// The JSON of a decoded request frame (header and body), with the default
/// view budget for a frame of the body's encoded size.
pub fn request_json(header: &RequestHeader<'_>, body: &RequestBody<'_>) -> Value {
    let len = body.encoded_len(header.request_api_version).unwrap_or(0);
    request_json_with(header, body, &mut Budget::for_frame(len, None))
}

/// [`request_json`] charging the views to `budget`.
pub fn request_json_with(
    header: &RequestHeader<'_>,
    body: &RequestBody<'_>,
    budget: &mut Budget,
) -> Value {
    let api = body.api_key();
    let mut m = envelope(
        Kind::Request,
        api,
        header.request_api_version,
        Some(header.correlation_id),
    );
    m.insert("header".into(), header_json(header));
    let mut b = to_value(body);
    body_views(
        &mut b,
        Kind::Request,
        api,
        api.request_schema().fields,
        budget,
    );
    m.insert("body".into(), b);
    Value::Object(m)
}

/// A header's JSON, unknown tagged fields in tag order.
fn header_json<T: serde::Serialize>(header: &T) -> Value {
    let mut h = to_value(header);
    if let Value::Object(m) = &mut h {
        canonical::sort_tags_of(m);
    }
    h
}

/// The derived views of a body's JSON: `_records` and the nested payloads
/// of [`nested`] (charged to `budget`) and unknown tagged fields in tag
/// order (see [`canonical`]).
fn body_views(
    b: &mut Value,
    kind: Kind,
    api: ApiKey,
    fields: &'static [FieldSchema],
    budget: &mut Budget,
) {
    records::add_views_with(b, fields, budget);
    nested::add_views_with(b, kind, api, budget);
    canonical::sort_unknown_tags(b, fields);
}

/// The JSON of a decoded response frame to a request of `api` at `version`,
/// with the default view budget for a frame of the body's encoded size.
pub fn response_json(
    api: ApiKey,
    version: i16,
    header: &ResponseHeader<'_>,
    body: &ResponseBody<'_>,
) -> Value {
    let len = body.encoded_len(version).unwrap_or(0);
    response_json_with(
        api,
        version,
        header,
        body,
        &mut Budget::for_frame(len, None),
    )
}

/// [`response_json`] charging the views to `budget`.
pub fn response_json_with(
    api: ApiKey,
    version: i16,
    header: &ResponseHeader<'_>,
    body: &ResponseBody<'_>,
    budget: &mut Budget,
) -> Value {
    let mut m = envelope(Kind::Response, api, version, Some(header.correlation_id));
    m.insert("header".into(), header_json(header));
    let mut b = to_value(body);
    body_views(
        &mut b,
        Kind::Response,
        api,
        api.response_schema().fields,
        budget,
    );
    m.insert("body".into(), b);
    Value::Object(m)
}

/// Decodes a request frame (without its size prefix) into JSON.
pub fn decode_request_frame(frame: &[u8]) -> Result<Value, JsonError> {
    decode_request_frame_with(frame, &DecodeOptions::default())
}

/// [`decode_request_frame`] with a view budget from `opts`.
pub fn decode_request_frame_with(frame: &[u8], opts: &DecodeOptions) -> Result<Value, JsonError> {
    let doc = with_trailing(frame, |f| {
        let (header, body) = decode_request(f)?;
        Ok(request_json_with(
            &header,
            &body,
            &mut opts.budget(frame.len()),
        ))
    })?;
    Ok(canonical::mark(doc, frame, None))
}

/// Decodes with `decode`; when the message ends before the frame does (as
/// some clients send, and Kafka brokers accept), decodes the message part
/// and keeps the rest as base64 under `trailingBytes`.
fn with_trailing(
    frame: &[u8],
    decode: impl Fn(&[u8]) -> Result<Value, JsonError>,
) -> Result<Value, JsonError> {
    match decode(frame) {
        Err(JsonError::Decode(e)) => match e.kind {
            DecodeErrorKind::TrailingBytes(n) if n > 0 && n <= frame.len() => {
                let (msg, rest) = frame.split_at(frame.len() - n);
                let mut doc = decode(msg).map_err(|_| JsonError::Decode(e))?;
                if let Value::Object(m) = &mut doc {
                    m.insert(TRAILING.into(), STANDARD.encode(rest).into());
                }
                Ok(doc)
            }
            _ => Err(JsonError::Decode(e)),
        },
        other => other,
    }
}

/// The top-level key of bytes that follow the message inside its frame.
pub const TRAILING: &str = "trailingBytes";

/// Decodes a response frame (without its size prefix) to a request of `api`
/// at `version` into JSON.
pub fn decode_response_frame(frame: &[u8], api: ApiKey, version: i16) -> Result<Value, JsonError> {
    decode_response_frame_with(frame, api, version, &DecodeOptions::default())
}

/// [`decode_response_frame`] with a view budget from `opts`.
pub fn decode_response_frame_with(
    frame: &[u8],
    api: ApiKey,
    version: i16,
    opts: &DecodeOptions,
) -> Result<Value, JsonError> {
    let doc = with_trailing(frame, |f| {
        let (header, body) = decode_response(f, api, version)?;
        Ok(response_json_with(
            api,
            version,
            &header,
            &body,
            &mut opts.budget(frame.len()),
        ))
    })?;
    Ok(canonical::mark(doc, frame, Some((api, version))))
}

/// Decodes a frame (without its size prefix): a request, or with `api`
/// `Some((key, version))` a response.
pub fn decode_frame(frame: &[u8], response_to: Option<(ApiKey, i16)>) -> Result<Value, JsonError> {
    decode_frame_with(frame, response_to, &DecodeOptions::default())
}

/// [`decode_frame`] with a view budget from `opts`.
pub fn decode_frame_with(
    frame: &[u8],
    response_to: Option<(ApiKey, i16)>,
    opts: &DecodeOptions,
) -> Result<Value, JsonError> {
    match response_to {
        None => decode_request_frame_with(frame, opts),
        Some((api, version)) => decode_response_frame_with(frame, api, version, opts),
    }
}

/// Decodes a bare message body (no header) into JSON.
pub fn decode_body(
    kind: Kind,
    api: ApiKey,
    version: i16,
    bytes: &[u8],
) -> Result<Value, JsonError> {
    decode_body_with(kind, api, version, bytes, &DecodeOptions::default())
}

/// [`decode_body`] with a view budget from `opts`.
pub fn decode_body_with(
    kind: Kind,
    api: ApiKey,
    version: i16,
    bytes: &[u8],
    opts: &DecodeOptions,
) -> Result<Value, JsonError> {
    let doc = with_trailing(bytes, |b| {
        decode_body_exact(kind, api, version, b, &mut opts.budget(bytes.len()))
    })?;
    Ok(canonical::mark_body(doc, kind, api, version, bytes))
}

fn decode_body_exact(
    kind: Kind,
    api: ApiKey,
    version: i16,
    bytes: &[u8],
    budget: &mut Budget,
) -> Result<Value, JsonError> {
    let mut m = envelope(kind, api, version, None);
    let (mut b, fields) = match kind {
        Kind::Request => (
            to_value(&RequestBody::decode(api, version, bytes)?),
            api.request_schema().fields,
        ),
        Kind::Response => (
            to_value(&ResponseBody::decode(api, version, bytes)?),
            api.response_schema().fields,
        ),
    };
    body_views(&mut b, kind, api, fields, budget);
    m.insert("body".into(), b);
    Ok(Value::Object(m))
}

/// Removes the derived views (keys beginning with `_`, except
/// `_unknownTaggedFields`) at every depth.
pub fn strip_views(v: &mut Value) {
    match v {
        Value::Object(m) => {
            m.retain(|k, _| !is_view_key(k));
            m.values_mut().for_each(strip_views);
        }
        Value::Array(a) => a.iter_mut().for_each(strip_views),
        _ => {}
    }
}

/// True for keys that name a derived view rather than data.
pub fn is_view_key(k: &str) -> bool {
    k.starts_with('_') && k != "_unknownTaggedFields"
}

/// The API named by a document's `apiKey` (a number) or `apiName`.
pub fn api_of(doc: &Map<String, Value>) -> Result<ApiKey, JsonError> {
    if let Some(k) = doc.get("apiKey") {
        let n = k
            .as_i64()
            .and_then(|n| i16::try_from(n).ok())
            .ok_or_else(|| shape(format!("apiKey: expected an API key number, got {k}")))?;
        return ApiKey::from_i16(n).ok_or_else(|| shape(format!("apiKey: unknown API key {n}")));
    }
    if let Some(name) = doc.get("apiName").and_then(Value::as_str) {
        return api_by_name(name).ok_or_else(|| shape(format!("apiName: unknown API {name:?}")));
    }
    Err(shape("missing apiKey (or apiName)"))
}

/// An API by its name (`Metadata`, case-insensitive) or key number (`3`).
pub fn api_by_name(name: &str) -> Option<ApiKey> {
    if let Ok(n) = name.parse::<i16>() {
        return ApiKey::from_i16(n);
    }
    ApiKey::ALL
        .iter()
        .copied()
        .find(|k| k.name().eq_ignore_ascii_case(name))
}

fn field<'v>(doc: &'v Map<String, Value>, key: &str) -> Result<&'v Value, JsonError> {
    doc.get(key).ok_or_else(|| shape(format!("missing {key}")))
}

fn version_of(doc: &Map<String, Value>) -> Result<i16, JsonError> {
    let v = field(doc, "apiVersion")?;
    v.as_i64()
        .and_then(|n| i16::try_from(n).ok())
        .ok_or_else(|| shape(format!("apiVersion: expected a version number, got {v}")))
}

/// The `kind` of a document.
pub fn kind_of(doc: &Map<String, Value>) -> Result<Kind, JsonError> {
    let k = field(doc, "kind")?;
    k.as_str().and_then(Kind::parse).ok_or_else(|| {
        shape(format!(
            "kind: expected \"request\" or \"response\", got {k}"
        ))
    })
}

fn deser<T: serde::de::DeserializeOwned>(what: &str, v: &Value) -> Result<T, JsonError> {
    T::deserialize(v).map_err(|e| shape(format!("{what}: {e}")))
}

/// A JSON document read for encoding: what both encoders (the generated
/// one here and the schema-driven [`dynamic::encode`]) need from it.
pub(crate) enum Document {
    /// No `body`, only `raw` (how undecodable frames are shown): these bytes.
    Raw(Vec<u8>),
    /// A message, with derived views already stripped.
    Message {
        kind: Kind,
        api: ApiKey,
        version: i16,
        body: Value,
        /// The header, when the document is a whole frame.
        header: Option<Value>,
        /// `trailingBytes`, decoded.
        trailing: Vec<u8>,
    },
}

/// Reads and checks a document's envelope (kind, API, version), its body,
/// header and trailing bytes.
pub(crate) fn read_document(doc: &Value) -> Result<Document, JsonError> {
    let doc = doc
        .as_object()
        .ok_or_else(|| shape("expected a JSON object"))?;
    let Some(body) = doc.get("body") else {
        if let Some(raw) = doc.get("raw").and_then(Value::as_str) {
            return STANDARD
                .decode(raw)
                .map(Document::Raw)
                .map_err(|e| shape(format!("raw: invalid base64: {e}")));
        }
        return Err(shape("missing body"));
    };
    let kind = kind_of(doc)?;
    let api = api_of(doc)?;
    let version = version_of(doc)?;
    if !api.valid_versions().contains(version) {
        return Err(shape(format!(
            "apiVersion: {} has versions {}, not {version}",
            api.name(),
            api.valid_versions()
        )));
    }
    let stripped = |v: &Value| {
        let mut v = v.clone();
        strip_views(&mut v);
        v
    };
    let trailing = match doc.get(TRAILING) {
        None => Vec::new(),
        Some(t) => t
            .as_str()
            .and_then(|t| STANDARD.decode(t).ok())
            .ok_or_else(|| shape(format!("{TRAILING}: expected base64")))?,
    };
    Ok(Document::Message {
        kind,
        api,
        version,
        body: stripped(body),
        header: doc.get("header").map(stripped),
        trailing,
    })
}

/// Appends trailing bytes to an encoded document and, for a whole frame,
/// fixes its size prefix.
pub(crate) fn finish_frame(
    mut out: Vec<u8>,
    trailing: &[u8],
    framed: bool,
) -> Result<Vec<u8>, JsonError> {
    out.extend_from_slice(trailing);
    if framed {
        let size = i32::try_from(out.len().saturating_sub(4))
            .map_err(|_| shape("frame too large"))?
            .to_be_bytes();
        if let Some(prefix) = out.get_mut(..4) {
            prefix.copy_from_slice(&size);
        }
    }
    Ok(out)
}

/// Encodes a document back to bytes: a whole frame with its 4-byte size
/// prefix when it has a `header`, else the bare body. A document with no
/// `body` but a `raw` key (how undecodable frames are shown) gives the raw
/// bytes back.
pub fn encode(doc: &Value) -> Result<Vec<u8>, JsonError> {
    let (kind, api, version, body, header, trailing) = match read_document(doc)? {
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
    let mut out = Vec::new();
    match kind {
        Kind::Request => {
            let b =
                RequestBody::deserialize_as(api, &body).map_err(|e| shape(format!("body: {e}")))?;
            match &header {
                None => b.encode(&mut out, version)?,
                Some(h) => {
                    let header: RequestHeader<'static> = deser("header", h)?;
                    if header.request_api_key != api.key() || header.request_api_version != version
                    {
                        return Err(shape(format!(
                            "header names API {} v{} but the document says {} v{version}",
                            header.request_api_key,
                            header.request_api_version,
                            api.key()
                        )));
                    }
                    encode_request_frame(&mut out, &header, &b)?;
                }
            }
        }
        Kind::Response => {
            let b = ResponseBody::deserialize_as(api, &body)
                .map_err(|e| shape(format!("body: {e}")))?;
            match &header {
                None => b.encode(&mut out, version)?,
                Some(h) => {
                    let header: ResponseHeader<'static> = deser("header", h)?;
                    encode_response_frame(&mut out, api, version, &header, &b)?;
                }
            }
        }
    }
    finish_frame(out, &trailing, header.is_some())
}

/// A callback of [`walk_structs`]: one struct instance and its fields.
pub(crate) type StructVisitor<'v> = dyn FnMut(&mut Map<String, Value>, &'static [FieldSchema]) + 'v;

/// Walks `value` (a message or struct) along `fields`, calling `visit` on
/// every object that is an instance of a struct, with that struct's fields.
pub(crate) fn walk_structs(
    value: &mut Value,
    fields: &'static [FieldSchema],
    visit: &mut StructVisitor<'_>,
) {
    let Value::Object(m) = value else { return };
    visit(m, fields);
    for f in fields {
        if f.fields.is_empty() {
            continue;
        }
        match (f.ty, m.get_mut(f.json_name)) {
            (FieldType::Array(_), Some(Value::Array(items))) => {
                for item in items {
                    walk_structs(item, f.fields, visit);
                }
            }
            (FieldType::Struct(_), Some(v)) => walk_structs(v, f.fields, visit),
            _ => {}
        }
    }
}
