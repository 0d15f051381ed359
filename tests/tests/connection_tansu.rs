//! `Connection` (tokio) and `blocking::Connection` against a real broker
//! (Tansu on 127.0.0.1), and against tiny fake servers that misbehave.

use kio_interop as support;

use std::time::{Duration, Instant};

use kio_std::connection::{ConnectOptions, Connection, Error};
use kio_std::kio_core::messages::create_topics_request::CreatableTopic;
use kio_std::kio_core::messages::fetch_request::{FetchPartition, FetchTopic};
use kio_std::kio_core::messages::list_offsets_request::{ListOffsetsPartition, ListOffsetsTopic};
use kio_std::kio_core::messages::metadata_request::MetadataRequestTopic;
use kio_std::kio_core::messages::produce_request::{PartitionProduceData, TopicProduceData};
use kio_std::kio_core::messages::{
    CreateTopicsRequest, FetchRequest, ListOffsetsRequest, MetadataRequest, ProduceRequest,
};
use kio_std::kio_core::records::{BatchItem, BatchOptions, Header, NewRecord, RecordBatchBuilder};
use kio_std::kio_core::{ApiKey, Array, RecordsBytes, Str};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

const TOPIC: &str = "kio-conn-test";
const PARTITIONS: i32 = 3;

fn metadata_for(topic: &str) -> MetadataRequest<'_> {
    MetadataRequest {
        topics: Some(Array::Vec(vec![MetadataRequestTopic {
            name: Some(Str::new(topic)),
            ..Default::default()
        }])),
        allow_auto_topic_creation: false,
        ..Default::default()
    }
}

/// A record: key, value, headers.
type Rec = (Vec<u8>, Vec<u8>, Vec<(String, Vec<u8>)>);

/// The records produced.
fn produced() -> Vec<Rec> {
    (0..5)
        .map(|i| {
            (
                format!("key-{i}").into_bytes(),
                format!("value-{i}").into_bytes(),
                vec![
                    ("h".to_string(), format!("hv-{i}").into_bytes()),
                    ("n".to_string(), vec![i as u8]),
                ],
            )
        })
        .collect()
}

fn build_batch() -> Vec<u8> {
    build_batches(false).concat()
}

