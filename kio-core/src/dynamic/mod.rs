//! A schema-driven codec: decodes and encodes any message by walking the
//! static schema tables ([`MessageSchema`]) instead of the generated types.
//!
//! It exists for tools that handle every message but care more about code
//! size than speed (the browser build: one small interpreter instead of the
//! monomorphized codec of ~450 structs), and for the byte spans such tools
//! show: every decoded [`Node`] records the byte range it came from.
//!
//! Its behaviour is the generated codec's, rule for rule (checked by tests
//! against the generated types on the same bytes): the same version checks,
//! the same nullability and flexible-version rules, tagged fields at their
//! default kept as raw entries, unknown tags kept and written back in the same
//! merge order, and a value that a version cannot carry is an error unless the
//! field is `ignorable`. A decoded [`StructValue`] holds every field of the
//! schema (the superset of all versions), fields absent at the version at
//! their default with no span, as the generated structs do.
//!
//! `records` fields stay raw bytes here; [`crate::records`] parses them.

use alloc::format;
use alloc::string::String;
use alloc::vec::Vec;
use core::fmt;

use crate::error::DecodeError;
use crate::schema::{FieldSchema, FieldType, MessageSchema};
use crate::wire::Reader;

/// A byte range `start..end` of the decoded input (absolute offsets).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Span {
    /// First byte.
    pub start: usize,
    /// One past the last byte.
    pub end: usize,
}

/// A decoded value and where it came from.
#[derive(Debug, Clone)]
pub struct Node {
    /// The bytes it was read from; `None` for a field the version does not
    /// carry (or a tagged field that was not sent): it holds its default.
    pub span: Option<Span>,
    /// The value.
    pub value: Value,
}

impl Node {
    /// A node with no span.
    pub fn new(value: Value) -> Self {
        Self { span: None, value }
    }
}

/// A value of any Kafka field type.
#[derive(Debug, Clone)]
pub enum Value {
    /// A null string, bytes, records, array or struct.
    Null,
    /// `bool`
    Bool(bool),
    /// Every integer type (`int8` … `int64`, `uint16`, `uint32`).
    Int(i64),
    /// `float64`
    Float(f64),
    /// `uuid`
    Uuid([u8; 16]),
    /// `string`, as raw bytes (Kafka accepts invalid UTF-8, so do we).
    Str(Vec<u8>),
    /// `bytes`
    Bytes(Vec<u8>),
    /// `records` (raw; see [`crate::records`]).
    Records(Vec<u8>),
    /// An array.
    Array(Vec<Node>),
    /// A struct.
    Struct(StructValue),
}

/// A struct's fields, in schema order, and its raw tagged entries.
#[derive(Debug, Clone, Default)]
pub struct StructValue {
    /// Every field of the schema with its value.
    pub fields: Vec<FieldValue>,
    /// Tagged entries that no typed field holds, in wire order.
    pub unknown_tags: Vec<RawTagValue>,
}

impl StructValue {
    /// The field named `name` (Kafka's spelling).
    pub fn get(&self, name: &str) -> Option<&Node> {
        self.fields
            .iter()
            .find(|f| f.schema.name == name)
            .map(|f| &f.node)
    }
}

/// One field and its value.
#[derive(Debug, Clone)]
pub struct FieldValue {
    /// The field's schema.
    pub schema: &'static FieldSchema,
    /// Its value.
    pub node: Node,
}

/// A raw tagged entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RawTagValue {
    /// The tag.
    pub tag: u32,
    /// Its encoded value.
    pub data: Vec<u8>,
    /// The bytes of the whole entry (tag, size and value), when decoded.
    pub span: Option<Span>,
}

/// A failure of the schema-driven codec: where (byte offset when decoding,
/// field path) and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DynError {
    /// Byte offset of the failure (decoding only).
    pub offset: Option<usize>,
    /// The field path, e.g. `MetadataRequest.Topics[0].Name`.
    pub path: String,
    /// Why it failed.
    pub message: String,
}

