//! The nested-payload views (`kio_json::nested`): consumer-group protocol,
//! internal topics' records, schema-registry framing. The nested bytes are
//! written by hand in Kafka's Java layout (ConsumerProtocol,
//! CoordinatorRecordSerde, the Confluent wire format), not by kio's
//! encoders; the views must show them, and JSON → bytes must stay
//! unchanged whatever the views hold.

use kio_core::messages::join_group_request::JoinGroupRequestProtocol;
use kio_core::messages::sync_group_response::SyncGroupResponse;
use kio_core::messages::{fetch_response, JoinGroupRequest};
use kio_core::records::{BatchOptions, Header, NewRecord, RecordBatchBuilder};
use kio_core::{ApiKey, Array, Bytes, Message, RecordsBytes, Str};
use kio_json::Kind;
use serde_json::{json, Value};

fn string(out: &mut Vec<u8>, s: &str) {
    out.extend((s.len() as i16).to_be_bytes());
    out.extend(s.as_bytes());
}

/// ConsumerProtocolSubscription v1 by hand: topics, null user data, owned partitions.
fn subscription_v1(topics: &[&str]) -> Vec<u8> {
    let mut b = vec![0, 1];
    b.extend((topics.len() as i32).to_be_bytes());
    for t in topics {
        string(&mut b, t);
    }
    b.extend((-1i32).to_be_bytes());
    b.extend(1i32.to_be_bytes());
    string(&mut b, topics[0]);
    b.extend(1i32.to_be_bytes());
    b.extend(2i32.to_be_bytes());
    b
}

/// ConsumerProtocolAssignment v0 by hand.
fn assignment_v0(topic: &str, partitions: &[i32]) -> Vec<u8> {
    let mut b = vec![0, 0];
    b.extend(1i32.to_be_bytes());
    string(&mut b, topic);
    b.extend((partitions.len() as i32).to_be_bytes());
    for p in partitions {
        b.extend(p.to_be_bytes());
    }
    b.extend((-1i32).to_be_bytes());
    b
}

fn lossless(doc: &Value, bytes: &[u8]) {
    assert_eq!(kio_json::encode(doc).unwrap(), bytes, "JSON -> bytes");
    // Editing the views changes nothing.
    let mut edited = doc.clone();
    scribble(&mut edited);
    assert_ne!(&edited, doc);
    assert_eq!(
        kio_json::encode(&edited).unwrap(),
        bytes,
        "views are ignored"
    );
    assert_eq!(kio_json::dynamic::encode(&edited).unwrap(), bytes);
}

/// Replaces every derived view (`_metadata`, `_assignment`, `_records`).
fn scribble(v: &mut Value) {
    match v {
        Value::Object(m) => {
            for (k, x) in m.iter_mut() {
                if k.starts_with('_') && k != "_unknownTaggedFields" {
                    *x = json!({"edited": true});
                } else {
                    scribble(x);
                }
            }
        }
        Value::Array(a) => a.iter_mut().for_each(scribble),
        _ => {}
    }
}

