//! Synthetic captures: TCP reassembly corner cases, link types, hostile input.

use std::net::SocketAddr;
use std::time::Duration;

use etherparse::PacketBuilder;
use kio_capture::{
    parse, Direction, FileFormat, IssueKind, LinkType, Options, Reassembler, ServerEvidence,
};

const CLIENT: ([u8; 4], u16) = ([10, 0, 0, 1], 40000);
const SERVER: ([u8; 4], u16) = ([10, 0, 0, 2], 9092);

#[derive(Clone, Copy, Default)]
struct Flags {
    syn: bool,
    ack: bool,
    fin: bool,
    rst: bool,
}

const NONE: Flags = Flags {
    syn: false,
    ack: true,
    fin: false,
    rst: false,
};
const SYN: Flags = Flags {
    syn: true,
    ack: false,
    fin: false,
    rst: false,
};
const SYNACK: Flags = Flags {
    syn: true,
    ack: true,
    fin: false,
    rst: false,
};
const FIN: Flags = Flags {
    syn: false,
    ack: true,
    fin: true,
    rst: false,
};

/// A raw IPv4 packet carrying one TCP segment.
fn ipv4_tcp(
    src: ([u8; 4], u16),
    dst: ([u8; 4], u16),
    seq: u32,
    flags: Flags,
    payload: &[u8],
) -> Vec<u8> {
    let mut b = PacketBuilder::ipv4(src.0, dst.0, 64).tcp(src.1, dst.1, seq, 65535);
    if flags.syn {
        b = b.syn();
    }
    if flags.ack {
        b = b.ack(1);
    }
    if flags.fin {
        b = b.fin();
    }
    if flags.rst {
        b = b.rst();
    }
    let mut out = Vec::new();
    b.write(&mut out, payload).unwrap();
    out
}

fn ipv6_tcp(src_port: u16, dst_port: u16, seq: u32, flags: Flags, payload: &[u8]) -> Vec<u8> {
    let mut a = [0u8; 16];
    a[15] = 1;
    let mut b = PacketBuilder::ipv6(a, a, 64).tcp(src_port, dst_port, seq, 65535);
    if flags.syn {
        b = b.syn();
    }
    if flags.ack {
        b = b.ack(1);
    }
    let mut out = Vec::new();
    b.write(&mut out, payload).unwrap();
    out
}

/// A classic little-endian microsecond pcap file of `link` packets.
fn pcap(link: u32, packets: &[Vec<u8>]) -> Vec<u8> {
    let mut f = Vec::new();
    f.extend_from_slice(&0xA1B2_C3D4u32.to_le_bytes());
    f.extend_from_slice(&2u16.to_le_bytes());
    f.extend_from_slice(&4u16.to_le_bytes());
    f.extend_from_slice(&[0; 8]);
    f.extend_from_slice(&65535u32.to_le_bytes());
    f.extend_from_slice(&link.to_le_bytes());
    for (i, p) in packets.iter().enumerate() {
        f.extend_from_slice(&1_700_000_000u32.to_le_bytes());
        f.extend_from_slice(&(i as u32 * 10).to_le_bytes());
        f.extend_from_slice(&(p.len() as u32).to_le_bytes());
        f.extend_from_slice(&(p.len() as u32).to_le_bytes());
        f.extend_from_slice(p);
    }
    f
}

