//! Kafka's internal records (`kio_core::internal_records`,
//! `kio_core::internal_topics`) against Kafka's own schema files and
//! framing.
//!
//! * An independent walk of `../shared/kafka-schema/4.3.1-records` (its own
//!   comment stripper, version parser and field walk over
//!   `serde_json::Value`, not kio-gen's code) checks every generated record
//!   schema: name, type id, valid and flexible versions, and the field
//!   layout (names, types, order, tags, nullability, nesting) at every
//!   version; and that each topic's type table pairs the files the README
//!   says.
//! * Round trips: for every record type and version, random valid bodies
//!   from the schema-driven generator (`common::gen`, which walks the static
//!   tables, not the generated codecs) are framed by hand with the Java
//!   layout of the README (`MessageUtil.toCoordinatorTypePrefixedByteBuffer`,
//!   `toVersionPrefixedByteBuffer`, `AbstractApiMessageSerde.write`), decoded
//!   with `decode_record`, re-encoded to identical bytes, and every strict
//!   prefix of the key and of the value fails.

mod common;

use std::collections::BTreeMap;

use common::gen::{message, Rng};
use common::kafka_json::{bounds, json_layout, strip_comments, type_text, Line};
use kio_core::internal_records::{GroupCoordinatorKey, GroupCoordinatorValue, ALL_RECORD_SCHEMAS};
use kio_core::internal_topics::{
    decode_record, encode_key, encode_metadata_record, encode_remote_log_record, encode_value,
    InternalErrorKind, InternalRecord, InternalTopic,
};
use kio_core::{FieldSchema, MessageSchema};
use proptest::prelude::*;
use serde_json::Value;

const FOLDERS: [(&str, InternalTopic); 5] = [
    ("group-coordinator", InternalTopic::ConsumerOffsets),
    ("transaction-coordinator", InternalTopic::TransactionState),
    ("share-coordinator", InternalTopic::ShareGroupState),
    ("metadata", InternalTopic::ClusterMetadata),
    ("storage", InternalTopic::RemoteLogMetadata),
];

fn folder(name: &str) -> String {
    format!(
        "{}/../../shared/kafka-schema/4.3.1-records/{name}",
        env!("CARGO_MANIFEST_DIR")
    )
}

fn kio_layout(schema: &MessageSchema, v: i16) -> Vec<Line> {
    let flexible = schema.flexible.contains(v);
    fn walk(fields: &[FieldSchema], v: i16, flexible: bool, depth: usize, out: &mut Vec<Line>) {
        for f in fields {
            if !f.versions.contains(v) {
                continue;
            }
            assert_eq!(type_text(&f.ty), f.type_name, "{}", f.name);
            out.push(Line {
                depth,
                name: f.name.to_string(),
                ty: f.type_name.to_string(),
                nullable: f.nullable_versions.contains(v),
                tag: if flexible && f.is_tagged_at(v) {
                    f.tag.map(u64::from)
                } else {
                    None
                },
            });
            walk(f.fields, v, flexible, depth + 1, out);
        }
    }
    let mut out = Vec::new();
    walk(schema.fields, v, flexible, 0, &mut out);
    out
}

/// Every file of a folder: (file name, JSON).
fn files(name: &str) -> Vec<(String, Value)> {
    let dir = folder(name);
    let mut out: Vec<(String, Value)> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{dir}: {e}"))
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "json"))
        .map(|p| {
            let text = std::fs::read_to_string(&p).unwrap();
            let json = serde_json::from_str(&strip_comments(&text))
                .unwrap_or_else(|e| panic!("{}: {e}", p.display()));
            (p.file_name().unwrap().to_string_lossy().into_owned(), json)
        })
        .collect();
    out.sort_by(|a, b| a.0.cmp(&b.0));
    out
}

#[test]
fn generated_records_match_kafkas_files() {
    let mut schemas = 0;
    let mut versions = 0;
    for (name, topic) in FOLDERS {
        let mut ids: BTreeMap<i64, (Option<String>, Option<String>)> = BTreeMap::new();
        for (file, json) in files(name) {
            let jname = json["name"].as_str().unwrap();
            let ours = ALL_RECORD_SCHEMAS
                .iter()
                .find(|s| s.name == jname)
                .unwrap_or_else(|| panic!("{name}/{file}: {jname} not generated"));
            schemas += 1;
            let valid = bounds(json["validVersions"].as_str().unwrap()).unwrap();
            assert_eq!((ours.valid.min, ours.valid.max), valid, "{jname}");
            let flex = bounds(json["flexibleVersions"].as_str().unwrap());
            match flex {
                None => assert!(ours.flexible.is_empty(), "{jname}"),
                Some((lo, _)) => assert_eq!(ours.flexible.min, lo, "{jname}"),
            }
            assert_eq!(
                ours.api_key,
                json["apiKey"].as_i64().map(|k| k as i16),
                "{jname}"
            );
            for v in valid.0..=valid.1 {
                versions += 1;
                assert_eq!(kio_layout(ours, v), json_layout(&json, v), "{jname} v{v}");
            }
            if let Some(k) = json["apiKey"].as_i64() {
                let e = ids.entry(k).or_default();
                match json["type"].as_str().unwrap() {
                    "coordinator-key" => e.0 = Some(jname.to_string()),
                    _ => e.1 = Some(jname.to_string()),
                }
            }
        }
        // The topic's type table holds exactly these pairs.
        let table = topic.types();
        assert_eq!(table.len(), ids.len(), "{name}");
        for t in table {
            let (key, value) = &ids[&i64::from(t.id)];
            assert_eq!(
                t.key.map(|k| k.name.to_string()),
                *key,
                "{name} type {}",
                t.id
            );
            assert_eq!(
                Some(t.value.name.to_string()),
                *value,
                "{name} type {}",
                t.id
            );
        }
    }
    println!("internal record schemas: {schemas}, schema versions: {versions}");
    assert_eq!(schemas, ALL_RECORD_SCHEMAS.len());
    assert_eq!(schemas, 81);
    assert_eq!(versions, 101);
}

