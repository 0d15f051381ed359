//! TCP connections, stream reassembly by sequence number, and the
//! [`Reassembler`] that turns packets into a [`Capture`].

use std::collections::{BTreeMap, BTreeSet};
use std::net::SocketAddr;
use std::time::Duration;

use crate::framer::{Framer, RawFrame};
use crate::link::{parse_packet, Parsed, TcpSegment};
use crate::{
    Capture, Connection, Direction, Frame, Issue, IssueKind, LinkType, Options, ServerEvidence,
    ServerPorts, MAX_ISSUES,
};

/// A segment that arrived ahead of the bytes before it.
#[derive(Debug)]
struct Pending {
    data: Vec<u8>,
    packet_index: usize,
    timestamp: Option<Duration>,
}

/// One direction of a TCP connection.
#[derive(Debug)]
struct Stream {
    started: bool,
    /// Initial sequence number, when the SYN was captured.
    isn: Option<u32>,
    /// Sequence number of the next byte expected (stream offset `next`).
    next_seq: u32,
    /// Stream offset of the next byte expected.
    next: u64,
    /// Stream offset just past the last byte, when a FIN was captured.
    fin_at: Option<u64>,
    /// Out-of-order data by stream offset.
    pending: BTreeMap<u64, Pending>,
    framer: Framer,
    /// Reassembled bytes handed to the framer.
    bytes: u64,
    issues: Vec<(Option<usize>, IssueKind)>,
}

impl Stream {
    fn new(max_frame_len: u32) -> Self {
        Stream {
            started: false,
            isn: None,
            next_seq: 0,
            next: 0,
            fin_at: None,
            pending: BTreeMap::new(),
            framer: Framer::new(max_frame_len),
            bytes: 0,
            issues: Vec::new(),
        }
    }

    /// Stream offset of sequence number `seq`, relative to the next expected
    /// byte (sequence numbers wrap; a segment is assumed within 2 GiB of it).
    fn offset_of(&self, seq: u32) -> i64 {
        self.next as i64 + i64::from(seq.wrapping_sub(self.next_seq) as i32)
    }

    fn segment(&mut self, seg: &TcpSegment<'_>, packet_index: usize, ts: Option<Duration>) {
        if seg.syn && !self.started {
            self.started = true;
            self.isn = Some(seg.seq);
            self.next_seq = seg.seq.wrapping_add(1);
        }
        // The SYN takes one sequence number; data on a SYN follows it.
        let data_seq = if seg.syn {
            seg.seq.wrapping_add(1)
        } else {
            seg.seq
        };
        if !seg.payload.is_empty() && !self.started {
            self.started = true;
            self.next_seq = data_seq;
            self.issues
                .push((Some(packet_index), IssueKind::MidStreamStart));
        }
        if !self.started {
            return;
        }
        let off = self.offset_of(data_seq);
        if seg.fin {
            let end = off.saturating_add(seg.payload.len() as i64);
            if end >= 0 && self.fin_at.is_none() {
                self.fin_at = Some(end as u64);
            }
        }
        if seg.payload.is_empty() {
            return;
        }
        let (off, data) = if off < 0 {
            let cut = off.unsigned_abs();
            if cut >= seg.payload.len() as u64 {
                return; // all before the stream start: a stale retransmission
            }
            (0, &seg.payload[cut as usize..])
        } else {
            (off as u64, seg.payload)
        };
        self.insert(off, data, packet_index, ts);
    }

    fn insert(&mut self, off: u64, data: &[u8], packet_index: usize, ts: Option<Duration>) {
        let end = off + data.len() as u64;
        if end <= self.next {
            return; // retransmission of bytes already delivered
        }
        if off <= self.next {
            let skip = (self.next - off) as usize;
            self.deliver(&data[skip..], packet_index, ts);
            self.drain_pending();
        } else {
            let keep_old = self
                .pending
                .get(&off)
                .is_some_and(|p| p.data.len() >= data.len());
            if !keep_old {
                self.pending.insert(
                    off,
                    Pending {
                        data: data.to_vec(),
                        packet_index,
                        timestamp: ts,
                    },
                );
            }
        }
    }

