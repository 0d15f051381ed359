//! Record batches we write, with each compression codec, are accepted by the
//! Tansu broker and read back by confluent-kafka (librdkafka) and kafka-python
//! with identical keys, values, headers and timestamps.
//!
//! The client side here is kio-core alone (blocking frames over a
//! `std::net::TcpStream` through `embedded-io-adapters`), so this checks the
//! records module against peers nobody here wrote.

use kio_interop as support;

use std::net::TcpStream;
use std::time::Duration;

use embedded_io_adapters::std::FromStd;
use kio_core::frame::{decode_response, read_frame, write_request_frame, Body};
use kio_core::messages::create_topics_request::{CreatableTopic, CreateTopicsRequest};
use kio_core::messages::produce_request::{PartitionProduceData, ProduceRequest, TopicProduceData};
use kio_core::messages::request_header::RequestHeader;
use kio_core::records::{BatchOptions, Compression, Header, NewRecord, RecordBatchBuilder};
use kio_core::{ApiKey, Array, RecordsBytes, ResponseBody, Str};
use serde_json::Value;

const CODECS: [(Compression, &str); 5] = [
    (Compression::None, "none"),
    (Compression::Gzip, "gzip"),
    (Compression::Snappy, "snappy"),
    (Compression::Lz4, "lz4"),
    (Compression::Zstd, "zstd"),
];

/// One request, one response, over a blocking stream.
fn call(
    stream: &mut FromStd<TcpStream>,
    corr: i32,
    api: ApiKey,
    version: i16,
    body: &dyn Body,
) -> Vec<u8> {
    let header = RequestHeader {
        request_api_key: api.key(),
        request_api_version: version,
        correlation_id: corr,
        client_id: Some(Str::new("kio-records-test")),
        ..Default::default()
    };
    write_request_frame(stream, &header, body).expect("write request");
    let mut buf = vec![0u8; 1 << 20];
    read_frame(stream, &mut buf)
        .expect("read response")
        .to_vec()
}

/// Key, value, headers and timestamp of one record.
type TestRecord = (
    Option<Vec<u8>>,
    Option<Vec<u8>>,
    Vec<(String, Vec<u8>)>,
    i64,
);

/// The records the test writes to each topic: keys, values, duplicate header
/// keys, a null key and a null value, and distinct timestamps.
fn records() -> Vec<TestRecord> {
    (0..12)
        .map(|i| {
            let key = if i == 3 {
                None
            } else {
                Some(format!("key-{i}").into_bytes())
            };
            let value = if i == 5 {
                None
            } else {
                Some(format!("value {i} ").repeat(20).into_bytes())
            };
            let headers = vec![
                ("h".to_string(), format!("a{i}").into_bytes()),
                ("h".to_string(), b"b".to_vec()),
            ];
            (key, value, headers, 1_700_000_000_000 + i * 1000)
        })
        .collect()
}

fn batch(codec: Compression) -> Vec<u8> {
    let mut b = RecordBatchBuilder::new(BatchOptions {
        compression: codec,
        ..Default::default()
    });
    for (key, value, headers, ts) in records() {
        let hs: Vec<Header> = headers
            .iter()
            .map(|(k, v)| Header {
                key: k,
                value: Some(v),
            })
            .collect();
        b.append(&NewRecord {
            timestamp: ts,
            key: key.as_deref(),
            value: value.as_deref(),
            headers: &hs,
        })
        .expect("append");
    }
    b.build().expect("build")
}

const CONFLUENT: &str = r#"
import json, sys
from confluent_kafka import Consumer, TopicPartition
bootstrap, topic, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
c = Consumer({"bootstrap.servers": bootstrap, "group.id": "kio-test", "enable.auto.commit": False,
              "auto.offset.reset": "earliest"})
c.assign([TopicPartition(topic, 0, 0)])
out = []
while len(out) < n:
    m = c.poll(10.0)
    if m is None:
        break
    if m.error():
        print(m.error(), file=sys.stderr)
        continue
    hs = [[k, (v or b"").decode()] for k, v in (m.headers() or [])]
    out.append({"key": m.key().decode() if m.key() is not None else None,
                "value": m.value().decode() if m.value() is not None else None,
                "headers": hs, "timestamp": m.timestamp()[1], "offset": m.offset()})
c.close()
print(json.dumps(out))
"#;

