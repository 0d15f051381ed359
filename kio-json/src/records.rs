//! The readable view of `records` fields: for a field `records` holding
//! base64 record-batch bytes, a sibling `_records` lists its batches with
//! every header field and their records (offset, timestamp, key, value,
//! headers). The encoder ignores it: the base64 stays the lossless form.
//!
//! Keys and values are shown as text when they are valid UTF-8, otherwise as
//! `{"base64": "..."}`; `null` stays `null`.
//!
//! Everything this view expands (decompressed bytes, readable copies of
//! keys, values and headers, one JSON object per record) is charged to one
//! [`Budget`] shared by every `records` field of a frame; a batch that does
//! not fit keeps its raw bytes (the base64) and shows
//! `{"_truncated": "...why..."}` instead of (the rest of) its records.

use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;
use kio_core::records::{
    BatchItem, Compression, ControlRecord, LegacyMessage, Record, RecordBatch, RecordBatches,
    RecordsErrorKind, TimestampType,
};
use kio_core::{FieldSchema, FieldType};
use serde_json::{json, Map, Value};

pub use crate::budget::Budget;

/// The largest decompressed batch the view ever inflates, whatever the
/// budget (the default budget's cap, [`crate::budget::DEFAULT_CAP`], is larger
/// only to leave room for the readable copies).
pub const MAX_DECOMPRESSED: usize = 64 << 20;

/// What one record's JSON object costs the budget besides its readable
/// copies (an estimate of the heap it holds: a map of eight entries).
pub const RECORD_COST: usize = 512;
/// What one header's JSON object costs besides its readable copies.
pub const HEADER_COST: usize = 128;

/// Adds a `_<name>` view next to every non-null `records` field of the
/// message `value` described by `fields`, at any depth, with the default
/// budget for bytes of that size (see [`Budget::for_frame`]).
pub fn add_views(value: &mut Value, fields: &'static [FieldSchema]) {
    let mut budget = Budget::for_frame(records_len(value, fields), None);
    add_views_with(value, fields, &mut budget);
}

/// The total size of the `records` fields of `value` (base64 length × 3/4).
fn records_len(value: &mut Value, fields: &'static [FieldSchema]) -> usize {
    let mut n = 0usize;
    super::walk_structs(value, fields, &mut |m, fields| {
        for f in fields.iter().filter(|f| matches!(f.ty, FieldType::Records)) {
            if let Some(Value::String(b64)) = m.get(f.json_name) {
                n = n.saturating_add(b64.len() / 4 * 3);
            }
        }
    });
    n
}

/// [`add_views`] charging everything to `budget` (shared by the whole frame).
pub fn add_views_with(value: &mut Value, fields: &'static [FieldSchema], budget: &mut Budget) {
    super::walk_structs(value, fields, &mut |m, fields| {
        for f in fields.iter().filter(|f| matches!(f.ty, FieldType::Records)) {
            let Some(Value::String(b64)) = m.get(f.json_name) else {
                continue;
            };
            let view = match STANDARD.decode(b64.as_bytes()) {
                Ok(bytes) => view_with(&bytes, budget),
                Err(e) => json!({ "error": format!("invalid base64: {e}") }),
            };
            insert_after(m, f.json_name, format!("_{}", f.json_name), view);
        }
    });
}

/// Inserts `key: value` right after `after`, keeping the order of the rest.
pub(crate) fn insert_after(m: &mut Map<String, Value>, after: &str, key: String, value: Value) {
    let mut value = Some(value);
    let old = std::mem::take(m);
    for (k, v) in old {
        let hit = k == after;
        m.insert(k, v);
        if hit {
            if let Some(v) = value.take() {
                m.insert(key.clone(), v);
            }
        }
    }
}

/// The view of the bytes of one `records` field: a list of batches (magic
/// 2), legacy messages (magic 0 and 1), a final `{"truncated": ...}` when a
/// fetch cut the last batch short, or `{"error": ...}` where parsing stopped.
/// Uses the default budget for `bytes.len()` bytes.
pub fn view_of(bytes: &[u8]) -> Value {
    view_with(bytes, &mut Budget::for_frame(bytes.len(), None))
}

/// [`view_of`] charging everything to `budget`.
pub fn view_with(bytes: &[u8], budget: &mut Budget) -> Value {
    let mut out = Vec::new();
    for item in RecordBatches::new(bytes) {
        match item {
            Ok(BatchItem::Batch(b)) => out.push(batch(&b, budget)),
            Ok(BatchItem::Legacy(m)) => out.push(legacy(&m, budget)),
            Ok(BatchItem::Truncated(t)) => out.push(json!({
                "truncated": { "offset": t.offset, "available": t.available, "needed": t.needed }
            })),
            Err(e) => out.push(json!({ "error": e.to_string() })),
        }
    }
    Value::Array(out)
}