    fn drain_pending(&mut self) {
        while let Some(entry) = self.pending.first_entry() {
            if *entry.key() > self.next {
                break;
            }
            let (off, p) = entry.remove_entry();
            let end = off + p.data.len() as u64;
            if end > self.next {
                let skip = (self.next - off) as usize;
                self.deliver(&p.data[skip..], p.packet_index, p.timestamp);
            }
        }
    }

    fn deliver(&mut self, data: &[u8], packet_index: usize, ts: Option<Duration>) {
        self.framer.push(data, packet_index, ts);
        self.next += data.len() as u64;
        self.next_seq = self.next_seq.wrapping_add(data.len() as u32);
        self.bytes += data.len() as u64;
    }

    fn gap_to(&mut self, to: u64, packet_index: Option<usize>) {
        if to > self.next {
            let len = to - self.next;
            self.issues.push((
                packet_index,
                IssueKind::Gap {
                    stream_offset: self.next,
                    len,
                },
            ));
            self.framer.gap(len);
            self.next = to;
            self.next_seq = self.next_seq.wrapping_add(len as u32);
        }
    }

    /// End of capture: what is still pending lies after a gap.
    fn finish(&mut self) {
        while let Some((off, p)) = self.pending.pop_first() {
            self.gap_to(off, Some(p.packet_index));
            let end = off + p.data.len() as u64;
            if end > self.next {
                let skip = (self.next - off) as usize;
                self.deliver(&p.data[skip..], p.packet_index, p.timestamp);
            }
        }
        if let Some(fin) = self.fin_at {
            self.gap_to(fin, None);
        }
        self.framer.finish();
        self.issues.append(&mut self.framer.issues);
    }
}

/// One TCP connection while packets are read.
#[derive(Debug)]
struct Conn {
    /// Source of the first packet seen (side 0).
    a: SocketAddr,
    /// Destination of the first packet seen (side 1).
    b: SocketAddr,
    first_packet: usize,
    /// `streams[0]` is a→b, `streams[1]` is b→a.
    streams: [Stream; 2],
    /// Side that received a SYN without ACK.
    syn_to: Option<usize>,
    /// Side that sent a SYN-ACK.
    synack_from: Option<usize>,
    closed: bool,
}

impl Conn {
    fn side_of(&self, src: SocketAddr) -> usize {
        usize::from(src != self.a)
    }

    fn addr(&self, side: usize) -> SocketAddr {
        if side == 0 {
            self.a
        } else {
            self.b
        }
    }
}

/// Turns captured packets into connections and Kafka frames.
///
/// [`parse`](crate::parse) drives one for a whole capture file; use it
/// directly to feed packets from elsewhere (a live capture, another file
/// reader, synthetic tests): call [`Reassembler::push_packet`] for each
/// packet in capture order, then [`Reassembler::finish`].
#[derive(Debug)]
pub struct Reassembler {
    options: Options,
    packet_count: usize,
    conns: Vec<Conn>,
    /// Connection currently using each (lower, higher) address pair.
    by_key: BTreeMap<(SocketAddr, SocketAddr), usize>,
    /// Issues not tied to a connection.
    issues: Vec<(Option<usize>, IssueKind)>,
    unsupported_links: BTreeSet<u32>,
    non_tcp: usize,
}

impl Reassembler {
    /// A reassembler with no packets yet.
    pub fn new(options: Options) -> Self {
        Reassembler {
            options,
            packet_count: 0,
            conns: Vec::new(),
            by_key: BTreeMap::new(),
            issues: Vec::new(),
            unsupported_links: BTreeSet::new(),
            non_tcp: 0,
        }
    }

    /// Adds the next packet of the capture: `data` starts with the link-layer
    /// header of `link`, `timestamp` is its capture time since the Unix
    /// epoch. Returns the packet's zero-based index. Never fails: packets
    /// that cannot be read become issues.
    pub fn push_packet(
        &mut self,
        link: LinkType,
        timestamp: Option<Duration>,
        data: &[u8],
    ) -> usize {
        let index = self.packet_count;
        self.packet_count += 1;
        match parse_packet(link, data) {
            Parsed::Tcp(seg) => self.push_tcp(index, timestamp, &seg),
            Parsed::Fragment => self.issues.push((Some(index), IssueKind::IpFragment)),
            Parsed::NotTcp => self.non_tcp += 1,
            Parsed::Unsupported => {
                if self.unsupported_links.insert(link.number()) {
                    self.issues.push((
                        Some(index),
                        IssueKind::UnsupportedLinkType {
                            link_type: link.number(),
                        },
                    ));
                }
            }
            Parsed::Error(reason) => self
                .issues
                .push((Some(index), IssueKind::UnparseablePacket { reason })),
        }
        index
    }