impl DynError {
    fn decode(e: DecodeError) -> Self {
        Self {
            offset: Some(e.offset),
            path: String::new(),
            message: format!("{}", e.kind),
        }
    }

    fn encode(message: String) -> Self {
        Self {
            offset: None,
            path: String::new(),
            message,
        }
    }

    /// Prefixes the path with `segment` (a field name or `[i]`).
    #[must_use]
    pub fn within(mut self, segment: &str) -> Self {
        if self.path.is_empty() || self.path.starts_with('[') {
            self.path = format!("{segment}{}", self.path);
        } else {
            self.path = format!("{segment}.{}", self.path);
        }
        self
    }
}

impl fmt::Display for DynError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.offset {
            Some(o) => write!(f, "at byte {o}")?,
            None => f.write_str("encoding")?,
        }
        if !self.path.is_empty() {
            write!(f, " in {}", self.path)?;
        }
        write!(f, ": {}", self.message)
    }
}

impl core::error::Error for DynError {}

// ---------------------------------------------------------------- defaults

/// Parses an integer default as the generator does (decimal, `0x` hex, a
/// leading `0` for octal, a `-` sign).
fn parse_int(raw: &str) -> i64 {
    let (neg, digits) = match raw.strip_prefix('-') {
        Some(d) => (true, d),
        None => (false, raw),
    };
    let v = if let Some(h) = digits
        .strip_prefix("0x")
        .or_else(|| digits.strip_prefix("0X"))
    {
        i64::from_str_radix(h, 16)
    } else if digits.len() > 1 && digits.starts_with('0') {
        i64::from_str_radix(digits.get(1..).unwrap_or_default(), 8)
    } else {
        digits.parse::<i64>()
    }
    .unwrap_or(0);
    if neg {
        -v
    } else {
        v
    }
}

/// Whether a field's Rust type is an `Option` (nullable in some version).
fn is_option(f: &FieldSchema) -> bool {
    !f.nullable_versions.is_empty()
}

/// The default value of a field, as the generated `Default` gives it.
pub fn default_value(f: &'static FieldSchema) -> Value {
    let raw = f.default;
    if raw == "null" {
        return Value::Null;
    }
    match f.ty {
        FieldType::Records if is_option(f) => Value::Null,
        FieldType::Records => Value::Records(Vec::new()),
        FieldType::Bool => Value::Bool(raw == "true"),
        FieldType::Int8
        | FieldType::Int16
        | FieldType::Uint16
        | FieldType::Int32
        | FieldType::Uint32
        | FieldType::Int64 => Value::Int(if raw.is_empty() { 0 } else { parse_int(raw) }),
        FieldType::Float64 => Value::Float(raw.parse().unwrap_or(0.0)),
        FieldType::Uuid => Value::Uuid([0; 16]),
        FieldType::String => Value::Str(raw.as_bytes().to_vec()),
        FieldType::Bytes => Value::Bytes(Vec::new()),
        FieldType::Array(_) => Value::Array(Vec::new()),
        FieldType::Struct(_) => Value::Struct(default_struct(f.fields)),
    }
}

/// A struct with every field at its default.
pub fn default_struct(fields: &'static [FieldSchema]) -> StructValue {
    StructValue {
        fields: fields
            .iter()
            .map(|f| FieldValue {
                schema: f,
                node: Node::new(default_value(f)),
            })
            .collect(),
        unknown_tags: Vec::new(),
    }
}

/// The default value of an element of an array field (elements are never
/// null; a struct element is the struct's default).
pub fn default_element(f: &'static FieldSchema) -> Value {
    match f.ty {
        FieldType::Array(FieldType::Struct(_)) => Value::Struct(default_struct(f.fields)),
        FieldType::Array(t) => match t {
            FieldType::Bool => Value::Bool(false),
            FieldType::Float64 => Value::Float(0.0),
            FieldType::Uuid => Value::Uuid([0; 16]),
            FieldType::String => Value::Str(Vec::new()),
            FieldType::Bytes => Value::Bytes(Vec::new()),
            FieldType::Records => Value::Records(Vec::new()),
            _ => Value::Int(0),
        },
        _ => Value::Null,
    }
}

