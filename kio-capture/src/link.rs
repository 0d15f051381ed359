//! Link, IP and TCP headers of one captured packet.

use std::net::{IpAddr, SocketAddr};

use etherparse::{EtherType, NetSlice, SlicedPacket, TransportSlice};

use crate::LinkType;

/// The TCP part of a packet.
pub(crate) struct TcpSegment<'a> {
    pub src: SocketAddr,
    pub dst: SocketAddr,
    pub seq: u32,
    pub syn: bool,
    pub ack: bool,
    pub fin: bool,
    pub rst: bool,
    pub payload: &'a [u8],
}

/// What a packet turned out to be.
pub(crate) enum Parsed<'a> {
    Tcp(TcpSegment<'a>),
    /// IP fragment of a TCP segment (not reassembled).
    Fragment,
    /// Anything that is not TCP.
    NotTcp,
    /// The link type is not supported.
    Unsupported,
    /// Headers could not be parsed.
    Error(String),
}

pub(crate) fn parse_packet(link: LinkType, data: &[u8]) -> Parsed<'_> {
    let sliced = match link {
        LinkType::Ethernet => SlicedPacket::from_ethernet(data),
        // The 4-byte address family is in the capturing host's byte order
        // (NULL) or big-endian (LOOP); the IP version nibble says the same.
        LinkType::Null | LinkType::Loop => match data.get(4..) {
            Some(ip) => SlicedPacket::from_ip(ip),
            None => return Parsed::Error("loopback header shorter than 4 bytes".into()),
        },
        LinkType::Raw | LinkType::Ipv4 | LinkType::Ipv6 => SlicedPacket::from_ip(data),
        // SLL: packet type, ARPHRD type, address length, 8-byte address,
        // then the protocol (an EtherType) at bytes 14..16.
        LinkType::LinuxSll => match (data.get(14..16), data.get(16..)) {
            (Some(p), Some(rest)) => {
                SlicedPacket::from_ether_type(EtherType(u16::from_be_bytes([p[0], p[1]])), rest)
            }
            _ => return Parsed::Error("Linux cooked (SLL) header shorter than 16 bytes".into()),
        },
        // SLL2: the protocol comes first, the header is 20 bytes long.
        LinkType::LinuxSll2 => match (data.get(0..2), data.get(20..)) {
            (Some(p), Some(rest)) => {
                SlicedPacket::from_ether_type(EtherType(u16::from_be_bytes([p[0], p[1]])), rest)
            }
            _ => return Parsed::Error("Linux cooked (SLL2) header shorter than 20 bytes".into()),
        },
        LinkType::Other(_) => return Parsed::Unsupported,
    };
    let sliced = match sliced {
        Ok(s) => s,
        Err(e) => return Parsed::Error(e.to_string()),
    };
    let (src_ip, dst_ip, fragmented, tcp_proto) = match &sliced.net {
        Some(NetSlice::Ipv4(v4)) => (
            IpAddr::V4(v4.header().source_addr()),
            IpAddr::V4(v4.header().destination_addr()),
            v4.is_payload_fragmented(),
            v4.payload_ip_number() == etherparse::IpNumber::TCP,
        ),
        Some(NetSlice::Ipv6(v6)) => (
            IpAddr::V6(v6.header().source_addr()),
            IpAddr::V6(v6.header().destination_addr()),
            v6.is_payload_fragmented(),
            v6.payload().ip_number == etherparse::IpNumber::TCP,
        ),
        _ => return Parsed::NotTcp,
    };
    match &sliced.transport {
        Some(TransportSlice::Tcp(tcp)) => Parsed::Tcp(TcpSegment {
            src: SocketAddr::new(src_ip, tcp.source_port()),
            dst: SocketAddr::new(dst_ip, tcp.destination_port()),
            seq: tcp.sequence_number(),
            syn: tcp.syn(),
            ack: tcp.ack(),
            fin: tcp.fin(),
            rst: tcp.rst(),
            payload: tcp.payload(),
        }),
        _ if fragmented && tcp_proto => Parsed::Fragment,
        _ => Parsed::NotTcp,
    }
}
