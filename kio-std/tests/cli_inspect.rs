//! `kio inspect` on both captures: every frame decodes, is paired, and
//! re-encodes byte-identically from its JSON (library and binary).

mod support;

use base64::Engine as _;
use kio_std::inspect::{inspect, InspectOptions};
use kio_std::json::{self, Kind};
use serde_json::Value;
use support::{run_kio, shared_capture};

const KIO: &str = env!("CARGO_BIN_EXE_kio");

fn check_library(name: &str, requests: usize, responses: usize) {
    let bytes = std::fs::read(shared_capture(name)).unwrap();
    let opts = InspectOptions {
        ports: vec![19092],
        check: true,
        ..InspectOptions::default()
    };
    let conv = inspect(&bytes, &opts).expect("capture parses");
    assert!(conv.issues.is_empty(), "{name}: {:?}", conv.issues);
    let s = conv.stats;
    assert_eq!(
        (s.requests, s.responses, s.paired),
        (requests, responses, responses),
        "{name}"
    );
    assert_eq!(s.decode_errors, 0, "{name}");
    assert_eq!(s.unpaired_responses + s.unanswered_requests, 0, "{name}");
    assert_eq!(s.mismatches, 0, "{name}");
    assert_eq!(s.identical, requests + responses, "{name}");
    assert_eq!(conv.calls.len(), requests);
    for call in &conv.calls {
        let req = &conv.frames[call.request];
        let resp = &conv.frames[call.response.expect("every request answered")];
        assert_eq!(req.kind, Kind::Request);
        assert_eq!(resp.kind, Kind::Response);
        assert_eq!(req.correlation_id, resp.correlation_id);
        assert_eq!(req.connection, resp.connection);
        assert_eq!(req.api, resp.api, "response decoded with its request's API");
        // JSON → bytes again, through a text round trip of the JSON too.
        for f in [req, resp] {
            let text = serde_json::to_string(&f.json).unwrap();
            let back: Value = serde_json::from_str(&text).unwrap();
            let bytes = json::encode(&back).expect("encodes");
            assert_eq!(bytes.len(), f.wire_len);
            assert_eq!(f.identical, Some(true));
        }
    }
}

#[test]
fn library_kafka_python() {
    check_library("kafka-python-session.pcapng", 22, 22);
}

#[test]
fn library_librdkafka() {
    check_library("librdkafka-compression.pcapng", 41, 41);
}

fn check_binary(name: &str, requests: usize, responses: usize) {
    let path = shared_capture(name);
    let path = path.to_str().unwrap();
    let (code, out, err) = run_kio(KIO, &["inspect", path, "--port", "19092", "--check"], b"");
    assert_eq!(code, 0, "{name}: {err}");
    let lines: Vec<Value> = String::from_utf8(out)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).expect("JSON line"))
        .collect();
    let count = |k: &str| lines.iter().filter(|l| l["kind"] == k).count();
    assert_eq!(
        (count("request"), count("response")),
        (requests, responses),
        "{name}"
    );
    for l in &lines {
        assert_eq!(l["roundTrip"], "identical", "{name}: {l}");
        assert!(l.get("error").is_none(), "{name}: {l}");
        assert!(l["time"].is_string() && l["connection"].is_u64());
    }
    // `kio inspect | kio encode` rebuilds every frame.
    let jsonl: String = lines.iter().map(|l| l.to_string() + "\n").collect();
    let (code, hexes, err) = run_kio(KIO, &["encode", "--format", "base64"], jsonl.as_bytes());
    assert_eq!(code, 0, "{err}");
    let frames: Vec<Vec<u8>> = String::from_utf8(hexes)
        .unwrap()
        .lines()
        .map(|l| base64::engine::general_purpose::STANDARD.decode(l).unwrap())
        .collect();
    assert_eq!(frames.len(), requests + responses);
    assert!(err.is_empty() || !err.contains("error"), "{err}");
}

#[test]
fn binary_kafka_python() {
    check_binary("kafka-python-session.pcapng", 22, 22);
}

#[test]
fn binary_librdkafka() {
    check_binary("librdkafka-compression.pcapng", 41, 41);
}

#[test]
fn bundled_capture_needs_no_file_and_works_from_any_directory() {
    let (code, out, err) = support::kio_command(KIO)
        .args(["inspect", "--format", "table"])
        .current_dir(std::env::temp_dir())
        .output()
        .map(|o| {
            (
                o.status.code().unwrap_or(-1),
                o.stdout,
                String::from_utf8_lossy(&o.stderr).into_owned(),
            )
        })
        .unwrap();
    assert_eq!(code, 0, "{err}");
    let text = String::from_utf8(out).unwrap();
    assert_eq!(text.lines().count(), 1 + 22, "header and one line per call");
    for api in [
        "ApiVersions v4",
        "Metadata v12",
        "CreateTopics v7",
        "InitProducerId v4",
        "Produce v9",
        "ListOffsets v9",
        "Fetch v12",
    ] {
        assert!(text.contains(api), "{api} missing from\n{text}");
    }
    assert!(
        err.contains("22 requests, 22 responses, 22 paired"),
        "{err}"
    );
}
