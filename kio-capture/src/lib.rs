//! Kafka frames out of packet captures.
//!
//! `kio-capture` reads a pcap or pcapng capture of Kafka traffic from a byte
//! slice and gives back, for every TCP connection, the Kafka frames each side
//! sent, in order:
//!
//! 1. **Capture file**: pcap (micro- and nanosecond, either byte order) and
//!    pcapng (several sections and interfaces, `if_tsresol`/`if_tsoffset`),
//!    read with the [`pcap-file`](https://docs.rs/pcap-file) crate.
//! 2. **Link, IP, TCP**: Ethernet (with VLAN tags), Linux cooked capture v1
//!    (SLL) and v2 (SLL2), BSD loopback (`NULL` and `LOOP`), raw IPv4/IPv6,
//!    parsed with [`etherparse`](https://docs.rs/etherparse).
//! 3. **TCP reassembly** per connection and direction by sequence number:
//!    retransmitted and overlapping data is dropped, out-of-order segments are
//!    held until the missing bytes arrive, SYN and FIN are understood, a
//!    reused port after a new SYN starts a new connection. Bytes that never
//!    arrive are a [`IssueKind::Gap`], never glued over.
//! 4. **Kafka framing**: each direction's byte stream is cut into frames
//!    (4-byte big-endian size, then that many bytes). A frame can span many
//!    segments and a segment can hold many frames.
//!
//! Nothing here decodes Kafka messages beyond the first bytes of a frame
//! ([`Frame::api_key`], [`Frame::api_version`], [`Frame::correlation_id`]);
//! that is `kio-core`'s job.
//!
//! The core API parses from `&[u8]` and uses no threads, clock or filesystem,
//! so it builds for `wasm32-unknown-unknown`. Malformed input never panics:
//! every problem becomes an [`Issue`] in the result, and a frame size larger
//! than the bytes that exist never reserves memory up front.
//!
//! ```no_run
//! let bytes = std::fs::read("kafka.pcapng").unwrap();
//! let capture = kio_capture::parse(&bytes, &kio_capture::Options::default()).unwrap();
//! for conn in &capture.connections {
//!     println!("{} -> {}", conn.client, conn.server);
//!     for frame in &conn.frames {
//!         println!(
//!             "  {:?} {} bytes, correlation id {:?}",
//!             frame.direction,
//!             frame.payload.len(),
//!             frame.correlation_id()
//!         );
//!     }
//! }
//! for issue in &capture.issues {
//!     eprintln!("{issue}");
//! }
//! ```
#![forbid(unsafe_code)]
#![warn(missing_docs)]
#![cfg_attr(docsrs, feature(doc_cfg))]

/// This crate's README, compiled as doc tests.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
pub struct ReadmeDoctests;

mod file;
mod framer;
mod link;
mod reassembly;

use std::fmt;
use std::net::SocketAddr;
use std::time::Duration;

pub use reassembly::Reassembler;

/// Kafka's default listener port, the default of [`Options::server_ports`].
pub const DEFAULT_KAFKA_PORT: u16 = 9092;

/// Default of [`Options::max_frame_len`]: 256 MiB.
///
/// Kafka brokers refuse requests larger than `socket.request.max.bytes`
/// (100 MiB by default); a larger size prefix almost surely means the stream
/// is not Kafka or is not aligned on a frame boundary.
pub const DEFAULT_MAX_FRAME_LEN: u32 = 256 * 1024 * 1024;

/// At most this many [`Issue`]s are kept; the rest are only counted in
/// [`Capture::suppressed_issues`].
pub const MAX_ISSUES: usize = 10_000;

/// How to tell the Kafka server's side of a TCP connection.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ServerPorts {
    /// The server listens on one of these TCP ports. Connections that have
    /// none of them at either end are ignored (and counted in
    /// [`Capture::ignored_connections`]).
    List(Vec<u16>),
    /// Every TCP connection is kept and its server side is inferred; see
    /// [`ServerEvidence`] for the rules, strongest first.
    Auto,
}

impl Default for ServerPorts {
    /// `List(vec![9092])`.
    fn default() -> Self {
        ServerPorts::List(vec![DEFAULT_KAFKA_PORT])
    }
}