/// A big-endian pcapng file, one interface with `if_tsresol` = 9 (ns).
fn pcapng_ns(link: u16, packets: &[Vec<u8>]) -> Vec<u8> {
    fn block(out: &mut Vec<u8>, ty: u32, body: &[u8]) {
        let len = 12 + body.len().div_ceil(4) * 4;
        out.extend_from_slice(&ty.to_be_bytes());
        out.extend_from_slice(&(len as u32).to_be_bytes());
        out.extend_from_slice(body);
        out.resize(out.len() + (len - 12 - body.len()), 0);
        out.extend_from_slice(&(len as u32).to_be_bytes());
    }
    let mut f = Vec::new();
    let mut shb = Vec::new();
    shb.extend_from_slice(&0x1A2B_3C4Du32.to_be_bytes());
    shb.extend_from_slice(&1u16.to_be_bytes());
    shb.extend_from_slice(&0u16.to_be_bytes());
    shb.extend_from_slice(&(-1i64).to_be_bytes());
    block(&mut f, 0x0A0D_0D0A, &shb);
    let mut idb = Vec::new();
    idb.extend_from_slice(&link.to_be_bytes());
    idb.extend_from_slice(&0u16.to_be_bytes());
    idb.extend_from_slice(&0u32.to_be_bytes());
    idb.extend_from_slice(&9u16.to_be_bytes()); // if_tsresol
    idb.extend_from_slice(&1u16.to_be_bytes());
    idb.extend_from_slice(&[9, 0, 0, 0]);
    idb.extend_from_slice(&[0, 0, 0, 0]); // opt_endofopt
    block(&mut f, 1, &idb);
    for (i, p) in packets.iter().enumerate() {
        let ts: u64 = 1_700_000_000_000_000_000 + i as u64 * 1_500;
        let mut epb = Vec::new();
        epb.extend_from_slice(&0u32.to_be_bytes());
        epb.extend_from_slice(&((ts >> 32) as u32).to_be_bytes());
        epb.extend_from_slice(&(ts as u32).to_be_bytes());
        epb.extend_from_slice(&(p.len() as u32).to_be_bytes());
        epb.extend_from_slice(&(p.len() as u32).to_be_bytes());
        epb.extend_from_slice(p);
        epb.resize(epb.len().div_ceil(4) * 4, 0);
        block(&mut f, 6, &epb);
    }
    f
}

/// A size-prefixed request frame (api key 3, version 12) with a body.
fn request(corr: i32, body_len: usize) -> Vec<u8> {
    let mut p = vec![0, 3, 0, 12];
    p.extend_from_slice(&corr.to_be_bytes());
    p.extend((0..body_len).map(|i| (i % 251) as u8));
    let mut f = (p.len() as u32).to_be_bytes().to_vec();
    f.extend_from_slice(&p);
    f
}

fn response(corr: i32, body_len: usize) -> Vec<u8> {
    let mut p = corr.to_be_bytes().to_vec();
    p.extend((0..body_len).map(|i| (i % 13) as u8));
    let mut f = (p.len() as u32).to_be_bytes().to_vec();
    f.extend_from_slice(&p);
    f
}

const C_ISN: u32 = 1000;
const S_ISN: u32 = 5000;

fn to_server(offset: usize, data: &[u8]) -> Vec<u8> {
    ipv4_tcp(CLIENT, SERVER, C_ISN + 1 + offset as u32, NONE, data)
}

fn to_client(offset: usize, data: &[u8]) -> Vec<u8> {
    ipv4_tcp(SERVER, CLIENT, S_ISN + 1 + offset as u32, NONE, data)
}

fn handshake() -> Vec<Vec<u8>> {
    vec![
        ipv4_tcp(CLIENT, SERVER, C_ISN, SYN, &[]),
        ipv4_tcp(SERVER, CLIENT, S_ISN, SYNACK, &[]),
        ipv4_tcp(CLIENT, SERVER, C_ISN + 1, NONE, &[]),
    ]
}

fn payloads(c: &kio_capture::Connection, d: Direction) -> Vec<Vec<u8>> {
    c.frames_in(d).map(|f| f.to_wire()).collect()
}