/// The records of [`produced`] as one batch, or as one batch per record.
fn build_batches(one_per_record: bool) -> Vec<Vec<u8>> {
    let mut out = Vec::new();
    let mut b = RecordBatchBuilder::new(BatchOptions::default());
    for (i, (k, v, hs)) in produced().iter().enumerate() {
        let headers: Vec<Header<'_>> = hs
            .iter()
            .map(|(hk, hv)| Header {
                key: hk.as_str(),
                value: Some(hv.as_slice()),
            })
            .collect();
        b.append(&NewRecord {
            timestamp: 1_700_000_000_000 + i as i64,
            key: Some(k),
            value: Some(v),
            headers: &headers,
        })
        .unwrap();
        if one_per_record {
            out.push(b.build().unwrap());
            b = RecordBatchBuilder::new(BatchOptions::default());
        }
    }
    if !one_per_record {
        out.push(b.build().unwrap());
    }
    out
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tansu_full_round_trip() {
    if support::skip_real_peers("tansu_full_round_trip") {
        return;
    }
    let started = Instant::now();
    let tansu = support::Tansu::start();
    let addr = tansu.addr.to_string();
    let conn = Connection::connect_with(
        addr.as_str(),
        ConnectOptions::new()
            .client_id("kio-test")
            .request_timeout(Duration::from_secs(15)),
    )
    .await
    .expect("connect + negotiate");

    // --- ApiVersions: what was negotiated.
    let v = conn.versions();
    let mut table = Vec::new();
    for api in [
        ApiKey::ApiVersions,
        ApiKey::Metadata,
        ApiKey::CreateTopics,
        ApiKey::Produce,
        ApiKey::ListOffsets,
        ApiKey::Fetch,
    ] {
        let broker = v
            .broker_range(api)
            .unwrap_or_else(|| panic!("tansu advertises {api:?}"));
        let chosen = v.chosen(api).expect("a common version");
        assert_eq!(chosen, broker.max.min(api.valid_versions().max), "{api:?}");
        assert!(chosen >= broker.min && chosen >= api.valid_versions().min);
        table.push(format!(
            "{}: broker {}-{}, chosen {chosen}",
            api.name(),
            broker.min,
            broker.max
        ));
    }
    eprintln!(
        "negotiated with tansu (ApiVersions answered at v{}):\n  {}",
        v.api_versions_version(),
        table.join("\n  ")
    );
    assert!(
        v.api_versions_version() >= 3,
        "ApiVersions v3+ was accepted"
    );
    assert!(v.len() >= 6);

    // --- CreateTopics.
    let created = conn
        .send(&CreateTopicsRequest {
            topics: Array::Vec(vec![CreatableTopic {
                name: Str::new(TOPIC),
                num_partitions: PARTITIONS,
                replication_factor: 1,
                ..Default::default()
            }]),
            timeout_ms: 10_000,
            ..Default::default()
        })
        .await
        .expect("create topics");
    let results: Vec<_> = created.topics.iter().collect();
    assert_eq!(results.len(), 1);
    assert_eq!(results[0].name, TOPIC);
    assert_eq!(results[0].error_code, 0, "{:?}", results[0].error_message);

    // --- Metadata.
    let meta = conn.send(&metadata_for(TOPIC)).await.expect("metadata");
    let brokers: Vec<_> = meta.brokers.iter().collect();
    assert_eq!(brokers.len(), 1);
    assert_eq!(brokers[0].host, "127.0.0.1");
    assert_eq!(brokers[0].port, i32::from(tansu.addr.port()));
    let topics: Vec<_> = meta.topics.iter().collect();
    assert_eq!(topics.len(), 1);
    assert_eq!(topics[0].error_code, 0);
    assert_eq!(topics[0].name.as_ref().unwrap(), TOPIC);
    assert_eq!(topics[0].partitions.len(), PARTITIONS as usize);
    let mut idx: Vec<i32> = topics[0]
        .partitions
        .iter()
        .map(|p| p.partition_index)
        .collect();
    idx.sort();
    assert_eq!(idx, (0..PARTITIONS).collect::<Vec<_>>());
    let topic_id = topics[0].topic_id;

    // --- Produce one batch of 5 records to partition 1.
    let batch = build_batch();
    let produce = ProduceRequest {
        acks: -1,
        timeout_ms: 10_000,
        topic_data: Array::Vec(vec![TopicProduceData {
            name: Str::new(TOPIC),
            partition_data: Array::Vec(vec![PartitionProduceData {
                index: 1,
                records: Some(RecordsBytes::new(&batch)),
                ..Default::default()
            }]),
            ..Default::default()
        }]),
        ..Default::default()
    };
    let resp = conn.send(&produce).await.expect("produce");
    let t = resp.responses.iter().next().expect("topic response");
    assert_eq!(t.name, TOPIC);
    let p = t
        .partition_responses
        .iter()
        .next()
        .expect("partition response");
    assert_eq!((p.index, p.error_code, p.base_offset), (1, 0, 0));
    // --- ListOffsets: latest is the number of records produced.
    let list = conn
        .send(&ListOffsetsRequest {
            replica_id: -1,
            topics: Array::Vec(vec![ListOffsetsTopic {
                name: Str::new(TOPIC),
                partitions: Array::Vec(vec![
                    ListOffsetsPartition {
                        partition_index: 1,
                        timestamp: -1,
                        ..Default::default()
                    },
                    ListOffsetsPartition {
                        partition_index: 2,
                        timestamp: -1,
                        ..Default::default()
                    },
                ]),
                ..Default::default()
            }]),
            ..Default::default()
        })
        .await
        .expect("list offsets");
    let mut latest: Vec<(i32, i16, i64)> = list
        .topics
        .iter()
        .flat_map(|t| {
            t.partitions
                .iter()
                .map(|p| (p.partition_index, p.error_code, p.offset))
                .collect::<Vec<_>>()
        })
        .collect();
    latest.sort();
    eprintln!("LATEST {latest:?}");

    // A second produce: the same five records, as five one-record batches
    // in one `records` field; they land after the first five.
    let singles: Vec<u8> = build_batches(true).concat();
    let produce2 = ProduceRequest {
        acks: -1,
        timeout_ms: 10_000,
        topic_data: Array::Vec(vec![TopicProduceData {
            name: Str::new(TOPIC),
            partition_data: Array::Vec(vec![PartitionProduceData {
                index: 1,
                records: Some(RecordsBytes::new(&singles)),
                ..Default::default()
            }]),
            ..Default::default()
        }]),
        ..Default::default()
    };
    let resp = conn.send(&produce2).await.expect("produce again");
    let p = resp
        .responses
        .iter()
        .next()
        .unwrap()
        .partition_responses
        .iter()
        .next()
        .unwrap();
    assert_eq!((p.error_code, p.base_offset), (0, 5));

    // --- ListOffsets: latest is the number of records produced, earliest 0.
    // (Tansu 0.6.0 answers "latest" with the last batch's base offset + 1,
    // not the log end offset; ending with one-record batches makes both agree.)
    let list_offsets = |timestamp: i64| ListOffsetsRequest {
        replica_id: -1,
        topics: Array::Vec(vec![ListOffsetsTopic {
            name: Str::new(TOPIC),
            partitions: Array::Vec(vec![
                ListOffsetsPartition {
                    partition_index: 1,
                    timestamp,
                    ..Default::default()
                },
                ListOffsetsPartition {
                    partition_index: 2,
                    timestamp,
                    ..Default::default()
                },
            ]),
            ..Default::default()
        }]),
        ..Default::default()
    };
    let offsets = |r: &kio_std::kio_core::messages::ListOffsetsResponse<'_>| {
        let mut v: Vec<(i32, i16, i64)> = r
            .topics
            .iter()
            .flat_map(|t| {
                t.partitions
                    .iter()
                    .map(|p| (p.partition_index, p.error_code, p.offset))
                    .collect::<Vec<_>>()
            })
            .collect();
        v.sort();
        v
    };
    let latest = conn
        .send(&list_offsets(-1))
        .await
        .expect("list offsets (latest)");
    assert_eq!(offsets(&latest), vec![(1, 0, 10), (2, 0, 0)]);
    let earliest = conn
        .send(&list_offsets(-2))
        .await
        .expect("list offsets (earliest)");
    assert_eq!(offsets(&earliest), vec![(1, 0, 0), (2, 0, 0)]);

    // --- Fetch from offset 0 and decode the records.
    let fetch_version = conn.versions().chosen(ApiKey::Fetch).unwrap();
    let fetch = FetchRequest {
        replica_id: -1,
        max_wait_ms: 500,
        min_bytes: 1,
        max_bytes: 1 << 20,
        session_epoch: -1,
        topics: Array::Vec(vec![FetchTopic {
            topic: if fetch_version < 13 {
                Str::new(TOPIC)
            } else {
                Str::new("")
            },
            topic_id: if fetch_version >= 13 {
                topic_id
            } else {
                Default::default()
            },
            partitions: Array::Vec(vec![FetchPartition {
                partition: 1,
                fetch_offset: 0,
                partition_max_bytes: 1 << 20,
                ..Default::default()
            }]),
            ..Default::default()
        }]),
        ..Default::default()
    };
    let fetched = conn.send(&fetch).await.expect("fetch");
    assert_eq!(fetched.error_code, 0);
    let t = fetched.responses.iter().next().expect("fetch topic");
    let p = t.partitions.iter().next().expect("fetch partition");
    assert_eq!(
        (p.partition_index, p.error_code, p.high_watermark),
        (1, 0, 10)
    );
    let records = p.records.as_ref().expect("records");
    let mut got = Vec::new();
    for item in records.batches() {
        match item.expect("batch parses") {
            BatchItem::Batch(b) => {
                for r in b.records().expect("records") {
                    let hs: Vec<(String, Vec<u8>)> = r
                        .headers()
                        .map(|h| (h.key.to_string(), h.value.unwrap_or_default().to_vec()))
                        .collect();
                    got.push((
                        r.offset,
                        r.key.unwrap().to_vec(),
                        r.value.unwrap().to_vec(),
                        hs,
                    ));
                }
            }
            BatchItem::Truncated(_) => {}
            BatchItem::Legacy(_) => panic!("legacy message set"),
        }
    }
    let want: Vec<_> = produced()
        .into_iter()
        .chain(produced())
        .enumerate()
        .map(|(i, (k, v, h))| (i as i64, k, v, h))
        .collect();
    assert_eq!(got, want);

    // --- Ten Metadata requests in flight at once, on clones of one connection.
    let mut tasks = Vec::new();
    for _ in 0..10 {
        let c = conn.clone();
        tasks.push(tokio::spawn(
            async move { c.send(&metadata_for(TOPIC)).await },
        ));
    }
    for t in tasks {
        let m = t.await.unwrap().expect("concurrent metadata");
        assert_eq!(
            m.topics.iter().next().unwrap().partitions.len(),
            PARTITIONS as usize
        );
    }
    // And ten interleaved on one task with join_all (responses matched by correlation id).
    let reqs: Vec<_> = (0..10).map(|_| metadata_for(TOPIC)).collect();
    let all = futures::future::join_all(reqs.iter().map(|r| conn.send(r))).await;
    assert_eq!(all.iter().filter(|r| r.is_ok()).count(), 10);
    assert_eq!(conn.in_flight(), 0);

    // --- The blocking twin against the same broker.
    let addr2 = addr.clone();
    let blocking_meta = tokio::task::spawn_blocking(move || {
        let mut c =
            kio_std::blocking::Connection::connect(addr2.as_str()).expect("blocking connect");
        let chosen = c.versions().chosen(ApiKey::Metadata);
        let m = c.send(&metadata_for(TOPIC)).expect("blocking metadata");
        (chosen, m.topics.iter().next().unwrap().partitions.len())
    })
    .await
    .unwrap();
    assert_eq!(
        blocking_meta,
        (
            conn.versions().chosen(ApiKey::Metadata),
            PARTITIONS as usize
        )
    );

    eprintln!("tansu_full_round_trip took {:?}", started.elapsed());
}

