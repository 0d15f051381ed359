//! A mock Kafka broker in memory, built on `kio_std::server`.
//!
//! It answers ApiVersions, Metadata, CreateTopics, Produce, ListOffsets,
//! Fetch and InitProducerId (for idempotent producers) — enough for real clients (librdkafka, kafka-python) to create a
//! topic, produce to it and consume back from assigned partitions. Produced
//! record batches are stored as they arrive, with their base offset
//! rewritten to the partition's next offset (the base offset is outside the
//! batch CRC, so the batch stays valid); Fetch returns the stored batches
//! from the requested offset.
//!
//! ```text
//! cargo run -p kio-std --example mock_broker -- 127.0.0.1:9092
//! ```
//!
//! Every other API is left out of the ApiVersions answer, and a request for
//! one closes the connection (as a broker does with a request it cannot parse).
#![forbid(unsafe_code)]

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use kio_std::kio_core::messages::api_versions_response::{ApiVersion, ApiVersionsResponse};
use kio_std::kio_core::messages::create_topics_response::{
    CreatableTopicResult, CreateTopicsResponse,
};
use kio_std::kio_core::messages::fetch_response::{
    FetchResponse, FetchableTopicResponse, PartitionData,
};
use kio_std::kio_core::messages::init_producer_id_response::InitProducerIdResponse;
use kio_std::kio_core::messages::list_offsets_response::{
    ListOffsetsPartitionResponse, ListOffsetsResponse, ListOffsetsTopicResponse,
};
use kio_std::kio_core::messages::metadata_response::{
    MetadataResponse, MetadataResponseBroker, MetadataResponsePartition, MetadataResponseTopic,
};
use kio_std::kio_core::messages::produce_response::{
    PartitionProduceResponse, ProduceResponse, TopicProduceResponse,
};
use kio_std::kio_core::messages::{
    CreateTopicsRequest, FetchRequest, ListOffsetsRequest, MetadataRequest, ProduceRequest,
};
use kio_std::kio_core::records::{BatchItem, RecordBatches};
use kio_std::kio_core::{ApiKey, Array, RecordsBytes, RequestBody, ResponseBody, Str, Uuid};
use kio_std::server::{CloseReason, Incoming, Server, ServerOptions};

/// Kafka error codes the mock uses.
mod code {
    pub const OFFSET_OUT_OF_RANGE: i16 = 1;
    pub const CORRUPT_MESSAGE: i16 = 2;
    pub const UNKNOWN_TOPIC_OR_PARTITION: i16 = 3;
    pub const TOPIC_ALREADY_EXISTS: i16 = 36;
    pub const INVALID_PARTITIONS: i16 = 37;
    pub const UNKNOWN_TOPIC_ID: i16 = 100;
}

/// The broker's node id.
pub const NODE_ID: i32 = 1;

/// The APIs the mock implements: every version kio knows of each.
pub const APIS: [ApiKey; 7] = [
    ApiKey::InitProducerId,
    ApiKey::ApiVersions,
    ApiKey::Metadata,
    ApiKey::CreateTopics,
    ApiKey::Produce,
    ApiKey::ListOffsets,
    ApiKey::Fetch,
];

/// One stored batch: its first offset, the offset after it, and its bytes
/// (base offset already rewritten).
#[derive(Debug, Clone)]
pub struct StoredBatch {
    /// First offset.
    pub base: i64,
    /// One past the last offset.
    pub end: i64,
    /// The batch's bytes.
    pub bytes: Vec<u8>,
}

/// A partition's log.
#[derive(Debug, Clone, Default)]
pub struct Log {
    /// Batches in offset order.
    pub batches: Vec<StoredBatch>,
    /// The next offset to assign (the log end offset, the high watermark).
    pub next: i64,
}

/// A topic.
#[derive(Debug, Clone)]
pub struct Topic {
    /// Its id.
    pub id: Uuid,
    /// Its partitions.
    pub partitions: Vec<Log>,
}

/// The broker's state: topics by name.
#[derive(Debug, Default)]
pub struct State {
    /// Topics by name.
    pub topics: BTreeMap<String, Topic>,
    /// Requests received, by API key and version.
    pub requests: BTreeMap<(i16, i16), usize>,
    /// The last producer id handed out.
    pub producer_ids: i64,
}

/// A running mock broker.
pub struct MockBroker {
    /// The server (shut it down when done).
    pub server: Server,
    /// The shared state (inspect it in tests).
    pub state: Arc<Mutex<State>>,
}