/// Value equality as the generated types' `PartialEq` sees it (spans ignored).
pub fn same(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Null, Value::Null) => true,
        (Value::Bool(x), Value::Bool(y)) => x == y,
        (Value::Int(x), Value::Int(y)) => x == y,
        (Value::Float(x), Value::Float(y)) => x == y,
        (Value::Uuid(x), Value::Uuid(y)) => x == y,
        (Value::Str(x), Value::Str(y))
        | (Value::Bytes(x), Value::Bytes(y))
        | (Value::Records(x), Value::Records(y)) => x == y,
        (Value::Array(x), Value::Array(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(a, b)| same(&a.value, &b.value))
        }
        (Value::Struct(x), Value::Struct(y)) => {
            x.fields.len() == y.fields.len()
                && x.fields
                    .iter()
                    .zip(&y.fields)
                    .all(|(a, b)| same(&a.node.value, &b.node.value))
                && x.unknown_tags.len() == y.unknown_tags.len()
                && x.unknown_tags
                    .iter()
                    .zip(&y.unknown_tags)
                    .all(|(a, b)| a.tag == b.tag && a.data == b.data)
        }
        _ => false,
    }
}

// ---------------------------------------------------------------- decoding

/// How a value is laid out: the generated codec's `Cx`.
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

fn dec<T>(r: Result<T, DecodeError>) -> Result<T, DynError> {
    r.map_err(DynError::decode)
}

/// Decodes `bytes` (exactly one message) of `schema` at `version`.
pub fn decode(
    schema: &'static MessageSchema,
    version: i16,
    bytes: &[u8],
) -> Result<Node, DynError> {
    let mut r = Reader::new(bytes);
    let node = decode_from(schema, version, &mut r)?;
    dec(r.finish())?;
    Ok(node)
}

/// Decodes one message of `schema` at `version` from `r`, leaving what follows.
pub fn decode_from(
    schema: &'static MessageSchema,
    version: i16,
    r: &mut Reader<'_>,
) -> Result<Node, DynError> {
    if !schema.valid.contains(version) {
        return Err(DynError {
            offset: Some(r.offset()),
            path: String::from(schema.name),
            message: format!("unsupported version {version}"),
        });
    }
    let start = r.offset();
    let flexible = schema.flexible.contains(version);
    let s = read_struct(r, schema.fields, version, flexible).map_err(|e| e.within(schema.name))?;
    Ok(Node {
        span: Some(Span {
            start,
            end: r.offset(),
        }),
        value: Value::Struct(s),
    })
}