fn uvarint(out: &mut Vec<u8>, mut v: u32) {
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

/// One framed record of `topic`: key and value bytes (Java layout).
struct Framed {
    topic: InternalTopic,
    key: Option<Vec<u8>>,
    value: Option<Vec<u8>>,
    what: String,
}

/// Random framed records of every type and version of every topic.
fn every_record(rng: &mut Rng, per_version: usize, mut f: impl FnMut(Framed)) -> usize {
    let mut pairs = 0;
    for (_, topic) in FOLDERS {
        for t in topic.types() {
            for v in t.value.valid.min..=t.value.valid.max {
                pairs += 1;
                for _ in 0..per_version {
                    let body = message(rng, t.value, v);
                    let (key, value) = match t.key {
                        Some(ks) => {
                            let mut k = t.id.to_be_bytes().to_vec();
                            k.extend(message(rng, ks, 0));
                            let mut val = v.to_be_bytes().to_vec();
                            val.extend(body);
                            // Sometimes a tombstone.
                            (Some(k), (!rng.chance(8)).then_some(val))
                        }
                        None => {
                            let mut val = Vec::new();
                            uvarint(&mut val, 1);
                            uvarint(&mut val, t.id as u32);
                            uvarint(&mut val, v as u32);
                            val.extend(body);
                            (None, Some(val))
                        }
                    };
                    f(Framed {
                        topic,
                        key,
                        value,
                        what: format!("{} {} v{v}", topic.name(), t.name),
                    });
                }
            }
        }
    }
    pairs
}

fn reencode(r: &InternalRecord<'_>) -> (Option<Vec<u8>>, Option<Vec<u8>>) {
    fn coord<'a, K, V>(
        r: &kio_core::internal_topics::CoordinatorRecord<K, V>,
    ) -> (Option<Vec<u8>>, Option<Vec<u8>>)
    where
        K: kio_core::internal_topics::CoordinatorKey<'a>,
        V: kio_core::internal_topics::CoordinatorValue<'a>,
    {
        let mut k = Vec::new();
        encode_key(&r.key, &mut k).unwrap();
        let v = r.value.as_ref().map(|(ver, v)| {
            let mut out = Vec::new();
            encode_value(v, *ver, &mut out).unwrap();
            out
        });
        (Some(k), v)
    }
    match r {
        InternalRecord::Group(r) => coord(r),
        InternalRecord::Transaction(r) => coord(r),
        InternalRecord::Share(r) => coord(r),
        InternalRecord::Metadata(r) => {
            let mut out = Vec::new();
            encode_metadata_record(&r.body, r.version, &mut out).unwrap();
            (None, Some(out))
        }
        InternalRecord::RemoteLog(r) => {
            let mut out = Vec::new();
            encode_remote_log_record(&r.body, r.version, &mut out).unwrap();
            (None, Some(out))
        }
        other => panic!("not a data record: {other:?}"),
    }
}

fn check(f: &Framed) -> Result<(), String> {
    let (k, v) = (f.key.as_deref(), f.value.as_deref());
    let rec = decode_record(f.topic, k, v, false).map_err(|e| format!("{}: {e}", f.what))?;
    let (k2, v2) = reencode(&rec);
    if k2 != f.key || v2 != f.value {
        return Err(format!(
            "{}: re-encoded differs\nkey {:02x?} -> {:02x?}\nvalue {:02x?} -> {:02x?}",
            f.what, f.key, k2, f.value, v2
        ));
    }
    if let Some(key) = k {
        for cut in 0..key.len() {
            if decode_record(f.topic, Some(&key[..cut]), v, false).is_ok() {
                return Err(format!(
                    "{}: key prefix {cut}/{} decoded",
                    f.what,
                    key.len()
                ));
            }
        }
    }
    if let Some(value) = v {
        for cut in 0..value.len() {
            if decode_record(f.topic, k, Some(&value[..cut]), false).is_ok() {
                return Err(format!(
                    "{}: value prefix {cut}/{} decoded",
                    f.what,
                    value.len()
                ));
            }
        }
    }
    Ok(())
}

const PER_VERSION: usize = 8;
const CASES: u32 = 16;