/// Options of [`parse`] and [`Reassembler::new`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Options {
    /// Which end of a connection is the Kafka server. Default: port 9092.
    pub server_ports: ServerPorts,
    /// A size prefix larger than this (or negative) is reported as
    /// [`IssueKind::InvalidFrameSize`] and stops framing that direction.
    /// Default: [`DEFAULT_MAX_FRAME_LEN`].
    pub max_frame_len: u32,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            server_ports: ServerPorts::default(),
            max_frame_len: DEFAULT_MAX_FRAME_LEN,
        }
    }
}

impl Options {
    /// Options with the server on one of `ports`.
    pub fn with_ports(ports: impl IntoIterator<Item = u16>) -> Self {
        Options {
            server_ports: ServerPorts::List(ports.into_iter().collect()),
            ..Options::default()
        }
    }

    /// Options that infer the server side of every TCP connection.
    pub fn auto() -> Self {
        Options {
            server_ports: ServerPorts::Auto,
            ..Options::default()
        }
    }
}

/// The container format of a capture file.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum FileFormat {
    /// Classic libpcap format (`.pcap`).
    Pcap,
    /// pcapng (`.pcapng`), the default of Wireshark and tcpdump today.
    PcapNg,
}

impl FileFormat {
    /// Recognises the format from the first bytes of a file (4 are enough).
    pub fn detect(bytes: &[u8]) -> Option<FileFormat> {
        let magic: [u8; 4] = bytes.get(..4)?.try_into().ok()?;
        match magic {
            [0x0A, 0x0D, 0x0D, 0x0A] => Some(FileFormat::PcapNg),
            [0xA1, 0xB2, 0xC3, 0xD4]
            | [0xD4, 0xC3, 0xB2, 0xA1]
            | [0xA1, 0xB2, 0x3C, 0x4D]
            | [0x4D, 0x3C, 0xB2, 0xA1] => Some(FileFormat::Pcap),
            _ => None,
        }
    }
}

/// The link-layer header type of captured packets (a `LINKTYPE_*` value).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum LinkType {
    /// `LINKTYPE_NULL` (0): BSD loopback, 4-byte address family in the
    /// capturing host's byte order.
    Null,
    /// `LINKTYPE_ETHERNET` (1), optionally with 802.1Q/802.1ad VLAN tags.
    Ethernet,
    /// `LINKTYPE_RAW` (101; also 12 and 14 on some BSDs): a bare IPv4 or IPv6
    /// packet.
    Raw,
    /// `LINKTYPE_LOOP` (108): OpenBSD loopback, address family in network
    /// byte order.
    Loop,
    /// `LINKTYPE_LINUX_SLL` (113): Linux cooked capture v1 (`-i any`).
    LinuxSll,
    /// `LINKTYPE_IPV4` (228): a bare IPv4 packet.
    Ipv4,
    /// `LINKTYPE_IPV6` (229): a bare IPv6 packet.
    Ipv6,
    /// `LINKTYPE_LINUX_SLL2` (276): Linux cooked capture v2.
    LinuxSll2,
    /// Any other link type; its packets are reported once as
    /// [`IssueKind::UnsupportedLinkType`] and skipped.
    Other(u32),
}

impl LinkType {
    /// The link type of a `LINKTYPE_*` number (as in pcap headers and pcapng
    /// interface blocks).
    pub fn from_number(n: u32) -> LinkType {
        match n {
            0 => LinkType::Null,
            1 => LinkType::Ethernet,
            12 | 14 | 101 => LinkType::Raw,
            108 => LinkType::Loop,
            113 => LinkType::LinuxSll,
            228 => LinkType::Ipv4,
            229 => LinkType::Ipv6,
            276 => LinkType::LinuxSll2,
            n => LinkType::Other(n),
        }
    }

    /// The `LINKTYPE_*` number.
    pub fn number(self) -> u32 {
        match self {
            LinkType::Null => 0,
            LinkType::Ethernet => 1,
            LinkType::Raw => 101,
            LinkType::Loop => 108,
            LinkType::LinuxSll => 113,
            LinkType::Ipv4 => 228,
            LinkType::Ipv6 => 229,
            LinkType::LinuxSll2 => 276,
            LinkType::Other(n) => n,
        }
    }
}

/// Which way a frame travelled.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Direction {
    /// From the client to the Kafka server: a request.
    ToServer,
    /// From the Kafka server to the client: a response.
    ToClient,
}

