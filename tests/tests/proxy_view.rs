//! `kio proxy`'s live view: `--format table` (one line per request/response
//! pair with its latency), the filters (`--api`, `--topic`, `--client-id`)
//! and `--no-records`, with kafka-python producing through it to Tansu.

use kio_interop as support;

use std::time::Duration;

use serde_json::Value;
use support::{free_port, run_python, skip_real_peers, wait_listening, KioProcess, Tansu};

const KIO: &str = env!("CARGO_BIN_EXE_kio-interop-cli");

const PRODUCE: &str = r#"
import sys
from kafka import KafkaAdminClient, KafkaProducer
from kafka.admin import NewTopic
from kafka.errors import TopicAlreadyExistsError
bootstrap = sys.argv[1]
admin = KafkaAdminClient(bootstrap_servers=bootstrap, client_id="kio-view-admin")
try:
    admin.create_topics([NewTopic("kio-view-a", 1, 1), NewTopic("kio-view-b", 1, 1)])
except TopicAlreadyExistsError:
    pass
admin.close()
p = KafkaProducer(bootstrap_servers=bootstrap, client_id="kio-view-producer", acks=1)
for t in ["kio-view-a", "kio-view-b", "kio-view-a"]:
    p.send(t, b"some value").get(timeout=15)
p.close(5)
print("ok")
"#;

fn run_with(tansu: &Tansu, extra: &[&str]) -> String {
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("view.log");
    let listen = format!("127.0.0.1:{}", free_port());
    let up = tansu.addr.to_string();
    let log_arg = log.to_string_lossy().into_owned();
    let mut args = vec![
        "proxy",
        "--listen",
        &listen,
        "--upstream",
        &up,
        "--log",
        &log_arg,
    ];
    args.extend_from_slice(extra);
    let proxy = KioProcess::start(KIO, &args);
    assert!(wait_listening(
        listen.parse().unwrap(),
        Duration::from_secs(10)
    ));
    let (ok, out, err) = run_python(PRODUCE, &[&listen], Duration::from_secs(60));
    std::thread::sleep(Duration::from_millis(300));
    let stderr = proxy.stop();
    assert!(ok, "kafka-python failed:\n{err}\n{out}\n{stderr}");
    std::fs::read_to_string(&log).unwrap()
}

#[test]
fn table_filters_and_no_records() {
    if skip_real_peers("proxy view test") {
        return;
    }
    let tansu = Tansu::start();

    // The table, Produce only.
    let table = run_with(&tansu, &["--format", "table", "--api", "Produce"]);
    println!("{table}");
    let rows: Vec<&str> = table.lines().filter(|l| !l.starts_with('#')).collect();
    assert!(
        rows[0].starts_with("TIME") && rows[0].contains("LATENCY"),
        "{table}"
    );
    let calls = &rows[1..];
    assert_eq!(calls.len(), 3, "three Produce calls: {table}");
    for r in calls {
        assert!(r.contains("Produce v"), "{r}");
        assert!(r.contains("µs") || r.contains(" ms"), "latency: {r}");
        assert!(r.contains("1 records") && r.ends_with("ok"), "{r}");
    }
    assert_eq!(calls.iter().filter(|r| r.contains("kio-view-a")).count(), 2);
    assert!(table
        .lines()
        .any(|l| l.starts_with("# ") && l.contains(" open ")));

    // JSON Lines of one topic and one client, without the records' bytes.
    let json = run_with(
        &tansu,
        &[
            "--format",
            "json",
            "--topic",
            "kio-view-b",
            "--client-id",
            "kio-view-producer",
            "--no-records",
        ],
    );
    let frames: Vec<Value> = json
        .lines()
        .map(|l| serde_json::from_str::<Value>(l).unwrap())
        .filter(|l| l.get("kind").is_some())
        .collect();
    let apis: Vec<(&str, &str)> = frames
        .iter()
        .map(|f| (f["kind"].as_str().unwrap(), f["apiName"].as_str().unwrap()))
        .collect();
    println!("filtered frames: {apis:?}");
    assert!(apis.contains(&("request", "Produce")) && apis.contains(&("response", "Produce")));
    for f in &frames {
        assert_eq!(
            f["header"]["clientId"]
                .as_str()
                .unwrap_or("kio-view-producer"),
            "kio-view-producer"
        );
        assert!(
            !f.to_string().contains("kio-view-a"),
            "other topic shown: {f}"
        );
    }
    let produce = frames
        .iter()
        .find(|f| f["apiName"] == "Produce" && f["kind"] == "request")
        .unwrap();
    let p = &produce["body"]["topicData"][0]["partitionData"][0];
    assert_eq!(p["records"], "<dropped: --no-records>");
    assert_eq!(
        p["_records"][0]["records"].as_array().map(Vec::len),
        Some(1)
    );
}
