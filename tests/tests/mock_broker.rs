//! The mock broker of `examples/mock_broker.rs` (built on `kio_std::server`)
//! against real clients: confluent-kafka (librdkafka) and kafka-python
//! produce records with keys, values and headers and consume them back from
//! assigned partitions. Also kio's own `Connection` against it.

use kio_interop as support;

#[allow(dead_code)]
#[path = "../../kio-std/examples/mock_broker.rs"]
mod mock;

use std::time::{Duration, Instant};

use kio_std::connection::Connection;
use kio_std::kio_core::messages::create_topics_request::CreatableTopic;
use kio_std::kio_core::messages::CreateTopicsRequest;
use kio_std::kio_core::records::{BatchItem, RecordBatches};
use kio_std::kio_core::{ApiKey, Array, Str};
use mock::MockBroker;

/// (offset, key, value, headers) as the clients print them.
type Rec = (i64, String, String, Vec<(String, String)>);

fn expected(prefix: &str) -> Vec<Rec> {
    (0..5)
        .map(|i| {
            (
                i as i64,
                format!("{prefix}-key-{i}"),
                format!("{prefix}-value-{i}"),
                vec![
                    ("h1".to_string(), format!("{prefix}-hv-{i}")),
                    ("n".to_string(), i.to_string()),
                ],
            )
        })
        .collect()
}

async fn create_topic(addr: std::net::SocketAddr, name: &str, partitions: i32) {
    let conn = Connection::connect(addr)
        .await
        .expect("kio connects to the mock");
    let resp = conn
        .send(&CreateTopicsRequest {
            topics: Array::Vec(vec![CreatableTopic {
                name: Str::from(name.to_string()),
                num_partitions: partitions,
                replication_factor: 1,
                ..Default::default()
            }]),
            timeout_ms: 5_000,
            ..Default::default()
        })
        .await
        .expect("create topic");
    let t = resp.topics.iter().next().unwrap();
    assert_eq!(
        (t.name.as_str(), t.error_code, t.num_partitions),
        (name, 0, partitions)
    );
}

/// The records stored by the mock for a partition, decoded.
fn stored(broker: &MockBroker, topic: &str, partition: usize) -> Vec<Rec> {
    let st = broker.state.lock().unwrap();
    let log = &st.topics[topic].partitions[partition];
    let bytes: Vec<u8> = log.batches.iter().flat_map(|b| b.bytes.clone()).collect();
    let mut out = Vec::new();
    for item in RecordBatches::new(&bytes) {
        let BatchItem::Batch(b) = item.expect("stored batch parses (CRC ok)") else {
            panic!("not a v2 batch")
        };
        let records = match b.compression() {
            kio_std::kio_core::records::Compression::None => {
                b.records().unwrap().map(own).collect::<Vec<_>>()
            }
            _ => b
                .decompress_to_vec(1 << 20)
                .unwrap()
                .records()
                .map(own)
                .collect(),
        };
        out.extend(records);
    }
    out
}

fn own(r: kio_std::kio_core::records::Record<'_>) -> Rec {
    let s = |b: Option<&[u8]>| String::from_utf8(b.unwrap_or_default().to_vec()).unwrap();
    (
        r.offset,
        s(r.key),
        s(r.value),
        r.headers()
            .map(|h| (h.key.to_string(), s(h.value)))
            .collect(),
    )
}

fn parse_client_output(out: &str) -> Vec<Rec> {
    let line = out
        .lines()
        .rev()
        .find(|l| l.starts_with('['))
        .unwrap_or_else(|| panic!("no JSON in {out}"));
    let v: serde_json::Value = serde_json::from_str(line).unwrap();
    v.as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                r["offset"].as_i64().unwrap(),
                r["key"].as_str().unwrap().to_string(),
                r["value"].as_str().unwrap().to_string(),
                r["headers"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|h| {
                        (
                            h[0].as_str().unwrap().to_string(),
                            h[1].as_str().unwrap().to_string(),
                        )
                    })
                    .collect(),
            )
        })
        .collect()
}

const CONFLUENT: &str = r#"
import json, sys, time
from confluent_kafka import Consumer, Producer, TopicPartition, OFFSET_BEGINNING
bootstrap, topic, prefix, part = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
p = Producer({"bootstrap.servers": bootstrap, "acks": "all", "linger.ms": 5,
              "enable.idempotence": False, "socket.timeout.ms": 10000})
