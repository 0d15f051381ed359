//! The consumer-group protocol of real clients, decoded: kafka-python and
//! confluent-kafka (librdkafka) join a group on a real broker (Tansu)
//! through `kio proxy`, subscribed to two topics of three partitions; the
//! proxy log's JoinGroup and SyncGroup frames must show (in `_metadata` and
//! `_assignment`) the topics the script subscribed to and the partitions
//! the client itself reports it was assigned.
//!
//! With `KIO_RECORD_FIXTURES=1` the live test also writes the frames and
//! the client's own report to `tests/fixtures/consumer-group/<client>.json`;
//! `recorded_frames_decode_to_what_the_client_reported` checks those files
//! without any broker or client (raw bytes → views, and JSON → the same
//! bytes, views edited or not).

use kio_interop as support;

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use kio_core::ApiKey;
use kio_std::json as kio_json;
use serde_json::{json, Value};
use support::{free_port, run_python, skip_real_peers, wait_listening, KioProcess, Tansu};

const KIO: &str = env!("CARGO_BIN_EXE_kio-interop-cli");

const KAFKA_PYTHON: &str = r#"
import json, sys, time
import kafka
from kafka import KafkaAdminClient, KafkaConsumer
from kafka.admin import NewTopic

bootstrap, prefix = sys.argv[1], sys.argv[2]
topics = [prefix + "-a", prefix + "-b"]
admin = KafkaAdminClient(bootstrap_servers=bootstrap, client_id="kio-group-admin", request_timeout_ms=15000)
admin.create_topics([NewTopic(t, num_partitions=3, replication_factor=1) for t in topics])
admin.close()
consumer = KafkaConsumer(bootstrap_servers=bootstrap, client_id="kio-group-consumer",
                         group_id=prefix + "-group", auto_offset_reset="earliest",
                         enable_auto_commit=False)
consumer.subscribe(topics)
deadline = time.time() + 60
while not consumer.assignment() and time.time() < deadline:
    consumer.poll(timeout_ms=500)
assigned = sorted([tp.topic, tp.partition] for tp in consumer.assignment())
consumer.close()
print(json.dumps({"client": "kafka-python " + kafka.__version__, "subscribed": topics, "assigned": assigned}))
"#;

const CONFLUENT_KAFKA: &str = r#"
import json, sys, time
import confluent_kafka
from confluent_kafka import Consumer
from confluent_kafka.admin import AdminClient, NewTopic

bootstrap, prefix = sys.argv[1], sys.argv[2]
topics = [prefix + "-a", prefix + "-b"]
admin = AdminClient({"bootstrap.servers": bootstrap, "client.id": "kio-group-admin"})
for f in admin.create_topics([NewTopic(t, num_partitions=3, replication_factor=1) for t in topics]).values():
    f.result(15)
consumer = Consumer({"bootstrap.servers": bootstrap, "client.id": "kio-group-consumer",
                     "group.id": prefix + "-group", "auto.offset.reset": "earliest",
                     "enable.auto.commit": False})
consumer.subscribe(topics)
deadline = time.time() + 60
while not consumer.assignment() and time.time() < deadline:
    consumer.poll(0.5)
assigned = sorted([tp.topic, tp.partition] for tp in consumer.assignment())
consumer.close()
print(json.dumps({"client": "confluent-kafka " + confluent_kafka.version()[0] + " (librdkafka "
                  + confluent_kafka.libversion()[0] + ")", "subscribed": topics, "assigned": assigned}))
"#;

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/consumer-group")
}

fn read_log(path: &Path) -> Vec<Value> {
    std::fs::read_to_string(path)
        .unwrap_or_default()
        .lines()
        .filter_map(|l| serde_json::from_str(l).ok())
        .collect()
}

/// What the JoinGroup/SyncGroup views of `frames` (decoded documents) say:
/// the subscribed topics of every member's every protocol, and the
/// partitions of every SyncGroup response's assignment.
/// A set of (topic, partition).
type Partitions = BTreeSet<(String, i64)>;

