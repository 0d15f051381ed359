//! Real captures of Kafka clients talking to a Tansu broker (see
//! `shared/captures/README.md`).

use std::collections::{BTreeMap, HashSet};

use kio_capture::{parse, Capture, Connection, Direction, Options, ServerEvidence};

const KAFKA_PYTHON: &[u8] = include_bytes!("../testdata/kafka-python-session.pcapng");

fn librdkafka() -> Option<Vec<u8>> {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../shared/captures/librdkafka-compression.pcapng"
    );
    match std::fs::read(path) {
        Ok(b) => Some(b),
        Err(e) => {
            eprintln!("skipping: cannot read {path}: {e}");
            None
        }
    }
}

/// (connections, requests, responses) and checks that hold for any clean capture.
fn check(name: &str, c: &Capture) -> (usize, usize, usize, BTreeMap<(i16, i16), usize>) {
    for i in &c.issues {
        eprintln!("{name}: issue: {i}");
    }
    assert!(c.issues.is_empty(), "{name}: unexpected issues");
    let mut apis: BTreeMap<(i16, i16), usize> = BTreeMap::new();
    let (mut req, mut resp) = (0, 0);
    for conn in &c.connections {
        assert_eq!(conn.server.port(), 19092);
        assert!(conn.handshake_seen);
        let mut seen = HashSet::new();
        let mut last = [0u64; 2];
        for f in &conn.frames {
            let d = f.direction as usize;
            assert!(f.stream_offset >= last[d], "stream order");
            last[d] = f.stream_offset + 4 + f.payload.len() as u64;
            assert!(f.timestamp.is_some());
            assert!(f.packet_index <= f.last_packet_index);
            match f.direction {
                Direction::ToServer => {
                    req += 1;
                    let h = f.request_header().expect("request header");
                    *apis.entry((h.api_key, h.api_version)).or_default() += 1;
                    seen.insert(h.correlation_id);
                }
                Direction::ToClient => {
                    resp += 1;
                    let id = f.correlation_id().expect("correlation id");
                    assert!(
                        seen.contains(&id),
                        "{name}: response {id} in connection {} answers no earlier request",
                        conn.index
                    );
                }
            }
        }
        // Streams are fully framed: the frames account for every byte.
        let framed = |d| {
            conn.frames_in(d)
                .map(|f| 4 + f.payload.len() as u64)
                .sum::<u64>()
        };
        assert_eq!(framed(Direction::ToServer), conn.bytes_to_server);
        assert_eq!(framed(Direction::ToClient), conn.bytes_to_client);
    }
    println!(
        "{name}: {} packets, {} connections, {req} requests, {resp} responses",
        c.packet_count,
        c.connections.len()
    );
    for conn in &c.connections {
        println!(
            "  #{} {} -> {}: {} requests, {} responses",
            conn.index,
            conn.client,
            conn.server,
            conn.frames_in(Direction::ToServer).count(),
            conn.frames_in(Direction::ToClient).count()
        );
    }
    println!("  (api_key, api_version) -> requests: {apis:?}");
    (c.connections.len(), req, resp, apis)
}

#[test]
fn kafka_python_session() {
    let c = parse(KAFKA_PYTHON, &Options::with_ports([19092])).unwrap();
    assert_eq!(c.packet_count, 101);
    let (conns, req, resp, apis) = check("kafka-python", &c);
    // Cross-checked with tshark's Kafka dissector (`-d tcp.port==19092,kafka`).
    assert_eq!((conns, req, resp), (6, 22, 22));
    let per_conn: Vec<_> = c
        .connections
        .iter()
        .map(|c| c.frames_in(Direction::ToServer).count())
        .collect();
    assert_eq!(per_conn, [2, 3, 2, 3, 2, 10]);
    let want = [
        ((0, 9), 1),
        ((1, 12), 7),
        ((2, 9), 1),
        ((3, 12), 5),
        ((18, 4), 6),
        ((19, 7), 1),
        ((22, 4), 1),
    ];
    assert_eq!(apis, BTreeMap::from(want));
    // Auto-detection finds the same connections from the handshakes.
    let auto = parse(KAFKA_PYTHON, &Options::auto()).unwrap();
    assert_eq!(
        auto.connections,
        c.connections
            .iter()
            .map(|c| Connection {
                server_evidence: ServerEvidence::Syn,
                ..c.clone()
            })
            .collect::<Vec<_>>()
    );
}

#[test]
fn librdkafka_compression() {
    let Some(bytes) = librdkafka() else { return };
    let c = parse(&bytes, &Options::with_ports([19092])).unwrap();
    assert_eq!(c.packet_count, 212);
    let (conns, req, resp, apis) = check("librdkafka", &c);
    // Cross-checked with tshark's Kafka dissector (`-d tcp.port==19092,kafka`).
    assert_eq!((conns, req, resp), (15, 41, 41));
    let want = [
        ((0, 10), 5),
        ((1, 16), 2),
        ((3, 12), 9),
        ((10, 2), 2),
        ((18, 3), 15),
        ((19, 4), 1),
        ((71, 0), 7),
    ];
    assert_eq!(apis, BTreeMap::from(want));
}
