//! Non-canonical input, reported rather than hidden.
//!
//! Kafka's decoders accept some byte sequences that its encoders never
//! write: booleans other than 0 and 1, unsigned varints with redundant
//! continuation bytes, a nullable struct's presence byte other than 1 (or
//! null byte other than -1), and tagged fields out of ascending order or
//! repeated. kio decodes them as Kafka does; JSON → bytes then writes the
//! **canonical** form (what Kafka's own encoder writes for the decoded
//! values), so those bytes change. [`scan`] finds every such place by a pass
//! over the bytes driven by the static schema tables (it never touches the
//! generated codec), and [`mark`] lists them in the frame's JSON as
//! `_nonCanonical: [{"offset": n, "what": "..."}]` (offsets relative to the
//! frame after its size prefix, as error offsets are).
//!
//! Duplicate tags follow Kafka's generated Java `read()`: a known tag read
//! twice keeps its last value; an unknown tag read twice is kept twice (in
//! `_unknownTaggedFields`). Unknown tagged fields are listed in ascending
//! tag order (stable), the order they are written back in, so JSON → bytes
//! → JSON gives the same JSON.

use kio_core::messages::{request_header, response_header};
use kio_core::{ApiKey, FieldSchema, FieldType, MessageSchema, Reader};
use serde_json::{json, Map, Value};

use crate::Kind;

/// The top-level key of the non-canonical places of a frame.
pub const NON_CANONICAL: &str = "_nonCanonical";

/// At most this many places are listed; a last entry counts the rest.
pub const MAX_FINDINGS: usize = 64;

/// One place where the bytes are legal but not what Kafka's encoder writes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finding {
    /// Byte offset (in the bytes scanned).
    pub offset: usize,
    /// What is non-canonical there, and what the canonical form is.
    pub what: String,
}

/// The places found in one scan, bounded by [`MAX_FINDINGS`].
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Findings {
    /// The first [`MAX_FINDINGS`] places, in byte order of discovery.
    pub list: Vec<Finding>,
    /// Places found beyond the list.
    pub more: usize,
}

impl Findings {
    /// True when the bytes are canonical.
    pub fn is_empty(&self) -> bool {
        self.list.is_empty()
    }

    fn push(&mut self, offset: usize, what: impl FnOnce() -> String) {
        if self.list.len() < MAX_FINDINGS {
            self.list.push(Finding {
                offset,
                what: what(),
            });
        } else {
            self.more += 1;
        }
    }

    /// The `_nonCanonical` JSON: `[{"offset", "what"}, ...]`, and a last
    /// `{"more": n}` when the list was cut.
    pub fn to_json(&self) -> Value {
        let mut v: Vec<Value> = self
            .list
            .iter()
            .map(|f| json!({ "offset": f.offset, "what": f.what }))
            .collect();
        if self.more > 0 {
            v.push(json!({ "more": self.more }));
        }
        Value::Array(v)
    }

    /// One line for a log or a table: `"2 non-canonical: boolean byte 0x02 at 14; ..."`.
    pub fn summary(&self) -> String {
        let n = self.list.len() + self.more;
        let first: Vec<String> = self
            .list
            .iter()
            .take(3)
            .map(|f| format!("{} at {}", f.what, f.offset))
            .collect();
        let mut s = format!("{n} non-canonical: {}", first.join("; "));
        if n > 3 {
            s.push_str(&format!("; +{}", n - 3));
        }
        s
    }
}

/// Scans a frame (without its size prefix): a request, or with
/// `response_to` a response to a request of that API and version. Stops
/// quietly where the bytes stop decoding (callers scan decoded frames).
pub fn scan_frame(frame: &[u8], response_to: Option<(ApiKey, i16)>) -> Findings {
    let mut out = Findings::default();
    let mut r = Reader::new(frame);
    let (api, version, header_schema, header_version) = match response_to {
        None => {
            let (Some(k), Some(v)) = (frame.get(..2), frame.get(2..4)) else {
                return out;
            };
            let key = i16::from_be_bytes([k[0], k[1]]);
            let version = i16::from_be_bytes([v[0], v[1]]);
            let Some(api) = ApiKey::from_i16(key) else {
                return out;
            };
            if !api.valid_versions().contains(version) {
                return out;
            }
            let hv = api.request_header_version(version);
            (api, version, &request_header::SCHEMA, hv)
        }
        Some((api, version)) => (
            api,
            version,
            &response_header::SCHEMA,
            api.response_header_version(version),
        ),
    };
    if scan_message(header_schema, header_version, &mut r, &mut out).is_none() {
        return out;
    }
    let schema = match response_to {
        None => api.request_schema(),
        Some(_) => api.response_schema(),
    };
    let _ = scan_message(schema, version, &mut r, &mut out);
    out
}