    /// Counts a packet record that could not be handed over, with why.
    pub(crate) fn skip_packet(&mut self, issue: Option<IssueKind>) -> usize {
        let index = self.packet_count;
        self.packet_count += 1;
        if let Some(kind) = issue {
            self.issues.push((Some(index), kind));
        }
        index
    }

    /// Records an issue not tied to a connection.
    pub(crate) fn report(&mut self, packet_index: Option<usize>, kind: IssueKind) {
        self.issues.push((packet_index, kind));
    }

    fn push_tcp(&mut self, index: usize, ts: Option<Duration>, seg: &TcpSegment<'_>) {
        let key = if seg.src <= seg.dst {
            (seg.src, seg.dst)
        } else {
            (seg.dst, seg.src)
        };
        let existing = self.by_key.get(&key).copied().filter(|&ci| {
            // A fresh SYN with another initial sequence number on a known
            // address pair is a new connection (port reuse).
            let c = &self.conns[ci];
            let s = &c.streams[c.side_of(seg.src)];
            !(seg.syn && !seg.ack && s.started && s.isn != Some(seg.seq))
        });
        let ci = match existing {
            Some(ci) => ci,
            None => {
                let max = self.options.max_frame_len;
                self.conns.push(Conn {
                    a: seg.src,
                    b: seg.dst,
                    first_packet: index,
                    streams: [Stream::new(max), Stream::new(max)],
                    syn_to: None,
                    synack_from: None,
                    closed: false,
                });
                let ci = self.conns.len() - 1;
                self.by_key.insert(key, ci);
                ci
            }
        };
        let conn = &mut self.conns[ci];
        let side = conn.side_of(seg.src);
        if seg.syn && !seg.ack {
            conn.syn_to.get_or_insert(1 - side);
        }
        if seg.syn && seg.ack {
            conn.synack_from.get_or_insert(side);
        }
        if seg.fin || seg.rst {
            conn.closed = true;
        }
        // After a RST nothing more is delivered; its payload (if any) is a
        // diagnostic text, not stream data.
        if !seg.rst {
            conn.streams[side].segment(seg, index, ts);
        }
    }

    /// Ends the capture: reports gaps and incomplete frames, decides each
    /// connection's server side and returns everything found.
    pub fn finish(mut self) -> Capture {
        for c in &mut self.conns {
            for s in &mut c.streams {
                s.finish();
            }
        }
        // Servers known from handshakes, for connections that lack one.
        let known: BTreeSet<SocketAddr> = self
            .conns
            .iter()
            .filter_map(|c| c.syn_to.or(c.synack_from).map(|s| c.addr(s)))
            .collect();

        let mut issues: Vec<Issue> = self
            .issues
            .drain(..)
            .map(|(packet_index, kind)| Issue {
                packet_index,
                connection: None,
                direction: None,
                kind,
            })
            .collect();
        let mut connections = Vec::new();
        let mut ignored = 0;
        for mut c in self.conns {
            let Some((server_side, evidence)) =
                choose_server(&c, &self.options.server_ports, &known)
            else {
                ignored += 1;
                continue;
            };
            let index = connections.len();
            let client_side = 1 - server_side;
            let mut to_server = std::mem::take(&mut c.streams[client_side].framer.frames);
            let mut to_client = std::mem::take(&mut c.streams[server_side].framer.frames);
            for (side, dir) in [
                (client_side, Direction::ToServer),
                (server_side, Direction::ToClient),
            ] {
                for (packet_index, kind) in c.streams[side].issues.drain(..) {
                    issues.push(Issue {
                        packet_index,
                        connection: Some(index),
                        direction: Some(dir),
                        kind,
                    });
                }
            }
            let frames = merge(
                to_server.drain(..).map(|f| frame(f, Direction::ToServer)),
                to_client.drain(..).map(|f| frame(f, Direction::ToClient)),
            );
            connections.push(Connection {
                index,
                client: c.addr(client_side),
                server: c.addr(server_side),
                server_evidence: evidence,
                first_packet_index: c.first_packet,
                handshake_seen: c.streams[client_side].isn.is_some(),
                closed: c.closed,
                bytes_to_server: c.streams[client_side].bytes,
                bytes_to_client: c.streams[server_side].bytes,
                frames,
            });
        }
        // In capture order; issues without a packet (end-of-stream ones) last.
        issues.sort_by_key(|i| i.packet_index.unwrap_or(usize::MAX));
        let suppressed_issues = issues.len().saturating_sub(MAX_ISSUES);
        issues.truncate(MAX_ISSUES);
        Capture {
            format: None,
            packet_count: self.packet_count,
            connections,
            ignored_connections: ignored,
            non_tcp_packets: self.non_tcp,
            issues,
            suppressed_issues,
        }
    }
}

