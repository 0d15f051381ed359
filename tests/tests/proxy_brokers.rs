//! `kio proxy` in front of a cluster of two brokers: one local listener per
//! broker (`--broker-port-base`), and every broker address the client sees
//! is the proxy's: Metadata, and the `NodeEndpoints` of a Produce (v10+)
//! answer `NOT_LEADER_OR_FOLLOWER` after a leader change (KIP-951, which
//! librdkafka follows without asking for Metadata again).
//!
//! The cluster is scripted on `kio_std::server` (the mock broker of
//! `kio-std/examples/mock_broker.rs`, twice, sharing one store): partition
//! `p` is led by broker `1 + p % 2`, but the first Metadata answer says
//! broker 1 leads both, so the client first sends partition 1 to broker 1
//! and is redirected. The client is confluent-kafka (librdkafka).

use kio_interop as support;

#[allow(dead_code)]
#[path = "../../kio-std/examples/mock_broker.rs"]
mod mock;

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use kio_std::connection::Connection;
use kio_std::kio_core::messages::api_versions_response::ApiVersion;
use kio_std::kio_core::messages::create_topics_request::CreatableTopic;
use kio_std::kio_core::messages::metadata_response::MetadataResponseBroker;
use kio_std::kio_core::messages::produce_response::{
    LeaderIdAndEpoch, NodeEndpoint, PartitionProduceResponse, ProduceResponse, TopicProduceResponse,
};
use kio_std::kio_core::messages::{
    CreateTopicsRequest, SaslAuthenticateResponse, SaslHandshakeResponse,
};
use kio_std::kio_core::{ApiKey, Array, Bytes, RequestBody, ResponseBody, Str};
use kio_std::server::{CloseReason, Incoming, Server, ServerOptions};
use serde_json::Value;
use support::{free_port, run_python, skip_real_peers, wait_listening, KioProcess};

const KIO: &str = env!("CARGO_BIN_EXE_kio-interop-cli");
const NOT_LEADER_OR_FOLLOWER: i16 = 6;

const PRODUCER: &str = r#"
import json, sys
from confluent_kafka import Producer
bootstrap, topic = sys.argv[1], sys.argv[2]
delivered = []
stats = []
p = Producer({"bootstrap.servers": bootstrap, "client.id": "kio-two-brokers", "linger.ms": 5,
              "retry.backoff.ms": 100, "message.send.max.retries": 20,
              "statistics.interval.ms": 100, "stats_cb": stats.append})
for i in range(10):
    p.produce(topic, key=f"k{i}".encode(), value=f"v{i}".encode(), partition=i % 2,
              on_delivery=lambda e, m: delivered.append([None if e is None else str(e), m.partition()]))
p.flush(30)
n = len(stats)
while len(stats) < n + 2:
    p.poll(0.1)
# The brokers librdkafka knows (from its statistics): only the proxy's.
brokers = sorted(f"{b['nodeid']}={b['nodename']}" for b in json.loads(stats[-1])["brokers"].values()
                 if b["nodeid"] >= 0)
print(json.dumps({"delivered": delivered, "brokers": brokers}))
"#;

/// What the scripted cluster shares.
struct Cluster {
    store: Arc<Mutex<mock::State>>,
    addrs: Mutex<BTreeMap<i32, SocketAddr>>,
    stale_metadata_served: AtomicBool,
    /// Produce requests received, by node id: (accepted, redirected).
    produce: Mutex<BTreeMap<i32, (usize, usize)>>,
    produce_versions: Mutex<Vec<i16>>,
}

fn leader_of(partition: i32) -> i32 {
    1 + partition % 2
}