/// Scans a bare body of `kind` (no header).
pub fn scan_body(kind: Kind, api: ApiKey, version: i16, bytes: &[u8]) -> Findings {
    let schema = match kind {
        Kind::Request => api.request_schema(),
        Kind::Response => api.response_schema(),
    };
    scan(schema, version, bytes)
}

/// Scans one message of `schema` at `version` at the start of `bytes`.
pub fn scan(schema: &'static MessageSchema, version: i16, bytes: &[u8]) -> Findings {
    let mut out = Findings::default();
    let _ = scan_message(schema, version, &mut Reader::new(bytes), &mut out);
    out
}

/// Adds `_nonCanonical` to a decoded frame's document when [`scan_frame`]
/// finds anything.
pub fn mark(mut doc: Value, frame: &[u8], response_to: Option<(ApiKey, i16)>) -> Value {
    let found = scan_frame(frame, response_to);
    if let (false, Value::Object(m)) = (found.is_empty(), &mut doc) {
        m.insert(NON_CANONICAL.into(), found.to_json());
    }
    doc
}

/// [`mark`] for a bare body.
pub fn mark_body(mut doc: Value, kind: Kind, api: ApiKey, version: i16, bytes: &[u8]) -> Value {
    let found = scan_body(kind, api, version, bytes);
    if let (false, Value::Object(m)) = (found.is_empty(), &mut doc) {
        m.insert(NON_CANONICAL.into(), found.to_json());
    }
    doc
}

/// Sorts every `_unknownTaggedFields` list of `value` (a message of
/// `fields`) by tag, stably: the order the encoder writes them in.
pub fn sort_unknown_tags(value: &mut Value, fields: &'static [FieldSchema]) {
    crate::walk_structs(value, fields, &mut |m, _| sort_tags_of(m));
}

/// Sorts the `_unknownTaggedFields` of one object.
pub(crate) fn sort_tags_of(m: &mut Map<String, Value>) {
    if let Some(Value::Array(tags)) = m.get_mut("_unknownTaggedFields") {
        tags.sort_by_key(|t| t.get("tag").and_then(Value::as_u64).unwrap_or(u64::MAX));
    }
}

/// Whether two frame documents hold the same message: the same `header`,
/// `body` and `trailingBytes`, views and context ignored.
pub fn same_message(a: &Value, b: &Value) -> bool {
    let part = |d: &Value, k: &str| {
        let mut v = d.get(k).cloned().unwrap_or(Value::Null);
        crate::strip_views(&mut v);
        v
    };
    ["header", "body", crate::TRAILING]
        .iter()
        .all(|k| part(a, k) == part(b, k))
}

// ------------------------------------------------------------ the scan

/// The layout of a value (as the codecs' `Cx`).
#[derive(Clone, Copy)]
struct Lay {
    version: i16,
    flexible: bool,
    nullable: bool,
}

fn field_lay(f: &FieldSchema, version: i16, flexible: bool, tagged: bool) -> Lay {
    let flexible = match f.flexible_versions {
        Some(r) => r.contains(version),
        None if tagged => true,
        None => flexible,
    };
    Lay {
        version,
        flexible,
        nullable: f.nullable_versions.contains(version),
    }
}

/// `None` where the bytes stop decoding.
type Step = Option<()>;

fn scan_message(
    schema: &'static MessageSchema,
    version: i16,
    r: &mut Reader<'_>,
    out: &mut Findings,
) -> Step {
    if !schema.valid.contains(version) {
        return None;
    }
    let flexible = schema.flexible.contains(version);
    scan_struct(r, schema.fields, version, flexible, out)
}

/// Reads an unsigned varint, reporting redundant continuation bytes.
fn uvarint(r: &mut Reader<'_>, what: &str, out: &mut Findings) -> Option<u32> {
    let start = r.offset();
    let v = r.uvarint().ok()?;
    let used = r.offset() - start;
    let minimal = match v {
        0..=0x7f => 1,
        0x80..=0x3fff => 2,
        0x4000..=0x1f_ffff => 3,
        0x20_0000..=0xfff_ffff => 4,
        _ => 5,
    };
    if used > minimal {
        out.push(start, || {
            format!("{what} varint {v} in {used} bytes (Kafka writes {minimal})")
        });
    }
    Some(v)
}

