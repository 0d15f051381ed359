//! Views of what Kafka nests inside its messages (see `docs/JSON.md`,
//! "Nested payloads"):
//!
//! * the consumer-group protocol: `_metadata` next to a JoinGroup member's
//!   `metadata` (its subscription) and `_assignment` next to a SyncGroup
//!   `assignment`;
//! * the records of internal topics: `internal` in each record of a
//!   `_records` view of `__consumer_offsets`, `__transaction_state`,
//!   `__share_group_state` or `__cluster_metadata`;
//! * schema-registry framing: `keyRegistry` / `valueRegistry` in each
//!   record of any other topic whose key or value looks registry-framed.
//!
//! Every view is charged to the frame's [`Budget`] at its size as JSON
//! text; one that does not fit is `{"_truncated": "...why..."}`. The raw
//! bytes beside each view stay the data: the encoder drops `_` keys and
//! the whole `_records` view.

use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;
use kio_core::consumer_protocol::{decode_assignment, decode_subscription, Versioned};
use kio_core::internal_topics::{decode_record, InternalRecord, InternalTopic};
use kio_core::ApiKey;
use serde::Serialize;
use serde_json::{json, Map, Value};

use crate::records::{readable, TRUNCATED};
use crate::{Budget, Kind};

/// What one view costs besides its JSON text (the map it allocates).
pub const VIEW_COST: usize = 256;

/// Adds every nested-payload view to the body `b` of a `kind` message of
/// `api`, charging `budget` (run after [`crate::records::add_views_with`]).
pub fn add_views_with(b: &mut Value, kind: Kind, api: ApiKey, budget: &mut Budget) {
    consumer_protocol_views(b, kind, api, budget);
    internal_views(b, None, budget);
}

/// Which consumer-protocol payload a field holds.
#[derive(Clone, Copy)]
enum Payload {
    Subscription,
    Assignment,
}

fn consumer_protocol_views(b: &mut Value, kind: Kind, api: ApiKey, budget: &mut Budget) {
    let Value::Object(body) = b else { return };
    // `Some(true)`: consumer; `Some(false)`: another protocol; `None`: not said.
    let consumer = match body.get("protocolType") {
        Some(Value::String(s)) => Some(s == "consumer"),
        _ => None,
    };
    if consumer == Some(false) {
        return;
    }
    let strict = consumer == Some(true);
    match (api, kind) {
        (ApiKey::JoinGroup, Kind::Request) => {
            each_item(body, "protocols", |m| {
                view_field(m, "metadata", Payload::Subscription, strict, budget)
            });
        }
        (ApiKey::JoinGroup, Kind::Response) => {
            each_item(body, "members", |m| {
                view_field(m, "metadata", Payload::Subscription, strict, budget)
            });
        }
        (ApiKey::SyncGroup, Kind::Request) => {
            each_item(body, "assignments", |m| {
                view_field(m, "assignment", Payload::Assignment, strict, budget)
            });
        }
        (ApiKey::SyncGroup, Kind::Response) => {
            view_field(body, "assignment", Payload::Assignment, strict, budget);
        }
        _ => {}
    }
}

fn each_item(body: &mut Map<String, Value>, key: &str, mut f: impl FnMut(&mut Map<String, Value>)) {
    if let Some(Value::Array(items)) = body.get_mut(key) {
        for item in items {
            if let Value::Object(m) = item {
                f(m);
            }
        }
    }
}

/// The JSON of a decoded consumer-protocol payload.
fn versioned_json<T: Serialize>(v: &Versioned<T>) -> Value {
    let mut m = Map::new();
    m.insert("version".into(), v.version.into());
    if v.decoded_as != v.version {
        m.insert("decodedAs".into(), v.decoded_as.into());
    }
    if let Ok(Value::Object(fields)) = serde_json::to_value(&v.value) {
        m.extend(fields);
    }
    Value::Object(m)
}

/// The view of a consumer-protocol payload's bytes, or `None` when there
/// is none to show (empty, or not the consumer protocol when not `strict`).
pub fn consumer_protocol_view(bytes: &[u8], assignment: bool, strict: bool) -> Option<Value> {
    if bytes.is_empty() {
        return None;
    }
    let v = if assignment {
        decode_assignment(bytes).map(|v| versioned_json(&v))
    } else {
        decode_subscription(bytes).map(|v| versioned_json(&v))
    };
    match v {
        Ok(v) => Some(v),
        Err(e) if strict => Some(json!({ "error": e.to_string() })),
        Err(_) => None,
    }
}

fn view_field(
    m: &mut Map<String, Value>,
    field: &str,
    what: Payload,
    strict: bool,
    budget: &mut Budget,
) {
    let Some(Value::String(b64)) = m.get(field) else {
        return;
    };
    let view = match STANDARD.decode(b64.as_bytes()) {
        Ok(bytes) => {
            if !budget.try_charge(bytes.len()) {
                Some(truncated(budget))
            } else {
                consumer_protocol_view(&bytes, matches!(what, Payload::Assignment), strict)
                    .map(|v| charged(v, budget))
            }
        }
        Err(_) => None,
    };
    if let Some(v) = view {
        crate::records::insert_after(m, field, format!("_{field}"), v);
    }
}