async fn answer(c: &Cluster, node: i32, req: Incoming) -> Option<ResponseBody<'static>> {
    let addrs = c.addrs.lock().unwrap().clone();
    let version = req.api_version();
    if let RequestBody::Produce(r) = &req.body {
        c.produce_versions.lock().unwrap().push(version);
        let wrong: Vec<i32> = r
            .topic_data
            .iter()
            .flat_map(|t| t.partition_data.iter().map(|p| p.index).collect::<Vec<_>>())
            .filter(|p| leader_of(*p) != node)
            .collect();
        if !wrong.is_empty() {
            c.produce.lock().unwrap().entry(node).or_default().1 += 1;
            let responses = r
                .topic_data
                .iter()
                .map(|t| TopicProduceResponse {
                    name: t.name.clone().into_owned(),
                    topic_id: t.topic_id,
                    partition_responses: t
                        .partition_data
                        .iter()
                        .map(|p| PartitionProduceResponse {
                            index: p.index,
                            error_code: NOT_LEADER_OR_FOLLOWER,
                            base_offset: -1,
                            current_leader: LeaderIdAndEpoch {
                                leader_id: leader_of(p.index),
                                leader_epoch: 1,
                                ..Default::default()
                            },
                            ..Default::default()
                        })
                        .collect(),
                    ..Default::default()
                })
                .collect();
            let endpoints = wrong
                .iter()
                .map(|p| leader_of(*p))
                .collect::<std::collections::BTreeSet<_>>()
                .into_iter()
                .map(|n| NodeEndpoint {
                    node_id: n,
                    host: Str::from(addrs[&n].ip().to_string()),
                    port: i32::from(addrs[&n].port()),
                    rack: None,
                    ..Default::default()
                })
                .collect();
            return Some(ResponseBody::Produce(ProduceResponse {
                responses,
                node_endpoints: if version >= 10 {
                    endpoints
                } else {
                    Array::default()
                },
                ..Default::default()
            }));
        }
        c.produce.lock().unwrap().entry(node).or_default().0 += 1;
    }
    let advertised = addrs[&node];
    let resp = mock::handle(&c.store, advertised, req).await?;
    Some(match resp {
        ResponseBody::Metadata(mut m) => {
            m.brokers = addrs
                .iter()
                .map(|(n, a)| MetadataResponseBroker {
                    node_id: *n,
                    host: Str::from(a.ip().to_string()),
                    port: i32::from(a.port()),
                    ..Default::default()
                })
                .collect();
            let stale =
                !m.topics.is_empty() && !c.stale_metadata_served.swap(true, Ordering::SeqCst);
            let topics: Vec<_> = m
                .topics
                .iter()
                .map(|mut t| {
                    let parts: Vec<_> = t
                        .partitions
                        .iter()
                        .map(|mut p| {
                            let l = if stale {
                                1
                            } else {
                                leader_of(p.partition_index)
                            };
                            p.leader_id = l;
                            p.leader_epoch = i32::from(!stale);
                            p.replica_nodes = Array::Vec(vec![l]);
                            p.isr_nodes = Array::Vec(vec![l]);
                            p
                        })
                        .collect();
                    t.partitions = Array::Vec(parts);
                    t
                })
                .collect();
            m.topics = Array::Vec(topics);
            ResponseBody::Metadata(m)
        }
        other => other,
    })
}

fn read_log(path: &std::path::Path) -> Vec<Value> {
    std::fs::read_to_string(path)
        .unwrap_or_default()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("log line {l}: {e}")))
        .collect()
}