#[test]
fn join_group_shows_subscriptions_and_sync_group_assignments() {
    let sub = subscription_v1(&["orders", "payments"]);
    let protocols = [
        JoinGroupRequestProtocol {
            name: Str::new("range"),
            metadata: Bytes::new(&sub),
            ..Default::default()
        },
        JoinGroupRequestProtocol {
            name: Str::new("broken"),
            metadata: Bytes::new(&sub[..7]),
            ..Default::default()
        },
    ];
    let req = JoinGroupRequest {
        group_id: Str::new("g1"),
        protocol_type: Str::new("consumer"),
        protocols: Array::from(&protocols),
        ..Default::default()
    };
    let bytes = req.to_vec(5).unwrap();
    let doc = kio_json::decode_body(Kind::Request, ApiKey::JoinGroup, 5, &bytes).unwrap();
    let p = &doc["body"]["protocols"];
    assert_eq!(p[0]["_metadata"]["version"], 1);
    assert_eq!(p[0]["_metadata"]["topics"], json!(["orders", "payments"]));
    assert_eq!(
        p[0]["_metadata"]["ownedPartitions"],
        json!([{"topic": "orders", "partitions": [2]}])
    );
    let err = p[1]["_metadata"]["error"].as_str().unwrap();
    assert!(err.contains("at byte"), "{err}");
    lossless(&doc, &bytes);
    // The schema-driven path gives the same views.
    let dynamic =
        kio_json::dynamic::decode_body(Kind::Request, ApiKey::JoinGroup, 5, &bytes).unwrap();
    assert_eq!(dynamic["body"]["protocols"], doc["body"]["protocols"]);

    // Another protocol type: no view.
    let other = JoinGroupRequest {
        protocol_type: Str::new("connect"),
        ..req.clone()
    };
    let bytes = other.to_vec(5).unwrap();
    let doc = kio_json::decode_body(Kind::Request, ApiKey::JoinGroup, 5, &bytes).unwrap();
    assert!(doc["body"]["protocols"][0].get("_metadata").is_none());

    let asg = assignment_v0("orders", &[0, 1, 2]);
    let resp = SyncGroupResponse {
        protocol_type: Some(Str::new("consumer")),
        assignment: Bytes::new(&asg),
        ..Default::default()
    };
    let bytes = resp.to_vec(5).unwrap();
    let doc = kio_json::decode_body(Kind::Response, ApiKey::SyncGroup, 5, &bytes).unwrap();
    assert_eq!(
        doc["body"]["_assignment"],
        json!({"version": 0, "assignedPartitions": [{"topic": "orders", "partitions": [0, 1, 2]}], "userData": null})
    );
    lossless(&doc, &bytes);
}

fn fetch(topic: &str, topic_id: [u8; 16], batch: &[u8], version: i16) -> Vec<u8> {
    let parts = [fetch_response::PartitionData {
        records: Some(RecordsBytes::new(batch)),
        ..Default::default()
    }];
    let topics = [fetch_response::FetchableTopicResponse {
        topic: Str::new(topic),
        topic_id: kio_core::Uuid(topic_id),
        partitions: Array::from(&parts),
        ..Default::default()
    }];
    kio_core::messages::FetchResponse {
        responses: Array::from(&topics),
        ..Default::default()
    }
    .to_vec(version)
    .unwrap()
}

#[test]
fn fetched_internal_records_show_key_and_value() {
    // OffsetCommitKey (type 1) "g"/"t"/3 and OffsetCommitValue v1 (Java layout).
    let key = [0, 1, 0, 1, b'g', 0, 1, b't', 0, 0, 0, 3];
    let mut value = vec![0, 1];
    value.extend(42i64.to_be_bytes());
    string(&mut value, "meta");
    value.extend(7i64.to_be_bytes());
    value.extend((-1i64).to_be_bytes());
    let mut b = RecordBatchBuilder::new(BatchOptions::default());
    for (k, v) in [
        (Some(&key[..]), Some(&value[..])),
        (Some(&key[..]), None),
        (Some(&[0, 9, 0, 0][..]), None),
    ] {
        b.append(&NewRecord {
            timestamp: 1,
            key: k,
            value: v,
            headers: &[],
        })
        .unwrap();
    }
    let batch = b.build().unwrap();
    let bytes = fetch("__consumer_offsets", [0; 16], &batch, 12);
    let doc = kio_json::decode_body(Kind::Response, ApiKey::Fetch, 12, &bytes).unwrap();
    let recs = &doc["body"]["responses"][0]["partitions"][0]["_records"][0]["records"];
    assert_eq!(
        recs[0]["internal"],
        json!({"topic": "__consumer_offsets", "typeId": 1, "type": "OffsetCommit",
               "key": {"group": "g", "topic": "t", "partition": 3},
               "valueVersion": 1,
               "value": {"offset": 42, "leaderEpoch": -1, "metadata": "meta", "commitTimestamp": 7,
                         "expireTimestamp": -1, "topicId": "AAAAAAAAAAAAAAAAAAAAAA"}})
    );
    assert_eq!(recs[1]["internal"]["tombstone"], true);
    assert_eq!(recs[1]["internal"]["value"], Value::Null);
    let err = recs[2]["internal"]["error"].as_str().unwrap();
    assert!(err.contains("unknown record type 9"), "{err}");
    lossless(&doc, &bytes);

    // __cluster_metadata by its fixed topic id (Fetch v13 has no names):
    // TopicRecord v0 "ab" and a SnapshotHeader control record.
    let mut topic = vec![1, 2, 0, 3, b'a', b'b'];
    topic.extend([7u8; 16]);
    topic.push(0);
    let mut b = RecordBatchBuilder::new(BatchOptions::default());
    b.append(&NewRecord {
        timestamp: 1,
        key: None,
        value: Some(&topic),
        headers: &[],
    })
    .unwrap();
    let data = b.build().unwrap();
    let mut id = [0u8; 16];
    id[15] = 1;
    let bytes = fetch("", id, &data, 13);
    let doc = kio_json::decode_body(Kind::Response, ApiKey::Fetch, 13, &bytes).unwrap();
    let r = &doc["body"]["responses"][0]["partitions"][0]["_records"][0]["records"][0];
    assert_eq!(r["internal"]["type"], "TopicRecord");
    assert_eq!(r["internal"]["frameVersion"], 1);
    assert_eq!(r["internal"]["value"]["name"], "ab");
    lossless(&doc, &bytes);
}