fn read_struct(
    r: &mut Reader<'_>,
    fields: &'static [FieldSchema],
    version: i16,
    flexible: bool,
) -> Result<StructValue, DynError> {
    let mut out = default_struct(fields);
    for (i, f) in fields.iter().enumerate() {
        if f.tag.is_some() || !f.versions.contains(version) {
            continue;
        }
        let lay = field_lay(f, version, flexible, false);
        let node = read_field(r, f, lay).map_err(|e| e.within(f.name))?;
        if let Some(slot) = out.fields.get_mut(i) {
            slot.node = node;
        }
    }
    if !flexible {
        return Ok(out);
    }
    let count = dec(r.uvarint())?;
    dec(r.check_len(u64::from(count).saturating_mul(2)))?;
    let mut typed: Vec<u32> = Vec::new();
    let mut entries: Vec<RawTagValue> = Vec::new();
    for _ in 0..count {
        let start = r.offset();
        let tag = dec(r.uvarint())?;
        let size = dec(r.uvarint())?;
        let len = dec(r.check_len(u64::from(size)))?;
        let data = r.rest().get(..len).unwrap_or_default().to_vec();
        let mut sub = dec(r.sub(len))?;
        let known = fields
            .iter()
            .enumerate()
            .find(|(_, f)| f.tag == Some(tag) && f.tagged_versions.contains(version));
        if let Some((i, f)) = known {
            let lay = field_lay(f, version, flexible, true);
            let node = read_field(&mut sub, f, lay).map_err(|e| e.within(f.name))?;
            if sub.remaining() != 0 {
                return Err(DynError {
                    offset: Some(sub.offset()),
                    path: String::from(f.name),
                    message: format!(
                        "tagged field {tag} declared {} bytes but its value used {}",
                        len,
                        sub.consumed()
                    ),
                });
            }
            if !same(&node.value, &default_value(f)) && !typed.contains(&tag) {
                typed.push(tag);
            }
            if let Some(slot) = out.fields.get_mut(i) {
                slot.node = node;
            }
        }
        entries.push(RawTagValue {
            tag,
            data,
            span: Some(Span {
                start,
                end: r.offset(),
            }),
        });
    }
    out.unknown_tags = entries
        .into_iter()
        .filter(|e| !typed.contains(&e.tag))
        .collect();
    Ok(out)
}

fn read_field(r: &mut Reader<'_>, f: &'static FieldSchema, lay: Lay) -> Result<Node, DynError> {
    let start = r.offset();
    let value = match f.ty {
        FieldType::Array(elem) => read_array(r, f, elem, lay)?,
        FieldType::Struct(_) => {
            if lay.nullable && dec(r.i8())? < 0 {
                Value::Null
            } else {
                Value::Struct(read_struct(r, f.fields, lay.version, lay.flexible)?)
            }
        }
        ty => read_scalar(r, &ty, lay, is_option(f))?,
    };
    Ok(Node {
        span: Some(Span {
            start,
            end: r.offset(),
        }),
        value,
    })
}

fn read_array(
    r: &mut Reader<'_>,
    f: &'static FieldSchema,
    elem: &'static FieldType,
    lay: Lay,
) -> Result<Value, DynError> {
    let start = r.offset();
    let Some(len) = dec(r.length(lay.flexible, true))? else {
        if lay.nullable {
            return Ok(Value::Null);
        }
        return Err(DynError::decode(DecodeError::new(
            start,
            crate::error::DecodeErrorKind::UnexpectedNull,
        )));
    };
    let elay = Lay {
        nullable: false,
        ..lay
    };
    let mut items = Vec::with_capacity(len.min(1024));
    for i in 0..len {
        let s = r.offset();
        let value = match elem {
            FieldType::Struct(_) => {
                read_struct(r, f.fields, lay.version, lay.flexible).map(Value::Struct)
            }
            ty => read_scalar(r, ty, elay, false),
        }
        .map_err(|e| e.within(&format!("[{i}]")))?;
        items.push(Node {
            span: Some(Span {
                start: s,
                end: r.offset(),
            }),
            value,
        });
    }
    Ok(Value::Array(items))
}