#[tokio::test]
async fn closed_port_is_a_connect_error() {
    let port = support::free_port();
    let err = Connection::connect(format!("127.0.0.1:{port}"))
        .await
        .unwrap_err();
    match &err {
        Error::Connect { addr, source } => {
            assert_eq!(addr, &format!("127.0.0.1:{port}"));
            assert_eq!(source.kind(), std::io::ErrorKind::ConnectionRefused);
        }
        e => panic!("expected Connect, got {e:?}"),
    }
    let err = kio_std::blocking::Connection::connect(format!("127.0.0.1:{port}")).unwrap_err();
    assert!(matches!(err, Error::Connect { .. }), "{err:?}");
}

/// A fake server: reads one request frame, then does `then` with the
/// request's correlation id and the socket.
async fn fake_server<F, Fut>(then: F) -> std::net::SocketAddr
where
    F: FnOnce(i32, tokio::net::TcpStream) -> Fut + Send + 'static,
    Fut: std::future::Future<Output = ()> + Send,
{
    let l = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = l.local_addr().unwrap();
    tokio::spawn(async move {
        let (mut s, _) = l.accept().await.unwrap();
        let n = s.read_i32().await.unwrap();
        let mut buf = vec![0u8; n as usize];
        s.read_exact(&mut buf).await.unwrap();
        let id = i32::from_be_bytes([buf[4], buf[5], buf[6], buf[7]]);
        then(id, s).await;
    });
    addr
}