#[test]
fn registry_framed_values_show_schema_id_and_indexes() {
    // Confluent wire format: magic 0, schema id 42, Protobuf indexes [0] (one 0 byte), payload.
    let mut pb = vec![0, 0, 0, 0, 42, 0];
    pb.extend(b"\x0a\x03foo");
    // Schema id in a header: magic 1 + 16-byte GUID; the value is the bare payload.
    let mut guid = vec![1u8];
    guid.extend((0..16u8).collect::<Vec<_>>());
    let headers = [Header {
        key: "__value_schema_id",
        value: Some(&guid),
    }];
    let mut b = RecordBatchBuilder::new(BatchOptions::default());
    b.append(&NewRecord {
        timestamp: 1,
        key: Some(b"k"),
        value: Some(&pb),
        headers: &[],
    })
    .unwrap();
    b.append(&NewRecord {
        timestamp: 1,
        key: None,
        value: Some(b"{\"a\":1}"),
        headers: &headers,
    })
    .unwrap();
    let batch = b.build().unwrap();
    let bytes = fetch("orders", [0; 16], &batch, 12);
    let doc = kio_json::decode_body(Kind::Response, ApiKey::Fetch, 12, &bytes).unwrap();
    let recs = &doc["body"]["responses"][0]["partitions"][0]["_records"][0]["records"];
    assert_eq!(
        recs[0]["valueRegistry"],
        json!({"framing": "magic-byte", "schemaId": 42, "messageIndexes": [0],
               "payload": "\n\u{3}foo", "rawPayload": "\u{0}\n\u{3}foo"})
    );
    assert!(recs[0].get("keyRegistry").is_none());
    assert_eq!(
        recs[1]["valueRegistry"],
        json!({"framing": "header", "header": "__value_schema_id",
               "schemaGuid": "00010203-0405-0607-0809-0a0b0c0d0e0f",
               "messageIndexes": null, "payload": "{\"a\":1}"})
    );
    lossless(&doc, &bytes);
}

#[test]
fn a_tiny_budget_truncates_the_views_not_the_data() {
    let sub = subscription_v1(&["orders"]);
    let protocols = [JoinGroupRequestProtocol {
        name: Str::new("range"),
        metadata: Bytes::new(&sub),
        ..Default::default()
    }];
    let req = JoinGroupRequest {
        protocol_type: Str::new("consumer"),
        protocols: Array::from(&protocols),
        ..Default::default()
    };
    let bytes = req.to_vec(5).unwrap();
    let opts = kio_json::DecodeOptions {
        max_decompressed: Some(16),
    };
    let doc =
        kio_json::decode_body_with(Kind::Request, ApiKey::JoinGroup, 5, &bytes, &opts).unwrap();
    let view = &doc["body"]["protocols"][0]["_metadata"];
    assert!(
        view["_truncated"].as_str().unwrap().contains("view budget"),
        "{view}"
    );
    lossless(&doc, &bytes);
}