#[test]
fn out_of_order_retransmitted_split_and_coalesced() {
    let reqs: Vec<Vec<u8>> = vec![request(1, 3000), request(2, 10), request(3, 20)];
    let stream: Vec<u8> = reqs.concat();
    // Segments: [0,1000) [1000,2000) [2000,3012+..) covering frames 1..3 with
    // frame 2 and 3 coalesced into the last segment, a 2-byte split prefix.
    let cut = [0, 1000, 2000, 3010, stream.len()];
    let seg = |i: usize| to_server(cut[i], &stream[cut[i]..cut[i + 1]]);
    let resp = [response(1, 100), response(2, 0), response(3, 5)].concat();
    let mut packets = handshake();
    packets.push(seg(2)); // out of order
    packets.push(seg(0));
    packets.push(seg(0)); // retransmission
    packets.push(to_server(500, &stream[500..1500])); // overlapping retransmission
    packets.push(seg(3)); // still a hole at [1500, 2000)
    packets.push(seg(1));
    packets.push(to_client(0, &resp[..7]));
    packets.push(to_client(7, &resp[7..]));
    packets.push(ipv4_tcp(
        CLIENT,
        SERVER,
        C_ISN + 1 + stream.len() as u32,
        FIN,
        &[],
    ));

    let c = parse(&pcap(101, &packets), &Options::default()).unwrap();
    assert_eq!(c.format, Some(FileFormat::Pcap));
    assert_eq!(c.issues, vec![]);
    assert_eq!(c.packet_count, packets.len());
    assert_eq!(c.connections.len(), 1);
    let conn = &c.connections[0];
    assert_eq!(conn.client, SocketAddr::from(CLIENT));
    assert_eq!(conn.server, SocketAddr::from(SERVER));
    assert!(conn.handshake_seen && conn.closed);
    assert_eq!(payloads(conn, Direction::ToServer), reqs);
    assert_eq!(
        payloads(conn, Direction::ToClient),
        vec![response(1, 100), response(2, 0), response(3, 5)]
    );
    let f: Vec<_> = conn.frames_in(Direction::ToServer).collect();
    assert_eq!(f[0].stream_offset, 0);
    assert_eq!(f[0].packet_index, 4); // the first copy of segment 0
    assert_eq!(f[0].last_packet_index, 7); // its last bytes came with segment 3
    assert_eq!(f[1].stream_offset, 3012);
    assert_eq!(f[1].packet_index, 7);
    assert_eq!(f[0].api_key(), Some(3));
    assert_eq!(f[0].api_version(), Some(12));
    assert_eq!(f[2].correlation_id(), Some(3));
    assert_eq!(
        f[0].timestamp,
        Some(Duration::from_secs(1_700_000_000) + Duration::from_micros(40))
    );
    let r: Vec<_> = conn.frames_in(Direction::ToClient).collect();
    assert_eq!(r[1].correlation_id(), Some(2));
    assert_eq!(r[1].api_key(), None);
}

#[test]
fn sequence_numbers_wrap() {
    let isn = u32::MAX - 10;
    let stream = [request(7, 40), request(8, 40)].concat();
    let packets = vec![
        ipv4_tcp(CLIENT, SERVER, isn, SYN, &[]),
        ipv4_tcp(
            CLIENT,
            SERVER,
            isn.wrapping_add(1 + 30),
            NONE,
            &stream[30..],
        ),
        ipv4_tcp(CLIENT, SERVER, isn.wrapping_add(1), NONE, &stream[..30]),
    ];
    let c = parse(&pcap(101, &packets), &Options::default()).unwrap();
    assert_eq!(c.issues, vec![]);
    assert_eq!(
        payloads(&c.connections[0], Direction::ToServer),
        vec![request(7, 40), request(8, 40)]
    );
}

#[test]
fn gap_inside_a_frame_drops_only_that_frame() {
    let stream = [request(1, 100), request(2, 100), request(3, 10)].concat();
    let mut packets = handshake();
    packets.push(to_server(0, &stream[..50]));
    // bytes [50, 60) of frame 1 are never captured
    packets.push(to_server(60, &stream[60..]));
    let c = parse(&pcap(101, &packets), &Options::default()).unwrap();
    let kinds: Vec<_> = c.issues.iter().map(|i| &i.kind).collect();
    assert_eq!(
        kinds,
        // In packet order: the frame started in packet 3, the gap was seen
        // in packet 4.
        vec![
            &IssueKind::DamagedFrame {
                stream_offset: 0,
                declared_len: 108
            },
            &IssueKind::Gap {
                stream_offset: 50,
                len: 10
            },
        ]
    );
    assert_eq!(c.issues[1].direction, Some(Direction::ToServer));
    assert_eq!(c.issues[1].connection, Some(0));
    assert_eq!(c.issues[1].packet_index, Some(4));
    assert_eq!(
        payloads(&c.connections[0], Direction::ToServer),
        vec![request(2, 100), request(3, 10)]
    );
}

#[test]
fn gap_across_a_boundary_loses_sync() {
    let stream = [request(1, 100), request(2, 100), request(3, 10)].concat();
    let mut packets = handshake();
    packets.push(to_server(0, &stream[..100]));
    packets.push(to_server(150, &stream[150..]));
    let c = parse(&pcap(101, &packets), &Options::default()).unwrap();
    assert!(payloads(&c.connections[0], Direction::ToServer).is_empty());
    let kinds: Vec<_> = c.issues.iter().map(|i| i.kind.clone()).collect();
    assert_eq!(
        kinds,
        vec![
            IssueKind::Gap {
                stream_offset: 100,
                len: 50
            },
            IssueKind::FrameSyncLost {
                stream_offset: 0,
                skipped_bytes: 100 + (stream.len() as u64 - 150)
            },
        ]
    );
}

