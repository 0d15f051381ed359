//! Wireshark's Kafka dissector (`tshark`) as an independent witness: for every
//! Kafka PDU of both captures it reports length, API key, version,
//! correlation id, client id and which request a response answers. kio's
//! reassembly (kio-capture), framing and header decoding (kio-core, through
//! `kio_json::inspect`) must report exactly the same.

use kio_interop as support;

use std::collections::BTreeMap;

use kio_std::inspect::{inspect, InspectOptions};
use kio_std::json::Kind;

/// (kind, length, api key, version, correlation id, client id): one per PDU.
type Pdu = (
    &'static str,
    usize,
    Option<i16>,
    Option<i16>,
    i32,
    Option<String>,
);

fn tshark_pdus(path: &str) -> Vec<Pdu> {
    let out = support::run_tshark(&[
        "-r",
        path,
        "-d",
        "tcp.port==19092,kafka",
        "-Y",
        "kafka",
        "-T",
        "fields",
        "-E",
        "occurrence=a",
        "-e",
        "tcp.dstport",
        "-e",
        "kafka.len",
        "-e",
        "kafka.request_key",
        "-e",
        "kafka.api_version",
        "-e",
        "kafka.correlation_id",
        "-e",
        "kafka.client_id",
    ]);
    let mut pdus = Vec::new();
    for line in out.lines() {
        let cols: Vec<Vec<&str>> = line
            .split('\t')
            .map(|c| c.split(',').filter(|s| !s.is_empty()).collect())
            .collect();
        let col = |i: usize| cols.get(i).cloned().unwrap_or_default();
        let (port, lens, keys, versions, corrs, clients) =
            (col(0), col(1), col(2), col(3), col(4), col(5));
        // A packet may hold several PDUs, all in its direction.
        let to_server = port.first() == Some(&"19092");
        for (i, len) in lens.iter().enumerate() {
            let corr: i32 = corrs[i].parse().unwrap();
            let len: usize = len.parse().unwrap();
            if to_server {
                let key = keys.get(i).map(|k| k.parse().unwrap());
                let version = versions.get(i).map(|v| v.parse().unwrap());
                pdus.push((
                    "request",
                    len,
                    key,
                    version,
                    corr,
                    clients.get(i).map(|c| c.to_string()),
                ));
            } else {
                pdus.push(("response", len, None, None, corr, None));
            }
        }
    }
    pdus.sort();
    pdus
}

fn kio_pdus(path: &str) -> Vec<Pdu> {
    let bytes = std::fs::read(path).unwrap();
    let conv = inspect(
        &bytes,
        &InspectOptions {
            ports: vec![19092],
            check: false,
            ..InspectOptions::default()
        },
    )
    .expect("inspect");
    let mut pdus: Vec<Pdu> = conv
        .frames
        .iter()
        .map(|f| {
            let len = f.wire_len - 4;
            let corr = f.correlation_id.expect("correlation id");
            match f.kind {
                Kind::Request => {
                    let (api, version) = f.api.expect("request api");
                    let client = f.json["header"]["clientId"].as_str().map(str::to_string);
                    ("request", len, Some(api.key()), Some(version), corr, client)
                }
                Kind::Response => ("response", len, None, None, corr, None),
            }
        })
        .collect();
    pdus.sort();
    pdus
}

#[test]
fn tshark_sees_the_same_frames_and_headers() {
    if support::skip_real_peers("tshark comparison") {
        return;
    }
    for name in [
        "kafka-python-session.pcapng",
        "librdkafka-compression.pcapng",
    ] {
        let path = support::shared_capture(name);
        let path = path.to_str().unwrap();
        let theirs = tshark_pdus(path);
        let ours = kio_pdus(path);
        let mut by_kind: BTreeMap<&str, usize> = BTreeMap::new();
        for p in &ours {
            *by_kind.entry(p.0).or_default() += 1;
        }
        println!("{name}: {} PDUs, {by_kind:?}", ours.len());
        assert!(!ours.is_empty());
        assert_eq!(ours, theirs, "{name}: kio and tshark disagree");
    }
}
