//! A bounded load test of `kio proxy`: 32 kafka-python producers at once
//! (threads of one process), each sending a fixed number of records
//! through one proxy to Tansu; every record must be acknowledged, and the
//! proxy's resident memory is reported (and must stay bounded). Timings are
//! printed, never asserted: the proxy's added latency is measured by the
//! criterion benchmark `kio-std/benches/proxy_latency.rs`.

use kio_interop as support;

use std::time::Duration;

use serde_json::Value;
use support::{free_port, run_python, skip_real_peers, wait_listening, KioProcess, Tansu};

const KIO: &str = env!("CARGO_BIN_EXE_kio-interop-cli");
const CLIENTS: usize = 32;
const RECORDS: usize = 100;

const LOAD: &str = r#"
import json, sys, threading, time
from kafka import KafkaAdminClient, KafkaProducer
from kafka.admin import NewTopic
bootstrap, topic, clients, records = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
admin = KafkaAdminClient(bootstrap_servers=bootstrap, request_timeout_ms=30000)
admin.create_topics([NewTopic(topic, num_partitions=4, replication_factor=1)])
admin.close()
acked, errors = [0] * clients, []
def run(i):
    try:
        p = KafkaProducer(bootstrap_servers=bootstrap, client_id=f"load-{i}", acks=1, linger_ms=2)
        fs = [p.send(topic, f"client {i} record {n}".encode()) for n in range(records)]
        for f in fs:
            f.get(timeout=60)
            acked[i] += 1
        p.close(10)
    except Exception as e:
        errors.append(f"{i}: {e!r}")
t0 = time.time()
ts = [threading.Thread(target=run, args=(i,)) for i in range(clients)]
[t.start() for t in ts]
[t.join() for t in ts]
print(json.dumps({"acked": acked, "errors": errors, "seconds": time.time() - t0}))
"#;

/// (current, peak) resident memory of a process in KiB.
fn rss_kib(pid: u32) -> (u64, u64) {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    let field = |name: &str| {
        status
            .lines()
            .find(|l| l.starts_with(name))
            .and_then(|l| l.split_whitespace().nth(1))
            .and_then(|v| v.parse().ok())
            .unwrap_or(0)
    };
    (field("VmRSS:"), field("VmHWM:"))
}

#[test]
fn thirty_two_clients_through_one_proxy() {
    if skip_real_peers("proxy load test") {
        return;
    }
    let tansu = Tansu::start();
    let listen = format!("127.0.0.1:{}", free_port());
    let upstream = tansu.addr.to_string();
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("load.jsonl");
    let log_arg = log.to_string_lossy().into_owned();
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
            "--no-records",
        ],
    );
    assert!(wait_listening(
        listen.parse().unwrap(),
        Duration::from_secs(10)
    ));
    let pid = proxy.pid().expect("pid");
    let before = rss_kib(pid);
    let (ok, out, err) = run_python(
        LOAD,
        &[
            &listen,
            "kio-load",
            &CLIENTS.to_string(),
            &RECORDS.to_string(),
        ],
        Duration::from_secs(300),
    );
    let after = rss_kib(pid);
    let stderr = proxy.stop();
    assert!(ok, "load script failed:\n{err}\n{out}\n{stderr}");
    let r: Value = serde_json::from_str(out.lines().last().unwrap()).unwrap();
    let acked: Vec<u64> = r["acked"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_u64().unwrap())
        .collect();
    let text = std::fs::read_to_string(&log).unwrap();
    let lines = text.lines().count();
    let summary: Value = text
        .lines()
        .rev()
        .map(|l| serde_json::from_str::<Value>(l).unwrap())
        .find(|l| l["event"] == "summary")
        .expect("summary");
    println!(
        "{CLIENTS} kafka-python producers x {RECORDS} records through one kio proxy: {} acked in \
         {:.1} s; proxy RSS {} KiB before, {} KiB after (peak {} KiB); {} connections, {} \
         request and {} response frames, {} mismatches; log {} lines, {} bytes (--no-records)",
        acked.iter().sum::<u64>(),
        r["seconds"].as_f64().unwrap_or(0.0),
        before.0,
        after.0,
        after.1,
        summary["connections"],
        summary["counts"]["requests"]["frames"],
        summary["counts"]["responses"]["frames"],
        summary["counts"]["requests"]["mismatches"]
            .as_u64()
            .unwrap_or(0)
            + summary["counts"]["responses"]["mismatches"]
                .as_u64()
                .unwrap_or(0),
        lines,
        text.len()
    );
    assert!(r["errors"].as_array().unwrap().is_empty(), "{out}");
    assert_eq!(
        acked,
        vec![RECORDS as u64; CLIENTS],
        "every record acknowledged"
    );
    assert_eq!(summary["counts"]["requests"]["mismatches"], 0);
    assert_eq!(summary["counts"]["responses"]["mismatches"], 0);
    // Bounded: 32 connections' frames are small; the proxy must not grow
    // with the records forwarded (a generous bound, far above what it uses).
    assert!(after.1 < 256 * 1024, "peak RSS {} KiB", after.1);
}