fn no_negotiation() -> ConnectOptions {
    ConnectOptions::new()
        .negotiate(false)
        .request_timeout(Duration::from_secs(5))
}

#[tokio::test]
async fn server_closing_mid_request_is_closed() {
    let addr = fake_server(|_, s| async move { drop(s) }).await;
    let conn = Connection::connect_with(addr, no_negotiation())
        .await
        .unwrap();
    let err = conn.send(&MetadataRequest::default()).await.unwrap_err();
    assert!(matches!(err, Error::Closed), "{err:?}");
    // Later requests fail the same way, at once.
    let err = conn.send(&MetadataRequest::default()).await.unwrap_err();
    assert!(matches!(err, Error::Closed), "{err:?}");

    // With negotiation on, the ApiVersions exchange reports it.
    let addr = fake_server(|_, s| async move { drop(s) }).await;
    let err = Connection::connect(addr).await.unwrap_err();
    assert!(matches!(err, Error::Closed), "{err:?}");
}

#[tokio::test]
async fn garbage_answer_is_a_decode_error_with_offset() {
    let addr = fake_server(|id, mut s| async move {
        // A frame with the right correlation id, then a Metadata v12 body
        // that is nonsense: throttle time, then a broker count of 2^31-1.
        let mut body = id.to_be_bytes().to_vec();
        body.push(0); // response header v1: no tagged fields
        body.extend_from_slice(&[0, 0, 0, 0]); // throttle_time_ms
        body.extend_from_slice(&[0xff, 0xff, 0xff, 0xff, 0x07]); // compact array length: huge
        let mut frame = (body.len() as i32).to_be_bytes().to_vec();
        frame.extend_from_slice(&body);
        s.write_all(&frame).await.unwrap();
        tokio::time::sleep(Duration::from_secs(2)).await;
    })
    .await;
    let conn = Connection::connect_with(addr, no_negotiation())
        .await
        .unwrap();
    let err = conn
        .send_with_version(&MetadataRequest::default(), 12)
        .await
        .unwrap_err();
    match &err {
        Error::Decode {
            api,
            version,
            source,
            ..
        } => {
            assert_eq!((*api, *version), (ApiKey::Metadata, 12));
            // kio-core reports where the offending length prefix starts
            // (after the 4-byte correlation id, the tag byte and the 4-byte throttle).
            assert_eq!(source.offset, 9, "{source}");
            assert_eq!(source.field, "MetadataResponse.Brokers");
        }
        e => panic!("expected Decode, got {e:?}"),
    }
    eprintln!("garbage answer: {err}");
}