fn read_scalar(
    r: &mut Reader<'_>,
    ty: &FieldType,
    lay: Lay,
    option: bool,
) -> Result<Value, DynError> {
    Ok(match ty {
        FieldType::Bool => Value::Bool(dec(r.u8())? != 0),
        FieldType::Int8 => Value::Int(dec(r.i8())?.into()),
        FieldType::Int16 => Value::Int(dec(r.i16())?.into()),
        FieldType::Uint16 => Value::Int(dec(r.u16())?.into()),
        FieldType::Int32 => Value::Int(dec(r.i32())?.into()),
        FieldType::Uint32 => Value::Int(dec(r.u32())?.into()),
        FieldType::Int64 => Value::Int(dec(r.i64())?),
        FieldType::Float64 => Value::Float(dec(r.f64())?),
        FieldType::Uuid => Value::Uuid(dec(r.uuid())?),
        FieldType::String | FieldType::Bytes | FieldType::Records => {
            let start = r.offset();
            let wide = !matches!(ty, FieldType::String);
            match dec(r.length(lay.flexible, wide))? {
                Some(n) => {
                    let b = dec(r.take(n))?.to_vec();
                    match ty {
                        FieldType::String => Value::Str(b),
                        FieldType::Bytes => Value::Bytes(b),
                        _ => Value::Records(b),
                    }
                }
                None if lay.nullable && option => Value::Null,
                None => {
                    return Err(DynError::decode(DecodeError::new(
                        start,
                        crate::error::DecodeErrorKind::UnexpectedNull,
                    )))
                }
            }
        }
        FieldType::Array(_) | FieldType::Struct(_) => {
            return Err(DynError::encode(String::from("nested array type")))
        }
    })
}

// ---------------------------------------------------------------- encoding

fn put_uvarint(out: &mut Vec<u8>, mut v: u32) {
    loop {
        let b = (v & 0x7f) as u8;
        v >>= 7;
        if v == 0 {
            out.push(b);
            return;
        }
        out.push(b | 0x80);
    }
}

fn put_length(
    out: &mut Vec<u8>,
    len: Option<usize>,
    compact: bool,
    wide: bool,
) -> Result<(), DynError> {
    let too_long = |n: usize| DynError::encode(format!("length {n} too long for its prefix"));
    match (len, compact) {
        (None, true) => out.push(0),
        (Some(n), true) => {
            let v = u32::try_from(n)
                .ok()
                .and_then(|n| n.checked_add(1))
                .ok_or(too_long(n))?;
            put_uvarint(out, v);
        }
        (None, false) if wide => out.extend_from_slice(&(-1i32).to_be_bytes()),
        (None, false) => out.extend_from_slice(&(-1i16).to_be_bytes()),
        (Some(n), false) if wide => {
            out.extend_from_slice(&i32::try_from(n).map_err(|_| too_long(n))?.to_be_bytes())
        }
        (Some(n), false) => {
            out.extend_from_slice(&i16::try_from(n).map_err(|_| too_long(n))?.to_be_bytes())
        }
    }
    Ok(())
}

/// Encodes `value` (a [`Value::Struct`] of `schema`) at `version`, appending to `out`.
pub fn encode(
    schema: &'static MessageSchema,
    version: i16,
    value: &Value,
    out: &mut Vec<u8>,
) -> Result<(), DynError> {
    if !schema.valid.contains(version) {
        return Err(DynError::encode(format!("unsupported version {version}")).within(schema.name));
    }
    let Value::Struct(s) = value else {
        return Err(
            DynError::encode(String::from("a message must be a struct")).within(schema.name)
        );
    };
    let flexible = schema.flexible.contains(version);
    write_struct(out, schema.fields, s, version, flexible).map_err(|e| e.within(schema.name))
}

fn not_in_version(f: &FieldSchema, version: i16) -> DynError {
    DynError::encode(format!(
        "a non-default value in a field that version {version} cannot carry"
    ))
    .within(f.name)
}

fn field_value<'v>(
    s: &'v StructValue,
    i: usize,
    f: &'static FieldSchema,
) -> Result<&'v Value, DynError> {
    match s.fields.get(i) {
        Some(fv) if core::ptr::eq(fv.schema, f) || fv.schema.name == f.name => Ok(&fv.node.value),
        _ => Err(
            DynError::encode(String::from("the struct does not match its schema")).within(f.name),
        ),
    }
}