for i in range(5):
    p.produce(topic, key=f"{prefix}-key-{i}", value=f"{prefix}-value-{i}",
              headers=[("h1", f"{prefix}-hv-{i}".encode()), ("n", str(i).encode())], partition=part)
left = p.flush(20)
assert left == 0, f"{left} messages not delivered"
c = Consumer({"bootstrap.servers": bootstrap, "group.id": "kio-mock-test",
              "enable.auto.commit": False, "auto.offset.reset": "earliest"})
c.assign([TopicPartition(topic, part, OFFSET_BEGINNING)])
got, deadline = [], time.time() + 20
while len(got) < 5 and time.time() < deadline:
    m = c.poll(0.5)
    if m is None:
        continue
    if m.error():
        print("consumer error:", m.error(), file=sys.stderr)
        continue
    got.append({"offset": m.offset(), "key": m.key().decode(), "value": m.value().decode(),
                "headers": [[k, v.decode()] for k, v in (m.headers() or [])]})
c.close()
print(json.dumps(got))
"#;

const KAFKA_PYTHON: &str = r#"
import json, sys, time
from kafka import KafkaConsumer, KafkaProducer, TopicPartition
bootstrap, topic, prefix, part = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
p = KafkaProducer(bootstrap_servers=bootstrap, acks="all", linger_ms=5)
futures = [p.send(topic, key=f"{prefix}-key-{i}".encode(), value=f"{prefix}-value-{i}".encode(),
                  headers=[("h1", f"{prefix}-hv-{i}".encode()), ("n", str(i).encode())], partition=part)
           for i in range(5)]
p.flush(timeout=20)
for f in futures:
    f.get(timeout=20)
p.close(timeout=5)
c = KafkaConsumer(bootstrap_servers=bootstrap, group_id=None, enable_auto_commit=False,
                  auto_offset_reset="earliest")
tp = TopicPartition(topic, part)
c.assign([tp])
c.seek_to_beginning(tp)
got, deadline = [], time.time() + 20
while len(got) < 5 and time.time() < deadline:
    for _, msgs in c.poll(timeout_ms=500).items():
        for m in msgs:
            got.append({"offset": m.offset, "key": m.key.decode(), "value": m.value.decode(),
                        "headers": [[k, v.decode()] for k, v in (m.headers or [])]})
c.close()
print(json.dumps(got))
"#;