#[tokio::test]
async fn wrong_correlation_id_and_negative_size_fail_the_connection() {
    let addr = fake_server(|id, mut s| async move {
        let mut frame = 4i32.to_be_bytes().to_vec();
        frame.extend_from_slice(&(id + 1000).to_be_bytes());
        s.write_all(&frame).await.unwrap();
        tokio::time::sleep(Duration::from_secs(2)).await;
    })
    .await;
    let conn = Connection::connect_with(addr, no_negotiation())
        .await
        .unwrap();
    let err = conn.send(&MetadataRequest::default()).await.unwrap_err();
    assert!(
        matches!(err, Error::UnexpectedCorrelationId(1000)),
        "{err:?}"
    );

    let addr = fake_server(|_, mut s| async move {
        s.write_all(&(-5i32).to_be_bytes()).await.unwrap();
        tokio::time::sleep(Duration::from_secs(2)).await;
    })
    .await;
    let conn = Connection::connect_with(addr, no_negotiation())
        .await
        .unwrap();
    let err = conn.send(&MetadataRequest::default()).await.unwrap_err();
    assert!(err.to_string().contains("invalid frame size -5"), "{err}");
}

#[tokio::test]
async fn silent_server_times_out() {
    let addr = fake_server(|_, s| async move {
        tokio::time::sleep(Duration::from_secs(3)).await;
        drop(s)
    })
    .await;
    let conn = Connection::connect_with(
        addr,
        ConnectOptions::new()
            .negotiate(false)
            .request_timeout(Duration::from_millis(300)),
    )
    .await
    .unwrap();
    let t = Instant::now();
    let err = conn.send(&MetadataRequest::default()).await.unwrap_err();
    assert!(t.elapsed() < Duration::from_secs(2));
    match err {
        Error::Timeout { api, after, .. } => {
            assert_eq!(api, ApiKey::Metadata);
            assert_eq!(after, Duration::from_millis(300));
        }
        e => panic!("expected Timeout, got {e:?}"),
    }
}

