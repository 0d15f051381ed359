//! `kio decode` and `kio encode`: decoded values of known frames, errors
//! with offsets and exit codes, and decode → encode byte-identical through
//! the binary on every frame of both captures.

mod support;

use std::collections::HashMap;

use kio_capture::{Direction, Options};
use serde_json::Value;
use support::{run_kio, shared_capture};

const KIO: &str = env!("CARGO_BIN_EXE_kio");

const API_VERSIONS_V3: &str = "0000001b0012000300000001000570656572730006726177707904302e3100";
const METADATA_V12: &str = "0000002b0003000c0000000700036b696f000200000000000000000000000000000000086b702d7465737400000000";

fn decode(args: &[&str], stdin: &[u8]) -> Value {
    let (code, out, err) = run_kio(KIO, args, stdin);
    assert_eq!(code, 0, "kio {args:?}: {err}");
    serde_json::from_slice(&out).expect("JSON output")
}

#[test]
fn api_versions_request_values() {
    let v = decode(&["decode"], API_VERSIONS_V3.as_bytes());
    assert_eq!(v["kind"], "request");
    assert_eq!(v["apiKey"], 18);
    assert_eq!(v["apiName"], "ApiVersions");
    assert_eq!(v["apiVersion"], 3);
    assert_eq!(v["correlationId"], 1);
    assert_eq!(v["header"]["requestApiKey"], 18);
    assert_eq!(v["header"]["requestApiVersion"], 3);
    assert_eq!(v["header"]["correlationId"], 1);
    assert_eq!(v["header"]["clientId"], "peers");
    assert_eq!(v["body"]["clientSoftwareName"], "rawpy");
    assert_eq!(v["body"]["clientSoftwareVersion"], "0.1");
}

#[test]
fn metadata_request_values() {
    let v = decode(&["decode"], METADATA_V12.as_bytes());
    assert_eq!(v["kind"], "request");
    assert_eq!(v["apiKey"], 3);
    assert_eq!(v["apiName"], "Metadata");
    assert_eq!(v["apiVersion"], 12);
    assert_eq!(v["correlationId"], 7);
    assert_eq!(v["header"]["clientId"], "kio");
    let topics = v["body"]["topics"].as_array().expect("topics");
    assert_eq!(topics.len(), 1);
    assert_eq!(topics[0]["name"], "kp-test");
    assert_eq!(topics[0]["topicId"], "AAAAAAAAAAAAAAAAAAAAAA", "zero uuid");
    assert_eq!(v["body"]["allowAutoTopicCreation"], false);
    assert_eq!(v["body"]["includeTopicAuthorizedOperations"], false);
}

#[test]
fn every_input_format_and_no_size_prefix() {
    let bytes = hex::decode(METADATA_V12).unwrap();
    let want = decode(&["decode"], METADATA_V12.as_bytes());
    use base64::Engine as _;
    let b64 = base64::engine::general_purpose::STANDARD.encode(&bytes);
    assert_eq!(
        decode(&["decode"], b64.as_bytes()),
        want,
        "base64 auto-detected"
    );
    assert_eq!(
        decode(&["decode", "--format", "base64"], b64.as_bytes()),
        want
    );
    assert_eq!(decode(&["decode", "--format", "raw"], &bytes), want);
    assert_eq!(decode(&["decode"], &bytes), want, "raw auto-detected");
    let spaced = "00 00 00 2b\n".to_string() + &METADATA_V12[8..];
    assert_eq!(
        decode(&["decode"], spaced.as_bytes()),
        want,
        "hex with spaces"
    );
    assert_eq!(
        decode(&["decode"], &METADATA_V12.as_bytes()[8..]),
        want,
        "no size prefix"
    );
    // The body alone, with --kind.
    let body = &bytes[4 + 2 + 2 + 4 + 2 + 3 + 1..];
    let v = decode(
        &[
            "decode",
            "--format",
            "raw",
            "--kind",
            "request",
            "--api-key",
            "Metadata",
            "--api-version",
            "12",
        ],
        body,
    );
    assert_eq!(v["body"], want["body"]);
    assert!(v.get("header").is_none());
    let (code, out, err) = run_kio(KIO, &["encode"], &serde_json::to_vec(&v).unwrap());
    assert_eq!(code, 0, "{err}");
    assert_eq!(String::from_utf8(out).unwrap().trim(), hex::encode(body));
}