/// The budget cost of a readable copy of `bytes`: its size as JSON text
/// (control characters, `"` and `\\` escaped; base64 when not UTF-8), so
/// that printing the view costs no more than the view.
fn readable_cost(bytes: Option<&[u8]>) -> usize {
    let Some(b) = bytes else { return 0 };
    let text = match std::str::from_utf8(b) {
        Ok(_) => {
            let escaped = b
                .iter()
                .filter(|&&c| c < 0x20 || c == b'"' || c == b'\\')
                .count();
            b.len().saturating_add(escaped.saturating_mul(5))
        }
        Err(_) => b.len().div_ceil(3).saturating_mul(4),
    };
    text.saturating_add(32)
}

/// What a record's JSON costs the budget.
fn record_cost(r: &Record<'_>) -> usize {
    let headers: usize = r
        .headers()
        .map(|h| HEADER_COST + h.key.len() + readable_cost(h.value))
        .fold(0usize, usize::saturating_add);
    RECORD_COST
        .saturating_add(readable_cost(r.key))
        .saturating_add(readable_cost(r.value))
        .saturating_add(headers)
}

/// Decompresses `what` charging `budget`; `Err(view message)` when it does
/// not fit.
fn inflate<T>(
    budget: &mut Budget,
    decompress: impl FnOnce(usize) -> Result<T, kio_core::records::RecordsError>,
    len: impl Fn(&T) -> usize,
) -> Result<Result<T, String>, String> {
    let room = budget.remaining().min(MAX_DECOMPRESSED);
    match decompress(room) {
        Ok(d) => {
            budget.charge(len(&d));
            Ok(Ok(d))
        }
        Err(e) if matches!(e.kind, RecordsErrorKind::OutputTooLarge { .. }) => {
            let why = budget.why(&format!(
                "the decompressed records need more than the {room} bytes left of"
            ));
            budget.exhaust();
            Err(why)
        }
        Err(e) => Ok(Err(e.to_string())),
    }
}
/// Readable bytes: text if valid UTF-8, else `{"base64": ...}`.
pub fn readable(bytes: Option<&[u8]>) -> Value {
    match bytes {
        None => Value::Null,
        Some(b) => match std::str::from_utf8(b) {
            Ok(s) => Value::String(s.to_owned()),
            Err(_) => json!({ "base64": STANDARD.encode(b) }),
        },
    }
}

fn compression_name(c: Compression) -> &'static str {
    match c {
        Compression::None => "none",
        Compression::Gzip => "gzip",
        Compression::Snappy => "snappy",
        Compression::Lz4 => "lz4",
        Compression::Zstd => "zstd",
    }
}

fn timestamp_type_name(t: TimestampType) -> &'static str {
    match t {
        TimestampType::CreateTime => "createTime",
        TimestampType::LogAppendTime => "logAppendTime",
    }
}

fn batch(b: &RecordBatch<'_>, budget: &mut Budget) -> Value {
    let h = b.header();
    let mut m = Map::new();
    m.insert("baseOffset".into(), h.base_offset.into());
    m.insert("batchLength".into(), h.batch_length.into());
    m.insert(
        "partitionLeaderEpoch".into(),
        h.partition_leader_epoch.into(),
    );
    m.insert("magic".into(), h.magic.into());
    m.insert("crc".into(), h.crc.into());
    m.insert("attributes".into(), h.attributes.0.into());
    m.insert(
        "compression".into(),
        compression_name(b.compression()).into(),
    );
    m.insert(
        "timestampType".into(),
        timestamp_type_name(b.timestamp_type()).into(),
    );
    m.insert("isTransactional".into(), b.is_transactional().into());
    m.insert("isControl".into(), b.is_control().into());
    m.insert("lastOffsetDelta".into(), h.last_offset_delta.into());
    m.insert("baseTimestamp".into(), h.base_timestamp.into());
    m.insert("maxTimestamp".into(), h.max_timestamp.into());
    m.insert("producerId".into(), h.producer_id.into());
    m.insert("producerEpoch".into(), h.producer_epoch.into());
    m.insert("baseSequence".into(), h.base_sequence.into());
    m.insert("recordCount".into(), h.record_count.into());
    let control = b.is_control();
    let total = usize::try_from(h.record_count).unwrap_or(0);
    if b.compression() == Compression::None {
        match b.records() {
            Ok(rs) => records_into(&mut m, rs, control, total, budget),
            Err(e) => {
                m.insert("error".into(), e.to_string().into());
            }
        }
    } else {
        match inflate(
            budget,
            |room| b.decompress_to_vec(room),
            |d| d.as_bytes().len(),
        ) {
            Ok(Ok(d)) => records_into(&mut m, d.records(), control, total, budget),
            Ok(Err(e)) => {
                m.insert("error".into(), e.into());
            }
            Err(why) => {
                m.insert(TRUNCATED.into(), why.into());
            }
        }
    }
    Value::Object(m)
}