fn write_struct(
    out: &mut Vec<u8>,
    fields: &'static [FieldSchema],
    s: &StructValue,
    version: i16,
    flexible: bool,
) -> Result<(), DynError> {
    if s.fields.len() != fields.len() {
        return Err(DynError::encode(String::from(
            "the struct does not match its schema",
        )));
    }
    for (i, f) in fields.iter().enumerate() {
        if f.tag.is_some() {
            continue;
        }
        let v = field_value(s, i, f)?;
        if f.versions.contains(version) {
            let lay = field_lay(f, version, flexible, false);
            write_field(out, f, v, lay).map_err(|e| e.within(f.name))?;
        } else if !f.ignorable && !same(v, &default_value(f)) {
            return Err(not_in_version(f, version));
        }
    }
    // Tagged fields that this version cannot carry.
    for (i, f) in fields.iter().enumerate() {
        if f.tag.is_none() || f.ignorable {
            continue;
        }
        let v = field_value(s, i, f)?;
        if (!flexible || !f.tagged_versions.contains(version)) && !same(v, &default_value(f)) {
            return Err(not_in_version(f, version));
        }
    }
    if !flexible {
        if !s.unknown_tags.is_empty() {
            return Err(DynError::encode(format!(
                "tagged fields in version {version}, which has none"
            ))
            .within("_unknownTaggedFields"));
        }
        return Ok(());
    }
    // Typed tagged fields present at this version, in schema order.
    let mut typed: Vec<(u32, Vec<u8>)> = Vec::new();
    for (i, f) in fields.iter().enumerate() {
        let Some(tag) = f.tag else { continue };
        let v = field_value(s, i, f)?;
        if f.tagged_versions.contains(version) && !same(v, &default_value(f)) {
            let mut buf = Vec::new();
            let lay = field_lay(f, version, flexible, true);
            write_field(&mut buf, f, v, lay).map_err(|e| e.within(f.name))?;
            typed.push((tag, buf));
        }
    }
    let is_typed = |t: u32| typed.iter().any(|(tag, _)| *tag == t);
    let raw_count = s.unknown_tags.iter().filter(|t| !is_typed(t.tag)).count();
    let mut set_len = 0usize;
    let mut seen: Vec<u32> = Vec::new();
    for (t, _) in &typed {
        if !seen.contains(t) {
            seen.push(*t);
            set_len += 1;
        }
    }
    put_uvarint(out, u32::try_from(set_len + raw_count).unwrap_or(u32::MAX));
    // The generated TaggedWriter's merge: raw entries are flushed up to each
    // typed tag, in their stored order.
    let mut raw = s.unknown_tags.iter().peekable();
    let mut flush = |out: &mut Vec<u8>, tag: u32, inclusive: bool| {
        while let Some(t) = raw.next_if(|t| t.tag < tag || (inclusive && t.tag == tag)) {
            if is_typed(t.tag) {
                continue;
            }
            put_uvarint(out, t.tag);
            put_uvarint(out, u32::try_from(t.data.len()).unwrap_or(u32::MAX));
            out.extend_from_slice(&t.data);
        }
    };
    for (tag, buf) in &typed {
        flush(out, *tag, false);
        put_uvarint(out, *tag);
        put_uvarint(out, u32::try_from(buf.len()).unwrap_or(u32::MAX));
        out.extend_from_slice(buf);
    }
    flush(out, u32::MAX, true);
    Ok(())
}

fn null_not_allowed(version: i16) -> DynError {
    DynError::encode(format!(
        "null in a field that is not nullable in version {version}"
    ))
}

