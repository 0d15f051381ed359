//! Real traffic: the captures in `../shared/captures/` (kafka-python 3.0 and
//! librdkafka 2.16 talking to the Tansu broker). Every frame must decode and
//! re-encode byte-identical, every response must pair with its request, and
//! the records inside Produce and Fetch must be the ones the clients sent.

use std::collections::HashMap;

use kio_capture::{Direction, Options};
use kio_core::frame::{
    decode_request, decode_response, encode_request_frame, encode_response_frame,
};
use kio_core::records::{BatchItem, Compression};
use kio_core::{ApiKey, RequestBody, ResponseBody};

fn capture(name: &str) -> Vec<u8> {
    let local = format!(
        "{}/../kio-capture/testdata/{name}",
        env!("CARGO_MANIFEST_DIR")
    );
    let shared = format!(
        "{}/../../shared/captures/{name}",
        env!("CARGO_MANIFEST_DIR")
    );
    std::fs::read(&local)
        .or_else(|_| std::fs::read(&shared))
        .unwrap_or_else(|e| panic!("{name}: {e}"))
}

/// One decoded record: key, value, headers.
type Rec = (Vec<u8>, Vec<u8>, Vec<(String, Vec<u8>)>);

#[derive(Default)]
struct Seen {
    requests: usize,
    responses: usize,
    calls: HashMap<(i16, i16), usize>,
    produced: Vec<(Compression, Rec)>,
    fetched: Vec<(Compression, Rec)>,
}

fn records_of(bytes: &[u8], out: &mut Vec<(Compression, Rec)>) {
    for item in kio_core::RecordsBytes::new(bytes).batches() {
        let BatchItem::Batch(b) = item.expect("batch") else {
            continue;
        };
        let codec = b.compression();
        let decompressed;
        let records = if codec == Compression::None {
            b.records().expect("records")
        } else {
            decompressed = b.decompress_to_vec(1 << 20).expect("decompress");
            decompressed.records()
        };
        for r in records {
            let headers = r
                .headers()
                .map(|h| (h.key.to_string(), h.value.unwrap_or_default().to_vec()))
                .collect();
            out.push((
                codec,
                (
                    r.key.unwrap_or_default().to_vec(),
                    r.value.unwrap_or_default().to_vec(),
                    headers,
                ),
            ));
        }
    }
}

fn walk(name: &str) -> Seen {
    let bytes = capture(name);
    let cap = kio_capture::parse(&bytes, &Options::with_ports([19092])).expect("capture parses");
    assert!(
        cap.issues.is_empty(),
        "{name}: capture issues {:?}",
        cap.issues
    );
    let mut seen = Seen::default();
    for conn in &cap.connections {
        let mut pending: HashMap<i32, (ApiKey, i16)> = HashMap::new();
        for f in &conn.frames {
            let wire = f.to_wire();
            match f.direction {
                Direction::ToServer => {
                    let (header, body) = decode_request(&f.payload)
                        .unwrap_or_else(|e| panic!("{name}: request {e}"));
                    let mut again = Vec::new();
                    encode_request_frame(&mut again, &header, &body).expect("re-encode request");
                    assert_eq!(
                        again,
                        wire,
                        "{name}: request {:?} re-encodes differently",
                        body.api_key()
                    );
                    let key = body.api_key();
                    *seen
                        .calls
                        .entry((key.key(), header.request_api_version))
                        .or_default() += 1;
                    pending.insert(header.correlation_id, (key, header.request_api_version));
                    seen.requests += 1;
                    if let RequestBody::Produce(p) = &body {
                        for t in p.topic_data.iter() {
                            for part in t.partition_data.iter() {
                                if let Some(r) = &part.records {
                                    records_of(r.as_slice(), &mut seen.produced);
                                }
                            }
                        }
                    }
                }
                Direction::ToClient => {
                    let corr = f.correlation_id().expect("correlation id");
                    let (key, version) = pending
                        .remove(&corr)
                        .unwrap_or_else(|| panic!("{name}: unpaired response {corr}"));
                    let (header, body) = decode_response(&f.payload, key, version)
                        .unwrap_or_else(|e| panic!("{name}: {key} v{version} response {e}"));
                    assert_eq!(header.correlation_id, corr);
                    let mut again = Vec::new();
                    encode_response_frame(&mut again, key, version, &header, &body)
                        .expect("re-encode response");
                    assert_eq!(
                        again, wire,
                        "{name}: {key} v{version} response re-encodes differently"
                    );
                    seen.responses += 1;
                    if let ResponseBody::Fetch(fr) = &body {
                        for t in fr.responses.iter() {
                            for part in t.partitions.iter() {
                                if let Some(r) = &part.records {
                                    records_of(r.as_slice(), &mut seen.fetched);
                                }
                            }
                        }
                    }
                }
            }
        }
        assert!(
            pending.is_empty(),
            "{name}: requests without responses: {pending:?}"
        );
    }
    println!(
        "{name}: {} requests, {} responses, calls {:?}",
        seen.requests, seen.responses, seen.calls
    );
    seen
}

#[test]
fn kafka_python_session_decodes_and_reencodes() {
    let seen = walk("kafka-python-session.pcapng");
    assert_eq!(seen.requests, seen.responses);
    for (key, version) in [(18, 4), (3, 12), (19, 7), (22, 4), (0, 9), (2, 9), (1, 12)] {
        assert!(
            seen.calls.contains_key(&(key, version)),
            "missing API {key} v{version}"
        );
    }
    assert_eq!(seen.produced.len(), 6, "kafka-python produced 6 records");
    assert_eq!(seen.fetched.len(), 6, "and read the 6 back");
    let mut p: Vec<_> = seen.produced.iter().map(|r| &r.1).collect();
    let mut f: Vec<_> = seen.fetched.iter().map(|r| &r.1).collect();
    p.sort();
    f.sort();
    assert_eq!(p, f, "fetched records equal produced records");
    assert!(p.iter().all(|r| !r.2.is_empty()), "records carry headers");
}

#[test]
fn librdkafka_compression_decodes_every_record() {
    let seen = walk("librdkafka-compression.pcapng");
    assert_eq!(seen.requests, seen.responses);
    for (which, recs) in [("produced", &seen.produced), ("fetched", &seen.fetched)] {
        assert_eq!(recs.len(), 100, "{which}: 5 codecs x 20 records");
        for codec in [
            Compression::None,
            Compression::Gzip,
            Compression::Snappy,
            Compression::Lz4,
            Compression::Zstd,
        ] {
            let of_codec: Vec<&Rec> = recs.iter().filter(|r| r.0 == codec).map(|r| &r.1).collect();
            assert_eq!(of_codec.len(), 20, "{which}: 20 records with {codec:?}");
            for (n, (key, value, headers)) in of_codec.iter().enumerate() {
                assert_eq!(key, format!("k{n}").as_bytes(), "{which} {codec:?} key");
                assert_eq!(
                    value,
                    format!("value-{n} ").repeat(8).as_bytes(),
                    "{which} {codec:?} value"
                );
                let expect = vec![
                    ("h".to_string(), b"x".to_vec()),
                    ("h".to_string(), b"y".to_vec()),
                ];
                assert_eq!(
                    headers, &expect,
                    "{which} {codec:?}: duplicate header keys kept in order"
                );
            }
        }
    }
}