/// One Kafka frame as it travelled in one direction of a connection.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Frame {
    /// Which way the frame travelled.
    pub direction: Direction,
    /// The frame's bytes **without** the 4-byte size prefix: a request or
    /// response header followed by the body. The size prefix on the wire was
    /// `payload.len()` (see [`Frame::to_wire`]).
    pub payload: Vec<u8>,
    /// Capture time of the packet that carried the first byte of the size
    /// prefix, as a duration since the Unix epoch; `None` when the capture
    /// has no time for it (pcapng simple packet blocks, unknown resolution).
    pub timestamp: Option<Duration>,
    /// Offset of the size prefix's first byte in this direction's byte
    /// stream: 0 is the first byte after the SYN (or, when the handshake was
    /// not captured, the first byte captured).
    pub stream_offset: u64,
    /// Zero-based index, among all packets of the capture, of the packet that
    /// carried the size prefix's first byte (Wireshark's frame number is this
    /// plus one).
    pub packet_index: usize,
    /// Zero-based index of the packet that carried the frame's last byte.
    pub last_packet_index: usize,
}

/// The fixed start of every Kafka request header (all header versions).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct RequestHeaderPrefix {
    /// `request_api_key`.
    pub api_key: i16,
    /// `request_api_version`.
    pub api_version: i16,
    /// `correlation_id`.
    pub correlation_id: i32,
}

impl Frame {
    /// The size prefix as it was on the wire.
    pub fn size_prefix(&self) -> [u8; 4] {
        // Frames are never longer than `Options::max_frame_len` (a u32).
        (self.payload.len() as u32).to_be_bytes()
    }

    /// The frame as it was on the wire: size prefix then payload.
    pub fn to_wire(&self) -> Vec<u8> {
        let mut v = Vec::with_capacity(4 + self.payload.len());
        v.extend_from_slice(&self.size_prefix());
        v.extend_from_slice(&self.payload);
        v
    }

    /// For a [`Direction::ToServer`] frame of at least 8 bytes, the API key,
    /// version and correlation id at its start; `None` otherwise.
    pub fn request_header(&self) -> Option<RequestHeaderPrefix> {
        if self.direction != Direction::ToServer {
            return None;
        }
        let p = self.payload.get(..8)?;
        Some(RequestHeaderPrefix {
            api_key: i16::from_be_bytes([p[0], p[1]]),
            api_version: i16::from_be_bytes([p[2], p[3]]),
            correlation_id: i32::from_be_bytes([p[4], p[5], p[6], p[7]]),
        })
    }

    /// For a request ([`Direction::ToServer`]), its API key (bytes 0..2).
    pub fn api_key(&self) -> Option<i16> {
        self.request_header().map(|h| h.api_key)
    }

    /// For a request ([`Direction::ToServer`]), its API version (bytes 2..4).
    pub fn api_version(&self) -> Option<i16> {
        self.request_header().map(|h| h.api_version)
    }

    /// The correlation id: bytes 4..8 of a request, bytes 0..4 of a response.
    /// `None` when the frame is too short.
    pub fn correlation_id(&self) -> Option<i32> {
        match self.direction {
            Direction::ToServer => self.request_header().map(|h| h.correlation_id),
            Direction::ToClient => {
                let p = self.payload.get(..4)?;
                Some(i32::from_be_bytes([p[0], p[1], p[2], p[3]]))
            }
        }
    }
}

/// Why a connection's server side is the one it is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ServerEvidence {
    /// Its port is in [`ServerPorts::List`] and the other end's is not.
    Port,
    /// It received the connection's SYN.
    Syn,
    /// It sent the connection's SYN-ACK.
    SynAck,
    /// The same address and port is the server of another connection in the
    /// capture (decided by SYN or SYN-ACK).
    KnownServer,
    /// The other side's first frame looks like a Kafka request header, and
    /// this side's first frame (if any) answers its correlation id.
    KafkaHeader,
    /// No other clue: the lower port number is taken as the server
    /// (clients use high ephemeral ports).
    LowerPort,
}