fn frame(f: RawFrame, direction: Direction) -> Frame {
    Frame {
        direction,
        payload: f.payload,
        timestamp: f.timestamp,
        stream_offset: f.stream_offset,
        packet_index: f.packet_index,
        last_packet_index: f.last_packet_index,
    }
}

/// Merges two directions, each kept in stream order, by packet index.
fn merge(a: impl Iterator<Item = Frame>, b: impl Iterator<Item = Frame>) -> Vec<Frame> {
    let mut a = a.peekable();
    let mut b = b.peekable();
    let mut out = Vec::new();
    loop {
        let take_a = match (a.peek(), b.peek()) {
            (Some(x), Some(y)) => {
                (x.packet_index, x.last_packet_index) <= (y.packet_index, y.last_packet_index)
            }
            (Some(_), None) => true,
            (None, Some(_)) => false,
            (None, None) => break,
        };
        out.extend(if take_a { a.next() } else { b.next() });
    }
    out
}

/// The correlation id of a frame that looks like the start of a request.
fn request_correlation(f: &RawFrame) -> Option<i32> {
    let p = f.payload.get(..8)?;
    let key = i16::from_be_bytes([p[0], p[1]]);
    let version = i16::from_be_bytes([p[2], p[3]]);
    ((0..=1000).contains(&key) && (0..=100).contains(&version))
        .then(|| i32::from_be_bytes([p[4], p[5], p[6], p[7]]))
}

fn response_correlation(f: &RawFrame) -> Option<i32> {
    let p = f.payload.get(..4)?;
    Some(i32::from_be_bytes([p[0], p[1], p[2], p[3]]))
}

/// Which side is the server, and why; `None` to ignore the connection.
fn choose_server(
    c: &Conn,
    ports: &ServerPorts,
    known: &BTreeSet<SocketAddr>,
) -> Option<(usize, ServerEvidence)> {
    if let ServerPorts::List(list) = ports {
        match (list.contains(&c.a.port()), list.contains(&c.b.port())) {
            (true, false) => return Some((0, ServerEvidence::Port)),
            (false, true) => return Some((1, ServerEvidence::Port)),
            (false, false) => return None,
            (true, true) => {}
        }
    }
    if let Some(s) = c.syn_to {
        return Some((s, ServerEvidence::Syn));
    }
    if let Some(s) = c.synack_from {
        return Some((s, ServerEvidence::SynAck));
    }
    match (known.contains(&c.a), known.contains(&c.b)) {
        (true, false) => return Some((0, ServerEvidence::KnownServer)),
        (false, true) => return Some((1, ServerEvidence::KnownServer)),
        _ => {}
    }
    // side `client` sent a plausible request and the other side's first
    // frame answers it (or there is none): the other side is the server.
    let first = |side: usize| c.streams[side].framer.frames.first();
    for strict in [true, false] {
        for client in [0, 1] {
            let Some(corr) = first(client).and_then(request_correlation) else {
                continue;
            };
            let answer = first(1 - client).and_then(response_correlation);
            if answer == Some(corr) || (!strict && answer.is_none()) {
                return Some((1 - client, ServerEvidence::KafkaHeader));
            }
        }
    }
    let server = if c.a.port() < c.b.port() { 0 } else { 1 };
    Some((server, ServerEvidence::LowerPort))
}
