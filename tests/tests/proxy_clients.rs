//! `kio proxy` between real clients (kafka-python, confluent-kafka) and a
//! real broker (Tansu): the clients create a topic, produce records with
//! keys, values and headers, and consume them back through the proxy. Every
//! frame both ways must re-encode byte-identically; the proxy's rewritten
//! broker addresses must keep the clients on the proxy.

use kio_interop as support;

use std::collections::BTreeMap;
use std::path::Path;
use std::time::{Duration, Instant};

use serde_json::Value;
use support::{free_port, run_python, skip_real_peers, wait_listening, KioProcess, Tansu};

const KIO: &str = env!("CARGO_BIN_EXE_kio-interop-cli");

const KAFKA_PYTHON: &str = r#"
import json, sys, time
from kafka import KafkaAdminClient, KafkaConsumer, KafkaProducer, TopicPartition
from kafka.admin import NewTopic

bootstrap, topic = sys.argv[1], sys.argv[2]
admin = KafkaAdminClient(bootstrap_servers=bootstrap, client_id="kio-proxy-admin", request_timeout_ms=15000)
admin.create_topics([NewTopic(topic, num_partitions=1, replication_factor=1)])
admin.close()

sent = []
producer = KafkaProducer(bootstrap_servers=bootstrap, client_id="kio-proxy-producer", acks=1)
for i in range(5):
    key, value = f"k{i}", f"value-{i} from kafka-python"
    headers = [("h", f"x{i}".encode()), ("src", b"kafka-python")]
    producer.send(topic, key=key.encode(), value=value.encode(), headers=headers).get(timeout=15)
    sent.append([key, value, [[k, v.decode()] for k, v in headers]])
producer.flush(15)
brokers = sorted(f"{b.host}:{b.port}" for b in producer._metadata.brokers())
producer.close(5)

consumer = KafkaConsumer(bootstrap_servers=bootstrap, client_id="kio-proxy-consumer",
                         auto_offset_reset="earliest", enable_auto_commit=False, group_id=None)
tp = TopicPartition(topic, 0)
consumer.assign([tp])
consumer.seek_to_beginning(tp)
got, deadline = [], time.time() + 30
while len(got) < len(sent) and time.time() < deadline:
    for _, msgs in consumer.poll(timeout_ms=500).items():
        for m in msgs:
            got.append([m.key.decode(), m.value.decode(), [[k, v.decode()] for k, v in m.headers]])
brokers += sorted(f"{b.host}:{b.port}" for b in consumer._client.cluster.brokers())
consumer.close()
print(json.dumps({"sent": sent, "got": got, "brokers": brokers}))
"#;

const CONFLUENT_KAFKA: &str = r#"
import json, sys, time
from confluent_kafka import Consumer, Producer, TopicPartition, OFFSET_BEGINNING
from confluent_kafka.admin import AdminClient, NewTopic

bootstrap, topic = sys.argv[1], sys.argv[2]
admin = AdminClient({"bootstrap.servers": bootstrap, "client.id": "kio-proxy-admin"})
admin.create_topics([NewTopic(topic, num_partitions=1, replication_factor=1)])[topic].result(15)
md = admin.list_topics(timeout=15)
brokers = sorted(f"{b.host}:{b.port}" for b in md.brokers.values())

sent, delivered = [], []
producer = Producer({"bootstrap.servers": bootstrap, "client.id": "kio-proxy-producer", "linger.ms": 5})
for i in range(5):
    key, value = f"k{i}", f"value-{i} from confluent-kafka"
    headers = [("h", f"x{i}".encode()), ("src", b"confluent-kafka")]
    producer.produce(topic, key=key.encode(), value=value.encode(), headers=headers,
                     on_delivery=lambda err, msg: delivered.append(err))
    sent.append([key, value, [[k, v.decode()] for k, v in headers]])
producer.flush(15)
assert delivered == [None] * len(sent), delivered