const KAFKA_PYTHON: &str = r#"
import json, sys
from kafka import KafkaConsumer, TopicPartition
bootstrap, topic, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
c = KafkaConsumer(bootstrap_servers=bootstrap, enable_auto_commit=False, auto_offset_reset="earliest")
tp = TopicPartition(topic, 0)
c.assign([tp])
c.seek(tp, 0)
out = []
for _ in range(40):
    for recs in c.poll(timeout_ms=500).values():
        for m in recs:
            out.append({"key": m.key.decode() if m.key is not None else None,
                        "value": m.value.decode() if m.value is not None else None,
                        "headers": [[k, (v or b"").decode()] for k, v in m.headers],
                        "timestamp": m.timestamp, "offset": m.offset})
    if len(out) >= n:
        break
c.close()
print(json.dumps(out))
"#;

fn expected() -> Vec<Value> {
    records()
        .into_iter()
        .enumerate()
        .map(|(i, (k, v, h, ts))| {
            serde_json::json!({
                "key": k.map(|k| String::from_utf8(k).unwrap()),
                "value": v.map(|v| String::from_utf8(v).unwrap()),
                "headers": h.into_iter().map(|(k, v)| vec![k, String::from_utf8(v).unwrap()]).collect::<Vec<_>>(),
                "timestamp": ts,
                "offset": i,
            })
        })
        .collect()
}

#[test]
fn batches_of_every_codec_reach_real_clients_through_tansu() {
    if support::skip_real_peers("records through Tansu") {
        return;
    }
    let broker = support::Tansu::start();
    let stream = TcpStream::connect(broker.addr).expect("connect");
    stream
        .set_read_timeout(Some(Duration::from_secs(20)))
        .unwrap();
    let mut s = FromStd::new(stream);

    let names: Vec<String> = CODECS
        .iter()
        .map(|(_, n)| format!("kio-codec-{n}"))
        .collect();
    let topics: Vec<CreatableTopic> = names
        .iter()
        .map(|n| CreatableTopic {
            name: Str::new(n),
            num_partitions: 1,
            replication_factor: 1,
            ..Default::default()
        })
        .collect();
    let create = CreateTopicsRequest {
        topics: Array::from(&topics[..]),
        timeout_ms: 10_000,
        ..Default::default()
    };
    let resp = call(&mut s, 1, ApiKey::CreateTopics, 7, &create);
    let (_, ResponseBody::CreateTopics(created)) =
        decode_response(&resp, ApiKey::CreateTopics, 7).unwrap()
    else {
        panic!("not CreateTopics")
    };
    for t in created.topics.iter() {
        assert_eq!(t.error_code, 0, "create {}: {:?}", t.name, t.error_message);
    }

    for (i, (codec, name)) in CODECS.iter().enumerate() {
        let bytes = batch(*codec);
        let parts = [PartitionProduceData {
            index: 0,
            records: Some(RecordsBytes::new(&bytes)),
            ..Default::default()
        }];
        let data = [TopicProduceData {
            name: Str::new(&names[i]),
            partition_data: Array::from(&parts),
            ..Default::default()
        }];
        let produce = ProduceRequest {
            acks: -1,
            timeout_ms: 10_000,
            topic_data: Array::from(&data),
            ..Default::default()
        };
        let resp = call(&mut s, 10 + i as i32, ApiKey::Produce, 9, &produce);
        let (_, ResponseBody::Produce(p)) = decode_response(&resp, ApiKey::Produce, 9).unwrap()
        else {
            panic!()
        };
        let part = p
            .responses
            .iter()
            .next()
            .unwrap()
            .partition_responses
            .iter()
            .next()
            .unwrap();
        assert_eq!(
            part.error_code, 0,
            "{name}: produce error {:?}",
            part.error_message
        );
        assert_eq!(part.base_offset, 0, "{name}: first batch of the topic");
    }

    let want = expected();
    let bootstrap = broker.addr.to_string();
    let n = want.len().to_string();
    for (client, script) in [
        ("confluent-kafka", CONFLUENT),
        ("kafka-python", KAFKA_PYTHON),
    ] {
        for name in &names {
            let (ok, out, err) =
                support::run_python(script, &[&bootstrap, name, &n], Duration::from_secs(60));
            assert!(ok, "{client} on {name} failed: {err}");
            let got: Vec<Value> =
                serde_json::from_str(out.trim()).unwrap_or_else(|e| panic!("{client}: {e}: {out}"));
            assert_eq!(got, want, "{client} read back {name} differently");
            println!("{client}: {name}: {} records identical", got.len());
        }
    }
}