#[test]
fn missing_tail_before_fin_is_a_gap() {
    let stream = request(1, 100);
    let mut packets = handshake();
    packets.push(to_server(0, &stream[..50]));
    packets.push(ipv4_tcp(
        CLIENT,
        SERVER,
        C_ISN + 1 + stream.len() as u32,
        FIN,
        &[],
    ));
    let c = parse(&pcap(101, &packets), &Options::default()).unwrap();
    let kinds: Vec<_> = c.issues.iter().map(|i| i.kind.clone()).collect();
    assert_eq!(
        kinds,
        vec![
            IssueKind::DamagedFrame {
                stream_offset: 0,
                declared_len: 108
            },
            IssueKind::Gap {
                stream_offset: 50,
                len: 62
            },
        ]
    );
}

#[test]
fn huge_size_prefix_does_not_allocate_and_is_reported() {
    let mut data = 0x7FFF_FFFFu32.to_be_bytes().to_vec();
    data.extend_from_slice(&[0, 3, 0, 12, 0, 0, 0, 1]);
    let mut packets = handshake();
    packets.push(to_server(0, &data));
    let opts = Options {
        max_frame_len: u32::MAX,
        ..Options::default()
    };
    let c = parse(&pcap(101, &packets), &opts).unwrap();
    assert_eq!(
        c.issues[0].kind,
        IssueKind::TruncatedFrame {
            stream_offset: 0,
            declared_len: Some(0x7FFF_FFFF),
            available: 12
        }
    );
    // With the default limit it is an invalid size instead.
    let c = parse(&pcap(101, &packets), &Options::default()).unwrap();
    assert_eq!(
        c.issues[0].kind,
        IssueKind::InvalidFrameSize {
            stream_offset: 0,
            size: 0x7FFF_FFFF
        }
    );
    // And a negative one.
    data[0] = 0xFF;
    let mut packets = handshake();
    packets.push(to_server(0, &data));
    let c = parse(&pcap(101, &packets), &Options::default()).unwrap();
    assert!(matches!(
        c.issues[0].kind,
        IssueKind::InvalidFrameSize { size, .. } if size < 0
    ));
}

#[test]
fn link_types_all_give_the_same_frames() {
    let stream = [request(1, 30), request(2, 5)].concat();
    let resp = response(1, 9);
    let ip: Vec<Vec<u8>> = {
        let mut p = handshake();
        p.push(to_server(0, &stream[..20]));
        p.push(to_server(20, &stream[20..]));
        p.push(to_client(0, &resp));
        p
    };
    let wrap = |hdr: &dyn Fn(&[u8]) -> Vec<u8>| ip.iter().map(|p| hdr(p)).collect::<Vec<_>>();
    let ether = wrap(&|p| {
        let mut v = vec![2, 0, 0, 0, 0, 1, 2, 0, 0, 0, 0, 2, 0x08, 0x00];
        v.extend_from_slice(p);
        v.extend_from_slice(&[0; 4]); // trailing padding / FCS
        v
    });
    let vlan = wrap(&|p| {
        let mut v = vec![
            2, 0, 0, 0, 0, 1, 2, 0, 0, 0, 0, 2, 0x81, 0x00, 0, 5, 0x08, 0x00,
        ];
        v.extend_from_slice(p);
        v
    });
    let null = wrap(&|p| {
        let mut v = 2u32.to_le_bytes().to_vec();
        v.extend_from_slice(p);
        v
    });
    let sll = wrap(&|p| {
        let mut v = vec![0, 0, 0, 1, 0, 6, 0, 0, 0, 0, 0, 0, 0, 0, 0x08, 0x00];
        v.extend_from_slice(p);
        v
    });
    let sll2 = wrap(&|p| {
        let mut v = vec![0x08, 0x00, 0, 0, 0, 0, 0, 1, 0, 1, 0, 6];
        v.extend_from_slice(&[0; 8]);
        v.extend_from_slice(p);
        v
    });
    let cases: Vec<(u32, Vec<Vec<u8>>)> = vec![
        (1, ether.clone()),
        (1, vlan),
        (0, null),
        (108, wrap(&|p| [&2u32.to_be_bytes()[..], p].concat())),
        (113, sll),
        (276, sll2),
        (101, ip.clone()),
        (228, ip.clone()),
    ];
    for (link, packets) in cases {
        for file in [pcap(link, &packets), pcapng_ns(link as u16, &packets)] {
            let c = parse(&file, &Options::default()).unwrap();
            assert_eq!(c.issues, vec![], "link type {link}");
            let conn = &c.connections[0];
            assert_eq!(
                payloads(conn, Direction::ToServer),
                vec![request(1, 30), request(2, 5)],
                "link type {link}"
            );
            assert_eq!(payloads(conn, Direction::ToClient), vec![resp.clone()]);
        }
    }
    // pcapng nanosecond timestamps
    let c = parse(&pcapng_ns(1, &ether), &Options::default()).unwrap();
    assert_eq!(c.format, Some(FileFormat::PcapNg));
    let f = &c.connections[0].frames[0];
    assert_eq!(
        f.timestamp,
        Some(Duration::from_secs(1_700_000_000) + Duration::from_nanos(3 * 1_500))
    );
    // IPv6
    let v6 = vec![
        ipv6_tcp(40000, 9092, 7, SYN, &[]),
        ipv6_tcp(40000, 9092, 8, NONE, &stream),
    ];
    let c = parse(&pcap(229, &v6), &Options::default()).unwrap();
    assert_eq!(c.issues, vec![]);
    assert_eq!(c.connections[0].server, "[::1]:9092".parse().unwrap());
    assert_eq!(c.connections[0].frames.len(), 2);
    // An unsupported link type is reported once.
    let c = parse(&pcap(147, &ip), &Options::default()).unwrap();
    assert_eq!(c.issues.len(), 1);
    assert_eq!(
        c.issues[0].kind,
        IssueKind::UnsupportedLinkType { link_type: 147 }
    );
}