impl MockBroker {
    /// Starts a mock broker on `addr` (e.g. `127.0.0.1:0`); it advertises the
    /// address it is bound to.
    pub async fn start(addr: &str) -> std::io::Result<MockBroker> {
        let listener = tokio::net::TcpListener::bind(addr).await?;
        let advertised = listener.local_addr()?;
        let state = Arc::new(Mutex::new(State::default()));
        let st = state.clone();
        let server = Server::serve(
            listener,
            move |req: Incoming| {
                let st = st.clone();
                async move { handle(&st, advertised, req).await }
            },
            ServerOptions::default().on_close(|peer, reason| {
                if !matches!(reason, CloseReason::ClientClosed | CloseReason::Shutdown) {
                    eprintln!("mock broker: closed {peer}: {reason:?}");
                }
            }),
        )?;
        Ok(MockBroker { server, state })
    }

    /// The address clients connect to.
    pub fn addr(&self) -> SocketAddr {
        self.server.local_addr()
    }
}

fn lock(st: &Mutex<State>) -> std::sync::MutexGuard<'_, State> {
    st.lock().unwrap_or_else(|p| p.into_inner())
}

/// Answers one request.
pub async fn handle(
    st: &Mutex<State>,
    advertised: SocketAddr,
    req: Incoming,
) -> Option<ResponseBody<'static>> {
    let version = req.api_version();
    *lock(st)
        .requests
        .entry((req.api_key().key(), version))
        .or_default() += 1;
    Some(match req.body {
        RequestBody::ApiVersions(_) => ResponseBody::ApiVersions(api_versions()),
        RequestBody::Metadata(r) => {
            ResponseBody::Metadata(metadata(&lock(st), advertised, &r, version))
        }
        RequestBody::CreateTopics(r) => {
            ResponseBody::CreateTopics(create_topics(&mut lock(st), &r))
        }
        RequestBody::Produce(r) => {
            let resp = produce(&mut lock(st), &r);
            if r.acks == 0 {
                return None;
            }
            ResponseBody::Produce(resp)
        }
        RequestBody::InitProducerId(_) => {
            let mut st = lock(st);
            st.producer_ids += 1;
            ResponseBody::InitProducerId(InitProducerIdResponse {
                producer_id: 1000 + st.producer_ids,
                producer_epoch: 0,
                ..Default::default()
            })
        }
        RequestBody::ListOffsets(r) => {
            ResponseBody::ListOffsets(list_offsets(&lock(st), &r, version))
        }
        RequestBody::Fetch(r) => {
            let mut resp = fetch(&lock(st), &r, version);
            // Nothing to return: wait (a little) for data, as a broker does.
            if !has_records(&resp) && r.max_wait_ms > 0 {
                let wait = Duration::from_millis(r.max_wait_ms.clamp(0, 200) as u64);
                tokio::time::sleep(wait).await;
                resp = fetch(&lock(st), &r, version);
            }
            ResponseBody::Fetch(resp)
        }
        // Not advertised: no answer closes the connection.
        _ => return None,
    })
}

/// The ApiVersions answer: every version kio knows of the six APIs.
pub fn api_versions() -> ApiVersionsResponse<'static> {
    ApiVersionsResponse {
        api_keys: APIS
            .iter()
            .map(|a| ApiVersion {
                api_key: a.key(),
                min_version: a.valid_versions().min,
                max_version: a.valid_versions().max,
                ..Default::default()
            })
            .collect(),
        ..Default::default()
    }
}

fn topic_metadata(name: &str, t: &Topic) -> MetadataResponseTopic<'static> {
    MetadataResponseTopic {
        error_code: 0,
        name: Some(Str::from(name.to_string())),
        topic_id: t.id,
        partitions: (0..t.partitions.len() as i32)
            .map(|i| MetadataResponsePartition {
                partition_index: i,
                leader_id: NODE_ID,
                leader_epoch: 0,
                replica_nodes: Array::Vec(vec![NODE_ID]),
                isr_nodes: Array::Vec(vec![NODE_ID]),
                ..Default::default()
            })
            .collect(),
        ..Default::default()
    }
}