/// A base port with base+1 and base+2 free.
fn free_base() -> u16 {
    loop {
        let p = free_port();
        if p < 60_000 && std::net::TcpListener::bind(("127.0.0.1", p + 1)).is_ok() {
            return p - 1;
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_brokers_through_per_broker_listeners() {
    if skip_real_peers("proxy multi-broker test") {
        return;
    }
    let cluster = Arc::new(Cluster {
        store: Arc::new(Mutex::new(mock::State::default())),
        addrs: Mutex::new(BTreeMap::new()),
        stale_metadata_served: AtomicBool::new(false),
        produce: Mutex::new(BTreeMap::new()),
        produce_versions: Mutex::new(Vec::new()),
    });
    let mut servers = Vec::new();
    for node in [1, 2] {
        let c = Arc::clone(&cluster);
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        cluster
            .addrs
            .lock()
            .unwrap()
            .insert(node, listener.local_addr().unwrap());
        let server = Server::serve(
            listener,
            move |req: Incoming| {
                let c = Arc::clone(&c);
                async move { answer(&c, node, req).await }
            },
            ServerOptions::default().on_close(move |peer, reason| {
                if !matches!(reason, CloseReason::ClientClosed | CloseReason::Shutdown) {
                    eprintln!("scripted broker {node}: closed {peer}: {reason:?}");
                }
            }),
        )
        .unwrap();
        servers.push(server);
    }
    let addrs = cluster.addrs.lock().unwrap().clone();
    let topic = "kio-two-brokers";
    let conn = Connection::connect(addrs[&1]).await.expect("connects");
    conn.send(&CreateTopicsRequest {
        topics: Array::Vec(vec![CreatableTopic {
            name: Str::from(topic.to_string()),
            num_partitions: 2,
            replication_factor: 1,
            ..Default::default()
        }]),
        timeout_ms: 5_000,
        ..Default::default()
    })
    .await
    .expect("create topic");
    // The topic's first Metadata (to kio's own connection) is not the stale one.
    cluster.stale_metadata_served.store(false, Ordering::SeqCst);

    let dir = tempfile::tempdir().expect("tempdir");
    let log_path = dir.path().join("proxy.jsonl");
    let base = free_base();
    let listen = format!("127.0.0.1:{}", free_port());
    let log_arg = log_path.to_string_lossy().into_owned();
    let upstream = addrs[&1].to_string();
    let base_arg = base.to_string();
    let proxy = KioProcess::start(
        KIO,
        &[
            "proxy",
            "--listen",
            &listen,
            "--upstream",
            &upstream,
            "--log",
            &log_arg,
            "--broker-port-base",
            &base_arg,
        ],
    );
    assert!(wait_listening(
        listen.parse().unwrap(),
        Duration::from_secs(10)
    ));
    let started = Instant::now();
    let l2 = listen.clone();
    let (ok, out, err) = tokio::task::spawn_blocking(move || {
        run_python(PRODUCER, &[&l2, topic], Duration::from_secs(90))
    })
    .await
    .unwrap();
    let elapsed = started.elapsed();
    std::thread::sleep(Duration::from_millis(500));
    let stderr = proxy.stop();
    let closes: Vec<String> = read_log(&log_path)
        .iter()
        .filter(|l| l["event"] == "close" || l["event"] == "error" || l.get("kind").is_some())
        .map(|l| {
            let mut s = l.to_string();
            s.truncate(400);
            s
        })
        .collect();
    assert!(
        ok,
        "confluent-kafka failed:\n{err}\n{out}\nproxy: {stderr}\n{}",
        closes.join("\n")
    );
    let result: Value = serde_json::from_str(out.lines().last().unwrap()).expect("JSON");
    let log = read_log(&log_path);

    // What the client knows: only the proxy's listeners.
    let want: Vec<String> = [1, 2]
        .iter()
        .map(|n| format!("{n}=127.0.0.1:{}", base + n))
        .collect();
    assert_eq!(result["brokers"], serde_json::json!(want), "{out}");
    let delivered = result["delivered"].as_array().unwrap();
    assert_eq!(delivered.len(), 10);
    assert!(delivered.iter().all(|d| d[0].is_null()), "{out}");

    // Which broker each proxy connection went to; every Produce the
    // brokers received came through the proxy.
    let mut broker_of = BTreeMap::new();
    for l in log.iter().filter(|l| l["event"] == "open") {
        broker_of.insert(l["connection"].as_u64().unwrap(), l["broker"].as_i64());
    }
    let mut produce_via_proxy: BTreeMap<i64, usize> = BTreeMap::new();
    let mut node_endpoint_rewrites = 0;
    for l in log.iter().filter(|l| l["apiName"] == "Produce") {
        let b = broker_of[&l["connection"].as_u64().unwrap()].unwrap_or(1);
        if l["kind"] == "request" {
            *produce_via_proxy.entry(b).or_default() += 1;
        }
        for r in l["rewrites"].as_array().into_iter().flatten() {
            assert!(r["path"]
                .as_str()
                .unwrap()
                .starts_with("/body/nodeEndpoints/"));
            assert_eq!(r["to"], format!("127.0.0.1:{}", base + 2));
            node_endpoint_rewrites += 1;
        }
    }
    let received = cluster.produce.lock().unwrap().clone();
    let versions = cluster.produce_versions.lock().unwrap().clone();
    let listens: Vec<_> = log.iter().filter(|l| l["event"] == "listen").collect();
    println!(
        "confluent-kafka, two brokers through kio proxy in {elapsed:?}: produce (accepted, \
         redirected) by broker {received:?}; via the proxy by broker {produce_via_proxy:?}; \
         Produce versions {versions:?}; {node_endpoint_rewrites} NodeEndpoints rewritten; \
         listeners {}",
        serde_json::to_string(&listens).unwrap()
    );
    assert_eq!(listens.len(), 2, "one listener per broker");
    for n in [1i32, 2] {
        let (accepted, redirected) = received.get(&n).copied().unwrap_or_default();
        assert!(accepted > 0, "broker {n} got records");
        assert_eq!(
            produce_via_proxy.get(&i64::from(n)).copied().unwrap_or(0),
            accepted + redirected,
            "every Produce to broker {n} came through its proxy listener"
        );
    }
    assert!(
        received.get(&1).is_some_and(|r| r.1 > 0),
        "the stale leader redirected the client"
    );
    if versions.iter().any(|v| *v >= 10) {
        assert!(node_endpoint_rewrites > 0, "NodeEndpoints rewritten");
    }
    for s in servers {
        s.shutdown().await;
    }
}

const SASL_CLIENT: &str = r#"
import json, sys
from kafka import KafkaProducer
bootstrap, topic = sys.argv[1], sys.argv[2]
p = KafkaProducer(bootstrap_servers=bootstrap, client_id="kio-sasl", security_protocol="SASL_PLAINTEXT",
                  sasl_mechanism="PLAIN", sasl_plain_username="alice", sasl_plain_password="s3cret-pw", acks=1)
p.send(topic, b"hello").get(timeout=20)
p.close(5)
print("ok")
"#;

/// A broker that speaks SASL/PLAIN (and records the tokens it got).
async fn sasl_answer(
    store: &Mutex<mock::State>,
    advertised: SocketAddr,
    tokens: &Mutex<Vec<Vec<u8>>>,
    req: Incoming,
) -> Option<ResponseBody<'static>> {
    match &req.body {
        RequestBody::ApiVersions(_) => {
            let mut v = mock::api_versions();
            let mut keys: Vec<ApiVersion> = v.api_keys.iter().collect();
            for (k, max) in [(ApiKey::SaslHandshake, 1), (ApiKey::SaslAuthenticate, 2)] {
                keys.push(ApiVersion {
                    api_key: k.key(),
                    min_version: 0,
                    max_version: max,
                    ..Default::default()
                });
            }
            v.api_keys = Array::Vec(keys);
            Some(ResponseBody::ApiVersions(v))
        }
        RequestBody::SaslHandshake(_) => Some(ResponseBody::SaslHandshake(SaslHandshakeResponse {
            error_code: 0,
            mechanisms: Array::Vec(vec![Str::new("PLAIN")]),
            ..Default::default()
        })),
        RequestBody::SaslAuthenticate(a) => {
            tokens
                .lock()
                .unwrap()
                .push(a.auth_bytes.as_slice().to_vec());
            Some(ResponseBody::SaslAuthenticate(SaslAuthenticateResponse {
                error_code: 0,
                auth_bytes: Bytes::default(),
                ..Default::default()
            }))
        }
        _ => mock::handle(store, advertised, req).await,
    }
}

/// SASL passes through untouched (the broker gets the client's own token)
/// and the log shows the mechanism and user, never the password unless
/// `--show-secrets`.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sasl_plain_passes_through_and_is_redacted() {
    if skip_real_peers("proxy SASL test") {
        return;
    }
    let store = Arc::new(Mutex::new(mock::State::default()));
    let tokens = Arc::new(Mutex::new(Vec::new()));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let (s2, t2) = (Arc::clone(&store), Arc::clone(&tokens));
    let server = Server::serve(
        listener,
        move |req: Incoming| {
            let (s, t) = (Arc::clone(&s2), Arc::clone(&t2));
            async move { sasl_answer(&s, addr, &t, req).await }
        },
        ServerOptions::default(),
    )
    .unwrap();
    let conn = Connection::connect(addr).await.expect("connects");
    conn.send(&CreateTopicsRequest {
        topics: Array::Vec(vec![CreatableTopic {
            name: Str::new("kio-sasl"),
            num_partitions: 1,
            replication_factor: 1,
            ..Default::default()
        }]),
        timeout_ms: 5_000,
        ..Default::default()
    })
    .await
    .expect("create topic");
    let dir = tempfile::tempdir().unwrap();
    for show in [false, true] {
        let log_path = dir.path().join(format!("sasl-{show}.jsonl"));
        let listen = format!("127.0.0.1:{}", free_port());
        let log_arg = log_path.to_string_lossy().into_owned();
        let up = addr.to_string();
        let mut args = vec![
            "proxy",
            "--listen",
            &listen,
            "--upstream",
            &up,
            "--log",
            &log_arg,
        ];
        if show {
            args.push("--show-secrets");
        }
        let proxy = KioProcess::start(KIO, &args);
        assert!(wait_listening(
            listen.parse().unwrap(),
            Duration::from_secs(10)
        ));
        let l2 = listen.clone();
        let (ok, out, err) = tokio::task::spawn_blocking(move || {
            run_python(SASL_CLIENT, &[&l2, "kio-sasl"], Duration::from_secs(60))
        })
        .await
        .unwrap();
        std::thread::sleep(Duration::from_millis(300));
        let stderr = proxy.stop();
        assert!(
            ok,
            "kafka-python SASL/PLAIN failed:\n{err}\n{out}\n{stderr}"
        );
        let text = std::fs::read_to_string(&log_path).unwrap();
        let log = read_log(&log_path);
        let auth: Vec<_> = log
            .iter()
            .filter(|l| l["apiName"] == "SaslAuthenticate" && l["kind"] == "request")
            .collect();
        assert!(!auth.is_empty(), "SaslAuthenticate through the proxy");
        for a in &auth {
            let sasl = &a["sasl"];
            println!("SASL through kio proxy (show secrets: {show}): logged {sasl}");
            assert_eq!(sasl["mechanism"], "PLAIN");
            assert_eq!(sasl["user"], "alice");
        }
        // The password, in the clear or in base64, is in the log only if asked.
        use base64::Engine as _;
        let b64 = base64::engine::general_purpose::STANDARD.encode(b"alice\0alice\0s3cret-pw");
        assert_eq!(text.contains("s3cret-pw"), show, "password in the log");
        assert!(!text.contains(&b64) || show);
    }
    // The broker got the client's token, byte for byte, every time.
    let got = tokens.lock().unwrap().clone();
    assert!(got.len() >= 2);
    // kafka-python sends authzid = user: "alice NUL alice NUL password".
    assert!(
        got.iter().all(|t| t == b"alice\0alice\0s3cret-pw"),
        "{got:?}"
    );
    server.shutdown().await;
}
