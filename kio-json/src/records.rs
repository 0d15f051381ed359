//! The readable view of `records` fields: for a field `records` holding
//! base64 record-batch bytes, a sibling `_records` lists its batches with
//! every header field and their records (offset, timestamp, key, value,
//! headers). The encoder ignores it: the base64 stays the lossless form.
//!
//! Keys and values are shown as text when they are valid UTF-8, otherwise as
//! `{"base64": "..."}`; `null` stays `null`.

use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;
use kio_core::records::{
    BatchItem, Compression, ControlRecord, LegacyMessage, Record, RecordBatch, RecordBatches,
    TimestampType,
};
use kio_core::{FieldSchema, FieldType};
use serde_json::{json, Map, Value};

/// The largest decompressed batch the view will inflate (bigger ones are
/// shown with an error instead of their records).
pub const MAX_DECOMPRESSED: usize = 64 << 20;

/// Adds a `_<name>` view next to every non-null `records` field of the
/// message `value` described by `fields`, at any depth.
pub fn add_views(value: &mut Value, fields: &'static [FieldSchema]) {
    super::walk_structs(value, fields, &mut |m, fields| {
        for f in fields.iter().filter(|f| matches!(f.ty, FieldType::Records)) {
            let Some(Value::String(b64)) = m.get(f.json_name) else {
                continue;
            };
            let view = match STANDARD.decode(b64.as_bytes()) {
                Ok(bytes) => view_of(&bytes),
                Err(e) => json!({ "error": format!("invalid base64: {e}") }),
            };
            insert_after(m, f.json_name, format!("_{}", f.json_name), view);
        }
    });
}

/// Inserts `key: value` right after `after`, keeping the order of the rest.
fn insert_after(m: &mut Map<String, Value>, after: &str, key: String, value: Value) {
    let old = std::mem::take(m);
    for (k, v) in old {
        let hit = k == after;
        m.insert(k, v);
        if hit {
            m.insert(key.clone(), value.clone());
        }
    }
}

/// The view of the bytes of one `records` field: a list of batches (magic
/// 2), legacy messages (magic 0 and 1), a final `{"truncated": ...}` when a
/// fetch cut the last batch short, or `{"error": ...}` where parsing stopped.
pub fn view_of(bytes: &[u8]) -> Value {
    let mut out = Vec::new();
    for item in RecordBatches::new(bytes) {
        match item {
            Ok(BatchItem::Batch(b)) => out.push(batch(&b)),
            Ok(BatchItem::Legacy(m)) => out.push(legacy(&m)),
            Ok(BatchItem::Truncated(t)) => out.push(json!({
                "truncated": { "offset": t.offset, "available": t.available, "needed": t.needed }
            })),
            Err(e) => out.push(json!({ "error": e.to_string() })),
        }
    }
    Value::Array(out)
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

fn batch(b: &RecordBatch<'_>) -> Value {
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
    let records = if b.compression() == Compression::None {
        b.records()
            .map(|rs| rs.map(|r| record(&r, control)).collect::<Vec<_>>())
    } else {
        b.decompress_to_vec(MAX_DECOMPRESSED)
            .map(|d| d.records().map(|r| record(&r, control)).collect())
    };
    match records {
        Ok(rs) => m.insert("records".into(), Value::Array(rs)),
        Err(e) => m.insert("error".into(), e.to_string().into()),
    };
    Value::Object(m)
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

fn legacy(msg: &LegacyMessage<'_>) -> Value {
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
        m.insert("key".into(), readable(msg.key));
        m.insert("value".into(), readable(msg.value));
    } else {
        match msg.decompress_to_vec(MAX_DECOMPRESSED) {
            Ok(d) => {
                let inner: Vec<Value> = d.messages().map(|i| legacy(&i)).collect();
                m.insert("messages".into(), Value::Array(inner));
            }
            Err(e) => {
                m.insert("error".into(), e.to_string().into());
            }
        }
    }
    Value::Object(m)
}