fn scan_struct(
    r: &mut Reader<'_>,
    fields: &'static [FieldSchema],
    version: i16,
    flexible: bool,
    out: &mut Findings,
) -> Step {
    for f in fields {
        if f.tag.is_some() || !f.versions.contains(version) {
            continue;
        }
        scan_field(r, f, field_lay(f, version, flexible, false), out)?;
    }
    if !flexible {
        return Some(());
    }
    let count = uvarint(r, "tagged field count", out)?;
    let mut seen: Vec<u32> = Vec::new();
    let mut prev: Option<u32> = None;
    for _ in 0..count {
        let at = r.offset();
        let tag = uvarint(r, "tag", out)?;
        let size = uvarint(r, "tagged field size", out)?;
        let mut sub = r.sub(usize::try_from(size).ok()?).ok()?;
        if seen.contains(&tag) {
            out.push(at, || {
                format!("duplicate tag {tag} (Kafka writes each tag once; a known tag keeps its last value)")
            });
        } else if prev.is_some_and(|p| tag < p) {
            out.push(at, || {
                format!(
                    "tag {tag} after tag {} (Kafka writes tags in ascending order)",
                    prev.unwrap_or_default()
                )
            });
        }
        if seen.len() < 4096 && !seen.contains(&tag) {
            seen.push(tag);
        }
        prev = Some(prev.map_or(tag, |p| p.max(tag)));
        let known = fields
            .iter()
            .find(|f| f.tag == Some(tag) && f.tagged_versions.contains(version));
        if let Some(f) = known {
            scan_field(&mut sub, f, field_lay(f, version, flexible, true), out)?;
        }
    }
    Some(())
}

fn scan_field(r: &mut Reader<'_>, f: &'static FieldSchema, lay: Lay, out: &mut Findings) -> Step {
    match f.ty {
        FieldType::Array(elem) => {
            let Some(len) = length(r, lay.flexible, true, out)? else {
                return Some(());
            };
            let elay = Lay {
                nullable: false,
                ..lay
            };
            for _ in 0..len {
                match elem {
                    FieldType::Struct(_) => {
                        scan_struct(r, f.fields, lay.version, lay.flexible, out)?
                    }
                    ty => scan_scalar(r, ty, elay, out)?,
                }
            }
            Some(())
        }
        FieldType::Struct(_) => {
            if lay.nullable {
                let at = r.offset();
                let marker = r.i8().ok()?;
                if marker < 0 {
                    if marker != -1 {
                        out.push(at, || {
                            format!("null struct marker {marker} (Kafka writes -1)")
                        });
                    }
                    return Some(());
                }
                if marker != 1 {
                    out.push(at, || {
                        format!("present struct marker {marker} (Kafka writes 1)")
                    });
                }
            }
            scan_struct(r, f.fields, lay.version, lay.flexible, out)
        }
        ty => scan_scalar(r, &ty, lay, out),
    }
}

/// A length prefix (as `Reader::length`), reporting over-long compact ones.
fn length(
    r: &mut Reader<'_>,
    compact: bool,
    wide: bool,
    out: &mut Findings,
) -> Option<Option<usize>> {
    if !compact {
        return r.length(false, wide).ok();
    }
    let raw = uvarint(r, "length", out)?;
    if raw == 0 {
        return Some(None);
    }
    let n = usize::try_from(raw - 1).ok()?;
    (n <= r.remaining()).then_some(Some(n))
}

fn scan_scalar(r: &mut Reader<'_>, ty: &FieldType, lay: Lay, out: &mut Findings) -> Step {
    let n = match ty {
        FieldType::Bool => {
            let at = r.offset();
            let b = r.u8().ok()?;
            if b > 1 {
                out.push(at, || {
                    format!("boolean byte 0x{b:02x} (read as true; Kafka writes 0x01)")
                });
            }
            return Some(());
        }
        FieldType::Int8 => 1,
        FieldType::Int16 | FieldType::Uint16 => 2,
        FieldType::Int32 | FieldType::Uint32 => 4,
        FieldType::Int64 | FieldType::Float64 => 8,
        FieldType::Uuid => 16,
        FieldType::String | FieldType::Bytes | FieldType::Records => {
            let wide = !matches!(ty, FieldType::String);
            return match length(r, lay.flexible, wide, out)? {
                Some(n) => r.take(n).ok().map(|_| ()),
                None => Some(()),
            };
        }
        FieldType::Array(_) | FieldType::Struct(_) => return None,
    };
    r.take(n).ok().map(|_| ())
}