proptest! {
    #![proptest_config(ProptestConfig { cases: CASES, ..ProptestConfig::default() })]

    #[test]
    fn every_record_type_and_version_roundtrips(seed in any::<u64>()) {
        let mut rng = Rng(seed);
        let mut err = None;
        let pairs = every_record(&mut rng, PER_VERSION, |f| {
            if err.is_none() {
                err = check(&f).err();
            }
        });
        prop_assert!(err.is_none(), "{}", err.unwrap_or_default());
        // Every value version of every topic (keys are all version 0).
        let values: usize = ALL_RECORD_SCHEMAS
            .iter()
            .filter(|s| s.api_key.is_some() && !s.name.ends_with("Key"))
            .map(|s| (s.valid.max - s.valid.min + 1) as usize)
            .sum();
        prop_assert_eq!(pairs, values);
    }
}

#[test]
fn counts() {
    let pairs = every_record(&mut Rng(1), 1, |_| {});
    println!(
        "record (type, version) pairs: {pairs}; cases per proptest run: {}",
        pairs * PER_VERSION * CASES as usize
    );
    assert_eq!(pairs, 75);
}

/// Hand-written bytes in the README's Java layout.
#[test]
fn java_layout_by_hand() {
    // OffsetCommitKey (type 1): group "g", topic "t", partition 3.
    let key = [0, 1, 0, 1, b'g', 0, 1, b't', 0, 0, 0, 3];
    // OffsetCommitValue v1: offset 42, metadata "", commit ts 7, expire ts -1.
    let mut value = vec![0, 1];
    value.extend(42i64.to_be_bytes());
    value.extend([0, 0]);
    value.extend(7i64.to_be_bytes());
    value.extend((-1i64).to_be_bytes());
    let t = InternalTopic::from_name("__consumer_offsets").unwrap();
    let InternalRecord::Group(r) = decode_record(t, Some(&key), Some(&value), false).unwrap()
    else {
        panic!()
    };
    let GroupCoordinatorKey::OffsetCommit(k) = &r.key else {
        panic!("{r:?}")
    };
    assert_eq!(
        (k.group.as_str(), k.topic.as_str(), k.partition),
        ("g", "t", 3)
    );
    let Some((1, GroupCoordinatorValue::OffsetCommit(v))) = &r.value else {
        panic!("{r:?}")
    };
    assert_eq!(
        (v.offset, v.commit_timestamp, v.expire_timestamp),
        (42, 7, -1)
    );
    // A tombstone.
    let InternalRecord::Group(r) = decode_record(t, Some(&key), None, false).unwrap() else {
        panic!()
    };
    assert_eq!(r.value, None);
    // Unknown type id 9 (ShareGroupPartitionMetadata, deleted in 4.x).
    let e = decode_record(t, Some(&[0, 9, 0, 0]), None, false).unwrap_err();
    assert_eq!(e.kind, InternalErrorKind::UnknownType(9));
    // OffsetCommitValue v5 does not exist.
    let e = decode_record(t, Some(&key), Some(&[0, 5, 0]), false).unwrap_err();
    assert_eq!(
        e.kind,
        InternalErrorKind::UnknownVersion { id: 1, version: 5 }
    );
    assert!(
        e.to_string().contains("__consumer_offsets record value"),
        "{e}"
    );

    // The README's example: `01 02 00 …` is TopicRecord v0 (name, topic id, tags).
    let mut topic = vec![1, 2, 0, 3, b'a', b'b'];
    topic.extend([7u8; 16]);
    topic.push(0);
    let m = InternalTopic::ClusterMetadata;
    let InternalRecord::Metadata(r) = decode_record(m, None, Some(&topic), false).unwrap() else {
        panic!()
    };
    assert_eq!((r.frame_version, r.api_key, r.version), (1, 2, 0));
    // Frame version 0 (the 2.8 preview) is refused, as are a key and trailing bytes.
    let mut old = topic.clone();
    old[0] = 0;
    assert_eq!(
        decode_record(m, None, Some(&old), false).unwrap_err().kind,
        InternalErrorKind::FrameVersion(0)
    );
    assert_eq!(
        decode_record(m, Some(b"k"), Some(&topic), false)
            .unwrap_err()
            .kind,
        InternalErrorKind::UnexpectedKey
    );
    let mut long = topic.clone();
    long.push(0);
    assert!(decode_record(m, None, Some(&long), false).is_err());

    // Control records: a commit marker in __consumer_offsets; a KRaft
    // SnapshotHeader (version 0, last contained log time 5).
    let r = decode_record(t, Some(&[0, 0, 0, 1]), Some(&[0, 0, 0, 0, 0, 9]), true).unwrap();
    assert_eq!(
        r,
        InternalRecord::TxnMarker {
            commit: true,
            coordinator_epoch: 9
        }
    );
    let mut header = vec![0, 0];
    header.extend(5i64.to_be_bytes());
    header.push(0);
    let InternalRecord::KRaftControl(c) =
        decode_record(m, Some(&[0, 0, 0, 3]), Some(&header), true).unwrap()
    else {
        panic!()
    };
    assert_eq!((c.control_type(), c.name()), (3, "SnapshotHeaderRecord"));
}