#[test]
fn errors_say_what_where_and_why() {
    // Cut the Metadata frame inside the topic name.
    let cut = &METADATA_V12[8..METADATA_V12.len() - 16];
    let (code, out, err) = run_kio(KIO, &["decode"], cut.as_bytes());
    assert_eq!(code, 1, "decode error exits 1");
    assert!(out.is_empty());
    assert!(err.contains("Metadata v12 request frame"), "{err}");
    assert!(err.contains("at input byte"), "{err}");
    assert!(err.contains("MetadataRequestTopic.Name"), "{err}");
    // Usage errors exit 2.
    let (code, _, _) = run_kio(KIO, &["decode", "--kind", "request"], b"00");
    assert_eq!(code, 2);
    let (code, _, _) = run_kio(KIO, &["decode", "--no-such-flag"], b"");
    assert_eq!(code, 2);
    // Encode errors exit 1 and name the document.
    let (code, _, err) = run_kio(
        KIO,
        &["encode"],
        br#"{"kind":"request","apiKey":3,"apiVersion":12,"body":{"nope":1}}"#,
    );
    assert_eq!(code, 1);
    assert!(err.contains("document 1") && err.contains("nope"), "{err}");
}

#[test]
fn records_view_is_ignored_by_encode() {
    // A Produce request from the kafka-python capture: the `_records` view
    // is there, and editing it changes nothing on the wire.
    let bytes = std::fs::read(shared_capture("kafka-python-session.pcapng")).unwrap();
    let cap = kio_capture::parse(&bytes, &Options::with_ports([19092])).unwrap();
    let produce = cap
        .connections
        .iter()
        .flat_map(|c| &c.frames)
        .find(|f| f.api_key() == Some(0))
        .expect("a Produce request");
    let wire = produce.to_wire();
    let mut v = decode(&["decode", "--format", "raw"], &wire);
    let part = &mut v["body"]["topicData"][0]["partitionData"][0];
    let batches = part["_records"].as_array().expect("_records view");
    let rec = &batches[0]["records"][0];
    assert!(rec["key"].is_string() && rec["value"].is_string(), "{rec}");
    assert!(!rec["headers"].as_array().unwrap().is_empty());
    part["_records"] = Value::String("edited".into());
    let (code, out, err) = run_kio(
        KIO,
        &["encode", "--format", "raw"],
        &serde_json::to_vec(&v).unwrap(),
    );
    assert_eq!(code, 0, "{err}");
    assert_eq!(out, wire);
}

/// Every frame of a capture through `kio decode | kio encode`.
fn roundtrip_capture(name: &str) -> (usize, usize) {
    let bytes = std::fs::read(shared_capture(name)).unwrap();
    let cap = kio_capture::parse(&bytes, &Options::with_ports([19092])).unwrap();
    let (mut requests, mut responses) = (0, 0);
    for conn in &cap.connections {
        let mut pending: HashMap<i32, (i16, i16)> = HashMap::new();
        for f in &conn.frames {
            let wire = f.to_wire();
            let hexed = hex::encode(&wire);
            let mut args = vec!["decode".to_string(), "--compact".into()];
            match f.direction {
                Direction::ToServer => {
                    let h = f.request_header().unwrap();
                    pending.insert(h.correlation_id, (h.api_key, h.api_version));
                    requests += 1;
                }
                Direction::ToClient => {
                    let (k, v) = pending
                        .remove(&f.correlation_id().unwrap())
                        .expect("paired");
                    args.extend([
                        "--api-key".into(),
                        k.to_string(),
                        "--api-version".into(),
                        v.to_string(),
                    ]);
                    responses += 1;
                }
            }
            let args: Vec<&str> = args.iter().map(String::as_str).collect();
            let (code, json, err) = run_kio(KIO, &args, hexed.as_bytes());
            assert_eq!(code, 0, "{name}: decode {args:?}: {err}");
            let (code, out, err) = run_kio(KIO, &["encode"], &json);
            assert_eq!(code, 0, "{name}: encode: {err}");
            assert_eq!(
                String::from_utf8(out).unwrap().trim(),
                hexed,
                "{name}: {args:?} is not byte-identical through JSON"
            );
        }
    }
    (requests, responses)
}

#[test]
fn decode_encode_every_frame_kafka_python() {
    assert_eq!(roundtrip_capture("kafka-python-session.pcapng"), (22, 22));
}

#[test]
fn decode_encode_every_frame_librdkafka() {
    assert_eq!(roundtrip_capture("librdkafka-compression.pcapng"), (41, 41));
}