fn metadata(
    st: &State,
    advertised: SocketAddr,
    r: &MetadataRequest<'_>,
    version: i16,
) -> MetadataResponse<'static> {
    let all = match &r.topics {
        None => true,
        Some(t) => version == 0 && t.is_empty(),
    };
    let topics: Vec<_> = if all {
        st.topics
            .iter()
            .map(|(n, t)| topic_metadata(n, t))
            .collect()
    } else {
        r.topics
            .iter()
            .flat_map(|a| a.iter())
            .map(|want| {
                let found = match &want.name {
                    Some(n) => st.topics.get_key_value(n.as_str()),
                    None => st.topics.iter().find(|(_, t)| t.id == want.topic_id),
                };
                match found {
                    Some((n, t)) => topic_metadata(n, t),
                    None => MetadataResponseTopic {
                        error_code: code::UNKNOWN_TOPIC_OR_PARTITION,
                        name: want.name.clone().map(Str::into_owned),
                        topic_id: want.topic_id,
                        ..Default::default()
                    },
                }
            })
            .collect()
    };
    MetadataResponse {
        brokers: Array::Vec(vec![MetadataResponseBroker {
            node_id: NODE_ID,
            host: Str::from(advertised.ip().to_string()),
            port: i32::from(advertised.port()),
            rack: None,
            ..Default::default()
        }]),
        cluster_id: Some(Str::new("kio-mock-cluster")),
        controller_id: NODE_ID,
        topics: Array::Vec(topics),
        ..Default::default()
    }
}