fn truncated(budget: &Budget) -> Value {
    json!({ TRUNCATED: budget.why("this view does not fit in") })
}

/// `v` if its JSON text fits in the budget (charged), else `_truncated`.
fn charged(v: Value, budget: &mut Budget) -> Value {
    let cost = serde_json::to_string(&v)
        .map(|s| s.len())
        .unwrap_or(usize::MAX)
        .saturating_add(VIEW_COST);
    if budget.try_charge(cost) {
        v
    } else {
        truncated(budget)
    }
}

/// The internal topic a struct names, if any (`topic`/`name`, or
/// `__cluster_metadata`'s fixed `topicId`). `Some(None)`: a topic that is
/// not internal.
fn topic_of(m: &Map<String, Value>) -> Option<Option<InternalTopic>> {
    for k in ["topic", "name"] {
        if let Some(Value::String(s)) = m.get(k) {
            if !s.is_empty() {
                return Some(InternalTopic::from_name(s));
            }
        }
    }
    if let Some(Value::String(id)) = m.get("topicId") {
        let meta = STANDARD.encode(InternalTopic::METADATA_TOPIC_ID);
        let meta = meta.trim_end_matches('=');
        if id.trim_end_matches('=') == meta {
            return Some(Some(InternalTopic::ClusterMetadata));
        }
        return Some(None);
    }
    None
}

fn internal_views(v: &mut Value, topic: Option<InternalTopic>, budget: &mut Budget) {
    match v {
        Value::Object(m) => {
            let topic = match topic_of(m) {
                Some(t) => t,
                None => topic,
            };
            if let Some(Value::Array(batches)) = m.get_mut("_records") {
                for batch in batches {
                    batch_views(batch, topic, budget);
                }
            }
            for (k, child) in m.iter_mut() {
                if k != "_records" && (child.is_object() || child.is_array()) {
                    internal_views(child, topic, budget);
                }
            }
        }
        Value::Array(items) => {
            for i in items {
                internal_views(i, topic, budget);
            }
        }
        _ => {}
    }
}

/// The bytes of a readable view (`"text"`, `{"base64": ...}`, `null`).
fn unreadable(v: Option<&Value>) -> Result<Option<Vec<u8>>, ()> {
    match v {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s.as_bytes().to_vec())),
        Some(Value::Object(o)) => match o.get("base64") {
            Some(Value::String(b)) => STANDARD.decode(b.as_bytes()).map(Some).map_err(drop),
            _ => Err(()),
        },
        _ => Err(()),
    }
}

fn batch_views(batch: &mut Value, topic: Option<InternalTopic>, budget: &mut Budget) {
    let Value::Object(b) = batch else { return };
    let control = b.get("isControl") == Some(&Value::Bool(true));
    let Some(Value::Array(records)) = b.get_mut("records") else {
        return;
    };
    for r in records {
        let Value::Object(r) = r else { continue };
        let (Ok(key), Ok(value)) = (unreadable(r.get("key")), unreadable(r.get("value"))) else {
            continue;
        };
        let cost = key.as_ref().map_or(0, Vec::len) + value.as_ref().map_or(0, Vec::len);
        if !budget.try_charge(cost) {
            r.insert("internal".into(), truncated(budget));
            continue;
        }
        match topic {
            Some(t) => {
                if let Some(v) = internal_json(t, key.as_deref(), value.as_deref(), control) {
                    r.insert("internal".into(), charged(v, budget));
                }
            }
            None if !control => registry_views(r, key.as_deref(), value.as_deref(), budget),
            None => {}
        }
    }
}

fn to_json<T: Serialize>(v: &T) -> Value {
    serde_json::to_value(v).unwrap_or_else(|e| json!({ "error": e.to_string() }))
}

fn coordinator_json<K: Serialize, V: Serialize>(
    topic: InternalTopic,
    type_id: i16,
    key: &K,
    value: &Option<(i16, V)>,
) -> Value {
    let mut m = Map::new();
    m.insert("topic".into(), topic.name().into());
    m.insert("typeId".into(), type_id.into());
    if let Some(t) = topic.record_type(type_id) {
        m.insert("type".into(), t.name.into());
    }
    m.insert("key".into(), to_json(key));
    match value {
        Some((v, body)) => {
            m.insert("valueVersion".into(), (*v).into());
            m.insert("value".into(), to_json(body));
        }
        None => {
            m.insert("valueVersion".into(), Value::Null);
            m.insert("value".into(), Value::Null);
            m.insert("tombstone".into(), true.into());
        }
    }
    Value::Object(m)
}