fn views(frames: &[Value]) -> (Vec<BTreeSet<String>>, Vec<Partitions>) {
    let mut subs = Vec::new();
    let mut assigned = Vec::new();
    for f in frames {
        let body = &f["body"];
        match (f["apiName"].as_str(), f["kind"].as_str()) {
            (Some("JoinGroup"), Some("request")) => {
                for p in body["protocols"].as_array().unwrap() {
                    let m = &p["_metadata"];
                    assert!(m.get("error").is_none(), "{m}");
                    subs.push(topics(&m["topics"]));
                }
            }
            (Some("JoinGroup"), Some("response")) => {
                for member in body["members"].as_array().unwrap() {
                    subs.push(topics(&member["_metadata"]["topics"]));
                }
            }
            (Some("SyncGroup"), Some("request")) => {
                for a in body["assignments"].as_array().unwrap() {
                    assigned.push(partitions(&a["_assignment"]));
                }
            }
            (Some("SyncGroup"), Some("response"))
                if body["assignment"].as_str().is_some_and(|s| !s.is_empty()) =>
            {
                assigned.push(partitions(&body["_assignment"]));
            }
            _ => {}
        }
    }
    (subs, assigned)
}

fn topics(v: &Value) -> BTreeSet<String> {
    v.as_array()
        .unwrap_or_else(|| panic!("no topics: {v}"))
        .iter()
        .map(|t| t.as_str().unwrap().to_string())
        .collect()
}

fn partitions(a: &Value) -> BTreeSet<(String, i64)> {
    let mut out = BTreeSet::new();
    for tp in a["assignedPartitions"]
        .as_array()
        .unwrap_or_else(|| panic!("no assignedPartitions: {a}"))
    {
        for p in tp["partitions"].as_array().unwrap() {
            out.insert((
                tp["topic"].as_str().unwrap().to_string(),
                p.as_i64().unwrap(),
            ));
        }
    }
    out
}

/// Checks the views of `frames` against the client's own `report`.
fn check(client: &str, frames: &[Value], report: &Value) -> (usize, usize) {
    let subscribed = topics(&report["subscribed"]);
    let reported: BTreeSet<(String, i64)> = report["assigned"]
        .as_array()
        .unwrap()
        .iter()
        .map(|tp| (tp[0].as_str().unwrap().to_string(), tp[1].as_i64().unwrap()))
        .collect();
    assert_eq!(
        reported.len(),
        6,
        "{client}: assigned all 6 partitions: {report}"
    );
    let (subs, assigned) = views(frames);
    assert!(!subs.is_empty(), "{client}: no JoinGroup metadata seen");
    for s in &subs {
        assert_eq!(s, &subscribed, "{client}: JoinGroup subscription");
    }
    assert!(
        !assigned.is_empty(),
        "{client}: no SyncGroup assignment seen"
    );
    assert_eq!(
        assigned.last().unwrap(),
        &reported,
        "{client}: the last SyncGroup assignment is what the client reports"
    );
    (subs.len(), assigned.len())
}