/// One TCP connection and the Kafka frames it carried.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Connection {
    /// Position of this connection in [`Capture::connections`].
    pub index: usize,
    /// The client's address and port.
    pub client: SocketAddr,
    /// The server's address and port.
    pub server: SocketAddr,
    /// How the server side was told.
    pub server_evidence: ServerEvidence,
    /// Zero-based index of the connection's first captured packet.
    pub first_packet_index: usize,
    /// Whether the client's SYN was captured (so both streams start at a
    /// known frame boundary).
    pub handshake_seen: bool,
    /// Whether a FIN or RST was captured.
    pub closed: bool,
    /// Reassembled bytes from client to server (gaps not counted).
    pub bytes_to_server: u64,
    /// Reassembled bytes from server to client (gaps not counted).
    pub bytes_to_client: u64,
    /// The frames of both directions. Each direction's frames are in stream
    /// order; the two directions are merged by [`Frame::packet_index`]
    /// (ties: by [`Frame::last_packet_index`], then requests first).
    pub frames: Vec<Frame>,
}

impl Connection {
    /// The frames that travelled in `direction`, in stream order.
    pub fn frames_in(&self, direction: Direction) -> impl Iterator<Item = &Frame> + '_ {
        self.frames.iter().filter(move |f| f.direction == direction)
    }
}

/// Something in the capture that could not be read as a clean Kafka stream.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Issue {
    /// Zero-based packet index the issue is about, when it is about one.
    pub packet_index: Option<usize>,
    /// Index in [`Capture::connections`] of the connection it is about.
    pub connection: Option<usize>,
    /// The direction it is about, for stream issues.
    pub direction: Option<Direction>,
    /// What happened.
    pub kind: IssueKind,
}

/// What an [`Issue`] is.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum IssueKind {
    /// The file ends in the middle of a packet record or block; everything
    /// before it was read.
    TruncatedCapture {
        /// Byte offset in the file of the incomplete record.
        file_offset: usize,
    },
    /// A pcapng block could not be parsed and was skipped.
    MalformedBlock {
        /// Byte offset in the file of the block.
        file_offset: usize,
        /// Why.
        reason: String,
    },
    /// The file cannot be read past this point (the rest is ignored).
    CorruptCapture {
        /// Byte offset in the file where reading stopped.
        file_offset: usize,
        /// Why.
        reason: String,
    },
    /// Packets of this link type cannot be read (reported once per type).
    UnsupportedLinkType {
        /// The `LINKTYPE_*` number.
        link_type: u32,
    },
    /// A pcapng packet refers to an interface that was not described.
    UnknownInterface {
        /// The interface id in the packet block.
        interface_id: u32,
    },
    /// A packet's link, IP or TCP headers could not be parsed (for example a
    /// packet cut short by the snap length).
    UnparseablePacket {
        /// Why.
        reason: String,
    },
    /// An IP fragment carrying TCP: fragments are not reassembled, so its
    /// bytes will show up as a gap.
    IpFragment,
    /// The capture starts in the middle of this stream (its SYN was not
    /// captured); the first captured byte is assumed to start a frame.
    MidStreamStart,
    /// Bytes of the stream were never captured.
    Gap {
        /// Stream offset of the first missing byte.
        stream_offset: u64,
        /// How many bytes are missing.
        len: u64,
    },
    /// A frame some of whose bytes fell in a [`IssueKind::Gap`]; it was
    /// dropped, and framing continued after it.
    DamagedFrame {
        /// Stream offset of the frame's size prefix.
        stream_offset: u64,
        /// Its declared size (without the prefix).
        declared_len: u32,
    },
    /// A size prefix that is negative or larger than
    /// [`Options::max_frame_len`].
    InvalidFrameSize {
        /// Stream offset of the size prefix.
        stream_offset: u64,
        /// The size as read.
        size: i32,
    },
    /// Frame boundaries in this direction became unknown (after an invalid
    /// size or a gap across a frame boundary); the rest of the stream was not
    /// framed.
    FrameSyncLost {
        /// Stream offset from which bytes were not framed.
        stream_offset: u64,
        /// How many captured bytes were left unframed.
        skipped_bytes: u64,
    },
    /// The stream ends in the middle of a frame (or of its size prefix).
    TruncatedFrame {
        /// Stream offset of the frame's size prefix.
        stream_offset: u64,
        /// Its declared size, if the whole prefix was captured.
        declared_len: Option<u32>,
        /// How many bytes of it (prefix included) were there.
        available: u64,
    },
}