#[tokio::test]
async fn unsupported_api_is_reported_before_sending() {
    // A fake broker answering ApiVersions v4 with only ApiVersions itself.
    let addr = fake_server(|id, mut s| async move {
        use kio_std::kio_core::messages::api_versions_response::{ApiVersion, ApiVersionsResponse};
        use kio_std::kio_core::messages::ResponseHeader;
        let body = ApiVersionsResponse {
            api_keys: Array::Vec(vec![ApiVersion {
                api_key: 18,
                min_version: 0,
                max_version: 4,
                ..Default::default()
            }]),
            ..Default::default()
        };
        let header = ResponseHeader {
            correlation_id: id,
            ..Default::default()
        };
        kio_std::io::write_response_tokio(&mut s, ApiKey::ApiVersions, 4, &header, &body)
            .await
            .unwrap();
        tokio::time::sleep(Duration::from_secs(2)).await;
    })
    .await;
    let conn = Connection::connect(addr).await.unwrap();
    assert_eq!(conn.versions().chosen(ApiKey::ApiVersions), Some(4));
    let err = conn.send(&MetadataRequest::default()).await.unwrap_err();
    assert!(
        matches!(
            err,
            Error::UnsupportedApi {
                api: ApiKey::Metadata,
                broker: None
            }
        ),
        "{err:?}"
    );
}

/// A broker that only knows ApiVersions v0-2 answers our v4 with
/// UNSUPPORTED_VERSION in a v0 body; the connection retries at v2 (the
/// broker's highest), as Kafka's client does. With no range in the error
/// answer it falls back to v0.
#[tokio::test]
async fn api_versions_falls_back_on_unsupported_version() {
    use kio_std::kio_core::messages::api_versions_response::{ApiVersion, ApiVersionsResponse};
    use kio_std::kio_core::messages::ResponseHeader;

    for (advertise_range, expect_retry) in [(true, 2i16), (false, 0i16)] {
        let l = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = l.local_addr().unwrap();
        let fake = tokio::spawn(async move {
            let (mut s, _) = l.accept().await.unwrap();
            let mut versions_seen = Vec::new();
            for round in 0..2 {
                let frame = kio_std::io::read_frame_tokio(&mut s, 1 << 20)
                    .await
                    .unwrap();
                let p = kio_std::kio_core::frame::peek_request(&frame).unwrap();
                assert_eq!(p.api_key, 18);
                versions_seen.push(p.api_version);
                let keys = if round == 0 && !advertise_range {
                    Vec::new()
                } else {
                    vec![
                        ApiVersion {
                            api_key: 18,
                            min_version: 0,
                            max_version: 2,
                            ..Default::default()
                        },
                        ApiVersion {
                            api_key: 3,
                            min_version: 0,
                            max_version: 7,
                            ..Default::default()
                        },
                    ]
                };
                let body = ApiVersionsResponse {
                    error_code: if round == 0 { 35 } else { 0 },
                    api_keys: Array::Vec(keys),
                    ..Default::default()
                };
                let header = ResponseHeader {
                    correlation_id: p.correlation_id,
                    ..Default::default()
                };
                // The error answer is always at v0, as Kafka brokers write it.
                let v = if round == 0 { 0 } else { p.api_version };
                kio_std::io::write_response_tokio(&mut s, ApiKey::ApiVersions, v, &header, &body)
                    .await
                    .unwrap();
            }
            versions_seen
        });
        let conn = Connection::connect(addr)
            .await
            .expect("negotiates after the fallback");
        assert_eq!(conn.versions().api_versions_version(), expect_retry);
        assert_eq!(conn.versions().chosen(ApiKey::Metadata), Some(7));
        assert_eq!(conn.versions().chosen(ApiKey::ApiVersions), Some(2));
        assert_eq!(fake.await.unwrap(), vec![4, expect_retry]);
    }
}