#[test]
fn server_side_detection() {
    let stream = request(9, 12);
    let resp = response(9, 3);
    // Port not in the list: ignored.
    let mut packets = handshake();
    packets.push(to_server(0, &stream));
    let c = parse(&pcap(101, &packets), &Options::with_ports([19092])).unwrap();
    assert_eq!((c.connections.len(), c.ignored_connections), (0, 1));
    // Auto with a SYN.
    let c = parse(&pcap(101, &packets), &Options::auto()).unwrap();
    assert_eq!(c.connections[0].server_evidence, ServerEvidence::Syn);
    assert_eq!(c.connections[0].server, SocketAddr::from(SERVER));
    // Auto, captured mid-stream, response seen first: Kafka headers decide.
    let packets = vec![to_client(0, &resp), to_server(0, &stream)];
    let c = parse(&pcap(101, &packets), &Options::auto()).unwrap();
    let conn = &c.connections[0];
    assert_eq!(conn.server_evidence, ServerEvidence::KafkaHeader);
    assert_eq!(conn.server, SocketAddr::from(SERVER));
    assert!(!conn.handshake_seen);
    assert_eq!(c.issues.len(), 2);
    assert!(c.issues.iter().all(|i| i.kind == IssueKind::MidStreamStart));
    assert_eq!(conn.frames[0].direction, Direction::ToClient);
    // Nothing to go on: the lower port.
    let packets = vec![to_server(0, &[1, 2, 3])];
    let c = parse(&pcap(101, &packets), &Options::auto()).unwrap();
    assert_eq!(c.connections[0].server_evidence, ServerEvidence::LowerPort);
    assert_eq!(c.connections[0].server, SocketAddr::from(SERVER));
}

#[test]
fn port_reuse_starts_a_new_connection() {
    let mut packets = handshake();
    packets.push(to_server(0, &request(1, 4)));
    packets.push(ipv4_tcp(CLIENT, SERVER, C_ISN + 13, FIN, &[]));
    packets.push(ipv4_tcp(CLIENT, SERVER, 90_000, SYN, &[]));
    packets.push(ipv4_tcp(CLIENT, SERVER, 90_001, NONE, &request(2, 4)));
    let c = parse(&pcap(101, &packets), &Options::default()).unwrap();
    assert_eq!(c.issues, vec![]);
    assert_eq!(c.connections.len(), 2);
    assert_eq!(c.connections[1].frames[0].correlation_id(), Some(2));
    assert_eq!(c.connections[1].first_packet_index, 5);
}

#[test]
fn truncated_frame_at_end_of_stream() {
    let stream = [request(1, 10), request(2, 10)].concat();
    let mut packets = handshake();
    packets.push(to_server(0, &stream[..stream.len() - 3]));
    let c = parse(&pcap(101, &packets), &Options::default()).unwrap();
    assert_eq!(c.connections[0].frames.len(), 1);
    assert_eq!(
        c.issues[0].kind,
        IssueKind::TruncatedFrame {
            stream_offset: 22,
            declared_len: Some(18),
            available: 19
        }
    );
}