impl fmt::Display for IssueKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            IssueKind::TruncatedCapture { file_offset } => {
                write!(f, "capture file truncated at byte {file_offset}")
            }
            IssueKind::MalformedBlock { file_offset, reason } => {
                write!(f, "malformed pcapng block at byte {file_offset} skipped: {reason}")
            }
            IssueKind::CorruptCapture { file_offset, reason } => {
                write!(f, "capture unreadable from byte {file_offset}: {reason}")
            }
            IssueKind::UnsupportedLinkType { link_type } => {
                write!(f, "unsupported link type {link_type}: its packets are skipped")
            }
            IssueKind::UnknownInterface { interface_id } => {
                write!(f, "packet refers to undescribed interface {interface_id}")
            }
            IssueKind::UnparseablePacket { reason } => write!(f, "unparseable packet: {reason}"),
            IssueKind::IpFragment => write!(f, "IP fragment (not reassembled)"),
            IssueKind::MidStreamStart => {
                write!(f, "stream captured from mid-connection (no SYN)")
            }
            IssueKind::Gap { stream_offset, len } => {
                write!(f, "{len} bytes missing at stream offset {stream_offset}")
            }
            IssueKind::DamagedFrame {
                stream_offset,
                declared_len,
            } => write!(
                f,
                "frame of {declared_len} bytes at stream offset {stream_offset} dropped: bytes missing"
            ),
            IssueKind::InvalidFrameSize {
                stream_offset,
                size,
            } => write!(f, "invalid frame size {size} at stream offset {stream_offset}"),
            IssueKind::FrameSyncLost {
                stream_offset,
                skipped_bytes,
            } => write!(
                f,
                "frame boundaries lost at stream offset {stream_offset}: {skipped_bytes} bytes not framed"
            ),
            IssueKind::TruncatedFrame {
                stream_offset,
                declared_len,
                available,
            } => match declared_len {
                Some(n) => write!(
                    f,
                    "stream ends inside a frame at offset {stream_offset}: {available} of {} bytes",
                    u64::from(*n) + 4
                ),
                None => write!(
                    f,
                    "stream ends inside a size prefix at offset {stream_offset}: {available} of 4 bytes"
                ),
            },
        }
    }
}

impl fmt::Display for Issue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(p) = self.packet_index {
            write!(f, "packet {p}: ")?;
        }
        if let Some(c) = self.connection {
            write!(f, "connection {c}")?;
            if let Some(d) = self.direction {
                write!(f, " {d:?}")?;
            }
            write!(f, ": ")?;
        }
        write!(f, "{}", self.kind)
    }
}

/// Everything read from a capture.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Capture {
    /// The file format, when read by [`parse`].
    pub format: Option<FileFormat>,
    /// How many packets the capture holds.
    pub packet_count: usize,
    /// The kept TCP connections, in order of their first packet.
    pub connections: Vec<Connection>,
    /// TCP connections with no server port at either end (only with
    /// [`ServerPorts::List`]).
    pub ignored_connections: usize,
    /// Packets that carried no TCP (ARP, UDP, ICMP, ...).
    pub non_tcp_packets: usize,
    /// Problems met, ordered by [`Issue::packet_index`]; issues found at
    /// the end of a stream without a packet of their own come last. At most
    /// [`MAX_ISSUES`].
    pub issues: Vec<Issue>,
    /// Issues beyond [`MAX_ISSUES`], counted but not kept.
    pub suppressed_issues: usize,
}

/// The input is not a capture file at all.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FormatError {
    /// Why.
    pub reason: String,
}

impl fmt::Display for FormatError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "not a readable pcap/pcapng capture: {}", self.reason)
    }
}

impl std::error::Error for FormatError {}

/// Reads a pcap or pcapng capture from memory and returns its connections
/// and Kafka frames.
///
/// Fails only when the bytes are not a pcap/pcapng file (bad magic or an
/// unreadable file header); everything wrong after the header is reported in
/// [`Capture::issues`] and reading goes on where it can.
pub fn parse(capture: &[u8], options: &Options) -> Result<Capture, FormatError> {
    let mut r = Reassembler::new(options.clone());
    let format = file::read_capture(capture, &mut r)?;
    let mut c = r.finish();
    c.format = Some(format);
    Ok(c)
}