fn write_field(
    out: &mut Vec<u8>,
    f: &'static FieldSchema,
    v: &Value,
    lay: Lay,
) -> Result<(), DynError> {
    match f.ty {
        FieldType::Array(elem) => match v {
            Value::Null if lay.nullable && is_option(f) => {
                put_length(out, None, lay.flexible, true)
            }
            Value::Null => Err(null_not_allowed(lay.version)),
            Value::Array(items) => {
                put_length(out, Some(items.len()), lay.flexible, true)?;
                let elay = Lay {
                    nullable: false,
                    ..lay
                };
                for (i, item) in items.iter().enumerate() {
                    match (elem, &item.value) {
                        (FieldType::Struct(_), Value::Struct(s)) => {
                            write_struct(out, f.fields, s, lay.version, lay.flexible)
                        }
                        (FieldType::Struct(_), _) => {
                            Err(DynError::encode(String::from("expected a struct")))
                        }
                        (ty, value) => write_scalar(out, ty, value, elay, false),
                    }
                    .map_err(|e| e.within(&format!("[{i}]")))?;
                }
                Ok(())
            }
            _ => Err(DynError::encode(String::from("expected an array"))),
        },
        FieldType::Struct(_) => match (v, lay.nullable) {
            (Value::Struct(s), true) => {
                out.push(1);
                write_struct(out, f.fields, s, lay.version, lay.flexible)
            }
            (Value::Struct(s), false) => write_struct(out, f.fields, s, lay.version, lay.flexible),
            (Value::Null, true) if is_option(f) => {
                out.push(0xff);
                Ok(())
            }
            (Value::Null, _) => Err(null_not_allowed(lay.version)),
            _ => Err(DynError::encode(String::from("expected a struct"))),
        },
        ty => write_scalar(out, &ty, v, lay, is_option(f)),
    }
}

fn int_in(v: i64, lo: i64, hi: i64) -> Result<i64, DynError> {
    if v < lo || v > hi {
        Err(DynError::encode(format!("{v} is out of range {lo}..={hi}")))
    } else {
        Ok(v)
    }
}

fn write_scalar(
    out: &mut Vec<u8>,
    ty: &FieldType,
    v: &Value,
    lay: Lay,
    option: bool,
) -> Result<(), DynError> {
    let mismatch = || DynError::encode(format!("a {v:?} does not fit type {ty:?}"));
    match (ty, v) {
        (FieldType::Bool, Value::Bool(b)) => out.push(u8::from(*b)),
        (FieldType::Int8, Value::Int(i)) => out
            .extend_from_slice(&(int_in(*i, i8::MIN.into(), i8::MAX.into())? as i8).to_be_bytes()),
        (FieldType::Int16, Value::Int(i)) => out.extend_from_slice(
            &(int_in(*i, i16::MIN.into(), i16::MAX.into())? as i16).to_be_bytes(),
        ),
        (FieldType::Uint16, Value::Int(i)) => {
            out.extend_from_slice(&(int_in(*i, 0, u16::MAX.into())? as u16).to_be_bytes())
        }
        (FieldType::Int32, Value::Int(i)) => out.extend_from_slice(
            &(int_in(*i, i32::MIN.into(), i32::MAX.into())? as i32).to_be_bytes(),
        ),
        (FieldType::Uint32, Value::Int(i)) => {
            out.extend_from_slice(&(int_in(*i, 0, u32::MAX.into())? as u32).to_be_bytes())
        }
        (FieldType::Int64, Value::Int(i)) => out.extend_from_slice(&i.to_be_bytes()),
        (FieldType::Float64, Value::Float(x)) => out.extend_from_slice(&x.to_be_bytes()),
        (FieldType::Uuid, Value::Uuid(u)) => out.extend_from_slice(u),
        (FieldType::String, Value::Str(b)) => {
            put_length(out, Some(b.len()), lay.flexible, false)?;
            out.extend_from_slice(b);
        }
        (FieldType::Bytes, Value::Bytes(b)) | (FieldType::Records, Value::Records(b)) => {
            put_length(out, Some(b.len()), lay.flexible, true)?;
            out.extend_from_slice(b);
        }
        (FieldType::String | FieldType::Bytes | FieldType::Records, Value::Null) => {
            if lay.nullable && option {
                put_length(out, None, lay.flexible, !matches!(ty, FieldType::String))?;
            } else {
                return Err(null_not_allowed(lay.version));
            }
        }
        _ => return Err(mismatch()),
    }
    Ok(())
}