async fn client_round_trip(client: &str, script: &str, prefix: &str) {
    if support::skip_real_peers(client) {
        return;
    }
    let started = Instant::now();
    let broker = MockBroker::start("127.0.0.1:0").await.unwrap();
    let addr = broker.addr();
    let topic = format!("kio-mock-{prefix}");
    create_topic(addr, &topic, 2).await;

    let args = [
        addr.to_string(),
        topic.clone(),
        prefix.to_string(),
        "1".to_string(),
    ];
    let script = script.to_string();
    let (ok, out, err) = tokio::task::spawn_blocking(move || {
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        support::run_python(&script, &args, Duration::from_secs(60))
    })
    .await
    .unwrap();
    assert!(ok, "{client} failed:\nstdout: {out}\nstderr: {err}");

    let want = expected(prefix);
    let requests = broker.state.lock().unwrap().requests.clone();
    assert_eq!(
        parse_client_output(&out),
        want,
        "{client} consumed what it produced (requests by API key: {requests:?}; stderr: {err})"
    );
    assert_eq!(
        stored(&broker, &topic, 1),
        want,
        "the mock stored what {client} produced"
    );
    assert!(stored(&broker, &topic, 0).is_empty());
    for api in [
        ApiKey::ApiVersions,
        ApiKey::Metadata,
        ApiKey::Produce,
        ApiKey::Fetch,
    ] {
        assert!(
            requests.keys().any(|(k, _)| *k == api.key()),
            "{client} sent no {api:?}"
        );
    }
    let named: Vec<String> = requests
        .iter()
        .map(|((k, v), n)| format!("{}v{v}x{n}", ApiKey::from_i16(*k).map_or("?", |a| a.name())))
        .collect();
    eprintln!(
        "{client}: requests {} in {:?}",
        named.join(" "),
        started.elapsed()
    );
    broker.server.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn confluent_kafka_produces_and_consumes_through_the_mock() {
    client_round_trip("confluent-kafka", CONFLUENT, "ck").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kafka_python_produces_and_consumes_through_the_mock() {
    client_round_trip("kafka-python", KAFKA_PYTHON, "kp").await;
}

/// kio's own connection against the mock: negotiation picks the highest
/// versions (the mock advertises all of kio's), ApiVersions at an unknown
/// version gets Kafka's v0 UNSUPPORTED_VERSION answer, and shutdown closes
/// connections.
#[tokio::test]
async fn kio_connection_against_the_mock() {
    let broker = MockBroker::start("127.0.0.1:0").await.unwrap();
    let conn = Connection::connect(broker.addr()).await.unwrap();
    for api in mock::APIS {
        assert_eq!(conn.versions().chosen(api), api.latest_stable_version());
    }
    assert_eq!(conn.versions().chosen(ApiKey::FindCoordinator), None);

    // ApiVersions v9 (unknown to the server): error 35 and the ranges, at v0.
    let mut s = tokio::net::TcpStream::connect(broker.addr()).await.unwrap();
    let header = kio_std::kio_core::messages::RequestHeader {
        request_api_key: 18,
        request_api_version: 9,
        correlation_id: 77,
        client_id: Some(Str::new("probe")),
        ..Default::default()
    };
    // Encoded as v4 (flexible, header v2), only the version number says 9.
    let mut frame = Vec::new();
    kio_std::kio_core::frame::encode_request_frame(
        &mut frame,
        &kio_std::kio_core::messages::RequestHeader {
            request_api_version: 4,
            ..header.clone()
        },
        &kio_std::kio_core::messages::ApiVersionsRequest::default(),
    )
    .unwrap();
    frame[6..8].copy_from_slice(&9i16.to_be_bytes());
    tokio::io::AsyncWriteExt::write_all(&mut s, &frame)
        .await
        .unwrap();
    let answer = kio_std::io::read_frame_tokio(&mut s, 1 << 20)
        .await
        .unwrap();
    let (h, body) =
        kio_std::kio_core::frame::decode_response(&answer, ApiKey::ApiVersions, 0).unwrap();
    assert_eq!(h.correlation_id, 77);
    let kio_std::kio_core::ResponseBody::ApiVersions(v) = body else {
        unreachable!()
    };
    assert_eq!(v.error_code, 35);
    assert_eq!(v.api_keys.len(), mock::APIS.len());

    broker.server.shutdown().await;
    let err = conn
        .send(&kio_std::kio_core::messages::MetadataRequest::default())
        .await
        .unwrap_err();
    assert!(matches!(err, kio_std::connection::Error::Closed), "{err:?}");
}

/// A Metadata v12 request for all topics with `01 00 00` after the complete
/// message, as librdkafka 2.16's admin client sends it: Kafka brokers ignore
/// such bytes, so `kio_std::server` answers it (the request is built and the
/// answer read by the `kafka-protocol` crate, not by kio).
#[tokio::test]
async fn server_ignores_bytes_after_a_request_as_kafka_does() {
    use bytes::BytesMut;
    use kafka_protocol::messages::{
        MetadataRequest, MetadataResponse, RequestHeader, ResponseHeader,
    };
    use kafka_protocol::protocol::{Decodable, Encodable, StrBytes};

    let broker = MockBroker::start("127.0.0.1:0").await.unwrap();
    let mut body = BytesMut::new();
    RequestHeader::default()
        .with_request_api_key(3)
        .with_request_api_version(12)
        .with_correlation_id(4242)
        .with_client_id(Some(StrBytes::from_static_str("rdkafka")))
        .encode(&mut body, 2)
        .unwrap();
    MetadataRequest::default()
        .with_topics(None)
        .encode(&mut body, 12)
        .unwrap();
    body.extend_from_slice(&[0x01, 0x00, 0x00]);
    let mut frame = (body.len() as i32).to_be_bytes().to_vec();
    frame.extend_from_slice(&body);

    let mut s = tokio::net::TcpStream::connect(broker.addr()).await.unwrap();
    tokio::io::AsyncWriteExt::write_all(&mut s, &frame)
        .await
        .unwrap();
    let answer = tokio::time::timeout(
        Duration::from_secs(10),
        kio_std::io::read_frame_tokio(&mut s, 1 << 20),
    )
    .await
    .expect("the server answers instead of closing")
    .expect("a response frame");
    let mut buf = bytes::Bytes::from(answer.to_vec());
    let header = ResponseHeader::decode(&mut buf, 1).unwrap();
    assert_eq!(header.correlation_id, 4242);
    let resp = MetadataResponse::decode(&mut buf, 12).unwrap();
    assert_eq!(resp.brokers.len(), 1, "the mock advertises itself");
    assert!(buf.is_empty());
}