fn live(client: &str, script: &str) {
    if skip_real_peers(&format!("consumer-group test with {client}")) {
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
    assert!(wait_listening(
        listen.parse().unwrap(),
        Duration::from_secs(10)
    ));
    let prefix = format!("kio-group-{}", client.replace(' ', "-"));
    let (ok, out, err) = run_python(script, &[&listen, &prefix], Duration::from_secs(150));
    assert!(ok, "{client} failed:\n{err}\n{out}");
    let report: Value =
        serde_json::from_str(out.lines().last().unwrap_or("")).expect("client JSON");
    let start = Instant::now();
    let done = |log: &[Value]| {
        let n = |e: &str| log.iter().filter(|l| l["event"] == e).count();
        n("open") > 0 && n("open") == n("close")
    };
    while start.elapsed() < Duration::from_secs(15) && !done(&read_log(&log_path)) {
        std::thread::sleep(Duration::from_millis(100));
    }
    proxy.stop();
    let log = read_log(&log_path);
    let frames: Vec<Value> = log
        .into_iter()
        .filter(|l| matches!(l["apiName"].as_str(), Some("JoinGroup" | "SyncGroup")))
        .collect();
    for f in &frames {
        assert_eq!(f["roundTrip"], "identical", "{client}: {f}");
    }
    let (s, a) = check(client, &frames, &report);
    println!(
        "{}: {} JoinGroup/SyncGroup frames through kio proxy; {s} subscriptions show {:?}, \
         {a} assignments, the last = the client's {:?}",
        report["client"],
        frames.len(),
        report["subscribed"],
        report["assigned"]
    );
    if std::env::var_os("KIO_RECORD_FIXTURES").is_some() {
        record(client, &report, &frames);
    }
}

/// Writes the frames' raw bytes (re-encoded from the lossless JSON, which
/// the proxy checked byte-identical to the wire) and the client's report.
fn record(client: &str, report: &Value, frames: &[Value]) {
    let mut out = Vec::new();
    for f in frames {
        let bytes = kio_json::encode(f).expect("encode");
        out.push(json!({
            "kind": f["kind"],
            "apiKey": f["apiKey"],
            "apiVersion": f["apiVersion"],
            "frame": hex::encode(&bytes[4..]),
        }));
    }
    let doc = json!({
        "about": "JoinGroup/SyncGroup frames (without their size prefix) of a real client through \
                  kio proxy to Tansu, and what the client itself reported; written by \
                  tests/tests/consumer_group.rs with KIO_RECORD_FIXTURES=1",
        "client": report["client"],
        "subscribed": report["subscribed"],
        "assigned": report["assigned"],
        "frames": out,
    });
    std::fs::create_dir_all(fixtures()).unwrap();
    let path = fixtures().join(format!("{client}.json"));
    std::fs::write(&path, serde_json::to_string_pretty(&doc).unwrap() + "\n").unwrap();
    println!("recorded {}", path.display());
}

#[test]
fn kafka_python_group_through_proxy() {
    live("kafka-python", KAFKA_PYTHON);
}

#[test]
fn confluent_kafka_group_through_proxy() {
    live("confluent-kafka", CONFLUENT_KAFKA);
}

#[test]
fn recorded_frames_decode_to_what_the_client_reported() {
    let mut seen = 0;
    for client in ["kafka-python", "confluent-kafka"] {
        let path = fixtures().join(format!("{client}.json"));
        let text =
            std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        let fixture: Value = serde_json::from_str(&text).unwrap();
        let mut docs = Vec::new();
        for f in fixture["frames"].as_array().unwrap() {
            let frame = hex::decode(f["frame"].as_str().unwrap()).unwrap();
            let api = ApiKey::from_i16(f["apiKey"].as_i64().unwrap() as i16).unwrap();
            let version = f["apiVersion"].as_i64().unwrap() as i16;
            let response_to = (f["kind"] == "response").then_some((api, version));
            let doc = kio_json::decode_frame(&frame, response_to).unwrap();
            // JSON -> bytes is unchanged, with the views and without them.
            let mut sized = (frame.len() as u32).to_be_bytes().to_vec();
            sized.extend(&frame);
            assert_eq!(kio_json::encode(&doc).unwrap(), sized, "{client}");
            let mut bare = doc.clone();
            kio_json::strip_views(&mut bare);
            assert_eq!(kio_json::encode(&bare).unwrap(), sized, "{client}");
            // The schema-driven decoder (the browser's) shows the same views.
            let dynamic = kio_json::dynamic::decode_frame(&frame, response_to).unwrap();
            assert_eq!(dynamic["body"], doc["body"], "{client}");
            docs.push(doc);
        }
        let (s, a) = check(client, &docs, &fixture);
        println!(
            "{}: {} recorded frames, {s} subscriptions, {a} assignments decoded",
            fixture["client"],
            docs.len()
        );
        seen += 1;
    }
    assert_eq!(seen, 2);
}