consumer = Consumer({"bootstrap.servers": bootstrap, "client.id": "kio-proxy-consumer",
                     "group.id": "kio-proxy-test", "auto.offset.reset": "earliest",
                     "enable.auto.commit": False})
consumer.assign([TopicPartition(topic, 0, OFFSET_BEGINNING)])
got, deadline = [], time.time() + 30
while len(got) < len(sent) and time.time() < deadline:
    m = consumer.poll(0.5)
    if m is None or m.error():
        continue
    got.append([m.key().decode(), m.value().decode(), [[k, v.decode()] for k, v in (m.headers() or [])]])
consumer.close()
print(json.dumps({"sent": sent, "got": got, "brokers": brokers}))
"#;

fn read_log(path: &Path) -> Vec<Value> {
    std::fs::read_to_string(path)
        .unwrap_or_default()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("log line {l}: {e}")))
        .collect()
}

fn events(log: &[Value], name: &str) -> usize {
    log.iter().filter(|l| l["event"] == name).count()
}

fn through_proxy(client: &str, script: &str) {
    if skip_real_peers(&format!("proxy test with {client}")) {
        return;
    }
    let tansu = Tansu::start();
    let dir = tempfile::tempdir().expect("tempdir");
    let log_path = dir.path().join("proxy.jsonl");
    let listen = format!("127.0.0.1:{}", free_port());
    let upstream = tansu.addr.to_string();
    let log_arg = log_path.to_string_lossy().into_owned();
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
        ],
    );
    assert!(
        wait_listening(listen.parse().unwrap(), Duration::from_secs(10)),
        "proxy did not listen"
    );

    let topic = format!("kio-proxy-{client}");
    let (ok, out, err) = run_python(script, &[&listen, &topic], Duration::from_secs(120));
    assert!(ok, "{client} failed:\n{err}\n{out}");
    let result: Value =
        serde_json::from_str(out.lines().last().unwrap_or("")).expect("client JSON");
    assert_eq!(result["sent"].as_array().map(Vec::len), Some(5));
    assert_eq!(
        result["got"], result["sent"],
        "{client} reads back what it produced"
    );
    for b in result["brokers"].as_array().expect("brokers") {
        assert_eq!(
            b.as_str(),
            Some(listen.as_str()),
            "{client} only knows the proxy as broker"
        );
    }

    // Wait (bounded) until every connection the clients opened is closed and logged.
    let start = Instant::now();
    let mut log = read_log(&log_path);
    while start.elapsed() < Duration::from_secs(15)
        && (events(&log, "open") == 0 || events(&log, "open") != events(&log, "close"))
    {
        std::thread::sleep(Duration::from_millis(100));
        log = read_log(&log_path);
    }
    let stderr = proxy.stop();
    let log = read_log(&log_path);

    let mut counts: BTreeMap<&str, usize> = BTreeMap::new();
    let mut calls: BTreeMap<String, usize> = BTreeMap::new();
    let mut rewritten = 0;
    let mut trailing = 0;
    let mut records_produced = 0;
    let mut records_fetched = 0;
    for l in &log {
        if let Some(e) = l["event"].as_str() {
            assert_ne!(e, "error", "{client}: proxy error {l}");
            continue;
        }
        let kind = l["kind"].as_str().expect("frame kind");
        assert!(
            l.get("error").is_none(),
            "{client}: frame did not decode: {l}"
        );
        assert_eq!(
            l["roundTrip"], "identical",
            "{client}: re-encode mismatch: {l}"
        );
        *counts.entry(kind).or_default() += 1;
        if let Some(t) = l.get("trailingBytes") {
            println!(
                "{client}: {kind} {} v{} has trailing bytes {t} (kept losslessly)",
                l["apiName"], l["apiVersion"]
            );
            trailing += 1;
        }
        let api = format!("{} v{}", l["apiName"].as_str().unwrap(), l["apiVersion"]);
        if kind == "request" {
            *calls.entry(api.clone()).or_default() += 1;
        }
        if let Some(rw) = l.get("rewrites").and_then(Value::as_array) {
            rewritten += 1;
            for r in rw {
                assert_eq!(r["to"].as_str(), Some(listen.as_str()));
                assert_eq!(r["from"].as_str(), Some(tansu.addr.to_string().as_str()));
            }
        }
        if kind == "response" && (l["apiName"] == "Metadata" || l["apiName"] == "DescribeCluster") {
            let brokers = l["body"]["brokers"].as_array().expect("brokers");
            assert!(
                brokers.is_empty() || l.get("rewrites").is_some(),
                "{client}: broker addresses not rewritten: {l}"
            );
        }
        let n = count_records(l);
        match (kind, l["apiName"].as_str()) {
            ("request", Some("Produce")) => records_produced += n,
            ("response", Some("Fetch")) => records_fetched += n,
            _ => {}
        }
    }
    let requests = counts.get("request").copied().unwrap_or(0);
    let responses = counts.get("response").copied().unwrap_or(0);
    println!(
        "{client} through kio proxy: {requests} requests and {responses} responses, all re-encoded \
         byte-identical, 0 mismatches; {rewritten} responses with rewritten broker addresses; \
         {trailing} frames with trailing bytes; \
         {} connections; records produced {records_produced}, fetched {records_fetched}; calls {calls:?}",
        events(&log, "open")
    );
    println!("proxy stderr: {}", stderr.trim());
    assert!(requests > 0 && responses > 0);
    assert_eq!(
        requests, responses,
        "{client}: every request answered through the proxy"
    );
    assert!(rewritten > 0, "{client}: some Metadata was rewritten");
    assert_eq!(
        records_produced, 5,
        "{client}: the Produce requests went through the proxy"
    );
    assert!(
        records_fetched >= 5,
        "{client}: the Fetch responses came through the proxy"
    );
    assert_eq!(events(&log, "open"), events(&log, "close"));
    let summary = log
        .iter()
        .rev()
        .find(|l| l["event"] == "summary")
        .expect("summary line on SIGTERM");
    // A frame counts once it was written to the other side: a response to
    // a client that already left is logged but not counted. The per-connection
    // counts of the close events add up to the summary.
    let closed = |dir: &str| -> u64 {
        log.iter()
            .filter(|l| l["event"] == "close")
            .map(|l| l["counts"][dir]["frames"].as_u64().unwrap_or(0))
            .sum()
    };
    for (dir, logged) in [("requests", requests), ("responses", responses)] {
        let counted = summary["counts"][dir]["frames"].as_u64().unwrap();
        assert_eq!(counted, closed(dir), "{client}: {dir}");
        assert!(
            counted <= logged as u64 && counted + 2 >= logged as u64,
            "{client}: {dir}"
        );
    }
    assert_eq!(summary["counts"]["requests"]["mismatches"], 0);
    assert_eq!(summary["counts"]["responses"]["mismatches"], 0);
    assert_eq!(summary["counts"]["responses"]["decodeErrors"], 0);
}

fn count_records(v: &Value) -> usize {
    match v {
        Value::Object(m) => m
            .iter()
            .map(|(k, x)| match (k.as_str(), x) {
                ("_records", Value::Array(batches)) => batches
                    .iter()
                    .map(|b| b["records"].as_array().map_or(0, Vec::len))
                    .sum(),
                _ => count_records(x),
            })
            .sum(),
        Value::Array(a) => a.iter().map(count_records).sum(),
        _ => 0,
    }
}

#[test]
fn kafka_python_through_proxy() {
    through_proxy("kafka-python", KAFKA_PYTHON);
}

#[test]
fn confluent_kafka_through_proxy() {
    through_proxy("confluent-kafka", CONFLUENT_KAFKA);
}