#[test]
fn reassembler_takes_packets_directly() {
    let mut r = Reassembler::new(Options::default());
    for p in handshake() {
        r.push_packet(LinkType::Raw, None, &p);
    }
    assert_eq!(
        r.push_packet(LinkType::Raw, None, &to_server(0, &request(5, 0))),
        3
    );
    r.push_packet(LinkType::Raw, None, &[0x45, 0, 0]);
    let c = r.finish();
    assert_eq!(c.format, None);
    assert_eq!(c.connections[0].frames[0].correlation_id(), Some(5));
    assert_eq!(c.connections[0].frames[0].timestamp, None);
    assert!(matches!(
        c.issues[0].kind,
        IssueKind::UnparseablePacket { .. }
    ));
    assert_eq!(c.issues[0].packet_index, Some(4));
}

#[test]
fn not_a_capture() {
    assert!(parse(b"", &Options::default()).is_err());
    assert!(parse(b"hello world", &Options::default()).is_err());
    assert!(parse(&[0xD4, 0xC3, 0xB2, 0xA1, 0], &Options::default()).is_err());
    assert!(parse(&[0x0A, 0x0D, 0x0D, 0x0A, 0, 0, 0], &Options::default()).is_err());
}

const REAL: &[u8] = include_bytes!("../testdata/kafka-python-session.pcapng");

#[test]
fn truncated_file() {
    // Every cut of the real capture parses without panicking; cuts inside a
    // block say so, and the frames found are a prefix of the full result.
    let full = parse(REAL, &Options::with_ports([19092])).unwrap();
    let total: usize = full.connections.iter().map(|c| c.frames.len()).sum();
    let shb_len = u32::from_le_bytes(REAL[4..8].try_into().unwrap()) as usize;
    let mut truncated_reports = 0;
    for cut in (0..REAL.len()).step_by(13) {
        let Ok(c) = parse(&REAL[..cut], &Options::with_ports([19092])) else {
            assert!(cut < shb_len, "header-only failure at {cut}");
            continue;
        };
        if c.issues
            .iter()
            .any(|i| matches!(i.kind, IssueKind::TruncatedCapture { .. }))
        {
            truncated_reports += 1;
        }
        assert!(c.packet_count <= full.packet_count);
        for (conn, full_conn) in c.connections.iter().zip(&full.connections) {
            for d in [Direction::ToServer, Direction::ToClient] {
                let got: Vec<_> = conn.frames_in(d).collect();
                let want: Vec<_> = full_conn.frames_in(d).take(got.len()).collect();
                assert_eq!(got, want, "cut at {cut}");
            }
        }
        let n: usize = c.connections.iter().map(|c| c.frames.len()).sum();
        assert!(n <= total);
    }
    assert!(truncated_reports > 1000);
    // A specific cut in the middle of the file.
    let c = parse(&REAL[..REAL.len() / 2], &Options::with_ports([19092])).unwrap();
    assert!(c
        .issues
        .iter()
        .any(|i| matches!(i.kind, IssueKind::TruncatedCapture { .. })));
    assert!(c.packet_count < full.packet_count);
}

#[test]
fn mutated_files_never_panic() {
    // A deterministic xorshift: flip random bytes, set random u32s to
    // extreme values, and parse the result.
    let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
    let mut rnd = move || {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        x
    };
    let syn = pcap(1, &{
        let mut p = handshake();
        p.push(to_server(0, &request(1, 40)));
        p
    });
    // KIO_FUZZ_ITERS raises the count for a longer local run.
    let iters: usize = std::env::var("KIO_FUZZ_ITERS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(400);
    for base in [REAL.to_vec(), syn, pcapng_ns(1, &handshake())] {
        for _ in 0..iters {
            let mut f = base.clone();
            for _ in 0..(1 + rnd() % 8) {
                let at = (rnd() as usize) % f.len();
                match rnd() % 3 {
                    0 => f[at] ^= 1 << (rnd() % 8),
                    1 => {
                        let v = [0u32, 0xFFFF_FFFF, 0x7FFF_FFFF, 0x8000_0000][(rnd() % 4) as usize];
                        let end = (at + 4).min(f.len());
                        f[at..end].copy_from_slice(&v.to_be_bytes()[..end - at]);
                    }
                    _ => f[at] = rnd() as u8,
                }
            }
            for opts in [Options::auto(), Options::with_ports([19092, 9092])] {
                let _ = parse(&f, &opts);
            }
        }
    }
}