fn create_topics(st: &mut State, r: &CreateTopicsRequest<'_>) -> CreateTopicsResponse<'static> {
    let topics = r
        .topics
        .iter()
        .map(|t| {
            let name = t.name.as_str().to_string();
            let partitions = if t.num_partitions == -1 {
                1
            } else {
                t.num_partitions
            };
            let mut result = CreatableTopicResult {
                name: Str::from(name.clone()),
                num_partitions: partitions,
                replication_factor: 1,
                configs: Some(Array::Vec(Vec::new())),
                ..Default::default()
            };
            if st.topics.contains_key(&name) {
                result.error_code = code::TOPIC_ALREADY_EXISTS;
            } else if partitions < 1 {
                result.error_code = code::INVALID_PARTITIONS;
            } else {
                let n = st.topics.len() as u8 + 1;
                let id = Uuid([
                    0x6b, 0x69, 0x6f, n, 0, 0, 0x40, 0, 0x80, 0, 0, 0, 0, 0, 0, n,
                ]);
                result.topic_id = id;
                if !r.validate_only {
                    st.topics.insert(
                        name,
                        Topic {
                            id,
                            partitions: vec![Log::default(); partitions as usize],
                        },
                    );
                }
            }
            result
        })
        .collect();
    CreateTopicsResponse {
        topics,
        ..Default::default()
    }
}

/// Appends the batches of `records` to `log`, assigning offsets; returns
/// the first offset assigned, or an error code.
fn append(log: &mut Log, records: &[u8]) -> Result<i64, i16> {
    let first = log.next;
    let mut staged = Vec::new();
    let mut next = log.next;
    for item in RecordBatches::new(records) {
        match item {
            Ok(BatchItem::Batch(b)) => {
                let mut bytes = b.as_bytes().to_vec();
                bytes[..8].copy_from_slice(&next.to_be_bytes());
                let end = next + i64::from(b.last_offset_delta()) + 1;
                staged.push(StoredBatch {
                    base: next,
                    end,
                    bytes,
                });
                next = end;
            }
            _ => return Err(code::CORRUPT_MESSAGE),
        }
    }
    log.batches.extend(staged);
    log.next = next;
    Ok(first)
}

fn produce(st: &mut State, r: &ProduceRequest<'_>) -> ProduceResponse<'static> {
    let responses =
        r.topic_data
            .iter()
            .map(|t| TopicProduceResponse {
                name: t.name.clone().into_owned(),
                partition_responses: t
                    .partition_data
                    .iter()
                    .map(|p| {
                        let log = st.topics.get_mut(t.name.as_str()).and_then(|topic| {
                            topic.partitions.get_mut(usize::try_from(p.index).ok()?)
                        });
                        let result = match log {
                            None => Err(code::UNKNOWN_TOPIC_OR_PARTITION),
                            Some(log) => append(
                                log,
                                p.records
                                    .as_ref()
                                    .map(RecordsBytes::as_slice)
                                    .unwrap_or_default(),
                            ),
                        };
                        PartitionProduceResponse {
                            index: p.index,
                            error_code: result.err().unwrap_or(0),
                            base_offset: result.unwrap_or(-1),
                            log_start_offset: 0,
                            ..Default::default()
                        }
                    })
                    .collect(),
                ..Default::default()
            })
            .collect();
    ProduceResponse {
        responses,
        ..Default::default()
    }
}

fn list_offsets(
    st: &State,
    r: &ListOffsetsRequest<'_>,
    version: i16,
) -> ListOffsetsResponse<'static> {
    let topics = r
        .topics
        .iter()
        .map(|t| ListOffsetsTopicResponse {
            name: t.name.clone().into_owned(),
            partitions: t
                .partitions
                .iter()
                .map(|p| {
                    let log = st.topics.get(t.name.as_str()).and_then(|topic| {
                        topic
                            .partitions
                            .get(usize::try_from(p.partition_index).ok()?)
                    });
                    let mut out = ListOffsetsPartitionResponse {
                        partition_index: p.partition_index,
                        ..Default::default()
                    };
                    match log {
                        None => out.error_code = code::UNKNOWN_TOPIC_OR_PARTITION,
                        Some(log) => {
                            // -1 latest, -2 earliest; any other timestamp: the
                            // log end (the mock keeps no time index).
                            let offset = if p.timestamp == -2 { 0 } else { log.next };
                            // v0 carries a list of offsets, v1+ one offset.
                            if version == 0 {
                                out.old_style_offsets = Array::Vec(vec![offset]);
                            } else {
                                out.offset = offset;
                            }
                        }
                    }
                    out
                })
                .collect(),
            ..Default::default()
        })
        .collect();
    ListOffsetsResponse {
        topics,
        ..Default::default()
    }
}

fn fetch(st: &State, r: &FetchRequest<'_>, version: i16) -> FetchResponse<'static> {
    let by_id = version >= 13;
    let responses = r
        .topics
        .iter()
        .map(|t| {
            let topic = if by_id {
                st.topics.values().find(|x| x.id == t.topic_id)
            } else {
                st.topics.get(t.topic.as_str())
            };
            let unknown = if by_id {
                code::UNKNOWN_TOPIC_ID
            } else {
                code::UNKNOWN_TOPIC_OR_PARTITION
            };
            FetchableTopicResponse {
                topic: if by_id {
                    Str::new("")
                } else {
                    t.topic.clone().into_owned()
                },
                topic_id: if by_id { t.topic_id } else { Uuid::default() },
                partitions: t
                    .partitions
                    .iter()
                    .map(|p| {
                        let mut out = PartitionData {
                            partition_index: p.partition,
                            records: Some(RecordsBytes::new(&[])),
                            ..Default::default()
                        };
                        let log = topic
                            .and_then(|x| x.partitions.get(usize::try_from(p.partition).ok()?));
                        let Some(log) = log else {
                            out.error_code = unknown;
                            return out;
                        };
                        out.high_watermark = log.next;
                        out.last_stable_offset = log.next;
                        out.log_start_offset = 0;
                        if p.fetch_offset < 0 || p.fetch_offset > log.next {
                            out.error_code = code::OFFSET_OUT_OF_RANGE;
                            return out;
                        }
                        let limit = usize::try_from(p.partition_max_bytes).unwrap_or(0);
                        let mut bytes = Vec::new();
                        for b in log.batches.iter().filter(|b| b.end > p.fetch_offset) {
                            // Always at least one batch, then up to the limit.
                            if !bytes.is_empty() && bytes.len() + b.bytes.len() > limit {
                                break;
                            }
                            bytes.extend_from_slice(&b.bytes);
                        }
                        out.records = Some(RecordsBytes(bytes.into()));
                        out
                    })
                    .collect(),
                ..Default::default()
            }
        })
        .collect();
    FetchResponse {
        responses,
        ..Default::default()
    }
}

fn has_records(r: &FetchResponse<'_>) -> bool {
    r.responses.iter().any(|t| {
        t.partitions
            .iter()
            .any(|p| p.records.as_ref().is_some_and(|b| !b.as_slice().is_empty()))
    })
}

#[allow(dead_code)]
#[tokio::main]
async fn main() -> std::io::Result<()> {
    let addr = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "127.0.0.1:9092".into());
    let broker = MockBroker::start(&addr).await?;
    eprintln!("mock broker listening on {}", broker.addr());
    broker.server.wait().await;
    Ok(())
}