/// The `internal` view of one record of `topic`; `None` for records the
/// `control` view already shows (transaction markers).
pub fn internal_json(
    topic: InternalTopic,
    key: Option<&[u8]>,
    value: Option<&[u8]>,
    control: bool,
) -> Option<Value> {
    let rec = match decode_record(topic, key, value, control) {
        Ok(r) => r,
        Err(e) => return Some(json!({ "topic": topic.name(), "error": e.to_string() })),
    };
    Some(match rec {
        InternalRecord::Group(r) => coordinator_json(topic, r.type_id, &r.key, &r.value),
        InternalRecord::Transaction(r) => coordinator_json(topic, r.type_id, &r.key, &r.value),
        InternalRecord::Share(r) => coordinator_json(topic, r.type_id, &r.key, &r.value),
        InternalRecord::Metadata(r) => json!({
            "topic": topic.name(),
            "frameVersion": r.frame_version,
            "apiKey": r.api_key,
            "type": topic.record_type(r.api_key).map(|t| t.name),
            "version": r.version,
            "value": to_json(&r.body),
        }),
        InternalRecord::RemoteLog(r) => json!({
            "topic": topic.name(),
            "frameVersion": r.frame_version,
            "apiKey": r.api_key,
            "type": topic.record_type(r.api_key).map(|t| t.name),
            "version": r.version,
            "value": to_json(&r.body),
        }),
        InternalRecord::KRaftControl(c) => json!({
            "topic": topic.name(),
            "controlType": c.control_type(),
            "type": c.name(),
            "value": to_json(&c),
        }),
        InternalRecord::TxnMarker { .. } => return None,
        _ => return None,
    })
}

/// Reads a Protobuf message-index list (zig-zag varints: a count, then the
/// indexes; a count of 0 means `[0]`): the indexes and the bytes used.
pub fn message_indexes(bytes: &[u8]) -> Option<(Vec<i64>, usize)> {
    let mut at = 0usize;
    let mut next = || -> Option<i64> {
        let mut v: u64 = 0;
        for shift in 0..5 {
            let b = *bytes.get(at)?;
            at += 1;
            v |= u64::from(b & 0x7f) << (7 * shift);
            if b & 0x80 == 0 {
                let z = (v >> 1) as i64 ^ -((v & 1) as i64);
                return Some(z);
            }
        }
        None
    };
    let n = next()?;
    if n == 0 {
        return Some((vec![0], 1));
    }
    if n < 0 || n as usize > bytes.len() {
        return None;
    }
    let mut out = Vec::with_capacity(n as usize);
    for _ in 0..n {
        let i = next()?;
        if i < 0 {
            return None;
        }
        out.push(i);
    }
    Some((out, at))
}

/// The registry view of a key or value framed with magic byte 0 and a
/// 4-byte schema id, or `None`.
pub fn magic_byte_view(bytes: &[u8]) -> Option<Value> {
    if bytes.len() < 5 || bytes[0] != 0 {
        return None;
    }
    let id = i32::from_be_bytes([bytes[1], bytes[2], bytes[3], bytes[4]]);
    let raw = &bytes[5..];
    let (indexes, payload) = match message_indexes(raw) {
        Some((ix, used)) => (json!(ix), &raw[used..]),
        None => (Value::Null, raw),
    };
    Some(json!({
        "framing": "magic-byte",
        "schemaId": id,
        "messageIndexes": indexes,
        "payload": readable(Some(payload)),
        "rawPayload": readable(Some(raw)),
    }))
}

/// The registry view from a `__key_schema_id` / `__value_schema_id`
/// header's bytes (magic byte 1, a 16-byte GUID, maybe message indexes)
/// and the framed key or value.
pub fn header_view(header: &str, id: &[u8], payload: Option<&[u8]>) -> Option<Value> {
    if id.len() < 17 || id[0] != 1 {
        return None;
    }
    let g = &id[1..17];
    let hex: String = g.iter().map(|b| format!("{b:02x}")).collect();
    let guid = format!(
        "{}-{}-{}-{}-{}",
        &hex[0..8],
        &hex[8..12],
        &hex[12..16],
        &hex[16..20],
        &hex[20..32]
    );
    let indexes = match message_indexes(&id[17..]) {
        Some((ix, used)) if used == id.len() - 17 => json!(ix),
        _ => Value::Null,
    };
    Some(json!({
        "framing": "header",
        "header": header,
        "schemaGuid": guid,
        "messageIndexes": indexes,
        "payload": readable(payload),
    }))
}

fn registry_views(
    r: &mut Map<String, Value>,
    key: Option<&[u8]>,
    value: Option<&[u8]>,
    budget: &mut Budget,
) {
    let mut headers: Vec<(String, Vec<u8>)> = Vec::new();
    if let Some(Value::Array(hs)) = r.get("headers") {
        for h in hs {
            if let Some(Value::String(k)) = h.get("key") {
                if k == "__key_schema_id" || k == "__value_schema_id" {
                    if let Ok(Some(b)) = unreadable(h.get("value")) {
                        headers.push((k.clone(), b));
                    }
                }
            }
        }
    }
    for (name, bytes, header) in [
        ("keyRegistry", key, "__key_schema_id"),
        ("valueRegistry", value, "__value_schema_id"),
    ] {
        let from_header = headers
            .iter()
            .find(|(k, _)| k == header)
            .and_then(|(_, id)| header_view(header, id, bytes));
        let view = from_header.or_else(|| bytes.and_then(magic_byte_view));
        if let Some(v) = view {
            r.insert(name.into(), charged(v, budget));
        }
    }
}