/// The key of a batch view that does not show (all) its records because
/// the frame's budget ran out.
pub const TRUNCATED: &str = "_truncated";

/// Adds `records` (and `_truncated` when the budget runs out first).
fn records_into<'r>(
    m: &mut Map<String, Value>,
    rs: impl Iterator<Item = Record<'r>>,
    control: bool,
    total: usize,
    budget: &mut Budget,
) {
    let mut out = Vec::new();
    let mut truncated = None;
    for r in rs {
        if !budget.try_charge(record_cost(&r)) {
            truncated = Some(budget.why(&format!(
                "showing {} of {total} records: the rest do not fit in",
                out.len()
            )));
            break;
        }
        out.push(record(&r, control));
    }
    m.insert("records".into(), Value::Array(out));
    if let Some(why) = truncated {
        m.insert(TRUNCATED.into(), why.into());
    }
}

fn record(r: &Record<'_>, control: bool) -> Value {
    let mut m = Map::new();
    m.insert("offset".into(), r.offset.into());
    m.insert("timestamp".into(), r.timestamp.into());
    m.insert("offsetDelta".into(), r.offset_delta.into());
    m.insert("timestampDelta".into(), r.timestamp_delta.into());
    m.insert("attributes".into(), r.attributes.into());
    m.insert("key".into(), readable(r.key));
    m.insert("value".into(), readable(r.value));
    let headers: Vec<Value> = r
        .headers()
        .map(|h| json!({ "key": h.key, "value": readable(h.value) }))
        .collect();
    m.insert("headers".into(), Value::Array(headers));
    if control {
        let c = match ControlRecord::parse(r) {
            Ok(ControlRecord::EndTxn { commit, marker, .. }) => json!({
                "type": if commit { "commit" } else { "abort" },
                "coordinatorEpoch": marker.coordinator_epoch,
            }),
            Ok(ControlRecord::Other { key, .. }) => json!({
                "type": key.control_type.as_i16(),
            }),
            Err(e) => json!({ "error": e.to_string() }),
        };
        m.insert("control".into(), c);
    }
    Value::Object(m)
}

fn legacy(msg: &LegacyMessage<'_>, budget: &mut Budget) -> Value {
    let mut m = Map::new();
    m.insert("offset".into(), msg.offset.into());
    m.insert("magic".into(), msg.magic.into());
    m.insert("crc".into(), msg.crc.into());
    m.insert("attributes".into(), msg.attributes.into());
    m.insert(
        "compression".into(),
        compression_name(msg.compression()).into(),
    );
    if let Some(t) = msg.timestamp {
        m.insert("timestamp".into(), t.into());
        m.insert(
            "timestampType".into(),
            timestamp_type_name(msg.timestamp_type()).into(),
        );
    }
    if msg.compression() == Compression::None {
        let cost = RECORD_COST
            .saturating_add(readable_cost(msg.key))
            .saturating_add(readable_cost(msg.value));
        if budget.try_charge(cost) {
            m.insert("key".into(), readable(msg.key));
            m.insert("value".into(), readable(msg.value));
        } else {
            m.insert(
                TRUNCATED.into(),
                budget.why("its key and value do not fit in").into(),
            );
        }
    } else {
        // Inner messages are never compressed (kio-core rejects nesting),
        // so this recursion is one level deep.
        match inflate(
            budget,
            |room| msg.decompress_to_vec(room),
            |d| d.messages().map(|i| i.as_bytes().len()).sum(),
        ) {
            Ok(Ok(d)) => {
                let inner: Vec<Value> = d.messages().map(|i| legacy(&i, budget)).collect();
                m.insert("messages".into(), Value::Array(inner));
            }
            Ok(Err(e)) => {
                m.insert("error".into(), e.into());
            }
            Err(why) => {
                m.insert(TRUNCATED.into(), why.into());
            }
        }
    }
    Value::Object(m)
}
