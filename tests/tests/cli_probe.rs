//! `kio probe` against the real Tansu broker: the broker, the topics it was
//! given and their partitions show up, like `kcat -L`.

use kio_interop as support;

use std::time::Duration;

use kio_std::connection::Connection;
use kio_std::kio_core::messages::create_topics_request::{CreatableTopic, CreateTopicsRequest};
use kio_std::kio_core::{Array, Str};

#[test]
fn probe_lists_the_broker_and_its_topics() {
    if support::skip_real_peers("kio probe") {
        return;
    }
    let broker = support::Tansu::start();
    let rt = tokio::runtime::Runtime::new().unwrap();
    rt.block_on(async {
        let conn = Connection::connect(broker.addr).await.expect("connect");
        let topics = [CreatableTopic {
            name: Str::new("probe-me"),
            num_partitions: 3,
            replication_factor: 1,
            ..Default::default()
        }];
        let resp = conn
            .send(&CreateTopicsRequest {
                topics: Array::from(&topics),
                timeout_ms: 10_000,
                ..Default::default()
            })
            .await
            .expect("create topic");
        assert_eq!(resp.topics.iter().next().unwrap().error_code, 0);
    });
    std::thread::sleep(Duration::from_millis(200));

    let addr = broker.addr.to_string();
    let (code, out, err) = support::run_kio(
        env!("CARGO_BIN_EXE_kio-interop-cli"),
        &["probe", &addr],
        b"",
    );
    let out = String::from_utf8(out).unwrap();
    assert_eq!(code, 0, "kio probe failed: {err}");
    println!("{out}");
    assert!(
        out.contains(&addr),
        "the broker's address is listed:\n{out}"
    );
    assert!(out.contains("probe-me"), "the topic is listed:\n{out}");
    for p in 0..3 {
        assert!(
            out.contains(&format!("partition {p}")),
            "partition {p} is listed:\n{out}"
        );
    }

    let (code, out, err) = support::run_kio(
        env!("CARGO_BIN_EXE_kio-interop-cli"),
        &["probe", &addr, "--json"],
        b"",
    );
    assert_eq!(code, 0, "kio probe --json failed: {err}");
    let text = String::from_utf8(out).unwrap();
    let docs: Vec<serde_json::Value> = text
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| serde_json::from_str(l).expect("JSON line"))
        .collect();
    assert!(docs.iter().any(|d| d["apiName"] == "Metadata"), "{text}");
}
